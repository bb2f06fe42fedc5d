"""Knowledge tasks: dbpedia, customer_support (Harper Valley), glue_qnli, glue_stsb, boolq and
legal clause typing."""

from __future__ import annotations

import random

from .base import example, task
from .vocab import (
    CITIES,
    COUNTRIES,
    FIRST_NAMES,
    NATIONALITIES,
    ORDINALS,
    a_an,
    capitalise,
    coined_word,
    full_name,
    phrases,
    words,
)

# --------------------------------------------------------------------------- dbpedia

DBPEDIA_CLASSES = [
    "Company",
    "EducationalInstitution",
    "Artist",
    "Athlete",
    "OfficeHolder",
    "MeanOfTransportation",
    "Building",
    "NaturalPlace",
    "Village",
    "Animal",
    "Plant",
    "Album",
    "Film",
    "WrittenWork",
]
EPITHETS = words("alba minor major gracilis robusta elegans montana rubra viridis nana sylvestris")
REGIONS = phrases("South America | East Africa | Southeast Asia | Madagascar | Australia | Europe")


def _title(rng: random.Random) -> str:
    """A made-up title of one or two words."""
    return " ".join(coined_word(rng, 2, 2) for _ in range(rng.randint(1, 2)))


# class: (description template, pool for its {kind} slot); the other slots are shared
DBPEDIA_TEXTS = {
    "Company": (
        "{word} {suffix} is {a_nat} {kind} company founded in {year}. "
        "It is headquartered in {city}.",
        words("software steel shipping brewing airline banking textile"),
    ),
    "EducationalInstitution": (
        "{word} {kind} is a {status} school in {city}. "
        "It was founded in {year} and has about {n}00 students.",
        ["University", "College", "High School", "Academy"],
    ),
    "Artist": (
        "{name} (born {year}) is {a_nat} {kind}. Their work has been shown in {city}.",
        words("singer painter songwriter rapper guitarist sculptor pianist"),
    ),
    "Athlete": (
        "{name} (born {year}) is {a_nat} {kind} who competed at the {games}.",
        phrases("footballer | tennis player | sprinter | cyclist | swimmer | boxer"),
    ),
    "OfficeHolder": (
        "{name} was {a_nat} politician who served as {kind} from {year} to {year2}.",
        ["Mayor of {city}", "Governor of {word}", "Minister of Finance", "a member of parliament"],
    ),
    "MeanOfTransportation": (
        "The {word} was {a_kind} built by {word2} Works in {year}. It was retired in {year2}.",
        phrases("cargo ship | steam locomotive | fighter aircraft | passenger car | airliner"),
    ),
    "Building": (
        "The {word} {kind} is a historic building in {city}, {country}. "
        "It was completed in {year}.",
        ["Tower", "Hotel", "House", "Church", "Hall"],
    ),
    "NaturalPlace": (
        "{word} {kind} is a {kind_lower} in {country}. It lies about {n} km from {city}.",
        ["Lake", "Mountain", "River", "Glacier", "Peak"],
    ),
    "Village": (
        "{word} is a village in the administrative district of Gmina {word2}, in {country}. "
        "It has a population of {n}0.",
        [""],
    ),
    "Animal": (
        "{species} is a species of {kind} in the family {word}idae. It is found in {region}.",
        phrases("moth | beetle | sea snail | frog | spider | fish"),
    ),
    "Plant": (
        "{species} is a species of {kind} in the family {word}aceae. It is native to {region}.",
        phrases("flowering plant | fern | shrub | tree | orchid | grass"),
    ),
    "Album": (
        "{title} is the {kind} studio album by {nat} singer {name}. "
        "It was released in {year} on {word} Records.",
        ["debut", "second", "third", "fourth"],
    ),
    "Film": (
        "{title} is a {year} {nat} {kind} film directed by {name} and starring {name2}.",
        words("drama comedy horror documentary thriller western"),
    ),
    "WrittenWork": (
        "{title} is {a_kind} by {nat} author {name}. It was first published in {year}.",
        phrases("novel | book | poetry collection | short story collection | memoir"),
    ),
}


def _dbpedia_text(label: str, rng: random.Random) -> str:
    template, kinds = DBPEDIA_TEXTS[label]
    nat, year, word = rng.choice(NATIONALITIES), rng.randint(1850, 2020), coined_word(rng)
    city = rng.choice(CITIES)
    kind = rng.choice(kinds).format(city=city, word=word)
    return template.format(
        kind=kind,
        kind_lower=kind.lower(),
        a_kind=f"{a_an(kind)} {kind}",
        nat=nat,
        a_nat=f"{a_an(nat)} {nat}",
        name=full_name(rng),
        name2=full_name(rng),
        year=year,
        year2=year + rng.randint(2, 40),
        city=city,
        country=rng.choice(COUNTRIES),
        word=word,
        word2=coined_word(rng),
        n=rng.randint(3, 90),
        suffix=rng.choice(["Inc.", "Ltd.", "Group", "Corporation"]),
        status=rng.choice(["public", "private"]),
        games=rng.choice(["Olympic Games", "World Championships"]),
        species=f"{coined_word(rng)} {rng.choice(EPITHETS)}",
        region=rng.choice(REGIONS),
        title=_title(rng),
    )


def make_dbpedia(rng: random.Random) -> dict:
    label = rng.choice(DBPEDIA_CLASSES)
    return example({"text": _dbpedia_text(label, rng)}, label)


DBPEDIA = task(
    "dbpedia",
    "Classify an entity description into one of the 14 DBpedia ontology classes.",
    "Classify the text into one of: " + ", ".join(DBPEDIA_CLASSES) + ".",
    [("Text", "text")],
    "Class",
    make_dbpedia,
)

# --------------------------------------------------------------------------- customer_support

INTENTS = {
    "replace card": (
        [
            "i lost my debit card",
            "my card was stolen",
            "my card is damaged and does not work",
            "i need a new card",
        ],
        [
            "it was the visa ending in {n}",
            "i think i left it at a store yesterday",
            "please send it to my home address",
        ],
    ),
    "transfer money": (
        [
            "i want to move some money",
            "i need to transfer money to my savings",
            "i want to send money to my sister",
        ],
        [
            "about {n} dollars please",
            "from checking to savings",
            "it should go out today if possible",
        ],
    ),
    "check balance": (
        [
            "i want to know my balance",
            "how much money is in my account",
            "can you tell me my checking balance",
        ],
        [
            "just the checking account",
            "i want to make sure my paycheck went in",
            "the account ending in {n}",
        ],
    ),
    "order checks": (
        ["i need to order some checks", "i ran out of checks", "can i get a new checkbook"],
        [
            "one book of {n} checks is fine",
            "the same design as last time",
            "send them to my address please",
        ],
    ),
    "pay bill": (
        [
            "i want to pay my bill",
            "i need to pay my credit card bill",
            "can i pay my phone bill through you",
        ],
        ["the amount is {n} dollars", "it is due on friday", "use my checking account for it"],
    ),
    "reset password": (
        [
            "i forgot my password",
            "i cannot log in to online banking",
            "i need to reset my password",
        ],
        [
            "i tried {n} times and got locked out",
            "the app says my password is wrong",
            "my username is my email",
        ],
    ),
    "schedule appointment": (
        [
            "i want to set up an appointment",
            "i need to meet with someone at the branch",
            "can i book a meeting with a banker",
        ],
        ["maybe next tuesday at {n}", "it is about a home loan", "any time in the afternoon works"],
    ),
    "get branch hours": (
        [
            "what time does the branch open",
            "when does your branch close today",
            "are you open on saturday",
        ],
        ["the branch on main street", "i want to come in before work", "the one near {n}th avenue"],
    ),
}
AGENT_OPENINGS = [
    "hello this is harper valley national bank my name is {agent} how can i help you today",
    "thank you for calling harper valley bank this is {agent} what can i do for you",
    "good morning harper valley bank {agent} speaking how may i help",
]
AGENT_FOLLOWUPS = [
    "sure i can help with that can i get your name please",
    "of course can you tell me a bit more",
    "okay no problem what are the details",
    "i can do that for you what else should i know",
]


def make_customer_support(rng: random.Random) -> dict:
    intent = rng.choice(list(INTENTS))
    requests, details = INTENTS[intent]
    agent, caller = rng.choice(FIRST_NAMES).lower(), rng.choice(FIRST_NAMES).lower()
    intro = rng.choice(
        ["hi my name is {c}", "hello this is {c}", "hi there i am {c}", "hey it is {c}"]
    )
    lines = [
        "agent: " + rng.choice(AGENT_OPENINGS).format(agent=agent),
        f"caller: {intro.format(c=caller)} and {rng.choice(requests)}",
        "agent: " + rng.choice(AGENT_FOLLOWUPS),
        "caller: " + rng.choice(details).format(n=rng.randint(2, 99)),
    ]
    return example({"transcript": "\n".join(lines)}, intent)


CUSTOMER_SUPPORT = task(
    "customer_support",
    "Name the reason a caller contacted the Harper Valley bank support line.",
    "Give the caller's task type, one of: " + ", ".join(INTENTS) + ".",
    [("Transcript", "transcript")],
    "Task type",
    make_customer_support,
)

# --------------------------------------------------------------------------- glue_qnli

QNLI_FACTS = {
    # entity kind: {fact: (question, [sentences])}; {e} is the entity, {v} the value
    "org": {
        "founded": (
            "When was {e} founded?",
            ["{e} was founded in {v}.", "{e} was established in {v} by a group of students."],
        ),
        "place": (
            "Where is {e} based?",
            ["{e} is based in {v}.", "The headquarters of {e} are in {v}."],
        ),
        "size": (
            "How many people work for {e}?",
            ["{e} employs about {v} people.", "Around {v} people work for {e}."],
        ),
        "leader": (
            "Who leads {e}?",
            ["{e} is led by {v}.", "Since last year {v} has been the head of {e}."],
        ),
    },
    "town": {
        "population": (
            "How many people live in {e}?",
            ["{e} has a population of about {v}.", "About {v} people live in {e}."],
        ),
        "river": (
            "Which river flows through {e}?",
            ["The {v} river flows through {e}.", "{e} lies on the banks of the {v} river."],
        ),
        "country": (
            "In which country is {e}?",
            ["{e} is a town in {v}.", "{e} is located in the north of {v}."],
        ),
        "mayor": (
            "Who is the mayor of {e}?",
            ["The mayor of {e} is {v}.", "{v} was elected mayor of {e}."],
        ),
    },
    "person": {
        "born": (
            "Where was {e} born?",
            ["{e} was born in {v}.", "{e} was born and raised in {v}."],
        ),
        "field": (
            "What did {e} study?",
            ["{e} studied {v} at university.", "{e} earned a degree in {v}."],
        ),
        "award": (
            "Which prize did {e} win?",
            ["{e} won the {v} Prize.", "Later in life {e} received the {v} Prize."],
        ),
        "book": (
            "What book did {e} write?",
            ["{e} wrote the book {v}.", "The book {v} was written by {e}."],
        ),
    },
}
RIVERS = words("Elbe Tagus Volta Drava Mura Tisa Ems Lech Isar Inn Vah Oder")
FIELDS = words("physics chemistry law medicine history economics music biology")


def _qnli_value(fact: str, rng: random.Random) -> str:
    if fact == "founded":
        return str(rng.randint(1800, 2015))
    if fact in ("place", "born"):
        return rng.choice(CITIES)
    if fact in ("size", "population"):
        return str(rng.randint(2, 90) * 1000)
    if fact in ("leader", "mayor"):
        return full_name(rng)
    if fact == "river":
        return rng.choice(RIVERS)
    if fact == "country":
        return rng.choice(COUNTRIES)
    if fact == "field":
        return rng.choice(FIELDS)
    if fact == "award":
        return coined_word(rng)
    return " ".join(coined_word(rng, 2, 2) for _ in range(2))


ORG_SUFFIXES = ["Bank", "Motors", "University", "Airlines", "Records"]


def _qnli_entity(kind: str, rng: random.Random) -> str:
    if kind == "org":
        return f"{coined_word(rng)} {rng.choice(ORG_SUFFIXES)}"
    if kind == "town":
        return coined_word(rng)
    return full_name(rng)


def make_qnli(rng: random.Random) -> dict:
    kind = rng.choice(list(QNLI_FACTS))
    facts = QNLI_FACTS[kind]
    asked = rng.choice(list(facts))
    label = rng.choice(["0", "1"])
    told = asked if label == "0" else rng.choice([f for f in facts if f != asked])
    entity = _qnli_entity(kind, rng)
    question = facts[asked][0].format(e=entity)
    sentence = rng.choice(facts[told][1]).format(e=entity, v=_qnli_value(told, rng))
    return example({"question": question, "sentence": sentence}, label)


GLUE_QNLI = task(
    "glue_qnli",
    "Decide whether a sentence answers a question (0 = it does, 1 = it does not).",
    "Does the sentence contain the answer to the question? Answer 0 if it does and 1 if not.",
    [("Question", "question"), ("Sentence", "sentence")],
    "Label",
    make_qnli,
)

# --------------------------------------------------------------------------- glue_stsb

STS_SUBJECTS = [
    ("man", "guy"),
    ("woman", "lady"),
    ("boy", "kid"),
    ("girl", "young girl"),
    ("dog", "puppy"),
    ("cat", "kitten"),
    ("chef", "cook"),
    ("child", "little child"),
]
STS_ACTIONS = {
    "playing": ["a guitar", "the piano", "a flute", "the drums", "soccer"],
    "cutting": ["an onion", "a tomato", "some bread", "a carrot", "the paper"],
    "eating": ["an apple", "some rice", "a sandwich", "a banana", "a cake"],
    "riding": ["a horse", "a bike", "a scooter", "a skateboard", "a camel"],
    "washing": ["a car", "the dishes", "a shirt", "the floor", "a window"],
    "reading": ["a book", "a newspaper", "a letter", "a map", "a menu"],
}
STS_PLACES = [
    "in the park",
    "on the street",
    "in the kitchen",
    "at the beach",
    "in a field",
    "on a stage",
    "at home",
    "in the garden",
]
# how much each kind of change lowers the 5.0 similarity of two identical sentences
STS_COST = {"subject": 1.3, "verb": 2.8, "object": 1.1, "place": 0.9}


def _sts_sentence(subject: str, verb: str, obj: str, place: str) -> str:
    return f"A {subject} is {verb} {obj} {place}."


def make_stsb(rng: random.Random) -> dict:
    subj, verb = rng.choice(STS_SUBJECTS), rng.choice(list(STS_ACTIONS))
    obj, place = rng.choice(STS_ACTIONS[verb]), rng.choice(STS_PLACES)
    changes = set(
        rng.sample(["subject", "verb", "object", "place"], rng.choice([0, 1, 1, 2, 2, 2, 3, 4]))
    )
    if "verb" in changes:
        changes.discard("object")  # a new verb always brings its own object
    subj2 = rng.choice([s for s in STS_SUBJECTS if s != subj]) if "subject" in changes else subj
    verb2 = rng.choice([v for v in STS_ACTIONS if v != verb]) if "verb" in changes else verb
    if "verb" in changes:
        obj2 = rng.choice(STS_ACTIONS[verb2])
    elif "object" in changes:
        obj2 = rng.choice([o for o in STS_ACTIONS[verb] if o != obj])
    else:
        obj2 = obj
    place2 = rng.choice([p for p in STS_PLACES if p != place]) if "place" in changes else place
    first = _sts_sentence(subj[0], verb, obj, place)
    second = _sts_sentence(rng.choice(subj2), verb2, obj2, place2)  # synonyms cost nothing
    score = max(0.0, 5.0 - sum(STS_COST[c] for c in changes))
    return example({"sentence1": first, "sentence2": second}, f"{score:.1f}")


GLUE_STSB = task(
    "glue_stsb",
    "Rate how similar two sentences are, from 0.0 (unrelated) to 5.0 (same meaning).",
    "Rate the similarity of the two sentences from 0.0 to 5.0 with one decimal.",
    [("Sentence 1", "sentence1"), ("Sentence 2", "sentence2")],
    "Score",
    make_stsb,
)

# --------------------------------------------------------------------------- boolq

ANIMAL_CLASSES = {
    "mammal": words("otter badger lynx walrus bison moose hedgehog"),
    "bird": words("heron falcon puffin crane ostrich kestrel"),
    "reptile": words("gecko iguana tortoise python chameleon"),
    "fish": words("salmon trout pike carp tuna"),
}
LEAGUES = phrases("Premier League | Bundesliga | Serie A | La Liga | Eredivisie | Ligue 1")


def _boolq_landmark(rng: random.Random, truth: bool) -> tuple[str, str]:
    name = f"{coined_word(rng)} {rng.choice(['Bridge', 'Castle', 'Cathedral', 'Palace', 'Tower'])}"
    country, other = rng.sample(COUNTRIES, 2)
    passage = (
        f"The {name} is a famous landmark in {rng.choice(CITIES)}, {country}. "
        f"It was built in {rng.randint(1200, 1950)} and is visited by many tourists."
    )
    return passage, f"is the {name.lower()} in {(country if truth else other).lower()}"


def _boolq_animal(rng: random.Random, truth: bool) -> tuple[str, str]:
    cls, other = rng.sample(list(ANIMAL_CLASSES), 2)
    animal = rng.choice(ANIMAL_CLASSES[cls])
    passage = (
        f"The {animal} is {a_an(cls)} {cls} found in {rng.choice(COUNTRIES)} and nearby areas. "
        f"It lives for about {rng.randint(3, 30)} years."
    )
    asked = cls if truth else other
    return passage, f"is the {animal} {a_an(asked)} {asked}"


def _boolq_club(rng: random.Random, truth: bool) -> tuple[str, str]:
    club = f"{coined_word(rng)} {rng.choice(['FC', 'United', 'City', 'Athletic'])}"
    league, other = rng.sample(LEAGUES, 2)
    passage = (
        f"{club} is a professional football club that plays in the {league}. "
        f"The club was founded in {rng.randint(1870, 1990)}."
    )
    return passage, f"does {club.lower()} play in the {(league if truth else other).lower()}"


def _boolq_show(rng: random.Random, truth: bool) -> tuple[str, str]:
    show = _title(rng)
    n, other = rng.sample(ORDINALS[1:], 2)
    passage = (
        f"{show} is a television drama series. In {rng.randint(2010, 2023)} the network "
        f"renewed {show} for a {n} season."
    )
    return passage, f"will there be a {n if truth else other} season of {show.lower()}"


def make_boolq(rng: random.Random) -> dict:
    truth = rng.random() < 0.5
    make = rng.choice([_boolq_landmark, _boolq_animal, _boolq_club, _boolq_show])
    passage, question = make(rng, truth)
    return example({"passage": passage, "question": question}, "true" if truth else "false")


BOOLQ = task(
    "boolq",
    "Answer a yes/no question about a short passage with true or false.",
    "Read the passage and answer the question with true or false.",
    [("Passage", "passage"), ("Question", "question")],
    "Answer",
    make_boolq,
)

# --------------------------------------------------------------------------- legal

PARTIES = phrases(
    "the Company | the Supplier | the Licensee | the Employee | the Buyer | the Contractor | "
    "the Tenant | the Customer"
)
STATES = phrases("Delaware | New York | California | Texas | England and Wales | Ontario | Florida")
AGREEMENTS = phrases(
    "this Agreement | this Lease | this License | this Contract | the Services Agreement | "
    "the Purchase Agreement"
)
LEADS = ["", "", "", "except as otherwise provided herein, ", "notwithstanding the foregoing, "]
LEADS += [f"subject to Section {n}, " for n in range(2, 12)]
LEGAL_CLAUSES = {
    "governing law": [
        "{agr} shall be governed by the laws of the State of {state}.",
        "the laws of {state} govern {agr}, without regard to conflict of law rules.",
        "{agr} and any dispute under it are governed by the laws of {state}.",
    ],
    "confidentiality": [
        "{p} shall keep all Confidential Information secret and shall not disclose it to any "
        "third party.",
        "{p} agrees not to disclose any confidential information for {n} years after {agr} ends.",
        "{p} shall use the confidential information of {q} only to perform {agr}.",
    ],
    "termination": [
        "either party may terminate {agr} on {n} days written notice to the other party.",
        "{p} may terminate {agr} immediately if {q} breaches it.",
        "{agr} ends automatically if {p} becomes insolvent.",
    ],
    "indemnification": [
        "{p} shall indemnify and hold harmless {q} from any claims, losses and damages.",
        "{p} will defend and indemnify {q} against all third party claims under {agr}.",
        "{p} shall reimburse {q} for all losses caused by its negligence.",
    ],
    "assignment": [
        "{p} may not assign {agr} without the prior written consent of {q}.",
        "neither party may assign or transfer its rights under {agr} to any third party.",
        "{p} may assign {agr} to an affiliate after giving {n} days notice.",
    ],
    "notices": [
        "all notices under {agr} shall be in writing and sent to the address of {p}.",
        "any notice to {p} shall be delivered by hand or by email and is effective in {n} days.",
        "notices under {agr} are deemed received {n} days after mailing.",
    ],
    "severability": [
        "if any provision of {agr} is held invalid, the remaining provisions remain in full force.",
        "should any term be found unenforceable in {state}, the rest of {agr} stays valid.",
        "the invalidity of any part of {agr} shall not affect the validity of the rest.",
    ],
    "entire agreement": [
        "{agr} is the entire agreement between the parties and supersedes all prior agreements.",
        "{agr} replaces all earlier understandings between {p} and {q}.",
        "no other promises were made between {p} and {q} outside {agr}.",
    ],
    "payment": [
        "{p} shall pay all invoices within {n} days of receipt.",
        "fees under {agr} are payable by {p} monthly in advance, and late payments bear interest.",
        "{p} shall pay {q} the fee of {n} thousand dollars per year.",
    ],
    "warranties": [
        "{p} warrants that the goods will be free from defects for {n} months.",
        "{p} represents and warrants that it has full authority to enter into {agr}.",
        "{p} warrants that the services under {agr} will be performed in a professional manner.",
    ],
}


def make_legal(rng: random.Random) -> dict:
    label = rng.choice(list(LEGAL_CLAUSES))
    p, q = rng.sample(PARTIES, 2)
    clause = rng.choice(LEADS) + rng.choice(LEGAL_CLAUSES[label]).format(
        p=p,
        q=q,
        agr=rng.choice(AGREEMENTS),
        n=rng.choice([5, 7, 10, 14, 15, 20, 30, 45, 60, 90]),
        state=rng.choice(STATES),
    )
    return example({"clause": capitalise(clause)}, label)


LEGAL = task(
    "legal",
    "Name the type of a contract clause.",
    "Give the type of the contract clause, one of: " + ", ".join(LEGAL_CLAUSES) + ".",
    [("Clause", "clause")],
    "Clause type",
    make_legal,
)
