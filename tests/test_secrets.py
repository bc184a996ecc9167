"""No error, repr, public attribute or log line carries a password, token or key that
clientops was given."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from clientops import ClientopsError, PluginHost
from clientops._redact import Logger
from clientops.adapters.asterisk import AsteriskAmi
from clientops.adapters.cdek import CdekCourier
from clientops.adapters.dellin import DellinCourier
from clientops.adapters.postgres import PostgresStorage
from clientops.adapters.zadarma import DEFAULT_MAX_CALL, DEFAULT_MAX_DELAY, _options, webhook_app
from clientops.testing import T0

SECRET = "Sup3rSecret"


def _texts(error: BaseException) -> Iterator[str]:
    """What a person can read of an error: its message and repr, and those of its causes."""
    seen: BaseException | None = error
    while seen is not None:
        yield str(seen)
        yield repr(seen)
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)


def _public(obj: object) -> Iterator[str]:
    """The repr and str of an object and of its public attributes."""
    yield repr(obj)
    yield str(obj)
    for name in dir(obj):
        if not name.startswith("_"):
            value: Any = getattr(obj, name, None)
            if not callable(value):
                yield repr(value)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


MALFORMED = [
    f"postgresql://crm:{SECRET}@db/crm?pool_max_size=lots",
    f"postgresql://crm:{SECRET}@db/crm?pool_timeout=soon",
    f"postgresql://crm:{SECRET}@db/crm?schema=Robert');",
    f"postgresql://crm:{SECRET}@[db/crm",
    f"postgresql://crm:{SECRET}@db:port/crm?pool_timeout=1",
    f"postgresql://crm:{SECRET}%zz@db/crm",
    f"postgresql://crm:{SECRET}@db/crm?no_such_option=1",
    f"postgresql://crm@db/crm?password={SECRET}&no_such_option=1",
    f"postgres://crm:{SECRET}@db/crm?sslmode=sometimes&pool_timeout=1",
    f"mysql://crm:{SECRET}@db/crm",
    f"sqlite://crm:{SECRET}@db/crm.db",
    f"sqlite:///crm.db?password={SECRET}",
    f":{SECRET}@db/crm",
    f"postgresql://crm:{SECRET}@127.0.0.1:{_closed_port()}/crm?pool_timeout=0.5&connect_timeout=1",
    f"postgresql://nobody:{SECRET}@127.0.0.1:5432/none?pool_timeout=1&connect_timeout=1",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_no_storage_error_or_log_line_repeats_the_password(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    host = PluginHost(entry_points=False).load()
    with pytest.raises(ClientopsError) as raised:
        host.open_storage(url)
    texts = [*_texts(raised.value), caplog.text]
    assert not [t for t in texts if SECRET in t]
    if url.startswith("postgres"):
        with pytest.raises(ClientopsError) as direct:
            PostgresStorage.from_url(url)
        assert not [t for t in _texts(direct.value) if SECRET in t]


def test_a_store_opened_with_a_password_shows_it_nowhere_and_still_connects(
    postgres_url: str,
) -> None:
    user_and_password = f"postgres:{quote(SECRET)}@"  # the test server trusts any password
    store = PostgresStorage.from_url(postgres_url.replace("postgres@", user_and_password, 1))
    try:
        assert not [t for t in _public(store) if SECRET in t]
        assert "postgres:***@" in store.conninfo
        with store.unit_of_work(readonly=True) as uow:
            assert uow.clients.count() == 0
    finally:
        store.close()


def test_no_adapter_shows_the_secret_it_was_given() -> None:
    adapters: list[object] = [
        CdekCourier("account", f"cdek-{SECRET}"),
        DellinCourier(f"dellin-{SECRET}", login="sklad", password=f"pw-{SECRET}"),
        DellinCourier(f"dellin-{SECRET}", pat=f"pat-{SECRET}"),
        AsteriskAmi(lambda event: None, username="clientops", secret=f"ami-{SECRET}"),
        webhook_app(lambda event: None, f"zadarma-{SECRET}", allow_any_address=True),
    ]
    for adapter in adapters:
        assert not [t for t in _public(adapter) if SECRET in t], adapter
    # the webhook's settings, as a traceback or a debugger shows them
    options = _options(
        f"zadarma-{SECRET}",
        "Europe/Moscow",
        None,
        "RU",
        True,
        lambda: T0,
        DEFAULT_MAX_DELAY,
        DEFAULT_MAX_CALL,
    )
    assert SECRET not in repr(options)


def test_a_library_logging_what_it_sends_logs_it_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = Logger(logging.getLogger("clientops.test.library"), [f"ami-{SECRET}"])
    with caplog.at_level(logging.DEBUG, logger="clientops.test.library"):
        log.info("Adding action %s to awaiting list: %s", "login", {"Secret": f"ami-{SECRET}"})
        log.debug("plain %s", "text")
    assert SECRET not in caplog.text
    assert "'Secret': '***'" in caplog.text
    assert "plain text" in caplog.text


def test_a_refused_pbx_login_logs_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("panoramisk")
    from tests.ami_standin import AmiStandin

    from clientops.telephony import TelephonyError

    caplog.set_level(logging.DEBUG)
    with AmiStandin() as standin:
        adapter = AsteriskAmi(
            lambda event: None,
            host="127.0.0.1",
            port=standin.port,
            username="clientops",
            secret=f"ami-{SECRET}",
            reconnect_delay=0,
            timeout=5.0,
        )
        with pytest.raises(TelephonyError) as raised:
            adapter.start()
        adapter.close()
    assert not [t for t in [*_texts(raised.value), caplog.text] if SECRET in t]
