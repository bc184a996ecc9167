"""``clientops calls route``: an incoming call routed from the command line, as
``ops.calls.handle_incoming`` routes it (the card, the appeal, the reaction, what to say)."""

from __future__ import annotations

from typing import Any

import click

from clientops.calls import CallBranch, CallIntent, CallRouting, IncomingCall
from clientops.cli._app import Env, cli, pass_env
from clientops.clients import EmployeeId

__all__ = ["calls"]

#: the branches of the call, as a manager says them
_BRANCH = {
    CallBranch.SALES: "продажи",
    CallBranch.NAMED_MANAGER: "названный менеджер",
    CallBranch.NAMED_MANAGER_UNAVAILABLE: "названного менеджера нет на месте",
    CallBranch.TECH_SUPPORT: "техподдержка",
    CallBranch.NOT_A_CUSTOMER: "не клиент",
    CallBranch.UNIDENTIFIED: "организация не определена",
    CallBranch.MANAGEMENT: "руководство",
}


def routing_shape(routing: CallRouting) -> dict[str, Any]:
    """The JSON of a routed call (docs/cli.md)."""
    transfer = routing.transfer_to
    return {
        "branch": routing.branch.value,
        "script": list(routing.script),
        "transfer_to": None
        if transfer is None
        else {"department_id": transfer.department_id, "employee_id": transfer.employee_id},
        "client_id": routing.client.id if routing.client else None,
        "new_client": routing.new_client,
        "appeal_id": routing.appeal.id if routing.appeal else None,
        "reaction": None
        if routing.reaction is None
        else {
            "id": routing.reaction.id,
            "employee_id": routing.reaction.employee_id,
            "department_id": routing.reaction.department_id,
            "topic": routing.reaction.topic,
            "due_at": routing.reaction.due_at.isoformat(),
        },
        "violations": [
            {"code": v.code, "message": v.message, "field": v.field}
            for v in routing.decision.violations
        ],
    }


@cli.group()
def calls() -> None:
    """Incoming calls."""


@calls.command("route")
@click.option(
    "--intent",
    type=click.Choice([i.value for i in CallIntent]),
    required=True,
    help="What the caller asks for.",
)
@click.option("--answered-by", required=True, help="The employee id who took the call.")
@click.option("--phone", help="The caller's number (any format).")
@click.option("--name", help="The organisation's name, or a private person's full name.")
@click.option("--city")
@click.option("--contact", help="The contact person.")
@click.option("--person", is_flag=True, help="The caller is a private person.")
@click.option("--topic", help="What the call is about.")
@click.option("--project")
@click.option("--note")
@click.option("--manager", "requested_manager", help="The manager the caller asks for.")
@click.option(
    "--customer/--not-customer",
    default=None,
    help="A tech-support caller: a client or dealer of ours, or not.",
)
@click.option("--contract", help="The caller's contract number.")
@pass_env
def calls_route(
    env: Env,
    intent: str,
    answered_by: str,
    phone: str | None,
    name: str | None,
    city: str | None,
    contact: str | None,
    person: bool,
    topic: str | None,
    project: str | None,
    note: str | None,
    requested_manager: str | None,
    customer: bool | None,
    contract: str | None,
) -> None:
    """Route an incoming call: finds or makes the card, opens the appeal, schedules the
    reaction, and prints what to say and whom to put the caller through to."""
    call = IncomingCall(
        intent=CallIntent(intent),
        caller_phone=phone,
        name=name,
        city=city,
        contact_person=contact,
        is_person=person,
        topic=topic,
        project=project,
        note=note,
        requested_manager=requested_manager,
        is_customer=customer,
        contract_number=contract,
    )
    with env.open() as ops:
        routing = ops.calls.handle_incoming(call, answered_by=EmployeeId(answered_by))
    shape = routing_shape(routing)
    env.emit(shape)
    env.say(f"Ветка: {_BRANCH[routing.branch]}", f"Branch: {routing.branch.value}")
    for line in routing.script:
        env.line(f"  «{line}»")
    transfer = shape["transfer_to"]
    if transfer is not None:
        target = transfer["employee_id"] or transfer["department_id"]
        env.say(f"Перевести: {target}", f"Put through to: {target}")
    if routing.client is not None:
        new = routing.new_client
        env.say(
            f"Карточка: {routing.client.id} ({routing.client.name}){', новая' if new else ''}",
            f"Card: {routing.client.id} ({routing.client.name}){', new' if new else ''}",
        )
    reaction = shape["reaction"]
    if reaction is not None:
        who = reaction["employee_id"] or reaction["department_id"]
        env.say(
            f"Реакция: {reaction['topic']} — {who}, к {reaction['due_at']}",
            f"Reaction: {reaction['topic']} — {who}, due {reaction['due_at']}",
        )
    for v in routing.decision.violations:
        env.line(f"  ! {v.message}")
