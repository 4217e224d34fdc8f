"""Links are made from route names (engage.web.links): every name a template or a controller uses is a route of the
app, given the path parameters that route needs. A renamed route, a typo or a missing parameter would otherwise
show only when someone opens the page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jinja2
import msgspec
import pytest
from jinja2 import nodes
from litestar import Litestar
from litestar.routes import HTTPRoute

from engage.settings import Settings
from engage.web.app import create_app

WEB = Path(__file__).resolve().parents[2] / "engage" / "web"
NOT_PATH_PARAMETERS = {"query", "fragment", "status_code"}
"""Keyword arguments of engage.web.links.url and redirect that are not a route's path parameters."""


@pytest.fixture(scope="module")
def app() -> Litestar:
    """The app as configured, never started: its route table and templates need no servers."""
    settings = msgspec.structs.replace(
        Settings(), database_url="postgresql://nowhere/engage", redis_url="redis://nowhere", secret_key="k" * 40
    )
    return create_app(settings)


def routes(app: Litestar) -> dict[str, set[str]]:
    """Every named route handler, with the names of its path parameters."""
    found: dict[str, set[str]] = {}
    for route in app.routes:
        for handler in route.route_handlers:
            if handler.name:
                found[handler.name] = set(re.findall(r"\{(\w+):", route.path))
    return found


def template_links(env: jinja2.Environment) -> list[tuple[str, str, set[str]]]:
    """(template, route name, keyword argument names) for every url_for call in every template."""
    found = []
    assert env.loader is not None
    for name in env.list_templates(extensions=["html"]):
        source = env.loader.get_source(env, name)[0]
        for call in env.parse(source).find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "url_for":
                assert call.args and isinstance(call.args[0], nodes.Const), f"{name}: url_for needs a route name"
                found.append((name, str(call.args[0].value), {k.key for k in call.kwargs}))
    return found


def python_links() -> list[tuple[str, str, set[str]]]:
    """(file:line, route name, path parameter names) for every url(), redirect() and route_reverse() call."""
    found = []
    for path in WEB.rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text())):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("url", "redirect") and len(call.args) == 2:
                route = call.args[1]
            elif name == "route_reverse" and len(call.args) == 1:
                route = call.args[0]
            else:
                continue
            where = f"{path.relative_to(WEB)}:{call.lineno}"
            if path.name == "links.py":
                continue  # the helpers themselves pass the name through
            assert isinstance(route, ast.Constant) and isinstance(route.value, str), f"{where}: name the route"
            keywords = {k.arg for k in call.keywords if k.arg} - NOT_PATH_PARAMETERS
            found.append((where, route.value, keywords))
    return found


def test_every_route_of_ours_has_a_name(app: Litestar) -> None:
    unnamed = [
        f"{sorted(handler.http_methods)} {route.path}"
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.fn.__module__.startswith("engage.") and not handler.name
    ]
    assert not unnamed, unnamed


def test_no_path_parameter_takes_a_name_the_link_helpers_use(app: Litestar) -> None:
    """``route_reverse(name, **params)`` and ``url(connection, route, **params)`` take the route's name first: a
    path parameter called ``name`` (or ``route``, ``query``...) collides with it and every link to the page fails."""
    clashing = {
        name: given & ({"name", "route", "connection"} | NOT_PATH_PARAMETERS) for name, given in routes(app).items()
    }
    assert not {name: given for name, given in clashing.items() if given}


def test_every_link_in_a_template_names_a_route_and_its_path_parameters(app: Litestar) -> None:
    known = routes(app)
    env = app.template_engine.engine  # type: ignore[union-attr]
    links = template_links(env)
    assert len(links) > 200, "the templates' links were found"
    wrong = [
        f"{template}: url_for({name!r}, {sorted(given)}) (the route takes {sorted(known.get(name, set()))})"
        for template, name, given in links
        if name not in known or given != known[name]
    ]
    assert not wrong, "\n".join(wrong)


def test_every_link_in_python_names_a_route_and_its_path_parameters(app: Litestar) -> None:
    known = routes(app)
    links = python_links()
    assert len(links) > 40, "the controllers' links were found"
    wrong = [
        f"{where}: {name!r} with {sorted(given)} (the route takes {sorted(known.get(name, set()))})"
        for where, name, given in links
        if name not in known or given != known[name]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_template_writes_an_internal_link_out(app: Litestar) -> None:
    """Only static files keep their address in the template."""
    env = app.template_engine.engine  # type: ignore[union-attr]
    assert env.loader is not None
    written = [
        f"{name}: {match.group(0)}"
        for name in env.list_templates(extensions=["html"])
        for match in re.finditer(
            r'(?:href|action|src|formaction)="/(?!static/)[^"]*"', env.loader.get_source(env, name)[0]
        )
    ]
    assert not written, "\n".join(written)


def test_url_for_in_a_template_gives_the_routes_address(app: Litestar) -> None:
    env = app.template_engine.engine  # type: ignore[union-attr]
    rendered = env.from_string("{{ url_for('staff-programme', slug='going-home') }}?x=1").render()
    assert rendered == "/staff/programmes/going-home?x=1"
