"""Tests for the synthetic task generators in demo.generators (no Django needed)."""

import collections
import csv
import functools
import json
import string
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.generators import FORMATS, make_splits, render_prompt  # noqa: E402

CSV_SLUGS = [row["slug"] for row in csv.DictReader((ROOT / "demo" / "tasks.csv").open())]

REPORT_FILE = ROOT / "demo" / "report_prompts.json"
REPORT = {entry["slug"]: entry for entry in json.loads(REPORT_FILE.read_text())["tasks"]}

# Classification tasks and their full label sets, in the report's output formats.
LABELS = {
    "dbpedia": {str(i) for i in range(14)},
    "customer_support": {
        "replace card",
        "transfer money",
        "check balance",
        "order checks",
        "pay bill",
        "reset password",
        "schedule appointment",
        "get branch hours",
        "none of the above",
    },
    "legal": None,  # one-word clause types, checked by count below
    "glue_qnli": {"0", "1"},
    "boolq": {"True", "False"},
    "glue_sst2": {"0", "1"},
    "glue_mnli": {"0", "1", "2"},
    "glue_cola": {"0", "1"},
    "glue_mrpc": {"0", "1"},
    "glue_qqp": {"0", "1"},
    "covid": {"Extremely Negative", "Negative", "Neutral", "Positive", "Extremely Positive"},
    "jigsaw": {"yes", "no"},
    "hellaswag": {"0", "1", "2", "3"},
    "winogrande": {"1", "2"},
}
LABEL_COUNTS = {"legal": range(8, 17)}


@functools.cache
def splits(slug: str, seed: int = 0) -> tuple[list[dict], list[dict]]:
    return make_splits(slug, seed=seed)


def prompts(rows: list[dict], slug: str) -> list[str]:
    return [render_prompt(slug, row["inputs"]) for row in rows]


def test_all_csv_slugs_present_in_order():
    assert list(FORMATS) == CSV_SLUGS
    assert len(FORMATS) == 25


@pytest.mark.parametrize("slug", CSV_SLUGS)
def test_the_report_template_and_placeholders_are_served(slug):
    fmt = FORMATS[slug]
    assert fmt.slug == slug
    assert fmt.template == REPORT[slug]["prompt_template"]
    assert fmt.fields == tuple(REPORT[slug]["placeholders"])
    parsed = [name for _, name, spec, conv in string.Formatter().parse(fmt.template) if name]
    assert sorted(set(parsed)) == sorted(fmt.fields)
    assert set(fmt.optional) <= set(fmt.fields)
    assert fmt.separator == ("" if fmt.template[-1].isspace() else " ")
    assert fmt.description and "\n" not in fmt.description


@pytest.mark.parametrize("slug", CSV_SLUGS)
def test_rendering_reproduces_the_template_byte_for_byte(slug):
    """Filling the report's template by hand, field by field, gives exactly the served prompt."""
    row = splits(slug)[1][0]
    text = REPORT[slug]["prompt_template"]
    for name, value in row["inputs"].items():
        text = text.replace("{" + name + "}", value)
    text = text.replace("{{", "{").replace("}}", "}")
    assert render_prompt(slug, row["inputs"]) == text


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
        required = set(FORMATS[slug].fields) - set(FORMATS[slug].optional)
        assert all(row["inputs"][name].strip() for name in required)
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
        assert sum(len(v.split()) for v in row["inputs"].values()) <= 90
        assert len(row["output"].split()) <= 90


@pytest.mark.parametrize("slug", sorted(LABELS))
def test_label_balance(slug):
    train, test = splits(slug)
    counts = collections.Counter(row["output"] for row in train + test)
    expected = LABELS[slug]
    if expected is not None:
        assert set(counts) == expected
    else:
        assert len(counts) in LABEL_COUNTS[slug]
    share = max(counts.values()) / sum(counts.values())
    limit = 0.6 if len(counts) == 2 else 2.0 / len(counts)
    assert share <= limit, (slug, counts)


@pytest.mark.parametrize("slug", CSV_SLUGS)
def test_variety(slug):
    train, test = splits(slug)
    rows = train + test
    assert len(set(prompts(rows, slug))) >= 0.9 * len(rows)
    # Inputs differ beyond their first field: no field is constant across the split (but
    # magicoder's language, which the report evaluates in Python only).
    for field in set(FORMATS[slug].fields) - {"lang"}:
        assert len({row["inputs"][field] for row in rows}) > 1, field
    if slug not in LABELS and slug != "glue_stsb":
        assert len({row["output"] for row in rows}) >= 0.5 * len(rows)
