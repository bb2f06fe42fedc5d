"""Classic NLP tasks: entity extraction (conllpp, bc5cdr) and data-to-text (e2e_nlg, viggo,
webnlg) plus news headline and body writing (tldr_headline_gen, tldr_content_gen)."""

from __future__ import annotations

import random

from .base import example, task
from .vocab import (
    CITIES,
    COUNTRIES,
    FIRST_NAMES,
    LAST_NAMES,
    NATIONALITIES,
    WEEKDAYS,
    a_an,
    capitalise,
    coined_word,
    fill_slots,
    full_name,
    join_and,
    phrases,
    words,
)


def _entity_list(found: list[tuple[str, str]], slots: tuple[str, ...]) -> str:
    """Distinct fillers of the given slots, in order of appearance, or "none"."""
    seen: list[str] = []
    for slot, value in found:
        if slot in slots and value not in seen:
            seen.append(value)
    return ", ".join(seen) if seen else "none"


# --------------------------------------------------------------------------- conllpp

CLUBS = phrases(
    "Ajax | Celtic | Feyenoord | Lazio | Benfica | Porto | Juventus | Chelsea | Everton | "
    "Bayern Munich | Real Betis | Anderlecht | PSV Eindhoven | Galatasaray | Rangers | Napoli"
)
COMPANIES = phrases(
    "Reuters | Siemens | Barclays | Volvo | Fiat | Nokia | Boeing | Unilever | Nestle | Shell | "
    "Renault | Gazprom | Deutsche Bank | Interfax | Philips | Ericsson | Commerzbank | Alcatel"
)
BODIES = phrases("NATO | OPEC | UEFA | FIFA | IMF | the European Union | the United Nations")
EVENTS = phrases(
    "World Cup | Olympic Games | Tour de France | US Open | Davis Cup | Ryder Cup | "
    "European Championship | Grand Slam"
)
CONLL_FILLERS = {
    "PER": [f"{f} {last}" for f in FIRST_NAMES[::3] for last in LAST_NAMES[::2]],
    "CLUB": CLUBS,
    "COMPANY": COMPANIES,
    "BODY": BODIES,
    "LOC": CITIES + COUNTRIES,
    "NAT": NATIONALITIES,
    "EVENT": EVENTS,
    "DAY": WEEKDAYS,
    "NUM": [str(n) for n in range(2, 40)],
}
CONLL_CATEGORIES = {
    "person": ("PER",),
    "organisation": ("CLUB", "COMPANY", "BODY"),
    "location": ("LOC",),
    "misc": ("NAT", "EVENT"),
}
CONLL_PATTERNS = [
    "[PER] scored twice as [CLUB] beat [CLUB] [NUM]-1 in [LOC] on [DAY].",
    "[COMPANY] said on [DAY] it would open a new office in [LOC].",
    "[NAT] officials met [PER] in [LOC] to discuss trade.",
    "[PER], a spokesman for [COMPANY], declined to comment.",
    "Shares in [COMPANY] rose [NUM] percent in [LOC] on [DAY].",
    "The [NAT] striker [PER] joined [CLUB] on a two-year deal.",
    "[PER] won the [EVENT] title after beating [PER] in the final.",
    "Police in [LOC] arrested [NUM] men on [DAY], [COMPANY] reported.",
    "[LOC] and [LOC] agreed on [DAY] to resume talks next week.",
    "[PER] told reporters in [LOC] that the vote would go ahead.",
    "The [NAT] government denied the report on [DAY].",
    "[BODY] warned [LOC] on [DAY] against new price rises.",
    "[PER] will lead the [NAT] team at the [EVENT] in [LOC].",
    "[CLUB] coach [PER] said his side deserved to win.",
    "[COMPANY] cut [NUM] jobs at its plant in [LOC].",
    "Prices were mostly lower in [LOC] trade on [DAY].",
    "The index closed [NUM] points lower on [DAY].",
    "[PER] of [LOC] finished [NUM] seconds ahead of [PER].",
    "[BODY] said [NAT] exports fell [NUM] percent last year.",
]


def make_conllpp(rng: random.Random) -> dict:
    sentence, found = fill_slots(rng.choice(CONLL_PATTERNS), CONLL_FILLERS, rng)
    output = " | ".join(
        f"{label}: {_entity_list(found, slots)}" for label, slots in CONLL_CATEGORIES.items()
    )
    return example({"sentence": sentence}, output)


CONLLPP = task(
    "conllpp",
    "List the person, organisation, location and misc entities in a news sentence.",
    "Extract the named entities of the sentence as person, organisation, location and misc "
    "lists (none if empty).",
    [("Sentence", "sentence")],
    "Entities",
    make_conllpp,
)

# --------------------------------------------------------------------------- bc5cdr

CHEMICALS = words(
    "cisplatin lidocaine haloperidol cocaine morphine dopamine heparin warfarin lithium "
    "methotrexate doxorubicin nicotine caffeine ketamine tamoxifen phenytoin amiodarone "
    "propranolol captopril furosemide cyclosporine gentamicin isoniazid levodopa valproate "
    "carbamazepine digoxin clozapine nifedipine verapamil aspirin ibuprofen paracetamol "
    "streptozotocin puromycin bupivacaine fluoxetine diazepam"
)
DISEASES = phrases(
    "hypertension | nephrotoxicity | seizures | cardiotoxicity | hepatitis | arrhythmia | "
    "bradycardia | hypotension | liver injury | renal failure | myocardial infarction | "
    "proteinuria | neutropenia | catalepsy | dyskinesia | delirium | headache | psychosis | "
    "ototoxicity | pulmonary fibrosis | anemia | thrombocytopenia | diabetes | hyperkalemia | "
    "depression | epilepsy | cardiomyopathy | hepatotoxicity | convulsions | agranulocytosis | "
    "akathisia | mania | nausea | tachycardia | edema | stroke"
)
BC5CDR_FILLERS = {
    "CHEM": CHEMICALS,
    "DIS": DISEASES,
    "NUM": [str(n) for n in range(3, 90)],
}
BC5CDR_PATTERNS = [
    "[CHEM]-induced [DIS] in rats was reversed by [CHEM].",
    "A case of [DIS] following treatment with [CHEM] is reported.",
    "[NUM] patients receiving [CHEM] developed [DIS] and [DIS].",
    "The rate of [DIS] was higher in the [CHEM] group than in the placebo group.",
    "[CHEM] did not reduce [DIS] in [NUM] patients with [DIS].",
    "We studied the effect of [CHEM] on [DIS] in [NUM] mice.",
    "[DIS] is a rare side effect of [CHEM] therapy.",
    "Pretreatment with [CHEM] prevented [CHEM]-induced [DIS].",
    "Serum levels of [CHEM] were measured in [NUM] children with [DIS].",
    "Long-term use of [CHEM] was associated with [DIS].",
    "[CHEM] may be safe in patients with [DIS] and [DIS].",
    "Two patients on [CHEM] had [DIS] within [NUM] days.",
    "High doses of [CHEM] caused [DIS] in [NUM] of the dogs.",
]


def make_bc5cdr(rng: random.Random) -> dict:
    sentence, found = fill_slots(rng.choice(BC5CDR_PATTERNS), BC5CDR_FILLERS, rng)
    output = (
        f"chemicals: {_entity_list(found, ('CHEM',))} | diseases: {_entity_list(found, ('DIS',))}"
    )
    return example({"sentence": sentence}, output)


BC5CDR = task(
    "bc5cdr",
    "List the chemical and disease mentions in a biomedical sentence.",
    "Extract the chemicals and the diseases mentioned in the biomedical sentence.",
    [("Sentence", "sentence")],
    "Entities",
    make_bc5cdr,
)

# --------------------------------------------------------------------------- e2e_nlg

RESTAURANTS = phrases(
    "The Eagle | Blue Spice | The Golden Curry | Zizzi | Aromi | The Punter | Cotto | "
    "Fitzbillies | Alimentum | Bibimbap House | Browns Cambridge | Clowns | Cocum | Giraffe | "
    "Green Man | Loch Fyne | Midsummer House | Strada | Taste of Cambridge | The Cambridge Blue | "
    "The Cricketers | The Dumpling Tree | The Mill | The Olive Grove | The Phoenix | The Plough | "
    "The Rice Boat | The Vaults | The Waterman | Wildwood | The Wrestlers | Cafe Rouge | "
    "Cafe Sicilia | The Twenty Two | Raja Indian Cuisine | Avalon | Burger King | Yippee Noodle Bar"
)
E2E_VALUES = {
    "eatType": ["restaurant", "coffee shop", "pub"],
    "food": ["English", "French", "Italian", "Japanese", "Chinese", "Indian", "Fast food"],
    "priceRange": ["cheap", "moderate", "high"],
    "customer rating": ["low", "average", "high", "1 out of 5", "3 out of 5", "5 out of 5"],
    "area": ["city centre", "riverside"],
    "familyFriendly": ["yes", "no"],
}
E2E_ORDER = ["eatType", "food", "priceRange", "customer rating", "area", "familyFriendly", "near"]


def make_e2e(rng: random.Random) -> dict:
    name = rng.choice(RESTAURANTS)
    chosen = rng.sample(E2E_ORDER, rng.randint(2, 5))
    mr = {"name": name}
    for attr in E2E_ORDER:
        if attr == "near" and attr in chosen:
            mr["near"] = rng.choice([r for r in RESTAURANTS if r != name])
        elif attr in chosen:
            mr[attr] = rng.choice(E2E_VALUES[attr])
    meaning = ", ".join(f"{k}[{v}]" for k, v in mr.items())
    return example({"meaning_representation": meaning}, _describe_restaurant(mr))


def _describe_restaurant(mr: dict[str, str]) -> str:
    kind = mr.get("eatType", "place")
    food = mr.get("food", "")
    food = "fast food" if food == "Fast food" else food
    noun = f"{food} {kind}" if food else kind
    first = f"{mr['name']} is {a_an(noun)} {noun}"
    if "area" in mr:
        first += " in the city centre" if mr["area"] == "city centre" else " by the riverside"
    if "near" in mr:
        first += f" near {mr['near']}"
    has = []
    if "priceRange" in mr:
        has.append(f"{a_an(mr['priceRange'])} {mr['priceRange']} price range")
    if "customer rating" in mr:
        rating = mr["customer rating"]
        has.append(
            f"a customer rating of {rating}"
            if "out of" in rating
            else f"{a_an(rating)} {rating} customer rating"
        )
    second = []
    if has:
        second.append("it has " + join_and(has))
    if "familyFriendly" in mr:
        second.append(
            "it is family friendly"
            if mr["familyFriendly"] == "yes"
            else "it is not family friendly"
        )
    if not second:
        return first + "."
    return first + ". " + capitalise(" and ".join(second)) + "."


E2E_NLG = task(
    "e2e_nlg",
    "Write a fluent restaurant description from an E2E meaning representation.",
    "Write one or two sentences describing the restaurant, using every attribute of the "
    "meaning representation.",
    [("Meaning representation", "meaning_representation")],
    "Description",
    make_e2e,
)

# --------------------------------------------------------------------------- viggo

GAMES = phrases(
    "Tomb Raider | Portal 2 | Little Nightmares | Rocket League | The Witcher 3 | Halo 4 | "
    "Spyro | Dirt 3 | BioShock | Mass Effect | Celeste | Hollow Knight | Stardew Valley | "
    "Skyrim | Far Cry 3 | Need for Speed | Tetris | Minecraft | Bastion | Limbo | Journey | "
    "Undertale | Fallout 4 | Dark Souls | Diablo III | StarCraft | Civilization V | The Sims 4 | "
    "Overwatch | Braid | Firewatch | Inside | Cuphead | Half-Life 2 | Max Payne | Mafia II"
)
DEVELOPERS = phrases(
    "Valve | BioWare | Ubisoft | Nintendo | Bethesda | Rockstar | Capcom | Blizzard | "
    "Square Enix | Telltale Games | Crystal Dynamics | Insomniac | Naughty Dog | Psyonix | "
    "Supergiant Games | Team Cherry | Epic Games | FromSoftware | Maxis | Playdead"
)
VIGGO_VALUES = {
    "genres": phrases(
        "action | adventure | role-playing | shooter | puzzle | platformer | strategy | "
        "simulation | sport | racing | fighting | indie | action-adventure | survival"
    ),
    "platforms": ["PC", "PlayStation", "Xbox", "Nintendo Switch"],
    "esrb": ["E (for Everyone)", "T (for Teen)", "M (for Mature)"],
    "rating": ["poor", "average", "good", "excellent"],
    "player_perspective": ["first person", "third person", "side view", "bird view"],
    "has_multiplayer": ["yes", "no"],
    "available_on_steam": ["yes", "no"],
}
VIGGO_ORDER = [
    "name",
    "release_year",
    "developer",
    "esrb",
    "rating",
    "genres",
    "player_perspective",
    "platforms",
    "has_multiplayer",
    "available_on_steam",
]


def _viggo_value(attr: str, rng: random.Random) -> str:
    if attr == "name":
        return rng.choice(GAMES)
    if attr == "release_year":
        return str(rng.randint(1990, 2022))
    if attr == "developer":
        return rng.choice(DEVELOPERS)
    if attr in ("genres", "platforms"):
        return ", ".join(rng.sample(VIGGO_VALUES[attr], rng.randint(1, 2)))
    return rng.choice(VIGGO_VALUES[attr])


def _viggo_clauses(mr: dict[str, str]) -> list[str]:
    """Short "it ..." clauses for the attributes other than name/genres/year/developer."""
    out = []
    if "esrb" in mr:
        out.append(f"it is rated {mr['esrb']}")
    if "rating" in mr:
        out.append(f"it got {mr['rating']} reviews")
    if "player_perspective" in mr:
        out.append(f"it is played from a {mr['player_perspective']} perspective")
    if "platforms" in mr:
        out.append(f"it is on {mr['platforms'].replace(', ', ' and ')}")
    if "has_multiplayer" in mr:
        out.append(
            "it has multiplayer" if mr["has_multiplayer"] == "yes" else "it has no multiplayer"
        )
    if "available_on_steam" in mr:
        yes = mr["available_on_steam"] == "yes"
        out.append("it is available on Steam" if yes else "it is not on Steam")
    return out


def _viggo_game_phrase(mr: dict[str, str]) -> str:
    genres = mr.get("genres", "").replace(", ", " and ")
    phrase = f"{genres} game" if genres else "game"
    if "release_year" in mr:
        phrase = f"{mr['release_year']} {phrase}"
    if "developer" in mr:
        phrase += f" by {mr['developer']}"
    return phrase


def _viggo_inform(mr: dict[str, str]) -> str:
    game = _viggo_game_phrase(mr)
    text = f"{mr['name']} is {a_an(game)} {game}."
    clauses = _viggo_clauses(mr)
    if clauses:
        text += " " + capitalise(" and ".join(clauses)) + "."
    return text


def _viggo_give_opinion(mr: dict[str, str]) -> str:
    rest = {k: v for k, v in mr.items() if k != "rating"}
    word = {
        "poor": "a poor",
        "average": "an average",
        "good": "a good",
        "excellent": "an excellent",
    }
    text = f"I think {mr['name']} is {word[mr['rating']]} game"
    clauses = _viggo_clauses(rest)
    game = _viggo_game_phrase(rest)
    if game != "game":
        text += f", for {a_an(game)} {game}"
    if clauses:
        text += ", and " + " and ".join(clauses)
    return text + "."


def _viggo_suggest(mr: dict[str, str]) -> str:
    game = _viggo_game_phrase(mr)
    text = f"Have you ever played {mr['name']}? It is {a_an(game)} {game}"
    clauses = _viggo_clauses(mr)
    if clauses:
        text += " and " + " and ".join(clauses)
    return text + "."


def _viggo_confirm(mr: dict[str, str]) -> str:
    return f"So you mean {mr['name']}, the {_viggo_game_phrase(mr)}, right?"


def _viggo_request(mr: dict[str, str]) -> str:
    wants = []
    if "genres" in mr:
        wants.append(f"{mr['genres'].replace(', ', ' and ')} games")
    else:
        wants.append("games")
    if "developer" in mr:
        wants.append(f"made by {mr['developer']}")
    if "platforms" in mr:
        wants.append(f"for {mr['platforms'].replace(', ', ' or ')}")
    if "player_perspective" in mr:
        wants.append(f"played from a {mr['player_perspective']} perspective")
    return f"Are there any {' '.join(wants)} that you would recommend?"


VIGGO_FUNCTIONS = {
    # function: (always-present attributes, optional attributes, realiser)
    "inform": (("name",), VIGGO_ORDER[1:], _viggo_inform),
    "give_opinion": (
        ("name", "rating"),
        ["release_year", "developer", "genres", "has_multiplayer"],
        _viggo_give_opinion,
    ),
    "suggest": (
        ("name",),
        ["genres", "platforms", "player_perspective", "has_multiplayer"],
        _viggo_suggest,
    ),
    "confirm": (("name",), ["release_year", "developer", "genres"], _viggo_confirm),
    "request": ((), ["genres", "developer", "platforms", "player_perspective"], _viggo_request),
}


def make_viggo(rng: random.Random) -> dict:
    function = rng.choice(list(VIGGO_FUNCTIONS))
    required, optional, realise = VIGGO_FUNCTIONS[function]
    low = 2 if function in ("inform", "request") else 1
    attrs = set(required) | set(rng.sample(optional, rng.randint(low, min(3, len(optional)))))
    mr = {attr: _viggo_value(attr, rng) for attr in VIGGO_ORDER if attr in attrs}
    output = f"{function}(" + ", ".join(f"{k}[{v}]" for k, v in mr.items()) + ")"
    return example({"sentence": realise(mr)}, output)


VIGGO = task(
    "viggo",
    "Turn a sentence about a video game into its function(attribute[value], ...) meaning.",
    "Write the meaning representation of the sentence as function(attribute[value], ...). "
    "Functions: inform, give_opinion, suggest, confirm, request.",
    [("Sentence", "sentence")],
    "Meaning representation",
    make_viggo,
)

# --------------------------------------------------------------------------- tldr (news)

INVESTORS = phrases(
    "Sequoia | Accel | Index Ventures | Benchmark | Greylock | Lightspeed | Khosla Ventures"
)
PRODUCT_GOALS = phrases(
    "build delivery robots | expand into Europe | grow its AI team | launch a banking app | "
    "make cheaper batteries | scale its cloud platform | build electric trucks | "
    "develop a new chip | open more stores | improve its search engine"
)
GADGETS = phrases(
    "smart glasses | folding phone | AI assistant | electric scooter | password manager | "
    "home robot | fitness tracker | video editor | coding assistant | budget laptop"
)
ABILITIES = phrases(
    "read handwriting | detect cancer early | predict earthquakes | translate sign language | "
    "recycle plastic | clean the ocean | generate music | fold laundry | spot fake news"
)
SERVICES = words("Slack Discord Gmail Zoom GitHub Spotify Dropbox WhatsApp Netflix Twitch")
EXTRAS = [
    "The news was first reported on {day}.",
    "Shares rose slightly after the announcement.",
    "Analysts expect more details later this year.",
    "The company did not comment on the report.",
    "Rivals are working on similar projects.",
    "Critics say the plan may face delays.",
]


def _company(rng: random.Random) -> str:
    return coined_word(rng) + rng.choice(["", "", " Labs", " AI", " Robotics", " Systems"])


def _funding(rng: random.Random, co: str, n: int) -> dict[str, str]:
    goal = rng.choice(PRODUCT_GOALS)
    return {
        "headline": f"{co} raises ${n} million to {goal}",
        "article": f"{co} has raised ${n} million in a round led by {rng.choice(INVESTORS)}. "
        f"The startup will use the money to {goal}.",
        "body": f"{co} has raised ${n} million in new funding. The company says the money "
        f"will help it {goal}. It also plans to hire more staff this year.",
    }


def _acquisition(rng: random.Random, co: str, n: int) -> dict[str, str]:
    other, season = _company(rng), rng.choice(["spring", "summer", "autumn"])
    return {
        "headline": f"{co} acquires {other} for ${n} million",
        "article": f"{co} has agreed to buy {other}, a {rng.choice(GADGETS)} startup, "
        f"for ${n} million. The deal is expected to close in {season}.",
        "body": f"{co} is buying {other} in a deal worth ${n} million. {other} will keep "
        f"its brand and its team will join {co}. The deal still needs approval.",
    }


def _launch(rng: random.Random, co: str, n: int) -> dict[str, str]:
    gadget = rng.choice(GADGETS)
    return {
        "headline": f"{co} unveils a new {gadget}",
        "article": f"{co} has announced a {gadget} that will cost ${n * 10}. "
        f"It goes on sale in {rng.choice(COUNTRIES)} next month.",
        "body": f"{co} has announced a new {gadget}. The company says it is faster and "
        "cheaper than rival products. It will go on sale later this year.",
    }


def _layoffs(rng: random.Random, co: str, n: int) -> dict[str, str]:
    pct = rng.choice([5, 8, 10, 12, 15, 20, 25, 30])
    return {
        "headline": f"{co} cuts {pct} percent of its staff",
        "article": f"{co} is laying off {pct} percent of its employees, about {n * 10} people, "
        f"the chief executive {full_name(rng)} said in a memo.",
        "body": f"{co} is laying off {pct} percent of its workforce. The company blamed slowing "
        "growth and rising costs. Affected staff will receive severance pay.",
    }


def _outage(rng: random.Random, co: str, n: int) -> dict[str, str]:
    service, hours = rng.choice(SERVICES), rng.randint(2, 9)
    return {
        "headline": f"{service} goes down for {hours} hours",
        "article": f"Millions of {service} users could not log in for {hours} hours on "
        f"{rng.choice(WEEKDAYS)}. The outage was caused by a faulty update.",
        "body": f"{service} was down for {hours} hours, leaving millions of users unable to "
        "log in. The company said a faulty update caused the outage and apologised.",
    }


def _research(rng: random.Random, co: str, n: int) -> dict[str, str]:
    ability = rng.choice(ABILITIES)
    return {
        "headline": f"Researchers build an AI that can {ability}",
        "article": f"A team at {rng.choice(CITIES)} University has built an AI system that can "
        f"{ability}. It was trained on {n} thousand examples.",
        "body": f"Researchers have built an AI system that can {ability}. The team says the "
        "model is more accurate than earlier methods. The code will be released soon.",
    }


NEWS_FRAMES = [_funding, _acquisition, _launch, _layoffs, _outage, _research]
AMOUNTS = [5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100, 120, 150, 200]


def _news_frame(rng: random.Random) -> dict[str, str]:
    """A news event: its headline, a varied article and a body that follows from the headline."""
    frame = rng.choice(NEWS_FRAMES)
    return frame(rng, _company(rng), rng.choice(AMOUNTS))


def make_tldr_headline(rng: random.Random) -> dict:
    frame = _news_frame(rng)
    extra = rng.choice(EXTRAS).format(day=rng.choice(WEEKDAYS))
    return example({"article": f"{frame['article']} {extra}"}, frame["headline"])


def make_tldr_content(rng: random.Random) -> dict:
    frame = _news_frame(rng)
    return example({"headline": frame["headline"]}, frame["body"])


TLDR_HEADLINE_GEN = task(
    "tldr_headline_gen",
    "Write a headline for a short tech news article.",
    "Write a short headline for the news article.",
    [("Article", "article")],
    "Headline",
    make_tldr_headline,
)
TLDR_CONTENT_GEN = task(
    "tldr_content_gen",
    "Write a short tech news article for a headline.",
    "Write a short news article of two or three sentences for the headline.",
    [("Headline", "headline")],
    "Article",
    make_tldr_content,
)

# --------------------------------------------------------------------------- webnlg

WEBNLG_PREDICATES = {
    # subject kind: [(predicate, object pool or callable, verb phrase with {o})]
    "person": [
        ("birthPlace", CITIES, "was born in {o}"),
        ("nationality", NATIONALITIES, "is {o}"),
        (
            "occupation",
            phrases("engineer | test pilot | painter | economist | architect | poet"),
            "worked as {a} {o}",
        ),
        ("almaMater", [f"University of {c}" for c in CITIES[:20]], "studied at the {o}"),
        ("birthYear", [str(y) for y in range(1900, 1990)], "was born in {o}"),
    ],
    "city": [
        ("country", COUNTRIES, "is in {o}"),
        ("populationTotal", [f"{n}000" for n in range(12, 900, 7)], "has a population of {o}"),
        (
            "leaderName",
            [f"{f} {last}" for f in FIRST_NAMES[:12] for last in LAST_NAMES[:12]],
            "is led by {o}",
        ),
        ("elevation", [f"{n} metres" for n in range(5, 2000, 37)], "lies {o} above sea level"),
    ],
    "airport": [
        ("cityServed", CITIES, "serves the city of {o}"),
        ("runwayLength", [f"{n}.0" for n in range(900, 4000, 53)], "has a runway length of {o}"),
        (
            "operatingOrganisation",
            phrases("Aena | Avinor | Swedavia | Finavia | Fraport | Schiphol Group"),
            "is operated by {o}",
        ),
        (
            "elevationAboveTheSeaLevel",
            [f"{n}.0" for n in range(1, 600, 11)],
            "is {o} metres above sea level",
        ),
    ],
    "food": [
        ("country", COUNTRIES, "comes from {o}"),
        (
            "mainIngredient",
            phrases("rice | lamb | cheese | potatoes | chickpeas | noodles | shrimp | beans"),
            "is made with {o}",
        ),
        ("course", phrases("dessert | main course | starter | side dish"), "is served as {a} {o}"),
        (
            "region",
            phrases("the north | the south | the coast | the mountains | the capital"),
            "is popular in {o}",
        ),
    ],
}
FOOD_NAMES = phrases(
    "Bakso | Paella | Arepa | Baklava | Bandeja paisa | Ajoblanco | Binignit | Shumai | "
    "Pierogi | Goulash | Moussaka | Tamales | Khachapuri | Halloumi | Gazpacho | Poutine"
)


def _webnlg_subject(kind: str, rng: random.Random) -> str:
    if kind == "person":
        return full_name(rng)
    if kind == "city":
        return rng.choice(CITIES + [coined_word(rng) for _ in range(2)])
    if kind == "airport":
        return f"{coined_word(rng)} Airport"
    return rng.choice(FOOD_NAMES)


def make_webnlg(rng: random.Random) -> dict:
    kind = rng.choice(list(WEBNLG_PREDICATES))
    subject = _webnlg_subject(kind, rng)
    preds = rng.sample(WEBNLG_PREDICATES[kind], rng.randint(1, 3))
    if kind == "person":  # never both birth facts, they share a verb phrase
        birth = [p for p in preds if p[0] in ("birthPlace", "birthYear")]
        preds = [p for p in preds if p not in birth[1:]]
    triples, clauses = [], []
    for predicate, pool, phrase in preds:
        obj = rng.choice(pool)
        triples.append(f"{subject.replace(' ', '_')} | {predicate} | {obj.replace(' ', '_')}")
        clauses.append(phrase.format(o=obj, a=a_an(obj)))
    return example({"triples": " && ".join(triples)}, f"{subject} {join_and(clauses)}.")


WEBNLG = task(
    "webnlg",
    "Verbalise subject | predicate | object triples as one sentence.",
    "Write one sentence that expresses all of the subject | predicate | object triples.",
    [("Triples", "triples")],
    "Sentence",
    make_webnlg,
)
