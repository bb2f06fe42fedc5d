"""Fetching the base model and the LoRA Land report's adapters from the Hugging Face Hub, and
serving each fetched adapter as an admin upload would be (`manage.py fetch_models`)."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx2  # huggingface_hub's HTTP client, whose network errors reach us unwrapped
from django.conf import settings
from django.core.files import File
from huggingface_hub import HfApi, constants, snapshot_download
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from demo.generators.base import report_tasks
from worker.peft_format import CONFIG_FILE, WEIGHTS_FILE

from . import services
from .adapter_limits import AdapterRejected
from .models import Adapter, Task

BASE_REPO = "mistralai/Mistral-7B-v0.1"
ADAPTER_FILES = [CONFIG_FILE, WEIGHTS_FILE]
# What serving the base needs: its config, tokenizer and safetensors weights. Hub repos often
# hold the same weights again as pickles (pytorch_model*.bin) or in Mistral's own format
# (consolidated.*): many GB that are never read here.
BASE_FILES = [
    "config.json",
    "generation_config.json",
    "*.safetensors",
    "*.safetensors.index.json",
    "tokenizer*",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "merges.txt",
    "chat_template.jinja",
]
BASE_IGNORED = ["consolidated*"]
HASH_CHUNK = 1024 * 1024
# Everything one repository's fetch may raise that is about that repository or the network, not
# a bug here: it is reported on that repository's line and the others go on. (OSError covers
# huggingface_hub's size check of a download, a full disk and the like.)
HUB_ERRORS = (HfHubHTTPError, HFValidationError, httpx2.HTTPError, OSError)

# An outcome's status: the base fetched; an adapter registered as a new served version, the
# same as the served one, the same as a version not served now, or failed.
FETCHED, REGISTERED, UNCHANGED, KNOWN, FAILED = (
    "fetched",
    "registered",
    "unchanged",
    "known",
    "failed",
)


class FetchError(Exception):
    """A request that cannot be carried out at all (an unknown slug, tasks not loaded), found
    before anything is downloaded."""


@dataclass(frozen=True)
class AdapterSource:
    """Where the report says one task's adapter is published."""

    slug: str
    repo_id: str
    confirmed: bool  # False: the report's id is a best guess (webnlg, boolq, winogrande)


@dataclass(frozen=True)
class Outcome:
    """What fetching one repository came to, printed as one line."""

    name: str  # "base" or the task's slug
    repo_id: str
    status: str  # FETCHED, REGISTERED, UNCHANGED, KNOWN or FAILED
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def line(self) -> str:
        label = "FAILED" if self.failed else self.status
        return f"{self.name} ({self.repo_id}): {label}: {self.detail}"


# --- What to fetch ------------------------------------------------------------------------------


def adapter_sources(selection: str) -> list[AdapterSource]:
    """The report's adapters, in its order: "all", "none" or comma-separated task slugs."""
    known = {
        slug: AdapterSource(
            slug, entry["hf_adapter_repo"], bool(entry["hf_adapter_repo_confirmed"])
        )
        for slug, entry in report_tasks().items()
        if entry.get("hf_adapter_repo")
    }
    if selection.strip() == "all":
        return list(known.values())
    if selection.strip() == "none":
        return []
    wanted = [slug.strip() for slug in selection.split(",") if slug.strip()]
    unknown = [slug for slug in wanted if slug not in known]
    if unknown or not wanted:
        named = ", ".join(unknown) or repr(selection)
        raise FetchError(
            f"Unknown task slug(s): {named}. Use all, none or some of: {', '.join(known)}."
        )
    return [known[slug] for slug in dict.fromkeys(wanted)]


def tasks_for(sources: list[AdapterSource]) -> dict[str, Task]:
    """Each source's Task row; checked before any download, so nothing is fetched for nothing."""
    tasks = Task.objects.in_bulk([s.slug for s in sources], field_name="slug")
    missing = [s.slug for s in sources if s.slug not in tasks]
    if missing:
        raise FetchError(
            f"No task {', '.join(missing)} in the database: run `python manage.py load_tasks` "
            "first (fetched adapters are registered to their tasks)."
        )
    return tasks


def check_apart(snapshots: Path, adapter_dir: Path) -> None:
    """The hub's snapshots must not be where served adapters live: load_tasks would register
    each <slug>/ snapshot as a built demo adapter, and versions would be stored inside it."""
    if snapshots.resolve() == adapter_dir.resolve():
        raise FetchError(
            f"LORALAND_ADAPTER_DIR is {adapter_dir}, where fetch_models keeps the Hub's "
            "snapshots (LORALAND_MODELS_DIR/adapters): choose another directory for either."
        )


# --- The base model -----------------------------------------------------------------------------


def base_dir_for(repo_id: str, models_dir: Path) -> Path:
    """<models_dir>/<repo name>, e.g. .../Mistral-7B-v0.1: the name LORALAND_BASE_MODEL ends in,
    which the site shows and records with answers (models.current_base_model)."""
    return models_dir / repo_id.rstrip("/").rpartition("/")[2]


def fetch_base(repo_id: str, *, revision: str, models_dir: Path) -> Outcome:
    """Download the base's config, tokenizer and safetensors into <models_dir>/<repo name>."""
    target = base_dir_for(repo_id, models_dir)
    try:
        commit, _ = resolve(repo_id, revision)
        snapshot_download(
            repo_id,
            revision=commit,
            local_dir=target,
            allow_patterns=BASE_FILES,
            ignore_patterns=BASE_IGNORED,
        )
    except HUB_ERRORS as exc:
        return Outcome("base", repo_id, FAILED, hub_problem(exc, repo_id, revision))
    files = [p for p in target.iterdir() if p.is_file()]
    if not (target / "config.json").is_file() or not any(p.suffix == ".safetensors" for p in files):
        return Outcome(
            "base",
            repo_id,
            FAILED,
            f"the repository at {revision!r} has no config.json or no *.safetensors weights, "
            "which serving needs (pickled *.bin weights are not fetched)",
        )
    size = sum(p.stat().st_size for p in files)
    detail = f"{len(files)} files, {size / 1e6:,.1f} MB in {target} (commit {commit[:12]})"
    return Outcome("base", repo_id, FETCHED, detail)


# --- Adapters -----------------------------------------------------------------------------------


def fetch_adapter(source: AdapterSource, task: Task, *, revision: str, models_dir: Path) -> Outcome:
    """Download one adapter's two files and serve them as the next version of its task's
    adapter, unless the task already has an adapter with exactly these files."""
    local = models_dir / "adapters" / source.slug
    try:
        commit, names = resolve(source.repo_id, revision)
        absent = [name for name in ADAPTER_FILES if name not in names]
        if absent:
            return failed(source, missing_files_problem(absent, names))
        snapshot_download(
            source.repo_id, revision=commit, local_dir=local, allow_patterns=ADAPTER_FILES
        )
    except HUB_ERRORS as exc:
        return failed(source, hub_problem(exc, source.repo_id, revision))
    same = adapter_with_files(task, local)
    if same is not None and same == task.active_adapter:
        return outcome(source, UNCHANGED, f"the same files as {same.name}, which is served")
    if same is not None:
        # An admin switched that version off or rolled back past it: registering the same files
        # again would undo their choice at every run.
        return outcome(
            source,
            KNOWN,
            f"the same files as {same.name}, which is not served now (switched off or rolled "
            "back in the admin); left as it is",
        )
    try:
        adapter = register(local, task=task, family=source.slug)
    except AdapterRejected as exc:
        return failed(source, f"refused by validation, nothing registered: {exc}")
    return outcome(source, REGISTERED, f"{adapter.name}, now served ({commit[:12]})")


def register(local: Path, *, task: Task, family: str) -> Adapter:
    """The admin upload's path: validated against the base, stored as <family>/<version>/ under
    LORALAND_ADAPTER_DIR and activated, or refused with no files and no rows left behind."""
    with (local / CONFIG_FILE).open("rb") as config, (local / WEIGHTS_FILE).open("rb") as weights:
        files = [File(config, name=CONFIG_FILE), File(weights, name=WEIGHTS_FILE)]
        return services.adapter_upload(files=files, task=task, family=family)


def files_digest(folder: Path) -> tuple[str, ...] | None:
    """SHA-256 of the adapter's two files; None if one is missing."""
    if not all((folder / name).is_file() for name in ADAPTER_FILES):
        return None
    return tuple(sha256_of(folder / name) for name in ADAPTER_FILES)


def sha256_of(path: Path) -> str:
    """A file's SHA-256, read in chunks (adapter weights can be hundreds of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def adapter_with_files(task: Task, local: Path) -> Adapter | None:
    """The task's adapter whose files on disk are those in `local` (the served one first)."""
    digest = files_digest(local)
    if digest is None:
        return None
    size = (local / WEIGHTS_FILE).stat().st_size
    active = task.active_adapter
    others = task.adapters.order_by("-created_at", "-pk")
    candidates = [active, *others.exclude(pk=active.pk)] if active else list(others)
    adapter_dir = Path(settings.LORALAND_ADAPTER_DIR)
    for adapter in candidates:
        folder = adapter_dir / adapter.name
        weights = folder / WEIGHTS_FILE
        # Sizes first: only weights of the same size can be the same, and hashing is slow.
        if weights.is_file() and weights.stat().st_size == size and files_digest(folder) == digest:
            return adapter
    return None


def missing_files_problem(absent: list[str], names: set[str]) -> str:
    """Why a repository that lacks an adapter file is not fetched, with what to do instead."""
    pickles = sorted(n for n in names if n.startswith("adapter_model.") and n != WEIGHTS_FILE)
    if WEIGHTS_FILE in absent and pickles:
        return (
            f"the repository has {', '.join(pickles)} but no {WEIGHTS_FILE}: pickled weights are "
            "not served here; convert them to safetensors and use `manage.py upload_adapter`"
        )
    return f"the repository has no {' and no '.join(absent)}, so it is not a PEFT LoRA adapter"


def failed(source: AdapterSource, problem: str) -> Outcome:
    """A failed adapter's outcome."""
    return outcome(source, FAILED, problem)


def outcome(source: AdapterSource, status: str, detail: str) -> Outcome:
    """An adapter's outcome; a line about an unconfirmed repo id says so, whatever happened."""
    if not source.confirmed:
        detail += " [the report's repo id for this task is a best guess]"
    return Outcome(source.slug, source.repo_id, status, detail)


# --- Talking to the Hub -------------------------------------------------------------------------


def resolve(repo_id: str, revision: str) -> tuple[str, set[str]]:
    """The commit `revision` points at, and the repository's file names there.

    snapshot_download then gets the commit itself: every file comes from that one commit, and
    a repository that has gone (404, 401) fails here instead of snapshot_download quietly
    handing back what an earlier run left in its folder."""
    info = HfApi().model_info(repo_id, revision=revision)
    return info.sha, {sibling.rfilename for sibling in info.siblings or []}


def hub_problem(exc: Exception, repo_id: str, revision: str) -> str:
    """One line saying what went wrong, and what to do about it when we know."""
    page = f"{constants.ENDPOINT}/{repo_id}"
    status = exc.response.status_code if isinstance(exc, HfHubHTTPError) else None
    if isinstance(exc, GatedRepoError):  # before RepositoryNotFoundError, its base class
        if status == 401:
            return (
                f"gated (401): the Hub wants a token; set HF_TOKEN to the token of an account "
                f"that accepted the model's terms at {page}"
            )
        return (
            f"gated ({status}): HF_TOKEN's account has no access yet; accept the model's terms "
            f"at {page} (approval may take a while) or use another account's token"
        )
    if isinstance(exc, RepositoryNotFoundError):
        return (
            f"not found ({status}): no such repository on the Hub, or a private one HF_TOKEN "
            "cannot see"
        )
    if isinstance(exc, RevisionNotFoundError):
        return f"no revision {revision!r} in the repository ({status})"
    if isinstance(exc, RemoteEntryNotFoundError):
        return f"a file the Hub listed cannot be downloaded ({status}); try again later"
    if isinstance(exc, HfHubHTTPError):
        return http_problem(exc, status)
    if isinstance(exc, httpx2.HTTPError):
        return f"cannot reach the Hub at {constants.ENDPOINT} ({type(exc).__name__}: {exc})"
    if isinstance(exc, HFValidationError):
        return f"not a repository id: {first_line(exc)}"
    return f"download failed: {first_line(exc)}"


def http_problem(exc: HfHubHTTPError, status: int | None) -> str:
    """Any other refusal by the Hub, with the message it gave (an invalid token is a 401)."""
    said = f": {first_line(exc.server_message)}" if exc.server_message else ""
    if status == 401:
        return f"refused (401): the Hub does not accept HF_TOKEN (invalid or expired?){said}"
    if status == 403:
        return f"refused (403): HF_TOKEN may not read this repository{said}"
    return f"the Hub answered {status}{said}"


def first_line(value) -> str:
    """huggingface_hub's messages run over several lines; a report line takes the first."""
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__


# --- The run ------------------------------------------------------------------------------------


def fetch_all(
    *,
    base: str | None,
    sources: list[AdapterSource],
    revision: str,
    report: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Fetch the base (first: adapters are checked against LORALAND_BASE_MODEL) and then each
    adapter, calling `report` as each one ends; one failure never stops the others."""
    models_dir = Path(settings.LORALAND_MODELS_DIR)
    check_apart(models_dir / "adapters", Path(settings.LORALAND_ADAPTER_DIR))
    tasks = tasks_for(sources)
    models_dir.mkdir(parents=True, exist_ok=True)
    outcomes = []
    if base:
        outcomes.append(fetch_base(base, revision=revision, models_dir=models_dir))
        report(outcomes[-1])
    for source in sources:
        outcomes.append(
            fetch_adapter(source, tasks[source.slug], revision=revision, models_dir=models_dir)
        )
        report(outcomes[-1])
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    """Counts by status, e.g. "1 fetched, 20 unchanged, 2 failed (webnlg, boolq)"."""
    counts = {}
    for item in outcomes:
        counts[item.status] = counts.get(item.status, 0) + 1
    order = (FETCHED, REGISTERED, UNCHANGED, KNOWN, FAILED)
    parts = [f"{counts[status]} {status}" for status in order if counts.get(status)]
    failures = [item.name for item in outcomes if item.failed]
    text = ", ".join(parts) or "nothing to do"
    return text + (f" ({', '.join(failures)})" if failures else "")
