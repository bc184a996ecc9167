"""The service area: maintenance visits, emergency calls-out and trainings under a service
contract, with their SLA.

``ops.service`` is a :class:`ServiceDesk`.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._service_service import (
    ServiceDesk,
    SlaCheck,
)
from clientops.rules.service_visits import (
    SlaBreach,
    VisitOccurrence,
    VisitSeries,
)
from clientops.service_visits import (
    Feedback,
    InstalledEquipment,
    MaintenanceFrequency,
    MaintenanceRecurrence,
    NonWorkingDay,
    Part,
    Reschedule,
    ServerFormat,
    ServiceContract,
    ServiceContractId,
    StatusChange,
    TechFacts,
    Training,
    TrainingId,
    TrainingScheduled,
    TrainingStatus,
    TrainingStep,
    Visit,
    VisitAct,
    VisitId,
    VisitKind,
    VisitPolicy,
    VisitScheduled,
    VisitSlaBreached,
    VisitStatus,
    VisitStep,
    VisitTexts,
)

__all__ = [
    "Feedback",
    "InstalledEquipment",
    "MaintenanceFrequency",
    "MaintenanceRecurrence",
    "NonWorkingDay",
    "Part",
    "Reschedule",
    "ServerFormat",
    "ServiceContract",
    "ServiceContractId",
    "ServiceDesk",
    "SlaBreach",
    "SlaCheck",
    "StatusChange",
    "TechFacts",
    "Training",
    "TrainingId",
    "TrainingScheduled",
    "TrainingStatus",
    "TrainingStep",
    "Visit",
    "VisitAct",
    "VisitId",
    "VisitKind",
    "VisitOccurrence",
    "VisitPolicy",
    "VisitScheduled",
    "VisitSeries",
    "VisitSlaBreached",
    "VisitStatus",
    "VisitStep",
    "VisitTexts",
]

_rehome.rehome(__name__, __all__, globals())
