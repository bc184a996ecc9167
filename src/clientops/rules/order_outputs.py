"""What an order sends out, as pure functions: the reactions its hand-offs become (designer,
director, sales manager), the repeat-contact call after it is closed, and its deadlines as
calendar events. The order process itself is :mod:`clientops.orders`.

Every order has one appeal, made when it is opened, with the id ``order-<order id>``: the
order's reactions belong to it.

    >>> from clientops.orders import OrderId
    >>> order_appeal_id(OrderId("0197ab"))
    'order-0197ab'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from typing import Any

from clientops._orders import HandOff, Order, OrderId, OrderStage, next_repeat_contact
from clientops.calendar import CalendarEntry, CalendarPolicy, stable_uid
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    DepartmentId,
    EmployeeId,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    StaffDirectory,
    new_id,
)
from clientops.policy import Policy

__all__ = [
    "handoff_reactions",
    "handoff_recipient",
    "order_appeal",
    "order_appeal_id",
    "order_entries",
    "repeat_contact_reaction",
]


def order_appeal_id(order_id: OrderId) -> AppealId:
    """The id of the appeal an order's reactions belong to."""
    return AppealId(f"order-{order_id}")


def order_appeal(order: Order, *, by: EmployeeId, policy: Policy) -> Appeal:
    """The appeal opened with the order, in the client department."""
    texts = policy.orders.texts
    return Appeal(
        id=order_appeal_id(order.id),
        client_id=order.client_id,
        topic=texts.appeal_topic.format(
            number=order.number, product=order.specification.product_type
        ),
        department_id=policy.client_department,
        created_at=order.created_at,
        type=AppealType.CLIENT_DEPARTMENT,
        created_by=by,
    )


def handoff_recipient(
    role: Role, staff: StaffDirectory, policy: Policy
) -> tuple[EmployeeId | None, DepartmentId | None]:
    """Who gets a hand-off for ``role``: for a sales manager the head of sales, else the first
    sales manager; for the director the first director, else the head of management; for the
    designer the first designer. ``(None, department)`` when only a department can take it,
    ``(None, None)`` when nobody can. The one routing of a hand-off: an order's hand-offs and
    the retention area's upsells (:meth:`clientops.retention.Retention.upsell`) both use it::

        >>> from clientops import Policy
        >>> from clientops.model import Role
        >>> from clientops.testing import a_staff
        >>> handoff_recipient(Role.SALES_MANAGER, a_staff(), Policy())
        ('petrov', None)
    """
    holders = sorted(staff.with_role(role), key=lambda e: e.id)
    if role is Role.SALES_MANAGER:
        head = staff.head_of(policy.sales_department)
        person = head or (holders[0] if holders else None)
        return (person.id, None) if person else (None, policy.sales_department)
    if role is Role.DIRECTOR:
        person = holders[0] if holders else staff.head_of(policy.management_department)
        return (person.id, None) if person else (None, policy.management_department)
    return (holders[0].id, None) if holders else (None, None)


def handoff_reactions(
    order: Order,
    handoffs: Iterable[HandOff],
    *,
    staff: StaffDirectory,
    manager: EmployeeId,
    existing: Iterable[Reaction] = (),
    now: datetime,
    policy: Policy,
    make_id: Callable[[], str] = new_id,
) -> tuple[Reaction, ...]:
    """A task reaction per hand-off: to the head of sales (else the first sales manager, else
    the sales department), the director (else the head of management, else management), the
    first designer (else back to ``manager``). A hand-off whose topic already has an open reaction
    on the order's appeal (``existing``) is not repeated. Due ``policy.orders.handoff_delay``
    after ``now``."""
    texts = policy.orders.texts
    open_topics = {
        r.topic for r in existing if r.appeal_id == order_appeal_id(order.id) and not r.done
    }
    made: list[Reaction] = []
    for handoff in handoffs:
        topic = texts.handoff(handoff, order)
        if topic in open_topics:
            continue
        open_topics.add(topic)
        employee, department = handoff_recipient(handoff.role, staff, policy)
        if employee is None and department is None:
            employee = manager
        made.append(
            Reaction(
                id=ReactionId(make_id()),
                appeal_id=order_appeal_id(order.id),
                client_id=order.client_id,
                kind=ReactionKind.TASK,
                topic=topic,
                due_at=now + policy.orders.handoff_delay,
                created_at=now,
                department_id=department,
                employee_id=employee,
                created_by=manager,
            )
        )
    return tuple(made)


def repeat_contact_reaction(
    order: Order,
    *,
    manager: EmployeeId,
    now: datetime,
    policy: Policy,
    make_id: Callable[[], str] = new_id,
) -> Reaction:
    """The call for the next order (БП 5.1): an outgoing call for ``manager`` on
    :func:`~clientops.orders.next_repeat_contact` at ``policy.orders.contact_time``. The order
    must be closed (TransitionError otherwise)."""
    day = next_repeat_contact(order, policy.orders)
    return Reaction(
        id=ReactionId(make_id()),
        appeal_id=order_appeal_id(order.id),
        client_id=order.client_id,
        kind=ReactionKind.OUTGOING_CALL,
        topic=policy.orders.texts.repeat_contact.format(number=order.number),
        due_at=datetime.combine(day, policy.orders.contact_time, tzinfo=policy.tz),
        created_at=now,
        employee_id=manager,
        created_by=manager,
    )


def order_entries(
    order: Order,
    *,
    client: Client,
    policy: Policy,
    calendar_policy: CalendarPolicy | None = None,
    tz: str | tzinfo | None = None,
) -> tuple[CalendarEntry, ...]:
    """The order's deadlines as all-day events: the production deadline (until quality is
    accepted), the delivery deadline (until shipped), the supplier's deadline while it makes
    the goods, and each open production stage of the current run. UIDs are stable
    (``order-production-<id>@…``…), ``sequence`` counts the order's history, so a moved
    deadline updates its event. A closed order has none."""
    del tz  # all-day events carry no time zone
    calendar_policy = calendar_policy or CalendarPolicy()
    texts = policy.orders.texts
    if order.stage is OrderStage.CLOSED:
        return ()
    fill: dict[str, Any] = {"number": order.number, "client": client.name}
    sequence = len(order.history) - 1
    events: list[tuple[str, date, str]] = []
    spec = order.specification
    if not order.quality_accepted:
        events.append(("production", spec.production_deadline, texts.production_event))
    if order.stage not in _SHIPPED:
        events.append(("delivery", spec.delivery_deadline, texts.delivery_event))
    if order.quote is not None and order.stage in _AT_SUPPLIER:
        events.append(("supplier", order.quote.deadline, texts.supplier_event))
    out = [
        CalendarEntry(
            uid=stable_uid(f"order_{kind}", order.id, calendar_policy.uid_domain),
            start=day,
            summary=template.format(**fill),
            description=f"{spec.product_type}, {spec.quantity} шт.",
            location=spec.delivery_address if kind == "delivery" else "",
            alarm_before=calendar_policy.alarm_before,
            sequence=sequence,
        )
        for kind, day, template in events
    ]
    for index, stage in enumerate(order.run_stages):
        if stage.done:
            continue
        out.append(
            CalendarEntry(
                uid=stable_uid(
                    "order_stage", f"{order.id}/{stage.run}/{index}", calendar_policy.uid_domain
                ),
                start=stage.deadline,
                summary=texts.stage_event.format(detail=stage.name, **fill),
                alarm_before=calendar_policy.alarm_before,
                sequence=sequence,
            )
        )
    return tuple(out)


_SHIPPED = frozenset(
    {
        OrderStage.SHIPPED,
        OrderStage.ACT_SIGNED,
        OrderStage.PAYMENT_RECEIVED,
        OrderStage.ORIGINALS_RECEIVED,
        OrderStage.CLOSED,
    }
)
_AT_SUPPLIER = frozenset(
    {OrderStage.QUEUED_AT_SUPPLIER, OrderStage.IN_PRODUCTION, OrderStage.QUALITY_REJECTED}
)
