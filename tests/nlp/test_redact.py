"""Quotes lose the details that identify people and keep the places, services and conditions that give meaning."""

from __future__ import annotations

import pytest

from nlp.redact import REDACTOR_VERSION, find, nhs_number_is_valid, redact


def test_nhs_numbers_need_a_valid_check_digit() -> None:
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
    assert not nhs_number_is_valid("123456789")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Email me at ama.owusu@example.org please", "Email me at [email] please"),
        ("Call me on 07700 900123 after 6", "Call me on [phone] after 6"),
        ("The surgery is on 020 7946 0958.", "The surgery is on [phone]."),
        ("My NHS number is 943 476 5919.", "My NHS number is [NHS number]."),
        ("Reference 1234567890 on the letter", "Reference 1234567890 on the letter"),
        ("We live near SW9 8QH in Stockwell", "We live near [postcode] in Stockwell"),
        ("I live at 14 Acre Lane in Brixton", "I live at [address] in Brixton"),
        ("Flat 3, 27 Railton Road was cold", "[address] was cold"),
        ("I was born on 12/03/1950 in Lagos", "I was born on [date of birth] in Lagos"),
        ("DOB: 3 March 1941.", "DOB: [date of birth]."),
        ("Dr Okafor at King's was brilliant", "Dr [name] at King's was brilliant"),
        ("My name is Joao Silva and I care for my mum", "My name is [name] and I care for my mum"),
        ("my son Kwame has autism", "my son [name] has autism"),
        ("Nurse Bridget explained my Parkinson's medication", "Nurse [name] explained my Parkinson's medication"),
    ],
)
def test_redaction_replaces_personal_details_only(text: str, expected: str) -> None:
    assert redact(text).text == expected


def test_places_services_and_conditions_survive() -> None:
    text = "The memory clinic at St Thomas' and the Tulse Hill Carers' Hub helped with my COPD and dementia."
    result = redact(text)
    assert result.text == text
    assert result.replaced == {}


def test_the_count_of_each_kind_replaced_is_reported() -> None:
    result = redact("Ring 07700 900123 or 07700 900456, or write to a.b@example.org")
    assert result.replaced == {"phone": 2, "email": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a name in apposition, after a relative or a role
        ("My dad, Kwame Mensah, waited nine hours at King's.", "My dad, [name], waited nine hours at King's."),
        ("The care coordinator, Priya Shah, sorted it in a day.", "The care coordinator, [name], sorted it in a day."),
        ("Handover: carer Precious reported missed meds.", "Handover: carer [name] reported missed meds."),
        # after a request
        ("Please speak to Delroy on the ward.", "Please speak to [name] on the ward."),
        ("Ring the surgery and ask for Bola.", "Ring the surgery and ask for [name]."),
        ("Thanks to Imran at Citizens Advice I got my PIP.", "Thanks to [name] at Citizens Advice I got my PIP."),
        # an introduction
        ("I'm Agnieszka, 54, and I care for my husband.", "I'm [name], 54, and I care for my husband."),
        ("Hi, it's Leanne from the tenants' group.", "Hi, it's [name] from the tenants' group."),
        # a name opening a sentence, with a surname the lists do not know
        ("Tunde Bakare cares for his mother in Stockwell.", "[name] cares for his mother in Stockwell."),
        ("Teodora Ivanova does twelve visits a day.", "[name] does twelve visits a day."),
        ("Efosa told us his father waited nine hours.", "[name] told us his father waited nine hours."),
        # lists
        ("Present: Kwame, Bola, Teodora and Olu.", "Present: [name], [name], [name] and [name]."),
        (
            "Actions: Rukhsana to email the hub; Jerome to book the room.",
            "Actions: [name] to email the hub; [name] to book the room.",
        ),
        # greetings and sign-offs
        ("Hi Sinead,\nSee you on Thursday.", "Hi [name],\nSee you on Thursday."),
        ("The leaflet is perfect. Best wishes,\nAdwoa", "The leaflet is perfect. Best wishes,\n[name]"),
        ("Can I come the week after? Gosia", "Can I come the week after? [name]"),
        ("Yours sincerely, Patricia Ogundipe", "Yours sincerely, [name]"),
        # possessives
        ("Kemi's carer comes at 7am and leaves by 7.15.", "[name]'s carer comes at 7am and leaves by 7.15."),
        ("Mrs Chen's daughter rang.", "Mrs [name]'s daughter rang."),
        # lower case and capitals
        ("me and kwame went to the drop in at brixton", "me and [name] went to the drop in at brixton"),
        ("my carer bola is lovely but she only gets 15 mins", "my carer [name] is lovely but she only gets 15 mins"),
        ("MY SON DELROY HAS BEEN WAITING TWO YEARS", "MY SON [name] HAS BEEN WAITING TWO YEARS"),
        ("Ask for ESTHER in PALS.", "Ask for [name] in PALS."),
        # double-barrelled, hyphenated, apostrophes, particles, accents
        ("It took Efua Asante-Boateng four months.", "It took [name] four months."),
        ("Ms O'Brien says the mould is worse.", "Ms [name] says the mould is worse."),
        ("My name is João da Silva.", "My name is [name]."),
        ("Ayşe Yılmaz runs the women's group.", "[name] runs the women's group."),
        # names that are also words: only where they name someone
        ("Will from the housing team came round twice.", "[name] from the housing team came round twice."),
        ("Will try again on Monday.", "Will try again on Monday."),
        ("I saw Dr May in May.", "I saw Dr [name] in May."),
        ("Mark my words, this will end badly.", "Mark my words, this will end badly."),
        ("I want to thank Hope at the surgery.", "I want to thank [name] at the surgery."),
        ("Guy Roberts was brilliant, but Guy's was not.", "[name] was brilliant, but Guy's was not."),
        ("I met Jenny Park at the Mary Seacole House.", "I met [name] at the Mary Seacole House."),
        ("My daughter India starts school in September.", "My daughter [name] starts school in September."),
        ("MY SON KWAME SAID WAIT", "MY SON [name] SAID WAIT"),
        # a name found once is found again
        (
            "My support worker is called Wanjiru. Wanjiru comes on Mondays.",
            "My support worker is called [name]. [name] comes on Mondays.",
        ),
    ],
)
def test_names_are_found_without_a_cue_before_them(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Brixton, Stockwell, Streatham, Tulse Hill, Kennington, Vauxhall, Norwood, Clapham, Lambeth and Lewisham.",
        "We went to A&E at King's, were sent to Guy's, then St Thomas', then the Maudsley.",
        "Age UK, Mind, Healthwatch and Citizens Advice all told me different things about PIP.",
        "NHS 111 sent us to the food bank and the GP.",
        "Parkinson's, Alzheimer's, Crohn's, COPD and Down's syndrome carers meet on Tuesdays in March.",
        "Honestly the waiting was the worst part. Nobody explained anything. Getting home was hard.",
        "I'm Black British, I'm Christian, I'm 67 and I'm tired of being ignored.",
        "Mum has dementia and Dad has had a stroke.",
        "I was born in Ibadan and I still go back every year.",
        "Thanks to Macmillan and the Maggie's centre at Guy's, I got through chemo.",
        "The Sickle Cell Society and Marie Curie nurses were there for us at the end.",
        "I've got MS. The only respite on offer is in a care home.",
        "people don't know what services exist",
        "We need Zumba classes and Tai Chi in May.",
        "Harris Academy pupils came to Brockwell Park and St Vincent's.",
        "THE GP SAID WAIT AND SEE",
        "May I ask why nobody rang? Will you call me back?",
    ],
)
def test_places_services_conditions_and_sentence_starts_are_kept(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.replaced == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ring (020) 7733 1122 or +44 20 7946 0881.", "Ring [phone] or [phone]."),
        ("Mobile 07723-456-789, WhatsApp +351 912 345 678.", "Mobile [phone], WhatsApp [phone]."),
        ("My dad (07700 900412) or +44 (0)20 7946 0881.", "My dad ([phone]) or [phone]."),
        ("Postcode se11 5tg is in our area.", "Postcode [postcode] is in our area."),
        ("Flat 9, 55 Kellett Road, SW2 1EF.", "[address], [postcode]."),
        ("Her date of birth is 3 March 1941.", "Her date of birth is [date of birth]."),
        ("I was born on the 4th of July 1958 in Kingston.", "I was born on [date of birth] in Kingston."),
        ("DOB 05.11.1987, NHS 720 415 6633.", "DOB [date of birth], NHS [NHS number]."),
        ("Email k.mensah@btinternet.com, Kwame", "Email [email], [name]"),
    ],
)
def test_contact_details_in_their_many_forms(text: str, expected: str) -> None:
    assert redact(text).text == expected


def test_find_gives_sorted_spans_of_the_original_text_that_redact_replaces() -> None:
    text = "Call Mrs Kowalska on 07700 900412 about her son Tomasz."
    spans = find(text)
    assert [(text[s.start : s.end], s.kind) for s in spans] == [
        ("Kowalska", "name"),
        ("07700 900412", "phone"),
        ("Tomasz", "name"),
    ]
    assert redact(text).replaced == {"name": 2, "phone": 1}


def test_the_redactor_has_a_version_for_stored_redactions() -> None:
    assert isinstance(REDACTOR_VERSION, int | str)
    assert REDACTOR_VERSION not in ("", "1")  # "1" was the cue-only redactor
