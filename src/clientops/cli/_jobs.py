"""``clientops run-due`` and ``clientops worker``: the department's scheduled jobs
(:mod:`clientops.jobs`) from cron or a systemd timer, or as tasks of a PostgreSQL queue."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import date
from typing import Any

import click

from clientops.cli._app import (
    DAY,
    EXIT_BACKEND,
    EXIT_BAD_INPUT,
    CommandError,
    Env,
    cli,
    pass_env,
)
from clientops.jobs import (
    Cadence,
    DueRun,
    JobOutcome,
    JobResult,
    department_jobs,
    job_runs,
    run_due,
)

__all__ = ["JOBS_SHAPE", "RUN_DUE_SHAPE", "jobs_command", "run_due_command", "worker_command"]

#: The JSON document ``clientops --json run-due`` prints (docs/jobs.md), its keys and types.
RUN_DUE_SHAPE: dict[str, Any] = {
    "today": "YYYY-MM-DD",
    "ok": "bool: no job failed",
    "jobs": [
        {
            "job": "str",
            "day": "YYYY-MM-DD",
            "result": "done | failed | already_done | busy | lost_lease",
            "attempts": "int",
            "summary": "str",
            "error": "str | null",
        }
    ],
}

#: The JSON document ``clientops --json jobs`` prints (docs/jobs.md).
JOBS_SHAPE: dict[str, Any] = {
    "day": "YYYY-MM-DD",
    "jobs": [
        {
            "job": "str",
            "title": "str",
            "cadence": "daily | every_run",
            "due": "bool: due on the day",
            "status": "running | done | failed | null (not run; always null for every_run)",
            "attempts": "int",
            "summary": "str",
            "error": "str | null",
        }
    ],
}

_STATUS_RU = {"running": "выполняется", "done": "выполнено", "failed": "ОШИБКА"}

_RESULT_RU = {
    JobResult.DONE: "выполнено",
    JobResult.FAILED: "ОШИБКА",
    JobResult.ALREADY_DONE: "уже выполнено другим процессом",
    JobResult.BUSY: "выполняется другим процессом",
    JobResult.LOST_LEASE: "выполнено, но перехвачено другим процессом",
}
_RESULT_EN = {
    JobResult.DONE: "done",
    JobResult.FAILED: "FAILED",
    JobResult.ALREADY_DONE: "already done by another process",
    JobResult.BUSY: "running in another process",
    JobResult.LOST_LEASE: "done, but taken over by another process",
}


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            },
            ensure_ascii=False,
        )


def _log_to_stderr(level: int, as_json: bool = False) -> None:
    """The ``clientops`` loggers to stderr at ``level`` (unless the application configured
    logging itself)."""
    root = logging.getLogger("clientops")
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _JsonLines()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)
    queue = logging.getLogger("procrastinate")  # the worker's queue: its warnings and errors
    if not queue.handlers:
        queue.addHandler(handler)
        queue.setLevel(logging.WARNING)


def _outcome(o: JobOutcome) -> dict[str, Any]:
    return {
        "job": o.job,
        "day": o.day.isoformat(),
        "result": o.result.value,
        "attempts": o.attempts,
        "summary": o.summary,
        "error": o.error,
    }


def due_run_shape(report: DueRun) -> dict[str, Any]:
    """The JSON document of ``run-due`` (:data:`RUN_DUE_SHAPE`)."""
    return {
        "today": report.today.isoformat(),
        "ok": report.ok,
        "jobs": [_outcome(o) for o in report.outcomes],
    }


@cli.command("run-due")
@click.option(
    "--date",
    "day",
    type=DAY,
    help="Run as if today were this day (backfill, tests); today by default.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what the jobs do on stderr.")
@click.option("--log-json", is_flag=True, help="Log as JSON lines (with -v).")
@pass_env
def run_due_command(env: Env, day: date | None, verbose: bool, log_json: bool) -> None:
    """Run every scheduled job due and not yet done (billing on the billing day, reminder
    calls, the satisfaction round, the SLA check, outbox delivery), catching up missed days.
    Safe from cron every few minutes, and from several machines at once. Exit 3 when a job
    failed (it runs again on the next call)."""
    if verbose:
        _log_to_stderr(logging.INFO, log_json)
    with env.open() as ops:
        jobs = department_jobs(ops.context.host)
        report = run_due(ops, today=day, jobs=jobs)
    titles = {job.name: job.title for job in jobs}
    env.emit(due_run_shape(report))
    for o in report.outcomes:
        said = (_RESULT_EN if env.lang == "en" else _RESULT_RU)[o.result]
        detail = o.error if o.result is JobResult.FAILED else o.summary
        env.line(
            f"{o.day.isoformat()} {o.job} ({titles.get(o.job, o.job)}): {said}"
            + (f" — {detail}" if detail else "")
        )
    ran = sum(1 for o in report.outcomes if o.result is JobResult.DONE)
    env.say(
        f"Заданий выполнено: {ran}, с ошибкой: {len(report.failed)}.",
        f"Jobs run: {ran}, failed: {len(report.failed)}.",
    )
    if not report.ok:
        sys.stdout.flush()
        click.get_current_context().exit(EXIT_BACKEND)


@cli.command("worker")
@click.option("--concurrency", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--stalled-after",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds without a heartbeat after which a worker counts as dead.",
)
@click.option(
    "--heartbeat",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds between a worker's heartbeats.",
)
@click.option(
    "--retry-wait",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Seconds before a failed job is retried.",
)
@click.option("--max-attempts", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--log-json", is_flag=True, help="Log as JSON lines.")
@pass_env
def worker_command(
    env: Env,
    concurrency: int,
    stalled_after: float,
    heartbeat: float,
    retry_wait: int,
    max_attempts: int,
    log_json: bool,
) -> None:
    """Run the scheduled jobs and outbox delivery as tasks of procrastinate on the
    PostgreSQL store, until SIGTERM (the task under way is finished first). Start as many
    workers as you like, on as many machines: none runs a job twice."""
    if not env.store.lower().startswith(("postgresql:", "postgres:")):
        raise CommandError(
            EXIT_BAD_INPUT,
            "clientops worker работает только с хранилищем PostgreSQL; для SQLite запускайте "
            "«clientops run-due» из cron",
            "clientops worker needs a PostgreSQL store; with SQLite run 'clientops run-due' "
            "from cron",
        )
    try:
        from clientops._worker import WorkerSettings, run_worker
    except ImportError:
        raise CommandError(
            EXIT_BAD_INPUT,
            "для clientops worker нужен procrastinate: pip install 'clientops[worker]'",
            "clientops worker needs procrastinate: pip install 'clientops[worker]'",
        ) from None

    _log_to_stderr(logging.INFO, log_json)
    settings = WorkerSettings(
        stalled_after=stalled_after,
        heartbeat=heartbeat,
        max_attempts=max_attempts,
        retry_wait=retry_wait,
        concurrency=concurrency,
    )
    with env.open() as ops:
        jobs = department_jobs(ops.context.host)
        started = time.monotonic()
        run_worker(ops, env.store, jobs=jobs, settings=settings)
    env.say(
        f"Worker остановлен (работал {time.monotonic() - started:.0f} с).",
        f"Worker stopped (ran {time.monotonic() - started:.0f} s).",
    )


@cli.command("jobs")
@click.option("--date", "day", type=DAY, help="The day (today by default).")
@pass_env
def jobs_command(env: Env, day: date | None) -> None:
    """The scheduled jobs and what they did on a day: due or not, done, failed (with the
    error), how many attempts."""
    with env.open() as ops:
        jobs = department_jobs(ops.context.host)
        day = day or ops.context.today()
        runs = {r.job: r for r in job_runs(ops, day)}
        policy = ops.policy
        rows: list[dict[str, Any]] = []
        for job in jobs:
            run = runs.get(job.name)
            rows.append(
                {
                    "job": job.name,
                    "title": job.title,
                    "cadence": job.cadence.value,
                    "due": job.due(day, policy),
                    "status": run.status.value if run else None,
                    "attempts": run.attempts if run else 0,
                    "summary": run.summary if run else "",
                    "error": run.error if run else None,
                }
            )
    env.emit({"day": day.isoformat(), "jobs": rows})
    for row in rows:
        if row["status"] is not None:
            said = env.t(_STATUS_RU[row["status"]], row["status"])
            said += f" ({row['attempts']})" if row["attempts"] > 1 else ""
        elif row["cadence"] == Cadence.EVERY_RUN.value:
            said = env.t("при каждом запуске", "on every run")
        elif row["due"]:
            said = env.t("не выполнялось", "not run")
        else:
            said = env.t("не в этот день", "not due")
        detail = row["error"] or row["summary"]
        env.line(f"{row['job']} ({row['title']}): {said}" + (f" — {detail}" if detail else ""))
