"""The 25 tasks of the LoRA Land report (tasks.csv) joined with our prompt formats."""

import csv
from dataclasses import dataclass
from pathlib import Path

TASKS_CSV = Path(__file__).with_name("tasks.csv")


@dataclass(frozen=True)
class TaskInfo:
    slug: str
    name: str
    category: str
    metric: str
    source_dataset: str
    input_to_output: str
    paper_base: float
    paper_finetuned: float
    paper_gpt4: float


def read_tasks() -> list[TaskInfo]:
    with TASKS_CSV.open(newline="") as f:
        return [
            TaskInfo(
                slug=row["slug"],
                name=row["ui_name"],
                category=row["category"],
                metric=row["metric"],
                source_dataset=row["source_dataset"],
                input_to_output=row["input_to_output"],
                paper_base=float(row["paper_base"]),
                paper_finetuned=float(row["paper_finetuned"]),
                paper_gpt4=float(row["paper_gpt4"]),
            )
            for row in csv.DictReader(f)
        ]
