"""``clientops doctor``: every check explained, in Russian and English, its JSON the documented
shape, and each problem found: a calendar without next year's decree, a plugin with a
misspelt hook, dead messages, a courier that cannot open, a CalDAV server that does not
answer."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.cli_shapes import assert_shape, documented_shapes

import clientops
from clientops.cli import EXIT_OK, EXIT_REFUSED, cli
from clientops.cli._doctor import ABOUT
from clientops.testing import a_staff
from clientops.workdays import ProductionCalendar

SECRET = "Dr-s3cret-pw"

MISSPELT = """\
from clientops import hookimpl


@hookimpl
def clientops_register_delivery(register):  # the hook is clientops_register_deliverer
    pass
"""


class _Answer(BaseHTTPRequestHandler):
    def do_OPTIONS(self) -> None:
        self.send_response(200)
        self.send_header("DAV", "1, 2, calendar-access")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def dav_server() -> Iterator[str]:
    """An HTTP server on loopback that answers OPTIONS, as a CalDAV server does."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    with clientops.connect(f"sqlite:///{tmp_path / 'ops.db'}") as ops:
        ops.clients.add_staff(a_staff())
    return tmp_path


def doctor(*args: str, config: str | None = None) -> tuple[Result, dict[str, Any], Any]:
    """Run ``doctor --json`` (and the text once more): the result, the checks by name, and
    the document, checked against the documented shape."""
    env = {
        "CLIENTOPS_STORE": "sqlite:///ops.db",
        "CLIENTOPS_LANG": None,
        "CLIENTOPS_CONFIG": config,
        "CDEK_CLIENT_ID": None,
        "CDEK_CLIENT_SECRET": None,
        "DAV_PASSWORD": SECRET,
    }
    result = CliRunner(env=env).invoke(cli, [*args, "--json", "doctor"])
    assert "Traceback" not in result.output
    out = json.loads(result.stdout)
    assert_shape(out, documented_shapes()["doctor"])
    checks = {c["name"]: c for c in out["checks"]}
    assert list(checks) == ["store", "calendar", "plugins", "outbox", "backends"]
    assert out["ok"] is all(c["ok"] for c in checks.values())
    assert result.exit_code == (EXIT_OK if out["ok"] else EXIT_REFUSED)
    return result, checks, out


def test_every_check_is_explained_in_both_languages(folder: Path) -> None:
    _, checks, _ = doctor()
    assert {n: c["about"] for n, c in checks.items()} == {n: ru for n, (ru, _) in ABOUT.items()}
    _, english, _ = doctor("--lang", "en")
    assert {n: c["about"] for n, c in english.items()} == {n: en for n, (_, en) in ABOUT.items()}
    assert english["backends"] == {
        "name": "backends",
        "ok": True,
        "detail": "courier 'offline' opens (nothing to ping)",
        "about": ABOUT["backends"][1],
    }
    text = CliRunner(env={"CLIENTOPS_STORE": "sqlite:///ops.db"}).invoke(
        cli, ["--lang", "en", "doctor"]
    )
    lines = text.stdout.splitlines()
    assert lines[lines.index("outbox: ok — no dead messages") + 1] == f"  ({ABOUT['outbox'][1]})"


def test_a_calendar_without_next_years_decree_is_a_problem(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = ProductionCalendar.__init__

    def holidays_of_2020(self: ProductionCalendar, *args: Any, **kwargs: Any) -> None:
        built(self, *args, **kwargs)
        self.decreed_through = 2020  # as with a holidays package of 2020

    monkeypatch.setattr(ProductionCalendar, "__init__", holidays_of_2020)
    (folder / "ru.toml").write_text('[policy.calendar]\nproduction = "RU"\n', encoding="utf-8")
    _, checks, _ = doctor(config="ru.toml")  # the configuration's calendar is checked
    assert checks["calendar"]["ok"] is False
    assert "до 2020 года" in checks["calendar"]["detail"]
    assert "holidays" in checks["calendar"]["detail"]
    # a calendar of one's own has no decrees to miss
    (folder / "fixed.toml").write_text('[policy.calendar]\nfixed = "ours"\n', encoding="utf-8")
    _, checks, _ = doctor(config="fixed.toml")
    assert checks["calendar"]["ok"] is True


def test_a_configured_plugin_with_a_misspelt_hook_fails_the_plugins_check(folder: Path) -> None:
    (folder / "misspelt_plugin.py").write_text(MISSPELT, encoding="utf-8")
    (folder / "ops.toml").write_text('[plugins]\nload = ["misspelt_plugin"]\n', encoding="utf-8")
    _, checks, _ = doctor(config="ops.toml")
    assert checks["plugins"]["ok"] is False
    assert "clientops_register_delivery" in checks["plugins"]["detail"]
    assert checks["store"]["ok"] is True  # the store is still checked, with the built-ins
    (folder / "broken_plugin.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    (folder / "ops.toml").write_text('[plugins]\nload = ["broken_plugin"]\n', encoding="utf-8")
    _, checks, _ = doctor(config="ops.toml")
    assert checks["plugins"]["ok"] is False
    assert "broken_plugin" in checks["plugins"]["detail"]
    assert "boom" in checks["plugins"]["detail"]


def test_the_caldav_server_is_pinged(folder: Path, dav_server: str) -> None:
    config = (
        "[caldav]\n"
        f'url_template = "{dav_server}/{{manager}}/clients/"\n'
        'username = "clientops"\npassword_env = "DAV_PASSWORD"\n'
    )
    (folder / "ops.toml").write_text(config, encoding="utf-8")
    _, checks, _ = doctor("--lang", "en", config="ops.toml")
    assert checks["backends"]["ok"] is True
    assert checks["backends"]["detail"].endswith("the CalDAV server answers")
    port = closed_port()
    down = config.replace(dav_server, f"http://clientops:{SECRET}@127.0.0.1:{port}")
    (folder / "down.toml").write_text(down, encoding="utf-8")
    result, checks, _ = doctor("--lang", "en", config="down.toml")
    assert checks["backends"]["ok"] is False
    assert (
        f"the CalDAV server does not answer: http://127.0.0.1:{port}/"
        in (checks["backends"]["detail"])
    )
    assert SECRET not in result.output


def test_a_courier_that_cannot_open_is_a_problem(folder: Path) -> None:
    (folder / "ops.toml").write_text('[policy.onboarding]\ncourier = "cdek"\n', encoding="utf-8")
    _, checks, _ = doctor(config="ops.toml")
    assert checks["backends"]["ok"] is False
    assert checks["backends"]["detail"].startswith("курьерская служба 'cdek': ")
    assert "CDEK_CLIENT_ID" in checks["backends"]["detail"]


def test_without_a_store_the_other_checks_still_run(folder: Path) -> None:
    result = CliRunner(env={"CLIENTOPS_STORE": None, "CLIENTOPS_CONFIG": None}).invoke(
        cli, ["--store", "sqlite:///absent.db", "--json", "doctor"]
    )
    assert result.exit_code == EXIT_REFUSED
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["store"]["ok"] is False
    assert checks["plugins"]["ok"] is True
    assert checks["outbox"]["ok"] is False  # not checked
    assert checks["backends"]["detail"] == "внешних служб для проверки нет"
    assert not (folder / "absent.db").exists()
