"""DATABASE_URL=postgres://... works: the service and view tests pass on PostgreSQL too."""

import os
import socket
import subprocess
import sys

import pytest

from .conftest import ROOT

POSTGRES_URL = os.environ.get(
    "LORALAND_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)


def postgres_is_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 5432)) == 0


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="already on PostgreSQL"
)
def test_services_and_views_pass_on_postgresql(demo_config):
    if not postgres_is_up():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--create-db",
            "tests/test_services.py",
            "tests/test_views.py",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": POSTGRES_URL},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
