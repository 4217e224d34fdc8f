"""Bad input, as every domain reports it: the field it is about and the reason in plain English. Nothing was
changed; the web edge shows the reason next to the field (or answers with ``status``)."""

from __future__ import annotations

from typing import Any


class Problem(ValueError):
    """``reason`` is the message as written (mark it with `engage.i18n.N_` where citizens see it); with ``params``
    it has ``%(name)s`` parameters, `reason` is the English text and `msgid` the message to translate."""

    def __init__(self, field: str, reason: str, *, status: int = 422, params: dict[str, Any] | None = None) -> None:
        self.msgid = reason
        self.params = params or {}
        if params:
            reason = reason % {
                k: f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else v for k, v in params.items()
            }
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status
