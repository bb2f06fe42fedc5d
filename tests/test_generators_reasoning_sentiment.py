"""Tests for the sentiment and reasoning generators (demo/generators/sentiment.py and
reasoning.py): report placeholders, label formats, balance and the shape of each input.
No Django needed."""

import collections
import datetime
import functools
import re
import string
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.generators import FORMATS, make_splits, render_prompt  # noqa: E402
from demo.generators.base import report_tasks  # noqa: E402

LABELS = {
    "glue_sst2": {"0", "1"},
    "covid": {"Extremely Positive", "Positive", "Neutral", "Negative", "Extremely Negative"},
    "jigsaw": {"yes", "no"},
    "glue_mnli": {"0", "1", "2"},
    "glue_cola": {"0", "1"},
    "glue_mrpc": {"0", "1"},
    "glue_qqp": {"0", "1"},
    "hellaswag": {"0", "1", "2", "3"},
    "winogrande": {"1", "2"},
}
SLUGS = list(LABELS)
ENDINGS = re.compile(r'"([^"]*)", "([^"]*)", "([^"]*)", "([^"]*)"')


@functools.cache
def rows(slug: str, seed: int = 0) -> list[dict]:
    train, test = make_splits(slug, seed=seed)
    return train + test


def inputs_words(row: dict) -> int:
    return sum(len(value.split()) for value in row["inputs"].values())


@pytest.mark.parametrize("slug", SLUGS)
def test_format_follows_the_report(slug):
    fmt, entry = FORMATS[slug], report_tasks()[slug]
    assert fmt.slug == slug
    assert fmt.fields == tuple(entry["placeholders"])
    assert fmt.template == entry["prompt_template"]
    assert fmt.description.strip() and "\n" not in fmt.description
    placeholders = {name for _, name, _, _ in string.Formatter().parse(fmt.template) if name}
    assert placeholders == set(entry["placeholders"])


@pytest.mark.parametrize("slug", SLUGS)
def test_inputs_match_placeholders_and_are_ascii_strings(slug):
    fmt = FORMATS[slug]
    required = set(fmt.fields) - set(fmt.optional)
    for row in rows(slug):
        assert set(row["inputs"]) == set(fmt.fields)
        assert all(isinstance(value, str) for value in row["inputs"].values())
        assert all(row["inputs"][name].strip() for name in required)
        assert all(value == value.strip() for value in row["inputs"].values())
        text = render_prompt(slug, row["inputs"]) + row["output"]
        assert text.isascii()
        assert "{" not in row["output"] and "\n" not in "".join(row["inputs"].values())


@pytest.mark.parametrize("slug", SLUGS)
def test_exact_label_set_and_balance(slug):
    counts = collections.Counter(row["output"] for row in rows(slug))
    assert set(counts) == LABELS[slug]
    share = max(counts.values()) / sum(counts.values())
    limit = 0.6 if len(counts) == 2 else 2.0 / len(counts)
    assert share <= limit, counts
    if len(counts) == 2:
        assert share >= 0.4


@pytest.mark.parametrize("slug", SLUGS)
def test_inputs_short_and_varied(slug):
    data = rows(slug)
    lengths = [inputs_words(row) for row in data]
    assert max(lengths) <= 80
    assert sum(lengths) / len(lengths) <= 55
    # A broad vocabulary, and no input field constant across the data.
    vocabulary = {
        word.lower().strip(string.punctuation)
        for row in data
        for value in row["inputs"].values()
        for word in value.split()
    }
    assert len(vocabulary) >= 300
    for field in FORMATS[slug].fields:
        assert len({row["inputs"][field] for row in data}) >= 20, field


@pytest.mark.parametrize("slug", SLUGS)
def test_no_single_word_gives_the_label_away(slug):
    """No word that occurs in at least 10 % of the rows predicts the label on its own with
    more than 95 % accuracy (e.g. "not" is in both classes of glue_sst2)."""
    data = rows(slug)
    seen: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for row in data:
        text = " ".join(row["inputs"].values()).lower()
        for word in set(re.findall(r"[a-z']+", text)):
            seen[word][row["output"]] += 1
    for word, counts in seen.items():
        total = sum(counts.values())
        if total >= 0.1 * len(data):
            assert max(counts.values()) / total <= 0.95, (word, counts)


def test_covid_location_optional_and_blank_in_some_rows():
    assert FORMATS["covid"].optional == ("Location",)
    data = rows("covid")
    blank = sum(row["inputs"]["Location"] == "" for row in data)
    assert 0.1 * len(data) <= blank <= 0.3 * len(data)
    assert all(row["inputs"]["OriginalTweet"] and row["inputs"]["TweetAt"] for row in data)
    for slug in set(SLUGS) - {"covid"}:
        assert FORMATS[slug].optional == ()


def test_covid_timestamp_is_a_real_dd_mm_yyyy_date():
    dates = set()
    for row in rows("covid"):
        stamp = row["inputs"]["TweetAt"]
        assert re.fullmatch(r"\d\d-\d\d-\d{4}", stamp), stamp
        dates.add(datetime.datetime.strptime(stamp, "%d-%m-%Y").date())
    assert min(dates) >= datetime.date(2020, 3, 1)
    assert max(dates) <= datetime.date(2020, 4, 30)
    assert len(dates) >= 20


def test_covid_intensity_follows_the_wording():
    strong = {"amazing", "fantastic", "wonderful", "disgusting", "horrible", "terrible"}
    by_label = collections.defaultdict(list)
    for row in rows("covid"):
        words = set(re.findall(r"[a-z]+", row["inputs"]["OriginalTweet"].lower()))
        by_label[row["output"]].append(bool(words & strong))
    assert not any(by_label["Neutral"])
    assert sum(by_label["Extremely Positive"]) > sum(by_label["Positive"])
    assert sum(by_label["Extremely Negative"]) > sum(by_label["Negative"])


def test_sst2_uses_negation_in_both_classes():
    negated = collections.Counter()
    for row in rows("glue_sst2"):
        sentence = row["inputs"]["sentence"].lower()
        if re.search(r"\b(not|never|hardly|n't|nothing|neither|far from)\b", sentence):
            negated[row["output"]] += 1
    assert negated["0"] >= 30 and negated["1"] >= 30


def test_sst2_has_both_typed_and_tokenised_sentences():
    sentences = [row["inputs"]["sentence"] for row in rows("glue_sst2")]
    tokenised = [s for s in sentences if s.endswith(" .") or s == s.lower()]
    typed = [s for s in sentences if s[:1].isupper()]
    assert len(tokenised) >= 100 and len(typed) >= 100


def test_jigsaw_comments_are_short_and_civil_criticism_is_not_toxic():
    data = rows("jigsaw")
    assert max(inputs_words(row) for row in data) <= 45
    heated = [
        row
        for row in data
        if re.search(
            r"ridiculous|furious|disagree|terrible idea", row["inputs"]["comment_text"].lower()
        )
    ]
    assert heated and sum(row["output"] == "no" for row in heated) >= len(heated) / 2
    insults = [
        row
        for row in data
        if re.search(r"\b(idiot|moron|loser|clown)\b", row["inputs"]["comment_text"].lower())
    ]
    assert insults
    civil_mentions = [
        row for row in insults if "calling people idiots" in row["inputs"]["comment_text"].lower()
    ]
    assert all(row["output"] == "yes" for row in insults if row not in civil_mentions)


def test_hellaswag_endings_parse_into_four_quoted_strings():
    for row in rows("hellaswag"):
        endings = row["inputs"]["endings"]
        match = ENDINGS.fullmatch(endings)
        assert match, endings
        options = list(match.groups())
        assert all(option.strip() and '"' not in option for option in options)
        assert len(set(options)) == 4
        assert row["output"] in {"0", "1", "2", "3"}
        assert not row["inputs"]["ctx"].endswith(".")  # the passage is unfinished


def test_hellaswag_label_points_at_the_ending_that_continues_the_activity():
    from demo.generators.reasoning import ACTIVITIES

    steps = {}
    for index, (_, activity_steps, _) in enumerate(ACTIVITIES):
        for step in activity_steps:
            for pos in ("his", "her"):
                steps[step.replace("{pos}", pos)] = index
    for row in rows("hellaswag"):
        options = list(ENDINGS.fullmatch(row["inputs"]["endings"]).groups())
        answer = options[int(row["output"])]
        assert answer in steps
        # The right ending is a step of the activity the context sets up.
        setups = ACTIVITIES[steps[answer]][0]
        ctx = row["inputs"]["ctx"]
        assert any(
            setup.replace("{pos}", pos) in ctx for setup in setups for pos in ("his", "her")
        ), (ctx, answer)
        # No other option is a step of that same activity.
        others = [o for i, o in enumerate(options) if i != int(row["output"])]
        assert all(steps.get(o) != steps[answer] for o in others)


def test_winogrande_one_blank_and_options_from_the_sentence():
    for row in rows("winogrande"):
        sentence = row["inputs"]["sentence"]
        option1, option2 = row["inputs"]["option1"], row["inputs"]["option2"]
        assert sentence.count("_") == 1
        assert option1 != option2
        assert option1 in sentence.replace("_", "") and option2 in sentence.replace("_", "")


def test_winogrande_answer_flips_with_the_trigger():
    """The same frame and names occur with both answers: the trigger words decide."""
    by_frame = collections.defaultdict(set)
    for row in rows("winogrande"):
        sentence = row["inputs"]["sentence"]
        head = sentence.split("_")[0]
        answer = row["inputs"]["option" + row["output"]]
        by_frame[head].add(answer)
    assert sum(len(answers) == 2 for answers in by_frame.values()) >= 20


def test_mnli_and_mrpc_share_premises_across_labels():
    premises = collections.defaultdict(set)
    for row in rows("glue_mnli"):
        premises[row["inputs"]["premise"]].add(row["output"])
    assert any(len(labels) == 3 for labels in premises.values())
    first = collections.defaultdict(set)
    for row in rows("glue_mrpc"):
        s1, s2 = row["inputs"]["sentence1"], row["inputs"]["sentence2"]
        assert s1 != s2
        first[re.sub(r"\d", "#", s1)[:25]].add(row["output"])
    assert sum(len(labels) == 2 for labels in first.values()) >= 10


def test_mrpc_hard_negatives_share_most_words():
    overlaps = []
    for row in rows("glue_mrpc"):
        if row["output"] != "0":
            continue
        a = set(re.findall(r"\w+", row["inputs"]["sentence1"].lower()))
        b = set(re.findall(r"\w+", row["inputs"]["sentence2"].lower()))
        overlaps.append(len(a & b) / len(a | b))
    assert sum(o >= 0.4 for o in overlaps) >= 0.5 * len(overlaps)


def test_qqp_questions_look_like_questions():
    for row in rows("glue_qqp"):
        for name in ("question1", "question2"):
            question = row["inputs"][name]
            assert re.match(
                r"(?i)(how|what|which|where|why|is|can|am|are|should|when|i |"
                r"between)",
                question,
            ), question
    same_topic_negatives = 0
    for row in rows("glue_qqp"):
        a = set(row["inputs"]["question1"].lower().split())
        b = set(row["inputs"]["question2"].lower().split())
        if row["output"] == "0" and len(a & b) >= 3:
            same_topic_negatives += 1
    assert same_topic_negatives >= 100


def test_cola_errors_are_real_errors():
    """Acceptable sentences avoid the error patterns the unacceptable ones are built from."""
    errors = re.compile(
        r"\b(has|have) (went|ate|took|saw|wrote|broke|drove|sang|chose)\b"
        r"|\b(did|didn't|did not) (went|ate|took|saw|wrote|bought|found|sang)\b"
        r"|\b(can|will|should|might|must|could) to\b"
        r"|\b(goed|eated|buyed|taked|finded|runned|swimmed|bringed|falled|sleeped)\b"
        r"|\bmore (taller|older|faster|stronger|younger|richer|better|worse|busier)\b"
    )
    flagged = collections.Counter()
    for row in rows("glue_cola"):
        sentence = row["inputs"]["sentence"]
        assert sentence[0].isupper() and sentence[-1] in ".?"
        if errors.search(sentence):
            flagged[row["output"]] += 1
    assert flagged["0"] >= 20
    assert flagged["1"] == 0


def test_cola_no_sentence_is_labelled_both_ways():
    labels = collections.defaultdict(set)
    for seed in (0, 1, 2):
        for row in rows("glue_cola", seed):
            labels[row["inputs"]["sentence"].lower()].add(row["output"])
    assert all(len(found) == 1 for found in labels.values())
