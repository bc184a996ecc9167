"""Publishes managers' calendars to a CalDAV server (Radicale, Nextcloud, SOGo, Baïkal…).

:meth:`ops.agenda.publish_calendar` records one ``calendar.publish`` outbox message per changed
event; :class:`CalDavPublisher` is the plugin that delivers them. Register an instance with the
plugin host; it registers itself as the deliverer of the topic::

    >>> from clientops import PluginHost
    >>> from clientops.adapters.caldav import CalDavPublisher
    >>> publisher = CalDavPublisher(
    ...     url_template="https://cal.example.ru/{manager}/clients/",
    ...     username="clientops",
    ...     password="s3cret",
    ... )
    >>> "s3cret" in repr(publisher), "password='***'" in repr(publisher)
    (False, True)
    >>> publisher.calendar_url("anna")
    'https://cal.example.ru/anna/clients/'
    >>> host = PluginHost(entry_points=False)
    >>> host.register(publisher, name="clientops.caldav")
    >>> sorted(host.deliverers())
    ['calendar.publish']

Each event is one resource of the manager's calendar collection, named after its UID
(``<collection>/<UID>.ics``): publishing again PUTs over it (the event is updated in place,
its SEQUENCE higher), a cancelled event is DELETEd (one already gone counts as deleted). A
message older than what the server holds (a higher SEQUENCE there) is skipped, so a retried
message never moves an event back. Every failure (the server down, a refusal, an unknown
manager) raises, and the outbox retries the message later.

The ``caldav`` library (the ``caldav`` extra) is imported only when a message is delivered.
The password is kept in a private attribute: no repr, error or outbox record shows it.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from clientops import _redact
from clientops._outbox import OutboxMessage
from clientops.calendar import PUBLISH_TOPIC
from clientops.errors import BackendError, ConfigurationError
from clientops.hookspecs import RegisterDeliverer, hookimpl

if TYPE_CHECKING:
    from caldav.davclient import DAVClient

__all__ = ["CalDavPublisher"]

BACKEND = "caldav"
_SEQUENCE = re.compile(r"^SEQUENCE:(\d+)\s*$", re.MULTILINE)
_CALENDAR = {"Content-Type": "text/calendar; charset=utf-8"}


class CalDavPublisher:
    """The ``calendar.publish`` deliverer: a CalDAV account and where each manager's
    calendar collection is.

    ``calendars`` maps an employee id to the URL of their calendar collection;
    ``url_template`` gives the URL of the others, ``{manager}`` standing for the employee id
    (percent-encoded). ``username`` and ``password`` are the account (HTTP basic or digest, as
    the server asks). ``timeout`` is in seconds.
    """

    def __init__(
        self,
        *,
        calendars: Mapping[str, str] | None = None,
        url_template: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: int = 30,
    ) -> None:
        calendars = dict(calendars or {})
        for manager, url in calendars.items():
            _check_url(f"calendars[{manager!r}]", url)
        if url_template is not None:
            if "{manager}" not in url_template:
                raise ConfigurationError(
                    "caldav url_template must hold '{manager}' (the employee id), e.g. "
                    "'https://cal.example.ru/{manager}/clients/'"
                )
            _check_url("url_template", url_template.replace("{manager}", "m"))
        if not calendars and url_template is None:
            raise ConfigurationError(
                "caldav needs the managers' calendars: pass calendars={employee: url} or "
                "url_template='https://…/{manager}/…'"
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
            raise ConfigurationError("caldav timeout must be a whole number of seconds >= 1")
        self._calendars = calendars
        self._template = url_template
        self._username = username
        self._password = password
        self._timeout = timeout
        secrets = [password or ""]
        for url in (*calendars.values(), url_template or ""):
            secrets += _redact.secrets_of(url)
        self._secrets = tuple(s for s in secrets if s)

    def __repr__(self) -> str:
        calendars = {m: _redact.connection_string(u) for m, u in self._calendars.items()}
        template = None if self._template is None else _redact.connection_string(self._template)
        password = None if self._password is None else _redact.MASK
        return (
            f"CalDavPublisher(url_template={template!r}, calendars={calendars!r}, "
            f"username={self._username!r}, password={password!r})"
        )

    def calendar_url(self, manager: str) -> str:
        """The URL of ``manager``'s calendar collection (ending in ``/``).
        ConfigurationError when the configuration names none."""
        url = self._calendars.get(manager)
        if url is None and self._template is not None:
            url = self._template.replace("{manager}", urllib.parse.quote(manager, safe=""))
        if url is None:
            raise ConfigurationError(f"caldav: no calendar configured for manager {manager!r}")
        return url if url.endswith("/") else url + "/"

    @hookimpl
    def clientops_register_deliverer(self, register: RegisterDeliverer) -> None:
        register(PUBLISH_TOPIC, self.deliver)

    def deliver(self, message: OutboxMessage) -> None:
        """PUT the message's event into the manager's calendar, or DELETE it when cancelled.
        Raises BackendError (the server down, a refusal) or ConfigurationError (no calendar
        for the manager): the outbox then retries the message."""
        data: dict[str, Any] = message.data()
        manager, uid = str(data["manager"]), str(data["uid"])
        collection = self.calendar_url(manager)
        href = collection + urllib.parse.quote(uid, safe="") + ".ics"
        operation = "delete" if data["cancelled"] else "put"
        try:
            with self._client(collection) as client:
                if data["cancelled"]:
                    status = client.delete(href).status
                    if status not in (200, 202, 204, 404, 410):
                        raise self._refused(operation, href, status)
                    return
                current = client.request(href, "GET")
                if current.status == 200 and _sequence(current.raw) > int(data["sequence"]):
                    return  # the server holds a newer state of this event
                status = client.put(href, str(data["ics"]), dict(_CALENDAR)).status
                if status not in (200, 201, 204):
                    raise self._refused(operation, href, status)
        except (BackendError, ConfigurationError):
            raise
        except Exception as exc:  # the library's and the transport's errors
            text = _redact.message(f"{_redact.connection_string(href)}: {exc!r}", self._secrets)
            raise BackendError(BACKEND, operation, text) from None

    def _client(self, url: str) -> DAVClient:
        from caldav.davclient import DAVClient

        return DAVClient(
            url=url, username=self._username, password=self._password, timeout=self._timeout
        )

    def _refused(self, operation: str, href: str, status: int) -> BackendError:
        shown = _redact.message(_redact.connection_string(href), self._secrets)
        return BackendError(BACKEND, operation, f"{shown}: the server answered HTTP {status}")


def _check_url(name: str, url: object) -> None:
    if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        shown = _redact.connection_string(url) if isinstance(url, str) else type(url).__name__
        raise ConfigurationError(f"caldav {name} must be an http(s) URL, not {shown!r}")


def _sequence(text: object) -> int:
    """The SEQUENCE of the event in an iCalendar text (0 when it has none)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return 0
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    return max((int(found) for found in _SEQUENCE.findall(unfolded)), default=0)
