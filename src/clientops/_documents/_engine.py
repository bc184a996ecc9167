"""Document types, the template cache, and :func:`render_document`."""

from __future__ import annotations

import functools
import importlib
import io
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from clientops._documents._acts import (
    ACT_FIELDS,
    SOFTWARE_ACT_FIELDS,
    CompletedWorksAct,
    SoftwareTransferAct,
    completed_works_values,
    software_transfer_values,
)
from clientops._documents._billing import (
    DEBTORS_LIST_FIELDS,
    PAYMENT_INVOICE_FIELDS,
    DebtorsList,
    PaymentInvoice,
    debtors_list_values,
    payment_invoice_values,
)
from clientops._documents._onboarding import (
    CHECKLIST_FIELDS,
    NOTICE_FIELDS,
    TITLE_PAGE_FIELDS,
    FolderTitlePage,
    NonconformityNotice,
    OnboardingChecklist,
    folder_title_page_values,
    nonconformity_notice_values,
    onboarding_checklist_values,
)
from clientops._documents._orders import (
    INVOICE_FIELDS,
    ORDER_REQUEST_FIELDS,
    OrderRequest,
    PrepaymentInvoice,
    order_request_values,
    prepayment_invoice_values,
)
from clientops._documents._page import A4, PageSetup
from clientops._documents._service import (
    RECOMMENDATION_REQUEST_FIELDS,
    VISIT_ACT_FIELDS,
    RecommendationLetterRequest,
    VisitActDocument,
    recommendation_request_values,
    visit_act_values,
)
from clientops._documents._supply import (
    CONSIGNMENT_NOTE_FIELDS,
    PACKING_LIST_FIELDS,
    UPD_FIELDS,
    ConsignmentNote,
    PackingList,
    UniversalTransferDocument,
    consignment_note_values,
    packing_list_values,
    upd_values,
)
from clientops._documents._template import (
    Fields,
    Source,
    Template,
    TemplateLimits,
    Values,
    field_problems,
)
from clientops.errors import FieldError, TemplateError, ValidationError

if TYPE_CHECKING:
    from clientops.host import PluginHost

__all__ = [
    "COMPLETED_WORKS_ACT",
    "CONSIGNMENT_NOTE",
    "DEBTORS_LIST",
    "DOCUMENT_TYPES",
    "FOLDER_TITLE_PAGE",
    "NONCONFORMITY_NOTICE",
    "ONBOARDING_CHECKLIST",
    "ORDER_REQUEST",
    "PACKING_LIST",
    "PAYMENT_INVOICE",
    "PREPAYMENT_INVOICE",
    "RECOMMENDATION_REQUEST",
    "SOFTWARE_TRANSFER_ACT",
    "UNIVERSAL_TRANSFER_DOCUMENT",
    "VISIT_ACT",
    "DocumentType",
    "builtin_docx",
    "builtin_template",
    "document_type",
    "load_template",
    "render_document",
]


def _layout(module: str, name: str) -> Callable[[PageSetup], bytes]:
    """A built-in layout, drawn by python-docx, whose module is imported on first use: naming
    a document type loads no renderer."""

    def draw(page: PageSetup) -> bytes:
        function: Callable[[PageSetup], bytes] = getattr(
            importlib.import_module(f"clientops._documents.{module}"), name
        )
        return function(page)

    draw.__name__ = draw.__qualname__ = name
    return draw


completed_works_layout = _layout("_layouts", "completed_works_layout")
software_transfer_layout = _layout("_layouts", "software_transfer_layout")
debtors_list_layout = _layout("_billing_layouts", "debtors_list_layout")
payment_invoice_layout = _layout("_billing_layouts", "payment_invoice_layout")
folder_title_page_layout = _layout("_onboarding_layouts", "folder_title_page_layout")
nonconformity_notice_layout = _layout("_onboarding_layouts", "nonconformity_notice_layout")
onboarding_checklist_layout = _layout("_onboarding_layouts", "onboarding_checklist_layout")
order_request_layout = _layout("_orders_layouts", "order_request_layout")
prepayment_invoice_layout = _layout("_orders_layouts", "prepayment_invoice_layout")
recommendation_request_layout = _layout("_service_layouts", "recommendation_request_layout")
visit_act_layout = _layout("_service_layouts", "visit_act_layout")
consignment_note_layout = _layout("_supply_layouts", "consignment_note_layout")
upd_layout = _layout("_supply_layouts", "upd_layout")
packing_list_layout = _layout("_supply_layouts", "packing_list_layout")


C = TypeVar("C")


@attrs.frozen
class DocumentType(Generic[C]):
    """A kind of document: its typed context, the placeholders it offers, how a context
    becomes their values, and its built-in layout (a .docx template drawn for a page)."""

    #: The name plugins and templates know it by (``completed_works_act``).
    kind: str
    #: What it is called on paper.
    title: str
    context: type[C]
    fields: Fields
    values: Callable[[C], Values]
    layout: Callable[[PageSetup], bytes]


COMPLETED_WORKS_ACT: DocumentType[CompletedWorksAct] = DocumentType(
    "completed_works_act",
    "Акт выполненных работ",
    CompletedWorksAct,
    ACT_FIELDS,
    completed_works_values,
    completed_works_layout,
)
SOFTWARE_TRANSFER_ACT: DocumentType[SoftwareTransferAct] = DocumentType(
    "software_transfer_act",
    "Акт приёма-передачи программного обеспечения",
    SoftwareTransferAct,
    SOFTWARE_ACT_FIELDS,
    software_transfer_values,
    software_transfer_layout,
)
FOLDER_TITLE_PAGE: DocumentType[FolderTitlePage] = DocumentType(
    "folder_title_page",
    "Титульный лист клиентской папки",
    FolderTitlePage,
    TITLE_PAGE_FIELDS,
    folder_title_page_values,
    folder_title_page_layout,
)
ONBOARDING_CHECKLIST: DocumentType[OnboardingChecklist] = DocumentType(
    "onboarding_checklist",
    "Чек-лист знакомства с клиентом и подготовки документации",
    OnboardingChecklist,
    CHECKLIST_FIELDS,
    onboarding_checklist_values,
    onboarding_checklist_layout,
)
NONCONFORMITY_NOTICE: DocumentType[NonconformityNotice] = DocumentType(
    "nonconformity_notice",
    "Уведомление о несоответствиях в клиентской папке",
    NonconformityNotice,
    NOTICE_FIELDS,
    nonconformity_notice_values,
    nonconformity_notice_layout,
)
ORDER_REQUEST: DocumentType[OrderRequest] = DocumentType(
    "order_request",
    "Заявка на заказ",
    OrderRequest,
    ORDER_REQUEST_FIELDS,
    order_request_values,
    order_request_layout,
)
PREPAYMENT_INVOICE: DocumentType[PrepaymentInvoice] = DocumentType(
    "prepayment_invoice",
    "Счёт на предоплату",
    PrepaymentInvoice,
    INVOICE_FIELDS,
    prepayment_invoice_values,
    prepayment_invoice_layout,
)
PAYMENT_INVOICE: DocumentType[PaymentInvoice] = DocumentType(
    "payment_invoice",
    "Счёт на оплату",
    PaymentInvoice,
    PAYMENT_INVOICE_FIELDS,
    payment_invoice_values,
    payment_invoice_layout,
)
DEBTORS_LIST: DocumentType[DebtorsList] = DocumentType(
    "debtors_list",
    "Список должников",
    DebtorsList,
    DEBTORS_LIST_FIELDS,
    debtors_list_values,
    debtors_list_layout,
)
VISIT_ACT: DocumentType[VisitActDocument] = DocumentType(
    "visit_act",
    "Акт выполненных работ по сервисному обслуживанию",
    VisitActDocument,
    VISIT_ACT_FIELDS,
    visit_act_values,
    visit_act_layout,
)
RECOMMENDATION_REQUEST: DocumentType[RecommendationLetterRequest] = DocumentType(
    "recommendation_request",
    "Просьба о рекомендательном письме",
    RecommendationLetterRequest,
    RECOMMENDATION_REQUEST_FIELDS,
    recommendation_request_values,
    recommendation_request_layout,
)
CONSIGNMENT_NOTE: DocumentType[ConsignmentNote] = DocumentType(
    "consignment_note",
    "Товарная накладная",
    ConsignmentNote,
    CONSIGNMENT_NOTE_FIELDS,
    consignment_note_values,
    consignment_note_layout,
)
UNIVERSAL_TRANSFER_DOCUMENT: DocumentType[UniversalTransferDocument] = DocumentType(
    "upd",
    "Универсальный передаточный документ",
    UniversalTransferDocument,
    UPD_FIELDS,
    upd_values,
    upd_layout,
)
PACKING_LIST: DocumentType[PackingList] = DocumentType(
    "packing_list",
    "Упаковочный лист",
    PackingList,
    PACKING_LIST_FIELDS,
    packing_list_values,
    packing_list_layout,
)
#: Every document clientops can draw: the acts, the client folder's papers, the monthly
#: billing's, the service's, the shipment's, the order's (last).
DOCUMENT_TYPES: tuple[DocumentType[Any], ...] = (
    COMPLETED_WORKS_ACT,
    SOFTWARE_TRANSFER_ACT,
    FOLDER_TITLE_PAGE,
    ONBOARDING_CHECKLIST,
    NONCONFORMITY_NOTICE,
    PAYMENT_INVOICE,
    DEBTORS_LIST,
    VISIT_ACT,
    RECOMMENDATION_REQUEST,
    CONSIGNMENT_NOTE,
    UNIVERSAL_TRANSFER_DOCUMENT,
    PACKING_LIST,
    ORDER_REQUEST,
    PREPAYMENT_INVOICE,
)


def document_type(of: str | type | object) -> DocumentType[Any]:
    """The document type of a kind name, a context class, a context, or the type itself.

    >>> document_type("completed_works_act").title
    'Акт выполненных работ'
    """
    for candidate in DOCUMENT_TYPES:
        if (
            of is candidate
            or of == candidate.kind
            or of is candidate.context
            or type(of) is candidate.context
        ):
            return candidate
    known = ", ".join(t.kind for t in DOCUMENT_TYPES)
    what = of if isinstance(of, (str, type)) else type(of)
    raise ValidationError(
        [FieldError("kind", f"{what!r} is not a document clientops draws (known: {known})")],
        subject="document",
    )


@functools.lru_cache(maxsize=32)
def _builtin(kind: str, page: PageSetup) -> Template:
    found = document_type(kind)
    return Template.from_docx(found.layout(page), found.fields, kind=found.kind)


def builtin_template(of: str | type | object, page: PageSetup = A4) -> Template:
    """The compiled built-in layout of a document type on ``page`` (drawn once, then cached).
    Its .docx with the placeholders is :func:`builtin_docx`, a start for your own template."""
    return _builtin(document_type(of).kind, page)


def builtin_docx(of: str | type | object, page: PageSetup = A4) -> bytes:
    """The built-in layout as a .docx with ``{{ placeholders }}``: open it in Word, change it,
    and load it back with :func:`load_template`. The same layout gives the same bytes (its
    entries carry a fixed timestamp, not the moment it was drawn)."""
    return _fixed_times(document_type(of).layout(page))


def _fixed_times(docx: bytes) -> bytes:
    """``docx`` with every entry dated 1980-01-01 00:00, as the rendered documents are
    (python-docx stamps the time of saving, so two drawings a second apart differed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = entry.external_attr
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()


def load_template(
    source: Source, of: str | type | object, *, limits: TemplateLimits | None = None
) -> Template:
    """Read your own .docx template for a document type (a kind, a context class or a
    context); every placeholder must be one the type offers (its ``fields``). ``source`` is
    the .docx's bytes, its path (a ``str`` or an ``os.PathLike``) or a binary file object;
    anything else is refused with TemplateError naming ``source`` before anything is opened.
    ``limits`` bounds the file and its parts (:class:`TemplateLimits`)."""
    found = document_type(of)
    return Template.from_docx(source, found.fields, kind=found.kind, limits=limits)


def render_document(
    context: object,
    *,
    template: Template | None = None,
    host: PluginHost | None = None,
    page: PageSetup = A4,
) -> bytes:
    """The .docx (bytes) of ``context``: a :class:`CompletedWorksAct`, a
    :class:`SoftwareTransferAct`, a :class:`FolderTitlePage`, an :class:`OnboardingChecklist`,
    a :class:`NonconformityNotice`, a :class:`PaymentInvoice`, a :class:`DebtorsList`, a
    :class:`VisitActDocument`, a :class:`RecommendationLetterRequest`, an
    :class:`OrderRequest`, a :class:`PrepaymentInvoice`, a :class:`ConsignmentNote`, a
    :class:`UniversalTransferDocument` or a :class:`PackingList`.

    With ``template``, that template draws it. Otherwise, when a ``host`` is given, a plugin
    may draw it (``clientops_render_document``); when none does, the built-in layout on
    ``page`` does.
    """
    found = document_type(context)
    if template is not None:
        if template.kind not in (None, found.kind):
            raise TemplateError(
                [FieldError("", f"this template is for {template.kind}, not {found.kind}")]
            )
        unknown = field_problems(template, found.fields)
        if unknown:
            raise TemplateError(
                [FieldError("", f"{found.kind} has no placeholder {name}") for name in unknown]
            )
    else:
        if host is not None:
            replaced = host.render_document(found.kind, context)
            if replaced is not None:
                return replaced
        template = _builtin(found.kind, page)
    return template.render(found.values(context))
