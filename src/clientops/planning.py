"""Plans, reports, control points and pay: the month a director approves (seeds 003, 004,
000).

``Planning(ops)`` (:class:`Planning`) proposes a manager's monthly plan from the last months'
facts times a growth factor, computes the month's report from what the store holds (orders,
payments, claims, supplier bills, cards) with the plan beside each fact and the records behind
it, carries both through the director's approval with their deadlines on the production
calendar, and gives a call manager's control points and a manager's pay sheet. The rules are
in :mod:`clientops.rules.planning`; the numbers in ``Policy.planning``
(:class:`PlanningPolicy`). See the guide, ``docs/reports.md``.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._planning import (
    PLAN_LINES,
    ClientGroup,
    ClientHistory,
    ClientMonth,
    ControlPoints,
    Deadline,
    DeadlineMissed,
    Figure,
    HoursSource,
    LossCriterion,
    LostClient,
    MonthlyReport,
    MonthlySheet,
    PayLine,
    PaySheet,
    PlanLine,
    PlanningPolicy,
    PlanTemplate,
    PurchaseBasis,
    RegularRule,
    ReportLine,
    Segment,
    SheetChanged,
    SheetKind,
    SheetState,
    SheetStep,
)
from clientops._planning_outputs import (
    pay_sheet_csv,
    pay_sheet_docx,
    plan_docx,
    report_csv,
    report_docx,
    report_json,
)
from clientops._planning_service import Planning, RepositoryPlanningQueries, planning_queries

__all__ = [
    "PLAN_LINES",
    "ClientGroup",
    "ClientHistory",
    "ClientMonth",
    "ControlPoints",
    "Deadline",
    "DeadlineMissed",
    "Figure",
    "HoursSource",
    "LossCriterion",
    "LostClient",
    "MonthlyReport",
    "MonthlySheet",
    "PayLine",
    "PaySheet",
    "PlanLine",
    "PlanTemplate",
    "Planning",
    "PlanningPolicy",
    "PurchaseBasis",
    "RegularRule",
    "ReportLine",
    "RepositoryPlanningQueries",
    "Segment",
    "SheetChanged",
    "SheetKind",
    "SheetState",
    "SheetStep",
    "pay_sheet_csv",
    "pay_sheet_docx",
    "plan_docx",
    "planning_queries",
    "report_csv",
    "report_docx",
    "report_json",
]

_rehome.rehome(__name__, __all__, globals())
