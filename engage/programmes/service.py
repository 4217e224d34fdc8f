"""Use cases for co-design programmes. Callers own the transaction.

Who may do what (engage.accounts.models.PERMISSIONS): those who may run programmes (facilitators, admins) start
them; a programme's own facilitators (and admins, who may run any programme) move it to
its next phase and add people to its community of practice: staff by their account's email, and anyone else
(residents, carers, voluntary-sector members: the people co-production is for) by an emailed invitation, which
gives them an account without a password that signs in by one-use links. Anyone who may read contributions may read
a programme; a community of practice member reads only the programmes they were invited to.
"""

from __future__ import annotations

import re
import unicodedata
from uuid import UUID

from engage.accounts import queries as account_queries
from engage.accounts import service as accounts
from engage.accounts.models import Role, StaffUser, UserExists, can
from engage.audit import queries as audit
from engage.contributions import queries as contribution_queries
from engage.contributions.models import EQUALITY_CHOICES, KIND_LABELS, ContributionFilters
from engage.contributions.service import EMAIL
from engage.db import Connection
from engage.outbox import queries as outbox
from engage.outbox.models import CLUSTERS_REQUESTED
from engage.privacy.models import SMALLEST_GROUP_SHOWN
from engage.privacy.visibility import sight_for
from engage.problems import FieldError
from engage.programmes import queries
from engage.programmes.models import (
    PHASE_DATE_LABELS,
    PHASE_LABELS,
    EvidenceBoard,
    EvidenceQuery,
    Programme,
    ProgrammeDetail,
    ProgrammeDraft,
    ProgrammeProblem,
    ThemeEvidence,
)
from engage.tags import queries as tag_queries

NO_PROGRAMME = "No programme with this address."


def slug_for(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or "programme"


async def start_programme(conn: Connection, viewer: StaffUser, draft: ProgrammeDraft) -> str:
    """Create a programme in Discovery, with the viewer as its first facilitator. Returns its slug."""
    if not can(viewer.role, "run_programmes"):
        raise ProgrammeProblem("programme", "Only facilitators and admins start programmes.", status=403)
    errors: list[FieldError] = []
    if not draft.name.strip():
        errors.append(FieldError("name", "Give the programme a name."))
    if len(draft.name) > 120:
        errors.append(FieldError("name", "Keep the name under 120 characters."))
    if not draft.purpose.strip():
        errors.append(FieldError("purpose", "Say in a sentence or two what the programme is for."))
    if await tag_queries.get_framework(conn, draft.framework_id) is None:
        errors.append(FieldError("framework_id", "Choose one of the theme frameworks."))
    known = {n.slug for n in await contribution_queries.list_neighbourhoods(conn, active_only=False)}
    if not draft.neighbourhoods:
        errors.append(FieldError("neighbourhoods", "Choose at least one neighbourhood."))
    elif not set(draft.neighbourhoods) <= known:
        errors.append(FieldError("neighbourhoods", "Choose neighbourhoods from the list."))
    dates = {name: getattr(draft, name) for name in PHASE_DATE_LABELS}
    errors += [
        FieldError(name, f"Give {label}, like 2026-03-14.")
        for name, label in PHASE_DATE_LABELS.items()
        if not dates[name]
    ]
    given = [value for value in dates.values() if value]
    if len(given) == len(dates) and given != sorted(given):
        errors.append(
            FieldError("define_from", "The phases must follow each other: Discovery, Define, Develop, then the end.")
        )
    if errors:
        raise ProgrammeProblem.of(errors)
    assert draft.discovery_from and draft.define_from and draft.develop_from and draft.ends_on
    base = slug_for(draft.name)
    slug, number = base, 1
    while not await queries.insert_programme(conn, slug, draft, viewer.id):
        number += 1
        slug = f"{base}-{number}"
    await audit.record(conn, actor=viewer.id, action="programme.started", subject_type="programme", subject_id=slug)
    return slug


async def view_programme(conn: Connection, slug: str) -> ProgrammeDetail | None:
    programme = await queries.get_programme(conn, slug)
    if programme is None:
        return None
    names = {n.slug: n.name for n in await contribution_queries.list_neighbourhoods(conn, active_only=False)}
    return ProgrammeDetail(
        programme=programme,
        members=await queries.members(conn, slug),
        changes=await queries.phase_changes(conn, slug),
        neighbourhood_names=names,
    )


async def runs_programme(conn: Connection, slug: str, viewer: StaffUser) -> bool:
    """Admins, and the programme's own facilitators, run it: its phases, workshops, propositions and rounds."""
    if can(viewer.role, "run_any_programme"):
        return True
    return can(viewer.role, "run_programmes") and await queries.member_role(conn, slug, viewer.id) == "facilitator"


async def _require_facilitator(conn: Connection, slug: str, viewer: StaffUser, refusal: str) -> None:
    if not await runs_programme(conn, slug, viewer):
        raise ProgrammeProblem("programme", refusal, status=403)


async def _require_programme(conn: Connection, slug: str) -> None:
    if await queries.get_programme(conn, slug) is None:
        raise ProgrammeProblem("programme", NO_PROGRAMME, status=404)


async def advance_phase(conn: Connection, slug: str, viewer: StaffUser, summary: str, expected: str) -> str:
    """Move the programme from `expected` to the next phase, recording who, when and what was learnt. `expected`
    guards against two people pressing the button at once: the second is told it has already moved."""
    programme = await queries.get_programme(conn, slug, for_update=True)
    if programme is None:
        raise ProgrammeProblem("programme", NO_PROGRAMME, status=404)
    await _require_facilitator(conn, slug, viewer, "Only this programme's facilitators move it to the next phase.")
    if programme.phase != expected:
        raise ProgrammeProblem("phase", f"The programme is already in {PHASE_LABELS[programme.phase]}.")
    target = programme.next_phase
    if target is None:
        raise ProgrammeProblem("phase", "Develop and approval is the last phase.")
    summary = summary.strip()
    if len(summary) < 10:
        raise ProgrammeProblem("summary", "Write a short summary of what was learnt in this phase.")
    if len(summary) > 4000:
        raise ProgrammeProblem("summary", "Keep the summary under 4,000 characters.")
    await queries.set_phase(conn, slug, programme.phase, target, summary, viewer.id)
    await audit.record(
        conn,
        actor=viewer.id,
        action="programme.phase",
        subject_type="programme",
        subject_id=slug,
        detail={"from": programme.phase, "to": target},
    )
    return target


async def add_member(conn: Connection, slug: str, viewer: StaffUser, email: str, role: str) -> None:
    await _require_programme(conn, slug)
    await _require_facilitator(conn, slug, viewer, "Only this programme's facilitators add people to it.")
    if role not in ("facilitator", "member"):
        raise ProgrammeProblem("role", "Choose facilitator or member.")
    user_id = await queries.user_id_by_email(conn, email.strip())
    if user_id is None:
        raise ProgrammeProblem("email", "Nobody with a staff account has this email address.")
    if role == "facilitator" and not can(await _role_of(conn, user_id), "run_programmes"):
        raise ProgrammeProblem("role", "Their role does not run programmes: add them as a member.")
    await queries.add_member(conn, slug, user_id, role)
    await audit.record(
        conn,
        actor=viewer.id,
        action="programme.member",
        subject_type="programme",
        subject_id=slug,
        detail={"user": str(user_id), "role": role},
    )


async def _role_of(conn: Connection, user_id: UUID) -> Role:
    user = await account_queries.get_user(conn, user_id)
    assert user is not None, "the id was just read from the users table"
    return user.role


async def invite_member(
    conn: Connection,
    slug: str,
    viewer: StaffUser,
    *,
    name: str,
    email: str,
    organisation: str,
    secret: str,
    link_minutes: int,
) -> None:
    """Invite someone without a staff account into the community of practice: an account of their own (made on
    their first invitation, reopened if they were removed from every programme before), membership, and an email
    with a one-use sign-in link. Inviting them again sends a fresh link."""
    await _require_programme(conn, slug)
    await _require_facilitator(conn, slug, viewer, "Only this programme's facilitators invite people to it.")
    name, email, organisation = name.strip(), email.strip().lower(), organisation.strip()
    errors: list[FieldError] = []
    if not name or len(name) > 120:
        errors.append(FieldError("invite_name", "Give the name they like to be called (up to 120 characters)."))
    if len(email) > 254 or not EMAIL.match(email):
        errors.append(
            FieldError("invite_email", "Give an email address like name@example.org: the invitation goes there.")
        )
    if len(organisation) > 120:
        errors.append(FieldError("organisation", "Keep the group or organisation under 120 characters."))
    if errors:
        raise ProgrammeProblem.of(errors)
    found = await account_queries.user_by_email(conn, email)
    if found is not None and found[0].role != "community_member":
        raise ProgrammeProblem("invite_email", "This person has a staff account: add them by email above.")
    if found is None:
        try:
            async with conn.transaction():
                user = await accounts.create_member_account(
                    conn, email=email, name=name, organisation=organisation or None
                )
        except UserExists as exc:  # someone invited them at the same moment
            raise ProgrammeProblem("invite_email", "They were invited a moment ago: refresh the page.") from exc
    else:
        user = found[0]
        if not found[1]:
            await account_queries.set_active(conn, user.id, True)
    await queries.add_member(conn, slug, user.id, "member")
    await accounts.issue_sign_in_link(
        conn, user, secret=secret, minutes=link_minutes, programme=slug, invited_by=viewer.id
    )
    await audit.record(
        conn,
        actor=viewer.id,
        action="programme.member_invited",
        subject_type="programme",
        subject_id=slug,
        detail={"user": str(user.id)},
    )


async def remove_member(conn: Connection, slug: str, viewer: StaffUser, user_id: UUID) -> None:
    """Take a member out of the community of practice. Someone without a staff account is signed out everywhere
    and their unused links stop working; removed from their last programme, their account is closed."""
    await _require_programme(conn, slug)
    await _require_facilitator(conn, slug, viewer, "Only this programme's facilitators remove people from it.")
    if not await queries.remove_member(conn, slug, user_id):
        raise ProgrammeProblem("member", "This person is not a member of the programme (facilitators stay).")
    user = await account_queries.get_user(conn, user_id)
    ended = 0
    if user is not None and user.role == "community_member":
        await account_queries.delete_links(conn, user_id)
        ended = await account_queries.delete_user_sessions(conn, user_id)
        if not await queries.memberships(conn, user_id):
            await account_queries.set_active(conn, user_id, False)
    await audit.record(
        conn,
        actor=viewer.id,
        action="programme.member_removed",
        subject_type="programme",
        subject_id=slug,
        detail={"user": str(user_id), "sessions_ended": ended},
    )


async def takes_part(conn: Connection, slug: str, viewer: StaffUser) -> bool:
    """Admins, and the programme's own community of practice (facilitators and members)."""
    return can(viewer.role, "run_any_programme") or await queries.member_role(conn, slug, viewer.id) is not None


async def may_read(conn: Connection, slug: str, viewer: StaffUser) -> bool:
    """Staff who read contributions read every programme; a community of practice member only their own."""
    return can(viewer.role, "read_contributions") or await takes_part(conn, slug, viewer)


async def my_programmes(conn: Connection, viewer: StaffUser) -> list[Programme]:
    return await queries.memberships(conn, viewer.id)


async def record_export(conn: Connection, viewer: StaffUser, slug: str, what: str) -> None:
    """Every CSV export of a programme's data is in the audit trail."""
    await audit.record(
        conn,
        actor=viewer.id,
        action="export.programme",
        subject_type="programme",
        subject_id=slug,
        detail={"file": what},
    )


NEWEST_PER_THEME = 5
"""How many of each theme's contributions the evidence board lists (the rest are a link away)."""


async def view_evidence(conn: Connection, slug: str, viewer: StaffUser, query: EvidenceQuery) -> EvidenceBoard | None:
    """A programme's evidence board as this reader may see it (None: no such programme, or not one they may read):
    counts and the newest contributions by theme, groups saying the same thing, and who the programme heard from.

    Filtering by an equality group (an age band) and listing who matched would tell a reader each person's answer:
    for a reader who may not see equality answers one by one, that filter gives counts only, and a count under
    SMALLEST_GROUP_SHOWN is not shown. A community of practice member sees who was heard from by place and kind,
    not by age band (a band of a few people is an equality answer)."""
    detail = await view_programme(conn, slug)
    if detail is None or not await may_read(conn, slug, viewer):
        return None
    programme, sight = detail.programme, sight_for(viewer)
    query = EvidenceQuery(
        neighbourhood=query.neighbourhood if query.neighbourhood in programme.neighbourhoods else "",
        kind=query.kind if query.kind in KIND_LABELS else "",
        age_band=query.age_band if query.age_band in EQUALITY_CHOICES["age_band"] else "",
    )
    filters = ContributionFilters(
        programme=slug,
        framework=programme.framework_id,
        neighbourhood=query.neighbourhood or None,
        kind=query.kind or None,  # type: ignore[arg-type]
        age_band=query.age_band or None,
    )
    counts_only = bool(query.age_band) and not sight.equality
    counts = await contribution_queries.count_by_theme(conn, filters, sight)
    newest = (
        {}
        if counts_only
        else await contribution_queries.newest_by_theme(conn, filters, sight, per_theme=NEWEST_PER_THEME)
    )
    framework = await tag_queries.get_framework(conn, programme.framework_id)
    themes = [
        ThemeEvidence(
            id=theme.id,
            name=theme.name,
            count=None if counts_only and counts.get(theme.id, 0) < SMALLEST_GROUP_SHOWN else counts.get(theme.id, 0),
            newest=newest.get(theme.id, []),
        )
        for theme in (framework.themes if framework else [])
    ]
    heard = await queries.heard_from(conn, slug)
    if not can(viewer.role, "read_contributions"):
        heard = {dimension: rows for dimension, rows in heard.items() if dimension in ("neighbourhood", "kind")}
    return EvidenceBoard(
        detail=detail,
        query=query,
        themes=themes,
        counts_only=counts_only,
        clusters=await queries.clusters_for(conn, slug, sight),
        heard=heard,
    )


async def request_clusters(conn: Connection, slug: str, viewer: StaffUser) -> None:
    """Ask the worker to group the programme's contributions by similarity again (its evidence board says so until
    it has). Those who run programmes ask; the request is in the audit trail."""
    await _require_programme(conn, slug)
    if not can(viewer.role, "run_programmes"):
        raise ProgrammeProblem("programme", "Only facilitators and admins group the evidence.", status=403)
    await queries.request_clusters(conn, slug)
    await outbox.insert_event(conn, CLUSTERS_REQUESTED, {"programme": slug})
    await audit.record(
        conn, actor=viewer.id, action="programme.clusters_requested", subject_type="programme", subject_id=slug
    )
