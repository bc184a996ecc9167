"""``clientops folders receive``: a client folder taken over from sales, as
``ops.onboarding.receive_folder`` takes it (the checks, the card, the appeal, the reactions,
the onboarding)."""

from __future__ import annotations

import json
import tomllib
from typing import Any

import click

from clientops.cli._app import Env, _read_file, cli, pass_env
from clientops.clients import ClientId, EmployeeId
from clientops.errors import FieldError, ValidationError
from clientops.onboarding import ClientFolder, FolderIntake
from clientops.serialization import structure

__all__ = ["folders"]


def read_folder(path: str) -> ClientFolder:
    """The folder of a TOML (``.toml``) or JSON file in the wire form of ClientFolder; bad
    input (a missing file, not TOML or JSON, an unknown key, a bad field) names the file."""
    raw = _read_file(path)
    try:
        if path.lower().endswith(".toml"):
            data: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(
            [FieldError(path, f"not TOML or JSON: {exc}")], subject="client folder"
        ) from None
    try:
        return structure(data, ClientFolder)
    except ValidationError as exc:
        raise ValidationError(exc.errors, subject=f"client folder {path!r}") from None


def intake_shape(intake: FolderIntake) -> dict[str, Any]:
    """The JSON of a received folder (docs/cli.md)."""
    return {
        "client_id": intake.client.id,
        "client_name": intake.client.name,
        "new_client": intake.new_client,
        "appeal_id": intake.appeal.id,
        "onboarding_id": intake.onboarding.id,
        "nonconformities": [
            {"kind": n.kind.value, "document": n.document, "message": n.message, "field": n.field}
            for n in intake.check.nonconformities
        ],
        "reactions": [
            {
                "id": r.id,
                "employee_id": r.employee_id,
                "department_id": r.department_id,
                "topic": r.topic,
                "due_at": r.due_at.isoformat(),
            }
            for r in intake.reactions
        ],
    }


@cli.group()
def folders() -> None:
    """Client folders handed over by sales."""


@folders.command("receive")
@click.argument("file")
@click.option("--manager", required=True, help="The client manager who takes the folder over.")
@click.option("--client", "client_id", help="The card the folder is for, when it has one.")
@pass_env
def folders_receive(env: Env, file: str, manager: str, client_id: str | None) -> None:
    """Receive a client folder (TOML or JSON: title_page, contracts, invoices): checks it,
    makes or extends the card, opens the appeal and the onboarding, and tells sales of every
    nonconformity. The file is read and checked before anything is stored."""
    folder = read_folder(file)
    with env.open() as ops:
        intake = ops.onboarding.receive_folder(
            folder,
            manager=EmployeeId(manager),
            client_id=ClientId(client_id) if client_id is not None else None,
        )
    shape = intake_shape(intake)
    env.emit(shape)
    found = len(intake.check.nonconformities)
    env.say(
        f"Папка принята: {intake.client.name} ({intake.client.id}"
        f"{', новая карточка' if intake.new_client else ''}), онбординг {intake.onboarding.id}, "
        f"несоответствий: {found}.",
        f"Folder received: {intake.client.name} ({intake.client.id}"
        f"{', new card' if intake.new_client else ''}), onboarding {intake.onboarding.id}, "
        f"nonconformities: {found}.",
    )
    for n in intake.check.nonconformities:
        env.line(f"  {n.document}: {n.message}")
    for r in intake.reactions:
        who = r.employee_id or r.department_id
        env.line(f"  → {who}: {r.topic}")
