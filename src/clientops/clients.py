"""The clients area: cards, appeals, reactions, staff and the CSV import, with their service.

``ops.clients`` is a :class:`ClientsService`; the kernel values (:class:`Client`, :class:`Appeal`,
:class:`Reaction`, :class:`Employee`…) are re-exported here and from :mod:`clientops`.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._clients_service import (
    ClientsService,
    ImportReport,
    ReactionCompletion,
)
from clientops._sync import (
    EXPORT_HEADER,
    ExternalCard,
    ListFilter,
    Page,
    SyncReport,
    SyncStatus,
    UpsertResult,
)
from clientops.errors import (
    DuplicateError,
    InvalidPhoneError,
    NotFoundError,
)
from clientops.imports import (
    ENGLISH_IMPORT_MESSAGES,
    ClientImport,
    ImportColumn,
    ImportedClient,
    ImportLimits,
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
    ExternalId,
    NextReaction,
    Reaction,
    ReactionId,
    ReactionKind,
    ReactionResult,
    Role,
    StaffDirectory,
    city_key,
    contract_key,
    organisation_key,
)

__all__ = [
    "ENGLISH_IMPORT_MESSAGES",
    "EXPORT_HEADER",
    "Absence",
    "Appeal",
    "AppealId",
    "AppealType",
    "Client",
    "ClientCategory",
    "ClientId",
    "ClientImport",
    "ClientKind",
    "ClientQuery",
    "ClientsService",
    "Contact",
    "Department",
    "DepartmentId",
    "DueReaction",
    "DuplicateError",
    "Employee",
    "EmployeeId",
    "ExternalCard",
    "ExternalId",
    "ImportColumn",
    "ImportLimits",
    "ImportMessages",
    "ImportReport",
    "ImportedClient",
    "InvalidPhoneError",
    "ListFilter",
    "NextReaction",
    "NotFoundError",
    "Page",
    "Reaction",
    "ReactionCompletion",
    "ReactionId",
    "ReactionKind",
    "ReactionResult",
    "RejectedRow",
    "Role",
    "StaffDirectory",
    "SyncReport",
    "SyncStatus",
    "UpsertResult",
    "city_key",
    "contract_key",
    "organisation_key",
    "read_clients_csv",
]

_rehome.rehome(__name__, __all__, globals())
