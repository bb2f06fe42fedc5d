"""Tests for the magicoder, wikisql and gsm8k generators (demo/generators/coding.py and
math_word.py): the report's placeholders, correct reference answers, learnable surface form.
No Django needed."""

import ast
import functools
import re
import sys
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.generators import FORMATS, make_splits, render_prompt  # noqa: E402
from demo.generators.base import report_tasks  # noqa: E402
from demo.generators.math_word import calc, evaluate  # noqa: E402
from demo.metrics import final_number, score  # noqa: E402

SLUGS = ["magicoder", "wikisql", "gsm8k"]


@functools.cache
def rows(slug: str, seed: int = 0) -> tuple[dict, ...]:
    train, test = make_splits(slug, seed=seed)
    return tuple(train + test)


# --------------------------------------------------------------------------- all three


@pytest.mark.parametrize("slug", SLUGS)
def test_inputs_are_the_reports_placeholders(slug):
    placeholders = report_tasks()[slug]["placeholders"]
    assert list(FORMATS[slug].fields) == placeholders
    for row in rows(slug):
        assert list(row["inputs"]) == placeholders
        assert all(isinstance(value, str) and value.strip() for value in row["inputs"].values())
        assert isinstance(row["output"], str) and row["output"].strip()
        assert row["output"].isascii()
        assert all(value.isascii() for value in row["inputs"].values())
        render_prompt(slug, row["inputs"])  # every placeholder filled


@pytest.mark.parametrize("slug", SLUGS)
def test_lengths_stay_small(slug):
    data = rows(slug)
    input_words = [sum(len(v.split()) for v in row["inputs"].values()) for row in data]
    output_words = [len(row["output"].split()) for row in data]
    assert sum(input_words) / len(data) <= 60
    assert max(input_words) <= 90
    assert sum(output_words) / len(data) <= 60
    assert max(output_words) <= 80
    assert max(len(row["output"].splitlines()) for row in data) <= 12


@pytest.mark.parametrize("slug", SLUGS)
def test_varied_outputs(slug):
    """Not a handful of fixed frames: most answers differ."""
    data = rows(slug)
    assert len({row["output"] for row in data}) >= 0.7 * len(data)


# --------------------------------------------------------------------------- magicoder


def _run(code: str, tests: list[str]) -> None:
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own generated reference code
    for line in tests:
        exec(line, namespace)  # noqa: S102


def test_magicoder_reference_solutions_pass_their_tests():
    for row in rows("magicoder"):
        meta = row["meta"]
        name, tests = meta["entry_point"], meta["tests"]
        assert row["inputs"]["lang"] == "python"
        assert re.search(rf"\b{re.escape(name)}\b", row["inputs"]["problem"])
        assert "```" not in row["output"]
        assert re.search(rf"^def {re.escape(name)}\(", row["output"], re.MULTILINE)
        assert len(tests) >= 2
        assert all(line.startswith(f"assert {name}(") for line in tests)
        _run(row["output"], tests)


def test_magicoder_tests_reject_a_wrong_solution():
    for row in rows("magicoder"):
        name, tests = row["meta"]["entry_point"], row["meta"]["tests"]
        with pytest.raises(AssertionError):
            _run(f"def {name}(*args):\n    return None", tests)


def test_magicoder_problems_are_varied():
    data = rows("magicoder")
    assert len({row["meta"]["entry_point"] for row in data}) >= 100
    openings = {row["inputs"]["problem"].split()[0] for row in data}
    assert len(openings) >= 5
    # Most problems are prose; some are HumanEval-style signatures with a docstring.
    docstring = [row for row in data if row["inputs"]["problem"].startswith("def ")]
    assert 0 < len(docstring) < 0.3 * len(data)


def test_magicoder_humaneval_metric_runs_the_tests():
    for row in rows("magicoder")[:4]:
        assert score("magicoder", "humaneval", row["output"], row["output"], row["meta"]) == 1.0
    row = rows("magicoder")[0]
    wrong = f"def {row['meta']['entry_point']}(*args):\n    return None"
    assert score("magicoder", "humaneval", wrong, row["output"], row["meta"]) == 0.0


# --------------------------------------------------------------------------- wikisql

SQL = re.compile(r"SELECT (?:(COUNT|MAX|MIN|SUM|AVG) )?(.+?) FROM table WHERE (.+)")


def _parse_conditions(where: str, header: list[str]) -> list[tuple[str, str, str]]:
    conditions = []
    for part in where.split(" AND "):
        # The longest header that starts the condition (headers can contain spaces).
        column = max((h for h in header if part.startswith(h + " ")), key=len, default=None)
        assert column is not None, (part, header)
        op, _, value = part[len(column) + 1 :].partition(" ")
        assert op in {"=", ">", "<"} and value, part
        conditions.append((column, op, value))
    return conditions


def test_wikisql_table_is_a_wikisql_dict():
    for row in rows("wikisql"):
        table = ast.literal_eval(row["inputs"]["table"])
        assert set(table) == {"header", "types", "rows"}
        header, types = table["header"], table["types"]
        assert 3 <= len(header) <= 6 and len(set(header)) == len(header)
        assert len(types) == len(header) and set(types) <= {"text", "real"}
        assert 2 <= len(table["rows"]) <= 3
        for values in table["rows"]:
            assert len(values) == len(header)
            for value, kind in zip(values, types, strict=True):
                assert isinstance(value, str) if kind == "text" else isinstance(value, int | float)


def test_wikisql_query_uses_header_columns_and_question_values():
    aggregates = set()
    for row in rows("wikisql"):
        table = ast.literal_eval(row["inputs"]["table"])
        header, types = table["header"], dict(zip(table["header"], table["types"], strict=True))
        question, sql = row["inputs"]["question"], row["output"]
        assert sql.startswith("SELECT ")
        match = SQL.fullmatch(sql)
        assert match, sql
        aggregate, column, where = match.groups()
        aggregates.add(aggregate)
        assert column in header
        assert column.lower() in question.lower()
        if aggregate and aggregate != "COUNT":
            assert types[column] == "real"
        for cond_column, op, value in _parse_conditions(where, header):
            assert cond_column != column
            assert cond_column.lower() in question.lower()
            assert value in question  # values are copied from the question verbatim
            if op != "=":
                assert types[cond_column] == "real"
                float(value)
    assert aggregates == {None, "COUNT", "MAX", "MIN", "SUM", "AVG"}


def test_wikisql_has_multi_condition_queries():
    counts = [row["output"].count(" AND ") for row in rows("wikisql")]
    assert any(counts) and counts.count(0) > len(counts) / 2


# --------------------------------------------------------------------------- gsm8k

ANNOTATION = re.compile(r"<<([^<>=]+)=([^<>=]+)>>(-?\d+(?:\.\d+)?)")


def test_gsm8k_annotations_are_correct_and_answer_line_matches():
    for row in rows("gsm8k"):
        lines = row["output"].splitlines()
        answer = row["meta"]["answer"]
        assert re.fullmatch(r"#### -?\d+", lines[-1]), lines[-1]
        assert int(lines[-1][5:]) == answer
        assert final_number(row["output"]) == answer
        assert 2 <= len(lines) - 1 <= 4
        found = []
        for line in lines[:-1]:
            annotations = ANNOTATION.findall(line)
            assert len(annotations) == line.count("<<") == 1, line
            for expr, result, shown in annotations:
                assert re.fullmatch(r"[\d+\-*/() ]+", expr), expr
                assert Fraction(eval(expr, {"__builtins__": {}})).limit_denominator() == Fraction(
                    result
                ), line
                assert shown == result
                found.append(Fraction(result))
        assert found[-1] == answer  # the last step computes the answer
        assert str(answer) in row["output"].split("####")[0]


def test_gsm8k_question_holds_the_numbers_used():
    """Every number a solution starts from is in the question (or a known constant)."""
    constants = {"2", "3", "4", "5", "12", "60", "100"}
    for row in rows("gsm8k"):
        question = row["inputs"]["question"]
        given = set(re.findall(r"\d+", question)) | constants
        results = set(re.findall(r"=(\d+)>>", row["output"]))
        for expr in re.findall(r"<<([^=]+)=", row["output"]):
            for number in re.findall(r"\d+", expr):
                assert number in given or number in results, (number, question, row["output"])


def test_gsm8k_metric_accepts_the_reference_and_rejects_another_number():
    row = rows("gsm8k")[0]
    assert score("gsm8k", "accuracy", row["output"], row["output"], row["meta"]) == 1.0
    wrong = row["output"].rsplit("####", 1)[0] + f"#### {row['meta']['answer'] + 1}"
    assert score("gsm8k", "accuracy", wrong, row["output"], row["meta"]) == 0.0


def test_gsm8k_is_varied():
    questions = [row["inputs"]["question"] for row in rows("gsm8k")]
    openings = {" ".join(q.split()[1:3]) for q in questions}
    assert len(openings) >= 25
    assert len({row["meta"]["answer"] for row in rows("gsm8k")}) >= 100


def test_calc_helper():
    assert calc("3*4") == ("3 * 4 = <<3*4=12>>12", 12)
    assert calc("48/2", money=True) == ("48 / 2 = $<<48/2=24>>24", 24)
    assert evaluate("10-2*3") == 4
    with pytest.raises(ValueError):
        calc("7/2")
    with pytest.raises(ValueError):
        evaluate("__import__('os')")
