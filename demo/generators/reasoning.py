"""Reasoning tasks built on sentence pairs and choices: glue_mnli, glue_cola, glue_mrpc,
glue_qqp, hellaswag and winogrande. (The sentiment-style reasoning tasks are in sentiment.py.)"""

from __future__ import annotations

import random

from .base import example, task
from .vocab import (
    CITIES,
    FEMALE_NAMES,
    FIRST_NAMES,
    MALE_NAMES,
    WEEKDAYS,
    capitalise,
    coined_word,
    full_name,
    phrases,
    words,
)

# --------------------------------------------------------------------------- glue_mnli

# (past tense, base form, -ing form, objects)
ACTIONS = [
    ("painted", "paint", "painting", words("fence door kitchen bench boat")),
    ("repaired", "repair", "repairing", words("bike roof car radio clock")),
    ("sold", "sell", "selling", words("car house piano sofa camera")),
    ("cleaned", "clean", "cleaning", words("garage windows carpet oven attic")),
    ("bought", "buy", "buying", words("tickets flowers bread laptop guitar")),
    ("visited", "visit", "visiting", words("museum castle market zoo library")),
    ("cooked", "cook", "cooking", words("dinner soup pasta fish curry")),
    ("wrote", "write", "writing", words("letter report poem speech essay")),
]
REASONS = phrases(
    "it was cheap | a friend asked for help | the weather was nice | it was a holiday | "
    "there was a free afternoon | the shop was closing"
)
JOBS = words("teacher nurse baker pilot lawyer farmer dentist chef")


def _mnli_premise(rng: random.Random) -> tuple[dict, str]:
    past, base, ing, objects = rng.choice(ACTIONS)
    slots = {
        "name": rng.choice(FIRST_NAMES),
        "past": past,
        "base": base,
        "ing": ing,
        "obj": rng.choice(objects),
        "place": rng.choice(CITIES),
        "day": rng.choice(WEEKDAYS),
    }
    form = rng.choice(
        [
            "{name} {past} the {obj} in {place} on {day}.",
            "On {day}, {name} {past} the {obj} in {place}.",
            "In {place}, {name} {past} the {obj} on {day}.",
        ]
    )
    return slots, form.format(**slots)


MNLI_HYPOTHESES = {
    "entailment": [
        "{name} {past} something.",
        "Someone {past} the {obj}.",
        "{name} was in {place} on {day}.",
        "{name} {past} the {obj}.",
        "The {obj} was {past} on {day}.",
    ],
    "contradiction": [
        "{name} did not {base} the {obj}.",
        "Nobody {past} the {obj}.",
        "{name} {past} the {obj} in {other_place}.",
        "{name} never {past} anything.",
        "{name} was in {other_place} all day on {day}.",
    ],
    "neutral": [
        "{name} {past} the {obj} because {reason}.",
        "{name} {past} the {obj} with {friend}.",
        "{name} enjoyed {ing} the {obj}.",
        "{name} {past} the {obj} for the first time.",
        "{name} is a {job}.",
    ],
}


def make_mnli(rng: random.Random) -> dict:
    slots, premise = _mnli_premise(rng)
    label = rng.choice(list(MNLI_HYPOTHESES))
    extra = {
        "other_place": rng.choice([c for c in CITIES if c != slots["place"]]),
        "reason": rng.choice(REASONS),
        "friend": rng.choice([n for n in FIRST_NAMES if n != slots["name"]]),
        "job": rng.choice(JOBS),
    }
    hypothesis = rng.choice(MNLI_HYPOTHESES[label]).format(**slots, **extra)
    return example({"premise": premise, "hypothesis": hypothesis}, label)


GLUE_MNLI = task(
    "glue_mnli",
    "Decide whether a premise entails, contradicts or is neutral towards a hypothesis.",
    "Does the premise entail the hypothesis? Answer entailment, neutral or contradiction.",
    [("Premise", "premise"), ("Hypothesis", "hypothesis")],
    "Label",
    make_mnli,
)

# --------------------------------------------------------------------------- glue_cola

# (singular noun, plural noun)
NOUNS = [
    ("dog", "dogs"),
    ("teacher", "teachers"),
    ("child", "children"),
    ("student", "students"),
    ("bird", "birds"),
    ("farmer", "farmers"),
    ("doctor", "doctors"),
    ("girl", "girls"),
    ("man", "men"),
    ("woman", "women"),
]
# (third person singular, plural/base)
VERBS = [
    ("sleeps", "sleep"),
    ("sings", "sing"),
    ("works", "work"),
    ("laughs", "laugh"),
    ("runs", "run"),
    ("waits", "wait"),
    ("smiles", "smile"),
    ("talks", "talk"),
]
ADVERBS = words("quietly loudly slowly happily often outside today again")
# (participle, simple past, object)
IRREGULAR = [
    ("eaten", "ate", "the cake"),
    ("written", "wrote", "a letter"),
    ("taken", "took", "the bus"),
    ("seen", "saw", "the film"),
    ("given", "gave", "a speech"),
    ("broken", "broke", "the window"),
    ("driven", "drove", "the truck"),
    ("sung", "sang", "a song"),
    ("chosen", "chose", "a gift"),
    ("spoken", "spoke", "to the manager"),
]
OBJECTS = phrases("the book | a cup | the keys | a new coat | the map | some apples | the bag")
VERB_OBJECTS = [
    ("read", "the book"),
    ("read", "the map"),
    ("find", "the keys"),
    ("find", "the bag"),
    ("carry", "the bag"),
    ("buy", "some apples"),
    ("buy", "a new coat"),
    ("wash", "a cup"),
]
ADJECTIVES = words("taller older faster stronger smarter younger richer louder")


def _cola_agreement(rng: random.Random, good: bool) -> str:
    noun, verb = rng.choice(NOUNS), rng.choice(VERBS)
    plural = rng.random() < 0.5
    subject = noun[1] if plural else noun[0]
    right = verb[1] if plural else verb[0]
    wrong = verb[0] if plural else verb[1]
    return f"The {subject} {right if good else wrong} {rng.choice(ADVERBS)}."


def _cola_participle(rng: random.Random, good: bool) -> str:
    part, past, obj = rng.choice(IRREGULAR)
    aux = rng.choice(["has", "had"])
    return f"{rng.choice(FIRST_NAMES)} {aux} {part if good else past} {obj}."


def _cola_infinitive(rng: random.Random, good: bool) -> str:
    want = rng.choice(["wants to", "tried to", "hopes to", "forgot to"])
    verb, obj = rng.choice(VERB_OBJECTS)
    if not good:
        want = want[:-3]
    return f"{rng.choice(FIRST_NAMES)} {want} {verb} {obj}."


def _cola_comparative(rng: random.Random, good: bool) -> str:
    a, b = rng.sample(FIRST_NAMES, 2)
    adj = rng.choice(ADJECTIVES)
    return f"{a} is {adj if good else 'more ' + adj} than {b}."


def _cola_object(rng: random.Random, good: bool) -> str:
    name = rng.choice(FIRST_NAMES)
    obj, place = rng.choice(OBJECTS), rng.choice(["on the table", "in the box", "under the bed"])
    verb = rng.choice(["put", "placed", "set"])
    return f"{name} {verb} {obj} {place}." if good else f"{name} {verb} {place}."


def _cola_order(rng: random.Random, good: bool) -> str:
    name, obj = rng.choice(FIRST_NAMES), rng.choice(OBJECTS)
    verb = rng.choice(["found", "lost", "bought", "needed", "liked"])
    when = rng.choice(["yesterday", "last week", "on Monday", "this morning"])
    if good:
        return f"{name} {verb} {obj} {when}."
    det, noun = obj.split(" ", 1)
    return f"{name} {verb} {noun} {det} {when}."


COLA_BUILDERS = [
    _cola_agreement,
    _cola_participle,
    _cola_infinitive,
    _cola_comparative,
    _cola_object,
    _cola_order,
]


def make_cola(rng: random.Random) -> dict:
    good = rng.random() < 0.5
    sentence = rng.choice(COLA_BUILDERS)(rng, good)
    return example({"sentence": sentence}, "1" if good else "0")


GLUE_COLA = task(
    "glue_cola",
    "Judge whether an English sentence is grammatically acceptable (1) or not (0).",
    "Is the sentence grammatically acceptable? Answer 1 for acceptable or 0 for unacceptable.",
    [("Sentence", "sentence")],
    "Label",
    make_cola,
)

# --------------------------------------------------------------------------- glue_mrpc

QUARTERS = ["first-quarter", "second-quarter", "third-quarter", "fourth-quarter"]
CRIMES = phrases("theft | fraud | robbery | assault | bribery | arson")
PLANS = phrases("budget | new tax | school plan | road project | merger | pay deal")


def _mrpc_slots(rng: random.Random) -> dict:
    return {
        "co": coined_word(rng) + rng.choice([" Inc.", " Corp.", " Group"]),
        "name": full_name(rng),
        "q": rng.choice(QUARTERS),
        "n": rng.randint(2, 40),
        "m": rng.randint(10, 900),
        "city": rng.choice(CITIES),
        "day": rng.choice(WEEKDAYS),
        "crime": rng.choice(CRIMES),
        "plan": rng.choice(PLANS),
        "up": rng.choice([("rose", "climbed"), ("fell", "dropped")]),
    }


# (first sentence, paraphrase); the slot names that a non-paraphrase may change
MRPC_PAIRS = [
    (
        "{co} said its {q} profit {up[0]} {n} percent to ${m} million.",
        "{co}'s {q} profit {up[1]} {n} percent to ${m} million, the company said.",
        ("n", "m", "up"),
    ),
    (
        "{name} was arrested in {city} on {day} and charged with {crime}.",
        "Police in {city} arrested {name} on {day} on a charge of {crime}.",
        ("city", "day", "crime"),
    ),
    (
        "The council voted {n} to 3 on {day} to approve the {plan}.",
        "On {day} the council approved the {plan} by a vote of {n} to 3.",
        ("n", "day", "plan"),
    ),
    (
        "Shares of {co} {up[0]} {n} cents to ${m} on {day}.",
        "{co} stock {up[1]} {n} cents on {day} to close at ${m}.",
        ("n", "m", "day", "up"),
    ),
    (
        "{name} will visit {city} on {day} to discuss the {plan}.",
        "The {plan} will be discussed when {name} travels to {city} on {day}.",
        ("name", "city", "day", "plan"),
    ),
]


def make_mrpc(rng: random.Random) -> dict:
    first, second, changeable = rng.choice(MRPC_PAIRS)
    slots = _mrpc_slots(rng)
    equivalent = rng.random() < 0.5
    other = dict(slots)
    if not equivalent:
        key = rng.choice(changeable)
        while other[key] == slots[key]:
            other[key] = _mrpc_slots(rng)[key]
    if rng.random() < 0.5:
        first, second = second, first
        slots, other = other, slots
    pair = {"sentence1": first.format(**slots), "sentence2": second.format(**other)}
    return example(pair, "1" if equivalent else "0")


GLUE_MRPC = task(
    "glue_mrpc",
    "Decide whether two news sentences are paraphrases (1) or not (0).",
    "Do the two sentences mean the same thing? Answer 1 for equivalent or 0 for not equivalent.",
    [("Sentence 1", "sentence1"), ("Sentence 2", "sentence2")],
    "Label",
    make_mrpc,
)

# --------------------------------------------------------------------------- glue_qqp

QQP_TOPICS = phrases(
    "Python | chess | the guitar | Japanese | calculus | economics | painting | Spanish | "
    "machine learning | photography | public speaking | swimming | cooking | statistics | "
    "the piano | web design | French | yoga"
)
QQP_INTENTS = {
    "learn": [
        "How can I learn {t} quickly?",
        "What is the fastest way to learn {t}?",
        "What is the best way to get good at {t} fast?",
    ],
    "books": [
        "What are the best books about {t}?",
        "Which books should I read to understand {t}?",
        "Can you recommend a good book on {t}?",
    ],
    "hard": [
        "Why is {t} so hard?",
        "What makes {t} difficult to master?",
        "Why do so many people find {t} hard?",
    ],
    "career": [
        "Can I make a living from {t}?",
        "Is it possible to earn money with {t}?",
        "How do people make money from {t}?",
    ],
    "start": [
        "How old is too old to start {t}?",
        "Is it too late to start {t} at 40?",
        "Can adults start {t} late in life?",
    ],
}


def make_qqp(rng: random.Random) -> dict:
    intent, topic = rng.choice(list(QQP_INTENTS)), rng.choice(QQP_TOPICS)
    duplicate = rng.random() < 0.5
    first, same_intent_other = rng.sample(QQP_INTENTS[intent], 2)
    if duplicate:
        q1, q2 = first.format(t=topic), same_intent_other.format(t=topic)
    elif rng.random() < 0.5:  # same intent, different topic
        other = rng.choice([t for t in QQP_TOPICS if t != topic])
        q1, q2 = first.format(t=topic), same_intent_other.format(t=other)
    else:  # same topic, different intent
        other_intent = rng.choice([i for i in QQP_INTENTS if i != intent])
        q1, q2 = first.format(t=topic), rng.choice(QQP_INTENTS[other_intent]).format(t=topic)
    return example({"question1": q1, "question2": q2}, "1" if duplicate else "0")


GLUE_QQP = task(
    "glue_qqp",
    "Decide whether two questions ask the same thing (1) or not (0).",
    "Are the two questions duplicates? Answer 1 for duplicate or 0 for not duplicate.",
    [("Question 1", "question1"), ("Question 2", "question2")],
    "Label",
    make_qqp,
)

# --------------------------------------------------------------------------- hellaswag

# activity: (context sentences, fitting endings); {pos} is his/her
ACTIVITIES = [
    (
        ["is kneeling on a roof with a hammer", "climbs a ladder onto the roof"],
        ["nails a new shingle onto the roof.", "pulls the old shingles off the roof."],
    ),
    (
        ["is standing next to a pot of boiling water", "fills a pot with water for pasta"],
        ["drops the pasta into the pot.", "stirs the noodles in the pot with a spoon."],
    ),
    (
        ["is kneeling beside a bathtub with a wet dog", "lifts a muddy dog into the tub"],
        ["rubs shampoo into the dog's fur.", "rinses the dog with warm water."],
    ),
    (
        ["is sitting on a stool holding a guitar", "picks up a guitar on a small stage"],
        ["strums the guitar and starts to sing.", "tunes the guitar strings one by one."],
    ),
    (
        ["holds a paint roller in front of a white wall", "opens a can of blue paint"],
        ["rolls the blue paint across the wall.", "dips the roller into the paint tray."],
    ),
    (
        ["is standing at the top of a snowy slope", "clicks into {pos} skis on the mountain"],
        ["skis down the slope between the flags.", "pushes off with the poles and skis down."],
    ),
    (
        ["stands at the edge of a pool in goggles", "climbs onto the diving block by the pool"],
        ["dives into the water and swims a lap.", "jumps into the pool and swims to the wall."],
    ),
    (
        ["kneels next to a bike with a flat tire", "turns a bicycle upside down on the grass"],
        ["pumps air into the bike tire.", "takes the wheel off the bike frame."],
    ),
    (
        ["sits at a table with a box and wrapping paper", "cuts a sheet of wrapping paper"],
        ["folds the paper around the gift box.", "tapes the paper and adds a bow to the gift."],
    ),
    (
        ["pushes a lawn mower onto the grass", "starts the engine of a lawn mower"],
        ["mows the lawn in straight lines.", "empties the cut grass into a bin."],
    ),
    (
        ["is mixing flour and eggs in a bowl", "greases a cake pan in the kitchen"],
        ["pours the batter into the cake pan.", "puts the cake into the oven."],
    ),
    (
        ["stands in front of a heavy barbell in a gym", "chalks {pos} hands next to a barbell"],
        ["lifts the barbell over {pos} head.", "grips the bar and lifts the weights."],
    ),
    (
        ["holds a hose next to a dirty car", "fills a bucket with soap next to a car"],
        ["sprays water over the car.", "scrubs the car windows with a sponge."],
    ),
    (
        ["is standing on a tennis court with a racket", "bounces a tennis ball at the baseline"],
        ["serves the ball over the net.", "hits the tennis ball back across the court."],
    ),
    (
        ["sits on a couch with knitting needles and yarn", "holds two needles and a ball of wool"],
        ["knits another row of the scarf.", "pulls more yarn from the ball and knits."],
    ),
    (
        ["stands at an ironing board with a wrinkled shirt", "plugs in an iron beside a shirt"],
        ["irons the collar of the shirt.", "presses the iron over the shirt sleeves."],
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
]
OPENERS = [
    "",
    "",
    "The camera shows the room. ",
    "We see a person outside. ",
    "A title card appears. ",
]


def make_hellaswag(rng: random.Random) -> dict:
    right, *wrong = rng.sample(range(len(ACTIVITIES)), 4)
    subject, pronoun, pos = rng.choice(PEOPLE)
    contexts, endings = ACTIVITIES[right]
    context = f"{rng.choice(OPENERS)}{subject} {rng.choice(contexts)}. {pronoun}"
    options = [rng.choice(endings)] + [rng.choice(ACTIVITIES[i][1]) for i in wrong]
    order = list(range(4))
    rng.shuffle(order)
    shuffled = [options[i] for i in order]
    inputs = {"context": context.replace("{pos}", pos)}
    for i, ending in enumerate(shuffled):
        inputs[f"ending_{i}"] = ending.replace("{pos}", pos)
    return example(inputs, str(order.index(0)))


HELLASWAG = task(
    "hellaswag",
    "Pick which of four endings best continues a short scene (0-3).",
    "Choose the ending that best continues the context. Answer 0, 1, 2 or 3.",
    [("Context", "context")] + [(f"Ending {i}", f"ending_{i}") for i in range(4)],
    "Answer",
    make_hellaswag,
)

# --------------------------------------------------------------------------- winogrande

# (contained thing, container)
FIT_PAIRS = [
    ("trophy", "suitcase"),
    ("piano", "van"),
    ("sofa", "doorway"),
    ("cake", "box"),
    ("laptop", "bag"),
    ("tree", "pot"),
    ("boat", "garage"),
    ("pizza", "oven"),
    ("painting", "car"),
    ("table", "elevator"),
]
# (template with {a} {b}; trigger pointing at {a}; trigger pointing at {b})
PERSON_FRAMES = [
    ("{a} helped {b} with the homework because _ was", "good at math.", "struggling with it."),
    ("{a} lent {b} some money because _", "had plenty to spare.", "was short this month."),
    ("{a} apologised to {b} because _", "had been rude.", "was upset."),
    ("{a} was taller than {b}, so _", "had to duck under the door.", "walked under it easily."),
    ("{a} called {b} for advice because _", "was confused.", "was an expert."),
    ("{a} beat {b} in the race because _ was", "faster.", "slower."),
]


def _wino_fit(rng: random.Random) -> tuple[str, str, str, str]:
    thing, box = rng.choice(FIT_PAIRS)
    points_to_thing = rng.random() < 0.5
    size = rng.choice(["large", "big"]) if points_to_thing else rng.choice(["small", "tiny"])
    verb = rng.choice(["did not fit into", "would not go into", "could not fit in"])
    sentence = f"The {thing} {verb} the {box} because the _ was too {size}."
    return sentence, thing, box, thing if points_to_thing else box


def _wino_people(rng: random.Random) -> tuple[str, str, str, str]:
    pool = rng.choice([FEMALE_NAMES, MALE_NAMES])
    a, b = rng.sample(pool, 2)
    frame, to_a, to_b = rng.choice(PERSON_FRAMES)
    points_to_a = rng.random() < 0.5
    sentence = frame.format(a=a, b=b) + " " + (to_a if points_to_a else to_b)
    return sentence, a, b, a if points_to_a else b


def make_winogrande(rng: random.Random) -> dict:
    sentence, x, y, answer = (_wino_fit if rng.random() < 0.35 else _wino_people)(rng)
    option1, option2 = (x, y) if rng.random() < 0.5 else (y, x)
    inputs = {"sentence": capitalise(sentence), "option1": option1, "option2": option2}
    return example(inputs, "1" if answer == option1 else "2")


WINOGRANDE = task(
    "winogrande",
    "Fill the blank in a sentence with option 1 or option 2.",
    "Which option correctly fills the blank _ in the sentence? Answer 1 or 2.",
    [("Sentence", "sentence"), ("Option 1", "option1"), ("Option 2", "option2")],
    "Answer",
    make_winogrande,
)
