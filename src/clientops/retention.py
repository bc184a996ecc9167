"""Keeping clients (seed 002 / 16, 20): each client's churn signals, named and explained, the
clients leaving and the win-back campaign that calls them (outcomes stayed, left, paused), the
figures per manager, the report's loss criterion, the clients without a manager; and the
clients' creditworthiness (seed 001): a payment-discipline score, a credit limit per client, the
decision on a new order (checked by ``ops.orders`` too); the agreements with partners (seed 002 /
12, 19), put up for renewal ahead of time like the clients' contracts.

````Retention(ops)`` is the service (:class:`Retention`); the pure rules are
:mod:`clientops.rules.retention`; the win-back calls are the campaigns area's
(``CampaignPurpose.WIN_BACK``). See the guide, ``docs/retention.md``.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._credit import (
    CreditCheck,
    CreditDecision,
    CreditLimit,
    CreditPolicy,
    CreditRefusedError,
    CreditStanding,
    InvoiceFact,
    OnApproval,
)
from clientops._partners import CounterpartyKind, PartnerAgreement
from clientops._retention import (
    ChurnRisk,
    ChurnSignal,
    ClientFacts,
    ClientTerms,
    ManagerFigures,
    MarketingItem,
    MarketingKind,
    OrderFact,
    Renewal,
    RetentionChanged,
    RetentionPolicy,
    RetentionRecord,
    RetentionStatus,
    SignalKind,
)
from clientops._retention_service import Retention

__all__ = [
    "ChurnRisk",
    "ChurnSignal",
    "ClientFacts",
    "ClientTerms",
    "CounterpartyKind",
    "CreditCheck",
    "CreditDecision",
    "CreditLimit",
    "CreditPolicy",
    "CreditRefusedError",
    "CreditStanding",
    "InvoiceFact",
    "ManagerFigures",
    "MarketingItem",
    "MarketingKind",
    "OnApproval",
    "OrderFact",
    "PartnerAgreement",
    "Renewal",
    "Retention",
    "RetentionChanged",
    "RetentionPolicy",
    "RetentionRecord",
    "RetentionStatus",
    "SignalKind",
]

_rehome.rehome(__name__, __all__, globals())
