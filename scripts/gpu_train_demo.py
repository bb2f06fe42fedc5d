"""Train the SmolLM2 demo's 25 adapters on a GPU and answer every test prompt, without Django.

    python scripts/gpu_train_demo.py --gguf SmolLM2-135M-Instruct.Q4_1.gguf --out OUT [--workers 4]

The same pipeline as `manage.py build_demo --train` (demo.shipped), on CUDA: the GGUF file is
converted as on a laptop, the tasks are split among worker processes (a 135 M model leaves a
GPU mostly idle; several processes keep it busy), and each worker then answers its tasks' test
prompts greedily with the base model (chat-wrapped) and with its adapter. Scoring needs
rouge_score and the code sandbox, so it happens back on the laptop (scripts/record_scores.py).
Writes OUT/adapters.tar (<slug>/: PEFT, bf16, manifest.json), OUT/outputs.json, OUT/timings.txt.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.generators import FORMATS  # noqa: E402
from demo.shipped import ShippedDemo, task_data, train_one  # noqa: E402

STARTED = time.perf_counter()


def phase(out: Path, what: str) -> None:
    line = f"{time.perf_counter() - STARTED:7.1f} s  {what}"
    print(line, flush=True)
    with (out / "timings.txt").open("a") as f:
        f.write(line + "\n")


def work(demo: ShippedDemo, slugs: list[str], out: Path, batch_size: int, device: str) -> dict:
    """Train, then answer the test split with base and adapter, for each of `slugs`."""
    import torch

    from demo.evaluation import BatchGenerator, generate_for_task

    torch.set_num_threads(2)
    datasets = task_data(dataclasses.replace(demo, tasks=tuple(slugs)))
    outputs = {}
    for slug in slugs:
        train_one(demo, slug, datasets[slug], device=device)
        phase(out, f"trained {slug}")
    generator = BatchGenerator(demo.base_dir, device=device)
    for slug in slugs:
        test = datasets[slug]["test"]
        prompts = [FORMATS[slug].template.format(**r["inputs"]) for r in test]
        outputs[slug] = generate_for_task(
            generator,
            demo.shipped_dir / slug,
            prompts,
            [r["output"] for r in test],
            ["base", "finetuned"],
            batch_size=batch_size,
        )
        # Each task's answers are kept as they come, so a run cut short still brings some back.
        answers = demo.shipped_dir.parent / "answers"
        answers.mkdir(exist_ok=True)
        (answers / f"{slug}.json").write_text(json.dumps(outputs[slug]))
        phase(out, f"answered {slug}")
    return outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/loraland-demo"))
    parser.add_argument("--base-dir", type=Path, default=None, help="default: WORK/<base name>")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--task", action="append", dest="tasks")
    parser.add_argument("--steps", type=int, default=None, help="override the recipe's steps")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from demo.shipped import REPORT_RECIPE
    from demo.smollm2 import convert

    base_dir = args.base_dir or args.work / "SmolLM2-135M-Instruct"
    if not (base_dir / "source.json").is_file():
        convert(args.gguf, base_dir)
    phase(args.out, "converted the base model")
    demo = ShippedDemo(
        base_dir=base_dir,
        data_dir=args.work / "data",
        shipped_dir=args.work / "adapters",
        tasks=tuple(args.tasks or FORMATS),
    )
    if args.steps:  # the same steps for every task
        recipe = dataclasses.replace(REPORT_RECIPE, steps=args.steps)
        demo = dataclasses.replace(demo, recipe=recipe, task_steps={})
    # Long tasks first, dealt round-robin, so that the workers finish at about the same time.
    slugs = list(demo.tasks)
    shares = [slugs[i :: args.workers] for i in range(args.workers)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(len([s for s in shares if s])) as pool:
        results = pool.starmap(
            work,
            [(demo, share, args.out, args.batch_size, args.device) for share in shares if share],
        )
    outputs = {slug: answers for result in results for slug, answers in result.items()}
    (args.out / "outputs.json").write_text(json.dumps(outputs))
    # One file back: what comes back from the device is a few files, not 75.
    with tarfile.open(args.out / "adapters.tar", "w") as tar:
        tar.add(demo.shipped_dir, arcname="adapters")
    phase(args.out, f"done: {len(outputs)} tasks")


if __name__ == "__main__":
    main()
