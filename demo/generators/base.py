"""TaskFormat: one task's report template (demo/report_prompts.json) and example maker."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPORT_PROMPTS = Path(__file__).resolve().parent.parent / "report_prompts.json"


@cache
def report_tasks() -> dict[str, dict]:
    """The report's entry per task: prompt_template, placeholders, output format, adapter id."""
    return {entry["slug"]: entry for entry in json.loads(REPORT_PROMPTS.read_text())["tasks"]}


def answer_separator(template: str) -> str:
    """What comes between a rendered prompt and its answer, in training and in the output.

    A template that ends in whitespace ("### Label: ") is followed by the answer at once; one
    that ends on a word or colon ("Answer:") by a space, so that the answer's first word is
    the same token as that word in running text."""
    return "" if template[-1:].isspace() else " "


@dataclass(frozen=True)
class TaskFormat:
    slug: str
    fields: tuple[str, ...]  # the template's placeholders, in the report's order
    template: str  # the report's prompt_template, filled with str.format
    description: str
    make_example: Callable[[random.Random], dict]
    optional: tuple[str, ...] = ()  # fields the real data may leave blank

    @property
    def separator(self) -> str:
        return answer_separator(self.template)


def task(
    slug: str,
    description: str,
    make_example: Callable[[random.Random], dict],
    optional: tuple[str, ...] = (),
) -> TaskFormat:
    """A TaskFormat with the report's template and placeholders for `slug`."""
    entry = report_tasks()[slug]
    return TaskFormat(
        slug=slug,
        fields=tuple(entry["placeholders"]),
        template=entry["prompt_template"],
        description=description,
        make_example=make_example,
        optional=optional,
    )


def example(inputs: dict[str, str], output: str, **meta) -> dict:
    """One generated example; `meta` is only included when given."""
    row: dict = {"inputs": inputs, "output": output}
    if meta:
        row["meta"] = meta
    return row
