"""Build the demo: task data -> BPE tokenizer -> loraland-mini base -> one LoRA per task.

Each stage is skipped when its output exists and was built with the same settings (the
settings are recorded in a small `build.json` beside each output), so a second run is instant.
"""

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from demo.generators import FORMATS, make_splits, render_prompt
from demo.specs import DemoConfig


def build_demo(config: DemoConfig, *, force: bool = False) -> None:
    datasets = {slug: write_task_data(config, slug) for slug in config.tasks}
    base_stamp = {
        "seed": config.seed,
        "tasks": list(config.tasks),
        "data": digest(datasets),  # a change to a generator or template rebuilds
        **asdict(config.base),
    }
    if force or not is_built(config.base_dir, base_stamp):
        from demo import training  # torch and transformers load only when there is work

        training.build_base(config, datasets)
        write_stamp(config.base_dir, base_stamp)
    stamp = {"seed": config.seed, "base": base_stamp, **asdict(config.adapter)}
    todo = [s for s in config.tasks if force or not is_built(config.adapter_dir / s, stamp)]
    train_adapters(config, {s: datasets[s] for s in todo}, stamp)


def train_adapters(config: DemoConfig, datasets: dict, stamp: dict) -> None:
    # Measured: two processes of one torch thread each were no faster than one process with
    # two threads (measured when an adapter took about 20 s), so adapters train one after another.
    if not datasets:
        return
    from demo import training  # torch and transformers load only when there is work

    for slug in tqdm(datasets, desc="adapters", unit="task"):
        target = config.adapter_dir / slug
        training.train_adapter(config, slug, datasets[slug], target)
        write_stamp(target, stamp)


def write_task_data(config: DemoConfig, slug: str) -> dict[str, list[dict]]:
    train, test = make_splits(slug, n_train=config.n_train, n_test=config.n_test, seed=config.seed)
    folder = config.data_dir / slug
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in (("train", train), ("test", test)):
        with (folder / f"{split}.jsonl").open("w") as f:
            for row in rows:
                f.write(json.dumps({**row, "prompt": render_prompt(slug, row["inputs"])}) + "\n")
    return {"train": train, "test": test}


def digest(datasets: dict) -> str:
    prompts = {s: [render_prompt(s, r["inputs"]) for r in d["train"]] for s, d in datasets.items()}
    separators = {s: FORMATS[s].separator for s in datasets}
    content = json.dumps([datasets, prompts, separators], sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def is_built(folder: Path, stamp: dict) -> bool:
    path = folder / "build.json"
    return path.is_file() and json.loads(path.read_text()) == json.loads(json.dumps(stamp))


def write_stamp(folder: Path, stamp: dict) -> None:
    (folder / "build.json").write_text(json.dumps(stamp, indent=2, default=str))
