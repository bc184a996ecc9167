"""The contexts of the order documents, the values their placeholders take, and the builders
that make them from an :class:`~clientops.orders.Order`.

Two papers go with an order (seed 003, «Оформление заказов», «Сопровождение заказа»): the
**order request with its specification** (заявка на заказ, спецификация) the client approves
and signs, and the **prepayment invoice** (счёт на предоплату) issued before production starts.
Like the acts (:mod:`clientops._documents._acts`), each is a frozen attrs context holding plain
values the caller fills in; the ``*_values`` function turns it into the strings a template
prints. Unlike the acts, a context reports every bad field at once.

    >>> from datetime import date
    >>> from clientops.model import Money
    >>> from clientops.orders import OrderSpecification
    >>> spec = OrderSpecification(
    ...     product_type="Календарь настенный", quantity=500, design="Макет 2025",
    ...     materials="Мелованная бумага 170 г/м²", production_deadline=date(2025, 6, 20),
    ...     delivery_address="Омск, ул. Ленина, 1", packaging_type="Короб",
    ...     packaging_marking="Логотип клиента", delivery_deadline=date(2025, 6, 25),
    ...     delivery_format="Курьер до двери",
    ... )
    >>> request = OrderRequest("З-101", date(2025, 6, 2), "ООО «Ромашка»", "А. А. Орлова", spec,
    ...                        price=Money("13000"))
    >>> values = order_request_values(request)
    >>> values["specification"][1]["value"], values["price_in_words"]
    ('500 экз.', 'Тринадцать тысяч рублей 00 копеек')
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

import attrs

from clientops._billing import BankDetails, InvoiceLine, InvoiceParty
from clientops._documents._acts import SIGNATURE_LINE, check_vat_rate, included_vat
from clientops._documents._onboarding import DASH, check_strings
from clientops._documents._template import Fields, Values
from clientops._documents._words import (
    amount_in_words,
    format_date,
    format_money,
    format_quantity,
)
from clientops._fields import (
    CENT,
    FORBIDDEN,
    check_date,
    check_instance,
    check_required,
    check_rub_price,
    check_text,
    checked,
    field_fail,
    validate_fields,
)
from clientops._orders import Order, OrderSpecification, OrderStage
from clientops.errors import FieldError, ValidationError
from clientops.model import Money

__all__ = [
    "INVOICE_FIELDS",
    "INVOICE_LINE_FIELDS",
    "INVOICE_PARTY_FIELDS",
    "INVOICE_SCALARS",
    "ORDER_REQUEST_FIELDS",
    "SPECIFICATION_LABELS",
    "OrderRequest",
    "PrepaymentInvoice",
    "invoice_values",
    "order_request_for",
    "order_request_values",
    "prepayment_invoice_for",
    "prepayment_invoice_values",
]

_HUNDRED = Decimal(100)


# ------------------------------------------------------------------------------ validators


def _optional_rub_price(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_rub_price(instance, attribute, value)


def check_flag(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise field_fail(instance, attribute, "must be True or False")


def check_tuple_of(kind: type, *, empty: str | None) -> Any:
    """A tuple of ``kind`` naming each element that is not one; ``empty`` is the problem of an
    empty tuple (``None``: it may be empty)."""
    article = "an" if kind.__name__[:1] in "AEIOU" else "a"

    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise field_fail(instance, attribute, "must be a tuple")
        if empty is not None and not value:
            raise field_fail(instance, attribute, empty)
        errors = [
            FieldError(f"{attribute.name}[{i}]", f"must be {article} {kind.__name__}")
            for i, element in enumerate(value)
            if not isinstance(element, kind)
        ]
        if errors:
            raise ValidationError(errors, subject=type(instance).__name__)

    return check


def _lines(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    check_tuple_of(InvoiceLine, empty="at least one line is required")(instance, attribute, value)


def _percent(value: object) -> object:
    """An int percentage becomes a Decimal; anything else is left for the check to refuse."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _share(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 < value <= _HUNDRED:
        raise field_fail(
            instance, attribute, f"must be a Decimal percentage in (0, 100], got {value!r}"
        )


def _specification(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """An :class:`OrderSpecification` whose text a document can hold."""
    if not isinstance(value, OrderSpecification):
        raise field_fail(instance, attribute, "must be an OrderSpecification")
    texts = [(name, getattr(value, name)) for name, _ in SPECIFICATION_LABELS]
    texts += [(f"other[{i}]", line) for i, line in enumerate(value.other)]
    errors: list[FieldError] = []
    for name, text in texts:
        bad = FORBIDDEN.search(text) if isinstance(text, str) else None
        if bad is not None:
            errors.append(
                FieldError(
                    f"{attribute.name}.{name}",
                    f"character U+{ord(bad.group()):04X} cannot be put in a document",
                )
            )
    if errors:
        raise ValidationError(errors, subject=type(instance).__name__)


# ------------------------------------------------------------------------------ the request

#: The rows of the specification: the field of :class:`~clientops.orders.OrderSpecification`
#: and its label on paper, in the order of the job description. The «и другие» lines follow.
SPECIFICATION_LABELS: tuple[tuple[str, str], ...] = (
    ("product_type", "Тип изготавливаемой продукции"),
    ("quantity", "Количество экземпляров (тираж)"),
    ("design", "Используемый дизайн"),
    ("materials", "Используемые материалы (бумага, картон, краски и пр.)"),
    ("production_deadline", "Сроки изготовления"),
    ("delivery_address", "Адрес доставки"),
    ("packaging_type", "Тип упаковки"),
    ("packaging_marking", "Маркировка на упаковке"),
    ("delivery_deadline", "Сроки доставки"),
    ("delivery_format", "Формат доставки"),
)
#: The label of the row holding the specification's free lines (``other``).
OTHER_LABEL = "Другие условия"


@attrs.frozen
class OrderRequest:
    """An order request with its specification (заявка на заказ, спецификация): the client,
    the manager who draws it up, what to produce (an
    :class:`~clientops.orders.OrderSpecification`), and the price once it is computed
    (``None``: the request goes to the supplier for a quote first). A ``preliminary`` request
    is the one the client approves before the supplier's quote; the final one is signed.

    The price includes VAT at ``vat_rate`` percent (``None``: without VAT). ``notes`` are
    printed under the specification, one per line; ``client_signer`` is the name under the
    client's signature (blank: written by hand).
    """

    number: str = attrs.field(metadata=checked(check_required))
    date: dt.date = attrs.field(metadata=checked(check_date))
    client_name: str = attrs.field(metadata=checked(check_required))
    manager: str = attrs.field(metadata=checked(check_required))
    specification: OrderSpecification = attrs.field(metadata=checked(_specification))
    price: Money | None = attrs.field(default=None, metadata=checked(_optional_rub_price))
    vat_rate: Decimal | None = attrs.field(default=Decimal(20), metadata=checked(check_vat_rate))
    notes: tuple[str, ...] = attrs.field(
        default=(), metadata=checked(check_strings(at_least_one=False, one_line=False))
    )
    preliminary: bool = attrs.field(default=False, metadata=checked(check_flag))
    client_signer: str = attrs.field(default="", metadata=checked(check_text))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)

    @property
    def vat(self) -> Money | None:
        """The VAT included in the price, rounded half-up; ``None`` without a price or VAT."""
        return None if self.price is None else included_vat(self.price, self.vat_rate)


ORDER_REQUEST_FIELDS = Fields(
    scalars={
        "number", "date", "status", "client_name", "manager", "client_signer",
        "client_signature", "manager_signature",
        *(name for name, _ in SPECIFICATION_LABELS), "other",
        "price", "price_in_words", "vat", "vat_rate", "vat_line", "price_line", "notes",
    },
    lists={"specification": {"n", "parameter", "value"}},
)  # fmt: skip


def signature_text(name: str) -> str:
    return f"{SIGNATURE_LINE} / {name or SIGNATURE_LINE} /"


def added_vat(amount: Money, rate: Decimal | None) -> Money | None:
    """The VAT added on top of ``amount``, rounded half-up to kopecks; ``None`` without VAT."""
    if rate is None:
        return None
    return Money((amount.amount * rate / _HUNDRED).quantize(CENT, ROUND_HALF_UP))


def _vat_texts(
    amount: Money, rate: Decimal | None, *, included: bool = True
) -> tuple[str, str, str]:
    """(the VAT, its rate, the VAT line) of an amount that includes it, or, when not
    ``included``, to which it is added («Сумма НДС»)."""
    vat = included_vat(amount, rate) if included else added_vat(amount, rate)
    if vat is None or rate is None:
        return "", "", "Без налога (НДС)"
    rate_text = f"{format_quantity(rate)}%"
    label = "В том числе НДС" if included else "Сумма НДС"
    return format_money(vat), rate_text, f"{label} ({rate_text}): {format_money(vat)}"


def order_request_values(request: OrderRequest) -> Values:
    """The strings the placeholders of an order request (:data:`ORDER_REQUEST_FIELDS`) take.

    Each specification field is a placeholder of its own (``quantity`` is ``500``, a deadline
    ``20.06.2025``, ``other`` its lines or «—»), and the list ``specification`` holds the rows
    of the built-in table (``500 экз.``, ``до 20.06.2025``). ``status`` is «предварительная»
    or «окончательная»; the price fields are empty, and ``price_line`` says the price is yet
    to be computed, while there is no price.
    """
    spec = request.specification
    texts = {
        "product_type": spec.product_type,
        "quantity": str(spec.quantity),
        "design": spec.design,
        "materials": spec.materials,
        "production_deadline": format_date(spec.production_deadline),
        "delivery_address": spec.delivery_address,
        "packaging_type": spec.packaging_type,
        "packaging_marking": spec.packaging_marking,
        "delivery_deadline": format_date(spec.delivery_deadline),
        "delivery_format": spec.delivery_format,
        "other": "\n".join(spec.other) or DASH,
    }
    shown = {
        **texts,
        "quantity": f"{spec.quantity} экз.",
        "production_deadline": f"до {texts['production_deadline']}",
        "delivery_deadline": f"до {texts['delivery_deadline']}",
    }
    rows: list[Mapping[str, str]] = [
        {"n": str(n), "parameter": label, "value": shown[name]}
        for n, (name, label) in enumerate((*SPECIFICATION_LABELS, ("other", OTHER_LABEL)), 1)
    ]
    price = request.price
    if price is None:
        price_text = words = vat_text = rate_text = vat_line = ""
        price_line = "Цена заказа: рассчитывается после оценки заказа поставщиком."
    else:
        price_text, words = format_money(price), amount_in_words(price)
        vat_text, rate_text, vat_line = _vat_texts(price, request.vat_rate)
        tax = f"в том числе НДС ({rate_text}): {vat_text} руб." if vat_text else "без налога (НДС)."
        price_line = f"Цена заказа: {price_text} руб. ({words}), {tax}"
    return {
        "number": request.number,
        "date": format_date(request.date),
        "status": "предварительная" if request.preliminary else "окончательная",
        "client_name": request.client_name,
        "manager": request.manager,
        "client_signer": request.client_signer,
        "client_signature": signature_text(request.client_signer),
        "manager_signature": signature_text(request.manager),
        **texts,
        "specification": rows,
        "price": price_text,
        "price_in_words": words,
        "vat": vat_text,
        "vat_rate": rate_text,
        "vat_line": vat_line,
        "price_line": price_line,
        "notes": "\n".join(request.notes) or DASH,
    }


# ------------------------------------------------------------------------------ invoices


@attrs.frozen
class BaseInvoice:
    """What every invoice holds, first among its fields: its number and date, the supplier
    (the payee) with its bank details, the buyer, and the lines. Each kind of invoice adds its
    own fields, and names what is inconsistent between them in :meth:`_problems`."""

    number: str = attrs.field(metadata=checked(check_required))
    date: dt.date = attrs.field(metadata=checked(check_date))
    supplier: InvoiceParty = attrs.field(metadata=checked(check_instance(InvoiceParty)))
    bank: BankDetails = attrs.field(metadata=checked(check_instance(BankDetails)))
    buyer: InvoiceParty = attrs.field(metadata=checked(check_instance(InvoiceParty)))
    lines: tuple[InvoiceLine, ...] = attrs.field(metadata=checked(_lines))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)
        problems = self._problems()
        if problems:
            raise ValidationError(problems, subject=type(self).__name__)

    def _problems(self) -> list[FieldError]:
        """What is wrong between fields that are each right on their own."""
        return []

    def _due_problems(self, due_date: dt.date | None) -> list[FieldError]:
        if due_date is None or due_date >= self.date:
            return []
        return [FieldError("due_date", f"{due_date} is before the invoice date {self.date}")]

    @property
    def total(self) -> Money:
        """The sum of the lines' amounts."""
        return sum((line.amount for line in self.lines), Money(0))


@attrs.frozen
class PrepaymentInvoice(BaseInvoice):
    """A prepayment invoice (счёт на предоплату): the ``supplier`` (your company, the payee,
    with its ``bank`` details) asks the ``buyer`` to pay ``prepayment_percent`` of the total
    of ``lines`` by ``due_date``, on the ``basis`` (an order request, a contract; may be
    empty).

    Prices include VAT at ``vat_rate`` percent (``None``: the supplier pays no VAT). The total,
    the prepayment (the total × the percentage, rounded half-up to kopecks), their VAT and the
    amount in words are computed. ``head`` and ``accountant`` are the names under the
    signatures (blank: written by hand).
    """

    due_date: dt.date = attrs.field(metadata=checked(check_date))
    basis: str = attrs.field(default="", metadata=checked(check_text))
    vat_rate: Decimal | None = attrs.field(default=Decimal(20), metadata=checked(check_vat_rate))
    prepayment_percent: Decimal = attrs.field(
        default=_HUNDRED, converter=_percent, metadata=checked(_share)
    )
    head: str = attrs.field(default="", metadata=checked(check_text))
    accountant: str = attrs.field(default="", metadata=checked(check_text))

    def _problems(self) -> list[FieldError]:
        return self._due_problems(self.due_date)

    @property
    def vat(self) -> Money | None:
        """The VAT included in the total, rounded half-up; ``None`` without VAT."""
        return included_vat(self.total, self.vat_rate)

    @property
    def prepayment(self) -> Money:
        """The amount to pay: the total × ``prepayment_percent`` / 100, rounded half-up."""
        share = self.total.amount * self.prepayment_percent / _HUNDRED
        return Money(share.quantize(CENT, ROUND_HALF_UP))

    @property
    def prepayment_vat(self) -> Money | None:
        """The VAT included in the prepayment, rounded half-up; ``None`` without VAT."""
        return included_vat(self.prepayment, self.vat_rate)


#: The fields of one side of an invoice, as ``<role>.<field>`` placeholders.
INVOICE_PARTY_FIELDS = ("name", "inn", "kpp", "address", "full")


def _invoice_party(role: str, party: InvoiceParty) -> dict[str, str]:
    """``{role}.name``, ``.inn``, ``.kpp``, ``.address`` and ``.full`` (the name, ИНН, КПП
    and address, those that are set)."""
    parts = [
        party.name,
        f"ИНН {party.inn}",
        f"КПП {party.kpp}" if party.kpp else "",
        party.address,
    ]
    return {
        f"{role}.name": party.name,
        f"{role}.inn": party.inn,
        f"{role}.kpp": party.kpp,
        f"{role}.address": party.address,
        f"{role}.full": ", ".join(part for part in parts if part),
    }


#: The text fields every invoice offers: its number and dates, the parties and the bank, the
#: total of the lines with its VAT, the amount to pay in words, and the signatures.
INVOICE_SCALARS = frozenset(
    {
        "number", "date", "due_date", "basis",
        *(f"{role}.{field}" for role in ("supplier", "buyer") for field in INVOICE_PARTY_FIELDS),
        "bank.name", "bank.bik", "bank.account", "bank.correspondent_account",
        "lines_count", "total", "total_in_words", "vat", "vat_rate", "vat_line",
        "amount_in_words", "head", "accountant", "head_signature", "accountant_signature",
    }
)  # fmt: skip
#: The fields of each of an invoice's ``lines``.
INVOICE_LINE_FIELDS = frozenset({"n", "name", "unit", "quantity", "price", "amount"})

INVOICE_FIELDS = Fields(
    scalars={
        *INVOICE_SCALARS, "prepayment_percent", "prepayment", "prepayment_vat", "payment_line"
    },
    lists={"lines": INVOICE_LINE_FIELDS},
)  # fmt: skip


@functools.lru_cache(maxsize=256)
def _lines_values(
    lines: tuple[InvoiceLine, ...], vat_rate: Decimal | None, vat_included: bool
) -> tuple[tuple[Mapping[str, str], ...], str, str, tuple[str, str, str]]:
    """The strings of an invoice's lines, their total (in figures and in words) and VAT:
    kept for the last lines asked for, as the invoices of a billing run repeat them (each
    row read-only: :func:`invoice_values` hands out copies)."""
    amounts = [line.amount for line in lines]
    rows = tuple(
        MappingProxyType(
            {
                "n": str(n),
                "name": line.name,
                "unit": line.unit,
                "quantity": format_quantity(line.quantity),
                "price": format_money(line.price),
                "amount": format_money(amount),
            }
        )
        for n, (line, amount) in enumerate(zip(lines, amounts, strict=True), 1)
    )
    total = sum(amounts, Money(0))
    texts = _vat_texts(total, vat_rate, included=vat_included)
    return rows, format_money(total), amount_in_words(total), texts


def invoice_values(
    invoice: BaseInvoice,
    *,
    basis: str,
    vat_rate: Decimal | None,
    head: str,
    accountant: str,
    vat_included: bool = True,
) -> dict[str, str | list[Mapping[str, str]]]:
    """The values every invoice shares (:data:`INVOICE_SCALARS` and ``lines``) but for its
    dates and the amount to pay in words, which each kind writes its own way: ``total`` and
    the VAT are those of the lines (the VAT ``vat_included`` in them, or added on top),
    ``basis`` is «—» when empty."""
    rows, total_text, words, (vat_text, rate_text, vat_line) = _lines_values(
        invoice.lines, vat_rate, vat_included
    )
    lines: list[Mapping[str, str]] = [dict(row) for row in rows]  # the caller's own
    return {
        "number": invoice.number,
        "basis": basis if basis.strip() else DASH,
        **_invoice_party("supplier", invoice.supplier),
        **_invoice_party("buyer", invoice.buyer),
        "bank.name": invoice.bank.bank,
        "bank.bik": invoice.bank.bik,
        "bank.account": invoice.bank.account,
        "bank.correspondent_account": invoice.bank.correspondent_account,
        "lines": lines,
        "lines_count": str(len(lines)),
        "total": total_text,
        "total_in_words": words,
        "vat": vat_text,
        "vat_rate": rate_text,
        "vat_line": vat_line,
        "head": head,
        "accountant": accountant,
        "head_signature": signature_text(head),
        "accountant_signature": signature_text(accountant),
    }


def prepayment_invoice_values(invoice: PrepaymentInvoice) -> Values:
    """The strings the placeholders of a prepayment invoice (:data:`INVOICE_FIELDS`) take.

    ``total`` and ``vat_line`` are those of the lines; ``prepayment`` is the amount to pay,
    ``amount_in_words`` is the prepayment in words (``total_in_words`` the total's), and
    ``payment_line`` says what to pay with its VAT. ``basis`` is «—» when empty.
    """
    rate = invoice.vat_rate
    prepayment = invoice.prepayment
    prepayment_vat, rate_text, _ = _vat_texts(prepayment, rate)
    tax = (
        f"в том числе НДС ({rate_text}): {prepayment_vat} руб."
        if prepayment_vat
        else "без налога (НДС)."
    )
    return {
        **invoice_values(
            invoice,
            basis=invoice.basis,
            vat_rate=rate,
            head=invoice.head,
            accountant=invoice.accountant,
        ),
        "date": format_date(invoice.date),
        "due_date": format_date(invoice.due_date),
        "prepayment_percent": f"{format_quantity(invoice.prepayment_percent)}%",
        "prepayment": format_money(prepayment),
        "prepayment_vat": prepayment_vat,
        "payment_line": f"К оплате: {format_money(prepayment)} руб., {tax}",
        "amount_in_words": amount_in_words(prepayment),
    }


# ------------------------------------------------------------------------------ builders

#: The stages at which an order's request is still preliminary: not yet agreed with the
#: client at the supplier's deadline and the computed price.
PRELIMINARY_STAGES = frozenset(
    {
        OrderStage.PRELIMINARY_REQUEST,
        OrderStage.APPROVED_BY_CLIENT,
        OrderStage.SENT_TO_SUPPLIER,
        OrderStage.SUPPLIER_QUOTED,
        OrderStage.PRICED,
    }
)


def _order(order: object) -> Order:
    if not isinstance(order, Order):
        raise TypeError(f"{order!r} is not an Order")
    return order


def order_request_for(
    order: Order,
    *,
    client_name: str,
    manager: str,
    date: dt.date,
    client_signer: str = "",
    notes: tuple[str, ...] = (),
    vat_rate: Decimal | None = Decimal(20),
) -> OrderRequest:
    """The order request of ``order`` as of ``date``: its number, specification and price
    (``None`` before it is set). It is ``preliminary`` until the client agrees the deadlines
    and the price (the stages of :data:`PRELIMINARY_STAGES`). A repeat order with a discount
    gets a note saying so after ``notes``, and so does an order priced with the client's own
    special conditions («Особые условия клиента: скидка 10 % от расчётной цены.»).

    The order holds only the client's id: pass the client's name and the manager's.
    """
    order = _order(order)
    conditions = order.special_conditions
    if conditions is not None and conditions.discount:
        discount = format_quantity(conditions.discount * _HUNDRED)
        notes = (*notes, f"Повторный заказ: скидка {discount}% от расчётной цены.")
    terms = order.client_terms
    if terms is not None and terms.discount:
        notes = (*notes, f"Особые условия клиента: {terms.discount_text()} от расчётной цены.")
    return OrderRequest(
        number=order.number,
        date=date,
        client_name=client_name,
        manager=manager,
        specification=order.specification,
        price=order.price,
        vat_rate=vat_rate,
        notes=notes,
        preliminary=order.stage in PRELIMINARY_STAGES,
        client_signer=client_signer,
    )


def prepayment_invoice_for(
    order: Order,
    *,
    supplier: InvoiceParty,
    bank: BankDetails,
    buyer: InvoiceParty,
    date: dt.date,
    due_date: dt.date,
    prepayment_percent: Decimal | int = _HUNDRED,
    number: str | None = None,
    vat_rate: Decimal | None = Decimal(20),
    head: str = "",
    accountant: str = "",
) -> PrepaymentInvoice:
    """The prepayment invoice of a priced ``order``: one line, the making of the order's
    product at its price («Изготовление продукции по заказу № …: …, тираж … экз.»), on the
    basis of its order request, for ``prepayment_percent`` of the price.

    ``number`` is the invoice's number; by default the one recorded on the order
    (:class:`~clientops.orders.IssuePrepaymentInvoice`). An order without a price, without
    an invoice number, or whose recorded number differs from ``number`` raises
    :class:`~clientops.errors.ValidationError` naming each problem.
    """
    order = _order(order)
    errors: list[FieldError] = []
    if order.price is None:
        errors.append(FieldError("price", "the order has no price yet (set_price comes first)"))
    recorded = order.prepayment_invoice
    if number is None and recorded is None:
        errors.append(
            FieldError(
                "number",
                "no invoice number: pass number= or record the invoice on the order first "
                "(issue_prepayment_invoice)",
            )
        )
    elif number is not None and recorded is not None and number != recorded:
        errors.append(
            FieldError("number", f"{number!r} is not the order's prepayment invoice {recorded!r}")
        )
    if errors:
        raise ValidationError(errors, subject=f"prepayment invoice for order {order.number}")
    assert order.price is not None
    spec = order.specification
    line = InvoiceLine(
        f"Изготовление продукции по заказу № {order.number}: {spec.product_type}, "
        f"тираж {spec.quantity} экз.",
        "усл.",
        1,
        order.price,
    )
    return PrepaymentInvoice(
        number=number if number is not None else str(recorded),
        date=date,
        supplier=supplier,
        bank=bank,
        buyer=buyer,
        lines=(line,),
        due_date=due_date,
        basis=f"Заявка на заказ № {order.number}",
        vat_rate=vat_rate,
        prepayment_percent=prepayment_percent,
        head=head,
        accountant=accountant,
    )
