"""Paper forms for events: staff print a batch, each copy with a reference and withdrawal code of its own, in the
language of the event. Typing a form in (staff entry) keeps the printed reference, so the person who filled it in
can withdraw with the code they tore off. Callers own the transaction."""

from __future__ import annotations

from uuid import UUID

from engage import i18n
from engage.accounts.models import StaffUser, can
from engage.audit import queries as audit
from engage.db import Connection
from engage.ids import new_reference, uuid7, withdrawal_code
from engage.paper import queries
from engage.paper.models import MAX_FORMS, Batch, PrintedForm
from engage.problems import Problem


class PaperProblem(Problem):
    pass


async def print_forms(conn: Connection, viewer: StaffUser, count: int, locale: str) -> UUID:
    """Issue ``count`` forms in one language and return the batch to print. Every reference is recorded, so
    typing in a reference that was never printed is refused."""
    if not can(viewer.role, "enter_contributions"):
        raise PaperProblem("count", "Your role does not print forms.", status=403)
    if not 1 <= count <= MAX_FORMS:
        raise PaperProblem("count", f"Print between 1 and {MAX_FORMS} forms at a time.")
    if i18n.supported(locale) != locale:
        raise PaperProblem("locale", "Choose one of the languages on the list.")
    batch = uuid7()
    forms = [(new_reference(), uuid7()) for _ in range(count)]
    await queries.insert_forms(conn, forms, locale=locale, batch=batch, issued_by=viewer.id)
    await audit.record(
        conn,
        actor=viewer.id,
        action="paper_forms.printed",
        subject_type="paper_batch",
        subject_id=str(batch),
        detail={"count": count, "locale": locale},
    )
    return batch


async def printed_batch(conn: Connection, viewer: StaffUser, batch: UUID, *, secret: str) -> Batch | None:
    """A batch to print (again): each form's reference and its withdrawal code."""
    if not can(viewer.role, "enter_contributions"):
        return None
    forms = await queries.forms_in_batch(conn, batch)
    if not forms:
        return None
    return Batch(
        id=batch,
        locale=forms[0].locale,
        issued_at=forms[0].issued_at,
        forms=[
            PrintedForm(
                reference=form.reference,
                withdrawal_code=withdrawal_code(secret, form.contribution_id),
                locale=form.locale,
            )
            for form in forms
        ],
        used=sum(1 for form in forms if form.used_at is not None),
    )
