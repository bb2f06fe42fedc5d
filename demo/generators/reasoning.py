"""Reasoning tasks built on sentence pairs and choices: glue_mnli, glue_cola, glue_mrpc,
glue_qqp, hellaswag and winogrande. (The sentiment-style tasks are in sentiment.py.)

Each task is written as small hand-made scenarios (a premise with hypotheses it entails,
leaves open or contradicts; a news event told three ways; a question asked several ways;
an everyday activity with its steps in order; a Winograd pair of triggers) filled with
names, places and numbers, so that every class shares the same vocabulary and the label
only follows from what the texts mean.

Long on purpose: most of it is hand-made scenarios, data that reads best beside the example
makers that draw from them.
"""

from __future__ import annotations

import random

from .base import example, task
from .vocab import (
    CITIES,
    COUNTRIES,
    FEMALE_NAMES,
    MALE_NAMES,
    WEEKDAYS,
    a_an,
    capitalise,
    coined_word,
    full_name,
    phrases,
    words,
)

MONTHS = words(
    "January February March April May June July August September October November December"
)


def _person(rng: random.Random, avoid: str = "") -> dict:
    """A first name with its pronouns."""
    female = rng.random() < 0.5
    name = rng.choice([n for n in (FEMALE_NAMES if female else MALE_NAMES) if n != avoid])
    he, him, his = ("she", "her", "her") if female else ("he", "him", "his")
    return {"name": name, "he": he, "him": him, "his": his, "He": he.capitalize()}


# =========================================================================== glue_mnli

# Each scenario: premise forms, then hypotheses that it entails (0), leaves open (1) and
# contradicts (2). Slots: {name} {he} {him} {his} {He}, {name2}, {city}, {city2}, {day},
# {month}, {country}, {n} (3-9), {m} (a different 3-9), {pct} (12-60), {year}, {co}.
MNLI_SCENARIOS = [
    (
        [
            "{name} missed the early train to {city} because {he} overslept.",
            "Because {he} overslept, {name} missed the early train to {city}.",
        ],
        [
            "{name} did not catch the early train.",
            "{name} slept later than {he} meant to.",
            "{name} had planned to travel to {city}.",
        ],
        [
            "{name} had a job interview in {city} that day.",
            "{name} took a taxi to {city} instead.",
            "{name} often oversleeps.",
        ],
        [
            "{name} caught the early train to {city}.",
            "{name} woke up early and made the train.",
            "{name} had no plans to travel to {city}.",
        ],
    ),
    (
        [
            "The restaurant on {street} Street closed last {month} after {n} years in business.",
            "After {n} years in business, the restaurant on {street} Street shut its doors "
            "last {month}.",
        ],
        [
            "The restaurant is no longer open.",
            "The restaurant had been open for several years.",
            "A restaurant on {street} Street closed down.",
        ],
        [
            "The restaurant closed because the rent went up.",
            "The owners plan to open a new place nearby.",
            "The restaurant was popular with tourists.",
        ],
        [
            "The restaurant on {street} Street is still open.",
            "The restaurant opened for the first time last {month}.",
            "The restaurant has never closed its doors.",
        ],
    ),
    (
        [
            "The report found that {pct} percent of schools in the region did not have "
            "enough teachers.",
            "According to the report, {pct} percent of the region's schools were short of "
            "teachers.",
        ],
        [
            "Some schools in the region did not have enough teachers.",
            "A report looked at schools in the region.",
            "Not every school in the region was fully staffed.",
        ],
        [
            "The report was paid for by the teachers' union.",
            "The shortage is worse in rural areas.",
            "The government will hire more teachers next year.",
        ],
        [
            "Every school in the region had enough teachers.",
            "The report found no staffing problems in the region's schools.",
            "The report was about hospitals, not schools.",
        ],
    ),
    (
        [
            "yeah we go camping up at the lake every summer with the kids",
            "well we usually take the kids camping by the lake every summer",
        ],
        [
            "They go camping in the summer.",
            "The speaker has children.",
            "The family spends time at a lake.",
        ],
        [
            "They have three kids.",
            "They also go skiing every winter.",
            "The lake is a long drive from their house.",
        ],
        [
            "They have never been camping.",
            "The speaker has no children.",
            "They only go camping in the winter.",
        ],
    ),
    (
        [
            "{name} slammed the door and walked out into the rain without {his} coat.",
            "Without bothering to take {his} coat, {name} slammed the door and went out into "
            "the rain.",
        ],
        [
            "{name} left without a coat.",
            "It was raining when {name} went outside.",
            "{name} went out through the door.",
        ],
        [
            "{name} was angry with {his} brother.",
            "{name} caught a cold the next day.",
            "{name} was on {his} way to the station.",
        ],
        [
            "{name} stayed inside all evening.",
            "{name} put on {his} coat before leaving.",
            "It was a dry, sunny day when {name} left.",
        ],
    ),
    (
        [
            "The museum, which is free on Sundays, holds more than {n},000 paintings from the "
            "{century} century.",
            "Admission to the museum is free on Sundays, and its collection includes over "
            "{n},000 {century}-century paintings.",
        ],
        [
            "You can visit the museum on a Sunday without paying.",
            "The museum has thousands of paintings.",
            "Some of the paintings are from the {century} century.",
        ],
        [
            "The museum is the most visited in the country.",
            "The museum is closed on Mondays.",
            "Most visitors come on Sundays.",
        ],
        [
            "The museum charges an entrance fee every day of the week.",
            "The museum holds fewer than a hundred paintings.",
            "The museum has no paintings at all.",
        ],
    ),
    (
        [
            "{co} hired {n}0 engineers this year and plans to double its staff in {city}.",
            "After hiring {n}0 engineers this year, {co} intends to double the size of its "
            "{city} office.",
        ],
        [
            "{co} took on new engineers this year.",
            "{co} has staff in {city}.",
            "{co} wants its team in {city} to grow.",
        ],
        [
            "{co} is the largest employer in {city}.",
            "{co} pays its engineers well.",
            "Most of the new engineers came straight from university.",
        ],
        [
            "{co} did not hire anyone this year.",
            "{co} is cutting jobs in {city}.",
            "{co} plans to shrink its office in {city}.",
        ],
    ),
    (
        [
            "The match was called off after heavy rain flooded the pitch on {day}.",
            "Heavy rain flooded the pitch on {day}, so the match was cancelled.",
        ],
        [
            "The match did not take place on {day}.",
            "It rained heavily on {day}.",
            "The pitch was under water.",
        ],
        [
            "The match will be played next week.",
            "The home team was expected to win.",
            "Thousands of fans had already bought tickets.",
        ],
        [
            "The match went ahead as planned on {day}.",
            "The weather was dry on {day}.",
            "The match was cancelled because of a power cut.",
        ],
    ),
    (
        [
            "Researchers found that people who slept less than six hours a night were more "
            "likely to catch colds.",
            "People sleeping under six hours a night caught colds more often, the researchers "
            "found.",
        ],
        [
            "The study linked short sleep to catching colds.",
            "People who slept little caught colds more often.",
            "The researchers looked at how long people slept.",
        ],
        [
            "The study was carried out in {country}.",
            "The researchers recommend eight hours of sleep.",
            "Most people in the study slept less than six hours.",
        ],
        [
            "The study found that sleep had nothing to do with colds.",
            "People who slept less caught fewer colds.",
            "The researchers did not look at sleep at all.",
        ],
    ),
    (
        [
            "{name}'s grandmother taught {him} to bake bread when {he} was {n} years old.",
            "When {name} was {n}, {his} grandmother showed {him} how to bake bread.",
        ],
        [
            "{name} learned to bake bread as a child.",
            "{name}'s grandmother knew how to bake bread.",
            "Someone taught {name} how to bake.",
        ],
        [
            "{name} now works as a baker.",
            "{name} bakes bread every weekend.",
            "{name}'s grandmother lived in {city}.",
        ],
        [
            "{name} has never learned how to bake bread.",
            "{name} first learned to bake in a cooking class as an adult.",
            "{name}'s grandmother could not bake at all.",
        ],
    ),
    (
        [
            "{name} bought {n} apples and a loaf of bread at the market.",
            "At the market, {name} picked up a loaf of bread and {n} apples.",
        ],
        [
            "{name} bought some fruit.",
            "{name} went to the market.",
            "{name} bought more than one apple.",
        ],
        [
            "{name} paid in cash.",
            "{name} was planning to make an apple pie.",
            "The market was crowded.",
        ],
        [
            "{name} did not buy anything at the market.",
            "{name} bought only bread.",
            "{name} bought {m} apples and no bread.",
        ],
    ),
    (
        [
            "The senator voted against the bill, saying it would raise taxes on small businesses.",
            "Saying that it would raise taxes on small businesses, the senator voted no on "
            "the bill.",
        ],
        [
            "The senator did not support the bill.",
            "The senator thought the bill would raise taxes.",
            "The bill was put to a vote.",
        ],
        [
            "The bill passed anyway.",
            "The senator owns a small business.",
            "The senator will run for re-election.",
        ],
        [
            "The senator voted for the bill.",
            "The senator said the bill would cut taxes for small businesses.",
            "The bill never came to a vote.",
        ],
    ),
    (
        [
            "The village can only be reached by boat, as there are no roads across the mountains.",
            "With no roads across the mountains, the only way to reach the village is by boat.",
        ],
        [
            "There is no road to the village.",
            "People travel to the village by boat.",
            "The village is hard to reach by land.",
        ],
        [
            "About two hundred people live in the village.",
            "The boat runs twice a day.",
            "Tourists rarely visit the village.",
        ],
        [
            "You can drive to the village.",
            "A road across the mountains leads to the village.",
            "The village is right next to a highway.",
        ],
    ),
    (
        [
            "{name} has worked as a nurse at the city hospital for {n} years.",
            "For the past {n} years, {name} has been a nurse at the city hospital.",
        ],
        [
            "{name} is a nurse.",
            "{name} works at a hospital.",
            "{name} has had the same job for years.",
        ],
        [
            "{name} works night shifts.",
            "{name} wants to become a doctor.",
            "{name} enjoys {his} work.",
        ],
        [
            "{name} started working at the hospital last month.",
            "{name} has never worked in a hospital.",
            "{name} is a teacher, not a nurse.",
        ],
    ),
    (
        [
            "Tickets for the concert in {city} sold out within {n} minutes of going on sale.",
            "It took only {n} minutes for the {city} concert to sell out.",
        ],
        [
            "The concert tickets sold quickly.",
            "Tickets for the concert went on sale.",
            "There is a concert in {city}.",
        ],
        [
            "The band will add a second show in {city}.",
            "The tickets were very expensive.",
            "Most of the tickets were bought by students.",
        ],
        [
            "Plenty of tickets were still available a week later.",
            "The concert tickets sold slowly.",
            "The tickets were never put on sale.",
        ],
    ),
    (
        [
            "After living in {city} for ten years, {name} moved back to {his} hometown to "
            "care for {his} father.",
            "{name} left {city}, where {he} had lived for a decade, to look after {his} "
            "father in {his} hometown.",
        ],
        [
            "{name} used to live in {city}.",
            "{name}'s father needed care.",
            "{name} went back to {his} hometown.",
        ],
        [
            "{name} found a new job in {his} hometown.",
            "{name} sold {his} apartment in {city}.",
            "{name} misses living in {city}.",
        ],
        [
            "{name} has never lived in {city}.",
            "{name} still lives in {city}.",
            "{name} moved to {city} to get away from {his} father.",
        ],
    ),
    (
        [
            "The car would not start, so {name} walked the {n} miles to work.",
            "{name} had to walk {n} miles to work because {his} car would not start.",
        ],
        [
            "{name} went to work on foot.",
            "There was a problem with the car.",
            "{name} walked more than a mile.",
        ],
        [
            "{name} was late for work.",
            "{name}'s car is very old.",
            "{name} called a mechanic later that day.",
        ],
        [
            "{name} drove to work.",
            "The car started without any trouble.",
            "{name} stayed home from work.",
        ],
    ),
    (
        [
            "The library will stay open until midnight during the exam period.",
            "During exams, the library is extending its hours and will close at midnight.",
        ],
        [
            "The library will be open later than usual during exams.",
            "Students can use the library until midnight during exams.",
            "The library's hours will change.",
        ],
        [
            "Students asked for longer opening hours.",
            "The library will hire extra staff.",
            "The library is the busiest building on campus.",
        ],
        [
            "The library will close early during exams.",
            "The library's hours will stay the same.",
            "The library will be closed for the exam period.",
        ],
    ),
    (
        [
            "{name} adopted a {n}-year-old dog from the shelter last {month}.",
            "Last {month}, {name} brought home a {n}-year-old dog from the animal shelter.",
        ],
        ["{name} has a dog.", "The dog came from a shelter.", "{name}'s dog is not a puppy."],
        [
            "The dog is a golden retriever.",
            "{name} lives alone.",
            "{name} had wanted a dog for years.",
        ],
        [
            "{name} bought a puppy from a breeder.",
            "{name} has never owned a dog.",
            "{name} adopted a cat, not a dog.",
        ],
    ),
    (
        [
            "Unemployment fell to {n}.{m} percent in {month}, its lowest level in a decade.",
            "In {month}, the jobless rate dropped to {n}.{m} percent, the lowest in ten years.",
        ],
        [
            "Unemployment went down in {month}.",
            "Unemployment had not been that low for ten years.",
            "Fewer people were out of work in {month}.",
        ],
        [
            "Wages also rose in {month}.",
            "The government took credit for the fall.",
            "Unemployment will keep falling next year.",
        ],
        [
            "Unemployment rose in {month}.",
            "Unemployment reached its highest level in a decade.",
            "Unemployment stayed the same in {month}.",
        ],
    ),
    (
        [
            "i don't really watch much tv anymore, mostly just the news at night",
            "these days i hardly watch tv at all except for the evening news",
        ],
        [
            "The speaker watches little TV.",
            "The speaker watches the news in the evening.",
            "The speaker used to watch more TV.",
        ],
        [
            "The speaker prefers reading books.",
            "The speaker watches the news on one channel only.",
            "The speaker used to watch a lot of sports.",
        ],
        [
            "The speaker watches TV all day long.",
            "The speaker never watches the news.",
            "The speaker watches more TV than ever.",
        ],
    ),
    (
        [
            "The old factory was turned into apartments in {year}, but its brick chimney was "
            "left standing.",
            "When the old factory became apartments in {year}, its brick chimney was kept.",
        ],
        [
            "The factory building is now used for housing.",
            "The chimney was not torn down.",
            "The factory was converted in {year}.",
        ],
        [
            "The apartments are expensive.",
            "The factory once made shoes.",
            "Many artists live in the apartments.",
        ],
        [
            "The factory was completely torn down.",
            "The chimney was demolished in {year}.",
            "The factory still makes goods today.",
        ],
    ),
    (
        [
            "Only {n} of the thirty students passed the final exam.",
            "Of the thirty students who sat the final exam, just {n} passed.",
        ],
        [
            "Most of the students did not pass the final exam.",
            "Some students passed the final exam.",
            "There was a final exam.",
        ],
        [
            "The exam was harder than last year's.",
            "The students will be allowed to retake it.",
            "The students who passed had studied for weeks.",
        ],
        [
            "All thirty students passed the final exam.",
            "Nobody passed the final exam.",
            "Most of the students passed the final exam.",
        ],
    ),
    (
        [
            "{name} forgot the cake in the oven, and it came out burnt black.",
            "The cake came out burnt black because {name} forgot it in the oven.",
        ],
        ["The cake was burnt.", "{name} baked a cake.", "The cake stayed in the oven too long."],
        [
            "The cake was for {his} daughter's birthday.",
            "{name} had to buy a cake from a shop instead.",
            "{name} is a bad cook.",
        ],
        [
            "The cake came out perfectly.",
            "{name} took the cake out right on time.",
            "{name} never put the cake in the oven.",
        ],
    ),
    (
        [
            "Built in the {century} century, the bridge was the only crossing over the river "
            "for two hundred years.",
            "For two hundred years after it was built in the {century} century, the bridge "
            "was the only way across the river.",
        ],
        [
            "The bridge is old.",
            "For a long time no other bridge crossed the river.",
            "The bridge crosses a river.",
        ],
        [
            "The bridge is made of stone.",
            "The bridge is now closed to cars.",
            "Tourists often take photos of the bridge.",
        ],
        [
            "The bridge was built last year.",
            "There were many bridges over the river at that time.",
            "The bridge crosses a railway, not a river.",
        ],
    ),
    (
        [
            "{name} and {name2} met at a conference in {city} and have been business "
            "partners ever since.",
            "Ever since they met at a conference in {city}, {name} and {name2} have run a "
            "business together.",
        ],
        [
            "{name} and {name2} work together.",
            "{name} and {name2} have met each other.",
            "There was a conference in {city}.",
        ],
        [
            "{name} and {name2} run a software company.",
            "The conference in {city} was about marketing.",
            "{name} and {name2} are also close friends.",
        ],
        [
            "{name} and {name2} have never met.",
            "{name} and {name2} first met at school.",
            "{name} and {name2} are business rivals.",
        ],
    ),
    (
        [
            "The hotel room was small but spotless, and the staff could not have been more "
            "helpful.",
            "Our room at the hotel was tiny yet spotlessly clean, and the staff were very helpful.",
        ],
        ["The room was clean.", "The staff were helpful.", "The hotel room was not large."],
        [
            "The hotel was in the city centre.",
            "The room had a view of the sea.",
            "The hotel was expensive.",
        ],
        [
            "The room was dirty.",
            "The staff were rude and unhelpful.",
            "The room was huge.",
        ],
    ),
]
MNLI_STREETS = words("Main Market Church Elm Oak Mill Bridge King High Station Park Water")
CENTURIES = words("sixteenth seventeenth eighteenth nineteenth")


def make_mnli(rng: random.Random) -> dict:
    premises, *hypotheses = rng.choice(MNLI_SCENARIOS)
    label = rng.randrange(3)
    person = _person(rng)
    n, m = rng.sample(range(3, 10), 2)
    city, city2 = rng.sample(CITIES, 2)
    slots = {
        **person,
        "name2": _person(rng, avoid=person["name"])["name"],
        "city": city,
        "city2": city2,
        "day": rng.choice(WEEKDAYS),
        "month": rng.choice(MONTHS),
        "country": rng.choice(COUNTRIES),
        "street": rng.choice(MNLI_STREETS),
        "century": rng.choice(CENTURIES),
        "n": n,
        "m": m,
        "pct": rng.randint(12, 60),
        "year": rng.randint(1975, 2019),
        "co": coined_word(rng) + rng.choice([" Systems", " Labs", " Software", ""]),
    }
    premise = rng.choice(premises).format(**slots)  # the spoken ones stay lower case
    hypothesis = rng.choice(hypotheses[label]).format(**slots)
    return example({"premise": premise, "hypothesis": hypothesis}, str(label))


GLUE_MNLI = task(
    "glue_mnli",
    "Say whether a premise entails (0), leaves open (1) or contradicts (2) a hypothesis.",
    make_mnli,
)

# =========================================================================== glue_cola

# Subjects: (text, agreement "1s"/"3s"/"pl", object form or "" when it is not a pronoun)
PRONOUNS = [
    ("I", "1s", "me"),
    ("you", "pl", "you"),
    ("he", "3s", "him"),
    ("she", "3s", "her"),
    ("we", "pl", "us"),
    ("they", "pl", "them"),
]
COLA_NOUNS = [
    ("teacher", "teachers"),
    ("doctor", "doctors"),
    ("student", "students"),
    ("farmer", "farmers"),
    ("child", "children"),
    ("woman", "women"),
    ("man", "men"),
    ("girl", "girls"),
    ("boy", "boys"),
    ("neighbour", "neighbours"),
    ("baker", "bakers"),
    ("driver", "drivers"),
    ("nurse", "nurses"),
    ("artist", "artists"),
    ("manager", "managers"),
    ("pilot", "pilots"),
    ("singer", "singers"),
    ("tourist", "tourists"),
]
COLA_ADJS = words("old young tall tired new quiet friendly busy clever nervous")
# (after a singular noun, after a plural one)
RELATIVES = [
    ("who lives next door", "who live next door"),
    ("who works at the bank", "who work at the bank"),
    ("who was here yesterday", "who were here yesterday"),
    ("from the bakery", "from the bakery"),
    ("in the blue coat", "in blue coats"),
    ("who called yesterday", "who called yesterday"),
    ("at the corner table", "at the corner table"),
]


def _cola_subject(rng: random.Random) -> tuple[str, str, str]:
    roll = rng.random()
    if roll < 0.3:
        return (rng.choice(FEMALE_NAMES + MALE_NAMES), "3s", "")
    if roll < 0.55:
        return rng.choice(PRONOUNS)
    sg, pl = rng.choice(COLA_NOUNS)
    plural = rng.random() < 0.45
    noun = pl if plural else sg
    if rng.random() < 0.4:
        noun = rng.choice(COLA_ADJS) + " " + noun
    text = f"the {noun}"
    if rng.random() < 0.25:
        text += " " + rng.choice(RELATIVES)[1 if plural else 0]
    return (text, "pl" if plural else "3s", "")


# (base, 3rd singular, past, participle, -ing, strict: needs an object, objects, adjuncts)
# An adjunct written "at|the station" loses its preposition in the "drop_prep" error
# ("arrived the station"); one written without "|" is never stripped, because dropping
# its preposition leaves English ("swam the lake", "drove the coast").
# fmt: off
VERBS = [
    ("buy", "buys", "bought", "bought", "buying", True,
     ["a new coat", "the tickets", "some bread", "a car", "the flowers"], []),
    ("read", "reads", "read", "read", "reading", False,
     ["the letter", "a novel", "the newspaper", "the report"], ["in the garden"]),
    ("write", "writes", "wrote", "written", "writing", False,
     ["a letter", "an email", "the report", "a short story"], []),
    ("eat", "eats", "ate", "eaten", "eating", False,
     ["the soup", "an apple", "breakfast", "the cake"], ["in the kitchen"]),
    ("see", "sees", "saw", "seen", "seeing", True,
     ["the film", "a fox", "the doctor", "the new bridge"], []),
    ("take", "takes", "took", "taken", "taking", True,
     ["the bus", "the keys", "a photo", "the last train"], []),
    ("find", "finds", "found", "found", "finding", True,
     ["the keys", "a wallet", "the answer", "an old map"], []),
    ("fix", "fixes", "fixed", "fixed", "fixing", True,
     ["the sink", "the bike", "the roof", "the old radio"], []),
    ("bring", "brings", "brought", "brought", "bringing", True,
     ["the cake", "some flowers", "a friend", "the chairs"], []),
    ("need", "needs", "needed", "needed", "needing", True,
     ["a new phone", "more time", "a holiday", "the money"], []),
    ("enjoy", "enjoys", "enjoyed", "enjoyed", "enjoying", True,
     ["the concert", "the meal", "the trip", "the game"], []),
    ("drive", "drives", "drove", "driven", "driving", False,
     ["the truck", "a bus", "the old car"], ["to the coast"]),
    ("sing", "sings", "sang", "sung", "singing", False,
     ["a song", "the anthem", "a lullaby"], ["in the choir"]),
    ("break", "breaks", "broke", "broken", "breaking", True,
     ["the window", "a glass", "the record", "a plate"], []),
    ("choose", "chooses", "chose", "chosen", "choosing", True,
     ["a gift", "the red one", "a new name", "the cheaper hotel"], []),
    ("forget", "forgets", "forgot", "forgotten", "forgetting", False,
     ["the password", "the address", "the tickets"], []),
    ("sleep", "sleeps", "slept", "slept", "sleeping", False,
     [], ["on|the sofa", "in|the car", "for ten hours"]),
    ("arrive", "arrives", "arrived", "arrived", "arriving", False,
     [], ["at|the station", "at|the airport", "in|the city"]),
    ("laugh", "laughs", "laughed", "laughed", "laughing", False,
     [], ["at|the joke", "at|the clown"]),
    ("smile", "smiles", "smiled", "smiled", "smiling", False,
     [], ["at|the baby", "at|the camera"]),
    ("go", "goes", "went", "gone", "going", False,
     [], ["to|the market", "to|the beach", "to|the dentist"]),
    ("run", "runs", "ran", "run", "running", False,
     [], ["to the park", "along the river", "around the lake"]),
    ("swim", "swims", "swam", "swum", "swimming", False,
     [], ["in the lake", "across the river", "in the sea"]),
    ("fall", "falls", "fell", "fallen", "falling", False,
     [], ["down the stairs", "off the ladder"]),
    ("wait", "waits", "waited", "waited", "waiting", False,
     [], ["for|the bus", "for|the doctor", "outside|the shop"]),
    ("sit", "sits", "sat", "sat", "sitting", False,
     [], ["on the bench", "by|the window", "near|the door"]),
    ("cry", "cries", "cried", "cried", "crying", False,
     [], ["at|the end of the film", "at|the wedding"]),
    ("listen", "listens", "listened", "listened", "listening", False,
     [], ["to|the radio", "to|the teacher"]),
]
# fmt: on
# Verbs that read naturally after "wants to", "decided to", "made him", "kept".
AGENTIVE = set(
    words("buy read write eat take find fix bring drive sing choose go run swim wait sit listen")
)
MANNER = words("carefully quickly slowly happily quietly badly")
# Verbs that a manner adverb ("read the letter carefully") sits well with.
MANNER_VERBS = set(words("read write eat drive sing fix"))
MODALS = words("can will should might must could")
TIME_WORDS = {
    "present": phrases("every day | on Sundays | most mornings | twice a week | in the summer"),
    "past": phrases("yesterday | last week | on Monday | this morning | two days ago"),
    "perfect": phrases("already | just | recently | this week"),
    "progressive": phrases("when the phone rang | at noon | all afternoon"),
    "modal": phrases("tomorrow | next week | later | soon"),
    "negpast": phrases("yesterday | last night | on Friday"),
}


def _regularised(verb: tuple) -> str | None:
    """A wrong regular past ("goed", "buyed") for an irregular verb, else None."""
    base, past = verb[0], verb[2]
    regular = base + ("d" if base.endswith("e") else "ed")
    return None if regular == past else regular


def _cola_words(parts: dict) -> str:
    order = ["subj", "aux", "verb", "obj", "adj", "time"]
    return capitalise(" ".join(parts[k] for k in order if parts[k])) + "."


def _cola_clause(rng: random.Random, good: bool) -> str:
    subject, agr, obj_form = _cola_subject(rng)
    verb = rng.choice(VERBS)
    base, third, past, part, ing, strict, objects, adjuncts = verb
    tense = rng.choice(list(TIME_WORDS))
    use_obj = objects and (strict or not adjuncts or rng.random() < 0.6)
    obj = rng.choice(objects) if use_obj else ""
    adjunct = "" if obj or not adjuncts else rng.choice(adjuncts)
    time = rng.choice(TIME_WORDS[tense]) if rng.random() < 0.6 else ""

    aux = ""
    if tense == "present":
        form = third if agr == "3s" else base
    elif tense == "past":
        form = past
    elif tense == "perfect":
        aux, form = ("has" if agr == "3s" else "have"), part
    elif tense == "progressive":
        aux, form = ("were" if agr == "pl" else "was"), ing
    elif tense == "modal":
        aux, form = rng.choice(MODALS), base
    else:
        aux, form = rng.choice(["did not", "didn't"]), base
    if tense == "perfect" and time in ("already", "just", "recently"):
        aux, time = f"{aux} {time}", ""
    elif obj and base in MANNER_VERBS and rng.random() < 0.3:
        time = f"{rng.choice(MANNER)} {time}".strip()
    parts = {
        "subj": subject,
        "aux": aux,
        "verb": form,
        "obj": obj,
        "adj": adjunct.replace("|", " "),
        "time": time,
    }
    right = _cola_words(parts)
    if good:
        return right

    # Each error maps the correct parts to broken ones (None where it does not apply).
    def agree(p):
        p["verb"] = base if agr == "3s" else third
        return tense == "present"

    def aux_agree(p):
        if tense not in ("perfect", "progressive"):
            return False
        head, _, rest = aux.partition(" ")
        swap = {"has": "have", "have": "has", "was": "were", "were": "was"}[head]
        if agr == "1s" and head == "was":
            swap = "were"
        if agr == "1s" and head == "have":
            swap = "has"
        p["aux"] = f"{swap} {rest}".strip()
        return True

    def wrong_form(p):
        if tense == "perfect":
            p["verb"] = past if past != part else base
            return p["verb"] != part
        if tense == "progressive":
            p["verb"] = base
            return base != part  # "was read" would be a fine passive
        if tense == "modal":
            p["verb"] = rng.choice([third, past])
            return p["verb"] != base
        if tense == "negpast":
            p["verb"] = past
            return past != base
        if tense == "past" and _regularised(verb):
            p["verb"] = _regularised(verb)
            return True
        return False

    def modal_to(p):
        p["aux"] = aux + " to"
        return tense == "modal"

    def drop_obj(p):
        p["obj"] = ""
        return bool(obj) and strict

    def drop_prep(p):
        if "|" not in adjunct:
            return False
        p["adj"] = adjunct.split("|", 1)[1]
        return True

    def adverb_between(p):
        p["verb"] = f"{p['verb']} {rng.choice(MANNER)}"
        return bool(obj) and base in MANNER_VERBS

    def obj_first(p):
        p["aux"], p["verb"], p["obj"] = obj, f"{aux} {form}".strip(), ""
        return bool(obj)

    def no_det(p):
        det, _, rest = obj.partition(" ")
        p["obj"] = rest
        return det in ("a", "an") and obj != "the red one"

    def det_after(p):
        det, _, rest = obj.partition(" ")
        p["obj"] = f"{rest} the"
        return det in ("a", "an", "the") and obj != "the red one"

    def case(p):
        p["subj"] = obj_form
        return subject in ("I", "he", "she", "we", "they")

    errors = [
        agree,
        aux_agree,
        wrong_form,
        modal_to,
        drop_obj,
        drop_prep,
        adverb_between,
        obj_first,
        no_det,
        det_after,
        case,
    ]
    rng.shuffle(errors)
    for error in errors:
        broken = dict(parts)
        if error(broken) and _cola_words(broken) != right:
            return _cola_words(broken)
    return _cola_clause(rng, good)  # no error fits this clause (rare): draw another


def _cola_complement(rng: random.Random, good: bool) -> str:
    """Verbs that take an infinitive, a bare verb or an -ing form."""
    subject, agr, _ = _cola_subject(rng)
    base, _, _, _, ing, _, objects, adjuncts = rng.choice([v for v in VERBS if v[0] in AGENTIVE])
    rest = rng.choice(objects) if objects else rng.choice(adjuncts).replace("|", " ")
    frame = rng.choice(["to", "bare", "ing", "make"])
    if frame == "to":
        head = rng.choice(["wants", "hoped", "decided", "forgot", "tried", "plans", "refused"])
        if head in ("wants", "plans") and agr != "3s":
            head = head[:-1]
        good_text = f"{subject} {head} to {base} {rest}"
        bad_text = f"{subject} {head} {base} {rest}"
        if head not in ("tried", "forgot") and rng.random() < 0.5:  # "tried reading" is fine
            bad_text = f"{subject} {head} {ing} {rest}"
    elif frame == "bare":
        modal = rng.choice(["must", "should", "can", "will", "would rather"])
        good_text = f"{subject} {modal} {base} {rest}"
        bad_text = f"{subject} {modal} to {base} {rest}"
    elif frame == "ing":
        head = rng.choice(["enjoys", "avoided", "finished", "kept", "suggested"])
        if head == "enjoys" and agr != "3s":
            head = "enjoy"
        good_text = f"{subject} {head} {ing} {rest}"
        bad_text = f"{subject} {head} to {base} {rest}"
    else:
        other = rng.choice(["me", "us", "them", "him", "her", "the children"])
        head = rng.choice(["made", "let", "watched"])
        good_text = f"{subject} {head} {other} {base} {rest}"
        bad_text = f"{subject} {head} {other} to {base} {rest}"
    return capitalise(good_text if good else bad_text) + "."


COMPARATIVES = [
    ("tall", "taller", "tallest"),
    ("old", "older", "oldest"),
    ("fast", "faster", "fastest"),
    ("strong", "stronger", "strongest"),
    ("young", "younger", "youngest"),
    ("rich", "richer", "richest"),
    ("good", "better", "best"),
    ("bad", "worse", "worst"),
    ("careful", "more careful", "most careful"),
    ("patient", "more patient", "most patient"),
    ("busy", "busier", "busiest"),
]


def _cola_comparative(rng: random.Random, good: bool) -> str:
    a, b = rng.sample(FEMALE_NAMES + MALE_NAMES, 2)
    plain, more, most = rng.choice(COMPARATIVES)
    kind = rng.choice(["than", "as", "most"])
    if kind == "than":
        right = f"{a} is {more} than {b}"
        if plain in ("good", "bad"):
            wrong = rng.choice([f"{a} is more {more} than {b}", f"{a} is {plain}er than {b}"])
        elif more.startswith("more"):
            wrong = f"{a} is {plain}er than {b}"
        else:
            wrong = rng.choice([f"{a} is more {more} than {b}", f"{a} is {more} as {b}"])
    elif kind == "as":
        right = f"{a} is as {plain} as {b}"
        wrong = rng.choice([f"{a} is as {plain} than {b}", f"{a} is as {more} as {b}"])
    else:
        group = rng.choice(["in the class", "in the family", "on the team", "of all of us"])
        right = f"{a} is the {most} {group}"
        wrong = (
            f"{a} is the most {most} {group}"
            if not most.startswith("most")
            else f"{a} is the {plain}est {group}"
        )
    return (right if good else wrong) + "."


REFLEXIVE_VERBS = phrases("hurt | taught | introduced | blamed | reminded | looked at | prepared")
REFLEXIVE_TAILS = {
    "hurt": "while cooking",
    "taught": "to play the piano",
    "introduced": "to the new neighbours",
    "blamed": "for the accident",
    "reminded": "to call the bank",
    "looked at": "in the mirror",
    "prepared": "for the interview",
}


def _cola_reflexive(rng: random.Random, good: bool) -> str:
    female = rng.random() < 0.5
    name = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    verb = rng.choice(REFLEXIVE_VERBS)
    right = "herself" if female else "himself"
    if good:
        return f"{name} {verb} {right} {REFLEXIVE_TAILS[verb]}."
    wrong = rng.choice(["himself" if female else "herself", "themself", "ourselves"])
    if rng.random() < 0.3:
        return f"{capitalise(right)} {verb} {name} {REFLEXIVE_TAILS[verb]}."
    return f"{name} {verb} {wrong} {REFLEXIVE_TAILS[verb]}."


def _cola_question(rng: random.Random, good: bool) -> str:
    subject, agr, _ = _cola_subject(rng)
    if subject == "I":
        subject = "you"
        agr = "pl"
    base, third, past, _, ing, _, objects, adjuncts = rng.choice(VERBS)
    wh = rng.choice(["When", "Where", "Why", "How often"])
    rest = rng.choice(objects) if objects else rng.choice(adjuncts).replace("|", " ")
    do = "does" if agr == "3s" else "do"
    kind = rng.choice(["did", "do", "yesno"])
    if kind == "did":
        right = f"{wh} did {subject} {base} {rest}?"
        wrong = rng.choice(
            [f"{wh} did {subject} {past} {rest}?", f"{wh} {subject} did {base} {rest}?"]
        )
    elif kind == "do":
        right = f"{wh} {do} {subject} {base} {rest}?"
        wrong = rng.choice(
            [
                f"{wh} {do} {subject} {third} {rest}?",
                f"{wh} {'do' if do == 'does' else 'does'} {subject} {base} {rest}?",
            ]
        )
    else:
        right = f"Did {subject} {base} {rest}?"
        wrong = rng.choice([f"Did {subject} {past} {rest}?", f"Did {subject} {third} {rest}?"])
    if good:
        return right
    return wrong if wrong != right else f"{wh} did {subject} {ing} {rest}?"


PASSIVE_OBJECTS = [
    ("the window", "broken", "broke", "break"),
    ("the letter", "written", "wrote", "write"),
    ("the cake", "eaten", "ate", "eat"),
    ("the car", "stolen", "stole", "steal"),
    ("the song", "sung", "sang", "sing"),
    ("the house", "built", "builded", "build"),
    ("the keys", "found", "finded", "find"),
    ("the prize", "won", "winned", "win"),
    ("the bridge", "designed", "design", "design"),
    ("the email", "sent", "sended", "send"),
]


def _cola_passive(rng: random.Random, good: bool) -> str:
    thing, part, wrong_part, _ = rng.choice(PASSIVE_OBJECTS)
    plural = thing == "the keys"
    be = rng.choice(["were", "have been"] if plural else ["was", "has been", "will be"])
    agent = rng.choice(["the children", "a neighbour", "my uncle", "the workers", "someone"])
    wrong_be = {
        "were": "was",
        "have been": "has been",
        "was": "were",
        "has been": "have been",
        "will be": "will",
    }[be]
    if good:
        return capitalise(f"{thing} {be} {part} by {agent}.")
    return capitalise(
        rng.choice(
            [
                f"{thing} {be} {wrong_part} by {agent}.",
                f"{thing} {wrong_be} {part} by {agent}.",
                f"{thing} {be} {part} {agent}.",
            ]
        )
    )


# (one thing, several of them, places where they may be)
THERE_THINGS = [
    ("a cat", "two cats", ["in the garden", "on the roof", "under the car"]),
    ("a letter", "some letters", ["on the table", "in the box", "for you"]),
    ("a problem", "several problems", ["with this plan", "in this report"]),
    ("a mistake", "three mistakes", ["in this report", "on the first page"]),
    ("a bench", "two benches", ["near the station", "in the park"]),
    ("a car", "many cars", ["outside the house", "in the car park"]),
    ("a bird", "some birds", ["in the tree", "on the roof"]),
    ("a child", "ten children", ["in the room", "on the bus"]),
]


def _cola_there(rng: random.Random, good: bool) -> str:
    one, many, places = rng.choice(THERE_THINGS)
    place = rng.choice(places)
    past = rng.random() < 0.5
    if rng.random() < 0.5:
        right, wrong, thing = ("was" if past else "is"), ("were" if past else "are"), one
    else:
        right, wrong, thing = ("were" if past else "are"), ("was" if past else "is"), many
    return f"There {right if good else wrong} {thing} {place}."


# (thing, is it plural, past verb that takes it)
RELATIVE_THINGS = [
    ("the book", False, "bought"),
    ("the cake", False, "baked"),
    ("the letter", False, "wrote"),
    ("the photos", True, "took"),
    ("the car", False, "sold"),
    ("the keys", True, "found"),
    ("the song", False, "chose"),
    ("the shoes", True, "ordered"),
    ("the painting", False, "painted"),
    ("the flowers", True, "picked"),
]


def _cola_relative(rng: random.Random, good: bool) -> str:
    thing, plural, past = rng.choice(RELATIVE_THINGS)
    person = rng.choice(FEMALE_NAMES + MALE_NAMES)
    pron = "them" if plural else "it"
    tail = rng.choice(["{be} lovely", "{be} a surprise", "cost a lot", "{be} still here"])
    tail = tail.format(be=rng.choice(["are", "were"] if plural else ["is", "was"]))
    if good:
        rel = rng.choice(["that ", "which ", ""])
        return capitalise(f"{thing} {rel}{person} {past} {tail}.")
    return capitalise(
        rng.choice(
            [
                f"{thing} that {person} {past} {pron} {tail}.",
                f"{thing} who {person} {past} {tail}.",
                f"{thing} what {person} {past} {tail}.",
            ]
        )
    )


COLA_BUILDERS = [
    (_cola_clause, 6),
    (_cola_complement, 2),
    (_cola_comparative, 1),
    (_cola_reflexive, 1),
    (_cola_question, 1),
    (_cola_passive, 1),
    (_cola_there, 1),
    (_cola_relative, 1),
]


def make_cola(rng: random.Random) -> dict:
    good = rng.random() < 0.5
    builders, weights = zip(*COLA_BUILDERS, strict=True)
    builder = rng.choices(builders, weights)[0]
    sentence = builder(rng, good)
    return example({"sentence": sentence}, "1" if good else "0")


GLUE_COLA = task(
    "glue_cola",
    "Say whether an English sentence is grammatically acceptable (1) or not (0).",
    make_cola,
)

# =========================================================================== glue_mrpc

# News events, each told three ways. A paraphrase pair is two tellings of the same facts; a
# non-paraphrase changes one fact (a number, a name, a day, a direction, who did what to
# whom) or tells a different event about the same people.
MRPC_EVENTS = [
    (
        [
            "{co} said its {q} profit {rose} {pct} percent to ${m} million.",
            "{co}'s {q} profit {climbed} {pct} percent to ${m} million, the company said.",
            "{Q} profit at {co} {increased} by {pct} percent, to ${m} million, the company "
            "reported.",
        ],
        ("pct", "m", "up", "q"),
    ),
    (
        [
            "{name}, {age}, was arrested in {city} on {day} and charged with {crime}.",
            "Police in {city} arrested {name}, {age}, on {day} on a charge of {crime}.",
            "{name}, {age}, was taken into custody in {city} on {day} and faces a {crime} charge.",
        ],
        ("city", "day", "crime", "age", "name"),
    ),
    (
        [
            "The {body} voted {n} to {k} on {day} to {approve} the {plan}.",
            "On {day}, the {body} {approved} the {plan} by a vote of {n} to {k}.",
            "By {n} votes to {k}, the {body} {approved} the {plan} on {day}.",
        ],
        ("n", "day", "plan", "up", "body"),
    ),
    (
        [
            "{co} will cut {n},000 jobs, about {pct} percent of its workforce, by the end of "
            "the year.",
            "About {pct} percent of {co}'s staff, or {n},000 workers, will lose their jobs "
            "by the end of the year.",
            "{co} plans to eliminate {n},000 positions, roughly {pct} percent of its "
            "employees, before the year is out.",
        ],
        ("n", "pct", "co"),
    ),
    (
        [
            "Shares of {co} {rose} {c} cents, or {pct2} percent, to ${p} on {day}.",
            "{co} stock {climbed} {c} cents to close at ${p} on {day}, a {gain} of {pct2} percent.",
            "On {day}, {co} shares {increased} by {c} cents, or {pct2} percent, to ${p}.",
        ],
        ("c", "p", "day", "up"),
    ),
    (
        [
            "{co} agreed to buy {co2} for ${b} billion in cash.",
            "{co2} will be acquired by {co} in an all-cash deal worth ${b} billion.",
            "In a ${b} billion cash deal, {co} has agreed to take over {co2}.",
        ],
        ("b", "swap"),
    ),
    (
        [
            "{name}, {nationality} foreign minister, will visit {city} on {day} for talks on "
            "{topic}.",
            "{nationality} foreign minister {name} is due in {city} on {day} to discuss {topic}.",
            "Talks on {topic} will bring {nationality} foreign minister {name} to {city} on {day}.",
        ],
        ("city", "day", "topic"),
    ),
    (
        [
            "{co} was ordered to pay ${m} million to {n}0 former employees who sued over {claim}.",
            "A court ordered {co} to pay {n}0 former workers ${m} million in a lawsuit over "
            "{claim}.",
            "{n}0 former employees of {co} who sued over {claim} were awarded ${m} million.",
        ],
        ("m", "n", "claim"),
    ),
    (
        [
            "The storm left about {n},000 homes without power in {region} on {day}.",
            "Around {n},000 households in {region} lost power on {day} as the storm hit.",
            "Some {n},000 homes in {region} were left without electricity by the storm on {day}.",
        ],
        ("n", "region", "day"),
    ),
    (
        [
            "The study of {n},000 adults found that those who walked daily had a {pct} "
            "percent {lower} risk of heart disease.",
            "Adults who walked every day were {pct} percent {less} likely to develop heart "
            "disease, according to a study of {n},000 people.",
            "In a study of {n},000 adults, daily walkers had a {pct} percent {lower} chance "
            "of heart disease.",
        ],
        ("pct", "n", "up"),
    ),
    (
        [
            "{name} resigned as {title} of {co} on {day}, citing {reason}.",
            "{co} said on {day} that {name} had stepped down as {title} for {reason}.",
            "Citing {reason}, {name} quit as {co}'s {title} on {day}.",
        ],
        ("day", "reason", "title", "name"),
    ),
    (
        [
            "{name} won the election with {share} percent of the vote, defeating {name2}.",
            "{name2} was defeated by {name}, who took {share} percent of the vote.",
            "With {share} percent of the vote, {name} beat {name2} in the election.",
        ],
        ("share", "swap"),
    ),
    (
        [
            "{name} was sentenced to {n} years in prison for {crime}.",
            "A judge gave {name} a {n}-year prison sentence for {crime}.",
            "{name} will spend {n} years in prison after being sentenced for {crime}.",
        ],
        ("n", "crime"),
    ),
    (
        [
            "{co} will begin selling its new {product} in {country} in {month}, priced at "
            "${price}.",
            "The new {product} from {co} goes on sale in {country} in {month} for ${price}.",
            "Priced at ${price}, {co}'s new {product} will be available in {country} from {month}.",
        ],
        ("month", "country", "price", "product"),
    ),
    (
        [
            "{airline} cancelled {n}0 flights on {day} because of a strike by {strikers}.",
            "A strike by {strikers} forced {airline} to cancel {n}0 flights on {day}.",
            "{n}0 {airline} flights were cancelled on {day} as {strikers} went on strike.",
        ],
        ("n", "day", "strikers"),
    ),
    (
        [
            "Firefighters needed {n} hours to put out a fire at {building} in {city} early "
            "on {day}.",
            "A fire at {building} in {city} took firefighters {n} hours to bring under "
            "control early on {day}.",
            "It took {n} hours for firefighters to put out the blaze at {building} in "
            "{city} early on {day}.",
        ],
        ("n", "building", "city", "day"),
    ),
]
QUARTERS = ["first-quarter", "second-quarter", "third-quarter", "fourth-quarter"]
CRIMES = phrases("theft | fraud | robbery | assault | bribery | arson | burglary | forgery")
PLANS = phrases(
    "budget | new tax | school plan | road project | merger | pay deal | housing plan | "
    "parking rules"
)
BODIES = phrases("city council | school board | Senate committee | board | county board")
NATIONALITY_WORDS = words(
    "French German Spanish Italian Polish Irish Swedish Greek Kenyan Japanese Korean Canadian "
    "Chilean Indian Brazilian Mexican Turkish"
)
MRPC_TOPICS = phrases(
    "trade | climate policy | border security | energy prices | fishing rights | the "
    "refugee crisis | nuclear power"
)
CLAIMS = phrases("unpaid overtime | age discrimination | unfair dismissal | missing pensions")
REGIONS = phrases(
    "northern Ohio | the Midlands | eastern Texas | southern Ontario | the Scottish Highlands "
    "| western Kentucky | coastal Maine | the Gold Coast"
)
TITLES = phrases("chief executive | chairman | chief financial officer | president")
REASONS = phrases("health reasons | personal reasons | family reasons")
PRODUCTS = phrases("smartphone | electric scooter | tablet | smart speaker | laptop | camera")
STRIKERS = phrases("pilots | air traffic controllers | baggage handlers | cabin crew")
BUILDINGS = phrases("a warehouse | a school | a shopping centre | an apartment block | a factory")
CO_SUFFIXES = [" Inc.", " Corp.", " Group", " Holdings", " Motors", " Energy", " Bank"]


def _mrpc_slots(rng: random.Random) -> dict:
    first, second = (coined_word(rng) + rng.choice(CO_SUFFIXES) for _ in range(2))
    name, name2 = full_name(rng), full_name(rng)
    if name2.split()[0] == name.split()[0]:
        name2 = full_name(rng)
    pct = rng.randint(2, 40)
    return {
        "co": first,
        "co2": second if second != first else "North " + second,
        "name": name,
        "name2": name2 if name2 != name else "Sam " + name2.split()[1],
        "q": rng.choice(QUARTERS),
        "pct": pct,
        "pct2": f"{rng.randint(1, 9)}.{rng.randint(1, 9)}",
        "share": rng.randint(41, 75),
        "m": rng.randint(10, 900),
        "b": f"{rng.randint(1, 9)}.{rng.randint(1, 9)}",
        "n": rng.randint(2, 40),
        "k": rng.randint(0, 4),
        "c": rng.randint(5, 95),
        "p": f"{rng.randint(10, 90)}.{rng.randint(10, 99)}",
        "age": rng.randint(19, 70),
        "city": rng.choice(CITIES),
        "country": rng.choice(COUNTRIES),
        "day": rng.choice(WEEKDAYS),
        "month": rng.choice(MONTHS),
        "crime": rng.choice(CRIMES),
        "plan": rng.choice(PLANS),
        "body": rng.choice(BODIES),
        "nationality": rng.choice(NATIONALITY_WORDS),
        "topic": rng.choice(MRPC_TOPICS),
        "claim": rng.choice(CLAIMS),
        "region": rng.choice(REGIONS),
        "title": rng.choice(TITLES),
        "reason": rng.choice(REASONS),
        "product": rng.choice(PRODUCTS),
        "price": rng.randint(99, 999),
        "airline": coined_word(rng) + rng.choice([" Airways", " Air", " Airlines"]),
        "strikers": rng.choice(STRIKERS),
        "building": rng.choice(BUILDINGS),
        "up": rng.random() < 0.5,
        "swap": False,
    }


def _mrpc_render(form: str, slots: dict, rng: random.Random) -> str:
    up = slots["up"]
    first, second = ("co", "co2") if not slots["swap"] else ("co2", "co")
    person, other = ("name", "name2") if not slots["swap"] else ("name2", "name")
    words_for = {
        "rose": rng.choice(["rose", "increased"] if up else ["fell", "declined"]),
        "climbed": rng.choice(["climbed", "jumped", "rose"] if up else ["dropped", "slid", "fell"]),
        "increased": "increased" if up else "declined",
        "gain": "gain" if up else "loss",
        "approve": "approve" if up else "reject",
        "approved": "approved" if up else "rejected",
        "lower": "higher" if up else "lower",
        "less": "more" if up else "less",
    }
    filled = {
        **slots,
        **words_for,
        "co": slots[first],
        "co2": slots[second],
        "name": slots[person],
        "name2": slots[other],
    }
    filled["Q"] = capitalise(slots["q"])
    return capitalise(form.format(**filled))


def make_mrpc(rng: random.Random) -> dict:
    forms, changeable = rng.choice(MRPC_EVENTS)
    slots = _mrpc_slots(rng)
    equivalent = rng.random() < 0.5
    first_form, second_form = rng.sample(forms, 2)
    other = dict(slots)
    if not equivalent:
        if rng.random() < 0.25:  # another event about the same people and places
            others = [event for event in MRPC_EVENTS if event[0] is not forms]
            second_form = rng.choice(rng.choice(others)[0])
        else:
            key = rng.choice(changeable)
            if key in ("up", "swap"):
                other[key] = not other[key]
            else:
                while other[key] == slots[key]:
                    other[key] = _mrpc_slots(rng)[key]
    pair = [_mrpc_render(first_form, slots, rng), _mrpc_render(second_form, other, rng)]
    if equivalent and pair[0] == pair[1]:
        pair[1] = _mrpc_render(second_form, other, rng)
    rng.shuffle(pair)
    return example({"sentence1": pair[0], "sentence2": pair[1]}, "1" if equivalent else "0")


GLUE_MRPC = task(
    "glue_mrpc",
    "Say whether two news sentences mean the same thing (1) or not (0).",
    make_mrpc,
)

# =========================================================================== glue_qqp

# Topic kinds, each with its intents; an intent lists wordings that ask the same thing.
QQP_KINDS = {
    "skill": (
        phrases(
            "Python | Java | the guitar | the piano | Spanish | Japanese | French | German | "
            "calculus | statistics | machine learning | data science | photography | public "
            "speaking | chess | drawing | swimming | cooking | web development | video "
            "editing | Excel | SQL | English grammar | touch typing"
        ),
        {
            "fast": [
                "How can I learn {t} quickly?",
                "What is the fastest way to learn {t}?",
                "How do I get good at {t} in a short time?",
                "What's the quickest way to pick up {t}?",
            ],
            "start": [
                "Where should a complete beginner start with {t}?",
                "How do I get started with {t}?",
                "What is the first step in learning {t}?",
                "I know nothing about {t}. Where do I begin?",
            ],
            "books": [
                "What are the best books on {t}?",
                "Which books would you recommend for learning {t}?",
                "What is a good book to learn {t} from?",
                "Can anyone suggest good books about {t}?",
            ],
            "hard": [
                "Why is {t} so hard to learn?",
                "What makes {t} so difficult?",
                "Why do so many people struggle with {t}?",
            ],
            "money": [
                "Can I make a living from {t}?",
                "How can I earn money with {t}?",
                "Is it possible to make money from {t}?",
                "What are some ways to make money using {t}?",
            ],
            "old": [
                "Am I too old to start learning {t} at 40?",
                "Is it too late to learn {t} at the age of 40?",
                "Can someone in their forties still learn {t}?",
            ],
            "long": [
                "How long does it take to learn {t}?",
                "How many months does it take to get good at {t}?",
                "How much time do I need to learn {t}?",
            ],
            "self": [
                "Can I learn {t} on my own without a teacher?",
                "Is it possible to teach yourself {t}?",
                "Can {t} be self-taught?",
            ],
            "online": [
                "What are the best free online resources for learning {t}?",
                "Which websites are best for learning {t} for free?",
                "Where can I learn {t} online for free?",
            ],
        },
    ),
    "place": (
        phrases(
            "Japan | Canada | Germany | Australia | India | New York | London | Paris | Dubai "
            "| Singapore | Thailand | Brazil | Iceland | Mexico | Bangalore | Toronto | Berlin "
            "| Istanbul | Cape Town | Vietnam"
        ),
        {
            "when": [
                "When is the best time of year to visit {t}?",
                "What is the best season to travel to {t}?",
                "Which month is best for a trip to {t}?",
            ],
            "do": [
                "What are the best things to do in {t}?",
                "What should I not miss when visiting {t}?",
                "What are the must-see places in {t}?",
            ],
            "cost": [
                "What is the cost of living in {t}?",
                "How expensive is it to live in {t}?",
                "How much money do you need per month to live in {t}?",
            ],
            "job": [
                "How can a foreigner get a job in {t}?",
                "What is the best way for a foreigner to find work in {t}?",
                "How do foreigners find jobs in {t}?",
            ],
            "safe": [
                "Is {t} safe for tourists?",
                "How safe is {t} for travellers?",
                "Is it dangerous to travel to {t} as a tourist?",
            ],
            "food": [
                "What food should I try in {t}?",
                "What are the must-try dishes in {t}?",
                "Which local dishes should I eat when I am in {t}?",
            ],
            "move": [
                "What are the pros and cons of moving to {t}?",
                "What are the advantages and disadvantages of living in {t}?",
                "Should I move to {t}? What are the pros and cons?",
            ],
        },
    ),
    "goal": (
        phrases(
            "lose weight | sleep better | stop procrastinating | make new friends | get over a "
            "breakup | be more confident | save money | stop overthinking | wake up early | "
            "focus while studying | deal with stress | gain muscle | get rid of acne | quit "
            "smoking | stop snoring | read faster | improve handwriting | become a better "
            "writer"
        ),
        {
            "how": [
                "How can I {t}?",
                "What is the best way to {t}?",
                "What are some tips to {t}?",
                "How do I {t}?",
                "What should I do to {t}?",
            ],
            "why": [
                "Why is it so hard to {t}?",
                "Why do I find it so difficult to {t}?",
                "Why can't I {t} no matter what I try?",
            ],
            "week": [
                "How can I {t} in one week?",
                "Is it possible to {t} in just a week?",
                "What can I do to {t} within seven days?",
            ],
            "app": [
                "What is the best app to help me {t}?",
                "Which apps help you {t}?",
                "Are there any good apps to {t}?",
            ],
        },
    ),
    "product": (
        phrases(
            "iPhone | gaming laptop | electric car | DSLR camera | smartwatch | used car | "
            "standing desk | air purifier | Kindle | pair of noise-cancelling headphones | 3D "
            "printer | robot vacuum | mechanical keyboard | e-bike"
        ),
        {
            "worth": [
                "Is it worth buying {a} {t}?",
                "Should I buy {a} {t}?",
                "Is {a} {t} worth the money?",
            ],
            "budget": [
                "What is the best {t} under $500?",
                "Which {t} should I buy if my budget is $500?",
                "What's the best {t} I can get for less than $500?",
            ],
            "check": [
                "What should I look for when buying {a} {t}?",
                "What should I check before buying {a} {t}?",
                "What do I need to know before I buy {a} {t}?",
            ],
            "last": [
                "How long does {a} {t} usually last?",
                "What is the average lifespan of {a} {t}?",
                "How many years will {a} {t} last?",
            ],
        },
    ),
    "pair": (
        [
            "weather and climate",
            "a virus and bacteria",
            "stocks and bonds",
            "RAM and storage",
            "empathy and sympathy",
            "a crocodile and an alligator",
            "baking soda and baking powder",
            "a psychologist and a psychiatrist",
            "affect and effect",
            "a CV and a resume",
            "machine learning and AI",
            "a lake and a pond",
            "a startup and a small business",
            "Java and JavaScript",
        ],
        {
            "diff": [
                "What is the difference between {t}?",
                "What are the main differences between {t}?",
                "How do you tell the difference between {t}?",
            ],
            "confuse": [
                "Why do people confuse {t}?",
                "Why do so many people mix up {t}?",
            ],
        },
    ),
}


def _qqp_render(kind: str, intent: str, topic: str, wording: str) -> str:
    article = a_an(topic) if kind == "product" and not topic.startswith("pair") else "a"
    return wording.format(t=topic, a=article)


def _qqp_noise(question: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        question = question[:1].lower() + question[1:]
    elif roll < 0.2:
        question = question.rstrip("?")
    return question


def make_qqp(rng: random.Random) -> dict:
    kind = rng.choice(list(QQP_KINDS))
    topics, intents = QQP_KINDS[kind]
    intent, topic = rng.choice(list(intents)), rng.choice(topics)
    duplicate = rng.random() < 0.5
    first, second = rng.sample(intents[intent], 2)
    q1 = _qqp_render(kind, intent, topic, first)
    roll = rng.random()
    if duplicate:
        q2 = _qqp_render(kind, intent, topic, second)
    elif roll < 0.45:  # same topic, a different question about it
        other = rng.choice([i for i in intents if i != intent])
        q2 = _qqp_render(kind, other, topic, rng.choice(intents[other]))
    elif roll < 0.85:  # the same question about a different topic
        other_topic = rng.choice([t for t in topics if t != topic])
        q2 = _qqp_render(kind, intent, other_topic, second)
    else:  # something else altogether
        other_kind = rng.choice([k for k in QQP_KINDS if k != kind])
        other_topics, other_intents = QQP_KINDS[other_kind]
        other = rng.choice(list(other_intents))
        q2 = _qqp_render(
            other_kind, other, rng.choice(other_topics), rng.choice(other_intents[other])
        )
    pair = [_qqp_noise(q1, rng), _qqp_noise(q2, rng)]
    rng.shuffle(pair)
    return example({"question1": pair[0], "question2": pair[1]}, "1" if duplicate else "0")


GLUE_QQP = task(
    "glue_qqp",
    "Say whether two questions ask the same thing (1) or not (0).",
    make_qqp,
)

# =========================================================================== hellaswag

# Everyday activities: ways the scene is set, the steps in order, and on-topic endings that
# do not follow (impossible, absurd or self-contradictory). {pos} is his/her.
ACTIVITIES = [
    (
        ["is kneeling on a roof with a hammer", "climbs a ladder onto the roof of a house"],
        [
            "pulls up the old, cracked shingles.",
            "lays a row of new shingles along the edge.",
            "nails each shingle firmly into place.",
        ],
        [
            "nails the ladder to the clouds above the house.",
            "puts the hammer in the oven and sets a timer.",
        ],
    ),
    (
        [
            "is standing at the stove next to a pot of boiling water",
            "fills a large pot with water and sets it on the stove",
        ],
        [
            "adds a pinch of salt to the water.",
            "drops the spaghetti into the pot and stirs it.",
            "drains the pasta in a colander over the sink.",
        ],
        [
            "pours the boiling water into {pos} shoes.",
            "puts the dry spaghetti back in the fridge and goes to bed.",
        ],
    ),
    (
        ["kneels beside a bathtub with a muddy dog", "lifts a wet dog into the bathtub"],
        [
            "wets the dog's fur with warm water.",
            "rubs shampoo into the dog's coat.",
            "rinses off the soap and wraps the dog in a towel.",
        ],
        [
            "fills the tub with sand and buries the dog's toys.",
            "hands the dog a hair dryer and leaves the room.",
        ],
    ),
    (
        ["sits on a stool holding an acoustic guitar", "picks up a guitar on a small stage"],
        [
            "tunes the strings one by one.",
            "strums a few chords to warm up.",
            "starts playing a song and sings along.",
        ],
        [
            "uses the guitar to hammer a nail into the stage.",
            "puts the guitar in the microwave and presses start.",
        ],
    ),
    (
        [
            "holds a paint roller in front of a bare white wall",
            "opens a can of blue paint in an empty room",
        ],
        [
            "pours the paint into a tray.",
            "rolls the paint onto the wall in long strokes.",
            "adds a second coat once the first one is dry.",
        ],
        [
            "drinks the paint straight from the can.",
            "paints the wall with a toothbrush while standing on the ceiling.",
        ],
    ),
    (
        [
            "stands at the top of a snowy slope in skis",
            "clicks {pos} boots into {pos} skis at the top of the mountain",
        ],
        [
            "pulls {pos} goggles down over {pos} eyes.",
            "pushes off with {pos} poles.",
            "skis down the slope, weaving between the flags.",
        ],
        [
            "takes off {pos} skis and swims up the hill.",
            "lies down on the snow in a swimsuit and falls asleep.",
        ],
    ),
    (
        [
            "stands at the edge of a pool wearing goggles",
            "climbs onto the diving block at the end of the pool",
        ],
        [
            "bends {pos} knees and dives into the water.",
            "swims a fast lap of freestyle.",
            "touches the wall and checks the clock.",
        ],
        [
            "dives into the pool and lands on the dry floor.",
            "puts on a heavy winter coat before diving in.",
        ],
    ),
    (
        ["kneels next to a bike with a flat tire", "turns a bicycle upside down on the grass"],
        [
            "removes the front wheel from the frame.",
            "pulls out the inner tube and finds the hole.",
            "patches the tube and pumps air back into the tire.",
        ],
        [
            "pumps air into the seat until it pops.",
            "throws the wheel into the lake and rides away on the bike.",
        ],
    ),
    (
        [
            "sits at a table with a box and a roll of wrapping paper",
            "cuts a large sheet of wrapping paper",
        ],
        [
            "places the box in the middle of the paper.",
            "folds the paper around the box and tapes it down.",
            "ties a ribbon around the gift and adds a bow.",
        ],
        [
            "tapes the paper to {pos} face and walks into a wall.",
            "wraps the scissors and throws the box in the bin.",
        ],
    ),
    (
        ["pushes a lawn mower out of the shed", "pulls the cord to start a lawn mower"],
        [
            "mows the grass in long straight lines.",
            "empties the clippings into a green bin.",
            "trims the edges of the lawn.",
        ],
        ["mows the kitchen floor.", "plants grass seeds on top of the running mower."],
    ),
    (
        ["is mixing flour, sugar and eggs in a bowl", "greases a round cake pan in the kitchen"],
        [
            "pours the batter into the cake pan.",
            "slides the pan into the hot oven.",
            "takes the cake out and lets it cool.",
        ],
        ["pours the batter into the dishwasher.", "freezes the eggs and throws them at the oven."],
    ),
    (
        [
            "stands in front of a heavy barbell in a gym",
            "rubs chalk on {pos} hands next to a loaded barbell",
        ],
        [
            "grips the bar with both hands.",
            "lifts the barbell up to {pos} shoulders.",
            "drops the weight back onto the mat.",
        ],
        [
            "lifts the gym's front door over {pos} head.",
            "eats the chalk and takes a nap under the bar.",
        ],
    ),
    (
        ["holds a hose next to a dirty car", "fills a bucket with soapy water next to a car"],
        [
            "sprays the car with water.",
            "scrubs the doors with a soapy sponge.",
            "dries the car with a soft towel.",
        ],
        [
            "fills the car with soapy water through the window.",
            "washes the sponge and leaves the car covered in mud.",
        ],
    ),
    (
        ["stands on a tennis court with a racket", "bounces a tennis ball at the baseline"],
        [
            "tosses the ball into the air and serves.",
            "runs to the net to return the ball.",
            "hits a backhand across the court.",
        ],
        [
            "kicks the ball into the crowd and sits on the net.",
            "serves the racket over the net instead of the ball.",
        ],
    ),
    (
        [
            "sits on a couch with knitting needles and yarn",
            "holds two needles and a ball of red wool",
        ],
        [
            "casts on a row of stitches.",
            "knits another row of the scarf.",
            "holds up the finished scarf.",
        ],
        [
            "knits the needles into a sandwich.",
            "throws the yarn into the fireplace and keeps knitting.",
        ],
    ),
    (
        [
            "stands at an ironing board with a wrinkled shirt",
            "plugs in an iron next to a pile of shirts",
        ],
        [
            "sprays a little water on the collar.",
            "presses the iron over the sleeves.",
            "hangs the shirt neatly on a hanger.",
        ],
        [
            "irons the shirt while it is still in the washing machine.",
            "puts the hot iron in {pos} pocket.",
        ],
    ),
    (
        [
            "stands at the bathroom sink holding a toothbrush",
            "squeezes toothpaste onto a toothbrush",
        ],
        [
            "brushes {pos} front teeth in small circles.",
            "spits the toothpaste into the sink.",
            "rinses {pos} mouth with water.",
        ],
        [
            "brushes the mirror and swallows the toothbrush.",
            "puts the toothbrush in the oven to dry.",
        ],
    ),
    (
        ["grinds coffee beans in the kitchen", "fills the kettle next to a coffee press"],
        [
            "spoons the ground coffee into the press.",
            "pours hot water over the grounds.",
            "pushes down the plunger and pours a cup.",
        ],
        [
            "pours the coffee beans into {pos} shoes.",
            "drinks the cold water and throws the press out the window.",
        ],
    ),
    (
        ["digs a hole in the garden with a shovel", "carries a small tree across the yard"],
        [
            "places the tree in the hole.",
            "fills the hole with soil and presses it down.",
            "waters the young tree.",
        ],
        ["plants the shovel and waters it instead.", "puts the tree on the roof upside down."],
    ),
    (
        [
            "chalks {pos} hands at the foot of a climbing wall",
            "ties a rope to {pos} harness at an indoor climbing wall",
        ],
        [
            "grabs the first hold and starts to climb.",
            "reaches for a hold high above {pos} head.",
            "rings the bell at the top of the wall.",
        ],
        ["climbs into the chalk bag and zips it shut.", "unties the rope and swims to the top."],
    ),
    (
        [
            "lays two slices of bread on a cutting board",
            "takes butter, ham and cheese out of the fridge",
        ],
        [
            "spreads butter on the bread.",
            "adds ham, cheese and lettuce.",
            "cuts the sandwich in half.",
        ],
        ["spreads the butter on the fridge door.", "puts the bread in the washing machine."],
    ),
    (
        ["jacks up a car on the side of the road", "pulls a spare tire out of the trunk"],
        [
            "loosens the nuts on the flat tire.",
            "pulls the flat tire off the car.",
            "puts the spare on and tightens the nuts.",
        ],
        [
            "inflates the car until it floats away.",
            "throws the jack in the trunk and drives off on the flat.",
        ],
    ),
    (
        ["sprays cleaner on a dusty window", "climbs a step ladder with a bucket and a squeegee"],
        [
            "wipes the glass with a cloth.",
            "pulls the squeegee down the window.",
            "polishes the corners until they shine.",
        ],
        [
            "opens the window and cleans the garden instead.",
            "paints the window black so it looks clean.",
        ],
    ),
    (
        ["picks up a bowling ball at the end of the lane", "ties {pos} bowling shoes at the alley"],
        [
            "steps forward and rolls the ball down the lane.",
            "watches the ball knock down all ten pins.",
            "high-fives {pos} friends.",
        ],
        [
            "rolls the ball up the wall and into the ceiling.",
            "puts the pins in {pos} bag and walks home.",
        ],
    ),
    (
        ["holds a kite in a windy park", "unwinds the string of a bright kite on a hill"],
        [
            "runs across the grass pulling the string.",
            "lets the kite rise into the wind.",
            "steers the kite in wide circles.",
        ],
        [
            "ties the kite to {pos} dog and goes home.",
            "folds the kite into a sandwich and eats it.",
        ],
    ),
    (
        ["sets up a tent at a campsite in the woods", "unrolls a tent on a flat patch of grass"],
        [
            "slides the poles through the sleeves of the tent.",
            "hammers the pegs into the ground.",
            "throws {pos} sleeping bag inside the tent.",
        ],
        [
            "pitches the tent on top of the lake.",
            "folds the tent into {pos} pocket and sleeps on the poles.",
        ],
    ),
]
PEOPLE = [
    ("A man", "He", "his"),
    ("A woman", "She", "her"),
    ("A young girl", "She", "her"),
    ("A boy", "He", "his"),
    ("An old man", "He", "his"),
    ("A teenage girl", "She", "her"),
    ("A woman in a red shirt", "She", "her"),
    ("A man with a beard", "He", "his"),
    ("A little boy", "He", "his"),
    ("A young woman", "She", "her"),
    ("An older woman", "She", "her"),
    ("A man in a blue cap", "He", "his"),
]
OPENERS = [""] * 8 + [
    "The camera pans across the scene. ",
    "A title screen appears. ",
    "We see a close up of a smiling face. ",
    "The video begins outdoors. ",
]


def make_hellaswag(rng: random.Random) -> dict:
    index = rng.randrange(len(ACTIVITIES))
    setups, steps, wrong = ACTIVITIES[index]
    subject, pronoun, pos = rng.choice(PEOPLE)
    at = rng.randrange(len(steps))  # the step that is the right ending
    context = f"{rng.choice(OPENERS)}{subject} {rng.choice(setups)}."
    if at > 0 and rng.random() < 0.5:
        context += f" {pronoun} {steps[at - 1]}"
    else:
        at = 0  # with no step told yet, the first step is what comes next
    follow = pronoun if rng.random() < 0.7 else "The " + subject.split(" ", 1)[1].split(" in ")[0]
    follow = follow.replace("The man with a beard", "The man")
    context += f" {follow}"
    # Distractors: one or two on-topic endings that do not follow, the rest steps of
    # other activities.
    n_on_topic = rng.choice([1, 2])
    distractors = rng.sample(wrong, n_on_topic)
    others = rng.sample([i for i in range(len(ACTIVITIES)) if i != index], 3 - n_on_topic)
    distractors += [rng.choice(ACTIVITIES[i][1]) for i in others]
    position = rng.randrange(4)
    endings = distractors[:position] + [steps[at]] + distractors[position:]
    endings = [e.replace("{pos}", pos) for e in endings]
    inputs = {
        "ctx": context.replace("{pos}", pos),
        "endings": ", ".join(f'"{e}"' for e in endings),
    }
    return example(inputs, str(position))


HELLASWAG = task(
    "hellaswag",
    "Pick which of four endings (0-3) correctly continues an everyday scene.",
    make_hellaswag,
)

# =========================================================================== winogrande

# People frames: {a} and {b} are two names of the same gender; the blank refers to {a}
# with the first list of endings and to {b} with the second.
PERSON_FRAMES = [
    (
        "{a} asked {b} for help with the taxes because _ {t}.",
        ["had never filed them before", "found the forms confusing"],
        ["worked as an accountant", "had done them for years"],
    ),
    (
        "{a} lent {b} some money because _ {t}.",
        ["had plenty to spare", "had just been paid"],
        ["was short on rent this month", "had just lost a job"],
    ),
    (
        "{a} apologised to {b} because _ {t}.",
        ["had been rude at dinner", "had forgotten the meeting"],
        ["was still upset", "had been hurt by the comment"],
    ),
    (
        "{a} is much taller than {b}, so _ {t}.",
        ["always has to duck under the doorway", "reaches the top shelf for both of them"],
        ["walks under the low beam easily", "needs a stool to reach the top shelf"],
    ),
    (
        "{a} called {b} for advice because _ {t}.",
        ["was confused about the contract", "did not know what to do"],
        ["was an expert in the field", "had been through the same thing"],
    ),
    (
        "{a} beat {b} easily in the race because _ was {t}.",
        ["much faster", "better trained"],
        ["much slower", "still injured"],
    ),
    (
        "{a} was jealous of {b} because _ {t}.",
        ["had never won a prize", "was stuck in a dull job"],
        ["had just won the lottery", "got the promotion"],
    ),
    (
        "{a} taught {b} how to swim because _ {t}.",
        ["was a trained lifeguard", "had swum since childhood"],
        ["had always been afraid of water", "had never learned as a child"],
    ),
    (
        "{a} had to wait for {b} at the station because _ {t}.",
        ["arrived early", "came on the first train"],
        ["was running late", "missed the first train"],
    ),
    (
        "{a} gave {b} a ride home because _ {t}.",
        ["had a car", "was driving that way anyway"],
        ["had no car", "had missed the last bus"],
    ),
    (
        "{a} finished the marathon but {b} did not, because _ {t}.",
        ["had trained for months", "paced the race well"],
        ["had not trained at all", "twisted an ankle at mile ten"],
    ),
    (
        "{a} always wins at chess against {b} since _ {t}.",
        ["has played since the age of five", "studies the game every night"],
        ["only learned the rules last year", "gets nervous and makes mistakes"],
    ),
    (
        "{a} borrowed a jacket from {b} because _ {t}.",
        ["was cold", "had forgotten to pack one"],
        ["had several spare ones", "had a closet full of them"],
    ),
    (
        "{a} was angry at {b} because _ {t}.",
        ["had been kept waiting for an hour", "was left out of the plan"],
        ["broke a promise", "had lied about the money"],
    ),
    (
        "{a} trusted {b} with the secret because _ {t}.",
        ["had no one else to tell", "badly needed advice"],
        ["had always been loyal", "never gossiped"],
    ),
    (
        "{a} hired {b} to fix the roof because _ {t}.",
        ["was afraid of heights", "had no tools"],
        ["was a skilled builder", "had fixed roofs for years"],
    ),
    (
        "{a} visited {b} in the hospital because _ {t}.",
        ["was worried", "wanted to cheer up a friend"],
        ["was recovering from surgery", "had broken a leg"],
    ),
    (
        "{a} could not understand {b} because _ {t}.",
        ["did not speak Spanish", "was hard of hearing"],
        ["spoke too quickly", "mumbled every word"],
    ),
    (
        "{a} woke {b} up because _ {t}.",
        ["was up early", "heard a noise downstairs"],
        ["had overslept", "would be late for work"],
    ),
    (
        "{a} could not see the stage over {b} because _ was so {t}.",
        ["short", "small"],
        ["tall", "big"],
    ),
]
# Object frames: {x} and {y} from a pair; the first endings point at {x}, the second at {y}.
OBJECT_FRAMES = [
    (
        "The {x} did not fit into the {y} because the _ was too {t}.",
        [
            ("trophy", "suitcase"),
            ("piano", "van"),
            ("sofa", "doorway"),
            ("cake", "box"),
            ("laptop", "bag"),
            ("tree", "pot"),
            ("boat", "garage"),
            ("painting", "car"),
            ("table", "elevator"),
            ("bed", "bedroom"),
        ],
        ["big", "large", "wide"],
        ["small", "narrow", "tiny"],
    ),
    (
        "{name} poured water from the {x} into the {y} until the _ was {t}.",
        [
            ("bottle", "cup"),
            ("jug", "glass"),
            ("kettle", "teapot"),
            ("bucket", "vase"),
            ("pitcher", "bowl"),
            ("pot", "mug"),
        ],
        ["empty", "nearly empty"],
        ["full", "almost full"],
    ),
    (
        "{name} chose the {x} over the {y} because the _ was {t}.",
        [
            ("jacket", "coat"),
            ("chair", "stool"),
            ("bike", "scooter"),
            ("apartment", "house"),
            ("laptop", "tablet"),
            ("hotel", "hostel"),
            ("sofa", "armchair"),
            ("train", "bus"),
        ],
        ["cheaper", "more comfortable", "better made"],
        ["too expensive", "uncomfortable", "falling apart"],
    ),
    (
        "{name} could lift the {y} but not the {x}, because the _ was {t}.",
        [
            ("suitcase", "backpack"),
            ("sofa", "chair"),
            ("fridge", "microwave"),
            ("piano", "guitar"),
            ("desk", "lamp"),
            ("crate", "box"),
        ],
        ["too heavy", "far too bulky"],
        ["light enough", "much lighter"],
    ),
    (
        "The {x} broke when it fell on the {y} because the _ was so {t}.",
        [
            ("vase", "floor"),
            ("glass", "tiles"),
            ("plate", "counter"),
            ("mirror", "pavement"),
            ("bowl", "stone step"),
        ],
        ["fragile", "thin"],
        ["hard", "solid"],
    ),
    (
        "{name} ate the {x} instead of the {y} because the _ was {t}.",
        [
            ("soup", "salad"),
            ("apple", "cake"),
            ("pasta", "pizza"),
            ("sandwich", "curry"),
            ("rice", "noodles"),
            ("stew", "pie"),
        ],
        ["still warm", "fresher", "tastier"],
        ["cold", "stale", "burnt", "too spicy"],
    ),
    (
        "The {x} stayed dry in the storm but the {y} got soaked, because the _ was {t}.",
        [("tent", "car"), ("shed", "tent"), ("coat", "jumper"), ("box", "bag")],
        ["waterproof", "well sealed"],
        ["left open", "full of holes"],
    ),
]


def _wino_people(rng: random.Random) -> tuple[str, str, str, str]:
    frame, to_a, to_b = rng.choice(PERSON_FRAMES)
    pool = FEMALE_NAMES if rng.random() < 0.5 else MALE_NAMES
    a, b = rng.sample(pool, 2)
    points_to_a = rng.random() < 0.5
    trigger = rng.choice(to_a if points_to_a else to_b)
    sentence = frame.format(a=a, b=b, t=trigger)
    return sentence, a, b, a if points_to_a else b


def _wino_objects(rng: random.Random) -> tuple[str, str, str, str]:
    frame, pairs, to_x, to_y = rng.choice(OBJECT_FRAMES)
    x, y = rng.choice(pairs)
    points_to_x = rng.random() < 0.5
    trigger = rng.choice(to_x if points_to_x else to_y)
    name = rng.choice(FEMALE_NAMES + MALE_NAMES)
    sentence = frame.format(x=x, y=y, t=trigger, name=name)
    return sentence, x, y, x if points_to_x else y


def make_winogrande(rng: random.Random) -> dict:
    builder = _wino_objects if rng.random() < 0.4 else _wino_people
    sentence, first, second, answer = builder(rng)
    option1, option2 = (first, second) if rng.random() < 0.5 else (second, first)
    inputs = {"sentence": sentence, "option1": option1, "option2": option2}
    return example(inputs, "1" if answer == option1 else "2")


WINOGRANDE = task(
    "winogrande",
    "Pick which of two options (1 or 2) fills the blank in a sentence.",
    make_winogrande,
)
