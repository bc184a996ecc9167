"""The claims area: claims and the satisfaction calls that follow a finished job.

``ops.claims`` is a :class:`ClaimsService`.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._claims import (
    FILE,
    TRANSITIONS,
    Claim,
    ClaimAction,
    ClaimAdvanced,
    ClaimEvent,
    ClaimFiled,
    ClaimId,
    ClaimOccasion,
    ClaimPolicy,
    ClaimSource,
    ClaimStage,
    ClaimStep,
    ClaimTexts,
    ClaimTransition,
    EscalateToDirector,
    FindCauses,
    FixKind,
    ReferToLegal,
    ResolveSatisfied,
    ResolveUnsatisfied,
    SourceKind,
    StartFix,
    Withdraw,
    advance,
    allowed_actions,
    open_claim,
    state_diagram,
)
from clientops._claims_service import (
    ClaimsService,
)
from clientops.rules.claims import (
    ClaimDecision,
    ClaimFigures,
    ClaimRecipient,
    ClaimReport,
    RecipientReason,
)
from clientops.rules.satisfaction import (
    SatisfactionCadence,
    SatisfactionDecision,
)
from clientops.satisfaction import (
    AssignedClient,
    RecommendationRequest,
    SatisfactionCall,
    SatisfactionCallDue,
    SatisfactionDueBounds,
    SatisfactionOutcome,
    SatisfactionPolicy,
    SatisfactionRecorded,
    SatisfactionTexts,
)

__all__ = [
    "FILE",
    "TRANSITIONS",
    "AssignedClient",
    "Claim",
    "ClaimAction",
    "ClaimAdvanced",
    "ClaimDecision",
    "ClaimEvent",
    "ClaimFigures",
    "ClaimFiled",
    "ClaimId",
    "ClaimOccasion",
    "ClaimPolicy",
    "ClaimRecipient",
    "ClaimReport",
    "ClaimSource",
    "ClaimStage",
    "ClaimStep",
    "ClaimTexts",
    "ClaimTransition",
    "ClaimsService",
    "EscalateToDirector",
    "FindCauses",
    "FixKind",
    "RecipientReason",
    "RecommendationRequest",
    "ReferToLegal",
    "ResolveSatisfied",
    "ResolveUnsatisfied",
    "SatisfactionCadence",
    "SatisfactionCall",
    "SatisfactionCallDue",
    "SatisfactionDecision",
    "SatisfactionDueBounds",
    "SatisfactionOutcome",
    "SatisfactionPolicy",
    "SatisfactionRecorded",
    "SatisfactionTexts",
    "SourceKind",
    "StartFix",
    "Withdraw",
    "advance",
    "allowed_actions",
    "open_claim",
    "state_diagram",
]

_rehome.rehome(__name__, __all__, globals())
