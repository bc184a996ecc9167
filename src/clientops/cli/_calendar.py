"""``clientops calendar export|publish``: a manager's calendar (open reactions, planned
visits) written to an .ics file, or published to their calendar on a CalDAV server through
the outbox."""

from __future__ import annotations

from pathlib import Path

import click

from clientops.cli._app import EXIT_BAD_INPUT, CommandError, Env, _message, cli, pass_env
from clientops.clients import EmployeeId
from clientops.ics import write_ics

__all__ = ["calendar"]


@cli.group()
def calendar() -> None:
    """Managers' calendars: an .ics file, or a CalDAV server."""


@calendar.command("export")
@click.option("--manager", required=True, help="An employee id.")
@click.argument("file")
@pass_env
def calendar_export(env: Env, manager: str, file: str) -> None:
    """Write the manager's calendar (open reactions, visits, trainings, order deadlines) to an
    .ics file, atomically; stable UIDs, so importing it again updates the events."""
    target = Path(file)
    if not target.parent.is_dir():
        raise CommandError(
            EXIT_BAD_INPUT,
            f"папки {str(target.parent)!r} для файла нет",
            f"the folder {str(target.parent)!r} for the file does not exist",
        )
    with env.open() as ops:
        employee = ops.clients.staff().require(EmployeeId(manager))
        entries = ops.agenda.calendar_entries(employee.id)
        write_ics(
            target, entries, tz=ops.policy.timezone, name=employee.full_name, now=ops.context.now()
        )
    env.emit(
        {
            "manager": manager,
            "file": str(target),
            "events": [{"uid": e.uid, "summary": e.summary} for e in entries],
        }
    )
    env.say(
        f"Календарь {employee.full_name}: событий {len(entries)} → {target}",
        f"Calendar of {employee.full_name}: {len(entries)} events → {target}",
    )


@calendar.command("publish")
@click.option("--manager", "managers", multiple=True, help="An employee id (repeatable).")
@pass_env
def calendar_publish(env: Env, managers: tuple[str, ...]) -> None:
    """Record in the outbox what changed in the managers' calendars since they were last
    published (every employee's without --manager); ``clientops outbox deliver`` then
    publishes them through the CalDAV deliverer of the configuration (``[caldav]``)."""
    with env.open() as ops:
        chosen = managers or tuple(e.id for e in ops.clients.staff().employees)
        for manager in chosen:  # every id checked before anything is recorded
            ops.clients.staff().require(EmployeeId(manager))
        recorded = {m: ops.agenda.publish_calendar(EmployeeId(m)) for m in chosen}
    env.emit(
        {
            "calendars": [
                {"manager": m, "messages": [_message(x) for x in recorded[m]]} for m in chosen
            ]
        }
    )
    for m in chosen:
        env.say(
            f"{m}: изменений к публикации {len(recorded[m])}",
            f"{m}: {len(recorded[m])} changes to publish",
        )
    total = sum(len(v) for v in recorded.values())
    env.say(
        f"Записано в исходящие: {total}; доставка — clientops outbox deliver.",
        f"Recorded in the outbox: {total}; deliver with clientops outbox deliver.",
    )
