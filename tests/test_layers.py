"""The layer rule: pages talk to the engine only through Celery tasks, so the web process never
loads the engine or torch."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

PAGES = [
    "playground.views",
    "playground.consumers",
    "playground.services",
    "playground.prompts",
    "playground.reference",
    "playground.adapters",
    "playground.hub",
    "loraland_site.urls",
    "loraland_site.asgi",
]


def test_the_web_s_modules_import_neither_the_engine_nor_torch():
    code = (
        "import os, sys, importlib, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'loraland_site.settings')\n"
        "django.setup()\n"
        f"for name in {PAGES!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('worker.engine')))\n"
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


def test_an_import_against_the_direction_breaks_a_contract(tmp_path):
    """The contracts catch what they are for: here the tasks calling back into the services
    (the cycle there once was)."""
    for name in ("playground", "worker", "loraland_site", "demo", "bench"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    tasks = tmp_path / "playground" / "tasks.py"
    tasks.write_text(tasks.read_text() + "\nfrom playground import services  # noqa\n")
    done = lint_imports(tmp_path, timeout=300)
    assert done.returncode != 0
    assert "One direction: web -> services -> tasks -> engine BROKEN" in done.stdout
    assert "playground.tasks -> playground.services" in done.stdout
