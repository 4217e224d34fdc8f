"""Shapes for the community asset register."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

AssetKind = Literal["asset", "group", "network", "forum"]
KIND_LABELS: dict[str, str] = {"asset": "Place or service", "group": "Group", "network": "Network", "forum": "Forum"}


class AssetDraft(msgspec.Struct, kw_only=True):
    kind: str
    name: str
    offers: str = ""
    neighbourhood: str | None = None
    public_contact: str = ""
    programme: str | None = None
    from_note: UUID | None = None


class Asset(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    kind: AssetKind
    name: str
    offers: str | None
    """None: copied from a workshop note this reader may not read."""
    neighbourhood: str | None
    neighbourhood_name: str | None
    public_contact: str
    programme: str | None
    from_note: UUID | None
    created_at: datetime
