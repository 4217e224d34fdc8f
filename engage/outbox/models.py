from __future__ import annotations

from typing import Any

import msgspec


class Event(msgspec.Struct, kw_only=True):
    id: int
    topic: str
    payload: dict[str, Any]


CONTRIBUTION_RECEIVED = "contribution.received"
CONTRIBUTION_WITHDRAWN = "contribution.withdrawn"
CONTRIBUTION_TRANSLATED = "contribution.translated"
"""Staff added a translation: tag and redact it again (no receipt)."""
RETRAIN_REQUESTED = "model.retrain_requested"
CLUSTERS_REQUESTED = "programme.clusters_requested"
COMMENT_POSTED = "proposition.comment_posted"
