"""``acme-clientops-adapters``: a third party's courier, PBX and ledger for clientops, written
against the public API only and made known through the ``clientops`` entry-point group
(``acme = acme_adapters``). The plugin host finds it once the distribution is installed."""

from __future__ import annotations

from typing import Any

from clientops import hookimpl


@hookimpl
def clientops_register_courier(register: Any) -> None:
    from acme_adapters.courier import AcmeCourier

    register("acme", AcmeCourier)


@hookimpl
def clientops_register_telephony(register: Any) -> None:
    from acme_adapters.pbx import AcmePbx

    register("acme_pbx", AcmePbx)


@hookimpl
def clientops_register_accounting(register: Any) -> None:
    from acme_adapters.books import AcmeBooks

    register("acme_books", AcmeBooks)
