"""The shape of the composition root: ClientOps holds one service per area (no god object),
each area service is a plain class over one Context (no mixins), none too large to read."""

from __future__ import annotations

import inspect
from pathlib import Path

import attrs
import pytest

import clientops
from clientops import ClientOps
from clientops.adapters.memory import MemoryStorage
from clientops.host import PluginHost
from clientops.testing import T0

AREAS = (
    "clients",
    "calls",
    "telephony",
    "onboarding",
    "orders",
    "billing",
    "claims",
    "service",
    "agenda",
    "outbox",
    "campaigns",
)


def _ops() -> ClientOps:
    return ClientOps(MemoryStorage(), host=PluginHost(entry_points=False), clock=lambda: T0)


def _public(obj: object) -> set[str]:
    return {name for name in dir(obj) if not name.startswith("_")}


def _services(ops: ClientOps) -> dict[str, object]:
    return {n: v for n, v in vars(ops).items() if type(v).__module__.startswith("clientops.")}


def test_clientops_stays_a_small_composition_root() -> None:
    ops = _ops()
    try:
        members = _public(ops)
        # DESIGN.md asks for at most 15; 16 since ops.campaigns (issue 19): twelve areas,
        # context, storage, policy, close. Newer areas are not members: they are built from
        # a ClientOps (Feed(ops), Planning(ops), Supply(ops), Retention(ops), ...), so this
        # limit stays where it is.
        assert len(members) <= 16, sorted(members)
        assert set(AREAS) <= members
        assert {"close", "context"} <= members
    finally:
        ops.close()


def test_every_area_is_a_plain_class_over_the_context_and_not_too_long() -> None:
    ops = _ops()
    try:
        services = {n: s for n, s in _services(ops).items() if n != "context"}
        assert set(AREAS) <= set(services)
        classes = {type(s) for s in services.values()}
        for service in services.values():
            kind = type(service)
            # no mixins, no service built on another one
            assert kind.__bases__ == (object,), (kind, kind.__bases__)
            assert service._context is ops.context  # type: ignore[attr-defined]
            assert not any(issubclass(kind, other) for other in classes - {kind})
            lines = Path(inspect.getfile(kind)).read_text(encoding="utf-8").count("\n")
            assert lines <= 700, (inspect.getfile(kind), lines)
            assert kind.__doc__, kind
            assert ">>>" in kind.__doc__, f"{kind.__name__} has no example"
    finally:
        ops.close()


def test_the_areas_share_one_frozen_context_that_owns_the_clock() -> None:
    ops = clientops.connect("memory://", clock=lambda: T0)
    try:
        assert ops.context.now() == T0
        assert ops.context.today() == T0.astimezone(ops.policy.tz).date()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            ops.context.clock = None  # type: ignore[misc]
    finally:
        ops.close()
