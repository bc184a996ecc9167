"""The one place that keeps passwords, tokens and keys out of messages, reprs and logs.

Everything that shows a connection string or an adapter's settings to a person (an error, a
``repr``, a public attribute, a log line) goes through here: the secret itself is kept only
where it is used to connect, in a private attribute.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

MASK = "***"

#: options of a connection string (URL query or libpq ``key=value``) whose value is a secret
_SECRET_OPTION = re.compile(
    r"(?i)\b(password|passwd|pwd|sslpassword|secret|client_secret|token|api_key|apikey)"
    r"(\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s'\"]*)"
)


def field(value: object) -> str:
    """The ``repr`` of a secret field (``attrs.field(repr=field)``)."""
    del value
    return MASK


def connection_string(text: str) -> str:
    """``text`` (a URL or a libpq ``key=value`` string, well-formed or not) with the password
    of its ``user:password@`` part and every secret option masked. When in doubt it masks
    too much: everything between the first ``:`` after the user and the last ``@``."""
    scheme, sep, rest = text.partition("://")
    if sep:
        at = rest.rfind("@")
        user, colon, _ = rest[:at].partition(":") if at >= 0 else ("", "", "")
        if colon and "/" not in user:
            text = f"{scheme}://{user}:{MASK}{rest[at:]}"
    return _SECRET_OPTION.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def secrets_of(conninfo: str) -> tuple[str, ...]:
    """The secrets a connection string carries (as written and percent-decoded), for
    :func:`message` to mask wherever a driver repeats them."""
    found: list[str] = []
    _, sep, rest = conninfo.partition("://")
    if sep:
        at = rest.rfind("@")
        if at >= 0:
            _, colon, password = rest[:at].partition(":")
            if colon and password:
                found.append(password)
    for match in _SECRET_OPTION.finditer(conninfo):
        found.append(match.group(3).strip("'"))
    found += [unquote(s) for s in found]
    return tuple(sorted({s for s in found if s}, key=len, reverse=True))


def message(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every one of ``secrets`` masked, and any connection string in it too."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return connection_string(text)


class Logger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger for a library that logs what it sends (a login with its secret): every
    record is formatted here and its secrets masked before any handler sees it."""

    def __init__(self, logger: logging.Logger, secrets: Iterable[str]) -> None:
        super().__init__(logger, {})
        self._secrets = tuple(s for s in secrets if s)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if self.isEnabledFor(level):
            text = str(msg) % args if args else str(msg)
            kwargs.setdefault("stacklevel", 2)
            self.logger.log(level, message(text, self._secrets), **kwargs)
