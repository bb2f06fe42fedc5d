"""Adapter store: adapter names -> LoRA weights, loaded from disk on demand, LRU-bounded."""

import re
import threading
from collections import OrderedDict
from pathlib import Path

import torch

from .errors import GenerationError
from .lora import LoraAdapter, load_lora_adapter

# "<name>" or "<name>/<version>": no absolute paths, no "..".
ADAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")


class AdapterStore:
    def __init__(self, adapter_dir: str, *, device: str, dtype: torch.dtype, capacity: int):
        self.adapter_dir = Path(adapter_dir)
        self.device, self.dtype, self.capacity = device, dtype, capacity
        self._resident: OrderedDict[str, LoraAdapter] = OrderedDict()
        self._lock = threading.Lock()

    def path_of(self, name: str) -> Path:
        if not ADAPTER_NAME.match(name) or ".." in name:
            raise GenerationError("ADAPTER_NOT_FOUND", f"{name!r} is not a valid adapter name.")
        path = self.adapter_dir / name
        if not path.is_dir():
            raise GenerationError("ADAPTER_NOT_FOUND", f"No adapter named {name!r}.")
        return path

    def get(self, name: str) -> LoraAdapter:
        with self._lock:
            if name in self._resident:
                self._resident.move_to_end(name)
                return self._resident[name]
        adapter = load_lora_adapter(name, self.path_of(name), device=self.device, dtype=self.dtype)
        with self._lock:
            self._resident[name] = adapter
            while len(self._resident) > self.capacity:
                self._resident.popitem(last=False)
        return adapter

    def resident_names(self) -> list[str]:
        with self._lock:
            return list(self._resident)
