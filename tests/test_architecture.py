"""The layering contracts in .importlinter name every package: a new domain is covered the day it is added."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EDGES = {"web", "workers"}


def contract(name: str) -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return {line.strip() for line in config[f"importlinter:contract:{name}"]["source_modules"].split() if line}


def test_every_domain_package_is_held_by_the_layering_contracts() -> None:
    found = (ROOT / "engage").glob("*/__init__.py")
    packages = {f"engage.{path.parent.name}" for path in found if path.parent.name not in EDGES}
    assert packages - contract("domains-never-import-edges") == set()
    assert packages - contract("only-workers-and-cli-run-nlp") == set()
