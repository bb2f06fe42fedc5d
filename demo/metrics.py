"""Score one model output against the expected output, the way the LoRA Land report did.

`score(task, metric, prediction, expected, meta)` returns a number in [0, 1] for the four
metrics of demo/tasks.csv:

- accuracy: normalised label match (label synonyms per task); gsm8k compares final numbers.
- rouge: ROUGE-L F-measure (rouge_score, no stemming).
- one_minus_mae_over_5: 1 - |prediction - gold| / 5 on the 0-5 similarity scale (glue_stsb).
- humaneval: pass@1, the generated code run against the task's assert tests in demo.sandbox.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .generators.knowledge import DBPEDIA_CLASSES  # the report's order: id = index
from .sandbox import run_tests

# --------------------------------------------------------------------------- labels

_YES_NO = {"yes": "1", "true": "1", "no": "0", "false": "0"}


def _binary(positive: tuple[str, ...], negative: tuple[str, ...]) -> dict[str, str]:
    """Synonyms of a 1/0 task: yes/true and its positive words -> "1", the rest -> "0"."""
    return {**_YES_NO, **dict.fromkeys(positive, "1"), **dict.fromkeys(negative, "0")}


DBPEDIA_SPACED = [re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name) for name in DBPEDIA_CLASSES]
# The report's customer_support metric: right when the label equals or is contained in the answer.
CONTAINED_LABEL_TASKS = {"customer_support"}

# Per task: normalised spelling -> canonical label (lower case). Labels not listed here are
# compared as they are after normalisation, which already makes matching case-insensitive.
SYNONYMS: dict[str, dict[str, str]] = {
    "glue_sst2": _binary(("positive", "pos"), ("negative", "neg")),
    "glue_cola": _binary(
        ("acceptable", "grammatical", "correct"),
        ("unacceptable", "not acceptable", "ungrammatical", "incorrect"),
    ),
    "glue_mrpc": _binary(
        ("equivalent", "paraphrase"), ("not equivalent", "not a paraphrase", "different")
    ),
    "glue_qqp": _binary(("duplicate", "duplicates"), ("not duplicate", "not duplicates")),
    "jigsaw": _binary(("toxic",), ("not toxic", "non toxic", "nontoxic")),
    # The generator's (and GLUE's) semantics: 0 = the sentence answers the question.
    "glue_qnli": {
        "entailment": "0",
        "yes": "0",
        "true": "0",
        "not entailment": "1",
        "no": "1",
        "false": "1",
    },
    "boolq": {"yes": "true", "1": "true", "no": "false", "0": "false"},
    "glue_mnli": {
        "entailment": "0",
        "entails": "0",
        "entailed": "0",
        "neutral": "1",
        "neither": "1",
        "contradiction": "2",
        "contradicts": "2",
        "contradictory": "2",
    },
    # The report's answer is the dbpedia_14 class id (0-13); its metric reads the id as the
    # class name, so a name the model writes instead counts too.
    "dbpedia": {name.lower(): str(i) for i, name in enumerate(DBPEDIA_CLASSES)}
    | {spaced.lower(): str(i) for i, spaced in enumerate(DBPEDIA_SPACED)},
}

# Multiple-choice tasks answer with an index; "ending 2", "option 2", "(2)" all mean "2".
CHOICE_TASKS = {"hellaswag": "0123", "winogrande": "12"}
_CHOICE = re.compile(r"(?:ending|option|answer|choice)?\s*\(?\s*(\d)\s*\)?")

# A leading "Label:" / "### Answer:" the model may repeat from the prompt's answer line.
_ANSWER_PREFIX = re.compile(
    r"^(?:#+\s*)?(?:label|answer|class|sentiment|task type|clause type)\s*:\s*", re.IGNORECASE
)
_EDGE_CHARS = string.whitespace + string.punctuation + "\u201c\u201d\u2018\u2019"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def normalise_label(task: str, text: str) -> str:
    """The canonical (lower-case) label a model output stands for, or its cleaned first line.

    First non-empty line, a repeated answer prefix removed, surrounding quotes, punctuation
    and whitespace stripped, lower case, "_" and "-" read as spaces, then the task's synonyms.
    """
    label = _ANSWER_PREFIX.sub("", _first_line(text)).strip(_EDGE_CHARS).lower()
    label = " ".join(label.replace("_", " ").replace("-", " ").split())
    if task in CHOICE_TASKS:
        match = _CHOICE.fullmatch(label)
        if match and match.group(1) in CHOICE_TASKS[task]:
            return match.group(1)
    return SYNONYMS.get(task, {}).get(label, label)


# --------------------------------------------------------------------------- numbers

# Integers with or without thousands separators, optional sign and decimals: 1,234.5 / -8 / 8.0
_NUMBER = re.compile(r"(?<![\d.])-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")


def _numbers(text: str) -> list[Decimal]:
    values = []
    for match in _NUMBER.findall(text):
        try:
            values.append(Decimal(match.replace(",", "")))
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            continue
    return values


def final_number(text: str) -> Decimal | None:
    """The answer of a gsm8k-style solution: the last number, up to the "####" answer line
    when there is one (so text a model rambles on with afterwards is not read)."""
    marker = text.find("####")
    if marker >= 0:
        line_end = text.find("\n", marker)
        text = text if line_end < 0 else text[:line_end]
    values = _numbers(text)
    return values[-1] if values else None


def first_number(text: str) -> float | None:
    values = _numbers(text)
    return float(values[0]) if values else None


# --------------------------------------------------------------------------- metrics


def accuracy(task: str, prediction: str, expected: str, meta: dict | None = None) -> float:
    if task == "gsm8k":
        got, want = final_number(prediction), final_number(expected)
        return float(got is not None and got == want)
    got, want = normalise_label(task, prediction), normalise_label(task, expected)
    if task in CONTAINED_LABEL_TASKS and want:
        return float(want in " ".join(prediction.lower().split()))
    return float(bool(got) and got == want)


@lru_cache(maxsize=1)
def _rouge_scorer():
    from rouge_score import rouge_scorer  # imported lazily: it pulls in nltk

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def rouge(task: str, prediction: str, expected: str, meta: dict | None = None) -> float:
    prediction, expected = prediction.strip(), expected.strip()
    if not prediction or not expected:
        return 0.0
    return _rouge_scorer().score(expected, prediction)["rougeL"].fmeasure


def one_minus_mae_over_5(
    task: str, prediction: str, expected: str, meta: dict | None = None
) -> float:
    got, gold = first_number(prediction), first_number(expected)
    if got is None or gold is None:
        return 0.0
    got = min(5.0, max(0.0, got))
    return max(0.0, 1.0 - abs(got - gold) / 5.0)


_FENCED = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)


def strip_code_fence(text: str) -> str:
    """The code inside the first ``` fence (an unclosed one runs to the end), else the text."""
    match = _FENCED.search(text)
    return match.group(1) if match else text


def humaneval(task: str, prediction: str, expected: str, meta: dict | None = None) -> float:
    code = strip_code_fence(prediction)
    tests = (meta or {}).get("tests") or []
    if not code.strip() or not tests:
        return 0.0
    return float(run_tests(code, list(tests)).passed)


# (task, prediction, expected, meta) -> score in [0, 1]
Metric = Callable[[str, str, str, dict | None], float]


def exact_match(task: str, prediction: str, expected: str, meta: dict | None = None) -> float:
    """The whole answer, as written, whitespace runs read as one space."""
    return float(" ".join(prediction.split()) == " ".join(expected.split()))


METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "exact_match": exact_match,
    "rouge": rouge,
    "one_minus_mae_over_5": one_minus_mae_over_5,
    "humaneval": humaneval,
}


def score(
    task: str, metric: str, prediction: str, expected: str, meta: dict | None = None
) -> float:
    """One model output's score in [0, 1] under `metric` (a name from demo/tasks.csv)."""
    try:
        function = METRICS[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(METRICS)}") from None
    # Answers may follow the prompt after a space (TaskFormat.separator); whitespace around
    # an answer never counts.
    return function(task, (prediction or "").strip(), expected, meta)
