"""The TaskFormat record and small helpers every task module uses."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TaskFormat:
    slug: str
    fields: tuple[str, ...]
    template: str
    description: str
    make_example: Callable[[random.Random], dict]


def build_template(instruction: str, fields: list[tuple[str, str]], answer_label: str) -> str:
    """One instruction line, one "### Label: {field}" line per field, then the answer label."""
    lines = [instruction, ""]
    lines += [f"### {label}: {{{name}}}" for label, name in fields]
    lines.append(f"### {answer_label}: ")
    return "\n".join(lines)


def task(
    slug: str,
    description: str,
    instruction: str,
    fields: list[tuple[str, str]],
    answer_label: str,
    make_example: Callable[[random.Random], dict],
) -> TaskFormat:
    """Build a TaskFormat from (display label, field name) pairs."""
    return TaskFormat(
        slug=slug,
        fields=tuple(name for _, name in fields),
        template=build_template(instruction, fields, answer_label),
        description=description,
        make_example=make_example,
    )


def example(inputs: dict[str, str], output: str, **meta) -> dict:
    """One generated example; `meta` is only included when given."""
    row: dict = {"inputs": inputs, "output": output}
    if meta:
        row["meta"] = meta
    return row
