"""LoRA weights read from a PEFT adapter directory, stacked for batched application.

PEFT computes  y = W x + (B A x) * scaling  with scaling = lora_alpha / r (or / sqrt(r) with
rsLoRA). We read A and B straight from `adapter_model.safetensors` (nothing is unpickled) and
add the same term per row of a batch (batch.py), so one base model serves any mix of adapters.
"""

import json
import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load

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


def load_lora_adapter(name: str, path: Path) -> LoraAdapter:
    """Read an adapter's tensors (safetensors only: nothing is ever unpickled)."""
    config = read_adapter_config(path)
    weights_path = path / WEIGHTS_FILE
    if not weights_path.is_file():
        raise GenerationError("ADAPTER_INVALID", f"No {WEIGHTS_FILE} in {name}.")
    scaling = lora_scaling(config)
    tensors: dict[str, dict[str, torch.Tensor]] = {}
    try:
        # load() from bytes, not safe_open().get_tensor(): the latter kept ~100 small
        # objects alive per tensor read (measured with tracemalloc: RSS grew steadily as
        # adapters were loaded and evicted over and over).
        for key, tensor in load(weights_path.read_bytes()).items():
            module, part = split_peft_key(key)
            tensors.setdefault(module, {})[part] = tensor
    except GenerationError:
        raise
    except Exception as exc:  # a truncated or corrupt file
        raise GenerationError("ADAPTER_INVALID", f"Cannot read {name}'s weights: {exc}") from exc
    layers = {}
    for module, parts in tensors.items():
        if set(parts) != {"lora_A", "lora_B"}:
            raise GenerationError("ADAPTER_INVALID", f"{module} lacks lora_A or lora_B.")
        layers[module] = LoraLayer(
            a=parts["lora_A"],
            b=parts["lora_B"],
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


class LoraStack:
    """Every resident adapter's A and B, stacked per module, one slot per adapter.

    Slots are numbered 1..capacity (0 stands for "no adapter", which needs no weights) and
    handed out least-recently-used first, skipping adapters that running requests still use
    (`pin`/`unpin`). Loading copies one adapter into its slot: the cost does not grow with
    the number of adapters already loaded. Ranks are padded with zeros to the largest rank
    loaded so far, so r=8 and r=16 adapters share one batched matmul; a module an adapter
    does not target stays zero in its slot.
    """

    def __init__(self, model: torch.nn.Module, capacity: int, *, device, dtype, max_rows: int):
        self.capacity = capacity
        self.device, self.dtype = device, dtype
        self.max_rows = max_rows
        self.rank = 0
        self._linears = {
            name: module
            for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear)
        }
        self._a: dict[str, torch.Tensor] = {}  # module -> (capacity, rank, in_features)
        self._b: dict[str, torch.Tensor] = {}  # module -> (capacity, out_features, rank)
        self._slot_of: OrderedDict[str, int] = OrderedDict()  # name -> slot, LRU order
        self._pins: dict[int, int] = {}
        # Per-row copies of A and B for the rows of the running batch (see gather).
        self._row_a: dict[str, torch.Tensor] = {}  # module -> (rows, in_features, rank)
        self._row_b: dict[str, torch.Tensor] = {}  # module -> (rows, rank, out_features)
        self._row_slot: list[int] = []  # the adapter slot whose weights each row holds

    # --- residency ------------------------------------------------------------------------
    def slot_of(self, name: str) -> int | None:
        slot = self._slot_of.get(name)
        if slot is not None:
            self._slot_of.move_to_end(name)
        return slot

    def resident_names(self) -> list[str]:
        return list(self._slot_of)

    def held_bytes(self) -> dict[str, int]:
        """Bytes of the adapter slots, and of the per-row copies of the running batch."""

        def total(*stacks):
            return sum(t.nbytes for stack in stacks for t in stack.values())

        return {"slots": total(self._a, self._b), "row_buffers": total(self._row_a, self._row_b)}

    def pin(self, slot: int) -> None:
        self._pins[slot] = self._pins.get(slot, 0) + 1

    def unpin(self, slot: int) -> None:
        self._pins[slot] -= 1
        if not self._pins[slot]:
            del self._pins[slot]

    def has_room(self) -> bool:
        return len(self._slot_of) < self.capacity or any(
            slot not in self._pins for slot in self._slot_of.values()
        )

    def load(self, adapter: "LoraAdapter") -> int:
        """Copy an adapter into a free slot, evicting the least recently used idle one."""
        self.check_compatible(adapter)
        slot = self._free_slot()
        self._grow_rank(adapter.rank)
        index = slot - 1  # slot 0, no adapter, has no weights
        for name in self._a:
            self._a[name][index].zero_()
            self._b[name][index].zero_()
        for name, layer in adapter.layers.items():
            self._ensure_module(name)
            rank = layer.a.shape[0]
            self._a[name][index, :rank] = layer.a.to(self.device, self.dtype)
            self._b[name][index, :, :rank] = (layer.b * layer.scaling).to(self.device, self.dtype)
        self._slot_of[adapter.name] = slot
        self._row_slot = [-1 if held == slot else held for held in self._row_slot]
        return slot

    def check_compatible(self, adapter: "LoraAdapter") -> None:
        for name, layer in adapter.layers.items():
            module = self._linears.get(name)
            if module is None:
                raise GenerationError(
                    "ADAPTER_INCOMPATIBLE", f"{adapter.name} targets {name}, not in the base model."
                )
            if layer.a.shape[1] != module.in_features or layer.b.shape[0] != module.out_features:
                raise GenerationError(
                    "ADAPTER_INCOMPATIBLE", f"{adapter.name}: shapes of {name} do not match."
                )

    def _free_slot(self) -> int:
        used = set(self._slot_of.values())
        for slot in range(1, self.capacity + 1):
            if slot not in used:
                return slot
        for name, slot in self._slot_of.items():  # least recently used first
            if slot not in self._pins:
                del self._slot_of[name]
                return slot
        raise RuntimeError("every adapter slot is in use")  # callers check has_room() first

    def _grow_rank(self, rank: int) -> None:
        if rank <= self.rank:
            return
        self._row_slot = []  # per-row buffers are re-made at the new rank
        for name in self._a:
            a, b = self._a[name], self._b[name]
            self._a[name] = a.new_zeros(a.shape[0], rank, a.shape[2])
            self._b[name] = b.new_zeros(b.shape[0], b.shape[1], rank)
            self._a[name][:, : self.rank] = a
            self._b[name][:, :, : self.rank] = b
        self.rank = rank

    def _ensure_module(self, name: str) -> None:
        if name in self._a:
            return
        self._row_slot = []  # per-row buffers are re-made with this module
        module, slots = self._linears[name], self.capacity
        options = {"device": self.device, "dtype": self.dtype}
        self._a[name] = torch.zeros(slots, self.rank, module.in_features, **options)
        self._b[name] = torch.zeros(slots, module.out_features, self.rank, **options)

    # --- the forward pass -----------------------------------------------------------------
    def gather(self, adapter_slots: torch.Tensor, keep: bool = True):
        """Each row's A and B (transposed) for every module, or None when no row has LoRA.

        Rows keep their adapter's weights in per-row buffers between steps: a step copies
        only the rows whose adapter changed (a request joined, or moved to fill a hole), so
        continuous batching does not pay a full gather every time the batch changes
        (measured: a full gather for 32 rows took as long as the forward pass itself).
        """
        slots = adapter_slots.tolist()
        if not any(slots):
            return None
        if len(set(slots)) == 1:  # one adapter for every row: broadcast, no copy
            index = slots[0] - 1
            return {n: (self._a[n][index].T, self._b[n][index].T) for n in self._a}
        if not keep:  # a one-off batch (a prefill): gather copies, leave the buffers alone
            return {n: self._gather_copy(n, adapter_slots) for n in self._a}
        self._fill_rows(slots)
        rows = len(slots)
        return {n: (self._row_a[n][:rows], self._row_b[n][:rows]) for n in self._a}

    def _gather_copy(self, name: str, adapter_slots: torch.Tensor):
        index = (adapter_slots.to(self.device) - 1).clamp(min=0)
        a, b = self._a[name][index].transpose(1, 2), self._b[name][index].transpose(1, 2)
        base_rows = adapter_slots.to(self.device) == 0
        a[base_rows], b[base_rows] = 0, 0
        return a, b

    def _fill_rows(self, slots: list[int]) -> None:
        if len(slots) > len(self._row_slot):
            grown = max(len(slots), 2 * len(self._row_slot), 8)
            self._allocate_rows(min(grown, max(self.max_rows, len(slots))))
        for row, slot in enumerate(slots):
            if self._row_slot[row] != slot:
                for name in self._a:
                    if slot:
                        self._row_a[name][row] = self._a[name][slot - 1].T
                        self._row_b[name][row] = self._b[name][slot - 1].T
                    else:
                        self._row_a[name][row].zero_()
                        self._row_b[name][row].zero_()
                self._row_slot[row] = slot

    def _allocate_rows(self, rows: int) -> None:
        self._row_a = {n: a.new_zeros(rows, a.shape[2], a.shape[1]) for n, a in self._a.items()}
        self._row_b = {n: b.new_zeros(rows, b.shape[2], b.shape[1]) for n, b in self._b.items()}
        self._row_slot = [-1] * rows  # -1: holds nothing valid

    @staticmethod
    def apply(name: str, x: torch.Tensor, base_out: torch.Tensor, gathered) -> torch.Tensor:
        """base_out + x A^T B^T (scaling folded into B) for each row with its own A and B."""
        if gathered is None or name not in gathered:
            return base_out
        a, b = gathered[name]
        return base_out + (x @ a) @ b
