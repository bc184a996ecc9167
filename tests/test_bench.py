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


def need_anchors(script: str | None = None) -> None:
    """Skip without the shared anchors (or one of their scripts); under CI=true, fail."""
    present = (ANCHORS / script).is_file() if script else ANCHORS.is_dir()
    if not present:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared anchors are missing at {ANCHORS}")
        pytest.skip(f"the shared anchors are not at {ANCHORS}")


def test_bench_calls_smoke(tmp_path: Path) -> None:
    need_anchors()
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


def test_bench_calendar_smoke() -> None:
    need_anchors("bench_calendar.py")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_calendar.py"), "--n", "30", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n_events"] == 30
    assert result["checks"]["icalendar_reads_clientops"] == "same events"
    assert result["checks"]["vobject_reads_clientops"] == "same events"
    assert set(result["events_per_s"]) >= {"icalendar", "clientops"}


def test_bench_docs_smoke() -> None:
    need_anchors()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_docs.py"),
            "--acts",
            "4",
            "--repeat",
            "1",
            "--min-time",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["docs_per_s"]) == {
        "python_docx",
        "floor_zipfile",
        "floor_prezipped",
        "clientops",
    }
    assert result["acts"] == 4
    assert result["output_bytes"]["clientops"] > 0
    assert result["speedup_vs_python_docx"] > 0


def test_bench_postgres_smoke(postgres_server: str) -> None:
    need_anchors()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_postgres.py"),
            *("--n", "500", "--repeat", "1", "--import-repeat", "1", "--min-time", "0"),
            *("--url", postgres_server),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["import"]["rows_per_s"]) == {"hand_psycopg", "clientops"}
    assert result["import"]["ratio_time_clientops_over_hand"] > 0
    assert result["agenda"]["rows"] == 2  # manager m7's due reactions, the same for both cases
    assert result["agenda"]["counts"]["clients"] == 500
    assert set(result["agenda"]["ms"]) == {"hand_psycopg", "clientops"}
    import psycopg

    prefix = result["schema_prefix"].replace("_", "\\_")
    with psycopg.connect(postgres_server) as conn:  # every schema of the run was dropped
        left = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", (f"{prefix}%",)
        ).fetchone()
    assert left == (0,)


def test_bench_billing_smoke(tmp_path: Path) -> None:
    need_anchors()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_billing.py"),
            "--n",
            "60",
            "--sample",
            "3",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["subscriptions"] == 60
    assert 0 < result["issued"] <= 60
    assert result["issued"] + result["skipped"] == 60
    assert set(result["shares"]) == {"documents", "storage", "rules"}
    assert result["python_docx_invoices_per_s"] > 0
    assert list(tmp_path.iterdir()) == []  # the work folder is removed


def test_bench_agenda_smoke(tmp_path: Path) -> None:
    need_anchors("bench_agenda.py")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_agenda.py"),
            *("--n", "2000", "--repeat", "1", "--min-time", "0"),
            *("--dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n_clients"] == 2000
    for scope in ("one", "all"):
        assert set(result["ms"][scope]) >= {"anchor_raw", "clientops"}
        counts = result["counts"][scope]
        assert counts["same"] is True
        for source in ("reactions", "calls", "debts"):
            assert counts["clientops"][source] == counts["anchor"][source]
        assert counts["anchor"]["reactions"] > 0
        assert counts["anchor"]["calls"] > 0
        assert counts["anchor"]["debts"] > 0
    assert result["ratios"]["one"] > 0
    assert result["ratios"]["all"] > 0
    assert result["memory_kib"]["n"]["peak"] > 0
    assert (tmp_path / "clientops-agenda-2000.db").is_file()  # cached for the next run


def test_bench_campaign_smoke(tmp_path: Path) -> None:
    need_anchors()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_campaign.py"),
            "--n",
            "3000",
            "--campaign",
            "3000",
            "--repeat",
            "1",
            "--min-time",
            "0",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    counts = result["counts"]
    assert counts["clientops"]["clients"] == counts["raw_sqlite3"]["clients"] == 3000
    assert counts["clientops"]["listed"] == counts["raw_sqlite3"]["listed"] == 3000
    assert counts["clientops"]["calls"] > 0
    assert counts["raw_sqlite3"]["calls"] > 0
    assert set(result["cycles_per_s"]) == {"raw_sqlite3", "clientops"}


def test_bench_timeline_smoke(tmp_path: Path) -> None:
    need_anchors()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_timeline.py"),
            "--n",
            "120",
            "--others",
            "3",
            "--per-other",
            "10",
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
    assert result["checks"]["same_rows_as_handwritten"]
    assert result["checks"]["page"] == 50
    assert set(result["ms_per_page"]) == {"handwritten_sql", "clientops_store", "clientops"}


def test_bench_upsert_smoke(tmp_path: Path, postgres_server: str) -> None:
    need_anchors()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_upsert.py"),
            *("--n", "300", "--repeat", "1", "--dir", str(tmp_path), "--url", postgres_server),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for store in ("sqlite", "postgresql"):
        assert set(result[store]["rows_per_s"]) == {"clientops", "hand"}
        assert result[store]["counts"]["clientops"] == result[store]["counts"]["hand"]
        assert result[store]["counts"]["hand"]["external_ids"] == 300
        assert result[store]["ratio_speed_clientops_over_hand"] > 0
    import psycopg

    prefix = result["postgresql"]["schema_prefix"].replace("_", "\\_")
    with psycopg.connect(postgres_server) as conn:  # every schema of the run was dropped
        left = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", (f"{prefix}%",)
        ).fetchone()
    assert left == (0,)


def test_bench_feed_smoke(postgres_server: str, tmp_path: Path) -> None:
    need_anchors()
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_feed.py"),
            *("--n", "1500", "--page", "400", "--repeat", "1"),
            *("--url", postgres_server, "--dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["sqlite"]["events_per_s"]) == {"raw_sqlite3", "clientops"}
    assert set(result["postgresql"]["events_per_s"]) == {"raw_psycopg", "clientops"}
    for store in ("sqlite", "postgresql"):
        assert result[store]["events"] == 1500
        assert result[store]["ratio_time_clientops_over_raw"] > 0
    assert list(tmp_path.iterdir()) == []  # the work folder is removed
    import psycopg

    with psycopg.connect(postgres_server) as conn:  # the run's schema was dropped
        left = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'clientops\\_bench\\_feed\\_%'"
        ).fetchone()
    assert left == (0,)


def test_bench_planning_smoke(postgres_server: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_planning.py"),
            *("--managers", "2", "--clients", "15", "--orders", "3", "--repeat", "1"),
            *("--url", postgres_server, "--dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["sqlite"]["seconds"]) == {"raw_sqlite3", "clientops"}
    assert set(result["postgresql"]["seconds"]) == {"raw_psycopg", "clientops"}
    for store in ("sqlite", "postgresql"):
        assert result[store]["clients"] == 30
        assert result[store]["ratio_time_clientops_over_raw"] > 0
    assert list(tmp_path.iterdir()) == []  # the work folder is removed
    import psycopg

    with psycopg.connect(postgres_server) as conn:  # the run's schema was dropped
        left = conn.execute(
            "SELECT count(*) FROM pg_namespace "
            "WHERE nspname LIKE 'clientops\\_bench\\_planning\\_%'"
        ).fetchone()
    assert left == (0,)


def test_bench_names_smoke() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_names.py"), "--repeat", "2"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.splitlines()[-1])
    assert figures["pymorphy3"]["right"] == 1.0  # every form of the table
    assert {"baseline_us_per_name", "pymorphy3_cached", "petrovich", "ratio"} <= set(figures)
