"""The citizen form keeps only words people wrote, says its limits, and never loses what they typed."""

from __future__ import annotations

import random
import re
import unicodedata

import asyncpg
import httpx
import pytest

from engage import i18n
from engage.contributions.models import MAX_TEXT_CHARS
from engage.contributions.service import MIN_LETTERS, words_and_letters
from tests.conftest import csrf_from
from tests.web.test_public import open_form


async def count(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM contributions"))


def textarea(html: str) -> str:
    found = re.search(r'<textarea id="text"[^>]*>([^<]*)</textarea>', html)
    assert found, "the form has its text box"
    return found.group(1)


async def test_the_form_starts_empty_and_keeps_its_hint_for_both_kinds(client: httpx.AsyncClient) -> None:
    for kind in ("i_statement", "story"):
        html = (await client.get(f"/give?kind={kind}")).text
        assert textarea(html) == "", "no words are put in people's mouths"
        assert "For an I statement, start with “I want…”" in html and "For a story, say what happened" in html
        assert 'aria-describedby="text-hint text-count"' in html


@pytest.mark.parametrize("text", ["I want ", "I want", "a", "😀", "ok ok", "!!!!!!!!!!", "   "])
async def test_words_that_say_nothing_are_refused_with_a_request_for_a_few_more(
    client: httpx.AsyncClient, pool: asyncpg.Pool, text: str
) -> None:
    form = await open_form(client)
    response = await client.post("/give", data={**form, "text": text, "consent_analysis": "yes"})
    assert response.status_code == 422
    assert "a few more words" in response.text or "a few words at least" in response.text
    assert textarea(response.text) == text.strip() or textarea(response.text) == text
    assert await count(pool) == 0


async def test_the_api_refuses_them_too_naming_the_field(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    for text in ("a", "😀", "I want"):
        response = await client.post(
            "/api/v1/contributions", json={"kind": "i_statement", "text": text, "consent": {"analysis": True}}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "text"
        assert f"at least {MIN_LETTERS} letters" in response.json()["errors"][0]["reason"]
    ok = await client.post(
        "/api/v1/contributions", json={"kind": "i_statement", "text": "I want a lift", "consent": {"analysis": True}}
    )
    assert ok.status_code == 201 and await count(pool) == 1


def test_a_few_words_means_two_words_and_eight_letters_in_any_script() -> None:
    assert words_and_letters("I want a lift") == (4, 10)
    assert words_and_letters("Lunch club") == (2, 9)
    assert words_and_letters("我想要一个好医生") == (8, 8), "each character of a script without spaces is a word"
    assert words_and_letters("😀 👍") == (0, 0)
    assert words_and_letters("  x1 -- 42 a-b  ") == (2, 3), "a word is a run without spaces holding a letter"
    assert words_and_letters("one two three four", words_needed=2) == (2, 15), "words stop at what is needed"
    assert words_and_letters("one", words_needed=2) == (1, 3)


def test_the_ascii_shortcut_counts_as_the_general_rule_does() -> None:
    """Plain ASCII texts are counted by two regular expressions, others letter by letter: in ASCII both rules must
    agree (a word is a run without spaces holding a letter; a letter is Unicode category L or M)."""

    def letter_by_letter(text: str) -> tuple[int, int]:
        words = letters = 0
        for token in text.split():
            found = sum(1 for ch in token if unicodedata.category(ch)[0] in "LM")
            letters += found
            words += 1 if found else 0
        return words, letters

    shuffle = random.Random(7)
    alphabet = "abcXYZ019 -_.,!?'\t\n\x0b\x0c\x1c\x1d\x1e\x1f"
    texts = ["".join(shuffle.choice(alphabet) for _ in range(shuffle.randint(0, 40))) for _ in range(5000)]
    assert [words_and_letters(t) for t in texts] == [letter_by_letter(t) for t in texts]


async def test_over_the_limit_is_refused_naming_the_limit_and_nothing_is_cut(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    html = (await client.get("/give")).text
    assert "maxlength" not in re.search(r'<textarea id="text"[^>]*>', html).group(0), "the browser cuts nothing"  # type: ignore[union-attr]
    assert "Up to 10,000 characters" in html, "the limit is said without JavaScript"
    form = await open_form(client, "story")
    long = "The ward was loud at night. " * 400
    response = await client.post("/give", data={**form, "text": long, "consent_analysis": "yes"})
    assert response.status_code == 422
    assert f"{len(long.strip()):,} characters long; the most we can take is {MAX_TEXT_CHARS:,}" in response.text
    assert textarea(response.text).count("The ward was loud") == 400, "everything typed comes back"
    polish = await client.post("/give?lang=pl", data={**form, "text": long, "consent_analysis": "yes"})
    assert "możemy przyjąć najwyżej 10\u00a0000" in polish.text
    assert await count(pool) == 0


async def test_a_lost_cookie_keeps_what_was_typed_and_sends_it_again(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    form = await open_form(client, "story")
    client.cookies.clear()  # the cookie expired, or the browser was told to forget it
    words = "The <b>pharmacy</b> closed early & nobody said why."
    expired = await client.post(
        "/give", data={**form, "text": words, "consent_analysis": "yes", "neighbourhood": "brixton"}
    )
    assert expired.status_code == 403
    assert "CSRF" not in expired.text and "/staff" not in expired.text.split("<main", 1)[1]
    assert "The &lt;b&gt;pharmacy&lt;/b&gt; closed early &amp; nobody said why." in expired.text
    assert 'name="neighbourhood" value="brixton"' in expired.text and 'action="/give"' in expired.text
    assert await count(pool) == 0
    again = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', expired.text)
    sent = await client.post("/give", data={**dict(again), "_csrf_token": csrf_from(expired.text), "text": words})
    assert sent.status_code == 200 and "we have received your story" in sent.text
    assert await count(pool) == 1


async def test_a_lost_cookie_on_a_staff_form_is_still_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/staff/sign-in", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 403 and "kept" not in response.text.lower()


async def test_help_in_a_crisis_is_on_the_form_the_receipt_and_the_workshop_page_in_every_language(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    from tests.workshops.test_workshops import open_session, plan

    code_on_screen = await open_session(client, await plan(client, pool))
    for code in i18n.languages():
        await check_crisis_help(client, code, code_on_screen)


async def check_crisis_help(client: httpx.AsyncClient, code: str, code_on_screen: str) -> None:
    client.cookies.set(i18n.LANGUAGE_COOKIE, code)
    form = await open_form(client, "story")
    sent = await client.post("/give", data={**form, "text": "The lift is broken again", "consent_analysis": "yes"})
    workshop = (await client.get(f"/w/{code_on_screen}")).text
    pages = [(await client.get("/give")).text, sent.text, workshop, (await client.get("/easy-read/give")).text]
    for page in pages:
        for number in ('href="tel:999"', 'href="tel:111"', 'href="tel:116123"', 'href="tel:08007312864"'):
            assert number in page
        assert i18n.gettext(code, "Need help now?") in page


async def test_a_workshop_note_may_be_one_word_but_not_a_letter_or_an_emoji(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    from tests.workshops.test_workshops import open_session, plan, post

    code = await open_session(client, await plan(client, pool))
    for text in ("a", "😀"):
        refused = await post(client, code, text, f"k-{text}")
        assert refused.status_code == 422 and "a few more words (at least 3 letters)" in refused.text
    assert (await post(client, code, "Transport", "k-ok")).status_code == 200
    assert await count(pool) == 1
