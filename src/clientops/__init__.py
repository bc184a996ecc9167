"""clientops: the client department as a typed library.

The public API is what this module exports (``__all__``); plugin authors also use
:mod:`clientops.hookspecs`, :mod:`clientops.ports` and :mod:`clientops.testing`.

    >>> import clientops
    >>> ops = clientops.connect("memory://")
    >>> ops.policy.messages.closing
    'Спасибо за звонок! Обращайтесь к нам ещё!'
    >>> ops.close()
"""

from __future__ import annotations

from typing import Any

from clientops.commands import Command, CreateAppeal, CreateClient, CreateReaction, TransferCall
from clientops.decisions import Decision, Violation
from clientops.errors import (
    BackendError,
    ClientopsError,
    ConfigurationError,
    ConflictError,
    DuplicateError,
    FieldError,
    InvalidPhoneError,
    NotFoundError,
    PluginError,
    SchemaVersionError,
    StorageError,
    ValidationError,
)
from clientops.events import AppealOpened, CallRouted, ClientCreated, Event, ReactionScheduled
from clientops.hookspecs import hookimpl
from clientops.host import PluginHost
from clientops.imports import (
    ENGLISH_IMPORT_MESSAGES,
    ClientImport,
    ImportedClient,
    ImportMessages,
    RejectedRow,
    read_clients_csv,
)
from clientops.model import (
    Absence,
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientCategory,
    ClientId,
    ClientKind,
    ClientQuery,
    Contact,
    Department,
    DepartmentId,
    DueReaction,
    Employee,
    EmployeeId,
    Money,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    StaffDirectory,
    city_key,
    contract_key,
    new_id,
    organisation_key,
)
from clientops.outbox import OutboxMessage, OutboxStatus
from clientops.policy import ENGLISH, Messages, Policy
from clientops.ports import Storage, UnitOfWork
from clientops.rules.calls import (
    CallBranch,
    CallIntent,
    CallRouting,
    IncomingCall,
    client_queries,
    route_incoming_call,
)
from clientops.serialization import from_json, make_converter, structure, to_json, unstructure
from clientops.services import DEFAULT_URL, ClientOps, DeliveryReport, ImportReport, connect

__all__ = [
    "DEFAULT_URL",
    "ENGLISH",
    "ENGLISH_IMPORT_MESSAGES",
    "Absence",
    "Appeal",
    "AppealId",
    "AppealOpened",
    "AppealType",
    "BackendError",
    "CallBranch",
    "CallIntent",
    "CallRouted",
    "CallRouting",
    "Client",
    "ClientCategory",
    "ClientCreated",
    "ClientId",
    "ClientImport",
    "ClientKind",
    "ClientOps",
    "ClientQuery",
    "ClientopsError",
    "Command",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "CreateAppeal",
    "CreateClient",
    "CreateReaction",
    "Decision",
    "DeliveryReport",
    "Department",
    "DepartmentId",
    "DueReaction",
    "DuplicateError",
    "Employee",
    "EmployeeId",
    "Event",
    "FieldError",
    "ImportMessages",
    "ImportReport",
    "ImportedClient",
    "IncomingCall",
    "InvalidPhoneError",
    "Messages",
    "Money",
    "NotFoundError",
    "OutboxMessage",
    "OutboxStatus",
    "Phone",
    "PluginError",
    "PluginHost",
    "Policy",
    "Reaction",
    "ReactionId",
    "ReactionKind",
    "ReactionScheduled",
    "RejectedRow",
    "Role",
    "SchemaVersionError",
    "StaffDirectory",
    "Storage",
    "StorageError",
    "TransferCall",
    "UnitOfWork",
    "ValidationError",
    "Violation",
    "city_key",
    "client_queries",
    "connect",
    "contract_key",
    "from_json",
    "hookimpl",
    "make_converter",
    "new_id",
    "organisation_key",
    "read_clients_csv",
    "route_incoming_call",
    "structure",
    "to_json",
    "unstructure",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("clientops")
    raise AttributeError(f"module 'clientops' has no attribute {name!r}")
