"""A random-weight model of Mistral-7B's shape plus random r=8 LoRA adapters, for GPU checks.

Nothing is downloaded: the weights are random, the tokenizer and the prompts come from the
demo's own generators. Used by scripts/gpu_check.sh:

    python scripts/random_model.py --out /tmp/loraland-gpu --adapters 25

`--shape tiny --device cpu` makes the same thing at a toy size, so that the GPU check's whole
path (bf16 weights, random adapters, the benchmark) is tested on a machine without a GPU.
"""

import argparse
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.build import write_task_data  # noqa: E402
from demo.generators import FORMATS, render_prompt  # noqa: E402
from demo.specs import DemoConfig  # noqa: E402

MISTRAL_7B = {
    "vocab_size": 32000,
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "max_position_embeddings": 4096,
    "sliding_window": None,
}
TINY = {
    **MISTRAL_7B,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 512,
}
SHAPES = {"mistral-7b": MISTRAL_7B, "tiny": TINY}
TARGETS = ("q_proj", "v_proj")  # the LoRA Land report's recipe


def build_model(out: Path, device: str, shape: dict) -> None:
    from transformers import MistralConfig, MistralForCausalLM

    from demo.training import train_tokenizer

    data = DemoConfig(base_dir=out / "model", adapter_dir=out / "adapters", data_dir=out / "data")
    prompts = []
    for slug in FORMATS:
        split = write_task_data(data, slug)
        prompts += [render_prompt(slug, row["inputs"]) for row in split["train"]]
    tokenizer = train_tokenizer(prompts, 4096)
    config = MistralConfig(
        **shape,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.device(device):
        model = MistralForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out / "model")
    tokenizer.save_pretrained(out / "model")


def build_adapters(out: Path, count: int, shape: dict, rank: int = 8) -> None:
    hidden, kv = shape["hidden_size"], shape["num_key_value_heads"]
    head_dim = hidden // shape["num_attention_heads"]
    out_features = {"q_proj": hidden, "v_proj": kv * head_dim}
    slugs = list(FORMATS)[:count]
    for index, slug in enumerate(slugs):
        generator = torch.Generator().manual_seed(index)
        tensors = {}
        for layer in range(shape["num_hidden_layers"]):
            for module in TARGETS:
                key = f"base_model.model.model.layers.{layer}.self_attn.{module}"
                shape_a, shape_b = (rank, hidden), (out_features[module], rank)
                tensors[f"{key}.lora_A.weight"] = randn(shape_a, generator, 0.01)
                tensors[f"{key}.lora_B.weight"] = randn(shape_b, generator, 0.01)
        folder = out / "adapters" / slug
        folder.mkdir(parents=True, exist_ok=True)
        save_file(tensors, str(folder / "adapter_model.safetensors"))
        (folder / "adapter_config.json").write_text(
            json.dumps(
                {
                    "peft_type": "LORA",
                    "task_type": "CAUSAL_LM",
                    "r": rank,
                    "lora_alpha": 2 * rank,
                    "target_modules": list(TARGETS),
                    "base_model_name_or_path": "random-mistral-7b",
                }
            )
        )


def randn(shape, generator, std: float) -> torch.Tensor:
    return (torch.randn(shape, generator=generator) * std).to(torch.bfloat16).contiguous()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--adapters", type=int, default=25)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--shape", choices=SHAPES, default="mistral-7b")
    args = parser.parse_args()
    shape = SHAPES[args.shape]
    if not (args.out / "model" / "config.json").is_file():
        build_model(args.out, args.device, shape)
    build_adapters(args.out, args.adapters, shape)
    print(f"model and {args.adapters} adapters in {args.out}")


if __name__ == "__main__":
    main()
