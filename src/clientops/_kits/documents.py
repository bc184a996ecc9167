"""The document renderer kit: what a renderer of clientops documents must do (re-exported by
:mod:`clientops.testing`).

A renderer turns a document context (:class:`~clientops.documents.CompletedWorksAct`…) into
the bytes of a .docx: the built-in layouts (:func:`~clientops.documents.render_document`),
your own template (:func:`~clientops.documents.load_template`), a plugin implementing
``clientops_render_document``, ``ops.documents.render``.
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import attrs
import pytest

from clientops._billing import BankDetails, InvoiceLine, InvoiceParty
from clientops._orders import OrderSpecification
from clientops.documents import (
    APPENDIX_1_ACTIONS,
    DOCUMENT_TYPES,
    ActItem,
    ChecklistRow,
    CompletedWorksAct,
    ConsignmentItem,
    ConsignmentNote,
    DebtorRow,
    DebtorsList,
    FolderTitlePage,
    NonconformityNotice,
    NoticeItem,
    OnboardingChecklist,
    OrderRequest,
    PackingList,
    PackingPlace,
    Party,
    PaymentInvoice,
    PrepaymentInvoice,
    RecommendationLetterRequest,
    SoftwareItem,
    SoftwareTransferAct,
    UniversalTransferDocument,
    VisitActDocument,
)
from clientops.errors import ClientopsError
from clientops.model import Money
from clientops.service_visits import Part, VisitKind

__all__ = ["DocumentRendererContract", "DocumentSample", "document_samples"]


@attrs.frozen
class DocumentSample:
    """A document context for the kit: its ``kind``, the ``context``, a ``marker`` the
    rendered document must show (its number, its client), and the name of a text ``field``
    of the context to garble."""

    kind: str
    context: object
    marker: str
    field: str


def _executor() -> Party:
    return Party("ООО «MLS IT»", "ИНН 5501234567, г. Омск", "Генеральный директор", "И. Иванов")


def _customer() -> Party:
    return Party("ООО «Ромашка»", "ИНН 5507654321", "Директор", "П. П. Петров")


def _supplier() -> InvoiceParty:
    return InvoiceParty(
        name="ООО «MLS IT»",
        inn="5501234567",
        kpp="550101001",
        address="644000, г. Омск, ул. Ленина, д. 1",
    )


def _bank() -> BankDetails:
    return BankDetails(
        bank="Омское отделение № 8634 ПАО Сбербанк, г. Омск",
        bik="045209673",
        account="40702810945000012345",
        correspondent_account="30101810900000000673",
    )


def _buyer() -> InvoiceParty:
    return InvoiceParty(name="ООО «Ромашка»", inn="5507654321", kpp="550701001")


def document_samples() -> tuple[DocumentSample, ...]:
    """One valid context of every document type clientops draws, in the order of
    :data:`~clientops.documents.DOCUMENT_TYPES`."""
    day = date(2025, 6, 30)
    lines = (InvoiceLine("Абонентское обслуживание за июнь 2025 г.", "мес.", 1, Money("12000")),)
    spec = OrderSpecification(
        product_type="Календарь настенный",
        quantity=500,
        design="Макет «Календарь 2025»",
        materials="Мелованная бумага 170 г/м²",
        production_deadline=date(2025, 7, 20),
        delivery_address="644000, г. Омск, ул. Ленина, д. 1",
        packaging_type="Гофрокороб",
        packaging_marking="Номер заказа",
        delivery_deadline=date(2025, 7, 25),
        delivery_format="Курьер до двери",
    )
    samples = {
        "completed_works_act": DocumentSample(
            "completed_works_act",
            CompletedWorksAct(
                number="КИТ-101",
                date=day,
                city="г. Омск",
                executor=_executor(),
                customer=_customer(),
                contract="Договор № 12/25 от 15.01.2025",
                items=(ActItem("Настройка кассы", "усл.", 2, Money("61.73")),),
            ),
            "КИТ-101",
            "city",
        ),
        "software_transfer_act": DocumentSample(
            "software_transfer_act",
            SoftwareTransferAct(
                number="КИТ-102",
                date=day,
                city="г. Омск",
                transferor=_executor(),
                recipient=_customer(),
                contract="Договор № 12/25 от 15.01.2025",
                items=(SoftwareItem("ArchiMed+", "5.2", "LIC-0001", "USB-ключ защиты"),),
            ),
            "КИТ-102",
            "city",
        ),
        "folder_title_page": DocumentSample(
            "folder_title_page",
            FolderTitlePage(
                client_name="ООО «Ромашка-Кит»",
                contract_number="12/25",
                sales_manager="Петров Пётр Петрович",
                city="г. Омск",
                contact_person="Иванова Ирина Ивановна",
                phone="+7 (3812) 21-43-65",
                products=("ArchiMed+",),
                date=day,
            ),
            "ООО «Ромашка-Кит»",
            "client_name",
        ),
        "onboarding_checklist": DocumentSample(
            "onboarding_checklist",
            OnboardingChecklist(
                client_name="ООО «Ромашка-Кит»",
                contract_number="12/25",
                manager="Орлова Анна Алексеевна",
                rows=tuple(ChecklistRow(n, a) for n, a in enumerate(APPENDIX_1_ACTIONS, 1)),
            ),
            "ООО «Ромашка-Кит»",
            "client_name",
        ),
        "nonconformity_notice": DocumentSample(
            "nonconformity_notice",
            NonconformityNotice(
                number="КИТ-103",
                date=day,
                client_name="ООО «Ромашка»",
                contract_number="12/25",
                recipients=("Менеджеру по продажам Петрову П. П.",),
                sender="Орлова А. А.",
                items=(NoticeItem("Титульный лист", "не заполнен телефон"),),
            ),
            "КИТ-103",
            "client_name",
        ),
        "payment_invoice": DocumentSample(
            "payment_invoice",
            PaymentInvoice(
                number="КИТ-104",
                date=day,
                supplier=_supplier(),
                bank=_bank(),
                buyer=_buyer(),
                lines=lines,
                basis="Договор № 12/25 от 15.01.2025",
            ),
            "КИТ-104",
            "number",
        ),
        "debtors_list": DocumentSample(
            "debtors_list",
            DebtorsList(
                date=day,
                rows=(
                    DebtorRow(
                        client_name="ООО «Ромашка-Кит»",
                        invoices=("КИТ-104",),
                        owed=Money("12000"),
                        days_overdue=5,
                    ),
                ),
                compiled_by="Орлова А. А.",
            ),
            "ООО «Ромашка-Кит»",
            "compiled_by",
        ),
        "visit_act": DocumentSample(
            "visit_act",
            VisitActDocument(
                number="КИТ-105",
                date=day,
                city="г. Омск",
                executor=_executor(),
                customer=_customer(),
                contract="Договор на сервисное обслуживание № СО-12/25",
                kind=VisitKind.EMERGENCY,
                engineer="Егоров Денис Викторович",
                works=("Замена привода шлагбаума",),
                parts=(Part("Привод шлагбаума", 1, Money("18500.00")),),
                address="Омск, ул. Ленина, 1",
                problem="Не открывается шлагбаум",
            ),
            "КИТ-105",
            "city",
        ),
        "recommendation_request": DocumentSample(
            "recommendation_request",
            RecommendationLetterRequest(
                company="ООО «MLS IT»",
                date=day,
                client_name="ООО «Ромашка-Кит»",
                manager_name="Смирнова Анна Сергеевна",
            ),
            "ООО «Ромашка-Кит»",
            "client_name",
        ),
        "order_request": DocumentSample(
            "order_request",
            OrderRequest(
                number="КИТ-106",
                date=day,
                client_name="ООО «Ромашка»",
                manager="Орлова А. А.",
                specification=spec,
            ),
            "КИТ-106",
            "client_name",
        ),
        "prepayment_invoice": DocumentSample(
            "prepayment_invoice",
            PrepaymentInvoice(
                number="КИТ-107",
                date=day,
                supplier=_supplier(),
                bank=_bank(),
                buyer=_buyer(),
                lines=lines,
                due_date=date(2025, 7, 5),
                basis="Заявка на заказ № КИТ-106",
                prepayment_percent=Decimal(50),
            ),
            "КИТ-107",
            "number",
        ),
        "consignment_note": DocumentSample(
            "consignment_note",
            ConsignmentNote(
                number="КИТ-108",
                date=day,
                supplier=_executor(),
                consignee=_customer(),
                basis="Договор № 12/25 от 15.01.2025",
                items=(
                    ConsignmentItem(
                        "Турникет T-3", 2, Money("75000.00"), serials=("T3-001", "T3-002")
                    ),
                ),
                carrier="СДЭК",
            ),
            "КИТ-108",
            "basis",
        ),
        "upd": DocumentSample(
            "upd",
            UniversalTransferDocument(
                number="КИТ-109",
                date=day,
                status=1,
                seller=_executor(),
                buyer=_customer(),
                basis="Договор № 12/25 от 15.01.2025",
                items=(
                    ConsignmentItem(
                        "Турникет T-3", 2, Money("75000.00"), serials=("T3-001", "T3-002")
                    ),
                ),
                carrier="СДЭК, Омск",
            ),
            "КИТ-109",
            "basis",
        ),
        "packing_list": DocumentSample(
            "packing_list",
            PackingList(
                number="КИТ-110",
                date=day,
                sender=_executor(),
                recipient=_customer(),
                city="Омск",
                address="ул. Ленина, 10",
                places=(PackingPlace("Турникет T-3", 2, 25000, 120, serials=("T3-001", "T3-002")),),
                carrier="СДЭК (транспортная компания)",
                packer="И. Иванов",
            ),
            "КИТ-110",
            "number",
        ),
    }
    return tuple(samples[t.kind] for t in DOCUMENT_TYPES)


def _text(data: bytes) -> str:
    """Every paragraph and table cell of the .docx ``data``, as python-docx reads it."""
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts).replace("\u00a0", " ")


class DocumentRendererContract:
    """The contract of a document renderer: for every document it draws, the bytes open back
    as a .docx showing the document's number or client; the same context gives the same
    bytes; a context it cannot draw, and text a .docx cannot hold (in a context that slipped
    past its own checks), are refused with a
    :class:`~clientops.errors.ClientopsError` (a ValidationError naming the field), never
    a bare exception.

    Subclass it and provide the ``renderer`` fixture: a function from a context to the
    bytes of a .docx. :attr:`kinds` limits the kit to the kinds the renderer draws (all of
    :data:`~clientops.documents.DOCUMENT_TYPES` by default).
    """

    #: The kinds of document the renderer draws; ``None``: every kind.
    kinds: tuple[str, ...] | None = None

    @pytest.fixture
    def renderer(self) -> Callable[[object], bytes]:  # pragma: no cover - always overridden
        raise NotImplementedError("provide a `renderer` fixture: context -> .docx bytes")

    def samples(self) -> tuple[DocumentSample, ...]:
        chosen = [s for s in document_samples() if self.kinds is None or s.kind in self.kinds]
        assert chosen, f"no sample of the kinds {self.kinds}"
        return tuple(chosen)

    def test_every_document_opens_back_showing_what_it_is(
        self, renderer: Callable[[object], bytes]
    ) -> None:
        for sample in self.samples():
            data = renderer(sample.context)
            assert isinstance(data, bytes), f"{sample.kind}: {type(data).__name__}, not bytes"
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                assert package.testzip() is None, sample.kind
                names = set(package.namelist())
            assert {"[Content_Types].xml", "word/document.xml"} <= names, sample.kind
            assert sample.marker in _text(data), f"{sample.kind}: {sample.marker!r} not shown"

    def test_the_same_context_gives_the_same_bytes(
        self, renderer: Callable[[object], bytes]
    ) -> None:
        for sample in self.samples():
            first = renderer(sample.context)
            assert renderer(attrs.evolve(sample.context)) == first, sample.kind  # type: ignore[misc]

    def test_another_document_gives_other_bytes(self, renderer: Callable[[object], bytes]) -> None:
        samples = self.samples()
        drawn = {renderer(s.context) for s in samples}
        assert len(drawn) == len(samples)

    def test_a_context_it_cannot_draw_is_a_typed_error(
        self, renderer: Callable[[object], bytes]
    ) -> None:
        with pytest.raises(ClientopsError):
            renderer(object())

    def test_text_a_docx_cannot_hold_is_a_typed_error(
        self, renderer: Callable[[object], bytes]
    ) -> None:
        for sample in self.samples():
            # a context refuses such text when built; this one slipped past its checks
            smuggled = copy.copy(sample.context)
            object.__setattr__(smuggled, sample.field, "звонок\x07")
            with pytest.raises(ClientopsError) as caught:
                renderer(smuggled)
            assert sample.field in str(caught.value), f"{sample.kind}: {caught.value}"
