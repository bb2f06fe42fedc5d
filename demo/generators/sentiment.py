"""Sentiment-style tasks: glue_sst2 (film-review sentences), covid (five-way sentiment of
COVID-19 tweets) and jigsaw (toxic or not).

The label always follows from what the text means: which way its opinion words point, what
negation and contrast do to them ("not bad at all", "the cast is fine, but the film is a
mess"), how strongly a tweet feels, whether a comment attacks people or only their ideas.
Every class draws on the same topics, sentence frames and heated vocabulary, so no single
word gives the answer away.

Long on purpose: most of it is opinion words and sentence frames, data that reads best
beside the example makers that draw from them.
"""

from __future__ import annotations

import random
import re
import string

from .base import example, task
from .vocab import a_an, capitalise, full_name, phrases, words

# =========================================================================== glue_sst2

POS_ADJ = words(
    "charming witty moving brilliant gorgeous heartfelt funny delightful smart engaging "
    "thoughtful beautiful touching clever fresh lovely wonderful gripping inventive powerful "
    "tender warm stunning affecting vibrant joyous sharp haunting superb terrific excellent "
    "compelling riveting original hilarious absorbing entertaining enjoyable memorable "
    "confident assured graceful elegant satisfying thrilling rich polished masterful wise "
    "spirited refreshing impressive exhilarating luminous poignant sweet lively irresistible "
    "rewarding intelligent fascinating"
)
NEG_ADJ = words(
    "dull tedious boring clumsy lifeless predictable bland pointless messy silly stale flat "
    "shallow tiresome awkward forced lazy sluggish hollow muddled painful unfunny dreary ugly "
    "overlong lame weak forgettable generic mediocre derivative incoherent clunky confusing "
    "pretentious cheap sloppy uneven monotonous laughable mindless annoying irritating "
    "contrived bloated joyless soulless amateurish pedestrian disappointing dreadful terrible "
    "awful grating listless insufferable plodding trite"
)
# Negative words whose negation ("not boring", "never dull") reads as praise.
NEGATABLE_NEG = words(
    "boring dull tedious predictable slow bad forgettable disappointing bland sentimental "
    "preachy silly"
)
# Praise words whose negation ("hardly funny", "far from clever") reads as a complaint.
NEGATABLE_POS = words(
    "funny clever original exciting moving charming gripping smart entertaining "
    "convincing interesting good"
)
INTENSIFIERS = phrases(
    "really | truly | genuinely | remarkably | surprisingly | thoroughly | consistently | "
    "utterly | quite | very | so | downright | simply | endlessly | rather"
)
GENRES = phrases(
    "comedy | thriller | drama | romance | documentary | horror film | animated feature | "
    "sequel | remake | biopic | western | musical | war film | coming-of-age story | "
    "heist movie | crime story | family film | period piece | road movie | love story | "
    "satire | action movie | mystery | fantasy epic | indie drama"
)
FILM_SUBJECTS = phrases(
    "the film | this movie | the picture | it | the whole thing | this {genre} | the sequel | "
    "the new {genre} | {director}'s latest | the story | this {genre} from {director} | "
    "the movie | this one | the remake | the final cut"
)
# (aspect, verb "be" agreeing with it)
ASPECTS = [
    ("the acting", "is"),
    ("the script", "is"),
    ("the direction", "is"),
    ("the cinematography", "is"),
    ("the soundtrack", "is"),
    ("the score", "is"),
    ("the pacing", "is"),
    ("the dialogue", "is"),
    ("the plot", "is"),
    ("the ending", "is"),
    ("the lead performance", "is"),
    ("the humor", "is"),
    ("the screenplay", "is"),
    ("the editing", "is"),
    ("the premise", "is"),
    ("the final act", "is"),
    ("the first hour", "is"),
    ("the camera work", "is"),
    ("the central romance", "is"),
    ("the animation", "is"),
    ("the performances", "are"),
    ("the jokes", "are"),
    ("the action scenes", "are"),
    ("the characters", "are"),
    ("the visuals", "are"),
    ("the special effects", "are"),
    ("the twists", "are"),
    ("the songs", "are"),
    ("the supporting players", "are"),
]
FILM_TOPICS = phrases(
    "family | love | war | growing up | friendship | a small town | two brothers | "
    "the music business | a long journey | old age | a failing marriage | high school | "
    "grief | a young boxer | a team of bank robbers | first love | an aging rock star | "
    "a haunted house | life on a farm | a chess prodigy | a lonely widower | immigrants in "
    "a big city | a summer camp | a dying factory town | a runaway teenager | a jazz club | "
    "two sisters | a detective and her partner | the last days of a war | a stand-up comic"
)
ROLES = phrases(
    "the detective | a grieving father | the villain | a small-town doctor | the young "
    "mother | a washed-up boxer | the lonely teacher | the con man | an ambitious lawyer | "
    "the older sister | a retired spy | the coach"
)
PRAISE_NPS = phrases(
    "a must-see | one of the best films of the year | a small gem | an instant classic | "
    "a real crowd-pleaser | a triumph | a rare treat | a joy from start to finish | "
    "a beautifully made {genre} | the best {genre} in years | a pleasure to watch | "
    "a genuine delight | a knockout | a wonderful surprise | a film to treasure"
)
PAN_NPS = phrases(
    "a waste of time | a complete mess | a total misfire | a chore to sit through | "
    "a disaster from start to finish | the worst {genre} in years | a long , dull slog | "
    "a missed opportunity | an embarrassment for everyone involved | a cheap imitation of "
    "better films | a tired retread | a major letdown | a pale copy of the original"
)
PRAISE_CLAUSES = phrases(
    "i loved every minute of it | i laughed from beginning to end | it will stay with you "
    "long after the credits roll | you will leave the theater smiling | i would happily "
    "watch it again tomorrow | it reminds you why you love going to the movies | it earns "
    "every one of its tears | the two hours flew by | i was hooked from the first scene | "
    "the audience applauded at the end | it is worth every penny"
)
PAN_CLAUSES = phrases(
    "i wanted my money back | i nearly fell asleep | you will be checking your watch | it "
    "sinks under its own weight | i walked out halfway through | it goes nowhere | it falls "
    "apart in the last act | the two hours felt like five | nobody in my row laughed once | "
    "it should have gone straight to video | it is not worth the price of a ticket"
)
RECOMMEND = phrases(
    "see it | go see it on the big screen | highly recommended | don't miss it | bring the "
    "whole family | catch it while you can | worth seeking out | a strong recommendation"
)
DISCOURAGE = phrases(
    "skip it | save your money | avoid it | wait for it on streaming , or better yet , don't "
    "bother | stay home | not recommended | give this one a miss"
)
WORTH = phrases("your time | the price of a ticket | the wait | two hours of your life | a look")


def _sst_slots(rng: random.Random) -> dict:
    genre = rng.choice(GENRES)
    subject = rng.choice(FILM_SUBJECTS).format(genre=genre, director=full_name(rng))
    aspect, be = rng.choice(ASPECTS)
    aspect2, be2 = rng.choice([a for a in ASPECTS if a[0] != aspect])
    return {
        "s": subject,
        "genre": rng.choice(GENRES),
        "asp": aspect,
        "be": be,
        "asp2": aspect2,
        "be2": be2,
        "int": rng.choice(INTENSIFIERS),
        "topic": rng.choice(FILM_TOPICS),
        "actor": full_name(rng),
        "role": rng.choice(ROLES),
        "worth": rng.choice(WORTH),
    }


# Frames whose sentiment is the polarity of {a*} adjectives (and of the phrases chosen with
# them); {b*} adjectives are of the opposite polarity and sit in a clause that is overruled.
SST_FRAMES = [
    "{s} is {int} {a1} .",
    "{s} is {a1} and {a2} .",
    "{a1} , {a2} and {int} {a3} .",
    "{an1} {a1} , {a2} {genre} .",
    "{an1} {a1} {genre} about {topic} .",
    "{asp} {be} {a1} and {asp2} {be2} {int} {a2} .",
    "{asp} {be} {b1} , but {s} is still {a1} .",
    "although {asp} {be} a little {b1} , {s} is {a1} overall .",
    "{s} is {a1} , even if {asp} {be} {b1} at times .",
    "{asp} {be} {b1} and {asp2} {be2} {b2} , yet somehow {s} is {a1} .",
    "{actor} is {a1} as {role} , and the film around them is just as {a2} .",
    "{actor} gives {an1} {a1} performance in {an2} {a2} {genre} .",
    "{actor} is {b1} as {role} , but {s} is {a1} anyway .",
    "{s} is {a1} ; {reco} .",
    "{a1} and {a2} , {s} is {np} .",
    "{s} is {np} .",
    "{clause} .",
    "{asp} {be} {a1} , and {clause} .",
    "{an1} {a1} look at {topic} .",
    "what could have been {an3} {b1} story about {topic} turns out to be {a1} .",
    "by the end , {s} feels {int} {a1} .",
    "the more i think about it , the more {a1} it seems .",
    "{s} starts out {b1} , but ends up {int} {a1} .",
]
# Frames that are negated: the {n*} word is of the OPPOSITE polarity to the label and the
# negation flips it ("never boring" is praise, "hardly funny" a complaint).
SST_NEGATED_POSITIVE = [
    "{s} is never {n1} , not for a single minute .",
    "not {n1} at all .",
    "{s} is anything but {n1} .",
    "there is nothing {n1} about {s} .",
    "{s} is not {n1} at all ; it is {a1} .",
    "it is never {n1} , and {asp} {be} {a1} .",
    "i expected {s} to be {n1} , but it was not .",
    "{s} is well worth {worth} .",
    "not {an1} {n1} moment in the whole {genre} .",
    "{s} is not bad at all .",
    "you won't be bored for a second .",
]
SST_NEGATED_NEGATIVE = [
    "{s} is hardly {n1} .",
    "{s} is far from {n1} .",
    "{s} is not nearly as {n1} as it thinks it is .",
    "{s} is not {n1} , just {a1} .",
    "there is nothing {n1} about {s} .",
    "{s} never manages to be {n1} .",
    "{s} is not exactly {n1} .",
    "{s} is hardly worth {worth} .",
    "{asp} {be} not {n1} enough to save {s} .",
    "i wanted to like {s} , but it is not {n1} .",
    "{s} is not {an1} {n1} {genre} by any stretch .",
    "it is neither {n1} nor {n2} .",
    "don't believe the hype ; {s} is not {n1} .",
    "{s} is not {n1} at all .",
    "i did not like {s} at all ; it is {a1} and {a2} .",
]


def _sst_tokenise(text: str) -> str:
    """The SST-2 look: lower case, clitics and punctuation split off as tokens."""
    text = text.lower()
    text = re.sub(r"n't\b", " n't", text)
    text = re.sub(r"'(s|re|ve|ll|d|m)\b", r" '\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _natural(text: str, rng: random.Random) -> str:
    """Ordinary typed English: punctuation attached, first letter capitalised."""
    text = re.sub(r" ([,.;!?])", r"\1", text)
    if text.endswith(".") and rng.random() < 0.12:
        text = text[:-1] + "!"
    return capitalise(text)


def make_sst2(rng: random.Random) -> dict:
    positive = rng.random() < 0.5
    same, opposite = (POS_ADJ, NEG_ADJ) if positive else (NEG_ADJ, POS_ADJ)
    a = rng.sample(same, 3)
    b = rng.sample(opposite, 2)
    slots = _sst_slots(rng)
    if rng.random() < 0.3:
        frames = SST_NEGATED_POSITIVE if positive else SST_NEGATED_NEGATIVE
        n = rng.sample(NEGATABLE_NEG if positive else NEGATABLE_POS, 2)
    else:
        frames = SST_FRAMES
        n = ["", ""]
    frame = rng.choice(frames)
    first = n[0] if "{an1} {n1}" in frame else a[0]
    slots.update(
        a1=a[0],
        a2=a[1],
        a3=a[2],
        b1=b[0],
        b2=b[1],
        n1=n[0],
        n2=n[1],
        an1=a_an(first),
        an2=a_an(a[1]),
        an3=a_an(b[0]),
        np=rng.choice(PRAISE_NPS if positive else PAN_NPS).format(genre=rng.choice(GENRES)),
        clause=rng.choice(PRAISE_CLAUSES if positive else PAN_CLAUSES),
        reco=rng.choice(RECOMMEND if positive else DISCOURAGE),
    )
    text = frame.format(**slots)
    sentence = _sst_tokenise(text) if rng.random() < 0.5 else _natural(text, rng)
    return example({"sentence": sentence}, "1" if positive else "0")


GLUE_SST2 = task(
    "glue_sst2",
    "Say whether a film-review sentence is positive (1) or negative (0).",
    make_sst2,
)

# =========================================================================== covid

STORES = phrases(
    "Tesco | Walmart | Aldi | Lidl | Costco | Target | Kroger | Sainsbury's | Asda | "
    "Morrisons | Carrefour | Woolworths | Coles | Safeway | Whole Foods | Trader Joe's | "
    "the local supermarket | my corner shop | the pharmacy | Waitrose | Publix | Loblaws"
)
ITEMS = phrases(
    "toilet paper | hand sanitizer | pasta | flour | eggs | face masks | rice | milk | "
    "canned food | soap | bread | baby formula | paracetamol | cleaning wipes | frozen "
    "vegetables | bleach | nappies | tinned tomatoes"
)
WORKERS = phrases(
    "supermarket staff | cashiers | delivery drivers | nurses | doctors | NHS staff | "
    "pharmacists | shelf stackers | truck drivers | farmers | care workers | bus drivers | "
    "warehouse workers | postal workers"
)
SHOPPER_GROUPS = phrases(
    "elderly shoppers | NHS workers | key workers | vulnerable customers | the over-70s | "
    "healthcare staff | pensioners"
)
POLICIES = phrases(
    "the furlough scheme | the rent freeze | mortgage holidays | statutory sick pay | the "
    "stimulus checks | the lockdown | school closures | the price cap on essentials | "
    "free school meals | the ban on evictions | emergency business loans"
)
PLACES = phrases(
    "London | Manchester | New York | Chicago | Toronto | Sydney | Melbourne | Dublin | "
    "Glasgow | Mumbai | Lagos | Houston | Vancouver | Leeds | Auckland | Cape Town"
)
WEEKDAYS_C = words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
LOCATIONS = phrases(
    "London, England | London | UK | United Kingdom | England, United Kingdom | New York, "
    "NY | NYC | Los Angeles, CA | Chicago, IL | Washington, DC | Houston, TX | Atlanta, GA | "
    "San Francisco, CA | Seattle, WA | Boston, MA | Texas, USA | United States | USA | "
    "Toronto, Ontario | Vancouver, BC | Canada | Sydney, New South Wales | Melbourne, "
    "Victoria | Australia | Auckland, New Zealand | Dublin, Ireland | Manchester, England | "
    "Glasgow, Scotland | Cardiff, Wales | Mumbai, India | New Delhi, India | Bengaluru, "
    "India | Lagos, Nigeria | Nairobi, Kenya | Cape Town, South Africa | Johannesburg | "
    "Singapore | Kuala Lumpur | Hong Kong | Paris, France | Berlin, Germany | Brussels | "
    "Everywhere | Worldwide | Planet Earth | somewhere in my kitchen | home | Earth | "
    "Leeds, UK | Bristol | Ohio, USA | Florida | Miami, FL | Philadelphia, PA"
)
HASHTAGS = words(
    "#coronavirus #COVID19 #COVID2019 #Covid_19 #lockdown #StayHomeSaveLives #panicbuying "
    "#toiletpaper #socialdistancing #StayAtHome #coronavirusuk #Quarantine #supermarket "
    "#groceries #NHS #CoronaCrisis #COVID #StayHome #keyworkers #pandemic"
)

COVID_FRAMES = {
    "Neutral": [
        "{store} will open from {h}am to {h1}am for {group} only, starting {weekday}.",
        "{store} is now limiting {item} to {n} per customer.",
        "Update: {store} has changed its opening hours to {h}am - {h2}pm during the lockdown.",
        "How has the price of {item} changed in your area since the outbreak began?",
        "New survey of {n},000 shoppers: more people are now buying groceries online.",
        "Supermarkets in {place} will allow only {n}0 customers inside at a time from {weekday}.",
        "Queue outside {store} in {place} at {h}am this morning.",
        "Here is what you need to know about grocery deliveries during the lockdown.",
        "Oil prices fell to ${n2} a barrel on {weekday} as demand dropped.",
        "{store} says it will hire {n},000 temporary workers to keep up with demand.",
        "Going to {store} later. Does anyone know if they still have {item}?",
        "Our latest report looks at how consumer spending changed in March.",
        "The government has published new guidance on {policy}. Details at the link.",
        "{store} will close all its cafes from {weekday} and keep the food aisles open.",
        "Reminder: {store} now only takes card payments at the tills.",
        "Grocery sales rose {n2} percent in March compared with last year, figures show.",
        "Delivery slots at {store} are released at midnight each day.",
        "What are you stocking up on this week? Reply below.",
    ],
    "Positive": [
        "Good to see {store} opening early for {group}.",
        "Thanks to the {worker} at {store} today, they were really helpful.",
        "Nice move by {store} limiting {item} so that everyone gets some.",
        "Glad I managed to get {item} at {store} this morning.",
        "Finally got an online delivery slot for {weekday}. Things are getting easier.",
        "Prices of {item} are finally back to normal at {store}.",
        "My neighbours offered to do my shopping this week, which was kind of them.",
        "Smart decision by {store} to put screens up at the tills to protect the {worker}.",
        "Shelves at {store} in {place} were well stocked today. Good job everyone.",
        "Pleased that {policy} has been extended. It will help a lot of families.",
        "Shopping was calm and orderly today, people kept their distance. Well done {place}.",
        "Nice to see the {worker} getting some recognition at last.",
        "Found {item} online at a fair price. Happy with that.",
        "Our local shop is delivering to older people for free. Good idea.",
    ],
    "Extremely Positive": [
        "Huge thanks to the amazing {worker} at {store}. You are true heroes and we are so "
        "grateful!",
        "What a wonderful idea from {store}: free {item} for {worker}. Brilliant, well done!",
        "Love seeing the community come together. Our neighbours delivered {item} to every "
        "elderly person on the street. Amazing!",
        "The {worker} at my local {store} are the best. Incredible kindness and patience "
        "today. Thank you so much!",
        "Fantastic news that {policy} will be extended. A great decision that will help "
        "millions of people!",
        "So proud of the {worker} in {place}. Absolutely brilliant work, thank you all!",
        "Best shopping trip in weeks! Friendly staff, full shelves and everyone so kind and "
        "patient. Excellent work {store}!",
        "Incredible effort by {store}: {n}00 extra staff hired and priority hours for "
        "{group}. Fantastic!",
        "I love my local corner shop. They saved me some {item} and delivered it with a "
        "smile. Wonderful people!",
        "Absolutely amazing response from the {worker} this week. Heroes, every one of them. "
        "Thank you!",
        "Great news! Prices of {item} are back down and the shelves are full. Best day in weeks!",
        "Thank you thank you thank you to the brilliant {worker} keeping us fed. You are "
        "wonderful!",
    ],
    "Negative": [
        "No {item} at {store} again. Getting a bit worried now.",
        "Prices of {item} have gone up {n2}% at {store}. Not fair on people who are struggling.",
        "Disappointed that {store} still has no delivery slots for {group}.",
        "Queued for {n}0 minutes at {store} and they had run out of {item}.",
        "Worried about my job and paying the rent if this lockdown goes on much longer.",
        "People are still panic buying {item} in {place}. Please only take what you need.",
        "Shelves at {store} are empty again. Not sure how long this can go on.",
        "The queue at {store} was too long, so I went home with nothing.",
        "Online shopping is a struggle, every delivery slot is gone for the next {n} weeks.",
        "Paid double the usual price for {item} today. Hard to afford right now.",
        "Sad to see so many small shops in {place} closing because of the virus.",
        "{policy} is not enough for renters who have lost their income.",
        "Still no sign of {item} anywhere in {place}. This is getting difficult.",
        "Nobody at {store} was keeping their distance today. Felt quite unsafe.",
    ],
    "Extremely Negative": [
        "Absolutely disgusting behaviour at {store} today. People fighting over {item} like "
        "animals. Selfish and shameful.",
        "{store} raising the price of {item} during a pandemic is greedy and disgusting. "
        "Shame on you!",
        "Terrible scenes in {place}: empty shelves, panic everywhere and {worker} abused by "
        "angry shoppers.",
        "The handling of {policy} is a complete disaster. People are terrified and going hungry.",
        "Horrible day. Lost my job, no {item} anywhere and the rent is due. This crisis is "
        "destroying lives.",
        "Panic buying is out of control. Selfish idiots stripping the shelves while nurses "
        "can't buy food. Sickening!",
        "The worst shopping trip of my life. Crowds, shouting, no {item} and nobody keeping "
        "their distance. Terrifying!",
        "Price gouging on {item} is criminal. Disgusting, greedy sellers exploiting a "
        "deadly crisis.",
        "Scared and angry. My elderly mum can't get {item} and {store} just doesn't care. Awful!",
        "Utterly ridiculous that {store} is still crammed with shoppers. This is how people "
        "die. Horrible!",
        "Empty shelves, panic and fear everywhere in {place}. This is a nightmare and it is "
        "only getting worse.",
        "Disgraceful treatment of the {worker}: no masks, no sick pay, no protection. Shameful!",
    ],
}
COVID_LABELS = ["Extremely Negative", "Negative", "Neutral", "Positive", "Extremely Positive"]


# Openers that say nothing about the sentiment; any class may start with one.
OPENERS = phrases(
    "Day {n} of lockdown. | Just back from the shops. | Week {n} of this. | Quick update: | "
    "PSA: | Well. | Me again. | Right then. | Morning all. | Thread:"
)


def _tweet_date(rng: random.Random) -> str:
    """A day between 16-03-2020 and 14-04-2020, written DD-MM-YYYY like the dataset."""
    offset = rng.randrange(30)
    day, month = (16 + offset, 3) if offset < 16 else (offset - 15, 4)
    return f"{day:02d}-{month:02d}-2020"


def _short_link(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits
    return "https://t.co/" + "".join(rng.choice(alphabet) for _ in range(10))


def make_covid(rng: random.Random) -> dict:
    label = rng.choice(COVID_LABELS)
    hour = rng.randint(6, 9)
    store = rng.choice(STORES)
    text = rng.choice(COVID_FRAMES[label]).format(
        store=store,
        item=rng.choice(ITEMS),
        worker=rng.choice(WORKERS),
        group=rng.choice(SHOPPER_GROUPS),
        policy=rng.choice(POLICIES),
        place=rng.choice(PLACES),
        weekday=rng.choice(WEEKDAYS_C),
        n=rng.randint(2, 9),
        n2=rng.randint(11, 60),
        h=hour,
        h1=hour + 1,
        h2=rng.randint(6, 10),
    )
    text = capitalise(text)
    if rng.random() < 0.2:
        text = rng.choice(OPENERS).format(n=rng.randint(2, 9)) + " " + text
    if rng.random() < 0.25 and store[0].isupper():
        text = "@" + re.sub(r"[^A-Za-z]", "", store) + " " + text
    extras = []
    if rng.random() < 0.6:
        extras.append(" ".join(rng.sample(HASHTAGS, rng.randint(1, 3))))
    if rng.random() < 0.35:
        extras.append(_short_link(rng))
    rng.shuffle(extras)
    tweet = " ".join([text, *extras])
    location = "" if rng.random() < 0.2 else rng.choice(LOCATIONS)
    inputs = {"OriginalTweet": tweet, "TweetAt": _tweet_date(rng), "Location": location}
    return example(inputs, label)


COVID = task(
    "covid",
    "Rate a COVID-19 tweet from Extremely Negative to Extremely Positive.",
    make_covid,
    optional=("Location",),
)

# =========================================================================== jigsaw

JIGSAW_TOPICS = phrases(
    "the new bike lane | the school budget | the tax increase | the stadium deal | the "
    "mayor's housing plan | the new parking policy | the pipeline | the new airport runway | "
    "the bus route cut | the library closure | the speed camera plan | the plastic bag ban | "
    "the rent control bill | the minimum wage rise | the hospital merger | the toll road | the "
    "water rate hike | the zoning change | this policy | the four-day school week | the curfew "
    "| the recycling scheme | the new tram line | the housing development"
)
PAGES = phrases(
    "Roman Empire | World War I | Albert Einstein | photosynthesis | the Beatles | climate "
    "change | the French Revolution | jazz | volcanoes | the Moon landing | chess"
)
# Civil comments, some of them heated: criticism of ideas, policies, facts and decisions.
CIVIL = [
    "I think {t} is a mistake and will cost taxpayers far more than promised.",
    "Strongly disagree. {T} has been a disaster for small businesses.",
    "The numbers on {t} in this article don't add up.",
    "Great article, thanks for explaining {t} so clearly.",
    "Can someone explain who actually pays for {t}?",
    "I voted against {t} and I would do it again.",
    "You're wrong about {t}, but I appreciate you laying out your argument.",
    "With respect, your figures on {t} are out of date. Check the council report.",
    "This is a terrible idea and the council should be ashamed of wasting our money.",
    "This is absolutely ridiculous. Three years of delays and still no plan for {t}!",
    "I am furious about {t}. Our councillors ignored every resident who spoke up.",
    "Enough is enough. Vote them out in November.",
    "I reverted your edit to the {page} article because it had no source. Please discuss it "
    "here first.",
    "Thanks for fixing the references on the {page} page.",
    "Please stop removing the section on {page}; it is well sourced.",
    "I completely disagree with the author. {T} helps nobody.",
    "Fair point, although I still think {t} goes too far.",
    "Honestly {t} is the best news this city has had in years.",
    "The mayor broke his promise on {t} and should resign.",
    "What a waste of money. {T} should be scrapped.",
    "Sorry, but this article gets the facts about {t} badly wrong.",
    "I hate {t}. It makes my commute twice as long.",
    "You clearly feel strongly about {t}, and so do I, but I read the report differently.",
    "Terrible decision on {t}. I expect better from this paper.",
    "Interesting read. I had no idea {t} was so expensive.",
    "Nobody asked the residents about {t} before deciding.",
    "I'm tired of hearing about {t}. Can we talk about the potholes instead?",
    "Do your homework: {t} was approved two years ago.",
    "I'm sorry for your loss. Thinking of your family.",
    "Welcome to the discussion! Please keep it civil and cite your sources.",
    "You make a fair point about {t}, but I still disagree.",
    "You obviously haven't read the report on {t}. It says the opposite.",
    "{G} will be hit hardest by {t}, and nobody seems to care.",
    "Most {g} I know are against {t}, for what it's worth.",
    "Calling people idiots won't win you this argument about {t}.",
    "We all want safer streets, but {t} is not the way to get them.",
    "All of us pay for {t}, so we all deserve a say in it.",
    "As one of the {g} this article talks about, I found it fair and accurate.",
]
INSULT_NOUNS = phrases(
    "idiot | moron | clown | fool | loser | joke | imbecile | halfwit | buffoon | waste of "
    "space | embarrassment | troll | dimwit | nitwit | crybaby"
)
DUMB_ADJS = words("stupid dumb brainless clueless ignorant thick dense")
INSULT_ADJS = words(
    "pathetic stupid dumb brainless clueless worthless spineless ignorant useless "
    "miserable ridiculous"
)
GROUPS = phrases(
    "cyclists | boomers | millennials | people from the suburbs | city people | old people | "
    "teenagers | landlords | tourists | liberals | conservatives | women | men | "
    "religious people | vegans | gamers | country folk"
)
# Toxic remarks: insults, mockery, threats, contempt for a person or a group.
TOXIC = [
    "You are {an} {adj} {insult}.",
    "Only {an} {insult} would write something this {adj}.",
    "Shut up, you {adj} {insult}.",
    "The author is a complete {insult} and should be fired.",
    "lol imagine being this {dumb}.",
    "Did your mom write this for you? Pathetic.",
    "Congrats, that's the dumbest thing I've read all week, you {insult}.",
    "Read a book for once, you {insult}.",
    "Go back to school, {insult}.",
    "Keep talking and see what happens to you.",
    "Someone should shut you up for good.",
    "You better watch your back.",
    "I hope you lose your job, you {adj} {insult}.",
    "{G} are too {dumb} to understand {t}.",
    "Typical {g}, whining about everything as usual. Pathetic.",
    "{G} should not be allowed to vote.",
    "Only a psycho would support {t}. Are you off your meds?",
    "People who support {t} are parasites and should crawl back under their rock.",
    "Nobody cares what {an} {adj} {insult} like you thinks.",
    "Wow, another genius take from the village idiot.",
    "Your edit to {page} is garbage, just like you.",
    "Stop editing the {page} article, you {adj} {insult}.",
    "Look at this {insult} crying about {t} again. Grow up.",
    "You're so {dumb} it hurts to read your comments.",
    "{G} are all the same: lazy, greedy and dumb.",
    "Get lost, {insult}. Nobody wants you here.",
    "Your mother must be so ashamed of you.",
    "What a {adj} little man. Go cry somewhere else.",
    "Anyone who agrees with this {insult} needs their head examined.",
    "Do us all a favour and never post again, {insult}.",
]


CIVIL_ON_TOPIC = [c for c in CIVIL if "{t}" in c or "{T}" in c]


def make_jigsaw(rng: random.Random) -> dict:
    toxic = rng.random() < 0.5
    topic = rng.choice(JIGSAW_TOPICS)
    group = rng.choice(GROUPS)
    adjective = rng.choice(INSULT_ADJS)
    slots = {
        "t": topic,
        "T": capitalise(topic),
        "page": rng.choice(PAGES),
        "insult": rng.choice(INSULT_NOUNS),
        "adj": adjective,
        "dumb": rng.choice(DUMB_ADJS),
        "an": a_an(adjective),
        "g": group,
        "G": capitalise(group),
    }
    main = rng.choice(TOXIC if toxic else CIVIL).format(**slots)
    parts = [main]
    if rng.random() < 0.35:  # a second, civil sentence on the topic, in both classes
        extra = rng.choice(CIVIL_ON_TOPIC).format(**slots)
        if extra != main:
            parts.insert(rng.randrange(2), extra)
    comment = " ".join(parts)
    style = rng.random()
    if style < 0.08:
        comment = comment.lower()
    elif style < 0.12:
        comment = comment.upper()
    return example({"comment_text": comment}, "yes" if toxic else "no")


JIGSAW = task(
    "jigsaw",
    "Say whether an online comment is toxic (yes) or not (no).",
    make_jigsaw,
)
