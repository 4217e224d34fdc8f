"""Bad input, as every domain reports it: which fields and why, in plain English, and the HTTP status it means.
Nothing was changed. One handler (engage/web/errors.py) answers every uncaught `Problem` in the same shape:
``{"status_code", "detail", "errors": [{"field", "reason"}]}`` for the API, the error summary for pages; a form
page catches it to show the reasons next to its fields. Citizens' pages show each reason in their language
(`engage.i18n.localise` translates ``msgid`` with ``params``)."""

from __future__ import annotations

from typing import Any

import msgspec


def english(params: dict[str, Any]) -> dict[str, Any]:
    """Message parameters as English writes them (numbers grouped with commas)."""
    return {k: f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else v for k, v in params.items()}


class FieldError(msgspec.Struct):
    field: str
    reason: str
    """In plain English, as the API answers; citizens' pages show it in their language (see `engage.i18n`)."""
    msgid: str = ""
    """The message as written for translation, when `reason` was made from it and `params`."""
    params: dict[str, Any] = {}

    @classmethod
    def of(cls, field: str, message: str, **params: Any) -> FieldError:
        """A problem whose message has parameters: ``FieldError.of("text", N_("... %(most)s ..."), most=10_000)``."""
        return cls(field, message % english(params) if params else message, message, params)


class Problem(ValueError):
    """``reason`` is the message as written (mark it with `engage.i18n.N_` where citizens see it); with ``params``
    it has ``%(name)s`` parameters, the first error's `reason` is the English text and its `msgid` the message to
    translate."""

    def __init__(
        self,
        field: str,
        reason: str,
        *,
        status: int = 422,
        more: list[FieldError] | None = None,
        detail: str = "The request was not accepted; nothing was changed.",
        params: dict[str, Any] | None = None,
    ) -> None:
        self.errors = [FieldError.of(field, reason, **(params or {})), *(more or [])]
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in self.errors))
        self.status = status
        self.detail = detail

    @classmethod
    def of(cls, errors: list[FieldError], *, status: int = 422) -> Problem:
        """Several problems at once (the first decides nothing: every one is shown)."""
        assert errors, "a problem names at least one field"
        problem = cls(errors[0].field, errors[0].reason, status=status, more=errors[1:])
        problem.errors[0] = errors[0]
        return problem

    @property
    def field(self) -> str:
        return self.errors[0].field

    @property
    def reason(self) -> str:
        return self.errors[0].reason

    @property
    def msgid(self) -> str:
        return self.errors[0].msgid or self.errors[0].reason

    @property
    def params(self) -> dict[str, Any]:
        return self.errors[0].params
