"""`engage run`, the first command a new user types: everything starts, data survives a restart, Ctrl-C stops
everything it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
import psutil
import pytest

from engage.embedded import free_port
from engage.settings import Settings


def start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    env.update({"ENGAGE_DATA_DIR": str(data_dir), "ENGAGE_PORT": str(port), "ENGAGE_SWEEP_INTERVAL_S": "1"})
    return subprocess.Popen(
        [sys.executable, "-m", "engage", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def engage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")} | {"ENGAGE_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "engage", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def wait_until_up(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "Press Ctrl-C to stop." in line:
            return "".join(lines)
        if process.poll() is not None:
            break
    raise AssertionError("engage run did not come up:\n" + "".join(lines))


def stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
    assert process.wait(timeout=60) == 0


def child_running(run: subprocess.Popen[str], command: str, not_pid: int | None = None) -> psutil.Process | None:
    for child in psutil.Process(run.pid).children():
        try:
            if child.pid != not_pid and child.cmdline()[-1:] == [command] and child.status() != psutil.STATUS_ZOMBIE:
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def servers_under(data_dir: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(f"{proc.info['name']}: {cmdline[:80]}")
    return found


def signed_in_admin(base: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=10)
    page = http.get("/staff/sign-in").text
    marker = 'name="_csrf_token" value="'
    token = page[page.index(marker) + len(marker) :].split('"', 1)[0]
    http.post(
        "/staff/sign-in",
        data={
            "_csrf_token": token,
            "email": "admin@demo.engage.test",
            "password": "engage-demo-2026",
            "next": "/staff",
        },
    )
    return http


def sign_in_and_count(base: str) -> int:
    http = signed_in_admin(base)
    try:
        return int(http.get("/api/v1/contributions").json()["total"])
    finally:
        http.close()


def test_engage_run_starts_everything_keeps_data_and_stops_cleanly() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="engage-run-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = start(data_dir, port)
    try:
        banner = wait_until_up(first)
        assert f"open {base}" in banner
        assert "Demo sign-in (admin): admin@demo.engage.test / engage-demo-2026" in banner
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert "Have your say" in httpx.get(base).text
        loaded = sign_in_and_count(base)
        assert loaded >= 200
        # Three demo contributors asked for receipts: the worker sends them to the local mail catcher, which only
        # an administrator may read (receipts hold withdrawal codes).
        assert "We have received your" not in httpx.get(f"{base}/mailbox").text
        # Every other command run beside it finds its servers and its address, told only the data directory.
        shown = engage(data_dir, "settings").stdout
        assert "ENGAGE_DATABASE_URL=postgresql://" in shown and f"ENGAGE_PORT={port}" in shown
        cards = data_dir / "cards.csv"
        cards.write_text("text,date\nThe bus to King's is never on time.,07/10/2026\n")
        imported = engage(data_dir, "import", str(cards), "--kind", "story", "--source", "Event cards", "--quiet")
        assert imported.returncode == 0 and "1 added" in imported.stderr, imported.stderr
        loaded += 1
        out = data_dir / "digest.html"
        preview = engage(data_dir, "digest", "preview", "--board", "health-wellbeing-board", "--out", str(out))
        assert preview.returncode == 0, preview.stderr
        assert f"{base}/boards/health-wellbeing-board/digests" in out.read_text()
        unfinished = engage(
            data_dir, "digest", "preview", "--board", "health-wellbeing-board", "--period", f"{date.today():%Y-%m}"
        )
        assert unfinished.returncode == 2 and "has not finished yet" in unfinished.stderr
        deadline = time.monotonic() + 30
        admin = signed_in_admin(base)
        try:
            while admin.get("/mailbox").text.count("We have received your") < 3:
                assert time.monotonic() < deadline, "receipts never reached the mailbox"
                time.sleep(0.5)
        finally:
            admin.close()
        # A crashed worker or web server is started again; Engage does not stop.
        for command in ("worker", "web"):
            crashed = child_running(first, command)
            crashed.kill()
            killed_at = time.monotonic()
            while (replacement := child_running(first, command, not_pid=crashed.pid)) is None:
                assert time.monotonic() - killed_at < 20, f"the {command} process was not started again"
                time.sleep(0.2)
            if command == "web":
                while not answers(f"{base}/healthz"):
                    assert time.monotonic() - killed_at < 40, "the web server did not come back"
                    time.sleep(0.2)
            print(
                f"\n{command} killed: running again after {time.monotonic() - killed_at:.1f} s (pid {replacement.pid})"
            )
        assert first.poll() is None and sign_in_and_count(base) == loaded
    finally:
        stop(first)
    assert servers_under(data_dir) == []
    assert not (data_dir / "running.json").exists()
    second = start(data_dir, port)
    try:
        banner = wait_until_up(second)
        assert "Demo data" not in banner  # loaded once, not again
        assert sign_in_and_count(base) == loaded
    finally:
        stop(second)
    assert servers_under(data_dir) == []


def test_unknown_settings_are_refused_by_name() -> None:
    with pytest.raises(SystemExit, match="ENGAGE_PROT"):
        Settings.from_env({"ENGAGE_PROT": "8000"})
    parsed = Settings.from_env({"ENGAGE_PORT": "8123", "ENGAGE_DATA_DIR": "data", "ENGAGE_SECURE_COOKIES": "true"})
    assert (parsed.port, parsed.data_dir, parsed.secure_cookies) == (8123, Path("data"), True)
