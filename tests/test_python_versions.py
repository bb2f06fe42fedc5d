"""Python 3.11 to 3.13 are supported: the pinned dependencies resolve for each, on Linux x86_64."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_requires_python_says_3_11_to_3_13():
    assert PROJECT["requires-python"] == ">=3.11,<3.14"


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_the_pins_resolve_for_another_python_on_linux(version, tmp_path):
    """uv resolves from the index's metadata for a Python and platform other than this
    machine's, as pip cannot (pip reads markers such as torch's CUDA wheels' from the running
    interpreter), without downloading the wheels. CI runs 3.11; this proves 3.12 and 3.13."""
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    lock = tmp_path / "lock.txt"
    done = subprocess.run(
        [
            uv,
            "pip",
            "compile",
            str(ROOT / "pyproject.toml"),
            "--python-version",
            version,
            "--python-platform",
            "x86_64-manylinux_2_28",
            "--no-header",
            "--quiet",
            "-o",
            str(lock),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    resolved = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", lock.read_text(), re.MULTILINE))
    resolved = {name.lower().replace("_", "-"): pin for name, pin in resolved.items()}
    for requirement in PROJECT["dependencies"]:
        name, pin = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", requirement).groups()
        assert resolved[name.lower().replace("_", "-")] == pin, requirement
