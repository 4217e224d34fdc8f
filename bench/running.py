"""`engage run` for a benchmark: a fresh data directory (embedded PostgreSQL, Valkey and mail catcher, the web server
and one worker, no demo data), answering before the block starts, stopped and removed when it ends.

    with engage_running(web_workers="2") as engage:   # any ENGAGE_* setting, named in lower case
        ... engage.base, engage.dsn, engage.process ...
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Running:
    process: subprocess.Popen[bytes]
    """`engage run` itself (its web and worker processes are its children)."""
    base: str
    """The web server's address, like http://127.0.0.1:8123."""
    dsn: str
    """The embedded PostgreSQL, by its socket."""
    data_dir: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def engage_running(*, timeout: float = 180, **settings: str) -> Iterator[Running]:
    data_dir = Path(tempfile.mkdtemp(prefix="engage-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "ENGAGE_DATA_DIR": str(data_dir),
        "ENGAGE_PORT": str(port),
        "ENGAGE_DEMO_DATA": "false",
        "ENGAGE_LOG_LEVEL": "warning",
        **{f"ENGAGE_{name.upper()}": value for name, value in settings.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "engage", "run"], env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", process, timeout)
        yield Running(process, base, f"postgresql://postgres:@/postgres?host={data_dir / 'postgres'}", data_dir)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        shutil.rmtree(data_dir, ignore_errors=True)


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("engage run exited early")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f}s")
