"""The field checks of the values that documents print: invoice lines and parties, bank
details, the acts and the papers of every area.

Each check is an attrs validator ``check(instance, attribute, value)`` that raises
:class:`~clientops.errors.ValidationError` whose :class:`~clientops.errors.FieldError` names the
field. A value checks all its fields at once with :func:`checked` (the field's metadata) and
:func:`validate_fields` (in ``__attrs_post_init__``), so one error names every bad field.

They live in the kernel, not with the document engine, because the values of the areas
(:class:`clientops.billing.InvoiceLine`…) use them, and values import no rendering.

    >>> import attrs
    >>> @attrs.frozen
    ... class Bank:
    ...     bik: str = attrs.field(metadata=checked(check_digits(9)))
    ...     name: str = attrs.field(metadata=checked(check_required))
    ...     def __attrs_post_init__(self) -> None:
    ...         validate_fields(self)
    >>> Bank("12", " ")
    Traceback (most recent call last):
    ...
    clientops.errors.ValidationError: invalid Bank: bik: must be 9 digits, got '12'; name: required
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Final

import attrs

from clientops.errors import FieldError, ValidationError
from clientops.model import Money

__all__ = [
    "CENT",
    "FORBIDDEN",
    "check_date",
    "check_digits",
    "check_instance",
    "check_kpp",
    "check_positive",
    "check_price",
    "check_required",
    "check_rub_price",
    "check_text",
    "checked",
    "field_fail",
    "to_quantity",
    "validate_fields",
]

#: Characters XML 1.0 cannot carry (line breaks and tabs can: they become elements).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: One kopeck.
CENT = Decimal("0.01")
_CHECK: Final = "clientops.check"


def field_fail(instance: Any, attribute: attrs.Attribute[Any], message: str) -> ValidationError:
    """The error naming ``attribute`` of ``instance`` (to raise)."""
    return ValidationError([FieldError(attribute.name, message)], subject=type(instance).__name__)


def checked(validator: Any) -> dict[str, Any]:
    """The metadata of a field checked by :func:`validate_fields` with the others."""
    return {_CHECK: validator}


def validate_fields(instance: Any) -> None:
    """Run the check of every field and raise one ValidationError naming each bad one."""
    errors: list[FieldError] = []
    for attribute in attrs.fields(type(instance)):
        check = attribute.metadata.get(_CHECK)
        if check is None:
            continue
        try:
            check(instance, attribute, getattr(instance, attribute.name))
        except ValidationError as error:
            errors.extend(error.errors)
    if errors:
        raise ValidationError(errors, subject=type(instance).__name__)


def check_text(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """A string a document can hold (no character XML 1.0 cannot carry)."""
    if not isinstance(value, str):
        raise field_fail(instance, attribute, f"must be a string, not {type(value).__name__}")
    bad = FORBIDDEN.search(value)
    if bad is not None:
        code = f"U+{ord(bad.group()):04X}"
        raise field_fail(instance, attribute, f"character {code} cannot be put in a document")


def check_required(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """A :func:`check_text` that is not blank."""
    check_text(instance, attribute, value)
    assert isinstance(value, str)
    if not value.strip():
        raise field_fail(instance, attribute, "required")


def check_date(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.date):
        raise field_fail(instance, attribute, "must be a datetime.date")


def to_quantity(value: object) -> Decimal:
    """The converter of a quantity: an int, a Decimal or a numeric string becomes a Decimal."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise TypeError(f"a quantity is an int, a Decimal or a string, not {value!r}")
    try:
        return Decimal(value)
    except ArithmeticError:
        problem = FieldError("quantity", f"{value!r} is not a number")
        raise ValidationError([problem], subject="quantity") from None


def check_positive(instance: Any, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if not value.is_finite() or value <= 0:
        raise field_fail(instance, attribute, f"must be positive, got {value}")


def check_price(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """Money, not negative."""
    if not isinstance(value, Money):
        raise field_fail(instance, attribute, f"must be Money, not {type(value).__name__}")
    if value.amount < 0:
        raise field_fail(instance, attribute, f"must not be negative, got {value.amount}")


def check_rub_price(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """Roubles in whole kopecks, more than zero (the amount is written in words)."""
    check_price(instance, attribute, value)
    assert isinstance(value, Money)
    if value.currency != "RUB":
        raise field_fail(instance, attribute, f"must be in RUB, not {value.currency}")
    if value.amount <= 0:
        raise field_fail(instance, attribute, f"must be positive, got {value.amount}")
    if value.amount != value.amount.quantize(CENT):
        raise field_fail(instance, attribute, f"{value.amount} has a fraction of a kopeck")


def check_digits(*lengths: int, optional: bool = False) -> Any:
    """A string of digits of one of ``lengths`` (ИНН, БИК, a bank account)."""
    pattern = re.compile("[0-9]+")
    wanted = " or ".join(str(n) for n in lengths)

    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str):
            raise field_fail(instance, attribute, f"must be a string, not {type(value).__name__}")
        if optional and not value:
            return
        if not value:
            raise field_fail(instance, attribute, "required")
        if not pattern.fullmatch(value) or len(value) not in lengths:
            raise field_fail(instance, attribute, f"must be {wanted} digits, got {value!r}")

    return check


_KPP = re.compile("[0-9]{4}[0-9A-Z]{2}[0-9]{3}")
_KPP_FORM = "9 characters (4 digits, 2 digits or capital letters, 3 digits)"


def check_kpp(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """A КПП, or empty (a sole trader has none)."""
    if not isinstance(value, str):
        raise field_fail(instance, attribute, f"must be a string, not {type(value).__name__}")
    if value and not _KPP.fullmatch(value):
        raise field_fail(instance, attribute, f"must be {_KPP_FORM}, got {value!r}")


def check_instance(kind: type) -> Any:
    """An instance of ``kind``."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise field_fail(instance, attribute, f"must be a {kind.__name__}")

    return check
