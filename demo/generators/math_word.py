"""Math task: gsm8k-style word problems with two mechanical steps and a "#### N" answer line."""

from __future__ import annotations

import random

from .base import example, task
from .vocab import FEMALE_NAMES, MALE_NAMES, words

ITEMS = words("apples stickers pencils cards marbles cookies stamps books balloons shells")
GOODS = words("notebooks pens sandwiches tickets candles mugs plants scarves")


def _person(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.5:
        return {"name": rng.choice(FEMALE_NAMES), "he": "she", "He": "She", "his": "her"}
    return {"name": rng.choice(MALE_NAMES), "he": "he", "He": "He", "his": "his"}


def _packs(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    a, b, c, item = rng.randint(2, 20), rng.randint(2, 6), rng.randint(2, 12), rng.choice(ITEMS)
    q = (
        f"{who['name']} has {a} {item}. {who['He']} buys {b} packs with {c} {item} in each. "
        f"How many {item} does {who['he']} have now?"
    )
    steps = [f"The packs hold {b} * {c} = {b * c} {item}.", f"{a} + {b * c} = {a + b * c}"]
    return q, steps, a + b * c


def _change(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    a, p, goods = rng.randint(2, 6), rng.randint(2, 9), rng.choice(GOODS)
    bill = next(b for b in (20, 50, 100) if b > a * p)
    q = (
        f"{who['name']} buys {a} {goods} for ${p} each and pays with a ${bill} bill. "
        f"How much change does {who['he']} get?"
    )
    steps = [
        f"The {goods} cost {a} * {p} = ${a * p}.",
        f"The change is {bill} - {a * p} = ${bill - a * p}.",
    ]
    return q, steps, bill - a * p


def _reading(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    a, d, b = rng.randint(3, 20), rng.randint(2, 7), rng.randint(1, 15)
    q = (
        f"{who['name']} reads {a} pages every day for {d} days and then {b} more pages. "
        f"How many pages does {who['he']} read in total?"
    )
    steps = [f"{a} * {d} = {a * d} pages.", f"{a * d} + {b} = {a * d + b} pages."]
    return q, steps, a * d + b


def _chairs(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    r, c = rng.randint(3, 12), rng.randint(4, 12)
    t = rng.randint(1, r * c - 1)
    q = f"A hall has {r} rows of {c} chairs. {t} chairs are taken. How many chairs are free?"
    steps = [
        f"There are {r} * {c} = {r * c} chairs.",
        f"{r * c} - {t} = {r * c - t} chairs are free.",
    ]
    return q, steps, r * c - t


def _wage(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    rate, h1, h2 = rng.randint(8, 20), rng.randint(2, 8), rng.randint(2, 8)
    q = (
        f"{who['name']} earns ${rate} an hour. {who['He']} works {h1} hours on Monday and "
        f"{h2} hours on Tuesday. How much does {who['he']} earn?"
    )
    hours = h1 + h2
    steps = [
        f"{who['He']} works {h1} + {h2} = {hours} hours.",
        f"{hours} * {rate} = ${hours * rate}.",
    ]
    return q, steps, hours * rate


def _share(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    friends, each, kept, item = (
        rng.randint(2, 6),
        rng.randint(2, 9),
        rng.randint(1, 9),
        rng.choice(ITEMS),
    )
    total = kept + friends * each
    q = (
        f"{who['name']} has {total} {item}. {who['He']} keeps {kept} and shares the rest equally "
        f"among {friends} friends. How many {item} does each friend get?"
    )
    steps = [
        f"{total} - {kept} = {total - kept} {item} are shared.",
        f"{total - kept} / {friends} = {each}",
    ]
    return q, steps, each


def _bakery(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    a, b = rng.randint(10, 40), rng.randint(5, 30)
    c = rng.randint(1, a + b - 1)
    q = (
        f"{who['name']} bakes {a} muffins in the morning and {b} in the afternoon. "
        f"{who['He']} sells {c}. How many muffins are left?"
    )
    steps = [f"{a} + {b} = {a + b} muffins.", f"{a + b} - {c} = {a + b - c} muffins are left."]
    return q, steps, a + b - c


def _age(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    a, b, c = rng.randint(4, 15), rng.randint(2, 9), rng.randint(2, 10)
    q = (
        f"{who['name']} is {a} years old. {who['his'].capitalize()} brother is {b} years older. "
        f"How old will the brother be in {c} years?"
    )
    steps = [f"The brother is {a} + {b} = {a + b}.", f"In {c} years: {a + b} + {c} = {a + b + c}."]
    return q, steps, a + b + c


def _marbles(rng: random.Random, who: dict) -> tuple[str, list[str], int]:
    a, k = rng.randint(3, 20), rng.randint(2, 4)
    b = rng.randint(1, a * k - 1)
    times = {2: "doubles", 3: "triples", 4: "quadruples"}[k]
    q = (
        f"{who['name']} has {a} marbles. {who['He']} {times} them and then loses {b}. "
        f"How many marbles does {who['he']} have?"
    )
    steps = [f"{a} * {k} = {a * k} marbles.", f"{a * k} - {b} = {a * k - b} marbles."]
    return q, steps, a * k - b


PROBLEMS = [_packs, _change, _reading, _chairs, _wage, _share, _bakery, _age, _marbles]


def make_gsm8k(rng: random.Random) -> dict:
    question, steps, answer = rng.choice(PROBLEMS)(rng, _person(rng))
    output = "\n".join([*steps, f"#### {answer}"])
    return example({"question": question}, output, answer=answer)


GSM8K = task(
    "gsm8k",
    "Solve a grade-school math word problem in short steps ending with the number.",
    "Solve the math word problem step by step. End with #### and the final number.",
    [("Question", "question")],
    "Answer",
    make_gsm8k,
)
