"""`engage nlp redact`: a contract anyone can script against."""

from __future__ import annotations

import json
import subprocess
import sys


def test_redact_reads_and_writes_json_lines_and_names_bad_lines() -> None:
    lines = [
        json.dumps({"id": 1, "text": "Call 07700 900123 about my son Kwame."}),
        "not json",
        json.dumps({"id": "b", "text": "The Brixton hub was great."}),
        json.dumps({"text": "no id"}),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "engage", "nlp", "redact"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {"id": 1, "text": "Call [phone] about my son [name].", "replaced": {"phone": 1, "name": 1}}
    assert out[1] == {"id": "b", "text": "The Brixton hub was great.", "replaced": {}}
    assert "line 2:" in result.stderr and "line 4:" in result.stderr and "id" in result.stderr
