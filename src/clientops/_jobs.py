"""The values of the scheduled jobs that stores and the policy need: a job's record of runs
(:class:`JobRun`, :class:`JobStatus`), how often a job runs (:class:`Cadence`) and the jobs'
policy (:class:`JobPolicy`). Re-homed to :mod:`clientops.jobs`, where the jobs themselves and
the runner are.

    >>> JobPolicy().catch_up_days
    7
    >>> JobStatus.FAILED.label
    'Ошибка'
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

import attrs

from clientops.errors import FieldError, ValidationError

__all__ = ["Cadence", "JobPolicy", "JobRun", "JobStatus"]


class JobStatus(enum.Enum):
    """Where one job's run for one date stands."""

    #: claimed by a runner (``owner``) until ``lease_until``
    RUNNING = "running"
    #: the job did its work for the date: never run again for it
    DONE = "done"
    #: the job raised: the next run-due (or the worker's retry) runs it again
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"running": "Выполняется", "done": "Выполнено", "failed": "Ошибка"}[self.value]


class Cadence(enum.Enum):
    """How often a job runs."""

    #: once per date it is due on: recorded in the store, never done twice
    DAILY = "daily"
    #: on every call of run-due (every tick of the worker): for work that is idempotent by
    #: itself and must not wait a day (outbox delivery, the SLA check); not recorded
    EVERY_RUN = "every_run"


@attrs.frozen
class JobRun:
    """The stored record of one daily job for one date (unique per ``job`` and ``day``)."""

    job: str
    day: date
    status: JobStatus
    #: how many times a runner has claimed it (1 for a job done at the first try)
    attempts: int
    #: who claimed it last: a run-due process, a worker's task
    owner: str
    started_at: datetime
    #: while running: when another runner may take it over (its runner died)
    lease_until: datetime | None = None
    finished_at: datetime | None = None
    #: what the job did, in Russian (for the log and ``clientops run-due``)
    summary: str = ""
    #: why it failed (one line, no secret)
    error: str | None = None


def _check(policy: JobPolicy) -> None:
    errors: list[FieldError] = []
    if type(policy.catch_up_days) is not int or policy.catch_up_days < 0:
        errors.append(FieldError("catch_up_days", "must be a whole number of days, 0 or more"))
    if not isinstance(policy.lease, timedelta) or policy.lease <= timedelta(0):
        errors.append(FieldError("lease", "must be a positive duration"))
    if errors:
        raise ValidationError(errors, subject="job policy")


@attrs.frozen
class JobPolicy:
    """The scheduled jobs' numbers (``Policy.jobs``).

    >>> JobPolicy(catch_up_days=-1)
    Traceback (most recent call last):
    ...
    clientops.errors.ValidationError: invalid job policy: catch_up_days: must be a whole \
number of days, 0 or more
    """

    #: run-due and the worker also run the daily jobs missed on this many days before today
    #: (the server was down on the billing day): 0 runs today's only
    catch_up_days: int = 7
    #: how long a runner owns a job it claimed; a runner that died leaves it to the next one
    #: after this long (a worker's task retried after a crash takes it back at once)
    lease: timedelta = timedelta(hours=1)

    def __attrs_post_init__(self) -> None:
        _check(self)
