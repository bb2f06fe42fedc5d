"""`manage.py evaluate`: score base / fine-tuned / reference on each task's test split.

The reference's answers are the stored ones of LORALAND_REFERENCE_MODEL, or of
--reference-model (`import_reference`, or fetched by an earlier run), else the configured
OpenAI-compatible endpoint's.
"""

import dataclasses
import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from playground import reference, selectors, services
from playground.errors import GenerationError
from playground.models import ReferenceOutput, Task

MODEL_CHOICES = ("base", "finetuned", "reference")


class Command(BaseCommand):
    help = "Score models on the test splits with each task's metric; store and print the result."

    def add_arguments(self, parser):
        parser.add_argument("--task", action="append", dest="tasks", metavar="SLUG")
        parser.add_argument("--models", default="base,finetuned")
        parser.add_argument("--limit", type=int, default=None, help="examples per task")
        parser.add_argument(
            "--batch-size", type=int, default=50, help="answers the engine decodes together"
        )
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
        parser.add_argument(
            "--reference-model",
            default=None,
            metavar="NAME",
            help="score the stored answers imported under this model name "
            "(default: LORALAND_REFERENCE_MODEL, the only one called live)",
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
        splits = self.read_splits(tasks, limit)
        started = time.perf_counter()
        ours = [m for m in model_kinds if m != "reference"]
        adapters = self.served_adapters(list(splits)) if "finetuned" in ours else {}
        outputs = generate_all(splits, ours, adapters, batch_size)
        reference_model = options.get("reference_model")
        if "reference" in model_kinds and not self.add_reference(outputs, splits, reference_model):
            model_kinds = ours
        if not model_kinds:
            raise CommandError("nothing was evaluated")
        results = score_all(splits, outputs)
        run = services.evaluation_run_save(
            model_kinds=model_kinds,
            results=results,
            adapters=adapters,
            limit=limit,
            duration_s=round(time.perf_counter() - started, 1),
        )
        if save_gallery:
            saved = services.comparisons_save_evaluation(
                results=results,
                prompts=split_prompts(splits),
                count=save_gallery,
                adapters=adapters,
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

    def read_splits(self, slugs: list[str] | None, limit: int | None) -> dict:
        """The test split of each task asked for; without --task, of every task that has one
        (a task created in the admin has none), with a note on the others."""
        if slugs:
            return {slug: read_test_split(slug, limit) for slug in slugs}
        splits, missing = {}, []
        for slug in Task.objects.values_list("slug", flat=True):
            if test_split_path(slug).is_file():
                splits[slug] = read_test_split(slug, limit)
            else:
                missing.append(slug)
        if missing:
            self.stderr.write(
                f"skipped {', '.join(missing)}: no test split in {settings.LORALAND_DATA_DIR}"
            )
        if not splits:
            raise CommandError("no task has a test split; run `python manage.py build_demo` first")
        return splits

    def served_adapters(self, slugs: list[str]) -> dict[str, str]:
        """{slug: name of the adapter the task serves}: the one "finetuned" scores (an upload's
        <family>/<version>, else the built <slug>); a task without one is skipped, with a note."""
        adapter_dir = Path(settings.LORALAND_ADAPTER_DIR)
        served = {}
        for task in Task.objects.filter(slug__in=slugs):
            adapter = task.active_adapter
            if adapter is not None and (adapter_dir / adapter.name).is_dir():
                served[task.slug] = adapter.name
                continue
            why = "it serves no adapter"
            if adapter is not None:
                why = f"its adapter {adapter.name} is not in {adapter_dir}"
            self.stderr.write(f"finetuned: skipped {task.slug}: {why}")
        return served

    def add_reference(self, outputs: dict, splits: dict, model_name: str | None = None) -> bool:
        """Put the reference's answers into outputs for the tasks that have them all."""
        answers = ReferenceAnswers(model_name)
        for slug, split in splits.items():
            texts = answers.for_task(slug, split["rows"])
            if texts is not None:
                outputs[slug]["reference"] = texts
        for note in answers.notes:
            self.stderr.write(f"reference: {note}")
        if answers.unanswered:
            self.stderr.write(
                f"reference: skipped {', '.join(answers.unanswered)}: no stored answers of "
                f"{answers.model_name} and " + answers.why_no_calls()
            )
        return any("reference" in by_model for by_model in outputs.values())


class ReferenceAnswers:
    """Stored answers first (imported, or fetched by an earlier run), then the configured
    endpoint for the rest; each fetched answer is stored, so a rerun costs no second call.

    A task is scored only when every example has an answer: the mean must cover the same
    examples as the other models'. `notes` and `unanswered` say what was skipped and why.
    """

    def __init__(self, model_name: str | None = None):
        configured = settings.LORALAND_REFERENCE_MODEL
        self.model_name = model_name or configured  # whose stored answers are scored
        # The endpoint answers as the configured model; another's answers are the stored ones.
        self.can_call = reference.is_configured() and self.model_name == configured
        # Greedy, as the other models are evaluated; the longest answer a visitor may ask for.
        self.params = {"max_new_tokens": settings.LORALAND_MAX_NEW_TOKENS, "temperature": 0.0}
        self.notes: list[str] = []  # why calls stopped
        self.unanswered: list[str] = []  # "slug (n of m examples)" skipped for lack of answers

    def for_task(self, slug: str, rows: list[dict]) -> list[str] | None:
        task = Task.objects.get(slug=slug)
        answers = [stored_answer(task, row["prompt"], self.model_name) for row in rows]
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
        if self.model_name != settings.LORALAND_REFERENCE_MODEL:
            return (
                f"only stored answers are scored for {self.model_name}; the endpoint is called "
                f"only for LORALAND_REFERENCE_MODEL ({settings.LORALAND_REFERENCE_MODEL})"
            )
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


def stored_answer(task: Task, prompt: str, model_name: str) -> str | None:
    stored = selectors.reference_output_for(task=task, prompt=prompt, model_name=model_name)
    return None if stored is None else stored.output


def parse_models(text: str) -> list[str]:
    kinds = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in kinds if m not in MODEL_CHOICES]
    if unknown or not kinds:
        raise CommandError(f"--models takes a comma list of {', '.join(MODEL_CHOICES)}")
    return kinds


def test_split_path(slug: str) -> Path:
    return Path(settings.LORALAND_DATA_DIR) / slug / "test.jsonl"


def read_test_split(slug: str, limit: int | None) -> dict:
    if not Task.objects.filter(slug=slug).exists():
        raise CommandError(f"unknown task {slug!r}")
    path = test_split_path(slug)
    if not path.is_file():
        raise CommandError(
            f"no test split at {path}: `python manage.py build_demo` writes the demo tasks' "
            "ones; for another task put its examples there, one JSON object per line with "
            "prompt, inputs and output"
        )
    rows = read_jsonl(path)
    train = path.with_name("train.jsonl")
    # The answer budget comes from the train answers (else the whole test split's), so
    # --limit does not change it.
    answers = [row["output"] for row in (read_jsonl(train) if train.is_file() else rows)]
    return {"rows": rows[:limit] if limit else rows, "train_answers": answers}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def split_prompts(splits: dict) -> dict[str, list[str]]:
    return {slug: [row["prompt"] for row in split["rows"]] for slug, split in splits.items()}


def generate_all(
    splits: dict, model_kinds: list[str], adapters: dict[str, str], batch_size: int
) -> dict:
    """{slug: {model: [output per test row]}} for our own models (base, fine-tuned); the
    fine-tuned model is the base with the adapter named in `adapters`, the one its task serves."""
    if not model_kinds:
        return {slug: {} for slug in splits}  # reference only: no need to load the base model
    from demo.evaluation import Job, answer_budget, answer_with_engine
    from playground.tasks import engine_config
    from worker.engine import Engine

    engine = Engine(dataclasses.replace(engine_config(), max_batch=batch_size))
    try:
        jobs = []
        for slug, split in splits.items():
            prompts = [row["prompt"] for row in split["rows"]]
            budget = answer_budget(engine.tokenizer, split["train_answers"])
            if "base" in model_kinds:
                jobs.append(Job(slug, "base", None, prompts, budget))
            if "finetuned" in model_kinds and slug in adapters:
                jobs.append(Job(slug, "finetuned", adapters[slug], prompts, budget))
        outputs = answer_with_engine(engine, jobs)
    finally:
        engine.close()
    return {slug: outputs.get(slug, {}) for slug in splits}


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
