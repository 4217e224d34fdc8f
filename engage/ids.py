"""Identifiers: time-ordered UUIDs for rows, short human references, and codes derived from a secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from uuid import UUID

# Crockford's base32: no I, L, O or U, so a reference read aloud over the phone survives.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


class _RandomBytes:
    """The operating system's random bytes (os.urandom), read 4 KiB at a time and handed out in slices, each byte
    once. Every contribution takes 17 (its id and its reference): a system call each was 3-4 % of the web process's
    time at intake. The bytes are the same CSPRNG's; a lock keeps two threads from taking the same slice, and a
    forked child starts with a fresh read rather than its parent's bytes."""

    SIZE = 4096

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # A new lock too: a thread of the parent may have held the old one at the fork, and never frees it here.
        self._lock = threading.Lock()
        self._bytes = b""
        self._at = 0

    def take(self, count: int) -> bytes:
        with self._lock:
            at = self._at
            if at + count > len(self._bytes):
                self._bytes, at = os.urandom(self.SIZE), 0
            self._at = at + count
            return self._bytes[at : at + count]


_random = _RandomBytes()


def uuid7() -> UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so new rows land at the right edge of the primary-key index."""
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(_random.take(10), "big")
    value = (unix_ms & 0xFFFFFFFFFFFF) << 80
    value |= 0x7 << 76
    value |= (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & 0x3FFFFFFFFFFFFFFF
    return UUID(int=value)


_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD.encode())


def _crockford(value: int, length: int) -> str:
    """The low `5 x length` bits of `value` as `length` Crockford symbols, most significant first (`length` at
    most 16). Base 32 in C: those bits are placed at the top of 80, which base64.b32encode turns into 16 symbols
    of RFC 4648's alphabet."""
    top = (value & ((1 << 5 * length) - 1)) << (80 - 5 * length)
    return base64.b32encode(top.to_bytes(10, "big"))[:length].translate(_FROM_RFC4648).decode()


def new_reference() -> str:
    """``ENG-XXXXX-XXXXX``: 50 random bits, printed on the receipt and quoted when withdrawing."""
    body = _crockford(int.from_bytes(_random.take(7), "big") >> 6, 10)
    return f"ENG-{body[:5]}-{body[5:]}"


def normalise_code(text: str) -> str:
    """Upper-case, drop spaces and dashes, and read confusable letters as the digits they look like."""
    return "".join(ch for ch in text.upper() if ch.isalnum()).translate(_CONFUSABLE)


def normalise_reference(text: str) -> str:
    body = normalise_code(text)
    body = body.removeprefix("ENG")
    return f"ENG-{body[:5]}-{body[5:]}" if len(body) == 10 else text.strip().upper()


def withdrawal_code(secret: str, contribution_id: UUID) -> str:
    """The private code that lets a contributor withdraw. Derived, never stored: a leaked table cannot be
    used to withdraw other people's words, and an API retry can hand the same code back."""
    digest = hmac.new(secret.encode(), b"withdraw:" + contribution_id.bytes, hashlib.sha256).digest()
    body = _crockford(int.from_bytes(digest[:8], "big"), 10)
    return f"{body[:5]}-{body[5:]}"


def check_withdrawal_code(secret: str, contribution_id: UUID, given: str) -> bool:
    expected = normalise_code(withdrawal_code(secret, contribution_id))
    return hmac.compare_digest(expected, normalise_code(given))


def token() -> tuple[str, bytes]:
    """A bearer token for a cookie, and the hash we keep of it."""
    raw = secrets.token_urlsafe(32)
    return raw, hashlib.sha256(raw.encode()).digest()


def token_hash(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


def fingerprint(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return base64.urlsafe_b64encode(h.digest()).decode().rstrip("=")


def member_token(secret: str, purpose: str, member_id: UUID) -> str:
    """A link token for one board member and one purpose (``unsubscribe``, ``confirm``): the id and an HMAC of it,
    so a token cannot be forged or reused for another member or another purpose, and nothing is stored."""
    mac = hmac.new(secret.encode(), f"{purpose}:".encode() + member_id.bytes, hashlib.sha256).digest()[:18]
    return f"{member_id.hex}.{base64.urlsafe_b64encode(mac).decode()}"


def check_member_token(secret: str, purpose: str, given: str) -> UUID | None:
    """The member id a token was made for, or None when it was not made by us for this purpose."""
    member_hex, _, _ = given.partition(".")
    try:
        member_id = UUID(hex=member_hex)
    except ValueError:
        return None
    return member_id if hmac.compare_digest(member_token(secret, purpose, member_id), given) else None
