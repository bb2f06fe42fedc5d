"""Knowledge tasks in the LoRA Land report's own formats: dbpedia (class id 0-13),
customer_support (nine bank task types), glue_qnli (0 = the sentence answers), glue_stsb
(0.0-5.0 similarity), boolq (True/False) and legal clause typing.

Every label follows from what the input says in plain English (which occupation, which
request, which fact), never from a single marker token, so that a small model fine-tuned on
this data can carry the task over to text that visitors type in themselves.

Long on purpose: most of it is word pools and sentence frames, data that reads best beside
the example makers that draw from them.
"""

from __future__ import annotations

import random

from .base import example, task
from .vocab import (
    FEMALE_NAMES,
    LAST_NAMES,
    MALE_NAMES,
    ORDINALS,
    SYLLABLES,
    a_an,
    capitalise,
    phrases,
    words,
)

# --------------------------------------------------------------------------- shared pools

MONTHS = words(
    "January February March April May June July August September October November December"
)
# Real (city, country) pairs, so that places in the texts agree with world knowledge.
CITY_COUNTRY = [
    tuple(pair.split(", "))
    for pair in phrases(
        "Paris, France | Lyon, France | Marseille, France | Berlin, Germany | Munich, Germany | "
        "Hamburg, Germany | Madrid, Spain | Seville, Spain | Barcelona, Spain | Rome, Italy | "
        "Milan, Italy | Naples, Italy | Vienna, Austria | Salzburg, Austria | "
        "Prague, the Czech Republic | Warsaw, Poland | Krakow, Poland | Gdansk, Poland | "
        "Lisbon, Portugal | Porto, Portugal | Dublin, Ireland | Cork, Ireland | Oslo, Norway | "
        "Bergen, Norway | Stockholm, Sweden | Gothenburg, Sweden | Helsinki, Finland | "
        "Athens, Greece | Cairo, Egypt | Nairobi, Kenya | Lagos, Nigeria | Accra, Ghana | "
        "Tokyo, Japan | Osaka, Japan | Seoul, South Korea | Sydney, Australia | "
        "Melbourne, Australia | Toronto, Canada | Vancouver, Canada | Montreal, Canada | "
        "Chicago, the United States | Boston, the United States | Denver, the United States | "
        "Seattle, the United States | Lima, Peru | Bogota, Colombia | Santiago, Chile | "
        "Mumbai, India | Chennai, India | Jakarta, Indonesia | Manila, the Philippines | "
        "Hanoi, Vietnam | Istanbul, Turkey | Zurich, Switzerland | Geneva, Switzerland | "
        "Brussels, Belgium | Amsterdam, the Netherlands | Budapest, Hungary | "
        "Copenhagen, Denmark | Edinburgh, Scotland | Manchester, England | Leeds, England | "
        "Buenos Aires, Argentina | Cape Town, South Africa | Auckland, New Zealand"
    )
]
COUNTRY_ADJECTIVE = {
    "France": "French",
    "Germany": "German",
    "Spain": "Spanish",
    "Italy": "Italian",
    "Austria": "Austrian",
    "the Czech Republic": "Czech",
    "Poland": "Polish",
    "Portugal": "Portuguese",
    "Ireland": "Irish",
    "Norway": "Norwegian",
    "Sweden": "Swedish",
    "Finland": "Finnish",
    "Greece": "Greek",
    "Egypt": "Egyptian",
    "Kenya": "Kenyan",
    "Nigeria": "Nigerian",
    "Ghana": "Ghanaian",
    "Japan": "Japanese",
    "South Korea": "South Korean",
    "Australia": "Australian",
    "Canada": "Canadian",
    "the United States": "American",
    "Peru": "Peruvian",
    "Colombia": "Colombian",
    "Chile": "Chilean",
    "India": "Indian",
    "Indonesia": "Indonesian",
    "the Philippines": "Filipino",
    "Vietnam": "Vietnamese",
    "Turkey": "Turkish",
    "Switzerland": "Swiss",
    "Belgium": "Belgian",
    "the Netherlands": "Dutch",
    "Hungary": "Hungarian",
    "Denmark": "Danish",
    "Scotland": "Scottish",
    "England": "English",
    "Argentina": "Argentine",
    "South Africa": "South African",
    "New Zealand": "New Zealand",
}
COUNTRY_NAMES = sorted({country for _, country in CITY_COUNTRY})
EXTRA_SURNAMES = words(
    "Anderson Hughes Moreno Lindgren Ortiz Fontaine Kaplan Marsh Oyelaran Pereira Richter "
    "Sandoval Thornton Vogel Whitaker Abbott Bianchi Carver Delgado Ellison Fitzgerald Gallo "
    "Hartmann Iwasaki Jovanovic Keller Lambert Mancini Nilsson Osei Park Reyes Sullivan"
)
SURNAMES = LAST_NAMES + EXTRA_SURNAMES
TITLE_ADJECTIVES = words(
    "Silent Broken Golden Hidden Last Distant Secret Burning Endless Quiet Wild Electric "
    "Lonely Crimson Frozen Little Northern Bitter Restless Forgotten Empty Velvet Paper "
    "Glass Midnight Summer Winter Hollow Bright Dark Lost Sweet Strange Blue Falling"
)
TITLE_NOUNS = words(
    "River Garden Road Heart City Sky Dream House Fire Light Storm Letter Island Mirror "
    "Shadow Song Season Harbor Empire Machine Stranger Orchard Kingdom Horizon Door Window "
    "Tide Bridge Country Moon Rain Station Forest Promise Circus Ocean Night Daughter"
)


def person(rng: random.Random) -> tuple[str, str]:
    """A full name and its pronoun ("He" or "She")."""
    female = rng.random() < 0.5
    first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    return f"{first} {rng.choice(SURNAMES)}", "She" if female else "He"


def name_of(rng: random.Random) -> str:
    return person(rng)[0]


def coined(rng: random.Random, lo: int = 2, hi: int = 3) -> str:
    """A made-up proper name such as "Kavenro" (capitalised)."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(lo, hi))).capitalize()


def place_name(rng: random.Random) -> str:
    """A made-up place name with a common place-name ending, such as "Mirtonby"."""
    ending = rng.choice(["", "", "", "ow", "ice", "ton", "by", "ham", "dorf", "ville", "burg"])
    return coined(rng, 2, 2 if ending else 3) + ending


def creative_title(rng: random.Random) -> str:
    """A title for a book, film or album, such as "The Silent Orchard"."""
    adj, noun, noun2 = rng.choice(TITLE_ADJECTIVES), *rng.sample(TITLE_NOUNS, 2)
    city = rng.choice(CITY_COUNTRY)[0]
    return rng.choice(
        [
            f"{adj} {noun}",
            f"The {adj} {noun}",
            f"The {noun}",
            f"The {noun} of {city}",
            f"{noun} and {noun2}",
            f"Letters from {city}",
            f"{capitalise(a_an(noun))} {noun} in {city}",
            f"The {adj} {noun}s",
            f"{adj} {noun} {rng.choice(['Blues', 'Nights', 'Days', 'Rising'])}",
        ]
    )


def year(rng: random.Random, lo: int = 1850, hi: int = 2020) -> int:
    return rng.randint(lo, hi)


def fill(rng: random.Random, templates: list[str], **slots) -> str:
    return rng.choice(templates).format(**slots)


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

# kind of company: (name endings, what it does)
COMPANY_KINDS = {
    "software company": (
        ["Software", "Systems", "Labs", "Technologies"],
        ["develops accounting software for small businesses", "makes mobile apps for banks"],
    ),
    "airline": (
        ["Airways", "Air", "Airlines"],
        ["operates flights to 40 destinations", "flies mainly to holiday destinations"],
    ),
    "brewery": (
        ["Brewing Company", "Brewery", "Breweries"],
        ["produces lager and pale ale", "brews beer sold in supermarkets across the region"],
    ),
    "car manufacturer": (
        ["Motors", "Automobiles", "Motor Company"],
        ["builds electric vans and small cars", "produced sports cars until the 1990s"],
    ),
    "bank": (
        ["Bank", "Savings Bank", "Financial Group"],
        ["offers retail and business banking", "has more than 200 branches"],
    ),
    "pharmaceutical company": (
        ["Pharma", "Pharmaceuticals", "Laboratories"],
        ["develops vaccines and generic drugs", "makes medicines for heart disease"],
    ),
    "retail chain": (
        ["Stores", "Markets", "Retail Group"],
        ["runs discount supermarkets", "sells furniture and home goods in 300 stores"],
    ),
    "video game developer": (
        ["Games", "Interactive", "Studios"],
        ["is known for its fantasy role-playing games", "makes puzzle games for phones"],
    ),
    "shipping company": (
        ["Shipping", "Lines", "Logistics"],
        ["operates container ships between Asia and Europe", "runs ferry routes"],
    ),
    "mining company": (
        ["Mining", "Resources", "Minerals"],
        ["produces copper and gold", "operates coal mines in the north of the country"],
    ),
    "telecommunications company": (
        ["Telecom", "Communications", "Networks"],
        ["provides mobile phone and internet services", "builds fibre networks"],
    ),
    "food company": (
        ["Foods", "Dairy", "& Sons"],
        ["makes breakfast cereals and snacks", "produces cheese and yoghurt"],
    ),
}
COMPANY_TEXTS = [
    "{name} is {a_nat} {kind} founded in {y} and headquartered in {city}. The company {does}.",
    "{name} is {a_nat} {kind} based in {city}. It was founded by {p} in {y} "
    "and employs about {n},000 people.",
    "{name} was {a_nat} {kind} that operated from {y} to {y2}. It was acquired by {other} in {y2}.",
    "{name} is a privately held {kind} with its headquarters in {city}, {country_}. "
    "It {does} and has offices in {k} countries.",
    "{name} is a publicly traded {kind}. Founded in {y} by {p}, the company {does}.",
]

SCHOOL_KINDS = {
    "public research university": ["University of {place}", "{place} State University"],
    "private liberal arts college": ["{surname} College", "{place} College"],
    "secondary school": ["{place} High School", "St. {saint}'s School", "{place} Grammar School"],
    "boarding school": ["{place} School", "St. {saint}'s College"],
    "primary school": ["{place} Primary School", "St. {saint}'s Primary School"],
    "community college": ["{place} Community College"],
    "technical university": ["{place} Institute of Technology", "{place} Technical University"],
    "music conservatory": ["{place} Conservatory of Music", "{surname} School of Music"],
    "business school": ["{place} School of Business", "{surname} Business School"],
    "medical school": ["{place} School of Medicine", "{surname} Medical College"],
}
SAINTS = words("Mary Joseph Patrick Andrew Anne Thomas Michael Catherine Paul Bridget")
SCHOOL_TEXTS = [
    "{name} is a {kind} in {city}, {country_}. It was founded in {y} and has about "
    "{n},{m}00 students.",
    "{name} is a {kind} located in {city}. Established in {y}, it offers {programs}.",
    "{name} is a coeducational {kind} founded in {y}. The school is affiliated with "
    "the {church} and enrolls around {n}00 students.",
    "Founded in {y}, {name} is a {kind} in {city}. It is known for its programs in "
    "{subject} and {subject2}.",
]
PROGRAMS = phrases(
    "bachelor's and master's degrees in engineering and business | courses for students "
    "aged 11 to 18 | evening classes for adult learners | degrees in nursing and "
    "public health | diplomas in music performance and composition"
)
CHURCHES = phrases("Catholic Church | Church of England | Methodist Church | Lutheran Church")
SUBJECTS = words("engineering law medicine music nursing economics architecture agriculture")

# kind of artist: things they are known for
ARTIST_KINDS = {
    "singer-songwriter": ['the hit single "{t}"', "{pos} albums {t} and {t2}"],
    "painter": ["large abstract landscapes", "portraits of working people in {city}"],
    "sculptor": ["bronze figures in public parks", "the monument {t} in {city}"],
    "jazz pianist": ["the album {t}", "playing with the {surname} Quartet"],
    "photographer": ["black and white street photography", "the photo book {t}"],
    "rapper": ["the mixtape {t}", 'the hit single "{t}"'],
    "actress": ["her role in the television series {t}", "her stage work in {city}"],
    "actor": ["his role in the film {t}", "his comedy roles on television"],
    "composer": ["film scores and choral music", "the opera {t}"],
    "guitarist": ["playing lead guitar in the band The {noun}s", "the solo album {t}"],
    "illustrator": ["illustrating children's books", "the comic strip {t}"],
    "country singer": ['the number one single "{t}"', "{pos} album {t}"],
    "opera singer": ["roles at the {city} State Opera", "singing Mozart roles"],
    "dancer and choreographer": ["the ballet {t}", "founding a dance company in {city}"],
}
ARTIST_TEXTS = [
    "{name} (born {date}) is {a_nat} {kind}. {Pron} is best known for {known}.",
    "{name} ({y}-{y2}) was {a_nat} {kind} whose work was shown in {city} and {city2}. "
    "{Pron} was known for {known}.",
    "{name} is {a_nat} {kind} from {city}. {Pron} began {pos} career in {y_start} and is "
    "known for {known}.",
    "{name} (born {y}) is {a_nat} {kind} and teacher. {Pron} studied at the {city} "
    "Academy of Arts and became known for {known}.",
]

# kind of athlete: what their career looks like
ATHLETE_KINDS = {
    "footballer": ["who plays as a {position} for {club}", "who played as a {position}"],
    "tennis player": ["who reached a career-high ranking of world No. {k}"],
    "long-distance runner": ["who specialises in the marathon", "who won the {city} Marathon"],
    "swimmer": ["who won a bronze medal in the 200 metre freestyle at the {y2} Olympics"],
    "ice hockey player": ["who plays as a defenceman for {club}"],
    "road cyclist": ["who rides for the team {surname} Pro Cycling"],
    "boxer": ["who held the world lightweight title", "who fought in the heavyweight division"],
    "basketball player": ["who plays as a point guard for {club}"],
    "cricketer": ["who has played {n} Test matches for {country}"],
    "volleyball player": ["who plays for the national team of {country}"],
    "rower": ["who won gold in the coxless four at the {y2} World Championships"],
    "sprinter": ["who competes in the 100 and 200 metres"],
    "alpine skier": ["who competed in the slalom at the {y2} Winter Olympics"],
}
POSITIONS = words("striker midfielder defender goalkeeper winger")
ATHLETE_TEXTS = [
    "{name} (born {date}) is {a_nat} {kind} {career}.",
    "{name} (born {y}) is {a_nat} {kind} {career}. {Pron} represented {country} "
    "at the {y2} Olympic Games.",
    "{name} is {a_nat} professional {kind} {career}. {Pron} made {pos} debut in {y2}.",
    "{name} (born {date}) is {a_nat} {kind}. {Pron} won {n} national titles and "
    "competed at the World Championships in {city}.",
]

ROLES = [
    "Mayor of {city}",
    "Minister of Finance",
    "Minister of Health",
    "Minister of Education",
    "Minister of Foreign Affairs",
    "a member of the {chamber}",
    "Governor of {region} Province",
    "Deputy Prime Minister",
    "ambassador to {country2}",
    "Speaker of the {chamber}",
    "a senator for {region}",
    "President of the {region} Regional Council",
]
CHAMBERS = phrases("House of Representatives | Senate | National Assembly | Parliament")
PARTIES = phrases(
    "Liberal Party | Social Democratic Party | Conservative Party | Labour Party | "
    "Green Party | Christian Democratic Union | National Party | Centre Party"
)
OFFICE_TEXTS = [
    "{name} ({y}-{y2}) was {a_nat} politician who served as {role} from {y3} to {y4}.",
    "{name} (born {date}) is {a_nat} politician and a member of the {party}. {Pron} has "
    "served as {role} since {y3}.",
    "{name} is {a_nat} lawyer and politician. {Pron} was elected {role} in {y3} and "
    "re-elected in {y4}.",
    "{name} ({y}-{y2}) was {a_nat} civil servant and politician of the {party}. {Pron} "
    "was {role} between {y3} and {y4}.",
]

# kinds of vehicle: (name patterns, facts, extra sentences, years they were built in)
VEHICLE_KINDS = [
    (
        [
            "cargo ship",
            "passenger liner",
            "destroyer",
            "frigate",
            "steamship",
            "ferry",
            "submarine",
        ],
        ["SS {word}", "MV {word}", "{word}"],
        [
            "was built by the {word2} shipyard in {city} and launched in {y}",
            "was launched in {y} and served in the {nat} Navy until {y2}",
            "was completed in {y} and sank in a storm off the coast in {y2}",
            "entered service in {y} and was scrapped in {y2}",
        ],
        [
            "She had a crew of {n}0.",
            "She was {k}{k2}0 feet long.",
            "Her sister ship was the {word3}.",
        ],
        (1880, 1990),
    ),
    (
        ["light aircraft", "fighter aircraft", "airliner", "transport aircraft", "helicopter"],
        ["{maker} {letter}-{k}", "{maker} {word}", "{maker} {k}00"],
        [
            "was designed by {maker} and first flew in {y}",
            "first flew in {y}, and {n}0 were built before production ended in {y2}",
            "was developed in {country} in the {decade}s and used by several air forces",
        ],
        [
            "It could carry {n} passengers.",
            "A total of {n}0 were built.",
            "It was powered by two jet engines.",
        ],
        (1920, 2010),
    ),
    (
        ["compact car", "sports car", "pickup truck", "motorcycle", "city bus", "executive car"],
        ["{maker} {word}", "{maker} {letter}{k}", "{maker} Model {letter}"],
        [
            "was produced by {maker} from {y} to {y2}",
            "was introduced at the {city} Motor Show in {y}",
            "was built in {city} and sold about {n}0,000 units",
        ],
        [
            "It had a top speed of {n2}0 km/h.",
            "It was powered by a {k}-cylinder engine.",
            "It was replaced by the {maker} {word2}.",
        ],
        (1920, 2015),
    ),
    (
        ["steam locomotive", "diesel locomotive", "electric train", "tram"],
        ["{word} Class {k}{k2}", "Class {k}{k2}", "{letter}{k} class"],
        [
            "was built for the {railway} Railway between {y} and {y2}",
            "was designed by {p} and entered service in {y}",
            "hauled passenger trains on the line to {city} until {y2}",
        ],
        ["One example is preserved in a museum in {city}.", "A total of {n} were built."],
        (1880, 1990),
    ),
]
MAKERS = words("Valdar Norden Hartwell Kestrel Orion Bristow Falcke Morlan Vesta Tamura Arlen")
VEHICLE_TEXTS = [
    "The {name} was {a_kind} that {fact}.",
    "{name} is {a_kind} that {fact}. {extra}",
    "The {name} is {a_nat} {kind}. It {fact}.",
]

# kind of building: name patterns
BUILDING_KINDS = {
    "historic house": ["{surname} House", "{word} Manor"],
    "church": ["St. {saint}'s Church", "{word} Chapel", "Church of St. {saint}"],
    "office building": ["{surname} Building", "{word} Tower", "{k}{k2} {street} Street"],
    "skyscraper": ["{word} Tower", "{surname} Center", "{city} Trade Tower"],
    "hotel": ["Hotel {word}", "The {word} Hotel", "{surname} Grand Hotel"],
    "castle": ["{word} Castle", "Castle {word}"],
    "lighthouse": ["{word} Lighthouse", "{word} Point Light"],
    "railway station": ["{word} station", "{city} {word} Station"],
    "theatre": ["{word} Theatre", "{surname} Opera House"],
    "courthouse": ["{word} County Courthouse"],
    "windmill": ["{word} Mill", "{surname}'s Mill"],
    "shopping centre": ["{word} Centre", "{word} Mall"],
}
STREETS = words("Main High Market King Church Queen Mill Park Bridge Station")
ARCHITECTS_STYLES = phrases(
    "Gothic Revival | Art Deco | Neoclassical | Victorian | modernist | Baroque | brutalist"
)
BUILDING_TEXTS = [
    "{name} is a historic {kind} located in {city}, {country_}. It was built in {y} and "
    "designed by the architect {p}.",
    "{name} is a {n}-storey {kind} in {city}. It was completed in {y}.",
    "{name} is {a_style} {kind} in {city}. The building was listed as a heritage "
    "site in {y_listed}.",
    "{name} is {a_kind} in the centre of {city}, {country_}. Construction began in {y} "
    "and the building opened in {y2}.",
]

# kind of natural place: (name patterns, facts)
NATURAL_KINDS = {
    "mountain": (
        ["Mount {word}", "{word} Peak", "{word}berg"],
        [
            "It rises to {n},{k}00 metres above sea level",
            "It is the highest point of the {word2} Range",
        ],
    ),
    "lake": (
        ["Lake {word}", "{word} Lake"],
        ["It covers an area of {n} square kilometres", "It is fed by the {word2} River"],
    ),
    "river": (
        ["{word} River", "River {word}"],
        ["It is {n}0 km long and flows into the {sea}", "It is a tributary of the {word2}"],
    ),
    "glacier": (
        ["{word} Glacier"],
        ["It flows from the {word2} Ice Field into the sea", "It is about {n} km long"],
    ),
    "waterfall": (
        ["{word} Falls"],
        ["The water drops {n} metres into a narrow gorge", "It lies on the {word2} River"],
    ),
    "island": (
        ["{word} Island", "Isle of {word}"],
        ["It has an area of {n} square kilometres", "It lies {n} km off the coast"],
    ),
    "bay": (["{word} Bay"], ["It opens onto the {sea}", "It is about {n} km wide"]),
    "valley": (["{word} Valley"], ["It is drained by the {word2} River", "It is {n} km long"]),
    "cave": (
        ["{word} Cave", "{word} Caverns"],
        ["It is {n}00 metres deep", "It was discovered in {y}"],
    ),
    "volcano": (
        ["Mount {word}", "{word} Volcano"],
        ["It last erupted in {y}", "It rises to {n},{k}00 metres"],
    ),
    "mountain pass": (
        ["{word} Pass"],
        ["It lies at {n},{k}00 metres", "It connects the valleys of the {word2} and the {word3}"],
    ),
}
SEAS = phrases(
    "Baltic Sea | North Sea | Black Sea | Atlantic Ocean | Mediterranean Sea | Pacific Ocean"
)
NATURAL_TEXTS = [
    "{name} is {a_kind} in {region}, {country}. {fact}.",
    "{name} is {a_kind} located {n2} km {direction} of {city}, {country_}. {fact}.",
    "The {name} is {a_kind} in {country}. {fact} and is part of a national park.",
    "{name} is {a_kind} in the {word2} region of {country}. {fact}.",
]
DIRECTIONS = phrases(
    "north | south | east | west | north-east | south-west | north-west | south-east"
)

VILLAGE_TEXTS = [
    "{name} is a village in the administrative district of Gmina {word}, within {word2} "
    "County, {voiv} Voivodeship, in {direction}ern Poland. It lies approximately {n} km "
    "{direction} of {word}.",
    "{name} is a village in {word} Rural District, in the Central District of {word2} "
    "County, {province} Province, Iran. At the 2006 census, its population was {n}{k}, in "
    "{n} families.",
    "{name} is a village and civil parish in the {word} district of {county}, England. "
    "It has a population of {n}{k}0.",
    "{name} is a small village in {country}, located near {city}. Most of its {n}{k}0 "
    "inhabitants work in farming.",
    "{name} is a village in {word} County, {state}, United States. The population was "
    "{n}{k} at the 2010 census.",
    "{name} is a village in the municipality of {word} in {country}. It has a church, a "
    "school and about {n}00 residents.",
]
VOIVODESHIPS = phrases(
    "Masovian | Lublin | Lesser Poland | Lodz | Podlaskie | Silesian | Pomeranian"
)
PROVINCES = words("Fars Kerman Isfahan Khuzestan Markazi Gilan Hamadan")
COUNTIES = phrases(
    "Norfolk | Suffolk | Devon | Kent | North Yorkshire | Lincolnshire | Cornwall | Somerset"
)
STATES = words("Ohio Michigan Wisconsin Illinois Nebraska Vermont Minnesota")

ANIMAL_KINDS = {
    "moth": ["The wingspan is about {n} mm.", "Adults are on the wing from May to July."],
    "beetle": ["It feeds on dead wood.", "It was described by {surname} in {y}."],
    "sea snail": ["It is a marine gastropod mollusk.", "It lives on rocky shores."],
    "frog": ["It lives in {habitat}.", "It is threatened by habitat loss."],
    "spider": ["It builds its web in {habitat}.", "It was first described in {y}."],
    "ray-finned fish": ["It grows to about {n} cm long.", "It lives in {habitat}."],
    "bird": ["It feeds on insects and seeds.", "Its natural habitat is {habitat}."],
    "lizard": ["It lives in {habitat}.", "It grows to about {n} cm."],
    "butterfly": ["The wingspan is {n} to {n2} mm.", "The larvae feed on grasses."],
    "bat": ["It roosts in caves.", "It feeds on insects at night."],
    "ant": ["It lives in colonies in {habitat}.", "It was described by {surname} in {y}."],
    "snake": ["It is not venomous.", "It feeds mainly on small rodents."],
}
ANIMAL_HABITATS = phrases(
    "tropical forests | freshwater streams | coral reefs | dry grasslands | mountain forests | "
    "swamps | sandy deserts"
)
ANIMAL_FAMILY_ENDING = "idae"
ANIMAL_TEXTS = [
    "{species} is a species of {kind} in the family {family}. It is found in {region}.",
    "{species} is {a_kind} of the family {family}. It was described by {surname} in {y}. {extra}",
    "The {common} ({species}) is a species of {kind} in the family {family}. It is "
    "endemic to {region}.",
    "{species} is a species of {kind} native to {region}. {extra}",
]
COMMON_ADJECTIVES = words("spotted golden pale striped black-throated lesser greater common dwarf")
REGIONS = phrases(
    "South America | East Africa | Southeast Asia | Madagascar | Australia | Europe | "
    "Central America | the Himalayas | New Guinea | the Caribbean | West Africa"
)
LATIN_EPITHETS = words(
    "alba minor major gracilis robusta elegans montana rubra viridis nana sylvestris "
    "australis orientalis maculata lutea nigra pallida borealis"
)
PLANT_KINDS = {
    "flowering plant": "flower",
    "fern": "fern",
    "shrub": "bush",
    "tree": "tree",
    "orchid": "orchid",
    "grass": "grass",
    "moss": "moss",
    "cactus": "cactus",
    "perennial herb": "herb",
    "palm": "palm",
    "climbing vine": "vine",
}
PLANT_TEXTS = [
    "{species} is a species of {kind} in the family {family}. It is native to {region}.",
    "{species} is {a_kind} in the {family} family, endemic to {region}. It grows in "
    "{habitat} and is threatened by habitat loss.",
    "{species}, commonly known as the {common}, is {a_kind} found in {region}. It grows "
    "up to {height} tall.",
    "{species} is {a_kind} of the family {family}. It is common in {region} and grows in "
    "{habitat}.",
]
PLANT_HABITATS = phrases(
    "moist forests | rocky slopes | coastal dunes | wet meadows | dry scrubland | "
    "mountain grasslands"
)

ALBUM_TEXTS = [
    "{title} is the {ordinal} studio album by {nat} {act_kind} {act}. It was released on "
    "{date} through {label}.",
    "{title} is a live album by the {act_kind} {act}, recorded at a concert in {city} in {y}.",
    "{title} is the debut EP by {act}, released in {y}. It was produced by {p2} and "
    'includes the single "{song}".',
    "{title} is a compilation album by {nat} {act_kind} {act}, released in {y} by "
    "{label}. It reached number {k} on the albums chart.",
    "{title} is the {ordinal} album by {act}. The record was released in {y} and "
    "features {k}{k2} songs.",
]
ACT_KINDS = phrases(
    "rock band | singer | rapper | jazz saxophonist | indie pop band | heavy metal band | "
    "DJ | folk singer | country singer | punk band"
)

FILM_GENRES = phrases(
    "drama | comedy | horror | documentary | thriller | romantic comedy | science fiction | "
    "crime | war | musical | western | action | fantasy"
)
FILM_PLOTS = phrases(
    "a young doctor who returns to her home village | two brothers who try to save the "
    "family farm | a detective hunting a killer in {city} | a group of friends on a road "
    "trip | a teacher who joins a rock band | a family stranded on an island"
)
FILM_TEXTS = [
    "{title} is {a_y} {nat} {genre} film directed by {p} and starring {p2} and {p3}.",
    "{title} is {a_y} {genre} film written and directed by {p}. It premiered at the "
    "{city} Film Festival.",
    "{title} is {a_nat} {genre} film from {y}. The film follows {plot} and was shot in {city}.",
    "{title} is {a_y} animated film produced by {word} Studios. It was released in "
    "cinemas on {date}.",
    "{title} is {a_y} {genre} film starring {p2}. It was directed by {p} and earned "
    "{k}{k2} million dollars at the box office.",
]

BOOK_KINDS = phrases(
    "novel | short story collection | poetry collection | memoir | non-fiction book | "
    "children's book | play | graphic novel | biography | fantasy novel | crime novel"
)
BOOK_PLOTS = phrases(
    "a girl growing up in {city} after the war | an old sailor and his last voyage | "
    "three sisters who inherit a hotel | a journalist who uncovers a political scandal"
)
WRITTEN_TEXTS = [
    "{title} is {a_y} {kind} by {nat} author {p}. It was published by {publisher}.",
    "{title} is a {kind} by {p}, first published in {y}. The book tells the story of {plot}.",
    "{paper} is a {frequency} newspaper published in {city}, {country_}. It was founded "
    "in {y} and has a circulation of about {n},000.",
    "{journal} is a peer-reviewed academic journal covering {subject}. It was "
    "established in {y} and is published by {publisher}.",
    "{title} is a monthly magazine about {topic} published in {city} since {y}.",
    "{title} is the {ordinal} book in the {word} series by {nat} writer {p}. It was "
    "published in {y}.",
]
PAPER_NAMES = words("Herald Times Gazette Tribune Chronicle Courier Post Observer")
MAGAZINE_TOPICS = phrases(
    "gardening | fashion | science | travel | cooking | motor sport | politics"
)
PUBLISHERS = phrases(
    "Penguin Books | {surname} Press | {word} House | Oxford University Press | {surname} and Sons"
)


def _base_slots(rng: random.Random) -> dict:
    """Slot values shared by the dbpedia templates (a template uses only some of them)."""
    city, country = rng.choice(CITY_COUNTRY)
    city2, country2 = rng.choice([pair for pair in CITY_COUNTRY if pair[1] != country])
    nat = COUNTRY_ADJECTIVE[country]
    p, pron = person(rng)
    return {
        "city": city,
        "country": country,
        "country_": country.removeprefix("the "),  # after a comma: "Boston, United States"
        "city2": city2,
        "country2": country2,
        "nat": nat,
        "a_nat": f"{a_an(nat)} {nat}",
        "p": p,
        "Pron": pron,
        "pos": "her" if pron == "She" else "his",
        "p2": name_of(rng),
        "p3": name_of(rng),
        "surname": rng.choice(SURNAMES),
        "saint": rng.choice(SAINTS),
        "word": coined(rng),
        "word2": coined(rng),
        "word3": coined(rng),
        "place": rng.choice([coined(rng), city]),
        "n": rng.randint(2, 40),
        "n2": rng.randint(5, 60),
        "k": rng.randint(1, 9),
        "k2": rng.randint(0, 9),
        "m": rng.randint(0, 9),
        "month": rng.choice(MONTHS),
        "direction": rng.choice(DIRECTIONS),
        "region": rng.choice(REGIONS),
        "title": creative_title(rng),
        "ordinal": rng.choice(ORDINALS[:5]),
    }


def _years(rng: random.Random, s: dict, lo: int, hi: int, gap: tuple[int, int] = (3, 30)) -> dict:
    """`s` with a year y in lo..hi, a later year y2, y's decade and a date in y."""
    y = year(rng, lo, hi)
    article = "an" if str(y).startswith(("18", "8", "11")) else "a"
    return {
        **s,
        "y": y,
        "a_y": f"{article} {y}",
        "y2": min(y + rng.randint(*gap), 2023),
        "decade": y // 10 * 10,
        "date": f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {y}",
    }


def _life(rng: random.Random, s: dict, lo: int, hi: int, lived: int) -> dict:
    """`s` with a birth year y (and date) in lo..hi, and y2 a death year at least `lived`
    years later and no later than 2022."""
    s = _years(rng, s, lo, hi)
    s["y2"] = rng.randint(s["y"] + lived, min(s["y"] + 95, 2022))
    return s


def _company(rng: random.Random, s: dict) -> tuple[str, str]:
    s = _years(rng, s, 1850, 2010, (5, 60))
    kind = rng.choice(list(COMPANY_KINDS))
    endings, does = COMPANY_KINDS[kind]
    name = f"{rng.choice([s['surname'], s['word'], s['city']])} {rng.choice(endings)}"
    other = f"{rng.choice(SURNAMES)} {rng.choice(['Group', 'Holdings', 'Capital'])}"
    text = fill(rng, COMPANY_TEXTS, **s, name=name, kind=kind, does=rng.choice(does), other=other)
    return name, text


def _school(rng: random.Random, s: dict) -> tuple[str, str]:
    s = _years(rng, s, 1800, 1995)
    kind = rng.choice(list(SCHOOL_KINDS))
    name = rng.choice(SCHOOL_KINDS[kind]).format(**s)
    subject, subject2 = rng.sample(SUBJECTS, 2)
    text = fill(
        rng,
        SCHOOL_TEXTS,
        **s,
        name=name,
        kind=kind,
        programs=rng.choice(PROGRAMS),
        church=rng.choice(CHURCHES),
        subject=subject,
        subject2=subject2,
    )
    return name, text


def _person_years(rng: random.Random, s: dict, template: str, lived: int, hi: int) -> dict:
    """Birth (and death) years that fit the template: "(y-y2) was" for someone who has
    died, otherwise someone born 1940-`hi` and alive."""
    if "({y}-{y2})" in template:
        return _life(rng, s, 1900, 1965, lived)
    return _years(rng, s, 1940, hi)


def _artist(rng: random.Random, s: dict) -> tuple[str, str]:
    template = rng.choice(ARTIST_TEXTS)
    s = _person_years(rng, s, template, 30, 1995)
    s["y_start"] = s["y"] + rng.randint(16, 25)
    kind = rng.choice(list(ARTIST_KINDS))
    if kind in ("actor", "actress"):
        female = kind == "actress"
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        s = {**s, "p": f"{first} {s['surname']}", "Pron": "She" if female else "He"}
        s["pos"] = "her" if female else "his"
    known = rng.choice(ARTIST_KINDS[kind]).format(
        **s, t=creative_title(rng), t2=creative_title(rng), noun=rng.choice(TITLE_NOUNS)
    )
    return s["p"], template.format(**{**s, "name": s["p"], "kind": kind, "known": known})


def _athlete(rng: random.Random, s: dict) -> tuple[str, str]:
    s = _years(rng, s, 1960, 1998, (18, 25))
    kind = rng.choice(list(ATHLETE_KINDS))
    club = f"{s['city']} {rng.choice(['FC', 'United', 'Rangers', 'Lions', 'Athletic'])}"
    career = rng.choice(ATHLETE_KINDS[kind]).format(**s, position=rng.choice(POSITIONS), club=club)
    return s["p"], fill(rng, ATHLETE_TEXTS, **{**s, "name": s["p"], "kind": kind, "career": career})


def _office_holder(rng: random.Random, s: dict) -> tuple[str, str]:
    template = rng.choice(OFFICE_TEXTS)
    s = _person_years(rng, s, template, 56, 1975)
    s["y3"] = s["y"] + rng.randint(30, 45)
    s["y4"] = s["y3"] + rng.randint(4, 10)
    role = rng.choice(ROLES).format(**{**s, "region": coined(rng)}, chamber=rng.choice(CHAMBERS))
    return s["p"], template.format(
        **{**s, "name": s["p"], "role": role, "party": rng.choice(PARTIES)}
    )


def _vehicle(rng: random.Random, s: dict) -> tuple[str, str]:
    kinds, names, facts, extras, (lo, hi) = rng.choice(VEHICLE_KINDS)
    kind = rng.choice(kinds)
    slots = {
        **_years(rng, s, lo, hi, (5, 35)),
        "maker": rng.choice(MAKERS),
        "letter": rng.choice("ABCDFGHKLMRSTVX"),
        "railway": rng.choice([s["word2"], f"{s['nat']} State", s["city"]]),
    }
    name = rng.choice(names).format(**slots)
    fact = rng.choice(facts).format(**slots)
    text = fill(
        rng,
        VEHICLE_TEXTS,
        **slots,
        name=name,
        kind=kind,
        a_kind=f"{a_an(kind)} {kind}",
        fact=fact,
        extra=rng.choice(extras).format(**slots),
    )
    if name.split()[0] in ("SS", "MV") or name.endswith("class"):
        text = text.replace("The ", "", 1) if text.startswith("The ") else text
    return name, text


def _building(rng: random.Random, s: dict) -> tuple[str, str]:
    kind = rng.choice(list(BUILDING_KINDS))
    tall = kind in ("office building", "skyscraper", "hotel")
    s = _years(rng, s, 1900 if tall else 1600, 2015 if tall else 1980, (2, 8))
    s["y_listed"] = rng.randint(min(max(s["y"] + 30, 1950), 2020), 2020)
    name = rng.choice(BUILDING_KINDS[kind]).format(**s, street=rng.choice(STREETS))
    style = rng.choice(ARCHITECTS_STYLES)
    templates = [t for t in BUILDING_TEXTS if tall or "-storey" not in t]
    text = fill(
        rng,
        templates,
        **{**s, "name": name, "kind": kind, "n": rng.randint(5 if tall else 2, 60 if tall else 4)},
        a_kind=f"{a_an(kind)} {kind}",
        a_style=f"{a_an(style)} {style}",
    )
    return name, text


def _natural_place(rng: random.Random, s: dict) -> tuple[str, str]:
    kind = rng.choice(list(NATURAL_KINDS))
    names, facts = NATURAL_KINDS[kind]
    slots = {
        **_years(rng, s, 1700, 2020),
        "sea": rng.choice(SEAS),
        "region": f"the {coined(rng)} region",
    }
    name = rng.choice(names).format(**slots)
    fact = rng.choice(facts).format(**slots)
    text = fill(
        rng,
        NATURAL_TEXTS,
        **{**slots, "name": name, "kind": kind, "a_kind": f"{a_an(kind)} {kind}", "fact": fact},
    )
    if not name.endswith("River"):
        text = text.removeprefix("The ")
    return name, text


def _village(rng: random.Random, s: dict) -> tuple[str, str]:
    name = place_name(rng)
    text = fill(
        rng,
        VILLAGE_TEXTS,
        **{**s, "name": name, "direction": rng.choice(DIRECTIONS)},
        voiv=rng.choice(VOIVODESHIPS),
        province=rng.choice(PROVINCES),
        county=rng.choice(COUNTIES),
        state=rng.choice(STATES),
    )
    return name, text


def _species(rng: random.Random) -> str:
    return f"{coined(rng)}{rng.choice(['a', 'us', 'ia', 'is', 'um'])} {rng.choice(LATIN_EPITHETS)}"


def _animal(rng: random.Random, s: dict) -> tuple[str, str]:
    kind = rng.choice(list(ANIMAL_KINDS))
    slots = {**_years(rng, s, 1758, 2015), "habitat": rng.choice(ANIMAL_HABITATS)}
    species = _species(rng)
    common = f"{rng.choice(COMMON_ADJECTIVES)} {kind.split()[-1]}"
    text = fill(
        rng,
        ANIMAL_TEXTS,
        **slots,
        species=species,
        kind=kind,
        a_kind=f"{a_an(kind)} {kind}",
        family=coined(rng) + "idae",
        common=common,
        extra=rng.choice(ANIMAL_KINDS[kind]).format(**slots),
    )
    return species, text


def _plant(rng: random.Random, s: dict) -> tuple[str, str]:
    kind = rng.choice(list(PLANT_KINDS))
    species = _species(rng)
    text = fill(
        rng,
        PLANT_TEXTS,
        **_years(rng, s, 1758, 2015),
        species=species,
        kind=kind,
        a_kind=f"{a_an(kind)} {kind}",
        height=f"{rng.randint(4, 40)} m"
        if kind in ("tree", "palm")
        else f"{rng.randint(1, 9)}0 cm",
        family=coined(rng) + "aceae",
        common=f"{rng.choice(COMMON_ADJECTIVES)} {PLANT_KINDS[kind]}",
        habitat=rng.choice(PLANT_HABITATS),
    )
    return species, text


def _act(rng: random.Random, s: dict) -> tuple[str, str]:
    """A musical act and its kind: a band has a band name, a solo act a person's name."""
    act_kind = rng.choice(ACT_KINDS)
    if act_kind.endswith("band"):
        act = rng.choice(
            [f"The {rng.choice(TITLE_NOUNS)}s", f"{rng.choice(TITLE_ADJECTIVES)} {s['word']}"]
        )
    else:
        act = s["p"]
    return act_kind, act


def _album(rng: random.Random, s: dict) -> tuple[str, str]:
    act_kind, act = _act(rng, s)
    label = f"{rng.choice([s['word2'], rng.choice(SURNAMES)])} Records"
    text = fill(
        rng,
        ALBUM_TEXTS,
        **_years(rng, s, 1965, 2022),
        act_kind=act_kind,
        act=act,
        label=label,
        song=creative_title(rng),
    )
    return s["title"], text


def _film(rng: random.Random, s: dict) -> tuple[str, str]:
    genre = rng.choice(FILM_GENRES)
    text = fill(
        rng,
        FILM_TEXTS,
        **_years(rng, s, 1930, 2022),
        genre=genre,
        plot=rng.choice(FILM_PLOTS).format(**s),
    )
    return s["title"], text


def _written_work(rng: random.Random, s: dict) -> tuple[str, str]:
    s = _years(rng, s, 1850, 2020)
    paper = f"The {s['city']} {rng.choice(PAPER_NAMES)}"
    journal = rng.choice(
        [f"Journal of {s['word']} Studies", f"{capitalise(rng.choice(SUBJECTS))} Review"]
    )
    template = rng.choice(WRITTEN_TEXTS)
    title = paper if "{paper}" in template else journal if "{journal}" in template else s["title"]
    text = template.format(
        **s,
        kind=rng.choice(BOOK_KINDS),
        plot=rng.choice(BOOK_PLOTS).format(**s),
        publisher=rng.choice(PUBLISHERS).format(**s),
        paper=paper,
        journal=journal,
        frequency=rng.choice(["daily", "weekly"]),
        subject=rng.choice(SUBJECTS),
        topic=rng.choice(MAGAZINE_TOPICS),
    )
    return title, text


DBPEDIA_MAKERS = {
    "Company": _company,
    "EducationalInstitution": _school,
    "Artist": _artist,
    "Athlete": _athlete,
    "OfficeHolder": _office_holder,
    "MeanOfTransportation": _vehicle,
    "Building": _building,
    "NaturalPlace": _natural_place,
    "Village": _village,
    "Animal": _animal,
    "Plant": _plant,
    "Album": _album,
    "Film": _film,
    "WrittenWork": _written_work,
}
assert list(DBPEDIA_MAKERS) == DBPEDIA_CLASSES


def make_dbpedia(rng: random.Random) -> dict:
    label = rng.randrange(len(DBPEDIA_CLASSES))
    cls = DBPEDIA_CLASSES[label]
    title, content = DBPEDIA_MAKERS[cls](rng, _base_slots(rng))
    return example({"title": title, "content": content}, str(label), cls=cls)


DBPEDIA = task(
    "dbpedia",
    "Classify an encyclopedia article (title and opening sentences) into one of the 14 "
    "DBpedia classes, answered as the class number 0-13.",
    make_dbpedia,
)

# --------------------------------------------------------------------------- customer_support

# task type: (ways to ask for it, follow-up details); the nine types of the report's list
SUPPORT_TASKS = {
    "replace card": (
        [
            "I lost my debit card",
            "my card was stolen yesterday",
            "my credit card is cracked and the chip stopped working",
            "I need a replacement card",
            "the ATM swallowed my card and never gave it back",
            "my card expired and I never got the new one in the mail",
            "my dog chewed up my debit card",
            "I left my card in a taxi and need a new one sent out",
            "the magnetic strip on my card is worn out and stores cannot read it",
            "someone copied my card details, so please cancel it and send me a new card",
        ],
        [
            "It is the Visa ending in {last4}.",
            "Can you mail the new one to my home address?",
            "How long will the new card take to arrive?",
            "Please block the old one first.",
            "I need it before my trip on {day}.",
        ],
    ),
    "transfer money": (
        [
            "I want to move {amt} from checking to savings",
            "can I send money to my daughter's account",
            "I need to transfer {amt} to my savings account",
            "how do I wire money to an account at another bank",
            "please move some money into our joint account",
            "I want to send {amt} to my landlord's account",
            "I need to move funds between my two accounts",
            "I would like to make a transfer to my brother in {country}",
        ],
        [
            "It should go out today if possible.",
            "The amount is {amt}.",
            "It goes to the account ending in {last4}.",
            "Can it arrive before {day}?",
            "Is there a fee for that?",
        ],
    ),
    "check balance": (
        [
            "what is my current balance",
            "how much money do I have in checking",
            "can you tell me how much is left in my savings account",
            "I want to know if my paycheck cleared and what my balance is now",
            "I just need my account balance",
            "how much is available in my account right now",
            "can you check how much money I have before I pay rent",
            "I would like to know the balance on the account ending in {last4}",
        ],
        [
            "Just the checking account, please.",
            "The account ends in {last4}.",
            "I want to be sure I have at least {amt}.",
            "My online banking is down so I could not look.",
            "Both accounts if you can.",
        ],
    ),
    "order checks": (
        [
            "I need to order more checks",
            "I am almost out of checks",
            "can I get a new checkbook",
            "I would like to reorder checks for my business account",
            "I need checks with my new address printed on them",
            "how do I order a box of checks",
            "I want to buy a new book of checks",
        ],
        [
            "One box is enough.",
            "The same design as last time is fine.",
            "Please ship them to my home address.",
            "Can they be here by {day}?",
            "It is for the account ending in {last4}.",
        ],
    ),
    "pay bill": (
        [
            "I want to pay my electric bill",
            "I need to make a payment on my credit card bill",
            "can I pay my water bill from my checking account",
            "I want to set up a payment for my phone bill",
            "I need to pay my mortgage for this month",
            "please pay my internet bill of {amt}",
            "I want to pay my car loan today",
            "my gas bill is due and I want to pay it through the bank",
        ],
        [
            "The amount is {amt}.",
            "It is due on {day}.",
            "Take it out of my checking account.",
            "The account number is on the statement, ending in {last4}.",
            "I do not want a late fee again.",
        ],
    ),
    "reset password": (
        [
            "I forgot my online banking password",
            "I cannot log in to the mobile app",
            "my account got locked after too many login attempts",
            "I need to reset my password",
            "the website keeps saying my password is incorrect",
            "I never received the password reset email",
            "I changed my phone and now I cannot sign in to online banking",
        ],
        [
            "My username is my email address.",
            "I tried {k} times already.",
            "I need to get in today to see my statements.",
            "The reset link says it has expired.",
            "It worked fine until last week.",
        ],
    ),
    "schedule appointment": (
        [
            "I would like to make an appointment with a loan officer",
            "can I book a time to meet with a financial advisor",
            "I want to schedule a meeting at the branch",
            "can someone meet with me next week about a mortgage",
            "I need to set up an appointment to talk about my retirement savings",
            "I would like to come in and sit down with a banker",
            "is it possible to book an appointment for {day} afternoon",
        ],
        [
            "{day} at {hour} would work for me.",
            "Any time in the afternoon is fine.",
            "I prefer the branch on {street} Street.",
            "It will be me and my wife.",
            "How long does the meeting usually take?",
        ],
    ),
    "get branch hours": (
        [
            "what time does your branch open",
            "when do you close today",
            "are you open on Saturday",
            "what are the hours of the downtown branch",
            "is the branch open on the holiday Monday",
            "how late is the branch on {street} Street open",
            "what time does the bank close on {day}",
        ],
        [
            "I want to come in before work.",
            "I can only make it after {hour}.",
            "I mean the one on {street} Street.",
            "Is the drive-through open longer?",
            "I need to drop off some documents.",
        ],
    ),
    "none of the above": (
        [
            "I want to open a new savings account",
            "what is the interest rate on your certificates of deposit",
            "I need to update my mailing address",
            "I want to dispute a charge on my statement",
            "can you put a travel notice on my account for my trip to {country}",
            "I want to close my account",
            "how do I set up direct deposit for my paycheck",
            "I would like to apply for a personal loan",
            "I want to add my wife as a joint owner on my account",
            "I want to complain about a fee you charged me",
            "what is your routing number",
            "I would like to change the phone number on my account",
        ],
        [
            "I moved last month.",
            "It was a charge of {amt} that I do not recognise.",
            "I have been a customer for {k} years.",
            "Please let me know what forms I need.",
            "I will be away until {day}.",
        ],
    ),
}
GREETINGS = ["", "", "Hi, ", "Hello, ", "Hi there, ", "Good morning, ", "Hey, ", "Yes, hi, "]
SIGN_OFFS = ["", "", "", " Thanks.", " Thank you!", " Thanks for your help."]
AGENT_OPENINGS = [
    "Thank you for calling Harper Valley Bank, this is {agent}. How can I help you today?",
    "Hello, my name is {agent}. What can I do for you?",
    "Good afternoon, you are speaking with {agent}. How may I help?",
    "Hi, thanks for contacting support. How can I help?",
    "Welcome to customer support, {agent} speaking.",
]
AGENT_FOLLOW_UPS = [
    "Sure, I can help with that. Can I have your name please?",
    "Of course. Can you give me a few more details?",
    "Okay, no problem. Is there anything else I should know?",
    "I can help you with that. Which account is this for?",
    "Certainly. Let me pull up your account.",
]
AGENT_CLOSINGS = [
    "All right, I will take care of that now.",
    "Thank you, that is all I need.",
    "Got it, one moment please.",
]
CHIT_CHAT = [
    "Hi, how are you today?",
    "Hello, I have a question.",
    "Hi, I hope you can help me.",
    "Good morning, I need some help.",
]
MAX_TRANSCRIPT_WORDS = 55
SPEAKERS = [("Agent", "Customer"), ("Agent", "Caller"), ("Support", "User"), ("Rep", "Customer")]
HOURS = ["9 am", "10 am", "noon", "2 pm", "3:30", "5 pm", "4 o'clock"]


def _support_slots(rng: random.Random) -> dict:
    return {
        "amt": rng.choice(["${}", "{} dollars", "${}.00"]).format(rng.randint(2, 80) * 25),
        "last4": f"{rng.randint(0, 9999):04d}",
        "day": rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]),
        "country": rng.choice(COUNTRY_NAMES),
        "k": rng.randint(2, 12),
        "hour": rng.choice(HOURS),
        "street": rng.choice(STREETS),
        "agent": rng.choice(FEMALE_NAMES + MALE_NAMES),
    }


QUESTION_WORDS = ("what", "how", "can", "is", "are", "when", "do", "could")


def _say(greeting: str, request: str) -> str:
    """The greeting and request as one sentence, ending in "?" when the request asks."""
    asks = request.split()[0].lower() in QUESTION_WORDS
    body = greeting + request if greeting else capitalise(request)
    return body + ("?" if asks else ".")


def _asr(text: str) -> str:
    """Like a speech-recognition transcript: lower case, no punctuation but apostrophes."""
    kept = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " '$:\n")
    return "\n".join(" ".join(line.split()) for line in kept.split("\n"))


def make_customer_support(rng: random.Random) -> dict:
    label = rng.choice(list(SUPPORT_TASKS))
    asks, details = SUPPORT_TASKS[label]
    style = rng.choice(["message", "message", "chat", "chat", "call"])
    s = _support_slots(rng)
    if style == "call":  # spoken amounts, which survive the loss of punctuation
        s["amt"] = f"{rng.randint(2, 80) * 25} dollars"
    request = rng.choice(asks).format(**s)
    detail = rng.choice(details).format(**s)
    if style == "message":
        text = _say(rng.choice(GREETINGS), request)
        if rng.random() < 0.7:
            text += " " + detail
        return example({"text": text + rng.choice(SIGN_OFFS)}, label, style=style)
    agent, customer = rng.choice(SPEAKERS)
    opening = [(agent, rng.choice(AGENT_OPENINGS).format(**s))]
    if rng.random() < 0.3:
        opening += [(customer, rng.choice(CHIT_CHAT)), (agent, "Sure, go ahead.")]
    asking = [(customer, _say(rng.choice(GREETINGS), request))]
    follow_up = [(agent, rng.choice(AGENT_FOLLOW_UPS)), (customer, detail)]
    closing = [(agent, rng.choice(AGENT_CLOSINGS))]
    turns = opening + asking + (follow_up if rng.random() < 0.7 else [])
    turns += closing if rng.random() < 0.3 else []
    if sum(len(said.split()) + 1 for _, said in turns) > MAX_TRANSCRIPT_WORDS:
        turns = opening[:1] + asking + follow_up  # the short form of the same call
    joiner = "\n" if rng.random() < 0.6 else " "
    text = joiner.join(f"{who}: {said}" for who, said in turns)
    if style == "call":
        text = _asr(text)
    return example({"text": text}, label, style=style)


CUSTOMER_SUPPORT = task(
    "customer_support",
    "Name why a bank customer contacted support, as one of nine task types (replace card, "
    "transfer money, ... or none of the above).",
    make_customer_support,
)

# --------------------------------------------------------------------------- glue_qnli

# entity kind -> fact -> (value kind, questions, answering sentences, same-topic sentences
# that do not answer). {e} is the entity, {v} the fact's value; the other slots are filler.
QNLI_FACTS = {
    "town": {
        "founded": (
            "year",
            [
                "When was {e} founded?",
                "In what year was {e} founded?",
                "What year was {e} established?",
            ],
            [
                "{e} was founded in {v} as a small trading post.",
                "The town of {e} was established in {v} by settlers from {city}.",
                "{e} received its town charter in {v}, after decades as a farming village.",
            ],
            [
                "{e} was founded by settlers from {city}, who were drawn by the fertile land.",
                "The founders of {e} built the first church next to the river.",
                "Little is known about the people who founded {e}.",
            ],
        ),
        "population": (
            "number",
            [
                "How many people live in {e}?",
                "What is the population of {e}?",
                "How many inhabitants does {e} have?",
            ],
            [
                "At the last census, {e} had a population of {v}.",
                "{e} is home to about {v} people.",
                "With roughly {v} residents, {e} is the largest town in the valley.",
            ],
            [
                "The population of {e} grew quickly after the railway arrived.",
                "Most people in {e} work in farming or tourism.",
                "Many residents of {e} commute to {city} every day.",
            ],
        ),
        "river": (
            "river",
            ["Which river flows through {e}?", "On what river does {e} lie?"],
            [
                "{e} lies on the banks of the {v} River.",
                "The {v} River flows through the centre of {e}.",
            ],
            [
                "Several old stone bridges cross the river in {e}.",
                "The river in {e} often floods in early spring.",
            ],
        ),
        "mayor": (
            "person",
            ["Who is the mayor of {e}?", "Who currently leads the town council of {e}?"],
            [
                "{v} has served as mayor of {e} since {y}.",
                "In the {y} election, {v} was chosen as mayor of {e}.",
            ],
            [
                "The mayor of {e} is elected every four years.",
                "The town hall of {e}, where the mayor works, was built in {y}.",
            ],
        ),
        "industry": (
            "industry",
            ["What is the main industry in {e}?", "What is the economy of {e} based on?"],
            [
                "The economy of {e} is based mainly on {v}.",
                "{e} is best known for {v}, which employs most of its residents.",
            ],
            [
                "The economy of {e} suffered badly during the recession of {y}.",
                "Several factories in {e} closed in the late twentieth century.",
            ],
        ),
    },
    "company": {
        "founded": (
            "year",
            ["When was {e} founded?", "In which year was {e} established?"],
            [
                "{e} was founded in {v}, when its first factory opened.",
                "{e} was established in {v}, originally as a small workshop.",
            ],
            [
                "{e} was founded by {p}, a former engineer from {city}.",
                "The founders of {e} started the business with a loan from their family.",
            ],
        ),
        "founder": (
            "person",
            ["Who founded {e}?", "Who started the company {e}?"],
            ["{e} was founded by {v}, a former engineer.", "{v} started {e} in a garage."],
            [
                "{e} was founded in {y} in a small garage in {city}.",
                "The founder of {e} remained chairman until {y2}.",
            ],
        ),
        "headquarters": (
            "city",
            ["Where is {e} headquartered?", "In which city are the headquarters of {e}?"],
            ["{e} has its headquarters in {v}.", "{e} moved its head office to {v} in {y}."],
            [
                "The headquarters of {e} were rebuilt in {y}.",
                "{e} has more than {k}0 offices around the world.",
            ],
        ),
        "employees": (
            "number",
            ["How many people does {e} employ?", "How many employees does {e} have?"],
            ["{e} employs about {v} people worldwide.", "As of {y}, {e} had around {v} employees."],
            [
                "Employees of {e} went on strike in {y} over pay.",
                "{e} is known for the generous benefits it gives its staff.",
            ],
        ),
        "ceo": (
            "person",
            ["Who is the chief executive of {e}?", "Who runs {e} today?"],
            [
                "{v} has been the chief executive of {e} since {y}.",
                "{e} is currently led by its CEO, {v}.",
            ],
            [
                "The chief executive of {e} is appointed by the board of directors.",
                "{e} replaced its chief executive twice in the {decade}s.",
            ],
        ),
        "product": (
            "product",
            ["What does {e} make?", "What products is {e} known for?"],
            ["{e} is best known for making {v}.", "The main products of {e} are {v}."],
            [
                "{e} sells its products in more than {k}0 countries.",
                "{e} spends a large share of its income on research into new products.",
            ],
        ),
    },
    "person": {
        "birthplace": (
            "city",
            ["Where was {e} born?", "In which city was {e} born?"],
            ["{e} was born in {v}.", "Born in {v}, {e} moved abroad as a child."],
            [
                "{e} was born in {y} to a family of teachers.",
                "The house where {e} was born is now a small museum.",
            ],
        ),
        "birth year": (
            "year",
            ["When was {e} born?", "In what year was {e} born?"],
            ["{e} was born in {v}.", "Born in {v}, {e} grew up on a farm."],
            [
                "{e} was born in {city} to a family of teachers.",
                "{e} was born into a poor family and left school early.",
            ],
        ),
        "studied": (
            "subject",
            ["What did {e} study at university?", "Which subject did {e} study?"],
            [
                "{e} studied {v} at the University of {city}.",
                "After school, {e} earned a degree in {v}.",
            ],
            [
                "{e} went to university in {city} but left after two years.",
                "{e} later taught at the university where {pron} had studied.",
            ],
        ),
        "prize": (
            "prize",
            ["Which prize did {e} win?", "What award did {e} receive in {y}?"],
            ["In {y}, {e} received the {v} Prize for {pos} work.", "{e} won the {v} Prize in {y}."],
            [
                "{e} was nominated for several prizes but rarely went to the ceremonies.",
                "{e} gave the prize money to a local school.",
            ],
        ),
        "death": (
            "year",
            ["When did {e} die?", "In what year did {e} die?"],
            ["{e} died in {city} in {v}.", "{e} died in {v} after a long illness."],
            [
                "{e} died in {city} after a long illness.",
                "After {e} died, {pos} papers were given to the national library.",
            ],
        ),
        "book": (
            "title",
            ["Which novel made {e} famous?", "What book is {e} best known for?"],
            [
                "{e} became famous with the novel {v}, published in {y}.",
                "{e} is best known for the novel {v}.",
            ],
            [
                "{e} wrote most of {pos} books in a small cottage near {city}.",
                "The books of {e} have been translated into {k}0 languages.",
            ],
        ),
    },
    "building": {
        "architect": (
            "person",
            ["Who designed {e}?", "Which architect was responsible for {e}?"],
            [
                "{e} was designed by the architect {v}.",
                "The architect {v} drew the plans for {e} in {y}.",
            ],
            [
                "{e} was designed in the {style} style.",
                "The architect of {e} also planned several churches in {city}.",
            ],
        ),
        "completed": (
            "year",
            ["When was {e} completed?", "In what year was {e} finished?"],
            [
                "{e} was completed in {v} after six years of work.",
                "Construction of {e} finished in {v}.",
            ],
            [
                "{e} took six years to complete and cost far more than planned.",
                "Work on {e} was delayed for years by a lack of money.",
            ],
        ),
        "height": (
            "height",
            ["How tall is {e}?", "What is the height of {e}?"],
            [
                "{e} is {v} metres tall.",
                "At {v} metres, {e} is one of the tallest buildings in the country.",
            ],
            [
                "{e} was once the tallest building in {city}.",
                "Visitors can take a lift to the top of {e}.",
            ],
        ),
        "location": (
            "city",
            ["Where is {e} located?", "In which city is {e}?"],
            [
                "{e} stands in the centre of {v}.",
                "{e} is located in {v}, close to the main railway station.",
            ],
            [
                "{e} is located close to the main railway station.",
                "{e} is one of the most visited sights in the country.",
            ],
        ),
        "use": (
            "use",
            ["What is {e} used for today?", "What does {e} house today?"],
            ["Today {e} houses {v}.", "Since {y}, {e} has been home to {v}."],
            [
                "{e} was restored in {y} and is open to visitors.",
                "The use of {e} has changed several times over the years.",
            ],
        ),
    },
    "band": {
        "formed": (
            "year",
            ["When was {e} formed?", "In what year did {e} form?"],
            [
                "{e} formed in {v} while its members were still at school.",
                "{e} was formed in {v} by a group of school friends.",
            ],
            [
                "{e} was formed by {k} friends from {city}.",
                "{e} formed after its singer answered a newspaper advert.",
            ],
        ),
        "origin": (
            "city",
            ["Where is {e} from?", "In which city was {e} formed?"],
            ["{e} is a rock band from {v}.", "{e} was formed in {v} by a group of school friends."],
            [
                "{e} has toured widely in Europe and North America.",
                "{e} was formed by four school friends in {y}.",
            ],
        ),
        "genre": (
            "genre",
            ["What kind of music does {e} play?", "What genre is {e} known for?"],
            ["{e} plays a mix of {v} and pop.", "{e} is known for its {v} sound."],
            [
                "{e} has sold over {k} million records.",
                "Critics have praised {e} for the energy of its concerts.",
            ],
        ),
        "debut": (
            "title",
            ["What was the first album by {e}?", "What is the title of the debut album of {e}?"],
            [
                "The debut album of {e}, {v}, was released in {y}.",
                "{e} released its first album, {v}, in {y}.",
            ],
            [
                "The first album by {e} was recorded in just two weeks.",
                "{e} released its debut album on a small independent label.",
            ],
        ),
        "singer": (
            "person",
            ["Who is the lead singer of {e}?", "Who sings in {e}?"],
            ["The lead singer of {e} is {v}.", "{v} has been the singer of {e} since {y}."],
            [
                "The lead singer of {e} left the band in {y}.",
                "{e} changed singers twice in its first five years.",
            ],
        ),
    },
}
RIVER_NAMES = words(
    "Elbe Tagus Volta Drava Mura Tisa Ems Lech Isar Inn Vah Oder Severn Tweed Loire"
)
INDUSTRIES = phrases(
    "wine making | fishing | textile mills | tourism | coal mining | shipbuilding | cheese making"
)
PRODUCTS = phrases(
    "kitchen appliances | bicycles | solar panels | medical devices | frozen foods | "
    "sports shoes | office furniture"
)
BUILDING_USES = phrases(
    "a museum of modern art | the city library | a luxury hotel | government offices | "
    "a concert hall"
)
MUSIC_GENRES = words("punk folk jazz reggae country electronic blues")
PRIZE_NAMES = words("Nobel Pulitzer Booker Goethe Turing Wolf Kavli Abel")


def _qnli_value(kind: str, rng: random.Random) -> str:
    if kind == "year":
        return str(year(rng, 1700, 2015))
    if kind == "number":
        return f"{rng.randint(2, 95)},{rng.randint(0, 9)}00"
    if kind == "city":
        return rng.choice(CITY_COUNTRY)[0]
    if kind == "person":
        return name_of(rng)
    if kind == "height":
        return str(rng.randint(40, 320))
    if kind == "prize":
        return rng.choice(PRIZE_NAMES + [rng.choice(SURNAMES)])
    pool = {
        "river": RIVER_NAMES,
        "industry": INDUSTRIES,
        "product": PRODUCTS,
        "subject": SUBJECTS,
        "use": BUILDING_USES,
        "genre": MUSIC_GENRES,
    }.get(kind)
    if pool is not None:
        return rng.choice(pool)
    return creative_title(rng)  # "title"


def _qnli_entity(kind: str, rng: random.Random) -> tuple[str, str]:
    """The entity's name and its pronoun/possessive ("she", "her") for people."""
    if kind == "town":
        return place_name(rng), ""
    if kind == "company":
        ending = rng.choice(["Group", "Industries", "Motors", "Foods", "Systems", "Electric"])
        return f"{rng.choice([rng.choice(SURNAMES), coined(rng)])} {ending}", ""
    if kind == "person":
        name, pron = person(rng)
        return name, pron.lower()
    if kind == "building":
        return rng.choice(
            [
                f"the {coined(rng)} Tower",
                f"{rng.choice(SURNAMES)} House",
                f"the {coined(rng)} Palace",
                f"the {rng.choice(SURNAMES)} Building",
                f"St. {rng.choice(SAINTS)}'s Cathedral",
            ]
        ), ""
    return f"The {rng.choice(TITLE_NOUNS)}s", ""  # band


def make_qnli(rng: random.Random) -> dict:
    kind = rng.choice(list(QNLI_FACTS))
    facts = QNLI_FACTS[kind]
    asked = rng.choice(list(facts))
    entity, pron = _qnli_entity(kind, rng)
    y = year(rng, 1800, 2015)
    slots = {
        "e": entity,
        "city": rng.choice(CITY_COUNTRY)[0],
        "p": name_of(rng),
        "y": y,
        "y2": y + rng.randint(5, 40),
        "k": rng.randint(2, 9),
        "decade": rng.randint(195, 201) * 10,
        "style": rng.choice(ARCHITECTS_STYLES),
        "pron": pron,
        "pos": "her" if pron == "she" else "his",
    }
    question = rng.choice(facts[asked][1]).format(**slots)
    answers = rng.random() < 0.5
    if answers:
        told, pool = asked, facts[asked][2]
    elif rng.random() < 0.5:  # same topic, same fact, no answer
        told, pool = asked, facts[asked][3]
    else:  # a different fact about the same entity
        told = rng.choice([fact for fact in facts if fact != asked])
        pool = facts[told][2]
    value = _qnli_value(facts[told][0], rng)
    sentence = capitalise(rng.choice(pool).format(**slots, v=value))
    return example(
        {"question": capitalise(question), "sentence": sentence},
        "0" if answers else "1",
        entity=entity,
        asked=asked,
        told=told,
        value=value,
    )


GLUE_QNLI = task(
    "glue_qnli",
    "Decide whether a sentence answers a question: 0 if it does, 1 if it does not (as in "
    "GLUE QNLI).",
    make_qnli,
)

# --------------------------------------------------------------------------- glue_stsb

# Scenes like the captions in STS-B: who does what to what, and where. Each group lists
# words that mean the same; verbs are (-ing form, present form, passive participle or None).
STS_SCENES = {
    "person": (
        [
            ["man", "guy"],
            ["woman", "lady"],
            ["boy", "young boy"],
            ["girl", "little girl"],
            ["chef", "cook"],
            ["old man", "elderly man"],
            ["old woman", "elderly woman"],
            ["child", "kid"],
        ],
        {
            "play": (
                [("playing", "plays", "played")],
                ["a guitar", "the piano", "a flute", "the drums", "a violin"],
            ),
            "cut": (
                [
                    ("cutting", "cuts", "cut"),
                    ("slicing", "slices", "sliced"),
                    ("chopping", "chops", "chopped"),
                ],
                ["an onion", "a tomato", "some bread", "a carrot", "a potato", "a cucumber"],
            ),
            "eat": (
                [("eating", "eats", "eaten")],
                ["an apple", "a sandwich", "a banana", "some noodles", "a slice of pizza"],
            ),
            "read": (
                [("reading", "reads", "read")],
                ["a book", "a newspaper", "a letter", "a map", "a magazine"],
            ),
            "write": (
                [("writing", "writes", "written")],
                ["a letter", "a note", "a poem", "on a whiteboard"],
            ),
            "peel": (
                [("peeling", "peels", "peeled")],
                ["a potato", "an orange", "a banana", "an apple"],
            ),
            "type": ([("typing on", "types on", None)], ["a laptop", "a keyboard", "a phone"]),
            "talk": (
                [("talking on", "talks on", None), ("speaking on", "speaks on", None)],
                ["a phone", "a cell phone", "a radio"],
            ),
            "paint": (
                [("painting", "paints", "painted")],
                ["a picture", "a wall", "a fence", "a portrait"],
            ),
        },
        [
            ["in the park", "at the park"],
            ["in the kitchen"],
            ["on the street", "in the street"],
            ["at a table", "at the table"],
            ["on the beach", "at the beach"],
            ["at home", "in the house"],
            ["in the garden", "in the yard"],
            ["on a stage", "on stage"],
        ],
    ),
    "animal": (
        [
            ["dog"],
            ["black dog", "dark dog"],
            ["brown dog"],
            ["white dog"],
            ["cat"],
            ["small cat", "little cat"],
        ],
        {
            "chase": (
                [("chasing", "chases", "chased"), ("running after", "runs after", None)],
                ["a ball", "a stick", "a frisbee", "a toy"],
            ),
            "jump": (
                [("jumping over", "jumps over", None), ("leaping over", "leaps over", None)],
                ["a fence", "a log", "a puddle", "a rope"],
            ),
            "play": (
                [("playing with", "plays with", None)],
                ["a ball", "a toy", "a rope", "a plastic bottle"],
            ),
            "carry": (
                [("carrying", "carries", "carried"), ("holding", "holds", "held")],
                ["a stick", "a ball", "a shoe", "a toy"],
            ),
        },
        [
            ["in the grass", "on the grass"],
            ["in the snow"],
            ["on the beach", "at the beach"],
            ["in a yard", "in the backyard"],
            ["in a field", "in a grassy field"],
        ],
    ),
}
# how much each kind of difference takes from the 5.0 of two sentences with one meaning
STS_COST = {
    "verb synonym": 0.2,
    "place dropped": 0.6,
    "place": 0.8,
    "subject": 1.2,
    "object": 1.5,
    "action": 3.0,
}


def _sts_scene(rng: random.Random, cat: str) -> dict:
    subjects, actions, places = STS_SCENES[cat]
    action = rng.choice(list(actions))
    return {
        "cat": cat,
        "subject": rng.randrange(len(subjects)),
        "action": action,
        "verb": rng.randrange(len(actions[action][0])),
        "object": rng.choice(actions[action][1]),
        "place": rng.randrange(len(places)) if rng.random() < 0.6 else None,
    }


def _sts_render(rng: random.Random, scene: dict) -> str:
    subjects, actions, places = STS_SCENES[scene["cat"]]
    subject = rng.choice(subjects[scene["subject"]])
    ing, present, participle = actions[scene["action"]][0][scene["verb"]]
    obj = scene["object"]
    place = "" if scene["place"] is None else " " + rng.choice(places[scene["place"]])
    forms = ["progressive", "progressive", "present", "there"]
    if participle and not obj.startswith("on "):
        forms.append("passive")
    form = rng.choice(forms)
    a = a_an(subject)
    if form == "present":
        return f"{capitalise(a)} {subject} {present} {obj}{place}."
    if form == "there":
        return f"There is {a} {subject} {ing} {obj}{place}."
    if form == "passive":
        return f"{capitalise(obj)} is being {participle} by {a} {subject}{place}."
    return f"{capitalise(a)} {subject} is {ing} {obj}{place}."


def _sts_scene_pair(rng: random.Random) -> tuple[str, str, float]:
    cat = rng.choice(["person", "person", "person", "animal"])
    first = _sts_scene(rng, cat)
    subjects, actions, places = STS_SCENES[cat]
    second = dict(first)
    changes = rng.sample(
        ["subject", "object", "place", "action"], rng.choice([0, 0, 1, 1, 1, 2, 2, 2, 3, 3])
    )
    costs = []
    if "subject" in changes:
        second["subject"] = rng.choice([i for i in range(len(subjects)) if i != first["subject"]])
        costs.append("subject")
    if "action" in changes:
        second["action"] = rng.choice([a for a in actions if a != first["action"]])
        second["verb"] = rng.randrange(len(actions[second["action"]][0]))
        second["object"] = rng.choice(actions[second["action"]][1])
        costs.append("action")
    elif "object" in changes:
        second["object"] = rng.choice(
            [o for o in actions[first["action"]][1] if o != first["object"]]
        )
        costs.append("object")
    else:
        second["verb"] = rng.randrange(len(actions[first["action"]][0]))
        if second["verb"] != first["verb"]:
            costs.append("verb synonym")
    if "place" in changes:
        if first["place"] is not None and rng.random() < 0.5:
            second["place"] = None
            costs.append("place dropped")
        else:
            second["place"] = rng.choice([i for i in range(len(places)) if i != first["place"]])
            costs.append("place" if first["place"] is not None else "place dropped")
    if rng.random() < 0.5:
        first, second = second, first
    score = 5.0 - sum(STS_COST[c] for c in costs)
    return _sts_render(rng, first), _sts_render(rng, second), score


# News sentences like the STS-B headlines: an event, its toll, its place and its day.
STS_EVENTS = [
    ["earthquake", "quake"],
    ["fire", "blaze"],
    ["bus crash", "bus accident"],
    ["train crash", "train accident"],
    ["landslide", "mudslide"],
    ["storm", "severe storm"],
    ["flood", "flash flood"],
]
NATURAL_EVENTS = ("earthquake", "landslide", "storm", "flood")
WEEKDAYS = words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
NEWS_COST = {"toll": 0.8, "day": 0.6, "day dropped": 0.3, "place": 1.6, "event": 2.4}


def _news_render(rng: random.Random, news: dict) -> str:
    event = rng.choice(STS_EVENTS[news["event"]])
    n, place = news["toll"], news["place"]
    day = f" on {news['day']}" if news["day"] else ""
    templates = [
        f"{n} people were killed in {a_an(event)} {event} in {place}{day}.",
        f"{capitalise(a_an(event))} {event} killed {n} people in {place}{day}.",
        f"{capitalise(a_an(event))} {event} in {place} left {n} people dead{day}.",
    ]
    if STS_EVENTS[news["event"]][0] in NATURAL_EVENTS:
        templates.append(f"At least {n} people died when {a_an(event)} {event} hit {place}{day}.")
    else:
        templates.append(f"At least {n} people died in {a_an(event)} {event} in {place}{day}.")
    return rng.choice(templates)


def _sts_news_pair(rng: random.Random) -> tuple[str, str, float]:
    first = {
        "event": rng.randrange(len(STS_EVENTS)),
        "toll": rng.randint(5, 90),
        "place": rng.choice([c for c, _ in CITY_COUNTRY] + COUNTRY_NAMES),
        "day": rng.choice(WEEKDAYS) if rng.random() < 0.6 else "",
    }
    second = dict(first)
    changes = rng.sample(["toll", "day", "place", "event"], rng.choice([0, 1, 1, 2, 2, 2, 3, 3]))
    if "toll" in changes:
        second["toll"] = first["toll"] + rng.choice([-2, -1, 1, 2, 5, 10])
    if "day" in changes:
        if first["day"] and rng.random() < 0.5:
            second["day"] = ""
            changes[changes.index("day")] = "day dropped"
        else:
            second["day"] = rng.choice([d for d in WEEKDAYS if d != first["day"]])
            if not first["day"]:
                changes[changes.index("day")] = "day dropped"
    if "place" in changes:
        second["place"] = rng.choice([c for c, _ in CITY_COUNTRY if c != first["place"]])
    if "event" in changes:
        second["event"] = rng.choice([i for i in range(len(STS_EVENTS)) if i != first["event"]])
    if rng.random() < 0.5:
        first, second = second, first
    score = 5.0 - sum(NEWS_COST[c] for c in changes)
    return _news_render(rng, first), _news_render(rng, second), score


def make_stsb(rng: random.Random) -> dict:
    kind = rng.choice(["scene"] * 6 + ["news"] * 4 + ["unrelated"])
    if kind == "scene":
        first, second, score = _sts_scene_pair(rng)
    elif kind == "news":
        first, second, score = _sts_news_pair(rng)
    else:  # a caption and a headline share nothing
        first = _sts_render(rng, _sts_scene(rng, rng.choice(list(STS_SCENES))))
        second = _sts_news_pair(rng)[0]
        if rng.random() < 0.5:
            first, second = second, first
        score = 0.0
    score = min(5.0, max(0.0, score))
    return example({"sentence1": first, "sentence2": second}, f"{score:.1f}", kind=kind)


GLUE_STSB = task(
    "glue_stsb",
    "Rate how similar in meaning two sentences are, from 0.0 (unrelated) to 5.0 (same "
    "meaning), as in GLUE STS-B.",
    make_stsb,
)

# --------------------------------------------------------------------------- boolq
# Each maker returns (passage, question) for a question whose answer is `truth`; the
# passage states the fact that settles it. Questions are lower case without "?", as in BoolQ.

ANIMAL_CLASSES = {
    "mammal": words("otter badger lynx walrus bison moose hedgehog dolphin whale bat beaver"),
    "bird": words("heron falcon puffin crane ostrich penguin kestrel pelican owl"),
    "reptile": words("gecko iguana tortoise python chameleon crocodile"),
    "fish": words("salmon trout pike carp tuna herring"),
    "amphibian": words("salamander newt toad"),
}


def _boolq_animal(rng: random.Random, truth: bool) -> tuple[str, str]:
    cls = rng.choice(list(ANIMAL_CLASSES))
    animal = rng.choice(ANIMAL_CLASSES[cls])
    lays = cls != "mammal"
    passage = (
        f"The {animal} is {a_an(cls)} {cls}. "
        + (
            "Like most of its relatives, it lays eggs"
            if lays
            else "Females give birth to live young"
        )
        + f", and {rng.choice(['it', 'an adult'])} can live for {rng.randint(3, 30)} years or more."
    )
    if rng.random() < 0.5:
        asked = cls if truth else rng.choice([c for c in ANIMAL_CLASSES if c != cls])
        return passage, f"is {a_an(animal)} {animal} {a_an(asked)} {asked}"
    if lays == truth:
        return passage, f"does the {animal} lay eggs"
    return passage, f"does the {animal} give birth to live young"


# league: the country whose cities its clubs come from
FOOTBALL_LEAGUES = {
    "the Premier League": "England",
    "the Bundesliga": "Germany",
    "Serie A": "Italy",
    "La Liga": "Spain",
    "the Eredivisie": "the Netherlands",
    "Ligue 1": "France",
}


def _boolq_club(rng: random.Random, truth: bool) -> tuple[str, str]:
    league, other = rng.sample(list(FOOTBALL_LEAGUES), 2)
    cities = [c for c, country in CITY_COUNTRY if country == FOOTBALL_LEAGUES[league]]
    city = rng.choice(cities + [place_name(rng)])
    club = f"{city} {rng.choice(['FC', 'United', 'City', 'Athletic', 'Rovers'])}"
    stadium, other_ground = (f"{s} Park" for s in rng.sample(SURNAMES, 2))
    passage = (
        f"{club} is a professional football club based in {city}. The club currently plays "
        f"in {league}, and its home ground is {stadium}, which holds "
        f"{rng.randint(8, 70)},000 fans."
    )
    if rng.random() < 0.5:
        return passage, f"does {club.lower()} play in {(league if truth else other).lower()}"
    ground = stadium if truth else other_ground
    return passage, f"is {ground.lower()} the home ground of {club.lower()}"


def _boolq_show(rng: random.Random, truth: bool) -> tuple[str, str]:
    show = creative_title(rng)
    seasons = rng.randint(2, 5)
    start = year(rng, 2005, 2018)
    ask_next = rng.random() < 0.5
    renewed = truth if ask_next else rng.random() < 0.5
    passage = f"{show} is a television drama series that first aired in {start}. " + (
        f"In {start + seasons}, the network renewed the show for a {ORDINALS[seasons]} season."
        if renewed
        else f"The network cancelled the show in {start + seasons} after {seasons} seasons."
    )
    if ask_next:
        return passage, f"will there be a {ORDINALS[seasons]} season of {show.lower()}"
    return passage, f"was {show.lower()} {'renewed' if renewed == truth else 'cancelled'}"


def _boolq_sequel(rng: random.Random, truth: bool) -> tuple[str, str]:
    film = creative_title(rng)
    director = name_of(rng)
    released = year(rng, 1975, 2018)
    sequel = released + rng.randint(2, 5)
    passage = f"{film} is a {released} {rng.choice(FILM_GENRES)} film directed by {director}. " + (
        f"Its success led to a sequel, {film} 2, which was released in {sequel}."
        if truth
        else "Although the film was a success, the director has said that there will be no sequel."
    )
    return passage, f"is there a sequel to {film.lower()}"


def _boolq_alive(rng: random.Random, truth: bool) -> tuple[str, str]:
    name, pron = person(rng)
    born = year(rng, 1945, 1990) if truth else year(rng, 1920, 1975)
    job = rng.choice(["actor", "novelist", "painter", "singer", "footballer", "scientist"])
    nat = COUNTRY_ADJECTIVE[rng.choice(COUNTRY_NAMES)]
    if truth:
        passage = (
            f"{name} (born {born}) is {a_an(nat)} {nat} {job}. {pron} still lives in "
            f"{rng.choice(CITY_COUNTRY)[0]} and gave an interview last year."
        )
    else:
        died = born + rng.randint(40, 48)
        passage = (
            f"{name} ({born}-{died}) was {a_an(nat)} {nat} {job}. {pron} died in "
            f"{rng.choice(CITY_COUNTRY)[0]} at the age of {died - born}."
        )
    return passage, f"is {name.lower()} still alive"


def _boolq_same(rng: random.Random, truth: bool) -> tuple[str, str]:
    a, b = coined(rng), coined(rng)
    thing = rng.choice(["dish", "card game", "dance", "cheese", "bread"])
    country = rng.choice(COUNTRY_NAMES)
    if truth:
        passage = (
            f"{a}, also known as {b}, is a traditional {thing} from {country}. The two names "
            f"are used in different regions for the same {thing}."
        )
    else:
        passage = (
            f"{a} is a traditional {thing} from {country}. It is often confused with {b}, but "
            f"the two are different: {b} comes from a neighbouring region and is much older."
        )
    return passage, f"is {a.lower()} the same as {b.lower()}"


# (country, capital, largest city when it is not the capital)
CAPITALS = [
    tuple(item.split(", "))
    for item in phrases(
        "Australia, Canberra, Sydney | Canada, Ottawa, Toronto | Turkey, Ankara, Istanbul | "
        "Brazil, Brasilia, Sao Paulo | Switzerland, Bern, Zurich | Nigeria, Abuja, Lagos | "
        "Morocco, Rabat, Casablanca | Vietnam, Hanoi, Ho Chi Minh City | "
        "New Zealand, Wellington, Auckland | Pakistan, Islamabad, Karachi | "
        "Tanzania, Dodoma, Dar es Salaam | Kazakhstan, Astana, Almaty"
    )
]


def _boolq_capital(rng: random.Random, truth: bool) -> tuple[str, str]:
    if rng.random() < 0.4:
        country, capital, largest = rng.choice(CAPITALS)
        size = ""
    else:  # a made-up province
        country = f"the province of {coined(rng)}"
        capital, largest = coined(rng), place_name(rng)
        size = f", with about {rng.randint(2, 9)}00,000 people"
    passage = (
        f"The capital of {country} is {capital}, where the government has its seat. "
        f"The largest city, however, is {largest}{size}."
    )
    where = country.lower()
    if rng.random() < 0.5:
        return passage, f"is {(capital if truth else largest).lower()} the capital of {where}"
    return passage, f"is {(largest if truth else capital).lower()} the largest city in {where}"


def _boolq_age(rng: random.Random, truth: bool) -> tuple[str, str]:
    place = f"the {rng.choice(['state', 'province', 'republic'])} of {coined(rng)}"
    thing, verb, age = rng.choice(
        [
            ("driving age", "drive", rng.choice([16, 17, 18])),
            ("drinking age", "drink", rng.choice([18, 19, 21])),
            ("voting age", "vote", rng.choice([16, 18])),
            ("school leaving age", "leave school", rng.choice([15, 16])),
        ]
    )
    passage = (
        f"In {place}, the legal {thing} is {age}. The rule was introduced in "
        f"{year(rng, 1950, 2010)} and applies to all residents."
    )
    asked = age if truth else age + rng.choice([-2, -1, 1, 2, 3])
    if rng.random() < 0.5:
        return passage, f"is the legal {thing} in {place.lower()} {asked}"
    # "can you ... at N": true when N is at least the legal age
    asked = age + rng.randint(0, 3) if truth else age - rng.randint(1, 2)
    return passage, f"can you {verb} at {asked} in {place.lower()}"


def _boolq_river(rng: random.Random, truth: bool) -> tuple[str, str]:
    river = f"{coined(rng)} River"
    sea, other = rng.sample(SEAS, 2)
    country = rng.choice(COUNTRY_NAMES)
    passage = (
        f"The {river} is a river in {country}, about {rng.randint(8, 90)}0 km long. It rises in "
        f"the {coined(rng)} Mountains and flows into the {sea}."
    )
    return passage, f"does the {river.lower()} flow into the {(sea if truth else other).lower()}"


def _boolq_brand(rng: random.Random, truth: bool) -> tuple[str, str]:
    brand = coined(rng)
    product = rng.choice(
        ["soft drinks", "chocolate", "running shoes", "coffee", "toothpaste", "cars"]
    )
    owner, other = rng.sample([f"{s} {e}" for s in SURNAMES[:12] for e in ("Group", "Holdings")], 2)
    passage = (
        f"{brand} is a brand of {product}. It was started in {year(rng, 1900, 1990)} as a family "
        f"business and has been owned by {owner} since {year(rng, 1991, 2020)}."
    )
    return passage, f"is {brand.lower()} owned by {(owner if truth else other).lower()}"


def _boolq_landmark(rng: random.Random, truth: bool) -> tuple[str, str]:
    name = f"{coined(rng)} {rng.choice(['Bridge', 'Castle', 'Cathedral', 'Palace', 'Tower'])}"
    city, country = rng.choice(CITY_COUNTRY)
    other = rng.choice([c for c in COUNTRY_NAMES if c != country])
    built, visitors = year(rng, 1200, 1950), rng.randint(1, 9)
    passage = (
        f"The {name} is a famous landmark in {city}, {country.removeprefix('the ')}. It was "
        f"built in {built} and is visited by about {visitors} million tourists a year."
    )
    return passage, f"is the {name.lower()} in {(country if truth else other).lower()}"


BOOLQ_MAKERS = [
    _boolq_animal,
    _boolq_club,
    _boolq_show,
    _boolq_sequel,
    _boolq_alive,
    _boolq_same,
    _boolq_capital,
    _boolq_age,
    _boolq_river,
    _boolq_brand,
    _boolq_landmark,
]


def make_boolq(rng: random.Random) -> dict:
    truth = rng.random() < 0.5
    make = rng.choice(BOOLQ_MAKERS)
    passage, question = make(rng, truth)
    return example({"passage": passage, "question": question}, str(truth), topic=make.__name__)


BOOLQ = task(
    "boolq",
    "Answer a yes/no question about a short passage (True or False, as in BoolQ).",
    make_boolq,
)

# --------------------------------------------------------------------------- legal

# (the two parties, names of their contract)
LEGAL_PARTIES = [
    (("the Licensor", "the Licensee"), ["this License Agreement", "this Agreement"]),
    (("Landlord", "Tenant"), ["this Lease", "the Lease"]),
    (("the Seller", "the Buyer"), ["this Purchase Agreement", "this Agreement"]),
    (("the Company", "the Consultant"), ["this Consulting Agreement", "this Agreement"]),
    (("Supplier", "Customer"), ["this Supply Agreement", "this Agreement", "this Contract"]),
    (("the Lender", "the Borrower"), ["this Loan Agreement", "this Agreement"]),
    (("the Employer", "the Employee"), ["this Employment Agreement", "this Agreement"]),
    (("the Distributor", "the Manufacturer"), ["this Distribution Agreement", "this Agreement"]),
    (("Provider", "Client"), ["the Services Agreement", "this Agreement", "this Contract"]),
]
US_STATES = phrases("Delaware | New York | California | Texas | Illinois | Florida | Massachusetts")
JURISDICTIONS = phrases(
    "England and Wales | the Province of Ontario | Singapore | the State of New York | "
    "the State of Delaware | Switzerland | the Commonwealth of Massachusetts"
)
NUMBER_WORDS = {
    5: "five",
    10: "ten",
    14: "fourteen",
    15: "fifteen",
    20: "twenty",
    30: "thirty",
    45: "forty-five",
    60: "sixty",
    90: "ninety",
    12: "twelve",
    24: "twenty-four",
    2: "two",
    3: "three",
    6: "six",
}

LEGAL_CLAUSES = {
    "notices": [
        "All notices under {agr} shall be in writing and shall be deemed given when delivered "
        "personally, sent by certified mail, or sent by email to the address set forth above.",
        "Any notice required or permitted to be given by either party shall be in writing and "
        "addressed to the other party at its principal place of business.",
        "Notices to {p} shall be sent to the attention of its General Counsel. A notice is "
        "effective {days} after it is mailed.",
        "Each party may change its address for notices by giving written notice of the new "
        "address to the other party.",
        "Any notice sent by registered mail shall be deemed received on the third business day "
        "after posting, and any notice sent by email on the day it is sent.",
    ],
    "governing-law": [
        "{agr} shall be governed by and construed in accordance with the laws of the State of "
        "{us_state}, without regard to its conflict of laws principles.",
        "The laws of {place} govern {agr} and all matters arising out of or relating to it.",
        "{agr} and any dispute or claim arising out of it shall be governed by the law of {place}.",
        "The validity, interpretation and performance of {agr} shall be governed by the laws of "
        "{place}.",
    ],
    "confidentiality": [
        "{p} shall hold all Confidential Information of {q} in strict confidence and shall not "
        "disclose it to any third party without the prior written consent of {q}.",
        "Each party agrees to keep the terms of {agr} confidential and to use the other party's "
        "confidential information only for the purposes of {agr}.",
        "The obligations of confidentiality in this Section shall survive for {years} after the "
        "termination of {agr}.",
        "{p} shall not, during or after the term of {agr}, disclose any trade secrets or "
        "proprietary information of {q}.",
        "{p} may disclose confidential information only to its employees who need to know it "
        "and who are bound by similar duties of secrecy.",
    ],
    "termination": [
        "Either party may terminate {agr} at any time upon {days} prior written notice to the "
        "other party.",
        "{p} may terminate {agr} immediately by written notice if {q} materially breaches {agr} "
        "and fails to cure the breach within {days}.",
        "{agr} shall terminate automatically if either party becomes insolvent or files for "
        "bankruptcy.",
        "Upon termination of {agr} for any reason, {q} shall promptly return all materials "
        "belonging to {p} and stop using them.",
        "{q} may end {agr} for convenience by giving {p} at least {days} written notice.",
    ],
    "indemnification": [
        "{p} shall indemnify, defend and hold harmless {q} and its officers, directors and "
        "employees from and against any and all claims, losses, damages and expenses arising "
        "out of a breach of {agr} by {p}.",
        "{p} agrees to indemnify {q} against all third-party claims resulting from the "
        "negligence or willful misconduct of {p}.",
        "Each party shall indemnify the other for any losses, including reasonable attorneys' "
        "fees, caused by its own breach of {agr}.",
        "{q} shall promptly notify {p} of any claim for which it seeks indemnification, and {p} "
        "shall control the defense of such claim.",
    ],
    "assignment": [
        "{p} may not assign or transfer {agr} or any of its rights or obligations hereunder "
        "without the prior written consent of {q}.",
        "Neither party may assign {agr}, in whole or in part, without the written consent of "
        "the other party, except to a successor in a merger or acquisition.",
        "{q} may not assign {agr} without consent. Any attempted assignment in violation of "
        "this Section shall be null and void.",
        "{q} may assign {agr} to any of its affiliates upon written notice to {p}.",
    ],
    "severability": [
        "If any provision of {agr} is held invalid or unenforceable by a court of competent "
        "jurisdiction, the remaining provisions shall continue in full force and effect.",
        "Should any term of {agr} be found illegal or unenforceable, that term shall be modified "
        "to the minimum extent necessary, and the rest of {agr} shall remain valid.",
        "The invalidity or unenforceability of any part of {agr} shall not affect the validity "
        "or enforceability of any other part.",
        "If a court finds any clause of {agr} unenforceable, that clause shall be severed and "
        "the remainder of {agr} shall be enforced.",
    ],
    "warranties": [
        "{p} warrants that the goods delivered under {agr} will be free from defects in "
        "materials and workmanship for a period of {months} from delivery.",
        "{p} represents and warrants that it has full power and authority to enter into and "
        "perform {agr}.",
        "{p} warrants that the services will be performed in a professional and workmanlike "
        "manner in accordance with generally accepted industry standards.",
        "EXCEPT AS EXPRESSLY SET FORTH HEREIN, {P} MAKES NO OTHER WARRANTIES, EXPRESS OR "
        "IMPLIED, INCLUDING ANY WARRANTY OF MERCHANTABILITY OR FITNESS FOR A PARTICULAR PURPOSE.",
        "{p} warrants that the software will perform substantially in accordance with its "
        "documentation for {days} after installation.",
    ],
    "force-majeure": [
        "Neither party shall be liable for any delay or failure to perform caused by events "
        "beyond its reasonable control, including acts of God, war, strikes, fire, flood or "
        "epidemic.",
        "If {p} is prevented from performing its obligations by a force majeure event, its "
        "performance shall be suspended for as long as the event continues.",
        "A party affected by an event beyond its reasonable control shall promptly notify the "
        "other party and use reasonable efforts to resume performance as soon as possible.",
        "Delays caused by natural disasters, government action, pandemics or labor disputes "
        "shall not be considered a breach of {agr} by {p}.",
    ],
    "entire-agreement": [
        "{agr} constitutes the entire agreement between the parties with respect to its subject "
        "matter and supersedes all prior agreements, proposals and understandings, whether "
        "written or oral.",
        "{agr}, together with its exhibits, contains the complete understanding of the parties "
        "and replaces all earlier negotiations and agreements between them.",
        "No representations, promises or agreements that are not expressly set forth in {agr} "
        "shall be binding on either party.",
        "The parties acknowledge that they have not relied on any statement or promise that is "
        "not contained in {agr}.",
    ],
    "payment": [
        "{p} shall pay all undisputed invoices within {days} of receipt. Late payments shall "
        "bear interest at the rate of {pct} percent per month.",
        "The fees set out in Schedule {letter} are payable by {p} monthly in advance.",
        "{p} shall pay {q} a fee of {amount} per year, payable in equal quarterly installments.",
        "All amounts due under {agr} shall be paid in US dollars by wire transfer to the bank "
        "account designated by {q}.",
        "If {p} fails to pay any amount when due, {q} may suspend its performance until payment "
        "is received in full.",
    ],
    "insurance": [
        "{p} shall maintain, at its own expense, commercial general liability insurance with "
        "limits of not less than {amount} per occurrence.",
        "During the term of {agr}, {p} shall carry workers' compensation insurance as required "
        "by law and shall name {q} as an additional insured on its liability policies.",
        "{p} shall provide {q} with certificates of insurance showing the required coverage "
        "within {days} of a request.",
        "{p} shall keep the premises insured against loss or damage by fire and other risks for "
        "their full replacement value.",
    ],
    "amendments": [
        "{agr} may be amended or modified only by a written instrument signed by authorized "
        "representatives of both parties.",
        "No amendment to {agr} shall be effective unless it is in writing and signed by each "
        "party.",
        "Any change to the terms of {agr} must be agreed in writing by {p} and {q}; oral "
        "modifications shall have no effect.",
        "{agr} may not be changed, waived or supplemented except by a written document signed "
        "by the party against which the change is to be enforced.",
    ],
    "counterparts": [
        "{agr} may be executed in counterparts, each of which shall be deemed an original, and "
        "all of which together shall constitute one and the same instrument.",
        "{agr} may be signed in any number of counterparts. Signatures delivered by facsimile "
        "or other electronic means shall be deemed original signatures.",
        "The parties may execute {agr} in separate counterparts, which together shall form a "
        "single agreement.",
        "Counterparts of {agr} that are signed and delivered as PDF files shall be as binding "
        "as the originals.",
    ],
}
LEGAL_LEADS = [
    "",
    "",
    "",
    "",
    "",
    "",
    "Except as otherwise provided herein, ",
    "Notwithstanding anything to the contrary, ",
    "Subject to Section {n}, ",
]


def _spelled(number: int, unit: str) -> str:
    """Contract style: "thirty (30) days"."""
    return f"{NUMBER_WORDS[number]} ({number}) {unit}"


def make_legal(rng: random.Random) -> dict:
    label = rng.choice(list(LEGAL_CLAUSES))
    (first, second), agreements = rng.choice(LEGAL_PARTIES)
    p, q = (first, second) if rng.random() < 0.5 else (second, first)
    template = rng.choice(LEGAL_CLAUSES[label])
    slots = {
        "p": p,
        "q": q,
        "P": p.upper(),
        "agr": rng.choice(agreements),
        "us_state": rng.choice(US_STATES),
        "place": rng.choice(JURISDICTIONS),
        "days": _spelled(rng.choice([5, 10, 14, 15, 20, 30, 45, 60, 90]), "days"),
        "months": _spelled(rng.choice([3, 6, 12, 24]), "months"),
        "years": _spelled(rng.choice([2, 3, 5]), "years"),
        "pct": rng.choice(["one", "one and one-half", "two"]),
        "letter": rng.choice("ABCD"),
        "amount": f"${rng.choice([1, 2, 5, 10])},000,000"
        if "insurance" in label
        else f"${rng.randint(2, 90) * 1000:,}",
        "n": f"{rng.randint(2, 14)}.{rng.randint(1, 9)}",
    }
    # a lead-in only before a clause that opens on a party or the agreement's name
    lead = rng.choice(LEGAL_LEADS).format(**slots) if template[:3] in ("{p}", "{q}", "{ag") else ""
    clause = lead + template.format(**slots)
    if rng.random() < 0.2:  # a section number, as clauses are often quoted
        clause = f"{rng.randint(2, 19)}.{rng.randint(1, 9)} {capitalise(clause)}"
    return example({"clause_text": capitalise(clause)}, label, template=template)


LEGAL = task(
    "legal",
    "Name the type of a contract clause in one word, such as governing-law, termination or "
    "confidentiality.",
    make_legal,
)
