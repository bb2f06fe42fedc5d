"""demo.metrics: hand-computed scores for every metric, and every task scoring its own answers."""

import csv
from pathlib import Path

import pytest

from demo.generators import make_splits
from demo.metrics import METRICS, normalise_label, score, strip_code_fence

TASKS_CSV = Path(__file__).resolve().parent.parent / "demo" / "tasks.csv"
TASK_METRICS = [
    (row["slug"], row["metric"]) for row in csv.DictReader(TASKS_CSV.open(encoding="utf-8"))
]


# --------------------------------------------------------------------------- accuracy


@pytest.mark.parametrize(
    ("task", "prediction", "expected"),
    [
        ("glue_sst2", "Positive", "1"),
        ("glue_sst2", "  negative.\n", "0"),
        ("glue_sst2", "1", "1"),
        ("glue_cola", "acceptable", "1"),
        ("glue_cola", "Unacceptable", "0"),
        ("glue_mrpc", "not_equivalent", "0"),
        ("glue_qqp", "duplicate!", "1"),
        ("jigsaw", "Toxic", "1"),
        ("jigsaw", "non-toxic", "0"),
        ("glue_qnli", "entailment", "0"),  # 0 = the sentence answers the question
        ("glue_qnli", "1", "1"),
        ("boolq", "yes", "true"),
        ("boolq", "No.", "false"),
        ("boolq", "TRUE", "true"),
        ("glue_mnli", "entails", "entailment"),
        ("glue_mnli", "Contradictory", "contradiction"),
        ("glue_mnli", "neutral", "neutral"),
        ("hellaswag", "Ending 2", "2"),
        ("hellaswag", "option 3", "3"),
        ("hellaswag", "(0)", "0"),
        ("winogrande", "Option 1", "1"),
        ("covid", "extremely negative", "Extremely Negative"),
        ("covid", '"Positive"', "Positive"),
        ("dbpedia", "educationalinstitution", "EducationalInstitution"),
        ("dbpedia", "Educational Institution", "EducationalInstitution"),
        ("customer_support", "Replace Card", "replace card"),
        ("legal", "Governing law.", "governing law"),
    ],
)
def test_accuracy_matches_normalised_labels(task, prediction, expected):
    assert score(task, "accuracy", prediction, expected) == 1.0


@pytest.mark.parametrize(
    ("task", "prediction", "expected"),
    [
        ("glue_sst2", "", "1"),
        ("glue_sst2", "   \n\n", "0"),
        ("glue_sst2", "negative", "1"),
        ("glue_qnli", "yes", "1"),
        ("boolq", "maybe", "true"),
        ("glue_mnli", "entailment", "contradiction"),
        ("hellaswag", "ending 5", "2"),  # no such ending
        ("winogrande", "2", "1"),
        ("covid", "Negative", "Extremely Negative"),
        ("dbpedia", "Film", "Album"),
    ],
)
def test_accuracy_rejects_wrong_or_empty_labels(task, prediction, expected):
    assert score(task, "accuracy", prediction, expected) == 0.0


def test_only_the_first_non_empty_line_is_the_label():
    assert score("glue_sst2", "accuracy", "\n  1 \n### Sentence: a dull film\n0", "1") == 1.0
    assert score("glue_sst2", "accuracy", "\n0\n1", "1") == 0.0


def test_normalise_label():
    assert normalise_label("glue_sst2", "  'Positive'.  ") == "1"
    assert normalise_label("boolq", "Answer: yes") == "true"
    assert normalise_label("covid", "Extremely   Positive!") == "extremely positive"
    assert normalise_label("glue_sst2", "") == ""


@pytest.mark.parametrize(
    ("prediction", "expected", "want"),
    [
        ("10 + 1,224 = 1,234\n#### 1,234", "#### 1234", 1.0),
        ("The answer is 8.0", "4 + 4 = 8\n#### 8", 1.0),
        ("#### -3", "#### -3", 1.0),
        ("It costs $12.50 in total.", "#### 12.5", 1.0),
        ("#### 7\n### Question: Ann has 12 apples.", "#### 7", 1.0),  # ramble after ####
        ("3 * 4 = 12\n#### 13", "#### 12", 0.0),  # the last number counts, not any number
        ("no number here", "#### 12", 0.0),
        ("", "#### 12", 0.0),
    ],
)
def test_gsm8k_compares_the_final_number(prediction, expected, want):
    assert score("gsm8k", "accuracy", prediction, expected) == want


# --------------------------------------------------------------------------- rouge


def test_rouge_l_by_hand():
    # LCS "the cat on the mat" = 5 tokens of 6 in each: P = R = F = 5/6.
    got = score("e2e_nlg", "rouge", "the cat sat on the mat", "the cat lay on the mat")
    assert got == pytest.approx(5 / 6)
    # LCS 2 ("a c"); P = 2/2, R = 2/4, F = 2PR/(P+R) = 2/3.
    assert score("webnlg", "rouge", "a c", "a b c d") == pytest.approx(2 / 3)


def test_rouge_edge_cases():
    assert score("wikisql", "rouge", "  SELECT Year FROM table \n", "SELECT Year FROM table") == 1.0
    assert score("conllpp", "rouge", "Person: ANNA", "person: anna") == 1.0  # case-insensitive
    assert score("legal", "rouge", "", "governing law") == 0.0
    assert score("legal", "rouge", "   \n", "governing law") == 0.0
    assert score("legal", "rouge", "payment", "governing law") == 0.0


# --------------------------------------------------------------------------- stsb


@pytest.mark.parametrize(
    ("prediction", "expected", "want"),
    [
        ("3.0", "3.0", 1.0),
        ("2.5", "3.0", 0.9),
        ("7", "5.0", 1.0),  # clamped to 5
        ("-2", "1.0", 0.8),  # clamped to 0
        ("Score: 4.2 out of 5", "5.0", 1 - 0.8 / 5),
        (" 0.0\n", "5.0", 0.0),
        ("", "2.0", 0.0),
        ("similar", "2.0", 0.0),
    ],
)
def test_one_minus_mae_over_5(prediction, expected, want):
    assert score("glue_stsb", "one_minus_mae_over_5", prediction, expected) == pytest.approx(want)


# --------------------------------------------------------------------------- humaneval

MAGICODER_META = {"tests": ["assert add_two(1) == 3", "assert add_two(-2) == 0"]}


def test_humaneval_passing_code():
    code = "def add_two(x):\n    return x + 2\n"
    assert score("magicoder", "humaneval", code, code, MAGICODER_META) == 1.0


def test_humaneval_fenced_code():
    fenced = "```python\ndef add_two(x):\n    return x + 2\n```\nThis adds two."
    assert score("magicoder", "humaneval", fenced, "", MAGICODER_META) == 1.0


def test_humaneval_failing_code():
    wrong = "def add_two(x):\n    return x + 1\n"
    assert score("magicoder", "humaneval", wrong, "", MAGICODER_META) == 0.0
    assert score("magicoder", "humaneval", "def add_two(x) return", "", MAGICODER_META) == 0.0
    assert score("magicoder", "humaneval", "", "", MAGICODER_META) == 0.0
    assert score("magicoder", "humaneval", "def add_two(x):\n    return x + 2", "", None) == 0.0


def test_strip_code_fence():
    assert strip_code_fence("```py\nx = 1\n```") == "x = 1\n"
    assert strip_code_fence("```\nx = 1") == "x = 1"  # a fence cut off by the token budget
    assert strip_code_fence("x = 1") == "x = 1"


# --------------------------------------------------------------------------- all tasks


def test_every_metric_of_tasks_csv_is_known():
    assert {metric for _, metric in TASK_METRICS} <= set(METRICS)
    assert len(TASK_METRICS) == 25


def test_unknown_metric():
    with pytest.raises(ValueError, match="unknown metric"):
        score("glue_sst2", "bleu", "1", "1")


@pytest.mark.parametrize(("task", "metric"), TASK_METRICS)
def test_each_task_scores_its_own_answers_1_and_empty_output_0(task, metric):
    _, test_rows = make_splits(task, n_train=20, n_test=5)
    for row in test_rows:
        meta = row.get("meta")
        assert score(task, metric, row["output"], row["output"], meta) == 1.0, row
        assert score(task, metric, "", row["output"], meta) == 0.0, row
