"""The onboarding area: a new client's folder, its steps, the welcome call and the parcel.

``ops.onboarding`` is an :class:`OnboardingService`.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._onboarding import (
    STEP_REQUIRES,
    Blocker,
    ClientFolder,
    DocumentCopy,
    FolderContract,
    FolderInvoice,
    FolderReceived,
    Nonconformity,
    NonconformityKind,
    Onboarding,
    OnboardingId,
    OnboardingPolicy,
    OnboardingStep,
    OnboardingStepDone,
    OnboardingTexts,
    ParcelItem,
    ParcelItemKind,
    PlannedDelivery,
    ProductRule,
    Recipient,
    StepRecord,
    TitlePage,
)
from clientops._onboarding_service import (
    CONTACTS_EMAIL_TOPIC,
    PICKUP_TOPIC,
    OnboardingService,
)
from clientops.rules.onboarding import (
    FolderCheck,
    FolderIntake,
    parcel_items,
)
from clientops.rules.onboarding_outputs import (
    ContactsEmail,
)

__all__ = [
    "CONTACTS_EMAIL_TOPIC",
    "PICKUP_TOPIC",
    "STEP_REQUIRES",
    "Blocker",
    "ClientFolder",
    "ContactsEmail",
    "DocumentCopy",
    "FolderCheck",
    "FolderContract",
    "FolderIntake",
    "FolderInvoice",
    "FolderReceived",
    "Nonconformity",
    "NonconformityKind",
    "Onboarding",
    "OnboardingId",
    "OnboardingPolicy",
    "OnboardingService",
    "OnboardingStep",
    "OnboardingStepDone",
    "OnboardingTexts",
    "ParcelItem",
    "ParcelItemKind",
    "PlannedDelivery",
    "ProductRule",
    "Recipient",
    "StepRecord",
    "TitlePage",
    "parcel_items",
]

_rehome.rehome(__name__, __all__, globals())
