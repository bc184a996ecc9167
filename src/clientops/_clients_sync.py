"""The use cases of living beside a host system, shared by the area services: the upsert of
cards by their external ids, the listings with their cursors, and the export of cards.

The services (``ops.clients``, ``ops.orders``, ``ops.claims``, ``ops.billing``) keep the public
methods and their documentation; the work is done here, once.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from clientops._billing import InvoiceStatus
from clientops._claims import ClaimStage
from clientops._context import Context
from clientops._orders import OrderStage
from clientops._sync import (
    ExternalCard,
    ListFilter,
    Page,
    SyncReport,
    SyncStatus,
    UpsertResult,
    card_csv_row,
    csv_text,
    decode_cursor,
    encode_cursor,
)
from clientops.errors import DuplicateError, FieldError, ValidationError
from clientops.events import ClientCreated, ClientUpdated, Event
from clientops.imports import ClientImport, ImportedClient, RejectedRow
from clientops.model import Client, ClientId, ExternalId, contract_key, new_id
from clientops.ports import UnitOfWork
from clientops.serialization import to_json

__all__ = ["MAX_PAGE", "export_cards", "list_page", "upsert_cards"]

#: The most records one page of a listing holds.
MAX_PAGE = 10_000
#: Cards looked up and written at once by a bulk upsert (one query per source and chunk).
_CHUNK = 2_000

_Getter = Callable[[UnitOfWork], Callable[..., tuple[tuple[int, Any], ...]]]

#: Each listing: the filters that apply to it, the values ``status`` may take, its repository.
_LISTINGS: dict[str, tuple[frozenset[str], tuple[str, ...], _Getter]] = {
    "cards": (
        frozenset(("manager_id", "city", "category", "changed_since")),
        (),
        lambda uow: uow.clients.page,
    ),
    "appeals": (frozenset(("client_id",)), (), lambda uow: uow.appeals.page),
    "reactions": (
        frozenset(("client_id", "manager_id", "status")),
        ("open", "done"),
        lambda uow: uow.appeals.reactions_page,
    ),
    "invoices": (
        frozenset(("client_id", "manager_id", "status")),
        tuple(s.value for s in InvoiceStatus),
        lambda uow: uow.invoices.page,
    ),
    "orders": (
        frozenset(("client_id", "status")),
        tuple(s.value for s in OrderStage),
        lambda uow: uow.orders.page,
    ),
    "claims": (
        frozenset(("client_id", "manager_id", "status")),
        tuple(s.value for s in ClaimStage),
        lambda uow: uow.claims.page,
    ),
}


def _check_filter(kind: str, where: ListFilter, limit: int) -> None:
    allowed, statuses, _ = _LISTINGS[kind]
    errors = [
        FieldError(name, f"{kind} cannot be listed by {name}")
        for name in where.given()
        if name not in allowed
    ]
    if where.status is not None and statuses and where.status not in statuses:
        errors.append(FieldError("status", f"{where.status!r} is not one of {', '.join(statuses)}"))
    if not 1 <= limit <= MAX_PAGE:
        errors.append(FieldError("limit", f"must be from 1 to {MAX_PAGE}, got {limit}"))
    if errors:
        raise ValidationError(errors, subject=f"listing of {kind}")


def list_page(
    context: Context, kind: str, where: ListFilter, cursor: str | None, limit: int
) -> Page[Any]:
    """One page of the listing ``kind`` (``cards``, ``appeals``, ``reactions``, ``invoices``,
    ``orders``, ``claims``), after ``cursor``."""
    _check_filter(kind, where, limit)
    after = 0 if cursor is None else decode_cursor(cursor, kind, where)
    with context.storage.unit_of_work(readonly=True) as uow:
        rows = _LISTINGS[kind][2](uow)(where, after=after, limit=limit + 1)
    shown = rows[:limit]
    following = encode_cursor(kind, where, shown[-1][0]) if len(rows) > limit else None
    return Page(tuple(record for _, record in shown), following)


# --------------------------------------------------------------------------- upsert


def _checked(
    cards: Iterable[ExternalCard], sources: tuple[str, ...]
) -> Iterator[tuple[int, ExternalCard]]:
    """The cards, numbered, each checked as it comes: a card that is not one, an external
    source not declared in the policy, an external id a card before it in the batch has."""
    seen: dict[ExternalId, int] = {}
    for n, card in enumerate(cards):
        if not isinstance(card, ExternalCard):
            raise ValidationError(
                [FieldError(f"cards[{n}]", f"must be an ExternalCard, got {type(card).__name__}")]
            )
        ext = card.external_id
        if ext.source not in sources:
            declared = ", ".join(sources) or "none"
            raise ValidationError(
                [
                    FieldError(
                        f"cards[{n}].external_id.source",
                        f"unknown external source {ext.source!r} (declared in "
                        f"Policy.external_sources: {declared})",
                    )
                ]
            )
        first = seen.setdefault(ext, n)
        if first != n:
            raise DuplicateError("external id", str(ext), owner=f"cards[{first}] of the batch")
        yield n, card


def _card(n: int, make: Callable[[], Client]) -> Client:
    """The card ``make`` builds, its errors named under ``cards[n]``."""
    try:
        return make()
    except ValidationError as exc:
        raise ValidationError(
            [FieldError(f"cards[{n}].{e.path}", e.message) for e in exc.errors],
            subject="external card",
        ) from None


def upsert_cards(
    context: Context, cards: Iterable[ExternalCard], *, keep: bool = False
) -> tuple[SyncReport, list[UpsertResult]]:
    """Create or update every card by its external id, in one unit of work: the report, and
    with ``keep`` each card as stored (for a single upsert)."""
    now = context.now()
    category = context.policy.new_card_category
    created: list[ClientId] = []
    updated: list[ClientId] = []
    unchanged: list[ClientId] = []
    results: list[UpsertResult] = []
    events: list[Event] = []
    numbered = _checked(cards, context.policy.external_sources)
    with context.unit_of_work() as uow:
        while chunk := list(itertools.islice(numbered, _CHUNK)):
            stored: dict[ExternalId, Client] = {}
            for source in {card.external_id.source for _, card in chunk}:
                found = uow.clients.by_external(
                    source, (c.external_id.id for _, c in chunk if c.external_id.source == source)
                )
                stored.update((ExternalId(source, ext), card) for ext, card in found.items())
            new: list[Client] = []
            for n, card in chunk:
                before = stored.get(card.external_id)
                if before is None:
                    made = _card(
                        n,
                        lambda card=card: card.new_card(  # type: ignore[misc]
                            ClientId(new_id()), category=category, now=now
                        ),
                    )
                    new.append(made)
                    created.append(made.id)
                    events.append(ClientCreated(made.id, now))
                    if keep:
                        results.append(UpsertResult(made, SyncStatus.CREATED))
                    continue
                if not card.changes(before):
                    unchanged.append(before.id)
                    if keep:
                        results.append(UpsertResult(before, SyncStatus.UNCHANGED))
                    continue
                merged = _card(n, lambda card=card, before=before: card.merged(before))  # type: ignore[misc]
                after = uow.clients.update(merged)
                updated.append(after.id)
                events.append(ClientUpdated(after.id, after.version, now))
                if keep:
                    results.append(UpsertResult(after, SyncStatus.UPDATED))
            if new:
                uow.clients.add_many(new)
        context.publish(events)
    return SyncReport(tuple(created), tuple(updated), tuple(unchanged)), results


# --------------------------------------------------------------------------- export


@contextmanager
def _opened(target: str | os.PathLike[str] | io.TextIOBase) -> Iterator[Any]:
    if isinstance(target, io.TextIOBase):
        yield target
        return
    with open(target, "w", encoding="utf-8", newline="") as out:
        yield out


def export_cards(
    context: Context,
    target: str | os.PathLike[str] | io.TextIOBase,
    where: ListFilter,
    *,
    form: str,
) -> int:
    """Write the cards ``where`` keeps to ``target`` as CSV (``form="csv"``, the columns of
    :data:`clientops.clients.EXPORT_HEADER`) or JSON Lines (``"jsonl"``), oldest first, from
    one consistent reading of the store; how many were written."""
    _check_filter("cards", where, 1)
    written = 0
    with context.storage.unit_of_work(readonly=True) as uow, _opened(target) as out:
        if form == "csv":
            out.write(csv_text((), header=True))
        after = 0
        while rows := uow.clients.page(where, after=after, limit=1_000):
            if form == "csv":
                out.write(csv_text((card_csv_row(card) for _, card in rows), header=False))
            else:
                out.write("".join(to_json(card) + "\n" for _, card in rows))
            written += len(rows)
            after = rows[-1][0]
    return written


def store_imported(
    uow: UnitOfWork, parsed: ClientImport
) -> tuple[list[ImportedClient], list[RejectedRow]] | None:
    """Store the accepted rows of a parsed CSV import in ``uow``: the cards stored and the
    rows refused because a stored card holds their contract number. ``None`` when the same
    file (by digest) was imported before: nothing is stored."""
    if not uow.outbox.record_key(f"import:clients:{parsed.digest}"):
        return None
    owners = uow.clients.contract_owners(
        n for row in parsed.accepted for n in row.client.contract_numbers
    )
    stored: list[ImportedClient] = []
    taken: list[RejectedRow] = []
    column = _column_name(parsed, "contract_numbers")
    for row in parsed.accepted:
        held = [n for n in row.client.contract_numbers if contract_key(n) in owners]
        if not held:
            stored.append(row)
            continue
        reasons = tuple(
            FieldError(column, f"договор «{n}» уже есть у клиента {owners[contract_key(n)]}")
            for n in held
        )
        taken.append(RejectedRow(row.line, reasons, ()))
    uow.clients.add_many([row.client for row in stored])
    return stored, taken


def _column_name(parsed: ClientImport, field: str) -> str:
    for header, name in zip(parsed.header, parsed.fields, strict=False):
        if name == field:
            return header
    return field
