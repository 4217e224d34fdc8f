"""Bad input, as every domain reports it: which fields and why, in plain English, and the HTTP status it means.
Nothing was changed. One handler (engage/web/errors.py) answers every uncaught `Problem` in the same shape:
``{"status_code", "detail", "errors": [{"field", "reason"}]}`` for the API, the error summary for pages; a form
page catches it to show the reasons next to its fields."""

from __future__ import annotations

import msgspec


class FieldError(msgspec.Struct):
    field: str
    reason: str


class Problem(ValueError):
    def __init__(
        self,
        field: str,
        reason: str,
        *,
        status: int = 422,
        more: list[FieldError] | None = None,
        detail: str = "The request was not accepted; nothing was changed.",
    ) -> None:
        self.errors = [FieldError(field, reason), *(more or [])]
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in self.errors))
        self.status = status
        self.detail = detail

    @classmethod
    def of(cls, errors: list[FieldError], *, status: int = 422) -> Problem:
        """Several problems at once (the first decides nothing: every one is shown)."""
        assert errors, "a problem names at least one field"
        return cls(errors[0].field, errors[0].reason, status=status, more=errors[1:])

    @property
    def field(self) -> str:
        return self.errors[0].field

    @property
    def reason(self) -> str:
        return self.errors[0].reason
