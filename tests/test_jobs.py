"""The scheduled jobs (clientops.jobs): when each is due, done once per date, a failure
recorded and retried, missed days caught up, plugin jobs; ``clientops run-due`` and its JSON
shape; several ``clientops run-due`` processes at once on SQLite and PostgreSQL never run a job
twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

import clientops
from clientops import ClientId, ClientOps, EmployeeId, PluginHost, Policy, hookimpl
from clientops.adapters.memory import MemoryStorage
from clientops.billing import Month
from clientops.cli import EXIT_BACKEND, EXIT_BAD_INPUT, EXIT_OK, cli
from clientops.errors import ConfigurationError, PluginError, ValidationError
from clientops.jobs import (
    DEFAULT_JOBS,
    Cadence,
    Job,
    JobPolicy,
    JobResult,
    JobStatus,
    department_jobs,
    due_dates,
    job_runs,
    run_due,
    run_job,
)
from clientops.rules.jobs import billing_due, every_day_due, working_day_due
from clientops.testing import a_client, a_staff, a_subscription

WORKERS = Path(__file__).parent / "workers"
POLICY = Policy()


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Clock:
    def __init__(self, day: date) -> None:
        self.now = at(day)

    def __call__(self) -> datetime:
        return self.now

    def go(self, day: date) -> None:
        self.now = at(day)


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2026, 11, 13))


@pytest.fixture
def ops(clock: Clock) -> Iterator[ClientOps]:
    with ClientOps(MemoryStorage(), host=PluginHost(entry_points=False), clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def subscribe(ops: ClientOps) -> ClientId:
    """A client of anna's with a subscription: billed once a month."""
    card = ops.clients.add(a_client(city="Москва", manager_id=EmployeeId("anna")))
    ops.billing.add_subscription(a_subscription(card))
    return card.id


def recorder(name: str, seen: list[date], *, due: Any = every_day_due, **more: Any) -> Job:
    def act(ops: ClientOps, day: date) -> str:
        seen.append(day)
        return f"{name} {day.isoformat()}"

    return Job(name, name, due, act, **more)


# --------------------------------------------------------------------------- due rules


@pytest.mark.parametrize(
    ("day", "billing", "working"),
    [
        (date(2026, 11, 13), True, True),  # the 15th is a Sunday: billed on Friday the 13th
        (date(2026, 11, 15), False, False),
        (date(2026, 10, 15), True, True),
        (date(2026, 11, 4), False, False),  # National Unity Day
        (date(2026, 11, 20), False, True),
        (date(2027, 1, 15), True, True),
    ],
)
def test_the_department_jobs_are_due_by_the_production_calendar(
    day: date, billing: bool, working: bool
) -> None:
    assert billing_due(day, POLICY) is billing
    assert working_day_due(day, POLICY) is working
    assert every_day_due(day, POLICY) is True


def test_the_billing_day_follows_the_policy() -> None:
    policy = attrs.evolve(POLICY, billing=attrs.evolve(POLICY.billing, billing_day=10))
    assert billing_due(date(2026, 11, 10), policy)
    assert not billing_due(date(2026, 11, 13), policy)


def test_the_department_jobs_are_one_definition() -> None:
    names = [job.name for job in DEFAULT_JOBS]
    assert names == ["billing", "reminders", "satisfaction", "planning", "supply", "sla", "outbox"]
    by_name = {job.name: job for job in DEFAULT_JOBS}
    assert by_name["billing"].catch_up
    assert by_name["billing"].cadence is Cadence.DAILY
    assert not by_name["reminders"].catch_up
    assert by_name["outbox"].cadence is by_name["sla"].cadence is Cadence.EVERY_RUN


def test_bad_job_definitions_are_refused() -> None:
    with pytest.raises(ValidationError, match="name"):
        Job("Billing!", "x", every_day_due, lambda ops, day: None)
    with pytest.raises(ValidationError, match="catch_up_days"):
        JobPolicy(catch_up_days=-1)
    with pytest.raises(ValidationError, match="lease"):
        JobPolicy(lease=timedelta(0))


# --------------------------------------------------------------------------- run_due


def test_billing_runs_on_the_billing_day_once(ops: ClientOps, clock: Clock) -> None:
    client = subscribe(ops)
    first = run_due(ops)
    assert [(o.job, o.result) for o in first.outcomes] == [
        ("billing", JobResult.DONE),
        ("reminders", JobResult.DONE),
        ("satisfaction", JobResult.DONE),
        ("planning", JobResult.DONE),
        ("supply", JobResult.DONE),
        ("sla", JobResult.DONE),
        ("outbox", JobResult.DONE),
    ]
    assert "выставлено 1" in first.outcomes[0].summary
    again = run_due(ops)  # every few minutes: the daily jobs are done, the others run again
    assert [o.job for o in again.outcomes] == ["sla", "outbox"]
    (billing,) = [r for r in job_runs(ops, date(2026, 11, 13)) if r.job == "billing"]
    assert (billing.status, billing.attempts) == (JobStatus.DONE, 1)
    assert len(ops.billing.invoices_of(client)) == 1


def test_missed_days_are_caught_up_within_the_window_only_for_jobs_that_catch_up(
    ops: ClientOps, clock: Clock
) -> None:
    client = subscribe(ops)
    clock.go(date(2026, 11, 17))  # the server was down on Friday the 13th
    report = run_due(ops)
    ran = [(o.job, o.day.day) for o in report.outcomes if o.job in ("billing", "reminders")]
    assert ran == [("billing", 13), ("reminders", 17)]  # yesterday's reminders are pointless
    (invoice,) = ops.billing.invoices_of(client)
    assert invoice.issue_date == date(2026, 11, 13)
    clock.go(date(2026, 12, 10))  # 27 days later: outside the 7-day window
    seen: list[date] = []
    old = recorder("old", seen, due=lambda day, policy: day == date(2026, 11, 20))
    assert run_due(ops, jobs=(old,)).outcomes == ()
    assert seen == []


def test_a_failing_job_is_recorded_failed_and_run_again_never_done(
    ops: ClientOps, clock: Clock
) -> None:
    attempts: list[date] = []

    def flaky(ops: ClientOps, day: date) -> str:
        attempts.append(day)
        if len(attempts) < 3:
            raise RuntimeError("нет связи с postgresql://crm:s3cret@db/crm")
        return "ok"

    job = Job("flaky", "Сбой", every_day_due, flaky, catch_up=False)
    other: list[date] = []
    for expected in (1, 2):
        report = run_due(ops, jobs=(job, recorder("other", other)))
        (failed,) = report.failed
        assert (failed.job, failed.attempts) == ("flaky", expected)
        assert "s3cret" not in (failed.error or "")
        assert "RuntimeError" in (failed.error or "")
        (run,) = [r for r in job_runs(ops, date(2026, 11, 13)) if r.job == "flaky"]
        assert (run.status, run.attempts) == (JobStatus.FAILED, expected)
    assert other == [date(2026, 11, 6 + i) for i in range(8)]  # a failure stops no other job
    assert run_due(ops, jobs=(job,)).ok
    (run,) = [r for r in job_runs(ops, date(2026, 11, 13)) if r.job == "flaky"]
    assert (run.status, run.attempts, run.summary, run.error) == (JobStatus.DONE, 3, "ok", None)
    assert run_due(ops, jobs=(job,)).outcomes == ()
    assert len(attempts) == 3


def test_a_job_held_by_another_runner_is_left_to_it(ops: ClientOps, clock: Clock) -> None:
    seen: list[date] = []
    job = recorder("x", seen)
    today = date(2026, 11, 13)
    with ops.storage.unit_of_work() as uow:
        uow.jobs.claim("x", today, owner="other", now=clock.now, lease=timedelta(hours=1))  # type: ignore[attr-defined]
    assert run_job(ops, job, today, owner="me").result is JobResult.BUSY
    clock.now += timedelta(hours=1)  # the other runner died: its lease has run out
    outcome = run_job(ops, job, today, owner="me")
    assert (outcome.result, outcome.attempts) == (JobResult.DONE, 2)
    assert run_job(ops, job, today, owner="third").result is JobResult.ALREADY_DONE
    assert seen == [today]


def test_a_job_whose_lease_ran_out_meanwhile_is_not_recorded_done(
    ops: ClientOps, clock: Clock
) -> None:
    def slow(ops: ClientOps, day: date) -> str:
        clock.now += timedelta(hours=2)
        with ops.storage.unit_of_work() as uow:  # another runner takes it over meanwhile
            uow.jobs.claim("slow", day, owner="b", now=clock.now, lease=timedelta(hours=1))  # type: ignore[attr-defined]
        return "done late"

    outcome = run_job(ops, Job("slow", "Долго", every_day_due, slow), clock.now.date(), owner="a")
    assert outcome.result is JobResult.LOST_LEASE
    (run,) = job_runs(ops, clock.now.date())
    assert (run.owner, run.status) == ("b", JobStatus.RUNNING)


def test_due_dates_list_what_is_due_and_not_done(ops: ClientOps) -> None:
    pairs = due_dates(ops, DEFAULT_JOBS, date(2026, 11, 16))
    assert [(j.name, d.day) for j, d in pairs] == [
        ("billing", 13),
        ("reminders", 16),
        ("satisfaction", 16),
        ("planning", 16),
        ("supply", 16),
        ("sla", 16),
        ("outbox", 16),
    ]


def test_plugins_add_jobs_and_a_name_is_taken_once(clock: Clock) -> None:
    seen: list[date] = []

    class Mine:
        @hookimpl
        def clientops_register_jobs(self, register: Any) -> None:
            register(recorder("mine", seen))

    host = PluginHost(entry_points=False)
    host.register(Mine(), name="mine")
    with ClientOps(MemoryStorage(), host=host, clock=clock) as ops:
        assert [j.name for j in department_jobs(ops.context.host)][-1] == "mine"
        run_due(ops)
    assert date(2026, 11, 13) in seen

    class Clash:
        @hookimpl
        def clientops_register_jobs(self, register: Any) -> None:
            register(recorder("billing", seen))

    host = PluginHost(entry_points=False)
    host.register(Clash(), name="clash")
    with pytest.raises(PluginError, match="'billing' is defined twice"):
        department_jobs(host)

    class NotAJob:
        @hookimpl
        def clientops_register_jobs(self, register: Any) -> None:
            register("billing")

    host = PluginHost(entry_points=False)
    host.register(NotAJob(), name="bad")
    with pytest.raises(PluginError, match=r"not a clientops\.jobs\.Job"):
        host.jobs()


def test_a_store_without_a_record_of_runs_cannot_run_jobs(clock: Clock) -> None:
    class NoJobs:
        name = "nojobs"

        def __init__(self) -> None:
            self.inner = MemoryStorage()

        def unit_of_work(self, *, readonly: bool = False) -> Any:
            return _Without(self.inner.unit_of_work(readonly=readonly))

        def close(self) -> None:
            self.inner.close()

    with (
        ClientOps(NoJobs(), host=PluginHost(entry_points=False), clock=clock) as ops,  # type: ignore[arg-type]
        pytest.raises(ConfigurationError, match="keeps no record of job runs"),
    ):
        run_due(ops)


class _Without:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __enter__(self) -> Any:
        uow = self.inner.__enter__()
        return type("Uow", (), {"outbox": uow.outbox, "clients": uow.clients})()

    def __exit__(self, *exc: Any) -> Any:
        return self.inner.__exit__(*exc)


# --------------------------------------------------------------------------- the command


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    with clientops.connect(url) as ops:
        ops.clients.add_staff(a_staff())
        subscribe(ops)
    return url


def invoke(url: str, *args: str) -> Any:
    return CliRunner(env={"CLIENTOPS_STORE": None, "CLIENTOPS_LANG": None}).invoke(
        cli, ["--store", url, *args]
    )


def test_run_due_prints_one_json_document_of_the_documented_shape(store: str) -> None:
    day = Month.parse("2026-10").day(15)
    result = invoke(store, "--json", "run-due", "--date", day.isoformat())
    assert result.exit_code == EXIT_OK, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"today", "ok", "jobs"}
    assert (doc["today"], doc["ok"]) == ("2026-10-15", True)
    for row in doc["jobs"]:
        assert set(row) == {"job", "day", "result", "attempts", "summary", "error"}
    assert [(r["job"], r["day"], r["result"]) for r in doc["jobs"]][:2] == [
        ("billing", "2026-10-15", "done"),
        ("reminders", "2026-10-15", "done"),
    ]
    again = json.loads(invoke(store, "--json", "run-due", "--date", "2026-10-15").stdout)
    assert [r["job"] for r in again["jobs"]] == ["sla", "outbox"]


def test_run_due_says_what_it_did_in_russian_and_english(store: str) -> None:
    result = invoke(store, "run-due", "--date", "2026-10-15")
    assert result.exit_code == EXIT_OK, result.output
    assert (
        "2026-10-15 billing (Выставление счетов за месяц): выполнено — Счета за октябрь 2026\xa0г."
        in (result.stdout)
    )
    assert "Заданий выполнено: 7, с ошибкой: 0." in result.stdout
    english = invoke(store, "--lang", "en", "run-due", "--date", "2026-10-16")
    assert "Jobs run: 6, failed: 0." in english.stdout


def test_run_due_exits_3_when_a_job_failed_and_0_once_it_is_done(
    store: str, tmp_path: Path
) -> None:
    future = (date.today() + timedelta(days=40)).replace(day=15)
    while not billing_due(future, POLICY):
        future += timedelta(days=1)
    result = invoke(store, "--json", "run-due", "--date", future.isoformat())
    assert result.exit_code == EXIT_BACKEND, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    (billing,) = [r for r in doc["jobs"] if r["job"] == "billing"]
    assert billing["result"] == "failed"
    assert "in the future" in billing["error"]
    assert "Traceback" not in result.output


def test_run_due_bad_input_is_one_line(store: str) -> None:
    result = invoke(store, "run-due", "--date", "15.11.2026")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "Traceback" not in result.output
    result = invoke(store, "worker")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "PostgreSQL" in result.stderr


# --------------------------------------------------------------------------- processes


def plugin_env(tmp_path: Path, **more: str) -> dict[str, str]:
    """The environment of a ``clientops`` process that loads tests/workers/jobs_plugin.py
    from the ``clientops`` entry-point group, as an installed plugin would be."""
    site = tmp_path / "site"
    info = site / "clientops_test_jobs-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: clientops-test-jobs\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text("[clientops]\ntest_jobs = jobs_plugin\n", "utf-8")
    src = Path(clientops.__file__).parents[1]
    path = [str(site), str(WORKERS), str(src), os.environ.get("PYTHONPATH", "")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTOPS_")}
    env.update(
        PYTHONPATH=os.pathsep.join(p for p in path if p),
        CLIENTOPS_TEST_EFFECTS=str(tmp_path / "effects.txt"),
        **more,
    )
    return env


def effects(tmp_path: Path) -> Counter[tuple[str, str]]:
    path = tmp_path / "effects.txt"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return Counter((name, day) for name, day, _ in (line.split() for line in lines))


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    with clientops.connect(url, host=PluginHost(entry_points=False)) as ops:
        ops.clients.add_staff(a_staff())
        subscribe(ops)
    return url


def test_run_due_processes_at_once_never_run_a_job_twice(shared_store: str, tmp_path: Path) -> None:
    env = plugin_env(tmp_path, CLIENTOPS_TEST_DELAY="0.05")
    day = "2026-10-15"  # the billing day; the window reaches back to 8 October
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "clientops", "--store", shared_store, "--json"),
                *("run-due", "--date", day),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    done: Counter[tuple[str, str]] = Counter()
    codes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        codes.append(proc.returncode)
        assert "Traceback" not in err, err
        for row in json.loads(out)["jobs"]:
            if row["result"] == "done" and row["job"] not in ("sla", "outbox"):
                done[(row["job"], row["day"])] += 1
    assert set(codes) <= {EXIT_OK, EXIT_BACKEND}  # flaky fails at its first attempt
    counted = effects(tmp_path)
    days = [f"2026-10-{d:02d}" for d in range(8, 16)]
    assert {k: v for k, v in counted.items() if k[0] == "count"} == {("count", d): 1 for d in days}
    assert done[("billing", day)] == 1
    assert all(n == 1 for n in done.values()), done
    with clientops.connect(shared_store, host=PluginHost(entry_points=False)) as ops:
        runs = {
            (r.job, r.day.isoformat()): r
            for r in job_runs(ops, date(2026, 10, 8), date(2026, 10, 15))
        }
        (card,) = ops.clients.find(name="Ромашка")
        assert len(ops.billing.invoices_of(card.id)) == 1
    assert all(runs[("count", d)].status is JobStatus.DONE for d in days)
    assert runs[("billing", day)].attempts == 1


def test_jobs_shows_what_each_job_did_on_a_day(store: str) -> None:
    invoke(store, "run-due", "--date", "2026-10-15")
    result = invoke(store, "--json", "jobs", "--date", "2026-10-15")
    assert result.exit_code == EXIT_OK, result.output
    doc = json.loads(result.stdout)
    assert doc["day"] == "2026-10-15"
    rows = {row["job"]: row for row in doc["jobs"]}
    assert list(rows) == [
        "billing",
        "reminders",
        "satisfaction",
        "planning",
        "supply",
        "sla",
        "outbox",
    ]
    for row in rows.values():
        assert set(row) == {
            "job",
            "title",
            "cadence",
            "due",
            "status",
            "attempts",
            "summary",
            "error",
        }
    assert (rows["billing"]["status"], rows["billing"]["attempts"]) == ("done", 1)
    assert rows["billing"]["summary"].startswith("Счета за октябрь 2026\xa0г.: выставлено 1")
    assert (rows["outbox"]["cadence"], rows["outbox"]["status"]) == ("every_run", None)
    text = invoke(store, "jobs", "--date", "2026-10-16").stdout
    assert "billing (Выставление счетов за месяц): не в этот день" in text
    assert "reminders (Звонки-напоминания об оплате): не выполнялось" in text
