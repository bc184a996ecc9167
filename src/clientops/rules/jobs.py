"""When the department's recurring jobs are due: pure functions of a date and the policy.

Each is the ``due`` rule of a job of :data:`clientops.jobs.DEFAULT_JOBS`:

* :func:`billing_due` — the month's billing date (the 15th, moved by the policy's weekend rule);
* :func:`working_day_due` — every working day of the production calendar (reminder calls, the
  satisfaction round);
* :func:`every_day_due` — every day (the SLA check, outbox delivery).

    >>> from datetime import date
    >>> from clientops import Policy
    >>> billing_due(date(2026, 11, 13), Policy())  # the 15th is a Sunday: the Friday before
    True
    >>> working_day_due(date(2026, 11, 14), Policy())
    False
"""

from __future__ import annotations

from datetime import date

from clientops._billing import Month
from clientops.policy import Policy
from clientops.rules.billing import billing_date

__all__ = ["billing_due", "every_day_due", "working_day_due"]


def billing_due(day: date, policy: Policy) -> bool:
    """``day`` is the billing date of its month (:func:`~clientops.rules.billing
    .billing_date`)."""
    return billing_date(Month.of(day), policy.billing, policy.calendar) == day


def working_day_due(day: date, policy: Policy) -> bool:
    """``day`` is a working day of ``policy.calendar``."""
    return policy.calendar.is_working_day(day)


def every_day_due(day: date, policy: Policy) -> bool:
    """Every day."""
    del day, policy
    return True
