"""The engine's error, worker.errors.GenerationError: defined outside the engine so that it
imports without torch."""

from worker.errors import GenerationError

__all__ = ["GenerationError"]
