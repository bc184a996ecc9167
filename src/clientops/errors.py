"""The one exception tree of clientops.

Business outcomes (a folder short of a copy, a caller who cannot be identified) are *values*:
:class:`~clientops.decisions.Violation` inside a :class:`~clientops.decisions.Decision`.
Exceptions are for misuse, bad input and failing backends::

    ClientopsError
     ├── ValidationError          bad input; ``errors`` lists every bad field by path
     │    ├── InvalidPhoneError   a phone number that cannot be parsed; names the value
     │    └── TemplateError       a .docx template that cannot be used; names part and placeholder
     ├── NotFoundError            a record that does not exist (kind and key)
     ├── DuplicateError           a unique key already taken (kind, key, the owner)
     ├── ConflictError            a record changed by someone else since it was read
     ├── TransitionError          a step or stage change the process does not allow now
     ├── ConfigurationError       a bad storage URL, an unknown backend scheme
     ├── PluginError              a plugin that cannot be loaded or names an unknown hook
     └── BackendError             an adapter failed; carries ``backend`` and ``operation``
          ├── StorageError
          │    └── SchemaVersionError   the database was written by a newer clientops
          └── CourierError        a courier failed or refused; ``codes`` are the carrier's own
               ├── UnservedCityError      a city the courier does not serve; names it
               ├── ShipmentNotFoundError  an order id the courier does not know
               └── ParcelRefusedError     a parcel the courier will not carry; names the field

Example::

    >>> from clientops import ValidationError, FieldError
    >>> err = ValidationError([FieldError("name", "required"), FieldError("city", "required")])
    >>> str(err)
    'invalid input: name: required; city: required'
    >>> [e.path for e in err.errors]
    ['name', 'city']
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "BackendError",
    "ClientopsError",
    "ConfigurationError",
    "ConflictError",
    "CourierError",
    "DuplicateError",
    "FieldError",
    "InvalidPhoneError",
    "NotFoundError",
    "ParcelRefusedError",
    "PluginError",
    "SchemaVersionError",
    "ShipmentNotFoundError",
    "StorageError",
    "TemplateError",
    "TransitionError",
    "UnservedCityError",
    "ValidationError",
]


class ClientopsError(Exception):
    """Base of every exception raised by clientops."""


@attrs.frozen
class FieldError:
    """One bad field: its dotted path (``phones[0]``, ``contacts[1].name``) and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ValidationError(ClientopsError, ValueError):
    """Input that does not satisfy the model. ``errors`` names every bad field, not only the
    first one."""

    def __init__(self, errors: Iterable[FieldError], *, subject: str | None = None) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        self.subject = subject
        prefix = f"invalid {subject}" if subject else "invalid input"
        super().__init__(f"{prefix}: " + "; ".join(str(e) for e in self.errors))

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths of the bad fields, in the order found."""
        return tuple(e.path for e in self.errors)


class InvalidPhoneError(ValidationError):
    """A phone number that cannot be parsed or is not a valid number."""

    def __init__(self, value: str, reason: str, *, path: str = "phone") -> None:
        self.value = value
        super().__init__([FieldError(path, f"{value!r} is not a phone number ({reason})")])


class TemplateError(ValidationError):
    """A .docx template that cannot be used. Each entry of ``errors`` names the part
    (``word/document.xml``) and what is wrong there: an unknown placeholder, unbalanced braces,
    a row that repeats two lists, a file that is not a Word document."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        super().__init__(errors, subject="template")


class NotFoundError(ClientopsError, LookupError):
    """A record that does not exist."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} not found")


class DuplicateError(ClientopsError):
    """A unique key (a contract number, an id) that another record already holds."""

    def __init__(self, kind: str, key: object, owner: object | None = None) -> None:
        self.kind = kind
        self.key = key
        self.owner = owner
        tail = f" (held by {owner})" if owner is not None else ""
        super().__init__(f"{kind} {key!r} already exists{tail}")


class ConflictError(ClientopsError):
    """A write based on a stale copy: the record was changed since it was read. Nothing was
    overwritten; read the record again and redo the change."""

    def __init__(self, kind: str, key: object, expected: int, found: int) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.found = found
        super().__init__(
            f"{kind} {key!r} was changed by someone else (version {found}, "
            f"this write was based on version {expected})"
        )


class TransitionError(ClientopsError):
    """A process asked to move where it may not go from where it is: an order shipped before
    its quality was accepted, an onboarding step done before the step it needs.

    ``subject`` names the process (``order 01J…``), ``current`` where it is, ``attempted``
    what was asked, ``allowed`` what may be done next, and ``reason`` why not. Nothing was
    changed.
    """

    def __init__(
        self,
        subject: str,
        *,
        current: str,
        attempted: str,
        allowed: Iterable[str] = (),
        reason: str = "",
    ) -> None:
        self.subject = subject
        self.current = current
        self.attempted = attempted
        self.allowed: tuple[str, ...] = tuple(allowed)
        self.reason = reason
        allowed_text = ", ".join(self.allowed) if self.allowed else "nothing"
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"{subject}: cannot {attempted} at {current}{why}; allowed next: {allowed_text}"
        )


class ConfigurationError(ClientopsError):
    """Wrong configuration: a malformed storage URL, an unknown storage scheme."""


class PluginError(ClientopsError):
    """A plugin could not be loaded, or implements a hook that does not exist."""


class BackendError(ClientopsError):
    """An adapter failed talking to its backend."""

    def __init__(self, backend: str, operation: str, message: str) -> None:
        self.backend = backend
        self.operation = operation
        super().__init__(f"{backend}: {operation} failed: {message}")


class StorageError(BackendError):
    """The storage backend failed; the unit of work was rolled back."""


class SchemaVersionError(StorageError):
    """The database was created by a newer clientops: this version refuses to open it."""

    def __init__(self, backend: str, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            backend,
            "open",
            f"database schema version {found} is newer than this clientops supports "
            f"({supported}); upgrade clientops to open it",
        )


class CourierError(BackendError):
    """A courier failed (no answer, an error, an answer that makes no sense) or refused the
    request. ``codes`` holds the carrier's own error codes when it gave any
    (``("v2_internal_error",)``), so callers can tell one refusal from another."""

    def __init__(
        self, backend: str, operation: str, message: str, *, codes: Iterable[str] = ()
    ) -> None:
        self.codes: tuple[str, ...] = tuple(codes)
        super().__init__(backend, operation, message)


class UnservedCityError(CourierError):
    """A city the courier does not deliver to or collect from; ``city`` is the name asked."""

    def __init__(
        self, backend: str, operation: str, city: str, *, codes: Iterable[str] = ()
    ) -> None:
        self.city = city
        super().__init__(backend, operation, f"city {city!r} is not served", codes=codes)


class ShipmentNotFoundError(CourierError, LookupError):
    """An order id the courier does not know (never booked, or booked with another
    courier)."""

    def __init__(
        self, backend: str, operation: str, order_id: str, *, codes: Iterable[str] = ()
    ) -> None:
        self.order_id = order_id
        super().__init__(backend, operation, f"no shipment {order_id!r}", codes=codes)


class ParcelRefusedError(CourierError):
    """A parcel the courier will not carry (too heavy, too big for its tariffs): ``field``
    names what is refused (``weight_grams``, ``dimensions``). Nothing was booked."""

    def __init__(
        self,
        backend: str,
        operation: str,
        field: str,
        message: str,
        *,
        codes: Iterable[str] = (),
    ) -> None:
        self.field = field
        super().__init__(backend, operation, f"{field}: {message}", codes=codes)
