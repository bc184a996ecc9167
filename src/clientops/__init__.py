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

from clientops.adapters.offline_courier import OfflineCourier
from clientops.calendar import (
    CalendarEvent,
    CalendarPolicy,
    CalendarTexts,
    Frequency,
    Recurrence,
    Weekday,
    event_for_reaction,
    manager_events,
    stable_uid,
    to_ics,
    write_ics,
)
from clientops.commands import Command, CreateAppeal, CreateClient, CreateReaction, TransferCall
from clientops.courier import (
    Address,
    Booking,
    Courier,
    CourierFactory,
    Dimensions,
    Parcel,
    PickupRequest,
    Quote,
    ShipmentStatus,
    Tracking,
    TrackingEvent,
)
from clientops.decisions import Decision, Violation
from clientops.documents import (
    ActItem,
    CompletedWorksAct,
    SoftwareItem,
    SoftwareTransferAct,
    amount_in_words,
    load_template,
    render_document,
)
from clientops.errors import (
    BackendError,
    ClientopsError,
    ConfigurationError,
    ConflictError,
    CourierError,
    DuplicateError,
    FieldError,
    InvalidPhoneError,
    NotFoundError,
    PluginError,
    SchemaVersionError,
    ShipmentNotFoundError,
    StorageError,
    TemplateError,
    TransitionError,
    UnservedCityError,
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
    "ActItem",
    "Address",
    "Appeal",
    "AppealId",
    "AppealOpened",
    "AppealType",
    "BackendError",
    "Booking",
    "CalendarEvent",
    "CalendarPolicy",
    "CalendarTexts",
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
    "CompletedWorksAct",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "Courier",
    "CourierError",
    "CourierFactory",
    "CreateAppeal",
    "CreateClient",
    "CreateReaction",
    "Decision",
    "DeliveryReport",
    "Department",
    "DepartmentId",
    "Dimensions",
    "DueReaction",
    "DuplicateError",
    "Employee",
    "EmployeeId",
    "Event",
    "FieldError",
    "Frequency",
    "ImportMessages",
    "ImportReport",
    "ImportedClient",
    "IncomingCall",
    "InvalidPhoneError",
    "Messages",
    "Money",
    "NotFoundError",
    "OfflineCourier",
    "OutboxMessage",
    "OutboxStatus",
    "Parcel",
    "Phone",
    "PickupRequest",
    "PluginError",
    "PluginHost",
    "Policy",
    "Quote",
    "Reaction",
    "ReactionId",
    "ReactionKind",
    "ReactionScheduled",
    "Recurrence",
    "RejectedRow",
    "Role",
    "SchemaVersionError",
    "ShipmentNotFoundError",
    "ShipmentStatus",
    "SoftwareItem",
    "SoftwareTransferAct",
    "StaffDirectory",
    "Storage",
    "StorageError",
    "TemplateError",
    "Tracking",
    "TrackingEvent",
    "TransferCall",
    "TransitionError",
    "UnitOfWork",
    "UnservedCityError",
    "ValidationError",
    "Violation",
    "Weekday",
    "amount_in_words",
    "city_key",
    "client_queries",
    "connect",
    "contract_key",
    "event_for_reaction",
    "from_json",
    "hookimpl",
    "load_template",
    "make_converter",
    "manager_events",
    "new_id",
    "organisation_key",
    "read_clients_csv",
    "render_document",
    "route_incoming_call",
    "stable_uid",
    "structure",
    "to_ics",
    "to_json",
    "unstructure",
    "write_ics",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("clientops")
    raise AttributeError(f"module 'clientops' has no attribute {name!r}")
