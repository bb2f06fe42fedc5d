"""The /ws/generate/ WebSocket: parse and check a message, call a service, relay events;
reattach a reloaded page to a generation still running (replay what was sent, then relay).

Protocol: docs/streaming.md. Any bad message gets an `error` frame and the
socket stays open for the next one.
"""

import asyncio
import json
import logging
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import reaper, replay, selectors, services, visitor_limits
from .errors import GenerationError
from .models import Generation
from .publish import group_name, register_web_loop

MAX_MESSAGE_CHARS = 64_000  # a huge frame is refused before it is parsed
WATCH_S = 5.0  # how often a socket checks that its answers' workers still beat
log = logging.getLogger(__name__)
GENERATE_KEYS = {"type", "task", "model", "inputs", "prompt", "params", "client_ref"}


class GenerateConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.groups_joined: set[str] = set()
        self.replayed: dict[str, int] = {}  # generation id -> the last `seq` replayed
        self.watcher = None
        if settings.LORALAND_IN_PROCESS:
            register_web_loop(asyncio.get_running_loop())
        else:  # a worker that dies tells nobody: watch its heartbeat
            self.watcher = asyncio.create_task(self.watch_workers())
        await self.accept()

    async def disconnect(self, code):
        if self.watcher is not None:
            self.watcher.cancel()
        for group in list(self.groups_joined):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def watch_workers(self):
        """Every WATCH_S, end with an error frame each answer this socket streams whose worker
        stopped beating (reaper.py: the row is failed as WORKER_LOST)."""
        while True:
            await asyncio.sleep(WATCH_S)
            ids = [group.removeprefix("gen.") for group in self.groups_joined]
            if not ids:
                continue
            try:
                lost = await database_sync_to_async(reaper.reap)(ids)
            except Exception:  # the database or Redis away: try again next time
                log.warning("could not check the workers of %s", ids, exc_info=True)
                continue
            for generation_id in lost:
                group = group_name(generation_id)
                if group in self.groups_joined:
                    await self.leave(group)
                    await self.send_error(
                        reaper.WORKER_LOST, reaper.MESSAGE, generation_id=generation_id
                    )

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = parse_message(text_data)
            if message["type"] == "generate":
                await self.start_generation(message)
            elif message["type"] == "attach":
                await self.attach(message)
            else:
                await self.cancel_generation(message)
        except GenerationError as exc:
            await self.send_error(exc.code, exc.message, client_ref=client_ref_of(text_data))
        except (OperationalError, InterfaceError):  # nothing was written: say so, stay open
            log.exception("the database did not answer a WebSocket message")
            await self.send_error(
                "DATABASE_UNAVAILABLE",
                "The site cannot reach its database just now; nothing was saved. Try again in a "
                "few seconds.",
                client_ref=client_ref_of(text_data),
            )

    async def start_generation(self, message: dict):
        if len(self.groups_joined) >= settings.LORALAND_WS_MAX_STREAMS:
            raise GenerationError(
                "TOO_MANY_STREAMS",
                f"{settings.LORALAND_WS_MAX_STREAMS} answers are already streaming on this "
                f"connection; wait for one to end.",
            )
        session_key = await self.session_key()
        client = self.scope.get("client") or ("", 0)
        await database_sync_to_async(visitor_limits.admit_generation)(
            session_key=session_key, ip=client[0] or ""
        )
        generation_id = uuid.uuid4()
        group = group_name(generation_id)
        # Join the group before the work is queued, so no early chunk is missed.
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)
        try:
            await database_sync_to_async(services.generation_create)(
                task_slug=message.get("task"),
                model_kind=message.get("model", "finetuned"),
                inputs=message.get("inputs"),
                prompt=message.get("prompt"),
                params=message.get("params"),
                session_key=session_key,
                client_ref=message.get("client_ref") or "",
                generation_id=generation_id,
            )
        except GenerationError:
            await self.leave(group)
            raise
        await self.send_json(
            {
                "type": "started",
                "generation_id": str(generation_id),
                "client_ref": message.get("client_ref"),
                "model": message.get("model", "finetuned"),
            }
        )

    async def attach(self, message: dict):
        """Replay a generation of this browser session from its first event, then relay the
        rest as they come. Frames carry `seq`: a live event already replayed is dropped
        (events wait in this consumer's channel while the replay runs)."""
        generation_id = message.get("generation_id")
        if not is_uuid(generation_id):
            raise GenerationError("INVALID_MESSAGE", "attach needs a generation_id.")
        generation_id = str(uuid.UUID(str(generation_id)))
        session_key = await self.session_key()
        generation = await database_sync_to_async(selectors.session_generation)(
            generation_id=generation_id, session_key=session_key
        )
        if generation is None:
            raise GenerationError("UNKNOWN_GENERATION", "No such generation in this session.")
        group = group_name(generation_id)
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)
        kept = await database_sync_to_async(replay.events)(generation_id)
        await self.send_json(
            {
                "type": "started",
                "generation_id": generation_id,
                "attached": True,
                "model": generation.model_kind,
            }  # fmt: skip
        )
        for event_type, payload in kept:
            self.replayed[generation_id] = payload.get("seq", 0)
            await self.send_json({"type": event_type, **payload})
            if event_type in ("done", "error"):
                await self.leave(group)
                return
        if generation.status not in (Generation.Status.QUEUED, Generation.Status.RUNNING):
            # ended, and its events expired: the stored row says how
            await self.leave(group)
            await self.send_json(ended_frame(generation))

    async def cancel_generation(self, message: dict):
        generation_id = message.get("generation_id")
        if not is_uuid(generation_id):
            raise GenerationError("INVALID_MESSAGE", "cancel needs a generation_id.")
        await database_sync_to_async(services.generation_cancel)(
            generation_id=generation_id, session_key=await self.session_key()
        )

    async def session_key(self) -> str:
        session = self.scope.get("session")
        if session is None:
            return ""
        if not session.session_key:
            await database_sync_to_async(session.save)()
        return session.session_key

    # --- events from the worker, via the channel layer ------------------------------------
    async def generation_token(self, event):
        if not self.already_replayed(event["payload"]):
            await self.send_json({"type": "token", **event["payload"]})

    async def generation_done(self, event):
        if not self.already_replayed(event["payload"]):
            await self.send_json({"type": "done", **event["payload"]})
        await self.leave(group_name(event["payload"]["generation_id"]))

    async def generation_error(self, event):
        if not self.already_replayed(event["payload"]):
            await self.send_json({"type": "error", **event["payload"]})
        await self.leave(group_name(event["payload"]["generation_id"]))

    def already_replayed(self, payload: dict) -> bool:
        last = self.replayed.get(str(payload.get("generation_id")))
        return last is not None and payload.get("seq", 0) <= last

    async def leave(self, group: str):
        self.groups_joined.discard(group)
        await self.channel_layer.group_discard(group, self.channel_name)

    async def send_json(self, content: dict):
        await self.send(text_data=json.dumps(content))

    async def send_error(self, code: str, message: str, **extra):
        await self.send_json({"type": "error", "code": code, "message": message, **extra})


def parse_message(text_data) -> dict:
    if text_data is None:
        raise GenerationError("INVALID_MESSAGE", "Send JSON text frames, not binary.")
    if len(text_data) > MAX_MESSAGE_CHARS:
        raise GenerationError(
            "MESSAGE_TOO_LARGE", f"The message is over {MAX_MESSAGE_CHARS} characters."
        )
    try:
        message = json.loads(text_data)
    except json.JSONDecodeError:
        raise GenerationError("INVALID_JSON", "The message is not valid JSON.") from None
    if not isinstance(message, dict):
        raise GenerationError("INVALID_MESSAGE", "The message must be a JSON object.")
    if message.get("type") not in ("generate", "cancel", "attach"):
        raise GenerationError(
            "UNKNOWN_TYPE",
            f"Unknown message type {message.get('type')!r}; use generate, cancel or attach.",
        )
    if message["type"] == "generate":
        extra = sorted(set(message) - GENERATE_KEYS)
        if extra:
            raise GenerationError("INVALID_MESSAGE", f"Unknown key(s): {', '.join(extra)}.")
    return message


def ended_frame(generation) -> dict:
    """A finished generation's last frame, from its row (its events no longer kept)."""
    gid = str(generation.id)
    if generation.status == generation.Status.ERROR:
        return {"type": "error", "generation_id": gid, "code": generation.error_code,
                "message": generation.error_message}  # fmt: skip
    return {
        "type": "done",
        "generation_id": gid,
        "text": generation.output,
        "finish_reason": generation.finish_reason,
        "usage": {
            "prompt_tokens": generation.prompt_tokens,
            "completion_tokens": generation.completion_tokens,
        },
        "ttft_ms": generation.ttft_ms,
        "tokens_per_s": generation.tokens_per_s,
    }


def client_ref_of(text_data) -> str | None:
    """Echo the client_ref of a refused message when one can be read, to match the error."""
    try:
        ref = json.loads(text_data).get("client_ref")
    except Exception:
        return None
    return ref if isinstance(ref, str | int) else None


def is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
