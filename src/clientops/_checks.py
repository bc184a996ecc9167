"""The checks every input passes before it is used or stored, in one place.

Two kinds of helpers:

* attrs validators for the model (:func:`text`, :func:`optional_text`, :func:`instance`,
  :func:`tuple_of`…): a bad value raises :class:`~clientops.errors.ValidationError` whose
  :class:`~clientops.errors.FieldError` names the field, never attrs' bare ``ValueError`` or
  ``TypeError``;
* argument checks for the public entry points (:func:`argument`, :func:`positive_int`…),
  raising the same error naming the parameter.

The text limits (:data:`ID_LENGTH`, :data:`NAME_LENGTH`, :data:`TOPIC_LENGTH`,
:data:`NOTE_LENGTH`) and the allowed characters are defined here once, so that every store
(memory, SQLite, PostgreSQL) gets only what all of them can keep: no NUL, no lone surrogate
(not encodable as UTF-8), no control character but tab and line breaks, and lengths within
what PostgreSQL can index.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from clientops import _currency, _log
from clientops.errors import FieldError, ValidationError

if TYPE_CHECKING:
    from inspect import Signature

__all__ = [
    "EMAIL",
    "ID_LENGTH",
    "NAME_LENGTH",
    "NOTE_LENGTH",
    "TOPIC_LENGTH",
    "argument",
    "aware",
    "aware_errors",
    "date_errors",
    "fail",
    "fine_moment",
    "fine_text",
    "inn_checksum_ok",
    "not_blank",
    "positive_int",
    "raise_errors",
    "string_errors",
    "text",
    "text_problem",
    "time_zone",
    "to_decimal",
    "trusted",
    "tuple_of",
]

#: Ids and other keys (a client id, an employee id, a contract number, an extension).
ID_LENGTH = 128
#: Names and other one-line values (a client's name, a city, a contact, an e-mail address).
NAME_LENGTH = 200
#: The topic of an appeal or a reaction.
TOPIC_LENGTH = 300
#: Free text (a note, an outcome, a reason), line breaks allowed.
NOTE_LENGTH = 10_000

# C0 and C1 control characters; multi-line text may hold tab, LF and CR
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def text_problem(
    value: object, *, limit: int = NAME_LENGTH, multiline: bool = True, required: bool = True
) -> str | None:
    """What is wrong with ``value`` as a piece of text, or None when nothing is."""
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    if required and not value.strip():
        return "must not be blank"
    if len(value) > limit:
        return f"is {len(value)} characters long, at most {limit} allowed"
    if value.isprintable():  # no control character, no lone surrogate: the common case
        return None
    if _SURROGATE.search(value):
        return "holds a lone surrogate (not a character)"
    bad = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    if bad:
        return f"holds the control character {bad.group()!r} at {bad.start()}"
    return None


def fail(path: str, message: str, *, subject: str | None = None) -> NoReturn:
    """Raise a ValidationError naming ``path``."""
    raise ValidationError([FieldError(path, message)], subject=subject)


def _subject(instance: object) -> str:
    return type(instance).__name__


Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def text(
    *,
    limit: int = NAME_LENGTH,
    multiline: bool = True,
    required: bool = True,
    optional: bool = False,
) -> Validator:
    """An attrs validator for a text field (``optional``: None allowed; ``required``: not
    blank)."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if optional and value is None:
            return
        problem = text_problem(value, limit=limit, multiline=multiline, required=required)
        if problem:
            fail(attribute.name, problem, subject=_subject(instance))

    return check


def texts(*, limit: int = NAME_LENGTH, required: bool = True) -> Validator:
    """An attrs validator for a tuple of one-line texts (each not blank when ``required``)."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple):
            fail(
                attribute.name,
                f"must be a tuple, got {type(value).__name__}",
                subject=_subject(instance),
            )
        errors = [
            FieldError(f"{attribute.name}[{i}]", problem)
            for i, item in enumerate(value)
            if (problem := text_problem(item, limit=limit, required=required))
        ]
        if errors:
            raise ValidationError(errors, subject=_subject(instance))

    return check


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def is_a(value: object, kind: type | tuple[type, ...]) -> bool:
    """``isinstance`` without the surprises: a bool is not an int, a datetime is not a date."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds and int in kinds:
        return False
    if isinstance(value, datetime) and date in kinds and datetime not in kinds:
        return False
    return isinstance(value, kinds)


def instance(kind: type | tuple[type, ...], *, optional: bool = False) -> Validator:
    """An attrs validator: the value is a ``kind`` (or None when ``optional``)."""

    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if (optional and value is None) or is_a(value, kind):
            return
        fail(
            attribute.name,
            f"must be {_kind_name(kind)}, got {type(value).__name__}",
            subject=_subject(inst),
        )

    return check


def tuple_of(kind: type | tuple[type, ...]) -> Validator:
    """An attrs validator: a tuple whose every item is a ``kind`` (each bad item named)."""

    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple):
            fail(
                attribute.name,
                f"must be a tuple, got {type(value).__name__}",
                subject=_subject(inst),
            )
        errors = [
            FieldError(
                f"{attribute.name}[{i}]",
                f"must be {_kind_name(kind)}, got {type(item).__name__}",
            )
            for i, item in enumerate(value)
            if not is_a(item, kind)
        ]
        if errors:
            raise ValidationError(errors, subject=_subject(inst))

    return check


# --------------------------------------------------------------------------- arguments


def argument(
    name: str, value: object, kind: type | tuple[type, ...], *, optional: bool = False
) -> None:
    """Check a public entry point's argument ``name`` is a ``kind`` (or None when
    ``optional``)."""
    if (optional and value is None) or is_a(value, kind):
        return
    fail(name, f"must be {_kind_name(kind)}, got {type(value).__name__}")


def positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Check ``value`` is an int (not a bool) of at least ``minimum``; returns it."""
    if not is_a(value, int):
        fail(name, f"must be an int, got {type(value).__name__}")
    assert isinstance(value, int)
    if value < minimum:
        fail(name, f"must be at least {minimum}, got {value}")
    return value


def text_argument(
    name: str, value: object, *, limit: int = NOTE_LENGTH, optional: bool = False
) -> None:
    """Check a public entry point's text argument (a key, a number, a name asked for)."""
    if optional and value is None:
        return
    problem = text_problem(value, limit=limit, multiline=True, required=False)
    if problem:
        fail(name, problem)


# --------------------------------------------------------------------------- entry points

_Check = Callable[[str, Any], None]


def _no_check(name: str, value: Any) -> None:
    del name, value


#: The checks made by :func:`_checker` that look at the value's type only (``of_kind``).
_BY_TYPE: set[_Check] = set()


def _checker(annotation: Any) -> _Check | None:
    """A check for a value annotated ``annotation``, or None when it cannot be checked at run
    time (a protocol, a type variable): then the callee's own checks apply."""
    import collections.abc as abc
    import types
    import typing

    if annotation is Any or annotation is object:
        return _no_check
    if annotation is None or annotation is type(None):
        return lambda name, value: (
            None if value is None else fail(name, f"must be None, got {type(value).__name__}")
        )
    supertype = getattr(annotation, "__supertype__", None)  # a NewType
    if supertype is not None:
        return _checker(supertype)
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        members = typing.get_args(annotation)
        optional = type(None) in members
        checks = [_checker(m) for m in members if m is not type(None)]
        if any(c is None for c in checks):
            return None
        kinds = tuple(typing.get_origin(m) or m for m in members if m is not type(None))
        # when every member is checked by its type alone (of_kind), the types found fine
        by_type = all(c in _BY_TYPE for c in checks)
        fine: set[type] = set()

        def union(name: str, value: Any) -> None:
            if (optional and value is None) or type(value) in fine:
                return
            for check in checks:
                assert check is not None
                try:
                    check(name, value)
                except ValidationError:
                    continue
                if by_type:
                    if len(fine) >= 64:
                        fine.clear()
                    fine.add(type(value))
                return
            fail(name, f"must be {_kind_name(kinds)}, got {type(value).__name__}")

        return union
    if origin is typing.Literal:
        allowed = typing.get_args(annotation)
        return lambda name, value: (
            None
            if value in allowed
            else fail(name, f"must be one of {', '.join(map(repr, allowed))}, got {value!r}")
        )
    if origin is not None:  # tuple[...], Mapping[...], Iterable[...], Callable[...]
        annotation = origin
    if annotation is abc.Callable:
        return lambda name, value: (
            None if callable(value) else fail(name, f"must be callable, got {type(value).__name__}")
        )
    if not isinstance(annotation, type):
        return None
    if getattr(annotation, "_is_protocol", False) and not getattr(
        annotation, "_is_runtime_protocol", False
    ):
        return None
    if annotation is str:

        def string(name: str, value: Any) -> None:
            # a printable text has no control character and no lone surrogate: all that
            # text_argument refuses but its length (every id of every call of an entry point)
            if type(value) is str and len(value) <= NOTE_LENGTH and value.isprintable():
                return
            text_argument(name, value)

        return string
    kind = annotation
    if getattr(annotation, "_is_protocol", False):  # a runtime protocol asks the value itself

        def of_protocol(name: str, value: Any) -> None:
            argument(name, value, kind)

        return of_protocol
    passed: set[type] = set()  # isinstance asks the value's type only: each type once

    def of_kind(name: str, value: Any) -> None:
        if type(value) in passed:
            return
        argument(name, value, kind)
        if len(passed) >= 64:
            passed.clear()
        passed.add(type(value))

    _BY_TYPE.add(of_kind)
    return of_kind


def _checks_of(function: Callable[..., Any]) -> dict[str, _Check]:
    import inspect
    import typing

    checks: dict[str, _Check] = {}
    signature = inspect.signature(function)
    module_globals = getattr(function, "__globals__", {})
    for name, parameter in signature.parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        annotation = parameter.annotation
        if annotation is parameter.empty:
            continue
        if isinstance(annotation, str):
            try:
                annotation = typing._eval_type(  # type: ignore[attr-defined]
                    typing.ForwardRef(annotation), module_globals, None
                )
            except Exception:  # a name only imported for type checking: not checked here
                continue
        check = _checker(annotation)
        if check is not None:
            checks[name] = check
    return checks


#: What :func:`_binder`'s function gives for a parameter the call did not pass.
_NOT_GIVEN: Any = type("NotGiven", (), {"__repr__": lambda self: "<not given>"})()


def _binder(signature: Signature) -> tuple[Callable[..., tuple[Any, ...]], tuple[str, ...]] | None:
    """A function taking the parameters of ``signature`` (no annotations; ``_NOT_GIVEN`` the
    default of each optional one) that returns their values in order, and their names: Python
    binds a call's arguments itself (what ``signature.bind`` does in Python, several times
    slower; entry points are called thousands of times a second, and binding was most of what
    checking their arguments cost). ``None`` for a signature with ``*args`` or ``**kwargs``
    or a positional-only parameter, which ``signature.bind`` judges."""
    import inspect

    parameters = tuple(signature.parameters.values())
    plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    if any(p.kind not in plain for p in parameters):
        return None
    names = tuple(p.name for p in parameters)
    said = []
    for p in parameters:
        if p.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in said:
            said.append("*")
        said.append(p.name if p.default is inspect.Parameter.empty else f"{p.name}=_NOT_GIVEN")
    source = f"def bind({', '.join(said)}):\n    return ({''.join(n + ', ' for n in names)})\n"
    scope: dict[str, Any] = {"_NOT_GIVEN": _NOT_GIVEN}
    exec(compile(source, "<entry point arguments>", "exec"), scope)
    return scope["bind"], names


def checked_arguments(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a public entry point so that each argument is checked against its annotation
    first: a wrong type (``None`` for a card, ``'5'`` for a count, a text with a NUL) raises
    ValidationError naming the parameter before anything is read or stored."""
    import functools
    import inspect

    signature = inspect.signature(function)
    #: (position, name, check) of each parameter that can be checked, in their order
    checks: tuple[tuple[int, str, _Check], ...] | None = None
    # an area's service logs what its batches did and what it refused (clientops._log)
    area = _log.AREAS.get(function.__module__)
    operation = function.__name__
    binder = _binder(signature)
    bind, names = binder if binder is not None else (None, tuple(signature.parameters))

    def checked(*args: Any, **kwargs: Any) -> Any:
        nonlocal checks
        if checks is None:
            found = _checks_of(function)
            checks = tuple(
                (at, name, found[name]) for at, name in enumerate(names) if name in found
            )
        values: Any = None
        if bind is not None:
            try:
                values = bind(*args, **kwargs)
            except TypeError:
                values = None
        if values is None:  # not a call bind takes: the signature says what is wrong
            try:
                arguments = signature.bind(*args, **kwargs).arguments
            except TypeError as exc:
                fail("arguments", str(exc))
            values = tuple(arguments.get(name, _NOT_GIVEN) for name in names)
        for at, name, check in checks:  # in the order of the parameters
            value = values[at]
            if value is not _NOT_GIVEN:
                check(name, value)
        # what a service writes names money as its policy says (clientops._formats)
        policy = getattr(getattr(args[0], "_context", None), "policy", None) if args else None
        style = getattr(policy, "currency", None)
        if style is None:
            return function(*args, **kwargs)
        current = _currency.CURRENCY.get()
        if current is style or _equal_styles(current, style):  # set already: writes alike
            return function(*args, **kwargs)
        token = _currency.CURRENCY.set(style)
        try:
            return function(*args, **kwargs)
        finally:
            _currency.CURRENCY.reset(token)

    if area is None:
        return functools.wraps(function)(checked)

    @functools.wraps(function)
    def logged(*args: Any, **kwargs: Any) -> Any:
        try:
            result = checked(*args, **kwargs)
        except Exception as exc:
            _log.refused(area, operation, exc)
            raise
        _log.batch_done(area, operation, result)
        return result

    return logged


#: The last two currency styles found equal (two values of the default, most often).
_EQUAL_STYLES: tuple[object, object] = (None, None)


def _equal_styles(one: object, other: object) -> bool:
    global _EQUAL_STYLES
    known = _EQUAL_STYLES
    if one is known[0] and other is known[1]:
        return True
    if one == other:
        _EQUAL_STYLES = (one, other)
        return True
    return False


def check_entry_points(cls: type[Any]) -> type[Any]:
    """Class decorator: :func:`checked_arguments` on every public method of ``cls`` and of
    its bases (the use-case mixins)."""
    import inspect

    names = {
        name
        for klass in cls.__mro__[:-1]
        for name, member in vars(klass).items()
        if not name.startswith("_") and inspect.isfunction(member)
    }
    for name in sorted(names):
        member = inspect.getattr_static(cls, name)
        if inspect.isfunction(member):
            setattr(cls, name, checked_arguments(member))
    return cls


def time_zone(value: str | tzinfo, path: str) -> tzinfo:
    """``value`` as a tzinfo: a tzinfo as it is, a name as its IANA zone; an unknown name
    raises ValidationError naming ``path``."""
    if isinstance(value, tzinfo):
        return value
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError([FieldError(path, f"unknown time zone {value!r}")]) from None


# --------------------------------------------------------------------------- error lists
# Checks that add to a list of FieldError, for values that report every bad field at once.


def string_errors(path: str, value: object, *, required: bool = True) -> list[FieldError]:
    if not isinstance(value, str):
        return [FieldError(path, f"must be a string, got {type(value).__name__}")]
    if required and not value.strip():
        return [FieldError(path, "required")]
    return []


def aware_errors(path: str, value: object, *, optional: bool = False) -> list[FieldError]:
    if value is None and optional:
        return []
    if not isinstance(value, datetime):
        return [FieldError(path, f"must be a datetime, got {value!r}")]
    if value.tzinfo is None or value.utcoffset() is None:
        return [FieldError(path, f"must be timezone-aware, got {value!r}")]
    return []


def date_errors(path: str, value: object, *, optional: bool = False) -> list[FieldError]:
    if value is None and optional:
        return []
    if isinstance(value, datetime) or not isinstance(value, date):
        return [FieldError(path, f"must be a date, got {value!r}")]
    return []


def raise_errors(errors: list[FieldError], subject: str) -> None:
    if errors:
        raise ValidationError(errors, subject=subject)


# --------------------------------------------------------------------------- the model's

#: What an e-mail address looks like (one @, a dot in the domain, no space).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def aware(inst: Any, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    """A timezone-aware datetime, or None."""
    if value is None:
        return
    if not isinstance(value, datetime):
        fail(
            attribute.name,
            f"must be a datetime, got {type(value).__name__}",
            subject=type(inst).__name__,
        )
    if value.tzinfo is None or value.utcoffset() is None:
        fail(attribute.name, f"must be timezone-aware, got {value!r}", subject=type(inst).__name__)


def to_decimal(value: Any) -> Decimal:
    """An amount as a finite Decimal (from a Decimal, an int or a string; never a float)."""
    if type(value) is Decimal and value.is_finite():
        return value  # the common case, first
    if isinstance(value, (float, bool)):
        raise TypeError("money is never a float: pass a Decimal, an int or a string")
    if isinstance(value, str) and len(value) > 100:
        raise ValueError(f"a text of {len(value)} characters is not an amount")
    if isinstance(value, (int, str)):
        try:
            value = Decimal(value)
        except ArithmeticError:
            raise ValueError(f"{value!r} is not an amount") from None
    if not isinstance(value, Decimal):
        raise TypeError(f"{type(value).__name__} is not an amount")
    if not value.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return value


#: A validator of a required one-line text of ordinary length.
not_blank = text()


# --------------------------------------------------------------------------- INN

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn_checksum_ok(inn: str) -> bool:
    """The control digits of a Russian INN (10 digits for an organisation, 12 for a person)."""
    if len(inn) == 10:
        return inn[9] == _check_digit(inn, _INN10)
    return inn[10] == _check_digit(inn, _INN11) and inn[11] == _check_digit(inn, _INN12)


# --------------------------------------------------------------------------- trusted values
# Values built of values checked already, made without running the checks again: each caller
# first asks the cheap questions below and builds the value the checked way when one says no,
# so that a bad value raises the very error it always did.


def fine_text(value: object, limit: int) -> bool:
    """Whether every text check (:func:`text`, one line or several, required or not) takes
    ``value`` of at most ``limit`` characters: a ``str`` of printable characters only (no
    control character, no line break or tab, no lone surrogate), not blank."""
    return (
        type(value) is str
        and 0 < len(value) <= limit
        and value.isprintable()
        and not value.isspace()
    )


def fine_moment(value: object) -> bool:
    """Whether :func:`aware` takes ``value`` (and it is not None)."""
    return isinstance(value, datetime) and value.utcoffset() is not None


def trusted(cls: type[Any]) -> Callable[..., Any]:
    """A constructor of the frozen, slotted attrs class ``cls`` with the parameters of its
    ``__init__`` (the same names and defaults) that runs no validator, no converter and no
    ``__attrs_post_init__``: the caller passes values it knows every one of them would take.
    Each field is set through its slot, as attrs' own ``__init__`` does."""
    assert "__slots__" in vars(cls), cls
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    params: list[str] = []
    body: list[str] = []
    for field in attrs.fields(cls):
        name, alias = field.name, field.alias or field.name
        scope[f"_set_{name}"] = vars(cls)[name].__set__
        default = field.default
        if default is attrs.NOTHING:
            params.append(alias)
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            assert not default.takes_self, (cls, name)
            scope[f"_make_{name}"] = default.factory
            scope["_NOT_GIVEN"] = _NOT_GIVEN
            params.append(f"{alias}=_NOT_GIVEN")
            body.append(f"    if {alias} is _NOT_GIVEN:\n        {alias} = _make_{name}()\n")
        else:
            scope[f"_default_{name}"] = default
            params.append(f"{alias}=_default_{name}")
        body.append(f"    _set_{name}(self, {alias})\n")
    source = (
        f"def make({', '.join(params)}):\n    self = _new(_cls)\n{''.join(body)}    return self\n"
    )
    exec(compile(source, f"<trusted {cls.__qualname__}>", "exec"), scope)
    make: Callable[..., Any] = scope["make"]
    return make
