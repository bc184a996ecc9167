"""The department's recurring jobs, defined once, and the runner that runs the due ones.

A :class:`Job` is a name, a rule saying whether it is due on a date (from the policy and its
production calendar) and an action for that date, idempotent for the date. The department's
own are :data:`DEFAULT_JOBS`:

========================  ==================================  ============  ==========
job                       due                                 cadence       catch up
========================  ==================================  ============  ==========
``billing``               the month's billing date (the 15th  daily         yes
                          or the working day the policy's
                          weekend rule gives)
``reminders``             every working day (a client's calls daily         no
                          start on the 20th of its invoice's
                          month)
``satisfaction``          every working day                   daily         no
``planning``              every working day                   daily         no
``supply``                every working day                   daily         no
``sla``                   every day                           every run     —
``outbox``                every day                           every run     —
========================  ==================================  ============  ==========

Plugins add theirs with the ``clientops_register_jobs`` hook, a script passes its own to
:func:`run_due`. A daily job runs once per date: :func:`run_job` claims the date's record in
the store (``uow.jobs``, unique per job and date), runs the action and records it done; a job
that raises is recorded failed and runs again on the next call, never recorded done. Two
runners at once (two ``clientops run-due`` from cron, several ``clientops worker``) never run
one job for one date twice.

    >>> import clientops
    >>> from datetime import date
    >>> from clientops.testing import T0
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> seen = []
    >>> def mondays(day, policy):
    ...     return day.weekday() == 0
    >>> hello = Job("hello", "Привет", mondays, lambda ops, day: seen.append(day))
    >>> [(o.day.day, o.result.value) for o in run_due(ops, jobs=(hello,)).outcomes]
    [(16, 'done'), (23, 'done')]
    >>> run_due(ops, jobs=(hello,)).outcomes  # done for both Mondays: never again
    ()
    >>> seen  # today (Monday, 23 June 2025) and last Monday, caught up
    [datetime.date(2025, 6, 16), datetime.date(2025, 6, 23)]
    >>> ops.close()
"""

from __future__ import annotations

import enum
import logging
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

import attrs

from clientops import _redact, _rehome
from clientops._formats import full_date
from clientops._job_spec import Job, JobAction, JobDue
from clientops._jobs import Cadence, JobPolicy, JobRun, JobStatus
from clientops.billing import Month
from clientops.errors import ConfigurationError, PluginError
from clientops.host import PluginHost
from clientops.planning import Planning
from clientops.ports import JobRunsRepository, UnitOfWork
from clientops.rules.jobs import billing_due, every_day_due, working_day_due
from clientops.services import ClientOps
from clientops.supply import Supply

__all__ = [
    "DEFAULT_JOBS",
    "Cadence",
    "DueRun",
    "Job",
    "JobAction",
    "JobDue",
    "JobOutcome",
    "JobPolicy",
    "JobResult",
    "JobRun",
    "JobStatus",
    "department_jobs",
    "due_dates",
    "job_runs",
    "run_due",
    "run_job",
    "runner_name",
]

logger = logging.getLogger("clientops.jobs")


# --------------------------------------------------------------------------- the jobs


def _billing(ops: ClientOps, day: date) -> str:
    """The month's invoices, dated ``day`` (the billing date; later when caught up)."""
    return ops.billing.run(Month.of(day), issue_date=day).summary()


def _reminders(ops: ClientOps, day: date) -> str:
    done = ops.billing.reminders(day)
    return f"Звонков-напоминаний об оплате на {full_date(day)}: {len(done.reactions)}."


def _satisfaction(ops: ClientOps, day: date) -> str:
    due = ops.claims.satisfaction_calls_due(day)
    managers = len({d.manager_id for d in due})
    return f"Звонков по удовлетворённости на {full_date(day)}: {len(due)} (менеджеров: {managers})."


def _planning(ops: ClientOps, day: date) -> str:
    """The plans and reports owed the director and missed by ``day``, escalated once each,
    in every department that keeps its plans in clientops (some plan or report of these
    months is stored); a department that does not plan here is left alone."""
    planning = Planning(ops)
    told = 0
    for department in ops.clients.staff().departments:
        owed = planning.deadlines(day, department=department.id)
        if any(d.state is not None for d in owed):
            told += len(planning.escalate_missed(day, department=department.id))
    return f"Просроченных планов и отчётов, о которых сообщено руководству: {told}."


def _supply(ops: ClientOps, day: date) -> str:
    """The couriers' balances read and kept for the agenda (the context's courier; a script
    with couriers of its own runs ``Supply(ops, couriers=…).record_balances()`` itself),
    then the day's supply items counted: they are on the agenda as long as they are due,
    nothing is made for them, so a second run changes nothing. A store that keeps no
    supply records is left alone."""
    with ops.context.storage.unit_of_work(readonly=True) as uow:
        if getattr(uow, "supply", None) is None:
            return "Поставки в этом хранилище не ведутся."
    supply = Supply(ops)
    low = supply.record_balances()
    due = supply.due(day)
    return (
        f"Сроков и сигналов поставок на {full_date(day)}: {len(due)}; "
        f"курьерских счетов с низким балансом: {len(low)}."
    )


def _sla(ops: ClientOps, day: date) -> str:
    now = ops.context.now()
    end = datetime.combine(day + timedelta(days=1), time(), ops.policy.tz)
    check = ops.service.check_visit_sla(min(now, end))
    return (
        f"Просроченных аварийных выездов: {len(check.breaches)}, "
        f"новых эскалаций: {len(check.escalated)}."
    )


def _outbox(ops: ClientOps, day: date) -> str:
    del day
    delivered = retried = dead = 0
    while True:
        report = ops.outbox.deliver(limit=100)
        delivered += len(report.delivered)
        retried += len(report.retried)
        dead += len(report.dead)
        taken = len(report.delivered) + len(report.retried) + len(report.dead)
        if taken + len(report.lost_lease) < 100:
            break
    return f"Доставлено: {delivered}, отложено: {retried}, не доставлено совсем: {dead}."


#: The department's own jobs, in the order they run on a day (billing before the reminders
#: that read its invoices).
DEFAULT_JOBS: tuple[Job, ...] = (
    Job("billing", "Выставление счетов за месяц", billing_due, _billing),
    Job(
        "reminders",
        "Звонки-напоминания об оплате",
        working_day_due,
        _reminders,
        catch_up=False,
    ),
    Job(
        "satisfaction",
        "Обход клиентов: звонки по удовлетворённости",
        working_day_due,
        _satisfaction,
        catch_up=False,
    ),
    Job(
        "planning",
        "Сроки планов и отчётов директору",
        working_day_due,
        _planning,
        catch_up=False,
    ),
    Job(
        "supply",
        "Сроки поставок, цены поставщиков, балансы курьеров",
        working_day_due,
        _supply,
        catch_up=False,
    ),
    Job("sla", "Проверка сроков аварийных выездов", every_day_due, _sla, cadence=Cadence.EVERY_RUN),
    Job("outbox", "Доставка исходящих", every_day_due, _outbox, cadence=Cadence.EVERY_RUN),
)


def department_jobs(host: PluginHost | None = None, extra: Iterable[Job] = ()) -> tuple[Job, ...]:
    """:data:`DEFAULT_JOBS`, then the jobs the plugins of ``host`` register
    (``clientops_register_jobs``), then ``extra``. A name taken twice raises PluginError."""
    jobs = list(DEFAULT_JOBS)
    if host is not None:
        jobs += host.jobs().values()
    jobs += extra
    seen: set[str] = set()
    for job in jobs:
        if job.name in seen:
            raise PluginError(f"scheduled job {job.name!r} is defined twice")
        seen.add(job.name)
    return tuple(jobs)


# --------------------------------------------------------------------------- the runner


class JobResult(enum.Enum):
    """What one attempt to run a job for a date came to."""

    #: it ran now and is recorded done (an every-run job: it ran)
    DONE = "done"
    #: it raised: recorded failed, runs again on the next call
    FAILED = "failed"
    #: another runner did it meanwhile
    ALREADY_DONE = "already_done"
    #: another runner holds it now (its lease runs)
    BUSY = "busy"
    #: it ran, but its lease ran out meanwhile and another runner took it over: not recorded
    LOST_LEASE = "lost_lease"


@attrs.frozen
class JobOutcome:
    """One job for one date: its :class:`JobResult`, the attempt (1 for the first; 0 when it
    was not run), what it did (``summary``) or why it failed (``error``)."""

    job: str
    day: date
    result: JobResult
    attempts: int = 0
    summary: str = ""
    error: str | None = None


@attrs.frozen
class DueRun:
    """What :func:`run_due` did for ``today``: the outcomes of the jobs it ran, by day, then in
    the jobs' order (the ones done earlier are not listed)."""

    today: date
    outcomes: tuple[JobOutcome, ...]

    @property
    def failed(self) -> tuple[JobOutcome, ...]:
        return tuple(o for o in self.outcomes if o.result is JobResult.FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed


def runner_name(prefix: str = "run-due") -> str:
    """A name for one runner, unique across machines: ``prefix:host:pid:random``."""
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _repository(uow: UnitOfWork, store: str) -> JobRunsRepository:
    jobs: JobRunsRepository | None = getattr(uow, "jobs", None)
    if jobs is None:
        raise ConfigurationError(
            f"the {store} store keeps no record of job runs (uow.jobs): it cannot run "
            "scheduled jobs"
        )
    return jobs


def job_runs(ops: ClientOps, first: date, last: date | None = None) -> tuple[JobRun, ...]:
    """The stored runs of the days ``first`` to ``last`` (``first``), by day, then job."""
    with ops.storage.unit_of_work(readonly=True) as uow:
        return _repository(uow, ops.storage.name).runs(first, last or first)


def _error(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return _redact.message(text)[:1000]


def _act(ops: ClientOps, job: Job, day: date) -> str:
    said = job.action(ops, day)
    return "" if said is None else str(said)


def run_job(ops: ClientOps, job: Job, day: date, *, owner: str | None = None) -> JobOutcome:
    """Run ``job`` for ``day`` unless it is done for it or another runner holds it.

    A daily job is claimed in the store first (``uow.jobs``: one record per job and date,
    held by ``owner`` for ``Policy.jobs.lease``), then its action runs outside any unit of
    work, then the record is marked done, or failed with the error when the action raised
    (the next call runs it again). ``owner`` names the runner (:func:`runner_name` by
    default); a runner that claims again what it holds (a worker's task retried after a
    crash) takes it back. An every-run job just runs. Never raises for the job's own failure:
    the outcome says it, and the ``clientops.jobs`` logger logs it."""
    if job.cadence is Cadence.EVERY_RUN:
        try:
            summary = _act(ops, job, day)
        except Exception as exc:  # a job's failure is its outcome, logged and retried
            failure = _error(exc)
            logger.warning("job %s for %s failed: %s", job.name, day.isoformat(), failure)
            return JobOutcome(job.name, day, JobResult.FAILED, 1, error=failure)
        logger.info("job %s for %s: %s", job.name, day.isoformat(), summary)
        return JobOutcome(job.name, day, JobResult.DONE, 1, summary=summary)
    owner = owner or runner_name()
    lease = ops.policy.jobs.lease
    with ops.storage.unit_of_work() as uow:
        repository = _repository(uow, ops.storage.name)
        run = repository.claim(job.name, day, owner=owner, now=ops.context.now(), lease=lease)
        if run is None:
            found = repository.get(job.name, day)
    if run is None:
        busy = found is not None and found.status is JobStatus.RUNNING
        result = JobResult.BUSY if busy else JobResult.ALREADY_DONE
        logger.debug("job %s for %s: %s", job.name, day.isoformat(), result.value)
        return JobOutcome(job.name, day, result, found.attempts if found else 0)
    if run.attempts > 1:
        logger.info("job %s for %s: attempt %d", job.name, day.isoformat(), run.attempts)
    status, summary = JobStatus.DONE, ""
    error: str | None = None
    try:
        summary = _act(ops, job, day)
    except Exception as exc:  # recorded failed, run again next time
        status, error = JobStatus.FAILED, _error(exc)
    with ops.storage.unit_of_work() as uow:
        kept = _repository(uow, ops.storage.name).finish(
            job.name,
            day,
            owner=owner,
            attempts=run.attempts,
            status=status,
            now=ops.context.now(),
            summary=summary,
            error=error,
        )
    if not kept:
        logger.warning(
            "job %s for %s: the lease ran out and another runner took it over; its outcome "
            "is not recorded",
            job.name,
            day.isoformat(),
        )
        return JobOutcome(job.name, day, JobResult.LOST_LEASE, run.attempts, summary, error)
    if status is JobStatus.FAILED:
        logger.warning(
            "job %s for %s failed (attempt %d), will be retried: %s",
            job.name,
            day.isoformat(),
            run.attempts,
            error,
        )
        return JobOutcome(job.name, day, JobResult.FAILED, run.attempts, error=error)
    logger.info("job %s for %s done: %s", job.name, day.isoformat(), summary)
    return JobOutcome(job.name, day, JobResult.DONE, run.attempts, summary=summary)


def due_dates(ops: ClientOps, jobs: Sequence[Job], today: date) -> tuple[tuple[Job, date], ...]:
    """The (job, date) pairs due by ``today`` and not done: every daily job due on a day of
    the catch-up window (``Policy.jobs.catch_up_days`` before ``today``, for a job that
    catches up; ``today`` for the others) whose record is not DONE, then every every-run job
    due ``today``; by day, then in the order of ``jobs``."""
    policy = ops.policy
    first = today - timedelta(days=policy.jobs.catch_up_days)
    done = {(r.job, r.day) for r in job_runs(ops, first, today) if r.status is JobStatus.DONE}
    pairs: list[tuple[Job, date]] = []
    day = first
    while day <= today:
        for job in jobs:
            if job.cadence is Cadence.EVERY_RUN and day != today:
                continue
            if day != today and not job.catch_up:
                continue
            if (job.name, day) in done or not job.due(day, policy):
                continue
            pairs.append((job, day))
        day += timedelta(days=1)
    return tuple(pairs)


def run_due(
    ops: ClientOps,
    *,
    today: date | None = None,
    jobs: Sequence[Job] | None = None,
    owner: str | None = None,
) -> DueRun:
    """Run every job due and not yet done by ``today`` (``ops.context.today()``), catching up
    the days missed within ``Policy.jobs.catch_up_days`` (:func:`due_dates`), each through
    :func:`run_job`. ``jobs``: :func:`department_jobs` of the store's plugin host by default.
    Safe to call as often as you like, from several processes at once: a job done for a date
    is never run again for it. A failed job does not stop the others."""
    today = today or ops.context.today()
    jobs = department_jobs(ops.context.host) if jobs is None else tuple(jobs)
    owner = owner or runner_name()
    outcomes = [run_job(ops, job, day, owner=owner) for job, day in due_dates(ops, jobs, today)]
    report = DueRun(today, tuple(outcomes))
    ran = sum(1 for o in outcomes if o.result is JobResult.DONE)
    logger.info(
        "run-due for %s: %d run, %d failed, %d elsewhere",
        today.isoformat(),
        ran,
        len(report.failed),
        len(outcomes) - ran - len(report.failed),
    )
    return report


_rehome.rehome(__name__, __all__, globals())
