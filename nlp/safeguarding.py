"""Phrases that mean someone may be at risk of harm: the rule half of the safeguarding flag.

The trained heads catch what people say in their own words; these patterns make sure the unmistakable cases are
never missed for want of training examples ("I want to end it tonight", "he hits her", "county lines"). A flag is
raised when either fires, because a person reviews every flag and a missed one costs far more than a false one.

Each pattern names its kind: the ten kinds of abuse and neglect of the Care Act 2014 statutory guidance, plus a
risk to life (suicide, self-harm, immediate danger). Patterns are written for present and past tense, first and
third person ("he hits me", "she hit him", "they took her pension"), and not for talk about the subject in general
("domestic abuse services should be in GP surgeries"). The matched words are kept as evidence for the reviewer.
"""

from __future__ import annotations

import re

import msgspec

KINDS = (
    "physical",
    "domestic",
    "sexual",
    "psychological",
    "financial",
    "modern_slavery",
    "discriminatory",
    "organisational",
    "neglect",
    "self_neglect",
    "risk_to_life",
)
"""Kind ids, in the order of the Care Act guidance, then risk to life."""

KIND_NAMES = {
    "physical": "Physical abuse",
    "domestic": "Domestic abuse",
    "sexual": "Sexual abuse",
    "psychological": "Psychological or emotional abuse",
    "financial": "Financial or material abuse",
    "modern_slavery": "Modern slavery",
    "discriminatory": "Discriminatory abuse",
    "organisational": "Organisational abuse",
    "neglect": "Neglect or acts of omission",
    "self_neglect": "Self-neglect",
    "risk_to_life": "Risk to life",
}

_WHO = r"(?:me|her|him|them|us|my \w+|his \w+|her \w+|the \w+|their \w+|our \w+)"
_PARTNER = r"(?:husband|wife|partner|boyfriend|girlfriend|bf|gf|ex|fianc[eé]e?|stepdad|step dad|stepmum|son|daughter)"
_FAMILY = r"(?:husband|wife|partner|boyfriend|girlfriend|bf|ex|stepdad|step dad|dad|father|mum|mother|son|daughter|brother|uncle|in-laws?|mother-in-law)"
_SUBJECT = (
    r"(?:he|she|they|i|someone|somebody|the carer|a carer|the staff|staff|a nurse|the nurse|my \w+|his \w+|her \w+)"
)
_MONEY = r"(?:pension|money|bank cards?|cards?|benefits|savings|wages|pin|cash|account)"

# (kind, pattern, trigger words): a pattern is tried only on texts that contain one of its trigger words as a whole
# word, which skips almost every pattern for almost every text (one set lookup each instead of a regular expression
# search); a test checks that each example matched by a pattern contains one of its trigger words.
_I = "myself himself herself themselves"
PATTERNS: tuple[tuple[str, str, str], ...] = (
    # Risk to life: suicide, self-harm, immediate danger.
    ("risk_to_life", r"\b(?:kill|killing|killed|hurt|hurting|cutting|cut) (?:myself|himself|herself)\b", _I),
    ("risk_to_life", r"\bend(?:ing|ed)? (?:it|it all|my life|his life|her life)\b(?! (?:up|well))", "end ending ended"),
    ("risk_to_life", r"\b(?:take|took|taking) (?:my|his|her) own life\b", "life"),
    ("risk_to_life", r"\b(?:finish|finishing) (?:my|his|her) life\b", "life"),
    (
        "risk_to_life",
        r"\b(?:want|wants|wanted|going|plan|planning|plans) to die\b(?! (?:at|in|with|peacefully|where|surrounded))",
        "die",
    ),
    (
        "risk_to_life",
        r"\b(?:don'?t|doesn'?t|didn'?t) want to (?:live|living|be here|be alive|wake up)\b",
        "live living here alive wake",
    ),
    ("risk_to_life", r"\bbetter off (?:without me|dead|without him|without her)\b", "better"),
    ("risk_to_life", r"\bsuicid(?:al|e)\b(?! (?:prevention|awareness|training))", "suicidal suicide"),
    ("risk_to_life", r"\boverdos(?:e|ed|ing)\b", "overdose overdosed overdosing"),
    (
        "risk_to_life",
        r"\b(?:i'?m|i am|i|been|started|keeps?|is|was|she'?s|he'?s|now|again) self[- ]?harm(?:ing|ed|s)?\b",
        "harm harming harmed harms selfharm selfharming",
    ),
    (
        "risk_to_life",
        r"\b(?:tak(?:e|ing)|took|sav(?:e|ed|ing)|stockpil\w+|hoard\w*) (?:up )?all (?:my|his|her) (?:tablets|pills)\b",
        "tablets pills",
    ),
    ("risk_to_life", r"\bsaving up (?:my|his|her) (?:tablets|pills)\b", "tablets pills"),
    ("risk_to_life", r"\bnot (?:sure )?(?:i'?m |i am )?safe tonight\b", "tonight"),
    ("risk_to_life", r"\b(?:jump|jumping|jumped) (?:in front of|off) (?:a|the)\b", "jump jumping jumped"),
    ("risk_to_life", r"\bno (?:point|reason) (?:in )?(?:living|going on|carrying on)\b", "point reason"),
    ("risk_to_life", r"\b(?:stopped|stopping|stop) (?:his|her|my) (?:dialysis|insulin)\b", "dialysis insulin"),
    ("risk_to_life", r"\bthreaten(?:s|ed|ing)? to (?:kill|stab|shoot)\b", "kill stab shoot"),
    (
        "risk_to_life",
        r"\b(?:not|nobody has|no one has|haven'?t|hasn'?t|have not|has not) (?:been )?seen (?:him|her|them|anyone)"
        r" (?:for|in) (?:days|weeks|a week|a few days|\w+ days)\b",
        "seen",
    ),
    ("risk_to_life", r"\bcurtains (?:have been |are |were )?(?:closed|drawn|shut) for (?:days|a week)\b", "curtains"),
    (
        "risk_to_life",
        r"\bwander(?:s|ing|ed)? (?:off |out |the streets )?(?:at night|in the night|at \d+ ?am)\b",
        "wander wanders wandering wandered",
    ),
    # Physical abuse.
    (
        "physical",
        r"\b(?:hits?|hitting|slapp?(?:ed|ing|s)?|punch(?:ed|es|ing)?|kick(?:ed|s|ing)?|beat(?:s|en|ing)?|chok(?:ed|es|ing)"
        r"|strangl(?:ed|es|ing)|pinch(?:ed|es|ing)?|shov(?:ed|es|ing)|shook|shak(?:es|ing)|grabb?(?:ed|s|ing)?|burn(?:ed|t|s)"
        r"|bit|bites|spat at|throws? things at|threw things at) " + _WHO + r"\b",
        "hit hits hitting slap slaps slapped slapping punch punched punches punching kick kicks kicked kicking beat"
        " beats beaten beating choked chokes choking strangled strangles strangling pinch pinched pinches pinching"
        " shoved shoves shoving shook shakes shaking grab grabs grabbed grabbing burned burnt burns bit bites spat"
        " throw throws threw",
    ),
    ("physical", r"\bpush(?:ed|es|ing)? " + _WHO + r" (?:into|against|down|over|out)\b", "push pushed pushes pushing"),
    ("physical", r"\bpull(?:ed|s|ing)? (?:my|his|her|their) hair\b", "hair"),
    ("physical", r"\brough with\b", "rough"),
    ("physical", r"\bheld (?:me|her|him) (?:by the throat|down)\b", "held"),
    ("physical", r"\b(?:unexplained|unexplainable) (?:bruis\w*|injur\w*|marks|burns?)\b", "unexplained unexplainable"),
    ("physical", r"\bbruises? (?:on|all over|across)\b", "bruise bruises"),
    # Domestic abuse: by a partner or family member, including coercive control and threats.
    (
        "domestic",
        r"\b(?:my|his|her) " + _FAMILY + r" (?:\w+ )?(?:hits|hit|beats|beat|slaps|slapped|punches|punched|kicks|kicked"
        r"|hurts|hurt|chokes|choked|threatens|threatened|controls|controlled|shouts at|screams at)\b",
        "hits hit beats beat slaps slapped punches punched kicks kicked hurts hurt chokes choked threatens threatened"
        " controls controlled shouts screams",
    ),
    ("domestic", r"\bscared to go home\b", "scared"),
    ("domestic", r"\b(?:don'?t|doesn'?t) want to go home\b", "don doesn dont doesnt"),
    (
        "domestic",
        r"\b(?:frightened|scared|terrified|afraid) of (?:him|her|them|my " + _FAMILY + r")\b",
        "frightened scared terrified afraid",
    ),
    (
        "domestic",
        r"\b(?:won'?t|doesn'?t|does not|didn'?t|wouldn'?t|will not) (?:let|allow) (?:me|her|him) (?:to )?"
        r"(?:leave|go out|see|work|drive|talk to|speak to|out)\b",
        "let allow",
    ),
    ("domestic", r"\bnot allowed (?:to )?(?:leave|go out|see|out|to leave|to go out|to see)\b", "allowed"),
    ("domestic", r"\block(?:s|ed)? (?:me|her|him|them) (?:in|up|out)\b", "lock locks locked"),
    (
        "domestic",
        r"\bcontrols? (?:everything|my money|her money|his money|my phone|her phone|where)\b",
        "control controls",
    ),
    ("domestic", r"\bcoercive(?:ly)? control\w*\b", "coercive coercively"),
    ("domestic", r"\b(?:keeps?|kept|took|takes|has) (?:my|her|his) passport\b", "passport"),
    ("domestic", r"\b(?:smash|smashed|smashes|broke|breaks) (?:my|her|his) phone\b", "phone"),
    ("domestic", r"\b(?:tells|told) (?:me|her|him) where (?:i|she|he) (?:am|is|was) every\b", "where"),
    # Sexual abuse.
    (
        "sexual",
        r"\b(?:rape|raped|raping|sexual(?:ly)? (?:assault\w*|abus\w*|touch\w*)|molest\w*|indecent\w*|groped?|groping)\b",
        "rape raped raping sexual sexually molest molested molesting indecent indecently grope groped groping",
    ),
    (
        "sexual",
        r"\btouch(?:es|ed|ing)? (?:me|her|him|my \w+|her \w+|his \w+) (?:inappropriately|up|down there|between"
        r"|on (?:my|her|his) (?:breast|bum|leg|thigh|chest))\b",
        "touch touches touched touching",
    ),
    (
        "sexual",
        r"\btouch(?:es|ed|ing)? (?:my|her|his) (?:breasts?|bum|bottom|private\w*|thighs?|leg)\b",
        "touch touches touched touching",
    ),
    (
        "sexual",
        r"\b(?:nudes|naked (?:photos|pictures|pics)|explicit (?:photos|pictures|messages))\b",
        "nudes naked explicit",
    ),
    ("sexual", r"\bexpos(?:ed|es|ing) (?:himself|herself)\b", _I),
    (
        "sexual",
        r"\b(?:made|makes|forced|forces|force) (?:me|her|him) (?:to )?(?:have sex|do sexual|watch porn|touch him"
        r"|touch her)\b",
        "sex sexual porn touch",
    ),
    ("sexual", r"\bwoke up (?:without|with no) (?:my|her|his) clothes\b", "clothes"),
    # Psychological or emotional abuse.
    (
        "psychological",
        r"\bthreaten(?:s|ed|ing)? (?:me|her|him|them|us|to) (?:with |to )?(?:put|send|leave|hurt|take|call|throw"
        r"|report|tell)\w*\b",
        "threaten threatens threatened threatening",
    ),
    (
        "psychological",
        r"\b(?:calls?|called|calling) (?:me|her|him|them|my \w+|his \w+|her \w+) (?:a |an |the )?(?:useless|stupid|fat"
        r"|ugly|names|worthless|pathetic|thick|old (?:goat|cow|bat|git)|idiot|retard\w*|nutter|cow|bitch)\b",
        "useless stupid fat ugly names worthless pathetic thick goat cow bat git idiot retard retarded nutter bitch",
    ),
    (
        "psychological",
        r"\b(?:humiliat|belittl|degrad)(?:e|es|ed|ing) (?:me|her|him|them|my \w+|his \w+|her \w+)\b",
        "humiliate humiliates humiliated humiliating belittle belittles belittled belittling degrade degrades degraded"
        " degrading",
    ),
    (
        "psychological",
        r"\b(?:bull(?:y|ies|ied|ying)) (?:me|her|him|them|my \w+|his \w+|her \w+)\b",
        "bully bullies bullied bullying",
    ),
    ("psychological", r"\bsilent treatment\b", "silent"),
    ("psychological", r"\b(?:isolat(?:es|ed|ing)|cut(?:s|ting)?) (?:me|her|him) off from\b", "off"),
    ("psychological", r"\b(?:nobody|no one) else would (?:want|have|work with|love) (?:me|her|him)\b", "else"),
    # Financial or material abuse.
    (
        "financial",
        r"\b(?:taking|takes|took|taken|using|uses|used|stole|steals|stealing|stolen|spends?|spent|spending|keeps?|kept"
        r"|controls?|controlled|borrow(?:s|ed|ing)?) (?:all )?(?:of )?(?:my|his|her|their|our|mum'?s|dad'?s|nan'?s"
        r"|grandad'?s|the residents'?) " + _MONEY + r"\b",
        "pension money card cards benefits savings wages pin cash account",
    ),
    (
        "financial",
        r"\b(?:scam(?:med|s)?|conned|swindl\w+|defraud\w*|fraud)\b",
        "scam scammed scams conned swindled swindling defrauded fraud",
    ),
    (
        "financial",
        r"\b(?:cash )?withdrawals? (?:every|each|from (?:his|her|my) account)\b"
        r"|\bmoney (?:missing|going missing|has gone) from (?:his|her|my)\b",
        "withdrawal withdrawals money",
    ),
    (
        "financial",
        r"\b(?:change|changed|changing|sign|signed|signing) (?:his|her|my) (?:will|house|home|property|bank)\b",
        "change changed changing sign signed signing",
    ),
    (
        "financial",
        r"\b(?:persuaded|pressured|pressuring|pressures|made) (?:him|her|me) (?:to )?(?:sign|add|give|lend|transfer"
        r"|hand)\b",
        "persuaded pressured pressuring pressures made",
    ),
    ("financial", r"\bsign (?:the|his|her) (?:house|home|flat|property) over\b", "sign"),
    ("financial", r"\bpower of attorney\b.{0,60}\b(?:took|taking|spent|spending|money|sold)\b", "attorney"),
    ("financial", r"\bcharged (?:him|her|me) (?:£|\d|a fortune|thousands)", "charged"),
    ("financial", r"\bthe pension (?:goes|go|went) (?:to|into) (?:his|her|their) account\b", "pension"),
    # Modern slavery, trafficking and criminal exploitation.
    ("modern_slavery", r"\bcounty lines\b", "county"),
    ("modern_slavery", r"\bcuckoo(?:ing|ed)?\b", "cuckoo cuckooing cuckooed"),
    ("modern_slavery", r"\btraffick(?:ed|ing)\b", "trafficked trafficking"),
    ("modern_slavery", r"\bmodern slavery\b.{0,40}\b(?:think|worried|suspect|is|was)\b", "slavery"),
    (
        "modern_slavery",
        r"\b(?:take|took|takes|taken|keep|keeps|kept|has|have) (?:my|our|his|her|their) (?:documents|papers"
        r"|passports?|id)\b",
        "documents papers passport passports id",
    ),
    (
        "modern_slavery",
        r"\b(?:work|works|working|worked) (?:for )?(?:nothing|no (?:pay|wages))\b",
        "nothing pay wages",
    ),
    ("modern_slavery", r"\b(?:pays?|paid|paying) (?:me|her|him|them) (?:nothing|no money)\b", "pay pays paid paying"),
    ("modern_slavery", r"\b(?:owe|owes|owed) (?:him|them|the boss|her) (?:£|\d|money|thousands)", "owe owes owed"),
    (
        "modern_slavery",
        r"\b(?:groom(?:ed|ing)|exploit(?:ed|ing|ation))\b",
        "groomed grooming exploited exploiting exploitation",
    ),
    (
        "modern_slavery",
        r"\b(?:make|makes|made) (?:him|her|them|my \w+) (?:hold|carry|deliver|sell) (?:stuff|drugs|packages|things)\b",
        "stuff drugs packages things",
    ),
    # Discriminatory abuse.
    (
        "discriminatory",
        r"\b(?:racist|racially|homophobic|transphobic|islamophobic|antisemitic|disablist|ableist) (?:abuse|abused"
        r"|attack\w*|comments?|names|slurs?|remarks?|bullying|insults?)\b",
        "racist racially homophobic transphobic islamophobic antisemitic disablist ableist",
    ),
    ("discriminatory", r"\bhate crime\b", "hate"),
    (
        "discriminatory",
        r"\b(?:mock(?:s|ed|ing)?|laugh(?:s|ed|ing)? at|imitat(?:e|es|ed|ing)|impressions of) (?:me|her|him|them"
        r"|my \w+|his \w+|her \w+|the residents|residents)\b",
        "mock mocks mocked mocking laugh laughs laughed laughing imitate imitates imitated imitating impressions",
    ),
    (
        "discriminatory",
        r"\b(?:because|cos|coz|'cause) (?:i'?m|i am|she'?s|she is|he'?s|he is|they'?re|we'?re) (?:black|gay|lesbian"
        r"|trans|disabled|muslim|jewish|deaf|blind|autistic|a wheelchair user|foreign|polish|somali)\b",
        "black gay lesbian trans disabled muslim jewish deaf blind autistic wheelchair foreign polish somali",
    ),
    (
        "discriminatory",
        r"\b(?:calling|called|calls) (?:him|her|them|me) (?:a )?(?:benefit scrounger|cripple|spastic|retard)\b",
        "scrounger cripple spastic retard",
    ),
    # Othering words said to a particular person ("you people", "in your culture") and slurs: found in the
    # discriminatory abuse of voices.jsonl and in none of the corpus's ordinary texts.
    (
        "discriminatory",
        r"\b(?:you people|your people|your sort|in your (?:culture|country|religion))\b",
        "people sort culture country religion",
    ),
    (
        "discriminatory",
        r"\b(?:paki|pakis|nigger|wog|coon|chink|gyppo|pikey|faggot|poof|tranny|mong|the [np][- ]word)\b",
        "paki pakis nigger wog coon chink gyppo pikey faggot poof tranny mong word",
    ),
    # Organisational (institutional) abuse.
    (
        "organisational",
        r"\b(?:tie|ties|tied|strap|straps|strapped|belt(?:ed)?|restrain(?:s|ed|ing)?) (?:him|her|them|residents"
        r"|patients|people)\b",
        "tie ties tied strap straps strapped belt belted restrain restrains restrained restraining",
    ),
    ("organisational", r"\blap belt\b", "belt"),
    (
        "organisational",
        r"\bcall bells? (?:are |were |is |was |get |got )?(?:ignored|switched off|turned off|unanswered|not answered"
        r"|out of reach)\b",
        "bell bells",
    ),
    (
        "organisational",
        r"\b(?:sedat(?:e|ed|es|ing)|drugg?(?:ed|ing)) (?:him|her|them|residents|patients)\b",
        "sedate sedated sedates sedating drugged drugging",
    ),
    ("organisational", r"\b(?:all|everyone|residents|they) (?:are |were )?(?:put|got|sent) to bed at\b", "bed"),
    (
        "organisational",
        r"\b(?:everyone|all the residents|all of them|all the old people) (?:to the toilet|toileted) at\b",
        "toilet toileted",
    ),
    ("organisational", r"\b(?:use|wear) the pad\b", "pad"),
    ("organisational", r"\bcold showers?\b", "shower showers"),
    (
        "organisational",
        r"\btaken away (?:his|her) (?:walking frame|frame|stick|wheelchair|glasses|hearing aids?)\b",
        "taken",
    ),
    # Neglect and acts of omission.
    (
        "neglect",
        r"\b(?:carers?|nobody|the nurse|district nurse) (?:haven'?t|hasn'?t|have not|has not|didn'?t"
        r"|did not|never) (?:come|came|been|started|turned up|shown up|showed up)\b",
        "carer carers nobody nurse",
    ),
    (
        "neglect",
        r"\bno[- ]one (?:haven'?t|hasn'?t|have not|has not|didn'?t|did not|never) (?:come|came|turned up|shown up"
        r"|showed up)\b",
        "come came turned shown showed",
    ),
    (
        "neglect",
        r"\bleft (?:\w+ )?(?:in bed|alone|on (?:his|her) own|in (?:his|her) chair|on the floor|lying) (?:all day"
        r"|all night|for (?:days|hours|\w+ hours)|the whole day)\b",
        "left",
    ),
    ("neglect", r"\bleaves? (?:him|her|them) in bed (?:all|for|the whole)\b", "leave leaves"),
    (
        "neglect",
        r"\b(?:left|lying|lie|lay|leaves?|sitting|sat) (?:\w+ )?in (?:a |the |his |her )?(?:wet|soiled|dirty)"
        r" (?:bed|pad|pads|sheets|clothes)\b",
        "wet soiled dirty",
    ),
    (
        "neglect",
        r"\b(?:hasn'?t|has not|haven'?t|have not|hadn'?t|had not) (?:been )?(?:eaten|fed|washed|changed|given"
        r" (?:his|her) (?:tablets|medication|insulin))\b",
        "eaten fed washed changed given",
    ),
    ("neglect", r"\bno food in the (?:house|flat|fridge)\b", "food"),
    ("neglect", r"\b(?:pressure|bed) sores?\b", "sore sores"),
    ("neglect", r"\b(?:dehydrated|malnourished|starving)\b", "dehydrated malnourished starving"),
    (
        "neglect",
        r"\b(?:missed|missing|didn'?t get|never got) (?:his|her) (?:insulin|medication|tablets|meds)\b",
        "insulin medication tablets meds",
    ),
    (
        "neglect",
        r"\b(?:sleeping|slept|sleeps) (?:rough|on a night bus|in (?:a|the|my) (?:car|street|park))\b",
        "sleeping slept sleeps",
    ),
    ("neglect", r"\bnowhere (?:to go|to sleep|to stay) tonight\b", "nowhere"),
    (
        "neglect",
        r"\b(?:kicked|threw|thrown|turned|chucked|put) (?:me|him|her|them) out (?:of the house|of home|on the street"
        r"|onto the street|at night)\b",
        "kicked threw thrown turned chucked put",
    ),
    (
        "neglect",
        r"\bleft (?:alone |on (?:his|her|their) own )(?:at home )?(?:all night|overnight|for days|all weekend)\b",
        "left",
    ),
    # Self-neglect.
    (
        "self_neglect",
        r"\b(?:he|she|i|dad|mum|my \w+) (?:doesn'?t|does not|don'?t|won'?t|will not|has stopped|stopped|refuses to"
        r"|refused to) (?:wash|washing|eat|eating|shower|showering|open the door)\b",
        "wash washing eat eating shower showering door",
    ),
    (
        "self_neglect",
        r"\b(?:won'?t|will not|refuses to|refused to) let (?:anyone|anybody|the nurses?|the carers?) in\b",
        "anyone anybody nurse nurses carer carers",
    ),
    (
        "self_neglect",
        r"\b(?:he|she|i|dad|mum|my \w+) (?:doesn'?t|does not|don'?t|won'?t|will not|has stopped|stopped|refuses to"
        r"|refused to) (?:take|taking) (?:his|her|my) (?:tablets|medication|insulin)\b",
        "tablets medication insulin",
    ),
    (
        "self_neglect",
        r"\b(?:stopped|stopping|stop|not|isn'?t|aren'?t|wasn'?t) (?:looking after|caring for) (?:himself|herself"
        r"|myself)\b",
        _I,
    ),
    ("self_neglect", r"\bhoard(?:ing|er|s)\b", "hoarding hoarder hoards"),
    (
        "self_neglect",
        r"\b(?:living|lives|lived) (?:in|among) (?:squalor|filth|piles of|rubbish)\b",
        "squalor filth piles rubbish",
    ),
    (
        "self_neglect",
        r"\b(?:stopped|stopping|stop) (?:collecting|taking) (?:his|her|my) (?:medication|tablets|insulin|meds)\b",
        "medication tablets insulin meds",
    ),
)

# Patterns run on the lower-cased text (faster than IGNORECASE); IGNORECASE copies serve the rare text whose
# lower-casing changes its length, so that offsets still point into the original.
_COMPILED = [(kind, re.compile(pattern)) for kind, pattern, _ in PATTERNS]
_COMPILED_ANY_CASE = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern, _ in PATTERNS]
_BY_WORD: dict[str, list[int]] = {}
for _number, (_, _, _triggers) in enumerate(PATTERNS):
    for _word in set(_triggers.split()):
        _BY_WORD.setdefault(_word, []).append(_number)
_WORDS = re.compile(r"[a-z0-9£]+")


class RiskPhrase(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    """One of KINDS."""
    start: int
    end: int
    text: str


def trigger_words(text: str) -> set[str]:
    """The whole words of a text, lower-case, as the patterns' trigger words are written."""
    return set(_WORDS.findall(text.lower()))


def risk_phrases(text: str) -> list[RiskPhrase]:
    # Curly apostrophes from phones would otherwise hide "don’t want to live".
    plain = text.replace("\u2019", "'")
    lower = plain.lower()
    by_word = _BY_WORD
    triggered = {number for word in set(_WORDS.findall(lower)) if word in by_word for number in by_word[word]}
    if not triggered:
        return []
    compiled, searched = (_COMPILED, lower) if len(lower) == len(plain) else (_COMPILED_ANY_CASE, plain)
    found = [
        RiskPhrase(kind=kind, start=match.start(), end=match.end(), text=text[match.start() : match.end()])
        for kind, pattern in (compiled[number] for number in sorted(triggered))
        for match in pattern.finditer(searched)
    ]
    return sorted(found, key=lambda phrase: phrase.start)
