"""draftcoach: coaches social-media teams on their drafts before they post."""

__version__ = "0.1.0"
