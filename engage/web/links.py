"""Links by route name, never by a path written out: ``url(request, "staff-programme", slug=slug)`` in Python,
``{{ url_for('staff-programme', slug=p.slug) }}`` in templates. A route's address is written once, in its
decorator; renaming it cannot leave a link behind (tests/web/test_links.py checks every name used exists)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlencode

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.response import Redirect


def url(
    connection: ASGIConnection[Any, Any, Any, Any],
    route: str,
    /,
    *,
    query: Mapping[str, str] | None = None,
    fragment: str = "",
    **params: Any,
) -> str:
    """The path of the route named `route`, its path parameters filled from `params`, then ``?query`` and
    ``#fragment`` when given."""
    path = connection.app.route_reverse(route, **params)
    return path + (f"?{urlencode(query, safe='/')}" if query else "") + (f"#{fragment}" if fragment else "")


def redirect(
    connection: ASGIConnection[Any, Any, Any, Any],
    route: str,
    /,
    *,
    query: Mapping[str, str] | None = None,
    fragment: str = "",
    status_code: Literal[301, 302, 303, 307, 308] = 303,
    **params: Any,
) -> Redirect:
    """See Other (by default) to the route named `route`."""
    return Redirect(url(connection, route, query=query, fragment=fragment, **params), status_code=status_code)


def url_for(app: Litestar) -> Any:
    """The templates' ``url_for(name, **path_parameters)``: bound to the app itself rather than read from the
    template's context, so it works the same in macros imported without context and in pages rendered for an
    error before a route was matched (Litestar's own global reads ``request`` from the context)."""

    def reverse(route: str, /, **params: Any) -> str:
        return app.route_reverse(route, **params)

    return reverse
