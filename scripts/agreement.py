"""How close the engine's logits are to PEFT's, row by row, in a batch that mixes adapters.

Teacher-forced, so one early difference does not change every later step: each row's prompt
(random token ids) and PEFT's own greedy continuation are fed to both, and the logits that
predict each continuation token are compared. PEFT runs one row at a time with its adapter
(`set_adapter`, adapters kept in float32 as PEFT keeps them); the engine's batched forward runs
all rows together, row 0 on the base model and every other row on its own adapter: the
prompts prefilled in one pass, then each continuation token in a decode step, as it serves.

    python scripts/agreement.py MODEL_DIR ADAPTER_DIR [--device cuda --dtype bfloat16]
        [--rows 8 --prompt-tokens 96 --steps 24 --window 64] [--json]

--window sets the model's sliding window (both sides read it from the model's config) below
the prompt's length, so that the check crosses it in prefill and in decode. The base row is
the floor: the same weights in another batch shape, no LoRA. No Django (a GPU box's stock
image has torch, transformers and peft only); gpu_check.sh runs it.
"""

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.engine.batch import Rows, batched_forward  # noqa: E402
from worker.engine.lora import load_lora_adapter  # noqa: E402
from worker.engine.model import load_base_model, sliding_window  # noqa: E402


def peft_reference(model, adapter_dir: Path, names: list[str], prompts, steps: int):
    """Per row: PEFT's greedy continuation ids and the logits (steps, vocab) that predicted
    them, in float32. Row i uses names[i] (None: the base, adapters disabled)."""
    from peft import PeftModel

    first = next(name for name in names if name)
    peft_model = PeftModel.from_pretrained(model, adapter_dir / first, adapter_name=first)
    for name in {n for n in names if n and n != first}:
        peft_model.load_adapter(adapter_dir / name, adapter_name=name)
    peft_model.eval()
    continuations, logits = [], []
    for name, prompt in zip(names, prompts, strict=True):
        ids = torch.tensor([prompt], device=model.device)
        with torch.inference_mode():
            if name is None:
                with peft_model.disable_adapter():
                    row = _greedy(peft_model, ids, steps)
            else:
                peft_model.set_adapter(name)
                row = _greedy(peft_model, ids, steps)
        continuations.append(row[0])
        logits.append(row[1])
    return peft_model.unload(), continuations, logits  # unload: the base model back


def _greedy(model, ids: torch.Tensor, steps: int):
    """Greedy ids step by step with a full forward each time (no cache: the reference),
    then every logit row that predicted one of them, from one last forward."""
    sequence = ids
    for _ in range(steps):
        next_id = model(input_ids=sequence).logits[0, -1].argmax()
        sequence = torch.cat((sequence, next_id.view(1, 1)), dim=1)
    logits = model(input_ids=sequence[:, :-1]).logits[0, ids.shape[1] - 1 :].float()
    return sequence[0, ids.shape[1] :].tolist(), logits


def engine_logits(model, adapter_dir: Path, names, prompts, continuations, device) -> torch.Tensor:
    """(rows, steps, vocab) float32: the prompts prefilled together, then each row's PEFT
    continuation fed back one decode step at a time."""
    distinct = sorted({n for n in names if n})
    forward = batched_forward(model, len(distinct), device=device, dtype=_dtype_name(model))
    slot_of = {n: forward.lora.load(load_lora_adapter(n, adapter_dir / n)) for n in distinct}
    slots = [slot_of[n] if n else 0 for n in names]
    length = len(prompts[0])
    steps = len(continuations[0])
    cache = forward.new_cache(len(prompts), length + steps, budget_bytes=2**62)  # all it needs
    for slot in range(len(prompts)):
        cache.grow(slot, length + steps)
    tensor = torch.tensor(prompts, device=device)
    collected = [forward(tensor, Rows(0, [0] * len(prompts), slots), cache).float()]
    for step in range(steps - 1):
        tokens = torch.tensor([[c[step]] for c in continuations], device=device)
        rows = Rows(0, [length + step] * len(prompts), slots)
        collected.append(forward(tokens, rows, cache).float())
    return torch.stack(collected, dim=1)


def _dtype_name(model) -> str:
    return str(model.dtype).removeprefix("torch.")


def compare(ours: torch.Tensor, theirs: list[torch.Tensor], names) -> list[dict]:
    rows = []
    for index, name in enumerate(names):
        mine, reference = ours[index], theirs[index]
        difference = (mine - reference).abs()
        top2 = reference.topk(2, dim=-1).values
        rows.append(
            {
                "row": index,
                "adapter": name or "(base)",
                "max_abs_diff": round(difference.max().item(), 4),
                "mean_abs_diff": round(difference.mean().item(), 5),
                "logit_std": round(reference.std().item(), 3),
                "top1_agree": round(
                    (mine.argmax(-1) == reference.argmax(-1)).float().mean().item(), 3
                ),
                # the smallest gap between PEFT's best and second-best logit over the steps:
                # where it is below max_abs_diff, greedy paths may part
                "min_top2_gap": round((top2[:, 0] - top2[:, 1]).min().item(), 4),
            }
        )
    return rows


def run(args) -> dict:
    model, _ = load_base_model(str(args.model_dir), device=args.device, dtype=args.dtype)
    if args.window:
        model.config.sliding_window = args.window
    window = sliding_window(model)
    names = sorted(p.name for p in args.adapter_dir.iterdir() if p.is_dir())
    row_names = [None] + [names[i % len(names)] for i in range(args.rows - 1)]
    generator = torch.Generator().manual_seed(args.seed)
    vocab = model.config.vocab_size
    prompts = torch.randint(10, vocab, (args.rows, args.prompt_tokens), generator=generator)
    prompts = prompts.tolist()
    model, continuations, theirs = peft_reference(
        model, args.adapter_dir, row_names, prompts, args.steps
    )
    ours = engine_logits(model, args.adapter_dir, row_names, prompts, continuations, args.device)
    rows = compare(ours, theirs, row_names)
    adapter_rows = [r for r in rows if r["adapter"] != "(base)"]
    return {
        "device": args.device,
        "dtype": args.dtype,
        "layers": model.config.num_hidden_layers,
        "hidden": model.config.hidden_size,
        "window": window,
        "prompt_tokens": args.prompt_tokens,
        "steps": args.steps,
        "rows": rows,
        "summary": {
            "base_max_abs_diff": rows[0]["max_abs_diff"],
            "adapters_max_abs_diff": max(r["max_abs_diff"] for r in adapter_rows),
            "adapters_mean_abs_diff": round(
                sum(r["mean_abs_diff"] for r in adapter_rows) / len(adapter_rows), 5
            ),
            "top1_agree": round(sum(r["top1_agree"] for r in rows) / len(rows), 3),
        },
    }


def format_table(report: dict) -> str:
    lines = [
        f"engine vs PEFT, teacher-forced logits: {report['device']} {report['dtype']}, "
        f"{report['layers']} layers x {report['hidden']}, window {report['window']}, "
        f"{report['prompt_tokens']}-token prompts, {report['steps']} steps",
        "| row | adapter | max abs diff | mean abs diff | logit std | top-1 agree "
        "| min top-2 gap |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        lines.append(
            f"| {r['row']} | {r['adapter']} | {r['max_abs_diff']} | {r['mean_abs_diff']} | "
            f"{r['logit_std']} | {r['top1_agree']} | {r['min_top2_gap']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("adapter_dir", type=Path)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--prompt-tokens", type=int, default=96)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--window", type=int, default=0, help="set the sliding window (0: keep)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args)
    print(json.dumps(report, indent=2) if args.json else format_table(report))


if __name__ == "__main__":
    main()
