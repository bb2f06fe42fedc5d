"""A local stand-in for GPT-4: an OpenAI-compatible HTTP server that streams, for the tests.

It speaks the real protocol over real sockets: POST /v1/chat/completions (or the legacy
/v1/completions) with "stream": true answers `text/event-stream`, HTTP/1.1 chunked, with a
keep-alive comment, `data: {"object": "chat.completion.chunk", ...}` frames, a last frame with
its finish_reason, a usage frame when asked (stream_options.include_usage) and `data: [DONE]`.
Without "stream" it answers one chat.completion JSON object.

    with serving_as_reference(settings) as server:  # pytest-django's settings fixture
        ...  # the site's reference model is now this server
        server.requests[-1]["body"]["messages"]  # what the client sent

`mode` makes it misbehave: "rate_limit" (429 with Retry-After), "stall" (headers, then
silence until stopped or the client hangs up), "server_error" (500), "bad_json" (a frame that is
not JSON). `stall_after = n` stalls the same way after n deltas of a good answer.
Each answer word is one delta (and one "token": max_tokens cuts after that many words).
"""

import json
import re
import select
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_ANSWER = "The fine-tuned model did well, and GPT-4 did too."


class OpenAIServer:
    def __init__(self, *, answer: str = DEFAULT_ANSWER, api_key: str = "sk-test-key"):
        self.answer, self.api_key = answer, api_key
        self.mode = "ok"
        self.retry_after = "7"
        self.chunk_delay_s = 0.0  # pause between deltas, to make a stream last
        self.stall_after: int | None = None  # send that many deltas, then stall
        self.stalling = threading.Event()  # set when a stall begins
        self.requests: list[dict] = []
        self.released = threading.Event()  # ends a stall
        self.hung_up = threading.Event()  # set when a client leaves in the middle of a stream
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "OpenAIServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def deltas(self) -> list[str]:
        """The answer in the pieces it is streamed in: each word with the spaces after it."""
        return re.findall(r"\S+\s*", self.answer)


@contextmanager
def serving_as_reference(settings, **options):
    """Start a server and make it the site's reference model (LORALAND_REFERENCE_*)."""
    with OpenAIServer(**options) as server:
        settings.LORALAND_REFERENCE_URL = server.url
        settings.LORALAND_REFERENCE_MODEL = "gpt-4"
        settings.LORALAND_REFERENCE_API_KEY = server.api_key
        settings.LORALAND_REFERENCE_CHAT = True
        yield server


def handler_for(fake: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(OpenAIHandler):
        server_state = fake

    return Handler


class OpenAIHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked streaming, as the real API does
    server_state: OpenAIServer

    def log_message(self, format, *args):  # keep the test output quiet
        pass

    def do_POST(self):
        fake = self.server_state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            return self.send_json(401, api_error("Incorrect API key provided.", "invalid_api_key"))
        if fake.mode == "rate_limit":
            error = api_error("Rate limit reached for requests.", "rate_limit_exceeded")
            return self.send_json(429, error, {"Retry-After": fake.retry_after})
        if fake.mode == "server_error":
            return self.send_json(500, api_error("The server had an error.", "server_error"))
        if self.path not in ("/v1/chat/completions", "/v1/completions"):
            return self.send_json(404, api_error(f"Unknown path {self.path}.", "not_found"))
        chat = self.path == "/v1/chat/completions"
        if not body.get("stream"):
            return self.send_json(200, whole_answer(fake, body))
        self.stream(fake, body, chat)

    def stream(self, fake: OpenAIServer, body: dict, chat: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.write_chunk(b": keep-alive\n\n")
        if fake.mode == "stall":
            return self.stall(fake)
        if fake.mode == "bad_json":
            self.write_chunk(b"data: {not json\n\n")
        try:
            for i, frame in enumerate(frames(fake, body, chat)):
                if fake.stall_after is not None and i == fake.stall_after + chat:  # role frame
                    return self.stall(fake)
                self.write_chunk(f"data: {json.dumps(frame)}\n\n".encode())
                time.sleep(fake.chunk_delay_s)
            self.write_chunk(b"data: [DONE]\n\n")
            self.write_chunk(b"")  # the last chunk: the response is complete
        except (BrokenPipeError, ConnectionResetError):
            fake.hung_up.set()  # the client closed the connection mid-answer

    def stall(self, fake: OpenAIServer) -> None:
        """Send nothing until released, noticing when the client hangs up meanwhile."""
        fake.stalling.set()
        while not fake.released.wait(0.02):
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                fake.hung_up.set()  # end of file: the client closed the connection
                return

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def send_json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def api_error(message: str, code: str) -> dict:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    }


def answer_pieces(fake: OpenAIServer, body: dict) -> tuple[list[str], str]:
    """The deltas to send, cut at max_tokens, and the finish_reason."""
    pieces, limit = fake.deltas(), body.get("max_tokens")
    if limit is not None and len(pieces) > limit:
        return pieces[:limit], "length"
    return pieces, "stop"


def frames(fake: OpenAIServer, body: dict, chat: bool) -> list[dict]:
    pieces, finish_reason = answer_pieces(fake, body)
    # The real API's first chat frame carries only the role.
    found = [chunk(body, chat, "", role=True)] if chat else []
    found += [chunk(body, chat, piece) for piece in pieces]
    found.append(chunk(body, chat, None, finish_reason=finish_reason))
    if (body.get("stream_options") or {}).get("include_usage"):
        found.append({**envelope(body, chat), "choices": [], "usage": usage(body, pieces)})
    return found


def chunk(
    body: dict, chat: bool, text: str | None, finish_reason: str | None = None, role=False
) -> dict:
    if chat:
        delta = {} if text is None else {"content": text}
        if role:
            delta["role"] = "assistant"
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    else:
        choice = {"index": 0, "text": text or "", "logprobs": None, "finish_reason": finish_reason}
    return {**envelope(body, chat), "choices": [choice]}


def envelope(body: dict, chat: bool) -> dict:
    return {
        "id": "chatcmpl-test" if chat else "cmpl-test",
        "object": "chat.completion.chunk" if chat else "text_completion",
        "created": int(time.time()),
        "model": body.get("model"),
    }


def usage(body: dict, pieces: list[str]) -> dict:
    prompt = body.get("prompt") or " ".join(m["content"] for m in body.get("messages", []))
    prompt_tokens = len(prompt.split())
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": len(pieces),
        "total_tokens": prompt_tokens + len(pieces),
    }


def whole_answer(fake: OpenAIServer, body: dict) -> dict:
    pieces, finish_reason = answer_pieces(fake, body)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "".join(pieces)},
                "finish_reason": finish_reason,
            }
        ],
        "usage": usage(body, pieces),
    }
