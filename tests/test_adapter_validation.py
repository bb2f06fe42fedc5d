"""Adapter upload validation: good adapters made with PEFT's own API pass, a corpus of bad
uploads is refused, each with its own code, and nothing of a refused upload stays on disk."""

import io
import json
import pickle
import stat
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest
import torch
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from safetensors.torch import load_file, save

from playground.adapter_archive import Member, extract_member
from playground.adapter_limits import MB, AdapterRejected, UploadLimits
from playground.adapters import validate_adapter_dir, validate_upload
from worker.peft_format import CONFIG_FILE, WEIGHTS_FILE

LIMITS = UploadLimits(
    max_rank=64, max_adapter_bytes=5 * MB, max_unpacked_bytes=10 * MB, max_members=16
)
Q_PROJ_0 = "base_model.model.model.layers.0.self_attn.q_proj"
REAL_PICKLE_LOADS = pickle.loads  # the tests' own unpickling, while uploads' is forbidden


# --- A tiny random Mistral base and adapters made on it with PEFT ---------------------------------


def save_tiny_mistral(folder: Path, *, hidden_size: int) -> Path:
    from transformers import MistralConfig, MistralForCausalLM

    torch.manual_seed(0)
    config = MistralConfig(
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=128,
        max_position_embeddings=64,
    )
    MistralForCausalLM(config).save_pretrained(folder)
    return folder


def save_peft_adapter(base_dir: Path, folder: Path) -> Path:
    from peft import LoraConfig, get_peft_model
    from transformers import MistralForCausalLM

    base = MistralForCausalLM.from_pretrained(base_dir)
    config = LoraConfig(
        r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"
    )
    get_peft_model(base, config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def base_dir(tmp_path_factory) -> Path:
    return save_tiny_mistral(tmp_path_factory.mktemp("models") / "tiny-mistral", hidden_size=32)


@pytest.fixture(scope="session")
def adapter_dir(base_dir, tmp_path_factory) -> Path:
    return save_peft_adapter(base_dir, tmp_path_factory.mktemp("adapters") / "tiny-task")


@pytest.fixture(scope="session")
def foreign_adapter_dir(tmp_path_factory) -> Path:
    """An adapter for a wider base (hidden size 48): its shapes cannot fit the test base."""
    other_base = save_tiny_mistral(tmp_path_factory.mktemp("models") / "wide", hidden_size=48)
    return save_peft_adapter(other_base, tmp_path_factory.mktemp("adapters") / "wide-task")


@pytest.fixture
def good_config(adapter_dir) -> dict:
    return json.loads((adapter_dir / CONFIG_FILE).read_text())


@pytest.fixture
def good_tensors(adapter_dir) -> dict[str, torch.Tensor]:
    return load_file(adapter_dir / WEIGHTS_FILE)


@pytest.fixture
def good_weights(adapter_dir) -> bytes:
    return (adapter_dir / WEIGHTS_FILE).read_bytes()


@pytest.fixture
def dest(tmp_path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    return folder


# --- Uploads --------------------------------------------------------------------------------------


def two_files(config: dict | bytes, weights: bytes) -> list[SimpleUploadedFile]:
    raw_config = config if isinstance(config, bytes) else json.dumps(config).encode()
    return [SimpleUploadedFile(CONFIG_FILE, raw_config), SimpleUploadedFile(WEIGHTS_FILE, weights)]


def adapter_members(adapter_dir: Path, prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{p.name}": p.read_bytes() for p in sorted(adapter_dir.iterdir())}


def zip_upload(members: dict[str, bytes], name: str = "adapter.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return SimpleUploadedFile(name, buffer.getvalue())


def tar_entry(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = ""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def tar_gz_upload(entries: list, name: str = "adapter.tar.gz") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return SimpleUploadedFile(name, buffer.getvalue())


def refused(files, dest: Path, *, limits: UploadLimits = LIMITS, base_dir: Path) -> AdapterRejected:
    """The upload is refused and leaves nothing in `dest`."""
    with pytest.raises(AdapterRejected) as caught:
        validate_upload(files, dest=dest, base_model=base_dir, limits=limits)
    assert list(dest.iterdir()) == []
    assert caught.value.message and caught.value.code.isupper()
    return caught.value


def with_tensors(tensors: dict[str, torch.Tensor], **changes) -> bytes:
    """The adapter's weights with some tensors replaced (None removes one)."""
    changed = {**tensors, **changes}
    return save({name: t.contiguous() for name, t in changed.items() if t is not None})


# --- Good adapters are accepted -------------------------------------------------------------------


def test_it_accepts_a_peft_adapter_uploaded_as_its_two_files(
    adapter_dir, base_dir, dest, good_config, good_weights
):
    adapter = validate_upload(
        two_files(good_config, good_weights), dest=dest, base_model=base_dir, limits=LIMITS
    )
    assert adapter.path == dest
    assert sorted(p.name for p in dest.iterdir()) == [CONFIG_FILE, WEIGHTS_FILE]
    assert (dest / WEIGHTS_FILE).read_bytes() == good_weights
    assert (adapter.rank, adapter.alpha) == (8, 16.0)
    assert adapter.target_modules == ("q_proj", "v_proj")
    assert adapter.base_model_name_or_path == str(base_dir)
    assert adapter.tensor_count == 8  # q and v, A and B, in each of the 2 layers
    assert adapter.total_bytes == sum(p.stat().st_size for p in dest.iterdir())
    assert adapter.warnings == ()


def test_it_accepts_a_zip_of_the_adapter_folder_contents(adapter_dir, base_dir, dest):
    upload = zip_upload(adapter_members(adapter_dir))
    adapter = validate_upload([upload], dest=dest, base_model=base_dir, limits=LIMITS)
    assert sorted(p.name for p in dest.iterdir()) == ["README.md", CONFIG_FILE, WEIGHTS_FILE]
    assert adapter.rank == 8 and adapter.warnings == ()


def test_it_accepts_a_tar_gz_with_one_top_level_folder(adapter_dir, base_dir, dest):
    entries = [tar_entry("./tiny-task/", kind=tarfile.DIRTYPE)]
    entries += [tar_entry(n, d) for n, d in adapter_members(adapter_dir, "./tiny-task/").items()]
    adapter = validate_upload(
        [tar_gz_upload(entries, "tiny-task.tgz")], dest=dest, base_model=base_dir, limits=LIMITS
    )
    assert sorted(p.name for p in dest.iterdir()) == ["README.md", CONFIG_FILE, WEIGHTS_FILE]
    assert adapter.tensor_count == 8


def test_it_accepts_an_archive_opened_from_a_path(adapter_dir, base_dir, dest, tmp_path):
    # What `manage.py upload_adapter PATH` passes: a File whose name is the whole path.
    archive = tmp_path / "tiny-task.zip"
    archive.write_bytes(zip_upload(adapter_members(adapter_dir, "tiny-task/")).read())
    with archive.open("rb") as raw:
        adapter = validate_upload([File(raw)], dest=dest, base_model=base_dir, limits=LIMITS)
    assert adapter.rank == 8 and (dest / WEIGHTS_FILE).is_file()


def test_it_leaves_out_os_clutter_and_extra_files_with_a_warning(adapter_dir, base_dir, dest):
    members = adapter_members(adapter_dir, "tiny-task/")
    members |= {"__MACOSX/tiny-task/._adapter_config.json": b"\0", "tiny-task/.DS_Store": b"\0"}
    members |= {"tiny-task/tokenizer.json": b"{}"}
    adapter = validate_upload([zip_upload(members)], dest=dest, base_model=base_dir, limits=LIMITS)
    assert sorted(p.name for p in dest.iterdir()) == ["README.md", CONFIG_FILE, WEIGHTS_FILE]
    assert len(adapter.warnings) == 1 and "tokenizer.json" in adapter.warnings[0]


def test_it_accepts_a_different_base_name_with_compatible_shapes_with_a_warning(
    base_dir, dest, good_config, good_weights
):
    config = {**good_config, "base_model_name_or_path": "mistralai/Mistral-7B-v0.1"}
    adapter = validate_upload(
        two_files(config, good_weights), dest=dest, base_model=base_dir, limits=LIMITS
    )
    assert adapter.base_model_name_or_path == "mistralai/Mistral-7B-v0.1"
    assert len(adapter.warnings) == 1
    assert (
        "mistralai/Mistral-7B-v0.1" in adapter.warnings[0] and "tiny-mistral" in adapter.warnings[0]
    )


def test_it_accepts_target_modules_given_as_a_regular_expression(
    base_dir, dest, good_config, good_weights
):
    config = {**good_config, "target_modules": r".*\.(q_proj|v_proj)"}
    adapter = validate_upload(
        two_files(config, good_weights), dest=dest, base_model=base_dir, limits=LIMITS
    )
    assert adapter.target_modules == (r".*\.(q_proj|v_proj)",)


def test_an_accepted_adapter_loads_in_the_engine(adapter_dir, base_dir, dest):
    from worker.engine.lora import load_lora_adapter

    validate_upload(
        [zip_upload(adapter_members(adapter_dir))], dest=dest, base_model=base_dir, limits=LIMITS
    )
    adapter = load_lora_adapter("uploaded", dest)
    assert adapter.rank == 8 and len(adapter.layers) == 4
    assert adapter.layers["model.layers.0.self_attn.v_proj"].b.shape == (16, 8)


def test_it_checks_a_folder_already_on_disk_without_writing(adapter_dir, base_dir):
    before = sorted(p.name for p in adapter_dir.iterdir())
    adapter = validate_adapter_dir(adapter_dir, base_model=base_dir, limits=LIMITS)
    assert adapter.rank == 8 and sorted(p.name for p in adapter_dir.iterdir()) == before


def test_limits_come_from_the_settings(settings):
    settings.LORALAND_MAX_RANK = 16
    settings.LORALAND_MAX_ADAPTER_MB = 3
    settings.LORALAND_MAX_UNPACKED_MB = 7
    settings.LORALAND_MAX_ARCHIVE_MEMBERS = 9
    assert UploadLimits.from_settings() == UploadLimits(16, 3 * MB, 7 * MB, 9)


def test_it_needs_an_empty_destination(base_dir, dest, good_config, good_weights):
    (dest / "left-over").write_text("x")
    with pytest.raises(ValueError):
        validate_upload(
            two_files(good_config, good_weights), dest=dest, base_model=base_dir, limits=LIMITS
        )


# --- Pickles are refused and never unpickled ------------------------------------------------------


class RunsCodeWhenUnpickled:
    """Unpickling this creates `marker`: the proof that a pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def no_unpickling(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("upload content was unpickled")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(torch, "load", forbidden)


def live_pickle(tmp_path: Path, marker: Path) -> bytes:
    """A pickle that runs code, shown to be live by loading a twin with another marker."""
    control = tmp_path / "control-marker"
    REAL_PICKLE_LOADS(pickle.dumps(RunsCodeWhenUnpickled(control)))
    assert control.exists()
    return pickle.dumps({Q_PROJ_0 + ".lora_A.weight": RunsCodeWhenUnpickled(marker)})


def torch_save_zip(marker: Path) -> bytes:
    buffer = io.BytesIO()
    torch.save({"weight": RunsCodeWhenUnpickled(marker)}, buffer)
    return buffer.getvalue()


def test_it_rejects_pickled_weights_uploaded_as_a_bin_file(
    tmp_path, base_dir, dest, good_config, no_unpickling
):
    marker = tmp_path / "pwned"
    payload = live_pickle(tmp_path, marker)
    files = [
        SimpleUploadedFile(CONFIG_FILE, json.dumps(good_config).encode()),
        SimpleUploadedFile("adapter_model.bin", payload),
    ]
    error = refused(files, dest, base_dir=base_dir)
    assert error.code == "PICKLE_REFUSED" and "save_file" in error.message
    assert not marker.exists()


@pytest.mark.parametrize("name", ["adapter_model.bin", "weights.pt", "training_args.bin"])
def test_it_rejects_pickled_files_inside_an_archive(
    name, tmp_path, adapter_dir, base_dir, dest, no_unpickling
):
    marker = tmp_path / "pwned"
    members = adapter_members(adapter_dir) | {name: live_pickle(tmp_path, marker)}
    assert refused([zip_upload(members)], dest, base_dir=base_dir).code == "PICKLE_REFUSED"
    assert not marker.exists()


@pytest.mark.parametrize("maker", ["pickle", "torch.save"])
def test_it_rejects_a_pickle_renamed_to_safetensors(
    maker, tmp_path, base_dir, dest, good_config, no_unpickling
):
    marker = tmp_path / "pwned"
    payload = live_pickle(tmp_path, marker) if maker == "pickle" else torch_save_zip(marker)
    error = refused(two_files(good_config, payload), dest, base_dir=base_dir)
    assert error.code == "PICKLE_REFUSED"
    assert not marker.exists()


# --- The config -----------------------------------------------------------------------------------


def test_it_rejects_a_non_lora_peft_type(base_dir, dest, good_config, good_weights):
    config = {**good_config, "peft_type": "PREFIX_TUNING"}
    error = refused(two_files(config, good_weights), dest, base_dir=base_dir)
    assert error.code == "NOT_LORA" and "PREFIX_TUNING" in error.message


def test_it_rejects_a_rank_above_the_maximum(base_dir, dest, good_config, good_weights):
    limits = UploadLimits(max_rank=4)
    error = refused(two_files(good_config, good_weights), dest, limits=limits, base_dir=base_dir)
    assert error.code == "RANK_TOO_LARGE" and "r=8" in error.message and "4" in error.message


def test_it_rejects_an_unknown_target_module(base_dir, dest, good_config, good_weights):
    config = {**good_config, "target_modules": ["q_proj", "v_proj", "qkv_proj"]}
    error = refused(two_files(config, good_weights), dest, base_dir=base_dir)
    assert error.code == "UNKNOWN_TARGET_MODULE"
    assert "'qkv_proj'" in error.message and "gate_proj" in error.message


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_it_rejects_a_config_that_is_not_a_json_object(raw, problem, base_dir, dest, good_weights):
    error = refused(two_files(raw, good_weights), dest, base_dir=base_dir)
    assert error.code == "CONFIG_INVALID" and problem in error.message


@pytest.mark.parametrize(
    "changes",
    [
        {"r": 0},
        {"r": "8"},
        {"r": True},
        {"lora_alpha": "16"},
        {"lora_alpha": None},
        {"target_modules": []},
        {"target_modules": None},
        {"target_modules": ["q_proj", 3]},
        {"target_modules": "(q+)+_proj"},  # a pattern that could backtrack for ages
        {"base_model_name_or_path": 7},
    ],
)
def test_it_rejects_config_values_of_the_wrong_kind(
    changes, base_dir, dest, good_config, good_weights
):
    error = refused(two_files({**good_config, **changes}, good_weights), dest, base_dir=base_dir)
    assert error.code == "CONFIG_INVALID" and next(iter(changes)) in error.message


@pytest.mark.parametrize("feature", [{"use_dora": True}, {"modules_to_save": ["lm_head"]}])
def test_it_rejects_lora_variants_the_engine_does_not_apply(
    feature, base_dir, dest, good_config, good_weights
):
    error = refused(two_files({**good_config, **feature}, good_weights), dest, base_dir=base_dir)
    assert error.code == "UNSUPPORTED_FEATURE" and next(iter(feature)) in error.message


def test_it_rejects_an_upload_without_a_config(base_dir, dest, good_weights):
    files = [SimpleUploadedFile(WEIGHTS_FILE, good_weights)]
    assert refused(files, dest, base_dir=base_dir).code == "MISSING_CONFIG"


def test_it_rejects_an_upload_without_weights(base_dir, dest, good_config):
    files = [SimpleUploadedFile(CONFIG_FILE, json.dumps(good_config).encode())]
    assert refused(files, dest, base_dir=base_dir).code == "MISSING_WEIGHTS"


# --- The weights, read from the safetensors header ------------------------------------------------


def test_it_rejects_wrong_shapes(base_dir, dest, good_config, good_tensors):
    weights = with_tensors(good_tensors, **{Q_PROJ_0 + ".lora_A.weight": torch.zeros(8, 33)})
    error = refused(two_files(good_config, weights), dest, base_dir=base_dir)
    assert error.code == "SHAPE_MISMATCH"
    assert "[8, 33]" in error.message and "[r, 32]" in error.message


def test_it_rejects_an_adapter_trained_for_a_base_of_other_shapes(
    foreign_adapter_dir, base_dir, dest
):
    upload = zip_upload(adapter_members(foreign_adapter_dir))
    error = refused([upload], dest, base_dir=base_dir)
    assert error.code == "SHAPE_MISMATCH" and "48" in error.message


def test_it_rejects_tensors_whose_rank_differs_from_the_config(
    base_dir, dest, good_config, good_weights
):
    error = refused(two_files({**good_config, "r": 4}, good_weights), dest, base_dir=base_dir)
    assert error.code == "RANK_MISMATCH" and "r=4" in error.message


def test_it_rejects_an_integer_dtype(base_dir, dest, good_config, good_tensors):
    ints = torch.zeros(8, 32, dtype=torch.int32)
    weights = with_tensors(good_tensors, **{Q_PROJ_0 + ".lora_A.weight": ints})
    error = refused(two_files(good_config, weights), dest, base_dir=base_dir)
    assert error.code == "UNSUPPORTED_DTYPE" and "I32" in error.message


def test_it_rejects_a_truncated_weights_file(base_dir, dest, good_config, good_weights):
    error = refused(two_files(good_config, good_weights[:-100]), dest, base_dir=base_dir)
    assert error.code == "WEIGHTS_TRUNCATED" and "100 bytes" in error.message


@pytest.mark.parametrize("length", [2**62, 17 * MB])
def test_it_rejects_a_header_that_claims_a_huge_length(length, base_dir, dest, good_config):
    weights = struct.pack("<Q", length) + b'{"a": 1}'
    error = refused(two_files(good_config, weights), dest, base_dir=base_dir)
    assert error.code == "WEIGHTS_HEADER_TOO_LARGE"


def test_it_rejects_a_header_longer_than_the_file(base_dir, dest, good_config):
    weights = struct.pack("<Q", 1000) + b'{"a": 1}'
    error = refused(two_files(good_config, weights), dest, base_dir=base_dir)
    assert error.code == "WEIGHTS_TRUNCATED"


@pytest.mark.parametrize(
    "weights_of",
    [
        lambda good: good + b"stray",  # bytes after the last tensor
        lambda good: struct.pack("<Q", 7) + b"garbage",  # not JSON
        lambda good: struct.pack("<Q", 2) + b"[]",  # not a JSON object
        lambda good: header_only({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}),
        lambda good: header_only({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}),
        lambda good: (
            header_only(
                {
                    "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                    "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                }
            )
            + bytes(4)
        ),  # two tensors on the same bytes
    ],
)
def test_it_rejects_a_malformed_weights_file(weights_of, base_dir, dest, good_config, good_weights):
    error = refused(two_files(good_config, weights_of(good_weights)), dest, base_dir=base_dir)
    assert error.code == "WEIGHTS_CORRUPT"


def header_only(header: dict) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw


def test_it_rejects_a_weights_file_without_tensors(base_dir, dest, good_config):
    weights = save({})
    assert refused(two_files(good_config, weights), dest, base_dir=base_dir).code == "NO_TENSORS"


def test_it_rejects_a_layer_the_base_does_not_have(base_dir, dest, good_config, good_tensors):
    layer_7 = {
        name.replace("layers.1.", "layers.7."): tensor for name, tensor in good_tensors.items()
    }
    error = refused(two_files(good_config, save(layer_7)), dest, base_dir=base_dir)
    assert error.code == "TENSOR_NOT_IN_BASE" and "2 layers" in error.message


def test_it_rejects_a_tensor_that_is_not_a_lora_weight(base_dir, dest, good_config, good_tensors):
    weights = with_tensors(
        good_tensors, **{"base_model.model.lm_head.weight": torch.zeros(128, 32)}
    )
    error = refused(two_files(good_config, weights), dest, base_dir=base_dir)
    assert error.code == "UNEXPECTED_TENSOR" and "lm_head.weight" in error.message


def test_it_rejects_weights_for_a_module_the_config_does_not_target(
    base_dir, dest, good_config, good_tensors
):
    k_proj = "base_model.model.model.layers.0.self_attn.k_proj"
    weights = with_tensors(
        good_tensors,
        **{
            k_proj + ".lora_A.weight": torch.zeros(8, 32),
            k_proj + ".lora_B.weight": torch.zeros(16, 8),
        },
    )
    error = refused(two_files(good_config, weights), dest, base_dir=base_dir)
    assert error.code == "UNEXPECTED_TENSOR" and "k_proj" in error.message


def test_it_rejects_a_lora_a_without_its_lora_b(base_dir, dest, good_config, good_tensors):
    weights = with_tensors(good_tensors, **{Q_PROJ_0 + ".lora_B.weight": None})
    error = refused(two_files(good_config, weights), dest, base_dir=base_dir)
    assert error.code == "MISSING_LORA_PAIR" and "lora_B" in error.message


def test_it_rejects_weights_larger_than_the_maximum(base_dir, dest, good_config, good_weights):
    limits = UploadLimits(max_adapter_bytes=len(good_weights) // 2)
    error = refused(two_files(good_config, good_weights), dest, limits=limits, base_dir=base_dir)
    assert error.code == "UPLOAD_TOO_LARGE" and "LORALAND_MAX_ADAPTER_MB" in error.message


# --- Archives -------------------------------------------------------------------------------------


@pytest.mark.parametrize("evil", ["../evil", "tiny-task/../../evil", "./../evil"])
@pytest.mark.parametrize("archive", ["zip", "tar.gz"])
def test_it_rejects_path_traversal(evil, archive, tmp_path, adapter_dir, base_dir, dest):
    members = adapter_members(adapter_dir) | {evil: b"owned"}
    error = refused([archive_upload(archive, members)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_UNSAFE_PATH" and "'..'" in error.message
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize("archive", ["zip", "tar.gz"])
def test_it_rejects_an_absolute_path(archive, tmp_path, adapter_dir, base_dir, dest):
    target = tmp_path / "evil"
    members = adapter_members(adapter_dir) | {str(target): b"owned"}
    error = refused([archive_upload(archive, members)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_UNSAFE_PATH" and "absolute" in error.message
    assert not target.exists()


def archive_upload(kind: str, members: dict[str, bytes]) -> SimpleUploadedFile:
    if kind == "zip":
        return zip_upload(members)
    return tar_gz_upload([tar_entry(name, data) for name, data in members.items()])


@pytest.mark.parametrize(
    "kind, link, what",
    [
        (tarfile.SYMTYPE, "/etc/passwd", "symbolic link"),
        (tarfile.LNKTYPE, "adapter_config.json", "hard link"),
        (tarfile.CHRTYPE, "", "device file"),
        (tarfile.FIFOTYPE, "", "FIFO"),
    ],
)
def test_it_rejects_links_and_devices_in_a_tar(kind, link, what, adapter_dir, base_dir, dest):
    entries = [tar_entry(n, d) for n, d in adapter_members(adapter_dir).items()]
    entries.insert(0, tar_entry("README.md", kind=kind, link=link))
    error = refused([tar_gz_upload(entries)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_SPECIAL_MEMBER" and what in error.message


def test_it_rejects_a_symlink_in_a_zip(adapter_dir, base_dir, dest):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("README.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        for name, data in adapter_members(adapter_dir).items():
            if name != "README.md":
                archive.writestr(name, data)
    upload = SimpleUploadedFile("adapter.zip", buffer.getvalue())
    error = refused([upload], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_SPECIAL_MEMBER" and "symbolic link" in error.message


def test_it_rejects_a_zip_bomb_from_its_headers(adapter_dir, base_dir, dest):
    members = adapter_members(adapter_dir) | {"README.md": bytes(100 * MB)}
    upload = zip_upload(members)
    assert upload.size < 1 * MB  # 100 MB of zeros deflate to about 100 KB
    error = refused([upload], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_TOO_LARGE" and "10 MB" in error.message


def test_it_rejects_a_tar_gz_bomb_hidden_in_a_pax_header(adapter_dir, base_dir, dest):
    # tarfile reads a pax header whole into memory: the cap on decompressed bytes stops it first.
    entries = [tar_entry(n, d) for n, d in adapter_members(adapter_dir).items()]
    entries[0][0].pax_headers = {"comment": "x" * (50 * MB)}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data))
    upload = SimpleUploadedFile("adapter.tar.gz", buffer.getvalue())
    assert upload.size < 1 * MB
    assert refused([upload], dest, base_dir=base_dir).code == "ARCHIVE_TOO_LARGE"


def test_extraction_stops_at_the_size_a_header_declares(tmp_path):
    # The backstop for a member whose data outgrow its header, whatever the archive library does.
    member = Member("README.md", ("README.md",), size=100, is_dir=False)
    with pytest.raises(AdapterRejected) as caught:
        extract_member(io.BytesIO(bytes(10 * MB)), member, tmp_path / "README.md", budget=MB)
    assert caught.value.code == "ARCHIVE_TOO_LARGE"
    assert (tmp_path / "README.md").stat().st_size <= 100


def test_it_rejects_a_zip_whose_headers_understate_a_size(adapter_dir, base_dir, dest):
    members = adapter_members(adapter_dir) | {"README.md": bytes(1 * MB)}
    data = understate_size(zip_upload(members).read(), "README.md", 100)
    error = refused([SimpleUploadedFile("adapter.zip", data)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_UNREADABLE"  # zipfile stops at the stated size: the CRC fails


def understate_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size rewritten in its local and central headers."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
        struct.pack_into("<I", patched, info.header_offset + 22, size)
        central = data.index(b"PK\x01\x02")
        while data[central + 46 : central + 46 + len(name)] != name.encode():
            central = data.index(b"PK\x01\x02", central + 4)
        struct.pack_into("<I", patched, central + 24, size)
    return bytes(patched)


def test_it_rejects_too_many_members(adapter_dir, base_dir, dest):
    members = adapter_members(adapter_dir) | {f"notes/{i}.txt": b"" for i in range(20)}
    error = refused([zip_upload(members)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_TOO_MANY_MEMBERS" and "16" in error.message


def test_it_counts_zip_members_before_reading_the_directory(monkeypatch, base_dir, dest):
    upload = zip_upload({f"{i:05}.txt": b"" for i in range(5000)})

    def forbidden(*args, **kwargs):
        raise AssertionError("zipfile parsed the whole central directory")

    monkeypatch.setattr(zipfile, "ZipFile", forbidden)
    error = refused([upload], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_TOO_MANY_MEMBERS"


@pytest.mark.parametrize("archive", ["zip", "tar.gz"])
def test_it_rejects_an_empty_archive(archive, base_dir, dest):
    error = refused([archive_upload(archive, {})], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_EMPTY"


def test_it_rejects_an_archive_of_folders_only(base_dir, dest):
    upload = zip_upload({"tiny-task/": b"", "tiny-task/empty/": b""})
    assert refused([upload], dest, base_dir=base_dir).code == "ARCHIVE_EMPTY"


def test_it_rejects_an_archive_without_a_config(adapter_dir, base_dir, dest):
    members = {WEIGHTS_FILE: (adapter_dir / WEIGHTS_FILE).read_bytes()}
    error = refused([zip_upload(members)], dest, base_dir=base_dir)
    assert error.code == "MISSING_CONFIG" and CONFIG_FILE in error.message


@pytest.mark.parametrize(
    "prefixes, extra, problem",
    [
        (["a/", "b/"], {}, "several adapters"),
        (["deep/er/"], {}, "nested"),
        (["tiny-task/"], {"notes.txt": b"hi"}, "both at its top level"),
        (["tiny-task/"], {"other/notes.txt": b"hi"}, "more than one top-level folder"),
    ],
)
def test_it_rejects_an_archive_that_is_not_one_adapter_folder(
    prefixes, extra, problem, adapter_dir, base_dir, dest
):
    members = dict(extra)
    for prefix in prefixes:
        members |= adapter_members(adapter_dir, prefix)
    error = refused([zip_upload(members)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_LAYOUT" and problem in error.message


def test_it_rejects_a_member_that_appears_twice(adapter_dir, good_config, base_dir, dest):
    entries = [tar_entry(n, d) for n, d in adapter_members(adapter_dir).items()]
    entries.append(tar_entry("./" + CONFIG_FILE, json.dumps({**good_config, "r": 4}).encode()))
    error = refused([tar_gz_upload(entries)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_UNSAFE_PATH" and "twice" in error.message


@pytest.mark.parametrize("name", ["adapter.rar", "adapter.7z", "adapter.tar.bz2", "adapter.tar"])
def test_it_rejects_an_unknown_archive_format(name, base_dir, dest):
    error = refused([SimpleUploadedFile(name, b"Rar!\x1a\x07\x00")], dest, base_dir=base_dir)
    assert error.code == "UNSUPPORTED_FORMAT" and ".zip" in error.message


@pytest.mark.parametrize(
    "name, data",
    [
        ("adapter.zip", b"PK\x03\x04 not really a zip"),
        ("adapter.tar.gz", b"not gzip at all"),
        ("adapter.tgz", b"\x1f\x8b\x08\x00 broken gzip"),
    ],
)
def test_it_rejects_an_archive_that_cannot_be_read(name, data, base_dir, dest):
    error = refused([SimpleUploadedFile(name, data)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_UNREADABLE"


def test_it_rejects_a_tar_gz_that_is_really_a_zip(adapter_dir, base_dir, dest):
    data = zip_upload(adapter_members(adapter_dir)).read()
    error = refused([SimpleUploadedFile("adapter.tar.gz", data)], dest, base_dir=base_dir)
    assert error.code == "ARCHIVE_UNREADABLE"


def test_it_rejects_an_archive_larger_than_the_maximum(adapter_dir, base_dir, dest):
    upload = zip_upload(adapter_members(adapter_dir))
    limits = UploadLimits(max_adapter_bytes=upload.size - 1)
    error = refused([upload], dest, limits=limits, base_dir=base_dir)
    assert error.code == "UPLOAD_TOO_LARGE"


def test_it_rejects_an_archive_together_with_loose_files(
    adapter_dir, base_dir, dest, good_config, good_weights
):
    files = [zip_upload(adapter_members(adapter_dir)), *two_files(good_config, good_weights)]
    assert refused(files, dest, base_dir=base_dir).code == "UNSUPPORTED_UPLOAD"


def test_it_rejects_an_empty_upload(base_dir, dest):
    assert refused([], dest, base_dir=base_dir).code == "UNSUPPORTED_UPLOAD"


def test_it_says_when_the_base_model_cannot_be_read(tmp_path, dest, good_config, good_weights):
    error = refused(two_files(good_config, good_weights), dest, base_dir=tmp_path / "no-model")
    assert error.code == "BASE_MODEL_UNREADABLE" and "LORALAND_BASE_MODEL" in error.message
