"""`manage.py evaluate`: score base / fine-tuned (/ reference) on each task's test split."""

import json
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from playground import services
from playground.models import Task

MODEL_CHOICES = ("base", "finetuned", "reference")


class Command(BaseCommand):
    help = "Score models on the test splits with each task's metric; store and print the result."

    def add_arguments(self, parser):
        parser.add_argument("--task", action="append", dest="tasks", metavar="SLUG")
        parser.add_argument("--models", default="base,finetuned")
        parser.add_argument("--limit", type=int, default=None, help="examples per task")
        parser.add_argument("--batch-size", type=int, default=50)
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON document only"
        )

    def handle(
        self,
        *args,
        tasks=None,
        models="base,finetuned",
        limit=None,
        batch_size=50,
        as_json=False,
        **options,
    ):
        model_kinds = parse_models(models)
        tasks = tasks or list(Task.objects.values_list("slug", flat=True))
        splits = {slug: read_test_split(slug, limit) for slug in tasks}
        if "reference" in model_kinds:
            # Issue 5 adds the OpenAI-compatible reference client; until then it is skipped.
            self.stderr.write("reference: no reference model is configured; skipped")
            model_kinds = [m for m in model_kinds if m != "reference"]
        started = time.perf_counter()
        results = score_all(splits, model_kinds, batch_size)
        run = services.evaluation_run_save(
            model_kinds=model_kinds,
            results=results,
            limit=limit,
            duration_s=round(time.perf_counter() - started, 1),
        )
        if as_json:
            self.stdout.write(dump_json(run.summary))
        else:
            self.stdout.write(format_table(run.summary, model_kinds))
            self.stdout.write(f"run {run.pk}: {run.duration_s} s")


def parse_models(text: str) -> list[str]:
    kinds = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in kinds if m not in MODEL_CHOICES]
    if unknown or not kinds:
        raise CommandError(f"--models takes a comma list of {', '.join(MODEL_CHOICES)}")
    return kinds


def read_test_split(slug: str, limit: int | None) -> dict:
    if not Task.objects.filter(slug=slug).exists():
        raise CommandError(f"unknown task {slug!r}")
    path = Path(settings.LORALAND_DATA_DIR) / slug / "test.jsonl"
    if not path.is_file():
        raise CommandError(f"no test split at {path}; run `python manage.py build_demo` first")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    train = path.with_name("train.jsonl")
    answers = [json.loads(line)["output"] for line in train.read_text().splitlines()]
    # The answer budget comes from the train answers, so --limit does not change it.
    return {"rows": rows[:limit] if limit else rows, "train_answers": answers}


def score_all(splits: dict, model_kinds: list[str], batch_size: int) -> dict:
    from demo.evaluation import BatchGenerator, generate_for_task
    from demo.metrics import score

    generator = BatchGenerator(Path(settings.LORALAND_BASE_MODEL))
    metric_of = dict(Task.objects.values_list("slug", "metric"))
    results = {}
    for slug, split in tqdm(splits.items(), desc="evaluate", unit="task", file=sys.stderr):
        rows = split["rows"]
        outputs = generate_for_task(
            generator,
            Path(settings.LORALAND_ADAPTER_DIR),
            slug,
            [r["prompt"] for r in rows],
            split["train_answers"],
            model_kinds,
            batch_size,
        )
        results[slug] = {
            model: [
                {
                    "inputs": r["inputs"],
                    "expected": r["output"],
                    "output": out,
                    "score": score(slug, metric_of[slug], out, r["output"], r.get("meta")),
                }
                for r, out in zip(rows, texts, strict=True)
            ]
            for model, texts in outputs.items()
        }
    return results


def format_table(summary: dict, model_kinds: list[str]) -> str:
    header = f"{'task':<22}" + "".join(f"{m:>11}" for m in model_kinds) + f"{'lift':>9}"
    lines = [header, "-" * len(header)]
    for slug, scores in summary["tasks"].items():
        lines.append(
            f"{slug:<22}"
            + "".join(cell(scores.get(m), 11) for m in model_kinds)
            + cell(lift(scores), 9, signed=True)
        )
    lines.append("-" * len(header))
    mean = summary["mean"]
    lines.append(
        f"{'mean':<22}"
        + "".join(cell(mean.get(m), 11) for m in model_kinds)
        + cell(lift(mean), 9, signed=True)
    )
    return "\n".join(lines)


def lift(scores: dict) -> float | None:
    if "base" in scores and "finetuned" in scores:
        return scores["finetuned"] - scores["base"]
    return None


def cell(value: float | None, width: int, signed: bool = False) -> str:
    if value is None:
        return f"{'—':>{width}}"
    return f"{value:>+{width}.3f}" if signed else f"{value:>{width}.3f}"


def dump_json(summary: dict) -> str:
    return json.dumps(summary, indent=2)
