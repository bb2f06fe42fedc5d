"""Deterministic synthetic data for the 25 LoRA Land tasks.

Each task has a TaskFormat: the LoRA Land report's own prompt template and placeholders
(demo/report_prompts.json), answers in the report's output format, and a seeded example maker.
The data is varied, realistic-looking text, so that what an adapter learns from it carries over
to a visitor's own input, and the test split cannot be answered by memorising the train split.
"""

from __future__ import annotations

import random
import zlib

from .base import TaskFormat, answer_separator, report_tasks
from .classic_nlp import (
    BC5CDR,
    CONLLPP,
    E2E_NLG,
    TLDR_CONTENT_GEN,
    TLDR_HEADLINE_GEN,
    VIGGO,
    WEBNLG,
)
from .coding import MAGICODER, WIKISQL
from .knowledge import BOOLQ, CUSTOMER_SUPPORT, DBPEDIA, GLUE_QNLI, GLUE_STSB, LEGAL
from .math_word import GSM8K
from .reasoning import GLUE_COLA, GLUE_MNLI, GLUE_MRPC, GLUE_QQP, HELLASWAG, WINOGRANDE
from .sentiment import COVID, GLUE_SST2, JIGSAW

__all__ = [
    "FORMATS",
    "TaskFormat",
    "answer_separator",
    "make_splits",
    "render_prompt",
    "report_tasks",
]

# In the order of demo/tasks.csv.
FORMATS: dict[str, TaskFormat] = {
    fmt.slug: fmt
    for fmt in (
        MAGICODER,
        WIKISQL,
        CONLLPP,
        BC5CDR,
        E2E_NLG,
        VIGGO,
        TLDR_HEADLINE_GEN,
        TLDR_CONTENT_GEN,
        WEBNLG,
        DBPEDIA,
        CUSTOMER_SUPPORT,
        GLUE_QNLI,
        GLUE_STSB,
        BOOLQ,
        LEGAL,
        GLUE_SST2,
        GLUE_MNLI,
        GLUE_COLA,
        GLUE_MRPC,
        GLUE_QQP,
        COVID,
        JIGSAW,
        HELLASWAG,
        WINOGRANDE,
        GSM8K,
    )
}

# Give up when this many draws in a row add no new prompt (a task's space is too small).
MAX_STALE_DRAWS = 5000


def render_prompt(slug: str, inputs: dict) -> str:
    return FORMATS[slug].template.format(**inputs)


def task_rng(slug: str, seed: int) -> random.Random:
    """A per-task generator seeded stably (zlib.crc32, independent of PYTHONHASHSEED)."""
    return random.Random(zlib.crc32(f"{seed}:{slug}".encode()))


def make_splits(
    slug: str, *, n_train: int = 500, n_test: int = 100, seed: int = 0
) -> tuple[list[dict], list[dict]]:
    """Deterministic for (slug, n_train, n_test, seed); train and test disjoint by rendered
    prompt; no duplicate prompts within a split."""
    fmt = FORMATS[slug]
    rng = task_rng(slug, seed)
    seen: set[str] = set()
    rows: list[dict] = []
    stale = 0
    while len(rows) < n_train + n_test:
        row = fmt.make_example(rng)
        prompt = render_prompt(slug, row["inputs"])
        if prompt in seen:
            stale += 1
            if stale >= MAX_STALE_DRAWS:
                raise RuntimeError(f"{slug}: only {len(rows)} distinct prompts could be made")
            continue
        stale = 0
        seen.add(prompt)
        rows.append(row)
    return rows[:n_train], rows[n_train:]
