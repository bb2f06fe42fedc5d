"""OpenAI's wire shapes for the API: a request's parameters in the project's terms, and the
bodies, stream chunks and errors its clients parse (chat.completion, text_completion)."""

import time
import uuid

from django.http import JsonResponse

# The project's error codes as OpenAI's statuses and types; any other code is the server's.
CLIENT_ERRORS = {
    "MODEL_NOT_FOUND": (404, "invalid_request_error", "model_not_found", "model"),
    "MISSING_MODEL": (400, "invalid_request_error", "missing_model", "model"),
    "PROMPT_TOO_LONG": (400, "invalid_request_error", "context_length_exceeded", "messages"),
    "INVALID_PARAMS": (400, "invalid_request_error", "invalid_value", None),
    "INVALID_MESSAGES": (400, "invalid_request_error", "invalid_value", "messages"),
    "INVALID_INPUTS": (400, "invalid_request_error", "invalid_value", "messages"),
    "MISSING_FIELDS": (400, "invalid_request_error", "invalid_value", "messages"),
    "UNKNOWN_FIELDS": (400, "invalid_request_error", "invalid_value", "messages"),
    "ADAPTER_NOT_FOUND": (404, "invalid_request_error", "model_not_found", "model"),
    # the worker went away, or is shutting down: worth a retry, as a 503 says
    "WORKER_LOST": (503, "server_error", "worker_lost", None),
    "ENGINE_CLOSED": (503, "server_error", "worker_lost", None),
}
# OpenAI's own names for the project's parameters; the rest keep theirs (temperature, top_p...).
TOKEN_LIMIT_NAMES = ("max_completion_tokens", "max_tokens")


def openai_error(status: int, message: str, kind: str, code: str, param=None, **headers):
    """An error as OpenAI sends it, which its clients turn into their exception classes."""
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return error_response(status, body, **headers)


def error_response(status: int, body: dict, **headers) -> JsonResponse:
    response = JsonResponse(body, status=status, headers=headers or None)
    response.error_code = body["error"]["code"]  # for the metrics
    return response


def error_body(code: str, message: str, *, prompt_param: str) -> tuple[int, dict]:
    """A project error (GenerationError's code) as (HTTP status, OpenAI's error body)."""
    status, kind, openai_code, param = CLIENT_ERRORS.get(
        code, (500, "server_error", code.lower(), None)
    )
    if param == "messages":
        param = prompt_param
    if code == "INVALID_PARAMS":
        param = message.split(" ", 1)[0]  # each such message starts with the parameter's name
    body = {"error": {"message": message, "type": kind, "param": param, "code": openai_code}}
    return status, body


def project_params(body: dict, limit_name: str) -> dict:
    """The sampling parameters OpenAI's request names, as validate_params takes them."""
    params = {name: body[name] for name in ("temperature", "top_p", "seed", "stop") if name in body}
    params = {name: value for name, value in params.items() if value is not None}
    if body.get(limit_name) is not None:
        params["max_new_tokens"] = body[limit_name]
    return params


def token_limit_name(body: dict) -> str:
    """Which of OpenAI's two names for the answer's token limit the request used."""
    return next((n for n in TOKEN_LIMIT_NAMES if body.get(n) is not None), "max_tokens")


def finish_reason(reason: str) -> str:
    return "length" if reason == "length" else "stop"


class CompletionShape:
    """One response's ids and shapes: a chat completion's or a text completion's."""

    def __init__(self, model: str, *, chat: bool):
        self.model, self.chat = model, chat
        self.id = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex
        self.created = int(time.time())

    def _envelope(self, object_name: str, choices: list, **extra) -> dict:
        return {
            "id": self.id,
            "object": object_name,
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": choices,
            **extra,
        }

    def chunk(self, text: str, *, first: bool = False, reason: str | None = None, **extra):
        """A stream chunk holding `text`, or the last one with the finish reason."""
        if self.chat:
            delta = {"role": "assistant", "content": text} if first else {"content": text}
            if reason is not None:
                delta = {}
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}
            return self._envelope("chat.completion.chunk", [choice], **extra)
        choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": reason}
        return self._envelope("text_completion", [choice], **extra)

    def usage_chunk(self, usage: dict) -> dict:
        """stream_options.include_usage: the last chunk, with no choices."""
        name = "chat.completion.chunk" if self.chat else "text_completion"
        return self._envelope(name, [], usage=usage)

    def response(self, text: str, reason: str, usage: dict) -> dict:
        if self.chat:
            message = {"role": "assistant", "content": text, "refusal": None}
            choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": reason}
            return self._envelope("chat.completion", [choice], usage=usage)
        choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": reason}
        return self._envelope("text_completion", [choice], usage=usage)


def usage_of(done_payload: dict) -> dict:
    """OpenAI's usage from the `done` event's token counts."""
    prompt = done_payload["usage"].get("prompt_tokens") or 0
    completion = done_payload["usage"].get("completion_tokens") or 0
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
