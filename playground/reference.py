"""A streaming client for the reference model: GPT-4 or any other OpenAI-compatible API.

The reference gets the same completion-style prompt as the adapters (the LoRA Land report
prompted GPT-4 that way), by default as one user message to /chat/completions. Every failure
becomes a GenerationError whose message says what went wrong in words a visitor can act on:
only the reference pane shows it, the other panes carry on.

    stream = ReferenceStream(prompt, {"max_new_tokens": 64, "temperature": 0.0})
    for text in stream:  # text deltas, in order
        ...
    stream.finish_reason, stream.usage  # known once the stream has ended

stream.abort(), from another thread, ends it at once (Stop), even while the API is silent.
Messages never name the configured URL or repeat the API's own words (an internal host, a key's
tail); the server log has those details.
"""

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import httpx
from django.conf import settings

from .errors import GenerationError

log = logging.getLogger(__name__)
HOW_TO_CONFIGURE = (
    "set LORALAND_REFERENCE_URL (e.g. https://api.openai.com/v1), LORALAND_REFERENCE_MODEL "
    "(e.g. gpt-4) and LORALAND_REFERENCE_API_KEY, then restart the site and the worker"
)
# Our sampling parameters -> the OpenAI API's names for them.
PARAM_NAMES = {
    "max_new_tokens": "max_tokens",
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "stop": "stop",
}


@dataclass(frozen=True)
class ReferenceConfig:
    url: str  # the API's base URL, up to and including /v1
    model: str
    api_key: str = ""  # local OpenAI-compatible servers often need none
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0  # the longest wait for the next piece, not the whole answer
    chat: bool = True  # False: the legacy /completions endpoint with a bare prompt


def is_configured() -> bool:
    return bool(settings.LORALAND_REFERENCE_URL.strip())


def reference_config() -> ReferenceConfig:
    """The configured reference model; REFERENCE_NOT_CONFIGURED if none (a visitor reads it:
    how to set one up is the operator's, in the README and HOW_TO_CONFIGURE)."""
    url = settings.LORALAND_REFERENCE_URL.strip()
    if not url:
        raise GenerationError(
            "REFERENCE_NOT_CONFIGURED",
            "This site has no reference model; the fine-tuned and base models answer.",
        )
    if not url.startswith(("http://", "https://")):
        log.warning("LORALAND_REFERENCE_URL is not an http(s) address: %r", url)
        raise GenerationError(
            "REFERENCE_NOT_CONFIGURED",
            "The reference model is not set up right on this site; the fine-tuned and base "
            "models answer.",
        )
    return ReferenceConfig(
        url=url.rstrip("/"),
        model=settings.LORALAND_REFERENCE_MODEL,
        api_key=settings.LORALAND_REFERENCE_API_KEY,
        connect_timeout_s=settings.LORALAND_REFERENCE_CONNECT_TIMEOUT_S,
        read_timeout_s=settings.LORALAND_REFERENCE_READ_TIMEOUT_S,
        chat=settings.LORALAND_REFERENCE_CHAT,
    )


class ReferenceStream:
    """One streamed answer: iterate for its text deltas; finish_reason and usage come at the end.

    Closing the iterator early, or abort() from another thread, closes the connection, so the
    API stops generating. After abort() the iteration ends quietly, with no error.
    """

    def __init__(
        self, prompt: str, params: dict | None = None, config: ReferenceConfig | None = None
    ):
        self.config = config or reference_config()
        self.prompt = prompt
        self.params = params or {}
        self.finish_reason: str | None = None  # as the API said it: stop, length, ...
        self.usage: dict | None = None  # {"prompt_tokens", "completion_tokens", ...} if sent
        self.aborted = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[str]:
        if self.aborted:
            return  # cancelled before it began: no request at all
        try:
            yield from self.deltas()
        except GenerationError:
            if not self.aborted:  # after abort() a broken connection is the expected end
                raise
            return
        # Without [DONE] the answer counts only if the API said why it finished.
        if self.finish_reason is None and not self.aborted:
            raise bad_stream("the stream ended before the answer was complete")

    def deltas(self) -> Iterator[str]:
        config = self.config
        with (
            translate_errors(config, lambda: self.aborted),
            httpx.Client(timeout=timeouts(config)) as client,
        ):
            body = request_body(config, self.prompt, self.params)
            with client.stream(
                "POST",
                endpoint(config),
                json=body,
                headers=headers(config),
                extensions={"trace": self.on_trace},
            ) as response:
                check_response(response)
                for data in sse_data(response.iter_lines()):
                    if data == "[DONE]" or self.aborted:
                        return
                    yield from self.read_frame(parse_frame(data))

    def on_trace(self, event: str, info: dict) -> None:
        """httpx's trace hook: keep the socket once connected (for https, the TLS one that
        replaces it), so abort() can shut it."""
        if event.endswith(("connect_tcp.complete", "start_tls.complete")):
            with self._lock:
                self._socket = info["return_value"].get_extra_info("socket")
                if self.aborted:
                    shut(self._socket)

    def abort(self) -> None:
        """Stop now, from any thread: shutting the socket wakes a read that waits on the API
        (closing it would not), so the iteration ends at once rather than at the read timeout."""
        with self._lock:
            self.aborted = True
            if self._socket is not None:
                shut(self._socket)

    def read_frame(self, frame: dict) -> Iterator[str]:
        if frame.get("usage"):  # the last frame, with stream_options.include_usage
            self.usage = frame["usage"]
        choices = frame["choices"]
        if not choices:
            return
        choice = choices[0]  # we ask for one answer (n=1)
        if choice.get("finish_reason"):
            self.finish_reason = choice["finish_reason"]
        text = choice_text(choice, self.config.chat)
        if text:
            yield text


def shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for a TLS socket: it wakes the reading thread without
    # touching the TLS state that thread is using.
    with suppress(OSError):  # already closed: nothing left to stop
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def complete(prompt: str, params: dict | None = None, config: ReferenceConfig | None = None) -> str:
    """The whole answer at once (evaluation), collected from the stream."""
    return "".join(ReferenceStream(prompt, params, config))


# --- the request ----------------------------------------------------------------------------
def endpoint(config: ReferenceConfig) -> str:
    return f"{config.url}/chat/completions" if config.chat else f"{config.url}/completions"


def timeouts(config: ReferenceConfig) -> httpx.Timeout:
    return httpx.Timeout(
        connect=config.connect_timeout_s,
        read=config.read_timeout_s,
        write=config.read_timeout_s,
        pool=config.connect_timeout_s,
    )


def headers(config: ReferenceConfig) -> dict:
    found = {"Accept": "text/event-stream"}
    if config.api_key:
        found["Authorization"] = f"Bearer {config.api_key}"
    return found


def request_body(config: ReferenceConfig, prompt: str, params: dict) -> dict:
    # include_usage: the API's own token counts arrive in a last frame with no choices.
    body = {"model": config.model, "stream": True, "stream_options": {"include_usage": True}}
    if config.chat:
        body["messages"] = [{"role": "user", "content": prompt}]
    else:
        body["prompt"] = prompt
    for ours, theirs in PARAM_NAMES.items():
        value = params.get(ours)
        if value is not None and value != () and value != []:
            body[theirs] = list(value) if ours == "stop" else value
    return body


# --- the answer -----------------------------------------------------------------------------
def check_response(response: httpx.Response) -> None:
    if not response.is_success:
        response.read()  # a streamed response has no body until read
        raise http_error(response)
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("text/event-stream"):
        raise bad_stream(
            f"the API answered {content_type or 'without a content type'}, not a stream"
        )


def sse_data(lines: Iterator[str]) -> Iterator[str]:
    """The data of each server-sent event: its `data:` lines joined, up to a blank line.

    Other fields (event:, id:, retry:) and comments (":" keep-alives) carry nothing we use.
    """
    data: list[str] = []
    for line in lines:
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            yield "\n".join(data)
            data = []
    if data:
        yield "\n".join(data)


def parse_frame(data: str) -> dict:
    try:
        frame = json.loads(data)
    except json.JSONDecodeError:
        raise bad_stream("a piece of the stream is not JSON", data) from None
    if isinstance(frame, dict) and "error" in frame:  # a failure reported mid-stream
        log.warning("reference API: an error mid-stream: %s", error_text(frame))
        raise GenerationError(
            "REFERENCE_ERROR",
            "The reference model failed while answering; try again, or ask the site's operator "
            "to check the server log.",
        )
    choices = frame.get("choices") if isinstance(frame, dict) else None
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise bad_stream("a piece of the stream has no list of choices", data)
    return frame


def choice_text(choice: dict, chat: bool) -> str:
    delta = choice.get("delta") if chat else choice
    text = delta.get("content" if chat else "text") if isinstance(delta, dict) else None
    if text is not None and not isinstance(text, str):
        raise bad_stream("a piece of the answer is not text", repr(text))
    return text or ""  # the first chat frame often carries only the role


# --- errors, in words a person understands -------------------------------------------------
# The visitor's message says what happened and who can fix it; the URL and the API's own words
# (which may name an internal host, or the tail of the key) go to the server log only.
OPERATOR_CHECK = "the site's operator must check"


@contextmanager
def translate_errors(config: ReferenceConfig, aborted: Callable[[], bool] = lambda: False):
    try:
        yield
    except httpx.TransportError as exc:
        if aborted():  # abort() broke the connection: Stop, not a failure to report
            raise GenerationError("REFERENCE_STOPPED", "Stopped.") from None
        raise transport_error(config, exc) from None


def transport_error(config: ReferenceConfig, exc: httpx.TransportError) -> GenerationError:
    if isinstance(exc, httpx.ConnectTimeout):
        log.warning(
            "reference API at %s: no connection within %g s", config.url, config.connect_timeout_s
        )
        return GenerationError(
            "REFERENCE_TIMEOUT",
            f"The reference API did not accept a connection within "
            f"{config.connect_timeout_s:g} s; it may be down or overloaded.",
        )
    if isinstance(exc, httpx.TimeoutException):
        log.warning("reference API at %s: silent for %g s", config.url, config.read_timeout_s)
        return GenerationError(
            "REFERENCE_TIMEOUT",
            f"The reference model sent nothing for {config.read_timeout_s:g} s "
            f"(LORALAND_REFERENCE_READ_TIMEOUT_S); it may be overloaded.",
        )
    if isinstance(exc, httpx.ConnectError):
        log.warning("reference API at %s: cannot connect: %s", config.url, exc)
        return GenerationError(
            "REFERENCE_UNREACHABLE",
            f"Cannot reach the reference API: {connect_problem(exc)}; "
            f"{OPERATOR_CHECK} LORALAND_REFERENCE_URL.",
        )
    # e.g. the connection broke off mid-answer
    log.warning("reference API at %s: the connection broke off: %r", config.url, exc)
    return GenerationError(
        "REFERENCE_UNREACHABLE",
        "The connection to the reference API broke off in the middle of the answer.",
    )


def connect_problem(exc: httpx.ConnectError) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return "the connection was refused (is the server running, on that port?)"
    if "name or service not known" in text or "nodename" in text:
        return "the host name is unknown (check the address, or the network)"
    return "the connection failed"


def http_error(response: httpx.Response) -> GenerationError:
    status = response.status_code
    log.warning(
        "reference API at %s: HTTP %s%s", response.request.url, status, error_detail(response)
    )
    if status in (401, 403):
        return GenerationError("REFERENCE_AUTH", auth_problem(response, status))
    if status == 429:
        return GenerationError(
            "REFERENCE_RATE_LIMITED",
            f"The reference API is rate limiting requests (HTTP 429). {retry_hint(response)}",
        )
    hint = ""
    if status == 404:  # a wrong address or model name, most likely
        hint = (
            " The site's operator must check LORALAND_REFERENCE_URL (it usually ends in /v1) "
            "and LORALAND_REFERENCE_MODEL."
        )
    return GenerationError(
        "REFERENCE_ERROR",
        f"The reference API answered HTTP {status} {response.reason_phrase}.{hint}",
    )


def auth_problem(response: httpx.Response, status: int) -> str:
    if "authorization" not in response.request.headers:
        return (
            f"The reference model's API wants an API key (HTTP {status}); "
            f"{OPERATOR_CHECK} LORALAND_REFERENCE_API_KEY."
        )
    return (
        f"The reference model's API refused the key (HTTP {status}); "
        f"{OPERATOR_CHECK} LORALAND_REFERENCE_API_KEY."
    )


def error_detail(response: httpx.Response) -> str:
    """ ": <the API's own message>" when the body is OpenAI-style error JSON, else nothing;
    for the server log only."""
    try:
        body = response.json()
    except ValueError:
        return ""  # e.g. an HTML error page from a proxy
    text = error_text(body) if isinstance(body, dict) else ""
    return f": {text.rstrip('.')}" if text else ""


def error_text(body: dict) -> str:
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or "")
    return str(error or body.get("message") or "")


def retry_hint(response: httpx.Response) -> str:
    retry_after = response.headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return f"Try again in {retry_after} s."
    if retry_after:
        return f"Try again after {retry_after}."
    return "Try again in a moment."


def bad_stream(problem: str, sample: str = "") -> GenerationError:
    if sample:
        log.warning("reference API: %s: %r", problem, sample[:200])
    return GenerationError(
        "REFERENCE_BAD_STREAM", f"The reference API sent a stream we cannot read: {problem}."
    )
