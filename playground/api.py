"""The OpenAI-compatible API under /v1/: keys in `Authorization: Bearer`, errors in OpenAI's
shape ({"error": {"message", "type", "param", "code"}}). GET /v1/models, and POST
/v1/chat/completions and /v1/completions, streamed (server-sent events) or not, through the
same services, Celery tasks and engine as the WebSocket (docs/api.md)."""

import json
import logging
import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from . import api_limits, metrics, selectors, services
from .api_exchange import Exchange, worker_available
from .errors import GenerationError
from .models import ApiKey
from .openai_shapes import (
    CompletionShape,
    error_body,
    error_response,
    finish_reason,
    openai_error,
    project_params,
    token_limit_name,
    usage_of,
)

log = logging.getLogger(__name__)
NO_WORKER_RETRY_S = 5


def authenticated(request) -> ApiKey | JsonResponse:
    """The request's live API key, or the 401 to send."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        message = "No API key: send one as `Authorization: Bearer <key>`."
        return openai_error(401, message, "invalid_request_error", "missing_api_key")
    found = selectors.api_key_for(key=key.strip())
    if found is None:
        message = "The API key is unknown or revoked."
        return openai_error(401, message, "invalid_request_error", "invalid_api_key")
    ApiKey.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found


@require_GET
def models_list(request):
    key = authenticated(request)
    if isinstance(key, JsonResponse):
        return counted("models", key)
    return counted("models", JsonResponse({"object": "list", "data": selectors.api_models()}))


@csrf_exempt
async def chat_completions(request):
    return counted("chat.completions", await completion(request, chat=True))


@csrf_exempt
async def completions(request):
    return counted("completions", await completion(request, chat=False))


def counted(endpoint: str, response):
    """Count the response in the web's metrics, by status and error code ("" when none)."""
    code = getattr(response, "error_code", "")
    metrics.API_REQUESTS.labels(endpoint, str(response.status_code), code).inc()
    return response


async def completion(request, *, chat: bool):
    if request.method != "POST":
        return openai_error(405, "Use POST.", "invalid_request_error", "method_not_allowed")
    key = await sync_to_async(authenticated)(request)
    if isinstance(key, JsonResponse):
        return key
    body = json_body(request)
    if isinstance(body, JsonResponse):
        return body
    prompt_param = "messages" if chat else "prompt"
    refused = unsupported(body, chat=chat)
    if refused is not None:
        return refused
    limit_name = token_limit_name(body)
    if not await sync_to_async(worker_available)():
        message = "No inference worker is running; try again shortly."
        headers = {"Retry-After": str(NO_WORKER_RETRY_S)}
        return openai_error(503, message, "server_error", "no_worker_available", **headers)
    exchange = Exchange(key, uuid.uuid4())
    try:
        await exchange.admit()
    except api_limits.Limited as exc:
        retry = {"Retry-After": str(exc.retry_after_s)}
        return openai_error(429, exc.message, "requests", exc.code, **retry)
    await exchange.listen()
    try:
        await sync_to_async(create_completion)(
            body, chat=chat, limit_name=limit_name, generation_id=exchange.generation_id
        )
    except GenerationError as exc:
        return project_error(exc.code, exc.message, prompt_param, limit_name)
    except Exception:  # the broker down, say: still OpenAI's shape, and the cause in the log
        gid = str(exchange.generation_id)
        log.exception("could not start API generation %s", gid, extra={"generation_id": gid})
        message = "The request could not be queued; the error was logged. Try again."
        return openai_error(500, message, "server_error", "server_error")
    exchange.created = True
    # Wait for the first event before answering, so that a refusal before any token (an
    # adapter that fails to load, a prompt over the context) gets its own status.
    kind, payload = await exchange.next()
    if kind == "error":
        exchange.answered = True
        return project_error(payload["code"], payload["message"], prompt_param, limit_name)
    shape = CompletionShape(str(body.get("model")), chat=chat)
    if body.get("stream") is True:
        events = sse_events(shape, exchange, (kind, payload), body, prompt_param)
        response = StreamingHttpResponse(events, content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # a proxy must not hold the chunks back
        return response
    while kind == "token":
        kind, payload = await exchange.next()
    exchange.answered = True
    await exchange.end()
    if kind == "error":
        return project_error(payload["code"], payload["message"], prompt_param, limit_name)
    reason = finish_reason(payload["finish_reason"])
    return JsonResponse(shape.response(payload["text"], reason, usage_of(payload)))


def json_body(request) -> dict | JsonResponse:
    try:
        raw = request.body
    except RequestDataTooBig:
        raw = None
    if raw is None or len(raw) > settings.LORALAND_API_MAX_BODY_BYTES:
        limit = settings.LORALAND_API_MAX_BODY_BYTES
        return openai_error(
            413,
            f"The request body is over {limit} bytes.",
            "invalid_request_error",
            "request_too_large",
        )
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past Python's limit
        return openai_error(
            400, "The body is not valid JSON.", "invalid_request_error", "invalid_json"
        )
    if not isinstance(body, dict):
        return openai_error(
            400, "The body must be a JSON object.", "invalid_request_error", "invalid_json"
        )
    return body


def unsupported(body: dict, *, chat: bool) -> JsonResponse | None:
    """What this server refuses rather than ignores: more than one choice, a batch of prompts,
    a `stream` or `raw` that is not a boolean."""
    if body.get("n") is not None and (type(body["n"]) is not int or body["n"] != 1):
        return openai_error(
            400, "Only n=1 is supported.", "invalid_request_error", "invalid_value", "n"
        )
    for flag in ("stream", "raw"):
        if body.get(flag) not in (None, True, False):
            message = f"{flag} must be true or false."
            return openai_error(400, message, "invalid_request_error", "invalid_value", flag)
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        message = "stream_options must be an object."
        return openai_error(
            400, message, "invalid_request_error", "invalid_value", "stream_options"
        )
    if not chat and isinstance(body.get("prompt"), list):
        if len(body["prompt"]) != 1:
            message = "Send one prompt per request: a batch of prompts is not supported."
            return openai_error(400, message, "invalid_request_error", "invalid_value", "prompt")
        body["prompt"] = body["prompt"][0]
    return None


def create_completion(body: dict, *, chat: bool, limit_name: str, generation_id) -> None:
    target = services.resolve_model(body.get("model"))
    services.completion_create(
        target=target,
        params=project_params(body, limit_name),
        messages=body.get("messages") if chat else None,
        prompt=None if chat else body.get("prompt"),
        raw=body.get("raw") is True,
        client_ref=str(body.get("user") or ""),
        generation_id=generation_id,
    )


def project_error(code: str, message: str, prompt_param: str, limit_name: str) -> JsonResponse:
    message = message.replace("max_new_tokens", limit_name)
    status, body = error_body(code, message, prompt_param=prompt_param)
    return error_response(status, body)


async def sse_events(shape: CompletionShape, exchange: Exchange, first, body, prompt_param):
    """The answer as server-sent events: chunks, the finish reason, usage if asked, [DONE]. A
    client that goes away cancels the generation, which frees its batch row."""
    include_usage = (body.get("stream_options") or {}).get("include_usage") is True
    usage_field = {"usage": None} if include_usage else {}
    try:
        if shape.chat:  # OpenAI's first chat chunk names the role
            yield sse(shape.chunk("", first=True, **usage_field))
        kind, payload = first
        while kind == "token":
            yield sse(shape.chunk(payload["text"], **usage_field))
            kind, payload = await exchange.next()
        exchange.answered = True
        if kind == "error":
            _, error = error_body(payload["code"], payload["message"], prompt_param=prompt_param)
            yield sse(error)
            return
        reason = finish_reason(payload["finish_reason"])
        yield sse(shape.chunk("", reason=reason, **usage_field))
        if include_usage:
            yield sse(shape.usage_chunk(usage_of(payload)))
        yield "data: [DONE]\n\n"
    finally:
        await exchange.end()


def sse(data: dict) -> str:
    return f"data: {json.dumps(data)}\n\n"
