"""The ``clientops`` command on a real SQLite file: every sub-command, its JSON shape, the exit
codes of bad input (with nothing stored), and ``--lang en``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import clientops
from clientops.billing import Month
from clientops.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED, cli
from clientops.outbox import OutboxStatus
from clientops.russian import month_text
from clientops.testing import a_client, a_staff, a_subscription
from clientops.workdays import ProductionCalendar

STATEMENT = Path(__file__).parent / "data" / "statements" / "one_day_utf8_bom.txt"

STAFF_TOML = """\
[[departments]]
id = "client"
name = "Клиентский отдел"
head_id = "anna"

[[employees]]
id = "anna"
full_name = "Смирнова Анна Сергеевна"
first_name = "Анна"
department_id = "client"
roles = ["client_manager"]
"""

CSV = (
    "Наименование;Город;Телефон;Договор;Менеджер\n"
    "ООО «Ромашка»;Москва;+7 495 123-45-67;Д-1;anna\n"
    "ООО «Лютик»;Омск;не телефон;Д-2;anna\n"
)


def run(url: str, *args: str) -> Result:
    return CliRunner(env={"CLIENTOPS_STORE": None, "CLIENTOPS_LANG": None}).invoke(
        cli, ["--store", url, *args]
    )


def shape(result: Result) -> Any:
    assert result.exit_code == EXIT_OK, result.output
    return json.loads(result.stdout)


def failed(result: Result, code: int) -> str:
    """The one line a failing command prints: no traceback, exit ``code``."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store made by ``clientops init`` with the test department's staff."""
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path / 'ops.db'}"
    with clientops.connect(store) as ops:
        ops.clients.add_staff(a_staff())
    return store


def counts(url: str) -> tuple[int, int, int, int]:
    """Cards, invoices, outbox messages and unmatched payments: what bad input must not change."""
    with clientops.connect(url) as ops:
        cards = ops.clients.find(name="Ромашка") + ops.clients.find(name="Лютик")
        invoices = sum(len(ops.billing.invoices_of(c.id)) for c in cards)
        return (
            len(cards),
            invoices,
            len(ops.outbox.messages()),
            len(ops.billing.unmatched_payments()),
        )


# --------------------------------------------------------------------------- init


def test_init_creates_the_store_and_loads_the_staff_from_toml(tmp_path: Path) -> None:
    (tmp_path / "staff.toml").write_text(STAFF_TOML, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'new.db'}"
    out = shape(run(url, "--json", "init", "--staff", str(tmp_path / "staff.toml")))
    assert out["store"] == "sqlite"
    assert isinstance(out["schema_version"], int)
    assert (out["departments"], out["employees"], out["absences"]) == (1, 1, 0)
    with clientops.connect(url) as ops:
        assert ops.clients.staff().require(clientops.EmployeeId("anna")).first_name == "Анна"
    # run again: the store is opened (migrated if need be), the staff written again
    again = run(url, "init")
    assert again.exit_code == EXIT_OK
    assert "Хранилище готово" in again.stdout


def test_init_reads_a_json_staff_file(tmp_path: Path) -> None:
    staff = {
        "departments": [{"id": "sales", "name": "Отдел продаж"}],
        "employees": [
            {
                "id": "petrov",
                "full_name": "Петров И. О.",
                "first_name": "Игорь",
                "department_id": "sales",
            }
        ],
    }
    (tmp_path / "staff.json").write_text(json.dumps(staff), encoding="utf-8")
    out = shape(
        run(
            f"sqlite:///{tmp_path / 's.db'}",
            "--json",
            "init",
            "--staff",
            str(tmp_path / "staff.json"),
        )
    )
    assert (out["departments"], out["employees"]) == (1, 1)


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (STAFF_TOML + 'nickname = "Аня"\n', "nickname"),  # an unknown key
        ("[[employees]\n", "staff.toml"),  # not TOML
    ],
)
def test_init_refuses_a_bad_staff_file_and_creates_no_store(
    tmp_path: Path, content: str, named: str
) -> None:
    (tmp_path / "staff.toml").write_text(content, encoding="utf-8")
    line = failed(
        run(f"sqlite:///{tmp_path / 'new.db'}", "init", "--staff", str(tmp_path / "staff.toml")),
        EXIT_BAD_INPUT,
    )
    assert named in line
    assert not (tmp_path / "new.db").exists()


# --------------------------------------------------------------------------- clients


def test_clients_import_find_and_show(url: str, tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_text(CSV, encoding="utf-8")
    out = shape(run(url, "--json", "clients", "import", str(tmp_path / "clients.csv")))
    assert (out["rows"], out["stored"], out["already_imported"]) == (2, 1, False)
    assert [r["line"] for r in out["rejected"]] == [3]
    assert out["rejected"][0]["errors"][0]["field"] == "Телефон"

    again = shape(run(url, "--json", "clients", "import", str(tmp_path / "clients.csv")))
    assert (again["stored"], again["already_imported"]) == (0, True)

    found = shape(run(url, "--json", "clients", "find", "--phone", "84951234567"))
    assert [c["name"] for c in found["clients"]] == ["ООО «Ромашка»"]
    card = found["clients"][0]
    assert card["phones"] == ["+74951234567"]
    assert card["contract_numbers"] == ["Д-1"]

    shown = shape(run(url, "--json", "clients", "show", card["id"]))
    assert shown["client"] == card
    text = run(url, "clients", "show", card["id"])
    assert "Название: ООО «Ромашка»" in text.stdout
    assert "Менеджер: Смирнова Анна Сергеевна (anna)" in text.stdout


def test_clients_show_of_an_unknown_card_is_bad_input(url: str) -> None:
    line = failed(run(url, "clients", "show", "nobody"), EXIT_BAD_INPUT)
    assert line == "Ошибка: клиент 'nobody' не найден"


# --------------------------------------------------------------------------- agenda


def test_agenda_for_a_manager_a_department_and_everyone(url: str) -> None:
    with clientops.connect(url) as ops:
        card = ops.clients.add(
            a_client(manager_id=clientops.EmployeeId("anna"), birthday=date(1990, 3, 9))
        )
    out = shape(run(url, "--json", "agenda", "--manager", "anna", "--date", "2026-03-09"))
    assert out["day"] == "2026-03-09"
    [anna] = out["agendas"]
    assert anna["employee_id"] == "anna"
    assert [(i["kind"], i["client_id"]) for i in anna["items"]] == [("touch", card.id)]
    assert set(anna["items"][0]) == {
        "kind",
        "why",
        "client_id",
        "client_name",
        "due_at",
        "due_on",
        "ref",
        "overdue",
    }
    sales = shape(run(url, "--json", "agenda", "--department", "sales", "--date", "2026-03-09"))
    assert [a["employee_id"] for a in sales["agendas"]] == ["kuznetsova", "petrov"]
    everyone = shape(run(url, "--json", "agenda", "--date", "2026-03-09"))
    assert [a["employee_id"] for a in everyone["agendas"]] == sorted(
        e.id for e in a_staff().employees
    )
    text = run(url, "agenda", "--manager", "anna", "--date", "2026-03-09")
    assert text.stdout.startswith("Смирнова Анна Сергеевна, 09.03.2026: ")
    assert text.stdout.splitlines()[0].endswith(("\xa0дело", "\xa0дела", "\xa0дел"))


def test_agenda_of_an_unknown_manager_is_bad_input_and_stores_nothing(url: str) -> None:
    before = counts(url)
    line = failed(run(url, "agenda", "--manager", "bob"), EXIT_BAD_INPUT)
    assert line == "Ошибка: сотрудник 'bob' не найден"
    line = failed(run(url, "--lang", "en", "agenda", "--manager", "bob"), EXIT_BAD_INPUT)
    assert line == "Bad input: employee 'bob' not found"
    failed(run(url, "agenda", "--manager", "anna", "--department", "client"), EXIT_BAD_INPUT)
    failed(run(url, "agenda", "--date", "09.03.2026"), EXIT_BAD_INPUT)
    assert counts(url) == before


# --------------------------------------------------------------------------- billing


def _subscribed(url: str) -> clientops.Client:
    with clientops.connect(url) as ops:
        card = ops.clients.add(a_client(city="Москва", manager_id=clientops.EmployeeId("anna")))
        ops.billing.add_subscription(a_subscription(card))
    return card


def _a_past_month(url: str) -> tuple[Month, date]:
    """A month whose billing period is closed, and its billing date."""
    with clientops.connect(url) as ops:
        month = Month.of(ops.context.today()).previous().previous().previous()
        return month, ops.billing.billing_date(month)


def test_billing_plan_shows_and_stores_nothing(url: str) -> None:
    card = _subscribed(url)
    month, day = _a_past_month(url)
    out = shape(run(url, "--json", "billing", "plan", "--month", str(month)))
    assert out["month"] == str(month)
    assert out["issue_date"] == day.isoformat()
    assert [i["client_id"] for i in out["to_issue"]] == [card.id]
    assert out["total"] == out["to_issue"][0]["total"] == "12000.00"
    assert (out["skipped"], out["corrections"]) == ([], 0)
    assert counts(url)[1] == 0
    text = run(url, "billing", "plan", "--month", str(month))
    assert text.stdout.startswith(f"Счета за {month_text(month.first_day)}\xa0г.: выставить 1")


def test_the_billing_plan_names_clients_and_roubles_in_russian_and_in_english(url: str) -> None:
    card = _subscribed(url)
    month, _ = _a_past_month(url)
    russian = run(url, "billing", "plan", "--month", str(month)).stdout.splitlines()
    assert russian[0].startswith(
        f"Счета за {month_text(month.first_day)}\xa0г.: выставить 1\xa0счёт"
    )
    assert russian[1].endswith(f": {card.name}, 12\xa0000,00\xa0руб.")
    english = run(url, "--lang", "en", "billing", "plan", "--month", str(month)).stdout
    assert "12,000.00\xa0roubles" in english
    assert f": {card.name}, 12,000.00" in english
    for text in (english, "\n".join(russian)):
        assert "RUB" not in text
        assert card.id not in text


def test_billing_run_with_a_date_issues_once(url: str) -> None:
    card = _subscribed(url)
    month, day = _a_past_month(url)
    out = shape(
        run(url, "--json", "billing", "run", "--month", str(month), "--date", day.isoformat())
    )
    assert (out["month"], out["issue_date"], out["off_schedule"]) == (
        str(month),
        day.isoformat(),
        True,
    )
    [issued] = out["issued"]
    assert issued["client_id"] == card.id
    with clientops.connect(url) as ops:
        assert [i.number for i in ops.billing.invoices_of(card.id)] == [issued["number"]]
    again = shape(
        run(url, "--json", "billing", "run", "--month", str(month), "--date", day.isoformat())
    )
    assert (again["issued"], again["already_issued"]) == ([], 1)
    text = run(url, "billing", "run", "--month", str(month), "--date", day.isoformat())
    said = f"Счета за {month_text(month.first_day)}\xa0г."
    assert text.stdout.startswith(f"{said}: выставить 0")  # the plan comes first
    assert f"{said}: выставлено 0" in text.stdout


def test_billing_run_refuses_a_closed_month_and_one_not_yet_open(url: str) -> None:
    _subscribed(url)
    month, _ = _a_past_month(url)
    line = failed(run(url, "billing", "run", "--month", str(month)), EXIT_REFUSED)
    assert line.startswith(f"Отказано: период выставления счетов за {month} закрыт")
    assert "--date" in line
    ahead = month.next().next().next().next().next()  # two months after this one
    with clientops.connect(url) as ops:
        opens = ops.billing.billing_date(ahead)
    line = failed(run(url, "--lang", "en", "billing", "run", "--month", str(ahead)), EXIT_REFUSED)
    assert line == (
        f"Refused: invoices for {ahead} are issued from {opens.isoformat()}; give --date to "
        "issue them earlier"
    )
    assert counts(url)[1] == 0


@pytest.mark.parametrize("month", ["2026-13", "11.2026", "2026-1"])
def test_a_bad_month_is_bad_input_and_issues_nothing(url: str, month: str) -> None:
    _subscribed(url)
    for command in ("plan", "run"):
        line = failed(run(url, "billing", command, "--month", month), EXIT_BAD_INPUT)
        assert f"'{month}' не в формате ГГГГ-ММ" in line
    assert counts(url)[1] == 0


def test_an_issue_date_in_the_future_is_bad_input(url: str) -> None:
    _subscribed(url)
    with clientops.connect(url) as ops:
        tomorrow = ops.context.today() + timedelta(days=1)
    result = run(
        url,
        "--json",
        "billing",
        "run",
        "--month",
        str(Month.of(tomorrow)),
        "--date",
        tomorrow.isoformat(),
    )
    assert "issue_date" in failed(result, EXIT_BAD_INPUT)
    assert json.loads(result.stdout.splitlines()[-1])["error"]["exit_code"] == EXIT_BAD_INPUT
    assert counts(url)[1] == 0


# --------------------------------------------------------------------------- statements, reminders


def test_statements_import_once(url: str) -> None:
    out = shape(run(url, "--json", "statements", "import", str(STATEMENT)))
    [one] = out["statements"]
    assert one["file"] == str(STATEMENT)
    assert one["payments"] > 0
    assert one["matched"] + one["unmatched"] == one["payments"]
    assert one["already_imported"] is False
    again = shape(run(url, "--json", "statements", "import", str(STATEMENT)))
    assert again["statements"][0]["already_imported"] is True


def test_a_missing_or_corrupt_statement_imports_none_of_the_files(url: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    line = failed(run(url, "statements", "import", str(STATEMENT), str(missing)), EXIT_BAD_INPUT)
    assert line == f"Ошибка: файла {str(missing)!r} нет"
    corrupt = tmp_path / "corrupt.txt"
    corrupt.write_bytes(STATEMENT.read_bytes()[:200])
    line = failed(run(url, "statements", "import", str(STATEMENT), str(corrupt)), EXIT_BAD_INPUT)
    assert "corrupt.txt" in line
    assert counts(url)[3] == 0  # the good file was not imported either
    assert (
        shape(run(url, "--json", "statements", "import", str(STATEMENT)))["statements"][0][
            "already_imported"
        ]
        is False
    )


def test_reminders_for_an_unpaid_invoice(url: str) -> None:
    card = _subscribed(url)
    month, day = _a_past_month(url)
    shape(run(url, "--json", "billing", "run", "--month", str(month), "--date", day.isoformat()))
    calendar = ProductionCalendar()
    reminder_day = next(
        d
        for d in (date(month.year, month.month, 25) + timedelta(days=n) for n in range(10))
        if calendar.is_working_day(d)
    )
    out = shape(run(url, "--json", "reminders", "--date", reminder_day.isoformat()))
    assert out["day"] == reminder_day.isoformat()
    assert [(r["client_id"], r["employee_id"]) for r in out["reactions"]] == [(card.id, "anna")]
    assert (
        shape(run(url, "--json", "reminders", "--date", reminder_day.isoformat()))["reactions"]
        == []
    )  # once per client and day


# --------------------------------------------------------------------------- outbox, doctor


def _kill_message(url: str) -> None:
    """A message no deliverer knows, delivered until it is dead."""
    with clientops.connect(url) as ops:
        ops.outbox.enqueue("nobody.knows", {"n": 1}, key="k1")
        delays = ops.policy.outbox_retry_delays
    moment = ops.context.now()
    for delay in (timedelta(0), *delays):
        moment += delay + timedelta(seconds=1)
        with clientops.connect(url, clock=lambda m=moment: m) as ops:
            ops.outbox.deliver()


def test_outbox_deliver_and_list(url: str) -> None:
    with clientops.connect(url) as ops:
        ops.outbox.enqueue("nobody.knows", {"n": 1}, key="k1")
    out = shape(run(url, "--json", "outbox", "deliver"))
    assert out == {"delivered": 0, "retried": 1, "dead": 0, "lost_lease": 0}
    listed = shape(run(url, "--json", "outbox", "list"))
    [message] = listed["messages"]
    assert (message["topic"], message["key"], message["status"], message["attempts"]) == (
        "nobody.knows",
        "k1",
        "pending",
        1,
    )
    assert "nobody.knows" in message["last_error"]
    assert shape(run(url, "--json", "outbox", "list", "--status", "dead")) == {"messages": []}
    failed(run(url, "outbox", "list", "--status", "lost"), EXIT_BAD_INPUT)


def _calendar_ok() -> bool:
    through = ProductionCalendar().decreed_through
    return through is not None and through >= date.today().year + 1


def test_doctor_on_a_healthy_store(url: str) -> None:
    result = run(url, "--json", "doctor")
    out = json.loads(result.stdout)
    checks = {c["name"]: c for c in out["checks"]}
    assert list(checks) == ["store", "calendar", "plugins", "outbox", "backends"]
    assert [checks[n]["ok"] for n in ("store", "plugins", "outbox", "backends")] == [True] * 4
    assert checks["calendar"]["ok"] is _calendar_ok()
    assert out["ok"] is _calendar_ok()
    assert result.exit_code == (EXIT_OK if _calendar_ok() else EXIT_REFUSED)
    text = run(url, "--lang", "en", "doctor")
    assert "store: ok — sqlite: opens, schema" in text.stdout
    assert "outbox: ok — no dead messages" in text.stdout


def test_doctor_finds_dead_messages_and_a_missing_store(url: str, tmp_path: Path) -> None:
    _kill_message(url)
    with clientops.connect(url) as ops:
        assert len(ops.outbox.messages(OutboxStatus.DEAD)) == 1
    result = run(url, "--json", "doctor")
    assert result.exit_code == EXIT_REFUSED
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["outbox"]["ok"] is False
    assert "1" in checks["outbox"]["detail"]
    assert "outbox: ПРОБЛЕМА" in run(url, "doctor").stdout

    absent = tmp_path / "absent.db"
    result = run(f"sqlite:///{absent}", "--json", "doctor")
    assert result.exit_code == EXIT_REFUSED
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["store"]["ok"] is False
    assert "clientops init" in checks["store"]["detail"]
    assert not absent.exists()


# --------------------------------------------------------------------------- the store URL


@pytest.mark.parametrize(
    "store",
    ["nosuch://x", "no-scheme-at-all", "sqlite:/one-slash.db", "sqlite:///missing.db"],
)
def test_a_wrong_store_url_is_bad_input_and_creates_nothing(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (("agenda",), ("billing", "plan", "--month", "2026-11"), ("outbox", "list")):
        result = run(store, "--json", *args)
        failed(result, EXIT_BAD_INPUT)
        assert json.loads(result.stdout)["error"]["exit_code"] == EXIT_BAD_INPUT
    assert list(tmp_path.iterdir()) == []


def test_the_store_comes_from_the_environment(url: str, tmp_path: Path) -> None:
    result = CliRunner(env={"CLIENTOPS_STORE": url, "CLIENTOPS_LANG": "en"}).invoke(
        cli, ["agenda", "--manager", "anna"]
    )
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.startswith("anna, ")
    assert "items" in result.stdout.splitlines()[0]


def test_python_m_clientops_runs_the_command(url: str, tmp_path: Path) -> None:
    src = Path(clientops.__file__).parents[1]
    environ = {**os.environ, "PYTHONPATH": str(src), "CLIENTOPS_STORE": url}
    environ.pop("CLIENTOPS_LANG", None)
    ok = subprocess.run(
        [sys.executable, "-m", "clientops", "--json", "outbox", "list"],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        check=False,
    )
    assert ok.returncode == EXIT_OK, ok.stderr
    assert json.loads(ok.stdout) == {"messages": []}
    bad = subprocess.run(
        [sys.executable, "-m", "clientops", "billing", "run", "--month", "2026-13"],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        check=False,
    )
    assert bad.returncode == EXIT_BAD_INPUT
    assert bad.stderr.strip().splitlines() == [
        "Ошибка: Invalid value for '--month': месяц '2026-13' не в формате ГГГГ-ММ"
    ]
