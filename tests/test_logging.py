"""Standard logging in the core, one logger per area: what a batch did (INFO), what was retried
or refused (WARNING, INFO for bad input), what was given up (ERROR), and never a secret; and
``clientops -v`` / ``--log-json`` sending them to stderr."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import clientops
from clientops import ClientOps, PluginHost
from clientops.adapters.caldav import CalDavPublisher
from clientops.adapters.memory import MemoryStorage
from clientops.billing import Month
from clientops.calendar import PUBLISH_TOPIC
from clientops.calls import CallIntent, IncomingCall
from clientops.cli import cli
from clientops.errors import DuplicateError, NotFoundError, TransitionError
from clientops.model import EmployeeId
from clientops.testing import T0, a_client, a_staff, a_subscription

STATEMENT = Path(__file__).parent / "data" / "statements" / "one_day_utf8_bom.txt"
ANNA = EmployeeId("anna")
SECRET = "Xq7-very-secret-pw"


def records(caplog: pytest.LogCaptureFixture, logger: str) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == logger]


@pytest.fixture
def ops() -> ClientOps:
    ops = ClientOps(MemoryStorage(), host=PluginHost(entry_points=False).load(), clock=lambda: T0)
    ops.clients.add_staff(a_staff())
    return ops


def test_a_billing_run_says_what_it_issued(
    ops: ClientOps, caplog: pytest.LogCaptureFixture
) -> None:
    card = ops.clients.add(a_client(manager_id=ANNA))
    ops.billing.add_subscription(a_subscription(card))
    month = Month.of(T0.date())
    day = ops.billing.billing_date(month)
    caplog.set_level(logging.INFO, logger="clientops")
    run = ops.billing.run(month, issue_date=day, off_schedule=True)
    ops.billing.run(month, issue_date=day, off_schedule=True)
    [first, second] = records(caplog, "clientops.billing")
    assert first == (
        logging.INFO,
        f"run: month {month}: issued 1 ({run.issued[0].number}), already issued 0, skipped 0, "
        "to correct 0",
    )
    assert second[1].startswith(f"run: month {month}: issued 0 (), already issued 1")


def test_imports_reminders_calls_folders_and_calendars_are_logged_by_their_area(
    ops: ClientOps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="clientops")
    ops.billing.import_bank_statement(STATEMENT)
    ops.billing.import_bank_statement(STATEMENT)
    ops.clients.import_csv(
        "Наименование;Город;Телефон\nООО «Ромашка»;Москва;+74951234567\n".encode()
    )
    routing = ops.calls.handle_incoming(
        IncomingCall(
            CallIntent.UNCLEAR, caller_phone="+74951112233", name="ООО «Лютик»", city="Омск"
        ),
        answered_by=ANNA,
    )
    ops.agenda.publish_calendar(ANNA)
    [imported, again] = records(caplog, "clientops.billing")
    assert imported[1].startswith("import_bank_statement: source ")
    assert "payments " in imported[1]
    assert again[1].endswith("imported before, nothing added")
    assert records(caplog, "clientops.clients") == [
        (logging.INFO, "import_csv: rows 1, stored 1, rejected 0")
    ]
    assert records(caplog, "clientops.calls") == [
        (logging.INFO, f"handle_incoming: branch {routing.branch.value}, client "
         f"{routing.client.id if routing.client else None}, new card True")
    ]  # fmt: skip
    assert "+74951112233" not in caplog.text  # no phone numbers
    [(_, published)] = records(caplog, "clientops.agenda")
    assert published.startswith("publish_calendar: calendar changes recorded ")


def test_the_outbox_logs_retries_the_dead_and_revivals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    moment = [T0]
    ops = ClientOps(
        MemoryStorage(),
        host=PluginHost(entry_points=False).load(),
        clock=lambda: moment[0],
        policy=clientops.Policy(outbox_retry_delays=(timedelta(minutes=1),)),
    )
    message = ops.outbox.enqueue("nobody.knows", {"n": 1}, key="k1")
    assert message is not None
    caplog.set_level(logging.INFO, logger="clientops")
    ops.outbox.deliver()
    moment[0] += timedelta(minutes=2)
    ops.outbox.deliver()
    ops.outbox.retry()
    logged = records(caplog, "clientops.outbox")
    assert logged[0] == (logging.INFO, "deliver: delivered 0, retried 1, dead 0, lost lease 0")
    assert logged[1][0] == logging.WARNING
    assert logged[1][1].startswith(f"message {message.id} (nobody.knows) failed attempt 1")
    assert "no deliverer for topic 'nobody.knows'" in logged[1][1]
    assert logged[2] == (logging.INFO, "deliver: delivered 0, retried 0, dead 1, lost lease 0")
    assert logged[3][0] == logging.ERROR
    assert logged[3][1].startswith(f"message {message.id} (nobody.knows) is dead after 2")
    assert logged[4] == (logging.INFO, f"retry: dead messages revived 1: ['{message.id}']")


def test_refusals_are_logged_by_their_area(
    ops: ClientOps, caplog: pytest.LogCaptureFixture
) -> None:
    card = ops.clients.add(a_client(contract_numbers=("Д-1",)))
    caplog.set_level(logging.INFO, logger="clientops")
    with pytest.raises(DuplicateError):
        ops.clients.add(a_client(contract_numbers=("Д-1",)))
    with pytest.raises(NotFoundError):
        ops.agenda.for_manager(EmployeeId("bob"))
    message = ops.outbox.enqueue("t", {}, key="pending")
    assert message is not None
    with pytest.raises(TransitionError):
        ops.outbox.retry((message.id,))
    [(level, text)] = records(caplog, "clientops.clients")
    assert level == logging.WARNING
    assert text.startswith("add refused: DuplicateError: ")
    assert card.id in text
    assert records(caplog, "clientops.agenda") == [
        (logging.INFO, "for_manager refused: NotFoundError: employee 'bob' not found")
    ]
    [(level, text)] = records(caplog, "clientops.outbox")
    assert (level, text.split(":")[0]) == (logging.WARNING, "retry refused")


def test_no_secret_is_ever_logged(postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="clientops")
    scheme, rest = postgres_url.split("://", 1)
    user, _, place = rest.partition("@")
    url = f"{scheme}://{user}:{SECRET}@{place}"  # the server trusts loopback: the password is
    with clientops.connect(url) as ops:  # sent and ignored
        ops.clients.add_staff(a_staff())
        publisher = CalDavPublisher(
            url_template=f"http://clientops:{SECRET}2@127.0.0.1:9/{{manager}}/",
            username="clientops",
            password=SECRET + "3",
            timeout=2,
        )
        ops.context.host.register(publisher, name="clientops.caldav")
        event = {"manager": "anna", "uid": "u1@x", "sequence": 0, "cancelled": False}
        ops.outbox.enqueue(PUBLISH_TOPIC, {**event, "ics": "", "digest": ""}, key="u1")
        report = ops.outbox.deliver()
        assert [m.key for m in report.retried] == ["u1"]  # the CalDAV server did not answer
        with pytest.raises(NotFoundError):
            ops.clients.get(clientops.ClientId(SECRET))  # a secret typed where it should not be
    assert "opened the postgresql store" in caplog.text
    assert "failed attempt 1" in caplog.text  # the CalDAV failure, its URL masked
    assert "***" in caplog.text
    for secret in (SECRET, SECRET + "2", SECRET + "3"):
        logged = [r.getMessage() for r in caplog.records if secret in r.getMessage()]
        # only the id the caller typed in, repeated in its NotFoundError
        assert all("not found" in m for m in logged), logged


def test_the_command_logs_on_stderr_only_when_asked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    with clientops.connect(url) as ops:
        ops.outbox.enqueue("nobody.knows", {"n": 1}, key="k1")
    runner = CliRunner(env={"CLIENTOPS_STORE": None, "CLIENTOPS_LANG": None})
    quiet = runner.invoke(cli, ["--store", url, "outbox", "deliver"])
    assert quiet.exit_code == 0
    assert quiet.stderr == ""
    text = runner.invoke(cli, ["--store", url, "-v", "outbox", "deliver"])
    assert "INFO clientops.outbox: deliver: delivered 0, retried 0" in text.stderr
    as_json = runner.invoke(cli, ["--store", url, "--log-json", "--json", "outbox", "deliver"])
    lines = [json.loads(line) for line in as_json.stderr.splitlines()]
    assert {"time", "level", "logger", "message"} == set(lines[0])
    assert [(x["logger"], x["level"]) for x in lines] == [
        ("clientops.storage", "INFO"),
        ("clientops.outbox", "INFO"),
    ]
    assert json.loads(as_json.stdout)["retried"] == 0  # stdout keeps the one JSON document
    assert not logging.getLogger("clientops").handlers  # undone after the command
