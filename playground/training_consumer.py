"""The /ws/training/<job id>/ WebSocket: a training job's progress, live, for staff only.

On connect it sends the job as it is now (the whole loss curve), then relays each step's
progress as the training task publishes it (group "training.<id>"), so a reloaded page picks
up where it was. It only listens: starting and cancelling go through the page's forms.
"""

import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import reaper, selectors
from .publish import register_web_loop

WATCH_S = 5.0  # how often a socket checks that its job's worker still beats


class TrainingConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not (user.is_active and user.is_staff):
            await self.close(code=4403)
            return
        self.group = f"training.{self.scope['url_route']['kwargs']['job_id']}"
        if settings.LORALAND_IN_PROCESS:
            register_web_loop(asyncio.get_running_loop())
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        job_id = self.scope["url_route"]["kwargs"]["job_id"]
        state = await database_sync_to_async(selectors.training_snapshot)(job_id=job_id)
        if state is None:
            await self.send(json.dumps({"type": "error", "message": "No such training job."}))
            await self.close()
            return
        await self.send(json.dumps({"type": "state", **state}))
        if state["status"] in ("queued", "running") and not settings.LORALAND_IN_PROCESS:
            self.watcher = asyncio.create_task(self.watch_worker(job_id))

    async def watch_worker(self, job_id):
        """A worker that dies tells nobody: every WATCH_S, fail the job if its worker stopped
        beating (reaper.py), and say so."""
        while True:
            await asyncio.sleep(WATCH_S)
            try:
                lost = await database_sync_to_async(reaper.reap_training)([job_id])
            except Exception:  # the database or Redis away: the next look tries again
                continue
            if lost:
                state = await database_sync_to_async(selectors.training_snapshot)(job_id=job_id)
                await self.send(json.dumps({"type": "progress", **state}))
                return

    async def disconnect(self, code):
        if getattr(self, "watcher", None) is not None:
            self.watcher.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        pass  # nothing to say: the page's forms start and cancel

    async def training_progress(self, event):
        await self.send(json.dumps({"type": "progress", **event["payload"]}))
