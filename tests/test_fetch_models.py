"""`manage.py fetch_models` (issue 19): the base model and the report's adapters come from the
Hugging Face Hub, each adapter is validated and served like an admin upload, a rerun with nothing
new registers nothing, and one repository's failure is reported without stopping the others.

The real huggingface_hub client talks to tests/hub_server.py, a local stand-in for the Hub; the
"adapters" it serves are the test demo's, so they validate against the test demo's base."""

import ast
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from playground import services
from playground.models import Adapter, Task

from .conftest import ROOT
from .hub_server import FakeHub

pytestmark = pytest.mark.django_db
CONFIG, WEIGHTS = "adapter_config.json", "adapter_model.safetensors"
BASE = "mistralai/Mistral-7B-v0.1"


@pytest.fixture
def site(db, demo_settings, settings, tmp_path, demo_config) -> Path:
    """Tasks loaded, an empty adapter folder but for the demo's own e2e_nlg adapter (which
    load_tasks registers as `e2e_nlg`), and LORALAND_MODELS_DIR in tmp_path."""
    settings.LORALAND_ADAPTER_DIR = str(tmp_path / "adapters")
    settings.LORALAND_MODELS_DIR = str(tmp_path / "models")
    shutil.copytree(demo_config.adapter_dir / "e2e_nlg", tmp_path / "adapters" / "e2e_nlg")
    call_command("load_tasks", verbosity=0)
    return tmp_path


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with FakeHub() as server:
        server.pointed_at(monkeypatch, tmp_path / "hf-home")
        yield server


@pytest.fixture
def demo_files(demo_config):
    """A hub repo's files holding the test demo's adapter for `slug`, with extras that a
    trainer leaves in a repo and that must not be fetched."""

    def files(slug: str) -> dict[str, bytes]:
        folder = demo_config.adapter_dir / slug
        return {
            CONFIG: (folder / CONFIG).read_bytes(),
            WEIGHTS: (folder / WEIGHTS).read_bytes(),
            "README.md": (folder / "README.md").read_bytes(),
            "training_args.bin": b"\x80\x04 a pickle",
        }

    return files


def fetch(*args: str) -> tuple[str, str, CommandError | None]:
    """Run the command; its stdout, its stderr and the CommandError it ended with, if any."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("fetch_models", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def served(slug: str) -> str | None:
    adapter = Task.objects.get(slug=slug).active_adapter
    return adapter.name if adapter else None


def stored(site: Path, name: str) -> dict[str, bytes]:
    folder = site / "adapters" / name
    return {n: (folder / n).read_bytes() for n in (CONFIG, WEIGHTS)}


def adapter_files(files: dict[str, bytes]) -> dict[str, bytes]:
    return {n: files[n] for n in (CONFIG, WEIGHTS)}


def test_a_fresh_fetch_serves_each_adapter_as_the_next_version_of_its_task(site, hub, demo_files):
    hub.put("predibase/e2e_nlg", demo_files("webnlg"))  # not the demo's own e2e_nlg adapter
    hub.put("predibase/gsm8k", demo_files("gsm8k"))
    assert served("e2e_nlg") == "e2e_nlg" and served("gsm8k") is None

    out, err, error = fetch("--no-base", "--adapters", "e2e_nlg,gsm8k")

    assert error is None, err
    # After the demo adapter `e2e_nlg` (version 1) comes e2e_nlg/2; gsm8k had none.
    assert served("e2e_nlg") == "e2e_nlg/2" and served("gsm8k") == "gsm8k/1"
    row = Adapter.objects.get(name="e2e_nlg/2")
    assert (row.family, row.version, row.is_active, row.rank) == ("e2e_nlg", 2, True, 8)
    assert stored(site, "e2e_nlg/2") == adapter_files(demo_files("webnlg"))
    assert stored(site, "gsm8k/1") == adapter_files(demo_files("gsm8k"))
    # The hub's snapshot: the two adapter files only, never the pickle or the README.
    snapshot = site / "models" / "adapters" / "e2e_nlg"
    assert sorted(p.name for p in snapshot.iterdir() if p.is_file()) == [CONFIG, WEIGHTS]
    assert "e2e_nlg (predibase/e2e_nlg): registered: e2e_nlg/2, now served" in out
    assert "summary: 2 registered" in out
    assert not any(path.endswith(("README.md", "training_args.bin")) for path in hub.downloads())


def test_a_rerun_with_nothing_new_registers_and_downloads_nothing(site, hub, demo_files):
    hub.put("predibase/gsm8k", demo_files("gsm8k"))
    assert fetch("--no-base", "--adapters", "gsm8k")[2] is None
    rows, downloads = Adapter.objects.count(), len(hub.downloads())

    out, err, error = fetch("--base", "none", "--adapters", "gsm8k")

    assert error is None, err
    assert Adapter.objects.count() == rows and served("gsm8k") == "gsm8k/1"
    assert len(hub.downloads()) == downloads  # the snapshot was up to date
    assert "gsm8k (predibase/gsm8k): unchanged: the same files as gsm8k/1, which is served" in out
    assert "summary: 1 unchanged" in out


def test_the_same_files_as_the_demo_adapter_served_register_nothing(site, hub, demo_files):
    hub.put("predibase/e2e_nlg", demo_files("e2e_nlg"))

    out, _, error = fetch("--no-base", "--adapters", "e2e_nlg")

    assert error is None
    assert list(Adapter.objects.filter(task__slug="e2e_nlg").values_list("name", flat=True)) == [
        "e2e_nlg"
    ]
    assert "unchanged: the same files as e2e_nlg, which is served" in out


def test_a_changed_file_on_the_hub_is_served_as_a_new_version(site, hub, demo_files):
    hub.put("predibase/gsm8k", demo_files("gsm8k"))
    fetch("--no-base", "--adapters", "gsm8k")
    changed = demo_files("glue_sst2")  # new weights and config, as a retrained adapter has
    hub.put("predibase/gsm8k", changed)

    out, err, error = fetch("--no-base", "--adapters", "gsm8k")

    assert error is None, err
    assert served("gsm8k") == "gsm8k/2"
    assert stored(site, "gsm8k/2") == adapter_files(changed)
    assert stored(site, "gsm8k/1") == adapter_files(demo_files("gsm8k"))  # kept for rollback
    assert "registered: gsm8k/2, now served" in out


def test_a_version_rolled_back_in_the_admin_is_not_registered_again(site, hub, demo_files):
    hub.put("predibase/gsm8k", demo_files("gsm8k"))
    fetch("--no-base", "--adapters", "gsm8k")
    hub.put("predibase/gsm8k", demo_files("glue_sst2"))
    fetch("--no-base", "--adapters", "gsm8k")
    services.adapter_activate(adapter=Adapter.objects.get(name="gsm8k/1"))  # the rollback

    out, _, error = fetch("--no-base", "--adapters", "gsm8k")

    assert error is None
    assert served("gsm8k") == "gsm8k/1"
    assert Adapter.objects.filter(task__slug="gsm8k").count() == 2
    assert "known: the same files as gsm8k/2, which is not served now" in out


def test_a_missing_repository_is_reported_and_the_others_still_land(site, hub, demo_files):
    hub.put("predibase/gsm8k", demo_files("gsm8k"))  # and no predibase/webnlg

    out, err, error = fetch("--no-base", "--adapters", "webnlg,gsm8k")

    assert error is not None and "1 of 2 failed: webnlg" in str(error)
    line = next(line for line in err.splitlines() if line.startswith("webnlg"))
    assert "predibase/webnlg" in line and "FAILED: not found (404)" in line
    assert "best guess" in line  # the report's id for webnlg is not confirmed
    assert served("gsm8k") == "gsm8k/1" and served("webnlg") is None
    assert "summary: 1 registered, 1 failed (webnlg)" in out


def test_the_exit_status_is_1_when_anything_failed(site, hub, demo_files, capsys):
    hub.put("predibase/gsm8k", demo_files("gsm8k"))
    command = ["manage.py", "fetch_models", "--no-base", "--adapters"]

    execute_from_command_line([*command, "gsm8k"])  # returns: status 0
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line([*command, "gsm8k,webnlg"])

    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "webnlg (predibase/webnlg): FAILED" in err and "1 of 2 failed: webnlg" in err


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (None, "FAILED: gated (401): the Hub wants a token; set HF_TOKEN"),
        ("hf_other_account", "FAILED: gated (403): HF_TOKEN's account has no access yet"),
        ("hf_revoked", "FAILED: refused (401): the Hub does not accept HF_TOKEN"),
        ("hf_granted", "registered: gsm8k/1"),
    ],
)
def test_a_gated_repository_needs_a_token_with_access(
    site, hub, demo_files, monkeypatch, token, expected
):
    hub.put("predibase/gsm8k", demo_files("gsm8k"), gated=True)
    hub.tokens.update({"hf_granted": {"predibase/gsm8k"}, "hf_other_account": set()})
    if token:
        monkeypatch.setenv("HF_TOKEN", token)

    out, err, error = fetch("--no-base", "--adapters", "gsm8k")

    assert expected in out + err
    assert (error is None) == (token == "hf_granted")
    assert served("gsm8k") == ("gsm8k/1" if token == "hf_granted" else None)


def test_weights_that_are_not_safetensors_are_refused_and_nothing_is_registered(
    site, hub, demo_files
):
    broken = demo_files("gsm8k") | {WEIGHTS: b'{"not": "a safetensors file"}' * 10}
    hub.put("predibase/gsm8k", broken)

    _, err, error = fetch("--no-base", "--adapters", "gsm8k")

    assert error is not None
    assert "gsm8k (predibase/gsm8k): FAILED: refused by validation, nothing registered" in err
    assert "WEIGHTS_" in err  # the validator's code, as an admin upload would show it
    assert served("gsm8k") is None and not Adapter.objects.filter(task__slug="gsm8k").exists()
    assert not (site / "adapters" / "gsm8k").exists()


def test_a_truncated_download_is_reported_and_fetched_whole_by_the_next_run(site, hub, demo_files):
    hub.put("predibase/gsm8k", demo_files("gsm8k"))
    hub.truncate.add(("predibase/gsm8k", WEIGHTS))

    _, err, error = fetch("--no-base", "--adapters", "gsm8k")

    assert error is not None
    assert "gsm8k (predibase/gsm8k): FAILED: download failed: Consistency check failed" in err
    assert served("gsm8k") is None
    assert not (site / "models" / "adapters" / "gsm8k" / WEIGHTS).exists()  # no half file

    hub.truncate.clear()
    out, err, error = fetch("--no-base", "--adapters", "gsm8k")
    assert error is None, err
    assert served("gsm8k") == "gsm8k/1"
    assert stored(site, "gsm8k/1") == adapter_files(demo_files("gsm8k"))


def test_a_repository_with_pickled_weights_only_is_refused_unfetched(site, hub, demo_files):
    files = demo_files("gsm8k")
    hub.put("predibase/gsm8k", {CONFIG: files[CONFIG], "adapter_model.bin": b"\x80\x04pickle"})

    _, err, error = fetch("--no-base", "--adapters", "gsm8k")

    assert error is not None
    assert "has adapter_model.bin but no adapter_model.safetensors" in err
    assert hub.downloads() == [] and served("gsm8k") is None


def test_an_unknown_revision_is_reported_per_repository(site, hub, demo_files):
    hub.put("predibase/gsm8k", demo_files("gsm8k"))

    _, err, error = fetch("--no-base", "--adapters", "gsm8k", "--revision", "v9")

    assert error is not None and "FAILED: no revision 'v9'" in err


def test_the_base_model_lands_under_the_models_dir_with_the_files_serving_needs(
    site, hub, demo_config, monkeypatch
):
    base = {p.name: p.read_bytes() for p in demo_config.base_dir.iterdir() if p.is_file()}
    needed = {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json"}
    assert needed <= set(base)
    unwanted = {
        "pytorch_model.bin": b"\x80\x04 pickled weights",
        "consolidated.00.pth": b"\x80\x04 mistral's own format",
        "consolidated.safetensors": base["model.safetensors"],
        "README.md": b"# Mistral",
    }
    hub.put(BASE, base | unwanted, gated=True)
    hub.tokens["hf_granted"] = {BASE}
    target = site / "models" / "Mistral-7B-v0.1"

    _, err, error = fetch("--adapters", "none")  # no HF_TOKEN: the gated base is refused
    assert error is not None
    assert f"base ({BASE}): FAILED: gated (401)" in err and "HF_TOKEN" in err

    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    out, err, error = fetch("--adapters", "none")

    assert error is None, err
    landed = {p.name for p in target.iterdir() if p.is_file()}
    assert landed == set(base) - {"build.json"}  # config, tokenizer, weights: no pickles
    assert (target / "model.safetensors").read_bytes() == base["model.safetensors"]
    assert f"base ({BASE}): fetched: {len(landed)} files" in out
    assert "note: LORALAND_BASE_MODEL is" in out  # it still points at the test demo's base


def test_an_unknown_slug_missing_tasks_or_a_shared_folder_stop_before_any_download(
    site, hub, settings
):
    _, _, error = fetch("--no-base", "--adapters", "gsm8k,nonesuch")
    assert error is not None and "Unknown task slug(s): nonesuch" in str(error)

    Task.objects.filter(slug="gsm8k").delete()
    _, _, error = fetch("--adapters", "gsm8k")
    assert error is not None and "run `python manage.py load_tasks` first" in str(error)

    settings.LORALAND_ADAPTER_DIR = str(site / "models" / "adapters")
    _, _, error = fetch("--adapters", "e2e_nlg")
    assert error is not None and "where fetch_models keeps the Hub's snapshots" in str(error)
    assert hub.requests == []


def test_the_hub_module_imports_neither_torch_nor_the_engine():
    """The download side stays out of the inference engine (it validates through services)."""
    tree = ast.parse((ROOT / "playground" / "hub.py").read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    # the adapter format (worker/peft_format.py) is plain Python: torch and the engine are not
    assert not [n for n in imported if n.split(".")[0] == "torch" or n.startswith("worker.engine")]
