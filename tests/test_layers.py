"""The layer rule: pages talk to the engine only through Celery tasks, so the web process never
loads the engine or torch."""

import subprocess
import sys

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
