"""Staff pages for themes: the review queue, the urgent safeguarding queue, frameworks and model versions."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template

from engage.privacy.visibility import sight_for
from engage.safeguarding import service as safeguarding
from engage.safeguarding.models import STATUS_LABELS
from engage.tags import queries as tag_queries
from engage.tags import service as tags
from engage.tags.models import FrameworkInfo
from engage.web.deps import AppSettings, Conn, Relay, Viewer, requires
from engage.web.evidence import highlight
from engage.web.forms import Form
from engage.web.links import redirect, url

MAX_FRAMEWORK_BYTES = 200_000


async def _framework(conn: Conn, framework_id: str) -> FrameworkInfo:
    framework = await tag_queries.get_framework(conn, framework_id)
    if framework is None:
        raise NotFoundException(f"The framework {framework_id!r} is not loaded; run `engage migrate`.")
    return framework


class ReviewController(Controller):
    path = "/staff/review"
    include_in_schema = False

    @get("/", name="staff-review", guards=[requires("review_tags")])
    async def next_item(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        conn: Conn,
        settings: AppSettings,
        skip: Annotated[int, QueryParameter(ge=0, le=10_000)] = 0,
    ) -> Template:
        framework = await _framework(conn, settings.framework)
        item = await tags.next_for_review(conn, settings.framework, sight_for(viewer), skip=skip)
        remaining = await tag_queries.review_queue_size(conn, settings.framework)
        given = {tag.theme_id for tag in item.tags if tag.given} if item else set()
        return Template(
            "staff/review.html",
            context={
                "viewer": viewer,
                "item": item,
                "framework": framework,
                "given": given,
                "remaining": remaining,
                "skip": skip,
                "segments": highlight(item.text, item.tags, framework) if item else [],
                "saved": request.query_params.get("saved") == "1",
                "translated": request.query_params.get("translated") == "1",
            },
            headers={"Cache-Control": "no-store"},
        )

    @post("/{contribution_id:uuid}", name="staff-review-save", status_code=303, guards=[requires("review_tags")])
    async def save(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        conn: Conn,
        settings: AppSettings,
        contribution_id: FromPath[UUID],
        data: Form,
    ) -> Redirect:
        chosen = data.get("theme", [])
        themes = [str(theme) for theme in (chosen if isinstance(chosen, list) else [chosen])]
        framework = await _framework(conn, settings.framework)
        await tags.review_contribution(conn, contribution_id, framework, themes, reviewer=viewer.id)
        # Back to the contribution's page when reviewed there; otherwise the next in the queue.
        contribution = url(request, "staff-contribution", contribution_id=contribution_id)
        if str(data.get("back", "")) == contribution:
            return Redirect(contribution, status_code=303)
        return redirect(request, "staff-review", query={"saved": "1"})


class SafeguardingController(Controller):
    path = "/staff/safeguarding"
    include_in_schema = False

    @get("/", name="staff-safeguarding", guards=[requires("handle_safeguarding")])
    async def queue(
        self,
        viewer: Viewer,
        conn: Conn,
        status: Annotated[str, QueryParameter()] = "open",
    ) -> Template:
        chosen = status if status in STATUS_LABELS or status == "all" else "open"
        flags = await safeguarding.list_flags(conn, viewer, status=None if chosen == "all" else chosen)
        return Template(
            "staff/safeguarding.html",
            context={"viewer": viewer, "flags": flags, "status": chosen, "STATUS_LABELS": STATUS_LABELS},
            headers={"Cache-Control": "no-store"},
        )

    @get("/{contribution_id:uuid}", name="staff-safeguarding-flag", guards=[requires("handle_safeguarding")])
    async def show(self, viewer: Viewer, conn: Conn, contribution_id: FromPath[UUID]) -> Template:
        try:
            flag = await safeguarding.view_flag(conn, viewer, contribution_id)
        except safeguarding.FlagProblem as exc:
            raise NotFoundException(exc.reason) from exc
        return Template(
            "staff/safeguarding_flag.html",
            context={"viewer": viewer, "flag": flag, "STATUS_LABELS": STATUS_LABELS},
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/{contribution_id:uuid}",
        name="staff-safeguarding-save",
        status_code=303,
        guards=[requires("handle_safeguarding")],
    )
    async def save(
        self, request: Request[Any, Any, Any], viewer: Viewer, conn: Conn, contribution_id: FromPath[UUID], data: Form
    ) -> Redirect:
        await safeguarding.record_outcome(
            conn, viewer, contribution_id, str(data.get("status", "")), str(data.get("note", ""))
        )
        return redirect(request, "staff-safeguarding-flag", contribution_id=contribution_id)


class ModelsController(Controller):
    path = "/staff/models"
    include_in_schema = False

    @get("/", name="staff-models", guards=[requires("manage_models")])
    async def index(
        self, request: Request[Any, Any, Any], viewer: Viewer, conn: Conn, settings: AppSettings
    ) -> Template:
        return await self._page(conn, settings, viewer, errors=[], notice=request.query_params.get("notice", ""))

    async def _page(
        self,
        conn: Conn,
        settings: AppSettings,
        viewer: Viewer,
        *,
        errors: list[str],
        notice: str,
        status: int = 200,
    ) -> Template:
        frameworks = await tag_queries.list_frameworks(conn)
        models = await tag_queries.list_models(conn, settings.framework)
        corrections = len(await tags.training_corrections(conn, settings.framework))
        return Template(
            "staff/models.html",
            context={
                "viewer": viewer,
                "frameworks": frameworks,
                "models": models,
                "active_framework": settings.framework,
                "corrections": corrections,
                "errors": errors,
                "notice": {"retrain": "Retraining has started. Refresh this page in a minute or two."}.get(notice, ""),
            },
            status_code=status,
        )

    @post("/retrain", name="staff-models-retrain", status_code=303, guards=[requires("manage_models")])
    async def retrain(self, request: Request[Any, Any, Any], viewer: Viewer, conn: Conn, relay: Relay) -> Redirect:
        await tags.request_retraining(conn, viewer)
        relay.wake()
        return redirect(request, "staff-models", query={"notice": "retrain"})

    @post("/frameworks", name="staff-frameworks-add", status_code=303, guards=[requires("manage_models")])
    async def add_framework(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        conn: Conn,
        settings: AppSettings,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template | Redirect:
        upload = data.get("file")
        document = await upload.read() if isinstance(upload, UploadFile) else b""
        problem = ""
        if not document:
            problem = "Choose a framework file (JSON) to upload."
        elif len(document) > MAX_FRAMEWORK_BYTES:
            problem = f"The file is larger than {MAX_FRAMEWORK_BYTES // 1000} KB."
        else:
            try:
                async with conn.transaction():
                    await tags.add_framework(conn, document, added_by=viewer.id)
            except tags.FrameworkInvalid as exc:
                problem = f"This file is not a framework Engage can use: {exc}"
        if problem:
            return await self._page(conn, settings, viewer, errors=[problem], notice="", status=422)
        return redirect(request, "staff-models")
