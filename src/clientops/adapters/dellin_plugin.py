"""Registers the Деловые Линии courier as ``dellin``.

Kept apart from :mod:`clientops.adapters.dellin` so that loading the plugins does not import
httpx; the client is imported only when a Dellin courier is opened.
"""

from __future__ import annotations

import os
from typing import Any

from clientops.courier import Courier
from clientops.errors import ConfigurationError
from clientops.hookspecs import RegisterCourier, hookimpl

#: Environment variables read for the options not given.
APPKEY_ENV = "DELLIN_APPKEY"
LOGIN_ENV = "DELLIN_LOGIN"
PASSWORD_ENV = "DELLIN_PASSWORD"
PAT_ENV = "DELLIN_PAT"


def open_dellin(
    *,
    appkey: str | None = None,
    login: str | None = None,
    password: str | None = None,
    pat: str | None = None,
    **options: Any,
) -> Courier:
    """Open a Dellin courier. ``appkey`` (the application key from dev.dellin.ru, or
    ``DELLIN_APPKEY``) is required; to book and cancel it also needs the account:
    ``login``/``password`` (``DELLIN_LOGIN``/``DELLIN_PASSWORD``) or a personal access token
    ``pat`` (``DELLIN_PAT``). Other options go to
    :class:`clientops.adapters.dellin.DellinCourier` (``freight_uid``, ``base_url``,
    ``timeout``, ``derival``, ``max_weight_kg``…)."""
    from clientops.adapters.dellin import DellinCourier

    key = appkey or os.environ.get(APPKEY_ENV, "")
    if not key:
        raise ConfigurationError(
            f"the dellin courier needs its application key: pass appkey, or set {APPKEY_ENV}"
        )
    return DellinCourier(
        key,
        login=login or os.environ.get(LOGIN_ENV) or None,
        password=password or os.environ.get(PASSWORD_ENV) or None,
        pat=pat or os.environ.get(PAT_ENV) or None,
        **options,
    )


@hookimpl
def clientops_register_courier(register: RegisterCourier) -> None:
    register("dellin", open_dellin)
