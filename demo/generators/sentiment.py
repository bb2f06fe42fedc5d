"""Lexicon-driven reasoning tasks: glue_sst2 (movie sentiment), covid (five-way tweet
sentiment) and jigsaw (toxicity). Labels follow from which word lists the text draws on."""

from __future__ import annotations

import random

from .base import example, task
from .vocab import CITIES, a_an, capitalise, full_name, phrases, words

# --------------------------------------------------------------------------- glue_sst2

POSITIVE = words(
    "charming witty moving brilliant gorgeous heartfelt funny delightful smart engaging "
    "thoughtful beautiful touching clever fresh lovely wonderful gripping inventive powerful "
    "tender warm stunning affecting vibrant joyous sharp haunting"
)
NEGATIVE = words(
    "dull tedious boring clumsy lifeless predictable bland pointless messy silly stale flat "
    "shallow tiresome awkward forced lazy sluggish hollow muddled painful unfunny dreary ugly "
    "overlong lame tired"
)
FILM_NOUNS = words("film movie picture story comedy drama script thriller documentary romance")
FILM_TOPICS = phrases(
    "family | love | war | growing up | friendship | a small town | two brothers | "
    "the music business | a long journey | old age | a failing marriage | high school"
)
SST_TEMPLATES = [
    "a {a1} and {a2} {noun} .",
    "the {noun} is {a1} from start to finish .",
    "it 's {an} {a1} {noun} about {topic} .",
    "{a1} , {a2} and often {a3} .",
    "the director has made {an} {a1} {noun} that feels {a2} .",
    "{actor} gives {an} {a1} performance in this {a2} {noun} .",
    "what could have been a story about {topic} ends up {a1} .",
    "{an} {a1} look at {topic} , and {a2} too .",
]


def make_sst2(rng: random.Random) -> dict:
    positive = rng.random() < 0.5
    adjectives = rng.sample(POSITIVE if positive else NEGATIVE, 3)
    sentence = rng.choice(SST_TEMPLATES).format(
        a1=adjectives[0],
        a2=adjectives[1],
        a3=adjectives[2],
        an=a_an(adjectives[0]),
        noun=rng.choice(FILM_NOUNS),
        topic=rng.choice(FILM_TOPICS),
        actor=full_name(rng).lower(),
    )
    return example({"sentence": sentence}, "1" if positive else "0")


GLUE_SST2 = task(
    "glue_sst2",
    "Classify the sentiment of a movie review sentence (1 positive, 0 negative).",
    "Classify the sentiment of the sentence. Answer 1 for positive or 0 for negative.",
    [("Sentence", "sentence")],
    "Label",
    make_sst2,
)

# --------------------------------------------------------------------------- covid

COVID_FACTS = [
    "{store} in {city} will open an hour early for elderly shoppers",
    "{store} limits {item} to {n} per customer",
    "the price of {item} in {city} went up {n} percent this week",
    "{store} is hiring {n}00 new workers during the lockdown",
    "queues outside {store} in {city} this morning",
    "shelves of {item} at {store} are empty again",
    "{store} now delivers {item} to your door",
    "online orders at {store} doubled since the lockdown began",
]
STORES = words("Tesco Walmart Aldi Lidl Costco Target Kroger Sainsburys Carrefour Woolworths")
ITEMS = phrases(
    "toilet paper | hand sanitizer | pasta | flour | eggs | face masks | rice | milk | "
    "canned food | soap"
)
COVID_COMMENTS = {
    "Extremely Positive": phrases(
        "amazing work by everyone | so grateful for these heroes | fantastic news | "
        "best thing i have seen all week | wonderful people, huge thanks | truly excellent"
    ),
    "Positive": phrases(
        "good to see | nice move | glad they did it | this is helpful | thanks to the staff | "
        "fair enough"
    ),
    "Negative": phrases(
        "not great | a bit worried | this is annoying | bad timing | kind of unfair | "
        "feeling sad about it"
    ),
    "Extremely Negative": phrases(
        "absolutely disgusting | terrible and scary | pure panic everywhere | horrible greedy "
        "behaviour | a total disaster | completely ridiculous"
    ),
}
COVID_LABELS = ["Extremely Negative", "Negative", "Neutral", "Positive", "Extremely Positive"]
HASHTAGS = words("#coronavirus #COVID19 #lockdown #StayHome #panicbuying #supermarket #COVID")


def make_covid(rng: random.Random) -> dict:
    label = rng.choice(COVID_LABELS)
    fact = rng.choice(COVID_FACTS).format(
        store=rng.choice(STORES),
        city=rng.choice(CITIES),
        item=rng.choice(ITEMS),
        n=rng.randint(2, 9),
    )
    parts = [fact]
    if label != "Neutral":
        count = 2 if label.startswith("Extremely") else 1
        comments = rng.sample(COVID_COMMENTS[label], count)
        parts = [*comments, fact] if rng.random() < 0.5 else [fact, *comments]
    tags = " ".join(rng.sample(HASHTAGS, rng.randint(1, 2)))
    mention = rng.choice(["", "", "@" + rng.choice(STORES) + " "])
    tweet = mention + ". ".join(parts) + " " + tags
    return example({"tweet": tweet}, label)


COVID = task(
    "covid",
    "Classify a COVID-19 shopping tweet into one of five sentiment labels.",
    "Classify the sentiment of the tweet as one of: " + ", ".join(COVID_LABELS) + ".",
    [("Tweet", "tweet")],
    "Sentiment",
    make_covid,
)

# --------------------------------------------------------------------------- jigsaw

JIGSAW_TOPICS = phrases(
    "the new bike lane | the school budget | the property tax | the bus service | the mayor's "
    "plan | the stadium project | the parking fee | the new library | the water rate | this law"
)
OPINIONS = [
    "I think {t} will cost more than the article says.",
    "The numbers on {t} in this piece look wrong to me.",
    "{t} is a bad idea and the council should drop it.",
    "Honestly {t} is the best news this city has had in years.",
    "Nobody asked the residents about {t} before deciding.",
    "Can someone explain who pays for {t}?",
]
INSULTS = phrases(
    "you are such an idiot | only a clown would write this | what a pathetic take | "
    "shut up, you moron | the author is a complete fool | stupid article by a stupid writer | "
    "go away, loser | typical dumb nonsense from you | you absolute muppet"
)
CLOSERS = phrases(
    "just my two cents | thanks for the article | happy to discuss | let's see what happens | "
    "good points on both sides | I hope they listen"
)


def make_jigsaw(rng: random.Random) -> dict:
    toxic = rng.random() < 0.5
    opinion = capitalise(rng.choice(OPINIONS).format(t=rng.choice(JIGSAW_TOPICS)))
    tail = capitalise(rng.choice(INSULTS if toxic else CLOSERS)) + "."
    comment = f"{tail} {opinion}" if rng.random() < 0.3 else f"{opinion} {tail}"
    return example({"comment": comment}, "1" if toxic else "0")


JIGSAW = task(
    "jigsaw",
    "Decide whether a comment is toxic (1) or not (0).",
    "Is the comment toxic? Answer 1 for toxic or 0 for not toxic.",
    [("Comment", "comment")],
    "Label",
    make_jigsaw,
)
