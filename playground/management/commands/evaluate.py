"""`manage.py evaluate`: score base / fine-tuned / reference on each task's test split.

The reference's answers are the stored ones (`import_reference`, or fetched by an earlier
run), else the configured OpenAI-compatible endpoint's.
"""

import json
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from playground import reference, selectors, services
from playground.models import ReferenceOutput, Task
from worker.engine import GenerationError

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
        parser.add_argument(
            "--save-gallery",
            type=int,
            default=0,
            metavar="N",
            help="save each task's N best and N worst fine-tuned vs base examples to the gallery",
        )

    def handle(
        self,
        *args,
        tasks=None,
        models="base,finetuned",
        limit=None,
        batch_size=50,
        as_json=False,
        save_gallery=0,
        **options,
    ):
        model_kinds = parse_models(models)
        if save_gallery < 0:
            raise CommandError("--save-gallery takes a number of examples, 0 or more")
        tasks = tasks or list(Task.objects.values_list("slug", flat=True))
        splits = {slug: read_test_split(slug, limit) for slug in tasks}
        started = time.perf_counter()
        ours = [m for m in model_kinds if m != "reference"]
        outputs = generate_all(splits, ours, batch_size)
        if "reference" in model_kinds and not self.add_reference(outputs, splits):
            model_kinds = ours
        if not model_kinds:
            raise CommandError("nothing was evaluated")
        results = score_all(splits, outputs)
        run = services.evaluation_run_save(
            model_kinds=model_kinds,
            results=results,
            limit=limit,
            duration_s=round(time.perf_counter() - started, 1),
        )
        if save_gallery:
            saved = services.comparisons_save_evaluation(
                results=results, prompts=split_prompts(splits), count=save_gallery
            )
            # With --json, stdout holds the JSON document alone.
            (self.stderr if as_json else self.stdout).write(
                f"gallery: saved {len(saved)} comparisons (/gallery/)"
            )
        if as_json:
            self.stdout.write(dump_json(run.summary))
        else:
            self.stdout.write(format_table(run.summary, model_kinds))
            self.stdout.write(f"run {run.pk}: {run.duration_s} s")

    def add_reference(self, outputs: dict, splits: dict) -> bool:
        """Put the reference's answers into outputs for the tasks that have them all."""
        answers = ReferenceAnswers()
        for slug, split in splits.items():
            texts = answers.for_task(slug, split["rows"])
            if texts is not None:
                outputs[slug]["reference"] = texts
        for note in answers.notes:
            self.stderr.write(f"reference: {note}")
        if answers.unanswered:
            self.stderr.write(
                f"reference: skipped {', '.join(answers.unanswered)}: no stored answers and "
                + answers.why_no_calls()
            )
        return any("reference" in by_model for by_model in outputs.values())


class ReferenceAnswers:
    """Stored answers first (imported, or fetched by an earlier run), then the configured
    endpoint for the rest; each fetched answer is stored, so a rerun costs no second call.

    A task is scored only when every example has an answer: the mean must cover the same
    examples as the other models'. `notes` and `unanswered` say what was skipped and why.
    """

    def __init__(self):
        self.can_call = reference.is_configured()
        # Greedy, as the other models are evaluated; the longest answer a visitor may ask for.
        self.params = {"max_new_tokens": settings.LORALAND_MAX_NEW_TOKENS, "temperature": 0.0}
        self.notes: list[str] = []  # why calls stopped
        self.unanswered: list[str] = []  # "slug (n of m examples)" skipped for lack of answers

    def for_task(self, slug: str, rows: list[dict]) -> list[str] | None:
        task = Task.objects.get(slug=slug)
        answers = [stored_answer(task, row["prompt"]) for row in rows]
        missing = [i for i, answer in enumerate(answers) if answer is None]
        if missing and not self.can_call:
            self.unanswered.append(f"{slug} ({len(missing)} of {len(rows)} examples)")
            return None
        for i in missing:
            answers[i] = self.fetch(task, rows[i])
            if answers[i] is None:
                return None
        return answers

    def why_no_calls(self) -> str:
        if reference.is_configured():
            return "the reference model failed (see above)"
        return f"no reference model is configured: {reference.HOW_TO_CONFIGURE}"

    def fetch(self, task: Task, row: dict) -> str | None:
        try:
            output = reference.complete(row["prompt"], self.params)
        except GenerationError as exc:
            self.notes.append(f"{task.slug}: {exc.message} No more calls in this run.")
            self.can_call = False
            self.unanswered.append(task.slug)
            return None
        services.reference_output_save(
            task=task,
            prompt=row["prompt"],
            inputs=row["inputs"],
            output=output,
            model_name=settings.LORALAND_REFERENCE_MODEL,
            source=ReferenceOutput.Source.LIVE,
        )
        return output


def stored_answer(task: Task, prompt: str) -> str | None:
    stored = selectors.reference_output_for(task=task, prompt=prompt)
    return None if stored is None else stored.output


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


def split_prompts(splits: dict) -> dict[str, list[str]]:
    return {slug: [row["prompt"] for row in split["rows"]] for slug, split in splits.items()}


def generate_all(splits: dict, model_kinds: list[str], batch_size: int) -> dict:
    """{slug: {model: [output per test row]}} for our own models (base, fine-tuned)."""
    if not model_kinds:
        return {slug: {} for slug in splits}  # reference only: no need to load the base model
    from demo.evaluation import BatchGenerator, generate_for_task

    generator = BatchGenerator(Path(settings.LORALAND_BASE_MODEL))
    return {
        slug: generate_for_task(
            generator,
            Path(settings.LORALAND_ADAPTER_DIR),
            slug,
            [r["prompt"] for r in split["rows"]],
            split["train_answers"],
            model_kinds,
            batch_size,
        )
        for slug, split in tqdm(splits.items(), desc="evaluate", unit="task", file=sys.stderr)
    }


def score_all(splits: dict, outputs: dict) -> dict:
    from demo.metrics import score

    metric_of = dict(Task.objects.values_list("slug", "metric"))
    results = {}
    for slug, split in splits.items():
        rows = split["rows"]
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
            for model, texts in outputs[slug].items()
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
