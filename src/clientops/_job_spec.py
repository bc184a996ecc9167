"""One scheduled job: its name, its rule "is it due on this date" and its action for a date.
Re-homed to :mod:`clientops.jobs`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import attrs

from clientops._jobs import Cadence
from clientops.errors import FieldError, ValidationError
from clientops.policy import Policy

__all__ = ["Job", "JobAction", "JobDue"]

#: "is the job due on this date under this policy": a pure function of the date and the
#: policy (its production calendar, the billing day, ...)
JobDue = Callable[[date, Policy], bool]
#: what the job does for a date, given the ``ClientOps`` it runs with: idempotent for the
#: date (running it twice for one date does the work once); returns a line saying what it
#: did (Russian, for the log and the run record) or ``None``; raises when it failed
JobAction = Callable[[Any, date], "str | None"]

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")


def _name(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValidationError(
            [
                FieldError(
                    attribute.name,
                    f"{value!r}: a job name is 1-63 lower-case letters, digits, '_', '.', '-' "
                    "starting with a letter",
                )
            ],
            subject="job",
        )


@attrs.frozen
class Job:
    """A recurring job of the department.

    ``name`` is its key in the record of runs (unique); ``title`` says what it is, in
    Russian; ``due(day, policy)`` whether it runs for ``day``; ``action(ops, day)`` does the
    day's work. A :attr:`~Cadence.DAILY` job runs once per date it is due on (the store
    records it); an :attr:`~Cadence.EVERY_RUN` job on every run. ``catch_up``: a daily job
    missed on an earlier day (within ``Policy.jobs.catch_up_days``) is run for that day later;
    ``False`` for work that is pointless late (yesterday's reminder calls).

    >>> from datetime import date
    >>> from clientops import Policy
    >>> job = Job("hello", "Привет", lambda day, policy: day.day == 1, lambda ops, day: "ok")
    >>> job.due(date(2026, 3, 1), Policy())
    True
    """

    name: str = attrs.field(validator=_name)
    title: str
    due: JobDue
    action: JobAction
    cadence: Cadence = attrs.field(
        default=Cadence.DAILY, validator=attrs.validators.instance_of(Cadence)
    )
    catch_up: bool = True
