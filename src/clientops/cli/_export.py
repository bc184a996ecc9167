"""``clientops clients export``: the cards as CSV (the columns ``clients import`` reads) or as
JSON Lines, to a file or to stdout."""

from __future__ import annotations

import io
import sys
from datetime import datetime
from typing import Any, Protocol, cast

import click

from clientops import ClientOps
from clientops.clients import ClientCategory, EmployeeId

__all__ = ["clients_export"]


class _Env(Protocol):
    """What the command needs of the command line's shared environment (``cli._app.Env``)."""

    def open(self) -> ClientOps: ...

    def say(self, ru: str, en: str) -> None: ...

    def emit(self, shape: dict[str, Any]) -> None: ...


def _moment(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date and time") from None
    if moment.utcoffset() is None:
        raise click.BadParameter(f"{value!r} names no UTC offset (…+03:00)")
    return moment


@click.command("export")
@click.argument("file", default="-")
@click.option("--format", "form", type=click.Choice(["csv", "jsonl"]), default="csv")
@click.option("--manager", help="Only the cards of this manager (an employee id).")
@click.option("--city", help="Only the cards of this city.")
@click.option("--category", type=click.Choice([c.value for c in ClientCategory]))
@click.option(
    "--changed-since", callback=_moment, help="Only cards written since (ISO, with offset)."
)
@click.pass_obj
def clients_export(
    env: _Env,
    file: str,
    form: str,
    manager: str | None,
    city: str | None,
    category: str | None,
    changed_since: datetime | None,
) -> None:
    """Export client cards to FILE (stdout when '-' or not given) as CSV or JSON Lines."""
    filters: dict[str, Any] = {
        "manager_id": None if manager is None else EmployeeId(manager),
        "city": city,
        "category": None if category is None else ClientCategory(category),
        "changed_since": changed_since,
    }
    with env.open() as ops:
        if file == "-":
            ops.clients.export(cast(io.TextIOBase, sys.stdout), format=form, **filters)
            return
        count = ops.clients.export(file, format=form, **filters)
    env.emit({"exported": count, "file": file, "format": form})
    env.say(f"Выгружено карточек: {count} ({file}).", f"Cards exported: {count} ({file}).")
