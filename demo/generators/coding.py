"""Coding tasks: magicoder (programming problem -> Python solution) and wikisql (table and
question -> SQL query), in the LoRA Land report's templates (demo/report_prompts.json).

Long on purpose: most of it is problem and table templates, data that reads best beside the
example makers that draw from them.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from .base import example, task
from .vocab import (
    CITIES,
    COUNTRIES,
    FIRST_NAMES,
    LAST_NAMES,
    NATIONALITIES,
    a_an,
    capitalise,
    words,
)

# --------------------------------------------------------------------------- magicoder
#
# Each Fn is a family of small problems: several names, parameter names and wordings, one
# reference solution (`body`, the code the model learns to write) and an independent
# implementation (`ref`) that computes the expected values of the assert tests.

COMMON_WORDS = words(
    "apple banana cherry garden window river orange pencil rocket silver yellow kitten "
    "planet dragon button coffee summer winter doctor castle python market bridge forest "
    "guitar island jacket lemon mirror number office pepper rabbit school ticket violin "
    "wizard zebra cloud light stone table paper bread music water green happy quick"
)
PALINDROMES = words("level radar noon civic kayak madam refer rotor stats racecar wow anna")
PHRASES = [
    "hello world",
    "the quick brown fox",
    "python is fun",
    "keep it simple",
    "open the door please",
    "good morning everyone",
    "the cat sat on the mat",
    "read the manual first",
    "time flies like an arrow",
    "practice makes perfect",
    "all good things come to an end",
    "data science is great",
    "never stop learning",
    "a stitch in time saves nine",
    "the early bird gets the worm",
    "see you later",
    "machine learning models need data",
    "an apple a day",
    "write clean code",
    "the sky is blue today",
]
MIXED_CASE = words(
    "Hello World PyThon OpenAI iPhone GitHub NASA McDonald JavaScript YouTube LinkedIn "
    "eBay HTML BigData camelCase DataFrame"
)
CAMEL = words(
    "userName firstName maxValue totalCount isValid getUserId parseJsonData orderDate "
    "itemPrice lastLoginTime httpRequest pageSize"
)
SNAKE = words(
    "user_name first_name max_value total_count is_valid get_user_id parse_json_data "
    "order_date item_price last_login_time page_size"
)
FILE_EXTS = words("txt csv py json md pdf png")
FILE_STEMS = words("report data notes main config readme image summary budget photo")
LETTERS = "abcdehilmnoprst"
SEPARATORS = ["-", "_", ", ", " ", "/", " | "]


def _ints(rng: random.Random, lo: int = 0, hi: int = 20, n: tuple[int, int] = (3, 7)) -> list:
    """A short list of integers; about one list in four also has negative numbers."""
    if rng.random() < 0.25:
        lo = -hi
    return [rng.randint(lo, hi) for _ in range(rng.randint(*n))]


def _word(rng: random.Random) -> str:
    return rng.choice(COMMON_WORDS)


def _phrase(rng: random.Random) -> str:
    return rng.choice(PHRASES) if rng.random() < 0.6 else " ".join(rng.sample(COMMON_WORDS, 3))


def _text(rng: random.Random) -> str:
    """A word, a phrase or a palindrome."""
    roll = rng.random()
    if roll < 0.4:
        return _word(rng)
    if roll < 0.55:
        return rng.choice(PALINDROMES)
    return _phrase(rng)


def _word_list(rng: random.Random, lo: int = 2, hi: int = 5) -> list:
    return rng.sample(COMMON_WORDS + PALINDROMES, rng.randint(lo, hi))


def _str_dict(rng: random.Random, lo: int = 2, hi: int = 4) -> dict:
    keys = rng.sample(COMMON_WORDS, rng.randint(lo, hi))
    values = rng.sample(range(1, 40), len(keys))
    return dict(zip(keys, values, strict=True))


@dataclass(frozen=True)
class Fn:
    names: tuple[str, ...]  # function names to choose from
    params: tuple[tuple[str, ...], ...]  # parameter-name tuples to choose from
    takes: str  # "a list of integers {a}": the arguments, for wordings that name them
    does: tuple[str, ...]  # third-person clauses ("returns ..."), {a}/{b}/{c} and constants
    body: str  # the solution's body (unindented lines), same slots
    ref: Callable[[dict], Callable]  # constants -> an independent implementation
    args: Callable[[random.Random, dict], tuple]  # constants -> one argument tuple
    consts: Callable[[random.Random], dict] = lambda rng: {}
    imports: str = ""


def _one(make: Callable[[random.Random], object]) -> Callable[[random.Random, dict], tuple]:
    return lambda rng, c: (make(rng),)


def _k(lo: int, hi: int) -> Callable[[random.Random], dict]:
    return lambda rng: {"k": rng.randint(lo, hi)}


S_PARAMS = (("s",), ("text",), ("word",), ("phrase",))
SENT_PARAMS = (("sentence",), ("text",), ("s",), ("line",))
L_PARAMS = (("nums",), ("numbers",), ("values",), ("arr",), ("data",), ("scores",))
W_PARAMS = (("words",), ("names",), ("items",), ("strings",), ("tokens",))
N_PARAMS = (("n",), ("num",), ("number",), ("x",), ("value",))
D_PARAMS = (("d",), ("counts",), ("data",), ("mapping",), ("inventory",))


def _parity(rng: random.Random) -> dict:
    even = rng.random() < 0.5
    return {"parity": "even" if even else "odd", "rem": 0 if even else 1}


def _compare(rng: random.Random) -> dict:
    op, word = rng.choice(
        [(">", "greater than"), ("<", "less than"), (">=", "at least"), ("<=", "at most")]
    )
    return {"op": op, "cmp": word, "k": rng.randint(0, 12)}


_OPS: dict[str, Callable[[int, int], bool]] = {
    ">": lambda x, k: x > k,
    "<": lambda x, k: x < k,
    ">=": lambda x, k: x >= k,
    "<=": lambda x, k: x <= k,
}


def _fizz(rng: random.Random) -> dict:
    p, q = rng.sample([2, 3, 4, 5, 7], 2)
    w1, w2 = rng.choice([("Fizz", "Buzz"), ("Foo", "Bar"), ("Ping", "Pong"), ("Hi", "Ho")])
    return {"p": p, "q": q, "w1": w1, "w2": w2}


def _fizz_ref(c: dict) -> Callable:
    def run(n):
        out = (c["w1"] if n % c["p"] == 0 else "") + (c["w2"] if n % c["q"] == 0 else "")
        return out or str(n)

    return run


def _first_unique(s: str):
    counts = Counter(s)
    return next((ch for ch in s if counts[ch] == 1), None)


def _has_pair(nums: list, target: int) -> bool:
    return any(
        nums[i] + nums[j] == target for i in range(len(nums)) for j in range(len(nums)) if i < j
    )


def _prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, n))


def _fib(n: int) -> int:
    seq = [0, 1]
    while len(seq) <= n:
        seq.append(seq[-1] + seq[-2])
    return seq[n]


def _grade(score: int) -> str:
    for cut, letter in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if score >= cut:
            return letter
    return "F"


def _anagram_pair(rng: random.Random, c: dict) -> tuple:
    word = _word(rng)
    if rng.random() < 0.5:
        return word, "".join(rng.sample(word, len(word)))
    return word, _word(rng)


def _pal_or_word(rng: random.Random) -> str:
    return rng.choice(PALINDROMES) if rng.random() < 0.5 else _word(rng)


def _mixed_pal(rng: random.Random) -> str:
    word = _pal_or_word(rng)
    return word.capitalize() if rng.random() < 0.5 else word


def _digits_text(rng: random.Random) -> str:
    return rng.choice(
        [
            f"room {rng.randint(1, 999)}",
            f"{_word(rng)}{rng.randint(0, 99)}",
            f"call {rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            _word(rng),
            f"{rng.randint(1, 12)} {_word(rng)}s",
        ]
    )


def _card(rng: random.Random, c: dict) -> tuple:
    return ("".join(str(rng.randint(0, 9)) for _ in range(rng.randint(8, 16))),)


def _file(rng: random.Random, c: dict) -> tuple:
    ext = c["ext"] if rng.random() < 0.5 else rng.choice(FILE_EXTS)
    return (f"{rng.choice(FILE_STEMS)}.{ext}",)


def _with_target(rng: random.Random, c: dict) -> tuple:
    nums = _ints(rng, 0, 9)
    return nums, rng.choice(nums) if rng.random() < 0.7 else rng.randint(0, 12)


def _dupes(rng: random.Random) -> list:
    nums = _ints(rng, 0, 6, (4, 8))
    return nums if rng.random() < 0.7 else list(dict.fromkeys(nums))


def _sortedish(rng: random.Random) -> list:
    nums = _ints(rng)
    return sorted(nums) if rng.random() < 0.5 else nums


def _two_distinct(rng: random.Random) -> list:
    while True:
        nums = _ints(rng)
        if len(set(nums)) >= 2:
            return nums


def _zeros(rng: random.Random) -> list:
    return [rng.choice([0, 0, rng.randint(1, 9)]) for _ in range(rng.randint(4, 7))]


def _two_lists(rng: random.Random, c: dict) -> tuple:
    return _ints(rng, 0, 12), _ints(rng, 0, 12)


def _same_len_lists(rng: random.Random, c: dict) -> tuple:
    n = rng.randint(2, 5)
    return [rng.randint(0, 20) for _ in range(n)], [rng.randint(0, 20) for _ in range(n)]


def _nested(rng: random.Random) -> list:
    return [_ints(rng, 0, 9, (0, 3)) for _ in range(rng.randint(2, 4))]


def _prices_and_cart(rng: random.Random, c: dict) -> tuple:
    prices = _str_dict(rng, 2, 4)
    return prices, rng.choices(list(prices), k=rng.randint(1, 4))


def _dict_and_key(rng: random.Random, c: dict) -> tuple:
    d = _str_dict(rng)
    return d, rng.choice(list(d)) if rng.random() < 0.6 else _word(rng)


def _two_dicts(rng: random.Random, c: dict) -> tuple:
    first, second = _str_dict(rng, 1, 3), _str_dict(rng, 1, 3)
    if rng.random() < 0.5:
        second[rng.choice(list(first))] = rng.randint(40, 60)
    return first, second


FNS: list[Fn] = [
    # ----- strings
    Fn(
        ("count_vowels", "vowel_count", "num_vowels"),
        S_PARAMS,
        "a string {a}",
        (
            "returns the number of vowels (a, e, i, o, u, in either case) in {a}",
            "counts how many vowels the string {a} contains, ignoring case",
        ),
        'return sum(1 for ch in {a}.lower() if ch in "aeiou")',
        lambda c: lambda s: len([ch for ch in s if ch in "aeiouAEIOU"]),
        _one(lambda rng: rng.choice([_text(rng), rng.choice(MIXED_CASE)])),
    ),
    Fn(
        ("reverse_string", "reverse", "reversed_text"),
        S_PARAMS,
        "a string {a}",
        ("returns the string {a} reversed", "returns the characters of {a} in reverse order"),
        "return {a}[::-1]",
        lambda c: lambda s: "".join(reversed(s)),
        _one(_text),
    ),
    Fn(
        ("is_palindrome", "check_palindrome"),
        S_PARAMS,
        "a string {a}",
        (
            "returns True if {a} reads the same forwards and backwards, and False otherwise",
            "checks whether the string {a} is a palindrome",
        ),
        "return {a} == {a}[::-1]",
        lambda c: lambda s: list(s) == list(reversed(s)),
        _one(_pal_or_word),
    ),
    Fn(
        ("is_palindrome_ignore_case", "is_palindrome"),
        S_PARAMS,
        "a string {a}",
        ("returns True if {a} is a palindrome when upper and lower case are ignored",),
        "{a} = {a}.lower()\nreturn {a} == {a}[::-1]",
        lambda c: lambda s: all(s[i].lower() == s[-1 - i].lower() for i in range(len(s))),
        _one(_mixed_pal),
    ),
    Fn(
        ("count_char", "count_letter", "char_count"),
        S_PARAMS,
        "a string {a}",
        (
            "returns how many times the character '{ch}' appears in {a}",
            "counts the occurrences of the letter '{ch}' in {a}",
        ),
        "return {a}.count('{ch}')",
        lambda c: lambda s: sum(1 for x in s if x == c["ch"]),
        _one(_text),
        lambda rng: {"ch": rng.choice(LETTERS)},
    ),
    Fn(
        ("remove_char", "strip_letter", "delete_char"),
        S_PARAMS,
        "a string {a}",
        ("returns {a} with every occurrence of the character '{ch}' removed",),
        "return {a}.replace('{ch}', '')",
        lambda c: lambda s: "".join(x for x in s if x != c["ch"]),
        _one(_text),
        lambda rng: {"ch": rng.choice(LETTERS)},
    ),
    Fn(
        ("remove_vowels", "strip_vowels", "disemvowel"),
        S_PARAMS,
        "a string {a}",
        ("returns {a} with all vowels (a, e, i, o, u, upper or lower case) removed",),
        'return "".join(ch for ch in {a} if ch.lower() not in "aeiou")',
        lambda c: lambda s: "".join(x for x in s if x not in "aeiouAEIOU"),
        _one(lambda rng: rng.choice([_text(rng), rng.choice(MIXED_CASE)])),
    ),
    Fn(
        ("count_words", "word_count", "num_words"),
        SENT_PARAMS,
        "a sentence {a}",
        ("returns the number of words in {a}, where words are separated by spaces",),
        "return len({a}.split())",
        lambda c: lambda s: len([w for w in s.split(" ") if w]),
        _one(_phrase),
    ),
    Fn(
        ("capitalize_words", "title_case", "capitalize_each_word"),
        SENT_PARAMS,
        "a lower-case sentence {a}",
        ("returns {a} with the first letter of every word in upper case",),
        'return " ".join(w.capitalize() for w in {a}.split())',
        lambda c: lambda s: " ".join(w[0].upper() + w[1:] for w in s.split(" ")),
        _one(_phrase),
    ),
    Fn(
        ("reverse_words", "reverse_sentence"),
        SENT_PARAMS,
        "a sentence {a}",
        ("returns the words of {a} in reverse order, separated by single spaces",),
        'return " ".join({a}.split()[::-1])',
        lambda c: lambda s: " ".join(reversed(s.split())),
        _one(_phrase),
    ),
    Fn(
        ("acronym", "make_acronym", "initials"),
        SENT_PARAMS,
        "a phrase {a}",
        ("returns the acronym of {a}: the first letter of each word, in upper case",),
        'return "".join(w[0].upper() for w in {a}.split())',
        lambda c: lambda s: "".join(w[0] for w in s.split()).upper(),
        _one(_phrase),
    ),
    Fn(
        ("longest_word", "find_longest_word"),
        SENT_PARAMS,
        "a sentence {a}",
        ("returns the longest word in {a} (the first one if several are equally long)",),
        "return max({a}.split(), key=len)",
        lambda c: lambda s: sorted(s.split(), key=lambda w: -len(w))[0],
        _one(_phrase),
    ),
    Fn(
        ("count_upper", "count_capitals", "uppercase_count"),
        S_PARAMS,
        "a string {a}",
        ("returns the number of upper-case letters in {a}",),
        "return sum(1 for ch in {a} if ch.isupper())",
        lambda c: lambda s: len([x for x in s if "A" <= x <= "Z"]),
        _one(lambda rng: rng.choice(MIXED_CASE + CAMEL)),
    ),
    Fn(
        ("count_digits", "digit_count"),
        S_PARAMS,
        "a string {a}",
        ("returns how many digit characters (0-9) the string {a} contains",),
        "return sum(1 for ch in {a} if ch.isdigit())",
        lambda c: lambda s: len([x for x in s if x in "0123456789"]),
        _one(_digits_text),
    ),
    Fn(
        ("starts_with", "has_prefix"),
        S_PARAMS,
        "a string {a}",
        ("returns True if {a} starts with '{pre}', otherwise False",),
        "return {a}.startswith('{pre}')",
        lambda c: lambda s: s[: len(c["pre"])] == c["pre"],
        lambda rng, c: (
            rng.choice([w for w in COMMON_WORDS if w.startswith(c["pre"])])
            if rng.random() < 0.5
            else _word(rng),
        ),
        lambda rng: {"pre": _word(rng)[: rng.randint(1, 3)]},
    ),
    Fn(
        ("has_extension", "is_file_type"),
        (("filename",), ("path",), ("name",)),
        "a file name {a}",
        ("returns True if the file name {a} ends with the extension '.{ext}'",),
        "return {a}.endswith('.{ext}')",
        lambda c: lambda s: s.rsplit(".", 1)[-1] == c["ext"],
        _file,
        lambda rng: {"ext": rng.choice(FILE_EXTS)},
    ),
    Fn(
        ("repeat_string", "repeat"),
        S_PARAMS,
        "a string {a}",
        ("returns {a} repeated {k} times with nothing in between",),
        "return {a} * {k}",
        lambda c: lambda s: "".join(s for _ in range(c["k"])),
        _one(_word),
        _k(2, 4),
    ),
    Fn(
        ("is_anagram", "are_anagrams"),
        (("s1", "s2"), ("a", "b"), ("first", "second"), ("word1", "word2")),
        "two strings {a} and {b}",
        (
            "returns True if {a} and {b} are anagrams (the same letters, each used the same "
            "number of times)",
        ),
        "return sorted({a}) == sorted({b})",
        lambda c: lambda x, y: Counter(x) == Counter(y),
        _anagram_pair,
    ),
    Fn(
        ("char_frequency", "count_chars", "letter_counts"),
        S_PARAMS,
        "a string {a}",
        ("returns a dictionary that maps each character of {a} to how often it appears",),
        "counts = {}\nfor ch in {a}:\n    counts[ch] = counts.get(ch, 0) + 1\nreturn counts",
        lambda c: lambda s: dict(Counter(s)),
        _one(_word),
    ),
    Fn(
        ("truncate", "shorten"),
        S_PARAMS,
        "a string {a}",
        (
            "returns the first {k} characters of {a} followed by '...' if {a} is longer than "
            "{k} characters, and {a} unchanged otherwise",
        ),
        'if len({a}) > {k}:\n    return {a}[:{k}] + "..."\nreturn {a}',
        lambda c: lambda s: s if len(s) <= c["k"] else s[: c["k"]] + "...",
        _one(_text),
        _k(4, 10),
    ),
    Fn(
        ("remove_spaces", "strip_spaces"),
        SENT_PARAMS,
        "a string {a}",
        ("returns {a} with all spaces removed",),
        'return {a}.replace(" ", "")',
        lambda c: lambda s: "".join(s.split(" ")),
        _one(_phrase),
    ),
    Fn(
        ("double_chars", "double_letters"),
        S_PARAMS,
        "a string {a}",
        ("returns a string in which every character of {a} appears twice in a row",),
        'return "".join(ch * 2 for ch in {a})',
        lambda c: lambda s: "".join(x + x for x in s),
        _one(_word),
    ),
    Fn(
        ("first_unique_char", "first_non_repeating"),
        S_PARAMS,
        "a string {a}",
        ("returns the first character of {a} that appears only once, or None if there is none",),
        "for ch in {a}:\n    if {a}.count(ch) == 1:\n        return ch\nreturn None",
        lambda c: _first_unique,
        _one(lambda rng: rng.choice([_word(rng), rng.choice(PALINDROMES), _word(rng) * 2])),
    ),
    Fn(
        ("swap_case", "invert_case"),
        S_PARAMS,
        "a string {a}",
        ("returns {a} with upper-case letters made lower case and lower-case letters upper case",),
        "return {a}.swapcase()",
        lambda c: lambda s: "".join(x.lower() if x.isupper() else x.upper() for x in s),
        _one(lambda rng: rng.choice(MIXED_CASE + CAMEL)),
    ),
    Fn(
        ("count_substring", "count_occurrences"),
        (("s", "sub"), ("text", "pattern"), ("haystack", "needle")),
        "a string {a} and a substring {b}",
        ("returns how many non-overlapping times {b} occurs in {a}",),
        "return {a}.count({b})",
        lambda c: lambda s, sub: len(s.split(sub)) - 1,
        lambda rng, c: (_phrase(rng), rng.choice(["a", "e", "th", "in", "an", "the", "o"])),
    ),
    Fn(
        ("mask_number", "mask_card", "hide_digits"),
        (("card",), ("number",), ("account",), ("s",)),
        "a string of digits {a}",
        ("returns {a} with every character except the last {k} replaced by '{m}'",),
        "return '{m}' * (len({a}) - {k}) + {a}[-{k}:]",
        lambda c: lambda s: "".join(c["m"] if i < len(s) - c["k"] else x for i, x in enumerate(s)),
        _card,
        lambda rng: {"k": rng.randint(2, 4), "m": rng.choice("*#x")},
    ),
    Fn(
        ("camel_to_snake", "to_snake_case"),
        (("name",), ("s",), ("identifier",)),
        "a camelCase string {a}",
        ("converts the camelCase string {a} to snake_case (userName becomes user_name)",),
        'result = ""\nfor ch in {a}:\n    if ch.isupper():\n        result += "_" + ch.lower()\n'
        "    else:\n        result += ch\nreturn result",
        lambda c: lambda s: "".join("_" + x.lower() if x.isupper() else x for x in s),
        _one(lambda rng: rng.choice(CAMEL)),
    ),
    Fn(
        ("snake_to_camel", "to_camel_case"),
        (("name",), ("s",), ("identifier",)),
        "a snake_case string {a}",
        ("converts the snake_case string {a} to camelCase (user_name becomes userName)",),
        'parts = {a}.split("_")\nreturn parts[0] + "".join(p.capitalize() for p in parts[1:])',
        lambda c: (
            lambda s: "".join(
                w if i == 0 else w[0].upper() + w[1:] for i, w in enumerate(s.split("_"))
            )
        ),
        _one(lambda rng: rng.choice(SNAKE)),
    ),
    # ----- lists of numbers
    Fn(
        ("sum_{parity}", "sum_of_{parity}s", "sum_{parity}_numbers"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns the sum of the {parity} numbers in {a}",),
        "return sum(x for x in {a} if x % 2 == {rem})",
        lambda c: lambda xs: sum(filter(lambda x: abs(x) % 2 == c["rem"], xs)),
        _one(_ints),
        _parity,
    ),
    Fn(
        ("count_{parity}", "count_{parity}s", "num_{parity}s"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns how many numbers in {a} are {parity}", "counts the {parity} numbers in {a}"),
        "return sum(1 for x in {a} if x % 2 == {rem})",
        lambda c: lambda xs: len([x for x in xs if abs(x) % 2 == c["rem"]]),
        _one(_ints),
        _parity,
    ),
    Fn(
        ("filter_numbers", "select_values", "keep_values"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns a list of the numbers in {a} that are {cmp} {k}, in their original order",),
        "return [x for x in {a} if x {op} {k}]",
        lambda c: lambda xs: list(filter(lambda x: _OPS[c["op"]](x, c["k"]), xs)),
        _one(_ints),
        _compare,
    ),
    Fn(
        ("count_matching", "count_values", "count_where"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns how many numbers in {a} are {cmp} {k}",),
        "return sum(1 for x in {a} if x {op} {k})",
        lambda c: lambda xs: len([x for x in xs if _OPS[c["op"]](x, c["k"])]),
        _one(_ints),
        _compare,
    ),
    Fn(
        ("scale_list", "multiply_all"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns a new list with every number in {a} multiplied by {k}",),
        "return [x * {k} for x in {a}]",
        lambda c: lambda xs: list(map(lambda x: c["k"] * x, xs)),
        _one(_ints),
        _k(2, 10),
    ),
    Fn(
        ("add_to_all", "shift_values"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns a new list with {k} added to every number in {a}",),
        "return [x + {k} for x in {a}]",
        lambda c: lambda xs: list(map(lambda x: c["k"] + x, xs)),
        _one(_ints),
        _k(1, 100),
    ),
    Fn(
        ("squares", "square_all"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns a list with the square of each number in {a}",),
        "return [x * x for x in {a}]",
        lambda c: lambda xs: [x**2 for x in xs],
        _one(_ints),
    ),
    Fn(
        ("sum_of_squares", "square_sum"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns the sum of the squares of the numbers in {a}",),
        "return sum(x * x for x in {a})",
        lambda c: lambda xs: sum(x**2 for x in xs),
        _one(_ints),
    ),
    Fn(
        ("average", "mean", "average_score"),
        L_PARAMS,
        "a non-empty list of numbers {a}",
        ("returns the average of the numbers in {a}, rounded to 2 decimal places",),
        "return round(sum({a}) / len({a}), 2)",
        lambda c: lambda xs: round(math.fsum(xs) / len(xs), 2),
        _one(_ints),
    ),
    Fn(
        ("value_range", "spread", "max_minus_min"),
        L_PARAMS,
        "a non-empty list of integers {a}",
        ("returns the difference between the largest and the smallest number in {a}",),
        "return max({a}) - min({a})",
        lambda c: lambda xs: sorted(xs)[-1] - sorted(xs)[0],
        _one(_ints),
    ),
    Fn(
        ("find_{fn}", "{which}", "{which}_value", "get_{fn}"),
        L_PARAMS,
        "a non-empty list of integers {a}",
        ("returns the {which} number in {a} without changing the list",),
        "return {fn}({a})",
        lambda c: lambda xs: sorted(xs)[-1 if c["fn"] == "max" else 0],
        _one(_ints),
        lambda rng: rng.choice(
            [{"fn": "max", "which": "largest"}, {"fn": "min", "which": "smallest"}]
        ),
    ),
    Fn(
        ("second_largest", "runner_up"),
        L_PARAMS,
        "a list of integers {a} with at least two different values",
        ("returns the second largest distinct value in {a}",),
        "return sorted(set({a}))[-2]",
        lambda c: lambda xs: max(x for x in xs if x != max(xs)),
        _one(_two_distinct),
    ),
    Fn(
        ("remove_duplicates", "unique", "dedupe"),
        L_PARAMS,
        "a list {a}",
        ("returns {a} without duplicates, keeping the first occurrence of each value in order",),
        "result = []\nfor x in {a}:\n    if x not in result:\n        result.append(x)\n"
        "return result",
        lambda c: lambda xs: list(dict.fromkeys(xs)),
        _one(_dupes),
    ),
    Fn(
        ("has_duplicates", "contains_duplicate"),
        L_PARAMS,
        "a list {a}",
        ("returns True if any value appears more than once in {a}, and False otherwise",),
        "return len(set({a})) != len({a})",
        lambda c: lambda xs: any(xs.count(x) > 1 for x in xs),
        _one(_dupes),
    ),
    Fn(
        ("is_sorted", "is_ascending"),
        L_PARAMS,
        "a list of numbers {a}",
        ("returns True if {a} is sorted in non-decreasing order",),
        "return all({a}[i] <= {a}[i + 1] for i in range(len({a}) - 1))",
        lambda c: lambda xs: xs == sorted(xs),
        _one(_sortedish),
    ),
    Fn(
        ("running_total", "cumulative_sum", "prefix_sums"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns the running totals of {a}: element i is the sum of the first i + 1 numbers",),
        "total = 0\nresult = []\nfor x in {a}:\n    total += x\n    result.append(total)\n"
        "return result",
        lambda c: lambda xs: list(accumulate(xs)),
        _one(_ints),
    ),
    Fn(
        ("index_of", "find_index", "linear_search"),
        (("nums", "target"), ("items", "value"), ("arr", "x"), ("values", "key")),
        "a list {a} and a value {b}",
        ("returns the index of the first occurrence of {b} in {a}, or -1 if {b} is not in it",),
        "for i, item in enumerate({a}):\n    if item == {b}:\n        return i\nreturn -1",
        lambda c: lambda xs, t: xs.index(t) if t in xs else -1,
        _with_target,
    ),
    Fn(
        ("count_value", "occurrences"),
        (("nums", "target"), ("items", "value"), ("arr", "x")),
        "a list {a} and a value {b}",
        ("returns how many times {b} appears in {a}",),
        "return {a}.count({b})",
        lambda c: lambda xs, t: len([x for x in xs if x == t]),
        _with_target,
    ),
    Fn(
        ("product", "multiply_list", "product_of_list"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns the product of all numbers in {a} (1 for an empty list)",),
        "result = 1\nfor x in {a}:\n    result *= x\nreturn result",
        lambda c: lambda xs: math.prod(xs),
        _one(lambda rng: _ints(rng, 0, 9, (0, 5))),
    ),
    Fn(
        ("{end}_n", "{end}_items", "take_{end}"),
        L_PARAMS,
        "a list {a}",
        ("returns the {end} {k} items of {a} (all of them if there are fewer)",),
        "return {a}{slice}",
        lambda c: (
            lambda xs: xs[: c["k"]] if c["end"] == "first" else xs[max(0, len(xs) - c["k"]) :]
        ),
        _one(_ints),
        lambda rng: (
            lambda k, first: {
                "k": k,
                "end": "first" if first else "last",
                "slice": f"[:{k}]" if first else f"[-{k}:]",
            }
        )(rng.randint(2, 4), rng.random() < 0.5),
    ),
    Fn(
        ("rotate_left", "rotate"),
        (("nums", "k"), ("items", "steps"), ("arr", "n")),
        "a non-empty list {a} and a non-negative integer {b}",
        ("returns {a} rotated to the left by {b} positions",),
        "{b} = {b} % len({a})\nreturn {a}[{b}:] + {a}[:{b}]",
        lambda c: lambda xs, k: [xs[(i + k) % len(xs)] for i in range(len(xs))],
        lambda rng, c: (_ints(rng, 0, 9), rng.randint(0, 8)),
    ),
    Fn(
        ("merge_sorted", "merge_lists", "combine_sorted"),
        (("a", "b"), ("list1", "list2"), ("first", "second"), ("xs", "ys")),
        "two lists of integers {a} and {b}",
        ("returns one sorted list containing all the numbers from {a} and {b}",),
        "return sorted({a} + {b})",
        lambda c: lambda xs, ys: sorted([*ys, *xs]),
        _two_lists,
    ),
    Fn(
        ("common_elements", "intersection", "shared_values"),
        (("a", "b"), ("list1", "list2"), ("first", "second"), ("xs", "ys")),
        "two lists {a} and {b}",
        (
            "returns a sorted list of the values that appear in both {a} and {b}, "
            "without duplicates",
        ),
        "return sorted(set({a}) & set({b}))",
        lambda c: lambda xs, ys: sorted({x for x in xs if x in ys}),
        _two_lists,
    ),
    Fn(
        ("add_lists", "pairwise_sum", "elementwise_sum"),
        (("a", "b"), ("list1", "list2"), ("xs", "ys")),
        "two lists of integers {a} and {b} of the same length",
        ("returns a list whose element i is {a}[i] + {b}[i]",),
        "return [x + y for x, y in zip({a}, {b})]",
        lambda c: lambda xs, ys: [xs[i] + ys[i] for i in range(len(xs))],
        _same_len_lists,
    ),
    Fn(
        ("flatten", "flatten_list"),
        (("lists",), ("nested",), ("matrix",), ("rows",)),
        "a list of lists {a}",
        ("returns one flat list with all the items of the inner lists of {a}, in order",),
        "return [x for sub in {a} for x in sub]",
        lambda c: lambda ls: sum(ls, []),
        _one(_nested),
    ),
    Fn(
        ("chunk", "split_into_chunks", "batch"),
        (("items", "size"), ("nums", "n"), ("data", "k")),
        "a list {a} and a positive integer {b}",
        ("splits {a} into consecutive chunks of length {b} (the last one may be shorter)",),
        "return [{a}[i:i + {b}] for i in range(0, len({a}), {b})]",
        lambda c: lambda xs, n: [xs[i * n : (i + 1) * n] for i in range(-(-len(xs) // n))],
        lambda rng, c: (_ints(rng, 0, 9, (3, 7)), rng.randint(2, 3)),
    ),
    Fn(
        ("count_{sign}", "num_{sign}", "count_{sign}_numbers"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns how many numbers in {a} are {sign} (zero is neither)",),
        "return sum(1 for x in {a} if x {op} 0)",
        lambda c: lambda xs: len([x for x in xs if (x > 0 if c["op"] == ">" else x < 0)]),
        _one(lambda rng: _ints(rng, -10, 10)),
        lambda rng: rng.choice([{"sign": "positive", "op": ">"}, {"sign": "negative", "op": "<"}]),
    ),
    Fn(
        ("has_pair_with_sum", "two_sum_exists"),
        (("nums", "target"), ("values", "total"), ("arr", "k")),
        "a list of integers {a} and an integer {b}",
        ("returns True if two different elements of {a} add up to {b}, and False otherwise",),
        "for i in range(len({a})):\n    for j in range(i + 1, len({a})):\n"
        "        if {a}[i] + {a}[j] == {b}:\n            return True\nreturn False",
        lambda c: _has_pair,
        lambda rng, c: (_ints(rng, 0, 9), rng.randint(0, 18)),
    ),
    Fn(
        ("move_zeros", "zeros_to_end"),
        L_PARAMS,
        "a list of integers {a}",
        ("returns {a} with all zeros moved to the end, keeping the order of the other numbers",),
        "return [x for x in {a} if x != 0] + [0] * {a}.count(0)",
        lambda c: lambda xs: sorted(xs, key=lambda x: x == 0),
        _one(_zeros),
    ),
    Fn(
        ("every_other", "alternate_items"),
        L_PARAMS,
        "a list {a}",
        ("returns every other item of {a}, starting with the first",),
        "return {a}[::2]",
        lambda c: lambda xs: [x for i, x in enumerate(xs) if i % 2 == 0],
        _one(_ints),
    ),
    # ----- lists of words
    Fn(
        ("word_lengths", "lengths"),
        W_PARAMS,
        "a list of strings {a}",
        ("returns a list with the length of each string in {a}",),
        "return [len(w) for w in {a}]",
        lambda c: lambda ws: list(map(len, ws)),
        _one(_word_list),
    ),
    Fn(
        ("long_words", "filter_long_words"),
        W_PARAMS,
        "a list of words {a}",
        ("returns the words in {a} that are longer than {k} letters",),
        "return [w for w in {a} if len(w) > {k}]",
        lambda c: lambda ws: list(filter(lambda w: len(w) > c["k"], ws)),
        _one(_word_list),
        _k(3, 6),
    ),
    Fn(
        ("words_starting_with", "filter_by_letter"),
        W_PARAMS,
        "a list of words {a}",
        ("returns the words in {a} that start with the letter '{ch}'",),
        "return [w for w in {a} if w.startswith('{ch}')]",
        lambda c: lambda ws: [w for w in ws if w[0] == c["ch"]],
        _one(lambda rng: _word_list(rng, 3, 6)),
        lambda rng: {"ch": rng.choice("bcglmprstw")},
    ),
    Fn(
        ("sort_by_length", "order_by_length"),
        W_PARAMS,
        "a list of strings {a}",
        ("returns the strings of {a} sorted from shortest to longest (ties keep their order)",),
        "return sorted({a}, key=len)",
        lambda c: lambda ws: [w for n in range(20) for w in ws if len(w) == n],
        _one(_word_list),
    ),
    Fn(
        ("join_words", "join_with"),
        W_PARAMS,
        "a list of strings {a}",
        ("returns the strings in {a} joined into one string with '{sep}' between them",),
        "return '{sep}'.join({a})",
        lambda c: lambda ws: ws[0] + "".join(c["sep"] + w for w in ws[1:]),
        _one(_word_list),
        lambda rng: {"sep": rng.choice(SEPARATORS)},
    ),
    Fn(
        ("upper_all", "shout"),
        W_PARAMS,
        "a list of strings {a}",
        ("returns a new list with every string in {a} converted to upper case",),
        "return [w.upper() for w in {a}]",
        lambda c: lambda ws: list(map(str.upper, ws)),
        _one(_word_list),
    ),
    Fn(
        ("count_palindromes", "palindrome_count"),
        W_PARAMS,
        "a list of words {a}",
        ("returns how many words in {a} are palindromes",),
        "return sum(1 for w in {a} if w == w[::-1])",
        lambda c: lambda ws: len([w for w in ws if list(w) == list(reversed(w))]),
        _one(_word_list),
    ),
    Fn(
        ("word_frequencies", "count_items", "tally"),
        W_PARAMS,
        "a list of strings {a}",
        ("returns a dictionary mapping each string in {a} to the number of times it occurs",),
        "counts = {}\nfor w in {a}:\n    counts[w] = counts.get(w, 0) + 1\nreturn counts",
        lambda c: lambda ws: dict(Counter(ws)),
        _one(lambda rng: rng.choices(rng.sample(COMMON_WORDS, 3), k=rng.randint(3, 6))),
    ),
    Fn(
        ("longest_string", "find_longest"),
        W_PARAMS,
        "a non-empty list of strings {a}",
        ("returns the longest string in {a} (the first one if there is a tie)",),
        "return max({a}, key=len)",
        lambda c: lambda ws: next(w for w in ws if len(w) == max(map(len, ws))),
        _one(_word_list),
    ),
    Fn(
        ("sort_alphabetically", "sorted_words"),
        W_PARAMS,
        "a list of lower-case strings {a}",
        ("returns the strings of {a} in alphabetical order",),
        "return sorted({a})",
        lambda c: lambda ws: sorted(ws, key=lambda w: [ord(ch) for ch in w]),
        _one(_word_list),
    ),
    # ----- numbers
    Fn(
        ("factorial", "fact"),
        N_PARAMS,
        "a non-negative integer {a}",
        ("returns {a}! (the factorial of {a}), where 0! is 1", "computes the factorial of {a}"),
        "result = 1\nfor i in range(2, {a} + 1):\n    result *= i\nreturn result",
        lambda c: math.factorial,
        _one(lambda rng: rng.randint(0, 10)),
    ),
    Fn(
        ("is_prime", "check_prime"),
        N_PARAMS,
        "an integer {a}",
        ("returns True if {a} is a prime number and False otherwise",),
        "if {a} < 2:\n    return False\nfor d in range(2, int({a} ** 0.5) + 1):\n"
        "    if {a} % d == 0:\n        return False\nreturn True",
        lambda c: _prime,
        _one(lambda rng: rng.randint(0, 60)),
    ),
    Fn(
        ("fibonacci", "fib", "nth_fibonacci"),
        N_PARAMS,
        "a non-negative integer {a}",
        ("returns the {a}-th Fibonacci number, where the 0th is 0 and the 1st is 1",),
        "prev, curr = 0, 1\nfor _ in range({a}):\n    prev, curr = curr, prev + curr\nreturn prev",
        lambda c: _fib,
        _one(lambda rng: rng.randint(0, 20)),
    ),
    Fn(
        ("digit_sum", "sum_digits", "sum_of_digits"),
        N_PARAMS,
        "a non-negative integer {a}",
        ("returns the sum of the digits of {a}",),
        "return sum(int(d) for d in str({a}))",
        lambda c: lambda n: sum(map(int, str(n))),
        _one(lambda rng: rng.randint(0, 99999)),
    ),
    Fn(
        ("reverse_number", "reverse_digits"),
        N_PARAMS,
        "a non-negative integer {a}",
        ("returns the integer whose digits are those of {a} in reverse order",),
        "return int(str({a})[::-1])",
        lambda c: lambda n: int("".join(reversed(str(n)))),
        _one(lambda rng: rng.randint(0, 9999)),
    ),
    Fn(
        ("gcd", "greatest_common_divisor"),
        (("a", "b"), ("x", "y"), ("m", "n")),
        "two positive integers {a} and {b}",
        ("returns the greatest common divisor of {a} and {b} using Euclid's algorithm",),
        "while {b}:\n    {a}, {b} = {b}, {a} % {b}\nreturn {a}",
        lambda c: math.gcd,
        lambda rng, c: (
            rng.randint(1, 20) * rng.randint(1, 6),
            rng.randint(1, 20) * rng.randint(1, 6),
        ),
    ),
    Fn(
        ("lcm", "least_common_multiple"),
        (("a", "b"), ("x", "y"), ("m", "n")),
        "two positive integers {a} and {b}",
        ("returns the least common multiple of {a} and {b}",),
        "return {a} * {b} // math.gcd({a}, {b})",
        lambda c: (
            lambda x, y: next(m for m in range(max(x, y), x * y + 1) if m % x == 0 and m % y == 0)
        ),
        lambda rng, c: (rng.randint(1, 15), rng.randint(1, 15)),
        imports="import math",
    ),
    Fn(
        ("is_divisible", "divisible_by_{k}", "is_multiple_of_{k}"),
        N_PARAMS,
        "an integer {a}",
        ("returns True if {a} is divisible by {k}, and False otherwise",),
        "return {a} % {k} == 0",
        lambda c: lambda n: n // c["k"] * c["k"] == n,
        _one(lambda rng: rng.randint(0, 100)),
        _k(2, 9),
    ),
    Fn(
        ("celsius_to_fahrenheit", "to_fahrenheit", "c_to_f"),
        (("celsius",), ("c",), ("temp",), ("degrees",)),
        "a temperature {a} in degrees Celsius",
        ("converts {a} from degrees Celsius to degrees Fahrenheit",),
        "return {a} * 9 / 5 + 32",
        lambda c: lambda t: t * 9 / 5 + 32,
        _one(lambda rng: rng.randint(-20, 100)),
    ),
    Fn(
        ("fahrenheit_to_celsius", "to_celsius", "f_to_c"),
        (("fahrenheit",), ("f",), ("temp",), ("degrees",)),
        "a temperature {a} in degrees Fahrenheit",
        ("converts {a} from degrees Fahrenheit to degrees Celsius",),
        "return ({a} - 32) * 5 / 9",
        lambda c: lambda t: (t - 32) * 5 / 9,
        _one(lambda rng: rng.randrange(-4, 213, 9)),
    ),
    Fn(
        ("sum_to_n", "triangular_number", "sum_up_to"),
        N_PARAMS,
        "a non-negative integer {a}",
        ("returns the sum of all integers from 1 to {a}",),
        "return {a} * ({a} + 1) // 2",
        lambda c: lambda n: sum(range(n + 1)),
        _one(lambda rng: rng.randint(0, 200)),
    ),
    Fn(
        ("is_leap_year", "leap_year"),
        (("year",), ("y",)),
        "a year {a}",
        ("returns True if {a} is a leap year in the Gregorian calendar",),
        "return {a} % 4 == 0 and ({a} % 100 != 0 or {a} % 400 == 0)",
        lambda c: lambda y: (y % 400 == 0) or (y % 4 == 0 and y % 100 != 0),
        _one(
            lambda rng: rng.choice([rng.randint(1890, 2100), rng.choice([1900, 2000, 2100, 1600])])
        ),
    ),
    Fn(
        ("clamp", "limit", "bound"),
        (("value", "low", "high"), ("x", "lo", "hi"), ("n", "minimum", "maximum")),
        "an integer {a} and bounds {b} <= {c}",
        ("returns {a} limited to the range from {b} to {c}",),
        "return max({b}, min({c}, {a}))",
        lambda c: lambda x, lo, hi: lo if x < lo else hi if x > hi else x,
        lambda rng, c: (lambda lo: (rng.randint(-10, 40), lo, lo + rng.randint(1, 20)))(
            rng.randint(0, 15)
        ),
    ),
    Fn(
        ("max_of_three", "largest_of_three"),
        (("a", "b", "c"), ("x", "y", "z")),
        "three numbers {a}, {b} and {c}",
        ("returns the largest of {a}, {b} and {c}",),
        "return max({a}, {b}, {c})",
        lambda c: lambda x, y, z: sorted([x, y, z])[2],
        lambda rng, c: tuple(rng.randint(-20, 50) for _ in range(3)),
    ),
    Fn(
        ("count_divisors", "num_divisors"),
        N_PARAMS,
        "a positive integer {a}",
        ("returns how many positive divisors {a} has",),
        "return sum(1 for i in range(1, {a} + 1) if {a} % i == 0)",
        lambda c: lambda n: len([d for d in range(1, n + 1) if n % d == 0]),
        _one(lambda rng: rng.randint(1, 100)),
    ),
    Fn(
        ("is_perfect_square", "is_square"),
        N_PARAMS,
        "a non-negative integer {a}",
        ("returns True if {a} is a perfect square",),
        "root = int({a} ** 0.5)\nreturn root * root == {a}",
        lambda c: lambda n: math.isqrt(n) ** 2 == n,
        _one(lambda rng: rng.choice([rng.randint(0, 30) ** 2, rng.randint(0, 900)])),
    ),
    Fn(
        ("to_binary", "binary_string"),
        N_PARAMS,
        "a non-negative integer {a}",
        ("returns the binary representation of {a} as a string without the '0b' prefix",),
        "return bin({a})[2:]",
        lambda c: lambda n: format(n, "b"),
        _one(lambda rng: rng.randint(0, 300)),
    ),
    Fn(
        ("fizzbuzz", "fizz_buzz", "say_number"),
        N_PARAMS,
        "a positive integer {a}",
        (
            "returns '{w1}{w2}' if {a} is divisible by both {p} and {q}, '{w1}' if it is "
            "divisible only by {p}, '{w2}' if only by {q}, and otherwise {a} as a string",
        ),
        "if {a} % {p} == 0 and {a} % {q} == 0:\n    return '{w1}{w2}'\nif {a} % {p} == 0:\n"
        "    return '{w1}'\nif {a} % {q} == 0:\n    return '{w2}'\nreturn str({a})",
        _fizz_ref,
        _one(lambda rng: rng.randint(1, 60)),
        _fizz,
    ),
    Fn(
        ("multiples", "multiples_up_to"),
        N_PARAMS,
        "a positive integer {a}",
        ("returns a list of the multiples of {k} from {k} up to and including {a}",),
        "return list(range({k}, {a} + 1, {k}))",
        lambda c: lambda n: [i for i in range(1, n + 1) if i % c["k"] == 0],
        _one(lambda rng: rng.randint(1, 40)),
        _k(2, 9),
    ),
    Fn(
        ("sum_multiples", "sum_of_multiples"),
        N_PARAMS,
        "a positive integer {a}",
        (
            "returns the sum of all non-negative integers below {a} that are multiples of "
            "{p} or {q}",
        ),
        "return sum(i for i in range({a}) if i % {p} == 0 or i % {q} == 0)",
        lambda c: lambda n: sum({*range(0, n, c["p"]), *range(0, n, c["q"])}),
        _one(lambda rng: rng.randint(1, 50)),
        lambda rng: dict(zip("pq", rng.sample([2, 3, 5, 7], 2), strict=True)),
    ),
    Fn(
        ("is_power_of_two", "power_of_two"),
        N_PARAMS,
        "an integer {a}",
        ("returns True if {a} is a power of two (1, 2, 4, 8, ...)",),
        "return {a} > 0 and {a} & ({a} - 1) == 0",
        lambda c: lambda n: n in {2**i for i in range(20)},
        _one(lambda rng: rng.choice([2 ** rng.randint(0, 10), rng.randint(0, 600)])),
    ),
    Fn(
        ("letter_grade", "grade"),
        (("score",), ("mark",), ("points",)),
        "an exam score {a} from 0 to 100",
        (
            "returns 'A' for {a} of 90 or more, 'B' for 80-89, 'C' for 70-79, 'D' for 60-69 and "
            "'F' below 60",
        ),
        "if {a} >= 90:\n    return 'A'\nif {a} >= 80:\n    return 'B'\nif {a} >= 70:\n"
        "    return 'C'\nif {a} >= 60:\n    return 'D'\nreturn 'F'",
        lambda c: _grade,
        _one(lambda rng: rng.randint(30, 100)),
    ),
    Fn(
        ("format_minutes", "to_mm_ss", "format_time"),
        (("seconds",), ("total",), ("secs",)),
        "a number of seconds {a}",
        ("returns {a} formatted as 'M:SS' (minutes, then seconds with two digits)",),
        'return "%d:%02d" % ({a} // 60, {a} % 60)',
        lambda c: lambda t: str(t // 60) + ":" + str(t % 60).zfill(2),
        _one(lambda rng: rng.randint(0, 3600)),
    ),
    # ----- dictionaries
    Fn(
        ("invert_dict", "swap_keys_values", "reverse_mapping"),
        D_PARAMS,
        "a dictionary {a} with unique values",
        ("returns a new dictionary with the keys and values of {a} swapped",),
        "return {value: key for key, value in {a}.items()}",
        lambda c: lambda d: dict(zip(d.values(), d.keys(), strict=True)),
        _one(_str_dict),
    ),
    Fn(
        ("key_with_max_value", "best_key", "top_item"),
        D_PARAMS,
        "a non-empty dictionary {a} of numbers",
        ("returns the key of {a} with the largest value",),
        "return max({a}, key={a}.get)",
        lambda c: lambda d: sorted(d.items(), key=lambda kv: kv[1])[-1][0],
        _one(_str_dict),
    ),
    Fn(
        ("sum_values", "total_count", "dict_total"),
        D_PARAMS,
        "a dictionary {a} whose values are numbers",
        ("returns the sum of all values in {a}",),
        "return sum({a}.values())",
        lambda c: lambda d: sum(d[k] for k in d),
        _one(_str_dict),
    ),
    Fn(
        ("filter_dict", "values_above"),
        D_PARAMS,
        "a dictionary {a} whose values are numbers",
        ("returns a new dictionary with only the entries of {a} whose value is greater than {t}",),
        "return {key: value for key, value in {a}.items() if value > {t}}",
        lambda c: lambda d: dict(kv for kv in d.items() if kv[1] > c["t"]),
        _one(_str_dict),
        lambda rng: {"t": rng.randint(5, 30)},
    ),
    Fn(
        ("sorted_keys", "keys_in_order"),
        D_PARAMS,
        "a dictionary {a} with string keys",
        ("returns a list of the keys of {a} in alphabetical order",),
        "return sorted({a})",
        lambda c: lambda d: sorted(d.keys()),
        _one(_str_dict),
    ),
    Fn(
        ("merge_dicts", "combine", "update_settings"),
        (("a", "b"), ("defaults", "overrides"), ("first", "second")),
        "two dictionaries {a} and {b}",
        (
            "returns a new dictionary with the entries of {a} and {b}; on a shared key the value "
            "from {b} wins",
        ),
        "result = dict({a})\nresult.update({b})\nreturn result",
        lambda c: lambda x, y: {**x, **y},
        _two_dicts,
    ),
    Fn(
        ("get_or_default", "lookup", "safe_get"),
        (("d", "key"), ("prices", "item"), ("data", "name")),
        "a dictionary {a} and a key {b}",
        ("returns the value stored under {b} in {a}, or {default} if {b} is missing",),
        "return {a}.get({b}, {default})",
        lambda c: lambda d, k: d[k] if k in d else c["default"],
        _dict_and_key,
        lambda rng: {"default": rng.choice([0, -1, None])},
    ),
    Fn(
        ("word_count_dict", "count_words_in", "word_histogram"),
        SENT_PARAMS,
        "a sentence {a}",
        ("returns a dictionary mapping each word of {a} to the number of times it appears",),
        "counts = {}\nfor word in {a}.split():\n    counts[word] = counts.get(word, 0) + 1\n"
        "return counts",
        lambda c: lambda s: dict(Counter(s.split())),
        _one(_phrase),
    ),
    Fn(
        ("total_price", "cart_total", "order_total"),
        (("prices", "cart"), ("menu", "order"), ("catalog", "items")),
        "a dictionary {a} of item prices and a list {b} of item names",
        ("returns the total price of the items in {b}, looking each one up in {a}",),
        "return sum({a}[item] for item in {b})",
        lambda c: lambda prices, names: sum(map(prices.__getitem__, names)),
        _prices_and_cart,
    ),
]

PROBLEM_WORDINGS = [
    "Write a function `{sig}` that {does}.",
    "Write a Python function `{sig}` that {does}.",
    "Implement `{sig}`, which {does}.",
    "Create a function named `{name}` that takes {takes} and {does}.",
    "Define a function {sig} that {does}.",
    "Given {takes}, {do}. Name the function `{name}`.",
    "Write a function called {name} that takes {takes} and {does}.",
    "I need a Python function `{sig}` that {does}.",
]
DOCSTRING_SHARE = 0.15  # HumanEval-style problems: a signature and a docstring with an example


def _fill(template: str, slots: dict) -> str:
    """Replace each {key} of `slots` (and only those, so code braces survive)."""
    for key, value in slots.items():
        template = template.replace("{" + key + "}", str(value))
    return template


def _imperative(clause: str) -> str:
    """ "returns the sum" -> "return the sum" (every clause starts with a verb in -s)."""
    verb, _, rest = clause.partition(" ")
    return verb[:-1] + " " + rest


def _call(name: str, args: tuple) -> str:
    return f"{name}({', '.join(repr(arg) for arg in args)})"


def _pick_tests(fn: Fn, consts: dict, rng: random.Random) -> list[tuple[tuple, object]]:
    """Three distinct argument tuples with their expected values, preferring distinct
    expected values (so both True and False for a predicate)."""
    reference = fn.ref(consts)
    candidates = [fn.args(rng, consts) for _ in range(12)]
    chosen: list[tuple[tuple, object]] = []
    for want_new in (True, False):
        for args in candidates:
            if len(chosen) == 3 or any(repr(args) == repr(seen) for seen, _ in chosen):
                continue
            expected = reference(*args)
            if not want_new or all(repr(expected) != repr(got) for _, got in chosen):
                chosen.append((args, expected))
    return chosen


def make_magicoder(rng: random.Random) -> dict:
    fn = rng.choice(FNS)
    consts = fn.consts(rng)
    name = _fill(rng.choice(fn.names), consts)
    params = rng.choice(fn.params)
    slots = {**consts, **dict(zip("abc", params, strict=False))}
    # In the prose, parameters are written `like this` in about half of the problems.
    quote = "`" if rng.random() < 0.5 else ""
    prose = {**consts, **{key: f"{quote}{p}{quote}" for key, p in zip("abc", params, strict=False)}}
    signature = f"{name}({', '.join(params)})"
    does = _fill(rng.choice(fn.does), prose)
    tests = _pick_tests(fn, consts, rng)
    body = _fill(fn.body, slots)
    code = f"def {signature}:\n" + "\n".join("    " + line for line in body.split("\n"))
    if fn.imports:
        code = f"{fn.imports}\n\n{code}"
    if rng.random() < DOCSTRING_SHARE:
        args, expected = tests[0]
        problem = (
            f'def {signature}:\n    """{capitalise(_imperative(does))}.\n'
            f'    >>> {_call(name, args)}\n    {expected!r}\n    """'
        )
    else:
        problem = rng.choice(PROBLEM_WORDINGS).format(
            sig=signature,
            name=name,
            does=does,
            do=_imperative(does),
            takes=_fill(fn.takes, prose),
        )
    asserts = [f"assert {_call(name, args)} == {expected!r}" for args, expected in tests]
    return example({"problem": problem, "lang": "python"}, code, entry_point=name, tests=asserts)


MAGICODER = task(
    "magicoder",
    "Write a short Python function that solves a one-paragraph programming problem.",
    make_magicoder,
)

# --------------------------------------------------------------------------- wikisql
#
# A table is drawn from one of the schemas below (3-6 of its columns, 2-3 rows) and shown as
# the str() of a WikiSQL table dict; the question asks for one column under 1-3 conditions,
# optionally aggregated, and the SQL is WikiSQL's human-readable form of the query.

TEXT, REAL = "text", "real"
MONTHS = words(
    "January February March April May June July August September October November December"
)
TITLE_WORDS_A = words(
    "Silent Broken Golden Hidden Last Lonely Midnight Red Secret Wild Blue Dark Lost Little "
    "Burning Frozen Endless Crystal Empty Final"
)
TITLE_WORDS_B = words(
    "River Heart Road Garden Storm Mirror Kingdom Summer Shadow Light Dream City Night Fire "
    "Promise Island Letter Journey Stranger Song"
)
CLUB_WORDS = words("Rovers United Athletic Wanderers Rangers City Albion Dynamo Sporting Eagles")
US_STATES = words("Ohio Texas Iowa Utah Maine Georgia Kansas Oregon Nevada Florida Alabama")
POSITIONS_BB = ["Guard", "Forward", "Center", "Guard-Forward", "Forward-Center", "Point guard"]
POSITIONS_FB = [
    "Quarterback",
    "Running back",
    "Wide receiver",
    "Linebacker",
    "Defensive end",
    "Offensive tackle",
    "Cornerback",
    "Safety",
    "Tight end",
    "Kicker",
]
PARTIES = ["Democratic", "Republican"]
RESULTS = [
    "Re-elected",
    "Retired Republican hold",
    "Lost re-election Democratic gain",
    "Retired Democratic hold",
    "Re-elected",
]
CONSTRUCTORS = words("Ferrari McLaren Williams Renault Benetton Lotus Brabham Tyrrell Ligier")
SURFACES = ["Hard", "Clay", "Grass", "Carpet"]
SET_SCORES = ["6-0", "6-1", "6-2", "6-3", "6-4", "7-5", "7-6", "3-6", "4-6"]
RANGES = ["Andes", "Alps", "Rocky Mountains", "Himalayas", "Pyrenees", "Carpathians", "Atlas"]
PLATFORMS = ["PC", "PlayStation 4", "Xbox One", "Nintendo Switch", "Wii", "PlayStation 2"]
CHARTS = [
    "UK Singles Chart",
    "US Billboard Hot 100",
    "Canadian Hot 100",
    "Irish Singles Chart",
    "Australian Singles Chart",
    "US Dance Club Songs",
]
MASCOTS = words("Eagles Tigers Bears Wolves Hawks Lions Panthers Falcons Mustangs Spartans")
CONFERENCES = ["Big East", "Metro", "Central", "Mid-State", "Lakeshore", "Valley"]
ROLES = [
    "Himself",
    "Herself",
    "Detective",
    "Narrator",
    "The Doctor",
    "Jack",
    "Lead role",
    "Supporting role",
    "Voice",
    "Cameo",
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _title(rng: random.Random) -> str:
    a, b = rng.choice(TITLE_WORDS_A), rng.choice(TITLE_WORDS_B)
    return rng.choice([f"{a} {b}", f"The {a} {b}", f"The {b}", f"{b} of {rng.choice(CITIES)}"])


def _date(rng: random.Random) -> str:
    return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(1970, 2015)}"


def _team(rng: random.Random) -> str:
    return f"{rng.choice(CITIES)} {rng.choice(CLUB_WORDS)}"


def _years(rng: random.Random) -> str:
    start = rng.randint(1980, 2012)
    return f"{start}-{str(start + rng.randint(1, 6))[2:]}"


def _pick(items: list) -> Callable[[random.Random], str]:
    return lambda rng: rng.choice(items)


def _int(lo: int, hi: int) -> Callable[[random.Random], int]:
    return lambda rng: rng.randint(lo, hi)


def _real(lo: float, hi: float, places: int = 1) -> Callable[[random.Random], float]:
    return lambda rng: round(rng.uniform(lo, hi), places)


def _fmt(template: str, *pools: list) -> Callable[[random.Random], str]:
    return lambda rng: template.format(*(rng.choice(pool) for pool in pools))


# Each schema: (header, type, value maker); the first column is the row's natural key.
SCHEMAS: list[list[tuple[str, str, Callable]]] = [
    [
        ("Player", TEXT, _name),
        ("No.", REAL, _int(0, 55)),
        ("Nationality", TEXT, _pick(COUNTRIES)),
        ("Position", TEXT, _pick(POSITIONS_BB)),
        ("Years in Toronto", TEXT, _years),
        ("School/Club Team", TEXT, _fmt("{} State", US_STATES)),
    ],
    [
        ("No. in series", REAL, _int(1, 120)),
        ("No. in season", REAL, _int(1, 24)),
        ("Title", TEXT, _title),
        ("Directed by", TEXT, _name),
        ("Written by", TEXT, _name),
        ("Original air date", TEXT, _date),
        ("U.S. viewers (millions)", REAL, _real(2, 25, 2)),
    ],
    [
        ("District", TEXT, lambda rng: f"{rng.choice(US_STATES)} {rng.randint(1, 15)}"),
        ("Incumbent", TEXT, _name),
        ("Party", TEXT, _pick(PARTIES)),
        ("First elected", REAL, _int(1950, 2010)),
        ("Result", TEXT, _pick(RESULTS)),
    ],
    [
        ("Round", REAL, _int(1, 9)),
        ("Pick", REAL, _int(1, 250)),
        ("Player", TEXT, _name),
        ("Position", TEXT, _pick(POSITIONS_FB)),
        ("College", TEXT, _fmt("{} State", US_STATES)),
    ],
    [
        ("Week", REAL, _int(1, 17)),
        ("Date", TEXT, _date),
        ("Opponent", TEXT, _team),
        (
            "Result",
            TEXT,
            lambda rng: f"{rng.choice('WL')} {rng.randint(10, 45)}-{rng.randint(0, 35)}",
        ),
        ("Attendance", REAL, _int(20000, 80000)),
    ],
    [
        ("Rank", REAL, _int(1, 30)),
        ("Nation", TEXT, _pick(COUNTRIES)),
        ("Gold", REAL, _int(0, 20)),
        ("Silver", REAL, _int(0, 20)),
        ("Bronze", REAL, _int(0, 20)),
    ],
    [
        ("Round", REAL, _int(1, 18)),
        ("Grand Prix", TEXT, _fmt("{} Grand Prix", NATIONALITIES)),
        ("Pole Position", TEXT, _name),
        ("Fastest Lap", TEXT, _name),
        ("Winning Driver", TEXT, _name),
        ("Constructor", TEXT, _pick(CONSTRUCTORS)),
    ],
    [
        ("Year", REAL, _int(1970, 2020)),
        ("Film", TEXT, _title),
        ("Role", TEXT, _pick(ROLES)),
        ("Director", TEXT, _name),
        ("Gross (millions)", REAL, _real(1, 400, 1)),
    ],
    [
        ("Year", REAL, _int(1960, 2020)),
        ("Single", TEXT, _title),
        ("Chart", TEXT, _pick(CHARTS)),
        ("Peak position", REAL, _int(1, 100)),
        ("Album", TEXT, _title),
    ],
    [
        ("School", TEXT, _fmt("{} High School", CITIES)),
        ("Location", TEXT, _pick(CITIES)),
        ("Mascot", TEXT, _pick(MASCOTS)),
        ("Enrollment", REAL, _int(200, 3000)),
        ("Founded", REAL, _int(1880, 2010)),
        ("Conference", TEXT, _pick(CONFERENCES)),
    ],
    [
        ("Outcome", TEXT, _pick(["Winner", "Runner-up"])),
        ("Year", REAL, _int(1980, 2020)),
        ("Championship", TEXT, _fmt("{} Open", CITIES)),
        ("Surface", TEXT, _pick(SURFACES)),
        ("Opponent", TEXT, _name),
        ("Score", TEXT, lambda rng: ", ".join(rng.choices(SET_SCORES, k=rng.randint(2, 3)))),
    ],
    [
        ("Peak", TEXT, _fmt("Mount {}", LAST_NAMES)),
        ("Country", TEXT, _pick(COUNTRIES)),
        ("Elevation (m)", REAL, _int(1500, 8800)),
        ("Prominence (m)", REAL, _int(300, 4000)),
        ("Range", TEXT, _pick(RANGES)),
    ],
    [
        ("Rank", REAL, _int(1, 50)),
        ("Airport", TEXT, _fmt("{} International Airport", CITIES)),
        ("Country", TEXT, _pick(COUNTRIES)),
        ("Passengers", REAL, _int(1000000, 90000000)),
        ("% Change", REAL, _real(-15, 25, 1)),
    ],
    [
        ("Position", REAL, _int(1, 20)),
        ("Team", TEXT, _team),
        ("Played", REAL, _int(20, 46)),
        ("Won", REAL, _int(0, 30)),
        ("Lost", REAL, _int(0, 30)),
        ("Points", REAL, _int(10, 95)),
    ],
    [
        ("Home team", TEXT, _team),
        ("Home team score", REAL, _int(40, 140)),
        ("Away team", TEXT, _team),
        ("Venue", TEXT, _fmt("{} Oval", CITIES)),
        ("Crowd", REAL, _int(5000, 60000)),
        ("Date", TEXT, _date),
    ],
    [
        ("Name", TEXT, _fmt("{} Tower", LAST_NAMES)),
        ("City", TEXT, _pick(CITIES)),
        ("Height (m)", REAL, _int(100, 450)),
        ("Floors", REAL, _int(25, 110)),
        ("Year", REAL, _int(1960, 2022)),
    ],
    [
        ("#", REAL, _int(1, 60)),
        ("Governor", TEXT, _name),
        ("Party", TEXT, _pick(PARTIES)),
        ("Took office", REAL, _int(1900, 2010)),
        ("Terms", REAL, _int(1, 3)),
        ("State", TEXT, _pick(US_STATES)),
    ],
    [
        ("Title", TEXT, _title),
        ("Platform", TEXT, _pick(PLATFORMS)),
        ("Developer", TEXT, _fmt("{} Studios", LAST_NAMES)),
        ("Release year", REAL, _int(1995, 2022)),
        ("Metacritic", REAL, _int(40, 98)),
    ],
    [
        ("Station", TEXT, _pick(CITIES)),
        ("Line", TEXT, _pick(["Red", "Blue", "Green", "Northern", "Coastal", "Central"])),
        ("Opened", REAL, _int(1850, 2015)),
        ("Zone", REAL, _int(1, 6)),
        ("Passengers (millions)", REAL, _real(0.2, 40, 2)),
    ],
]

PLAIN_LEADS = [
    "What is the {sel}",
    "What was the {sel}",
    "Name the {sel}",
    "Tell me the {sel}",
    "Which {sel} is listed",
    "What {sel} is listed",
    "Give the {sel}",
    "What is the {sel} listed",
]
AGG_LEADS = {
    "COUNT": [
        "How many {sel} are listed",
        "What is the total number of {sel}",
        "How many {sel} are there",
        "Name the number of {sel}",
        "Count the {sel}",
        "What is the number of {sel}",
    ],
    "MAX": [
        "What is the highest {sel}",
        "What is the largest {sel}",
        "What is the maximum {sel}",
        "Name the most {sel}",
        "What was the highest {sel}",
    ],
    "MIN": [
        "What is the lowest {sel}",
        "What is the smallest {sel}",
        "What is the minimum {sel}",
        "Name the least {sel}",
        "What was the lowest {sel}",
    ],
    "SUM": [
        "What is the sum of {sel}",
        "What is the sum of the {sel}",
        "Name the sum of {sel}",
        "What is the total {sel}",
    ],
    "AVG": [
        "What is the average {sel}",
        "What is the mean {sel}",
        "Name the average {sel}",
        "What was the average {sel}",
    ],
}
# Connector -> condition wordings for =, > and < ({c} the column, {v} the value).
CONDITION_WORDINGS = {
    "when": {
        "=": ["the {c} is {v}", "{c} is {v}", "the {c} was {v}"],
        ">": ["the {c} is greater than {v}", "{c} is more than {v}", "the {c} is larger than {v}"],
        "<": ["the {c} is less than {v}", "{c} is smaller than {v}", "the {c} is below {v}"],
    },
    "with": {
        "=": ["{art} {c} of {v}", "{c} of {v}", "{c} {v}"],
        ">": ["{art} {c} greater than {v}", "{c} larger than {v}", "{c} more than {v}"],
        "<": ["{art} {c} less than {v}", "{c} smaller than {v}", "{c} fewer than {v}"],
    },
    "for": {
        "=": ["{c} {v}", "the {c} {v}", "{c} of {v}"],
        ">": ["{c} greater than {v}", "{c} over {v}"],
        "<": ["{c} less than {v}", "{c} under {v}"],
    },
}
CONNECTORS = {
    "when": ["when", "where", "if"],
    "with": ["with", "that has", "having"],
    "for": ["for"],
}


def _cell(value) -> str:
    """A value as the question (and so the SQL) spells it."""
    return str(value)


def _threshold(value, op: str, rng: random.Random):
    """A number near `value` on the side that keeps the row in (> below it, < above it)."""
    if isinstance(value, float):
        step = round(rng.uniform(0.1, max(0.2, abs(value) / 4)), 1)
        return round(value - step if op == ">" else value + step, 1)
    step = rng.randint(1, max(1, abs(value) // 4))
    return value - step if op == ">" else value + step


def make_wikisql(rng: random.Random) -> dict:
    schema = rng.choice(SCHEMAS)
    n_cols = min(len(schema), rng.choice([3, 4, 4, 5, 5, 6]))
    keep = sorted(rng.sample(range(len(schema)), n_cols))
    columns = [schema[i] for i in keep]
    n_rows = 2 if n_cols >= 6 else rng.choice([2, 3, 3])
    rows = [[make(rng) for _, _, make in columns] for _ in range(n_rows)]
    table = {
        "header": [name for name, _, _ in columns],
        "types": [kind for _, kind, _ in columns],
        "rows": rows,
    }
    # The asked-about row: mostly one of the shown rows, sometimes one not shown.
    row = rng.choice(rows) if rng.random() < 0.75 else [make(rng) for _, _, make in columns]

    n_conds = min(n_cols - 1, rng.choices([1, 2, 3], weights=[65, 30, 5])[0])
    picked = rng.sample(range(n_cols), n_conds + 1)
    sel, conds = picked[0], picked[1:]
    sel_name, sel_kind, _ = columns[sel]
    if sel_kind == REAL:
        agg = rng.choices(["", "COUNT", "MAX", "MIN", "SUM", "AVG"], [45, 10, 12, 12, 10, 11])[0]
    else:
        agg = rng.choices(["", "COUNT"], [80, 20])[0]

    connector = rng.choice(list(CONNECTORS))
    lower_values = rng.random() < 0.15
    phrases_, sql_conds = [], []
    for index in conds:
        name, kind, _ = columns[index]
        value = row[index]
        op = rng.choice(["=", "=", "=", ">", "<"]) if kind == REAL else "="
        if op != "=":
            value = _threshold(value, op, rng)
        text = _cell(value)
        if kind == TEXT and lower_values:
            text = text.lower()
        spoken = name.lower() if rng.random() < 0.75 else name
        wording = rng.choice(CONDITION_WORDINGS[connector][op])
        phrases_.append(wording.format(art=a_an(spoken), c=spoken, v=text))
        sql_conds.append(f"{name} {op} {text}")

    sel_spoken = sel_name.lower() if rng.random() < 0.75 else sel_name
    lead = rng.choice(AGG_LEADS[agg] if agg else PLAIN_LEADS).format(sel=sel_spoken)
    question = f"{lead} {rng.choice(CONNECTORS[connector])} {' and '.join(phrases_)}"
    question += (
        "?"
        if not lead.startswith(("Name", "Tell", "Give", "Count"))
        else rng.choice(["", ".", "?"])
    )
    select = f"{agg} {sel_name}" if agg else sel_name
    sql = f"SELECT {select} FROM table WHERE {' AND '.join(sql_conds)}"
    return example({"table": str(table), "question": question}, sql)


WIKISQL = task(
    "wikisql",
    "Write the SQL query that answers a question about a table, given its columns and rows.",
    make_wikisql,
)
