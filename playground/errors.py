"""The error the web shows a visitor or an API client: a short UPPER_SNAKE code for programs and
a message for people, sent as the `error` frame (docs/streaming.md). The web's own: the engine
keeps its errors (worker/errors.py), and the Celery tasks turn the engine's into frames at their
boundary; upload refusals (`AdapterRejected`) are one kind of it."""

from worker.errors import CodedError


class GenerationError(CodedError):
    """A request the web refuses or could not answer: `code` for programs, `message` for people."""
