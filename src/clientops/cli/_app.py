"""The commands of ``clientops`` (click + rich), each a thin layer over ``clientops.connect``.

Errors the library raises for expected reasons become one line on stderr (in Russian, or in
English with ``--lang en``) and an exit code; nothing prints a traceback:

- 1: refused by a rule (a billing run outside its billing period, a transition or a
  conflict the library refuses, a ``doctor`` check that fails);
- 2: bad input (ValidationError, NotFoundError, ConfigurationError, a month or a date in a bad
  format, a missing or unreadable file, a store that does not exist);
- 3: a backend failed (StorageError, BackendError, PluginError).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

import clientops
from clientops.adapters.sqlite import path_from_url
from clientops.agenda import Agenda
from clientops.billing import BillingPlan, Invoice, Month, Skip, read_bank_statement
from clientops.cli._config import CONFIG_ENV, Config, ConfigProblem, read_config
from clientops.cli._doctor import ABOUT, check_backends, load_plugins
from clientops.cli._export import clients_export
from clientops.clients import Client, ClientId, EmployeeId, StaffDirectory
from clientops.errors import (
    BackendError,
    ClientopsError,
    ConfigurationError,
    ConflictError,
    DuplicateError,
    FieldError,
    NotFoundError,
    PluginError,
    TransitionError,
    ValidationError,
)
from clientops.labels import label
from clientops.model import DepartmentId
from clientops.outbox import OutboxMessage, OutboxStatus
from clientops.russian import count_text, currency_style, full_date, money_text, month_text
from clientops.serialization import structure, unstructure
from clientops.workdays import DECREE_COUNTRIES, ProductionCalendar

__all__ = ["EXIT_BACKEND", "EXIT_BAD_INPUT", "EXIT_OK", "EXIT_REFUSED", "cli", "main"]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_BACKEND = 3

#: The store used when neither ``--store`` nor ``CLIENTOPS_STORE`` names one.
STORE_ENV = "CLIENTOPS_STORE"
LANG_ENV = "CLIENTOPS_LANG"

_PREFIX = {
    "ru": {EXIT_REFUSED: "Отказано", EXIT_BAD_INPUT: "Ошибка", EXIT_BACKEND: "Сбой"},
    "en": {EXIT_REFUSED: "Refused", EXIT_BAD_INPUT: "Bad input", EXIT_BACKEND: "Backend failure"},
}


class CommandError(Exception):
    """An expected failure of a command: its exit code and its message in both languages."""

    def __init__(self, code: int, ru: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.ru = ru
        self.en = en


class Env:
    """What every command shares: the store URL, the output mode and the language."""

    def __init__(self, store: str, as_json: bool, lang: str, config: Config | None = None) -> None:
        self.store = store
        self.as_json = as_json
        self.lang = lang
        #: the configuration file's policy and plugins (``--config``)
        self.config = config or Config()

    def t(self, ru: str, en: str) -> str:
        return en if self.lang == "en" else ru

    def say(self, ru: str, en: str) -> None:
        """One line for a person (nothing with ``--json``)."""
        if not self.as_json:
            click.echo(self.t(ru, en))

    def line(self, text: str) -> None:
        if not self.as_json:
            click.echo(text)

    def emit(self, shape: Mapping[str, Any]) -> None:
        """The command's JSON document (only with ``--json``)."""
        if self.as_json:
            click.echo(json.dumps(shape, ensure_ascii=False, sort_keys=True))

    def open(
        self, *, create: bool = False, host: clientops.PluginHost | None = None
    ) -> clientops.ClientOps:
        """Connect to the store. A SQLite file must exist (``clientops init`` makes it), so
        a mistyped path is bad input, not a new empty store."""
        path = _sqlite_file(self.store)
        if path is not None:
            if create and not path.parent.is_dir():
                raise CommandError(
                    EXIT_BAD_INPUT,
                    f"папки {str(path.parent)!r} для хранилища нет",
                    f"the folder {str(path.parent)!r} for the store does not exist",
                )
            if not create and not path.is_file():
                raise CommandError(
                    EXIT_BAD_INPUT,
                    f"хранилища {str(path)!r} нет: создайте его командой «clientops init»",
                    f"no store at {str(path)!r}: create it with 'clientops init'",
                )
        try:
            host = host or self.config.host()
        except ConfigProblem as exc:
            raise CommandError(EXIT_BAD_INPUT, exc.ru, exc.en) from None
        return clientops.connect(self.store, policy=self.config.policy, host=host)

    @contextmanager
    def progress(self, label: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """A progress bar on stderr while the work runs, shown only on a terminal (and never
        with ``--json``); yields ``advance(n)``."""
        console = Console(stderr=True)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=self.as_json or not console.is_terminal,
        ) as bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)


class _JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            },
            ensure_ascii=False,
        )


def configure_logging(verbose: int, *, as_json: bool) -> Callable[[], None]:
    """Send the ``clientops`` loggers to stderr (INFO, DEBUG with ``verbose`` ≥ 2), as text
    or JSON lines; returns the function that undoes it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        _JsonLines()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger("clientops")
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)

    def undo() -> None:
        root.removeHandler(handler)
        root.setLevel(level)

    return undo


def _sqlite_file(url: str) -> Path | None:
    """The file a ``sqlite:`` URL names (``None`` for another scheme or an in-memory one)."""
    if not url.lower().startswith("sqlite:"):
        return None
    path = path_from_url(url)
    return None if path == ":memory:" else Path(path)


def _code(exc: ClientopsError) -> int:
    if isinstance(exc, (TransitionError, ConflictError, DuplicateError)):
        return EXIT_REFUSED
    if isinstance(exc, (BackendError, PluginError)):
        return EXIT_BACKEND
    return EXIT_BAD_INPUT


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Group(click.Group):
    """A group that turns the expected errors of its commands into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CommandError as exc:
            _fail(ctx, exc.code, exc.ru, exc.en, type(exc).__name__)
        except NotFoundError as exc:
            what = _KINDS.get(exc.kind, exc.kind)
            _fail(ctx, EXIT_BAD_INPUT, f"{what} {exc.key!r} не найден", str(exc), "NotFoundError")
        except ClientopsError as exc:
            _fail(ctx, _code(exc), str(exc), str(exc), type(exc).__name__)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run with click's usage errors as one line too (exit 2), then exit with the code."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            ctx = exc.ctx if isinstance(exc, click.UsageError) else None
            env = ctx.find_object(Env) if ctx is not None else None
            lang = env.lang if env is not None else os.environ.get(LANG_ENV, "ru")
            lang = lang if lang in _PREFIX else "ru"
            message = _one_line(exc.format_message())
            click.echo(f"{_PREFIX[lang][EXIT_BAD_INPUT]}: {message}", err=True)
            if env is not None and env.as_json:
                _error_json(EXIT_BAD_INPUT, type(exc).__name__, message)
            sys.exit(EXIT_BAD_INPUT)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(EXIT_REFUSED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


#: The kinds of record NotFoundError names, in Russian.
_KINDS = {
    "client": "клиент",
    "employee": "сотрудник",
    "department": "отдел",
    "invoice": "счёт",
    "subscription": "подписка",
    "payment": "платёж",
}


def _error_json(code: int, kind: str, message: str) -> None:
    click.echo(
        json.dumps(
            {"error": {"exit_code": code, "type": kind, "message": message}},
            ensure_ascii=False,
            sort_keys=True,
        )
    )


def _fail(ctx: click.Context, code: int, ru: str, en: str, kind: str) -> NoReturn:
    env = ctx.find_object(Env)
    lang = env.lang if env is not None else "ru"
    message = _one_line(en if lang == "en" else ru)
    click.echo(f"{_PREFIX[lang][code]}: {message}", err=True)
    if env is not None and env.as_json:
        _error_json(code, kind, message)
    ctx.exit(code)


# --------------------------------------------------------------------------- parameters


class _MonthType(click.ParamType[Month]):
    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Month):
            return value
        try:
            return Month.parse(str(value))
        except ValidationError:
            _bad(ctx, f"месяц {value!r} не в формате ГГГГ-ММ", f"month {value!r} is not YYYY-MM")


class _DateType(click.ParamType[date]):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            name = param.name if param is not None else "date"
            _bad(
                ctx,
                f"{name}: дата {value!r} не в формате ГГГГ-ММ-ДД",
                f"{name}: date {value!r} is not YYYY-MM-DD",
            )


def _bad(ctx: click.Context | None, ru: str, en: str) -> NoReturn:
    env = ctx.find_object(Env) if ctx is not None else None
    raise click.BadParameter(en if env is not None and env.lang == "en" else ru)


MONTH = _MonthType()
DAY = _DateType()


def _read_file(path: str) -> bytes:
    """The bytes of ``path``; a missing or unreadable file is bad input naming it."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CommandError(
            EXIT_BAD_INPUT, f"файла {path!r} нет", f"file {path!r} does not exist"
        ) from None
    except OSError as exc:
        raise CommandError(
            EXIT_BAD_INPUT,
            f"файл {path!r} не читается: {exc.strerror}",
            f"file {path!r} cannot be read: {exc.strerror}",
        ) from None


# --------------------------------------------------------------------------- JSON shapes


def _money(value: Any) -> str:
    return str(value.amount)


def _invoice(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.id,
        "number": invoice.number,
        "client_id": invoice.client_id,
        "total": _money(invoice.total),
    }


def _skip(skip: Skip) -> dict[str, Any]:
    return {
        "subscription_id": skip.subscription_id,
        "client_id": skip.client_id,
        "reason": skip.reason.value,
        "message": skip.message,
    }


def _client(client: Client) -> Any:
    return unstructure(client)


def _message(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "topic": message.topic,
        "key": message.key,
        "status": message.status.value,
        "attempts": message.attempts,
        "created_at": message.created_at.isoformat(),
        "next_attempt_at": message.next_attempt_at.isoformat(),
        "last_error": message.last_error,
    }


def _agenda(agenda: Agenda) -> dict[str, Any]:
    return {
        "employee_id": agenda.employee_id,
        "day": agenda.day.isoformat(),
        "items": [
            {
                "kind": item.kind.value,
                "why": item.why,
                "client_id": item.client_id,
                "client_name": item.client_name,
                "due_at": item.due_at.isoformat() if item.due_at else None,
                "due_on": item.due_on.isoformat() if item.due_on else None,
                "ref": item.ref,
                "overdue": item.overdue,
            }
            for item in agenda.items
        ],
    }


# --------------------------------------------------------------------------- the group


@click.group(cls=_Group)
@click.option(
    "--store",
    envvar=STORE_ENV,
    default=clientops.DEFAULT_URL,
    show_default=True,
    help="The store URL (sqlite:///file.db, postgresql://…); env CLIENTOPS_STORE.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option(
    "--lang",
    envvar=LANG_ENV,
    type=click.Choice(["ru", "en"]),
    default="ru",
    show_default=True,
    help="The language of messages for people.",
)
@click.option(
    "--config",
    "config_file",
    envvar=CONFIG_ENV,
    metavar="FILE",
    help="A TOML file with the store, the policy and the plugins; env CLIENTOPS_CONFIG.",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log on stderr what the library does: -v what batches did, retried and refused; "
    "-vv everything.",
)
@click.option("--log-json", is_flag=True, help="Log one JSON object a line (implies -v).")
@click.version_option(package_name="clientops")
@click.pass_context
def cli(
    ctx: click.Context,
    store: str,
    as_json: bool,
    lang: str,
    config_file: str | None,
    verbose: int,
    log_json: bool,
) -> None:
    """The client department from the command line (clientops)."""
    ctx.obj = env = Env(store, as_json, lang)
    if verbose or log_json:
        ctx.call_on_close(configure_logging(verbose, as_json=log_json))
    if config_file:
        try:
            env.config = read_config(config_file)
        except ConfigProblem as exc:
            raise CommandError(EXIT_BAD_INPUT, exc.ru, exc.en) from None
        given = ctx.get_parameter_source("store")
        if env.config.store is not None and given is click.core.ParameterSource.DEFAULT:
            env.store = env.config.store
    if env.config.policy is not None:  # every line of the command names money as it says
        ctx.with_resource(currency_style(env.config.policy.currency))


pass_env = click.make_pass_decorator(Env)


def main(argv: Sequence[str] | None = None) -> None:
    """The console script ``clientops``."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="clientops")


# --------------------------------------------------------------------------- init


def _read_staff(path: str) -> StaffDirectory:
    raw = _read_file(path)
    try:
        if path.lower().endswith(".toml"):
            data: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(
            [FieldError(path, f"not TOML or JSON: {exc}")], subject="staff"
        ) from None
    return structure(data, StaffDirectory)


@cli.command()
@click.option("--staff", "staff_file", help="Departments, employees, absences (TOML or JSON).")
@pass_env
def init(env: Env, staff_file: str | None) -> None:
    """Create the store, or migrate it to the current schema; load the staff."""
    staff = _read_staff(staff_file) if staff_file is not None else None  # checked first
    with env.open(create=True) as ops:
        if staff is not None:
            ops.clients.add_staff(staff)
        version = getattr(ops.storage, "schema_version", None)
    counts = {
        "departments": len(staff.departments) if staff else 0,
        "employees": len(staff.employees) if staff else 0,
        "absences": len(staff.absences) if staff else 0,
    }
    env.emit({"store": ops.storage.name, "schema_version": version, **counts})
    env.say(
        f"Хранилище готово (схема {version}). Загружено отделов: {counts['departments']}, "
        f"сотрудников: {counts['employees']}, отсутствий: {counts['absences']}.",
        f"Store ready (schema {version}). Loaded departments: {counts['departments']}, "
        f"employees: {counts['employees']}, absences: {counts['absences']}.",
    )


# --------------------------------------------------------------------------- clients


@cli.group()
def clients() -> None:
    """Client cards: import, find, show."""


clients.add_command(clients_export)


@clients.command("import")
@click.argument("file")
@click.option("--encoding", help="utf-8 or cp1251 (guessed when not given).")
@click.option("--delimiter", help="; or , (guessed when not given).")
@pass_env
def clients_import(env: Env, file: str, encoding: str | None, delimiter: str | None) -> None:
    """Import client cards from a CSV file."""
    data = _read_file(file)
    with env.open() as ops, env.progress(env.t("Загрузка клиентов", "Importing clients"), None):
        report = ops.clients.import_csv(data, encoding=encoding, delimiter=delimiter)
    rejected: list[dict[str, Any]] = [
        {"line": r.line, "errors": [{"field": e.path, "message": e.message} for e in r.reasons]}
        for r in report.rejected
    ]
    env.emit(
        {
            "rows": report.parsed.rows,
            "stored": len(report.stored),
            "rejected": rejected,
            "already_imported": report.already_imported,
        }
    )
    if report.already_imported:
        env.say(report.summary(), "The file was imported before: nothing added.")
    else:
        env.say(
            report.summary(),
            f"Rows: {report.parsed.rows}, added: {len(report.stored)}, "
            f"rejected: {len(report.rejected)}.",
        )
    for row in rejected:
        for error in row["errors"]:
            env.say(
                f"  строка {row['line']}: {error['field']}: {error['message']}",
                f"  line {row['line']}: {error['field']}: {error['message']}",
            )


@clients.command("find")
@click.option("--phone")
@click.option("--contract")
@click.option("--name")
@click.option("--city")
@pass_env
def clients_find(
    env: Env, phone: str | None, contract: str | None, name: str | None, city: str | None
) -> None:
    """Find cards by phone, contract number, name, city."""
    with env.open() as ops:
        found = ops.clients.find(phone=phone, contract=contract, name=name, city=city)
    env.emit({"clients": [_client(c) for c in found]})
    for card in found:
        phones = ", ".join(p.e164 for p in card.phones) or "—"
        env.line(f"{card.id}  {card.name} ({card.city})  {phones}  {card.manager_id or '—'}")
    env.say(f"Найдено карточек: {len(found)}.", f"Cards found: {len(found)}.")


@clients.command("show")
@click.argument("client_id")
@pass_env
def clients_show(env: Env, client_id: str) -> None:
    """Show one card."""
    with env.open() as ops:
        card = ops.clients.get(ClientId(client_id))
        manager = ops.clients.staff().employee(card.manager_id) if card.manager_id else None
    env.emit({"client": _client(card)})
    # the manager by name, their id (what the commands take) beside it
    in_charge = f"{manager.full_name} ({manager.id})" if manager else card.manager_id or "—"
    rows = (
        (env.t("Карточка", "Card"), card.id),
        (env.t("Название", "Name"), card.name),
        (env.t("Город", "City"), card.city),
        (env.t("Телефоны", "Phones"), ", ".join(p.e164 for p in card.phones) or "—"),
        (env.t("Контактное лицо", "Contact"), card.contact_person),
        (env.t("Менеджер", "Manager"), in_charge),
        (env.t("Договоры", "Contracts"), ", ".join(card.contract_numbers) or "—"),
        (env.t("ИНН", "INN"), card.inn or "—"),
    )
    for name, value in rows:
        env.line(f"{name}: {value}")


# --------------------------------------------------------------------------- agenda


@cli.command()
@click.option("--manager", help="An employee id.")
@click.option("--department", help="A department id.")
@click.option("--date", "day", type=DAY, help="The day (today by default).")
@pass_env
def agenda(env: Env, manager: str | None, department: str | None, day: date | None) -> None:
    """What is due: for a manager, a department, or everyone."""
    if manager is not None and department is not None:
        raise CommandError(
            EXIT_BAD_INPUT,
            "укажите --manager или --department, не оба",
            "give --manager or --department, not both",
        )
    with env.open() as ops:
        if manager is not None:
            agendas: tuple[Agenda, ...] = (ops.agenda.for_manager(EmployeeId(manager), day),)
        elif department is not None:
            agendas = ops.agenda.for_department(DepartmentId(department), day)
        else:
            agendas = ops.agenda.for_everyone(day)
        shown = day or ops.context.today()
        tz = ops.policy.tz
        staff = ops.clients.staff()
    env.emit({"day": shown.isoformat(), "agendas": [_agenda(a) for a in agendas]})
    for one in agendas:
        person = staff.employee(one.employee_id)
        name = person.full_name if person is not None else one.employee_id
        env.say(
            f"{name}, {full_date(shown)}: {count_text(len(one.items), 'дело', 'дела', 'дел')}",
            f"{one.employee_id}, {shown.isoformat()}: {len(one.items)} items",
        )
        for text in one.lines(tz):
            env.line(f"  {text}")


# --------------------------------------------------------------------------- billing


@cli.group()
def billing() -> None:
    """The monthly billing run."""


def _plan_shape(plan: BillingPlan) -> dict[str, Any]:
    return {
        "month": str(plan.month),
        "issue_date": plan.issue_date.isoformat(),
        "due_date": plan.due_date.isoformat(),
        "total": _money(plan.total),
        "to_issue": [_invoice(i) for i in plan.to_issue],
        "skipped": [_skip(s) for s in plan.skipped],
        "corrections": len(plan.corrections),
    }


def _client_names(ops: clientops.ClientOps, plan: BillingPlan) -> dict[ClientId, str]:
    """The names of the plan's clients, for the lines a person reads (never their ids)."""
    ids = dict.fromkeys(
        [*(i.client_id for i in plan.to_issue), *(s.client_id for s in plan.skipped)]
    )
    names = {}
    for client_id in ids:
        try:
            names[client_id] = ops.clients.get(client_id).name
        except NotFoundError:
            continue
    return names


def _show_plan(env: Env, plan: BillingPlan, names: Mapping[ClientId, str]) -> None:
    if env.lang != "en":
        env.line(plan.report(names))
        return
    count = len(plan.to_issue)
    env.line(
        f"Invoices for {month_text(plan.month.first_day, lang='en')}: issue {count} "
        f"invoice{'' if count == 1 else 's'} totalling {money_text(plan.total, lang='en')} "
        f"dated {plan.issue_date.isoformat()}, skipped {len(plan.skipped)}."
    )
    for i in plan.to_issue:
        who = names.get(i.client_id)
        env.line(f"No. {i.number}: {who + ', ' if who else ''}{money_text(i.total, lang='en')}")
    for s in plan.skipped:
        why = label(s.reason, lang="en")
        env.line(f"{names.get(s.client_id) or 'Subscription skipped'}: {why}")


@billing.command("plan")
@click.option("--month", type=MONTH, required=True)
@click.option("--date", "day", type=DAY, help="The issue date (the billing date by default).")
@pass_env
def billing_plan(env: Env, month: Month, day: date | None) -> None:
    """What a billing run for the month would issue; nothing is stored."""
    with env.open() as ops:
        plan = ops.billing.plan(month, issue_date=day)
        names = _client_names(ops, plan)
    env.emit(_plan_shape(plan))
    _show_plan(env, plan, names)


@billing.command("run")
@click.option("--month", type=MONTH, required=True)
@click.option(
    "--date",
    "day",
    type=DAY,
    help="Issue with this date, outside the billing period too (off schedule).",
)
@pass_env
def billing_run(env: Env, month: Month, day: date | None) -> None:
    """Issue the month's invoices: shows the plan, then issues it. Refused (exit 1) before
    the billing date or once the month's billing period is closed, unless --date is given."""
    with env.open() as ops:
        if day is None:
            today = ops.context.today()
            opens = ops.billing.billing_date(month)
            closes = ops.billing.billing_date(month.next())
            if today < opens:
                raise CommandError(
                    EXIT_REFUSED,
                    f"счета за {month} выставляются с {opens:%d.%m.%Y}; чтобы выставить их "
                    "раньше, укажите --date",
                    f"invoices for {month} are issued from {opens.isoformat()}; give --date "
                    "to issue them earlier",
                )
            if today >= closes:
                raise CommandError(
                    EXIT_REFUSED,
                    f"период выставления счетов за {month} закрыт {closes:%d.%m.%Y}; чтобы "
                    "выставить их всё равно, укажите --date",
                    f"the billing period of {month} closed on {closes.isoformat()}; give "
                    "--date to issue them anyway",
                )
            day = today
            off_schedule = False
        else:
            off_schedule = True
        plan = ops.billing.plan(month, issue_date=day)
        _show_plan(env, plan, _client_names(ops, plan))
        with env.progress(env.t("Выставление счетов", "Issuing invoices"), None):
            run = ops.billing.run(month, issue_date=day, off_schedule=off_schedule)
    env.emit(
        {
            "month": str(month),
            "issue_date": day.isoformat(),
            "off_schedule": off_schedule,
            "issued": [_invoice(i) for i in run.issued],
            "already_issued": run.already_issued,
            "skipped": [_skip(s) for s in run.plan.skipped],
            "corrections": len(run.plan.corrections),
        }
    )
    env.say(
        run.summary(),
        f"Invoices for {month}: issued {len(run.issued)}, already issued {run.already_issued}, "
        f"skipped {len(run.plan.skipped) - run.already_issued}, "
        f"to correct {len(run.plan.corrections)}.",
    )


# --------------------------------------------------------------------------- statements


@cli.group()
def statements() -> None:
    """Bank statements (1C client-bank exchange files)."""


@statements.command("import")
@click.argument("files", nargs=-1, required=True)
@pass_env
def statements_import(env: Env, files: tuple[str, ...]) -> None:
    """Import bank statements and apply their payments. Every file is read and checked
    before any is imported: a missing or corrupt one stores nothing."""
    contents = []
    for name in files:
        data = _read_file(name)
        try:
            read_bank_statement(data)
        except ValidationError as exc:
            raise ValidationError(exc.errors, subject=f"statement {name!r}") from None
        contents.append((name, data))
    results = []
    with env.open() as ops, env.progress(env.t("Выписки", "Statements"), len(files)) as advance:
        for name, data in contents:
            result = ops.billing.import_bank_statement(data)
            results.append((name, result))
            advance(1)
    env.emit(
        {
            "statements": [
                {
                    "file": name,
                    "source": r.source,
                    "payments": len(r.payments),
                    "matched": len(r.payments) - len(r.unmatched),
                    "unmatched": len(r.unmatched),
                    "credits": len(r.credits),
                    "already_imported": r.already_imported,
                }
                for name, r in results
            ]
        }
    )
    for name, r in results:
        if r.already_imported:
            en = "imported before: nothing added."
        else:
            en = (
                f"payments: {len(r.payments)}, matched: {len(r.payments) - len(r.unmatched)}, "
                f"unmatched: {len(r.unmatched)}, credits: {len(r.credits)}."
            )
        env.say(f"{name}: {r.summary()}", f"{name}: {en}")


# --------------------------------------------------------------------------- reminders


@cli.command()
@click.option("--date", "day", type=DAY, help="The day (today by default).")
@pass_env
def reminders(env: Env, day: date | None) -> None:
    """Schedule the day's payment reminder calls (from the 20th, every working day)."""
    with env.open() as ops:
        day = day or ops.context.today()
        done = ops.billing.reminders(day)
    env.emit(
        {
            "day": day.isoformat(),
            "reactions": [
                {
                    "id": r.id,
                    "client_id": r.client_id,
                    "employee_id": r.employee_id,
                    "topic": r.topic,
                    "due_at": r.due_at.isoformat(),
                }
                for r in done.reactions
            ],
        }
    )
    env.say(
        f"Звонков-напоминаний на {day:%d.%m.%Y}: {len(done.reactions)}.",
        f"Reminder calls for {day.isoformat()}: {len(done.reactions)}.",
    )
    for r in done.reactions:
        env.line(f"  {r.client_id} → {r.employee_id}: {r.topic}")


# --------------------------------------------------------------------------- outbox


@cli.group()
def outbox() -> None:
    """Side effects waiting to be delivered."""


@outbox.command("deliver")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@pass_env
def outbox_deliver(env: Env, limit: int) -> None:
    """Deliver every due message, ``--limit`` at a time."""
    totals = {"delivered": 0, "retried": 0, "dead": 0, "lost_lease": 0}
    with env.open() as ops:
        pending = len(ops.outbox.messages(OutboxStatus.PENDING))
        with env.progress(env.t("Доставка", "Delivering"), pending) as advance:
            while True:
                report = ops.outbox.deliver(limit=limit)
                counts = {
                    "delivered": len(report.delivered),
                    "retried": len(report.retried),
                    "dead": len(report.dead),
                    "lost_lease": len(report.lost_lease),
                }
                for key, n in counts.items():
                    totals[key] += n
                taken = sum(counts.values())
                advance(taken)
                if taken < limit:
                    break
    env.emit(totals)
    env.say(
        f"Доставлено: {totals['delivered']}, отложено: {totals['retried']}, "
        f"не доставлено совсем: {totals['dead']}, перехвачено: {totals['lost_lease']}.",
        f"Delivered: {totals['delivered']}, retried: {totals['retried']}, "
        f"dead: {totals['dead']}, lost lease: {totals['lost_lease']}.",
    )


@outbox.command("list")
@click.option(
    "--status",
    type=click.Choice([s.value for s in OutboxStatus]),
    help="Only the messages with this status.",
)
@pass_env
def outbox_list(env: Env, status: str | None) -> None:
    """The outbox's messages, oldest first."""
    with env.open() as ops:
        messages = ops.outbox.messages(OutboxStatus(status) if status else None)
    env.emit({"messages": [_message(m) for m in messages]})
    for m in messages:
        error = f"  {m.last_error}" if m.last_error else ""
        env.line(f"{m.id}  {m.status.value}  {m.topic}  {m.attempts}{error}")
    env.say(f"Сообщений: {len(messages)}.", f"Messages: {len(messages)}.")


# --------------------------------------------------------------------------- doctor


class _Check:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ok = True
        self.detail = ""

    def passed(self, detail: str) -> None:
        self.detail = detail

    def failed(self, detail: str) -> None:
        self.ok = False
        self.detail = _one_line(detail)


@cli.command()
@pass_env
def doctor(env: Env) -> None:
    """Check the installation: the store, the production calendar, the plugins, the outbox,
    the backends. Exit 1 when a check fails."""
    store, calendar, plugins, dead, backends = (
        _Check("store"),
        _Check("calendar"),
        _Check("plugins"),
        _Check("outbox"),
        _Check("backends"),
    )
    host, (ok, ru, en) = load_plugins(env.config)
    (plugins.passed if ok else plugins.failed)(env.t(ru, en))
    ops: clientops.ClientOps | None = None
    try:
        ops = env.open(host=host or clientops.PluginHost().load())
    except CommandError as exc:
        store.failed(env.t(exc.ru, exc.en))
    except (ClientopsError, ConfigurationError) as exc:
        store.failed(str(exc))
    try:
        if ops is not None:
            version = getattr(ops.storage, "schema_version", None)
            shown = "—" if version is None else str(version)
            store.passed(
                env.t(
                    f"{ops.storage.name}: открывается, схема {shown} (текущая)",
                    f"{ops.storage.name}: opens, schema {shown} (current)",
                )
            )
            policy = ops.policy
            today = ops.context.today()
        else:
            policy = env.config.policy or clientops.Policy()
            today = date.today()
        _check_calendar(env, calendar, policy.calendar, today.year)
        if ops is None:
            dead.failed(env.t("не проверено: хранилище не открылось", "not checked: no store"))
        else:
            found = ops.outbox.messages(OutboxStatus.DEAD)
            if found:
                dead.failed(
                    env.t(
                        f"недоставленных сообщений: {len(found)} (clientops outbox list "
                        "--status dead, clientops outbox retry)",
                        f"{len(found)} dead messages (clientops outbox list --status dead, "
                        "clientops outbox retry)",
                    )
                )
            else:
                dead.passed(env.t("недоставленных сообщений нет", "no dead messages"))
        employees = sorted(e.id for e in ops.clients.staff().employees) if ops else []
        ok, ru, en = check_backends(ops, env.config, employees)
        (backends.passed if ok else backends.failed)(env.t(ru, en))
    finally:
        if ops is not None:
            ops.close()
    checks = (store, calendar, plugins, dead, backends)
    healthy = all(c.ok for c in checks)
    env.emit(
        {
            "ok": healthy,
            "checks": [
                {"name": c.name, "ok": c.ok, "detail": c.detail, "about": env.t(*ABOUT[c.name])}
                for c in checks
            ],
        }
    )
    for c in checks:
        mark = env.t("в порядке", "ok") if c.ok else env.t("ПРОБЛЕМА", "PROBLEM")
        env.line(f"{c.name}: {mark} — {c.detail}")
        env.line(f"  ({env.t(*ABOUT[c.name])})")
    if not healthy:
        sys.stdout.flush()
        click.get_current_context().exit(EXIT_REFUSED)


def _check_calendar(env: Env, check: _Check, calendar: object, year: int) -> None:
    if not isinstance(calendar, ProductionCalendar) or calendar.country not in DECREE_COUNTRIES:
        check.passed(env.t("календарь без постановлений о переносе", "a calendar without decrees"))
        return
    through = calendar.decreed_through
    if through is None or through < year + 1:
        last = "—" if through is None else str(through)
        check.failed(
            env.t(
                f"производственный календарь знает постановление о переносе выходных до "
                f"{last} года, нужно до {year + 1}: обновите пакет holidays",
                f"the production calendar has the decree moving days off up to {last}, "
                f"{year + 1} is needed: upgrade the holidays package",
            )
        )
    else:
        check.passed(
            env.t(
                f"постановления о переносе выходных есть по {through} год",
                f"decrees moving days off known through {through}",
            )
        )
