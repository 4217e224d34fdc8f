"""The community asset register, CSV exports and the programme report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engage.assets import queries
from engage.assets import service as assets
from engage.assets.models import KIND_LABELS, AssetDraft
from engage.consensus import queries as consensus_queries
from engage.consensus import service as consensus
from engage.consensus.models import VoteExport
from engage.contributions import queries as contribution_queries
from engage.contributions import service as contributions
from engage.contributions.models import ContributionExport, ContributionFilters
from engage.digests import service as digests
from engage.problems import FieldError
from engage.programmes import service as programmes
from engage.programmes.models import PHASE_LABELS
from engage.propositions import queries as proposition_queries
from engage.propositions.models import STATUS_LABELS
from engage.tags import queries as tag_queries
from engage.web.csvs import csv_response
from engage.web.deps import AppSettings, Conn, ReaderSight, Viewer, requires
from engage.web.forms import Form
from engage.web.links import redirect
from engage.workshops import queries as workshop_queries


class AssetsController(Controller):
    path = "/staff/assets"
    include_in_schema = False

    @get("/", name="staff-assets", guards=[requires("read_contributions")])
    async def register(
        self,
        viewer: Viewer,
        sight: ReaderSight,
        conn: Conn,
        q: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        neighbourhood: FromQuery[str] = "",
    ) -> Template:
        found = await queries.search_assets(
            conn,
            sight,
            q=q.strip()[:200] or None,
            kind=kind if kind in KIND_LABELS else None,
            neighbourhood=neighbourhood or None,
        )
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn, active_only=False)
        return Template(
            "staff/assets.html",
            context={
                "viewer": viewer,
                "assets": found,
                "query": {"q": q, "kind": kind, "neighbourhood": neighbourhood},
                "neighbourhoods": neighbourhoods,
                "KIND_LABELS": KIND_LABELS,
            },
        )

    @get("/export.csv", name="staff-assets-csv", guards=[requires("read_contributions")])
    async def export(self, viewer: Viewer, conn: Conn) -> Response[bytes]:
        found = await assets.export_assets(conn, viewer)
        return csv_response(
            "community-assets.csv",
            ["name", "kind", "offers", "neighbourhood", "public contact", "programme", "recorded"],
            [
                [
                    a.name,
                    KIND_LABELS[a.kind],
                    a.offers if a.offers is not None else "(from a workshop note your role does not give access to)",
                    a.neighbourhood_name or "",
                    a.public_contact,
                    a.programme or "",
                    a.created_at.date().isoformat(),
                ]
                for a in found
            ],
        )

    @get("/new", name="staff-asset-new", guards=[requires("run_programmes")])
    async def new(
        self,
        viewer: Viewer,
        sight: ReaderSight,
        conn: Conn,
        note: FromQuery[str] = "",
    ) -> Template:
        form: dict[str, Any] = {"kind": "group"}
        if note:
            found = await queries.note_text(conn, UUID(note), sight) if _is_uuid(note) else None
            if found:
                form.update(
                    {
                        "offers": found[0],
                        "neighbourhood": found[1] or "",
                        "programme": found[2] or "",
                        "from_note": note,
                    }
                )
        return await self._form(conn, viewer, form, [])

    async def _form(
        self,
        conn: Conn,
        viewer: Viewer,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        return Template(
            "staff/asset_new.html",
            context={
                "viewer": viewer,
                "form": form,
                "errors": errors,
                "error_for": {e.field: e.reason for e in errors},
                "field_ids": {"kind": "kind-group", "name": "name", "neighbourhood": "neighbourhood"},
                "neighbourhoods": neighbourhoods,
                "KIND_LABELS": KIND_LABELS,
            },
            status_code=status,
        )

    @post("/new", name="staff-asset-create", status_code=200, guards=[requires("run_programmes")])
    async def create(
        self, request: Request[Any, Any, Any], viewer: Viewer, conn: Conn, data: Form
    ) -> Template | Redirect:
        form = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        draft = AssetDraft(
            kind=form.get("kind", ""),
            name=form.get("name", ""),
            offers=form.get("offers", ""),
            neighbourhood=form.get("neighbourhood") or None,
            public_contact=form.get("public_contact", ""),
            programme=form.get("programme") or None,
            from_note=UUID(form["from_note"]) if _is_uuid(form.get("from_note", "")) else None,
        )
        try:
            async with conn.transaction():
                await assets.record_asset(conn, viewer, draft)
        except assets.AssetProblem as exc:
            return await self._form(conn, viewer, form, [FieldError(exc.field, exc.reason)], 422)
        return redirect(request, "staff-assets")


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


class ProgrammeOutputsController(Controller):
    path = "/staff/programmes"
    include_in_schema = False

    @get("/{slug:str}/export/{what:str}", name="staff-programme-export", guards=[requires("read_contributions")])
    async def export(
        self,
        viewer: Viewer,
        sight: ReaderSight,
        conn: Conn,
        slug: FromPath[str],
        what: FromPath[str],
    ) -> Response[bytes]:
        if await programmes.view_programme(conn, slug) is None:
            raise HTTPException(status_code=404, detail="No programme with this address.")
        if what not in ("contributions.csv", "propositions.csv", "votes.csv"):
            raise HTTPException(status_code=404, detail="Exports: contributions.csv, propositions.csv, votes.csv.")
        await programmes.record_export(conn, viewer, slug, what)
        if what == "contributions.csv":
            rows = await contribution_queries.export_rows(conn, slug, sight)
            return csv_response(
                f"{slug}-contributions.csv",
                ContributionExport.__struct_fields__,
                [msgspec.structs.astuple(r) for r in rows],
            )
        if what == "propositions.csv":
            found = await proposition_queries.list_for_programme(conn, slug)
            return csv_response(
                f"{slug}-propositions.csv",
                ["title", "status", "version", "description", "for whom", "themes", "evidence", "withdrawn"],
                [
                    [
                        p.title,
                        STATUS_LABELS[p.status],
                        p.version,
                        p.description,
                        p.for_whom,
                        ";".join(p.themes),
                        p.evidence,
                        p.withdrawn,
                    ]
                    for p in found
                ],
            )
        votes = await consensus_queries.export_votes(conn, slug, with_comments=sight.raw_words == "all")
        return csv_response(
            f"{slug}-votes.csv", VoteExport.__struct_fields__, [msgspec.structs.astuple(v) for v in votes]
        )

    @get("/{slug:str}/report", name="staff-programme-report", guards=[requires("read_contributions")])
    async def report(
        self,
        settings: AppSettings,
        viewer: Viewer,
        sight: ReaderSight,
        conn: Conn,
        slug: FromPath[str],
    ) -> Template:
        detail = await programmes.view_programme(conn, slug)
        if detail is None:
            raise HTTPException(status_code=404, detail="No programme with this address.")
        framework = await tag_queries.get_framework(conn, detail.programme.framework_id)
        filters = ContributionFilters(programme=slug, framework=detail.programme.framework_id)
        theme_counts = await contributions.count_by_theme(conn, sight, filters)
        heard = sorted((t for t in theme_counts if theme_counts[t]), key=lambda t: -theme_counts[t])
        names = {t.id: t.name for t in framework.themes} if framework else {}
        quotes = await digests.choose_programme_quotes(
            conn, slug, detail.programme.framework_id, heard, lambda t: names.get(t, t)
        )
        planned = await workshop_queries.list_for_programme(conn, slug)
        drafted = await proposition_queries.list_for_programme(conn, slug)
        decisions = {p.id: await proposition_queries.decision_for(conn, p.id) for p in drafted}
        rounds = [
            (r, await consensus.results(conn, r.id, sight, quorum=settings.consensus_quorum))
            for r in await consensus_queries.list_for_programme(conn, slug)
        ]
        return Template(
            "staff/report.html",
            context={
                "viewer": viewer,
                "detail": detail,
                "p": detail.programme,
                "framework": framework,
                "theme_counts": theme_counts,
                "quotes": [group for group in quotes if group.quotes],
                "workshops": planned,
                "propositions": drafted,
                "decisions": decisions,
                "rounds": rounds,
                "PHASE_LABELS": PHASE_LABELS,
                "STATUS_LABELS": STATUS_LABELS,
            },
        )
