"""``clientops worker``: the scheduled jobs and outbox delivery as tasks of procrastinate, a
PostgreSQL-backed task queue, for a team whose store is PostgreSQL.

Two tasks, in the queue ``clientops``:

* ``clientops.tick(timestamp)``, periodic (every minute; procrastinate defers each minute once,
  whichever worker gets there first): releases the runs of workers that stopped sending
  their heartbeat (killed, their machine gone), then defers ``clientops.run_job`` for every
  job due and not done by the day of ``timestamp`` (:func:`clientops.jobs.due_dates`, the
  catch-up window included);
* ``clientops.run_job(job, day)``: :func:`clientops.jobs.run_job`, the same code
  ``clientops run-due`` runs. Deferred with the queueing lock ``<job>@<day>`` (one waiting
  at a time) and the lock of the same name (one running at a time); the record of runs in
  the store (unique per job and day) keeps a job from running twice for a date whatever
  happens to the queue. A job that fails raises, and procrastinate retries it.

The queue's tables live in the store's PostgreSQL schema (the URL's ``?schema=``), created on
the first start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import attrs
import procrastinate
import psycopg
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import Status
from psycopg import sql

from clientops import _redact
from clientops.adapters.postgres import _split_url
from clientops.errors import StorageError
from clientops.jobs import Job, JobResult, JobStatus, due_dates, run_job, runner_name
from clientops.jobs import _repository as job_repository
from clientops.services import ClientOps

__all__ = ["QUEUE", "WorkerSettings", "build_app", "ensure_schema", "queue_conninfo"]

logger = logging.getLogger("clientops.jobs.worker")

QUEUE = "clientops"
TICK = "clientops.tick"
RUN_JOB = "clientops.run_job"
#: what the sweep writes into the run of a worker that stopped answering
_STALLED = "процесс worker перестал отвечать; задание будет выполнено снова"


@attrs.frozen
class WorkerSettings:
    """The worker's knobs (``clientops worker`` options)."""

    #: a worker whose heartbeat is older than this is dead: its jobs are run again
    stalled_after: float = 30.0
    #: how often a worker sends its heartbeat
    heartbeat: float = 10.0
    #: a failed job is retried this many times by the queue (then by the next tick)
    max_attempts: int = 5
    #: seconds before the first retry (doubling after each)
    retry_wait: int = 60
    #: how many tasks one worker runs at once
    concurrency: int = 1
    #: the periodic tick's cron line
    cron: str = "* * * * *"


class JobFailed(Exception):
    """Raised by ``clientops.run_job`` when the job failed, so that procrastinate retries it
    (the job's record in the store says failed too)."""


def queue_conninfo(url: str) -> tuple[str, str]:
    """The libpq connection string and the schema of a ``postgresql://`` store URL."""
    conninfo, options = _split_url(url)
    return conninfo, options.get("schema", "public")


def ensure_schema(url: str) -> None:
    """Create procrastinate's tables in the store's schema unless they are there (under an
    advisory lock: several workers starting at once create them once)."""
    conninfo, schema = queue_conninfo(url)
    try:
        with psycopg.connect(conninfo, options=f"-c search_path={schema}") as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"procrastinate:{schema}",))
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            found = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if found is None or found[0] is None:
                conn.execute(procrastinate.schema.SchemaManager.get_schema())
    except psycopg.Error as exc:
        raise StorageError(
            "postgresql", "queue schema", _redact.message(str(exc), _redact.secrets_of(conninfo))
        ) from None


def build_app(
    ops: ClientOps,
    url: str,
    *,
    jobs: Sequence[Job],
    settings: WorkerSettings = WorkerSettings(),
) -> procrastinate.App:
    """A procrastinate ``App`` over the store's schema with the two tasks, running ``jobs``
    with ``ops``."""
    conninfo, schema = queue_conninfo(url)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo,
            kwargs={"options": f"-c search_path={schema}"},
            min_size=1,
            max_size=max(4, settings.concurrency + 3),
        ),
    )
    by_name = {job.name: job for job in jobs}
    me = runner_name("worker")

    def release(stalled: Sequence[Any]) -> None:
        """Mark the runs held by the stalled tasks failed: the next task for them runs them."""
        for task in stalled:
            kwargs = task.task_kwargs
            name, day = kwargs.get("job"), kwargs.get("day")
            if task.task_name != RUN_JOB or name not in by_name or not isinstance(day, str):
                continue
            with ops.storage.unit_of_work() as uow:
                repository = job_repository(uow, ops.storage.name)
                found = repository.get(name, date.fromisoformat(day))
                if found is None or found.status is not JobStatus.RUNNING:
                    continue
                if not found.owner.endswith(f"#{task.id}"):
                    continue
                released = repository.finish(
                    found.job,
                    found.day,
                    owner=found.owner,
                    attempts=found.attempts,
                    status=JobStatus.FAILED,
                    now=ops.context.now(),
                    error=_STALLED,
                )
            if released:
                logger.warning("job %s for %s: its worker stopped answering; run again", name, day)

    def due(timestamp: int) -> list[tuple[str, str, bool]]:
        today = datetime.fromtimestamp(timestamp, ops.policy.tz).date()
        return [
            (job.name, day.isoformat(), job.cadence.value == "daily")
            for job, day in due_dates(ops, tuple(by_name.values()), today)
        ]

    @app.periodic(cron=settings.cron, periodic_id="tick")
    @app.task(name=TICK, queue=QUEUE, lock=TICK, pass_context=True)
    async def tick(context: Any, timestamp: int) -> None:
        stalled = await context.app.job_manager.get_stalled_jobs(
            queue=QUEUE, seconds_since_heartbeat=settings.stalled_after
        )
        stalled = [s for s in stalled if s.id != context.job.id]
        if stalled:
            await asyncio.to_thread(release, stalled)
            for task in stalled:
                with contextlib.suppress(ConnectorException):  # another sweep finished it
                    await context.app.job_manager.finish_job(
                        task, status=Status.FAILED, delete_job=False
                    )
        deferred = 0
        for name, day, daily in await asyncio.to_thread(due, timestamp):
            lock = f"{name}@{day}" if daily else name
            try:
                await context.app.configure_task(
                    RUN_JOB, queue=QUEUE, lock=lock, queueing_lock=lock
                ).defer_async(job=name, day=day)
                deferred += 1
            except AlreadyEnqueued:
                pass
        logger.info(
            "tick %d: %d jobs deferred, %d stalled released", timestamp, deferred, len(stalled)
        )

    @app.task(
        name=RUN_JOB,
        queue=QUEUE,
        pass_context=True,
        retry=procrastinate.RetryStrategy(
            max_attempts=settings.max_attempts,
            exponential_wait=2,
            wait=settings.retry_wait,
            retry_exceptions={JobFailed},
        ),
    )
    def run(context: Any, job: str, day: str) -> str:
        found = by_name.get(job)
        if found is None:
            raise JobFailed(f"no scheduled job {job!r} in this worker")
        outcome = run_job(ops, found, date.fromisoformat(day), owner=f"{me}#{context.job.id}")
        if outcome.result is JobResult.FAILED:
            raise JobFailed(outcome.error or "failed")
        return str(outcome.result.value)

    del tick, run
    return app


def run_worker(
    ops: ClientOps,
    url: str,
    *,
    jobs: Sequence[Job],
    settings: WorkerSettings = WorkerSettings(),
) -> None:
    """Run one worker until SIGTERM or SIGINT: the task under way is finished first."""
    ensure_schema(url)
    app = build_app(ops, url, jobs=jobs, settings=settings)
    app.run_worker(
        queues=[QUEUE],
        concurrency=settings.concurrency,
        update_heartbeat_interval=settings.heartbeat,
        stalled_worker_timeout=settings.stalled_after,
        name="clientops",
    )
