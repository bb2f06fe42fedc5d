"""The engine's settings and a request's: plain dataclasses, never the environment."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EngineConfig:
    base_model: str  # a local Hugging Face causal LM directory
    adapter_dir: str  # holds one PEFT LoRA directory per adapter name
    device: str = "cpu"
    dtype: str = "float32"  # float32 | bfloat16 | float16
    threads: int = 0  # torch intra-op threads; 0 keeps torch's default
    max_active_adapters: int = 32  # adapters resident on the device (LRU); the rest on disk
    max_batch: int = 32  # requests decoded together; more wait for a free row
    # Prompt tokens prefilled per step, so running rows never stall for long. At 100 users
    # with 100-token prompts, 256 (two prompts a pass) gave 3363 and 3057 tok/s over 25
    # adapters, 512 gave 3624 and 3633 (ITL p95 34-38 -> 46-52 ms).
    prefill_chunk: int = 512
    # Keys and values of prompt prefixes kept for later prompts (prefix_cache.py); 0: none.
    prefix_cache_mb: int = 512
    # The KV cache's pool of blocks (paged_cache.py), allocated once; 0: 90 % of a GPU's free
    # memory after the model (less the prefix cache), or 1 GiB on the CPU.
    kv_cache_mb: int = 0
    # Decode steps at fixed shapes per batch bucket (decode_graph.py): "off", "static",
    # "compile" (torch.compile) or "cuda" (CUDA graphs). Off until measured on a GPU.
    decode_graph: str = "off"


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int = 64
    temperature: float = 0.0  # 0 means greedy
    top_p: float = 1.0
    top_k: int = 0  # 0 means no top-k cut
    seed: int | None = None
    stop: tuple[str, ...] = ()
    ignore_eos: bool = False  # generate exactly max_new_tokens (benchmarks)


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    adapter: str | None = None  # None: the base model without LoRA
    params: SamplingParams = field(default_factory=SamplingParams)
    # Send the prompt as the user's turn of the base model's chat template, where it has one
    # (an instruct base prompted raw with a task template ends its answer at once). Adapters
    # get the bare prompt they were trained on.
    chat: bool = False
    # A whole conversation ({"role", "content"} dicts) for the tokenizer's chat template, in
    # place of `prompt` (the API's chat completions on the base model's own name).
    messages: tuple[dict, ...] = ()
