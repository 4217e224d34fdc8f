"""A real browser (Debian's Chromium) against a real `engage web` process: the citizen's phone journey
without JavaScript, staff pages, and axe-core's accessibility rules on every page on the way."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from engage.accounts.service import link_token
from engage.embedded import free_port
from engage.settings import Settings
from tests.conftest import create_staff, env_for, stop_process
from tests.web.test_languages import CITIZEN_PAGES

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def live_url(base_settings: Settings) -> Iterator[str]:
    import msgspec

    port = free_port()
    settings = msgspec.structs.replace(base_settings, port=port)
    process = subprocess.Popen([sys.executable, "-m", "engage", "web"], env=env_for(settings), start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("engage web did not start")
        time.sleep(0.2)
    yield url
    stop_process(process, grace_s=15)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def assert_accessible(page: Page) -> None:
    results = await Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: {serious}"


async def sign_in(page: Page, live_url: str, role: str, *, then: str = "") -> None:
    """Sign in by the form, with the keyboard, as the staff member create_staff made for this role; then the
    page goes where ``then`` says (the contributions list when it says nothing)."""
    await page.goto(f"{live_url}/staff/sign-in" + (f"?next={then}" if then else ""))
    await page.get_by_label("Email address").fill(f"{role}@test.example")
    await page.get_by_label("Password").fill("correct horse battery")
    await page.keyboard.press("Enter")


async def start_programme(page: Page, name: str, purpose: str, neighbourhood: str, *, ends: str) -> None:
    """Fill in and send the new programme form the page is on."""
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Purpose").fill(purpose)
    await page.get_by_label(neighbourhood).check()
    for label, day in [
        ("Discovery starts", "2026-01-05"),
        ("Define starts", "2026-03-02"),
        ("Develop and approval starts", "2026-05-04"),
        ("The programme ends", ends),
    ]:
        await page.get_by_label(label).fill(day)
    await page.get_by_role("button", name="Start the programme").click()


async def a_drafted_proposition(browser: Browser, live_url: str, pool: Any) -> tuple[BrowserContext, Page]:
    """A facilitator on a laptop, signed in, who has started the programme "Going home" and drafted a proposition
    in it (the proposition's page is open)."""
    await create_staff(pool, "facilitator")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await sign_in(page, live_url, "facilitator", then="/staff/programmes/new")
    await start_programme(page, "Going home", "Safe discharge for older people.", "Brixton", ends="2026-12-31")
    await page.get_by_role("link", name="Draft a proposition").click()
    await page.get_by_label("Title").fill("A named discharge coordinator")
    await page.get_by_label("What it is, in plain English").fill("One person who owns the plan home.")
    await page.get_by_role("button", name="Save the draft").click()
    return context, page


async def citizen_journey(page: Page, live_url: str, *, check: bool) -> None:
    """Give a story from the start page, trip over the consent question, then withdraw it."""

    async def checkpoint() -> None:
        if check:
            await assert_accessible(page)

    await page.goto(live_url)
    await checkpoint()
    await page.get_by_role("link", name="Tell your story").click()
    await checkpoint()
    # Sending without the needed consent shows an error summary that links to the field.
    await page.get_by_label("Your words").fill("The bus to King's only comes once an hour. <b>Please</b> fix it.")
    await page.get_by_role("button", name="Send").click()
    summary = page.get_by_role("alert")
    assert "Consent to analysis is needed" in await summary.inner_text()
    assert (await page.title()).startswith("Error:")
    assert "<b>Please</b>" in await page.get_by_label("Your words").input_value()
    await checkpoint()
    await page.get_by_label("You may read and analyse what I wrote (needed)").check()
    await page.get_by_label("Where do you live? (optional)").select_option(label="Streatham")
    await page.get_by_role("button", name="Send").click()
    await page.get_by_role("heading", name="Thank you, we have received your story").wait_for()
    await checkpoint()
    codes = await page.locator(".big-code").all_inner_texts()
    reference, code = codes[0], codes[1]
    assert reference.startswith("ENG-")
    await page.get_by_role("link", name="Withdraw", exact=True).click()
    await checkpoint()
    await page.get_by_label("Reference").fill(reference)
    await page.get_by_label("Withdrawal code").fill(code)
    await page.get_by_role("button", name="Withdraw my contribution").click()
    await page.get_by_role("heading", name="Your contribution has been withdrawn").wait_for()
    await checkpoint()


async def test_a_citizen_on_a_phone_without_javascript_gives_a_story_and_withdraws_it(
    browser: Browser, live_url: str, pool: Any
) -> None:
    context = await browser.new_context(**PHONE, java_script_enabled=False)
    await citizen_journey(await context.new_page(), live_url, check=False)
    await context.close()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM withdrawals") == 1
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 0


async def test_every_citizen_page_passes_axe_on_a_phone(browser: Browser, live_url: str) -> None:
    # axe-core runs as a script, so this pass has JavaScript on; the pages themselves use none.
    context = await browser.new_context(**PHONE)
    await citizen_journey(await context.new_page(), live_url, check=True)
    await context.close()


async def test_staff_sign_in_search_and_read_on_a_laptop(browser: Browser, live_url: str, pool: Any) -> None:
    async with httpx.AsyncClient(base_url=live_url) as http:
        response = await http.post(
            "/api/v1/contributions",
            json={
                "kind": "story",
                "text": "The <script>alert(1)</script> receptionist was kind to my dad.",
                "neighbourhood": "brixton",
                "consent": {"analysis": True},
            },
        )
        assert response.status_code == 201
    await create_staff(pool, "facilitator")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.goto(f"{live_url}/staff/contributions")
    await page.get_by_label("Email address").fill("facilitator@test.example")
    await page.get_by_label("Password").fill("correct horse battery")
    await assert_accessible(page)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Contributions", exact=True).wait_for()
    await page.get_by_label("Search the words").fill("receptionist")
    await page.get_by_role("button", name="Apply filters").click()
    assert "1 contribution" in await page.get_by_role("status").inner_text()
    await assert_accessible(page)
    await page.get_by_role("link", name="receptionist").click()
    await page.get_by_role("heading", name="Details", exact=True).wait_for()
    assert "<script>alert(1)</script>" in await page.locator("blockquote").inner_text()
    assert dialogs == []
    assert "not shown to your role" in await page.content()
    await assert_accessible(page)
    await context.close()


async def test_keyboard_users_can_skip_to_the_content(browser: Browser, live_url: str) -> None:
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(f"{live_url}/give")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    await page.keyboard.press("Enter")
    # The easy read form and the paper form come first, for those who need them; then the first question.
    for expected in ("Use the easy read form", "Print a form"):
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent") == expected
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "kind-i_statement"
    await context.close()


async def test_a_story_given_in_portuguese_on_the_portuguese_page_gets_a_portuguese_receipt(
    browser: Browser, live_url: str, pool: Any
) -> None:
    """A phone set to Portuguese: every page on the way is in Portuguese, passes axe, and so is the receipt."""
    context = await browser.new_context(**PHONE, locale="pt-PT")
    page = await context.new_page()
    await page.goto(live_url)
    assert await page.get_attribute("html", "lang") == "pt-PT"
    await page.get_by_role("heading", name="Dê a sua opinião sobre saúde e cuidados em Lambeth").wait_for()
    await assert_accessible(page)
    await page.get_by_role("link", name="Conte a sua história").click()
    await page.get_by_role("heading", name="Partilhe a sua experiência").wait_for()
    await assert_accessible(page)
    assert await page.get_by_label("Em que língua escreveu?").input_value() == "pt"
    await page.get_by_label("As suas palavras").fill(
        "O meu pai saiu do hospital sem ninguém lhe explicar os medicamentos. Ficámos perdidos."
    )
    await page.get_by_role("button", name="Enviar").click()
    summary = page.get_by_role("alert")
    assert "Precisamos da sua autorização para ler e analisar" in await summary.inner_text()
    await assert_accessible(page)
    await page.get_by_label("Podem ler e analisar o que escrevi (obrigatório)").check()
    await page.get_by_role("button", name="Enviar").click()
    await page.get_by_role("heading", name="Obrigado, recebemos a sua história").wait_for()
    await assert_accessible(page)
    assert "Guarde o seu código de retirada" in await page.content()
    assert "Precisa de ajuda agora?" in await page.content()
    reference = (await page.locator(".big-code").all_inner_texts())[0]
    # The language switch on the receipt opens the same receipt in another language.
    await page.get_by_role("link", name="Español").click()
    await page.get_by_role("heading", name="Gracias, hemos recibido su historia").wait_for()
    assert reference in await page.content()
    await context.close()
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT locale, language, kind::text AS kind FROM contributions")
    assert dict(row) == {"locale": "pt", "language": "pt", "kind": "story"}


async def test_citizen_pages_pass_axe_in_every_language(browser: Browser, live_url: str) -> None:
    """Each language chosen with the switch (which sticks), every citizen page, a form with its errors, and both
    receipts: no serious or critical axe violation anywhere. Prints what axe found per language."""
    from engage import i18n

    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    report = []
    for code, language in i18n.languages().items():
        await page.goto(f"{live_url}/accessibility")
        await page.get_by_role("navigation", name=re.compile(".")).first.wait_for()
        await page.locator(f'.languages a[lang="{language.tag}"]').click()
        assert await page.get_attribute("html", "lang") == language.tag
        checked, minor = 0, 0
        for path in CITIZEN_PAGES:
            await page.goto(live_url + path)
            assert await page.get_attribute("html", "lang") == language.tag, f"{path}: the choice sticks"
            minor += await axe_findings(page)
            checked += 1
        # A form with errors, then the receipt; the easy read form and its receipt.
        await page.goto(f"{live_url}/give?kind=story")
        await page.locator("button.button[type=submit]").click()
        await page.locator(".error-summary").wait_for()
        minor += await axe_findings(page)
        await page.locator("#text").fill("Os enfermeiros foram muito atenciosos com a minha filha.")
        await page.locator("#consent_analysis").check()
        await page.locator("button.button[type=submit]").click()
        await page.locator(".panel-success").wait_for()
        minor += await axe_findings(page)
        await page.goto(f"{live_url}/easy-read/give")
        await page.locator("#text").fill("Quero um médico que me ouça")
        await page.locator("#consent_analysis").check()
        await page.locator("button.button[type=submit]").click()
        await page.locator(".panel-success").wait_for()
        minor += await axe_findings(page)
        checked += 3
        report.append(f"{code}: {checked} pages, 0 serious or critical, {minor} minor or moderate")
    await context.close()
    print("\naxe, citizen pages per language: " + "; ".join(report))


async def axe_findings(page: Page) -> int:
    """Fails on any serious or critical violation; returns how many lesser ones there were."""
    results = await Axe().run(page)
    violations = results.response["violations"]
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: {serious}"
    return sum(len(v["nodes"]) for v in violations)


async def test_the_character_counter_counts_as_people_type(browser: Browser, live_url: str) -> None:
    context = await browser.new_context(**PHONE, locale="pl-PL")
    page = await context.new_page()
    await page.goto(f"{live_url}/give")
    counter = page.locator("#text-count")
    assert "Do 10 000 znaków" in await counter.inner_text(), "the limit is said before any script runs"
    await page.locator("#text").fill("x" * 10_012)
    await expect(counter).to_have_text("10 012 znaków: o 12 za dużo", timeout=5_000)
    assert await counter.get_attribute("aria-live") == "polite"
    await context.close()


async def test_admin_pages_pass_axe(browser: Browser, live_url: str, pool: Any) -> None:
    await create_staff(pool, "admin")
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await sign_in(page, live_url, "admin")
    await page.get_by_role("heading", name="Contributions", exact=True).wait_for()
    await page.goto(f"{live_url}/staff/contributions/new")
    await page.get_by_role("button", name="Save contribution").click()  # nothing filled in: errors shown
    assert "There is a problem" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)
    for path, heading in [
        ("/staff/neighbourhoods", "Neighbourhoods"),
        ("/staff/mail", "Mail"),
        ("/staff/audit", "Audit trail"),
        ("/staff/models", "Themes and models"),
        ("/staff/safeguarding", "Possible safeguarding concerns"),
        ("/staff/review", "Review themes"),
        ("/staff/programmes", "Programmes"),
        ("/staff/programmes/new", "Start a programme"),
        ("/staff/assets", "Community assets"),
        ("/staff/assets/new", "Add a community asset"),
        ("/staff/responses/new", "Publish a response"),
        ("/you-said-we-did", "You said, we did"),
        ("/w", "Join a workshop"),
    ]:
        await page.goto(live_url + path)
        await page.get_by_role("heading", name=heading, exact=True).wait_for()
        await assert_accessible(page)
    # A programme's own page, with its phase tracker, and the same page showing an error.
    await page.goto(live_url + "/staff/programmes/new")
    await start_programme(
        page, "Staying well at home", "Help older people stay well at home in Norwood.", "Norwood", ends="2026-07-31"
    )
    await page.get_by_role("heading", name="Staying well at home").wait_for()
    await assert_accessible(page)
    await page.get_by_role("button", name="Move to Define").click()
    assert "There is a problem" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)
    await page.get_by_label("What did Discovery teach us?").fill("People want one person to call when things go wrong.")
    await page.get_by_role("button", name="Move to Define").click()
    await page.get_by_role("heading", name="What each phase taught us").wait_for()
    assert "Now" in await page.locator('[aria-current="step"]').inner_text()
    assert "Define" in await page.locator('[aria-current="step"]').inner_text()
    await page.get_by_role("link", name="Programme report (print or save as PDF)").click()
    await page.get_by_role("heading", name="What people told us, by theme").wait_for()
    await assert_accessible(page)
    await page.go_back()
    await page.get_by_role("link", name="Draft a proposition").click()
    await page.get_by_label("Title").fill("A named discharge coordinator")
    await page.get_by_label("What it is, in plain English").fill("One person who owns the plan.")
    await page.get_by_role("button", name="Save the draft").click()
    await page.get_by_role("heading", name="A named discharge coordinator").wait_for()
    await assert_accessible(page)
    await context.close()


async def test_a_facilitator_reviews_themes_with_the_keyboard_alone(
    browser: Browser, live_url: str, pool: Any, base_settings: Settings
) -> None:
    from uuid import UUID

    from engage.workers.tagging import TaggerHolder, tag_contributions

    text = "Nobody listened when I asked for the same carer every day"
    async with httpx.AsyncClient(base_url=live_url) as http:
        created = (
            await http.post(
                "/api/v1/contributions", json={"kind": "i_statement", "text": text, "consent": {"analysis": True}}
            )
        ).json()
    await tag_contributions(pool, base_settings, TaggerHolder("lambeth-what-matters"), [UUID(created["id"])])
    await create_staff(pool, "facilitator")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await sign_in(page, live_url, "facilitator", then="/staff/review")
    await page.get_by_role("heading", name="Review themes").wait_for()
    assert created["reference"] in await page.content()
    await assert_accessible(page)
    listen = page.get_by_role("checkbox", name="Listen to us")
    quality = page.get_by_role("checkbox", name="Give us quality care")
    wanted_listen = not await listen.is_checked()
    wanted_quality = not await quality.is_checked()
    await page.keyboard.press("1")  # listen is the first theme
    await page.keyboard.press("3")  # quality the third
    assert await listen.is_checked() == wanted_listen and await quality.is_checked() == wanted_quality
    await page.keyboard.press("Enter")
    await page.get_by_text("Saved. Here is the next one.").wait_for()
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT theme_id, given, source::text FROM contribution_tags WHERE contribution_id = $1",
            UUID(created["id"]),
        )
    decided = {r["theme_id"]: r["given"] for r in rows}
    assert all(r["source"] == "person" for r in rows) and len(rows) == 6
    assert decided["listen"] == wanted_listen and decided["quality"] == wanted_quality
    await assert_accessible(page)
    await context.close()


async def test_notes_from_phones_appear_on_the_board_and_survive_a_network_drop(
    browser: Browser, live_url: str, pool: Any
) -> None:
    """Three participants on phones, one projected board: every note appears once, including those posted while
    the board was offline; the facilitator arranges notes with the keyboard alone."""
    import re

    await create_staff(pool, "facilitator")
    board_context = await browser.new_context(viewport={"width": 1400, "height": 900})
    board = await board_context.new_page()
    await sign_in(board, live_url, "facilitator", then="/staff/programmes/new")
    await start_programme(
        board, "Staying connected", "Less loneliness for older people in Vauxhall.", "Vauxhall", ends="2026-07-31"
    )
    await board.get_by_role("link", name="Plan a workshop").click()
    await board.get_by_label("Title").fill("Vauxhall coffee morning")
    await board.get_by_label("Date").fill("2026-01-21")
    await board.get_by_label("Prompts, one per line").fill(
        "What does wellbeing mean to you?\nWhere do you meet people?"
    )
    await board.get_by_role("button", name="Plan the workshop").click()
    await board.get_by_role("button", name="Open the live session").click()
    await board.get_by_role("heading", name="Vauxhall coffee morning").wait_for()
    code = await board.locator("#join-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{6}", code)
    await assert_accessible(board)

    async def phone_posts(texts: list[str]) -> None:
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        await page.goto(f"{live_url}/w")
        await page.get_by_label("The code on the screen").fill(code.lower())
        await page.get_by_role("button", name="Join").click()
        consent = page.get_by_label("I agree my note is used to improve health and care here (required)")
        assert not await consent.is_checked(), "nobody's consent is ticked for them"
        await consent.check()
        for text in texts:
            await page.get_by_label("Your note").fill(text)
            await page.get_by_role("button", name="Post my note").click()
            await page.get_by_text("your note is on the board").wait_for()
            # Their reference and withdrawal code, on their phone only.
            await page.get_by_text("Withdrawal code").wait_for()
        await context.close()

    notes = board.locator(".board-note")
    await phone_posts(["Seeing my grandchildren", "A chat at the bus stop"])
    await phone_posts(["The lunch club on Thursdays"])
    # (No wait_for_function: the page's Content-Security-Policy forbids the eval it would need.)
    await expect(notes).to_have_count(3, timeout=20_000)
    # The board loses its network; notes keep arriving; it comes back and catches up, each note once.
    await board_context.set_offline(True)
    await phone_posts(["Feeling useful", "My allotment"])
    await board_context.set_offline(False)
    await expect(notes).to_have_count(5, timeout=20_000)
    await board.wait_for_timeout(1500)
    texts = await notes.all_inner_texts()
    assert len(texts) == 5 and len({t.split(" ", 1)[1] for t in texts}) == 5
    await assert_accessible(board)
    # A presentation view: on a projector's 1920 px the board uses the screen, with no site navigation or footer,
    # a QR code people can scan from their seats, and no empty group chips.
    await board.set_viewport_size({"width": 1920, "height": 1080})
    assert await board.locator("header, footer, nav").count() == 0
    board_box = await board.locator("#board").bounding_box()
    qr_box = await board.locator("img.qr").bounding_box()
    assert board_box and board_box["width"] > 1700, board_box
    assert qr_box and qr_box["width"] >= 300, qr_box
    assert await board.locator(".note-group:visible").count() == 0

    # Keyboard only: group a note from the workshop page; the board shows the group.
    workshop_page = await board_context.new_page()
    await workshop_page.goto(board.url.rsplit("/board", 1)[0])
    await workshop_page.get_by_label("Group").first.focus()
    await workshop_page.keyboard.type("Family")
    # The pushed board can show the group before this page has followed its redirect: wait for the page itself.
    async with workshop_page.expect_navigation():
        await workshop_page.keyboard.press("Enter")
    await board.get_by_text("Family", exact=True).wait_for()
    await assert_accessible(workshop_page)
    await board_context.close()


async def test_a_consensus_round_from_invitation_to_result(browser: Browser, live_url: str, pool: Any) -> None:
    staff_context, staff = await a_drafted_proposition(browser, live_url, pool)
    await staff.get_by_label("Shortlisted").check()
    await staff.get_by_role("button", name="Save status").click()
    await staff.get_by_role("link", name="Going home").click()
    await staff.get_by_role("link", name="Open a consensus round").click()
    await staff.get_by_label("Title").fill("Should this go to the board?")
    await staff.get_by_label("Voting closes (UTC)").fill("2030-01-01T12:00")
    await staff.get_by_role("button", name="Open the round").click()
    await staff.get_by_role("heading", name="Should this go to the board?").wait_for()
    round_url = staff.url
    await staff.get_by_label("How many one-use links").fill("1")
    await staff.get_by_role("button", name="Make the links").click()
    link = (await staff.locator("ol.links code").first.inner_text()).strip()
    await assert_accessible(staff)

    citizen_context = await browser.new_context(**PHONE)
    citizen = await citizen_context.new_page()
    await citizen.goto(link)
    await citizen.get_by_role("heading", name="Should this go to the board?").wait_for()
    await assert_accessible(citizen)
    await citizen.get_by_label("5: Strongly support").check()
    await citizen.get_by_label("Anything to add? (optional)").fill("Yes, Mum needed this.")
    await citizen.get_by_role("button", name="Send my vote").click()
    await citizen.get_by_role("heading", name="Thank you: your vote is counted").wait_for()
    await citizen.goto(link)
    await citizen.get_by_role("heading", name="This link has been used").wait_for()
    assert await citizen.get_by_label("1: Strongly oppose").count() == 0, "a used link shows no ballot"
    await citizen_context.close()

    await staff.goto(round_url)
    assert "1 vote" in await staff.content() and "Yes, Mum needed this." in await staff.content()

    # The approval form shows where the round left it; one vote is short of the quorum, so approving needs a reason.
    await staff.get_by_role("link", name="Open the proposition A named discharge coordinator").click()
    warning = staff.locator("#consensus-before-decision")
    await warning.wait_for()
    assert "No consensus" in await warning.inner_text() and "1 of the 20 needed" in await warning.inner_text()
    assert "Drafted during Discovery" in await warning.inner_text()
    await staff.get_by_label("Approved", exact=True).check()
    await staff.get_by_label("Which board").fill("Health and Wellbeing Board")
    await staff.get_by_label("Date of the decision").fill("2026-06-10")
    await staff.get_by_label("Actions").fill("Recruit two coordinators")
    await staff.get_by_label("Owner").fill("Director of Integrated Care")
    await staff.get_by_role("button", name="Record the decision").click()
    summary = staff.locator(".error-summary")
    await summary.wait_for()
    assert await summary.evaluate("node => node === document.activeElement"), "focus moves to the errors"
    assert "approves it without consensus" in await summary.inner_text()
    assert await staff.get_by_label("Owner").input_value() == "Director of Integrated Care", "typed values kept"
    await assert_accessible(staff)
    await staff.get_by_role("link", name="approves it without consensus", exact=False).click()
    assert await staff.evaluate("document.activeElement.id") == "without_consensus"
    await staff.keyboard.type("The pilot cannot wait; we review it in March.")
    await staff.get_by_role("button", name="Record the decision").click()
    await staff.locator("#without-consensus").wait_for()
    assert "The pilot cannot wait" in await staff.locator("#without-consensus").inner_text()
    await staff_context.close()


async def test_a_resident_signs_in_by_an_emailed_link_and_comments_on_a_phone(
    browser: Browser, live_url: str, pool: Any, base_settings: Settings
) -> None:
    staff_context, staff = await a_drafted_proposition(browser, live_url, pool)
    await staff.get_by_role("link", name="Going home").click()
    await staff.get_by_label("Their name").fill("Amina Yusuf")
    await staff.get_by_label("Their email address").fill("amina@example.org")
    await staff.get_by_label("Group or organisation (optional)").fill("Carers' Hub")
    await staff.get_by_role("button", name="Send the invitation").click()
    await staff.get_by_text("Invitation sent").wait_for()
    await assert_accessible(staff)
    await staff_context.close()

    # The link the invitation email carries (the worker would send it; here it is made the same way).
    async with pool.acquire() as conn:
        link_id = await conn.fetchval("SELECT id FROM member_links")
    link = f"{live_url}/members/sign-in/{link_token(base_settings.secret_key, link_id)}"
    context = await browser.new_context(**PHONE)
    resident = await context.new_page()
    await resident.goto(link)
    await resident.get_by_role("heading", name="Welcome, Amina Yusuf").wait_for()
    await assert_accessible(resident)
    await resident.get_by_role("button", name="Sign in").click()
    await resident.get_by_role("heading", name="Going home").wait_for()
    await assert_accessible(resident)
    await resident.get_by_role("link", name="A named discharge coordinator").click()
    await resident.get_by_label("Add a comment").fill("Ring Dad the day after he gets home, not the week after.")
    await resident.get_by_role("button", name="Post comment").click()
    await resident.get_by_text("Ring Dad the day after he gets home").wait_for()
    await assert_accessible(resident)
    await resident.get_by_role("button", name="Withdraw my comment").click()
    await resident.get_by_text("No comments yet.").wait_for()
    # The link worked once.
    await resident.goto(link)
    assert "already been used" in await resident.content()
    await assert_accessible(resident)
    await context.close()


async def test_a_board_member_reads_the_dashboard_and_drills_down_on_a_phone(
    browser: Browser, live_url: str, pool: Any
) -> None:
    from datetime import datetime

    from engage.dashboards import queries as dashboard_queries
    from engage.digests.models import LOCAL
    from tests.seed import add_contributions, many

    now = datetime.now(LOCAL).replace(day=1, hour=12)
    async with pool.acquire() as conn:
        await add_contributions(
            conn,
            [
                *many(6, "I want to feel safe on the way home", now, themes=["safe"]),
                *many(2, "I want them to listen", now, themes=["listen"], neighbourhood="norwood"),
            ],
        )
        await dashboard_queries.refresh_rollups(conn)
    await create_staff(pool, "governance")
    await create_staff(pool, "admin")
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await sign_in(page, live_url, "governance")
    await page.get_by_role("heading", name="Contributions", exact=True).wait_for()
    await page.get_by_role("link", name="Dashboard").click()
    await page.get_by_role("heading", name="Themes over time").wait_for()
    chart = page.get_by_role("img", name="Contributions by theme, month by month")
    await expect(chart).to_be_visible()
    assert "Help us to feel safe, secure and protected from harm (6 contributions)" in (
        await page.locator("#trend-desc").text_content() or ""
    )
    table = page.get_by_role("table", name="Contributions by theme and month")
    this_month = table.get_by_role("row", name=now.strftime("%B %Y"))
    await expect(this_month.get_by_role("cell").last).to_have_text("8")
    await expect(page.get_by_role("table", name="Contributions by neighbourhood and theme")).to_contain_text("Norwood")
    await assert_accessible(page)
    await this_month.get_by_role("link", name="6").click()
    await page.get_by_role("heading", name="Contributions behind the number").wait_for()
    await expect(page.locator("#drill-list li")).to_have_count(6)
    await assert_accessible(page)
    await page.goto(f"{live_url}/staff/boards")
    await page.get_by_role("heading", name="Boards").wait_for()
    await assert_accessible(page)
    await context.close()

    admin = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await admin.new_page()
    await sign_in(page, live_url, "admin")
    await page.get_by_role("heading", name="Contributions", exact=True).wait_for()
    await page.goto(f"{live_url}/staff/boards/new")
    await page.get_by_role("button", name="Save board").click()
    assert "There is a problem" in await page.get_by_role("alert").inner_text()
    await assert_accessible(page)
    await page.get_by_label("Short id").fill("scrutiny")
    await page.get_by_label("Name").fill("Health Scrutiny Committee")
    await page.get_by_label("Every month (on the 1st, for the month before)").check()
    await page.get_by_label("Help us to feel safe, secure and protected from harm").check()
    await page.get_by_label("Members' email addresses").fill("cllr.a@example.org\ncllr.b@example.org")
    await page.get_by_role("button", name="Save board").click()
    await page.get_by_role("heading", name="Health Scrutiny Committee").wait_for()
    assert "2 members" in await page.locator("main").inner_text()
    await assert_accessible(page)
    await page.goto(f"{live_url}/subscribe")
    await assert_accessible(page)
    await admin.close()
