from dataclasses import dataclass, field


@dataclass(frozen=True)
class EngineConfig:
    base_model: str  # a local Hugging Face causal LM directory
    adapter_dir: str  # holds one PEFT LoRA directory per adapter name
    device: str = "cpu"
    dtype: str = "float32"  # float32 | bfloat16 | float16
    threads: int = 0  # torch intra-op threads; 0 keeps torch's default
    max_resident_adapters: int = 32  # adapters kept loaded (LRU); the rest stay on disk


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int = 64
    temperature: float = 0.0  # 0 means greedy
    top_p: float = 1.0
    top_k: int = 0  # 0 means no top-k cut
    seed: int | None = None
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    adapter: str | None = None  # None: the base model without LoRA
    params: SamplingParams = field(default_factory=SamplingParams)
