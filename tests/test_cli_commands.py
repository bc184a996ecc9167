"""``calls route``, ``folders receive``, ``billing status``, ``outbox retry`` and ``calendar
export|publish`` on a real SQLite file: each JSON output checked against the shape docs/cli.md
documents, the text in Russian and with ``--lang en``, and bad input one line, exit 2, no
traceback, nothing stored."""

from __future__ import annotations

import json
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner, Result
from tests.cli_shapes import assert_shape, documented_shapes

import clientops
from clientops.billing import Month
from clientops.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED, cli
from clientops.outbox import OutboxStatus
from clientops.planning import PlanLine
from clientops.testing import a_client, a_staff, a_subscription

SHAPES = documented_shapes()

FOLDER = """\
[title_page]
client_name = "ООО «Лютик»"
contract_number = "Д-77"
sales_manager = "petrov"
city = "Омск"
contact_person = "Иванов Иван"
phone = "+7 3812 55-66-77"
products = ["ArchiMed+"]

[[contracts]]
number = "Д-77"
copies = [{}, {}, {signed = false}]

[[invoices]]
number = "С-1"
copies = [{}, {}]
"""


def run(url: str, *args: str) -> Result:
    return CliRunner(
        env={"CLIENTOPS_STORE": None, "CLIENTOPS_LANG": None, "CLIENTOPS_CONFIG": None}
    ).invoke(cli, ["--store", url, *args])


def shaped(result: Result, command: str) -> Any:
    """The JSON output of a command that succeeded, checked against its documented shape."""
    assert result.exit_code == EXIT_OK, result.output
    out = json.loads(result.stdout)
    assert_shape(out, SHAPES[command])
    return out


def failed(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path / 'ops.db'}"
    with clientops.connect(store) as ops:
        ops.clients.add_staff(a_staff())
    return store


def stored(url: str) -> tuple[int, int, int]:
    """Cards, outbox messages and dead messages: what bad input must leave alone."""
    with clientops.connect(url) as ops:
        cards = ops.clients.find(name="Ромашка") + ops.clients.find(name="Лютик")
        return len(cards), len(ops.outbox.messages()), len(ops.outbox.messages(OutboxStatus.DEAD))


def test_every_documented_shape_is_checked() -> None:
    assert set(SHAPES) >= {
        "calls route",
        "folders receive",
        "billing status",
        "billing subscribe",
        "outbox retry",
        "calendar export",
        "calendar publish",
        "report",
    }


def outbox(url: str) -> tuple[Any, ...]:
    with clientops.connect(url) as ops:
        return ops.outbox.messages()


# --------------------------------------------------------------------------- calls route

ROUTE = (
    "calls", "route", "--intent", "product_info", "--answered-by", "anna",
    "--phone", "+7 495 123-45-67", "--name", "ООО «Ромашка»", "--city", "Москва",
)  # fmt: skip


def test_calls_route_makes_the_card_appeal_and_reaction(url: str) -> None:
    out = shaped(run(url, "--json", *ROUTE), "calls route")
    assert (out["branch"], out["new_client"]) == ("sales", True)
    assert out["transfer_to"] == {"department_id": "sales", "employee_id": None}
    assert out["script"][0] == "Компания MLS IT, Анна, здравствуйте! Чем я могу Вам помочь?"
    assert out["reaction"]["department_id"] == "sales"
    with clientops.connect(url) as ops:
        [card] = ops.clients.find(name="Ромашка")
        assert card.id == out["client_id"]
        assert [a.id for a in ops.clients.appeals_of(card.id)] == [out["appeal_id"]]
    again = run(url, *ROUTE)  # the same caller: found by phone, no second card
    assert again.stdout.startswith("Ветка: продажи\n  «Компания MLS IT, Анна, здравствуйте!")
    assert "Перевести: sales" in again.stdout
    assert f"Карточка: {card.id} (ООО «Ромашка»)\n" in again.stdout
    english = run(url, "--lang", "en", *ROUTE)
    assert english.stdout.startswith("Branch: sales\n")
    assert "Put through to: sales" in english.stdout
    assert stored(url)[0] == 1


def test_calls_route_refuses_bad_input_and_stores_nothing(url: str) -> None:
    before = stored(url)
    route = list(ROUTE)
    route[route.index("anna")] = "bob"
    line = failed(run(url, *route), EXIT_BAD_INPUT)
    assert "answered_by" in line
    assert "bob" in line
    line = failed(run(url, "calls", "route", "--intent", "sell", "--answered-by", "anna"), 2)
    assert "--intent" in line
    failed(run(url, "calls", "route", "--intent", "unclear"), EXIT_BAD_INPUT)  # no --answered-by
    assert stored(url) == before


# --------------------------------------------------------------------------- folders receive


def test_folders_receive_checks_the_folder_and_opens_the_onboarding(
    url: str, tmp_path: Path
) -> None:
    (tmp_path / "folder.toml").write_text(FOLDER, encoding="utf-8")
    out = shaped(
        run(url, "--json", "folders", "receive", "folder.toml", "--manager", "anna"),
        "folders receive",
    )
    assert (out["client_name"], out["new_client"]) == ("ООО «Лютик»", True)
    assert [(n["kind"], n["field"]) for n in out["nonconformities"]] == [
        ("unsigned", "contracts[0].copies[2].signed")
    ]
    with clientops.connect(url) as ops:
        [onboarding] = ops.onboarding.onboardings_of(clientops.ClientId(out["client_id"]))
        assert onboarding.id == out["onboarding_id"]
    # the same folder again: its contract is on a card already (refused, exit 1)
    line = failed(run(url, "folders", "receive", "folder.toml", "--manager", "anna"), 1)
    assert "Д-77" in line
    # for the card that has it: received (a JSON file this time)
    folder = tmp_path / "folder.json"
    folder.write_text(json.dumps(tomllib.loads(FOLDER)), encoding="utf-8")
    text = run(
        url, "folders", "receive", str(folder), "--manager", "anna", "--client", out["client_id"]
    )
    assert text.exit_code == EXIT_OK, text.output
    assert text.stdout.startswith("Папка принята: ООО «Лютик» (")
    assert "несоответствий: 1." in text.stdout
    english = run(url, "--lang", "en", "folders", "receive", str(folder), "--manager", "anna")
    assert failed(english, EXIT_REFUSED).startswith("Refused: ")


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (None, "folder.toml"),  # no such file
        ("[title_page\n", "folder.toml"),  # not TOML
        (FOLDER.replace("city =", "town ="), "town"),  # an unknown key
        (FOLDER.replace('city = "Омск"', 'city = ""'), "title_page.city"),
        ("[[contracts]]\nnumber = 'Д-1'\n", "title_page"),  # no title page
    ],
)
def test_folders_receive_refuses_a_bad_folder_and_stores_nothing(
    url: str, tmp_path: Path, content: str | None, named: str
) -> None:
    if content is not None:
        (tmp_path / "folder.toml").write_text(content, encoding="utf-8")
    before = stored(url)
    line = failed(run(url, "folders", "receive", "folder.toml", "--manager", "anna"), 2)
    assert line.startswith("Ошибка: ")
    assert named in line
    assert stored(url) == before


def test_folders_receive_for_an_unknown_manager_is_bad_input(url: str, tmp_path: Path) -> None:
    (tmp_path / "folder.toml").write_text(FOLDER, encoding="utf-8")
    line = failed(run(url, "folders", "receive", "folder.toml", "--manager", "bob"), 2)
    assert line == "Ошибка: сотрудник 'bob' не найден"
    assert stored(url) == (0, 0, 0)


# --------------------------------------------------------------------------- billing status


def test_billing_status_of_a_month_before_and_after_its_run(url: str) -> None:
    with clientops.connect(url) as ops:
        card = ops.clients.add(a_client(city="Москва", manager_id=clientops.EmployeeId("anna")))
        ops.billing.add_subscription(a_subscription(card))
        month = Month.of(ops.context.today()).previous().previous().previous()
        day = ops.billing.billing_date(month)
    before = shaped(
        run(url, "--json", "billing", "status", "--month", str(month)), "billing status"
    )
    assert (before["period"], before["invoices"], before["to_issue"]) == ("closed", [], 1)
    assert before["billing_date"] == day.isoformat()
    run(url, "billing", "run", "--month", str(month), "--date", day.isoformat())
    after = shaped(run(url, "--json", "billing", "status", "--month", str(month)), "billing status")
    [invoice] = after["invoices"]
    assert (invoice["client_id"], invoice["status"], invoice["total"]) == (
        card.id,
        "issued",
        "12000.00",
    )
    assert (after["issued"], after["outstanding"], after["to_issue"]) == (1, "12000.00", 0)
    text = run(url, "billing", "status", "--month", str(month))
    assert text.stdout.startswith(f"Счета за {month}: период выставления закрыт (с ")
    assert "Выставлено 1 на 12\xa0000,00\xa0руб." in text.stdout
    english = run(url, "--lang", "en", "billing", "status", "--month", str(month))
    assert english.stdout.startswith(f"Invoices for {month}: billing period closed (")
    ahead = shaped(
        run(url, "--json", "billing", "status", "--month", str(month.next().next().next().next())),
        "billing status",
    )
    assert ahead["period"] == "not_open"


@pytest.mark.parametrize("month", ["2026-13", "11.2026", ""])
def test_billing_status_of_a_bad_month_is_bad_input(url: str, month: str) -> None:
    line = failed(run(url, "billing", "status", "--month", month), EXIT_BAD_INPUT)
    assert "ГГГГ-ММ" in line


def test_billing_subscribe_by_card_or_contract(url: str) -> None:
    with clientops.connect(url) as ops:
        card = ops.clients.add(a_client(contract_numbers=("Д-5",)))
    out = shaped(
        run(url, "--json", "billing", "subscribe", "--contract", "д 5", "--fee", "9500.50",
            "--start", "2026-01-01"),
        "billing subscribe",
    )  # fmt: skip
    assert (out["subscription"]["client_id"], out["subscription"]["fee"]) == (card.id, "9500.50")
    text = run(
        url, "billing", "subscribe", "--client", card.id, "--fee", "100", "--start", "2026-02-01",
        "--end", "2026-03-31", "--service", "Сопровождение",
    )  # fmt: skip
    assert text.stdout.startswith("Подписка ")
    assert "100,00\xa0руб. в месяц с 01.02.2026." in text.stdout
    with clientops.connect(url) as ops:
        subscriptions = ops.billing.subscriptions_of(card.id)
    assert sorted(str(s.fee.amount) for s in subscriptions) == ["100", "9500.50"]
    assert {s.service for s in subscriptions} == {"Абонентское обслуживание", "Сопровождение"}


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--contract", "Д-404", "--fee", "1", "--start", "2026-01-01"), "Д-404"),
        (("--client", "nobody", "--fee", "1", "--start", "2026-01-01"), "nobody"),
        (("--contract", "Д-5", "--fee", "много", "--start", "2026-01-01"), "--fee"),
        (("--contract", "Д-5", "--fee", "1", "--start", "01.01.2026"), "start"),
        (("--fee", "1", "--start", "2026-01-01"), "--contract"),
        (
            ("--contract", "Д-5", "--fee", "1", "--start", "2026-02-01", "--end", "2026-01-01"),
            "end",
        ),
    ],
)
def test_billing_subscribe_refuses_bad_input(url: str, args: tuple[str, ...], named: str) -> None:
    with clientops.connect(url) as ops:
        card = ops.clients.add(a_client(contract_numbers=("Д-5",)))
    line = failed(run(url, "billing", "subscribe", *args), EXIT_BAD_INPUT)
    assert named in line
    with clientops.connect(url) as ops:
        assert ops.billing.subscriptions_of(card.id) == ()


# --------------------------------------------------------------------------- outbox retry


def _dead(url: str) -> str:
    """A message no deliverer knows, delivered until it is dead; its id."""
    with clientops.connect(url) as ops:
        message = ops.outbox.enqueue("nobody.knows", {"n": 1}, key="k1")
        delays = ops.policy.outbox_retry_delays
    assert message is not None
    moment = ops.context.now()
    for delay in (timedelta(0), *delays):
        moment += delay + timedelta(seconds=1)
        with clientops.connect(url, clock=lambda m=moment: m) as ops:
            ops.outbox.deliver()
    return message.id


def test_outbox_retry_revives_dead_messages(url: str) -> None:
    dead = _dead(url)
    out = shaped(run(url, "--json", "outbox", "retry"), "outbox retry")
    [again] = out["retried"]
    assert (again["id"], again["status"], again["attempts"]) == (dead, "pending", 0)
    assert "nobody.knows" in again["last_error"]
    assert stored(url)[2] == 0
    # delivered (and failed) again by the next run
    delivered = run(url, "--json", "outbox", "deliver")
    assert json.loads(delivered.stdout)["retried"] == 1
    assert shaped(run(url, "--json", "outbox", "retry"), "outbox retry") == {"retried": []}
    assert run(url, "outbox", "retry").stdout.endswith("Снова в очереди на доставку: 0.\n")


def test_outbox_retry_of_a_message_by_id_and_bad_ids(url: str) -> None:
    dead = _dead(url)
    with clientops.connect(url) as ops:
        pending = ops.outbox.enqueue("nobody.knows", {"n": 2}, key="k2")
    assert pending is not None
    before = stored(url)
    line = failed(run(url, "outbox", "retry", "no-such-id"), EXIT_BAD_INPUT)
    assert "no-such-id" in line
    line = failed(run(url, "--lang", "en", "outbox", "retry", dead, pending.id), EXIT_REFUSED)
    assert line.startswith(f"Refused: outbox message {pending.id!r}")
    assert stored(url) == before  # the dead one was not revived either
    text = run(url, "--lang", "en", "outbox", "retry", dead)
    assert text.stdout.startswith(dead)
    assert text.stdout.endswith("Queued for delivery again: 1.\n")


# --------------------------------------------------------------------------- calendar


def _folder_for_anna(url: str, tmp_path: Path) -> None:
    """A folder anna received: reactions of hers (copies to sign) in her calendar."""
    (tmp_path / "folder.toml").write_text(FOLDER, encoding="utf-8")
    received = run(url, "folders", "receive", "folder.toml", "--manager", "anna")
    assert received.exit_code == EXIT_OK, received.output


def test_calendar_export_writes_the_managers_events(url: str, tmp_path: Path) -> None:
    _folder_for_anna(url, tmp_path)
    out = shaped(
        run(url, "--json", "calendar", "export", "--manager", "anna", "anna.ics"),
        "calendar export",
    )
    assert out["events"]
    ics = icalendar.Calendar.from_ical((tmp_path / "anna.ics").read_bytes())
    uids = sorted(str(e["UID"]) for e in ics.walk("VEVENT"))
    assert uids == sorted(e["uid"] for e in out["events"])
    text = run(url, "calendar", "export", "--manager", "anna", "anna.ics")
    assert text.stdout.startswith("Календарь Смирнова Анна Сергеевна: событий ")
    line = failed(run(url, "calendar", "export", "--manager", "bob", "bob.ics"), 2)
    assert line == "Ошибка: сотрудник 'bob' не найден"
    assert not (tmp_path / "bob.ics").exists()
    line = failed(run(url, "calendar", "export", "--manager", "anna", "no/such/a.ics"), 2)
    assert "no/such" in line


def test_calendar_publish_records_the_changes_once(url: str, tmp_path: Path) -> None:
    _folder_for_anna(url, tmp_path)
    line = failed(run(url, "calendar", "publish", "--manager", "anna", "--manager", "bob"), 2)
    assert line == "Ошибка: сотрудник 'bob' не найден"
    assert not any(m.topic == "calendar.publish" for m in outbox(url))  # nor anna's
    out = shaped(run(url, "--json", "calendar", "publish", "--manager", "anna"), "calendar publish")
    [anna] = out["calendars"]
    assert anna["manager"] == "anna"
    assert anna["messages"]
    assert {m["topic"] for m in anna["messages"]} == {"calendar.publish"}
    again = shaped(run(url, "--json", "calendar", "publish"), "calendar publish")
    assert [c["manager"] for c in again["calendars"]] == sorted(e.id for e in a_staff().employees)
    by_manager = {c["manager"]: c["messages"] for c in again["calendars"]}
    assert by_manager["anna"] == []  # unchanged since: nothing recorded
    assert by_manager["petrov"]  # told of the folder's nonconformity
    third = shaped(run(url, "--json", "calendar", "publish"), "calendar publish")
    assert all(c["messages"] == [] for c in third["calendars"])
    text = run(url, "--lang", "en", "calendar", "publish", "--manager", "anna")
    assert text.stdout == (
        "anna: 0 changes to publish\n"
        "Recorded in the outbox: 0; deliver with clientops outbox deliver.\n"
    )


# -- report ----------------------------------------------------------------------------------


def test_report_is_the_month_the_library_computes_and_writes_it_for_the_director(
    tmp_path: Path,
) -> None:
    """The monthly_report example stores a department's March; the command's report of it is
    the one the example wrote through the library, and its .docx opens."""
    import subprocess
    import sys

    import docx

    examples = Path(__file__).resolve().parents[1] / "examples"
    done = subprocess.run(
        [sys.executable, str(examples / "monthly_report.py"), "--db", "m.db", "--out", "files"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    url = f"sqlite:///{tmp_path / 'm.db'}"
    out = shaped(
        run(url, "--json", "report", "--month", "2026-03", "--department", "client"), "report"
    )
    written = json.loads((tmp_path / "files" / "report-2026-03.json").read_text("utf-8"))
    assert out == {**written, "file": None}
    assert set(out["lines"]) == {line.value for line in PlanLine}
    for line in out["lines"].values():
        assert set(line) == {"label", "plan", "fact", "done_percent", "difference", "records"}
    assert [c["name"] for c in out["lost"]] == ["АО «Омега-Строй»", "ООО «Юг»"]

    target = tmp_path / "report.docx"
    text = run(url, "report", "--month", "2026-03", "--department", "client", "--out", str(target))
    assert text.exit_code == EXIT_OK, text.output
    assert "Отчёт за март 2026: Клиентский отдел" in text.output
    assert (
        "Поступление денежных средств, руб.: план 63\u00a0433,34, факт 95\u00a0500" in text.output
    )
    assert "потерян: ООО «Юг» — несистемный клиент без заказов" in text.output
    paragraphs = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "Отчёт о работе за март 2026 года" in paragraphs


def test_report_refuses_what_it_cannot_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert run(url, "init").exit_code == EXIT_OK
    both = run(url, "report", "--month", "2026-03", "--manager", "a", "--department", "b")
    assert "--manager или --department" in failed(both, EXIT_BAD_INPUT)
    assert "нужен .docx, .csv или .json" in failed(
        run(url, "report", "--month", "2026-03", "--department", "x", "--out", "r.txt"),
        EXIT_BAD_INPUT,
    )
    failed(run(url, "report", "--month", "2099-03", "--department", "client"), EXIT_BAD_INPUT)
    failed(run(url, "report", "--month", "2026-3x", "--department", "client"), EXIT_BAD_INPUT)
    failed(run(url, "report", "--month", "2026-03", "--manager", "nobody"), EXIT_BAD_INPUT)
