"""The composition root: :func:`connect` opens a store through the plugin host and returns a
:class:`ClientOps`, which holds one service per area, each built from one shared
:class:`~clientops._context.Context` (store, policy, plugin host, clock)::

    >>> import clientops
    >>> ops = clientops.connect("memory://")
    >>> ops.storage.name
    'memory'
    >>> ops.clients.find(name="Ромашка")
    ()
    >>> ops.close()

The areas: ``ops.clients`` (cards, appeals, reactions, staff, import), ``ops.calls`` (incoming
calls, the call log), ``ops.telephony`` (the PBX), ``ops.onboarding`` (a client's folder and
checklist), ``ops.orders``, ``ops.billing`` (subscriptions, invoices, payments, accounting),
``ops.claims`` (claims and the satisfaction round), ``ops.service`` (service visits and
trainings), ``ops.agenda``, ``ops.outbox``, ``ops.documents`` (rendering papers) and
``ops.campaigns`` (call lists, surveys, script adherence).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import Token
from datetime import datetime
from types import TracebackType

from clientops import _currency, _redact
from clientops._agenda_service import AgendaService
from clientops._billing_service import BillingService
from clientops._call_service import CallsService
from clientops._campaigns_service import CampaignsService
from clientops._claims_service import ClaimsService
from clientops._clients_service import ClientsService
from clientops._context import Backends, Context
from clientops._currency import CurrencyStyle
from clientops._documents_service import DocumentsService
from clientops._onboarding_service import OnboardingService
from clientops._orders_service import OrdersService
from clientops._outbox_service import OutboxService
from clientops._service_service import ServiceDesk
from clientops._telephony import Telephony
from clientops._telephony_service import TelephonyService
from clientops.accounting import Accounting
from clientops.courier import Courier
from clientops.host import PluginHost
from clientops.policy import Policy
from clientops.ports import Storage

__all__ = ["DEFAULT_URL", "ClientOps", "connect"]

_log = logging.getLogger("clientops.storage")

#: Where :func:`connect` keeps its data when given no URL: a file in the working directory.
DEFAULT_URL = "sqlite:///clientops.db"


class ClientOps:
    """The client department's services over one store, one policy and one plugin host: one
    attribute per area (``ops.clients``, ``ops.billing``…), all sharing :attr:`context`.

    ``courier``, ``telephony`` and ``accounting`` replace the backends the policy,
    ``ops.telephony.open`` or ``ops.billing.open_accounting`` would open; they are not closed
    by :meth:`close` (their owner closes them)."""

    def __init__(
        self,
        storage: Storage,
        *,
        policy: Policy | None = None,
        host: PluginHost | None = None,
        clock: Callable[[], datetime] | None = None,
        courier: Courier | None = None,
        telephony: Telephony | None = None,
        accounting: Accounting | None = None,
    ) -> None:
        #: The store, the policy, the plugin host and the clock every service works with.
        self.context = context = Context(
            storage,
            policy or Policy(),
            host or PluginHost(),
            clock,
            Backends(courier=courier, telephony=telephony, accounting=accounting),
        )
        self.clients = ClientsService(context)
        self.calls = CallsService(context)
        self.telephony = TelephonyService(context, self.calls)
        self.onboarding = OnboardingService(context)
        self.orders = OrdersService(context)
        self.billing = BillingService(context)
        self.claims = ClaimsService(context)
        self.service = ServiceDesk(context)
        self.agenda = AgendaService(context)
        self.outbox = OutboxService(context)
        self.documents = DocumentsService(context)
        self.campaigns = CampaignsService(context)
        self._currency_tokens: list[Token[CurrencyStyle]] = []

    @property
    def storage(self) -> Storage:
        """The store (``context.storage``)."""
        return self.context.storage

    @property
    def policy(self) -> Policy:
        """The policy in use (``context.policy``)."""
        return self.context.policy

    def close(self) -> None:
        """Close the store and the backends this object opened itself."""
        try:
            self.context.backends.close()
        finally:
            self.context.storage.close()

    def __enter__(self) -> ClientOps:
        # inside the block, money is named as the policy says (clientops.russian.money_text)
        self._currency_tokens.append(_currency.CURRENCY.set(self.context.policy.currency))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.close()
        finally:
            if self._currency_tokens:
                _currency.CURRENCY.reset(self._currency_tokens.pop())


def connect(
    url: str = DEFAULT_URL,
    *,
    policy: Policy | None = None,
    host: PluginHost | None = None,
    clock: Callable[[], datetime] | None = None,
    courier: Courier | None = None,
    telephony: Telephony | None = None,
    accounting: Accounting | None = None,
) -> ClientOps:
    """Open the store ``url`` names (``sqlite:///clientops.db`` by default) through the plugin
    host, and return the use cases over it. ``courier`` replaces the one the policy names;
    ``telephony`` is the PBX (or open one later with ``ops.telephony.open``),
    ``accounting`` the accounting backend (or ``ops.billing.open_accounting``)."""
    host = (host or PluginHost()).load()
    storage = host.open_storage(url)
    _log.info("opened the %s store %s", storage.name, _redact.connection_string(url))
    return ClientOps(
        storage,
        policy=policy,
        host=host,
        clock=clock,
        courier=courier,
        telephony=telephony,
        accounting=accounting,
    )
