"""``clientops report --month``: the month's report of a manager or of a department
(:mod:`clientops.planning`): every line with its plan and fact, the clients lost; written to a
``.docx``, ``.csv`` or ``.json`` file with ``--out``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from clientops.billing import Month
from clientops.cli._app import EXIT_BAD_INPUT, MONTH, CommandError, Env, cli, pass_env
from clientops.clients import DepartmentId, EmployeeId, StaffDirectory
from clientops.planning import MonthlyReport, Planning, report_csv, report_docx, report_json
from clientops.russian import month_text, number_text

__all__ = ["report"]

_SUFFIXES = (".docx", ".csv", ".json")


def _number(value: Decimal | None) -> str:
    return "—" if value is None else number_text(value)


@cli.command("report")
@click.option("--month", type=MONTH, required=True, help="The month that has ended (YYYY-MM).")
@click.option("--manager", help="The report of this manager (an employee id).")
@click.option("--department", help="The report of this department's client managers together.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report to this .docx, .csv or .json file.",
)
@pass_env
def report(
    env: Env, month: Month, manager: str | None, department: str | None, out: Path | None
) -> None:
    """The month's report of one manager (--manager) or of a department (--department): each
    line's plan and fact computed from what the store holds, and the clients lost, with the
    criterion that counts them; --out writes it as .docx (for the director), .csv or .json."""
    if (manager is None) == (department is None):
        raise CommandError(
            EXIT_BAD_INPUT,
            "укажите --manager или --department (что-то одно)",
            "give --manager or --department (one of them)",
        )
    if out is not None:
        if out.suffix.lower() not in _SUFFIXES:
            raise CommandError(
                EXIT_BAD_INPUT,
                f"файл отчёта {str(out)!r}: нужен .docx, .csv или .json",
                f"report file {str(out)!r}: .docx, .csv or .json",
            )
        if not out.parent.is_dir():
            raise CommandError(
                EXIT_BAD_INPUT,
                f"папки {str(out.parent)!r} для отчёта нет",
                f"the folder {str(out.parent)!r} for the report does not exist",
            )
    with env.open() as ops:
        result = Planning(ops).report(
            month,
            manager=None if manager is None else EmployeeId(manager),
            department=None if department is None else DepartmentId(department),
        )
        whose = _whose(ops.clients.staff(), manager, department)
        if out is not None:
            _write(out, result, whose if manager else "", whose if department else "")
    shape: dict[str, Any] = report_json(result)
    shape["file"] = None if out is None else str(out)
    env.emit(shape)
    first = month.first_day
    env.say(
        f"Отчёт за {month_text(first)}: {whose}",
        f"Report for {month_text(first, lang='en')}: {whose}",
    )
    for line in result.lines:
        name = line.line.label if env.lang != "en" else line.line.value.replace("_", " ")
        env.say(
            f"  {name}: план {_number(line.plan)}, факт {_number(line.fact)}",
            f"  {name}: plan {_number(line.plan)}, fact {_number(line.fact)}",
        )
    for lost in result.lost:
        env.say(f"  потерян: {lost.name} — {lost.label}", f"  lost: {lost.name} ({lost.criterion})")
    if out is not None:
        env.say(f"Записан файл: {out}", f"Written: {out}")


def _whose(staff: StaffDirectory, manager: str | None, department: str | None) -> str:
    """The manager's full name or the department's name (the id when the directory has
    none)."""
    if manager is not None:
        employee = staff.employee(EmployeeId(manager))
        return employee.full_name if employee is not None else manager
    found = staff.department(DepartmentId(department or ""))
    return found.name if found is not None else str(department)


def _write(out: Path, result: MonthlyReport, manager_name: str, department_name: str) -> None:
    suffix = out.suffix.lower()
    if suffix == ".json":
        out.write_text(
            json.dumps(report_json(result), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    elif suffix == ".csv":
        out.write_text(report_csv(result), encoding="utf-8-sig")
    else:
        out.write_bytes(
            report_docx(result, manager_name=manager_name, department_name=department_name)
        )
