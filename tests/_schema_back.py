"""Take a database made at the head schema back to an older version's tables, as a user of
that version has it: the indexes, tables and columns later versions added are dropped (the
migrations to come add them again). The caller sets the version number itself."""

from __future__ import annotations

from typing import Any

from clientops.adapters._schema import INDEXES, TABLES


def drop_later(execute: Any, version: int) -> None:
    """Drop what versions after ``version`` added, through ``execute(sql)``."""
    for index in INDEXES:
        if index.since > version and index.until is None:
            execute(f"DROP INDEX IF EXISTS {index.name}")
    for table in reversed(TABLES):
        if table.since > version:
            execute(f"DROP TABLE {table.name}")
        else:
            for column in table.columns:
                if column.since is not None and column.since > version:
                    execute(f"ALTER TABLE {table.name} DROP COLUMN {column.name}")
