"""Unpacking an upload into an empty folder: one archive (.zip, .tar.gz, .tgz) or the adapter's
two files. zipfile and tarfile only list and read members: every file is written here, under a
name checked here, within size and member caps (zip bombs), links and devices refused."""

import gzip
import os
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from worker.peft_format import CONFIG_FILE, WEIGHTS_FILE

from .adapter_limits import (
    MB,
    AdapterRejected,
    UploadLimits,
    missing_config,
    missing_weights,
    upload_too_large,
)

# What an accepted adapter directory holds; other files in an upload are left out, with a warning.
KEPT_FILES = (CONFIG_FILE, WEIGHTS_FILE, "README.md")


PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")


ARCHIVE_SUFFIXES = {".zip": "zip", ".tar.gz": "tar.gz", ".tgz": "tar.gz"}


CONVERT_HINT = (
    "Convert it on your own machine, e.g. `safetensors.torch.save_file(torch.load(path), "
    f"'{WEIGHTS_FILE}')`, or save it with PEFT's save_pretrained(), which writes safetensors."
)


COPY_CHUNK = 1 * MB


# Decompressed tar bytes allowed beyond the members' contents: a 512-byte header, padding and
# pax or long-name blocks per member, and the end-of-archive record.
TAR_OVERHEAD_PER_MEMBER = 4096


TAR_OVERHEAD = 1 * MB


# A zip's central directory entry: 46 bytes, the name, and extra fields (timestamps, zip64).
ZIP_DIRECTORY_BYTES_PER_MEMBER = 4096


def empty_directory(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


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
