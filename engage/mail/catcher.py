"""A local mail catcher: an SMTP server that keeps every message as a file, readable at ``/mailbox``.

`engage run` starts it when no SMTP server is configured, so a receipt email can be read in the browser.
"""

from __future__ import annotations

import email
import email.policy
import os
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import msgspec
from aiosmtpd.controller import Controller


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{os.getpid()}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.folder / name)
        return "250 Message caught"


class MailCatcher:
    def __init__(self, folder: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.folder = folder
        self._controller = Controller(_SaveToFolder(folder), hostname=host, port=port or _free_port(host))

    @property
    def url(self) -> str:
        return f"smtp://{self._controller.hostname}:{self._controller.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class CaughtMail(msgspec.Struct, kw_only=True):
    name: str
    subject: str
    to: str
    sender: str
    date: str
    text: str
    html: str | None


def read_caught(folder: Path, name: str) -> CaughtMail | None:
    if "/" in name or name.startswith(".") or not name.endswith(".eml"):
        return None
    path = folder / name
    if not path.is_file():
        return None
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return CaughtMail(
        name=name,
        subject=str(message["subject"] or "(no subject)"),
        to=str(message["to"] or ""),
        sender=str(message["from"] or ""),
        date=str(message["date"] or ""),
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else None,
    )


def list_caught(folder: Path, limit: int = 200) -> list[CaughtMail]:
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.glob("*.eml")), reverse=True)[:limit]
    return [mail for name in names if (mail := read_caught(folder, name)) is not None]
