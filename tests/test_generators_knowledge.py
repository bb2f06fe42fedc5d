"""Tests for the knowledge generators (dbpedia, customer_support, glue_qnli, glue_stsb, boolq,
legal) in the LoRA Land report's own formats. No Django needed."""

import collections
import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.generators import FORMATS, make_splits, render_prompt  # noqa: E402
from demo.generators.base import report_tasks  # noqa: E402

SLUGS = ["dbpedia", "customer_support", "glue_qnli", "glue_stsb", "boolq", "legal"]
CLASSIFICATION = ["dbpedia", "customer_support", "glue_qnli", "boolq", "legal"]


@functools.cache
def splits(slug: str, seed: int = 0) -> tuple[list[dict], list[dict]]:
    return make_splits(slug, seed=seed)


def rows(slug: str) -> list[dict]:
    train, test = splits(slug)
    return train + test


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def dbpedia_options() -> list[str]:
    template = report_tasks()["dbpedia"]["prompt_template"]
    return json.loads(re.search(r"\[[^\]]*\]", template).group(0))


def support_task_types() -> list[str]:
    template = report_tasks()["customer_support"]["prompt_template"]
    return re.findall(r"^- (.+)$", template, flags=re.MULTILINE)


# --------------------------------------------------------------------------- all six tasks


@pytest.mark.parametrize("slug", SLUGS)
def test_format_is_the_reports(slug):
    fmt, entry = FORMATS[slug], report_tasks()[slug]
    assert fmt.template == entry["prompt_template"]
    assert list(fmt.fields) == entry["placeholders"]
    assert fmt.description.strip() and "\n" not in fmt.description


@pytest.mark.parametrize("slug", SLUGS)
def test_inputs_match_placeholders(slug):
    placeholders = report_tasks()[slug]["placeholders"]
    for row in rows(slug):
        assert list(row["inputs"]) == placeholders
        for value in row["inputs"].values():
            assert isinstance(value, str) and value.strip() == value and value
        text = render_prompt(slug, row["inputs"]) + row["output"]
        assert text.isascii()
        assert isinstance(row["output"], str) and row["output"] == row["output"].strip()


@pytest.mark.parametrize("slug", SLUGS)
def test_inputs_are_short(slug):
    counts = [sum(len(v.split()) for v in row["inputs"].values()) for row in rows(slug)]
    assert max(counts) <= 60
    assert sum(counts) / len(counts) <= 45


def test_deterministic_across_hash_seeds():
    """No set or hash order leaks into the data: two interpreters with different
    PYTHONHASHSEED produce the same splits."""
    code = (
        "import hashlib, json, sys; sys.path.insert(0, sys.argv[1]);"
        "from demo.generators import make_splits;"
        f"data = [make_splits(s, n_train=60, n_test=10, seed=5) for s in {SLUGS!r}];"
        "print(hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", code, str(ROOT)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1


@pytest.mark.parametrize("slug", CLASSIFICATION)
def test_class_balance(slug):
    counts = collections.Counter(row["output"] for row in rows(slug))
    share = max(counts.values()) / sum(counts.values())
    if len(counts) == 2:
        assert min(counts.values()) / sum(counts.values()) >= 0.4 and share <= 0.6, counts
    else:
        assert share <= 2 / len(counts), counts
        assert min(counts.values()) >= 0.5 * sum(counts.values()) / len(counts), counts


@pytest.mark.parametrize("slug", SLUGS)
def test_train_and_test_share_label_set(slug):
    train, test = splits(slug)
    if slug == "glue_stsb":
        return
    assert {r["output"] for r in test} <= {r["output"] for r in train}


# --------------------------------------------------------------------------- dbpedia

# Words an abstract of each class uses for what its subject is (at least one must occur).
DBPEDIA_CUES = {
    "Company": r"company|airline|bank|brewery|manufacturer|chain|developer",
    "EducationalInstitution": r"university|college|school|conservatory|institute",
    "Artist": r"singer|painter|sculptor|pianist|photographer|rapper|actor|actress|composer|"
    r"guitarist|illustrator|dancer",
    "Athlete": r"footballer|player|runner|swimmer|cyclist|boxer|cricketer|rower|sprinter|skier",
    "OfficeHolder": r"politician",
    "MeanOfTransportation": r"ship|steamship|liner|destroyer|frigate|ferry|submarine|"
    r"aircraft|airliner|helicopter|car|truck|motorcycle|bus|locomotive|train|tram",
    "Building": r"house|church|building|skyscraper|hotel|castle|lighthouse|station|theatre|"
    r"courthouse|windmill|centre",
    "NaturalPlace": r"mountain|lake|river|glacier|waterfall|island|bay|valley|cave|volcano|pass",
    "Village": r"village",
    "Animal": r"moth|beetle|snail|frog|spider|fish|bird|lizard|butterfly|bat|ant|snake",
    "Plant": r"plant|fern|shrub|tree|orchid|grass|moss|cactus|herb|palm|vine",
    "Album": r"album|EP",
    "Film": r"film",
    "WrittenWork": r"novel|collection|memoir|book|play|biography|newspaper|journal|magazine",
}


def test_dbpedia_labels_are_class_ids():
    options = dbpedia_options()
    assert len(options) == 14
    outputs = collections.Counter(row["output"] for row in rows("dbpedia"))
    assert set(outputs) == {str(i) for i in range(14)}
    for row in rows("dbpedia"):
        cls = options[int(row["output"])]
        assert row["meta"]["cls"] == cls
        content = row["inputs"]["content"]
        assert re.search(rf"\b({DBPEDIA_CUES[cls]})\b", content), (cls, content)
        assert 1 <= content.count(". ") + 1 <= 3, content


def test_dbpedia_title_names_the_subject():
    for row in rows("dbpedia"):
        title, content = row["inputs"]["title"], row["inputs"]["content"]
        assert title in content, (title, content)
    titles = {row["inputs"]["title"] for row in rows("dbpedia")}
    assert len(titles) >= 0.9 * len(rows("dbpedia"))


# --------------------------------------------------------------------------- customer_support


def test_customer_support_uses_the_nine_task_types():
    types = support_task_types()
    assert len(types) == 9 and "none of the above" in types
    assert {row["output"] for row in rows("customer_support")} == set(types)


def test_customer_support_transcripts_vary():
    texts = [row["inputs"]["text"] for row in rows("customer_support")]
    styles = collections.Counter(row["meta"]["style"] for row in rows("customer_support"))
    assert set(styles) == {"message", "chat", "call"}
    assert any(":" not in text for text in texts)  # a single customer message
    assert any(re.search(r"^(Customer|Caller|User): ", t, re.MULTILINE) for t in texts)
    # within one task type, many different openings of the customer's words
    by_type = collections.defaultdict(set)
    for row in rows("customer_support"):
        by_type[row["output"]].add(" ".join(row["inputs"]["text"].split()[:8]).lower())
    assert all(len(openings) >= 15 for openings in by_type.values()), by_type.keys()


# --------------------------------------------------------------------------- glue_qnli


def test_qnli_labels_and_answers():
    data = rows("glue_qnli")
    assert {row["output"] for row in data} == {"0", "1"}
    for row in data:
        meta, sentence = row["meta"], row["inputs"]["sentence"]
        assert row["inputs"]["question"].endswith("?")
        assert meta["entity"].lower() in row["inputs"]["question"].lower()
        # every response is about the question's entity: negatives are hard, same-topic ones
        assert meta["entity"].lower() in sentence.lower(), row
        if row["output"] == "0":
            assert meta["told"] == meta["asked"] and meta["value"] in sentence
        else:
            assert meta["told"] != meta["asked"] or meta["value"] not in sentence
    # some negatives tell the asked fact's topic without its answer, some another fact
    negatives = [row["meta"] for row in data if row["output"] == "1"]
    same_fact = sum(m["told"] == m["asked"] for m in negatives)
    assert 0.25 <= same_fact / len(negatives) <= 0.75


# --------------------------------------------------------------------------- glue_stsb


def test_stsb_scores_graded_over_the_range():
    data = rows("glue_stsb")
    scores = [row["output"] for row in data]
    assert all(re.fullmatch(r"[0-5]\.\d", s) and float(s) <= 5.0 for s in scores), scores
    values = [float(s) for s in scores]
    assert len(set(values)) >= 15
    for lo, hi in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5.01)]:
        share = sum(lo <= v < hi for v in values) / len(values)
        assert share >= 0.08, (lo, hi, share)
    assert 5.0 in values and 0.0 in values


def test_stsb_scores_follow_shared_meaning():
    """Pairs rated as near paraphrases share far more words than pairs rated unrelated."""

    def overlap(row):
        a, b = words_of(row["inputs"]["sentence1"]), words_of(row["inputs"]["sentence2"])
        return len(a & b) / len(a | b)

    data = rows("glue_stsb")
    high = [overlap(r) for r in data if float(r["output"]) >= 4.0]
    low = [overlap(r) for r in data if float(r["output"]) <= 1.0]
    assert sum(high) / len(high) > sum(low) / len(low) + 0.2
    # identical wording is not required for a 5.0: paraphrases differ in form
    top = [r for r in data if r["output"] == "5.0"]
    assert sum(r["inputs"]["sentence1"] != r["inputs"]["sentence2"] for r in top) >= len(top) / 2


# --------------------------------------------------------------------------- boolq


def test_boolq_labels_and_questions():
    data = rows("boolq")
    assert {row["output"] for row in data} == {"True", "False"}
    first_words = collections.Counter()
    for row in data:
        question = row["inputs"]["question"]
        assert "?" not in question
        assert question == question.lower(), question
        first_words[question.split()[0]] += 1
        prompt = render_prompt("boolq", row["inputs"])
        assert f"Question: {question}?\n" in prompt
        assert not row["inputs"]["passage"].endswith("\n")
    assert set(first_words) <= {"is", "does", "can", "will", "was", "are", "do", "did", "has"}
    assert len(first_words) >= 4


def test_boolq_answers_balanced_within_each_topic():
    by_topic = collections.defaultdict(collections.Counter)
    for row in rows("boolq"):
        by_topic[row["meta"]["topic"]][row["output"]] += 1
    assert len(by_topic) >= 8
    for topic, counts in by_topic.items():
        # neither answer can be guessed from the kind of passage alone
        assert min(counts["True"], counts["False"]) >= 0.25 * sum(counts.values()), topic


# --------------------------------------------------------------------------- legal


def test_legal_clause_types():
    data = rows("legal")
    labels = collections.Counter(row["output"] for row in data)
    assert all(re.fullmatch(r"[a-z][a-z_-]*", label) for label in labels), labels
    assert 10 <= len(labels) <= 14
    for row in data:
        clause = row["inputs"]["clause_text"]
        assert 1 <= len(re.findall(r"[.;]( |$)", clause)) <= 3, clause
        assert clause[0].isupper() or clause[0].isdigit()
    # several phrasings per type, not one sentence with swapped names
    templates = collections.defaultdict(set)
    for row in data:
        templates[row["output"]].add(row["meta"]["template"])
    assert all(len(t) >= 3 for t in templates.values()), templates.keys()
