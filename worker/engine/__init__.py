"""The inference engine: one base model, many LoRA adapters. No Django imports here.

Usage:
    engine = Engine(EngineConfig(base_model="var/models/loraland-mini", adapter_dir="var/adapters"))
    handle = engine.submit(GenerationRequest(prompt="...", adapter="glue_sst2"))
    for event in handle.events(): ...
"""

from .config import EngineConfig, GenerationRequest, SamplingParams
from .engine import Engine, RequestHandle
from .errors import GenerationError
from .events import DoneEvent, ErrorEvent, TokenEvent

__all__ = [
    "DoneEvent",
    "Engine",
    "EngineConfig",
    "ErrorEvent",
    "GenerationError",
    "GenerationRequest",
    "RequestHandle",
    "SamplingParams",
    "TokenEvent",
]
