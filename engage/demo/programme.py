"""The demo's co-design programme, built through the same services staff use: "Going home from hospital", now in
Develop and approval, with a workshop and its notes, community assets, three propositions (one approved after a
consensus round, one that split the room), and a resident invited into the community of practice (their sign-in
link is in the local mailbox)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from engage.accounts.models import StaffUser
from engage.assets import service as assets
from engage.assets.models import AssetDraft
from engage.consensus import service as consensus
from engage.consensus.models import Rating
from engage.contributions.service import SubmitInTransaction
from engage.db import Connection
from engage.demo import queries
from engage.privacy.visibility import UNRESTRICTED
from engage.programmes import service as programmes
from engage.programmes.models import ProgrammeDraft
from engage.propositions import service as propositions
from engage.propositions.models import Decision, PropositionText
from engage.settings import Settings
from engage.workshops import service as workshops
from engage.workshops.models import NoteIn, WorkshopDraft

SLUG = "going-home-from-hospital"
RESIDENT_EMAIL = "rosa.resident@example.org"

NOTES = [
    (0, "Nobody told Mum which day she was coming home, so there was no food in the flat."),
    (0, "The discharge letter was four pages of abbreviations. We needed one page in plain English."),
    (0, "Transport was booked for 10am and came at 6pm. She sat in the lounge all day in her coat."),
    (0, "Carers started three days after he got home. Those three days were the hardest."),
    (1, "Age UK Lambeth's home from hospital service: a volunteer visits in the first week and does a shop."),
    (1, "The Stockwell Good Neighbours phone round checks on people living alone every morning."),
    (1, "Brixton library's Tuesday coffee morning is where I heard about the falls clinic."),
    (2, "One person to ring who knows the whole plan, not five numbers that all say it is someone else."),
    (2, "Ask the family before the discharge date is set, not the night before."),
    (2, "A check that there is food, heating and a working key safe before anyone leaves the ward."),
]

PROPOSITIONS = [
    PropositionText(
        title="A named discharge coordinator for every older patient",
        description="One person who owns the plan from the ward to the first fortnight at home, and answers the phone.",
        for_whom="People over 65 leaving King's College or St Thomas', and their carers",
        themes=["easier", "listen"],
    ),
    PropositionText(
        title="A home-ready check before anyone leaves the ward",
        description="Food, heating, a working key safe and the first carers' visit confirmed before transport is "
        "booked.",
        for_whom="Anyone going home alone",
        themes=["safe", "quality"],
    ),
    PropositionText(
        title="A volunteer visit in the first week at home",
        description="A trained volunteer from a local charity visits within three days, does a shop and checks in.",
        for_whom="People living alone",
        themes=["thrive"],
    ),
]

# 24 people voted: the coordinator has support in both neighbourhoods (consensus); the home-ready check is
# wanted in Brixton but not in Stockwell, where people said the ward already does it (no consensus).
VOTERS = [("brixton", "65 to 74")] * 7 + [("brixton", "50 to 64")] * 5 + [("stockwell", "75 or over")] * 12


async def load_programme(conn: Connection, settings: Settings, facilitator: StaffUser, today: date) -> None:
    slug = await programmes.start_programme(
        conn,
        facilitator,
        ProgrammeDraft(
            name="Going home from hospital",
            purpose="Make leaving hospital safe and joined up for older people in Brixton and Stockwell, designed "
            "with the people who have done it and those who care for them.",
            framework_id=settings.framework,
            neighbourhoods=["brixton", "stockwell"],
            discovery_from=today - timedelta(days=150),
            define_from=today - timedelta(days=90),
            develop_from=today - timedelta(days=40),
            ends_on=today + timedelta(days=60),
        ),
    )
    workshop_id = await workshops.plan_workshop(
        conn,
        slug,
        facilitator,
        WorkshopDraft(
            title="Going home: what happened, and what helped",
            held_on=today - timedelta(days=100),
            venue="Brixton Library, meeting room 2",
            neighbourhood="brixton",
            accessibility="Step-free; hearing loop; a Portuguese interpreter on request",
            attendance=18,
            prompts=[
                "What happened when you or someone you care for came home from hospital?",
                "Who or what helped?",
                "What one thing should change?",
            ],
        ),
    )
    code = await workshops.open_live_session(conn, workshop_id, facilitator)
    live = await workshops.live_workshop(conn, code)
    phones = SubmitInTransaction(conn, secret=settings.secret_key)  # no batcher here: the demo's own transaction
    note_ids: list[UUID] = []
    for number, (prompt, text) in enumerate(NOTES):
        note = NoteIn(
            prompt_id=str(live.prompts[prompt].id), text=text, client_key=f"demo-{number}", consent_quote=True
        )
        receipt = await workshops.post_note(phones, live, note)
        note_ids.append(receipt.id)
    await workshops.close_live_session(conn, workshop_id, facilitator)
    for kind, name, offers, hood, source in (
        ("group", "Age UK Lambeth: home from hospital", "A volunteer visit and a shop in the first week", "brixton", 4),
        ("network", "Stockwell Good Neighbours", "A morning phone round for people living alone", "stockwell", 5),
        ("forum", "Brixton library coffee morning", "Tuesdays 10 to 12: advice and company", "brixton", 6),
    ):
        await assets.record_asset(
            conn,
            facilitator,
            AssetDraft(
                kind=kind, name=name, offers=offers, neighbourhood=hood, programme=slug, from_note=note_ids[source]
            ),
        )
    await programmes.advance_phase(
        conn,
        slug,
        facilitator,
        "Discharge goes wrong in the first 72 hours: nobody owns the plan, transport and carers do not line up, "
        "and families hear last. Neighbours and charities fill gaps nobody planned for.",
        "discovery",
    )
    await programmes.advance_phase(
        conn,
        slug,
        facilitator,
        "Three ideas came out of the analysis: one person who owns the plan, a check the home is ready, and a "
        "volunteer in the first week.",
        "define",
    )
    drafted = [await propositions.draft_proposition(conn, slug, facilitator, text) for text in PROPOSITIONS]
    evidence = await queries.contributions_of_programme(conn, slug)
    for proposition_id, first in zip(drafted, (0, 1, 7), strict=True):
        for contribution_id in evidence[first : first + 2]:
            await propositions.pin_evidence(conn, proposition_id, facilitator, contribution_id)
    for proposition_id in drafted[:2]:
        await propositions.set_status(conn, proposition_id, facilitator, "shortlisted")
    coordinator, home_ready = drafted[0], drafted[1]
    round_id = await consensus.open_round(
        conn,
        slug,
        facilitator,
        title="Which ideas should go to the Health and Wellbeing Board?",
        closes_at=datetime.now(UTC) + timedelta(days=14),
        statements={home_ready: "The ward should not book transport until the home is ready."},
    )
    for neighbourhood in ("brixton", "stockwell"):
        voters = [age for hood, age in VOTERS if hood == neighbourhood]
        tokens = await consensus.invite_citizens(conn, round_id, facilitator, len(voters), neighbourhood)
        for token, age in zip(tokens, voters, strict=True):
            ready = 5 if neighbourhood == "brixton" else 2
            await consensus.cast_citizen_ballot(
                conn,
                token,
                [
                    Rating(proposition_id=coordinator, support=5 if age != "50 to 64" else 4),
                    Rating(proposition_id=home_ready, support=ready, statement="agree" if ready > 3 else "disagree"),
                ],
                age_band=age,
            )
    summary = await consensus.summarise_consensus(conn, coordinator, UNRESTRICTED, quorum=settings.consensus_quorum)
    await propositions.record_decision(
        conn,
        coordinator,
        facilitator,
        Decision(
            approved=True,
            board="Lambeth Health and Wellbeing Board",
            decided_on=today - timedelta(days=3),
            decision_note="Approved for a six-month pilot on two wards, reporting back to the board in spring.",
            actions="Recruit two discharge coordinators; pilot on the older people's wards at King's",
            owner="Director of Integrated Care",
            budget="£92,000 for the pilot",
            resourcing="Two band 6 posts, seconded from community nursing",
            milestones="Posts filled by February; first report to the board in May",
        ),
        summary,
    )
    await programmes.invite_member(
        conn,
        slug,
        facilitator,
        name="Rosa",
        email=RESIDENT_EMAIL,
        organisation="Stockwell carers' group",
        secret=settings.secret_key,
        link_minutes=settings.member_link_minutes,
    )
