"""Group commit: contributions that arrive together are written by one statement and one commit.

Every web intake path (the API, the citizen form, staff entry, workshop notes from phones and from paper) hands its
checked submission to the process's one `IntakeBatcher` and waits. The exception is a paper form typed in with its
pre-printed reference: claiming the form, writing it and marking the form used happen in the request's own
transaction (`engage.contributions.service.submit_contribution`, which uses the single-row form of the same
statement), as do the importer and demo data. The batcher writes whatever has queued, up to
``intake_batch_size`` rows, with one multi-row statement, its own transaction (`queries.insert_batch`), and answers
each caller only after that statement has committed: "received" still means committed. An idle database gets
whatever is waiting at once; while a batch is in the database, the next one fills up for at most
``intake_batch_window_ms`` (or until full) and then goes too, up to MAX_IN_FLIGHT batches at a time. So batches grow
with the load, and the web process and PostgreSQL work side by side instead of taking turns.

One person's problem stays theirs:

- an unknown neighbourhood or programme, or a note for a session that has just closed, is found by the statement
  itself, which leaves that row out and says why;
- two requests with one idempotency key in the same batch are written once: both get the first one's receipt
  (or 409 for the second, if its body differs); a key used in an earlier batch returns that receipt;
- if the statement fails as a whole (anything else), nothing was written, and its members are written again one
  at a time, each getting its own answer or its own error. A failure at commit (the connection lost, or no answer
  within the statement timeout) fails the whole batch: whether it committed is unknown, and retrying could store
  a contribution twice. Its events, if it did commit, were written as already on their way and nobody will hand
  them over, so once the database answers again the batcher ends that session for sure and gives any such
  events back to the relay (instead of leaving them to the sweep, minutes later).

After the commit the batcher hands the batch's events to arq itself (their outbox rows were written already marked
as on their way), so the relay never touches them. If Redis refuses, the rows go back to the relay, and the batcher
leaves the next batches' events to the relay for a while.

This is the one place intake's transaction is not owned by the web edge: a batch spans many requests. The edge
still decides what to answer, and answers after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
from arq.connections import ArqRedis

from engage.contributions import queries
from engage.contributions.models import PlacementRefused, Submission
from engage.contributions.service import Submitted, prepare_submission, receipt_for, replayed, unknown_place
from engage.ids import new_reference, uuid7
from engage.outbox import queries as outbox_queries
from engage.outbox.models import CONTRIBUTION_RECEIVED
from engage.outbox.service import EVENTS_PER_JOB, SurgeGauge, hand_over

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 4
"""Batches written at once, each on its own connection: while one is in the database the next fills up, so the
web process and PostgreSQL work side by side instead of taking turns, and one slow commit holds up only its own
batch."""
HAND_OVER_EVERY_S = 0.05
"""Events of the batches committed within this time go to the queue together (fewer, larger jobs)."""
REDIS_BACK_OFF_S = 5.0
"""After Redis refused a hand-over, leave events to the relay (which has its own back-off) for this long."""
SETTLE_AT_STOP_S = 5.0
"""How long a stopping batcher keeps trying to settle batches whose commit is in doubt."""


class IntakeClosed(RuntimeError):
    """The batcher has stopped (the process is shutting down)."""


@dataclass(eq=False)
class _Waiting:
    submission: Submission
    future: asyncio.Future[Submitted]
    arrived: float
    id: UUID = field(default_factory=uuid7)
    reference: str = field(default_factory=new_reference)


@dataclass(frozen=True)
class _Stored:
    submitted: Submitted
    fingerprint: str | None
    """The first request's, for a later request with the same key in the same batch."""
    event_id: int | None


@dataclass(frozen=True)
class _InDoubt:
    """A batch whose commit is unknown, and the session that sent it."""

    server_pid: int
    sent_at: datetime
    contribution_ids: list[UUID]


class _Again:
    """Put back in the queue for the next batch."""


_AGAIN = _Again()
_Outcome = _Stored | Exception | _Again


class IntakeBatcher:
    """One per web process: started and stopped by the app's lifespan, with a pool of its own (MAX_IN_FLIGHT
    connections), so requests holding the web pool's connections while they wait can never starve it."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: ArqRedis,
        *,
        secret: str,
        window_s: float,
        max_batch: int,
        surge_per_s: float = 0,
    ) -> None:
        self._pool = pool
        self._redis = redis
        self._secret = secret
        self._window_s = window_s
        self._max_batch = max(1, max_batch)
        self._queue: list[_Waiting] = []
        self._changed = asyncio.Event()
        self._filling = False
        """The batcher is letting a batch fill for its window: a new arrival wakes it only if it fills the batch
        (each arrival waking it cost a task step and a new timeout per contribution)."""
        self._in_flight = 0
        self._writing: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._to_hand_over: list[int] = []
        self._hand_over_wanted = asyncio.Event()
        self._hand_over_task: asyncio.Task[None] | None = None
        self._redis_refused_at = -REDIS_BACK_OFF_S
        self._surge_per_s = surge_per_s
        self._in_doubt: list[_InDoubt] = []
        self._settle_task: asyncio.Task[None] | None = None
        self.batches = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="intake-batcher")
        self._hand_over_task = asyncio.create_task(self._hand_over_events(), name="intake-hand-over")

    async def stop(self) -> None:
        """Write what has queued, answer everyone, hand the last events over, then end."""
        self._stopping = True
        self._changed.set()
        if self._task is not None:
            await self._task
            self._task = None
        self._hand_over_wanted.set()
        if self._hand_over_task is not None:
            await self._hand_over_task
            self._hand_over_task = None
        if self._settle_task is not None:
            # A database still away: give up after a moment (the worker's sweep puts such events back in minutes).
            await asyncio.wait([self._settle_task], timeout=SETTLE_AT_STOP_S)
            self._settle_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._settle_task
            self._settle_task = None

    async def submit(self, submission: Submission) -> Submitted:
        """Store a contribution (and its event; for a workshop note, its place on the board) and return its
        receipt once committed. Raises InvalidContribution, IdempotencyConflict or PlacementRefused.

        A paper form typed in with its pre-printed reference does not come here: claiming the printed form, writing
        the contribution and marking the form used belong in one transaction, the request's
        (`engage.contributions.service.submit_contribution`)."""
        if submission.reference is not None:
            raise ValueError("a paper form with a printed reference is stored by submit_contribution, not batched")
        if self._stopping or self._task is None:
            raise IntakeClosed("Engage is restarting; nothing was stored. Please try again in a moment.")
        loop = asyncio.get_running_loop()
        waiting = _Waiting(prepare_submission(submission), loop.create_future(), loop.time())
        self._queue.append(waiting)
        if not self._filling or len(self._queue) >= self._max_batch:
            self._changed.set()
        # A caller that goes away (a client disconnecting) cancels only its wait: a batch already being written
        # still writes its row, and one not yet taken leaves it out.
        return await waiting.future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue or self._in_flight >= MAX_IN_FLIGHT:
                if not self._queue and self._stopping:
                    break
                self._changed.clear()
                await self._changed.wait()
                continue
            # The database is busy with another batch: let this one fill up for a moment (the window), unless it
            # is full. An idle database gets whatever is waiting at once.
            if self._in_flight and len(self._queue) < self._max_batch and not self._stopping:
                remaining = self._queue[0].arrived + self._window_s - loop.time()
                if remaining > 0:
                    self._changed.clear()
                    self._filling = True
                    try:
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(remaining):
                                await self._changed.wait()
                    finally:
                        self._filling = False
                    continue
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            self._in_flight += 1
            task = asyncio.create_task(self._write_batch(batch))
            self._writing.add(task)
            task.add_done_callback(self._writing.discard)
        if self._writing:
            await asyncio.wait(list(self._writing))

    async def _write_batch(self, batch: list[_Waiting]) -> None:
        try:
            await self._write(batch)
        except Exception as exc:  # a bug or a lost connection: every caller of the batch hears of it
            for waiting in batch:
                _settle(waiting.future, exc)
        finally:
            self._in_flight -= 1
            self._changed.set()

    async def _write(self, batch: list[_Waiting]) -> None:
        leaders: dict[str, _Waiting] = {}
        followers: list[tuple[_Waiting, _Waiting]] = []
        rows: list[_Waiting] = []
        for waiting in batch:
            if waiting.future.done():  # its caller went away before the batch was taken: nobody to tell, so not stored
                continue
            key = waiting.submission.idempotency_key
            if key is not None and key in leaders:
                followers.append((waiting, leaders[key]))
                continue
            if key is not None:
                leaders[key] = waiting
            rows.append(waiting)
        handed_over = asyncio.get_running_loop().time() - self._redis_refused_at >= REDIS_BACK_OFF_S
        outcomes = await self._write_together(rows, handed_over=handed_over)
        if outcomes is None:  # the statement failed as a whole, so nothing was written: one at a time
            outcomes = {}
            for waiting in rows:
                outcomes.update(await self._write_together([waiting], handed_over=handed_over) or {})
        self.batches += 1
        events: list[int] = []
        again: list[_Waiting] = []
        for waiting in rows:
            outcome = outcomes[waiting.id]
            if isinstance(outcome, _Again):
                again.append(waiting)
            elif isinstance(outcome, _Stored):
                _settle(waiting.future, outcome.submitted)
                if outcome.event_id is not None:
                    events.append(outcome.event_id)
            else:
                _settle(waiting.future, outcome)
        for waiting, leader in followers:
            first = outcomes[leader.id]
            if isinstance(first, _Stored):
                existing = queries.ExistingByKey(
                    id=first.submitted.receipt.id,
                    reference=first.submitted.receipt.reference,
                    request_fingerprint=first.fingerprint,
                )
                try:
                    _settle(waiting.future, replayed(waiting.submission, existing, secret=self._secret))
                except Exception as exc:
                    _settle(waiting.future, exc)
            else:  # the first request with this key stored nothing: this one is a request of its own
                again.append(waiting)
        if again:
            self._queue[:0] = again
            self._changed.set()
        if events and handed_over:
            self._to_hand_over.extend(events)
            self._hand_over_wanted.set()

    async def _write_together(self, rows: list[_Waiting], *, handed_over: bool) -> dict[UUID, _Outcome] | None:
        """Write these rows together. None when the statement failed as a whole (nothing written); an error from
        a lost connection propagates (whether it committed is unknown)."""
        if not rows:
            return {}
        async with self._pool.acquire() as conn:
            server_pid, sent_at = conn.get_server_pid(), datetime.now(UTC)
            try:
                # One statement is its own transaction: no BEGIN and COMMIT round trips.
                written = await queries.insert_batch(
                    conn,
                    [queries.NewContribution(id=w.id, reference=w.reference, submission=w.submission) for w in rows],
                    CONTRIBUTION_RECEIVED,
                    handed_over=handed_over,
                )
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError):  # TimeoutError is an OSError
                if handed_over:
                    self._doubt(_InDoubt(server_pid, sent_at, [w.id for w in rows]))
                raise
            except asyncpg.PostgresError as exc:
                if len(rows) == 1:
                    return {rows[0].id: _refusal(rows[0].submission, exc)}
                log.warning(
                    "an intake batch of %d was refused as a whole (%s); writing its rows one by one",
                    len(rows),
                    type(exc).__name__,
                )
                return None
            # Committed. Requests whose key was used before get the first answer (read after the commit, so a
            # first request committed by another process meanwhile is found too).
            keys = [
                w.submission.idempotency_key
                for w, row in zip(rows, written, strict=True)
                if w.submission.idempotency_key and _replay(row)
            ]
            existing = await queries.get_by_idempotency_keys(conn, keys) if keys else {}
        return {w.id: self._outcome(w, row, existing) for w, row in zip(rows, written, strict=True)}

    def _outcome(self, waiting: _Waiting, row: queries.Written, existing: dict[str, queries.ExistingByKey]) -> _Outcome:
        sub = waiting.submission
        if not row.neighbourhood_known:
            return unknown_place(sub, "neighbourhood")
        if not row.programme_known:
            return unknown_place(sub, "programme")
        if not row.placement_open:
            return PlacementRefused()
        if row.inserted:
            receipt = receipt_for(waiting.id, waiting.reference, secret=self._secret)
            return _Stored(Submitted(receipt, created=True), sub.fingerprint, row.event_id)
        first = existing.get(sub.idempotency_key or "")
        if first is None:  # the first one was withdrawn in the meantime, taking its key with it: try again
            return _AGAIN
        try:
            return _Stored(replayed(sub, first, secret=self._secret), first.request_fingerprint, None)
        except Exception as exc:
            return exc

    def _doubt(self, batch: _InDoubt) -> None:
        self._in_doubt.append(batch)
        if self._settle_task is None or self._settle_task.done():
            self._settle_task = asyncio.create_task(self._settle_doubts(), name="intake-settle")

    async def _settle_doubts(self) -> None:
        """For each batch whose commit is in doubt, once the database answers: end the session that sent it (its
        statement has then committed or never will), then give its events, if any were committed, to the relay."""
        backoff = 0.5
        while self._in_doubt:
            doubt = self._in_doubt[0]
            try:
                async with self._pool.acquire() as conn:
                    await queries.end_session(conn, doubt.server_pid, doubt.sent_at)
                    released = await outbox_queries.release_events_of(
                        conn, CONTRIBUTION_RECEIVED, doubt.contribution_ids
                    )
            except Exception as exc:
                log.warning(
                    "settling an intake batch in doubt failed (%s); retrying in %.1fs", type(exc).__name__, backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            self._in_doubt.pop(0)
            if released:
                log.warning("an intake batch in doubt had committed: %d events go to the relay", released)

    async def _hand_over_events(self) -> None:
        surge = SurgeGauge(self._redis, self._surge_per_s)
        while True:
            await self._hand_over_wanted.wait()
            if len(self._to_hand_over) < EVENTS_PER_JOB and not self._stopping:
                await asyncio.sleep(HAND_OVER_EVERY_S)
            self._hand_over_wanted.clear()
            ids, self._to_hand_over = self._to_hand_over, []
            if ids:
                try:
                    await hand_over(self._pool, self._redis, ids)
                    await surge.handed_over(len(ids))
                except Exception as exc:
                    self._redis_refused_at = asyncio.get_running_loop().time()
                    log.warning(
                        "handing %d events to the queue failed (%s); the relay takes them", len(ids), type(exc).__name__
                    )
            if self._stopping and not self._to_hand_over and (self._task is None or self._task.done()):
                return


def _replay(row: queries.Written) -> bool:
    """Not written only because its idempotency key was used before."""
    return not row.inserted and row.neighbourhood_known and row.programme_known and row.placement_open


def _refusal(sub: Submission, exc: Exception) -> Exception:
    """A single row's own error, in the words the form shows."""
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        constraint = exc.constraint_name or ""
        if "programme" in constraint:
            return unknown_place(sub, "programme")
        if "neighbourhood" in constraint:
            return unknown_place(sub, "neighbourhood")
    return exc


def _settle(future: asyncio.Future[Submitted], result: Submitted | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
