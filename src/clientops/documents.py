"""Documents as .docx: the act of completed works, the software transfer act, the client
folder's title page, the onboarding checklist, the notice of nonconformities, the invoice (its
duplicate, the corrected one) and the list of debtors of the monthly billing, the service visit
act and the letter asking a satisfied client for a recommendation, the order request with its
specification, the prepayment invoice, the consignment note, the universal transfer
document (УПД) and the packing list of a shipment, your templates.

A document is a typed context (a frozen attrs value) and a layout. :func:`render_document`
turns a context into the bytes of a .docx on an A4 page; a plugin may draw it instead
(``clientops_render_document``), and your own .docx template with ``{{ placeholders }}`` may
replace the built-in layout (:func:`load_template`). Each layout is compiled once and cached, so
a document costs a few string joins and one deflate.

    >>> from datetime import date
    >>> from clientops import Money
    >>> act = CompletedWorksAct(
    ...     number="17",
    ...     date=date(2025, 6, 30),
    ...     city="г. Омск",
    ...     executor=Party("ООО «Вектор»", "ИНН 5501234567", "Директор", "А. А. Орлов"),
    ...     customer=Party("ООО «Ромашка»", "ИНН 5507654321", "Директор", "Б. Б. Белов"),
    ...     contract="Договор № 5/25 от 10.01.2025",
    ...     items=(ActItem("Настройка кассы", "усл.", 2, Money("61.73")),),
    ... )
    >>> act.total, amount_in_words(act.total)
    (Money(amount=Decimal('123.46'), currency='RUB'), 'Сто двадцать три рубля 46 копеек')
    >>> data = render_document(act)
    >>> data[:2]
    b'PK'
"""

from __future__ import annotations

from clientops._documents._acts import (
    ActItem,
    CompletedWorksAct,
    Party,
    SoftwareItem,
    SoftwareTransferAct,
)
from clientops._documents._billing import (
    DebtorRow,
    DebtorsList,
    InvoiceRef,
    PaymentInvoice,
    format_long_date,
)
from clientops._documents._engine import (
    COMPLETED_WORKS_ACT,
    CONSIGNMENT_NOTE,
    DEBTORS_LIST,
    DOCUMENT_TYPES,
    FOLDER_TITLE_PAGE,
    NONCONFORMITY_NOTICE,
    ONBOARDING_CHECKLIST,
    ORDER_REQUEST,
    PACKING_LIST,
    PAYMENT_INVOICE,
    PREPAYMENT_INVOICE,
    RECOMMENDATION_REQUEST,
    SOFTWARE_TRANSFER_ACT,
    UNIVERSAL_TRANSFER_DOCUMENT,
    VISIT_ACT,
    DocumentType,
    builtin_docx,
    builtin_template,
    document_type,
    load_template,
    render_document,
)
from clientops._documents._onboarding import (
    APPENDIX_1_ACTIONS,
    ChecklistRow,
    FolderTitlePage,
    NonconformityNotice,
    NoticeItem,
    OnboardingChecklist,
)
from clientops._documents._orders import (
    OrderRequest,
    PrepaymentInvoice,
    order_request_for,
    prepayment_invoice_for,
)
from clientops._documents._page import A4, PageSetup
from clientops._documents._service import (
    RecommendationLetterRequest,
    VisitActDocument,
    recommendation_request_for,
    visit_act_document,
)
from clientops._documents._supply import (
    ConsignmentItem,
    ConsignmentNote,
    PackingList,
    PackingPlace,
    UniversalTransferDocument,
)
from clientops._documents._template import Fields, Source, Template, TemplateLimits, Values
from clientops._documents._words import (
    MAX_RUBLES,
    amount_in_words,
    format_date,
    format_money,
    format_quantity,
    plural_ru,
)

__all__ = [
    "A4",
    "APPENDIX_1_ACTIONS",
    "COMPLETED_WORKS_ACT",
    "CONSIGNMENT_NOTE",
    "DEBTORS_LIST",
    "DOCUMENT_TYPES",
    "FOLDER_TITLE_PAGE",
    "MAX_RUBLES",
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
    "ActItem",
    "ChecklistRow",
    "CompletedWorksAct",
    "ConsignmentItem",
    "ConsignmentNote",
    "DebtorRow",
    "DebtorsList",
    "DocumentType",
    "Fields",
    "FolderTitlePage",
    "InvoiceRef",
    "NonconformityNotice",
    "NoticeItem",
    "OnboardingChecklist",
    "OrderRequest",
    "PackingList",
    "PackingPlace",
    "PageSetup",
    "Party",
    "PaymentInvoice",
    "PrepaymentInvoice",
    "RecommendationLetterRequest",
    "SoftwareItem",
    "SoftwareTransferAct",
    "Source",
    "Template",
    "TemplateLimits",
    "UniversalTransferDocument",
    "Values",
    "VisitActDocument",
    "amount_in_words",
    "builtin_docx",
    "builtin_template",
    "document_type",
    "format_date",
    "format_long_date",
    "format_money",
    "format_quantity",
    "load_template",
    "order_request_for",
    "plural_ru",
    "prepayment_invoice_for",
    "recommendation_request_for",
    "render_document",
    "visit_act_document",
]
