"""Reading config files a user wrote, and telling them in one line what is wrong.

A config file is small YAML: it is refused when it is too large, not UTF-8, nested
too deeply, or when its aliases would expand it past a limit (a few lines of
``&a [*b, *b, …]`` can stand for billions of values). Schema errors name the file and
the key and quote at most :data:`QUOTE_CHARS` characters of the value.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.errors import ConfigError, DraftcoachError

#: Bytes a config file may hold; the packaged rule files are a few dozen kilobytes.
MAX_CONFIG_BYTES = 1 << 20
#: Values that aliases may add to a document beyond the ones written out.
MAX_ALIAS_EXPANSION = 10_000
#: Characters of a bad value quoted in an error message.
QUOTE_CHARS = 80

_REPR = reprlib.Repr()
_REPR.maxstring = QUOTE_CHARS
_REPR.maxother = QUOTE_CHARS
_REPR.maxlong = QUOTE_CHARS
_REPR.maxlevel = 3
for _name in ("maxlist", "maxtuple", "maxdict", "maxset", "maxfrozenset"):
    setattr(_REPR, _name, 4)


def quote(value: Any) -> str:
    """``value`` as the user would recognise it, in at most :data:`QUOTE_CHARS` characters,
    however large or deeply nested it is."""
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError):  # an int too long to print, a self-containing list
        text = f"<{type(value).__name__}>"
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3] + "..."


class _Expansion:
    """Counts the values a composed document stands for once its aliases are expanded."""

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()

    def size(self, node: yaml.Node) -> int:
        key = id(node)
        known = self.sizes.get(key)
        if known is not None:
            return known
        if key in self.open:
            raise ConfigError("an alias refers to a value that contains it")
        self.open.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(self.size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(self.size(k) + self.size(v) for k, v in node.value)
        self.open.discard(key)
        self.sizes[key] = total
        return total


try:  # libyaml reads a file's events ten times faster than PyYAML's own parser
    from yaml.cyaml import CParser as _EventParser
except ImportError:  # PyYAML built without libyaml
    class _EventParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _BoundedLoader(yaml.composer.Composer, _EventParser, yaml.constructor.SafeConstructor,
                     yaml.resolver.Resolver):
    """PyYAML's safe loader, refusing documents whose aliases expand past a limit. Its
    nodes are composed in Python, where a document nested too deeply is a RecursionError
    (libyaml's own composer would crash the process)."""

    def __init__(self, stream: str) -> None:
        _EventParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # PyYAML keeps the last of two equal keys without a word; in a rule file that
        # silently merges two rules, so it is an error naming the line.
        seen: set[str] = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if key.value in seen:
                    raise ConfigError(f"line {key.start_mark.line + 1}: key {quote(key.value)} "
                                      "appears twice in one mapping")
                seen.add(key.value)
        return super().construct_mapping(node, deep=deep)

    def compose_document(self) -> yaml.Node:
        node = super().compose_document()
        expansion = _Expansion()
        expanded = expansion.size(node)
        if expanded - len(expansion.sizes) > MAX_ALIAS_EXPANSION:
            raise ConfigError(
                f"its aliases expand to {expanded:,} values (at most "
                f"{MAX_ALIAS_EXPANSION:,} more than are written out)"
            )
        return node


def parse_yaml(text: str, where: Path | str) -> Any:
    """The YAML in ``text``; anything wrong with it is a one-line ConfigError."""
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader: plain data only
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except yaml.YAMLError as exc:
        # PyYAML's messages span several lines; the user gets one.
        raise ConfigError(f"{where}: not valid YAML ({' '.join(str(exc).split())})") from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply") from None
    except ValueError as exc:  # a value YAML reads but Python cannot hold: 9999…, 2024-13-45
        raise ConfigError(f"{where}: a value cannot be read ({quote(str(exc))})") from None


def decode_utf8(data: bytes, where: Path | str,
                error: type[DraftcoachError] = ConfigError) -> str:
    """``data`` as text; bytes that are not UTF-8 are a one-line ``error``."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"{where}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def read_yaml(path: Path) -> Any:
    """A config file's YAML; a broken, unreadable or oversized file is a one-line
    ConfigError."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; "
                          "is this the right file?")
    return parse_yaml(decode_utf8(data, path), path)


#: A name that is safe in a file name: no paths, no spaces.
PLAIN_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#: A language's ISO 639-1 code.
LANGUAGE_CODE = r"^[a-z]{2}$"
#: A lexicon's concept: upper-case words joined by hyphens (``SELF``, ``OPENING-ORDER``).
CONCEPT_NAME = r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$"
#: What a user is told when a value does not match one of the schemas' patterns.
PATTERN_MEANINGS = {
    PLAIN_NAME: "must be a plain name: letters, digits, '.', '_' or '-'",
    LANGUAGE_CODE: "must be a two-letter language code",
    CONCEPT_NAME: "is not a concept name: upper case words joined by hyphens",
}

#: How pydantic names the branch of a union, or a mapping's key, in an error's location
#: ("int", "constrained-str", "list[str]", "[key]"): never a key of a file, which may
#: itself hold a hyphen ("CHAT-VIA", "own-win").
_UNION_TAG = re.compile(r"^(?:int|float|str|bool|constrained-[a-z]+|[a-z-]*\[.*)$")

_PROBLEMS = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "dataclass_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "missing": "is required",
    "missing_argument": "is required",
    "extra_forbidden": "is not a known key",
    "unexpected_keyword_argument": "is not a known key",
}


def _problem(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _PROBLEMS:
        return _PROBLEMS[kind]
    if kind == "greater_than":
        return f"must be above {ctx['gt']}"
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']} or more"
    if kind == "less_than":
        return f"must be below {ctx['lt']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else (
            f"must be at least {ctx['min_length']} characters")
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']:,} characters"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"must hold at least {least:,} entries"
    if kind == "too_long" and "max_length" in ctx:
        return f"must hold at most {ctx['max_length']:,} entries"
    if kind == "too_long":
        return error["msg"].replace("List should", "must").replace("Value should", "must")
    if kind == "string_pattern_mismatch":
        return PATTERN_MEANINGS.get(ctx["pattern"], f"must match {ctx['pattern']}")
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    message = str(error["msg"])
    return message[0].lower() + message[1:]


def schema_error(exc: ValidationError, where: Path | str, prefix: Iterable[str] = (),
                 origins: Mapping[tuple[str, ...], str] | None = None, *,
                 quote_key: bool = False) -> ConfigError:
    """One line for the first problem pydantic found: the file (or the environment
    variable the value came from), the dotted key (in quotes with ``quote_key``), what
    it must be, and the value."""
    errors = exc.errors(include_url=False)
    error = errors[0]
    # A key may be any YAML scalar, line breaks and all: such a one is shown escaped.
    loc = tuple(str(part) if str(part).isprintable() else quote(str(part))
                for part in error["loc"])
    if loc[-1:] in (("int",), ("float",)):  # a number that may be whole or not
        error = next((e for e in errors if tuple(map(str, e["loc"])) == (*loc[:-1], "float")),
                     error)
    # A union names the branch it tried ("int", "constrained-str", "list[str]"): the
    # user knows the key alone.
    tag = next((i for i, part in enumerate(loc) if _UNION_TAG.search(part)), len(loc))
    loc = (*prefix, *loc[:tag])
    origin = (origins or {}).get(loc)
    key = f"'{'.'.join(loc)}'" if quote_key else ".".join(loc)
    problem = _problem(error)
    if error["type"] in ("missing", "missing_argument", "extra_forbidden",
                         "unexpected_keyword_argument"):
        return ConfigError(f"{where}: {key} {problem}")
    got = quote(error.get("input"))
    if origin is not None:
        return ConfigError(f"{origin} ({key}) {problem}, got {got}")
    return ConfigError(f"{where}: {key} {problem}, got {got}")


Schema = TypeVar("Schema")


def validated(schema: TypeAdapter[Schema], data: Any, where: Path | str,
              expected: str = "a mapping") -> Schema:
    """``data`` (a mapping) as ``schema`` reads it; anything else is one line naming
    ``where`` and the key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected {expected}")
    try:
        return schema.validate_python(data)
    except ValidationError as exc:
        raise schema_error(exc, where, quote_key=True) from None
