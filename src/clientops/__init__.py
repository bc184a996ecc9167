"""clientops: the client department as a typed library.

This module exports the composition root (:func:`connect`, :class:`ClientOps`), the
:class:`Policy`, the plugin host, the error roots and the shared kernel (client, appeal,
reaction, staff, money, phone, ids). Each area has one public home with its values, its
service and its errors: :mod:`clientops.clients`, :mod:`clientops.calls`,
:mod:`clientops.telephony`, :mod:`clientops.onboarding`, :mod:`clientops.orders`,
:mod:`clientops.billing`, :mod:`clientops.claims`, :mod:`clientops.service`,
:mod:`clientops.agenda`; next to them :mod:`clientops.outbox`, :mod:`clientops.documents`,
:mod:`clientops.calendar`, :mod:`clientops.ics` and :mod:`clientops.courier`. Plugin authors
also use :mod:`clientops.hookspecs`, :mod:`clientops.ports` and :mod:`clientops.testing`.

    >>> import clientops
    >>> ops = clientops.connect("memory://")
    >>> ops.policy.messages.closing
    'Спасибо за звонок! Обращайтесь к нам ещё!'
    >>> ops.close()
"""

from __future__ import annotations

from typing import Any

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
    TransitionError,
    ValidationError,
)
from clientops.events import Event
from clientops.hookspecs import hookimpl
from clientops.host import PluginHost
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientCategory,
    ClientId,
    ClientKind,
    Contact,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    new_id,
)
from clientops.policy import Policy
from clientops.services import DEFAULT_URL, ClientOps, connect

__all__ = [
    "DEFAULT_URL",
    "Appeal",
    "AppealId",
    "AppealType",
    "BackendError",
    "Client",
    "ClientCategory",
    "ClientId",
    "ClientKind",
    "ClientOps",
    "ClientopsError",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "Department",
    "DepartmentId",
    "DuplicateError",
    "Employee",
    "EmployeeId",
    "Event",
    "FieldError",
    "InvalidPhoneError",
    "Money",
    "NotFoundError",
    "Phone",
    "PluginError",
    "PluginHost",
    "Policy",
    "Reaction",
    "ReactionId",
    "ReactionKind",
    "Role",
    "SchemaVersionError",
    "StorageError",
    "TransitionError",
    "ValidationError",
    "connect",
    "hookimpl",
    "new_id",
]

# The area homes name the values they re-export as theirs (``clientops.billing.Invoice``), so
# they are imported with the package: a pickle or a repr never depends on what was imported first.
from clientops import (
    agenda as agenda,
)
from clientops import (
    billing as billing,
)
from clientops import (
    calls as calls,
)
from clientops import (
    claims as claims,
)
from clientops import (
    clients as clients,
)
from clientops import (
    onboarding as onboarding,
)
from clientops import (
    orders as orders,
)
from clientops import (
    outbox as outbox,
)
from clientops import (
    service as service,
)
from clientops import (
    telephony as telephony,
)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("clientops")
    raise AttributeError(f"module 'clientops' has no attribute {name!r}")
