"""The clients part of the contract kit against a store that implements nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.thirdparty_store.store import DictStore

from clientops.testing import ClientsAreaContract


class TestDictStore(ClientsAreaContract):
    @pytest.fixture
    def storage(self) -> Iterator[DictStore]:
        store = DictStore()
        yield store
        store.close()


def test_the_store_has_only_the_clients_area() -> None:
    with DictStore().unit_of_work() as uow:
        assert not hasattr(uow, "invoices")
        assert not hasattr(uow, "agenda")
