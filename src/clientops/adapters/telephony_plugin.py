"""Registers the built-in telephony backends: ``console`` (a simulated PBX for examples and
tests) and ``asterisk`` (the Asterisk Manager Interface).

Kept apart from the adapters so that loading the plugins imports neither; panoramisk (the
``asterisk`` extra) is imported only when an Asterisk backend is opened.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from clientops._telephony import CallSignal, Telephony
from clientops.errors import ConfigurationError
from clientops.hookspecs import RegisterTelephony, hookimpl

#: Environment variables read when ``username``/``secret`` are not given.
USERNAME_ENV = "ASTERISK_AMI_USERNAME"
SECRET_ENV = "ASTERISK_AMI_SECRET"


def open_console(*, on_event: Callable[[CallSignal], object], **options: Any) -> Telephony:
    """A :class:`~clientops.adapters.console_phone.ConsolePhone` sending its events to
    ``on_event``; ``options`` go to it (``out``, ``clock``, ``extensions``, ``line``…)."""
    from clientops.adapters.console_phone import ConsolePhone

    return ConsolePhone(on_event, **options)


def open_asterisk(
    *,
    on_event: Callable[[CallSignal], object],
    username: str | None = None,
    secret: str | None = None,
    **options: Any,
) -> Telephony:
    """An :class:`~clientops.adapters.asterisk.AsteriskAmi`, connected and logged in. The
    manager account is ``username``/``secret`` or the ``ASTERISK_AMI_USERNAME``/
    ``ASTERISK_AMI_SECRET`` environment variables; other options (``host``, ``port``,
    ``trunk_contexts``, ``extensions``…) go to the adapter."""
    from clientops.adapters.asterisk import AsteriskAmi

    user = username or os.environ.get(USERNAME_ENV, "")
    password = secret or os.environ.get(SECRET_ENV, "")
    if not user or not password:
        raise ConfigurationError(
            "the asterisk telephony needs a manager account: pass username and secret, or set "
            f"{USERNAME_ENV} and {SECRET_ENV}"
        )
    return AsteriskAmi(on_event, username=user, secret=password, **options).start()


@hookimpl
def clientops_register_telephony(register: RegisterTelephony) -> None:
    register("console", open_console)
    register("asterisk", open_asterisk)
