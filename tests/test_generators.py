"""Tests for the synthetic task generators in demo.generators (no Django needed)."""

import collections
import csv
import functools
import re
import string
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.generators import FORMATS, make_splits, render_prompt  # noqa: E402

CSV_SLUGS = [row["slug"] for row in csv.DictReader((ROOT / "demo" / "tasks.csv").open())]

# Classification tasks and their full label sets.
LABELS = {
    "dbpedia": None,  # 14 classes, checked by count below
    "customer_support": None,
    "legal": None,
    "glue_qnli": {"0", "1"},
    "boolq": {"true", "false"},
    "glue_sst2": {"0", "1"},
    "glue_mnli": {"entailment", "neutral", "contradiction"},
    "glue_cola": {"0", "1"},
    "glue_mrpc": {"0", "1"},
    "glue_qqp": {"0", "1"},
    "covid": {"Extremely Negative", "Negative", "Neutral", "Positive", "Extremely Positive"},
    "jigsaw": {"0", "1"},
    "hellaswag": {"0", "1", "2", "3"},
    "winogrande": {"1", "2"},
}
LABEL_COUNTS = {"dbpedia": 14, "customer_support": 8, "legal": 10}


@functools.cache
def splits(slug: str, seed: int = 0) -> tuple[list[dict], list[dict]]:
    return make_splits(slug, seed=seed)


def prompts(rows: list[dict], slug: str) -> list[str]:
    return [render_prompt(slug, row["inputs"]) for row in rows]


def test_all_csv_slugs_present_in_order():
    assert list(FORMATS) == CSV_SLUGS
    assert len(FORMATS) == 25


@pytest.mark.parametrize("slug", CSV_SLUGS)
def test_template_fields_match(slug):
    fmt = FORMATS[slug]
    assert fmt.slug == slug
    parsed = [name for _, name, spec, conv in string.Formatter().parse(fmt.template) if name]
    assert sorted(parsed) == sorted(fmt.fields)
    assert len(set(fmt.fields)) == len(fmt.fields)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in fmt.fields)
    assert fmt.template.endswith(":")  # the answer brings its own leading space
    assert fmt.template.splitlines()[-1].startswith("### ")
    assert fmt.description and "\n" not in fmt.description


@pytest.mark.parametrize("slug", CSV_SLUGS)
def test_splits_sizes_disjoint_and_nonempty(slug):
    train, test = splits(slug)
    assert (len(train), len(test)) == (500, 100)
    train_prompts, test_prompts = prompts(train, slug), prompts(test, slug)
    assert len(set(train_prompts)) == 500
    assert len(set(test_prompts)) == 100
    assert not set(train_prompts) & set(test_prompts)
    for row in train + test:
        assert set(row["inputs"]) == set(FORMATS[slug].fields)
        assert row["output"].strip()
        assert all(value.strip() for value in row["inputs"].values())
        text = render_prompt(slug, row["inputs"]) + row["output"]
        assert text.isascii()


@pytest.mark.parametrize("slug", CSV_SLUGS)
def test_splits_deterministic_and_seeded(slug):
    assert make_splits(slug) == splits(slug)
    other_train, _ = make_splits(slug, seed=1)
    assert prompts(other_train, slug) != prompts(splits(slug)[0], slug)
    small_train, small_test = make_splits(slug, n_train=20, n_test=5, seed=3)
    assert (len(small_train), len(small_test)) == (20, 5)


@pytest.mark.parametrize("slug", CSV_SLUGS)
def test_inputs_and_outputs_are_short(slug):
    train, test = splits(slug)
    for row in train + test:
        assert sum(len(v.split()) for v in row["inputs"].values()) <= 60
        assert len(row["output"].split()) <= 40


@pytest.mark.parametrize("slug", sorted(LABELS))
def test_label_balance(slug):
    train, test = splits(slug)
    counts = collections.Counter(row["output"] for row in train + test)
    expected = LABELS[slug]
    if expected is not None:
        assert set(counts) == expected
    else:
        assert len(counts) == LABEL_COUNTS[slug]
    share = max(counts.values()) / sum(counts.values())
    limit = 0.6 if len(counts) == 2 else 2.0 / len(counts)
    assert share <= limit, (slug, counts)


@pytest.mark.parametrize("slug", CSV_SLUGS)
def test_variety(slug):
    train, test = splits(slug)
    rows = train + test
    assert len(set(prompts(rows, slug))) >= 0.9 * len(rows)
    # Inputs differ beyond their first field: no field is constant across the split.
    for field in FORMATS[slug].fields:
        assert len({row["inputs"][field] for row in rows}) > 1, field
    if slug not in LABELS and slug != "glue_stsb":
        assert len({row["output"] for row in rows}) >= 0.5 * len(rows)


def test_magicoder_reference_solutions_pass_their_tests():
    train, test = splits("magicoder")
    for row in train + test:
        meta = row["meta"]
        assert len(meta["tests"]) >= 2
        assert row["output"].startswith(f"def {meta['entry_point']}(")
        assert len(row["output"].splitlines()) <= 6
        namespace: dict = {}
        exec(row["output"], namespace)
        assert callable(namespace[meta["entry_point"]])
        for line in meta["tests"]:
            assert line.startswith("assert ")
            exec(line, namespace)


def test_gsm8k_last_number_is_the_answer():
    train, test = splits("gsm8k")
    for row in train + test:
        numbers = re.findall(r"-?\d+(?:\.\d+)?", row["output"])
        assert float(numbers[-1]) == row["meta"]["answer"]
        assert len(row["output"].splitlines()) <= 3
        assert row["output"].splitlines()[-1] == f"#### {row['meta']['answer']}"


def test_wikisql_queries_use_the_given_columns():
    train, test = splits("wikisql")
    for row in train + test:
        sql = row["output"]
        columns = row["inputs"]["columns"].split(", ")
        assert sql.startswith("SELECT ")
        assert " FROM table WHERE " in sql
        assert any(column in sql for column in columns)


def test_glue_stsb_scores_in_range():
    train, test = splits("glue_stsb")
    scores = [row["output"] for row in train + test]
    assert all(re.fullmatch(r"[0-5]\.\d", s) and 0 <= float(s) <= 5 for s in scores)
    assert len(set(scores)) >= 6


def test_all_splits_are_fast():
    start = time.perf_counter()
    for slug in CSV_SLUGS:
        make_splits(slug, seed=7)
    assert time.perf_counter() - start < 5
