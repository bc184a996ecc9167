"""Registers the PostgreSQL store for ``postgresql://`` and ``postgres://`` URLs.

Kept apart from :mod:`clientops.adapters.postgres` so that clientops loads without psycopg;
the driver is imported only when such a URL is opened.
"""

from __future__ import annotations

from clientops.hookspecs import RegisterStorage, hookimpl
from clientops.ports import Storage


def open_postgres(url: str) -> Storage:
    """Open the store a ``postgresql://`` URL names (needs ``clientops[postgresql]``)."""
    from clientops.adapters.postgres import PostgresStorage

    return PostgresStorage.from_url(url)


@hookimpl
def clientops_register_storage(register: RegisterStorage) -> None:
    register("postgresql", open_postgres)
    register("postgres", open_postgres)
