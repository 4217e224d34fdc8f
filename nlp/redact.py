"""De-identification for quotes: personal details become placeholders; places, services and conditions stay.

Replaced: email addresses, phone numbers (UK, and international ones written with +), NHS numbers (only those with
a valid check digit, so a ten-digit reference is left alone), UK postcodes, street addresses with a house number,
dates of birth, and people's names.

Names are found without a model, in three ways, each measured on nlp/data/redaction/ (bench/redaction.py):
- a list of first names (lists/first_names_*.txt): a name that is not also an ordinary English word ("Kwame",
  "Agnieszka") is a name wherever it stands, capitalised, in capitals, or in a text written all in lower case;
- the words around a capitalised word: a title ("Dr", "Mrs"), a role or relative ("my son", "the care
  coordinator,"), an introduction ("my name is", "I'm"), a request ("ask for", "speak to", "thanks to"), a greeting
  or sign-off ("Hi", "Best wishes,"), a list label ("Present:"), what follows ("... said", "... is my daughter",
  "...'s carer", "..., 54,"), or a list of names it belongs to;
- the shape of the sentence: a listed name that is also a word ("Grace", "Will", "May") is a name when it is
  capitalised in the middle of a sentence, and needs one of the cues above at the start of one; two capitalised
  words in a row that are neither English words nor known places ("Teodora Ivanova") are a name.
A name grows to take in the capitalised words next to it ("Tunde Bakare", "Efua Asante-Boateng", "João da Silva").
Words in lists/keep.txt (places, services, organisations, conditions, days, months, peoples, languages) are never
names unless a strong cue says so ("my daughter India"), and neither are "St Thomas'", "Mary Seacole House" or
"Parkinson's". What a cue accepts is checked against the English word lists (common_words.txt, rarer_words.txt),
so "I'm tired" and "ask for Help" stay.

REDACTOR_VERSION changes whenever what is replaced changes: stored redactions made by an older version are stale.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

import msgspec

REDACTOR_VERSION = "2"
"""Changes whenever what `redact` replaces changes: Engage stores redacted words with the version that made them
and the worker redacts again everything made by another version."""

PLACEHOLDERS = {
    "email": "[email]",
    "phone": "[phone]",
    "nhs": "[NHS number]",
    "postcode": "[postcode]",
    "address": "[address]",
    "dob": "[date of birth]",
    "name": "[name]",
}

LISTS_DIR = Path(__file__).parent / "data" / "redaction" / "lists"


class Redaction(msgspec.Struct, kw_only=True):
    text: str
    replaced: dict[str, int]


class Found(NamedTuple):
    """A span of the original text that redaction replaces with PLACEHOLDERS[kind]."""

    start: int
    end: int
    kind: str


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check digit, as the NHS defines it."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def redact(text: str) -> Redaction:
    counts: dict[str, int] = {}
    parts: list[str] = []
    position = 0
    for found in find(text):
        parts.append(text[position : found.start])
        parts.append(PLACEHOLDERS[found.kind])
        counts[found.kind] = counts.get(found.kind, 0) + 1
        position = found.end
    parts.append(text[position:])
    return Redaction(text="".join(parts), replaced=counts)


def find(text: str) -> list[Found]:
    """Every personal detail in `text`, in order, none overlapping."""
    spans = _find_patterns(text)
    spans += _find_names(text, spans)
    return sorted(spans)


# --- Contact details, numbers and dates: regular expressions ---------------------------------------------------

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# UK numbers are 0 and nine or ten more digits; international ones start with + and have 9 to 15 digits. Spaces and
# dashes may sit between digits, brackets around an area code: "(020) 7733 1122", "07723-456-789", "+44 (0)20 7946
# 0881" (a bracket is only taken with its partner, so "(07700 900412)" keeps both).
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d(?:[\s-]?(?:\(0\)\s?)?\d){8,16}|\(0\d{2,4}\)[\s-]?\d(?:[\s-]?\d){5,8}|0\d(?:[\s-]?\d){8,9})(?!\d)"
)
_DIGIT = re.compile(r"\d")
_NHS = re.compile(r"(?<!\d)(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
_STREET_TYPES = (
    "Road|Rd|Street|St|Avenue|Ave|Lane|Close|Grove|Way|Place|Gardens|Crescent|Terrace|Drive|Court|Square|Walk|"
    "Rise|Row|Mews|Parade|Hill|Park|Estate|House|Vale|Green|Gate"
)
_ADDRESS = re.compile(
    rf"\b(?:Flat\s+\d+[A-Za-z]?,?\s+)?\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){{1,3}}(?:{_STREET_TYPES})\b"
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS}),?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_DOB = re.compile(
    rf"(?i)\b(?:date of birth|d\.?o\.?b\.?|born(?: on)?)\s*(?:is\s+|was\s+|:\s*|-\s*)?(?P<date>{_DATE})",
)


def _find_patterns(text: str) -> list[Found]:
    spans: list[Found] = []
    covered = bytearray(len(text))

    def add(start: int, end: int, kind: str) -> None:
        if not any(covered[start:end]):
            spans.append(Found(start, end, kind))
            covered[start:end] = b"\x01" * (end - start)

    if "@" in text:
        for match in _EMAIL.finditer(text):
            add(match.start(), match.end(), "email")
    if not _DIGIT.search(text):
        return spans  # every other pattern has a digit in it
    for match in _DOB.finditer(text):
        add(match.start("date"), match.end("date"), "dob")
    # NHS numbers before phone numbers: both are runs of ten digits, only one has a valid check digit.
    for match in _NHS.finditer(text):
        if nhs_number_is_valid("".join(match.groups())):
            add(match.start(), match.end(), "nhs")
    for match in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in match.group(0))
        if (match.group(0).startswith("+") and 9 <= digits <= 15) or digits in (10, 11):
            add(match.start(), match.end(), "phone")
    for match in _ADDRESS.finditer(text):
        add(match.start(), match.end(), "address")
    for match in _POSTCODE.finditer(text):
        add(match.start(), match.end(), "postcode")
    return spans


def _words(text: str) -> list[str]:
    return text.split()


# --- Names -----------------------------------------------------------------------------------------------------

# Words that are never names even where a cue stands before them: forms of address, relatives, pronouns.
_NEVER_NAMES = frozenset(
    _words(
        """
        i i'm im me my mum mam mom mummy mummies dad daddy nan nana nanna gran granny grandma grandad granddad grandpa
        auntie aunty aunt uncle sis bro babe hun love mate sir madam doc nurse doctor sister brother son daughter
        everyone everybody someone somebody anyone anybody nobody all team staff guys folks friends hi hello hiya hey
        heya dear cheers thanks thank ta regards yes no ok okay please sorry bye morning evening afternoon i've i'd
        i'll x xx xxx he she it we they you him her his hers them us our ours their theirs its one cannot tel
        mob mobile email fax ref
        """
    )
)
_TITLES = (
    "mr|mrs|ms|miss|mx|dr|doctor|nurse|sister|prof|professor|cllr|councillor|rev|reverend|fr|father|pastor|imam|"
    "rabbi|sheikh|sir|dame|lady|lord|auntie|aunty|aunt|uncle|matron|brother|bro|sis|mama|papa|baba|mamma|maame|"
    "madam|madame|sr"
)
_RELATIVES = (
    "son|daughter|husband|wife|partner|mum|mother|dad|father|brother|sister|neighbour|neighbor|friend|carer|"
    "grandson|granddaughter|grandchild|nan|nana|gran|granny|grandma|grandad|granddad|grandpa|grandfather|grandmother|"
    "uncle|aunt|auntie|aunty|cousin|niece|nephew|boyfriend|girlfriend|fiancée?|child|kid|baby|twin|stepson|"
    "stepdaughter|stepmum|stepdad|step-mum|step-dad|step-son|step-daughter|(?:son|daughter|mother|father|brother|"
    "sister)-in-law|godson|goddaughter|godmother|godfather|colleague|flatmate|housemate|landlord|landlady|lodger|"
    "parent|mate|pal|bestie|best friend|wifey|hubby|other half"
)
_ROLES = (
    "worker|key ?worker|social worker|support worker|care worker|link worker|outreach worker|youth worker|"
    "case ?worker|co-?ordinator|care co-?ordinator|nurse|district nurse|practice nurse|doctor|gp|consultant|"
    "registrar|surgeon|specialist|manager|practice manager|ward manager|receptionist|therapist|physio|"
    "physiotherapist|occupational therapist|ot|pharmacist|midwife|health visitor|counsellor|counselor|advocate|"
    "officer|housing officer|volunteer|facilitator|chair|chairperson|councillor|navigator|prescriber|"
    "social prescriber|matron|paramedic|interpreter|translator|teacher|senco|tutor|mentor|vicar|priest|imam|"
    "befriender|buddy|assistant|team leader|lead|director|secretary|cleaner|driver|note-?taker|caller|client|"
    "patient|resident|tenant|service user|member|participant|speaker|host|organiser|organizer|founder|"
    "admin|administrator|clerk|practitioner|psychiatrist|psychologist|dentist|optician|hygienist|dietitian|"
    "carers? lead|champion|ambassador|researcher|community researcher|peer supporter|supporter|chef|cook|"
    "barber|hairdresser|warden|caretaker|concierge|porter|keyworker"
)
_POSSESSIVES = r"(?:my|our|his|her|their|your|the|a|an|mum's|dad's|mother's|father's)"

_TITLE_BEFORE = re.compile(rf"(?:^|[^\w'’])(?:(?:{_TITLES})|(?:mr|mrs|ms|dr|prof|rev|fr|cllr|sr)\.)\s+$", re.IGNORECASE)
_ROLE_BEFORE = re.compile(
    rf"(?:^|[^\w'’])(?:(?:{_POSSESSIVES})\s+(?:[a-z-]+\s+)?(?:{_RELATIVES}|{_ROLES})|{_RELATIVES}|{_ROLES})"
    r"(?:,\s*|\s+|\s*\(\s*|\s*[:\-–—]\s*)$",
    re.IGNORECASE,
)
_NAMING_BEFORE = re.compile(
    r"(?:^|[^\w'’])(?:my name is|my name's|my names|my name|name is|name's|names|i am called|i'm called|"
    r"i’m called|im called|called|named|known as|call me|goes by)\s*,?\s+$",
    re.IGNORECASE,
)
_INTRO_BEFORE = re.compile(
    r"(?:^|[^\w'’])(?:i'm|i’m|im|i am|this is|it's|it’s|it is|its|here is|here's|me is|i is)\s*,?\s+$",
    re.IGNORECASE,
)
_REQUEST_BEFORE = re.compile(
    r"(?:^|[^\w'’])(?:(?:speak|spoke|spoken|speaking|talk|talked|talking|chat|chatted|get through|write|wrote|"
    r"pass(?:ed)? (?:on )?my thanks|thanks?(?: you)?(?: so much)?|grateful|shout ?out|shout-out|credit|"
    r"big thanks|special thanks|many thanks|huge thanks|listen|listened|explain|explained|referred|refer|"
    r"introduced|introduce|reach out|reached out|reply|replied|respond|responded|complain|complained|apologise|"
    r"apologised|report|reported|give|gave|send|sent|pass|passed|hand|handed|mention|mentioned|forward|"
    r"forwarded|kind) to|"
    r"(?:speak|spoke|talk|talked|talking|chat|chatted|meet|meeting|met|sat|work|worked|working|visit|visits|"
    r"appointment|appointments|session|sessions|call|calls|catch up|catch-up|check|checked|confirmed|agreed|"
    r"spoken|speaking|discussed|shared|booked|arranged|liaised|liaise) with|"
    r"(?:ask|asked|asking|look|looked|looking|wait|waited|waiting|cheers|applause|prayers|message|messages|"
    r"note|letter|card|gift|referral|referrals|voicemail|callback|call back) for|"
    r"(?:facilitated|organised|organized|run|led|hosted|seen|supported|referred|interviewed|visited|helped|"
    r"translated|interpreted|written|recorded|taken|chaired|presented|introduced|covered|replaced|signed) by|"
    r"ask|asked|thank|thanked|thanks|thank you|cheers|contact|contacted|ring|rang|phone|phoned|call|email|emailed|"
    r"e-mailed|text|texted|message|messaged|whatsapp|whatsapped|tell|told|remind|reminded|invite|invited|"
    r"cc|cc'd|copy in|copied in|chase|chased|nominate|nominated|congratulate|congratulations|praise|praised|"
    r"thank god for|god bless|bless|miss|missed|love|loved|trust|trusted|like)\s+$",
    re.IGNORECASE,
)
# Weaker: a word must be on the first-name list to count as a name after these.
_WEAK_BEFORE = re.compile(
    r"(?:^|[^\w'’])(?:with|by|see|saw|seen|seeing|met|meet|help|helped|helping|support|supported|visit|visited|"
    r"for|from|to|and|or|at|about|behind|beside|than|then|after|before|because of|such as|including|"
    r"especially|particularly|except|apart from|via|care of|c/o|name of|go to|went to)\s+$",
    re.IGNORECASE,
)
_GREETING_BEFORE = re.compile(
    r"(?:^|[\n.!?]\s*|^[^\w]*)(?:hi|hello|hiya|hey|heya|dear|morning|good morning|good afternoon|good evening|"
    r"afternoon|evening|thanks|thank you|thanks again|many thanks|thanks so much|thank you so much|cheers|ta|bye|"
    r"love|lots of love|love from|best|best wishes|all the best|kind regards|warm regards|warmest regards|regards|"
    r"yours|yours sincerely|yours faithfully|yours truly|sincerely|speak soon|see you soon|see you|take care|"
    r"with thanks|with love|from|signed|many thanks again|thx|bw|kr)\s*[,!:]?\s*$",
    re.IGNORECASE,
)
_LABEL_BEFORE = re.compile(
    r"(?:present|attendees|attending|attended|participants|apologies(?: from)?|facilitators?|note-?takers?|"
    r"notes? (?:taken )?by|minutes (?:taken )?by|taken by|chair(?:ed by)?|co-?chairs?|hosted by|run by|led by|"
    r"translated by|interpreted by|interpreters?|volunteers?|cc|from|to|name|names|speakers?|contact|"
    r"client|patient|carer|caller|referrer|signed|author|written by|spoke|spoke to|spoke with|"
    r"met with|with)\s*[:\-–—]\s*$",
    re.IGNORECASE,
)
_AFTER_PERSON = re.compile(
    r"\s+(?:(?:first|then|also|always|never|just|finally|still|often|later|even|really|kindly|personally) )?"
    r"(?:to (?:email|e-mail|call|ring|phone|contact|book|send|share|invite|check|follow up|write|organise|"
    r"organize|arrange|speak|chase|update|lead|bring|find|draft|circulate|confirm|ask|visit|host|chair|facilitate|"
    r"attend|present|take|feed back|liaise)\b|"
    r"said|says|saying|told|tells|explained|explains|helped|helps|came|comes|rang|rings|phoned|phones|"
    r"called|calls|asked|asks|visits|visited|runs|ran|organised|organized|organises|organizes|cares|cared|"
    r"looks after|looked after|drives|drove|took|takes|gave|gives|wrote|writes|sorted|translated|translates|"
    r"volunteered|volunteers|spoke|speaks|works|worked|lives|lived|knows|knew|started|set up|stayed|sat|held|"
    r"listened|listens|understood|understands|treated|arranged|chased|fixed|emailed|texted|messaged|shared|"
    r"agreed|offered|invited|hosted|interviewed|recommended|referred|introduced|showed|shows|taught|teaches|"
    r"supports|supported|attended|joined|waited|dropped|pops|popped|brought|brings|picked|remembers|remembered|"
    r"smiled|laughed|cried|died|passed away|needs|needed|wants|wanted|felt|feels|thinks|thought|believes|"
    r"suggested|mentioned|reported|complained|insisted|fought|fights|has been fighting|has been waiting|"
    r"has had|had to|(?:is|was|has been) (?:my|our|his|her|their|the|a|an) (?:[a-z-]+ ){0,2}(?:"
    + _RELATIVES
    + "|"
    + _ROLES
    + r")\b|"
    r"and I|and me|& I|(?:from|at) (?:the|my|our|his|her|church|school|work|reception|[A-Z])|here\b|"
    r"(?:\(|,\s*)(?:my|our|his|her|the|a) (?:[a-z-]+ )?(?:" + _RELATIVES + "|" + _ROLES + r")\b|"
    r"\(\s*(?:\d{1,3}|son|daughter|mum|dad|wife|husband|carer|volunteer|interpreter|resident|self-advocate)\b|"
    r",\s*\d{1,3}\s*[,.)]|,?\s*aged\s+\d)",
)
_AFTER_POSSESSIVE_PERSON = re.compile(
    r"\s+(?:(?:little|older|younger|eldest|youngest|late|new|old|own)\s+)?(?:" + _RELATIVES + "|" + _ROLES + "|"
    r"mum|dad|school|college|nursery|class|teacher|appointment|appointments|medication|meds|tablets|care|family|"
    r"children|kids|baby|table|group|house|home|flat|room|bed|funeral|diagnosis|condition|health|illness|"
    r"dementia|cancer|needs|case|referral|assessment|operation|surgery|birthday|life|story|words|idea|"
    r"question|point|comment|view|experience|feedback|account|situation|behalf|phone|number|email|name|"
    r"wheelchair|ramp|stairlift|benefits|pip|application|form|letter|discharge|treatment|journey|team)\b",
    re.IGNORECASE,
)
_COMPANION_BEFORE = re.compile(
    r"(?:^|[^\w'’])(?:(?:me|myself|i)\s*(?:and|&)|(?:went|go|goes|going|came|come|comes|coming|live|lives|living|"
    r"lived|stay|stays|stayed|staying|along|together) with)\s+$",
    re.IGNORECASE,
)
# After "in Ibadan", "from Enugu": a place, whatever follows ("... and I still go back").
_PLACE_BEFORE = re.compile(
    r"(?:^|[^\w'’])(?:in|at|from|to|near|around|into|outside|inside|across|towards|of|on|via)\s+$", re.IGNORECASE
)
_SPEAKER_AFTER = re.compile(r"\s*:")
_PAREN_BEFORE = re.compile(r"\(\s*$")
_PAREN_AFTER = re.compile(r"\s*\)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_TITLE_WORDS = frozenset(_TITLES.split("|"))
# The last word of each naming, title and greeting cue, so that most words need no regular expression at all.
_NAMING_LAST = frozenset(_words("is name name's names called named as me by"))
_TITLE_LAST = _TITLE_WORDS | frozenset(_words("mr mrs ms dr prof rev fr cllr sr"))
_GREETING_LAST = frozenset(
    _words(
        "hi hello hiya hey heya dear morning afternoon evening thanks thank you again much cheers ta bye love from "
        "best wishes regards yours sincerely faithfully truly soon care signed thx bw kr"
    )
)
_ABBREVIATIONS = frozenset(_words("mr mrs ms dr st fr prof rev cllr sr no"))
_FACILITIES = frozenset(
    _words(
        # Not Hall, Park, Ward, Church, Lodge, Grove or Way: they are surnames as often ("Stuart Hall", "Jenny Park").
        "hospital road street lane avenue house centre center court estate gardens square library school academy "
        "college surgery practice clinic mosque temple market station trust council foundation society association "
        "hospice unit tower crescent terrace mews partnership network project cafe café club hub building primary "
        "medical health group services service nursery home institute university campus arms pharmacy chemist manor "
        "villas close drive"
    )
)
_TIME_WORDS = frozenset(
    _words(
        "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
        "september october november december christmas easter ramadan eid"
    )
)
_FUNCTION_WORDS = frozenset(_words("will may can said sue must might shall did does got"))
_PARTICLES = frozenset(_words("da de do dos das van von der den del della di du le la bin binti ibn al el ben mac"))
_SAINTS = frozenset(("st", "saint"))
_CONTRACTIONS = ("'ve", "'d", "'ll", "'re", "'m", "'t")
_SENTENCE_GAP = re.compile(r"[.!?:;\n\"“”(•*]|^\s*-\s|\d\)")
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*(?:['’](?![^\W\d_]))?")

# Cue strengths: what a word must be to count as a name after each.
_NAMED = 5  # "my name is", "called": any word, even an ambiguous one in lower case ("called precious")
_TITLED = 4  # "Dr", "Mrs": any capitalised word ("Mrs Green", "Dr May")
_ROLE = 3  # "my son", "the care coordinator,": a listed name or a word that is not English
_CUED = 2  # a request, greeting, introduction, list label, or what follows ("... said", "...'s carer")
_WEAK = 1  # "with", "by", or capitalised mid-sentence: a listed name only
_NONE = 0  # the list alone, or two unknown capitalised words


def _key(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _Lexicon(NamedTuple):
    names: frozenset[str]
    common: frozenset[str]  # frequent English words: a listed name among them is ambiguous ("Grace", "Will")
    english: frozenset[str]  # any English word, rarer ones too ("memorandum")
    keep: frozenset[str]  # one-word terms
    keep_phrases: dict[str, tuple[tuple[str, ...], ...]]  # first word -> longer terms, longest first


def _read_words(path: Path, split: bool) -> list[str]:
    entries: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.extend(line.split() if split else [line])
    return entries


def _split_possessive(word: str) -> tuple[str, bool]:
    if len(word) > 3 and word[-2] in "'’" and word[-1] in "sS":
        return word[:-2], True
    if len(word) > 2 and word[-1] in "'’":
        return word[:-1], True
    return word, False


def _phrase_keys(phrase: str) -> tuple[str, ...]:
    keys = []
    for match in _TOKEN.finditer(phrase):
        base, possessive = _split_possessive(match.group(0))
        keys.append(_key(base) + ("'s" if possessive else ""))
    return tuple(keys)


@cache
def _lexicon() -> _Lexicon:
    names = {
        _key(w) for f in ("first_names_faker.txt", "first_names_engage.txt") for w in _read_words(LISTS_DIR / f, True)
    }
    common = set(_read_words(LISTS_DIR / "common_words.txt", True)) | _NEVER_NAMES
    english = common | set(_read_words(LISTS_DIR / "rarer_words.txt", True))
    keep: set[str] = set()
    phrases: dict[str, list[tuple[str, ...]]] = {}
    for phrase in _read_words(LISTS_DIR / "keep.txt", False):
        keys = _phrase_keys(phrase)
        if len(keys) == 1:
            keep.add(keys[0])
        elif keys:
            phrases.setdefault(keys[0], []).append(keys)
    return _Lexicon(
        names=frozenset(names - _NEVER_NAMES - _TITLE_WORDS),
        common=frozenset(common),
        english=frozenset(english),
        keep=frozenset(keep),
        keep_phrases={k: tuple(sorted(v, key=len, reverse=True)) for k, v in phrases.items()},
    )


class _Token:
    __slots__ = (
        "common",
        "end",
        "english",
        "full_end",
        "keep",
        "key",
        "listed",
        "pkey",
        "possessive",
        "shape",
        "start",
        "starts_sentence",
        "text",
    )

    def __init__(self, match: re.Match[str], word: _Word) -> None:
        self.start = match.start()
        self.end = self.start + word.length
        self.full_end = match.end()
        self.text = match.group(0)[: word.length]
        self.key, self.pkey, self.possessive, self.shape = word.key, word.pkey, word.possessive, word.shape
        self.common, self.english, self.listed, self.keep = word.common, word.english, word.listed, word.keep
        self.starts_sentence = False


class _Word(NamedTuple):
    """What the lists say about one written word; cached, as the same words come back text after text."""

    length: int  # without a possessive "'s"
    key: str
    pkey: str
    possessive: bool
    shape: str  # "title", "upper" (also "LCNs"), "lower" or "other"
    common: bool
    english: bool
    listed: bool
    keep: int  # 1: a one-word term to keep; tokens in a longer term get 2


@lru_cache(maxsize=100_000)
def _word(written: str) -> _Word:
    lexicon = _lexicon()
    base, possessive = _split_possessive(written)
    key = _key(base)
    pkey = key + "'s" if possessive else key
    if base[0].isupper():
        # "NHS", "LCNs" and "DH-accredited" are acronyms; "McLachlan" is not.
        shape = "upper" if len(base) > 1 and base[1].isupper() else "title"
    else:
        shape = "lower" if base[0].islower() else "other"
    listed = False
    if key.endswith(_CONTRACTIONS):  # "We've", "don't", "She'd" are words, whatever comes before the apostrophe
        common = english = True
    elif "-" in key:  # "Co-production" is English, "Asante-Boateng" is not
        parts = key.split("-")
        common = all(p in lexicon.common for p in parts)
        english = all(p in lexicon.english for p in parts)
        listed = key in lexicon.names
    else:
        common = key in lexicon.common
        english = common or key in lexicon.english
        listed = key in lexicon.names
    keep = 1 if pkey in lexicon.keep or key in lexicon.keep else 0
    return _Word(len(base), key, pkey, possessive, shape, common, english, listed, keep)


def _tokens(text: str, lexicon: _Lexicon) -> list[_Token]:
    tokens = [_Token(m, _word(m.group(0))) for m in _TOKEN.finditer(text)]
    previous: _Token | None = None
    for index, token in enumerate(tokens):
        if previous is None:
            token.starts_sentence = True
        else:
            gap = text[previous.full_end : token.start]
            if gap != " " and _SENTENCE_GAP.search(gap):
                token.starts_sentence = not (gap.strip() == "." and previous.key in _ABBREVIATIONS)
        previous = token
        phrases = lexicon.keep_phrases.get(token.key)
        if phrases:
            for phrase in phrases:
                window = tokens[index : index + len(phrase)]
                if len(window) == len(phrase) and all(
                    t.pkey == k or t.key == k for t, k in zip(window, phrase, strict=True)
                ):
                    for t in window:
                        t.keep = 2
                    break
        if token.key in _SAINTS and index + 1 < len(tokens) and tokens[index + 1].shape == "title":
            token.keep = tokens[index + 1].keep = 2  # St Thomas', St Vincent's, Saint Mary's
    return tokens


def _find_names(text: str, taken: list[Found]) -> list[Found]:
    lexicon = _lexicon()
    original = text
    # Words inside an email, an address or a web link are not names to look for: blank them out.
    hidden = bytearray(len(text))
    parts: list[str] = []
    position = 0
    for start, end in sorted([(s.start, s.end) for s in taken] + [m.span() for m in _URL.finditer(text)]):
        hidden[start:end] = b"\x01" * (end - start)
        start = max(start, position)
        if end > start:
            parts += [text[position:start], " " * (end - start)]
            position = end
    text = "".join(parts) + text[position:]
    tokens = _tokens(text, lexicon)
    if not tokens:
        return []
    starts = [t for t in tokens if t.starts_sentence]
    lower_style = bool(starts) and sum(t.shape == "lower" for t in starts) * 2 > len(starts)
    shouty = sum(t.shape == "upper" for t in tokens) * 2 > len(tokens)

    def capitalised(t: _Token) -> bool:
        return t.shape in ("title", "upper") or (lower_style and t.shape == "lower")

    def acceptable(t: _Token, strength: int, naming: bool = False) -> bool:
        """Whether `t` can be a name after a cue of this strength (see _TITLED and the others)."""
        if t.key in _NEVER_NAMES or t.key in _TITLE_WORDS or len(t.text) < 2:
            return False
        if t.keep and not (strength >= _ROLE and t.listed):
            return False  # "my daughter India", but not "with Lambeth"
        if t.shape == "title":
            return t.listed or not t.english or strength >= _TITLED
        if t.shape == "upper":  # "THE GP SAID WAIT": "Said" is a name, but not here
            return (t.listed and t.key not in _FUNCTION_WORDS) or (strength >= _ROLE and not t.english)
        if t.shape == "lower" and lower_style:
            if t.listed:  # "my daughter rose", "called precious"; not "my son will sort it"
                return not t.common or naming or (strength >= _ROLE and t.key not in _FUNCTION_WORDS)
            return strength >= _CUED and not t.english and not t.keep and len(t.text) > 2
        return False

    seeds: dict[int, int] = {}  # token index -> strength of the cue that made it a name
    for i, t in enumerate(tokens):
        if not capitalised(t) or t.key in _NEVER_NAMES or t.key in _TITLE_WORDS or len(t.text) < 2:
            continue
        if t.possessive and i and tokens[i - 1].key == "the":
            continue  # "the Maggie's centre", "the Sainsbury's": a place
        strong = t.listed and not t.common and not t.keep and (t.shape == "title" or _plain_enough(t, shouty))
        if strong and not _before_facility(text, tokens, i):
            seeds[i] = _NONE  # a first name that is no English word; the cue only matters before "House"
            continue
        # Only a title or "called" can make an English word or a term to keep a name: look no further for those.
        only_titled = bool(t.english or t.keep) and not t.listed
        strength = _cue(text, original, tokens, i, shouty, only_titled)
        if strong or (strength and acceptable(t, strength, strength == _NAMED) and (strength > _WEAK or t.listed)):
            seeds[i] = strength
    # Two capitalised words in a row, neither a common word nor a term to keep and one no English word at all:
    # "Teodora Ivanova", "Yaw Darko".
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        if (
            a.shape == b.shape == "title"
            and not a.possessive
            and text[a.end : b.start] == " "
            and not (a.keep or b.keep or a.common or b.common or (a.english and b.english))
            and a.key not in _TITLE_WORDS
            and len(a.text) > 1
            and len(b.text) > 1
        ):
            seeds.setdefault(i, _NONE)
            seeds.setdefault(i + 1, _NONE)
    # Lists: a capitalised word joined to a name by a comma, "and" or "&" is a name too.
    pending = sorted(seeds)
    while pending:
        i = pending.pop()
        end = _chain_end(text, tokens, i)
        for j in (i - 1, end + 1, i - 2, end + 2):
            if not 0 <= j < len(tokens) or not _listed_together(text, tokens, i if j < i else end, j):
                continue
            if j in seeds:
                seeds[j] = max(seeds[j], _CUED)
            elif capitalised(tokens[j]) and acceptable(tokens[j], _CUED):
                seeds[j] = _CUED
                pending.append(j)
    # A name found once is a name wherever else it is written the same way: "Wanjiru ... Wanjiru was off sick".
    named = {tokens[i].key for i in seeds if tokens[i].shape != "lower" or lower_style}
    for i, t in enumerate(tokens):
        ambiguous_here = t.common and (t.shape != "title" or t.starts_sentence)
        if t.key in named and i not in seeds and capitalised(t) and not t.keep and not ambiguous_here:
            seeds[i] = _WEAK
    return _spans(text, tokens, seeds, hidden, lower_style, shouty)


def _cue(text: str, original: str, tokens: list[_Token], i: int, shouty: bool, only_titled: bool) -> int:
    """The strength of the strongest cue around token i (see _NAMED and the others)."""
    t = tokens[i]
    prev = tokens[i - 1] if i else None
    before = text[max(0, t.start - 40) : t.start]
    last = prev.pkey if prev is not None else ""  # the cues below all end with one of a few words: look only then
    # "Called Mrs ..." and "Named Contact" at the start of a sentence are not introductions of an English word.
    if (
        last in _NAMING_LAST
        and _NAMING_BEFORE.search(before)
        and (t.listed or not t.english or (prev is not None and prev.shape == "lower"))
    ):
        return _NAMED
    # "MS" and "ME" in capitals are conditions, not titles, unless the whole text shouts.
    if last in _TITLE_LAST and _TITLE_BEFORE.search(before) and (shouty or prev is None or prev.shape != "upper"):
        return _TITLED
    if (last in _GREETING_LAST or prev is None) and _GREETING_BEFORE.search(before):
        # "Cheers, Gav", "Hi Jess,": a greeting or sign-off, and the words after it end there.
        end = _chain_end(text, tokens, i)
        if not t.common and re.match(r"\s*(?:$|[,.!:\n]|x\b)", text[tokens[end].full_end :]):
            return _TITLED
        if not only_titled:
            return _CUED
    if only_titled:
        return _NONE
    after = text[t.full_end : t.full_end + 60]
    if _ROLE_BEFORE.search(before) or _COMPANION_BEFORE.search(before):
        return _ROLE
    # "in Ibadan and I ...", "from Enugu": after a preposition of place, what follows says nothing.
    placed = not t.listed and _PLACE_BEFORE.search(before)
    person_after = not t.possessive and not placed and _AFTER_PERSON.match(after)
    if person_after and t.listed and t.keep == 1 and t.key in _TIME_WORDS:
        return _ROLE  # "May helped me with the shopping"
    if (
        person_after
        or _INTRO_BEFORE.search(before)
        or _REQUEST_BEFORE.search(before)
        or _LABEL_BEFORE.search(before)
        or (_PAREN_BEFORE.search(before) and _PAREN_AFTER.match(after))
        or (t.possessive and not placed and _AFTER_POSSESSIVE_PERSON.match(after))
        or (t.starts_sentence and _SPEAKER_AFTER.match(after) and not t.possessive)
        or _signs_off(original, tokens, i)
    ):
        return _CUED
    if t.listed and _WEAK_BEFORE.search(before):
        return _WEAK
    if t.listed and t.shape == "title" and not t.starts_sentence:
        # "Grace", "Will" capitalised mid-sentence, but not inside a title-cased name: "Social Care Grant".
        inside = prev is not None and prev.shape in ("title", "upper") and text[prev.full_end : t.start] == " "
        return _NONE if inside else _WEAK
    return _NONE


def _chain_end(text: str, tokens: list[_Token], i: int) -> int:
    """The last of the capitalised words that follow on from token i ("Hyun-woo Park"), not crossing a term."""
    while not tokens[i].possessive and _adjacent_title(text, tokens, i) and not tokens[i + 1].keep:
        i += 1
    return i


def _before_facility(text: str, tokens: list[_Token], i: int) -> bool:
    """A facility word follows the capitalised words from token i: "Mary Seacole House"."""
    while _adjacent_title(text, tokens, i):
        i += 1
        if tokens[i].key in _FACILITIES:
            return True
    return False


def _signs_off(text: str, tokens: list[_Token], i: int) -> bool:
    """Token i begins the last line or sentence, and that is one to three capitalised words: a signature."""
    if i == 0 or not tokens[i].starts_sentence or len(tokens) - i > 3:
        return False
    if text[tokens[-1].full_end :].strip(" .!x\n") != "":
        return False
    return all(t.shape == "title" and not t.possessive for t in tokens[i:]) and all(
        text[a.full_end : b.start] == " " for a, b in zip(tokens[i:], tokens[i + 1 :], strict=False)
    )


def _plain_enough(t: _Token, shouty: bool) -> bool:
    """A listed name in capitals needs a shouting text ("EMIS" is a system; a cue can still make it a name); in
    lower case, three letters."""
    if t.shape == "upper":
        return shouty
    return len(t.text) > 2


def _listed_together(text: str, tokens: list[_Token], i: int, j: int) -> bool:
    """Tokens i and j are neighbours in a list: "Kwame, Bola", "Bola and Olu", "Kwame, Bola, and Olu"."""
    lo, hi = min(i, j), max(i, j)
    if hi - lo == 1:
        gap = text[tokens[lo].full_end : tokens[hi].start]
        return gap.strip() in (",", "&", "/") and "\n" not in gap
    middle = tokens[lo + 1]
    return (
        middle.key in ("and", "or")
        and text[tokens[lo].full_end : middle.start].strip() in ("", ",")
        and text[middle.end : tokens[hi].start].strip() == ""
    )


def _adjacent_title(text: str, tokens: list[_Token], i: int) -> bool:
    """Token i+1 is a capitalised word right after token i: the name or place goes on."""
    return (
        i + 1 < len(tokens) and tokens[i + 1].shape == "title" and text[tokens[i].full_end : tokens[i + 1].start] == " "
    )


def _spans(
    text: str, tokens: list[_Token], seeds: dict[int, int], hidden: bytearray, lower_style: bool, shouty: bool
) -> list[Found]:
    """Grow each seed over the surname-like words beside it, drop places ("Mary Seacole House"), make spans."""
    found: list[Found] = []
    used: set[int] = set()
    for i in sorted(seeds):
        if i in used:
            continue
        seed = tokens[i]
        first = last = i
        # Surnames and middle names after it: capitalised words, "da Silva".
        while last + 1 < len(tokens) and not tokens[last].possessive and last - first < 4:
            nxt = tokens[last + 1]
            if text[tokens[last].full_end : nxt.start] != " " or nxt.key in _NEVER_NAMES or nxt.key in _TITLE_WORDS:
                break
            if nxt.keep:
                # A one-word place after a name and ending it is a surname: "Nicola Kingston".
                if nxt.keep == 2 or nxt.key in _TIME_WORDS or _adjacent_title(text, tokens, last + 1):
                    break
                if not (seed.listed and not seed.common) or nxt.shape != "title" or nxt.possessive:
                    break
            elif nxt.key in _FACILITIES and (seeds[i] < _CUED or _adjacent_title(text, tokens, last + 1)):
                break
            elif nxt.shape == "title" and seed.shape != "lower":
                pass  # a capitalised word straight after a name is its surname: "Marcia Brown", "Sarah Green"
            elif nxt.shape == "upper" and seed.shape == "upper" and (shouty or len(nxt.text) > 1):
                if nxt.key in _FUNCTION_WORDS or (nxt.common and not nxt.listed):
                    break
            elif nxt.shape == "lower" and nxt.key in _PARTICLES:
                if not _adjacent_title(text, tokens, last + 1):
                    break
            elif not (lower_style and nxt.shape == "lower" == seed.shape and not nxt.english):
                break
            last += 1
        # A capitalised word just before it that is no English word, or is a first name: "Thi Lan Nguyen",
        # "Guy Roberts".
        while first > 0:
            prev = tokens[first - 1]
            if (
                prev.shape == "title"
                and not prev.possessive
                and text[prev.full_end : tokens[first].start] == " "
                and not prev.keep
                and (not prev.english or prev.listed)
                and prev.key not in _TITLE_WORDS
                and prev.key not in _FUNCTION_WORDS
            ):
                first -= 1
            else:
                break
        used.update(range(first, last + 1))
        # A place named after someone: "Mary Seacole House", "Harris Academy" (a cue before it says otherwise).
        if (
            seeds[i] < _CUED
            and not tokens[last].possessive
            and _adjacent_title(text, tokens, last)
            and tokens[last + 1].key in _FACILITIES
        ):
            continue
        if first > 0 and tokens[first - 1].key in _SAINTS:
            continue
        start, end = tokens[first].start, tokens[last].end
        if not any(hidden[start:end]):
            found.append(Found(start, end, "name"))
    return found
