"""Production settings: LORALAND_ENV=production refuses a missing SECRET_KEY and DEBUG, and
`manage.py check --deploy` is clean; every page has a content security policy and the usual
security headers; the admin and its upload form are staff-only; a WebSocket from another site
is refused."""

import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.models import User

from .conftest import ROOT
from .websocket import site_socket

PRODUCTION = {"LORALAND_ENV": "production", "ALLOWED_HOSTS": "loraland.example.com",
              "SECRET_KEY": secrets.token_urlsafe(60), "DEBUG": "false"}  # fmt: skip


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**environ, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_production_mode_passes_django_s_deployment_checks():
    checked = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_production_mode_refuses_to_start_without_a_secret_key_or_with_debug():
    keyless = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert keyless.returncode != 0 and "SECRET_KEY" in keyless.stderr
    debugging = manage("check", **{**PRODUCTION, "DEBUG": "true"})
    assert debugging.returncode != 0 and "DEBUG=true is refused" in debugging.stderr


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_security_headers(client, catalog):
    response = client.get("/tasks/glue_sst2/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "connect-src 'self'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_admin_and_its_upload_form_are_for_staff_only(client):
    upload = "/admin/playground/adapter/upload/"
    assert client.get(upload)["Location"].startswith("/admin/login/")
    User.objects.create_user("visitor", password="pw-visitor-1")
    client.login(username="visitor", password="pw-visitor-1")  # a user, not staff
    assert client.get(upload)["Location"].startswith("/admin/login/")
    assert client.post(upload, {}).status_code == 302  # nothing is taken in


@pytest.mark.django_db(transaction=True)
async def test_a_websocket_from_another_site_is_refused():
    from channels.testing import WebsocketCommunicator

    from loraland_site.asgi import application

    foreign = WebsocketCommunicator(
        application, "/ws/generate/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await foreign.connect()
    assert not connected
    async with site_socket():  # the site's own origin is let in
        pass


def test_json_logs_carry_a_generation_s_id_as_a_field():
    import json

    said = manage(
        "shell", "-c",
        "import logging; logging.getLogger('playground.tasks').warning("
        "'generation %s ended: %s', 'g-1', 'stop', extra={'generation_id': 'g-1'})",
        LOG_FORMAT="json",
    )  # fmt: skip
    (line,) = [json.loads(line) for line in said.stderr.splitlines() if "g-1" in line]
    assert line["generation_id"] == "g-1" and line["levelname"] == "WARNING"
    assert line["message"] == "generation g-1 ended: stop" and line["name"] == "playground.tasks"
