"""Bad input, as every domain reports it: the field it is about and the reason in plain English. Nothing was
changed; the web edge shows the reason next to the field (or answers with ``status``)."""

from __future__ import annotations


class Problem(ValueError):
    def __init__(self, field: str, reason: str, *, status: int = 422) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status
