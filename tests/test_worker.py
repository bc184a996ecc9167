"""``clientops worker`` against the real PostgreSQL: four worker processes run every job of a
simulated month exactly once, including across a worker killed with SIGKILL in the middle of
a job; SIGTERM lets a worker finish its task and stop.

The month is simulated by deferring the worker's own periodic task, ``clientops.tick``, with
the timestamps of its days (what procrastinate's periodic deferrer does every minute with the
current one): the same code decides what is due and runs it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import procrastinate
import pytest
from tests.test_jobs import effects, plugin_env, subscribe

import clientops
from clientops import PluginHost, Policy
from clientops._worker import QUEUE, TICK, ensure_schema, queue_conninfo
from clientops.jobs import JobStatus, job_runs
from clientops.rules.jobs import billing_due, working_day_due
from clientops.testing import a_staff

HERE = Path(__file__).parent
POLICY = Policy()
MONTH = [date(2025, 3, 1) + timedelta(days=n) for n in range(31)]
#: the tick of 1 March catches up the week before it
FIRST = date(2025, 2, 22)


def expected_runs() -> set[tuple[str, date]]:
    """The daily jobs the ticks of March 2025 run: by their rules, with the catch-up window."""
    span = [FIRST + timedelta(days=n) for n in range((MONTH[-1] - FIRST).days + 1)]
    runs = {("count", d) for d in span}
    runs |= {("flaky", d) for d in MONTH if d.day in (1, 15)}
    runs |= {("billing", d) for d in span if billing_due(d, POLICY)}
    runs |= {
        (name, d)
        for d in MONTH
        if working_day_due(d, POLICY)
        for name in ("reminders", "satisfaction", "planning", "supply")
    }
    return runs


def tick_at(day: date) -> int:
    return int(
        datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Europe/Moscow")).timestamp()
    )


class Queue:
    """The test's own connection to the queue: defers ticks as the periodic deferrer would."""

    def __init__(self, url: str) -> None:
        conninfo, schema = queue_conninfo(url)
        self.app = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(
                conninfo=conninfo,
                kwargs={"options": f"-c search_path={schema}"},
                min_size=1,
                max_size=2,
            )
        )
        self.app.open()

    def tick(self, days: list[date]) -> None:
        for day in days:
            self.app.configure_task(TICK, queue=QUEUE).defer(timestamp=tick_at(day))

    def close(self) -> None:
        self.app.close()


@pytest.fixture
def store(postgres_url: str) -> str:
    with clientops.connect(postgres_url, host=PluginHost(entry_points=False)) as ops:
        ops.clients.add_staff(a_staff())
        subscribe(ops)
    ensure_schema(postgres_url)
    return postgres_url


def start(url: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "clientops", "--store", url, "worker"),
                *("--heartbeat", "0.5", "--stalled-after", "2", "--retry-wait", "0"),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def done_runs(url: str) -> dict[tuple[str, date], tuple[JobStatus, int]]:
    with clientops.connect(url, host=PluginHost(entry_points=False)) as ops:
        return {(r.job, r.day): (r.status, r.attempts) for r in job_runs(ops, FIRST, MONTH[-1])}


def wait_for(path: Path, procs: list[subprocess.Popen[bytes]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert all(p.poll() is None for p in procs), "a worker stopped"
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.05)


def stop(procs: list[subprocess.Popen[bytes]]) -> list[int | None]:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(timeout=20))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes.append(None)
    return codes


def test_four_workers_run_every_job_of_a_month_once_across_a_killed_worker(
    store: str, tmp_path: Path
) -> None:
    marker = tmp_path / "slow.pid"
    env = plugin_env(
        tmp_path,
        CLIENTOPS_TEST_SLOW_DAY="2025-03-10",
        CLIENTOPS_TEST_MARKER=str(marker),
        CLIENTOPS_TEST_SLOW="120",
    )
    log = tmp_path / "workers.log"
    procs = [start(store, env, log) for _ in range(4)]
    queue = Queue(store)
    try:
        queue.tick(MONTH)
        wait_for(marker, procs, 30)
        victim = int(marker.read_text())
        (killed,) = [p for p in procs if p.pid == victim]
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=10) == -signal.SIGKILL
        expected = expected_runs()
        deadline = time.monotonic() + 40
        while True:  # the clock goes on: ticks every "minute" again, as cron would
            time.sleep(1.5)
            runs = done_runs(store)
            if all(runs.get(key, (None, 0))[0] is JobStatus.DONE for key in expected):
                break
            assert time.monotonic() < deadline, sorted(
                k for k in expected if k not in runs or runs[k][0] is not JobStatus.DONE
            )
            queue.tick(MONTH[9:17])
    finally:
        queue.close()
        codes = stop(procs)
    assert [c for p, c in zip(procs, codes, strict=True) if p is not killed] == [0, 0, 0], (
        log.read_text()
    )
    assert {k for k, v in runs.items()} == expected
    # one claim per job and day, plus one per failed attempt the workers logged (flaky's
    # first ones; and days run at once may race on one record of the month, a retry makes
    # up for it) and the one the killed worker held
    failures = Counter(
        (name, date.fromisoformat(day))
        for name, day in re.findall(r"job (\S+) for (\S+) failed \(attempt", log.read_text())
    )
    assert failures[("flaky", date(2025, 3, 1))] == failures[("flaky", date(2025, 3, 15))] == 1
    failures[("count", date(2025, 3, 10))] += 1
    assert {k: n for k, (_, n) in runs.items()} == {k: 1 + failures[k] for k in expected}
    month = {
        k: n
        for k, n in effects(tmp_path).items()
        if FIRST.isoformat() <= k[1] <= MONTH[-1].isoformat()
    }
    assert month == Counter(
        {(name, d.isoformat()): 1 for name, d in expected if name in ("count", "flaky")}
    )
    with clientops.connect(store, host=PluginHost(entry_points=False)) as ops:
        (card,) = ops.clients.find(name="Ромашка")
        (invoice,) = ops.billing.invoices_of(card.id)
    assert invoice.issue_date == date(2025, 3, 14)  # the 15th is a Saturday


def test_sigterm_lets_a_worker_finish_its_task_and_stop(store: str, tmp_path: Path) -> None:
    marker = tmp_path / "slow.pid"
    env = plugin_env(
        tmp_path,
        CLIENTOPS_TEST_SLOW_DAY="2025-03-03",
        CLIENTOPS_TEST_MARKER=str(marker),
        CLIENTOPS_TEST_SLOW="2",
    )
    log = tmp_path / "worker.log"
    (worker,) = procs = [start(store, env, log)]
    queue = Queue(store)
    try:
        queue.tick([date(2025, 3, 3)])
        wait_for(marker, procs, 30)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, log.read_text()
    finally:
        queue.close()
        stop(procs)
    status, attempts = done_runs(store)[("count", date(2025, 3, 3))]
    assert (status, attempts) == (JobStatus.DONE, 1)
    assert effects(tmp_path)[("count", "2025-03-03")] == 1
    text = log.read_text()
    assert text.index("job count for 2025-03-03 done") < text.index("Worker остановлен")
