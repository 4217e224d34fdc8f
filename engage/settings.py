"""One typed settings object, read from ``ENGAGE_*`` environment variables and passed in.

Every field is documented where it is declared; ``engage settings`` prints the effective values.
Nothing else in Engage reads the environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Literal

import msgspec

PREFIX = "ENGAGE_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str | None = None
    """PostgreSQL DSN. Unset: `engage run` starts an embedded server (pgserver) in ``data_dir/postgres``."""

    redis_url: str | None = None
    """Redis/Valkey URL for arq. Unset: `engage run` starts an embedded Valkey in ``data_dir/valkey``."""

    smtp_url: str | None = None
    """``smtp://[user:password@]host:port`` (``smtps://`` for implicit TLS). Unset: `engage run` starts a
    local mail catcher whose messages are readable at ``/mailbox``."""

    data_dir: Path = Path(".engage")
    """Where embedded servers, caught mail and the generated secret key live."""

    host: str = "127.0.0.1"
    """Interface the web server binds to."""

    port: int = 8000
    """Port the web server listens on."""

    public_url: str = ""
    """Base URL used in emails. Empty: ``http://{host}:{port}``."""

    secret_key: str = ""
    """Signs withdrawal codes and session tokens. Empty: generated once and kept in ``data_dir/secret_key``.
    Changing it invalidates every withdrawal code already handed out."""

    mail_from: str = "Engage <no-reply@engage.local>"
    """From header of every email Engage sends."""

    mailbox_enabled: bool = False
    """Serve caught mail at ``/mailbox``. `engage run` turns it on when it starts the mail catcher."""

    job_timeout_s: int = 60
    """How long one arq job may run. A job whose worker died is picked up again this long (+10 s) later."""

    mail_max_attempts: int = 6
    """Delivery attempts before a message is marked failed and shown to admins."""

    mail_retry_base_s: float = 30.0
    """First retry delay; each further attempt doubles it (30 s, 1 min, 2 min, ...)."""

    worker_nice: int = 10
    """`engage worker` lowers its CPU priority by this much (Unix niceness, 0-19; on Linux its session's too, as
    the scheduler weighs sessions against each other). Where web and worker share the processors, intake and pages
    then come first and tagging, redaction and emails catch up seconds later; with processors to spare it changes
    nothing. 0 keeps the worker at the web's priority."""

    surge_per_s: int = 500
    """A web process taking in this many contributions a second or more says so (in Valkey), and workers hold
    back the work contributions cause (tagging, redaction, receipts) while it lasts: like ``worker_nice``, but it
    also spares PostgreSQL the worker's writes, which niceness cannot reach. 0: never. No partnership sends this
    many for long; a campaign's first minutes, a bulk import through the API or a flood might."""

    surge_wait_s: float = 30.0
    """The longest one of the worker's jobs waits out a surge before it goes ahead anyway (at most half of
    ``job_timeout_s``): so also the most a surge delays a safeguarding alert or a receipt."""

    sweep_interval_s: int = 5
    """How often the worker re-relays stuck outbox rows and retries due mail."""

    outbox_stale_after_s: int = 300
    """An event enqueued this long ago but never processed is enqueued again (Redis lost it)."""

    intake_batch_window_ms: float = 2.0
    """Group commit: how long the first contribution to reach an idle web process waits for others to share its
    statement and commit (0: never wait). Under load it does not matter: whatever arrives while one batch is being
    written goes in the next. Nobody is told "received" before their batch has committed."""

    intake_batch_size: int = 64
    """Group commit: the most contributions written by one statement and one commit; a full batch is written at
    once, without waiting for the window."""

    form_rate_limit_per_minute: int = 60
    """Citizen form submissions (give, withdraw, your words, subscribe) accepted per client address per minute,
    counted across every web process; more get 429 with the form kept as typed. A community centre's shared Wi-Fi
    is one address, so this is generous; 0 turns it off."""

    api_rate_limit_per_minute: int = 600
    """``POST /api/v1/contributions`` accepted per client address per minute (0: no limit, e.g. for a benchmark
    or a partner's bulk feed behind its own limits)."""

    workshop_notes_per_minute: int = 300
    """Notes a live workshop session accepts per minute, counted per join code rather than per address (a room of
    60 people on one Wi-Fi is one address)."""

    trusted_proxies: str = ""
    """Comma-separated addresses or networks (``10.0.0.0/8``) of the proxies in front of Engage whose
    ``X-Forwarded-For`` is believed. Empty: nobody's; the connecting address is the client."""

    hsts_seconds: int = 0
    """``Strict-Transport-Security`` max-age on every response (0: not sent). Turn on behind HTTPS (compose.yaml
    does)."""

    session_hours: int = 12
    """Staff sign-ins (and community of practice members' sign-ins by link) expire after this long."""

    member_link_minutes: int = 60
    """A community of practice member's emailed sign-in link works once, for this long. Anyone whose link has
    expired asks for a new one on the page it opens."""

    secure_cookies: bool = False
    """Mark cookies Secure. Turn on behind HTTPS (compose.yaml does)."""

    web_workers: int = 1
    """Web server processes started by `engage web`/`engage run`."""

    pool_size: int = 16
    """PostgreSQL connections per process."""

    db_timeout_s: float = 5.0
    """The longest the web server waits on PostgreSQL (a connection, or one statement) before answering 503 with
    Retry-After. Workers wait up to ``job_timeout_s`` (their jobs are retried)."""

    demo_data: bool = True
    """`engage run` loads the demo data set once, into an empty database."""

    log_level: str = "info"
    """Python logging level."""

    log_format: Literal["text", "json"] = "text"
    """``text``: dated lines for a terminal. ``json``: one JSON object a line (``at``, ``level``, ``logger``,
    ``message``, ``exception``) for a log collector; compose.yaml uses it."""

    framework: str = "lambeth-what-matters"
    """The theme framework every contribution is tagged against (a shipped one, or one an admin added): the one
    staff review and retraining improves."""

    also_frameworks: str = "lambeth-what-matters-detailed,lambeth-outcomes,lambeth-together-outcomes"
    """More frameworks every contribution is tagged against in the same pass, with the models Engage ships for them
    (comma-separated ids; empty for none): the sub-themes staff act on, the eight outcome statements and the four
    partnership outcome areas. The dashboard and boards can follow any of them."""

    safeguarding_email: str = ""
    """Who is emailed at once when a contribution is flagged as a possible safeguarding concern (never with the
    contributor's words, only a link to sign in). Empty: flags still go to the urgent queue, and the worker logs a
    warning for each flag that nobody was emailed about."""

    retrain_weekly: bool = True
    """The worker retrains the theme model every Monday at 03:00 UTC on the corpus plus staff corrections, and
    promotes it only if it is not worse on the development split."""

    tag_batch_size: int = 500
    """Contributions tagged per job when re-tagging everything after a new model is promoted."""

    digest_send_hour: int = 7
    """Local hour (Europe/London) from which a digest whose period ended today is sent; earlier periods go at
    once. The worker checks every minute."""

    consensus_quorum: int = 20
    """A consensus round declares consensus on a proposition only once at least this many people have voted on it;
    before that its result says "not enough people yet"."""

    dashboard_refresh_s: int = 300
    """How stale the dashboard's monthly rollups may get before the worker recomputes them (it checks every
    minute; at a million contributions a refresh takes a few seconds and never blocks readers)."""

    controller_name: str = "The Lambeth health and care partnership (a demonstration: set ENGAGE_CONTROLLER_NAME)"
    """Who decides how citizens' information is used (the data controller), as the privacy notice names them."""

    dpo_contact: str = "dpo@example.org"
    """How to reach the data protection officer (an email address, phone number or postal address), shown on the
    privacy notice and the accessibility statement."""

    crisis_line: str = "South London and Maudsley mental health crisis line"
    """The local line for a mental health crisis, named on the citizen form, the workshop page and every receipt
    beside 999, NHS 111 and Samaritans (whatever the tagger makes of what someone wrote)."""

    crisis_line_number: str = "0800 731 2864"
    """Its number (free, any time, for people of any age in Lambeth, Southwark, Lewisham and Croydon)."""

    retain_contacts_days: int = 365
    """Contact details given with a contribution are deleted this many days after it was received (they exist so
    we can send a receipt and say what changed)."""

    retain_equality_days: int = 730
    """Equality-monitoring answers are deleted this many days after they were given (reports use them in
    aggregate; older periods then show fewer answers)."""

    retain_sessions_days: int = 0
    """Staff sign-in sessions are deleted this many days after they expire (0: as soon as the worker finds them)."""

    retain_mail_days: int = 90
    """Sent, failed and unconfirmed email records (they hold the recipient's address) are deleted after this many
    days."""

    retain_audit_days: int = 2190
    """Audit trail entries are deleted after this many days (six years: long enough to answer a complaint or an
    investigation)."""

    retain_withdrawals_days: int = 2190
    """The word-free record that a contribution was withdrawn is deleted after this many days."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env
        raw = {
            key[len(PREFIX) :].lower(): value for key, value in source.items() if key.startswith(PREFIX) and value != ""
        }
        known = set(cls.__struct_fields__)
        unknown = sorted(set(raw) - known)
        if unknown:
            names = ", ".join(PREFIX + name.upper() for name in unknown)
            raise SystemExit(f"Unknown setting(s): {names}. See engage/settings.py for the full list.")
        data_dir = raw.pop("data_dir", None)
        try:
            settings = msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise SystemExit(f"Invalid setting: {exc}") from exc
        return msgspec.structs.replace(settings, data_dir=Path(data_dir)) if data_dir else settings

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def with_secret(self) -> Settings:
        """Return settings whose secret key is set, creating and keeping one in ``data_dir`` if needed."""
        if self.secret_key:
            return self
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return msgspec.structs.replace(self, secret_key=path.read_text().strip())

    # What `engage run` started, so every other command run beside it (import, digest preview, settings, migrate,
    # user create) finds the same servers and the same address without being told.
    RUNNING_FIELDS: ClassVar[tuple[str, ...]] = (
        "database_url",
        "redis_url",
        "smtp_url",
        "host",
        "port",
        "public_url",
        "mailbox_enabled",
    )

    @property
    def running_file(self) -> Path:
        return self.data_dir / "running.json"

    def record_running(self, pid: int) -> None:
        """Written by `engage run` once its servers are up (readable by its owner alone), removed when it stops."""
        record = {name: getattr(self, name) for name in self.RUNNING_FIELDS} | {"pid": pid}
        self.running_file.parent.mkdir(parents=True, exist_ok=True)
        self.running_file.touch(mode=0o600, exist_ok=True)
        self.running_file.chmod(0o600)
        self.running_file.write_bytes(msgspec.json.encode(record))

    def with_running_servers(self, env: Mapping[str, str] | None = None) -> Settings:
        """These settings with the servers of an `engage run` that is up on this data directory filled in where
        no ``ENGAGE_*`` variable names them: a variable always wins."""
        source = os.environ if env is None else env
        try:
            record = msgspec.json.decode(self.running_file.read_bytes())
            os.kill(int(record["pid"]), 0)
        except (OSError, ValueError, KeyError, TypeError, msgspec.DecodeError):
            return self
        found = {
            name: record[name]
            for name in self.RUNNING_FIELDS
            if name in record and not source.get(PREFIX + name.upper())
        }
        return msgspec.structs.replace(self, **found)

    def as_env(self) -> dict[str, str]:
        """The settings as ``ENGAGE_*`` variables, to hand to child processes."""
        env: dict[str, str] = {}
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if value is None:
                continue
            env[PREFIX + name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
        return env
