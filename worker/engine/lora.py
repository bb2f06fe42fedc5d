"""LoRA weights read from a PEFT adapter directory, applied with forward hooks.

PEFT computes  y = W x + (B A x) * scaling  with scaling = lora_alpha / r (or / sqrt(r) with
rsLoRA). We read A and B straight from `adapter_model.safetensors` and add the same term in a
forward hook on each target Linear of the base model, so one base model serves any adapter.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open

from .errors import GenerationError

CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"
PEFT_PREFIX = "base_model.model."


@dataclass
class LoraLayer:
    a: torch.Tensor  # (r, in_features)
    b: torch.Tensor  # (out_features, r)
    scaling: float


@dataclass
class LoraAdapter:
    name: str
    rank: int
    layers: dict[str, LoraLayer]  # base module name -> weights

    @property
    def nbytes(self) -> int:
        return sum(t.a.nbytes + t.b.nbytes for t in self.layers.values())


def read_adapter_config(path: Path) -> dict:
    try:
        config = json.loads((path / CONFIG_FILE).read_text())
    except FileNotFoundError as exc:
        raise GenerationError("ADAPTER_NOT_FOUND", f"No {CONFIG_FILE} in {path.name}.") from exc
    except json.JSONDecodeError as exc:
        raise GenerationError("ADAPTER_INVALID", f"{CONFIG_FILE} is not valid JSON.") from exc
    if config.get("peft_type") != "LORA":
        raise GenerationError("ADAPTER_INVALID", "Only LoRA adapters (peft_type LORA) are served.")
    if config.get("use_dora"):
        raise GenerationError("ADAPTER_INVALID", "DoRA adapters are not supported.")
    return config


def lora_scaling(config: dict) -> float:
    rank, alpha = int(config["r"]), float(config.get("lora_alpha", config["r"]))
    return alpha / math.sqrt(rank) if config.get("use_rslora") else alpha / rank


def load_lora_adapter(name: str, path: Path, *, device: str, dtype: torch.dtype) -> LoraAdapter:
    """Read an adapter's tensors (safetensors only: nothing is ever unpickled)."""
    config = read_adapter_config(path)
    weights_path = path / WEIGHTS_FILE
    if not weights_path.is_file():
        raise GenerationError("ADAPTER_INVALID", f"No {WEIGHTS_FILE} in {name}.")
    scaling = lora_scaling(config)
    tensors: dict[str, dict[str, torch.Tensor]] = {}
    try:
        with safe_open(str(weights_path), framework="pt", device="cpu") as reader:
            for key in reader.keys():  # noqa: SIM118 (safe_open is not a dict)
                module, part = split_peft_key(key)
                tensors.setdefault(module, {})[part] = reader.get_tensor(key)
    except GenerationError:
        raise
    except Exception as exc:  # a truncated or corrupt file
        raise GenerationError("ADAPTER_INVALID", f"Cannot read {name}'s weights: {exc}") from exc
    layers = {}
    for module, parts in tensors.items():
        if set(parts) != {"lora_A", "lora_B"}:
            raise GenerationError("ADAPTER_INVALID", f"{module} lacks lora_A or lora_B.")
        layers[module] = LoraLayer(
            a=parts["lora_A"].to(device=device, dtype=dtype),
            b=parts["lora_B"].to(device=device, dtype=dtype),
            scaling=scaling,
        )
    return LoraAdapter(name=name, rank=int(config["r"]), layers=layers)


def split_peft_key(key: str) -> tuple[str, str]:
    """'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' -> (module, 'lora_A')."""
    stem = key.removeprefix(PEFT_PREFIX).removesuffix(".weight")
    module, _, part = stem.rpartition(".")
    if part not in ("lora_A", "lora_B") or not module:
        raise GenerationError("ADAPTER_INVALID", f"Unexpected tensor {key!r} in the adapter.")
    return module, part


class LoraHooks:
    """Forward hooks on the base model's Linear layers that add the active adapter's term.

    `active` is set by the engine before each forward pass (the engine runs one forward at a
    time on one thread, so there is no race).
    """

    def __init__(self, model: torch.nn.Module):
        self.active: LoraAdapter | None = None
        self._modules = dict(model.named_modules())
        self._hooked: set[str] = set()

    def ensure_hooked(self, adapter: LoraAdapter) -> None:
        for name, layer in adapter.layers.items():
            module = self._modules.get(name)
            if not isinstance(module, torch.nn.Linear):
                raise GenerationError(
                    "ADAPTER_INCOMPATIBLE", f"{adapter.name} targets {name}, not in the base model."
                )
            if layer.a.shape[1] != module.in_features or layer.b.shape[0] != module.out_features:
                raise GenerationError(
                    "ADAPTER_INCOMPATIBLE", f"{adapter.name}: shapes of {name} do not match."
                )
            if name not in self._hooked:
                module.register_forward_hook(self._make_hook(name))
                self._hooked.add(name)

    def _make_hook(self, name: str):
        def add_lora(_module, inputs, output):
            layer = self.active.layers.get(name) if self.active else None
            if layer is None:
                return output
            return output + (inputs[0] @ layer.a.T @ layer.b.T) * layer.scaling

        return add_lora
