"""Shared fixtures. The clientops pytest plugin supplies the builders and ``clientops_memory``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clientops import ClientOps, PluginHost
from clientops.adapters.sqlite import SQLiteStorage

pytest_plugins = ["clientops.testing"]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "clientops.db"


@pytest.fixture
def sqlite_ops(db_path: Path) -> Iterator[ClientOps]:
    """ClientOps over a real SQLite file holding the sample staff, clock stopped at T0."""
    from clientops.testing import T0, a_staff

    storage = SQLiteStorage(db_path)
    ops = ClientOps(storage, host=PluginHost(entry_points=False), clock=lambda: T0)
    staff = a_staff()
    ops.add_staff(staff)
    yield ops
    ops.close()
