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

import gzip
import json
import math
import os
import re
import shutil
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from worker import peft_format
from worker.errors import GenerationError
from worker.peft_format import CONFIG_FILE, WEIGHTS_FILE, LoraConfig, is_int, target_names

MB = 1024 * 1024
# What an accepted adapter directory holds; other files in an upload are left out, with a warning.
KEPT_FILES = (CONFIG_FILE, WEIGHTS_FILE, "README.md")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
ARCHIVE_SUFFIXES = {".zip": "zip", ".tar.gz": "tar.gz", ".tgz": "tar.gz"}
CONVERT_HINT = (
    "Convert it on your own machine, e.g. `safetensors.torch.save_file(torch.load(path), "
    f"'{WEIGHTS_FILE}')`, or save it with PEFT's save_pretrained(), which writes safetensors."
)
# A 7B model's all-linear adapter has a header of about 60 KB: 16 MB is far more than enough.
MAX_HEADER_BYTES = 16 * MB
FLOAT_DTYPES = {"F16": 2, "BF16": 2, "F32": 4}
COPY_CHUNK = 1 * MB
# Decompressed tar bytes allowed beyond the members' contents: a 512-byte header, padding and
# pax or long-name blocks per member, and the end-of-archive record.
TAR_OVERHEAD_PER_MEMBER = 4096
TAR_OVERHEAD = 1 * MB
# A zip's central directory entry: 46 bytes, the name, and extra fields (timestamps, zip64).
ZIP_DIRECTORY_BYTES_PER_MEMBER = 4096


class AdapterRejected(GenerationError):
    """An upload that cannot be served: the project's one domain error (`code` for programs,
    `message` with a hint for people), printed as "CODE: message" by upload_adapter."""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class UploadLimits:
    max_rank: int = 64
    max_adapter_bytes: int = 512 * MB
    max_unpacked_bytes: int = 1024 * MB
    max_members: int = 64

    @classmethod
    def from_settings(cls) -> "UploadLimits":
        from django.conf import settings

        return cls(
            max_rank=settings.LORALAND_MAX_RANK,
            max_adapter_bytes=settings.LORALAND_MAX_ADAPTER_MB * MB,
            max_unpacked_bytes=settings.LORALAND_MAX_UNPACKED_MB * MB,
            max_members=settings.LORALAND_MAX_ARCHIVE_MEMBERS,
        )


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


# --- Entry points -------------------------------------------------------------------------------


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


def empty_directory(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


# --- The upload: which kind, copied with a size cap -----------------------------------------------


def unpack_upload(files: list, dest: Path, limits: UploadLimits) -> list[str]:
    names = [upload_name(f) for f in files]
    refuse_pickles(names)  # by name, before a single byte is written
    kind = upload_kind(names)
    if kind == "files":
        copy_adapter_files(files, names, dest, limits)
        return []
    staged = dest / f".upload.{kind}"  # a name no kept file can have
    try:
        copy_capped(files[0].chunks(), staged, limits.max_adapter_bytes, upload_too_large(limits))
        return extract_archive(staged, kind, dest, limits)
    finally:
        staged.unlink(missing_ok=True)


def upload_name(file) -> str:
    # Django keeps only the base name of uploaded files; a File opened from a path keeps it all.
    return PurePosixPath(str(file.name).replace("\\", "/")).name


def refuse_pickles(names: Iterable[str]) -> None:
    for name in names:
        if name.lower().endswith(PICKLE_SUFFIXES):
            raise AdapterRejected(
                "PICKLE_REFUSED",
                f"{name} is a pickle-based PyTorch file: pickles can run code when loaded, so "
                f"only safetensors weights are accepted. {CONVERT_HINT}",
            )


def upload_kind(names: list[str]) -> str:
    """'zip', 'tar.gz' or 'files' (the config and the weights uploaded as they are)."""
    if not names:
        raise AdapterRejected("UNSUPPORTED_UPLOAD", "No file was uploaded.")
    kinds = [archive_kind(name) for name in names]
    if len(names) == 1 and kinds[0]:
        return kinds[0]
    if any(kinds):
        raise AdapterRejected(
            "UNSUPPORTED_UPLOAD",
            "Upload either one archive on its own, or the adapter's two files "
            f"({CONFIG_FILE} and {WEIGHTS_FILE}), not both.",
        )
    for name in names:
        if not name.lower().endswith((".json", ".safetensors")):
            raise AdapterRejected(
                "UNSUPPORTED_FORMAT",
                f"{name} is not a format accepted here. Upload a .zip, .tar.gz or .tgz of the "
                f"adapter's folder, or its two files {CONFIG_FILE} and {WEIGHTS_FILE}.",
            )
    return "files"


def archive_kind(name: str) -> str | None:
    lower = name.lower()
    return next((kind for suffix, kind in ARCHIVE_SUFFIXES.items() if lower.endswith(suffix)), None)


def copy_adapter_files(files: list, names: list[str], dest: Path, limits: UploadLimits) -> None:
    targets = {}
    for file, name in zip(files, names, strict=True):
        target = CONFIG_FILE if name.lower().endswith(".json") else WEIGHTS_FILE
        if target in targets:
            raise AdapterRejected(
                "UNSUPPORTED_UPLOAD",
                f"Two files were uploaded as {target}: upload one {CONFIG_FILE} and one "
                f"{WEIGHTS_FILE}.",
            )
        targets[target] = file
    require_adapter_files(set(targets))
    budget = limits.max_adapter_bytes
    for target, file in targets.items():
        budget -= copy_capped(file.chunks(), dest / target, budget, upload_too_large(limits))


def require_adapter_files(names: set[str]) -> None:
    if CONFIG_FILE not in names:
        raise missing_config()
    if WEIGHTS_FILE not in names:
        raise missing_weights()


def upload_too_large(limits: UploadLimits) -> Callable[[], AdapterRejected]:
    return lambda: AdapterRejected(
        "UPLOAD_TOO_LARGE",
        f"The adapter is larger than {limits.max_adapter_bytes / MB:g} MB, the most accepted "
        "here (LORALAND_MAX_ADAPTER_MB).",
    )


def copy_capped(
    chunks: Iterable[bytes], target: Path, limit: int, too_large: Callable[[], AdapterRejected]
) -> int:
    """Write `chunks` to a new file, counting the bytes actually written: headers can lie."""
    written = 0
    with open_new_file(target) as out:
        for chunk in chunks:
            written += len(chunk)
            if written > limit:
                raise too_large()
            out.write(chunk)
    return written


def open_new_file(path: Path) -> BinaryIO:
    # Exclusive and not through a link: a name seen twice or a planted symlink cannot redirect it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    return os.fdopen(fd, "wb")


# --- Archives -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str  # as the archive spells it, for messages
    parts: tuple[str, ...]  # its path, checked and normalized
    size: int  # the size its header declares
    is_dir: bool


def extract_archive(archive: Path, kind: str, dest: Path, limits: UploadLimits) -> list[str]:
    """Check every member from the headers, then write the adapter's files flat into `dest`."""
    try:
        if kind == "zip":
            return extract_zip(archive, dest, limits)
        return extract_tar_gz(archive, dest, limits)
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        OSError,  # gzip.BadGzipFile among them
        EOFError,
        zlib.error,
        ValueError,
        NotImplementedError,  # a zip compression method Python lacks
    ) as exc:
        raise AdapterRejected(
            "ARCHIVE_UNREADABLE",
            f"The archive cannot be read ({exc}). Is it a complete, valid .{kind} file?",
        ) from exc


def extract_zip(archive: Path, dest: Path, limits: UploadLimits) -> list[str]:
    check_zip_directory_size(archive, limits)
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        check_member_count(len(infos), limits)
        members = [zip_member(info) for info in infos]
        wanted, warnings = plan_extraction(members, limits)
        budget = limits.max_unpacked_bytes
        for info, member in zip(infos, members, strict=True):
            if member.name in wanted:
                with zf.open(info) as source:
                    budget -= extract_member(source, member, dest / wanted[member.name], budget)
    return warnings


def check_zip_directory_size(archive: Path, limits: UploadLimits) -> None:
    """Refuse a huge central directory before zipfile parses it into millions of objects.

    zipfile reads exactly the directory size its end record gives, so the cap is read from that
    record with zipfile's own reader (private, but then both read the same record).
    """
    with archive.open("rb") as file:
        end_record = zipfile._EndRecData(file)
    if end_record is None:
        raise zipfile.BadZipFile("File is not a zip file")
    if end_record[zipfile._ECD_SIZE] > ZIP_DIRECTORY_BYTES_PER_MEMBER * limits.max_members:
        raise too_many_members(limits)


def zip_member(info: zipfile.ZipInfo) -> Member:
    if info.flag_bits & 0x1:
        raise AdapterRejected(
            "ARCHIVE_UNREADABLE", f"{info.filename} is encrypted; upload an unencrypted archive."
        )
    # Unix mode bits, when the archive was made on Unix; a file type of 0 means a plain file
    # (zip tools often store the permissions alone).
    mode = info.external_attr >> 16
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise special_member(info.filename, file_kind(mode))
    return checked_member(info.filename, info.file_size, is_dir=info.is_dir())


def file_kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    return "a special file"


def extract_tar_gz(archive: Path, dest: Path, limits: UploadLimits) -> list[str]:
    # Two streamed passes: all headers are checked before anything is written. Both read through
    # a cap on decompressed bytes, as tarfile reads pax and long-name headers whole into memory.
    with open_tar_stream(archive, limits) as tar:
        members = []
        for info in tar:
            check_member_count(len(members) + 1, limits)
            members.append(tar_member(info))
    wanted, warnings = plan_extraction(members, limits)
    budget = limits.max_unpacked_bytes
    with open_tar_stream(archive, limits) as tar:
        for info in tar:
            if info.name in wanted:
                source = tar.extractfile(info)
                budget -= extract_member(source, tar_member(info), dest / wanted[info.name], budget)
    return warnings


@contextmanager
def open_tar_stream(archive: Path, limits: UploadLimits) -> Iterator[tarfile.TarFile]:
    """A tar.gz read as a stream of at most the unpacked cap plus header overhead."""
    cap = limits.max_unpacked_bytes + TAR_OVERHEAD + TAR_OVERHEAD_PER_MEMBER * limits.max_members
    with (
        archive.open("rb") as raw,
        gzip.GzipFile(fileobj=raw) as unzipped,
        tarfile.open(fileobj=CappedReader(unzipped, cap, limits), mode="r|") as tar,
    ):
        yield tar


class CappedReader:
    """A read-only stream that refuses to produce more than `cap` bytes."""

    def __init__(self, stream: BinaryIO, cap: int, limits: UploadLimits):
        self.stream, self.cap, self.limits, self.read_so_far = stream, cap, limits, 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else self.cap + 1 - self.read_so_far)
        self.read_so_far += len(data)
        if self.read_so_far > self.cap:
            raise archive_too_large(self.limits)
        return data


def tar_member(info: tarfile.TarInfo) -> Member:
    if info.issym():
        raise special_member(info.name, "a symbolic link")
    if info.islnk():
        raise special_member(info.name, "a hard link")
    if info.ischr() or info.isblk():
        raise special_member(info.name, "a device file")
    if info.isfifo():
        raise special_member(info.name, "a named pipe (FIFO)")
    if info.issparse() or not (info.isreg() or info.isdir()):
        raise special_member(info.name, "a special file")
    return checked_member(info.name, info.size, is_dir=info.isdir())


def checked_member(name: str, size: int, *, is_dir: bool) -> Member:
    parts = safe_parts(name)
    if not parts and not is_dir:
        raise unsafe_path(name, "has no file name")
    return Member(name, parts, size, is_dir)


def special_member(name: str, kind: str) -> AdapterRejected:
    return AdapterRejected(
        "ARCHIVE_SPECIAL_MEMBER",
        f"The archive member {name!r} is {kind}. Archives may hold only regular files and "
        "folders: no links, devices or pipes.",
    )


def safe_parts(name: str) -> tuple[str, ...]:
    """The member's path as parts, refusing anything that could point outside the archive."""
    if any(ord(char) < 32 for char in name) or "\\" in name:
        raise unsafe_path(name, "contains control characters or backslashes")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise unsafe_path(name, "is an absolute path")
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise unsafe_path(name, "climbs out of the archive's folder with '..'")
    return parts


def unsafe_path(name: str, problem: str) -> AdapterRejected:
    return AdapterRejected(
        "ARCHIVE_UNSAFE_PATH",
        f"The archive member {name!r} {problem}. Archives may hold only relative paths inside "
        "the archive.",
    )


def check_member_count(count: int, limits: UploadLimits) -> None:
    if count > limits.max_members:
        raise too_many_members(limits)


def too_many_members(limits: UploadLimits) -> AdapterRejected:
    return AdapterRejected(
        "ARCHIVE_TOO_MANY_MEMBERS",
        f"The archive holds more than {limits.max_members} files and folders "
        "(LORALAND_MAX_ARCHIVE_MEMBERS). An adapter needs only two files.",
    )


def archive_too_large(limits: UploadLimits) -> AdapterRejected:
    return AdapterRejected(
        "ARCHIVE_TOO_LARGE",
        f"The archive unpacks to more than {limits.max_unpacked_bytes / MB:g} MB, the most "
        "accepted here (LORALAND_MAX_UNPACKED_MB).",
    )


def plan_extraction(members: list[Member], limits: UploadLimits) -> tuple[dict[str, str], list]:
    """Which members to write, as {archive name: file name in dest}, and warnings."""
    if sum(member.size for member in members) > limits.max_unpacked_bytes:
        raise archive_too_large(limits)
    files = [m for m in members if not m.is_dir and not is_os_clutter(m.parts)]
    refuse_pickles(m.parts[-1] for m in files)
    if not files:
        raise AdapterRejected(
            "ARCHIVE_EMPTY", "The archive holds no files. It should hold the adapter's folder."
        )
    check_no_duplicates(files)
    check_layout(files)
    kept = {m.name: m.parts[-1] for m in files if m.parts[-1] in KEPT_FILES}
    require_adapter_files(set(kept.values()))
    left_out = sorted("/".join(m.parts) for m in files if m.name not in kept)
    if not left_out:
        return kept, []
    return kept, [f"Not stored (only {', '.join(KEPT_FILES)} are kept): {', '.join(left_out)}."]


def is_os_clutter(parts: tuple[str, ...]) -> bool:
    # What macOS Finder and Windows Explorer add to archives they make.
    return (
        parts[0] == "__MACOSX" or parts[-1] in (".DS_Store", "Thumbs.db") or parts[-1][:2] == "._"
    )


def check_layout(files: list[Member]) -> None:
    """The files lie at the top of the archive, or all inside one top-level folder."""
    depths = {len(m.parts) for m in files}
    folders = sorted({m.parts[0] for m in files if len(m.parts) > 1})
    configs = sorted("/".join(m.parts) for m in files if m.parts[-1] == CONFIG_FILE)
    if len(configs) > 1:
        problem = f"holds several adapters ({', '.join(configs)}); upload one at a time"
    elif max(depths) > 2:
        deep = next("/".join(m.parts) for m in files if len(m.parts) > 2)
        problem = f"has files nested more than one folder deep ({deep})"
    elif len(depths) > 1:
        problem = f"has files both at its top level and inside {folders[0]}/"
    elif len(folders) > 1:
        problem = f"has more than one top-level folder ({', '.join(folders)})"
    else:
        return
    raise AdapterRejected(
        "ARCHIVE_LAYOUT",
        f"The archive {problem}. It should hold one adapter: {CONFIG_FILE} and {WEIGHTS_FILE} "
        "at its top level, or inside a single folder.",
    )


def check_no_duplicates(files: list[Member]) -> None:
    seen = set()
    for member in files:
        if member.parts in seen:
            raise unsafe_path(member.name, "appears twice")
        seen.add(member.parts)


def extract_member(source: BinaryIO, member: Member, target: Path, budget: int) -> int:
    """Copy one member, stopping at its declared size or the archive's remaining budget."""
    chunks = iter(lambda: source.read(COPY_CHUNK), b"")
    limit = min(member.size, budget)

    def too_large() -> AdapterRejected:
        return AdapterRejected(
            "ARCHIVE_TOO_LARGE",
            f"The archive member {member.name!r} unpacks to more than its header says, or past "
            "the unpacked size allowed: it is damaged or a zip bomb.",
        )

    return copy_capped(chunks, target, limit, too_large)


# --- adapter_config.json -----------------------------------------------------------------------


def read_adapter_config(path: Path, limits: UploadLimits) -> LoraConfig:
    """The checked config (worker/peft_format.py), within this server's rank limit."""
    with refusal():
        config = peft_format.parse_config(peft_format.read_config_json(path))
    if config.rank > limits.max_rank:
        raise AdapterRejected(
            "RANK_TOO_LARGE",
            f"The adapter's rank r={config.rank} is above {limits.max_rank}, the largest served "
            "here (LORALAND_MAX_RANK). Retrain it with a smaller r.",
        )
    return config


@contextmanager
def refusal():
    """The format's refusals as upload refusals, code and message unchanged."""
    try:
        yield
    except peft_format.FormatError as exc:
        raise rejected(exc) from None


def rejected(error: peft_format.FormatError) -> AdapterRejected:
    return AdapterRejected(error.code, error.message)


def missing_config() -> AdapterRejected:
    return rejected(peft_format.missing_config())


def missing_weights() -> AdapterRejected:
    return rejected(peft_format.missing_weights())


# --- adapter_model.safetensors: its header, read by hand ------------------------------------------


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int  # byte offsets in the data section
    end: int


def weights_file(path: Path, limits: UploadLimits) -> Path:
    weights = path / WEIGHTS_FILE
    if not weights.is_file():
        raise missing_weights()
    if weights.stat().st_size > limits.max_adapter_bytes:
        raise upload_too_large(limits)()
    return weights


def read_safetensors_header(path: Path) -> list[TensorInfo]:
    """The tensors' names, dtypes, shapes and offsets; the tensors themselves are not read.

    The format: an 8-byte little-endian header length N, N bytes of JSON, then the data.
    """
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(8)
        if len(head) < 8:
            raise weights_truncated("it is shorter than its 8-byte header length")
        (header_length,) = struct.unpack("<Q", head)
        if header_length > MAX_HEADER_BYTES:
            raise_if_pickled(head)
            raise AdapterRejected(
                "WEIGHTS_HEADER_TOO_LARGE",
                f"{WEIGHTS_FILE} claims a header of {header_length} bytes (at most "
                f"{MAX_HEADER_BYTES // MB} MB is accepted): it is damaged or not a safetensors "
                "file.",
            )
        if 8 + header_length > size:
            raise_if_pickled(head)
            raise weights_truncated("its header runs past the end of the file")
        raw = file.read(header_length)
    header = parse_header_json(head, raw)
    tensors = [tensor_info(name, entry) for name, entry in header.items() if name != "__metadata__"]
    check_data_layout(tensors, data_size=size - 8 - header_length)
    return tensors


def raise_if_pickled(head: bytes) -> None:
    """A pickle or torch.save() zip renamed to .safetensors is refused as what it is."""
    pickle_protocol = head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")
    if pickle_protocol or head[:4] == b"PK\x03\x04":
        raise AdapterRejected(
            "PICKLE_REFUSED",
            f"{WEIGHTS_FILE} is a pickle (a torch.save() file), not safetensors: pickles can "
            f"run code when loaded, so they are refused. {CONVERT_HINT}",
        )


def parse_header_json(head: bytes, raw: bytes) -> dict:
    try:
        if raw[:1] != b"{":
            raise ValueError("the header does not start with '{'")
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicate_keys)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise_if_pickled(head)
        raise weights_corrupt(f"its header is not valid JSON ({exc})") from None
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict):
        raise weights_corrupt("its __metadata__ is not a JSON object")
    return header


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a name appears twice")
    return dict(pairs)


def tensor_info(name: str, entry) -> TensorInfo:
    if not isinstance(entry, dict):
        raise weights_corrupt(f"the header entry for {name!r} is not a JSON object")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not (isinstance(shape, list) and all(is_int(n) and n >= 0 for n in shape)):
        raise weights_corrupt(f"the shape of {name!r} is {shape!r}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(is_int(n) for n in offsets)):
        raise weights_corrupt(f"the data offsets of {name!r} are {offsets!r}")
    if dtype not in FLOAT_DTYPES:
        raise AdapterRejected(
            "UNSUPPORTED_DTYPE",
            f"The tensor {name!r} has dtype {dtype!r}: LoRA weights must be floating point "
            f"({', '.join(FLOAT_DTYPES)}).",
        )
    begin, end = offsets
    if not 0 <= begin <= end or end - begin != math.prod(shape) * FLOAT_DTYPES[dtype]:
        raise weights_corrupt(f"the data offsets of {name!r} do not match its shape and dtype")
    return TensorInfo(name, dtype, tuple(shape), begin, end)


def check_data_layout(tensors: list[TensorInfo], *, data_size: int) -> None:
    """The tensors' data fill the rest of the file exactly: no overlaps, holes or missing bytes."""
    if not tensors:
        raise AdapterRejected("NO_TENSORS", f"{WEIGHTS_FILE} holds no tensors.")
    needed = max(t.end for t in tensors)
    if needed > data_size:
        raise weights_truncated(f"its tensors need {needed - data_size} bytes more than it has")
    position = 0
    for tensor in sorted(tensors, key=lambda t: (t.begin, t.end)):
        if tensor.begin != position:
            raise weights_corrupt("its tensors overlap or leave gaps")
        position = tensor.end
    if position != data_size:
        raise weights_corrupt(f"it has {data_size - position} stray bytes after its tensors")


def weights_truncated(problem: str) -> AdapterRejected:
    return AdapterRejected(
        "WEIGHTS_TRUNCATED",
        f"{WEIGHTS_FILE} is cut short: {problem}. The upload or the copy may have been "
        "interrupted; upload the file again.",
    )


def weights_corrupt(problem: str) -> AdapterRejected:
    return AdapterRejected(
        "WEIGHTS_CORRUPT", f"{WEIGHTS_FILE} is not a valid safetensors file: {problem}."
    )


# --- The base model's linear layers, from its config and its weights' headers --------------------


@dataclass(frozen=True)
class BaseLinears:
    shapes: dict[str, tuple[int, int]]  # module name -> (in_features, out_features)
    output_layer: str | None  # the LM head, which PEFT's "all-linear" leaves out
    num_layers: int | None

    def leaf_names(self) -> list[str]:
        return sorted({name.rpartition(".")[2] for name in self.shapes})


def base_linears(base_model: str | Path) -> BaseLinears:
    path = Path(base_model).resolve()
    try:
        stamp = (path / "config.json").stat().st_mtime_ns  # a rebuilt base is read again
    except OSError:
        raise base_unreadable(path, "it has no config.json") from None
    return base_linears_of(str(path), stamp)


# The last part of the name of a 2-D weight that is an embedding table, not a linear layer.
EMBEDDINGS = {"embed_tokens", "wte", "wpe", "embed_positions", "word_embeddings"}
OUTPUT_LAYER = "lm_head"


@lru_cache(maxsize=4)
def base_linears_of(path: str, stamp: int) -> BaseLinears:
    """The linear layers of a Llama/Mistral-layout base from its config.json and the headers of
    its safetensors files: no weight is read, and neither torch nor transformers is loaded, so
    the web process checks uploads without them. A weight (out_features, in_features) is a
    linear layer unless it is an embedding table; a tied LM head is not stored, and is added
    as the (hidden, vocab) layer it is."""
    from safetensors import safe_open

    folder = Path(path)
    try:
        config = json.loads((folder / "config.json").read_text())
        files = sorted(folder.glob("*.safetensors"))
        if not files:
            raise OSError("no *.safetensors file")
        shapes = {}
        for file in files:
            with safe_open(str(file), framework="numpy") as weights:
                for key in weights.keys():  # noqa: SIM118 (a safe_open handle, not a dict)
                    shape = weights.get_slice(key).get_shape()
                    module, _, leaf = key.rpartition(".")
                    kind = module.rpartition(".")[2]
                    if leaf == "weight" and len(shape) == 2 and kind not in EMBEDDINGS:
                        shapes[module] = (shape[1], shape[0])
    except (OSError, ValueError) as exc:
        raise base_unreadable(folder, str(exc)) from exc
    if OUTPUT_LAYER not in shapes and config.get("tie_word_embeddings", True):
        shapes[OUTPUT_LAYER] = (config["hidden_size"], config["vocab_size"])
    return BaseLinears(
        shapes=shapes,
        output_layer=OUTPUT_LAYER if OUTPUT_LAYER in shapes else None,
        num_layers=config.get("num_hidden_layers"),
    )


def base_unreadable(path: Path, problem: str) -> AdapterRejected:
    return AdapterRejected(
        "BASE_MODEL_UNREADABLE",
        f"The base model at {path} cannot be read ({problem}), so adapters cannot be checked "
        "against it. This is a server setting (LORALAND_BASE_MODEL), not a fault of the upload.",
    )


def targeted_modules(targets: tuple[str, ...] | str, base: BaseLinears) -> set[str]:
    """The base's linear layers that target_modules selects, matched the way PEFT does."""
    if targets == "all-linear":
        return set(base.shapes) - {base.output_layer}
    if isinstance(targets, str):
        return modules_matching_regex(targets, base)
    selected = set()
    for target in targets:
        matches = {name for name in base.shapes if name == target or name.endswith("." + target)}
        if not matches:
            raise unknown_target(target, base)
        selected |= matches
    return selected


def modules_matching_regex(pattern: str, base: BaseLinears) -> set[str]:
    if may_backtrack_for_ages(pattern):
        problem = "its target_modules pattern is too complex; list the module names instead"
        raise rejected(peft_format.invalid_config(problem))
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        problem = f"target_modules is not a valid regular expression ({exc})"
        raise rejected(peft_format.invalid_config(problem)) from None
    matches = {name for name in base.shapes if regex.fullmatch(name)}
    if not matches:
        raise unknown_target(pattern, base)
    return matches


def may_backtrack_for_ages(pattern: str) -> bool:
    # The pattern comes from the uploader and Python's re has no timeout: refuse a quantified
    # group such as (a+)+ and more than a few unbounded repeats before running it.
    too_many_repeats = len(re.findall(r"[*+]", pattern)) > 3
    return len(pattern) > 256 or re.search(r"\)[*+?{]", pattern) is not None or too_many_repeats


def unknown_target(target: str, base: BaseLinears) -> AdapterRejected:
    return AdapterRejected(
        "UNKNOWN_TARGET_MODULE",
        f"target_modules names {target!r}, but the base model has no linear layer by that name. "
        f"Its linear layers are: {', '.join(base.leaf_names())}.",
    )


# --- The tensors against the base -----------------------------------------------------------------


def check_tensors(
    tensors: list[TensorInfo], config: LoraConfig, base: BaseLinears, targeted: set[str]
) -> None:
    pairs: dict[str, dict[str, tuple[int, ...]]] = {}
    for tensor in tensors:
        with refusal():
            module, part = peft_format.split_lora_key(tensor.name)
        check_module_in_base(tensor.name, module, base)
        if module not in targeted:
            raise AdapterRejected(
                "UNEXPECTED_TENSOR",
                f"{WEIGHTS_FILE} holds {tensor.name!r}, but target_modules in {CONFIG_FILE} "
                "does not cover that module: the two files do not belong together.",
            )
        pairs.setdefault(module, {})[part] = tensor.shape
    with refusal():
        peft_format.check_pairs(pairs)
        for module, parts in sorted(pairs.items()):
            in_out = base.shapes[module]
            peft_format.check_pair_shapes(
                module, parts["lora_A"], parts["lora_B"], config.rank, in_out
            )


def check_module_in_base(name: str, module: str, base: BaseLinears) -> None:
    if module in base.shapes:
        return
    layer = re.search(r"\.layers\.(\d+)\.", f".{module}.")
    if layer and base.num_layers is not None and int(layer[1]) >= base.num_layers:
        problem = f"layer {layer[1]}, but the base model has {base.num_layers} layers"
    else:
        problem = f"{module}, which is not a linear layer of the base model"
    raise AdapterRejected(
        "TENSOR_NOT_IN_BASE",
        f"The tensor {name!r} is for {problem}. Was the adapter trained on a different base?",
    )


def base_name_warnings(name: str | None, base_model: str | Path) -> list[str]:
    """A different base with the same shapes is served, as LoRAX does, with a warning."""
    served = Path(base_model).name
    if name is None:
        return [f"{CONFIG_FILE} does not name its base model; its shapes match {served}."]
    if PurePosixPath(name.rstrip("/")).name.lower() == served.lower():
        return []
    return [
        f"This adapter was trained on {name!r} but will run on {served!r}. Their layer shapes "
        "match, but its answers may not be what it was trained to give."
    ]
