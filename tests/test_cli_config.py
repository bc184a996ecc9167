"""``clientops --config FILE`` (and ``CLIENTOPS_CONFIG``): the example file of docs/cli.md is
loaded (its store, policy, plugins and CalDAV account take effect), and every unknown key or
bad value is one line of bad input naming it, with nothing stored."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.cli_shapes import CLI_PAGE

import clientops
from clientops.billing import Month
from clientops.cli import EXIT_BAD_INPUT, EXIT_OK, cli
from clientops.testing import a_staff

PLUGIN = '''\
"""A plugin the example configuration loads: delivers the "acme.note" topic."""
from clientops import hookimpl

DELIVERED = []


@hookimpl
def clientops_register_deliverer(register):
    register("acme.note", DELIVERED.append)
'''


def example_config() -> str:
    """The TOML block of docs/cli.md's section on the configuration file."""
    page = CLI_PAGE.read_text("utf-8")
    found = re.search(r"<!-- the example configuration[^>]*-->\n```toml\n(.*?)\n```", page, re.S)
    assert found is not None, "docs/cli.md lost its example configuration"
    return found[1] + "\n"


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    environ: dict[str, str | None] = {
        "CLIENTOPS_STORE": None,
        "CLIENTOPS_LANG": None,
        "CLIENTOPS_CONFIG": None,
        "CLIENTOPS_CALDAV_PASSWORD": "not-in-any-output",
    }
    return CliRunner(env={**environ, **(env or {})}).invoke(cli, list(args))


def one_line(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding the example configuration and the plugin it loads."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "acme_clientops.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "ops.toml").write_text(example_config(), encoding="utf-8")
    return tmp_path


def test_the_documented_example_is_loaded_and_takes_effect(folder: Path) -> None:
    # the store of the file (no --store): made by init in the working folder
    assert invoke("--config", "ops.toml", "init").exit_code == EXIT_OK
    assert (folder / "ops.db").is_file()
    store = f"sqlite:///{folder / 'ops.db'}"
    with clientops.connect(store) as ops:
        ops.clients.add_staff(a_staff())
        ops.outbox.enqueue("acme.note", {"n": 1}, key="note-1")
    # the policy: the billing day is the 10th (2026-06-10 is a Wednesday)
    status = invoke("--config", "ops.toml", "--json", "billing", "status", "--month", "2026-06")
    assert json.loads(status.stdout)["billing_date"] == "2026-06-10"
    # the company name of the greeting
    routed = invoke(
        "--config", "ops.toml", "--json", "calls", "route", "--intent", "product_info",
        "--answered-by", "anna", "--phone", "+7 495 123-45-67", "--name", "ООО «Ромашка»",
        "--city", "Москва",
    )  # fmt: skip
    assert json.loads(routed.stdout)["script"][0].startswith("Компания ООО «Вектор», Анна")
    # the plugin of plugins.load delivers its topic; the [caldav] account is the deliverer of
    # calendar.publish
    delivered = invoke("--config", "ops.toml", "--json", "outbox", "deliver")
    assert json.loads(delivered.stdout)["delivered"] == 1
    import acme_clientops  # type: ignore[import-not-found]

    assert [m.key for m in acme_clientops.DELIVERED] == ["note-1"]
    # the same through CLIENTOPS_CONFIG, and --store wins over the file's store
    other = folder / "other.db"
    made = invoke("--store", f"sqlite:///{other}", "init", env={"CLIENTOPS_CONFIG": "ops.toml"})
    assert made.exit_code == EXIT_OK, made.output
    assert other.is_file()


def test_the_caldav_table_registers_the_publisher(folder: Path) -> None:
    from clientops.cli._config import read_config

    config = read_config("ops.toml")
    host = config.host()
    assert "clientops.caldav" in host.plugin_names()
    assert "calendar.publish" in host.deliverers()
    assert "clientops.cdek" not in host.plugin_names()  # plugins.disable
    assert config.policy is not None
    assert config.policy.calendar.is_working_day(Month(2026, 12).last_day) is False


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda t: t.replace('store = "', 'stor = "'), "stor"),
        (lambda t: t.replace("entry_points = true", "entrypoints = true"), "plugins.entrypoints"),
        (lambda t: t.replace("username =", "user ="), "caldav.user"),
        (lambda t: t.replace("company_name =", "company =", 1), "policy.company"),
        (lambda t: t.replace("billing_day = 10", "billing_dya = 10"), "policy.billing.billing_dya"),
    ],
)
def test_an_unknown_key_is_one_line_naming_it(folder: Path, edit: object, named: str) -> None:
    assert callable(edit)
    (folder / "bad.toml").write_text(edit(example_config()), encoding="utf-8")
    line = one_line(invoke("--config", "bad.toml", "init"), EXIT_BAD_INPUT)
    assert line == f"Ошибка: bad.toml: неизвестный ключ {named}"
    line = one_line(
        invoke("--lang", "en", "init", env={"CLIENTOPS_CONFIG": "bad.toml"}), EXIT_BAD_INPUT
    )
    assert line == f"Bad input: bad.toml: unknown key {named}"
    assert not (folder / "ops.db").exists()  # nothing stored


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[policy]\ntimezone = 'Mars/Olympus'\n", "timezone: unknown time zone"),
        ("[policy.billing]\nbilling_day = 'tenth'\n", "policy.billing.billing_day"),
        ("[plugins]\nload = ['no_such_plugin_module']\n", "no_such_plugin_module"),
        ("[plugins]\nload = 'acme_clientops'\n", "plugins.load"),
        ("[caldav]\nurl_template = 'http://cal/no-manager/'\n", "{manager}"),
        ("store = \n", "не TOML: Invalid value (at line 1"),
        ("policy = 3\n", "policy"),
    ],
)
def test_a_bad_value_is_one_line_naming_it(folder: Path, text: str, named: str) -> None:
    (folder / "bad.toml").write_text(text, encoding="utf-8")
    line = one_line(invoke("--config", "bad.toml", "init"), EXIT_BAD_INPUT)
    assert line.startswith("Ошибка: bad.toml: "), line
    assert named in line
    assert not (folder / "ops.db").exists()


def test_a_missing_configuration_file_is_bad_input(folder: Path) -> None:
    line = one_line(invoke("--config", "nope.toml", "doctor"), EXIT_BAD_INPUT)
    assert line == "Ошибка: файла настроек 'nope.toml' нет"


def test_the_password_is_read_from_the_environment_and_never_shown(folder: Path) -> None:
    from clientops.cli._config import read_config

    publisher = read_config("ops.toml").publisher()
    assert "not-in-any-output" not in repr(publisher)
    text = textwrap.dedent(
        """\
        [caldav]
        url_template = "http://127.0.0.1:1/{manager}/"
        password = "plain"
        """
    )
    (folder / "bad.toml").write_text(text, encoding="utf-8")
    line = one_line(invoke("--config", "bad.toml", "init"), EXIT_BAD_INPUT)
    assert line == "Ошибка: bad.toml: неизвестный ключ caldav.password"


def test_the_policys_currency_names_money_in_every_line_of_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clientops.model import Money
    from clientops.russian import money_text
    from clientops.testing import a_client, a_subscription

    monkeypatch.chdir(tmp_path)
    store = f"sqlite:///{tmp_path / 'ops.db'}"
    (tmp_path / "ops.toml").write_text(
        f'store = "{store}"\n[policy.currency]\nru = "₽"\nen = "RUB"\n', encoding="utf-8"
    )
    assert invoke("--config", "ops.toml", "init").exit_code == EXIT_OK
    with clientops.connect(store) as ops:
        card = ops.clients.add(a_client())
        ops.billing.add_subscription(a_subscription(card))
    plan = invoke("--config", "ops.toml", "billing", "plan", "--month", "2026-06")
    assert "12\xa0000,00\xa0₽" in plan.stdout
    assert "руб." not in plan.stdout
    english = invoke(
        "--config", "ops.toml", "--lang", "en", "billing", "plan", "--month", "2026-06"
    )
    assert "12,000.00\xa0RUB" in english.stdout
    # the command's setting ends with it
    assert money_text(Money("1")) == "1,00\xa0руб."
