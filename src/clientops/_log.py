"""The loggers of clientops, one per area: ``clientops.billing``, ``clientops.outbox``,
``clientops.clients``, ``clientops.calls``, ``clientops.onboarding``, ``clientops.agenda``, …
(and ``clientops.storage`` for the store opened). Standard :mod:`logging`; clientops adds no
handler, the application (or ``clientops -v``) configures them.

What is logged, by every public method of an area's service (``check_entry_points``):

- INFO: what a batch did (a billing run, a statement import, the reminders, a CSV import, an
  outbox delivery, a call routed, a folder received, a calendar published): counts and ids;
- WARNING: what was retried (an outbox message that failed and is due again, a billing run
  planned again) or refused by a rule (TransitionError, ConflictError, DuplicateError);
- INFO: what was refused as bad input (ValidationError, NotFoundError);
- ERROR: an outbox message given up (dead), a backend or store that failed.

Never a secret: every text that comes from an error or a backend goes through
:func:`clientops._redact.message` (connection strings masked), and no payload, phone number
or password is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from clientops import _redact
from clientops.errors import (
    ClientopsError,
    ConflictError,
    DuplicateError,
    NotFoundError,
    TransitionError,
    ValidationError,
)

__all__ = ["AREAS", "area_logger", "batch_done", "refused"]

#: the areas' loggers (``clientops.<area>``), by the module of the area's service
AREAS = {
    "clientops._agenda_service": "agenda",
    "clientops._billing_service": "billing",
    "clientops._call_service": "calls",
    "clientops._claims_service": "claims",
    "clientops._clients_service": "clients",
    "clientops._documents_service": "documents",
    "clientops._onboarding_service": "onboarding",
    "clientops._orders_service": "orders",
    "clientops._outbox_service": "outbox",
    "clientops._service_service": "service",
    "clientops._telephony_service": "telephony",
}


#: the loggers asked for, by area: ``logging.getLogger`` takes the module's lock, and a call
#: routed asks for its area's logger on every call
_LOGGERS: dict[str, logging.Logger] = {}


def area_logger(area: str) -> logging.Logger:
    """The logger of ``area`` (``clientops.billing``…)."""
    log = _LOGGERS.get(area)
    if log is None:  # getLogger gives one logger per name for the life of the process
        log = _LOGGERS[area] = logging.getLogger(f"clientops.{area}")
    return log


def refused(area: str, operation: str, exc: BaseException) -> None:
    """Log an entry point's failure at its level: bad input INFO, a rule's refusal WARNING,
    a backend's failure ERROR; the message without a secret."""
    log = area_logger(area)
    text = _redact.message(str(exc))
    kind = type(exc).__name__
    if isinstance(exc, (ValidationError, NotFoundError)):
        log.info("%s refused: %s: %s", operation, kind, text)
    elif isinstance(exc, (TransitionError, ConflictError, DuplicateError)):
        log.warning("%s refused: %s: %s", operation, kind, text)
    elif isinstance(exc, ClientopsError):
        log.error("%s failed: %s: %s", operation, kind, text)


def _n(value: Any) -> int:
    return len(value) if value is not None else 0


def _run(r: Any) -> str:
    return (
        f"month {r.month}: issued {_n(r.issued)} "
        f"({', '.join(i.number for i in r.issued[:20])}{', …' if len(r.issued) > 20 else ''}), "
        f"already issued {r.already_issued}, skipped {_n(r.plan.skipped)}, "
        f"to correct {_n(r.plan.corrections)}"
    )


def _import(r: Any) -> str:
    if r.already_imported:
        return f"source {r.source[:12]}: imported before, nothing added"
    return (
        f"source {r.source[:12]}: payments {_n(r.payments)}, unmatched {_n(r.unmatched)}, "
        f"credits {_n(r.credits)}, seen before {_n(r.repeated)}"
    )


def _deliver(r: Any) -> str:
    return (
        f"delivered {_n(r.delivered)}, retried {_n(r.retried)}, dead {_n(r.dead)}, "
        f"lost lease {_n(r.lost_lease)}"
    )


def _csv(r: Any) -> str:
    if r.already_imported:
        return "the file was imported before, nothing added"
    return f"rows {r.parsed.rows}, stored {_n(r.stored)}, rejected {_n(r.rejected)}"


def _routing(r: Any) -> str:
    client = r.client.id if r.client is not None else None
    return f"branch {r.branch.value}, client {client}, new card {r.new_client}"


def _intake(r: Any) -> str:
    return (
        f"client {r.client.id} (new card {r.new_client}), onboarding {r.onboarding.id}, "
        f"nonconformities {_n(r.check.nonconformities)}"
    )


#: what each batch says when it is done: (area, method) → the line of its result
BATCHES: dict[tuple[str, str], Callable[[Any], str]] = {
    ("billing", "run"): _run,
    ("billing", "import_bank_statement"): _import,
    ("billing", "reminders"): lambda r: f"reminder calls scheduled {_n(r.reactions)}",
    ("clients", "import_csv"): _csv,
    ("outbox", "deliver"): _deliver,
    ("outbox", "retry"): lambda r: f"dead messages revived {_n(r)}: {[m.id for m in r]}",
    ("calls", "handle_incoming"): _routing,
    ("onboarding", "receive_folder"): _intake,
    ("agenda", "publish_calendar"): lambda r: f"calendar changes recorded {_n(r)}",
}


def batch_done(area: str, operation: str, result: Any) -> None:
    """Log what a batch did (INFO), when ``operation`` is one of :data:`BATCHES`; the
    outbox's retried and dead messages one by one (WARNING, ERROR)."""
    line = BATCHES.get((area, operation))
    if line is None:
        return
    log = area_logger(area)
    if log.isEnabledFor(logging.INFO):
        log.info("%s: %s", operation, _redact.message(line(result)))
    if (area, operation) == ("outbox", "deliver"):
        for m in result.retried:
            log.warning(
                "message %s (%s) failed attempt %d, due again at %s: %s",
                m.id,
                m.topic,
                m.attempts,
                m.next_attempt_at.isoformat(),
                _redact.message(m.last_error or ""),
            )
        for m in result.dead:
            log.error(
                "message %s (%s) is dead after %d attempts, waiting for a person: %s",
                m.id,
                m.topic,
                m.attempts,
                _redact.message(m.last_error or ""),
            )
