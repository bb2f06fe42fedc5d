"""Where adapters live on disk: names -> PEFT directories under the adapter directory.

Reading is separate from residency: the engine reads an adapter here (on a loader thread)
and copies it into its device-resident LoraStack, which decides what stays loaded.
"""

import re
from pathlib import Path

from .errors import GenerationError
from .lora import LoraAdapter, load_lora_adapter

# "<name>" or "<name>/<version>": no absolute paths, no "..".
ADAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")


class AdapterStore:
    def __init__(self, adapter_dir: str):
        self.adapter_dir = Path(adapter_dir)

    def path_of(self, name: str) -> Path:
        if not ADAPTER_NAME.match(name) or ".." in name:
            raise GenerationError("ADAPTER_NOT_FOUND", f"{name!r} is not a valid adapter name.")
        path = self.adapter_dir / name
        if not path.is_dir():
            raise GenerationError("ADAPTER_NOT_FOUND", f"No adapter named {name!r}.")
        return path

    def read(self, name: str) -> LoraAdapter:
        """The adapter's tensors on the CPU, in the dtype they were saved in."""
        return load_lora_adapter(name, self.path_of(name))
