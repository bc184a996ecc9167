"""The benchmarks keep working on a fresh clone (tiny sizes; figures are not asserted, only that
both cases ran on the same data and the script printed its JSON line). Everything a benchmark
needs is in bench/: its workload, its baseline, its timing harness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_calls_smoke(tmp_path: Path) -> None:
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
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_calendar.py"), "--n", "30", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n_events"] == 30
    for case in ("icalendar", "clientops_cold", "icalendar_cached_tz", "clientops"):
        assert result["checks"][f"icalendar_reads_{case}"] == "same events"
    assert result["checks"]["vobject_reads_clientops"] == "same events"
    # each pair makes its VTIMEZONE the same way: both cold, or both cached
    assert set(result["events_per_s"]) == {
        "icalendar",
        "clientops_cold",
        "icalendar_cached_tz",
        "clientops",
        "floor_handwritten",
    }
    assert result["speedup_vs_icalendar_cold"] > 0
    assert result["speedup_vs_icalendar_cached_tz"] > 0


def test_bench_docs_smoke() -> None:
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
        "docxtpl",
        "floor_zipfile",
        "floor_prezipped",
        "clientops",
    }
    assert result["acts"] == 4
    assert result["output_bytes"]["clientops"] > 0
    assert result["speedup_vs_python_docx"] > 0


def test_bench_postgres_smoke(postgres_server: str) -> None:
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
    agenda = result["agenda"]
    assert agenda["rows"] == 2  # manager m7's due reactions, the same for both cases
    assert agenda["rows_per_case"] == {"hand_psycopg": 2, "clientops": 2}
    # the hand-written case runs the statement clientops sends: no join it does not make
    assert agenda["same_sql"] is True
    assert "FROM reactions" in agenda["statement"]
    assert agenda["counts"]["clients"] == 500
    assert agenda["counts"]["appeals"] == 500
    assert agenda["counts"]["reactions"] > 500
    assert set(result["agenda"]["ms"]) == {"hand_psycopg", "clientops"}
    import psycopg

    prefix = result["schema_prefix"].replace("_", "\\_")
    with psycopg.connect(postgres_server) as conn:  # every schema of the run was dropped
        left = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", (f"{prefix}%",)
        ).fetchone()
    assert left == (0,)


def test_bench_billing_smoke(tmp_path: Path) -> None:
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
    assert set(result["shares"]) == {"documents", "writing_files", "storage", "rules"}
    assert 0 < result["writing_files_s"] < result["documents_s"]  # writing is part of it
    assert result["docx_bytes_mean"] > 1000
    assert result["peak_rss_kib"]["before_run"] <= result["peak_rss_kib"]["after_run"]
    assert result["python_docx_invoices_per_s"] > 0
    assert result["peak_rss_kib"]["after_run"] > 0
    assert result["second_run_share"] > 0
    assert list(tmp_path.iterdir()) == []  # the work folder is removed


def test_bench_billing_scaling_curve(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_billing.py"),
            *("--sizes", "30,60", "--sample", "2", "--dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert [p["subscriptions"] for p in result["points"]] == [30, 60]
    for point in result["points"]:
        assert point["run_s"] > 0
        assert point["peak_rss_kib"]["after_second_run"] > 0
    assert "| subscriptions |" in done.stderr  # the table of time and memory per size


def test_bench_agenda_smoke(tmp_path: Path) -> None:
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
        assert set(result["ms"][scope]) == {
            "plain_sqlite3",
            "sqlalchemy_core",
            "clientops",
            "floor_own_sql",
        }
        counts = result["counts"][scope]
        assert counts["same"] is True
        for source in ("reactions", "calls", "debts"):
            assert counts["clientops"][source] == counts["plain"][source]
            assert counts["sqlalchemy_core"][source] == counts["plain"][source]
            assert counts["plain"][source] > 0
        assert result["ratios"][scope] > 0
        assert result["ratios_vs_floor"][scope] > 0
        assert result["memory_kib"][scope]["peak"] > 0
    assert result["gc"] == {"one": "on", "all": "paused"}  # the same setting for every case
    assert result["own_statements"]["one"] > 0
    assert result["builds"]["clientops"]["rows_per_s"] > 0
    assert (tmp_path / "clientops-agenda-2000.db").is_file()  # cached for the next run
    assert (tmp_path / "plain-agenda-2000.db").is_file()


def test_bench_agenda_scaling_curve(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_agenda.py"),
            *("--sizes", "300,600", "--repeat", "1", "--min-time", "0"),
            *("--dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert [p["n_clients"] for p in result["points"]] == [300, 600]
    for point in result["points"]:
        assert point["counts"]["all"]["same"] is True
        assert point["builds"]["clientops"]["total_s"] > 0
        assert point["peak_rss_kib"] > 0
    assert "| clients |" in done.stderr  # the table of time and memory per size


def test_bench_campaign_smoke(tmp_path: Path) -> None:
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


def test_bench_serialize_smoke() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_serialize.py"), "--n", "60", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n_cards"] == 60
    for step in ("dump", "load"):
        assert set(result["cards_per_s"][step]) == {
            "cattrs_json",
            "cattrs_plain",
            "clientops",
            "handwritten",
            "pydantic_v2",
        }
        assert result["ratio_time_clientops_over_cattrs_json"][step] > 0
    # every like-for-like case wrote the same JSON (checked before timing), so the same bytes
    sizes = result["json_bytes"]
    assert sizes["clientops"] == sizes["cattrs_json"] == sizes["cattrs_plain"]


def test_bench_statement_memory_smoke() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_statement_memory.py"), "--mib", "0.2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["documents"] > 0
    assert result["peak_bytes"] > 0


def test_the_benchmarks_need_nothing_outside_bench(tmp_path: Path) -> None:
    """bench/ copied alone elsewhere still runs: its workloads, baselines and harness are its
    own, and no file beside the repository is read."""
    import shutil

    copy = tmp_path / "elsewhere" / "bench"
    shutil.copytree(ROOT / "bench", copy, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run(
        [sys.executable, str(copy / "bench_calendar.py"), "--n", "20", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["n_events"] == 20


def test_run_all_prints_one_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run_all.py"),
            *("--only", "statement,invoices,feed"),
            # no server on this port: the PostgreSQL benchmark is reported as skipped
            *("--url", "postgresql://postgres@127.0.0.1:9/test", "--dir", str(tmp_path)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert set(result["results"]) == {"statement", "invoices", "feed"}
    assert "skipped" in result["results"]["feed"]
    table = [line for line in lines if line.startswith("|")]
    assert table[0].split("|")[1].strip() == "benchmark"
    assert any(line.split("|")[1].strip() == "invoices" for line in table[2:])
    assert any("skipped" in line for line in table if line.split("|")[1].strip() == "feed")
    assert list(tmp_path.iterdir()) == []  # its work folder is removed


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
        # the hand-written SQL computed the same eleven lines (the run stops otherwise)
        assert len(result[store]["lines"]) == 11
    assert list(tmp_path.iterdir()) == []  # the work folder is removed
    import psycopg

    with psycopg.connect(postgres_server) as conn:  # the run's schema was dropped
        left = conn.execute(
            "SELECT count(*) FROM pg_namespace "
            "WHERE nspname LIKE 'clientops\\_bench\\_planning\\_%'"
        ).fetchone()
    assert left == (0,)


def _build_planning(load: str, work: Path, *store: str) -> None:
    """bench_planning's small workload built only (``--load`` bulk or repositories) into the
    store ``store``'s options name, ``work`` its folder (``--dir``)."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "bench_planning.py"),
            *("--managers", "2", "--clients", "30", "--orders", "4", "--load", load),
            *("--build-only", *store, "--dir", str(work)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def test_bench_planning_bulk_loader_writes_the_rows_of_the_repositories(tmp_path: Path) -> None:
    # the workload written a batch at a time (the repositories' own row encoders) and
    # through the repositories' add: the same rows in every table
    import sqlite3

    built = {}
    for load in ("bulk", "repositories"):
        _build_planning(load, tmp_path, "--skip-postgres", "--cache", str(tmp_path / load))
        (path,) = (tmp_path / load).glob("*.db")
        conn = sqlite3.connect(path)
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        rows = {}
        for table in tables:
            columns = [
                c[1]
                for c in conn.execute(f"PRAGMA table_info({table})")
                if c[1] not in ("seq", "changed_at")  # the insertion order, the write's time
            ]
            listed = ", ".join(columns)
            rows[table] = conn.execute(f"SELECT {listed} FROM {table} ORDER BY {listed}").fetchall()
        conn.close()
        built[load] = rows
    assert built["bulk"] == built["repositories"]
    assert len(built["bulk"]["orders"]) > 60
    assert len(built["bulk"]["timeline"]) > 60


def test_bench_planning_bulk_loader_writes_the_rows_of_the_repositories_on_postgres(
    postgres_server: str, tmp_path: Path
) -> None:
    # on PostgreSQL the bulk rows go by COPY into the columns of the repositories' INSERTs:
    # the same rows in every table as through add
    import psycopg

    prefix = f"clientops_t{os.getpid()}_planning_"  # dropped with the test run's schemas
    built = {}
    try:
        for load in ("bulk", "repositories"):
            _build_planning(
                load, tmp_path, "--skip-sqlite", "--schema", prefix + load, "--url", postgres_server
            )
            with psycopg.connect(postgres_server) as conn:
                tables = [
                    name
                    for (name,) in conn.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = %s "
                        "AND tablename NOT IN ('bench_built', 'schema_version')",
                        (prefix + load,),
                    )
                ]
                rows = {}
                for table in tables:
                    columns = [
                        f'"{c}"'
                        for (c,) in conn.execute(
                            "SELECT column_name FROM information_schema.columns "
                            "WHERE table_schema = %s AND table_name = %s",
                            (prefix + load, table),
                        )
                        if c not in ("seq", "changed_at")  # the insertion order, the write's time
                    ]
                    listed = ", ".join(columns)
                    rows[table] = conn.execute(
                        f'SELECT {listed} FROM "{prefix + load}"."{table}" ORDER BY {listed}'
                    ).fetchall()
            built[load] = rows
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as conn:
            for load in ("bulk", "repositories"):
                conn.execute(f'DROP SCHEMA IF EXISTS "{prefix + load}" CASCADE')
    assert built["bulk"] == built["repositories"]
    assert len(built["bulk"]["orders"]) > 60
    assert len(built["bulk"]["timeline"]) > 60
    assert len(built["bulk"]["allocations"]) > 5


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
