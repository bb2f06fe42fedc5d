"""API keys: made with a secret shown once (only its SHA-256 is stored), and revoked."""

import secrets

from django.db import IntegrityError
from django.utils import timezone

from ..errors import GenerationError
from ..models import ApiKey

KEY_PREFIX = "ll-"


def api_key_create(
    *, name: str, requests_per_minute: int | None = None, max_concurrent: int | None = None
) -> tuple[ApiKey, str]:
    """A new key named `name`, with its own limits or (None) the site's; returns the row and
    the key, which is not stored anywhere."""
    name = (name or "").strip()
    if not name:
        raise GenerationError("INVALID_NAME", "An API key needs a name.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        row = ApiKey.objects.create(
            name=name,
            prefix=key[:10],
            digest=ApiKey.digest_of(key),
            requests_per_minute=requests_per_minute,
            max_concurrent=max_concurrent,
        )
    except IntegrityError:
        taken = f"There is already an API key named {name!r}."
        raise GenerationError("NAME_TAKEN", taken) from None
    return row, key


def api_key_revoke(*, name: str) -> None:
    """From now on the key is refused (401)."""
    updated = ApiKey.objects.filter(name=name, revoked_at=None).update(revoked_at=timezone.now())
    if not updated:
        raise GenerationError("UNKNOWN_KEY", f"No live API key named {name!r}.")
