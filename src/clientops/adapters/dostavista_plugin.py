"""Registers the Dostavista courier as ``dostavista``.

Kept apart from :mod:`clientops.adapters.dostavista` so that loading the plugins does not
import httpx; the client is imported only when a Dostavista courier is opened.
"""

from __future__ import annotations

import os
from typing import Any

from clientops.courier import Courier
from clientops.errors import ConfigurationError
from clientops.hookspecs import RegisterCourier, hookimpl

#: The environment variable read when ``token`` is not given.
TOKEN_ENV = "DOSTAVISTA_TOKEN"


def open_dostavista(*, token: str | None = None, **options: Any) -> Courier:
    """Open a Dostavista courier. The account is ``token`` (the API token of the personal
    cabinet), or else the ``DOSTAVISTA_TOKEN`` environment variable. Other options go to
    :class:`clientops.adapters.dostavista.DostavistaCourier` (``base_url``, ``timeout``,
    ``vehicle_type_id``…)."""
    from clientops.adapters.dostavista import DostavistaCourier

    secret = token or os.environ.get(TOKEN_ENV, "")
    if not secret:
        raise ConfigurationError(
            f"the dostavista courier needs its API token: pass token, or set {TOKEN_ENV}"
        )
    return DostavistaCourier(secret, **options)


@hookimpl
def clientops_register_courier(register: RegisterCourier) -> None:
    register("dostavista", open_dostavista)
