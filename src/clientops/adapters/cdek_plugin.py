"""Registers the CDEK courier as ``cdek``.

Kept apart from :mod:`clientops.adapters.cdek` so that loading the plugins does not import
httpx; the client is imported only when a CDEK courier is opened.
"""

from __future__ import annotations

import os
from typing import Any

from clientops.courier import Courier
from clientops.errors import ConfigurationError
from clientops.hookspecs import RegisterCourier, hookimpl

#: Environment variables read when ``client_id``/``client_secret`` are not given.
CLIENT_ID_ENV = "CDEK_CLIENT_ID"
CLIENT_SECRET_ENV = "CDEK_CLIENT_SECRET"


def open_cdek(
    *, client_id: str | None = None, client_secret: str | None = None, **options: Any
) -> Courier:
    """Open a CDEK courier. The account is ``client_id``/``client_secret`` (CDEK's «Account»
    and «Secure password»), or else the ``CDEK_CLIENT_ID``/``CDEK_CLIENT_SECRET`` environment
    variables. Other options go to :class:`clientops.adapters.cdek.CdekCourier`
    (``base_url``, ``tariff_code``, ``timeout``…)."""
    from clientops.adapters.cdek import CdekCourier

    account = client_id or os.environ.get(CLIENT_ID_ENV, "")
    secret = client_secret or os.environ.get(CLIENT_SECRET_ENV, "")
    if not account or not secret:
        raise ConfigurationError(
            "the cdek courier needs an account: pass client_id and client_secret, or set "
            f"{CLIENT_ID_ENV} and {CLIENT_SECRET_ENV}"
        )
    return CdekCourier(account, secret, **options)


@hookimpl
def clientops_register_courier(register: RegisterCourier) -> None:
    register("cdek", open_cdek)
