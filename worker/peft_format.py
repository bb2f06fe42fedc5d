"""The PEFT LoRA adapter format as this project serves it: file names, the accepted
adapter_config.json, tensor names and shapes, and what is refused.

No Django and no torch: the engine (worker/engine/lora.py), the catalog's registration and
the upload checks (playground/adapters.py) all read adapters through it, so they accept and
refuse the same things. A refusal is a `FormatError` (a code and a message for people); each
caller wraps it in its own error type.
"""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from worker.errors import CodedError

CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"
PEFT_PREFIX = "base_model.model."
LORA_SUFFIXES = {".lora_A.weight": "lora_A", ".lora_B.weight": "lora_B"}
MAX_CONFIG_BYTES = 2**20
# Config fields that change what the adapter computes in ways the engine does not implement
# (it applies plain B·A·scaling to linear layers): refused when set.
UNSUPPORTED_FEATURES = {
    "use_dora": "DoRA",
    "lora_bias": "a trained LoRA bias",
    "fan_in_fan_out": "transposed weights",
    "modules_to_save": "fully trained extra modules",
    "trainable_token_indices": "trainable token embeddings",
    "target_parameters": "LoRA on parameters",
    "rank_pattern": "a different rank per module",
    "alpha_pattern": "a different alpha per module",
    "layer_replication": "layer replication",
    "alora_invocation_tokens": "Activated LoRA (aLoRA)",
    "use_qalora": "QALoRA",
    "use_bdlora": "block-diagonal LoRA",
    "velora_config": "VeLoRA",
    "monteclora_config": "MonteCLoRA",
    "arrow_config": "Arrow routing",
    "kasa_config": "KaSA",
}


class FormatError(CodedError):
    """An adapter this project cannot serve: `code` for programs, `message` for people."""


@dataclass(frozen=True)
class LoraConfig:
    """What adapter_config.json says, checked."""

    rank: int
    alpha: float
    target_modules: tuple[str, ...] | str  # module names, or one regular expression
    base_model_name_or_path: str | None
    use_rslora: bool = False

    @property
    def scaling(self) -> float:
        """PEFT's: lora_alpha / r, or lora_alpha / sqrt(r) with rsLoRA."""
        return self.alpha / (math.sqrt(self.rank) if self.use_rslora else self.rank)


def is_int(value) -> bool:
    """A JSON whole number (bool is an int in Python, not in JSON)."""
    return isinstance(value, int) and not isinstance(value, bool)


# --- adapter_config.json ---------------------------------------------------------------------
def read_config(folder: Path) -> LoraConfig:
    """The checked config of the adapter in `folder`."""
    return parse_config(read_config_json(Path(folder) / CONFIG_FILE))


def read_config_json(path: Path) -> dict:
    if not path.is_file():
        raise missing_config()
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise invalid_config(f"it is larger than {MAX_CONFIG_BYTES // 2**20} MB")
    try:
        config = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise invalid_config("it is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise invalid_config(f"it is not valid JSON ({exc})") from None
    if not isinstance(config, dict):
        raise invalid_config("it is not a JSON object")
    return config


def parse_config(config: dict) -> LoraConfig:
    check_peft_type(config)
    check_supported_features(config)
    return LoraConfig(
        rank=config_rank(config),
        alpha=config_alpha(config),
        target_modules=config_target_modules(config),
        base_model_name_or_path=config_base_model(config),
        use_rslora=bool(config.get("use_rslora")),
    )


def missing_config() -> FormatError:
    return FormatError(
        "MISSING_CONFIG",
        f"The adapter has no {CONFIG_FILE}. PEFT's save_pretrained() writes it next to "
        f"{WEIGHTS_FILE}: upload both.",
    )


def missing_weights() -> FormatError:
    return FormatError(
        "MISSING_WEIGHTS",
        f"The adapter has no {WEIGHTS_FILE}. PEFT's save_pretrained() writes it next to "
        f"{CONFIG_FILE}: upload both.",
    )


def invalid_config(problem: str) -> FormatError:
    return FormatError(
        "CONFIG_INVALID",
        f"{CONFIG_FILE} cannot be used: {problem}. It should be the file PEFT's "
        "save_pretrained() writes.",
    )


def check_peft_type(config: dict) -> None:
    peft_type = config.get("peft_type")
    if peft_type != "LORA":
        raise FormatError(
            "NOT_LORA",
            f"{CONFIG_FILE} says peft_type {peft_type!r}: only LoRA adapters "
            '(peft_type "LORA") can be served.',
        )


def check_supported_features(config: dict) -> None:
    for key, feature in UNSUPPORTED_FEATURES.items():
        if config.get(key):
            raise FormatError(
                "UNSUPPORTED_FEATURE",
                f"This adapter uses {feature} ({key} in {CONFIG_FILE}), which the server does "
                "not apply. Only plain LoRA on linear layers is served.",
            )


def config_rank(config: dict) -> int:
    rank = config.get("r")
    if not is_int(rank) or rank < 1:
        raise invalid_config(f"r (the LoRA rank) is {rank!r}, not a positive whole number")
    return rank


def config_alpha(config: dict) -> float:
    alpha = config.get("lora_alpha")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not math.isfinite(alpha):
        raise invalid_config(f"lora_alpha is {alpha!r}, not a number")
    return float(alpha)


def config_target_modules(config: dict) -> tuple[str, ...] | str:
    targets = config.get("target_modules")
    if isinstance(targets, str) and targets:
        return targets
    if isinstance(targets, list) and targets and all(is_module_name(t) for t in targets):
        return tuple(targets)
    raise invalid_config(
        f'target_modules is {targets!r}; it should list module names, e.g. ["q_proj", "v_proj"]'
    )


def is_module_name(value) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.]+", value) is not None


def config_base_model(config: dict) -> str | None:
    name = config.get("base_model_name_or_path")
    if name is not None and not isinstance(name, str):
        raise invalid_config(f"base_model_name_or_path is {name!r}, not a name")
    return name or None


def target_names(targets: tuple[str, ...] | str) -> tuple[str, ...]:
    return (targets,) if isinstance(targets, str) else tuple(sorted(targets))


# --- adapter_model.safetensors: tensor names and shapes --------------------------------------
def split_lora_key(name: str) -> tuple[str, str]:
    """'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' -> (module, 'lora_A')."""
    for suffix, part in LORA_SUFFIXES.items():
        if name.startswith(PEFT_PREFIX) and name.endswith(suffix):
            module = name[len(PEFT_PREFIX) : -len(suffix)]
            if module:
                return module, part
    raise FormatError(
        "UNEXPECTED_TENSOR",
        f"{WEIGHTS_FILE} holds {name!r}, which is not a LoRA weight (names look like "
        "base_model.model.<module>.lora_A.weight). Trained embeddings, biases or whole "
        "modules are not served.",
    )


def check_pairs(modules: dict[str, dict[str, tuple[int, ...]]]) -> None:
    """Every module has both its lora_A and its lora_B ({module: {part: shape}})."""
    for module, parts in sorted(modules.items()):
        if set(parts) != {"lora_A", "lora_B"}:
            missing = ({"lora_A", "lora_B"} - set(parts)).pop()
            raise FormatError(
                "MISSING_LORA_PAIR", f"{WEIGHTS_FILE} has no {missing} weight for {module}."
            )


def check_pair_shapes(
    module: str,
    a: tuple[int, ...],
    b: tuple[int, ...],
    rank: int,
    in_out: tuple[int, int] | None = None,
) -> None:
    """lora_A is (r, in_features) and lora_B is (out_features, r); with `in_out`, the base
    layer's (in_features, out_features), they must fit it."""
    if len(a) != 2 or len(b) != 2 or (in_out is not None and (a[1], b[0]) != in_out):
        if in_out is None:
            problem = "they should be [r, in_features] and [out_features, r]."
        else:
            features_in, features_out = in_out
            problem = (
                f"the base model's layer maps {features_in} to {features_out} features, so they "
                f"should be [r, {features_in}] and [{features_out}, r]. The adapter was trained "
                "for a different base model."
            )
        shapes = f"lora_A is {list(a)} and lora_B is {list(b)}"
        raise FormatError("SHAPE_MISMATCH", f"{module}: {shapes}, but {problem}")
    if a[0] != rank or b[1] != rank:
        raise FormatError(
            "RANK_MISMATCH",
            f"{module}: lora_A has rank {a[0]} and lora_B rank {b[1]}, but "
            f"{CONFIG_FILE} says r={rank}.",
        )
