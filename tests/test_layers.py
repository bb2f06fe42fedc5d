"""The layer rule: pages talk to the engine only through Celery tasks, so the web process never
loads the engine or torch."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

PAGES = [
    "playground.views",
    "playground.consumers",
    "playground.api",
    "playground.admin",
    "playground.selectors",
    "playground.services",
    "playground.prompts",
    "playground.reference",
    "playground.adapters",
    "playground.hub",
    "playground.gallery_views",
    "playground.health",
    "playground.metrics",
    "playground.api_exchange",
    "playground.worker_routing",
    "playground.reaper",
    "playground.training_views",
    "playground.training_consumer",
    "playground.training_state",
    "playground.datasets",
    "playground.routing",
    "loraland_site.inprocess_worker",
    "loraland_site.errors",
    "loraland_site.middleware",
    "loraland_site.celery",
    "loraland_site.urls",
    "loraland_site.asgi",
]


def test_the_web_s_modules_import_neither_the_engine_nor_torch():
    code = (
        "import os, sys, importlib, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'loraland_site.settings')\n"
        "django.setup()\n"
        f"for name in {PAGES!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('worker.engine')\n"
        "             or m in ('playground.tasks', 'playground.training_tasks')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def lint_imports(root, **options):
    lint = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(lint), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, **options
    )


def test_the_import_contracts_hold():
    """pyproject.toml's [tool.importlinter]: one direction web -> services -> tasks -> engine,
    a Django-free engine, torch-free pages, a demo without cycles."""
    done = lint_imports(ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "found"),
    [
        # the tasks calling back into the services (the cycle there once was)
        ("tasks", "from playground import services",
         "One direction: web -> services -> tasks -> engine",
         "playground.tasks -> playground.services"),
        # a module of the web app other than the tasks reaching for the engine
        ("selectors", "import worker.engine",
         "In the web app, only the tasks import the engine or torch",
         "playground.selectors -> worker.engine"),
    ],
)  # fmt: skip
def test_an_import_against_the_direction_breaks_a_contract(module, line, contract, found, tmp_path):
    """The contracts catch what they are for."""
    for name in ("playground", "worker", "loraland_site", "demo", "bench"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    source = tmp_path / "playground" / f"{module}.py"
    source.write_text(source.read_text() + f"\n{line}  # noqa\n")
    done = lint_imports(tmp_path, timeout=300)
    assert done.returncode != 0
    report = " ".join(done.stdout.split())  # as one line: long contract names wrap
    assert f"{contract} BROKEN" in report
    assert found in report
