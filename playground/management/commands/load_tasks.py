"""`manage.py load_tasks`: the shipped task catalog into the database, keeping admins' edits."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.catalog import read_tasks
from demo.generators import FORMATS, make_splits, report_tasks
from playground import services

N_EXAMPLES = 5


class Command(BaseCommand):
    help = (
        "Load the 25 LoRA Land tasks (tasks.csv + the report's templates) and register "
        "adapters; fields edited since the last load (e.g. in the admin) are kept."
    )

    def handle(self, *args, **options):
        done = services.catalog_load(
            tasks=[task_row(info) for info in read_tasks()],
            adapter_dir=Path(settings.LORALAND_ADAPTER_DIR),
        )
        self.stdout.write(f"loaded {done.count} tasks")
        for slug, fields in done.kept.items():
            self.stdout.write(f"kept the edited {', '.join(fields)} of {slug}")


def task_row(info) -> dict:
    fmt = FORMATS[info.slug]
    _, test = make_splits(info.slug)  # the same test split that build_demo writes
    return {
        "slug": info.slug,
        "name": info.name,
        "category": info.category,
        "metric": info.metric,
        "description": fmt.description,
        "source_dataset": info.source_dataset,
        "prompt_template": fmt.template,
        "fields": list(fmt.fields),
        "optional_fields": list(fmt.optional),
        "output_format": report_tasks()[info.slug]["output_format_note"],
        # Python and SQL keep their indentation in a monospace block; no task answers Markdown
        "answer_format": "code" if info.category == "Coding" else "text",
        "examples": [example(r) for r in test[:N_EXAMPLES]],
        "paper_base": info.paper_base,
        "paper_finetuned": info.paper_finetuned,
        "paper_gpt4": info.paper_gpt4,
    }


def example(row: dict) -> dict:
    """An example chip; its meta (magicoder's tests, gsm8k's number) lets the compare page score."""
    found = {"inputs": row["inputs"], "expected": row["output"]}
    if row.get("meta"):
        found["meta"] = row["meta"]
    return found
