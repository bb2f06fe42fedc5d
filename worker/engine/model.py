"""Load the base model and its tokenizer once, from a local directory (never a hub)."""

from pathlib import Path

import torch

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def torch_dtype(name: str) -> torch.dtype:
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"Unknown dtype {name!r}; use one of {', '.join(DTYPES)}.") from None


def load_base_model(path: str, *, device: str, dtype: str):
    """Return (model, tokenizer) in eval mode on `device`."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not Path(path, "config.json").is_file():
        raise FileNotFoundError(
            f"No model at {path}. Build the demo with `python manage.py build_demo` "
            "or point LORALAND_BASE_MODEL at a local Hugging Face model directory."
        )
    # local_files_only: a local directory, never a download from a hub.
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        path, dtype=torch_dtype(dtype), local_files_only=True
    )
    model.to(device)
    model.eval()
    return model, tokenizer


def end_token_ids(model, tokenizer) -> frozenset[int]:
    """The tokens that end an answer: the tokenizer's EOS and every EOS id the model's
    generation config lists (a chat model may list its end-of-turn tokens there)."""
    listed = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    listed = listed if isinstance(listed, list | tuple) else [listed]
    return frozenset(t for t in [tokenizer.eos_token_id, *listed] if t is not None)


def context_length(model) -> int:
    return int(model.config.max_position_embeddings)


def sliding_window(model) -> int | None:
    """How many positions a query attends to, itself included, where the model attends over a
    window (Mistral-7B-v0.1: 4,096); None where it attends over all of its context. Qwen2's
    configs name a window they do not use unless `use_sliding_window` is set."""
    config = model.config
    window = getattr(config, "sliding_window", None)
    if not window or not getattr(config, "use_sliding_window", True):
        return None
    return int(window)
