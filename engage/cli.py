"""The ``engage`` command: run everything, or one part of it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from engage.accounts.models import STAFF_ROLES
from engage.settings import Settings

log = logging.getLogger("engage")


def _setup_logging(settings: Settings) -> None:
    from engage.logs import configure_logging

    configure_logging(settings)


def _require_servers(settings: Settings, command: str) -> None:
    missing = [name for name in ("database_url", "redis_url") if not getattr(settings, name)]
    if command == "worker" and not settings.smtp_url:
        missing.append("smtp_url")
    if missing:
        names = ", ".join("ENGAGE_" + m.upper() for m in missing)
        raise SystemExit(f"engage {command} needs {names}. `engage run` starts embedded servers for you.")


_Result = TypeVar("_Result")


def _run_async(main: Coroutine[Any, Any, _Result]) -> _Result:
    try:
        import uvloop

        return uvloop.run(main)
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(main)


# --- engage run ---------------------------------------------------------------------------------------


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Embedded servers as needed, migrations, demo data, then web and worker as child processes."""
    from engage.embedded import EmbeddedPostgres, EmbeddedValkey
    from engage.mail.catcher import MailCatcher

    settings = settings.with_secret()
    stoppers: list[Callable[[], None]] = []
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop_everything(*_: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nStopping Engage…", flush=True)
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        for stop in reversed(stoppers):
            try:
                stop()
            except Exception as exc:
                log.warning("while stopping: %s", exc)

    signal.signal(signal.SIGTERM, stop_everything)
    signal.signal(signal.SIGINT, stop_everything)
    try:
        changes: dict[str, Any] = {}
        if not settings.database_url:
            postgres = EmbeddedPostgres(settings.data_dir)
            changes["database_url"] = postgres.start()
            stoppers.append(postgres.stop)
            print(f"  PostgreSQL  embedded, data in {postgres.pgdata}", flush=True)
        if not settings.redis_url:
            valkey = EmbeddedValkey(settings.data_dir)
            changes["redis_url"] = valkey.start()
            stoppers.append(valkey.stop)
            print(f"  Valkey      embedded on {changes['redis_url']}", flush=True)
        if not settings.safeguarding_email and settings.demo_data:
            # So the demo shows the alert a safeguarding lead receives (in the local mailbox).
            changes["safeguarding_email"] = "safeguarding-lead@demo.engage.test"
        if not settings.smtp_url:
            catcher = MailCatcher(settings.data_dir.resolve() / "mail")
            catcher.start()
            stoppers.append(catcher.stop)
            changes["smtp_url"] = catcher.url
            changes["mailbox_enabled"] = True
            print(f"  Mail        caught locally on {catcher.url}", flush=True)
        changes["data_dir"] = settings.data_dir.resolve()
        settings = msgspec.structs.replace(settings, **changes)

        applied = _run_async(_migrate(settings))
        print(f"  Migrations  {len(applied)} applied", flush=True)
        demo_logins: list[tuple[str, str, str]] = []
        if settings.demo_data:
            from engage.demo.loader import load_demo

            loaded, demo_logins = _run_async(load_demo(settings))
            if loaded:
                print(f"  Demo data   {loaded} contributions loaded", flush=True)

        settings.record_running(os.getpid())
        stoppers.append(lambda: settings.running_file.unlink(missing_ok=True))
        env = {**os.environ, **settings.as_env()}
        supervised = [Supervised(command, env) for command in ("web", "worker")]
        children.extend(child.start() for child in supervised)
        if not _wait_for_web(settings, children):
            print("The web server did not start; stopping.", flush=True)
            return 1
        print(f"\nEngage is running: open {settings.base_url}", flush=True)
        if settings.mailbox_enabled:
            print(f"Sent mail is readable at {settings.base_url}/mailbox (sign in as the admin)", flush=True)
        for email, role, password in demo_logins:
            print(f"  Demo sign-in ({role}): {email} / {password}", flush=True)
        if demo_logins and settings.mailbox_enabled:
            from engage.demo.programme import RESIDENT_EMAIL

            print(f"  Demo resident: {RESIDENT_EMAIL} signs in by the emailed link (in the mailbox)", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stopping:
            for child in supervised:
                restarted = child.tend(stopping=stopping)
                if restarted is not None:
                    children.append(restarted)
            time.sleep(0.5)
        return 0
    finally:
        stop_everything()


class Supervised:
    """A child process `engage run` keeps alive: when it dies it is started again after a back-off that doubles
    (1 s, 2 s, ... up to 30 s) and resets once the child has run for a minute. Only Ctrl-C stops Engage."""

    BACKOFF_MAX_S = 30.0
    STEADY_AFTER_S = 60.0

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.command = command
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.backoff_s = 1.0
        self.restart_at: float | None = None

    def start(self) -> subprocess.Popen[bytes]:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "engage", self.command], env=self.env, start_new_session=True
        )
        self.started_at = time.monotonic()
        return self.process

    def tend(self, *, stopping: bool) -> subprocess.Popen[bytes] | None:
        """Look at the child once; returns the new process when it was restarted."""
        if stopping or self.process is None:
            return None
        now = time.monotonic()
        if self.restart_at is None:
            if self.process.poll() is None:
                if now - self.started_at > self.STEADY_AFTER_S:
                    self.backoff_s = 1.0
                return None
            print(
                f"The {self.command} process stopped (exit code {self.process.returncode}); "
                f"starting it again in {self.backoff_s:.0f} s.",
                flush=True,
            )
            self.restart_at = now + self.backoff_s
            self.backoff_s = min(self.backoff_s * 2, self.BACKOFF_MAX_S)
            return None
        if now < self.restart_at:
            return None
        self.restart_at = None
        process = self.start()
        print(f"The {self.command} process is running again.", flush=True)
        return process


def _wait_for_web(settings: Settings, children: list[subprocess.Popen[bytes]], timeout_s: float = 60) -> bool:
    """Only print the URL once it answers."""
    import urllib.request

    url = f"http://127.0.0.1:{settings.port}/healthz"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


async def _migrate(settings: Settings) -> list[str]:
    from engage.db import create_pool, migrate
    from engage.workers.tagging import sync_builtin_frameworks

    applied = await migrate(settings.database_url or "")
    pool = await create_pool(settings.database_url or "", size=1)
    try:
        await sync_builtin_frameworks(pool)
    finally:
        await pool.close()
    return applied


# --- engage migrate / web / worker ----------------------------------------------------------------------


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.database_url:
        raise SystemExit("engage migrate needs ENGAGE_DATABASE_URL.")
    applied = _run_async(_migrate(settings))
    print(f"{len(applied)} migration(s) applied" + (": " + ", ".join(applied) if applied else ""))
    return 0


def cmd_web(settings: Settings, args: argparse.Namespace) -> int:
    _require_servers(settings, "web")
    import uvicorn

    from engage.web.server import CoalescingHttpToolsProtocol

    os.environ.update(settings.with_secret().as_env())
    uvicorn.run(
        "engage.web.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.web_workers if settings.web_workers > 1 else None,
        loop="uvloop",
        http=CoalescingHttpToolsProtocol,
        log_level="warning",
        access_log=False,
        # Engage decides whose X-Forwarded-For to believe (ENGAGE_TRUSTED_PROXIES); uvicorn would trust loopback.
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    _require_servers(settings, "worker")
    from engage.workers.main import run_worker

    settings = settings.with_secret()
    if settings.worker_nice:
        # Background work yields the CPU to answering people when the two share a machine (engage run, a small
        # server); on a machine of its own a worker runs as fast as ever.
        os.nice(settings.worker_nice)
        # Linux schedules each session (autogroup) as one unit, and a nice value counts only within its session:
        # `engage run` starts the worker in a session of its own, so its session has to yield, not just the process.
        with contextlib.suppress(OSError):
            Path("/proc/self/autogroup").write_text(f"{settings.worker_nice}\n")

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await run_worker(settings)
        except asyncio.CancelledError:
            log.info("worker stopped")

    _run_async(main())
    return 0


# --- engage user create ----------------------------------------------------------------------------------


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.database_url:
        raise SystemExit("engage user create needs ENGAGE_DATABASE_URL.")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (10+ characters): ")

    async def main() -> None:
        from engage.accounts.models import UserExists
        from engage.accounts.service import create_user
        from engage.db import create_pool, transaction

        pool = await create_pool(settings.database_url or "", size=2)
        try:
            async with transaction(pool) as conn:
                user = await create_user(
                    conn,
                    email=args.email,
                    name=args.name or args.email.split("@")[0],
                    role=args.role,
                    password=password,
                    organisation=args.organisation,
                )
            print(f"Created {user.role} {user.email}")
        except UserExists:
            raise SystemExit(f"A user with email {args.email} already exists.") from None
        except ValueError as exc:
            raise SystemExit(f"Not created: {exc}.") from None
        finally:
            await pool.close()

    _run_async(main())
    return 0


# --- engage import ---------------------------------------------------------------------------------------


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.database_url:
        raise SystemExit("engage import needs ENGAGE_DATABASE_URL (or run it while `engage run` is up).")
    from engage.contributions.importer import ImportOptions, run_import

    options = ImportOptions(
        path=Path(args.file),
        kind=args.kind,
        source_name=args.source,
        text_column=args.text_column,
        neighbourhood_column=args.neighbourhood_column,
        language_column=args.language_column,
        translation_column=args.translation_column,
        date_column=args.date_column,
        id_column=args.id_column,
        consent=tuple(args.consent.split(",")) if args.consent else ("analysis",),
        consent_columns=args.consent_column or [],
        rejects_path=Path(args.rejects) if args.rejects else None,
        references_path=Path(args.references) if args.references else None,
        programme=args.programme,
    )
    if args.programme and not _run_async(_programme_exists(settings, args.programme)):
        raise SystemExit(f"--programme {args.programme}: there is no programme with this slug")
    summary = _run_async(run_import(settings.with_secret(), options, progress=not args.quiet))
    return 0 if summary.rejected == 0 else 3


async def _programme_exists(settings: Settings, slug: str) -> bool:
    from engage.db import create_pool
    from engage.programmes import queries as programme_queries

    pool = await create_pool(settings.database_url or "", size=1)
    try:
        async with pool.acquire() as conn:
            return await programme_queries.get_programme(conn, slug) is not None
    finally:
        await pool.close()


def cmd_nlp(settings: Settings, args: argparse.Namespace) -> int:
    """`engage nlp redact|tag|train|evaluate|retrain`: the tagger's command-line contract (see the README)."""
    from engage import nlp_cli
    from nlp.frameworks import FrameworkError
    from nlp.model import ModelError
    from nlp.tagger import Tagger
    from nlp.training import TrainingDataError

    try:
        if args.nlp_command == "redact":
            return nlp_cli.redact_lines(sys.stdin.buffer, sys.stdout, sys.stderr)
        if args.nlp_command == "tag":
            tagger = Tagger.load(
                Path(args.model) if args.model else None, framework_id=args.framework, also=args.also or ()
            )
            return nlp_cli.tag_lines(tagger, sys.stdin.buffer, sys.stdout, sys.stderr)
        if args.nlp_command == "train":
            return nlp_cli.train_command(
                Path(args.framework),
                [Path(path) for path in args.train],
                Path(args.dev) if args.dev else None,
                Path(args.out),
                sys.stdout,
            )
        if args.nlp_command == "evaluate":
            return nlp_cli.evaluate_command(
                Path(args.model),
                [Path(path) for path in args.test],
                sys.stdout,
                as_json=args.json,
                also=args.also or (),
            )
        return int(_run_async(_retrain(settings.with_secret())))
    except (FrameworkError, TrainingDataError, ModelError) as exc:
        print(f"engage nlp {args.nlp_command}: {exc}", file=sys.stderr)
        return 2


async def _retrain(settings: Settings) -> int:
    """`engage nlp retrain`: the same use case as the weekly job, run here with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from engage.db import create_pool
    from engage.workers.retraining import retrain

    if not settings.database_url:
        raise SystemExit("engage nlp retrain needs ENGAGE_DATABASE_URL (or ask for it on /staff/models).")
    pool = await create_pool(settings.database_url, size=2)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
            tasks: dict[str, Any] = {}

            def progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(step, total=total)
                bar.update(tasks[step], completed=done, total=total)

            result = await retrain(pool, settings, progress=progress)
    finally:
        await pool.close()
    print(
        f"{result.version}: {'promoted' if result.promoted else 'not promoted'} ({result.note}); "
        f"{result.corrections} corrections used"
    )
    return 0


def cmd_settings(settings: Settings, args: argparse.Namespace) -> int:
    for name in settings.__struct_fields__:
        value = getattr(settings, name)
        if name == "secret_key" and value:
            value = "(set)"
        print(f"ENGAGE_{name.upper()}={'' if value is None else value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="engage", description="Co-production in health and care.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start everything: embedded servers if needed, web, worker, demo data")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("web", help="start the web server")
    sub.add_parser("worker", help="start one worker")
    sub.add_parser("settings", help="print the effective settings")

    user = sub.add_parser("user", help="manage staff accounts").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create a staff account; asks for the password")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=list(STAFF_ROLES))
    create.add_argument("--name")
    create.add_argument("--organisation")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    nlp = sub.add_parser(
        "nlp", help="tag, train, evaluate and redact text (only retrain needs the database)"
    ).add_subparsers(dest="nlp_command", required=True)
    nlp.add_parser("redact", help='read {"id", "text"} lines on stdin, write them with personal details replaced')
    tag = nlp.add_parser("tag", help='read {"id", "text"} lines on stdin, write themes, scores, evidence and flags')
    tag.add_argument("--model", help="a model directory (default: the shipped model for --framework)")
    tag.add_argument("--framework", default="lambeth-what-matters", help="which shipped model, without --model")
    tag.add_argument(
        "--also",
        action="append",
        metavar="FRAMEWORK",
        help="also tag against this shipped framework's model in the same pass (repeatable); adds 'frameworks'",
    )
    train = nlp.add_parser("train", help="train a model for any framework from JSON Lines {text, themes}")
    train.add_argument("--framework", required=True, help='framework file {"id", "name", "themes": [...]}')
    train.add_argument(
        "--train",
        required=True,
        action="append",
        help='training lines {"text", "themes": [ids]} or {"text", "frameworks": {id: [ids]}} (repeatable)',
    )
    train.add_argument("--dev", help="development lines, scored after training and never trained on")
    train.add_argument("--out", required=True, help="model directory to write")
    evaluate = nlp.add_parser("evaluate", help="micro and macro F1 and per-theme scores of a model on a test file")
    evaluate.add_argument("--model", required=True)
    evaluate.add_argument("--test", required=True, action="append", help="test lines (repeatable: dev, held-out)")
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")
    evaluate.add_argument(
        "--also",
        action="append",
        metavar="MODEL",
        help="also tag with this model (a directory or a shipped framework's id) in the same pass, as the worker "
        "does (repeatable); a framework of the model's sub-themes blends into its themes",
    )
    nlp.add_parser(
        "retrain",
        help="train on the corpus plus staff corrections; promote if not worse on the development split",
    )

    digest = sub.add_parser("digest", help="governance digests").add_subparsers(dest="digest_command", required=True)
    preview = digest.add_parser("preview", help="render a board's digest to an HTML file (and a .txt); sends nothing")
    preview.add_argument("--board", required=True, help="the board's id")
    preview.add_argument(
        "--period", help="2026-11 (a month), 2026-W47 (an ISO week) or 2026-11-01..2026-11-20; default: the latest due"
    )
    preview.add_argument("--out", help="where to write the HTML (default digest-BOARD-START.html)")

    imp = sub.add_parser("import", help="import contributions from CSV or JSON Lines")
    imp.add_argument("file", help="a .csv or .jsonl file")
    imp.add_argument("--kind", required=True, choices=["i_statement", "story", "workshop_note"])
    imp.add_argument("--source", required=True, help='where they came from, e.g. "Healthwatch Lambeth — Going Home"')
    imp.add_argument("--text-column", default="text")
    imp.add_argument("--neighbourhood-column", default="neighbourhood")
    imp.add_argument("--language-column", default="language", help="the language the words are written in")
    imp.add_argument(
        "--translation-column",
        default="translation",
        help="an English translation of words in another language (kept beside them; tagged instead of them)",
    )
    imp.add_argument("--date-column", default="date", help="ISO date or date-time the contribution was given")
    imp.add_argument("--id-column", default="id", help="the source's own row id, if any (makes re-runs exact)")
    imp.add_argument(
        "--consent",
        default="analysis",
        help="consent every row was given, comma-separated from analysis,quote,share,contact (default analysis)",
    )
    imp.add_argument(
        "--consent-column",
        action="append",
        metavar="PURPOSE=COLUMN",
        help="read one purpose's consent per row from a yes/no column, e.g. quote=ok_to_quote",
    )
    imp.add_argument("--rejects", help="where to write rejected rows (default FILE.rejects.csv)")
    imp.add_argument(
        "--references",
        help="where to write each row's reference and withdrawal code, to give back to its author "
        "(default FILE.references.csv)",
    )
    imp.add_argument("--programme", help="give every row to this co-design programme (its slug)")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.database_url:
        raise SystemExit("engage digest needs ENGAGE_DATABASE_URL (or run it while `engage run` is up).")
    from engage.db import create_pool
    from engage.digests.models import DigestContent, PeriodProblem, parse_period
    from engage.digests.service import UnknownBoard, preview_digest, today_local
    from engage.mail.service import render_digest

    settings = settings.with_secret()
    try:
        period = parse_period(args.period, today_local()) if args.period else None
    except PeriodProblem as exc:
        print(f"engage digest preview: {exc}", file=sys.stderr)
        return 2

    async def build() -> DigestContent:
        pool = await create_pool(settings.database_url or "", size=2)
        try:
            async with pool.acquire() as conn:
                return await preview_digest(conn, args.board, period, framework_id=settings.framework)
        finally:
            await pool.close()

    try:
        digest = _run_async(build())
    except UnknownBoard:
        print(f"engage digest preview: no board has the id {args.board!r}.", file=sys.stderr)
        return 2
    html, text = render_digest(
        digest,
        base_url=settings.base_url,
        archive_url=f"{settings.base_url}/boards/{digest.board_id}/digests",
        unsubscribe_url=None,
    )
    out = Path(args.out or f"digest-{digest.board_id}-{digest.period.start}.html")
    out.write_text(html)
    out.with_suffix(".txt").write_text(text)
    print(
        f"{digest.board_name}, {digest.period_label}: {digest.total:,} contributions. Wrote {out} and "
        f"{out.with_suffix('.txt')}."
    )
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "run": cmd_run,
    "migrate": cmd_migrate,
    "web": cmd_web,
    "worker": cmd_worker,
    "import": cmd_import,
    "settings": cmd_settings,
    "nlp": cmd_nlp,
    "digest": cmd_digest,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command != "run":
        settings = settings.with_running_servers()
    _setup_logging(settings)
    if args.command == "user":
        return cmd_user_create(settings, args)
    return COMMANDS[args.command](settings, args)
