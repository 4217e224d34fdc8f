"""Workshop pages: planning, the live session people join from their phones, and the projected board (SSE)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, ServerSentEvent, Template
from litestar.response.sse import ServerSentEventMessage

from engage.contributions import queries as contribution_queries
from engage.contributions.models import Receipt
from engage.i18n import N_
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.programmes.service import runs_programme
from engage.web.deps import (
    AppSettings,
    Conn,
    Intake,
    ReaderSight,
    Viewer,
    board_feed_of,
    limits_of,
    pool_of,
    release_request_connection,
    requires,
)
from engage.web.forms import Form, checked, error_context, parse_day, whole_number
from engage.web.links import redirect, url
from engage.web.locale import locale_of
from engage.workshops import queries
from engage.workshops import service as workshops
from engage.workshops.models import MAX_NOTE_CHARS, NoteIn, WorkshopDraft, WorkshopProblem

FIELD_IDS = {
    "text": "text",
    "prompt_id": "prompt-0",
    "title": "title",
    "prompts": "prompts",
    "held_on": "held_on",
    "consent_analysis": "consent_analysis",
    "neighbourhood": "neighbourhood",
    "attendance": "attendance",
}
STREAM_SECONDS = 300
"""A board's connection is closed after five minutes and the browser reconnects from the last event it saw."""
KEEP_ALIVE_SECONDS = 15


def qr_data_uri(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


class LiveController(Controller):
    """What participants see: no account, no JavaScript needed."""

    path = "/w"
    include_in_schema = False

    @get("/", name="live-join")
    async def join(self, request: Request[Any, Any, Any], code: FromQuery[str] = "") -> Template | Redirect:
        if code.strip():
            return redirect(request, "live-session", code=workshops.normalise_code(code))
        return Template("live/join.html", context={})

    @get("/{code:str}", name="live-session")
    async def session(self, state: State, code: FromPath[str]) -> Template:
        async with pool_of(state).acquire() as conn:
            try:
                workshop = await workshops.live_workshop(conn, code)
            except WorkshopProblem as exc:
                return Template("live/gone.html", context={"reason": exc.reason}, status_code=exc.status)
        return self._page(workshop, {}, [], posted=None)

    def _page(
        self,
        workshop: Any,
        form: dict[str, Any],
        errors: list[FieldError],
        *,
        posted: Receipt | None,
        status: int = 200,
    ) -> Template:
        return Template(
            "live/session.html",
            context={
                "workshop": workshop,
                "form": form,
                **error_context(errors, FIELD_IDS),
                "client_key": uuid.uuid4().hex,
                "posted": posted,
                "max_chars": MAX_NOTE_CHARS,
            },
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    @post("/{code:str}", name="live-post", status_code=200)
    async def post_note(
        self, request: Request[Any, Any, Any], state: State, intake: Intake, code: FromPath[str], data: Form
    ) -> Template:
        note = NoteIn(
            prompt_id=str(data.get("prompt_id", "")),
            text=str(data.get("text", ""))[: MAX_NOTE_CHARS * 4],
            client_key=str(data.get("client_key", "")),
            consent_quote=checked(data, "consent_quote"),
            locale=locale_of(request),
        )
        form = {
            "prompt_id": note.prompt_id,
            "text": note.text,
            "consent_quote": note.consent_quote,
            "consent_analysis": checked(data, "consent_analysis"),
        }
        limits = limits_of(state)
        # Counted per join code, not per address: a room of people on one Wi-Fi is one address.
        if (wait := await limits.notes.allow(workshops.normalise_code(code))) is not None:
            async with pool_of(state).acquire() as conn:
                workshop = await workshops.live_workshop(conn, code)
            error = FieldError("text", f"A lot of notes are arriving at once. Wait {wait:.0f} seconds and post again.")
            return self._page(workshop, form, [error], posted=None, status=429)
        if not checked(data, "consent_analysis"):
            async with pool_of(state).acquire() as conn:
                try:
                    workshop = await workshops.live_workshop(conn, code)
                except WorkshopProblem as exc:
                    return Template("live/gone.html", context={"reason": exc.reason}, status_code=exc.status)
            errors = [FieldError("consent_analysis", N_("Tick the box to agree, or your note cannot be used."))]
            return self._page(workshop, form, errors, posted=None, status=422)
        try:
            # The connection goes back before the note waits for its batch: 200 phones must not hold 200.
            async with pool_of(state).acquire() as conn:
                workshop = await workshops.live_workshop(conn, code)
            receipt = await workshops.post_note(intake, workshop, note)
        except WorkshopProblem as exc:
            if exc.status in (404, 410):
                return Template("live/gone.html", context={"reason": exc.reason}, status_code=exc.status)
            error = FieldError(exc.field, exc.reason, exc.msgid, exc.params)
            return self._page(workshop, form, [error], posted=None, status=422)
        # Keep the chosen prompt and their consent for the next note; the text box starts empty. The reference and
        # code are shown on this phone only, never on the projected board.
        next_form = {"prompt_id": note.prompt_id, "consent_analysis": True, "consent_quote": note.consent_quote}
        return self._page(workshop, next_form, [], posted=receipt)


class WorkshopsController(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/programmes/{slug:str}/workshops/new", name="staff-workshop-new", guards=[requires("run_programmes")])
    async def new(self, conn: Conn, viewer: Viewer, slug: FromPath[str]) -> Template:
        return await self._form(conn, viewer, slug, {}, [])

    async def _form(
        self,
        conn: Conn,
        viewer: Viewer,
        slug: str,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        programme = await programme_queries.get_programme(conn, slug)
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        if programme is None:
            raise HTTPException(status_code=404, detail="No programme with this address.")
        return Template(
            "staff/workshop_new.html",
            context={
                "viewer": viewer,
                "programme": programme,
                "neighbourhoods": neighbourhoods,
                "form": form,
                **error_context(errors, FIELD_IDS),
            },
            status_code=status,
        )

    @post(
        "/programmes/{slug:str}/workshops/new",
        name="staff-workshop-create",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def create(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, slug: FromPath[str], data: Form
    ) -> Template | Redirect:
        form = {key: str(value) for key, value in data.items() if key != "_csrf_token"}
        attendance = form.get("attendance", "").strip()
        draft = WorkshopDraft(
            title=form.get("title", "")[:200],
            held_on=parse_day(form.get("held_on", "")),
            venue=form.get("venue", "")[:200],
            neighbourhood=form.get("neighbourhood") or None,
            accessibility=form.get("accessibility", "")[:2000],
            attendance=whole_number(attendance, lo=0, hi=100_000),
            attendance_given=attendance[:40],
            equality_summary=form.get("equality_summary", "")[:4000],
            prompts=form.get("prompts", "").splitlines(),
        )
        try:
            async with conn.transaction():
                workshop_id = await workshops.plan_workshop(conn, slug, viewer, draft)
        except WorkshopProblem as exc:
            if exc.status != 422:
                raise
            return await self._form(conn, viewer, slug, form, exc.errors, 422)
        return redirect(request, "staff-workshop", workshop_id=workshop_id)

    @get("/workshops/{workshop_id:uuid}", name="staff-workshop", guards=[requires("read_contributions")])
    async def show(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        viewer: Viewer,
        sight: ReaderSight,
        settings: AppSettings,
        workshop_id: FromPath[UUID],
    ) -> Template:
        workshop = await queries.get_workshop(conn, workshop_id)
        if workshop is None:
            raise HTTPException(status_code=404, detail="No workshop with this address.")
        notes = await workshops.view_notes(conn, viewer, sight, workshop_id)
        can_run = await runs_programme(conn, workshop.programme, viewer)
        return Template(
            "staff/workshop.html",
            context={
                "viewer": viewer,
                "w": workshop,
                "notes": notes,
                "numbers": {n.contribution_id: i for i, n in enumerate(notes, start=1)},
                "can_run": can_run,
                "join_url": settings.base_url + url(request, "live-session", code=workshop.code)
                if workshop.code
                else "",
            },
        )

    @post(
        "/workshops/{workshop_id:uuid}/open",
        name="staff-workshop-open",
        status_code=303,
        guards=[requires("run_programmes")],
    )
    async def open(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, workshop_id: FromPath[UUID]
    ) -> Redirect:
        await workshops.open_live_session(conn, workshop_id, viewer)
        return redirect(request, "staff-workshop-board", workshop_id=workshop_id)

    @post(
        "/workshops/{workshop_id:uuid}/close",
        name="staff-workshop-close",
        status_code=303,
        guards=[requires("run_programmes")],
    )
    async def close(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, workshop_id: FromPath[UUID]
    ) -> Redirect:
        await workshops.close_live_session(conn, workshop_id, viewer)
        return redirect(request, "staff-workshop", workshop_id=workshop_id)

    @get("/workshops/{workshop_id:uuid}/board", name="staff-workshop-board", guards=[requires("read_contributions")])
    async def board(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        viewer: Viewer,
        settings: AppSettings,
        workshop_id: FromPath[UUID],
    ) -> Template:
        workshop = await queries.get_workshop(conn, workshop_id)
        if workshop is None:
            raise HTTPException(status_code=404, detail="No workshop with this address.")
        join_url = settings.base_url + url(request, "live-session", code=workshop.code) if workshop.is_live else ""
        return Template(
            "staff/board.html",
            context={
                "viewer": viewer,
                "w": workshop,
                "join_url": join_url,
                "join_page": settings.base_url + url(request, "live-join"),
                "qr": qr_data_uri(join_url) if join_url else "",
            },
            headers={"Cache-Control": "no-store"},
        )

    @get("/workshops/{workshop_id:uuid}/events", name="staff-workshop-events", guards=[requires("read_contributions")])
    async def events(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        sight: ReaderSight,
        workshop_id: FromPath[UUID],
        after: FromQuery[int] = 0,
    ) -> ServerSentEvent:
        pool = pool_of(state)
        feed = board_feed_of(state)
        # The stream runs for minutes: it borrows a connection per read, not the request's for its whole life.
        await release_request_connection(request)
        async with pool.acquire() as conn:
            await workshops.record_board_watched(conn, viewer, workshop_id)
        header = request.headers.get("last-event-id", "")
        start = whole_number(header, lo=0, hi=2**62) or max(0, after)

        async def stream() -> AsyncIterator[ServerSentEventMessage]:
            # A board that reconnects sends the id of the last event it showed; we replay from just after it. Then
            # each commit on this workshop's board wakes us (engage.workshops.feed) and we read what is new, through
            # the visibility rule, as if polling.
            last = start
            loop = asyncio.get_running_loop()
            deadline = loop.time() + STREAM_SECONDS
            quiet_since = loop.time()
            yield ServerSentEventMessage(data=None, comment="connected", retry=1000)
            with feed.watch(workshop_id) as changed:
                while loop.time() < deadline:
                    changed.clear()
                    async with pool.acquire() as conn:
                        found = await queries.events_after(conn, workshop_id, last, sight)
                    for event in found:
                        last = event.id
                        yield ServerSentEventMessage(data=json.dumps(event.payload), event=event.kind, id=event.id)
                    if found:
                        quiet_since = loop.time()
                    elif loop.time() - quiet_since > KEEP_ALIVE_SECONDS:
                        yield ServerSentEventMessage(data=None, comment="keep-alive")
                        quiet_since = loop.time()
                    wait = min(feed.wait_s(), KEEP_ALIVE_SECONDS, max(0.0, deadline - loop.time()))
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(wait):
                            await changed.wait()

        return ServerSentEvent(stream(), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @post(
        "/workshops/{workshop_id:uuid}/notes",
        name="staff-workshop-paper",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def paper_note(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        viewer: Viewer,
        intake: Intake,
        workshop_id: FromPath[UUID],
        data: Form,
    ) -> Template:
        """A note from the session's paper, typed in. Guarded by run_programmes, not enter_contributions, although it
        is data entry: the note lands on a board the programme's facilitators arrange, and only they may add to it
        (workshops.type_in_note). Partner staff type in what they gathered at /staff/contributions/new, naming the
        programme."""
        note = NoteIn(
            prompt_id=str(data.get("prompt_id", "")),
            text=str(data.get("text", ""))[: MAX_NOTE_CHARS * 4],
            client_key=str(data.get("client_key", "")),
            consent_quote=checked(data, "consent_quote"),
        )
        receipt = await workshops.type_in_note(conn, intake, workshop_id, viewer, note)
        return Template(
            "staff/note_entered.html",
            context={"viewer": viewer, "receipt": receipt, "back": _back(request, data, workshop_id)},
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/workshops/{workshop_id:uuid}/notes/{contribution_id:uuid}",
        name="staff-workshop-arrange",
        status_code=303,
        guards=[requires("run_programmes")],
    )
    async def arrange(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        viewer: Viewer,
        workshop_id: FromPath[UUID],
        contribution_id: FromPath[UUID],
        data: Form,
    ) -> Redirect:
        await workshops.arrange_note(
            conn,
            workshop_id,
            viewer,
            contribution_id,
            prompt_id=str(data["prompt_id"]) if "prompt_id" in data else None,
            group_label=str(data["group_label"]) if "group_label" in data else None,
            duplicate_of=str(data["duplicate_of"]) if "duplicate_of" in data else None,
        )
        return Redirect(_back(request, data, workshop_id), status_code=303)


def _back(request: Request[Any, Any, Any], data: dict[str, Any], workshop_id: UUID) -> str:
    """The workshop's projected board when the form came from it, its page otherwise."""
    board = url(request, "staff-workshop-board", workshop_id=workshop_id)
    return board if str(data.get("back", "")) == board else url(request, "staff-workshop", workshop_id=workshop_id)
