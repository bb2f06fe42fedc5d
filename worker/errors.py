"""The one domain error, shared by the web and the engine; imports nothing heavy (no torch)."""


class GenerationError(Exception):
    """The one domain error: a short UPPER_SNAKE code for programs, a message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"GenerationError({self.code!r}, {self.message!r})"
