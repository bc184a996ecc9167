"""Run every benchmark, one after the other, and print one table.

By default each runs at a small size (a few minutes in all on a 2-core machine); ``--full``
runs each at its own default size (about an hour, the 1,000,000-client builds once). The
PostgreSQL benchmarks use ``--url`` and are reported as skipped when no server answers there.

    python bench/run_all.py                      # small sizes
    python bench/run_all.py --only agenda,docs   # some of them
    python bench/run_all.py --full --dir /tmp    # the sizes the README quotes

Each benchmark runs in its own process; its progress goes to ``--log`` (stderr by default when
``--verbose``), its JSON line is kept, and the table reads the figures from it: for each
measure the clientops figure, the time ratio clientops / baseline (paired in one run), the time
ratio clientops / floor where the benchmark has a floor, the target and whether it is met.
The last stdout line is one JSON object holding every benchmark's result.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _harness as harness

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"

Row = list[object]


def _inv(x: float | None) -> float | None:
    return None if not x else round(1 / x, 3)


# --------------------------------------------------------------------------- the benchmarks
# name: (script, small-size arguments, full-size arguments, needs PostgreSQL, rows of its JSON)


def rows_calls(r: dict[str, Any]) -> list[Row]:
    return [
        [
            "calls",
            f"{r['n']:,} incoming calls into SQLite",
            f"{r['calls_per_s']['clientops']:,.0f} calls/s",
            "raw sqlite3",
            r["ratio_time_clientops_over_raw"],
            None,
            f"speed >= {r['target_speed_of_raw']} of raw",
            r["meets_target"],
        ]
    ]


def rows_calendar(r: dict[str, Any]) -> list[Row]:
    ratios = r["time_ratio_vs_icalendar"]
    floor = _inv(r["speed_of_floor"])
    per_s = r["events_per_s"]
    return [
        [
            "calendar",
            f"{r['n_events']:,} events → .ics, VTIMEZONE made each time",
            f"{per_s['clientops_cold']['median']:,.0f} events/s",
            "icalendar",
            ratios["clientops_cold"],
            None,
            f"<= {1 / r['target_speedup']:.2f} (10x)",
            r["speedup_vs_icalendar_cold"] >= r["target_speedup"],
        ],
        [
            "calendar",
            f"{r['n_events']:,} events → .ics, VTIMEZONE cached",
            f"{per_s['clientops']['median']:,.0f} events/s",
            "icalendar, zone cached",
            _inv(r["speedup_vs_icalendar_cached_tz"]),
            floor,
            f"<= {1 / r['target_speedup']:.2f} (10x)",
            r["speedup_vs_icalendar_cached_tz"] >= r["target_speedup"],
        ],
    ]


def rows_docs(r: dict[str, Any]) -> list[Row]:
    return [
        [
            "docs",
            "act of completed works .docx (built in the loop)",
            f"{r['docs_per_s']['clientops']:,.0f} docs/s",
            "python-docx",
            r["time_ratio_vs_python_docx"]["clientops"],
            _inv(r["speed_of_floor_prezipped"]),
            f"<= 0.10 and >= {r['targets']['docs_per_s']} docs/s",
            r["meets_target"],
        ],
        [
            "docs",
            "the same against docxtpl",
            f"{r['docs_per_s']['clientops']:,.0f} docs/s",
            "docxtpl",
            round(
                r["time_ratio_vs_python_docx"]["clientops"]
                / r["time_ratio_vs_python_docx"]["docxtpl"],
                3,
            ),
            None,
            None,
            None,
        ],
    ]


def rows_invoices(r: dict[str, Any]) -> list[Row]:
    return [
        [
            "invoices",
            "payment invoice .docx (built in the loop)",
            f"{r['invoices_per_s']['clientops']:,.0f} invoices/s",
            "python-docx",
            _inv(r["speedup_vs_python_docx"]),
            None,
            None,
            None,
        ]
    ]


def rows_serialize(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for step in ("dump", "load"):
        out.append(
            [
                "serialize",
                f"{r['n_cards']:,} client cards, {step} (JSON)",
                f"{r['cards_per_s'][step]['clientops']:,.0f} cards/s",
                "cattrs JSON converter",
                r["ratio_time_clientops_over_cattrs_json"][step],
                r["ratio_time_clientops_over_handwritten"][step],
                f"<= {r['target']}",
                r["ratio_time_clientops_over_cattrs_json"][step] <= r["target"],
            ]
        )
    return out


def rows_agenda(r: dict[str, Any]) -> list[Row]:
    n = r["n_clients"]
    out: list[Row] = []
    for scope, what in (("one", "one manager"), ("all", "everyone")):
        out.append(
            [
                "agenda",
                f"{what}, {n:,} clients (SQLite)",
                f"{r['ms'][scope]['clientops']:,.1f} ms",
                "plain SQL, plain schema",
                r["ratios"][scope],
                r["ratios_vs_floor"][scope],
                "<= 1.0",
                r["ratios"][scope] <= 1.0,
            ]
        )
    ours, theirs = r["builds"]["clientops"], r["builds"]["plain"]
    out.append(
        [
            "agenda",
            f"database of {n:,} clients: size",
            f"{ours['db_bytes'] / 2**20:,.1f} MiB",
            "plain schema",
            r["db_size_ratio"],
            None,
            "<= 2.0",
            r["db_size_ratio"] <= 2.0,
        ]
    )
    if ours.get("rows_per_s") and theirs.get("rows_per_s"):
        out.append(
            [
                "agenda",
                f"database of {n:,} clients: bulk load",
                f"{ours['rows_per_s']:,.0f} rows/s",
                "executemany",
                round(theirs["rows_per_s"] / ours["rows_per_s"], 3),
                None,
                None,
                None,
            ]
        )
    return out


def rows_billing(r: dict[str, Any]) -> list[Row]:
    return [
        [
            "billing",
            f"{r['subscriptions']:,} subscriptions, run with .docx",
            f"{r['run_s']:,.1f} s, {r['peak_rss_kib']['after_run'] / 1024:,.0f} MiB peak",
            "python-docx documents alone",
            _inv(r["ratio_vs_python_docx_documents"]),
            None,
            None,
            None,
        ],
        [
            "billing",
            "rerun that issues nothing",
            f"{r['second_run_s']:,.2f} s",
            "the full run",
            r["second_run_share"],
            None,
            "<= 0.10",
            r["second_run_share"] <= 0.10,
        ],
    ]


def rows_campaign(r: dict[str, Any]) -> list[Row]:
    return [
        [
            "campaign",
            f"next client + outcome, {r['n']:,} cards",
            f"{r['cycles_per_s']['clientops']:,.0f} cycles/s",
            "raw sqlite3",
            r["ratio"],
            None,
            f"<= {r['target_ratio']}",
            r["meets_target"],
        ]
    ]


def rows_timeline(r: dict[str, Any]) -> list[Row]:
    return [
        [
            "timeline",
            f"first page of {r['n_entries']:,} entries",
            f"{r['ms_per_page']['clientops']:,.2f} ms",
            "the same SQL by hand",
            r["ratio_clientops_vs_sql"],
            None,
            f"< {r['target_ms']} ms of SQL",
            r["meets_target"],
        ]
    ]


def rows_upsert(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for store in ("sqlite", "postgresql"):
        if store not in r:
            continue
        s = r[store]
        speed = s["ratio_speed_clientops_over_hand"]
        out.append(
            [
                "upsert",
                f"{s['n']:,} cards upserted by external id ({store})",
                f"{s['rows_per_s']['clientops']:,.0f} rows/s",
                "executemany" if store == "sqlite" else "COPY",
                _inv(speed),
                None,
                "speed >= 0.5",
                speed >= 0.5,
            ]
        )
    return out


def rows_feed(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for store in ("sqlite", "postgresql"):
        if store not in r:
            continue
        s = r[store]
        out.append(
            [
                "feed",
                f"{r['n']:,} events read ({store})",
                f"{s['events_per_s']['clientops']:,.0f} events/s",
                "raw SELECT",
                s["ratio_time_clientops_over_raw"],
                None,
                f">= {r['target_events_per_s']:,} events/s",
                s["target_met"],
            ]
        )
    return out


def rows_planning(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for store in ("sqlite", "postgresql"):
        if store not in r:
            continue
        s = r[store]
        ratio = s["ratio_time_clientops_over_raw"]
        out.append(
            [
                "planning",
                f"the month's report of {s['managers']} managers, {s['orders']:,} orders ({store})",
                f"{s['seconds']['clientops']:,.3f} s",
                "hand-written SQL",
                round(ratio, 3),
                None,
                f"<= {r['target_ratio']}x",
                ratio <= r["target_ratio"],
            ]
        )
    return out


def rows_postgres(r: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    if "import" in r:
        i = r["import"]
        out.append(
            [
                "postgres",
                f"{r['n']:,} clients imported from CSV",
                f"{i['rows_per_s']['clientops']['median']:,.0f} rows/s",
                "psycopg COPY by hand",
                i["ratio_time_clientops_over_hand"],
                None,
                f"< {r['target_ratio']}",
                i["meets_target"],
            ]
        )
    if "agenda" in r:
        a = r["agenda"]
        out.append(
            [
                "postgres",
                f"due reactions, {r['n']:,} clients (same SQL)",
                f"{a['ms']['clientops']['median']:,.2f} ms",
                "clientops's statement by hand",
                a["ratio_time_clientops_over_hand"],
                None,
                "<= 1.2",
                a["ratio_time_clientops_over_hand"] <= 1.2,
            ]
        )
    return out


def rows_statement(r: dict[str, Any]) -> list[Row]:
    return [
        [
            "statement memory",
            f"bank statement of {r['file_bytes'] / 2**20:,.1f} MiB",
            f"{r['peak_bytes'] / 2**20:,.0f} MiB peak",
            "the file's size",
            r["peak_over_file"],
            None,
            None,
            None,
        ]
    ]


def benchmarks(
    work: Path, url: str
) -> dict[str, tuple[str, list[str], list[str], bool, Callable[[dict[str, Any]], list[Row]]]]:
    d = str(work)
    return {
        "calls": (
            "bench_calls.py",
            ["--n", "500", "--repeat", "3", "--dir", d],
            ["--dir", d],
            False,
            rows_calls,
        ),
        "calendar": (
            "bench_calendar.py",
            ["--n", "2000", "--repeat", "3"],
            [],
            False,
            rows_calendar,
        ),
        "docs": (
            "bench_docs.py",
            ["--acts", "16", "--repeat", "3", "--min-time", "0.2"],
            [],
            False,
            rows_docs,
        ),
        "invoices": (
            "bench_invoices.py",
            ["--invoices", "16", "--repeat", "3", "--min-time", "0.2"],
            [],
            False,
            rows_invoices,
        ),
        "serialize": (
            "bench_serialize.py",
            ["--n", "5000", "--repeat", "3"],
            [],
            False,
            rows_serialize,
        ),
        "agenda": (
            "bench_agenda.py",
            ["--n", "20000", "--repeat", "3", "--min-time", "0.1", "--dir", d],
            ["--dir", d],
            False,
            rows_agenda,
        ),
        "billing": (
            "bench_billing.py",
            ["--n", "500", "--sample", "5", "--dir", d],
            ["--dir", d],
            False,
            rows_billing,
        ),
        "campaign": (
            "bench_campaign.py",
            ["--n", "5000", "--campaign", "5000", "--repeat", "3", "--min-time", "0.2", "--dir", d],
            ["--dir", d],
            False,
            rows_campaign,
        ),
        "timeline": (
            "bench_timeline.py",
            ["--n", "2000", "--repeat", "3", "--dir", d],
            ["--dir", d],
            False,
            rows_timeline,
        ),
        "statement": ("bench_statement_memory.py", ["--mib", "2"], [], False, rows_statement),
        "upsert": (
            "bench_upsert.py",
            ["--n", "2000", "--repeat", "2", "--dir", d, "--url", url],
            ["--dir", d, "--url", url],
            True,
            rows_upsert,
        ),
        "feed": (
            "bench_feed.py",
            ["--n", "10000", "--page", "1000", "--repeat", "3", "--dir", d, "--url", url],
            ["--dir", d, "--url", url],
            True,
            rows_feed,
        ),
        "planning": (
            "bench_planning.py",
            ["--repeat", "1", "--dir", d, "--url", url],
            ["--repeat", "3", "--dir", d, "--url", url],
            True,
            rows_planning,
        ),
        "postgres": (
            "bench_postgres.py",
            [
                "--n",
                "2000",
                "--repeat",
                "3",
                "--import-repeat",
                "2",
                "--min-time",
                "0.1",
                "--url",
                url,
            ],
            ["--url", url],
            True,
            rows_postgres,
        ),
    }


def postgres_answers(url: str) -> str | None:
    """None when a PostgreSQL server answers at ``url``, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'clientops[bench]')"
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        return f"no PostgreSQL at the URL ({type(exc).__name__})"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    ap.add_argument("--full", action="store_true", help="each benchmark at its default size")
    ap.add_argument("--only", default="", help="comma-separated names (default: all)")
    ap.add_argument("--url", default=DEFAULT_URL, help=f"the PostgreSQL server ({DEFAULT_URL})")
    ap.add_argument("--dir", type=Path, default=None, help="work files (a new temp dir)")
    ap.add_argument("--verbose", action="store_true", help="show each benchmark's progress")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_all_", dir=args.dir) as tmp:
        table = benchmarks(Path(tmp), args.url)
        names = [n.strip() for n in args.only.split(",") if n.strip()] or list(table)
        unknown = [n for n in names if n not in table]
        if unknown:
            ap.error(f"unknown benchmarks {unknown}; known: {', '.join(table)}")
        no_pg = postgres_answers(args.url) if any(table[n][3] for n in names) else None
        rows: list[Row] = []
        results: dict[str, Any] = {}
        failed = []
        for name in names:
            script, small, full, needs_pg, extract = table[name]
            if needs_pg and no_pg:
                rows.append([name, f"skipped: {no_pg}", None, None, None, None, None, None])
                results[name] = {"skipped": no_pg}
                continue
            command = [sys.executable, str(HERE / script), *(full if args.full else small)]
            harness.log(f"[run_all] {name}: {' '.join(command[1:])}")
            t0 = time.perf_counter()
            done = subprocess.run(
                command,
                stdout=subprocess.PIPE,
                stderr=None if args.verbose else subprocess.PIPE,
                text=True,
                check=False,
            )
            took = time.perf_counter() - t0
            if done.returncode != 0:
                failed.append(name)
                harness.log(f"[run_all] {name} FAILED (exit {done.returncode})")
                if done.stderr:
                    harness.log(done.stderr[-3000:])
                rows.append([name, f"FAILED (exit {done.returncode})", None, None, None, None])
                rows[-1] += [None, False]
                results[name] = {"failed": done.returncode}
                continue
            result = harness.last_json(done.stdout)
            results[name] = result
            rows.extend(extract(result))
            harness.log(f"[run_all] {name}: {took:,.1f} s")
    print(
        harness.table(
            (
                "benchmark",
                "measure",
                "clientops",
                "baseline",
                "time / baseline",
                "time / floor",
                "target",
                "met",
            ),
            rows,
        )
    )
    print(
        "time / baseline and time / floor: medians of per-repeat ratios, paired in one run; "
        + ("full sizes" if args.full else "small sizes (python bench/run_all.py --full for more)")
    )
    harness.emit(
        {"bench": "run_all", "full": args.full, "results": results, "machine": harness.machine()}
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
