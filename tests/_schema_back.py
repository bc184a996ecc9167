"""Take a database made at the head schema back to an older version's tables, as a user of
that version has it: the indexes, tables and columns later versions added are dropped (the
migrations to come add them again), and the indexes a later version dropped are made again,
as are (empty) the tables a later version replaced.
The caller sets the version number itself."""

from __future__ import annotations

from typing import Any

from clientops.adapters._schema import INDEXES, SQLITE, TABLES, Dialect


def drop_later(execute: Any, version: int, dialect: Dialect = SQLITE) -> None:
    """Drop what versions after ``version`` added, and make again the indexes they dropped,
    through ``execute(sql)`` on a database of ``dialect``."""
    for index in INDEXES:
        if index.since > version and index.until is None:
            execute(f"DROP INDEX IF EXISTS {index.name}")
    for table in reversed(TABLES):
        if table.since > version:
            execute(f"DROP TABLE IF EXISTS {table.name}")
        elif table.until is not None and table.until <= version:
            continue  # replaced by the time of ``version``
        else:
            for column in table.columns:
                if column.since is not None and column.since > version:
                    execute(f"ALTER TABLE {table.name} DROP COLUMN {column.name}")
    for table in TABLES:
        # a table a later version replaced: made again as it was, empty
        if table.until is not None and table.live_at(version):
            for statement in table.create(dialect, version):
                execute(statement)
    for index in INDEXES:
        if index.live_at(version) and index.until is not None:
            execute(index.create(dialect))
