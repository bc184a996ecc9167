"""JSON-ready (de)serialization of every model through one private cattrs converter.

``make_converter()`` builds a fresh :class:`cattrs.Converter` (the global one is never touched).
:func:`to_json` / :func:`from_json` wrap it; invalid input raises one
:class:`~clientops.errors.ValidationError` whose ``errors`` list every bad field by path::

    >>> from clientops import Money, ValidationError
    >>> from clientops.serialization import from_json, to_json
    >>> to_json(Money("12.50"))
    '{"amount":"12.50","currency":"RUB"}'
    >>> from_json('{"amount":"12.50","currency":"RUB"}', Money)
    Money(amount=Decimal('12.50'), currency='RUB')
    >>> try:
    ...     from_json('{"amount":"lots","currency":"roubles"}', Money)
    ... except ValidationError as err:
    ...     print(err.paths)
    ('$.amount',)

Wire forms: ``Decimal`` as a string; dates, times of day and aware datetimes as ISO 8601
(the instant and its UTC offset; a ``ZoneInfo`` name is not kept); ``timedelta`` as
seconds; phones as E.164 strings; enums by value; tuples as JSON arrays.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn
from cattrs.strategies import configure_tagged_union
from cattrs.v import format_exception

from clientops._telephony import (
    CallAnswered,
    CallEnded,
    CallRecorded,
    CallRinging,
    CallSignal,
    CallStarted,
    CallTransferred,
)
from clientops.errors import FieldError, ValidationError
from clientops.model import Phone
from clientops.workdays import FixedCalendar, ProductionCalendar, WorkCalendar

__all__ = ["from_json", "make_converter", "structure", "to_json", "unstructure"]

T = TypeVar("T")


def compact_encoder() -> Callable[[Any], str]:
    """What ``json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode`` writes
    (compact, non-ASCII characters kept), for the stores' documents and the feed's events:
    their C encoder made once rather than for every value (as ``encode`` does, and a change
    writes several documents), and no check for a value that holds itself (unstructured
    records never do). The encoder's own ``encode`` where Python has no C encoder."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    make: Any = getattr(json.encoder, "c_make_encoder", None)  # not in typeshed
    if make is None:
        return encoder.encode
    encode = make(
        None,  # markers: no cycle check
        encoder.default,
        json.encoder.encode_basestring,
        None,  # indent
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    join = "".join

    def compact(value: Any) -> str:
        if isinstance(value, str):  # encode's own shortcut: the C encoder takes no bare text
            return encoder.encode(value)
        return join(encode(value, 0))

    return compact


def _structure_decimal(value: Any, _: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"expected a decimal string, got {type(value).__name__} {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def _structure_datetime(value: Any, _: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {value!r}")
    result = datetime.fromisoformat(value)
    if result.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return result


def _structure_date(value: Any, _: Any) -> date:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 date string, got {value!r}")
    return date.fromisoformat(value)


def _structure_time(value: Any, _: Any) -> time:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 time string, got {value!r}")
    return time.fromisoformat(value)


def _structure_timedelta(value: Any, _: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number of seconds, got {value!r}")
    return timedelta(seconds=value)


def _unstructure_timedelta(value: timedelta) -> int | float:
    seconds = value.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def _structure_phone(value: Any, _: Any) -> Phone:
    if not isinstance(value, str):
        raise TypeError(f"expected an E.164 phone string, got {value!r}")
    return Phone(value)


def _structure_str(value: Any, _: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__} {value!r}")
    return value


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _structure_bool(value: Any, _: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {value!r}")
    return value


_EVENT_TAGS: dict[type, str] = {
    CallStarted: "started",
    CallRinging: "ringing",
    CallAnswered: "answered",
    CallTransferred: "transferred",
    CallEnded: "ended",
    CallRecorded: "recorded",
}


def _unstructure_calendar(value: WorkCalendar) -> dict[str, Any]:
    if isinstance(value, ProductionCalendar):
        return {
            "production": value.country,
            "subdiv": value.subdiv,
            "extra_holidays": sorted(d.isoformat() for d in value.extra_holidays),
            "extra_workdays": sorted(d.isoformat() for d in value.extra_workdays),
        }
    if isinstance(value, FixedCalendar):
        return {
            "fixed": value.name,
            "holidays": sorted(d.isoformat() for d in value.holidays),
            "workdays": sorted(d.isoformat() for d in value.workdays),
            "weekend": sorted(value.weekend),
        }
    raise TypeError(
        f"calendar: {type(value).__name__} cannot be written out; only ProductionCalendar "
        "and FixedCalendar can"
    )


def _structure_calendar(value: Any, _: Any) -> WorkCalendar:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object for a calendar, got {value!r}")
    data = dict(value)

    def days(key: str) -> list[date]:
        listed = data.pop(key, [])
        if not isinstance(listed, list):
            raise TypeError(f"{key}: expected a list of dates, got {listed!r}")
        return [_structure_date(item, date) for item in listed]

    calendar: WorkCalendar
    if "production" in data:
        country = _structure_str(data.pop("production"), str)
        subdiv = data.pop("subdiv", None)
        if subdiv is not None:
            subdiv = _structure_str(subdiv, str)
        calendar = ProductionCalendar(
            country,
            subdiv=subdiv,
            extra_holidays=days("extra_holidays"),
            extra_workdays=days("extra_workdays"),
        )
    elif "fixed" in data:
        name = _structure_str(data.pop("fixed"), str)
        weekend = data.pop("weekend", [5, 6])
        if not isinstance(weekend, list) or not all(isinstance(d, int) for d in weekend):
            raise TypeError(f"weekend: expected a list of weekday numbers, got {weekend!r}")
        calendar = FixedCalendar(
            holidays=days("holidays"), workdays=days("workdays"), weekend=weekend, name=name
        )
    else:
        raise TypeError("a calendar is written as {'production': ...} or {'fixed': ...}")
    if data:
        raise TypeError(f"unknown calendar keys: {', '.join(sorted(data))}")
    return calendar


#: the last two datetimes written and their texts: the records of one change mostly carry the
#: moment it happened at (an incoming call's card, appeal, reaction and four events: seven
#: texts of one ``now``, its reaction's due time among them). Replaced whole, so a thread
#: always reads matching pairs.
_recent_iso: tuple[tuple[object, str], tuple[object, str]] = ((None, ""), (None, ""))


def _unstructure_datetime(value: datetime) -> str:
    """``value.isoformat()``, remembered for the very objects last written (a datetime never
    changes)."""
    global _recent_iso
    last, before = _recent_iso
    if value is last[0]:
        return last[1]
    if value is before[0]:
        return before[1]
    text = value.isoformat()
    _recent_iso = ((value, text), last)
    return text


def make_converter() -> cattrs.Converter:
    """A new converter for the clientops model: strict (no extra keys, no silent coercion of
    ``"1"`` to ``1``), with detailed validation so that every bad field is reported."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    conv.register_structure_hook(date, _structure_date)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(time, _structure_time)
    conv.register_unstructure_hook(time, time.isoformat)
    conv.register_structure_hook(timedelta, _structure_timedelta)
    conv.register_unstructure_hook(timedelta, _unstructure_timedelta)
    conv.register_structure_hook(Phone, _structure_phone)
    conv.register_unstructure_hook(Phone, lambda p: p.e164)
    # call events differ by class, not by their fields: written with a "kind" tag
    configure_tagged_union(
        CallSignal, conv, tag_generator=lambda cls: _EVENT_TAGS[cls], tag_name="kind"
    )
    conv.register_structure_hook(WorkCalendar, _structure_calendar)
    conv.register_unstructure_hook(WorkCalendar, _unstructure_calendar)

    def written_as_is(cls: Any) -> bool:
        # ``X | None`` where X is written as it is (a text, a number, a flag): so is None,
        # and an attrs class's unstructuring then reads the field inline (no call per field)
        kinds = typing.get_args(cls)
        return (
            typing.get_origin(cls) in (typing.Union, types.UnionType)
            and len(kinds) == 2
            and type(None) in kinds
            and all(k is type(None) or conv.get_unstructure_hook(k) is identity for k in kinds)
        )

    conv.register_unstructure_hook_factory(written_as_is, lambda cls: identity)

    def attrs_hook(cls: type[Any]) -> Any:
        inner = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)

        def structure_attrs(value: Any, target: type[Any]) -> Any:
            if not isinstance(value, dict):
                raise TypeError(f"expected an object for {cls.__name__}, got {value!r}")
            try:
                return inner(value, target)
            except (ValueError, TypeError) as exc:  # a validator in __init__
                raise cattrs.ClassValidationError(
                    f"While structuring {cls.__name__}", [exc], cls
                ) from None

        return structure_attrs

    conv.register_structure_hook_factory(attrs.has, attrs_hook)
    return conv


_CONVERTER = make_converter()


def _describe(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ValidationError):  # a model validator: it names the field itself
        return "; ".join(str(e) for e in exc.errors)
    if type(exc) in (ValueError, TypeError) and str(exc):
        return str(exc)
    return format_exception(exc, type_)


def _field_error(message: str) -> FieldError:
    text, _, path = message.rpartition(" @ ")
    if not text:
        text, path = message, "$"
    return FieldError(path, text)


def structure(data: Any, cls: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Build ``cls`` from JSON-ready data, or raise one ValidationError naming every bad path
    (``$.phones[0]``, ``$.contacts[1].name``)."""
    conv = converter or _CONVERTER
    try:
        return conv.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        errors = [
            _field_error(m)
            for m in cattrs.transform_error(exc, path="$", format_exception=_describe)
        ]
        raise ValidationError(errors, subject=cls.__name__) from None
    except (ValueError, TypeError) as exc:
        raise ValidationError([FieldError("$", str(exc))], subject=cls.__name__) from None


def unstructure(obj: object, *, converter: cattrs.Converter | None = None) -> Any:
    """``obj`` as plain dicts, lists, strings and numbers."""
    return (converter or _CONVERTER).unstructure(obj)


def to_json(obj: object) -> str:
    """``obj`` as compact JSON (UTF-8 text, Cyrillic kept as is)."""
    return json.dumps(unstructure(obj), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Parse JSON text into ``cls``; malformed JSON or invalid fields raise ValidationError."""
    try:
        data = json.loads(text)
        return structure(data, cls)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [FieldError("$", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")],
            subject=cls.__name__,
        ) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            [FieldError("$", f"not UTF-8 text: {exc.reason} at byte {exc.start}")],
            subject=cls.__name__,
        ) from None
    except RecursionError:
        raise ValidationError(
            [FieldError("$", "nested too deeply to be read")], subject=cls.__name__
        ) from None
