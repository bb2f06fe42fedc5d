"""The engine's error: worker.errors.GenerationError, which the web imports without the engine."""

from worker.errors import GenerationError

__all__ = ["GenerationError"]
