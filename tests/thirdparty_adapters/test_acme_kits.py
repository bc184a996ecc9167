"""A third party's adapters, installed as a real distribution (a wheel pip installs, with an
entry point in the ``clientops`` group), found by the plugin host and passed through every
kit: the courier ``acme``, the PBX ``acme_pbx`` and the ledger ``acme_books``. Nothing here
imports the package; the host loads it from its entry point."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from clientops import PluginHost
from clientops.accounting import Accounting
from clientops.courier import Courier
from clientops.model import EmployeeId
from clientops.telephony import Telephony
from clientops.testing import (
    AccountingContract,
    CourierContract,
    PbxCall,
    SignalRecorder,
    TelephonyContract,
)

PACKAGE = Path(__file__).parent / "acme_adapters"
DIST = "acme_clientops_adapters-1.0"
ENTRY_POINTS = "[clientops]\nacme = acme_adapters\n"
EXTENSIONS = {"101": EmployeeId("anna")}


def _build_wheel(where: Path) -> Path:
    info = f"{DIST}.dist-info"
    files = {f"acme_adapters/{p.name}": p.read_text("utf-8") for p in PACKAGE.glob("*.py")}
    files |= {
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: acme-clientops-adapters\n"
        "Version: 1.0\nRequires-Dist: clientops\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": ENTRY_POINTS,
    }
    files[f"{info}/RECORD"] = "\n".join([*(f"{n},," for n in files), f"{info}/RECORD,,"]) + "\n"
    wheel = where / f"{DIST}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-installs the package into a folder of its own."""
    root = tmp_path_factory.mktemp("acme")
    target = root / "site"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"),
            *("--target", str(target), str(_build_wheel(root))),
        ],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture
def host(installed: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginHost]:
    """A plugin host that finds the installed package through its entry point."""
    monkeypatch.syspath_prepend(str(installed))
    importlib.invalidate_caches()
    yield PluginHost(environ={}).load()
    for name in [m for m in sys.modules if m == "acme_adapters" or m.startswith("acme_adapters.")]:
        del sys.modules[name]


def test_the_package_is_loaded_from_its_entry_point(host: PluginHost, installed: Path) -> None:
    assert "acme" in host.plugin_names()
    assert "acme" in host.couriers()
    assert "acme_pbx" in host.telephonies()
    assert "acme_books" in host.accountings()
    module = sys.modules["acme_adapters"]  # imported by the host, from the installed copy
    assert Path(module.__file__ or "").is_relative_to(installed)


class TestAcmeCourier(CourierContract):
    refused_weight_grams = 20_001

    @pytest.fixture
    def rates(self, tmp_path: Path) -> Path:
        path = tmp_path / "rates.json"
        table = {
            "cities": ["Москва", "Санкт-Петербург", "Казань"],
            "base": "300",
            "per_kg": "50",
            "max_grams": 20_000,
            "days": [1, 3],
        }
        path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
        return path

    @pytest.fixture
    def courier(self, host: PluginHost, rates: Path) -> Courier:
        return host.open_courier("acme", rates=rates)

    @pytest.fixture
    def carrier_bookings(self, courier: Any) -> Callable[[], int]:
        return lambda: len(courier.bookings())

    @pytest.fixture
    def failing_courier(self, host: PluginHost, tmp_path: Path) -> Courier:
        return host.open_courier("acme", rates=tmp_path / "the share is gone.json")


class TestAcmePbx(TelephonyContract):
    @pytest.fixture
    def pbx(self, host: PluginHost, call_signals: SignalRecorder) -> Telephony:
        return host.open_telephony("acme_pbx", on_event=call_signals, extensions=EXTENSIONS)

    @pytest.fixture
    def deliver(self, pbx: Any) -> Callable[[Any], object]:
        return pbx.receive  # type: ignore[no-any-return]

    @pytest.fixture
    def telephony(self, pbx: Telephony) -> Telephony:
        return pbx

    @pytest.fixture
    def placed_calls(self, pbx: Any) -> Callable[[], int]:
        return lambda: len(pbx.placed)

    def notifications(self, call: PbxCall) -> Sequence[dict[str, str]]:
        started = call.started_at.isoformat()
        notes = [
            {
                "type": "start",
                "call": call.call_id,
                "from": call.caller.e164,
                "to": call.line.e164,
                "at": started,
            }
        ]
        if call.answered_after is not None:
            notes.append(
                {
                    "type": "answer",
                    "call": call.call_id,
                    "ext": call.extension,
                    "at": call.at(call.answered_after).isoformat(),
                }
            )
        talk = call.ended_after - call.answered_after if call.answered_after is not None else 0
        notes.append(
            {
                "type": "end",
                "call": call.call_id,
                "at": (call.started_at + timedelta(seconds=call.ended_after)).isoformat(),
                "started": started,
                "status": "answered" if call.answered else "no_answer",
                "seconds": str(call.ended_after),
                "talk": str(talk),
                "ext": call.extension,
            }
        )
        if call.recorded:
            notes.append({"type": "record", "call": call.call_id, "file": "acme/1.mp3"})
        return notes

    def broken_notification(self, call: PbxCall) -> dict[str, str]:
        return {"type": "start", "call": call.call_id}


class TestAcmeBooks(AccountingContract):
    @pytest.fixture
    def accounting(self, host: PluginHost, tmp_path: Path) -> Accounting:
        return host.open_accounting(
            "acme_books", path=tmp_path / "journal.jsonl", closed_through=self.closed_through
        )

    def records_held(self, accounting: Any) -> Sequence[str]:
        return [key.split(":", 1)[1] for key in accounting.journal_keys()]

    def reopen(self, accounting: Any) -> Accounting:
        return type(accounting)(path=accounting.path, closed_through=self.closed_through)  # type: ignore[no-any-return]
