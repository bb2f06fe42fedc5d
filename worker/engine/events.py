"""What a request's stream carries: token chunks, then one Done or Error event."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenEvent:
    text: str  # new text; never splits a multi-byte character
    at: float = 0.0  # time.perf_counter() when the engine emitted it (a reader may wake later)
    # Generated tokens whose text this is: more than 1 when a token's text had to wait for
    # the next (half a UTF-8 character, or the possible start of a stop sequence).
    tokens: int = 1


@dataclass(frozen=True)
class DoneEvent:
    text: str  # the whole output: the concatenation of every TokenEvent.text
    finish_reason: str  # stop | length | cancelled
    prompt_tokens: int
    completion_tokens: int
    ttft_ms: float | None  # submit -> first token
    tokens_per_s: float  # completion tokens / seconds from submit to done
    token_ids: tuple[int, ...] = ()  # the generated ids (EOS excluded)
    cached_tokens: int = 0  # of the prompt tokens, those taken from the prefix cache


@dataclass(frozen=True)
class ErrorEvent:
    code: str
    message: str
