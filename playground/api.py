"""The OpenAI-compatible API under /v1/: keys in `Authorization: Bearer`, errors in OpenAI's
shape ({"error": {"message", "type", "param", "code"}}). So far: GET /v1/models."""

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import selectors
from .models import ApiKey


def openai_error(status: int, message: str, kind: str, code: str, param=None) -> JsonResponse:
    """An error as OpenAI sends it, which its clients turn into their exception classes."""
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JsonResponse(body, status=status)


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
        return key
    return JsonResponse({"object": "list", "data": selectors.api_models()})
