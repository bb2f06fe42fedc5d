"""Reading a PEFT adapter's adapter_config.json as the engine serves it; no torch, so the web
can read it too."""

import json
from pathlib import Path

from worker.errors import GenerationError

CONFIG_FILE = "adapter_config.json"


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
