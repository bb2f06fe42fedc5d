"""Coding tasks: magicoder (instruction -> Python function) and wikisql (question -> SQL)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .base import example, task
from .vocab import full_name, phrases, words

# --------------------------------------------------------------------------- magicoder

NAME_VERBS = words("get compute find make calc build solve check")
NAME_NOUNS = words(
    "value score count total number amount level price size index points result answer "
    "data items record entry limit"
)
INT_PARAMS = words("x n num value k")
LIST_PARAMS = words("nums values items numbers xs data")
STR_PARAMS = words("s text word name line")
WORDS_PARAMS = words("words tokens names parts")
SAMPLE_WORDS = words(
    "apple banana cherry delta echo lemon mango orange pearl river stone tiger violet "
    "window yellow zebra radar level rotor tomato paper garden"
)
ARG_DESC = {
    "int": "an integer",
    "ints": "a list of integers",
    "str": "a string",
    "words": "a list of words",
}
PARAMS = {"int": INT_PARAMS, "ints": LIST_PARAMS, "str": STR_PARAMS, "words": WORDS_PARAMS}


@dataclass(frozen=True)
class CodeOp:
    """One function family: what it does, its body and a reference implementation."""

    kind: str  # argument kind: int / ints / str / words
    phrase: str  # "returns ..." clause; {p} is the parameter, {k} etc. the constants
    body: str  # function body lines (without indentation), same placeholders
    reference: Callable  # (consts) -> callable(arg)
    consts: Callable[[random.Random], dict]  # draws the constants


def _k(lo: int, hi: int) -> Callable[[random.Random], dict]:
    return lambda rng: {"k": rng.randint(lo, hi)}


def _range(rng: random.Random) -> dict:
    lo = rng.randint(0, 10)
    return {"lo": lo, "hi": lo + rng.randint(3, 15)}


def _letter(rng: random.Random) -> dict:
    return {"c": rng.choice("aeiolnrst")}


def _prefix(rng: random.Random) -> dict:
    return {"pre": rng.choice(SAMPLE_WORDS)[: rng.randint(1, 2)]}


def _sep(rng: random.Random) -> dict:
    return {"sep": rng.choice(["-", "_", ", ", " ", "+", "/"])}


def _none(rng: random.Random) -> dict:
    return {}


CODE_OPS = [
    CodeOp(
        "int", "returns {p} plus {k}", "return {p} + {k}", lambda c: lambda x: x + c["k"], _k(1, 50)
    ),
    CodeOp(
        "int",
        "returns {p} multiplied by {k}",
        "return {p} * {k}",
        lambda c: lambda x: x * c["k"],
        _k(2, 12),
    ),
    CodeOp(
        "int",
        "returns {p} minus {k}",
        "return {p} - {k}",
        lambda c: lambda x: x - c["k"],
        _k(1, 50),
    ),
    CodeOp(
        "int",
        "returns True if {p} is divisible by {k} and False otherwise",
        "return {p} % {k} == 0",
        lambda c: lambda x: x % c["k"] == 0,
        _k(2, 9),
    ),
    CodeOp(
        "int",
        "returns True if {p} is between {lo} and {hi} inclusive",
        "return {lo} <= {p} <= {hi}",
        lambda c: lambda x: c["lo"] <= x <= c["hi"],
        _range,
    ),
    CodeOp(
        "int",
        "clamps {p} to the range {lo} to {hi}",
        "return max({lo}, min({hi}, {p}))",
        lambda c: lambda x: max(c["lo"], min(c["hi"], x)),
        _range,
    ),
    CodeOp(
        "int",
        "returns the sum of the digits of the non-negative integer {p}",
        "return sum(int(d) for d in str({p}))",
        lambda c: lambda x: sum(int(d) for d in str(x)),
        _none,
    ),
    CodeOp(
        "ints",
        "returns the sum of the numbers in {p} that are greater than {k}",
        "return sum(v for v in {p} if v > {k})",
        lambda c: lambda xs: sum(v for v in xs if v > c["k"]),
        _k(0, 15),
    ),
    CodeOp(
        "ints",
        "returns how many numbers in {p} are smaller than {k}",
        "return len([v for v in {p} if v < {k}])",
        lambda c: lambda xs: len([v for v in xs if v < c["k"]]),
        _k(0, 15),
    ),
    CodeOp(
        "ints",
        "returns the numbers in {p} that are divisible by {k}",
        "return [v for v in {p} if v % {k} == 0]",
        lambda c: lambda xs: [v for v in xs if v % c["k"] == 0],
        _k(2, 5),
    ),
    CodeOp(
        "ints",
        "returns a new list with every number in {p} multiplied by {k}",
        "return [v * {k} for v in {p}]",
        lambda c: lambda xs: [v * c["k"] for v in xs],
        _k(2, 9),
    ),
    CodeOp(
        "ints",
        "returns the first {k} items of the list {p}",
        "return {p}[:{k}]",
        lambda c: lambda xs: xs[: c["k"]],
        _k(1, 4),
    ),
    CodeOp("ints", "returns the largest number in {p}", "return max({p})", lambda c: max, _none),
    CodeOp("ints", "returns the smallest number in {p}", "return min({p})", lambda c: min, _none),
    CodeOp(
        "ints",
        "returns the product of all numbers in {p}",
        "result = 1\nfor v in {p}:\n    result *= v\nreturn result",
        lambda c: lambda xs: _product(xs),
        _none,
    ),
    CodeOp(
        "str",
        "returns the string {p} reversed",
        "return {p}[::-1]",
        lambda c: lambda s: s[::-1],
        _none,
    ),
    CodeOp(
        "str",
        "returns the string {p} repeated {k} times",
        "return {p} * {k}",
        lambda c: lambda s: s * c["k"],
        _k(2, 4),
    ),
    CodeOp(
        "str",
        'returns True if the string {p} starts with "{pre}"',
        'return {p}.startswith("{pre}")',
        lambda c: lambda s: s.startswith(c["pre"]),
        _prefix,
    ),
    CodeOp(
        "str",
        'returns how many times the letter "{c}" appears in {p}',
        'return {p}.count("{c}")',
        lambda c: lambda s: s.count(c["c"]),
        _letter,
    ),
    CodeOp(
        "str",
        "returns the number of vowels in {p}",
        'return sum(1 for ch in {p} if ch in "aeiou")',
        lambda c: lambda s: sum(1 for ch in s if ch in "aeiou"),
        _none,
    ),
    CodeOp(
        "str",
        "returns True if {p} reads the same forwards and backwards",
        "return {p} == {p}[::-1]",
        lambda c: lambda s: s == s[::-1],
        _none,
    ),
    CodeOp(
        "str",
        "returns {p} in upper case",
        "return {p}.upper()",
        lambda c: lambda s: s.upper(),
        _none,
    ),
    CodeOp(
        "words",
        'joins the words in {p} with "{sep}" between them',
        'return "{sep}".join({p})',
        lambda c: lambda ws: c["sep"].join(ws),
        _sep,
    ),
    CodeOp(
        "words",
        "returns the words in {p} that are longer than {k} letters",
        "return [w for w in {p} if len(w) > {k}]",
        lambda c: lambda ws: [w for w in ws if len(w) > c["k"]],
        _k(3, 6),
    ),
    CodeOp(
        "words",
        "returns the length of the longest word in {p}",
        "return max(len(w) for w in {p})",
        lambda c: lambda ws: max(len(w) for w in ws),
        _none,
    ),
]

CODE_INSTRUCTIONS = [
    "Write a Python function `{name}({p})` that {phrase}.",
    "Implement `{name}({p})`, which {phrase}.",
    "Create a function named {name} that takes {desc} {p} and {phrase}.",
    "Define {name}({p}): given {desc} {p}, it {phrase}.",
]


def _product(values: list[int]) -> int:
    result = 1
    for v in values:
        result *= v
    return result


def _sample_arg(kind: str, rng: random.Random):
    if kind == "int":
        return rng.randint(0, 30)
    if kind == "ints":
        return [rng.randint(0, 20) for _ in range(rng.randint(3, 6))]
    if kind == "str":
        return rng.choice(SAMPLE_WORDS)
    return rng.sample(SAMPLE_WORDS, rng.randint(2, 4))


def make_magicoder(rng: random.Random) -> dict:
    op = rng.choice(CODE_OPS)
    consts = op.consts(rng)
    param = rng.choice(PARAMS[op.kind])
    name = f"{rng.choice(NAME_VERBS)}_{rng.choice(NAME_NOUNS)}"
    slots = {"p": param, **consts}
    phrase = op.phrase.format(**slots)
    instruction = rng.choice(CODE_INSTRUCTIONS).format(
        name=name, p=param, phrase=phrase, desc=ARG_DESC[op.kind]
    )
    body = op.body.format(**slots)
    code = f"def {name}({param}):\n" + "\n".join("    " + line for line in body.split("\n"))
    tests = _make_tests(name, op.reference(consts), op.kind, rng)
    return example({"instruction": instruction}, code, tests=tests, entry_point=name)


def _make_tests(name: str, reference: Callable, kind: str, rng: random.Random) -> list[str]:
    """Three assert lines, preferring arguments whose expected results differ."""
    candidates = [_sample_arg(kind, rng) for _ in range(20)]
    chosen: list = []
    for want_new in (True, False):
        for arg in candidates:
            if len(chosen) == 3 or arg in chosen:
                continue
            results = [reference(a) for a in chosen]
            if not want_new or reference(arg) not in results:
                chosen.append(arg)
    return [f"assert {name}({arg!r}) == {reference(arg)!r}" for arg in chosen]


MAGICODER = task(
    "magicoder",
    "Write a short Python function from a one-sentence programming instruction.",
    "Write a Python function that solves the programming task below. Reply with code only.",
    [("Instruction", "instruction")],
    "Code",
    make_magicoder,
)

# --------------------------------------------------------------------------- wikisql


@dataclass(frozen=True)
class Column:
    name: str
    values: Callable[[random.Random], str]
    numeric: bool = False


def _pool(items: list[str]) -> Callable[[random.Random], str]:
    return lambda rng: rng.choice(items)


def _num(lo: int, hi: int) -> Callable[[random.Random], str]:
    return lambda rng: str(rng.randint(lo, hi))


def _person(rng: random.Random) -> str:
    return full_name(rng)


def _title(rng: random.Random) -> str:
    return f"{rng.choice(TITLE_ADJ)} {rng.choice(TITLE_NOUN)}"


TITLE_ADJ = words("Silent Broken Golden Hidden Last Lonely Midnight Red Secret Wild Blue Dark")
TITLE_NOUN = words("River Heart Road Garden Storm Mirror Kingdom Summer Shadow Light Dream City")
CLUBS = words("Rovers United Athletic Wanderers Rangers City Albion Dynamo Sporting Olympic")
TOWNS = words(
    "Ashford Bradley Carlton Dunmore Eastwick Fairview Glenwood Hartley Kingsford Lakeside "
    "Milton Northgate Oakham Preston Redhill Stanton Westbury"
)
TEAMS = [f"{t} {c}" for t in TOWNS[:8] for c in CLUBS[:4]]

TABLES: list[list[Column]] = [
    [
        Column("Player", _person),
        Column("Nationality", _pool(words("Canada Sweden Finland Russia Germany Brazil Spain"))),
        Column("Position", _pool(words("Guard Forward Center Defender Goalkeeper Midfielder"))),
        Column("Team", _pool(TEAMS)),
        Column("Points", _num(0, 99), numeric=True),
    ],
    [
        Column(
            "District",
            lambda rng: f"{rng.choice(words('Ohio Texas Iowa Utah Maine'))} {rng.randint(1, 12)}",
        ),
        Column("Incumbent", _person),
        Column("Party", _pool(words("Democratic Republican Independent Green"))),
        Column("First elected", _num(1950, 2020), numeric=True),
        Column("Result", _pool(phrases("Re-elected | Retired | Lost re-election | Defeated"))),
    ],
    [
        Column("Film", _title),
        Column("Director", _person),
        Column("Year", _num(1960, 2023), numeric=True),
        Column("Genre", _pool(words("Drama Comedy Horror Western Thriller Musical Documentary"))),
        Column("Studio", _pool(words("Paramount Universal Columbia Lionsgate Miramax Pathe"))),
    ],
    [
        Column("Race", lambda rng: f"{rng.choice(TOWNS)} Grand Prix"),
        Column("Circuit", lambda rng: f"{rng.choice(TOWNS)} Park"),
        Column("Winning driver", _person),
        Column("Laps", _num(40, 90), numeric=True),
        Column("Round", _num(1, 20), numeric=True),
    ],
    [
        Column("Title", _title),
        Column("Directed by", _person),
        Column("Written by", _person),
        Column("Season", _num(1, 12), numeric=True),
        Column("Viewers", _num(2, 30), numeric=True),
    ],
    [
        Column("Home team", _pool(TEAMS)),
        Column("Away team", _pool(TEAMS)),
        Column("Venue", lambda rng: f"{rng.choice(TOWNS)} Stadium"),
        Column("Crowd", _num(1000, 60000), numeric=True),
        Column("Home score", _num(0, 9), numeric=True),
    ],
    [
        Column("Song", _title),
        Column("Artist", _person),
        Column("Album", _title),
        Column("Chart position", _num(1, 100), numeric=True),
        Column("Year", _num(1960, 2023), numeric=True),
    ],
    [
        Column("School", lambda rng: f"{rng.choice(TOWNS)} High School"),
        Column("Location", _pool(TOWNS)),
        Column("Mascot", _pool(words("Eagles Tigers Bears Wolves Hawks Lions Panthers Falcons"))),
        Column("Enrollment", _num(200, 3000), numeric=True),
        Column("Founded", _num(1880, 2010), numeric=True),
    ],
]

SELECT_QUESTIONS = [
    "What is the {sel} when the {cond} is {val}?",
    "Which {sel} has a {cond} of {val}?",
    "Name the {sel} for {cond} {val}.",
    "Tell me the {sel} when {cond} is {val}.",
]
AGG_QUESTIONS = {
    "COUNT": [
        "How many {sel} have a {cond} of {val}?",
        "What is the number of {sel} when {cond} is {val}?",
    ],
    "MAX": [
        "What is the highest {sel} when the {cond} is {val}?",
        "What is the largest {sel} for {cond} {val}?",
    ],
    "MIN": [
        "What is the lowest {sel} when the {cond} is {val}?",
        "What is the smallest {sel} for {cond} {val}?",
    ],
}
COMPARE_QUESTIONS = {
    ">": "What is the {sel} when the {cond} is greater than {val}?",
    "<": "What is the {sel} when the {cond} is less than {val}?",
}


def make_wikisql(rng: random.Random) -> dict:
    table = rng.choice(TABLES)
    sel, cond, cond2 = rng.sample(table, 3)
    val = cond.values(rng)
    low = {"sel": sel.name.lower(), "cond": cond.name.lower(), "val": val}
    agg, op = "", "="
    shape = rng.random()
    if shape < 0.45:
        question = rng.choice(SELECT_QUESTIONS).format(**low)
    elif shape < 0.65:
        agg = "COUNT" if not sel.numeric or rng.random() < 0.3 else rng.choice(["MAX", "MIN"])
        question = rng.choice(AGG_QUESTIONS[agg]).format(**low)
    elif shape < 0.8 and cond.numeric:
        op = rng.choice([">", "<"])
        question = COMPARE_QUESTIONS[op].format(**low)
    else:
        val2 = cond2.values(rng)
        question = (
            f"What is the {low['sel']} when the {low['cond']} is {val} "
            f"and the {cond2.name.lower()} is {val2}?"
        )
        where = f"{cond.name} = {val} AND {cond2.name} = {val2}"
        sql = f"SELECT {sel.name} FROM table WHERE {where}"
        return example(_sql_inputs(question, table), sql)
    select = f"{agg} {sel.name}" if agg else sel.name
    sql = f"SELECT {select} FROM table WHERE {cond.name} {op} {val}"
    return example(_sql_inputs(question, table), sql)


def _sql_inputs(question: str, table: list[Column]) -> dict[str, str]:
    return {"question": question, "columns": ", ".join(c.name for c in table)}


WIKISQL = task(
    "wikisql",
    "Translate a question about a table into one SQL query over the table's columns.",
    "Write the SQL query that answers the question, using the table named table and its columns.",
    [("Question", "question"), ("Columns", "columns")],
    "SQL",
    make_wikisql,
)
