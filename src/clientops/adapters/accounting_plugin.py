"""Registers the built-in accounting backends: ``beancount`` (a plain-text double-entry
ledger) and ``bank_statements`` (a folder of 1C client-bank statement files).

Kept apart from the adapters so that loading the plugins imports neither; each adapter is
imported only when a backend of its kind is opened::

    >>> from clientops import PluginHost
    >>> sorted(PluginHost(entry_points=False).accountings())
    ['bank_statements', 'beancount']
"""

from __future__ import annotations

import os
from typing import Any

from clientops.accounting import Accounting
from clientops.hookspecs import RegisterAccounting, hookimpl

__all__ = ["open_bank_statements", "open_beancount"]


def open_beancount(*, path: str | os.PathLike[str], **options: Any) -> Accounting:
    """Open the beancount ledger file at ``path`` (created on the first write). Other options
    go to :class:`clientops.adapters.beancount.BeancountLedger` (``company``, ``currency``,
    ``accounts``, ``opened_on``, ``today``, ``closed_through``)."""
    from clientops.adapters.beancount import BeancountLedger

    return BeancountLedger(path, **options)


def open_bank_statements(*, path: str | os.PathLike[str], **options: Any) -> Accounting:
    """Read payments from the 1C statement files in the folder ``path``. Other options go to
    :class:`clientops.adapters.bank_statement_folder.StatementFolder` (``pattern``,
    ``accounts``, ``encoding``, ``extra_fields``)."""
    from clientops.adapters.bank_statement_folder import StatementFolder

    return StatementFolder(path, **options)


@hookimpl
def clientops_register_accounting(register: RegisterAccounting) -> None:
    register("beancount", open_beancount)
    register("bank_statements", open_bank_statements)
