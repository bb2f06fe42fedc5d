"""Shared word pools and tiny text helpers for the generators (plain ASCII only)."""

from __future__ import annotations

import random
import re


def words(text: str) -> list[str]:
    """A pool of single words written as one space-separated string."""
    return text.split()


def phrases(text: str) -> list[str]:
    """A pool of multi-word phrases written as one "|"-separated string."""
    return [part.strip() for part in text.split("|") if part.strip()]


FEMALE_NAMES = words(
    "Maria Yuki Elena Priya Fatima Sofia Grace Lucia Hana Nina Chloe Aisha Julia Mei Sara "
    "Amara Ingrid Olga Rosa Emma Laura Zara Anna Ines Leila Mia Tara Vera Clara Ruth"
)
MALE_NAMES = words(
    "James Ahmed Carlos Lars Tom Ivan Omar Peter Diego Samuel Mateo Henrik Kofi Pablo "
    "Viktor Leo Rahul Felix Tariq Marco Daniel Hugo Jonas Luca Noah Oscar Paul Ravi Simon "
    "Yusuf"
)
FIRST_NAMES = FEMALE_NAMES + MALE_NAMES
LAST_NAMES = words(
    "Smith Garcia Novak Tanaka Muller Rossi Khan Larsen Silva Petrov Dubois Kowalski Jensen "
    "Moreau Okafor Haddad Lindqvist Costa Fischer Nakamura Horvat Berg Ivanova Mendes "
    "Schmidt Brennan Adeyemi Castillo Weber Sato Kovacs Quinn Romero Varga Walsh Yilmaz "
    "Bauer Cohen Duarte Eriksen"
)
CITIES = words(
    "Paris Berlin Madrid Rome Vienna Prague Warsaw Lisbon Dublin Oslo Stockholm Helsinki "
    "Athens Cairo Nairobi Lagos Tokyo Seoul Sydney Toronto Chicago Boston Denver Lima "
    "Bogota Santiago Mumbai Jakarta Manila Hanoi Istanbul Zurich Geneva Brussels Amsterdam "
    "Munich Milan Porto Krakow Budapest"
)
COUNTRIES = words(
    "France Germany Spain Italy Austria Poland Portugal Ireland Norway Sweden Finland "
    "Greece Egypt Kenya Nigeria Japan Korea Australia Canada Peru Chile India Brazil Mexico "
    "Turkey Belgium Hungary Denmark Ghana Vietnam"
)
NATIONALITIES = words(
    "French German Spanish Italian Austrian Polish Portuguese Irish Norwegian Swedish "
    "Finnish Greek Egyptian Kenyan Nigerian Japanese Korean Australian Canadian Peruvian "
    "Chilean Indian Brazilian Mexican Turkish Belgian Danish"
)
YEARS = list(range(1950, 2024))
SYLLABLES = words(
    "ka lo ven dra mi tor sel an bri ro mar tes vol du ne gal pra zin or fel ha lin qua ber "
    "sto vik el mon ti ras"
)
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def full_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def coined_word(rng: random.Random, lo: int = 2, hi: int = 3) -> str:
    """A made-up proper name such as "Kavenro" (always capitalised)."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(lo, hi))).capitalize()


def a_an(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


SLOT = re.compile(r"\[([A-Z_]+)\]")


def fill_slots(
    pattern: str, fillers: dict[str, list[str]], rng: random.Random
) -> tuple[str, list[tuple[str, str]]]:
    """Replace each [SLOT] in `pattern` by a random filler of that slot's pool.

    Returns the text (first letter capitalised) and the (slot, filler) pairs in order of
    appearance; a filler that opens the sentence is reported capitalised, as it appears.
    """
    used: list[tuple[str, str]] = []
    taken: set[str] = set()
    parts: list[str] = []
    pos = 0
    for match in SLOT.finditer(pattern):
        slot = match.group(1)
        choices = [v for v in fillers[slot] if v not in taken] or fillers[slot]
        value = rng.choice(choices)
        taken.add(value)
        if match.start() == 0:
            value = capitalise(value)
        parts.append(pattern[pos : match.start()])
        parts.append(value)
        used.append((slot, value))
        pos = match.end()
    parts.append(pattern[pos:])
    return capitalise("".join(parts)), used
