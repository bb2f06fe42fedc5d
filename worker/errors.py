"""The errors that carry a code: the engine's (`GenerationError`) and the base the web's own
error (playground/errors.py) shares; imports nothing heavy (no torch)."""


class CodedError(Exception):
    """A short UPPER_SNAKE code for programs and a message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class GenerationError(CodedError):
    """What the engine refuses or cannot do (a prompt too long, an adapter not found); the
    Celery tasks turn it into an `error` frame at their boundary."""
