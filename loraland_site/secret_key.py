"""The development site's secret key: made once, kept in a file under var/ (never in git), so
sessions outlive a restart and a fresh clone needs no setup. Production's comes from the
environment (settings.py refuses to start without it)."""

import os
import secrets
from pathlib import Path


def local_secret_key(path: Path) -> str:
    """The key in `path`, made there (readable by its owner only) the first time."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    try:  # a link appears whole, and fails if it exists: processes starting at once (web,
        os.link(draft, path)  # worker) all keep the first one's key
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key
