"""The SmolLM2 demo's adapters: trained once by `build_demo --train`, shipped in the repository.

Each adapter lives in demo/adapters/<base>/<slug>/ as a PEFT directory with bf16 weights and a
manifest.json. The manifest's `stamp` is what the adapter was made from (base file, seed,
recipe, hash of the task's data); training skips an adapter whose stamp still matches, so a
run that stopped half-way resumes where it was. The site serves copies installed into
LORALAND_ADAPTER_DIR, so uploads never write into the repository.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from demo.build import write_task_data
from demo.generators import FORMATS, render_prompt
from demo.smollm2 import GGUF_SHA256, NAME
from demo.specs import AdapterSpec

SHIPPED_ROOT = Path(__file__).resolve().parent / "adapters"
MANIFEST = "manifest.json"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", MANIFEST)
# The LoRA Land report's recipe (r=8, alpha 16 on q_proj and v_proj), answer-only loss. On
# SmolLM2-135M a sentiment adapter had not learnt in 40 steps at lr 1e-3 and had at 80 steps at
# 3e-3 (FIELD-NOTES); small models want a higher rate than the report's 7B ones.
REPORT_RECIPE = AdapterSpec(
    rank=8,
    alpha=16,
    target_modules=("q_proj", "v_proj"),
    steps=120,
    batch_size=8,
    learning_rate=3e-3,
)
# Tasks whose answer is a label of one or two tokens get 300 steps. Measured on an H200
# (2026-12-04, scripts/gpu_train_demo.py): at 120 steps these adapters answered mostly one
# label (glue_sst2 0.64, dbpedia 0.32, glue_mnli 0.25 on their test splits); at 300 they
# scored 1.00, 1.00 and 0.85. An answer of many tokens carries more signal per step: the
# generation tasks learn in 120 steps.
LABEL_TASK_STEPS = 300
LABEL_TASKS = (
    "dbpedia",
    "glue_qnli",
    "glue_stsb",
    "boolq",
    "glue_sst2",
    "glue_mnli",
    "glue_cola",
    "glue_mrpc",
    "hellaswag",
    "winogrande",
)


@dataclass(frozen=True)
class ShippedDemo:
    base_dir: Path  # the converted SmolLM2 directory
    data_dir: Path  # where the task splits are written (the evaluate command reads them)
    shipped_dir: Path = SHIPPED_ROOT / NAME
    tasks: tuple[str, ...] = tuple(FORMATS)
    seed: int = 0
    n_train: int = 500
    n_test: int = 100
    recipe: AdapterSpec = field(default_factory=lambda: REPORT_RECIPE)
    # Steps per task where they differ from the recipe's (empty: the recipe's for all).
    task_steps: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(LABEL_TASKS, LABEL_TASK_STEPS)
    )

    def recipe_for(self, slug: str) -> AdapterSpec:
        return replace(self.recipe, steps=self.task_steps.get(slug, self.recipe.steps))


def data_hash(slug: str, data: dict) -> str:
    """What the adapter learnt from and is scored on: both splits as rendered, and how the
    answer follows the prompt."""
    rows = {
        split: [[render_prompt(slug, r["inputs"]), r["output"]] for r in data[split]]
        for split in ("train", "test")
    }
    content = json.dumps([rows, FORMATS[slug].separator], sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def stamp_for(demo: ShippedDemo, slug: str, data: dict) -> dict:
    recipe = demo.recipe_for(slug)
    return {
        "task": slug,
        "base_model": NAME,
        "base_gguf_sha256": GGUF_SHA256,
        "seed": demo.seed,
        "n_train": demo.n_train,
        "n_test": demo.n_test,
        "data_hash": data_hash(slug, data),
        "recipe": {**asdict(recipe), "target_modules": list(recipe.target_modules)},
    }


def read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else None


def is_current(folder: Path, stamp: dict) -> bool:
    manifest = read_manifest(folder)
    return (
        bool(manifest)
        and manifest.get("stamp") == stamp
        and all((folder / name).is_file() for name in ADAPTER_FILES)
    )


def task_data(demo: ShippedDemo) -> dict[str, dict]:
    return {slug: write_task_data(demo, slug) for slug in demo.tasks}


def stale_tasks(demo: ShippedDemo, datasets: dict[str, dict]) -> list[str]:
    return [
        slug
        for slug in demo.tasks
        if not is_current(demo.shipped_dir / slug, stamp_for(demo, slug, datasets[slug]))
    ]


def train(demo: ShippedDemo, *, force: bool = False, device: str = "cpu") -> list[str]:
    """Train the adapters whose manifest does not match (all with `force`), one at a time,
    each put in place whole when it is done; returns the slugs trained."""
    from tqdm import tqdm

    datasets = task_data(demo)
    todo = list(demo.tasks) if force else stale_tasks(demo, datasets)
    for slug in tqdm(todo, desc="adapters", unit="adapter"):
        train_one(demo, slug, datasets[slug], device=device)
    return todo


def train_one(demo: ShippedDemo, slug: str, data: dict, *, device: str = "cpu") -> Path:
    import torch

    from demo.training import train_lora

    demo.shipped_dir.mkdir(parents=True, exist_ok=True)
    work = demo.shipped_dir / f".{slug}.partial"
    shutil.rmtree(work, ignore_errors=True)
    started = time.perf_counter()
    losses = train_lora(
        demo.base_dir,
        slug,
        data["train"],
        work,
        demo.recipe_for(slug),
        demo.seed,
        device=device,
        save_dtype=torch.bfloat16,
    )
    name_the_base(work / "adapter_config.json")
    (work / "README.md").unlink(missing_ok=True)  # PEFT's empty model card
    tail = losses[-10:]
    manifest = {
        "stamp": stamp_for(demo, slug, data),
        "final_loss": round(sum(tail) / len(tail), 4),
        "loss_every_10_steps": losses[::10],
        "trained_on": device_name(device),
        "train_seconds": round(time.perf_counter() - started, 1),
        "trained_at": time.strftime("%Y-%m-%d"),
        "test_score": None,  # filled by record_scores
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    for path in work.iterdir():
        path.chmod(0o644)
    target = demo.shipped_dir / slug
    shutil.rmtree(target, ignore_errors=True)
    work.replace(target)
    return target


def name_the_base(config_path: Path) -> None:
    """PEFT writes the local path it trained on; a shipped adapter names its base instead."""
    config = json.loads(config_path.read_text())
    config["base_model_name_or_path"] = NAME
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def device_name(device: str) -> str:
    import platform

    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"cpu ({platform.machine()}, {torch.get_num_threads()} threads)"


def record_scores(shipped_dir: Path, scores: dict[str, dict]) -> None:
    """Write each adapter's test score ({"metric", "finetuned", "base", "n"}) into its manifest."""
    for slug, score in scores.items():
        path = shipped_dir / slug / MANIFEST
        manifest = json.loads(path.read_text())
        manifest["test_score"] = score
        path.write_text(json.dumps(manifest, indent=1) + "\n")


def install(shipped_dir: Path, adapter_dir: Path, tasks: tuple[str, ...] = tuple(FORMATS)) -> int:
    """Copy shipped adapters into the site's adapter directory where missing or different;
    returns how many were copied. Each lands whole (copied aside, then renamed)."""
    copied = 0
    for slug in tasks:
        source, target = shipped_dir / slug, adapter_dir / slug
        if not (source / MANIFEST).is_file() or read_manifest(source) == read_manifest(target):
            continue
        adapter_dir.mkdir(parents=True, exist_ok=True)
        work = adapter_dir / f".{slug}.installing"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        for name in ADAPTER_FILES:
            shutil.copyfile(source / name, work / name)
        shutil.rmtree(target, ignore_errors=True)
        work.replace(target)
        copied += 1
    return copied


def scores_from_outputs(demo: ShippedDemo, outputs: dict[str, dict[str, list[str]]]) -> dict:
    """Each task's mean test score per model ({"metric", "n", "base", "finetuned"}) from the
    models' answers to its test split, in order."""
    from demo.catalog import read_tasks
    from demo.generators import make_splits
    from demo.metrics import score

    metrics = {info.slug: info.metric for info in read_tasks()}
    found = {}
    for slug, answers in outputs.items():
        _, test = make_splits(slug, n_train=demo.n_train, n_test=demo.n_test, seed=demo.seed)
        result = {"metric": metrics[slug], "n": len(test)}
        for model, texts in answers.items():
            values = [
                score(slug, metrics[slug], text, row["output"], row.get("meta"))
                for text, row in zip(texts, test, strict=True)
            ]
            result[model] = round(sum(values) / len(values), 4)
        found[slug] = result
    return found
