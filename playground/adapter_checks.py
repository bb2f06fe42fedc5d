"""An unpacked adapter against the format (worker/peft_format.py), this server's limits and the
base model, from headers alone: the config, the safetensors header read by hand (nothing is
unpickled, no tensor loaded), the base's linear layers and every tensor's place and shape."""

import json
import math
import re
import struct
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from worker import peft_format
from worker.peft_format import CONFIG_FILE, WEIGHTS_FILE, LoraConfig, is_int

from .adapter_archive import CONVERT_HINT
from .adapter_limits import (
    MB,
    AdapterRejected,
    UploadLimits,
    missing_weights,
    rejected,
    upload_too_large,
)

# A 7B model's all-linear adapter has a header of about 60 KB: 16 MB is far more than enough.
MAX_HEADER_BYTES = 16 * MB
FLOAT_DTYPES = {"F16": 2, "BF16": 2, "F32": 4}


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
