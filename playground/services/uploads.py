"""Adapter uploads: validate, store as the next version of a family (atomically, or nothing),
serve."""

import contextlib
import errno
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from ..adapter_limits import AdapterRejected, UploadLimits
from ..adapters import validate_upload
from ..models import (
    Adapter,
    Task,
)
from .catalog import NewTask, check_new_task, task_create

# Uploads are validated in a temporary folder inside the adapter directory, so that putting one
# in place is a rename on the same filesystem: a worker sees the whole adapter or nothing.
INCOMING_DIR = ".incoming"


# A working folder this old belongs to an upload whose process died (requests end far sooner).
STALE_UPLOAD_S = 3600


# One segment of the engine's adapter names (worker/engine/adapters.py), at most 96 characters.
ADAPTER_FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


def adapter_upload(
    *,
    files: Iterable,
    task: Task | None = None,
    new_task: NewTask | None = None,
    family: str | None = None,
    uploaded_by=None,
    serve: bool = True,
) -> Adapter:
    """Validate an uploaded adapter, store it as `<family>/<version>/` and serve it (unless
    `serve` is False: registered, to be activated later).

    `files` are what playground.adapters.validate_upload takes (one archive or the two files).
    Give `task` (an existing one) or `new_task` (created in the same transaction). The family
    defaults to the task's latest one, else its slug; the version is the family's next. The
    new adapter is active, so its task serves it from now on; older versions stay on disk and
    in the admin for rollback. Raises AdapterRejected; a refused upload leaves no files and no
    rows (only the working folder INCOMING_DIR, empty, stays). Leftovers of uploads whose
    process was killed are removed by the next upload.
    """
    if (task is None) == (new_task is None):
        raise ValueError("Give either task or new_task.")
    if new_task is not None:
        check_new_task(new_task)
    family = family or adapter_default_family(task=task, new_task=new_task)
    check_family_name(family)
    adapter_dir = Path(settings.LORALAND_ADAPTER_DIR)
    remove_stale_uploads(adapter_dir / INCOMING_DIR)
    incoming = adapter_dir / INCOMING_DIR / uuid.uuid4().hex
    incoming.mkdir(parents=True)
    try:
        validated = validate_upload(
            files,
            dest=incoming,
            base_model=settings.LORALAND_BASE_MODEL,
            limits=UploadLimits.from_settings(),
        )
        return adapter_store(
            validated=validated,
            task=task,
            new_task=new_task,
            family_dir=adapter_dir / family,
            uploaded_by=uploaded_by,
            serve=serve,
        )
    finally:
        shutil.rmtree(incoming, ignore_errors=True)  # gone already when it was moved


def remove_stale_uploads(incoming_dir: Path) -> None:
    """Working folders left by uploads whose process was killed midway."""
    if not incoming_dir.is_dir():
        return
    cutoff = timezone.now().timestamp() - STALE_UPLOAD_S
    for folder in incoming_dir.iterdir():
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def adapter_store(
    *, validated, task, new_task, family_dir: Path, uploaded_by, serve: bool = True
) -> Adapter:
    """Move a validated adapter into place and create its row: both happen, or neither."""
    placed = None
    try:
        with transaction.atomic():
            task = task_create(new_task=new_task) if new_task else locked_task(task)
            check_family_owner(family_dir.name, task)
            version = adapter_next_version(family_dir=family_dir)
            placed = move_into_place(validated.path, family_dir=family_dir, version=version)
            version = int(placed.name)
            return Adapter.objects.create(
                task=task,
                name=f"{family_dir.name}/{version}",
                family=family_dir.name,
                version=version,
                rank=validated.rank,
                alpha=validated.alpha,
                target_modules=list(validated.target_modules),
                base_model=validated.base_model_name_or_path or "",
                size_bytes=validated.total_bytes,
                warnings=list(validated.warnings),
                uploaded_by=uploaded_by,
                is_active=serve,
            )
    except IntegrityError as exc:  # a task or version created at the same moment
        remove_placed(placed, family_dir=family_dir)
        raise AdapterRejected(
            "UPLOAD_CONFLICT", f"Another upload got there first ({exc}); upload again."
        ) from exc
    except BaseException:
        remove_placed(placed, family_dir=family_dir)
        raise


def locked_task(task: Task) -> Task:
    # Uploads to one task (so to one family) take turns from here to the commit: two of them
    # cannot pick the same version. (SQLite's IMMEDIATE transactions take turns anyway.)
    return Task.objects.select_for_update().get(pk=task.pk)


def adapter_next_version(*, family_dir: Path) -> int:
    """One more than any version of the family known to the database or found on disk."""
    family = family_dir.name
    known = Adapter.objects.filter(Q(family=family) | Q(name=family)).aggregate(Max("version"))
    on_disk = [int(p.name) for p in family_dir.glob("*") if p.name.isdigit()]
    # A folder without a row (a crashed upload, a deleted row) keeps its number: a worker may
    # still hold that name's weights, so a name is never given to other weights.
    return max([known["version__max"] or 0, *on_disk]) + 1


def move_into_place(source: Path, *, family_dir: Path, version: int) -> Path:
    """Rename `source` to family_dir/<version>, or to the next free number if another upload
    took that one meanwhile; the rename is atomic, so workers never see half an adapter."""
    for path in source.iterdir():  # on disk before the rename makes them visible
        with path.open("rb") as file:
            os.fsync(file.fileno())
    while True:
        family_dir.mkdir(parents=True, exist_ok=True)
        target = family_dir / str(version)
        try:
            os.rename(source, target)  # refuses a non-empty target: nothing is overwritten
            return target
        except OSError as exc:
            if exc.errno == errno.ENOENT and source.is_dir():
                continue  # a failed upload removed the family folder, empty, meanwhile
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            version += 1


def remove_placed(placed: Path | None, *, family_dir: Path) -> None:
    """Take a failed upload's files back out, and its family folder if that is left empty."""
    if placed is not None:
        shutil.rmtree(placed, ignore_errors=True)
    with contextlib.suppress(OSError):  # not empty: the family's other versions stay
        family_dir.rmdir()


def adapter_default_family(*, task: Task | None, new_task: NewTask | None) -> str:
    if new_task is not None:
        return new_task.slug
    latest = task.adapters.exclude(family="").order_by("-created_at", "-pk").first()
    return latest.family if latest else task.slug


def check_family_name(family: str) -> None:
    if not isinstance(family, str) or not ADAPTER_FAMILY.match(family) or ".." in family:
        raise AdapterRejected(
            "INVALID_NAME",
            f"{family!r} cannot name an adapter: use up to 96 letters, digits, '-', '_' or "
            "'.', starting with a letter or a digit.",
        )


def check_family_owner(family: str, task: Task) -> None:
    """A family's versions all serve one task, so a rollback never switches tasks; and no
    family is named after another task, whose built demo adapter `<slug>/` it would be."""
    other = Adapter.objects.filter(Q(family=family) | Q(name=family)).exclude(task=task).first()
    if other is not None:
        raise AdapterRejected(
            "NAME_TAKEN",
            f"The adapter name {family!r} is used by the task {other.task.name!r}; choose "
            "another name.",
        )
    if family in other_task_slugs(task):
        raise AdapterRejected(
            "NAME_TAKEN",
            f"{family!r} is the slug of another task, whose own adapter goes by that name "
            "(build_demo writes it there); choose another name.",
        )


def other_task_slugs(task: Task) -> set[str]:
    """The slugs of every task but this one, including the demo's not loaded yet."""
    from demo.catalog import read_tasks

    slugs = set(Task.objects.exclude(pk=task.pk).values_list("slug", flat=True))
    return (slugs | {info.slug for info in read_tasks()}) - {task.slug}


@transaction.atomic
def adapter_activate(*, adapter: Adapter) -> None:
    """Serve this version for its task (a rollback, or forward again): newer versions of the
    task are switched off, older ones stay as they are."""
    same_time_later_row = Q(created_at=adapter.created_at, pk__gt=adapter.pk)
    newer = Q(created_at__gt=adapter.created_at) | same_time_later_row
    Adapter.objects.filter(newer, task_id=adapter.task_id).update(is_active=False)
    Adapter.objects.filter(pk=adapter.pk).update(is_active=True)


def adapter_deactivate(*, adapter: Adapter) -> None:
    """Stop serving this version: its task falls back to its newest active one, if any."""
    Adapter.objects.filter(pk=adapter.pk).update(is_active=False)
