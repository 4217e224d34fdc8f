"""compose.yaml runs the production shape. No Docker engine runs here, so the file is checked two ways:
its structure, always, and `docker compose config -q` whenever the compose plugin is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_ENV = {"POSTGRES_PASSWORD": "pw", "ENGAGE_SMTP_URL": "smtp://mail:25", "ENGAGE_SECRET_KEY": "k" * 40}


def load() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


def test_compose_has_the_production_services_with_health_checks_and_volumes() -> None:
    services = load()["services"]
    assert set(services) == {"postgres", "valkey", "migrate", "web", "worker"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["valkey"]["image"].startswith("valkey/valkey:")
    for name in ("postgres", "valkey", "web"):
        assert "healthcheck" in services[name], name
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "ENGAGE_HSTS_SECONDS" in services["web"]["environment"]
    assert any("pgdata:" in v for v in services["postgres"]["volumes"])
    assert any("valkeydata:" in v for v in services["valkey"]["volumes"])
    assert services["migrate"]["command"] == ["engage", "migrate"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["ENGAGE_REDIS_URL"] == "redis://valkey:6379/0"
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0:
        result = subprocess.run(
            [docker, "compose", "-f", str(ROOT / "compose.yaml"), "config", "-q"],
            env={**os.environ, **COMPOSE_ENV},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr


def test_the_worker_can_be_scaled_out() -> None:
    worker = load()["services"]["worker"]
    # Fixed names or published ports would make a second replica clash with the first.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == ["engage", "worker"]


def test_the_image_installs_the_project_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install" in dockerfile and "\nUSER engage" in dockerfile
    assert "COPY migrations" in dockerfile
