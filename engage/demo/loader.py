"""Demo data, loaded once into an empty database by `engage run`.

Every word is fictional and written for Engage; the neighbourhoods and the kinds of service are Lambeth's.
Dates spread over the last six months, and the spread is seeded, so every laptop sees the same picture.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from engage import i18n
from engage.accounts import queries as account_queries
from engage.accounts.models import StaffUser, UserExists
from engage.accounts.service import create_user
from engage.boards import queries as board_queries
from engage.boards import service as board_service
from engage.boards.models import BoardDraft
from engage.contributions import queries
from engage.contributions.models import EQUALITY_CHOICES, Consent, Contact, Equality, Submission
from engage.contributions.service import submit_contribution
from engage.db import Connection, Lock, advisory_xact_lock, create_pool, transaction
from engage.demo import queries as demo_queries
from engage.demo.data import I_STATEMENTS, STORIES, WORKSHOP_NOTES
from engage.demo.data import SOURCES as STORY_SOURCES
from engage.demo.programme import load_programme
from engage.digests.models import LOCAL
from engage.recommendations import service as recommendation_service
from engage.recommendations.models import RecommendationDraft
from engage.responses import service as response_service
from engage.responses.models import ResponseDraft
from engage.settings import Settings

DEMO_PASSWORD = "engage-demo-2026"
DEMO_USERS = [
    ("admin@demo.engage.test", "Ade Admin", "admin", "Lambeth Together"),
    ("facilitator@demo.engage.test", "Fran Facilitator", "facilitator", "Community of practice"),
    ("governance@demo.engage.test", "Gita Governance", "governance", "Health and Wellbeing Board"),
    ("partner@demo.engage.test", "Pat Partner", "partner_staff", "Healthwatch Lambeth"),
]
NEIGHBOURHOODS = [
    "brixton",
    "clapham",
    "kennington",
    "norwood",
    "stockwell",
    "streatham",
    "tulse-hill",
    "vauxhall",
    "waterloo",
    "herne-hill",
]
WORKSHOPS = [
    "Stockwell co-design workshop, 12 June",
    "Norwood community of practice, 3 July",
    "Brixton wellbeing conversation, 17 July",
    "Streatham carers' workshop, 4 September",
]


def demo_submissions(now: datetime) -> list[Submission]:
    rng = random.Random(20181206)

    def when() -> datetime:
        return now - timedelta(days=rng.triangular(0, 180, 20), minutes=rng.randint(0, 1440))

    def consent() -> Consent:
        return Consent(analysis=True, quote=rng.random() < 0.7, share=rng.random() < 0.5, contact=False)

    def equality() -> Equality | None:
        if rng.random() < 0.4:
            return None
        return Equality(**{name: rng.choice([*choices, None]) for name, choices in EQUALITY_CHOICES.items()})

    subs: list[Submission] = []
    for text in I_STATEMENTS:
        subs.append(
            Submission(
                kind="i_statement",
                text=text,
                consent=consent(),
                source=rng.choice(["web_form", "web_form", "api"]),
                neighbourhood=rng.choice([*NEIGHBOURHOODS, None]),
                received_at=when(),
                equality=equality(),
            )
        )
    for text, language in STORIES:
        subs.append(
            Submission(
                kind="story",
                text=text,
                consent=consent(),
                source=rng.choice(["import", "staff_entry", "web_form"]),
                source_name=rng.choice(STORY_SOURCES),
                neighbourhood=rng.choice(NEIGHBOURHOODS),
                language=language,
                # Someone who wrote in Portuguese most likely read the Portuguese pages.
                locale=i18n.supported(language) or i18n.SOURCE,
                received_at=when(),
                equality=equality(),
            )
        )
    for index, text in enumerate(WORKSHOP_NOTES):
        workshop = WORKSHOPS[index % len(WORKSHOPS)]
        hood = {0: "stockwell", 1: "norwood", 2: "brixton", 3: "streatham"}[index % len(WORKSHOPS)]
        subs.append(
            Submission(
                kind="workshop_note",
                text=text,
                consent=Consent(analysis=True, quote=True, share=True),
                source="staff_entry",
                source_name=workshop,
                neighbourhood=hood,
                received_at=when(),
            )
        )
    # Three contributors asked for a receipt, so the mailbox has something in it.
    for sub, name in zip(subs[:3], ("amara", "joao", "mei"), strict=True):
        sub.consent.contact = True
        sub.contact = Contact(email=f"{name}@example.org")
    return subs


async def _demo_governance(conn: Connection, settings: Settings) -> None:
    """Four in five of the quotable words approved by the facilitator, and two boards that existed before last week, so the
    worker sends their digests (to the local mailbox) once the demo contributions are tagged."""
    await demo_queries.approve_most_quotes(conn, "facilitator@demo.engage.test")
    credentials = await account_queries.get_credentials(conn, "admin@demo.engage.test")
    assert credentials is not None
    admin = credentials.user
    for draft in (
        BoardDraft(
            id="health-wellbeing-board",
            name="Lambeth Health and Wellbeing Board",
            frequency="weekly",
            owner_email="governance@demo.engage.test",
            members=["governance@demo.engage.test", "councillor@example.org", "healthwatch@example.org"],
        ),
        BoardDraft(
            id="citizens-board",
            name="Citizens' Board: feeling safe and being heard",
            frequency="monthly",
            owner_email="facilitator@demo.engage.test",
            themes=["safe", "listen"],
            members=["citizen.member@example.org"],
        ),
    ):
        await board_service.save_board(conn, admin, draft, framework_id=settings.framework)
    await demo_queries.backdate_boards(conn, 60)
    await _demo_follow_through(conn, settings, admin)


async def _demo_follow_through(conn: Connection, settings: Settings, admin: StaffUser) -> None:
    """A "you said, we did" response whose status moved, and a scrutiny committee's recommendations tracker: a few
    of the recommendations of Lewisham's in-depth review of health and social care integration (Healthier
    Communities Select Committee, 2017), in our own words, with the kind of answers and delays such reports
    record. One is overdue, one was rejected."""
    today = datetime.now(LOCAL).date()

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    credentials = await account_queries.get_credentials(conn, "facilitator@demo.engage.test")
    assert credentials is not None
    facilitator = credentials.user
    response_id, _ = await response_service.publish_response(
        conn,
        facilitator,
        ResponseDraft(
            title="One number to ring about going home from hospital",
            you_said="Nobody told you who to call in the first days at home, and every service gave another number.",
            we_did="The discharge teams agreed one phone line, answered seven days a week, for the first fortnight.",
            status="planned",
            theme_id="easier",
        ),
        today=ago(120),
    )
    await demo_queries.backdate_response(conn, response_id, 120)
    for expected, status, days, note in (
        ("planned", "in_progress", 75, "The line opened for patients leaving St Thomas' on weekdays."),
        ("in_progress", "done", 20, "It now covers King's College Hospital and weekends too."),
    ):
        await response_service.change_status(
            conn,
            facilitator,
            response_id,
            status=status,
            note=note,
            changed_on=ago(days),
            expected=expected,
            today=today,
        )
    await board_service.save_board(
        conn,
        admin,
        BoardDraft(
            id="scrutiny",
            name="Health and Care Scrutiny Sub-Committee",
            frequency="monthly",
            owner_email="governance@demo.engage.test",
            members=["governance@demo.engage.test", "scrutiny.chair@example.org"],
        ),
        framework_id=settings.framework,
    )
    board = await board_queries.get_board(conn, "scrutiny")
    assert board is not None
    workshop_notes = await demo_queries.workshop_note_references(conn, 6)
    recommendations = [
        (
            "R1",
            "The partners should come back within six months with how the hospital-at-home pilot is going.",
            "Lambeth Together Delivery Alliance",
            150,
            30,
            [("accepted", 140, "Agreed; the first report is planned for the spring meeting.")],
            [],
            [],
        ),
        (
            "R2",
            "Count the discharges held up because the patient lives in another borough, and agree with the "
            "neighbouring boroughs how to bring those delays down.",
            "Director of Integrated Care",
            150,
            -60,
            [
                ("accepted", 140, "Delays are now reported weekly, borough by borough."),
                ("in_progress", 40, "Weekly calls with the Southwark and Wandsworth discharge teams have started."),
            ],
            [],
            [response_id],
        ),
        (
            "R4",
            "As community services join up, offer one complaints route across health and social care that anyone "
            "can use, whichever service the complaint is about.",
            "Head of Customer Experience",
            150,
            10,
            [
                ("accepted", 120, "Complaints officers will agree which organisation leads each joint complaint."),
                ("done", 20, "One form now reaches whichever organisation leads; people get a single reply."),
            ],
            [],
            [],
        ),
        (
            "R6",
            "Set clear targets for fewer unplanned hospital admissions and publish how the partners are doing.",
            "Director of Performance",
            150,
            60,
            [
                (
                    "rejected",
                    100,
                    "Targets are set nationally; Lambeth's figures will be published every quarter instead.",
                )
            ],
            [],
            [],
        ),
        (
            "R10",
            "Involve residents and carers in designing the new neighbourhood services from the start, not only in "
            "commenting on finished plans.",
            "Lambeth Together Assembly",
            60,
            -90,
            [],
            workshop_notes,
            [],
        ),
    ]
    for label, text, owner, made, due, updates, references, responses in recommendations:
        recommendation_id = await recommendation_service.record_recommendation(
            conn,
            admin,
            board,
            RecommendationDraft(
                label=label,
                text=text,
                owner=owner,
                made_on=ago(made),
                due_on=ago(due),
                references=references,
                responses=responses,
            ),
        )
        expected = "awaiting"
        for status, days, note in updates:
            await recommendation_service.record_update(
                conn,
                admin,
                board,
                recommendation_id,
                status=status,
                note=note,
                changed_on=ago(days),
                expected=expected,
                today=today,
            )
            expected = status


async def load_demo(settings: Settings) -> tuple[int, list[tuple[str, str, str]]]:
    """Load demo contributions and sign-ins into an empty database. Returns (count loaded, sign-ins)."""
    pool = await create_pool(settings.database_url or "", size=2)
    logins = [(email, role, DEMO_PASSWORD) for email, _, role, _ in DEMO_USERS]
    try:
        async with transaction(pool) as conn:
            # The lock makes two `engage run`s started together load the data once.
            await advisory_xact_lock(conn, Lock.DEMO_DATA)
            if await queries.count_contributions(conn) > 0:
                return 0, logins if await demo_queries.demo_users_exist(conn) else []
            for email, name, role, organisation in DEMO_USERS:
                try:
                    async with conn.transaction():
                        await create_user(
                            conn,
                            email=email,
                            name=name,
                            role=role,  # type: ignore[arg-type]
                            password=DEMO_PASSWORD,
                            organisation=organisation,
                        )
                except UserExists:
                    pass
            subs = demo_submissions(datetime.now(UTC))
            for sub in subs:
                await submit_contribution(conn, sub, secret=settings.secret_key)
            await _demo_governance(conn, settings)
            facilitator = await account_queries.get_credentials(conn, "facilitator@demo.engage.test")
            assert facilitator is not None
            await load_programme(conn, settings, facilitator.user, datetime.now(LOCAL).date())
        return len(subs), logins
    finally:
        await pool.close()
