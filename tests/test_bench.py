"""The benchmarks keep working (tiny sizes; figures are not asserted, only that both cases
ran on the same data and the script printed its JSON line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ANCHORS = Path(os.environ.get("CLIENTOPS_ANCHORS", ROOT.parent / "shared" / "anchors"))


def test_bench_calls_smoke(tmp_path: Path) -> None:
    if not ANCHORS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared anchors are missing at {ANCHORS}")
        pytest.skip(f"the shared anchors are not at {ANCHORS}")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_calls.py"),
            "--n",
            "40",
            "--repeat",
            "1",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["counts"]["clientops"]["clients"] == 40
    assert result["counts"]["raw_sqlite3"]["clients"] == 40
    assert set(result["calls_per_s"]) >= {"raw_sqlite3", "clientops"}
