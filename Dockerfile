# draftcoach Discord bot: docker build -t draftcoach . && docker run -e DISCORD_TOKEN=... -v draftcoach-data:/data draftcoach
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Install the package (with its default config/ and prompts/ inside the wheel), then
# drop the sources: the image runs the installed `draftcoach` command only.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY config ./config
COPY prompts ./prompts
RUN pip install . && rm -rf /src

RUN useradd --create-home --uid 10001 draftcoach \
    && mkdir /data && chown draftcoach:draftcoach /data
USER draftcoach
WORKDIR /data

# Server settings, watched channels and the draft -> reply map survive restarts here.
ENV DRAFTCOACH_DATABASE=/data/draftcoach.sqlite3
VOLUME ["/data"]

# `draftcoach run` shuts down cleanly on SIGTERM (docker stop).
STOPSIGNAL SIGTERM
ENTRYPOINT ["draftcoach"]
CMD ["run"]
