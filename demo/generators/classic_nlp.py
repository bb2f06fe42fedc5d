"""Classic NLP tasks in the LoRA Land report's own formats: entity extraction (conllpp,
bc5cdr), data-to-text (e2e_nlg, viggo, webnlg) and news headline / body writing
(tldr_headline_gen, tldr_content_gen).

Every example maker draws from broad pools of real-looking names, organisations, places,
drugs, diseases, games and restaurants and from many sentence frames, so that what a small
model learns is the task itself (copy the entities, verbalise every attribute, write about
the headline's own subject) rather than a handful of fixed sentences.

Long on purpose: most of it is word pools and sentence frames, data that reads best beside
the example makers that draw from them.
"""

from __future__ import annotations

import json
import random
import re

from .base import example, task
from .vocab import a_an, capitalise, coined_word, join_and, phrases, words

# =========================================================================== shared pools

FIRST_NAMES = words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa "
    "Anthony Betty Mark Helen Paul Sandra Steven Donna Andrew Carol Kevin Sharon Brian "
    "Michelle George Laura Edward Emily Ronald Kimberly Timothy Deborah Jason Angela Jeffrey "
    "Melissa Ryan Rebecca Jacob Stephanie Gary Anna Nicholas Rachel Eric Catherine Jonathan "
    "Heather Stephen Diane Justin Joyce Scott Victoria Frank Kelly Benjamin Christina Gregory "
    "Lauren Samuel Joan Raymond Evelyn Patrick Olivia Alexander Judith Henry Megan Peter "
    "Hannah Adam Gloria Nathan Alice Walter Grace Simon Julia Roger Diana Ahmed Mohammed "
    "Fatima Aisha Yuki Hiroshi Kenji Akiko Wei Mei Jun Priya Rahul Arjun Sanjay Deepa Anil "
    "Olga Ivan Dmitri Sergei Natasha Boris Hans Klaus Ingrid Sven Lars Astrid Pierre Francois "
    "Marcel Sophie Giovanni Marco Luca Giulia Alessandro Carlos Juan Miguel Pablo Lucia Javier "
    "Diego Mateo Joao Pedro Ana Kwame Kofi Amara Chinedu Ngozi Tariq Omar Yusuf Leila Hassan "
    "Mustafa Emre Mehmet Aylin Jakub Piotr Katarzyna Tomasz Pavel Dirk Pieter Wim Erik Nils "
    "Mikko Aino Sione Tane Aroha Mateus Camila Valentina Santiago Ines Nadia Rania Karim"
)
LAST_NAMES = words(
    "Smith Johnson Williams Brown Miller Wilson Moore Taylor Anderson Thomas Harris Martin "
    "Thompson Clark Lewis Walker Hall Allen Young Wright Scott Green Baker Adams Nelson Hill "
    "Campbell Mitchell Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart "
    "Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox "
    "Richardson Wood Watson Brooks Bennett Gray Hughes Price Sanders Myers Long Ross Foster "
    "Garcia Martinez Rodriguez Lopez Hernandez Gonzalez Perez Sanchez Ramirez Torres Flores "
    "Rivera Gomez Diaz Morales Ortiz Gutierrez Chavez Ramos Ruiz Alvarez Mendoza Castillo "
    "Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schulz Koch Richter "
    "Dubois Moreau Laurent Lefebvre Girard Bonnet Fontaine Rossi Russo Ferrari Esposito "
    "Bianchi Romano Colombo Ricci Marino Greco Novak Kowalski Nowak Wisniewski Horvat Kovacs "
    "Nagy Szabo Petrov Ivanov Smirnov Popov Volkov Sokolov Jensen Nielsen Hansen Larsen "
    "Andersen Johansson Lindqvist Eriksson Virtanen Korhonen Tanaka Suzuki Watanabe Sato "
    "Yamamoto Nakamura Kobayashi Chen Wang Zhang Liu Huang Zhao Kim Park Choi Nguyen Tran "
    "Pham Patel Sharma Singh Gupta Kumar Mehta Reddy Iyer Okafor Adeyemi Mensah Okonkwo "
    "Kamau Otieno Haddad Khalil Nasser Mansour Aziz Yilmaz Demir Kaya Celik Silva Santos "
    "Oliveira Souza Pereira Costa Ferreira Almeida Janssen Visser Bakker Peeters Fitzgerald "
    "Brennan Gallagher Doyle Walsh OBrien Byrne McCarthy Donovan"
)
# Many cities, no city that is also a common first or last name (no Jordan, Washington...).
CITIES = words(
    "London Paris Berlin Madrid Rome Vienna Prague Warsaw Lisbon Dublin Oslo Stockholm "
    "Helsinki Copenhagen Athens Budapest Bucharest Sofia Belgrade Zagreb Brussels Amsterdam "
    "Rotterdam Geneva Zurich Munich Hamburg Frankfurt Cologne Milan Naples Turin Florence "
    "Barcelona Seville Valencia Marseille Lyon Toulouse Porto Krakow Gdansk Riga Vilnius "
    "Tallinn Kiev Minsk Moscow Istanbul Ankara Cairo Casablanca Tunis Algiers Lagos Accra "
    "Nairobi Addis Ababa Kampala Dakar Johannesburg Cape Town Durban Harare Lusaka Tokyo "
    "Osaka Kyoto Seoul Busan Beijing Shanghai Shenzhen Guangzhou Taipei Manila Jakarta Hanoi "
    "Bangkok Singapore Kuala Lumpur Mumbai Delhi Bangalore Chennai Kolkata Karachi Lahore "
    "Dhaka Colombo Kathmandu Tehran Baghdad Riyadh Dubai Doha Beirut Damascus Amman "
    "Jerusalem Sydney Melbourne Brisbane Perth Auckland Wellington Toronto Montreal "
    "Vancouver Ottawa Chicago Boston Denver Seattle Atlanta Houston Dallas Miami Phoenix "
    "Detroit Philadelphia Mexico City Havana Lima Bogota Quito Caracas Santiago Buenos Aires "
    "Montevideo Sao Paulo Rio de Janeiro Brasilia"
)
# Restore the multi-word cities split by words() above.
CITIES = phrases(
    " | ".join(CITIES)
    .replace("Addis | Ababa", "Addis Ababa")
    .replace("Cape | Town", "Cape Town")
    .replace("Kuala | Lumpur", "Kuala Lumpur")
    .replace("Mexico | City", "Mexico City")
    .replace("Buenos | Aires", "Buenos Aires")
    .replace("Sao | Paulo", "Sao Paulo")
    .replace("Rio | de | Janeiro", "Rio de Janeiro")
)
COUNTRIES = phrases(
    "France | Germany | Spain | Italy | Austria | Poland | Portugal | Ireland | Norway | "
    "Sweden | Finland | Denmark | Greece | Hungary | Romania | Bulgaria | Serbia | Croatia | "
    "Belgium | Switzerland | Russia | Ukraine | Belarus | Turkey | Egypt | Morocco | Tunisia | "
    "Algeria | Nigeria | Ghana | Kenya | Ethiopia | Uganda | Senegal | South Africa | "
    "Zimbabwe | Zambia | Japan | China | South Korea | Taiwan | Vietnam | Thailand | "
    "Malaysia | Indonesia | India | Pakistan | Bangladesh | Sri Lanka | Nepal | Iran | Iraq | "
    "Saudi Arabia | Qatar | Lebanon | Syria | Israel | Australia | New Zealand | Canada | "
    "Mexico | Cuba | Peru | Colombia | Ecuador | Venezuela | Chile | Argentina | Uruguay | "
    "Brazil | Bolivia | Paraguay | Iceland | Estonia | Latvia | Lithuania | Slovakia | "
    "Slovenia | Albania | Cyprus | Malta | Luxembourg | Scotland | Wales | England"
)
# Places that take "the"; the entity itself is written without it.
THE_COUNTRIES = phrases(
    "the United States | the Netherlands | the Philippines | the Czech Republic | "
    "the United Arab Emirates | the Dominican Republic | the Ivory Coast"
)
REGIONS = phrases(
    "California | Texas | Florida | Bavaria | Catalonia | Andalusia | Tuscany | Sicily | "
    "Sardinia | Corsica | Normandy | Brittany | Provence | Flanders | Wallonia | Silesia | "
    "Transylvania | Siberia | Chechnya | Kashmir | Punjab | Bengal | Kerala | Tibet | "
    "Xinjiang | Mindanao | Sumatra | Borneo | Queensland | Tasmania | Ontario | Quebec | "
    "Alberta | Patagonia | Kurdistan | Darfur | Galicia | Lapland | Yorkshire | Cornwall | "
    "Ulster | Kosovo | Crimea | Anatolia | Hokkaido | Okinawa | Bosnia | Lombardy"
)
THE_REGIONS = phrases(
    "the Balkans | the Middle East | the Caucasus | the Alps | the Sahara | the Gaza Strip | "
    "the West Bank | the Amazon | the Rhine valley | the Mekong Delta | the Gulf"
)
NATIONALITIES = words(
    "American British French German Spanish Italian Austrian Polish Portuguese Irish "
    "Norwegian Swedish Finnish Danish Greek Hungarian Romanian Bulgarian Serbian Croatian "
    "Belgian Swiss Dutch Russian Ukrainian Turkish Egyptian Moroccan Nigerian Ghanaian "
    "Kenyan Ethiopian Senegalese Japanese Chinese Korean Taiwanese Vietnamese Thai "
    "Malaysian Indonesian Indian Pakistani Iranian Iraqi Saudi Lebanese Syrian Israeli "
    "Palestinian Australian Canadian Mexican Cuban Peruvian Colombian Chilean Argentine "
    "Brazilian Scottish Welsh English European African Asian Arab Latin Scandinavian"
)
LANGUAGES = words(
    "English French German Spanish Italian Portuguese Russian Arabic Mandarin Cantonese "
    "Japanese Korean Hindi Urdu Bengali Swahili Turkish Polish Dutch Greek Hebrew Persian "
    "Catalan Basque Welsh Tamil"
)
RELIGIONS = words("Muslim Christian Catholic Protestant Buddhist Hindu Jewish Sikh Orthodox")
COMPANIES = phrases(
    "Microsoft | Apple | Google | Amazon | IBM | Intel | Siemens | Volkswagen | Toyota | "
    "Honda | Sony | Samsung | Nokia | Ericsson | Philips | Unilever | Nestle | Shell | BP | "
    "Exxon | Chevron | Gazprom | TotalEnergies | Renault | Fiat | Daimler | BMW | Boeing | "
    "Airbus | Lufthansa | British Airways | Air France | Ryanair | Barclays | HSBC | "
    "Deutsche Bank | Commerzbank | UBS | Goldman Sachs | Morgan Stanley | Citigroup | Walmart | "
    "Tesco | Carrefour | Ikea | Adidas | Nike | Puma | Coca-Cola | PepsiCo | Vodafone | "
    "Telefonica | Deutsche Telekom | Alcatel | Bayer | BASF | Novartis | Roche | Pfizer | "
    "GlaxoSmithKline | AstraZeneca | Sanofi | Rio Tinto | Glencore | ArcelorMittal | "
    "Tata Steel | Infosys | Reliance Industries | Alibaba | Tencent | Baidu | Huawei | Lenovo | "
    "Xiaomi | Hyundai | Panasonic | Hitachi | Toshiba | Nissan | Mitsubishi | Petrobras | "
    "Embraer | Netflix | Spotify | Uber | Airbnb | Tesla | Nvidia | Oracle | SAP | Cisco | "
    "PayPal | Heineken | Carlsberg | Danone | Maersk | Volvo | Scania | Statoil | Eni | Enel | "
    "Iberdrola | Santander | BBVA | ING | Rabobank | Allianz | Generali | Zurich Insurance"
)
NEWS_AGENCIES = phrases(
    "Reuters | Bloomberg | AFP | Interfax | Xinhua | Kyodo | Itar-Tass | Al Jazeera | CNN | "
    "the BBC | the Associated Press | the New York Times | the Financial Times | Le Monde | "
    "Der Spiegel | El Pais | the Guardian | the Washington Post | Yonhap | Anadolu"
)
INSTITUTIONS = phrases(
    "the United Nations | the European Union | the European Commission | the World Bank | "
    "the International Monetary Fund | the Federal Reserve | the Bank of England | "
    "the European Central Bank | the World Health Organization | the Red Cross | NATO | "
    "OPEC | the Bundesbank | the Security Council | the Supreme Court | the Senate | "
    "the Labour Party | the Conservative Party | the Social Democrats | the Green Party | "
    "the Democratic Party | the Republican Party | Greenpeace | Amnesty International | "
    "Oxfam | Human Rights Watch | the African Union | the Arab League | ASEAN | Interpol | "
    "the FBI | the CIA | Scotland Yard | the World Trade Organization | the Council of Europe | "
    "Medecins Sans Frontieres | UNICEF | the Bank of Japan | the Election Commission"
)
SPORT_BODIES = phrases(
    "FIFA | UEFA | the International Olympic Committee | the IAAF | the ATP | the NBA | "
    "the Football Association | the International Cricket Council | World Rugby | the FIA"
)
UNIVERSITIES = phrases(
    "Oxford University | Cambridge University | Harvard University | Stanford University | "
    "Yale University | Princeton University | the University of Tokyo | Peking University | "
    "the Sorbonne | Heidelberg University | the Karolinska Institute | ETH Zurich | "
    "McGill University | the University of Cape Town | Imperial College London | "
    "the Massachusetts Institute of Technology | Columbia University | Leiden University"
)
CLUBS = phrases(
    "Manchester United | Real Madrid | Bayern Munich | Juventus | AC Milan | Inter Milan | "
    "Ajax | PSV Eindhoven | Feyenoord | Celtic | Rangers | Arsenal | Chelsea | Tottenham | "
    "Everton | Benfica | Sporting Lisbon | Galatasaray | Fenerbahce | Borussia Dortmund | "
    "Schalke | Lazio | Atletico Madrid | Anderlecht | Olympiakos | Panathinaikos | "
    "Dynamo Kiev | Spartak Moscow | Paris Saint-Germain | Boca Juniors | River Plate | "
    "Flamengo | Red Star Belgrade | Aston Villa | Newcastle United | Werder Bremen | "
    "Hertha Berlin | Real Sociedad | Athletic Bilbao | Standard Liege | Club Brugge"
)
EVENTS = phrases(
    "World Cup | Olympic Games | Olympics | Tour de France | US Open | French Open | "
    "Australian Open | Davis Cup | Ryder Cup | Champions League | Europa League | Super Bowl | "
    "Commonwealth Games | Asian Games | Africa Cup of Nations | Copa America | Six Nations | "
    "Premier League | Bundesliga | Serie A | European Championship | Giro d'Italia | "
    "Monaco Grand Prix | Cannes Film Festival | Eurovision Song Contest | Paralympics | "
    "World Economic Forum | Chelsea Flower Show | Edinburgh Festival | Venice Biennale"
)
AWARDS = phrases(
    "Nobel Peace Prize | Nobel Prize in Literature | Booker Prize | Pulitzer Prize | "
    "Golden Globe | Oscar | Grammy | Palme d'Or | Golden Bear | Turner Prize | Ballon d'Or"
)
TITLES = phrases(
    "President | Prime Minister | Foreign Minister | Finance Minister | Chancellor | "
    "Defence Minister | Senator | Governor | Mayor | General | Archbishop | Judge"
)
MONTHS = words(
    "January February March April May June July August September October November December"
)
WEEKDAYS = words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")


def _full_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _pick_distinct(rng: random.Random, pool: list[str], taken: set[str]) -> str:
    """A random member of `pool` not yet in `taken` (any member when all are taken)."""
    value = rng.choice(pool)
    for _ in range(20):
        if value not in taken:
            break
        value = rng.choice(pool)
    taken.add(value)
    return value


def _strip_the(text: str) -> str:
    return text[4:] if text.startswith("the ") else text


# =========================================================================== conllpp

CONLL_KEYS = ("person", "organization", "location", "miscellaneous")


def _conll_pool(slot: str, rng: random.Random) -> list[str]:
    if slot == "CTRY":
        return COUNTRIES if rng.random() < 0.85 else THE_COUNTRIES
    if slot == "REG":
        return REGIONS if rng.random() < 0.8 else THE_REGIONS
    return {
        "COMP": COMPANIES,
        "INST": INSTITUTIONS,
        "SPORTORG": SPORT_BODIES,
        "UNIV": UNIVERSITIES,
        "CLUB": CLUBS,
        "NEWS": NEWS_AGENCIES,
        "CITY": CITIES,
        "NAT": NATIONALITIES,
        "EVENT": EVENTS,
        "AWARD": AWARDS,
        "LANG": LANGUAGES,
        "REL": RELIGIONS,
        "SUR": LAST_NAMES,
        "TITLE": TITLES,
        "DAY": WEEKDAYS,
        "MONTH": MONTHS,
    }[slot]


# Slot -> entity category (slots not listed fill in non-entity text such as days or numbers).
CONLL_CATEGORY = {
    "PER": "person",
    "SUR": "person",
    "COMP": "organization",
    "INST": "organization",
    "SPORTORG": "organization",
    "UNIV": "organization",
    "CLUB": "organization",
    "NEWS": "organization",
    "CITY": "location",
    "CTRY": "location",
    "REG": "location",
    "NAT": "miscellaneous",
    "EVENT": "miscellaneous",
    "AWARD": "miscellaneous",
    "LANG": "miscellaneous",
    "REL": "miscellaneous",
}


def _conll_filler(slot: str, rng: random.Random, taken: set[str]) -> str:
    if slot == "PER":
        for _ in range(20):
            name = _full_name(rng)
            if name not in taken:
                break
        taken.add(name)
        return name
    if slot == "NUM":
        return str(rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 17, 20, 23, 30, 45]))
    if slot == "BIG":
        return rng.choice(["1,200", "2,500", "3,000", "4,800", "500", "800", "12,000", "650"])
    if slot == "PCT":
        return rng.choice(["1.5", "2", "3.2", "4", "5.7", "8", "11", "12.5", "15", "0.8", "22"])
    if slot == "AMOUNT":
        return rng.choice(
            [
                "$1.2 billion",
                "$450 million",
                "2.1 billion euros",
                "$780 million",
                "300 million pounds",
                "$3.4 billion",
                "90 million francs",
            ]
        )
    if slot == "PRICE":
        return f"{rng.randint(12, 480)}.{rng.randint(0, 9)}{rng.randint(0, 9)}"
    if slot == "SCORE":
        return rng.choice(["1-0", "2-1", "3-1", "2-0", "3-2", "4-1", "1-1", "2-2", "0-0", "4-2"])
    if slot == "SETS":
        return rng.choice(["6-4 6-3", "7-5 6-2", "6-3 3-6 6-4", "6-2 6-1", "7-6 6-4"])
    if slot == "TIME":
        return f"{rng.randint(9, 10)}.{rng.randint(10, 99)}"
    if slot == "YEAR":
        return str(rng.randint(1990, 2026))
    if slot == "AGE":
        return str(rng.randint(19, 91))
    if slot == "ORD":
        return rng.choice(["second", "third", "fifth", "eighth", "12th", "15th", "17th", "21st"])
    if slot == "MIN":
        return str(rng.randint(3, 89))
    return _pick_distinct(rng, _conll_pool(slot, rng), taken)


CONLL_PATTERNS = phrases(
    # politics and diplomacy
    "[TITLE] [PER] arrived in [CITY] on [DAY] for talks with [NAT] leaders. | "
    "[CTRY] and [CTRY] agreed on [DAY] to resume peace talks next month. | "
    "[PER], the [NAT] foreign minister, said the talks in [CITY] had been useful. | "
    "[INST] called on [CTRY] to release the prisoners before the end of [MONTH]. | "
    "Thousands of people marched through [CITY] on [DAY] to protest against the new tax. | "
    "[SUR] told reporters that the government would not change its policy. | "
    "Opposition leader [PER] accused the government of ignoring the crisis in [REG]. | "
    "[NAT] troops crossed the border into [CTRY] early on [DAY], officials said. | "
    "The vote in parliament was delayed until next week. | "
    "[PER] will visit [CTRY], [CTRY] and [CTRY] next month, the foreign ministry said. | "
    "Speaking in [LANG], [PER] thanked voters in [REG] for their support. | "
    "[INST] said on [DAY] it had sent a team of observers to [CTRY]. | "
    "[PER] was elected mayor of [CITY] with [PCT] percent of the vote. | "
    "Officials from [INST] and [INST] met in [CITY] to discuss the plan. | "
    "The [NAT] president, [PER], rejected the proposal as unacceptable. | "
    "Prime Minister [PER] faces a confidence vote in parliament on [DAY]. | "
    "[INST] expressed concern about the fighting in [REG]. | "
    "[PER] is expected to announce on [DAY] whether [CTRY] will join [INST]. | "
    "In [CITY], the [NAT] embassy said it had no information about the missing tourists. | "
    "Asked about the [NAT] proposal, [SUR] said it was too early to comment. | "
    "Turnout was low in most areas, election officials said. | "
    "[NUM] [NAT] tourists were among the injured, the foreign ministry in [CITY] said. | "
    '[SUR] said: "We will not accept any conditions from [CTRY]." | '
    "The [REL] community in [REG] has asked [INST] for protection. | "
    # business
    "[COMP] said on [DAY] it would cut [BIG] jobs at its plants in [CTRY]. | "
    "Shares in [COMP] rose [PCT] percent in [CITY] after the company reported higher "
    "profits. | "
    "[COMP] agreed to buy [NAT] rival [COMP] for [AMOUNT]. | "
    "[PER], chief executive of [COMP], said demand in [CTRY] remained strong. | "
    "[INST] left interest rates unchanged on [DAY], as expected. | "
    "[COMP] shares closed [NUM] cents lower at [PRICE] in [CITY] trading. | "
    "Analysts at [COMP] expect the [NAT] economy to grow by [PCT] percent this year. | "
    "[COMP] and [COMP] are in talks to merge their mobile businesses, sources told [NEWS]. | "
    "Oil prices fell sharply on [DAY] after [INST] failed to agree on output cuts. | "
    "The dollar rose against the yen in early trading on [DAY]. | "
    "[COMP] will open its first store in [CITY] in [MONTH], a spokeswoman said. | "
    "Profits at the [NAT] group [COMP] fell [PCT] percent in the third quarter. | "
    "[PER] has been appointed finance director of [COMP], the company said on [DAY]. | "
    "[INST] has fined [COMP] [AMOUNT] for breaking competition rules. | "
    "[COMP], based in [CITY], makes parts for the [NAT] car industry. | "
    "[COMP] said it had won a contract to build a power station near [CITY]. | "
    "Sales at [COMP] in [CTRY] rose [PCT] percent in [MONTH]. | "
    "[CTRY]'s central bank cut its main interest rate by a quarter point on [DAY]. | "
    "Trading was thin ahead of the holiday, dealers said. | "
    "The index closed [NUM] points lower on [DAY]. | "
    # sport
    "[PER] scored twice as [CLUB] beat [CLUB] [SCORE] on [DAY]. | "
    "[CLUB] coach [PER] said his side deserved to win the match in [CITY]. | "
    "[PER] of [CTRY] won the men's 100 metres in [TIME] seconds. | "
    "[NAT] striker [PER] has signed a three-year contract with [CLUB]. | "
    "[PER] beat [PER] [SETS] to reach the quarter-finals of the [EVENT]. | "
    "[CTRY] will host the [EVENT] in [YEAR], [SPORTORG] announced on [DAY]. | "
    "[PER] finished [NUM] seconds ahead of [PER] to win the [ORD] stage of the [EVENT]. | "
    "[CLUB] were held to a goalless draw by [CLUB] in the [EVENT]. | "
    "[PER] ([CTRY]) [TIME] | "
    "[CLUB] [NUM] [CLUB] [NUM] | "
    "The match was abandoned because of heavy rain. | "
    "[SUR], who missed the [EVENT] through injury, returned to the side on [DAY]. | "
    "[PER] was named [NAT] player of the year on [DAY]. | "
    "[CLUB] striker [SUR] was sent off after [MIN] minutes. | "
    "[CTRY] beat [CTRY] [SCORE] in a friendly international in [CITY] on [DAY]. | "
    "[PER] and [PER] have both been named in the [NAT] squad for the [EVENT]. | "
    "[PER] and [PER] will meet in the final of the [EVENT] on [DAY]. | "
    "[SUR]'s goal in the [MIN]th minute gave [CLUB] a [SCORE] win over [CLUB]. | "
    "[SPORTORG] banned [PER] for [NUM] matches after the incident in [CITY]. | "
    "The [EVENT] will be held in [CITY] in [MONTH] [YEAR]. | "
    # crime, disasters and general news
    "Police in [CITY] arrested [NUM] people on [DAY] after clashes near the stadium. | "
    "A court in [CITY] sentenced [PER] to [NUM] years in prison for fraud. | "
    "[NUM] people were killed when a bus plunged into a river in [REG], police said. | "
    "Heavy snow closed roads across [REG] and parts of [CTRY] on [DAY]. | "
    "An earthquake shook [REG] on [DAY], but there were no reports of damage. | "
    "[PER], a [AGE]-year-old teacher from [CITY], was rescued after two days. | "
    "[INST] said it would send aid to flood victims in [CTRY]. | "
    "[NEWS] reported that [NUM] people had been injured in the blast. | "
    "[NEWS] could not immediately confirm the report. | "
    "Flights between [CITY] and [CITY] were cancelled on [DAY] because of fog. | "
    "The river burst its banks, flooding [NUM] villages. | "
    "Rescue teams from [CTRY] and [INST] arrived in [CITY] on [DAY]. | "
    "Firefighters battled the blaze for [NUM] hours before bringing it under control. | "
    # culture and science
    "[PER] won the [AWARD] for a novel about life in [CITY]. | "
    "The film, shot in [LANG] and [LANG], opens in [CITY] on [DAY]. | "
    "Scientists at [UNIV] said on [DAY] they had found a new way to treat malaria. | "
    "[PER], the [NAT] conductor, will lead the orchestra's tour of [CTRY]. | "
    "More than [BIG] fans attended the concert in [CITY] on [DAY]. | "
    "[NAT] and [NAT] officials signed the agreement in [CITY] on [DAY]. | "
    "[PER], who speaks fluent [LANG], has lived in [CITY] since [YEAR]. | "
    "[UNIV] researcher [PER] said the results were encouraging. | "
    "The [NAT] writer [PER] died in [CITY] on [DAY] at the age of [AGE]. | "
    "[PER] will present the new exhibition at the [EVENT] in [MONTH]. | "
    "The museum will reopen to the public in [MONTH] after two years of work."
)

_CONLL_SLOT = re.compile(r"\[([A-Z]+)\]")


def _conll_tokenise(text: str) -> str:
    """CoNLL-2003 style spacing for literal text: punctuation and 's split off."""
    text = re.sub(r"'s\b", " 's", text)
    text = re.sub(r'([,.;:?!()"])', r" \1 ", text)
    return text


def make_conllpp(rng: random.Random) -> dict:
    pattern = rng.choice(CONLL_PATTERNS)
    conll_style = rng.random() < 0.5
    taken: set[str] = set()
    found: list[tuple[str, str]] = []
    parts: list[str] = []
    pos = 0
    for match in _CONLL_SLOT.finditer(pattern):
        literal = pattern[pos : match.start()]
        parts.append(_conll_tokenise(literal) if conll_style else literal)
        slot = match.group(1)
        shown = _conll_filler(slot, rng, taken)
        if match.start() == 0:
            shown = capitalise(shown)
        if slot in CONLL_CATEGORY:
            found.append((CONLL_CATEGORY[slot], _strip_the(_strip_the_cap(shown))))
        parts.append(shown)
        pos = match.end()
    tail = pattern[pos:]
    parts.append(_conll_tokenise(tail) if conll_style else tail)
    sentence = re.sub(r" {2,}", " ", "".join(parts)).strip()
    entities: dict[str, list[str]] = {key: [] for key in CONLL_KEYS}
    for category, entity in found:
        if entity not in entities[category]:
            entities[category].append(entity)
    return example({"input": sentence}, json.dumps(entities))


def _strip_the_cap(text: str) -> str:
    return text[4:] if text.startswith("The ") else text


CONLLPP = task(
    "conllpp",
    "Find the people, organisations, places and other names in a news sentence, as JSON.",
    make_conllpp,
)

# =========================================================================== bc5cdr

# Mentions are written as their tokens (as in tner/bc5cdr: hyphens and apostrophes split off).
CHEMICALS = phrases(
    "cisplatin | lidocaine | haloperidol | cocaine | morphine | dopamine | heparin | warfarin | "
    "lithium | methotrexate | doxorubicin | nicotine | caffeine | ketamine | tamoxifen | "
    "phenytoin | amiodarone | propranolol | captopril | furosemide | cyclosporine | "
    "gentamicin | isoniazid | levodopa | valproate | carbamazepine | digoxin | clozapine | "
    "nifedipine | verapamil | aspirin | ibuprofen | paracetamol | acetaminophen | "
    "streptozotocin | puromycin | bupivacaine | fluoxetine | diazepam | naloxone | clonidine | "
    "metformin | insulin | prednisone | dexamethasone | hydrocortisone | amphotericin | "
    "vancomycin | ciprofloxacin | amoxicillin | penicillin | tetracycline | rifampicin | "
    "ethambutol | zidovudine | acyclovir | ganciclovir | quinine | chloroquine | mefloquine | "
    "ribavirin | interferon | tacrolimus | sirolimus | azathioprine | cyclophosphamide | "
    "ifosfamide | vincristine | paclitaxel | docetaxel | etoposide | bleomycin | oxaliplatin | "
    "carboplatin | gemcitabine | irinotecan | imatinib | thalidomide | risperidone | "
    "olanzapine | quetiapine | sertraline | paroxetine | citalopram | amitriptyline | "
    "imipramine | desipramine | clomipramine | venlafaxine | bupropion | buspirone | "
    "lorazepam | midazolam | alprazolam | phenobarbital | pentobarbital | propofol | "
    "sevoflurane | isoflurane | halothane | fentanyl | tramadol | oxycodone | methadone | "
    "buprenorphine | heroin | amphetamine | methamphetamine | ephedrine | epinephrine | "
    "norepinephrine | isoproterenol | atropine | scopolamine | physostigmine | pilocarpine | "
    "reserpine | apomorphine | bromocriptine | pergolide | selegiline | rotenone | "
    "kainate | pilocarpine | pentylenetetrazol | estrogen | progesterone | testosterone | "
    "cortisol | glucose | creatinine | potassium | sodium | calcium | magnesium | cholesterol | "
    "ethanol | alcohol | simvastatin | atorvastatin | enalapril | losartan | metoprolol | "
    "atenolol | labetalol | hydralazine | nitroglycerin | adenosine | dobutamine | "
    "nitric oxide | valproic acid | retinoic acid | folic acid | arachidonic acid | "
    "magnesium sulfate | sodium chloride | lithium carbonate | carbon monoxide | "
    "hydrogen peroxide | ethylene glycol | vitamin D | vitamin A | angiotensin II | "
    "5 - fluorouracil | 6 - hydroxydopamine | all - trans retinoic acid | "
    "gamma - aminobutyric acid | N - methyl - D - aspartate | cis - platinum | "
    "L - dopa | D - penicillamine | 3 , 4 - methylenedioxymethamphetamine | "
    "tranexamic acid | mycophenolate mofetil | zoledronic acid | interleukin - 2 | "
    "oral contraceptives | botulinum toxin"
)
DISEASES = phrases(
    "hypertension | nephrotoxicity | seizures | cardiotoxicity | hepatitis | arrhythmia | "
    "bradycardia | hypotension | proteinuria | neutropenia | catalepsy | dyskinesia | "
    "delirium | headache | psychosis | ototoxicity | anemia | thrombocytopenia | diabetes | "
    "hyperkalemia | depression | epilepsy | cardiomyopathy | hepatotoxicity | convulsions | "
    "agranulocytosis | akathisia | mania | nausea | tachycardia | edema | stroke | pain | "
    "hyperalgesia | nephritis | pancreatitis | rhabdomyolysis | myopathy | neuropathy | "
    "hallucinations | amnesia | dementia | schizophrenia | anxiety | insomnia | fever | "
    "vomiting | diarrhea | rash | ischemia | thrombosis | hemorrhage | cirrhosis | jaundice | "
    "cholestasis | leukemia | lymphoma | melanoma | sarcoma | glaucoma | cataract | "
    "asthma | bronchospasm | pneumonitis | fibrosis | osteoporosis | obesity | hypoglycemia | "
    "hyperglycemia | hyponatremia | hypokalemia | acidosis | tremor | ataxia | dystonia | "
    "parkinsonism | encephalopathy | coma | apnea | syncope | angina | infarction | "
    "fatigue | confusion | agitation | hepatomegaly | nephrolithiasis | urticaria | "
    "myocardial infarction | renal failure | acute renal failure | liver injury | "
    "liver damage | heart failure | congestive heart failure | tardive dyskinesia | "
    "ventricular tachycardia | ventricular fibrillation | atrial fibrillation | "
    "pulmonary fibrosis | pulmonary hypertension | pulmonary embolism | deep vein thrombosis | "
    "neuroleptic malignant syndrome | serotonin syndrome | Stevens - Johnson syndrome | "
    "toxic epidermal necrolysis | Parkinson ' s disease | Alzheimer ' s disease | "
    "Huntington ' s disease | chronic kidney disease | breast cancer | lung cancer | "
    "prostate cancer | bladder cancer | ovarian cancer | hepatocellular carcinoma | "
    "status epilepticus | memory impairment | cognitive impairment | weight gain | "
    "hearing loss | visual disturbances | cardiac arrest | cardiac asystole | "
    "QT prolongation | torsade de pointes | hemolytic anemia | aplastic anemia | "
    "interstitial nephritis | acute liver failure | tubular necrosis | "
    "orthostatic hypotension | postural hypotension | intracranial hemorrhage | "
    "major depression | bipolar disorder | panic disorder | type 2 diabetes | "
    "rheumatoid arthritis | multiple sclerosis | HIV infection | spinal cord injury | "
    "erectile dysfunction | peptic ulcer | gastrointestinal bleeding | sudden death"
)
SPECIES = phrases("rats | mice | rabbits | dogs | guinea pigs | monkeys | cats | hamsters")
DOSES = phrases(
    "10 mg / kg | 5 mg / kg / day | 200 mg | 0.5 mg / kg | 1 mg / kg | 50 mg / day | "
    "20 mg | 100 mg / kg | 2.5 mg / kg | 300 mg / m2 | 1 g / day"
)

# [C] chemical, [D] disease; other slots are ordinary tokens.
BC5CDR_PATTERNS = phrases(
    "[C] - induced [D] in [SP] . | "
    "[C] - induced [D] : a case report . | "
    "A case of [D] associated with [C] therapy is described . | "
    "[N] patients receiving [C] developed [D] . | "
    "The incidence of [D] was significantly higher in the [C] group than in the placebo "
    "group . | "
    "[C] did not prevent [D] in patients with [D] . | "
    "We investigated the effects of [C] on [D] in [SP] . | "
    "[D] is a rare but serious adverse effect of [C] . | "
    "Pretreatment with [C] attenuated [C] - induced [D] . | "
    "Plasma concentrations of [C] were measured in [N] children with [D] . | "
    "Long - term treatment with [C] was associated with [D] and [D] . | "
    "These results suggest that [C] may be useful in the treatment of [D] . | "
    "[D] developed in [N] of [N2] patients treated with high doses of [C] . | "
    "The combination of [C] and [C] caused severe [D] in [N] patients . | "
    "[C] ( [DOSE] ) produced [D] in all [SP] tested . | "
    "Withdrawal of [C] led to rapid improvement of the [D] . | "
    "A [N] - year - old woman developed [D] after receiving [C] for [D] . | "
    "A [N] - year - old man presented with [D] following an overdose of [C] . | "
    "[C] reduced the severity of [D] in a rat model of [D] . | "
    "The risk of [D] increased with the cumulative dose of [C] . | "
    "Treatment with [C] should be avoided in patients with [D] . | "
    "No cases of [D] were observed during treatment with [C] . | "
    "The mechanism of [C] - induced [D] remains unclear . | "
    "We report [N] cases of [D] in patients taking [C] and [C] . | "
    "[C] is widely used for the treatment of [D] . | "
    "Animals were anesthetized with [C] and given [C] intravenously . | "
    "Serum [C] levels were elevated in [N] patients with [D] . | "
    "All patients recovered after [C] was discontinued . | "
    "The study was approved by the local ethics committee . | "
    "Data were analysed using Student ' s t test . | "
    "[N] patients were randomly assigned to receive either [C] or placebo . | "
    "[D] and [D] were the most common adverse events . | "
    "Patients with [D] are at increased risk of [D] . | "
    "These findings indicate that [C] protects against [D] in [SP] . | "
    "Intravenous [C] rapidly reversed the [D] . | "
    "[C] - associated [D] : report of [N] cases . | "
    "Effect of [C] on [C] - induced [D] in [SP] . | "
    "[D] following [C] administration in a patient with [D] . | "
    "Mortality from [D] was lower among patients given [C] . | "
    "The [SP] were killed [N] hours after the last injection of [C] . | "
    "There was no significant difference in heart rate between the two groups . | "
    "[C] , but not [C] , prevented the development of [D] . | "
    "Symptoms of [D] appeared within [N] days of starting [C] . | "
    "[C] ( [DOSE] ) was given daily for [N] weeks . | "
    "[C] increased the threshold for [C] - induced [D] in [SP] . | "
    "Blood samples were collected before and [N] hours after dosing . | "
    "[D] , [D] and [D] were reported in patients treated with [C] . | "
    "Cases of [D] have been reported after the use of [C] in elderly patients . | "
    "The patient was treated with [C] and [C] , and the [D] resolved within [N] days . | "
    "Co - administration of [C] significantly enhanced the [D] caused by [C] . | "
    "Our data show that [C] can cause [D] even at therapeutic doses ."
)
BC5CDR_KEYS = ("B-Chemical", "B-Disease", "I-Disease", "I-Chemical")
_BC5_SLOT = re.compile(r"\[([A-Z0-9]+)\]")


def make_bc5cdr(rng: random.Random) -> dict:
    pattern = rng.choice(BC5CDR_PATTERNS)
    taken: set[str] = set()
    tokens: list[str] = []
    tags: list[str] = []
    for piece in re.split(r"(\[[A-Z0-9]+\])", pattern):
        match = _BC5_SLOT.fullmatch(piece)
        if not match:
            for token in piece.split():
                tokens.append(token)
                tags.append("O")
            continue
        slot = match.group(1)
        if slot in ("C", "D"):
            mention = _pick_distinct(rng, CHEMICALS if slot == "C" else DISEASES, taken)
            kind = "Chemical" if slot == "C" else "Disease"
            for i, token in enumerate(mention.split()):
                tokens.append(token)
                tags.append(("B-" if i == 0 else "I-") + kind)
            continue
        if slot == "N":
            value = str(rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 14, 18, 21, 24, 30, 36, 45, 52, 67]))
        elif slot == "N2":
            value = str(rng.choice([70, 84, 96, 112, 150, 203, 318]))
        elif slot == "SP":
            value = rng.choice(SPECIES)
        else:  # DOSE
            value = rng.choice(DOSES)
        for token in value.split():
            tokens.append(token)
            tags.append("O")
    tokens[0] = capitalise(tokens[0])
    collected: dict[str, list[str]] = {key: [] for key in BC5CDR_KEYS}
    for token, tag in zip(tokens, tags, strict=True):
        if tag != "O":
            collected[tag].append(token)
    return example({"tokens_concatenated": " ".join(tokens)}, str(collected))


BC5CDR = task(
    "bc5cdr",
    "Tag the chemicals and diseases in a tokenised biomedical sentence (B-/I- token lists).",
    make_bc5cdr,
)

# =========================================================================== e2e_nlg

E2E_NAMES = phrases(
    "The Eagle | Blue Spice | The Golden Curry | Zizzi | Aromi | The Punter | Cotto | "
    "Fitzbillies | Alimentum | Bibimbap House | Browns Cambridge | Clowns | Cocum | Giraffe | "
    "Green Man | Loch Fyne | Midsummer House | Strada | Taste of Cambridge | "
    "The Cambridge Blue | The Cricketers | The Dumpling Tree | The Mill | The Olive Grove | "
    "The Phoenix | The Plough | The Rice Boat | The Vaults | The Waterman | Wildwood | "
    "The Wrestlers | Cafe Rouge | Cafe Sicilia | The Twenty Two | Raja Indian Cuisine | "
    "Avalon | Burger King | Yippee Noodle Bar | Cafe Brazil | Cafe Adriatic | The Golden Palace"
)
_E2E_ADJ = words(
    "Golden Red Blue Green Old Royal Silver Black White Little Crown Rose Jolly Hungry Lucky "
    "Copper Velvet Rusty Happy Wandering"
)
_E2E_NOUN = words(
    "Lion Fox Anchor Oak Swan Bell Kettle Lantern Spoon Pig Duck Harp Mill Garden Table "
    "Horseshoe Compass Barrel Orchard Teapot Dragon Bridge Feather Fork"
)
E2E_FOODS = ["English", "French", "Italian", "Japanese", "Chinese", "Indian", "Fast food"]
E2E_EXTRA_FOODS = ["Thai", "Mexican", "Greek", "Spanish", "Turkish", "Korean", "Vietnamese"]
E2E_VALUES = {
    "eatType": ["restaurant", "coffee shop", "pub"],
    "priceRange": ["cheap", "moderate", "high"],
    "customer rating": ["low", "average", "high", "1 out of 5", "3 out of 5", "5 out of 5"],
    "area": ["city centre", "riverside"],
    "familyFriendly": ["yes", "no"],
}
E2E_ORDER = [
    "name",
    "eatType",
    "food",
    "priceRange",
    "customer rating",
    "area",
    "familyFriendly",
    "near",
]


def _e2e_name(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(E2E_NAMES)
    return f"The {rng.choice(_E2E_ADJ)} {rng.choice(_E2E_NOUN)}"


def _e2e_food(food: str) -> str:
    return "fast food" if food == "Fast food" else f"{food} food"


def _e2e_clause(attr: str, value: str, rng: random.Random) -> str:
    """A verb phrase with "it" as subject that verbalises one attribute."""
    if attr == "eatType":
        return f"is {a_an(value)} {value}"
    if attr == "food":
        return rng.choice(
            [
                f"serves {_e2e_food(value)}",
                f"offers {_e2e_food(value)}",
                f"has {_e2e_food(value)} on the menu",
            ]
        )
    if attr == "priceRange":
        return rng.choice(
            [
                f"has {a_an(value)} {value} price range",
                f"is in the {value} price range",
                f"offers {value} prices",
            ]
        )
    if attr == "customer rating":
        if "out of" in value:
            return rng.choice(
                [f"has a customer rating of {value}", f"is rated {value} by customers"]
            )
        return rng.choice(
            [
                f"has {a_an(value)} {value} customer rating",
                f"is rated {value} by customers",
                f"has received {value} ratings from customers",
            ]
        )
    if attr == "area":
        if value == "riverside":
            return rng.choice(
                ["is located by the riverside", "is in the riverside area", "is on the riverside"]
            )
        return rng.choice([f"is located in the {value}", f"is in the {value} area"])
    if attr == "familyFriendly":
        if value == "yes":
            return rng.choice(
                ["is family friendly", "is kid friendly", "welcomes families", "is child friendly"]
            )
        return rng.choice(
            [
                "is not family friendly",
                "is not kid friendly",
                "does not welcome children",
                "is not suitable for families",
            ]
        )
    return rng.choice([f"is near {value}", f"is located near {value}", f"is close to {value}"])


def _e2e_text(mr: dict[str, str], rng: random.Random) -> str:
    """One or two sentences that mention every attribute of the meaning representation."""
    name = mr["name"]
    rest = [attr for attr in E2E_ORDER[1:] if attr in mr]
    kind = mr.get("eatType")
    style = rng.randrange(4)
    if kind and style in (0, 1):
        # "Name is a cheap Italian restaurant in the city centre near X."
        adjectives = []
        if "priceRange" in mr and rng.random() < 0.5:
            adjectives.append(
                {"cheap": "cheap", "moderate": "moderately priced", "high": "high priced"}[
                    mr["priceRange"]
                ]
            )
            rest.remove("priceRange")
        if mr.get("familyFriendly") == "yes" and rng.random() < 0.6:
            adjectives.append(rng.choice(["family friendly", "kid friendly"]))
            rest.remove("familyFriendly")
        food = ""
        if "food" in mr:
            food = "fast food" if mr["food"] == "Fast food" else mr["food"]
            rest.remove("food")
        noun = " ".join(part for part in (", ".join(adjectives), food, kind) if part)
        where = ""
        if "area" in mr:
            where += " by the riverside" if mr["area"] == "riverside" else " in the city centre"
            rest.remove("area")
        if "near" in mr:
            where += f" near {mr['near']}"
            rest.remove("near")
        rest.remove("eatType")
        if style == 0:
            head = f"{name} is {a_an(noun)} {noun}{where}"
        else:
            head = f"There is {a_an(noun)} {noun} called {name}{where}"
    elif "area" in mr and style == 2:
        # "Located in the riverside area near X, Name serves ..."
        place = "by the riverside" if mr["area"] == "riverside" else "in the city centre"
        lead = f"Located {place}"
        rest.remove("area")
        if "near" in mr:
            lead += f" near {mr['near']}"
            rest.remove("near")
        first = rest.pop(0) if rest else None
        head = f"{lead}, {name}" + (
            f" {_e2e_clause(first, mr[first], rng)}" if first else " is a place to eat"
        )
    else:
        first = rest.pop(0) if rest else None
        head = f"{name} " + (_e2e_clause(first, mr[first], rng) if first else "is a place to eat")
    if not rest:
        return head + "."
    rng.shuffle(rest)
    clauses = [_e2e_clause(attr, mr[attr], rng) for attr in rest]
    if not head.startswith("There is") and len(clauses) <= 2 and rng.random() < 0.4:
        # "Name is a pub near X and has a high customer rating."
        if len(clauses) == 1:
            return f"{head} and {clauses[0]}."
        return f"{head}, {clauses[0]} and {clauses[1]}."
    subject = rng.choice(["It", "It", f"The {kind}" if kind else "It"])
    return f"{head}. {subject} {join_and(clauses)}."


def make_e2e(rng: random.Random) -> dict:
    name = _e2e_name(rng)
    count = rng.choice([2, 3, 3, 4, 4, 5, 5, 6, 7])
    chosen = rng.sample(E2E_ORDER[1:], min(count, 7))
    mr = {"name": name}
    for attr in E2E_ORDER[1:]:
        if attr not in chosen:
            continue
        if attr == "near":
            mr["near"] = _pick_distinct(rng, E2E_NAMES, {name})
        elif attr == "food":
            mr["food"] = rng.choice(E2E_FOODS if rng.random() < 0.8 else E2E_EXTRA_FOODS)
        else:
            mr[attr] = rng.choice(E2E_VALUES[attr])
    meaning = ", ".join(f"{k}[{v}]" for k, v in mr.items())
    return example({"meaning_representation": meaning}, _e2e_text(mr, rng))


E2E_NLG = task(
    "e2e_nlg",
    "Describe a restaurant in plain English from its name[...], eatType[...] attributes.",
    make_e2e,
)

# =========================================================================== viggo

GAMES = phrases(
    "Tomb Raider | Portal 2 | Little Nightmares | Rocket League | The Witcher 3: Wild Hunt | "
    "Halo 4 | Spyro the Dragon | Dirt 3 | BioShock | Mass Effect 2 | Celeste | Hollow Knight | "
    "Stardew Valley | The Elder Scrolls V: Skyrim | Far Cry 3 | Need for Speed: The Run | "
    "Tetris | Minecraft | Bastion | Limbo | Journey | Undertale | Fallout 4 | Dark Souls | "
    "Diablo III | StarCraft II | Civilization V | The Sims 4 | Overwatch | Braid | Firewatch | "
    "Inside | Cuphead | Half-Life 2 | Max Payne 3 | Mafia II | Assassin's Creed II | "
    "Grand Theft Auto V | Red Dead Redemption | Uncharted 2: Among Thieves | The Last of Us | "
    "God of War | Horizon Zero Dawn | Bloodborne | Sekiro: Shadows Die Twice | Dead Space | "
    "Resident Evil 4 | Silent Hill 2 | Metal Gear Solid V | Doom | Wolfenstein: The New Order | "
    "Borderlands 2 | Destiny | Titanfall 2 | Battlefield 1 | Call of Duty: Black Ops | "
    "Crash Bandicoot | Rayman Legends | Ori and the Blind Forest | Shovel Knight | Fez | "
    "Super Meat Boy | Spelunky | Hades | Dead Cells | Slay the Spire | FTL: Faster Than Light | "
    "XCOM: Enemy Unknown | Stellaris | Age of Empires II | Command and Conquer | "
    "SimCity 4 | Cities: Skylines | Planet Coaster | Rollercoaster Tycoon 3 | "
    "Kingdom Hearts | Final Fantasy VII | Chrono Trigger | Dragon Age: Origins | "
    "Baldur's Gate II | Divinity: Original Sin II | Pillars of Eternity | Neverwinter Nights | "
    "World of Warcraft | Guild Wars 2 | The Elder Scrolls Online | Star Wars: Knights of the "
    "Old Republic | Tony Hawk's Pro Skater 3 | FIFA 12 | NBA 2K16 | Madden NFL 15 | "
    "Forza Horizon 4 | Gran Turismo 5 | Burnout Paradise | Mario Kart 8 | Super Mario Odyssey | "
    "The Legend of Zelda: Breath of the Wild | Metroid Prime | Donkey Kong Country | "
    "Street Fighter IV | Mortal Kombat X | Tekken 7 | Soulcalibur VI | Guitar Hero III | "
    "Rock Band 3 | Just Dance 2018 | Little Big Adventure | SpellForce 3 | "
    "Hellblade: Senua's Sacrifice | Tom Clancy's The Division | Rainbow Six Siege | "
    "Sniper Elite 4 | Hitman 2 | Dishonored | Prey | Alan Wake | Control | Quantum Break | "
    "Outlast | Amnesia: The Dark Descent | What Remains of Edith Finch | Gone Home | "
    "The Stanley Parable | Papers, Please | Return of the Obra Dinn | Myst | The Witness | "
    "Lego Star Wars | Lego Batman | Batman: Arkham City | Spider-Man | Sleeping Dogs | "
    "Just Cause 3 | Saints Row IV | Watch Dogs 2 | Mirror's Edge | Portal | Half-Life"
)
DEVELOPERS = phrases(
    "Valve | BioWare | Ubisoft | Nintendo | Bethesda Game Studios | Rockstar North | Capcom | "
    "Blizzard Entertainment | Square Enix | Telltale Games | Crystal Dynamics | Insomniac Games | "
    "Naughty Dog | Psyonix | Supergiant Games | Team Cherry | Epic Games | FromSoftware | "
    "Maxis | Playdead | Tarsier Studios | Ninja Theory | Remedy Entertainment | Arkane Studios | "
    "Id Software | MachineGames | Gearbox Software | Bungie | Respawn Entertainment | DICE | "
    "Treyarch | Guerrilla Games | Santa Monica Studio | Konami | Bandai Namco | Sega | "
    "Firaxis Games | Paradox Interactive | Ensemble Studios | Frontier Developments | "
    "Larian Studios | Obsidian Entertainment | CD Projekt Red | Rocksteady Studios | "
    "Codemasters | Playground Games | Polyphony Digital | Criterion Games | NetherRealm Studios | "
    "Harmonix | Io Interactive | Annapurna Interactive | Mojang | Klei Entertainment | "
    "Double Fine | Media Molecule | Giant Sparrow | Thekla | Lucas Pope | Adhesive Games"
)
VIGGO_GENRES = phrases(
    "action | adventure | action-adventure | arcade | driving/racing | fighting | "
    "hack-and-slash | MMORPG | music | platformer | point-and-click | puzzle | "
    "real-time strategy | role-playing | shooter | simulation | sport | strategy | tactical | "
    "text adventure | trivia/board game | turn-based strategy | vehicular combat | indie | "
    "survival | horror | stealth | sandbox"
)
VIGGO_PLATFORMS = phrases(
    "PC | PlayStation | PlayStation 4 | PlayStation 3 | Xbox | Xbox One | Xbox 360 | "
    "Nintendo Switch | Nintendo 64 | Wii | Wii U | Game Boy Color | Nintendo DS"
)
VIGGO_VALUES = {
    "esrb": [
        "E (for Everyone)",
        "E 10+ (for Everyone 10 and Older)",
        "T (for Teen)",
        "M (for Mature)",
    ],
    "rating": ["poor", "average", "good", "excellent"],
    "player_perspective": ["first person", "third person", "side view", "bird view"],
    "has_multiplayer": ["yes", "no"],
    "available_on_steam": ["yes", "no"],
    "has_linux_release": ["yes", "no"],
    "has_mac_release": ["yes", "no"],
    "specifier": [
        "interesting",
        "exciting",
        "fun",
        "underrated",
        "overrated",
        "terrible",
        "disappointing",
        "addictive",
        "relaxing",
        "challenging",
        "popular",
        "creative",
        "memorable",
        "boring",
        "beautiful",
    ],
}
# ViGGO's slot order inside a meaning representation.
VIGGO_ORDER = [
    "name",
    "exp_release_date",
    "release_year",
    "developer",
    "esrb",
    "rating",
    "genres",
    "player_perspective",
    "has_multiplayer",
    "platforms",
    "available_on_steam",
    "has_linux_release",
    "has_mac_release",
    "specifier",
]


def _viggo_value(attr: str, rng: random.Random) -> str:
    if attr == "name":
        return rng.choice(GAMES)
    if attr == "release_year":
        return str(rng.randint(1991, 2024))
    if attr == "exp_release_date":
        return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2025, 2027)}"
    if attr == "developer":
        return rng.choice(DEVELOPERS)
    if attr == "genres":
        return ", ".join(rng.sample(VIGGO_GENRES, rng.choice([1, 1, 2, 2, 3])))
    if attr == "platforms":
        return ", ".join(rng.sample(VIGGO_PLATFORMS, rng.choice([1, 1, 2, 3])))
    if attr == "player_perspective":
        return ", ".join(rng.sample(VIGGO_VALUES[attr], rng.choice([1, 1, 1, 2])))
    return rng.choice(VIGGO_VALUES[attr])


def _listed(value: str, conj: str = "and") -> str:
    items = value.split(", ")
    if len(items) <= 1:
        return value
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def _viggo_fact(attr: str, value: str, rng: random.Random) -> str:
    """A verb phrase (subject: the game) for one inform slot."""
    if attr == "release_year":
        return rng.choice([f"was released in {value}", f"came out in {value}"])
    if attr == "exp_release_date":
        return rng.choice(
            [f"is expected to be released on {value}", f"is set to come out on {value}"]
        )
    if attr == "developer":
        return rng.choice(
            [f"was developed by {value}", f"was made by {value}", f"comes from {value}"]
        )
    if attr == "esrb":
        return rng.choice([f"is rated {value}", f"has an ESRB rating of {value}"])
    if attr == "rating":
        return rng.choice(
            [f"has {value} ratings", f"received {value} reviews", f"is rated {value} by players"]
        )
    if attr == "genres":
        genre = _listed(value)
        return f"is {a_an(genre)} {genre} game"
    if attr == "player_perspective":
        return rng.choice(
            [
                f"is played from a {_listed(value)} perspective",
                f"offers a {_listed(value)} perspective",
            ]
        )
    if attr == "platforms":
        return rng.choice(
            [
                f"is available on {_listed(value)}",
                f"can be played on {_listed(value)}",
                f"was released for {_listed(value)}",
            ]
        )
    yes = value == "yes"
    if attr == "has_multiplayer":
        return (
            rng.choice(["has a multiplayer mode", "supports multiplayer"])
            if yes
            else rng.choice(["has no multiplayer mode", "is single-player only"])
        )
    if attr == "available_on_steam":
        return "is available on Steam" if yes else "is not available on Steam"
    if attr == "has_linux_release":
        return (
            rng.choice(["has a Linux release", "can be played on Linux"])
            if yes
            else rng.choice(["has no Linux release", "is not available on Linux"])
        )
    # has_mac_release
    return (
        rng.choice(["has a Mac release", "is available on Mac"])
        if yes
        else rng.choice(["has no Mac release", "is not available on Mac"])
    )


def _viggo_games(mr: dict[str, str], plural: bool = True, conj: str = "and") -> str:
    """A noun phrase such as "first person shooter games on PC from 2014"."""
    head = []
    if "specifier" in mr:
        head.append(mr["specifier"])
    if "player_perspective" in mr:
        head.append(_listed(mr["player_perspective"], conj))
    if "genres" in mr:
        head.append(_listed(mr["genres"], conj))
    head.append("games" if plural else "game")
    tail = []
    if "developer" in mr:
        tail.append(f"by {mr['developer']}")
    if "platforms" in mr:
        tail.append(f"on {_listed(mr['platforms'], conj)}")
    if "esrb" in mr:
        tail.append(f"rated {mr['esrb']}")
    if "has_multiplayer" in mr:
        tail.append("with multiplayer" if mr["has_multiplayer"] == "yes" else "without multiplayer")
    if "available_on_steam" in mr:
        tail.append("on Steam" if mr["available_on_steam"] == "yes" else "not on Steam")
    if "has_linux_release" in mr:
        tail.append(
            "that run on Linux" if mr["has_linux_release"] == "yes" else "without a Linux release"
        )
    if "has_mac_release" in mr:
        tail.append(
            "that run on Mac" if mr["has_mac_release"] == "yes" else "without a Mac release"
        )
    if "release_year" in mr:
        tail.append(f"from {mr['release_year']}")
    return " ".join(head + tail)


_LIKE = {
    "excellent": "loved {}",
    "good": "liked {}",
    "average": "thought {} was just okay",
    "poor": "did not like {}",
}
_FEEL = {
    "excellent": ["great", "appealing", "enjoyable"],
    "good": ["fun", "enjoyable", "entertaining"],
    "average": ["just okay", "mediocre", "average"],
    "poor": ["disappointing", "boring", "frustrating"],
}
_OPINION = {
    "excellent": [
        "one of the best games I have ever played",
        "an excellent game",
        "absolutely fantastic",
    ],
    "good": ["a good game", "pretty fun", "really enjoyable"],
    "average": ["just an average game", "okay but nothing special", "pretty average"],
    "poor": ["a poor game", "really disappointing", "not very good at all"],
}


def _viggo_inform(mr: dict[str, str], rng: random.Random) -> str:
    facts = [(a, v) for a, v in mr.items() if a != "name"]
    if "genres" in mr and rng.random() < 0.7:  # genres first reads best
        facts.sort(key=lambda item: item[0] != "genres")
    else:
        rng.shuffle(facts)
    phrases_ = [_viggo_fact(a, v, rng) for a, v in facts]
    if len(phrases_) <= 3 or rng.random() < 0.3:
        return f"{mr['name']} {join_and(phrases_)}."
    cut = rng.randint(1, len(phrases_) - 2)
    return f"{mr['name']} {join_and(phrases_[:cut])}. It {join_and(phrases_[cut:])}."


def _viggo_request(mr: dict[str, str], rng: random.Random) -> str:
    spec = mr["specifier"]
    rest = {k: v for k, v in mr.items() if k != "specifier"}
    games = _viggo_games(rest, conj="or")
    game = _viggo_games(rest, plural=False, conj="or")
    return rng.choice(
        [
            f"What is the most {spec} {game} you have ever played?",
            f"Have you played any {spec} {games}?",
            f"Were there even any {spec} {games}?",
            f"What do you think is the most {spec} {game}?",
            f"Can you name {a_an(spec)} {spec} {game}?",
        ]
    )


def _viggo_give_opinion(mr: dict[str, str], rng: random.Random) -> str:
    rating, name = mr["rating"], mr["name"]
    opinion = rng.choice(_OPINION[rating])
    rest = {k: v for k, v in mr.items() if k not in ("name", "rating")}
    if not rest:
        return rng.choice([f"I think {name} is {opinion}.", f"In my opinion, {name} is {opinion}."])
    game = _viggo_games(rest, plural=False)
    return rng.choice(
        [
            f"I think {name} is {opinion}, at least as far as {_viggo_games(rest)} go.",
            f"{name}, the {game}, is {opinion} in my opinion.",
            f"In my opinion, {name} is {opinion} for {a_an(game)} {game}.",
        ]
    )


def _viggo_confirm(mr: dict[str, str], rng: random.Random) -> str:
    name = mr["name"]
    game = _viggo_games({k: v for k, v in mr.items() if k != "name"}, plural=False)
    return rng.choice(
        [
            f"Oh, do you mean the {game}, {name}?",
            f"You mean {name}, the {game}, right?",
            f"Are you talking about {name}, the {game}?",
        ]
    )


def _viggo_verify(mr: dict[str, str], rng: random.Random) -> str:
    name, rating = mr["name"], mr["rating"]
    rest = {k: v for k, v in mr.items() if k not in ("name", "rating")}
    opener = rng.choice(
        [
            f"I recall that you {_LIKE[rating].format(name)}.",
            f"You said earlier that you {_LIKE[rating].format(name)}.",
        ]
    )
    games = _viggo_games(rest)
    question = rng.choice(
        [
            f"Do you generally enjoy {games}?",
            f"Are {games} usually your thing?",
            f"Do you often play {games}?",
        ]
    )
    return f"{opener} {question}"


def _viggo_suggest(mr: dict[str, str], rng: random.Random) -> str:
    name = mr["name"]
    rest = {k: v for k, v in mr.items() if k != "name"}
    return rng.choice(
        [
            f"Do you also enjoy playing {_viggo_games(rest)}, such as {name}?",
            f"Have you ever tried {name}? It is {a_an(_viggo_games(rest, False))} "
            f"{_viggo_games(rest, False)}.",
            f"If you like {_viggo_games(rest)}, how about {name}?",
        ]
    )


def _viggo_recommend(mr: dict[str, str], rng: random.Random) -> str:
    name = mr["name"]
    rest = {k: v for k, v in mr.items() if k != "name"}
    game = _viggo_games(rest, plural=False)
    return rng.choice(
        [
            f"If you like {_viggo_games(rest)}, you should try {name}.",
            f"I would recommend {name} if you want {a_an(game)} {game}.",
            f"You should check out {name}, {a_an(game)} {game}.",
        ]
    )


_VIGGO_ASK = {
    "player_perspective": [
        "Do you have a preferred camera perspective when you play a game?",
        "Which player perspective do you like best in games?",
    ],
    "genres": [
        "What kind of games do you like to play?",
        "What is your favorite genre of video games?",
    ],
    "platforms": [
        "What gaming platform do you usually play on?",
        "Which console or platform do you prefer for gaming?",
    ],
    "developer": [
        "Is there a game developer whose games you always enjoy?",
        "Do you have a favorite game developer?",
    ],
    "release_year": [
        "Do you prefer older games or more recent releases?",
        "From which year are most of the games you enjoy?",
    ],
    "esrb": [
        "What ESRB rating do the games you play usually have?",
        "Do you mind playing games with a mature ESRB rating?",
    ],
    "has_multiplayer": [
        "Do you enjoy playing multiplayer games?",
        "Do you prefer playing games with others or on your own?",
    ],
    "available_on_steam": [
        "Do you buy most of your games on Steam?",
        "Is it important to you that a game is available on Steam?",
    ],
    "has_linux_release": [
        "Do you play games on Linux?",
        "Does a game need to have a Linux release for you?",
    ],
    "has_mac_release": [
        "Do you play games on a Mac?",
        "Does a game need a Mac release for you to play it?",
    ],
    "rating": [
        "How do you usually decide whether a game is good?",
        "What rating would you give the games you play most?",
    ],
}


def _viggo_request_explanation(mr: dict[str, str], rng: random.Random) -> str:
    rating = mr["rating"]
    feel = rng.choice(_FEEL[rating])
    if "name" in mr:
        return rng.choice(
            [
                f"What is it about {mr['name']} that made you say you "
                f"{_LIKE[rating].format('it')}?",
                f"Why do you find {mr['name']} so {feel}?",
            ]
        )
    games = _viggo_games({k: v for k, v in mr.items() if k != "rating"})
    return rng.choice(
        [
            f"What is it about {games} that you find so {feel}?",
            f"Why do you think {games} are {feel}?",
        ]
    )


# act: (required slots, optional slots, (min, max) optional count, realiser)
VIGGO_ACTS = {
    "inform": (
        ("name",),
        [
            "exp_release_date",
            "release_year",
            "developer",
            "esrb",
            "rating",
            "genres",
            "player_perspective",
            "has_multiplayer",
            "platforms",
            "available_on_steam",
            "has_linux_release",
            "has_mac_release",
        ],
        (2, 5),
        _viggo_inform,
    ),
    "request": (
        ("specifier",),
        [
            "release_year",
            "developer",
            "genres",
            "player_perspective",
            "platforms",
            "has_multiplayer",
            "esrb",
        ],
        (1, 2),
        _viggo_request,
    ),
    "give_opinion": (
        ("name", "rating"),
        [
            "release_year",
            "developer",
            "genres",
            "player_perspective",
            "platforms",
            "has_multiplayer",
        ],
        (0, 2),
        _viggo_give_opinion,
    ),
    "confirm": (
        ("name",),
        ["release_year", "developer", "genres", "platforms", "player_perspective"],
        (1, 2),
        _viggo_confirm,
    ),
    "verify_attribute": (
        ("name", "rating"),
        [
            "genres",
            "player_perspective",
            "platforms",
            "has_multiplayer",
            "developer",
            "esrb",
            "available_on_steam",
            "has_linux_release",
            "has_mac_release",
        ],
        (1, 1),
        _viggo_verify,
    ),
    "suggest": (
        ("name",),
        [
            "genres",
            "player_perspective",
            "platforms",
            "has_multiplayer",
            "developer",
            "release_year",
        ],
        (1, 2),
        _viggo_suggest,
    ),
    "recommend": (
        ("name",),
        [
            "genres",
            "player_perspective",
            "platforms",
            "has_multiplayer",
            "developer",
            "release_year",
            "available_on_steam",
        ],
        (1, 2),
        _viggo_recommend,
    ),
    "request_explanation": (
        ("rating",),
        ["genres", "player_perspective", "platforms", "has_multiplayer", "name"],
        (1, 2),
        _viggo_request_explanation,
    ),
}


def make_viggo(rng: random.Random) -> dict:
    act = rng.choice(list(VIGGO_ACTS) + ["request_attribute", "inform"])
    if act == "request_attribute":
        slot = rng.choice(list(_VIGGO_ASK))
        meaning = f"request_attribute({slot}[])"
        return example({"meaning_representation": meaning}, rng.choice(_VIGGO_ASK[slot]))
    required, optional, (low, high), realise = VIGGO_ACTS[act]
    extra = rng.sample(optional, rng.randint(low, high))
    if act == "request_explanation" and "name" in extra:
        extra = ["name"]  # explanations about one game name only the game
    if "exp_release_date" in extra and "release_year" in extra:
        extra.remove("release_year")
    slots = set(required) | set(extra)
    mr = {attr: _viggo_value(attr, rng) for attr in VIGGO_ORDER if attr in slots}
    meaning = f"{act}(" + ", ".join(f"{k}[{v}]" for k, v in mr.items()) + ")"
    return example({"meaning_representation": meaning}, realise(mr, rng))


VIGGO = task(
    "viggo",
    "Turn a video-game dialogue act such as inform(name[...], genres[...]) into a sentence.",
    make_viggo,
)

# =========================================================================== tldr (news)

BIG_TECH = phrases(
    "Apple | Google | Microsoft | Amazon | Meta | Tesla | Nvidia | Samsung | Netflix | "
    "Spotify | Uber | Airbnb | OpenAI | SpaceX | Intel | AMD | IBM | Sony | Nintendo | Stripe | "
    "Shopify | Reddit | Discord | GitHub | Zoom | Dropbox | Snap | Pinterest | TikTok | "
    "Alibaba | Tencent | Baidu | Xiaomi | Huawei | Oracle | Salesforce | Adobe | Qualcomm | "
    "Arm | TSMC | Rivian | Waymo | Mozilla | Canva | Figma | Notion | Robinhood | Coinbase | "
    "Klarna | Revolut | Instacart | DoorDash | Lyft | Peloton | Cloudflare | Atlassian | "
    "Palantir | Databricks | Epic Games | Valve | Roblox | Duolingo | Grab | Rakuten"
)
INVESTORS = phrases(
    "Sequoia Capital | Accel | Index Ventures | Benchmark | Greylock | Lightspeed | "
    "Khosla Ventures | Andreessen Horowitz | Tiger Global | SoftBank | General Catalyst | "
    "Founders Fund | Insight Partners | Kleiner Perkins | Balderton Capital | Y Combinator"
)
STARTUP_WHAT = phrases(
    "makes software for dentists | builds delivery robots | sells solar panels to farmers | "
    "helps small shops accept payments | develops batteries for electric planes | "
    "uses AI to review legal contracts | runs a marketplace for used cars | "
    "makes vertical farms | builds tools for software developers | "
    "offers online therapy sessions | turns carbon dioxide into fuel | "
    "makes lab-grown meat | builds satellites for weather forecasting | "
    "helps hospitals schedule nurses | develops quantum computers | "
    "sells insurance to gig workers | makes smart thermostats | builds drones for farms"
)
GOALS = phrases(
    "expand into Europe | hire more engineers | build a new factory | launch in Asia | "
    "grow its sales team | develop new products | double its workforce | "
    "expand its data centres | open offices in London and Berlin | speed up research"
)
PRODUCTS = phrases(
    "smart glasses | folding phone | AI assistant | electric scooter | password manager | "
    "home robot | fitness tracker | video editor | coding assistant | budget laptop | "
    "smartwatch | VR headset | wireless earbuds | e-reader | tablet | game console | "
    "electric pickup truck | home battery | translation app | photo app"
)
ABILITIES = phrases(
    "read handwriting | detect cancer early | predict earthquakes | translate sign language | "
    "recycle plastic | clean polluted water | generate music | fold laundry | spot fake news | "
    "diagnose eye disease | predict the weather | design new proteins | detect wildfires | "
    "find new antibiotics | identify bird songs | map the ocean floor"
)
REGULATORS = phrases(
    "the European Commission | the Federal Trade Commission | the FTC | the SEC | "
    "Ireland's Data Protection Commission | the UK's Competition and Markets Authority | "
    "South Korea's Fair Trade Commission | Japan's Fair Trade Commission | "
    "France's CNIL | India's Competition Commission | the US Justice Department"
)
VIOLATIONS = phrases(
    "privacy violations | unfair competition | misleading advertising | "
    "its handling of user data | breaking antitrust rules | hidden subscription fees | "
    "tracking users without consent | failing to protect children online"
)
FEATURES = phrases(
    "end-to-end encrypted chats | an AI chatbot | a dark mode | group video calls | "
    "offline downloads | a new privacy dashboard | live translation | edit buttons for "
    "messages | passkey logins | a kids mode | voice notes | shared playlists"
)
APPS = phrases(
    "WhatsApp | Instagram | Gmail | Slack | Zoom | Spotify | Signal | Telegram | YouTube | "
    "Chrome | Firefox | Outlook | Google Maps | Duolingo | LinkedIn | Snapchat | Threads | "
    "Discord | Notion | Dropbox"
)
SPACE_AGENCIES = phrases(
    "NASA | the European Space Agency | ISRO | JAXA | SpaceX | Rocket Lab | "
    "Blue Origin | China's space agency"
)
SPACE_TARGETS = phrases(
    "the Moon | Mars | Jupiter's moon Europa | an asteroid | Venus | "
    "the Sun | Saturn's moon Titan | Mercury"
)
CARMAKERS = phrases(
    "Tesla | Ford | Toyota | Volkswagen | BMW | Honda | Hyundai | Kia | "
    "General Motors | Nissan | Rivian | Volvo | Stellantis | Mercedes-Benz"
)
DEFECTS = phrases(
    "faulty seat belts | a software bug in the brakes | loose steering parts | "
    "a risk of battery fires | faulty airbags | a rear camera problem | "
    "windows that can pinch fingers"
)
BANNED = phrases(
    "TikTok on government phones | facial recognition in public places | "
    "the sale of new petrol cars from 2035 | single-use plastic bags | "
    "cryptocurrency mining | e-scooters on public roads | "
    "smartphones in schools | Chinese-made surveillance cameras"
)
STUDY_FINDINGS = phrases(
    "people who walk 8,000 steps a day live longer | coffee drinkers have a lower risk of "
    "liver disease | microplastics are present in human blood | daylight saving time harms "
    "sleep | octopuses dream | bees can count to five | the Amazon now emits more carbon than "
    "it absorbs | remote workers are more productive | sea levels are rising faster than "
    "expected | short naps improve memory"
)
JOURNALS = phrases(
    "Nature | Science | The Lancet | Cell | PNAS | the BMJ | Nature Medicine | Science Advances"
)
MODEL_KINDS = phrases(
    "language model | image generator | speech recognition model | "
    "coding model | video generation model | translation model"
)
ROLES = phrases(
    "chief executive | chief technology officer | chief financial officer | "
    "head of AI | president | chief operating officer"
)


_STARTUP_HEADS = words(
    "Bright Clear Deep Blue North Open Swift True Green Iron Silver Cloud Pixel Quantum Solar "
    "Terra Hyper Nimbus Vertex Lumen Atlas Orbit Kite Harbor Maple Cedar Echo Nova Flux Zen "
    "Signal Root Spark Tide Stone Arc Pine Aero Volt Hello"
)
_STARTUP_TAILS = words(
    "wave stack works ly base loop path mind field forge grid hub scale sense bit cart pay "
    "dock line shift lane form craft"
)


def _startup(rng: random.Random) -> str:
    """A made-up startup name such as "Brightforge", "Nimbus Health" or "Kavenro AI"."""
    if rng.random() < 0.7:
        name = rng.choice(_STARTUP_HEADS) + rng.choice(_STARTUP_TAILS)
    else:
        name = coined_word(rng)
    return name + rng.choice(
        ["", "", "", " AI", " Labs", " Robotics", " Health", " Energy", " Systems"]
    )


def _any_company(rng: random.Random) -> str:
    return rng.choice(BIG_TECH) if rng.random() < 0.55 else _startup(rng)


def _money(rng: random.Random, lo: int = 5, hi: int = 400) -> str:
    n = rng.choice(
        [
            v
            for v in (
                5,
                8,
                10,
                12,
                15,
                20,
                25,
                30,
                40,
                50,
                60,
                75,
                100,
                120,
                150,
                200,
                250,
                300,
                400,
            )
            if lo <= v <= hi
        ]
    )
    return f"${n} million"


def _billions(rng: random.Random) -> str:
    amount = rng.choice(["1", "1.5", "2", "2.8", "3", "4.2", "5", "7", "10", "12", "20"])
    return f"${amount} billion"


# Each frame returns: names (the headline's entities and figures, which the body repeats),
# headline options, lead sentence options (they restate the headline's facts) and further
# sentences; bodies are the lead plus one to three of the further sentences.


def _frame_funding(rng: random.Random) -> dict:
    co, amt, inv = _startup(rng), _money(rng), rng.choice(INVESTORS)
    what, goal, city = rng.choice(STARTUP_WHAT), rng.choice(GOALS), rng.choice(CITIES)
    series = rng.choice(["Series A", "Series B", "Series C", "seed"])
    founder = _full_name(rng)
    return {
        "names": [co, amt],
        "headlines": [
            f"{co} raises {amt} to {goal}",
            f"{co} raises {amt} {series} round",
            f"Startup {co}, which {what}, raises {amt}",
        ],
        "leads": [
            f"{co}, a {city}-based startup that {what}, has raised {amt} in a {series} "
            f"round led by {inv}.",
            f"{co} has raised {amt} in {series} funding led by {inv}. The startup {what}.",
        ],
        "more": [
            f"The company plans to use the money to {goal}.",
            f"{co} was founded in {rng.randint(2015, 2023)} by {founder}.",
            f"It says it now has more than {rng.choice([200, 500, 1000, 3000])} customers.",
            f"Existing investors {rng.choice(INVESTORS)} and {rng.choice(INVESTORS)} also "
            "took part in the round.",
        ],
        "must": 1,
    }


def _frame_acquisition(rng: random.Random) -> dict:
    buyer, target = rng.choice(BIG_TECH), _startup(rng)
    price = _money(rng, 50) if rng.random() < 0.5 else _billions(rng)
    what = rng.choice(STARTUP_WHAT)
    return {
        "names": [buyer, target, price],
        "headlines": [
            f"{buyer} acquires {target} for {price}",
            f"{buyer} to buy startup {target} in {price} deal",
            f"{buyer} buys {target} for {price}",
        ],
        "leads": [
            f"{buyer} has agreed to acquire {target}, a startup that {what}, for {price}.",
            f"{buyer} is buying {target} in a deal worth {price}. {target} {what}.",
        ],
        "more": [
            "The deal is expected to close later this year, pending regulatory approval.",
            f"{target}'s team of about {rng.choice([40, 80, 120, 250])} people will join {buyer}.",
            f"It is one of the largest deals {buyer} has made in recent years.",
            f"{target} will continue to operate as a separate brand for now.",
        ],
        "must": 0,
    }


def _frame_launch(rng: random.Random) -> dict:
    co, product = _any_company(rng), rng.choice(PRODUCTS)
    price = f"${rng.choice([99, 149, 199, 249, 299, 399, 499, 799, 999, 1299])}"
    month = rng.choice(MONTHS)
    return {
        "names": [co],
        "headlines": [
            f"{co} unveils a new {product}",
            f"{co} launches {a_an(product)} {product}",
            f"{co}'s new {product} costs {price}",
        ],
        "leads": [
            f"{co} has announced a new {product} that will cost {price}.",
            f"{co} today unveiled its first {product}, priced at {price}.",
        ],
        "more": [
            f"It will go on sale in {month} in the US and Europe.",
            f"The company says the {product} is lighter and faster than rival products.",
            "Early reviewers praised its battery life but criticised the price.",
            f"{co} hopes the {product} will help it compete with larger rivals.",
        ],
        "must": 0,
        "needs": [price],
    }


def _frame_layoffs(rng: random.Random) -> dict:
    co = _any_company(rng)
    pct = rng.choice([5, 6, 8, 10, 12, 15, 20, 25])
    people = rng.choice(["300", "600", "1,000", "1,800", "4,000", "10,000", "12,000"])
    boss = _full_name(rng)
    return {
        "names": [co],
        "headlines": [
            f"{co} cuts {pct} percent of its staff",
            f"{co} lays off {people} employees",
            f"{co} announces layoffs",
        ],
        "leads": [
            f"{co} is laying off {pct} percent of its workforce, or about {people} employees.",
            f"{co} will cut about {people} jobs, roughly {pct} percent of its staff, "
            f"chief executive {boss} said in a memo.",
        ],
        "more": [
            "The company blamed slowing growth and rising costs.",
            "Affected employees will receive severance pay and health benefits.",
            f"It is the second round of cuts at {co} this year.",
            "The cuts mostly affect the recruiting and sales teams.",
        ],
        "must": 0,
    }


def _frame_outage(rng: random.Random) -> dict:
    app, hours = rng.choice(APPS), rng.randint(2, 9)
    day = rng.choice(WEEKDAYS)
    return {
        "names": [app],
        "headlines": [
            f"{app} goes down for {hours} hours",
            f"{app} suffers a major outage",
            f"{app} is back after a {hours}-hour outage",
        ],
        "leads": [
            f"{app} was down for about {hours} hours on {day}, leaving millions of users "
            "unable to log in.",
            f"Millions of {app} users could not access the service for {hours} hours on {day}.",
        ],
        "more": [
            "The company said a faulty configuration change caused the outage.",
            "Users in Europe and North America were the most affected.",
            "Service has now been fully restored, the company said.",
            "It was the longest outage of the service in several years.",
        ],
        "must": 0,
    }


def _frame_research(rng: random.Random) -> dict:
    univ, ability = rng.choice(UNIVERSITIES), rng.choice(ABILITIES)
    lead_author = _full_name(rng)
    n = rng.choice(["10,000", "50,000", "2 million", "300,000", "1 million"])
    place = _strip_the(univ)
    return {
        "names": [place],
        "headlines": [
            f"{place} researchers build an AI that can {ability}",
            f"New AI from {place} can {ability}",
        ],
        "leads": [
            f"Researchers at {univ} have built an AI system that can {ability}.",
            f"A team at {univ} has developed a model that can {ability}.",
        ],
        "more": [
            f"The model was trained on {n} examples.",
            f"It is more accurate than earlier methods, according to lead author {lead_author}.",
            f"The results were published in {rng.choice(JOURNALS)}.",
            "The team plans to release the code so others can build on it.",
        ],
        "must": 0,
    }


def _frame_fine(rng: random.Random) -> dict:
    reg, co, why = rng.choice(REGULATORS), rng.choice(BIG_TECH), rng.choice(VIOLATIONS)
    amt = _money(rng, 20) if rng.random() < 0.5 else _billions(rng)
    reg_head = capitalise(reg)
    return {
        "names": [co, amt],
        "headlines": [f"{co} fined {amt} over {why}", f"{reg_head} fines {co} {amt}"],
        "leads": [
            f"{reg_head} has fined {co} {amt} over {why}.",
            f"{co} must pay {amt} after {reg} found it guilty of {why}.",
        ],
        "more": [
            f"{co} said it disagreed with the decision and would appeal.",
            "It is one of the largest fines of its kind.",
            "The company has six months to change its practices.",
            "Consumer groups welcomed the decision.",
        ],
        "must": 0,
        "needs": [_strip_the(reg)],
    }


def _frame_exec(rng: random.Random) -> dict:
    co, person, role = _any_company(rng), _full_name(rng), rng.choice(ROLES)
    old = _full_name(rng)
    rival = rng.choice(BIG_TECH)
    if rng.random() < 0.5:
        return {
            "names": [co, person],
            "headlines": [
                f"{co} names {person} as its new {role}",
                f"{person} to become {role} of {co}",
            ],
            "leads": [
                f"{co} has appointed {person} as its new {role}, replacing {old}.",
                f"{person}, who previously worked at {rival}, will become {co}'s {role}.",
            ],
            "more": [
                f"{person} will start in the new role next month.",
                f"{old} will stay on as an adviser until the end of the year.",
                "Shares in the company rose slightly after the news.",
            ],
            "must": 0,
        }
    return {
        "names": [co, person],
        "headlines": [f"{person} steps down as {role} of {co}", f"{co} {role} {person} resigns"],
        "leads": [
            f"{person} is stepping down as {role} of {co} after "
            f"{rng.choice(['two', 'three', 'five', 'seven'])} years in the role.",
            f"{co} said on {rng.choice(WEEKDAYS)} that its {role}, {person}, would "
            "leave the company.",
        ],
        "more": [
            f"{co} has started a search for a replacement.",
            f"{person} said it was the right time to hand over to someone new.",
            f"{old} will lead the team in the meantime.",
        ],
        "must": 0,
    }


def _frame_breach(rng: random.Random) -> dict:
    co = _any_company(rng)
    users = rng.choice(["2 million", "5 million", "14 million", "37 million", "500,000"])
    return {
        "names": [co],
        "headlines": [
            f"{co} says hackers stole data of {users} users",
            f"{co} confirms data breach affecting {users} customers",
        ],
        "leads": [
            f"{co} has confirmed that hackers stole personal data belonging to {users} users.",
            f"Hackers accessed the names, emails and phone numbers of {users} {co} "
            "customers, the company said.",
        ],
        "more": [
            "Passwords and payment details were not affected, according to the company.",
            "The attackers used stolen employee credentials to get into its systems.",
            f"{co} has reset affected accounts and informed the police.",
            "Users are being advised to watch out for phishing emails.",
        ],
        "must": 0,
        "needs": [users],
    }


def _frame_feature(rng: random.Random) -> dict:
    app, feature = rng.choice(APPS), rng.choice(FEATURES)
    return {
        "names": [app],
        "headlines": [
            f"{app} is adding {feature}",
            f"{app} rolls out {feature}",
            f"{app} now has {feature}",
        ],
        "leads": [
            f"{app} is rolling out {feature} to all users over the coming weeks.",
            f"{app} has started testing {feature} with a small group of users.",
        ],
        "more": [
            "The feature was one of the most requested by users.",
            "It will be available on both Android and iOS.",
            "Rival apps have offered something similar for years.",
            "The company says more updates are planned for later this year.",
        ],
        "must": 0,
        "needs": [feature],
    }


def _frame_ban(rng: random.Random) -> dict:
    country, what = rng.choice(COUNTRIES + ["the US", "the UK", "the EU"]), rng.choice(BANNED)
    shown = capitalise(country)
    return {
        "names": [_strip_the(country)],
        "headlines": [f"{shown} bans {what}", f"{shown} moves to ban {what}"],
        "leads": [
            f"{shown} has passed a law that bans {what}.",
            f"Lawmakers in {country} have voted to ban {what}.",
        ],
        "more": [
            "The new rules will take effect next year.",
            "Supporters say the ban is needed to protect the public.",
            "Industry groups have criticised the decision and may challenge it in court.",
            "Several other countries are considering similar measures.",
        ],
        "must": 0,
    }


def _frame_earnings(rng: random.Random) -> dict:
    co = rng.choice(BIG_TECH)
    pct = rng.choice([8, 12, 15, 18, 22, 30, 41, 60])
    up = rng.random() < 0.7
    driver = rng.choice(
        [
            "strong demand for AI chips",
            "growth in its cloud business",
            "record subscriber numbers",
            "higher advertising sales",
            "strong smartphone sales",
        ]
    )
    quarter = rng.choice(["first", "second", "third", "fourth"])
    if up:
        heads = [
            f"{co} revenue jumps {pct} percent on {driver}",
            f"{co} beats expectations as revenue rises {pct} percent",
        ]
        lead = (
            f"{co} reported a {pct} percent rise in revenue for the {quarter} quarter, "
            f"driven by {driver}."
        )
    else:
        heads = [
            f"{co} revenue falls {pct} percent",
            f"{co} shares drop as sales fall {pct} percent",
        ]
        lead = (
            f"{co} said revenue fell {pct} percent in the {quarter} quarter, worse than "
            "analysts had expected."
        )
    return {
        "names": [co, f"{pct} percent"],
        "headlines": heads,
        "leads": [lead],
        "more": [
            f"Shares in {co} moved {'higher' if up else 'lower'} in after-hours trading.",
            f"The company expects {'further growth' if up else 'a difficult year'} ahead.",
            "Profit was also above last year's level."
            if up
            else "The company said it would cut costs.",
            f"Revenue reached {_billions(rng)} in the quarter.",
        ],
        "must": 0,
    }


def _frame_model(rng: random.Random) -> dict:
    co = rng.choice(
        [
            "Meta",
            "Google",
            "Microsoft",
            "OpenAI",
            "Mistral",
            "Alibaba",
            "Nvidia",
            "Apple",
            "Amazon",
            "IBM",
            "Stability AI",
            "Cohere",
        ]
        + [_startup(rng)]
    )
    kind = rng.choice(MODEL_KINDS)
    model = f"{coined_word(rng, 2, 2)}-{rng.choice(['1', '2', '3', '4', '7B', 'Mini', 'Pro'])}"
    return {
        "names": [co, model],
        "headlines": [
            f"{co} releases {model}, an open-source {kind}",
            f"{co} unveils {model}, its most capable {kind} yet",
        ],
        "leads": [
            f"{co} has released {model}, a new {kind} that anyone can download and use.",
            f"{co} today announced {model}, which it says is its most capable {kind} so far.",
        ],
        "paired": True,
        "more": [
            f"{co} says {model} beats rival models on several benchmarks.",
            "The model is small enough to run on a laptop.",
            "Researchers have raised concerns about how it could be misused.",
            "Developers can try it for free through an online demo.",
        ],
        "must": 0,
    }


def _frame_factory(rng: random.Random) -> dict:
    co = rng.choice(BIG_TECH + CARMAKERS)
    place = rng.choice(
        [
            "Texas",
            "Arizona",
            "Ohio",
            "Germany",
            "Poland",
            "India",
            "Japan",
            "Vietnam",
            "Mexico",
            "Hungary",
            "Spain",
            "Indonesia",
            "Kenya",
        ]
    )
    what = rng.choice(
        [
            "chip factory",
            "battery plant",
            "data centre",
            "research centre",
            "car factory",
            "solar farm",
        ]
    )
    amt = _billions(rng)
    jobs = rng.choice(["1,000", "2,500", "3,000", "5,000", "800"])
    return {
        "names": [co, place, amt],
        "headlines": [
            f"{co} to build {amt} {what} in {place}",
            f"{co} plans {a_an(what)} {what} in {place}",
        ],
        "leads": [
            f"{co} will spend {amt} to build a new {what} in {place}.",
            f"{co} has announced plans for {a_an(what)} {what} in {place}, an investment of {amt}.",
        ],
        "more": [
            f"The site is expected to create about {jobs} jobs.",
            f"Construction will begin next year and finish by {rng.randint(2027, 2030)}.",
            "Local officials offered tax breaks to win the project.",
            f"It will be {co}'s largest site outside its home country.",
        ],
        "must": 0,
    }


def _frame_recall(rng: random.Random) -> dict:
    co, defect = rng.choice(CARMAKERS), rng.choice(DEFECTS)
    n = rng.choice(["12,000", "48,000", "120,000", "360,000", "1.2 million", "80,000"])
    return {
        "names": [co, n],
        "headlines": [f"{co} recalls {n} vehicles over {defect}", f"{co} recalls {n} cars"],
        "leads": [
            f"{co} is recalling {n} vehicles because of {defect}.",
            f"{co} has recalled about {n} cars over {defect}, regulators said.",
        ],
        "more": [
            "No injuries linked to the problem have been reported.",
            "Owners will be able to get the fix for free at dealers.",
            "Some of the cars can be fixed with a software update.",
            "The recall covers models built over the past two years.",
        ],
        "must": 0,
    }


def _frame_space(rng: random.Random) -> dict:
    agency, target = rng.choice(SPACE_AGENCIES), rng.choice(SPACE_TARGETS)
    mission = coined_word(rng, 2, 3)
    head_agency = capitalise(agency)
    return {
        "names": [mission, _strip_the(target)],
        "headlines": [
            f"{head_agency} launches {mission} mission to {target}",
            f"{mission} spacecraft begins its journey to {target}",
        ],
        "leads": [
            f"{head_agency} has launched the {mission} mission, which will travel to {target}.",
            f"The {mission} spacecraft lifted off on {rng.choice(WEEKDAYS)} on its way "
            f"to {target}, {agency} said.",
        ],
        "more": [
            f"It is expected to arrive in {rng.randint(2027, 2034)}.",
            "The mission will study the surface and search for signs of water.",
            f"The spacecraft carries {rng.choice(['six', 'eight', 'ten'])} instruments.",
            "Engineers said the launch went exactly as planned.",
        ],
        "must": 0,
    }


def _frame_study(rng: random.Random) -> dict:
    finding, journal = rng.choice(STUDY_FINDINGS), rng.choice(JOURNALS)
    univ = rng.choice(UNIVERSITIES)
    n = rng.choice(["2,000", "15,000", "40,000", "120,000", "500"])
    return {
        "names": [journal] if journal[0].isupper() else [],
        "headlines": [f"Study finds {finding}", f"{journal} study suggests {finding}"],
        "leads": [
            f"A study published in {journal} suggests that {finding}.",
            f"According to new research published in {journal}, {finding}.",
        ],
        "more": [
            f"The researchers from {univ} looked at data from {n} participants.",
            "The authors say more work is needed to confirm the results.",
            "Other scientists called the findings surprising.",
            "The study was funded by a public research grant.",
        ],
        "must": 0,
        "needs": [finding],
    }


NEWS_FRAMES = [
    _frame_funding,
    _frame_acquisition,
    _frame_launch,
    _frame_layoffs,
    _frame_outage,
    _frame_research,
    _frame_fine,
    _frame_exec,
    _frame_breach,
    _frame_feature,
    _frame_ban,
    _frame_earnings,
    _frame_model,
    _frame_factory,
    _frame_recall,
    _frame_space,
    _frame_study,
]


def _news(rng: random.Random) -> tuple[str, str, list[str]]:
    """(headline, body, names): a news event as a headline and a 2-4 sentence body that
    repeats the headline's names and figures."""
    frame = rng.choice(NEWS_FRAMES)(rng)
    headline = rng.choice(frame["headlines"])
    if frame.get("paired"):  # each headline goes with the lead of the same index
        lead = frame["leads"][frame["headlines"].index(headline)]
    else:
        lead = rng.choice(frame["leads"])
    more, must = frame["more"], frame["must"]
    count = max(must, rng.randint(1, 2 if ". " in lead else 3))
    body = " ".join([lead] + more[:must] + rng.sample(more[must:], count - must))
    names = [n for n in frame["names"] + frame.get("needs", []) if n in headline]
    return headline, body, names


def make_tldr_headline(rng: random.Random) -> dict:
    headline, body, names = _news(rng)
    return example({"content": body}, headline, names=names)


def make_tldr_content(rng: random.Random) -> dict:
    headline, body, names = _news(rng)
    return example({"headline": headline}, body, names=names)


TLDR_HEADLINE_GEN = task(
    "tldr_headline_gen",
    "Sum up a short tech news passage in a one-line headline.",
    make_tldr_headline,
)
TLDR_CONTENT_GEN = task(
    "tldr_content_gen",
    "Write a short tech news passage about a given headline.",
    make_tldr_content,
)

# =========================================================================== webnlg

# Real cities with their countries, and countries with true capital, language and currency,
# so that chained triples (airport -> city -> country -> capital) stay consistent.
CITY_COUNTRY = dict(
    pair.split("=")
    for pair in phrases(
        "Paris=France | Lyon=France | Toulouse=France | Berlin=Germany | Munich=Germany | "
        "Hamburg=Germany | Madrid=Spain | Seville=Spain | Valencia=Spain | Rome=Italy | "
        "Milan=Italy | Naples=Italy | Turin=Italy | Lisbon=Portugal | Porto=Portugal | "
        "Vienna=Austria | Warsaw=Poland | Krakow=Poland | Dublin=Ireland | Oslo=Norway | "
        "Stockholm=Sweden | Helsinki=Finland | Copenhagen=Denmark | Athens=Greece | "
        "Budapest=Hungary | Amsterdam=Netherlands | Rotterdam=Netherlands | Zurich=Switzerland | "
        "Geneva=Switzerland | Brussels=Belgium | Istanbul=Turkey | Ankara=Turkey | Cairo=Egypt | "
        "Lagos=Nigeria | Nairobi=Kenya | Tokyo=Japan | Osaka=Japan | Seoul=South Korea | "
        "Mumbai=India | Delhi=India | Chennai=India | Jakarta=Indonesia | Sydney=Australia | "
        "Melbourne=Australia | Toronto=Canada | Montreal=Canada | Chicago=United States | "
        "Houston=United States | Denver=United States | Lima=Peru | Bogota=Colombia | "
        "Santiago=Chile | Sao Paulo=Brazil | Buenos Aires=Argentina | Mexico City=Mexico | "
        "Abilene, Texas=United States | Aarhus=Denmark | Alderney=United Kingdom"
    )
)
COUNTRY_FACTS = {
    # country: (capital, language, currency)
    "France": ("Paris", "French", "Euro"),
    "Germany": ("Berlin", "German", "Euro"),
    "Spain": ("Madrid", "Spanish", "Euro"),
    "Italy": ("Rome", "Italian", "Euro"),
    "Portugal": ("Lisbon", "Portuguese", "Euro"),
    "Austria": ("Vienna", "German", "Euro"),
    "Poland": ("Warsaw", "Polish", "Polish zloty"),
    "Ireland": ("Dublin", "Irish", "Euro"),
    "Norway": ("Oslo", "Norwegian", "Norwegian krone"),
    "Sweden": ("Stockholm", "Swedish", "Swedish krona"),
    "Finland": ("Helsinki", "Finnish", "Euro"),
    "Denmark": ("Copenhagen", "Danish", "Danish krone"),
    "Greece": ("Athens", "Greek", "Euro"),
    "Hungary": ("Budapest", "Hungarian", "Hungarian forint"),
    "Netherlands": ("Amsterdam", "Dutch", "Euro"),
    "Switzerland": ("Bern", "German", "Swiss franc"),
    "Belgium": ("Brussels", "Dutch", "Euro"),
    "Turkey": ("Ankara", "Turkish", "Turkish lira"),
    "Egypt": ("Cairo", "Arabic", "Egyptian pound"),
    "Nigeria": ("Abuja", "English", "Nigerian naira"),
    "Kenya": ("Nairobi", "Swahili", "Kenyan shilling"),
    "Japan": ("Tokyo", "Japanese", "Japanese yen"),
    "South Korea": ("Seoul", "Korean", "South Korean won"),
    "India": ("New Delhi", "Hindi", "Indian rupee"),
    "Indonesia": ("Jakarta", "Indonesian", "Indonesian rupiah"),
    "Australia": ("Canberra", "English", "Australian dollar"),
    "Canada": ("Ottawa", "English", "Canadian dollar"),
    "United States": ("Washington, D.C.", "English", "United States dollar"),
    "United Kingdom": ("London", "English", "Pound sterling"),
    "Peru": ("Lima", "Spanish", "Peruvian sol"),
    "Colombia": ("Bogota", "Spanish", "Colombian peso"),
    "Chile": ("Santiago", "Spanish", "Chilean peso"),
    "Brazil": ("Brasilia", "Portuguese", "Brazilian real"),
    "Argentina": ("Buenos Aires", "Spanish", "Argentine peso"),
    "Mexico": ("Mexico City", "Spanish", "Mexican peso"),
}
DISHES = dict(
    pair.split("=")
    for pair in phrases(
        "Bakso=Indonesia | Paella=Spain | Arepa=Colombia | Baklava=Turkey | "
        "Bandeja paisa=Colombia | Ajoblanco=Spain | Binignit=Philippines | Shumai=China | "
        "Pierogi=Poland | Goulash=Hungary | Moussaka=Greece | Tamale=Mexico | "
        "Khachapuri=Georgia | Halloumi=Cyprus | Gazpacho=Spain | Poutine=Canada | "
        "Arem-arem=Indonesia | Ayam penyet=Indonesia | Beef kway teow=Singapore | "
        "Bionico=Mexico | Lasagne=Italy | Risotto=Italy | Sushi=Japan | Ramen=Japan | "
        "Bibimbap=South Korea | Kimchi=South Korea | Pho=Vietnam | Pad thai=Thailand | "
        "Feijoada=Brazil | Ceviche=Peru | Empanada=Argentina | Shakshouka=Tunisia | "
        "Biryani=India | Dal makhani=India | Bouillabaisse=France | Ratatouille=France | "
        "Sauerbraten=Germany | Smorrebrod=Denmark | Cullen skink=Scotland | "
        "Bacon Explosion=United States | Barny Cakes=France | Batchoy=Philippines"
    )
)
INGREDIENTS = phrases(
    "Rice | Chickpeas | Noodles | Beef | Lamb | Pork | Chicken | Shrimp | Potatoes | Cheese | "
    "Eggplant | Tomatoes | Beans | Corn | Flour | Almonds | Coconut milk | Tofu | Spinach | "
    "Lentils | Cabbage | Garlic | Fish | Sweet potato | Banana | Sausage | Bread"
)
COURSES = phrases("Dessert | Main course | Starter | Side dish | Snack | Breakfast | Soup")
FOOD_REGIONS = phrases(
    "Java | Valencian Community | Antioquia Department | Visayas | Jalisco | Andalusia | "
    "Malaysia and Indonesia | Sichuan | Kerala | Provence | Bavaria | Tuscany | Punjab"
)
OCCUPATIONS = phrases(
    "Test pilot | Fighter pilot | Engineer | Architect | Painter | Economist | Physicist | "
    "Lawyer | Journalist | Diplomat | Chemist | Surgeon | Composer | Novelist | Astronaut | "
    "Teacher | Photographer | Film director"
)
PARTIES = phrases(
    "Democratic Party | Republican Party | Labour Party | Conservative Party | "
    "Christian Democratic Union | Socialist Party | Green Party | Liberal Democrats | "
    "Social Democratic Party"
)
STYLES = phrases(
    "Art Deco | Gothic Revival | Brutalism | Modernism | Neoclassicism | "
    "Baroque | Postmodernism | Art Nouveau | Romanesque | Bauhaus"
)
INDUSTRIES = phrases(
    "Retail | Aerospace | Banking | Software | Automotive | Energy | "
    "Telecommunications | Pharmaceuticals | Shipbuilding | Food processing"
)
COMPANY_PRODUCTS = phrases(
    "Aircraft | Cars | Smartphones | Televisions | Software | "
    "Steel | Chemicals | Beer | Trucks | Medical devices | Chocolate"
)
LEAGUES = phrases(
    "Premier League | Serie A | La Liga | Bundesliga | Eredivisie | Ligue 1 | "
    "Primeira Liga | Scottish Premiership | Liga MX | A-League | Super Lig"
)
PUBLISHERS = phrases(
    "Penguin Books | Viking Press | Faber and Faber | Tor Books | "
    "Random House | Bloomsbury | HarperCollins | Gollancz | Doubleday"
)
BOOK_GENRES = phrases(
    "Science fiction | Fantasy | Mystery fiction | Historical fiction | "
    "Horror fiction | Crime fiction | Satire | Thriller"
)
ASSOCIATIONS = phrases(
    "European University Association | Association of Commonwealth "
    "Universities | Russell Group | Coimbra Group | League of European "
    "Research Universities"
)

WEB_LOWER = {
    "occupation",
    "mainIngredient",
    "ingredient",
    "course",
    "industry",
    "product",
    "literaryGenre",
}


def _web_coined_place(rng: random.Random) -> str:
    return coined_word(rng, 2, 3)


def _web_object(pred: str, subject: dict, rng: random.Random) -> tuple[str, str, str | None]:
    """(raw form, text form, kind of the object when it can carry further triples)."""
    person = (_full_name(rng), None)
    if pred in ("cityServed", "location", "birthPlace", "deathPlace", "residence", "city"):
        city = subject.get("city") if pred in ("cityServed", "location", "city") else None
        name = city or rng.choice(list(CITY_COUNTRY))
        return name, name, "city"
    if pred in ("country", "nationality"):
        if "country" in subject:
            return subject["country"], subject["country"], "country"
        name = rng.choice(list(COUNTRY_FACTS))
        return name, name, "country"
    if pred in (
        "leaderName",
        "spouse",
        "architect",
        "manager",
        "rector",
        "keyPerson",
        "author",
        "foundedBy",
    ):
        return person[0], person[0], "person"
    simple = {
        "runwayLength": lambda: f"{rng.randint(900, 4200)}.0",
        "runwayName": lambda: (
            f"{rng.randint(1, 36):02d}{rng.choice(['L', 'R', ''])}/"
            f"{rng.randint(1, 36):02d}{rng.choice(['L', 'R', ''])}"
        ),
        "elevationAboveTheSeaLevel": lambda: f"{rng.randint(1, 2400)}.0",
        "operatingOrganisation": lambda: rng.choice(
            [
                "Aena",
                "Avinor",
                "Swedavia",
                "Finavia",
                "Fraport",
                "Schiphol Group",
                "ANA Aeroportos",
                f"{subject['text'].split()[0]} Airport Authority",
            ]
        ),
        "iataLocationIdentifier": lambda: "".join(
            rng.choice("ABCDEFGHIKLMNOPRSTUVWXYZ") for _ in range(3)
        ),
        "birthYear": lambda: str(rng.randint(1901, 1995)),
        "almaMater": lambda: _strip_the(rng.choice(UNIVERSITIES)),
        "occupation": lambda: rng.choice(OCCUPATIONS),
        "party": lambda: rng.choice(PARTIES),
        "award": lambda: rng.choice(AWARDS),
        "club": lambda: rng.choice(CLUBS),
        "isPartOf": lambda: rng.choice(REGIONS),
        "populationTotal": lambda: str(rng.randint(1200, 3900000)),
        "areaTotal": lambda: f"{rng.randint(2, 900)}.{rng.randint(1, 9)}",
        "capital": lambda: COUNTRY_FACTS[subject["text"]][0],
        "language": lambda: f"{COUNTRY_FACTS[subject['text']][1]} language",
        "currency": lambda: COUNTRY_FACTS[subject["text"]][2],
        "mainIngredient": lambda: rng.choice(INGREDIENTS),
        "ingredient": lambda: rng.choice(INGREDIENTS),
        "course": lambda: rng.choice(COURSES),
        "region": lambda: rng.choice(FOOD_REGIONS),
        "dishVariation": lambda: rng.choice(list(DISHES)),
        "completionDate": lambda: str(rng.randint(1850, 2022)),
        "floorCount": lambda: str(rng.randint(3, 95)),
        "architecturalStyle": lambda: rng.choice(STYLES),
        "height": lambda: f"{rng.randint(20, 420)}.{rng.randint(0, 9)}",
        "owner": lambda: rng.choice(COMPANIES),
        "foundingYear": lambda: str(rng.randint(1850, 2020)),
        "industry": lambda: rng.choice(INDUSTRIES),
        "numberOfEmployees": lambda: str(rng.randint(40, 250000)),
        "product": lambda: rng.choice(COMPANY_PRODUCTS),
        "ground": lambda: f"{_web_coined_place(rng)} " + rng.choice(["Stadium", "Park", "Arena"]),
        "league": lambda: rng.choice(LEAGUES),
        "numberOfMembers": lambda: str(rng.randint(5000, 80000)),
        "numberOfStudents": lambda: str(rng.randint(2000, 60000)),
        "academicStaffSize": lambda: str(rng.randint(300, 9000)),
        "established": lambda: str(rng.randint(1200, 1990)),
        "affiliation": lambda: rng.choice(ASSOCIATIONS),
        "publisher": lambda: rng.choice(PUBLISHERS),
        "literaryGenre": lambda: rng.choice(BOOK_GENRES),
        "numberOfPages": lambda: str(rng.randint(96, 980)),
        "isbnNumber": lambda: (
            f"{rng.randint(0, 1)}-{rng.randint(100, 999)}-"
            f"{rng.randint(10000, 99999)}-{rng.randint(0, 9)}"
        ),
        "precededBy": lambda: _web_book_title(rng),
    }
    value = simple[pred]()
    return value, value, None


# predicate -> verb phrases with {o}; objects of WEB_LOWER predicates are lower-cased in text.
WEB_VPS = {
    "cityServed": ["serves the city of {o}", "serves {o}"],
    "location": ["is located in {o}", "is in {o}"],
    "city": ["is located in the city of {o}", "is in {o}"],
    "country": ["is in {o}", "is located in {o}"],
    "runwayLength": ["has a runway length of {o}", "has a runway that is {o} long"],
    "runwayName": ["has a runway named {o}", "has the runway name {o}"],
    "elevationAboveTheSeaLevel": [
        "is {o} metres above sea level",
        "has an elevation of {o} metres above sea level",
    ],
    "operatingOrganisation": ["is operated by {o}", "is run by {o}"],
    "iataLocationIdentifier": ["has the IATA location identifier {o}", "has the IATA code {o}"],
    "birthPlace": ["was born in {o}"],
    "birthYear": ["was born in {o}"],
    "deathPlace": ["died in {o}"],
    "residence": ["lives in {o}"],
    "nationality": ["is a national of {o}", "has {o} nationality"],
    "almaMater": ["graduated from {o}", "studied at {o}"],
    "occupation": ["worked as {a} {o}", "is {a} {o} by profession"],
    "spouse": ["is married to {o}"],
    "party": ["is a member of the {o}", "belongs to the {o}"],
    "award": ["won the {o}", "received the {o}"],
    "club": ["plays for {o}", "plays football for {o}"],
    "isPartOf": ["is part of {o}", "is a part of {o}"],
    "populationTotal": ["has a population of {o}", "has {o} inhabitants"],
    "leaderName": ["is led by {o}", "has {o} as its leader"],
    "areaTotal": ["has a total area of {o} square kilometres", "covers {o} square kilometres"],
    "capital": ["has {o} as its capital", "has the capital {o}"],
    "language": ["is a country where the {o} is spoken", "uses the {o}"],
    "currency": ["uses the {o} as its currency", "has the {o} as its currency"],
    "mainIngredient": ["is made mainly with {o}", "has {o} as its main ingredient"],
    "ingredient": ["contains {o}", "includes {o} as an ingredient"],
    "course": ["is served as {a} {o}", "is eaten as {a} {o}"],
    "region": ["is popular in {o}", "comes from the region of {o}"],
    "dishVariation": ["has a variation called {o}", "can also be made as {o}"],
    "architect": ["was designed by {o}", "was designed by the architect {o}"],
    "completionDate": ["was completed in {o}", "was finished in {o}"],
    "floorCount": ["has {o} floors"],
    "architecturalStyle": ["was built in the {o} style", "is an example of {o} architecture"],
    "height": ["is {o} metres tall", "has a height of {o} metres"],
    "owner": ["is owned by {o}", "belongs to {o}"],
    "foundedBy": ["was founded by {o}"],
    "foundingYear": ["was founded in {o}", "was established in {o}"],
    "industry": ["operates in the {o} industry", "is in the {o} industry"],
    "numberOfEmployees": ["has {o} employees", "employs {o} people"],
    "keyPerson": ["counts {o} among its key people", "has {o} as a key person"],
    "product": ["makes {o}", "produces {o}"],
    "ground": ["plays its home games at {o}", "has its ground at {o}"],
    "league": ["plays in the {o}", "competes in the {o}"],
    "manager": ["is managed by {o}", "has {o} as its manager"],
    "numberOfMembers": ["has {o} members"],
    "numberOfStudents": ["has {o} students", "has a student body of {o}"],
    "academicStaffSize": ["has an academic staff of {o}", "employs {o} academic staff"],
    "established": ["was established in {o}", "was founded in {o}"],
    "rector": ["has {o} as its rector", "is headed by the rector {o}"],
    "affiliation": ["is affiliated with the {o}", "is a member of the {o}"],
    "author": ["was written by {o}"],
    "publisher": ["was published by {o}"],
    "literaryGenre": ["is {a} {o} novel", "belongs to the {o} genre"],
    "numberOfPages": ["has {o} pages", "is {o} pages long"],
    "isbnNumber": ["has the ISBN number {o}"],
    "precededBy": ["is the sequel to {o}", "follows {o}"],
}
# Sentences with {s} and {o} that can open a text instead of "{s} <verb phrase>".
WEB_SENTENCES = {
    "runwayName": ["The runway name at {s} is {o}."],
    "runwayLength": ["The runway length of {s} is {o}."],
    "leaderName": ["The leader of {s} is {o}."],
    "capital": ["The capital of {s} is {o}."],
    "architect": ["The architect of {s} was {o}."],
    "author": ["{s} is a book by {o}.", "{o} is the author of {s}."],
    "manager": ["The manager of {s} is {o}."],
    "mainIngredient": ["The main ingredient of {s} is {o}."],
    "populationTotal": ["The population of {s} is {o}."],
}
# kind -> predicates a subject of that kind can have.
WEB_KINDS = {
    "airport": [
        "cityServed",
        "country",
        "runwayLength",
        "runwayName",
        "elevationAboveTheSeaLevel",
        "operatingOrganisation",
        "iataLocationIdentifier",
    ],
    "person": [
        "birthPlace",
        "birthYear",
        "nationality",
        "almaMater",
        "occupation",
        "spouse",
        "deathPlace",
        "party",
        "award",
        "residence",
    ],
    "athlete": ["birthPlace", "birthYear", "nationality", "club"],
    "city": [
        "country",
        "isPartOf",
        "populationTotal",
        "leaderName",
        "areaTotal",
        "elevationAboveTheSeaLevel",
    ],
    "country": ["capital", "language", "currency", "leaderName"],
    "food": ["country", "mainIngredient", "ingredient", "course", "region", "dishVariation"],
    "building": [
        "location",
        "architect",
        "completionDate",
        "floorCount",
        "architecturalStyle",
        "height",
        "owner",
    ],
    "company": [
        "foundedBy",
        "foundingYear",
        "location",
        "industry",
        "numberOfEmployees",
        "keyPerson",
        "product",
    ],
    "team": ["ground", "league", "manager", "numberOfMembers", "city"],
    "university": [
        "city",
        "country",
        "numberOfStudents",
        "academicStaffSize",
        "established",
        "rector",
        "affiliation",
    ],
    "book": ["author", "publisher", "literaryGenre", "numberOfPages", "isbnNumber", "precededBy"],
}
# Kinds of objects that may get a triple of their own, and the predicates they may take.
WEB_CHAIN = {
    "city": ["country", "populationTotal", "leaderName", "isPartOf"],
    "country": ["capital", "language", "currency", "leaderName"],
    "person": ["birthPlace", "nationality", "birthYear"],
}


def _web_book_title(rng: random.Random) -> str:
    return rng.choice(
        [
            f"The {rng.choice(_E2E_ADJ)} {rng.choice(_E2E_NOUN)}",
            f"A Wizard of {coined_word(rng)}",
            f"The {coined_word(rng)} Chronicles",
            f"{coined_word(rng)} Rising",
            f"Letters from {rng.choice(CITIES)}",
        ]
    )


def _web_subject(kind: str, rng: random.Random) -> dict:
    """The subject entity: its text and the facts that its objects must agree with."""
    if kind == "airport":
        city = rng.choice(list(CITY_COUNTRY))
        text = f"{city.split(',')[0]} " + rng.choice(["Airport", "International Airport"])
        if rng.random() < 0.3:
            text = f"{_full_name(rng)} International Airport"
        return {"text": text, "city": city, "country": CITY_COUNTRY[city]}
    if kind in ("person", "athlete"):
        return {"text": _full_name(rng)}
    if kind == "city":
        if rng.random() < 0.4:
            city = rng.choice(list(CITY_COUNTRY))
            return {"text": city, "country": CITY_COUNTRY[city]}
        return {"text": _web_coined_place(rng)}
    if kind == "country":
        return {"text": rng.choice(list(COUNTRY_FACTS))}
    if kind == "food":
        dish = rng.choice(list(DISHES))
        return {"text": dish, "country": DISHES[dish]}
    if kind == "building":
        city = rng.choice(list(CITY_COUNTRY))
        text = rng.choice(
            [
                f"{coined_word(rng)} Tower",
                f"{rng.choice(LAST_NAMES)} House",
                f"{city.split(',')[0]} Cathedral",
                f"{coined_word(rng)} Building",
                f"{rng.choice(LAST_NAMES)} Memorial Hall",
            ]
        )
        return {"text": text, "city": city}
    if kind == "company":
        return {
            "text": f"{coined_word(rng)} "
            + rng.choice(["Group", "Industries", "Motors", "Foods", "Airlines", "Bank"])
        }
    if kind == "team":
        city = rng.choice(list(CITY_COUNTRY))
        text = f"{city.split(',')[0]} " + rng.choice(["United", "FC", "Rovers", "Athletic", "City"])
        if rng.random() < 0.5:
            text = f"{coined_word(rng)} " + rng.choice(["United", "FC", "Rovers", "Athletic"])
        return {"text": text, "city": city}
    if kind == "university":
        city = rng.choice(list(CITY_COUNTRY))
        text = rng.choice(
            [
                f"University of {city.split(',')[0]}",
                f"{coined_word(rng)} University",
                f"{city.split(',')[0]} Institute of Technology",
            ]
        )
        return {"text": text, "city": city, "country": CITY_COUNTRY[city]}
    return {"text": _web_book_title(rng)}  # book


def _web_raw(value: str, pred: str) -> str:
    """DBpedia style: entities with underscores, string literals quoted, numbers bare."""
    if re.fullmatch(r"[\d.]+", value):
        return value
    if pred in ("runwayName", "iataLocationIdentifier", "isbnNumber"):
        return f'"{value}"'
    return value.replace(" ", "_")


def make_webnlg(rng: random.Random) -> dict:
    kind = rng.choice(list(WEB_KINDS))
    subject = _web_subject(kind, rng)
    n_triples = rng.choice([1, 1, 2, 2, 3, 3])
    triples: list[tuple[str, str, str, str]] = []  # subject text, predicate, object text, raw
    entities = [(subject, kind)]  # (entity, kind) that may take triples
    used: set[tuple[str, str]] = set()
    while len(triples) < n_triples:
        chained = [(e, k) for e, k in entities[1:] if k in WEB_CHAIN]
        if triples and chained and rng.random() < 0.4:
            ent, ent_kind = rng.choice(chained)
            preds = WEB_CHAIN[ent_kind]
        else:
            ent, ent_kind = subject, kind
            preds = WEB_KINDS[kind]
        preds = [p for p in preds if (ent["text"], p) not in used]
        if ent_kind == "person" and any(
            (ent["text"], p) in used for p in ("birthPlace", "birthYear")
        ):
            preds = [p for p in preds if p not in ("birthPlace", "birthYear")]
        if not preds:
            continue
        pred = rng.choice(preds)
        used.add((ent["text"], pred))
        obj_raw, obj_text, obj_kind = _web_object(pred, ent, rng)
        triples.append((ent["text"], pred, obj_text, _web_raw(obj_raw, pred)))
        if obj_kind and obj_text != ent["text"]:
            obj = {"text": obj_text}
            if obj_kind == "city" and obj_text in CITY_COUNTRY:
                obj["country"] = CITY_COUNTRY[obj_text]
            if obj_kind == "country" and obj_text not in COUNTRY_FACTS:
                obj_kind = None
            if obj_kind:
                entities.append((obj, obj_kind))
    # One triple per line in the data is joined with ", " here (the report's
    # modified_triple_set_preprocessed column holds one string per example).
    rep = ", ".join(f"{_web_raw(s, 'subject')} | {p} | {raw}" for s, p, _, raw in triples)
    return example(
        {"modified_triple_set_preprocessed": rep},
        _web_text(triples, rng),
        mentions=[s for s, _, _, _ in triples] + [o for _, _, o, _ in triples],
    )


def _web_vp(pred: str, obj: str, rng: random.Random) -> str:
    shown = obj.lower() if pred in WEB_LOWER else obj
    return rng.choice(WEB_VPS[pred]).format(o=shown, a=a_an(shown))


def _web_text(triples: list[tuple[str, str, str, str]], rng: random.Random) -> str:
    """Sentences grouped by subject, in the order the subjects first appear."""
    order: list[str] = []
    for s, _, _, _ in triples:
        if s not in order:
            order.append(s)
    sentences: list[str] = []
    for s in order:
        own = [(p, o) for s2, p, o, _ in triples if s2 == s]
        first_p, first_o = own[0]
        if first_p in WEB_SENTENCES and rng.random() < 0.5:
            shown = first_o.lower() if first_p in WEB_LOWER else first_o
            opener = rng.choice(WEB_SENTENCES[first_p]).format(s=s, o=shown)
            if len(own) == 1:
                sentences.append(opener)
            else:
                pronoun = (
                    "It" if opener.startswith(("The ", s)) and _web_is_thing(triples, s) else s
                )
                sentences.append(
                    opener
                    + f" {pronoun} "
                    + join_and([_web_vp(p, o, rng) for p, o in own[1:]])
                    + "."
                )
            continue
        vps = [_web_vp(p, o, rng) for p, o in own]
        if len(vps) == 3 and rng.random() < 0.4:
            pronoun = "It" if _web_is_thing(triples, s) else s
            sentences.append(f"{s} {vps[0]}. {pronoun} {join_and(vps[1:])}.")
        else:
            sentences.append(f"{s} {join_and(vps)}.")
    return " ".join(capitalise(x) for x in sentences)


def _web_is_thing(triples: list[tuple[str, str, str, str]], s: str) -> bool:
    """Whether "It" can refer to `s` (not a person)."""
    person_preds = {
        "birthPlace",
        "birthYear",
        "nationality",
        "spouse",
        "almaMater",
        "occupation",
        "party",
        "award",
        "residence",
        "deathPlace",
        "club",
    }
    return not any(s2 == s and p in person_preds for s2, p, _, _ in triples)


WEBNLG = task(
    "webnlg",
    "Write plain English text that states every Subject | predicate | Object triple.",
    make_webnlg,
)
