"""The kits bite: adapters broken on purpose (a courier booking every retry, a PBX telling
one call under two ids, a ledger writing every delivery and ignoring the cut-off, a renderer
whose bytes change from call to call) fail the tests of their kit that say so."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BROKEN = '''
import io
import itertools

import attrs
import pytest

from clientops.adapters.beancount import BeancountLedger
from clientops.adapters.console_phone import ConsolePhone
from clientops.adapters.offline_courier import OfflineCourier
from clientops.documents import A4, PageSetup, render_document
from clientops.telephony import CallAnswered
from clientops.testing import (
    AccountingContract,
    CourierContract,
    DocumentRendererContract,
    PbxCall,
    TelephonyEventsContract,
)

NOW = PbxCall().started_at


class RebookingCourier(OfflineCourier):
    """Books again at every retry: the key is not honoured."""

    numbers = itertools.count(1)

    def book_pickup(self, request):
        return super().book_pickup(attrs.evolve(request, key=f"{request.key}-{next(self.numbers)}"))


class TestRebooking(CourierContract):
    destination = "Омск"
    refused_weight_grams = 30_001
    backend_can_fail = False

    @pytest.fixture
    def courier(self):
        return RebookingCourier(clock=lambda: NOW)

    @pytest.fixture
    def carrier_bookings(self, courier):
        return lambda: len(courier.bookings())


class TestTwoIds(TelephonyEventsContract):
    """Tells the answer of a call under another id."""

    delivers_in_order = True

    @pytest.fixture
    def deliver(self, call_signals):
        def split(signal):
            if isinstance(signal, CallAnswered):
                signal = attrs.evolve(signal, call_id=signal.call_id + "-answer")
            call_signals(signal)

        phone = ConsolePhone(split, out=io.StringIO(), clock=lambda: NOW,
                             extensions={"101": "anna"})
        return lambda step: getattr(phone, step[0])(**step[1])

    def notifications(self, call):
        c = call.call_id
        steps = [("incoming", dict(from_number=call.caller.e164, to_line=call.line.e164,
                                   call_id=c, at=call.started_at)),
                 ("ring", dict(call_id=c, extension="101", at=call.at(1)))]
        if call.answered:
            steps.append(("answer", dict(call_id=c, extension="101", at=call.at(9))))
        if call.recorded:
            steps.append(("record", dict(call_id=c)))
        steps.append(("hang_up", dict(call_id=c, at=call.at(call.ended_after))))
        return steps

    def broken_notification(self, call):
        return ("ring", dict(call_id="none", extension="101"))


class TestNoCutOff(AccountingContract):
    """A ledger that was not told its books are closed."""

    @pytest.fixture
    def accounting(self, tmp_path):
        return BeancountLedger(tmp_path / "l.beancount")

    def records_held(self, accounting):
        if not accounting.path.exists():
            return []
        text = accounting.path.read_text()
        return re.findall(r'clientops-key: "(?:issue|payment):([^"]+)"', text)


class Careless:
    """Writes every delivery."""

    name = "careless"

    def __init__(self):
        self.lines = []

    def record_invoice(self, record):
        self.lines.append(record.invoice.id)

    def record_payment(self, record):
        self.lines.append(record.payment.id)

    def fetch_payments(self, since):
        return ()

    def close(self):
        pass


class TestCareless(AccountingContract):
    @pytest.fixture
    def accounting(self):
        return Careless()

    def records_held(self, accounting):
        return accounting.lines


class TestFlipping(DocumentRendererContract):
    kinds = ("completed_works_act",)

    @pytest.fixture
    def renderer(self):
        pages = itertools.cycle([A4, PageSetup(width_mm=A4.height_mm, height_mm=A4.width_mm)])
        return lambda context: render_document(context, page=next(pages))
'''


def test_broken_adapters_fail_their_kits(tmp_path: Path) -> None:
    (tmp_path / "test_broken.py").write_text("import re\n" + BROKEN, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "test_broken.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    failed = set(re.findall(r"^FAILED test_broken\.py::(\w+::\w+)", done.stdout, re.MULTILINE))
    expected = {
        "TestRebooking::test_the_same_key_books_once",
        "TestRebooking::test_a_booking_is_tracked",
        "TestTwoIds::test_a_call_is_one_entry_in_the_call_log",
        "TestTwoIds::test_notifications_in_any_order_and_twice_make_the_same_entry",
        "TestNoCutOff::test_an_invoice_in_a_closed_period_is_refused",
        "TestNoCutOff::test_a_payment_in_a_closed_period_is_refused",
        "TestCareless::test_an_invoice_delivered_twice_is_recorded_once",
        "TestCareless::test_a_payment_delivered_twice_is_recorded_once",
        "TestFlipping::test_the_same_context_gives_the_same_bytes",
    }
    assert expected <= failed, done.stdout[-3000:] + done.stderr[-2000:]
    # and what the broken adapters still do right passes
    assert "TestNoCutOff::test_an_invoice_delivered_twice_is_recorded_once" not in failed
    assert "TestFlipping::test_every_document_opens_back_showing_what_it_is" not in failed
