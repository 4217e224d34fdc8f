"""Limits that hold across every web process: counters live in Valkey (one fixed window per key), so a client
cannot dodge them by landing on another process, and whose address a request comes from is decided by
``ENGAGE_TRUSTED_PROXIES`` alone (nobody else's ``X-Forwarded-For`` is believed).

If Valkey cannot be reached, each process falls back to counting in memory: the limits still hold per process,
and intake (which never needs Valkey) goes on.

Sign-in is limited per account *and address*, with a delay that grows with each failure, and per address across
accounts; neither ever locks the right password out for someone signing in from another address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from litestar import Request

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(setting: str) -> list[Network]:
    """``ENGAGE_TRUSTED_PROXIES``: comma-separated addresses or networks (``10.0.0.0/8``), empty for none."""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip()]


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: Request[Any, Any, Any], proxies: Sequence[Network]) -> str:
    """The address a request came from. Behind trusted proxies, the nearest ``X-Forwarded-For`` entry that is not
    itself a trusted proxy; otherwise the peer that connected to us."""
    peer = request.client.host if request.client else "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop, proxies):
            return hop
    return peer


class Counters:
    """Fixed-window counters: Valkey first, this process's memory when Valkey does not answer."""

    def __init__(self, redis: Any, *, prefix: str = "engage:limit:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._local: OrderedDict[str, tuple[float, int]] = OrderedDict()

    async def hit(self, key: str, window_s: int, *, amount: int = 1) -> tuple[int, float]:
        """Count a hit; returns (hits in this window so far, seconds until the window ends)."""
        now = time.time()
        window_start = int(now // window_s) * window_s
        name = f"{self._prefix}{key}:{window_start}"
        resets_in = window_start + window_s - now
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incrby(name, amount)
                pipe.expire(name, window_s + 1)
                count, _ = await pipe.execute()
            return int(count), resets_in
        except Exception as exc:
            log.debug("limit counter in memory (%s)", type(exc).__name__)
            return self._hit_locally(name, amount, now + resets_in), resets_in

    async def peek(self, key: str, window_s: int) -> int:
        window_start = int(time.time() // window_s) * window_s
        name = f"{self._prefix}{key}:{window_start}"
        try:
            return int(await self._redis.get(name) or 0)
        except Exception:
            found = self._local.get(name)
            return found[1] if found else 0

    async def reset(self, key: str, window_s: int) -> None:
        window_start = int(time.time() // window_s) * window_s
        name = f"{self._prefix}{key}:{window_start}"
        self._local.pop(name, None)
        with contextlib.suppress(Exception):  # a counter that stays is only stricter
            await self._redis.delete(name)

    async def block(self, key: str, seconds: float) -> None:
        """Mark ``key`` as waiting for ``seconds``."""
        name = f"{self._prefix}wait:{key}"
        self._local[name] = (time.time() + seconds, 1)
        with contextlib.suppress(Exception):  # the local mark holds in this process
            await self._redis.set(name, "1", px=max(1, int(seconds * 1000)))

    async def blocked_for(self, key: str) -> float | None:
        """Seconds ``key`` must still wait, or None."""
        name = f"{self._prefix}wait:{key}"
        try:
            remaining_ms = int(await self._redis.pttl(name))
            return remaining_ms / 1000 if remaining_ms > 0 else None
        except Exception:
            found = self._local.get(name)
            return found[0] - time.time() if found and found[0] > time.time() else None

    def _hit_locally(self, name: str, amount: int, expires: float) -> int:
        now = time.time()
        while self._local and next(iter(self._local.values()))[0] < now:
            self._local.popitem(last=False)
        _, count = self._local.get(name, (expires, 0))
        self._local[name] = (expires, count + amount)
        if len(self._local) > 100_000:
            self._local.popitem(last=False)
        return count + amount


class Limiter:
    """One named limit: at most ``per_minute`` hits per key per minute (0 turns it off)."""

    def __init__(self, counters: Counters, name: str, per_minute: int) -> None:
        self.counters = counters
        self.name = name
        self.per_minute = per_minute

    async def allow(self, key: str) -> float | None:
        """None when allowed; otherwise the seconds to wait (for ``Retry-After``)."""
        if self.per_minute <= 0:
            return None
        count, resets_in = await self.counters.hit(f"{self.name}:{key}", 60)
        return None if count <= self.per_minute else max(1.0, resets_in)


class SignInThrottle:
    """Failed sign-ins slow down the address that makes them, for that account (a delay that doubles after the
    third failure, up to 15 minutes) and across accounts (``per_address_per_hour`` failures). A sign-in from any
    other address is never slowed, so nobody can lock a colleague out by failing on purpose."""

    FREE_FAILURES = 3
    LONGEST_WAIT_S = 900
    WINDOW_S = 3600

    def __init__(self, counters: Counters, *, per_address_per_hour: int = 50) -> None:
        self.counters = counters
        self.per_address_per_hour = per_address_per_hour

    @staticmethod
    def _pair(email: str, address: str) -> str:
        return f"signin:{email.strip().lower()}|{address}"

    async def wait_needed(self, email: str, address: str) -> float | None:
        """Seconds this address must still wait before trying this account again, or None."""
        if await self.counters.peek(f"signin-address:{address}", self.WINDOW_S) >= self.per_address_per_hour:
            return float(self.WINDOW_S)
        return await self.counters.blocked_for(self._pair(email, address))

    async def failed(self, email: str, address: str) -> None:
        failures, _ = await self.counters.hit(self._pair(email, address), self.WINDOW_S)
        await self.counters.hit(f"signin-address:{address}", self.WINDOW_S)
        if failures >= self.FREE_FAILURES:
            await self.counters.block(
                self._pair(email, address), min(2.0 ** (failures - self.FREE_FAILURES), self.LONGEST_WAIT_S)
            )

    async def succeeded(self, email: str, address: str) -> None:
        await self.counters.reset(self._pair(email, address), self.WINDOW_S)


class Limits:
    """Every limit the web edge applies, made once per process from the settings."""

    def __init__(
        self,
        redis: Any,
        *,
        trusted_proxies: str,
        forms_per_minute: int,
        api_per_minute: int,
        notes_per_minute: int,
    ) -> None:
        counters = Counters(redis)
        self.proxies = parse_proxies(trusted_proxies)
        self.forms = Limiter(counters, "form", forms_per_minute)
        self.api = Limiter(counters, "api", api_per_minute)
        self.notes = Limiter(counters, "notes", notes_per_minute)
        self.sign_in = SignInThrottle(counters)

    def address(self, request: Request[Any, Any, Any]) -> str:
        return client_address(request, self.proxies)
