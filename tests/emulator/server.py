"""A small Discord REST + gateway emulator on 127.0.0.1 for socket-level tests.

The real discord.py client logs into it: REST calls go to ``/api/v10`` and the gateway
(see :mod:`tests.emulator.gateway`) is a websocket at ``/gateway``. Test helpers send
what members do (post, edit, run a slash command, click, submit a modal) as the
gateway events Discord would send.

Every REST call is recorded; a route the emulator does not know answers 404 and lands
in ``unknown_routes`` so a test can fail on it. Messages are checked against the limits
Discord enforces (content, embeds, empty messages) and interactions against the
three-second acknowledgement deadline, answering with Discord's own error codes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import yarl
from aiohttp import web

from tests.emulator.gateway import Gateway
from tests.emulator.limits import command_problems, message_problems
from tests.emulator.payloads import PUBLIC_THREAD, Json, World
from tests.emulator.ratelimit import RateLimits

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
INTERACTION_DEADLINE = 3.0
EPHEMERAL = 1 << 6
LOADING = 1 << 7
_CHANNEL_MESSAGES = re.compile(r"/channels/(?P<channel>\d+)/messages$")
_MESSAGE = re.compile(r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)$")
WEBHOOK_MESSAGE = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)"

# Interaction callback types.
MESSAGE_WITH_SOURCE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL = 4, 5, 6, 7, 9


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any
    at: float  # time.monotonic() when the request arrived
    status: int = 200
    reply: Any = None  # the JSON the emulator answered with


@dataclass(slots=True)
class Interaction:
    payload: Json
    created: float
    responses: list[Json] = field(default_factory=list)
    original_id: str | None = None

    @property
    def acknowledged(self) -> bool:
        return bool(self.responses)


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: Json | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.errors = status, code, errors or {}

    def body(self) -> Json:
        body: Json = {"message": str(self), "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


Handler = Callable[..., Awaitable[Any]]


class DiscordEmulator:
    def __init__(self, world: World | None = None, *, heartbeat_interval_ms: int = 41_250,
                 echo_own_messages: bool = True,
                 rate_limits: RateLimits | None = None) -> None:
        self.world = world or World()
        #: Writes per channel route and window; None: no limits and no rate-limit headers.
        self.rate_limits = rate_limits
        self.gateway = Gateway(self.world, "", heartbeat_interval_ms)
        #: Discord sends the bot its own messages back over the gateway; a bot must ignore them.
        self.echo_own_messages = echo_own_messages
        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.rejected: list[tuple[RecordedRequest, str]] = []
        self.commands: dict[str | None, list[Json]] = {}  # guild id (None: global) -> commands
        self.messages: dict[str, Json] = {}
        #: Thread id -> the members the bot added to it.
        self.thread_members: dict[str, set[str]] = {}
        #: Attachment id -> the bytes served at its URL.
        self.files: dict[str, bytes] = {}
        self.interactions: dict[str, Interaction] = {}
        self._tokens: dict[str, str] = {}  # interaction token -> interaction id
        self._answers: dict[str, list[RecordedRequest]] = {}  # message id -> bot's answers
        self._answer_of: dict[str, str] = {}  # bot's answer id -> the message it answers
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            (method, re.compile(pattern + "$"), handler) for method, pattern, handler in [
                ("GET", r"/gateway(?:/bot)?", self._gateway_info),
                ("GET", r"/users/@me", self._me),
                ("GET", r"/oauth2/applications/@me", self._application),
                ("GET", r"/applications/@me", self._application),
                ("GET", r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands",
                 self._get_commands),
                ("PUT", r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands",
                 self._put_commands),
                ("GET", r"/channels/(?P<channel>\d+)", self._get_channel),
                ("PATCH", r"/channels/(?P<channel>\d+)", self._edit_channel),
                ("POST", r"/channels/(?P<channel>\d+)/typing", self._no_content),
                ("POST", r"/channels/(?P<channel>\d+)/messages", self._create_message),
                ("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self._get_message),
                ("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)",
                 self._edit_message),
                ("DELETE", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)",
                 self._delete_message),
                ("PUT", r"/channels/\d+/messages/\d+/reactions/[^/]+/@me", self._no_content),
                ("DELETE", r"/channels/\d+/messages/\d+/reactions/[^/]+/@me", self._no_content),
                ("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads",
                 self._thread_from_message),
                ("PUT", r"/channels/(?P<channel>\d+)/thread-members/(?P<user>\d+)",
                 self._add_thread_member),
                ("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback",
                 self._interaction_callback),
                ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._followup),
                ("GET", WEBHOOK_MESSAGE, self._get_webhook_message),
                ("PATCH", WEBHOOK_MESSAGE, self._edit_webhook_message),
                ("DELETE", WEBHOOK_MESSAGE, self._delete_webhook_message),
            ]
        ]

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> DiscordEmulator:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.serve)
        app.router.add_get("/attachments/{id}/{name}", self._serve_attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._api)
        self._runner, self.port = await serve_on_loopback(app)
        self.gateway.url = self.gateway_url
        return self

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- what the test waits on --------------------------------------------------------

    def mark(self) -> int:
        """A position in ``requests``; pass it as ``since`` to wait only for later calls."""
        return len(self.requests)

    async def wait_for_request(self, method: str, path: str, *, since: int = 0,
                               where: Callable[[RecordedRequest], bool] | None = None,
                               timeout: float = 5.0) -> RecordedRequest:
        """The first request at or after ``since`` whose path matches the regex ``path``."""
        pattern = re.compile(path + "$")

        def find() -> RecordedRequest | None:
            for request in self.requests[since:]:
                if (request.method == method and pattern.match(request.path)
                        and (where is None or where(request))):
                    return request
            return None

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: find() is not None), timeout)
        found = find()
        assert found is not None
        return found

    def answers_to(self, message_id: str) -> list[RecordedRequest]:
        """The bot's messages answering ``message_id`` (a reply to it, or a post in the thread
        started from it), then the edits of those messages, in the order they arrived."""
        return self._answers.get(message_id, [])

    def _index_answer(self, request: RecordedRequest) -> None:
        if request.status != 200:
            return
        if request.method == "POST" and (match := _CHANNEL_MESSAGES.match(request.path)):
            reference = (request.body or {}).get("message_reference") or {}
            for answered in (match["channel"], str(reference.get("message_id"))):
                if answered in self.messages and answered != request.reply["id"]:
                    self._answer_of[request.reply["id"]] = answered
                    self._answers.setdefault(answered, []).append(request)
                    return
        elif request.method == "PATCH" and (match := _MESSAGE.match(request.path)):
            answered = self._answer_of.get(match["message"])
            if answered is not None:
                self._answers[answered].append(request)

    async def settle(self, quiet: float = 0.2, timeout: float = 5.0) -> None:
        """Wait until no request has arrived for ``quiet`` seconds: the bot is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.requests[-1].at if self.requests else 0.0
            if time.monotonic() - last >= quiet:
                return
            await asyncio.sleep(quiet / 4)

    def requests_to(self, method: str, path: str, *, since: int = 0) -> list[RecordedRequest]:
        pattern = re.compile(path + "$")
        return [r for r in self.requests[since:] if r.method == method and pattern.match(r.path)]

    # -- events the test sends ---------------------------------------------------------

    async def dispatch(self, event: str, data: Json) -> None:
        await self.gateway.dispatch(event, data)

    async def send_message(self, content: str, *, channel: str = "drafts",
                           author: str = "alice", **extra: Any) -> Json:
        """A member posts ``content``: MESSAGE_CREATE, as Discord sends it."""
        member = self.world.member(author)
        message = self.world.message(self.world.channel(channel)["id"], member.user, content,
                                     member=member, **extra)
        self.messages[message["id"]] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    async def send_dm(self, content: str, *, author: str = "alice", **extra: Any) -> Json:
        """A member sends the bot a direct message."""
        member = self.world.member(author)
        channel = self.world.dm_channel(member)
        message = self.world.message(channel["id"], member.user, content, **extra)
        self.messages[message["id"]] = message
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    def attachment(self, filename: str, data: bytes, content_type: str = "text/plain") -> Json:
        """An uploaded file as a message carries it; its URL serves ``data``."""
        attachment_id = self.world.ids.next()
        self.files[attachment_id] = data
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
        return {"id": attachment_id, "filename": filename, "size": len(data), "url": url,
                "proxy_url": url, "content_type": content_type}

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    async def edit_message(self, message: Json, content: str) -> Json:
        message.update(content=content, edited_timestamp=message["timestamp"])
        await self.dispatch("MESSAGE_UPDATE", message)
        return message

    async def slash_command(self, name: str, options: list[Json] | None = None, *,
                            user: str = "alice", channel: str = "drafts",
                            resolved: Json | None = None) -> Interaction:
        """``/name`` with ``options`` (Discord's nested option objects, for subcommands too);
        ``resolved`` carries the channels, users or roles those options name."""
        command = self._registered(name, kind=1)
        data = {"id": command.get("id", self.world.ids.next()), "name": name, "type": 1,
                "options": options or []}
        if resolved:
            data["resolved"] = resolved
        return await self._interact(2, data, user=user, channel=channel)

    async def context_menu(self, name: str, target: Json, *, user: str = "alice") -> Interaction:
        command = self._registered(name, kind=3)
        data = {"id": command.get("id", self.world.ids.next()), "name": name, "type": 3,
                "target_id": target["id"], "resolved": {"messages": {target["id"]: target}}}
        return await self._interact(2, data, user=user, channel_id=target["channel_id"])

    async def click(self, message: Json, custom_id: str, *, user: str = "alice") -> Interaction:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(3, data, user=user, channel_id=message["channel_id"],
                                    message=message)

    async def select(self, message: Json, custom_id: str, values: list[str], *,
                     user: str = "alice") -> Interaction:
        """A member picks ``values`` in the string select ``custom_id`` on ``message``."""
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self._interact(3, data, user=user, channel_id=message["channel_id"],
                                    message=message)

    async def submit_modal(self, custom_id: str, values: dict[str, str], *,
                           user: str = "alice", channel: str = "drafts",
                           channel_id: str | None = None) -> Interaction:
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                for key, value in values.items()]
        data = {"custom_id": custom_id, "components": rows}
        return await self._interact(5, data, user=user, channel=channel, channel_id=channel_id)

    async def archive_thread(self, thread_id: str, *, locked: bool = False) -> None:
        """The thread goes quiet long enough for Discord to archive it (THREAD_UPDATE);
        ``locked``: a moderator locked it too, so only they can reopen it."""
        thread = self._channel(thread_id)
        thread["thread_metadata"].update(archived=True, locked=locked)
        await self.dispatch("THREAD_UPDATE", thread)

    async def drop_connection(self, *, replay: int = 0) -> None:
        """Drop the gateway connection; see :meth:`Gateway.drop_connection`."""
        await self.gateway.drop_connection(replay=replay)

    def _registered(self, name: str, *, kind: int) -> Json:
        for commands in self.commands.values():
            for command in commands:
                if command["name"] == name and command.get("type", 1) == kind:
                    return command
        return {}

    async def _interact(self, kind: int, data: Json, *, user: str, channel: str = "drafts",
                        channel_id: str | None = None, message: Json | None = None
                        ) -> Interaction:
        payload = self.world.interaction(
            kind, data, member=self.world.member(user),
            channel_id=channel_id or self.world.channel(channel)["id"], message=message)
        interaction = Interaction(payload, time.monotonic())
        self.interactions[payload["id"]] = interaction
        self._tokens[payload["token"]] = payload["id"]
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    # -- REST ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body = await _read_body(request)
        recorded = RecordedRequest(request.method, path, dict(request.query), body,
                                   time.monotonic())
        headers: dict[str, str] = {}
        status, reply = await self._route(request.method, path, body, recorded, headers)
        recorded = RecordedRequest(recorded.method, path, recorded.query, body, recorded.at,
                                   status, reply)
        self.requests.append(recorded)
        self._index_answer(recorded)
        async with self._arrived:
            self._arrived.notify_all()
        if status == 204:
            return web.Response(status=204, headers=headers)
        return _json_response(reply, status, headers)

    async def _route(self, method: str, path: str, body: Any, recorded: RecordedRequest,
                     headers: dict[str, str]) -> tuple[int, Any]:
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and route_method == method:
                channel = match.groupdict().get("channel")
                if self.rate_limits is not None and channel and method != "GET":
                    verdict = self.rate_limits.check(method + pattern.pattern, channel)
                    headers.update(verdict.headers)
                    if not verdict.allowed:
                        return 429, {"message": "You are being rate limited.",
                                     "retry_after": verdict.retry_after, "global": False}
                try:
                    result = await handler(body, **match.groupdict())
                except ApiError as error:
                    self.rejected.append((recorded, str(error)))
                    return error.status, error.body()
                return (204, None) if result is None else (200, result)
        self.unknown_routes.append(recorded)
        return 404, {"message": "404: Not Found", "code": 0}

    async def _no_content(self, body: Any, **_: str) -> None:
        return None

    async def _gateway_info(self, body: Any) -> Json:
        return {"url": self.gateway_url, "shards": 1, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}

    async def _me(self, body: Any) -> Json:
        return self.world.bot_user

    async def _application(self, body: Any) -> Json:
        return self.world.application()

    async def _get_commands(self, body: Any, app: str, guild: str | None) -> list[Json]:
        return self.commands.get(guild, [])

    async def _put_commands(self, body: Any, app: str, guild: str | None) -> list[Json]:
        if not isinstance(body, list):
            raise ApiError(400, 50035, "Invalid Form Body")
        problems = [problem for command in body for problem in command_problems(command)]
        if problems:
            raise ApiError(400, 50035, "; ".join(problems))
        stored = [{"id": self.world.ids.next(), "application_id": app, "version": "1",
                   "guild_id": guild, "type": 1, "default_member_permissions": None,
                   "description": "", "options": [], **command} for command in body]
        self.commands[guild] = stored
        return stored

    def _channel(self, channel_id: str) -> Json:
        try:
            return self.world.channels[channel_id]
        except KeyError:
            raise ApiError(404, 10003, "Unknown Channel") from None

    def _message(self, message_id: str) -> Json:
        try:
            return self.messages[message_id]
        except KeyError:
            raise ApiError(404, 10008, "Unknown Message") from None

    async def _get_channel(self, body: Any, channel: str) -> Json:
        return self._channel(channel)

    async def _edit_channel(self, body: Json, channel: str) -> Json:
        """Only what a bot does to a thread: archive or unarchive it."""
        stored = self._channel(channel)
        if stored["type"] != PUBLIC_THREAD or set(body) - {"archived", "locked"}:
            raise ApiError(400, 50035, f"the emulator edits threads' archived/locked only: {body}")
        if stored["thread_metadata"].get("locked") and body.get("archived") is False:
            # Reopening a locked thread takes Manage Threads, which the bot is not given.
            raise ApiError(403, 50013, "Missing Permissions")
        stored["thread_metadata"].update(body)
        await self.dispatch("THREAD_UPDATE", stored)
        return stored

    def thread_is_archived(self, channel_id: str) -> bool:
        metadata = self._channel(channel_id).get("thread_metadata") or {}
        return bool(metadata.get("archived"))

    def _new_message(self, channel_id: str, body: Json, *, check: bool = True,
                     **extra: Any) -> Json:
        problems = message_problems(body) if check else []
        if problems:
            raise ApiError(400, 50006 if "empty" in problems[0] else 50035,
                           "; ".join(problems))
        fields = {key: body[key] for key in ("embeds", "components", "flags") if key in body}
        message = self.world.message(channel_id, self.world.bot_user, body.get("content") or "",
                                     **fields, **extra)
        if "message_reference" in body:
            reference = body["message_reference"]
            message["message_reference"] = reference
            message["referenced_message"] = self.messages.get(str(reference.get("message_id")))
            message["type"] = 19
        self.messages[message["id"]] = message
        return message

    async def _echo(self, event: str, message: Json) -> None:
        if self.echo_own_messages and not message.get("flags", 0) & EPHEMERAL:
            await self.dispatch(event, message)

    async def _create_message(self, body: Json, channel: str) -> Json:
        if self.thread_is_archived(channel):
            if self._channel(channel)["thread_metadata"].get("locked"):
                raise ApiError(400, 50083, "Thread is archived")
            # Discord reopens an archived thread that someone posts in (unless it is locked).
            await self._edit_channel({"archived": False}, channel)
        message = self._new_message(channel, body)
        await self._echo("MESSAGE_CREATE", message)
        return message

    async def _get_message(self, body: Any, channel: str, message: str) -> Json:
        return self._message(message)

    async def _edit_message(self, body: Json, channel: str, message: str) -> Json:
        if self.thread_is_archived(channel):
            raise ApiError(400, 50083, "Thread is archived")
        stored = self._message(message)
        problems = message_problems({**stored, **body})
        if problems:
            raise ApiError(400, 50035, "; ".join(problems))
        stored.update({k: v for k, v in body.items() if k in ("content", "embeds", "components",
                                                              "flags")})
        stored["edited_timestamp"] = stored["timestamp"]
        await self._echo("MESSAGE_UPDATE", stored)
        return stored

    async def _delete_message(self, body: Any, channel: str, message: str) -> None:
        self._message(message)
        del self.messages[message]
        await self.dispatch("MESSAGE_DELETE", {"id": message, "channel_id": channel,
                                               "guild_id": self.world.guild_id})

    async def _thread_from_message(self, body: Json, channel: str, message: str) -> Json:
        parent = self._channel(channel)
        self._message(message)
        if parent["type"] == PUBLIC_THREAD:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        if message in self.world.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        thread = self.world.add_channel(str(body.get("name") or "thread")[:100],
                                        kind=PUBLIC_THREAD, parent_id=channel,
                                        channel_id=message)
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    async def _add_thread_member(self, body: Any, channel: str, user: str) -> None:
        thread = self._channel(channel)
        if thread["type"] != PUBLIC_THREAD:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        if user not in self.world.members:
            raise ApiError(404, 10013, "Unknown User")
        self.thread_members.setdefault(channel, set()).add(user)
        return None

    # -- interactions --------------------------------------------------------------------

    def _interaction(self, token: str) -> Interaction:
        try:
            return self.interactions[self._tokens[token]]
        except KeyError:
            raise ApiError(404, 10015, "Unknown Webhook") from None

    async def _interaction_callback(self, body: Json, interaction: str, token: str) -> Json:
        found = self.interactions.get(interaction)
        if found is None or found.payload["token"] != token:
            raise ApiError(404, 10062, "Unknown interaction")
        if time.monotonic() - found.created > INTERACTION_DEADLINE:
            raise ApiError(404, 10062, "Unknown interaction")
        if found.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        kind, data = body.get("type"), body.get("data") or {}
        found.responses.append(body)
        channel_id = found.payload["channel_id"]
        reply: Json = {"id": interaction, "type": found.payload["type"]}
        resource: Json = {"type": kind}
        if kind in (MESSAGE_WITH_SOURCE, DEFERRED_MESSAGE):
            if kind == DEFERRED_MESSAGE:  # "draftcoach is thinking…"
                data = {"flags": (data.get("flags") or 0) | LOADING}
            message = self._new_message(
                channel_id, data, check=kind == MESSAGE_WITH_SOURCE,
                interaction_metadata={"id": interaction, "type": found.payload["type"],
                                      "user": presser(found.payload)})
            found.original_id = message["id"]
            resource["message"] = message
            reply.update(response_message_id=message["id"],
                         response_message_loading=kind == DEFERRED_MESSAGE,
                         response_message_ephemeral=bool(message["flags"] & EPHEMERAL))
            if kind == MESSAGE_WITH_SOURCE:
                await self._echo("MESSAGE_CREATE", message)
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE):
            # A button's "original response" is the message the button is on.
            target = found.payload.get("message")
            if target is None:
                raise ApiError(400, 50035, "Only component interactions can update a message")
            stored = self.messages.setdefault(target["id"], target)
            found.original_id = stored["id"]
            if kind == UPDATE_MESSAGE:
                problems = message_problems({**stored, **data})
                if problems:
                    raise ApiError(400, 50035, "; ".join(problems))
                stored.update({k: v for k, v in data.items() if k in ("content", "embeds",
                                                                      "components")})
                resource["message"] = stored
                await self._echo("MESSAGE_UPDATE", stored)
        elif kind != MODAL:
            raise ApiError(400, 50035, f"Invalid interaction response type {kind}")
        return {"interaction": reply, "resource": resource}

    def _webhook_target(self, token: str, message: str) -> Json:
        interaction = self._interaction(token)
        if message == "@original":
            if interaction.original_id is None:
                raise ApiError(404, 10008, "Unknown Message")
            message = interaction.original_id
        return self._message(message)

    async def _followup(self, body: Json, app: str, token: str) -> Json:
        interaction = self._interaction(token)
        if not interaction.acknowledged:
            raise ApiError(404, 10015, "Unknown Webhook")
        message = self._new_message(interaction.payload["channel_id"], body,
                                    webhook_id=app, application_id=app)
        await self._echo("MESSAGE_CREATE", message)
        return message

    async def _get_webhook_message(self, body: Any, app: str, token: str, message: str) -> Json:
        return self._webhook_target(token, message)

    async def _edit_webhook_message(self, body: Json, app: str, token: str, message: str) -> Json:
        stored = self._webhook_target(token, message)
        candidate = {**stored, **body}
        problems = message_problems(candidate)
        if problems:
            raise ApiError(400, 50035, "; ".join(problems))
        stored.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        stored["flags"] = stored.get("flags", 0) & ~LOADING
        await self._echo("MESSAGE_UPDATE", stored)
        return stored

    async def _delete_webhook_message(self, body: Any, app: str, token: str,
                                      message: str) -> None:
        stored = self._webhook_target(token, message)
        del self.messages[stored["id"]]
        if not stored.get("flags", 0) & EPHEMERAL:
            await self.dispatch("MESSAGE_DELETE", {"id": stored["id"],
                                                   "channel_id": stored["channel_id"],
                                                   "guild_id": self.world.guild_id})


def presser(payload: Json) -> Json:
    """The user behind an interaction: a guild member's user, or the user in a DM."""
    return payload["member"]["user"] if "member" in payload else payload["user"]


async def serve_on_loopback(app: web.Application, **options: Any
                            ) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on 127.0.0.1 at a free port; the runner (to clean up) and the port."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, **options)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def _json_response(body: Any, status: int = 200,
                   headers: dict[str, str] | None = None) -> web.Response:
    # Exactly Discord's header: discord.py parses JSON only for "application/json" verbatim.
    return web.Response(body=json.dumps(body).encode(), status=status,
                        headers={**(headers or {}), "Content-Type": "application/json"})


async def _read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        raw = form.get("payload_json")
        return json.loads(str(raw)) if raw is not None else None
    text = await request.text()
    return json.loads(text) if text else None


class Endpoints(Protocol):
    @property
    def api_base(self) -> str: ...
    @property
    def gateway_url(self) -> str: ...


@contextmanager
def discord_pointed_at(emulator: Endpoints) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at ``emulator``, then restore them."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = emulator.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emulator.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
