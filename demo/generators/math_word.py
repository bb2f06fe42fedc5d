"""Math task: gsm8k-style word problems (2-4 steps) with worked solutions in GSM8K's own style:
short reasoning lines with calculator annotations (`6 * 4 = <<6*4=24>>24`) and a last line
`#### <answer>`.

Long on purpose: most of it is problem templates, data that reads best beside the solver
that writes their worked solutions.
"""

from __future__ import annotations

import ast
import operator
import random
from collections.abc import Callable
from fractions import Fraction

from .base import example, task
from .vocab import FEMALE_NAMES, MALE_NAMES

# --------------------------------------------------------------------------- arithmetic

_BINARY: dict[type, Callable] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def evaluate(expr: str) -> Fraction:
    """The exact value of an annotation's arithmetic (+ - * / on integers, parentheses)."""

    def walk(node: ast.AST) -> Fraction:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return Fraction(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(f"unsupported expression: {expr!r}")

    return walk(ast.parse(expr, mode="eval").body)


def calc(expr: str, money: bool = False) -> tuple[str, int]:
    """`3*4` -> ("3 * 4 = <<3*4=12>>12", 12); with money the result reads "$<<...>>12"."""
    value = evaluate(expr)
    if value.denominator != 1:
        raise ValueError(f"{expr} is not a whole number")
    result = int(value)
    spaced = expr
    for sign in "+-*/":
        spaced = spaced.replace(sign, f" {sign} ")
    dollar = "$" if money else ""
    return f"{spaced} = {dollar}<<{expr}={result}>>{result}", result


# --------------------------------------------------------------------------- people and things


def _person(rng: random.Random, avoid: tuple[str, ...] = ()) -> dict[str, str]:
    female = rng.random() < 0.5
    name = rng.choice([n for n in (FEMALE_NAMES if female else MALE_NAMES) if n not in avoid])
    if female:
        return {"name": name, "he": "she", "He": "She", "his": "her", "His": "Her", "him": "her"}
    return {"name": name, "he": "he", "He": "He", "his": "his", "His": "His", "him": "him"}


# (singular, plural, lowest price, highest price)
GOODS = [
    ("notebook", "notebooks", 2, 6),
    ("pen", "pens", 1, 3),
    ("sandwich", "sandwiches", 4, 9),
    ("movie ticket", "movie tickets", 8, 15),
    ("T-shirt", "T-shirts", 8, 20),
    ("paperback book", "paperback books", 6, 14),
    ("toy car", "toy cars", 3, 9),
    ("potted plant", "potted plants", 5, 15),
    ("coffee mug", "coffee mugs", 4, 12),
    ("pizza", "pizzas", 8, 16),
    ("bag of chips", "bags of chips", 1, 4),
    ("box of crayons", "boxes of crayons", 2, 5),
    ("candle", "candles", 3, 10),
    ("pair of socks", "pairs of socks", 2, 7),
]
BIG_GOODS = [
    "jacket",
    "pair of shoes",
    "desk lamp",
    "bike helmet",
    "board game",
    "backpack",
    "watch",
    "tennis racket",
    "blender",
    "winter coat",
]
COLLECTIBLES = [
    "stickers",
    "marbles",
    "baseball cards",
    "stamps",
    "seashells",
    "beads",
    "comic books",
    "coins",
    "postcards",
    "trading cards",
]
BAKED = ["cookies", "muffins", "pancakes", "brownies", "cupcakes", "biscuits"]
INGREDIENTS = ["cups of flour", "eggs", "tablespoons of butter", "cups of sugar", "cups of milk"]
CLUBS = ["chess club", "school choir", "soccer team", "art club", "science club", "drama club"]
RELATIVES = ["mother", "father", "aunt", "uncle", "older cousin"]
SAVING_FOR = [
    "bike",
    "video game console",
    "guitar",
    "skateboard",
    "tablet",
    "camera",
    "pair of roller skates",
    "telescope",
]
EXPENSES = ["lunch", "bus fares", "snacks", "comic books", "movie tickets"]
CROPS = [
    ("tomato plants", "tomatoes"),
    ("pepper plants", "peppers"),
    ("strawberry plants", "strawberries"),
    ("bean plants", "beans"),
    ("cucumber plants", "cucumbers"),
    ("squash plants", "squashes"),
]
TASKS = [
    "homework assignments",
    "piano pieces",
    "math worksheets",
    "dog walks",
    "phone calls",
    "practice drills",
    "chapters of reading",
]
PLACES = ["garden", "yard", "dog run", "vegetable patch", "playground", "chicken pen"]
CONTAINERS = ["pool", "water tank", "fish pond", "rain barrel", "hot tub"]
TWO_LEGS = ["chickens", "ducks", "geese", "turkeys"]
FOUR_LEGS = ["cows", "pigs", "goats", "sheep", "horses"]
FRUITS = ["apples", "oranges", "peaches", "pears", "lemons", "mangoes", "plums"]
TESTS = ["math tests", "spelling quizzes", "science exams", "history tests"]
MEMBERSHIPS = [
    "gym membership",
    "music streaming plan",
    "magazine subscription",
    "swimming class",
    "phone plan",
    "internet plan",
]
PAIRS = [
    ("books", "magazines"),
    ("shirts", "pairs of pants"),
    ("toy cars", "action figures"),
    ("cans of soup", "boxes of pasta"),
    ("apples", "oranges"),
    ("DVDs", "video games"),
]
TIMES = {2: "twice", 3: "three times", 4: "four times"}
FRACTIONS = {2: "Half", 3: "One third", 4: "One quarter", 5: "One fifth"}

Problem = tuple[str, list[str], int]  # question, solution lines, answer


# --------------------------------------------------------------------------- problem families


def _shopping(rng: random.Random) -> Problem:
    p = _person(rng)
    (g1, g1s, lo1, hi1), (g2, g2s, lo2, hi2) = rng.sample(GOODS, 2)
    while True:
        n1, p1, n2, p2 = (
            rng.randint(2, 5),
            rng.randint(lo1, hi1),
            rng.randint(2, 5),
            rng.randint(lo2, hi2),
        )
        if n1 * p1 + n2 * p2 < 100:
            break
    bill = next(b for b in (20, 50, 100) if b > n1 * p1 + n2 * p2)
    if rng.random() < 0.5:
        q = (
            f"{p['name']} buys {n1} {g1s} for ${p1} each and {n2} {g2s} for ${p2} each. "
            f"{p['He']} pays with a ${bill} bill. How much change does {p['he']} get?"
        )
    else:
        q = (
            f"At the store, {p['name']} picks up {n1} {g1s} that cost ${p1} each and {n2} {g2s} "
            f"at ${p2} each. If {p['he']} hands the cashier ${bill}, how much change should "
            f"{p['he']} get back?"
        )
    a, va = calc(f"{n1}*{p1}", True)
    b, vb = calc(f"{n2}*{p2}", True)
    t, vt = calc(f"{va}+{vb}", True)
    c, vc = calc(f"{bill}-{vt}", True)
    lines = [
        f"The {g1s} cost {a}.",
        f"The {g2s} cost {b}.",
        f"In total {p['he']} spends {t}.",
        f"So {p['he']} gets {c} in change.",
    ]
    return q, lines, vc


def _wages(rng: random.Random) -> Problem:
    p = _person(rng)
    h, d, r, w = rng.randint(3, 9), rng.randint(2, 6), rng.randint(9, 25), rng.randint(2, 5)
    q = f"{p['name']} works {h} hours a day, {d} days a week, and earns ${r} an hour. "
    a, hours = calc(f"{h}*{d}")
    b, weekly = calc(f"{hours}*{r}", True)
    lines = [f"{p['name']} works {a} hours a week.", f"{p['He']} earns {b} a week."]
    if rng.random() < 0.5:
        q += f"How much does {p['he']} earn in {w} weeks?"
        c, total = calc(f"{weekly}*{w}", True)
        lines.append(f"In {w} weeks {p['he']} earns {c}.")
        return q, lines, total
    spend = rng.randint(10, weekly - 1)
    what = rng.choice(EXPENSES)
    q += (
        f"Each week {p['he']} spends ${spend} on {what} and saves the rest. How much does "
        f"{p['he']} save in {w} weeks?"
    )
    c, saved = calc(f"{weekly}-{spend}", True)
    e, total = calc(f"{saved}*{w}", True)
    lines += [f"{p['He']} saves {c} each week.", f"In {w} weeks {p['he']} saves {e}."]
    return q, lines, total


def _discount(rng: random.Random) -> Problem:
    p = _person(rng)
    good, price = rng.choice(BIG_GOODS), 20 * rng.randint(1, 10)
    pct, n = rng.choice([10, 20, 25, 50]), rng.randint(2, 4)
    plural = (
        good.replace("pair of", "pairs of")
        if good.startswith("pair")
        else good + ("es" if good.endswith(("ch", "sh", "x")) else "s")
    )
    q = rng.choice(
        [
            f"A {good} normally costs ${price}. This week the store has a {pct}% off sale. "
            f"How much does {p['name']} pay for {n} {plural}?",
            f"{p['name']} wants to buy {n} {plural}. Each one costs ${price}, but they are on "
            f"sale for {pct}% off. How much will {p['he']} pay in total?",
        ]
    )
    a, off = calc(f"{price}*{pct}/100", True)
    b, each = calc(f"{price}-{off}", True)
    c, total = calc(f"{each}*{n}", True)
    lines = [
        f"The discount is {a} on each {good}.",
        f"Each {good} costs {b} on sale.",
        f"For {n} {plural} {p['he']} pays {c}.",
    ]
    return q, lines, total


def _class_fractions(rng: random.Random) -> Problem:
    p = _person(rng)
    k, share = rng.choice([2, 3, 4, 5]), rng.choice([2, 3])
    boys = share * rng.randint(2, 8)
    if k == 2:
        boys = share * rng.randint(3, 8)
    total = boys * k
    club = rng.choice(CLUBS)
    q = (
        f"There are {total} students in {p['name']}'s class. {FRACTIONS[k]} of them are boys and "
        f"the rest are girls. {FRACTIONS[share]} of the girls joined the {club}. How many girls "
        f"joined the {club}?"
    )
    a, vb = calc(f"{total}/{k}")
    b, vg = calc(f"{total}-{vb}")
    c, joined = calc(f"{vg}/{share}")
    lines = [f"There are {a} boys.", f"So there are {b} girls.", f"{c} girls joined the {club}."]
    return q, lines, joined


def _travel(rng: random.Random) -> Problem:
    p = _person(rng)
    unit = rng.choice(["miles", "kilometers"])
    per = "miles per hour" if unit == "miles" else "kilometers per hour"
    s1, h1, s2, h2 = (
        rng.randint(4, 14) * 5,
        rng.randint(2, 5),
        rng.randint(4, 14) * 5,
        rng.randint(1, 4),
    )
    q = f"{p['name']} drives at {s1} {per} for {h1} hours, then at {s2} {per} for {h2} hours. "
    a, d1 = calc(f"{s1}*{h1}")
    b, d2 = calc(f"{s2}*{h2}")
    c, dist = calc(f"{d1}+{d2}")
    lines = [
        f"First {p['he']} drives {a} {unit}.",
        f"Then {p['he']} drives {b} {unit}.",
        f"In total {p['he']} drives {c} {unit}.",
    ]
    if rng.random() < 0.5:
        return q + f"How many {unit} does {p['he']} drive in total?", lines, dist
    trip = dist + rng.randint(2, 40) * 5
    q += f"The whole trip is {trip} {unit} long. How many {unit} does {p['he']} still have to go?"
    e, left = calc(f"{trip}-{dist}")
    lines.append(f"{p['He']} still has {e} {unit} to go.")
    return q, lines, left


def _recipe(rng: random.Random) -> Problem:
    p = _person(rng)
    baked, ingredient = rng.choice(BAKED), rng.choice(INGREDIENTS)
    amount, batch, times = (
        rng.randint(2, 5),
        rng.choice([6, 8, 10, 12, 15, 20, 24]),
        rng.randint(2, 6),
    )
    want = batch * times
    q = (
        f"A recipe uses {amount} {ingredient} to make {batch} {baked}. {p['name']} wants to make "
        f"{want} {baked} for a party. How many {ingredient} does {p['he']} need?"
    )
    a, batches = calc(f"{want}/{batch}")
    b, need = calc(f"{batches}*{amount}")
    lines = [f"{p['name']} needs to make {a} batches.", f"{p['He']} needs {b} {ingredient}."]
    return q, lines, need


def _three_people(rng: random.Random) -> Problem:
    a_p = _person(rng)
    b_p = _person(rng, (a_p["name"],))
    c_p = _person(rng, (a_p["name"], b_p["name"]))
    a_name, b_name, c_name = a_p["name"], b_p["name"], c_p["name"]
    items = rng.choice(COLLECTIBLES)
    x, k, d = rng.randint(5, 30), rng.randint(2, 4), rng.randint(2, 9)
    more = rng.random() < 0.5
    q = (
        f"{a_name} has {x} {items}. {b_name} has {TIMES[k]} as many {items} as {a_name}. "
        f"{c_name} has {d} {'more' if more else 'fewer'} {items} than {b_name}. How many {items} "
        f"do the three of them have altogether?"
    )
    a, vb = calc(f"{x}*{k}")
    b, vc = calc(f"{vb}{'+' if more else '-'}{d}")
    c, total = calc(f"{x}+{vb}+{vc}")
    lines = [
        f"{b_name} has {a} {items}.",
        f"{c_name} has {b} {items}.",
        f"Altogether they have {c} {items}.",
    ]
    return q, lines, total


def _saving(rng: random.Random) -> Problem:
    p = _person(rng)
    thing = rng.choice(SAVING_FOR)
    have, per_week, weeks = rng.randint(10, 80), rng.randint(5, 25), rng.randint(3, 12)
    gift = rng.choice([0, 0, rng.randint(2, 6) * 5])
    cost = have + gift + per_week * weeks
    q = f"{p['name']} is saving up for a {thing} that costs ${cost}. {p['He']} already has ${have}"
    if gift:
        q += f", and {p['his']} {rng.choice(RELATIVES)} gives {p['him']} ${gift}"
    q += (
        f". If {p['he']} saves ${per_week} every week, how many weeks will it take {p['him']} to "
        f"have enough money?"
    )
    if gift:
        a, left = calc(f"{cost}-{have}-{gift}", True)
    else:
        a, left = calc(f"{cost}-{have}", True)
    b, n = calc(f"{left}/{per_week}")
    lines = [f"{p['He']} still needs {a}.", f"It will take {p['him']} {b} weeks."]
    return q, lines, n


def _garden(rng: random.Random) -> Problem:
    p = _person(rng)
    plants, crop = rng.choice(CROPS)
    rows, per_row, each = rng.randint(3, 8), rng.randint(4, 12), rng.randint(2, 9)
    dead = rng.randint(1, rows * per_row // 3)
    q = (
        f"{p['name']} plants {rows} rows of {plants} with {per_row} plants in each row. {dead} of "
        f"the plants do not survive. Each remaining plant produces {each} {crop}. How many {crop} "
        f"does {p['name']} harvest?"
    )
    a, total = calc(f"{rows}*{per_row}")
    b, alive = calc(f"{total}-{dead}")
    c, harvest = calc(f"{alive}*{each}")
    lines = [
        f"{p['He']} plants {a} plants.",
        f"{b} plants survive.",
        f"{p['He']} harvests {c} {crop}.",
    ]
    return q, lines, harvest


def _reading(rng: random.Random) -> Problem:
    p = _person(rng)
    first, k = rng.randint(10, 40), rng.choice([2, 3])
    read = first + first * k
    per_day, days = rng.choice([10, 15, 20, 25, 30]), rng.randint(2, 8)
    finish = rng.random() < 0.5
    pages = read + per_day * days if finish else read + rng.randint(10, 200)
    q = (
        f"{p['name']}'s book has {pages} pages. {p['He']} reads {first} pages on Monday and "
        f"{TIMES[k]} as many pages on Tuesday. "
    )
    a, tue = calc(f"{first}*{k}")
    b, done = calc(f"{first}+{tue}")
    c, left = calc(f"{pages}-{done}")
    lines = [
        f"On Tuesday {p['he']} reads {a} pages.",
        f"So far {p['he']} has read {b} pages.",
        f"{p['He']} has {c} pages left.",
    ]
    if not finish:
        return q + f"How many pages does {p['he']} still have to read?", lines, left
    q += f"If {p['he']} reads {per_day} pages a day after that, how many more days will it take?"
    e, more = calc(f"{left}/{per_day}")
    lines.append(f"It will take {p['him']} {e} more days.")
    return q, lines, more


def _bake_sale(rng: random.Random) -> Problem:
    p = _person(rng)
    first, second = rng.sample(BAKED, 2)
    n, price1, m, price2 = (
        rng.randint(10, 40),
        rng.randint(2, 4),
        rng.randint(10, 40),
        rng.randint(1, 3),
    )
    cost = rng.randint(10, n * price1 + m * price2 - 5)
    q = (
        f"{p['name']} sells {n} {first} for ${price1} each and {m} {second} for ${price2} each "
        f"at a bake sale. {p['He']} spent ${cost} on ingredients. How much profit does "
        f"{p['he']} make?"
    )
    a, v1 = calc(f"{n}*{price1}", True)
    b, v2 = calc(f"{m}*{price2}", True)
    c, sales = calc(f"{v1}+{v2}", True)
    e, profit = calc(f"{sales}-{cost}", True)
    lines = [
        f"The {first} bring in {a}.",
        f"The {second} bring in {b}.",
        f"Total sales are {c}.",
        f"The profit is {e}.",
    ]
    return q, lines, profit


def _ages(rng: random.Random) -> Problem:
    p = _person(rng)
    relative = rng.choice(RELATIVES)
    age, k, d, years = rng.randint(4, 14), rng.choice([2, 3]), rng.randint(2, 9), rng.randint(2, 10)
    q = (
        f"{p['name']} is {age} years old. {p['His']} {relative} is {d} years older than "
        f"{TIMES[k]} {p['his']} age. How old will {p['his']} {relative} be in {years} years?"
    )
    a, scaled = calc(f"{age}*{k}")
    b, now = calc(f"{scaled}+{d}")
    c, later = calc(f"{now}+{years}")
    lines = [
        f"{TIMES[k].capitalize()} {p['name']}'s age is {a}.",
        f"{p['His']} {relative} is {b} years old now.",
        f"In {years} years the {relative} will be {c} years old.",
    ]
    return q, lines, later


def _minutes(rng: random.Random) -> Problem:
    p = _person(rng)
    chores = rng.choice(TASKS)
    while True:
        each, n, days = (
            rng.choice([5, 10, 12, 15, 20, 25, 30]),
            rng.randint(2, 6),
            rng.randint(2, 12),
        )
        if each * n * days % 60 == 0:
            break
    q = (
        f"{p['name']} spends {each} minutes on each of {n} {chores} every day. How many hours "
        f"does {p['he']} spend on them in {days} days?"
    )
    a, daily = calc(f"{each}*{n}")
    b, minutes = calc(f"{daily}*{days}")
    c, hours = calc(f"{minutes}/60")
    lines = [
        f"{p['He']} spends {a} minutes a day.",
        f"In {days} days that is {b} minutes.",
        f"That is {c} hours.",
    ]
    return q, lines, hours


def _fence(rng: random.Random) -> Problem:
    p = _person(rng)
    place = rng.choice(PLACES)
    length, width = rng.randint(8, 40), rng.randint(5, 30)
    if rng.random() < 0.5:
        price = rng.randint(2, 15)
        q = (
            f"{p['name']}'s {place} is a rectangle {length} feet long and {width} feet wide. "
            f"{p['He']} wants to put a fence around it. Fencing costs ${price} per foot. How much "
            f"will the fence cost?"
        )
        a, perimeter = calc(f"2*{length}+2*{width}")
        b, cost = calc(f"{perimeter}*{price}", True)
        return q, [f"The perimeter is {a} feet.", f"The fence costs {b}."], cost
    price = rng.randint(1, 4)
    q = (
        f"A rectangular {place} is {length} feet long and {width} feet wide. {p['name']} wants to "
        f"cover it with grass sod that costs ${price} per square foot. How much will the sod cost?"
    )
    a, area = calc(f"{length}*{width}")
    b, cost = calc(f"{area}*{price}", True)
    return q, [f"The area is {a} square feet.", f"The sod costs {b}."], cost


def _split_bill(rng: random.Random) -> Problem:
    while True:
        friends, meal, pct = (
            rng.randint(2, 6),
            20 * rng.randint(2, 12),
            rng.choice([10, 15, 20, 25]),
        )
        if meal * (100 + pct) % (100 * friends) == 0:
            break
    place = rng.choice(["dinner", "lunch", "a pizza place", "a sushi restaurant", "brunch"])
    q = (
        f"{friends} friends go out to {place}. The bill comes to ${meal}, and they add a {pct}% "
        f"tip. If they split the total evenly, how much does each friend pay?"
    )
    a, tip = calc(f"{meal}*{pct}/100", True)
    b, total = calc(f"{meal}+{tip}", True)
    c, each = calc(f"{total}/{friends}", True)
    lines = [f"The tip is {a}.", f"The total is {b}.", f"Each friend pays {c}."]
    return q, lines, each


def _eggs(rng: random.Random) -> Problem:
    p = _person(rng)
    dozens = rng.randint(2, 6)
    used, breakfast = rng.randint(2, 12), rng.randint(2, 8)
    while used + breakfast >= dozens * 12:
        used, breakfast = rng.randint(2, 12), rng.randint(2, 8)
    baked = rng.choice(["a cake", "two pies", "some muffins", "a quiche", "pancakes"])
    q = (
        f"{p['name']} buys {dozens} dozen eggs. {p['He']} uses {used} eggs to make {baked} and "
        f"{breakfast} eggs for breakfast. How many eggs are left?"
    )
    a, eggs = calc(f"{dozens}*12")
    b, gone = calc(f"{used}+{breakfast}")
    c, left = calc(f"{eggs}-{gone}")
    lines = [f"{p['He']} buys {a} eggs.", f"{p['He']} uses {b} eggs.", f"There are {c} eggs left."]
    return q, lines, left


def _tank(rng: random.Random) -> Problem:
    container = rng.choice(CONTAINERS)
    rate, minutes, already = rng.randint(3, 20), rng.randint(5, 40), rng.randint(10, 300)
    size = already + rate * minutes
    q = (
        f"A {container} holds {size} gallons of water. It already has {already} gallons in it. "
        f"A hose adds {rate} gallons per minute. How many minutes will it take to fill the "
        f"{container}?"
    )
    a, missing = calc(f"{size}-{already}")
    b, needed = calc(f"{missing}/{rate}")
    lines = [f"The {container} needs {a} more gallons.", f"It will take {b} minutes."]
    return q, lines, needed


def _basketball(rng: random.Random) -> Problem:
    p = _person(rng)
    twos, threes, free = rng.randint(2, 12), rng.randint(0, 6), rng.randint(0, 8)
    q = (
        f"In a basketball game, {p['name']} made {twos} two-point shots, {threes} three-point "
        f"shots and {free} free throws worth one point each. "
    )
    a, v2 = calc(f"{twos}*2")
    b, v3 = calc(f"{threes}*3")
    c, points = calc(f"{v2}+{v3}+{free}")
    lines = [
        f"The two-point shots are worth {a} points.",
        f"The three-point shots are worth {b} points.",
        f"{p['He']} scored {c} points.",
    ]
    if rng.random() < 0.5:
        return q + f"How many points did {p['he']} score?", lines, points
    team = points + rng.randint(20, 70)
    q += f"{p['His']} team scored {team} points. How many points did the rest of the team score?"
    e, rest = calc(f"{team}-{points}")
    lines.append(f"The rest of the team scored {e} points.")
    return q, lines, rest


def _legs(rng: random.Random) -> Problem:
    p = _person(rng)
    birds, beasts = rng.choice(TWO_LEGS), rng.choice(FOUR_LEGS)
    nb, nf = rng.randint(3, 40), rng.randint(2, 25)
    q = (
        f"{p['name']}'s farm has {nb} {birds} and {nf} {beasts}. How many legs do the animals "
        f"have altogether?"
    )
    a, lb = calc(f"{nb}*2")
    b, lf = calc(f"{nf}*4")
    c, legs = calc(f"{lb}+{lf}")
    lines = [
        f"The {birds} have {a} legs.",
        f"The {beasts} have {b} legs.",
        f"Altogether there are {c} legs.",
    ]
    return q, lines, legs


def _allowance(rng: random.Random) -> Problem:
    p = _person(rng)
    pay, weeks, had = rng.randint(8, 30), rng.randint(3, 12), rng.randint(5, 60)
    spend = rng.randint(2, pay - 2)
    q = (
        f"{p['name']} gets ${pay} of allowance every week. {p['He']} spends ${spend} each week on "
        f"{rng.choice(EXPENSES)} and saves the rest. {p['He']} already has ${had} saved. How much "
        f"money will {p['he']} have saved after {weeks} weeks?"
    )
    a, per_week = calc(f"{pay}-{spend}", True)
    b, saved = calc(f"{per_week}*{weeks}", True)
    c, total = calc(f"{had}+{saved}", True)
    lines = [
        f"{p['He']} saves {a} each week.",
        f"In {weeks} weeks {p['he']} saves {b}.",
        f"{p['He']} will have {c}.",
    ]
    return q, lines, total


def _price_rise(rng: random.Random) -> Problem:
    p = _person(rng)
    plan = rng.choice(MEMBERSHIPS)
    price, pct, months = (
        20 * rng.randint(1, 5),
        rng.choice([10, 15, 20, 25, 50]),
        rng.randint(2, 12),
    )
    q = (
        f"Last year a {plan} cost ${price} a month. This year the price went up by {pct}%. How "
        f"much will {p['name']} pay for {months} months at the new price?"
    )
    a, rise = calc(f"{price}*{pct}/100", True)
    b, new = calc(f"{price}+{rise}", True)
    c, total = calc(f"{new}*{months}", True)
    lines = [
        f"The price went up by {a}.",
        f"The new price is {b} a month.",
        f"For {months} months {p['he']} pays {c}.",
    ]
    return q, lines, total


def _bus(rng: random.Random) -> Problem:
    part = rng.choice([2, 3])
    while True:
        start, off, on = rng.randint(15, 60), rng.randint(2, 12), rng.randint(2, 15)
        if (start - off + on) % part == 0:
            break
    word = {2: "half", 3: "a third"}[part]
    q = (
        f"A bus starts its route with {start} passengers. At the first stop, {off} people get off "
        f"and {on} people get on. At the second stop, {word} of the passengers get off. How many "
        f"passengers are still on the bus?"
    )
    a, after = calc(f"{start}-{off}+{on}")
    b, leaving = calc(f"{after}/{part}")
    c, left = calc(f"{after}-{leaving}")
    lines = [
        f"After the first stop there are {a} passengers.",
        f"At the second stop {b} passengers get off.",
        f"There are {c} passengers left.",
    ]
    return q, lines, left


def _crates(rng: random.Random) -> Problem:
    fruit = rng.choice(FRUITS)
    while True:
        crates, per, bad, bag = (
            rng.randint(3, 12),
            rng.randint(10, 40),
            rng.randint(2, 20),
            rng.choice([4, 5, 6, 8, 10]),
        )
        if (crates * per - bad) % bag == 0 and bad < crates * per:
            break
    q = (
        f"A grocery store gets {crates} crates of {fruit} with {per} {fruit} in each crate. {bad} "
        f"of them are bruised and thrown away. The rest are packed into bags of {bag}. How many "
        f"bags can the store fill?"
    )
    a, total = calc(f"{crates}*{per}")
    b, good = calc(f"{total}-{bad}")
    c, bags = calc(f"{good}/{bag}")
    lines = [f"There are {a} {fruit}.", f"{b} {fruit} are good.", f"The store fills {c} bags."]
    return q, lines, bags


def _average(rng: random.Random) -> Problem:
    p = _person(rng)
    n = rng.choice([3, 4])
    while True:
        scores = [rng.randint(60, 100) for _ in range(n)]
        if sum(scores) % n == 0:
            break
    tests = rng.choice(TESTS)
    listed = ", ".join(str(s) for s in scores[:-1]) + f" and {scores[-1]}"
    q = f"{p['name']} scored {listed} on {p['his']} {n} {tests}. What is {p['his']} average score?"
    a, total = calc("+".join(str(s) for s in scores))
    b, mean = calc(f"{total}/{n}")
    lines = [f"{p['His']} scores add up to {a}.", f"{p['His']} average is {b}."]
    return q, lines, mean


def _gas(rng: random.Random) -> Problem:
    p = _person(rng)
    mpg, price = rng.choice([20, 25, 30, 35, 40]), rng.randint(3, 5)
    distance = mpg * rng.randint(1, 6)
    q = (
        f"{p['name']}'s car goes {mpg} miles on one gallon of gas. {p['He']} drives {distance} "
        f"miles to {p['his']} {rng.choice(RELATIVES)}'s house and then drives back home. Gas "
        f"costs ${price} per gallon. How much does {p['he']} spend on gas?"
    )
    a, miles = calc(f"{distance}*2")
    b, gallons = calc(f"{miles}/{mpg}")
    c, cost = calc(f"{gallons}*{price}", True)
    lines = [
        f"{p['He']} drives {a} miles in total.",
        f"{p['He']} uses {b} gallons of gas.",
        f"{p['He']} spends {c} on gas.",
    ]
    return q, lines, cost


def _gym(rng: random.Random) -> Problem:
    p = _person(rng)
    fee, monthly, months = rng.randint(2, 10) * 5, rng.randint(15, 60), rng.randint(3, 12)
    q = (
        f"A gym charges a ${fee} sign-up fee and ${monthly} per month. How much does "
        f"{p['name']} pay in total for the first {months} months?"
    )
    a, dues = calc(f"{monthly}*{months}", True)
    b, total = calc(f"{dues}+{fee}", True)
    lines = [f"The monthly fees add up to {a}.", f"With the sign-up fee {p['he']} pays {b}."]
    return q, lines, total


def _boxes(rng: random.Random) -> Problem:
    p = _person(rng)
    first, second = rng.choice(PAIRS)
    while True:
        a_n, b_n, size = rng.randint(5, 60), rng.randint(5, 60), rng.choice([4, 5, 6, 8, 10, 12])
        if (a_n + b_n) % size == 0:
            break
    q = (
        f"{p['name']} has {a_n} {first} and {b_n} {second}. {p['He']} packs them into boxes that "
        f"hold {size} items each. How many boxes does {p['he']} fill?"
    )
    a, items = calc(f"{a_n}+{b_n}")
    b, boxes = calc(f"{items}/{size}")
    lines = [f"{p['He']} has {a} items.", f"{p['He']} fills {b} boxes."]
    return q, lines, boxes


def _walking(rng: random.Random) -> Problem:
    p = _person(rng)
    weekday, weekend, weeks = rng.randint(1, 6), rng.randint(2, 10), rng.randint(2, 6)
    verb = rng.choice(["walks", "runs", "cycles"])
    q = (
        f"{p['name']} {verb} {weekday} miles every weekday and {weekend} miles on each day of the "
        f"weekend. How many miles does {p['he']} {verb[:-1]} in {weeks} weeks?"
    )
    a, wd = calc(f"5*{weekday}")
    b, we = calc(f"2*{weekend}")
    c, week = calc(f"{wd}+{we}")
    e, total = calc(f"{week}*{weeks}")
    lines = [
        f"On weekdays {p['he']} {verb} {a} miles.",
        f"On the weekend {p['he']} {verb} {b} miles.",
        f"Each week {p['he']} {verb} {c} miles.",
        f"In {weeks} weeks {p['he']} {verb} {e} miles.",
    ]
    return q, lines, total


def _sharing(rng: random.Random) -> Problem:
    p = _person(rng)
    baked = rng.choice(BAKED)
    friends, each = rng.randint(2, 6), rng.randint(2, 8)
    ate, gave = rng.randint(1, 5), rng.randint(2, 10)
    total = ate + gave + friends * each
    q = (
        f"{p['name']} baked {total} {baked}. {p['He']} ate {ate} and gave {gave} to {p['his']} "
        f"neighbor. {p['He']} shares the rest equally among {friends} friends. How many {baked} "
        f"does each friend get?"
    )
    a, gone = calc(f"{ate}+{gave}")
    b, rest = calc(f"{total}-{gone}")
    c, share = calc(f"{rest}/{friends}")
    lines = [
        f"{p['He']} ate or gave away {a} {baked}.",
        f"There are {b} {baked} left.",
        f"Each friend gets {c} {baked}.",
    ]
    return q, lines, share


def _taxi(rng: random.Random) -> Problem:
    p = _person(rng)
    base, per_mile, miles = rng.randint(2, 6), rng.randint(2, 4), rng.randint(3, 20)
    q = f"A taxi charges ${base} plus ${per_mile} per mile. "
    a, distance = calc(f"{per_mile}*{miles}", True)
    b, fare = calc(f"{distance}+{base}", True)
    lines = [f"The miles cost {a}.", f"One ride costs {b}."]
    if rng.random() < 0.5:
        return q + f"How much does {p['name']} pay for a {miles}-mile ride?", lines, fare
    rides = rng.randint(2, 5)
    q += (
        f"{p['name']} takes a {miles}-mile ride to work {rides} times a week. How much does "
        f"{p['he']} spend on taxis each week?"
    )
    c, weekly = calc(f"{fare}*{rides}", True)
    lines.append(f"Each week {p['he']} spends {c}.")
    return q, lines, weekly


def _money_left(rng: random.Random) -> Problem:
    p = _person(rng)
    k = rng.choice([2, 3, 4, 5])
    money = k * rng.randint(4, 30)
    part = money // k
    other = rng.randint(1, money - part - 1)
    first, second = rng.sample(EXPENSES + ["a new book", "a gift", "groceries", "a haircut"], 2)
    q = rng.choice(
        [
            f"{p['name']} had ${money}. {p['He']} spent {FRACTIONS[k].lower()} of it on "
            f"{first} and ${other} on {second}. How much money does {p['he']} have left?",
            f"{p['name']} went to the mall with ${money}. {FRACTIONS[k]} of the money went on "
            f"{first}, and then {p['he']} paid ${other} for {second}. How many dollars does "
            f"{p['he']} have now?",
        ]
    )
    a, spent = calc(f"{money}/{k}", True)
    b, total = calc(f"{spent}+{other}", True)
    c, left = calc(f"{money}-{total}", True)
    lines = [
        f"{p['He']} spent {a} on {first}.",
        f"{p['He']} spent {b} in total.",
        f"{p['He']} has {c} left.",
    ]
    return q, lines, left


PROBLEMS: list[Callable[[random.Random], Problem]] = [
    _shopping,
    _wages,
    _discount,
    _class_fractions,
    _travel,
    _recipe,
    _three_people,
    _saving,
    _garden,
    _reading,
    _bake_sale,
    _ages,
    _minutes,
    _fence,
    _split_bill,
    _eggs,
    _tank,
    _basketball,
    _legs,
    _allowance,
    _price_rise,
    _bus,
    _crates,
    _average,
    _gas,
    _gym,
    _boxes,
    _walking,
    _sharing,
    _taxi,
    _money_left,
]


def make_gsm8k(rng: random.Random) -> dict:
    question, lines, answer = rng.choice(PROBLEMS)(rng)
    output = "\n".join([*lines, f"#### {answer}"])
    return example({"question": question}, output, answer=answer)


GSM8K = task(
    "gsm8k",
    "Solve a grade-school math word problem step by step, ending with '#### <answer>'.",
    make_gsm8k,
)
