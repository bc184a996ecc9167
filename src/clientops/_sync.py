"""Living beside a host system: cards as the host sends them, what an upsert did, pages of a
listing and their cursors, and the card export the CSV import reads back.

A host CRM keeps its own id of every card it sends (:class:`~clientops.model.ExternalId`);
:class:`ExternalCard` is the card as the host knows it, and
:meth:`ops.clients.upsert_many <clientops.clients.ClientsService.upsert_many>` creates or
updates clientops's card by that id, keeping clientops's own fields (its id, the manager and
category unless the host gives them, the history). A listing hands back :class:`Page` s, each
with an opaque cursor to the next::

    >>> where = ListFilter(city="Омск")
    >>> cursor = encode_cursor("clients", where, 41)
    >>> decode_cursor(cursor, "clients", where)
    41
"""

from __future__ import annotations

import base64
import binascii
import csv
import enum
import hashlib
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Generic, TypeVar

import attrs

from clientops._checks import aware, instance, not_blank, tuple_of
from clientops.errors import FieldError, ValidationError
from clientops.model import (
    Client,
    ClientCategory,
    ClientId,
    ClientKind,
    Contact,
    EmployeeId,
    ExternalId,
    Phone,
)

__all__ = [
    "EXPORT_HEADER",
    "ExternalCard",
    "ListFilter",
    "Page",
    "SyncReport",
    "SyncStatus",
    "UpsertResult",
    "card_csv_row",
    "decode_cursor",
    "encode_cursor",
]

_T = TypeVar("_T")


# --------------------------------------------------------------------------- upsert


@attrs.frozen
class ExternalCard:
    """A card as a host system sends it: its id there and the fields the host owns.

    ``category`` and ``manager_id`` left ``None`` keep clientops's own (a new card takes
    :attr:`Policy.new_card_category <clientops.Policy.new_card_category>` and no manager); every
    other field is the host's and replaces what the card had."""

    external_id: ExternalId = attrs.field(validator=instance(ExternalId))
    name: str = attrs.field(validator=not_blank)
    city: str = attrs.field(validator=not_blank)
    phones: tuple[Phone, ...] = attrs.field(default=(), validator=tuple_of(Phone))
    emails: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    kind: ClientKind = attrs.field(default=ClientKind.ORGANISATION, validator=instance(ClientKind))
    contacts: tuple[Contact, ...] = attrs.field(default=(), validator=tuple_of(Contact))
    contract_numbers: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    inn: str | None = attrs.field(default=None, validator=instance(str, optional=True))
    birthday: date | None = attrs.field(default=None, validator=instance(date, optional=True))
    company_day: date | None = attrs.field(default=None, validator=instance(date, optional=True))
    category: ClientCategory | None = attrs.field(
        default=None, validator=instance(ClientCategory, optional=True)
    )
    manager_id: EmployeeId | None = attrs.field(
        default=None, validator=instance(str, optional=True)
    )

    def changes(self, stored: Client) -> bool:
        """Whether this card would change ``stored`` (compared field by field, without
        building a new card)."""
        return (
            stored.name != self.name
            or stored.city != self.city
            or stored.phones != self.phones
            or stored.emails != self.emails
            or stored.kind is not self.kind
            or stored.contacts != self.contacts
            or stored.contract_numbers != self.contract_numbers
            or stored.inn != self.inn
            or stored.birthday != self.birthday
            or stored.company_day != self.company_day
            or (self.category is not None and stored.category is not self.category)
            or (self.manager_id is not None and stored.manager_id != self.manager_id)
            or stored.external_id != self.external_id
        )

    def merged(self, stored: Client) -> Client:
        """``stored`` with the host's fields of this card (clientops's own kept)."""
        return attrs.evolve(
            stored,
            name=self.name,
            city=self.city,
            phones=self.phones,
            emails=self.emails,
            kind=self.kind,
            contacts=self.contacts,
            contract_numbers=self.contract_numbers,
            inn=self.inn,
            birthday=self.birthday,
            company_day=self.company_day,
            category=self.category if self.category is not None else stored.category,
            manager_id=self.manager_id if self.manager_id is not None else stored.manager_id,
            external_id=self.external_id,
        )

    def new_card(self, client_id: ClientId, *, category: ClientCategory, now: datetime) -> Client:
        """A new card of this one (``category`` when the host gives none)."""
        return Client(
            id=client_id,
            name=self.name,
            city=self.city,
            phones=self.phones,
            kind=self.kind,
            category=self.category if self.category is not None else category,
            contacts=self.contacts,
            emails=self.emails,
            manager_id=self.manager_id,
            contract_numbers=self.contract_numbers,
            inn=self.inn,
            birthday=self.birthday,
            company_day=self.company_day,
            created_at=now,
            external_id=self.external_id,
        )


class SyncStatus(enum.Enum):
    """What an upsert did with one card."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@attrs.frozen
class UpsertResult:
    """One card upserted: the card as stored and what was done."""

    card: Client
    status: SyncStatus


@attrs.frozen
class SyncReport:
    """What a bulk upsert did: the ids of the cards created, updated and left unchanged (each
    in the order of the input)."""

    created: tuple[ClientId, ...] = ()
    updated: tuple[ClientId, ...] = ()
    unchanged: tuple[ClientId, ...] = ()

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)

    def summary(self) -> str:
        """One line in Russian: how many cards were created, updated and left as they were."""
        return (
            f"Карточек: {self.total}, создано: {len(self.created)}, "
            f"обновлено: {len(self.updated)}, без изменений: {len(self.unchanged)}."
        )


# --------------------------------------------------------------------------- listing


@attrs.frozen
class ListFilter:
    """What a listing keeps; the fields given must all match, and each must apply to the
    records listed (a card has a city, an invoice a status): one that does not raises
    ValidationError naming it.

    ``client_id``: the client's records (not for cards). ``manager_id``: the card's manager,
    the invoice's (the card's) manager, the claim's manager, the reaction's employee.
    ``city`` (regardless of case) and ``category``: cards. ``status``: a reaction's
    ``open`` or ``done``, an invoice's status, an order's or a claim's stage (their
    ``.value``). ``changed_since``: cards written at or after that moment."""

    client_id: ClientId | None = attrs.field(default=None, validator=instance(str, optional=True))
    manager_id: EmployeeId | None = attrs.field(
        default=None, validator=instance(str, optional=True)
    )
    city: str | None = attrs.field(default=None, validator=instance(str, optional=True))
    category: ClientCategory | None = attrs.field(
        default=None, validator=instance(ClientCategory, optional=True)
    )
    status: str | None = attrs.field(default=None, validator=instance(str, optional=True))
    changed_since: datetime | None = attrs.field(default=None, validator=aware)

    def given(self) -> tuple[str, ...]:
        """The names of the fields given."""
        return tuple(f.name for f in attrs.fields(ListFilter) if getattr(self, f.name) is not None)

    def fingerprint(self, kind: str) -> str:
        """A short digest of the listing (``kind`` and this filter): what a cursor is bound to."""
        text = json.dumps(
            [kind, *(str(getattr(self, f.name)) for f in attrs.fields(ListFilter))],
            ensure_ascii=False,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@attrs.frozen
class Page(Generic[_T]):
    """One page of a listing, oldest first: its ``items`` and ``next_cursor``, the cursor of
    the page after it (``None``: this is the last one). A cursor names the last record seen,
    so records added while a listing is paged through move nothing: each record that was
    there is listed once."""

    items: tuple[_T, ...]
    next_cursor: str | None = None


def encode_cursor(kind: str, where: ListFilter, after: int) -> str:
    """The opaque cursor of the page after the record at ``after`` of listing ``kind``."""
    doc = json.dumps({"q": where.fingerprint(kind), "a": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(doc.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, where: ListFilter) -> int:
    """Where the page after ``cursor`` starts. A cursor that is not one, or was given by
    another listing (another kind of record or another filter), raises ValidationError naming
    ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = json.loads(raw)
        fingerprint, after = doc["q"], doc["a"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise ValidationError(
            [FieldError("cursor", f"{cursor[:40]!r} is not a cursor of a listing")]
        ) from None
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise ValidationError([FieldError("cursor", f"{cursor[:40]!r} is not a cursor")])
    if fingerprint != where.fingerprint(kind):
        raise ValidationError(
            [FieldError("cursor", f"the cursor was given by another listing than this {kind}")]
        )
    return after


# --------------------------------------------------------------------------- export

#: The export's columns: header names the CSV import reads (``clientops.imports.COLUMNS``).
EXPORT_HEADER: tuple[str, ...] = (
    "name",
    "city",
    "phones",
    "emails",
    "kind",
    "category",
    "contact person",
    "contact phones",
    "manager id",
    "contract numbers",
    "inn",
    "birthday",
    "company day",
)


def card_csv_row(card: Client) -> list[str]:
    """A card as one row under :data:`EXPORT_HEADER` (several values of a cell joined by
    ``"; "``, days in ISO form): what :func:`clientops.imports.read_clients_csv` reads back
    to the same card (the contact person being the first contact, with their phones)."""
    contact = card.contacts[0] if card.contacts else None
    return [
        card.name,
        card.city,
        "; ".join(p.e164 for p in card.phones),
        "; ".join(card.emails),
        card.kind.value,
        card.category.value,
        contact.name if contact else "",
        "; ".join(p.e164 for p in contact.phones) if contact else "",
        card.manager_id or "",
        "; ".join(card.contract_numbers),
        card.inn or "",
        card.birthday.isoformat() if card.birthday else "",
        card.company_day.isoformat() if card.company_day else "",
    ]


def csv_text(rows: Iterable[list[str]], *, header: bool) -> str:
    """Rows as CSV text (``;``-separated, quoted where needed), the header first when asked."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if header:
        writer.writerow(EXPORT_HEADER)
    writer.writerows(rows)
    return out.getvalue()
