"""Validation of an uploaded LoRA adapter, before anything is stored or served.

An upload is one archive (.zip, .tar.gz, .tgz) of a PEFT adapter directory, or its two files
(`adapter_config.json`, `adapter_model.safetensors`). `validate_upload` copies it into an empty
directory the caller owns, unpacks archives itself (zipfile and tarfile only list and read
members: every file is written here, under a name checked here) and checks the adapter against
the base model from headers alone: nothing is unpickled and no tensor is loaded. The first
problem raises `AdapterRejected(code, message)` and the directory is emptied again.

No database, no Django models: the caller passes the limits (`UploadLimits.from_settings()`)
and the base model directory, and stores the validated directory where it wants.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from worker.peft_format import CONFIG_FILE, target_names

from .adapter_archive import empty_directory, refuse_pickles, unpack_upload
from .adapter_checks import (
    base_linears,
    base_name_warnings,
    check_tensors,
    read_adapter_config,
    read_safetensors_header,
    targeted_modules,
    weights_file,
)
from .adapter_limits import UploadLimits


@dataclass(frozen=True)
class ValidatedAdapter:
    path: Path  # the directory holding the adapter's files, ready to be moved into place
    rank: int
    alpha: float
    target_modules: tuple[str, ...]
    base_model_name_or_path: str | None
    total_bytes: int
    tensor_count: int
    warnings: tuple[str, ...] = ()


def validate_upload(
    files: Iterable, *, dest: Path, base_model: str | Path, limits: UploadLimits
) -> ValidatedAdapter:
    """Unpack and validate an upload into `dest`, an existing empty directory.

    `files` are Django `File`s (anything with `.name` and `.chunks()`): one archive, or the
    config and the weights. On success `dest` holds the adapter's files; on any failure it is
    left empty.
    """
    dest = Path(dest)
    if not dest.is_dir() or any(dest.iterdir()):
        raise ValueError(f"{dest} must be an existing, empty directory.")
    try:
        unpack_warnings = unpack_upload(list(files), dest, limits)
        adapter = validate_adapter_dir(dest, base_model=base_model, limits=limits)
    except BaseException:
        empty_directory(dest)
        raise
    return replace(adapter, warnings=tuple(unpack_warnings) + adapter.warnings)


def validate_adapter_dir(
    path: Path, *, base_model: str | Path, limits: UploadLimits
) -> ValidatedAdapter:
    """Check a PEFT adapter directory already on disk (reads headers only, writes nothing)."""
    path = Path(path)
    refuse_pickles([p.name for p in path.iterdir()])
    config = read_adapter_config(path / CONFIG_FILE, limits)
    tensors = read_safetensors_header(weights_file(path, limits))
    base = base_linears(base_model)
    targeted = targeted_modules(config.target_modules, base)
    check_tensors(tensors, config, base, targeted)
    return ValidatedAdapter(
        path=path,
        rank=config.rank,
        alpha=config.alpha,
        target_modules=target_names(config.target_modules),
        base_model_name_or_path=config.base_model_name_or_path,
        total_bytes=sum(p.stat().st_size for p in path.iterdir() if p.is_file()),
        tensor_count=len(tensors),
        warnings=tuple(base_name_warnings(config.base_model_name_or_path, base_model)),
    )
