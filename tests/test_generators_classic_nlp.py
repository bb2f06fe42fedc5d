"""Tests for the classic NLP generators (demo/generators/classic_nlp.py): each task's data
follows the LoRA Land report's own template and output format (demo/report_prompts.json).
No Django needed."""

import ast
import functools
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.generators import FORMATS, classic_nlp, make_splits, render_prompt  # noqa: E402

SLUGS = [
    "conllpp",
    "bc5cdr",
    "e2e_nlg",
    "viggo",
    "tldr_headline_gen",
    "tldr_content_gen",
    "webnlg",
]
REPORT = {
    entry["slug"]: entry
    for entry in json.loads((ROOT / "demo" / "report_prompts.json").read_text())["tasks"]
}


@functools.cache
def splits(slug: str) -> tuple[list[dict], list[dict]]:
    return make_splits(slug)


def rows(slug: str) -> list[dict]:
    train, test = splits(slug)
    return train + test


def the_input(row: dict) -> str:
    (value,) = row["inputs"].values()
    return value


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9$])", text.strip()) if s]


# --------------------------------------------------------------------------- all seven


@pytest.mark.parametrize("slug", SLUGS)
def test_format_is_the_reports(slug):
    fmt = FORMATS[slug]
    assert fmt.template == REPORT[slug]["prompt_template"]
    assert fmt.fields == tuple(REPORT[slug]["placeholders"])
    assert fmt.description and "\n" not in fmt.description and len(fmt.description) < 120


@pytest.mark.parametrize("slug", SLUGS)
def test_inputs_are_the_placeholders(slug):
    placeholders = REPORT[slug]["placeholders"]
    for row in rows(slug):
        assert list(row["inputs"]) == placeholders
        for value in row["inputs"].values():
            assert isinstance(value, str) and value.strip() == value and value
        assert isinstance(row["output"], str) and row["output"].strip() == row["output"]
        prompt = render_prompt(slug, row["inputs"])
        assert prompt.endswith(REPORT[slug]["prompt_template"].split("}")[-1])
        assert (prompt + row["output"]).isascii()


@pytest.mark.parametrize("slug", SLUGS)
def test_inputs_and_outputs_are_short_and_varied(slug):
    data = rows(slug)
    input_words = [sum(len(v.split()) for v in r["inputs"].values()) for r in data]
    assert max(input_words) <= 60
    assert all(len(r["output"].split()) <= 60 for r in data)
    assert len({the_input(r) for r in data}) == len(data)
    assert len({r["output"] for r in data}) >= 0.85 * len(data)


# --------------------------------------------------------------------------- conllpp

CONLL_KEYS = ["person", "organization", "location", "miscellaneous"]


def test_conllpp_outputs_are_report_json_of_copied_entities():
    for row in rows("conllpp"):
        sentence = the_input(row)
        parsed = json.loads(row["output"])
        assert list(parsed) == CONLL_KEYS
        assert row["output"] == json.dumps(parsed)  # the report's example's spacing
        for entities in parsed.values():
            assert len(entities) == len(set(entities))
            positions = []
            for entity in entities:
                assert isinstance(entity, str) and entity
                match = re.search(rf"(?<!\w){re.escape(entity)}(?!\w)", sentence)
                assert match, (entity, sentence)
                positions.append(match.start())
                assert not entity.lower().startswith("the ")
            assert positions == sorted(positions), (entities, sentence)
        listed = [e for es in parsed.values() for e in es]
        for word in classic_nlp.WEEKDAYS + classic_nlp.MONTHS:  # dates are never entities
            assert word not in listed


def test_conllpp_categories_and_styles_all_occur():
    data = rows("conllpp")
    parsed = [json.loads(r["output"]) for r in data]
    for key in CONLL_KEYS:
        filled = sum(bool(p[key]) for p in parsed)
        assert 0.15 * len(data) < filled < 0.9 * len(data), key
    empty = sum(not any(p.values()) for p in parsed)
    assert 0.02 * len(data) < empty < 0.2 * len(data)
    conll_style = sum(the_input(r).endswith(" .") for r in data)
    natural = sum(re.search(r"\w\.$", the_input(r)) is not None for r in data)
    assert conll_style > 0.3 * len(data) and natural > 0.3 * len(data)
    people = {e for p in parsed for e in p["person"]}
    organisations = {e for p in parsed for e in p["organization"]}
    places = {e for p in parsed for e in p["location"]}
    assert len(people) > 200 and len(organisations) > 100 and len(places) > 120


def test_conllpp_labels_follow_the_slot_not_the_string():
    # "the European Union" is listed as "European Union"; "The" at a sentence start too.
    seen_the = 0
    for row in rows("conllpp"):
        parsed = json.loads(row["output"])
        for entity in parsed["organization"] + parsed["location"]:
            if re.search(rf"\b[Tt]he {re.escape(entity)}", the_input(row)):
                seen_the += 1
    assert seen_the > 20


# --------------------------------------------------------------------------- bc5cdr

BC5CDR_KEYS = ["B-Chemical", "B-Disease", "I-Disease", "I-Chemical"]


def test_bc5cdr_outputs_are_report_dicts_of_input_tokens():
    chemical_heads = {m.split()[0].lower() for m in classic_nlp.CHEMICALS}
    disease_heads = {m.split()[0].lower() for m in classic_nlp.DISEASES}
    for row in rows("bc5cdr"):
        text = the_input(row)
        tokens = text.split(" ")
        assert all(tokens) and text == " ".join(text.split())
        # punctuation stands alone: no word with a comma, colon or full stop glued on
        assert not any(re.fullmatch(r"[A-Za-z]+[.,;:)]|[(][A-Za-z]+", t) for t in tokens)
        assert tokens[-1] in (".", "?")
        parsed = ast.literal_eval(row["output"])
        assert list(parsed) == BC5CDR_KEYS
        assert row["output"] == str(parsed)
        everything = [t for k in BC5CDR_KEYS for t in parsed[k]]
        for token in set(everything):
            assert everything.count(token) <= tokens.count(token)
        assert {t.lower() for t in parsed["B-Chemical"]} <= chemical_heads
        assert {t.lower() for t in parsed["B-Disease"]} <= disease_heads
        # an I- token only where there is a B- mention of that type
        if parsed["I-Chemical"]:
            assert parsed["B-Chemical"]
        if parsed["I-Disease"]:
            assert parsed["B-Disease"]


def test_bc5cdr_tags_follow_mention_order():
    for row in rows("bc5cdr"):
        tokens = the_input(row).split(" ")
        parsed = ast.literal_eval(row["output"])
        for key in BC5CDR_KEYS:
            cursor = 0
            for token in parsed[key]:  # each list follows the sentence's order
                cursor = tokens.index(token, cursor) + 1


def test_bc5cdr_has_multi_token_and_empty_cases():
    parsed = [ast.literal_eval(r["output"]) for r in rows("bc5cdr")]
    assert sum(bool(p["I-Disease"]) for p in parsed) > 50
    assert sum(bool(p["I-Chemical"]) for p in parsed) > 20
    assert sum(not any(p.values()) for p in parsed) > 5
    assert len({t for p in parsed for t in p["B-Chemical"]}) > 100
    assert len({t for p in parsed for t in p["B-Disease"]}) > 100


# --------------------------------------------------------------------------- e2e_nlg

E2E_ATTRS = [
    "name",
    "eatType",
    "food",
    "priceRange",
    "customer rating",
    "area",
    "familyFriendly",
    "near",
]


def parse_e2e(mr: str) -> dict[str, str]:
    pairs = re.findall(r"([A-Za-z ]+)\[([^\]]*)\](?:, |$)", mr)
    assert ", ".join(f"{k}[{v}]" for k, v in pairs) == mr
    return dict(pairs)


def test_e2e_outputs_verbalise_every_attribute():
    for row in rows("e2e_nlg"):
        mr = parse_e2e(the_input(row))
        text = row["output"]
        assert list(mr)[0] == "name" and len(mr) >= 3
        assert [k for k in E2E_ATTRS if k in mr] == list(mr)
        assert text.startswith(mr["name"]) or mr["name"] in text
        assert 1 <= len(sentences(text)) <= 2 and text.endswith(".")
        lower = text.lower()
        for attr, value in mr.items():
            if attr == "familyFriendly":
                assert re.search(r"famil|child|kid", lower)
                negative = re.search(r"\bnot\b", lower) is not None
                assert negative == (value == "no"), text
            elif attr == "area":
                assert value in lower
            else:
                assert value.lower() in lower, (attr, value, text)


def test_e2e_phrasings_vary():
    openings = {" ".join(r["output"].split()[2:4]) for r in rows("e2e_nlg")}
    assert len(openings) > 20


# --------------------------------------------------------------------------- viggo

VIGGO_ACTS = {
    "inform",
    "request",
    "give_opinion",
    "confirm",
    "verify_attribute",
    "suggest",
    "request_attribute",
    "request_explanation",
    "recommend",
}


def parse_viggo(mr: str) -> tuple[str, dict[str, str]]:
    match = re.fullmatch(r"(\w+)\((.*)\)", mr)
    assert match, mr
    slots = re.findall(r"(\w+)\[([^\]]*)\](?:, |$)", match.group(2))
    assert ", ".join(f"{k}[{v}]" for k, v in slots) == match.group(2)
    return match.group(1), dict(slots)


def test_viggo_outputs_realise_act_and_slots():
    acts = set()
    for row in rows("viggo"):
        act, slots = parse_viggo(the_input(row))
        acts.add(act)
        assert act in VIGGO_ACTS
        text = row["output"]
        assert text[0].isupper() and text[-1] in ".?"
        if act in ("request", "request_attribute", "request_explanation", "confirm"):
            assert text.endswith("?")
        if act == "request_attribute":
            assert len(slots) == 1 and list(slots.values()) == [""]
            continue
        assert all(slots.values())
        for slot in ("name", "release_year", "exp_release_date", "developer", "esrb", "specifier"):
            if slot in slots:
                assert slots[slot] in text, (slot, text)
        for slot in ("genres", "platforms", "player_perspective"):
            for item in slots.get(slot, "").split(", "):
                assert item in text, (slot, item, text)
    assert acts == VIGGO_ACTS


def test_viggo_opinion_follows_the_rating():
    for row in rows("viggo"):
        act, slots = parse_viggo(the_input(row))
        if act != "give_opinion":
            continue
        text = row["output"].lower()
        if slots["rating"] == "poor":
            assert re.search(r"poor|disappointing|not very good", text)
        if slots["rating"] == "excellent":
            assert re.search(r"best|excellent|fantastic", text)


# --------------------------------------------------------------------------- tldr


def test_tldr_headlines_summarise_the_passage():
    for row in rows("tldr_headline_gen"):
        passage, headline = the_input(row), row["output"]
        assert 2 <= len(sentences(passage)) <= 4
        assert len(sentences(headline)) == 1 and not headline.endswith(".")
        assert len(headline.split()) <= 16
        names = row["meta"]["names"]
        for name in names:
            assert name in headline and name in passage, (name, headline, passage)
    with_names = sum(bool(r["meta"]["names"]) for r in rows("tldr_headline_gen"))
    assert with_names > 0.9 * len(rows("tldr_headline_gen"))


def test_tldr_content_is_about_the_headline():
    data = rows("tldr_content_gen")
    for row in data:
        headline, body = the_input(row), row["output"]
        assert 2 <= len(sentences(body)) <= 4 and body.endswith(".")
        for name in row["meta"]["names"]:
            assert name in headline and name in body, (name, headline, body)
        # the first sentence restates the headline's subject
        first = sentences(body)[0]
        assert any(name in first for name in row["meta"]["names"]) or not row["meta"]["names"]
    assert sum(bool(r["meta"]["names"]) for r in data) > 0.9 * len(data)
    # bodies are about many different subjects, not one fixed story
    subjects = {r["meta"]["names"][0] for r in data if r["meta"]["names"]}
    assert len(subjects) > 200


# --------------------------------------------------------------------------- webnlg


def parse_triples(text: str) -> list[tuple[str, str, str]]:
    triples = []
    for part in text.split(", "):
        pieces = part.split(" | ")
        assert len(pieces) == 3, text
        triples.append(tuple(pieces))
    return triples


def test_webnlg_outputs_verbalise_every_triple():
    sizes = set()
    for row in rows("webnlg"):
        triples = parse_triples(the_input(row))
        sizes.add(len(triples))
        text = row["output"]
        assert "_" not in text and " | " not in text and '"' not in text
        assert text.endswith(".")
        for subject, predicate, obj in triples:
            assert re.fullmatch(r"[a-z]+[A-Za-z]*", predicate)
            assert " " not in subject and " " not in obj
            for entity in (subject, obj):
                shown = entity.strip('"').replace("_", " ")
                assert shown.lower() in text.lower(), (shown, text)
    assert sizes == {1, 2, 3}


def test_webnlg_has_quoted_literals_numbers_and_chains():
    data = [parse_triples(the_input(r)) for r in rows("webnlg")]
    objects = [o for triples in data for _, _, o in triples]
    assert any(o.startswith('"') for o in objects)
    assert any(re.fullmatch(r"\d+(\.\d+)?", o) for o in objects)
    chained = sum(any(s2 == o for _, _, o in triples for s2, _, _ in triples) for triples in data)
    assert chained > 30
    assert len({p for triples in data for _, p, _ in triples}) > 40
