"""The rules of call campaigns: pure functions, explicit time and policy, no I/O.

* :func:`outcome_errors`: outcomes a campaign's purpose does not allow, or that cannot go
  together (a retry is recorded alone);
* :func:`checked_answers`: a survey's answers against its questionnaire (type, scale,
  choices, required questions, skip logic), each problem named by question;
* :func:`open_timezones`: the time zones whose clients may be called now (their working day,
  their working hours);
* :func:`after_call`: a call list's row after a call (the retry rule);
* :func:`campaign_figures`, :func:`survey_results`, :func:`results_csv`,
  :func:`adherence_shares`: the figures.

>>> from datetime import datetime, UTC
>>> from clientops._campaigns import CampaignPolicy
>>> from clientops.workdays import FixedCalendar
>>> open_timezones(("Europe/Moscow", "Asia/Vladivostok"),
...                now=datetime(2025, 6, 23, 13, 0, tzinfo=UTC),  # 16:00 and 23:00 there
...                policy=CampaignPolicy(), calendar=FixedCalendar())
('Europe/Moscow',)
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import attrs

from clientops._campaigns import (
    AdherenceShare,
    Answer,
    Campaign,
    CampaignCall,
    CampaignFigures,
    CampaignPolicy,
    CampaignPurpose,
    CampaignTarget,
    OutcomeKind,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionResult,
    TargetStatus,
    trusted_target,
)
from clientops._checks import text_problem
from clientops.errors import FieldError, ValidationError
from clientops.model import EmployeeId
from clientops.workdays import WorkCalendar

__all__ = [
    "adherence_shares",
    "after_call",
    "campaign_figures",
    "checked_answers",
    "open_timezones",
    "outcome_errors",
    "results_csv",
    "review_marks",
    "survey_results",
    "zone_hours",
]

_ANSWER_LIMIT = 2_000


def outcome_errors(
    purpose: CampaignPurpose, kinds: Sequence[OutcomeKind], policy: CampaignPolicy
) -> list[FieldError]:
    """What is wrong with recording ``kinds`` on a call of a campaign with ``purpose``."""
    errors: list[FieldError] = []
    if not kinds:
        return [FieldError("outcome", "no outcome given")]
    allowed = policy.allowed(purpose)
    for at, kind in enumerate(kinds):
        if kind not in allowed:
            path = "outcome" if len(kinds) == 1 else f"outcome[{at}]"
            errors.append(
                FieldError(path, f"{kind.value} is not an outcome of a {purpose.value} campaign")
            )
    if len(kinds) > 1:
        single = [k for k in kinds if k.retry or k in (OutcomeKind.WRONG_NUMBER,)]
        if single:
            errors.append(
                FieldError("outcome", f"{single[0].value} is recorded alone, not with others")
            )
        if len(set(kinds)) != len(kinds):
            errors.append(FieldError("outcome", "an outcome is given twice"))
    return errors


# --------------------------------------------------------------------------- answers


def _shown(question: Question, given: Mapping[str, Answer]) -> bool:
    rule = question.show_if
    if rule is None:
        return True
    earlier = given.get(rule.question)
    return earlier is not None and any(choice in rule.choices for choice in earlier.choices)


def _answer(question: Question, value: object) -> Answer | str:
    """The answer ``value`` to ``question``, or what is wrong with it."""
    kind = question.kind
    if kind is QuestionKind.SINGLE:
        if not isinstance(value, str):
            return f"must be one of the choices (a string), got {type(value).__name__}"
        if value not in question.choices:
            return f"{value!r} is not one of {', '.join(question.choices)}"
        return Answer(question.id, choices=(value,))
    if kind is QuestionKind.MULTIPLE:
        values = (value,) if isinstance(value, str) else value
        if not isinstance(values, (tuple, list, set, frozenset)) or not all(
            isinstance(v, str) for v in values
        ):
            return f"must be choices (strings), got {type(value).__name__}"
        unknown = [v for v in values if v not in question.choices]
        if unknown:
            return f"{unknown[0]!r} is not one of {', '.join(question.choices)}"
        if not values:
            return "no choice given"
        chosen = tuple(c for c in question.choices if c in set(values))
        return Answer(question.id, choices=chosen)
    if kind is QuestionKind.SCALE:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number on the scale, got {type(value).__name__}"
        if not question.low <= value <= question.high:
            return f"{value} is outside the scale {question.low}..{question.high}"
        return Answer(question.id, number=Decimal(value))
    if kind is QuestionKind.NUMBER:
        if isinstance(value, (bool, float)) or not isinstance(value, (int, Decimal, str)):
            return f"must be a number (an int, a Decimal or digits), got {type(value).__name__}"
        try:
            number = Decimal(value)
        except (InvalidOperation, ValueError):
            return f"{value!r} is not a number"
        if not number.is_finite():
            return f"{value!r} is not a finite number"
        return Answer(question.id, number=number)
    problem = text_problem(value, limit=_ANSWER_LIMIT)
    if problem:
        return problem
    assert isinstance(value, str)
    return Answer(question.id, text=value.strip())


def checked_answers(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> tuple[Answer, ...]:
    """The answers as stored, in the questionnaire's order. Every problem is a
    :class:`~clientops.errors.ValidationError` whose fields name the question
    (``answers.<id>``): an unknown question, a wrong type, a value off the scale or not
    among the choices, a required question not answered, or an answer to a question the skip
    logic leaves out."""
    errors: list[FieldError] = []
    known = {q.id for q in questionnaire.questions}
    for question_id in answers:
        if question_id not in known:
            errors.append(FieldError(f"answers.{question_id}", "no such question"))
    given: dict[str, Answer] = {}
    for question in questionnaire.questions:
        path = f"answers.{question.id}"
        value = answers.get(question.id)
        if not _shown(question, given):
            if value is not None:
                errors.append(FieldError(path, "skipped by the answer before it, not asked"))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            if question.required:
                errors.append(FieldError(path, "required, not answered"))
            continue
        found = _answer(question, value)
        if isinstance(found, str):
            errors.append(FieldError(path, found))
        else:
            given[question.id] = found
    if errors:
        raise ValidationError(errors, subject="answers")
    return tuple(given.values())


# --------------------------------------------------------------------------- calling


def open_timezones(
    zones: Iterable[str], *, now: datetime, policy: CampaignPolicy, calendar: WorkCalendar
) -> tuple[str, ...]:
    """The zones among ``zones`` where ``now`` is within the working hours of a working day."""
    return tuple(
        zone for zone in zones if zone_hours(zone, now=now, policy=policy, calendar=calendar)[0]
    )


def zone_hours(
    zone: str, *, now: datetime, policy: CampaignPolicy, calendar: WorkCalendar
) -> tuple[bool, datetime]:
    """Whether ``now`` is within the working hours of a working day in ``zone``, and the next
    moment the answer may change (the day's start or end of work, or midnight there): the
    same answer holds from ``now`` until then."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    day = local.date()
    at = local.time().replace(tzinfo=None)
    is_open = calendar.is_working_day(day) and policy.work_start <= at < policy.work_end
    boundaries = [
        datetime.combine(day, policy.work_start, tz),
        datetime.combine(day, policy.work_end, tz),
        datetime.combine(day + timedelta(days=1), time(0), tz),
    ]
    return is_open, min(b for b in boundaries if b > local)


def after_call(
    target: CampaignTarget,
    kinds: Sequence[OutcomeKind],
    *,
    now: datetime,
    policy: CampaignPolicy,
    call_back_at: datetime | None = None,
) -> CampaignTarget:
    """The list's row after a call with ``kinds``: no answer or busy call again after the
    policy's delay, until ``max_attempts`` calls failed (then given up); a call-back at the
    time asked; anything else closes the row."""
    kind = kinds[0]
    # the row built whole (attrs.evolve is several times slower): a call is recorded
    # thousands of times an hour
    if kind is OutcomeKind.CALL_BACK and call_back_at is not None:
        next_call_at, status, attempts = call_back_at, target.status, target.attempts
    elif kind in (OutcomeKind.NO_ANSWER, OutcomeKind.BUSY):
        attempts = target.attempts + 1
        delay = policy.retry_no_answer if kind is OutcomeKind.NO_ANSWER else policy.retry_busy
        next_call_at = now + delay
        status = TargetStatus.EXHAUSTED if attempts >= policy.max_attempts else TargetStatus.OPEN
    else:
        next_call_at, status, attempts = target.next_call_at, TargetStatus.DONE, target.attempts
    # the row's own time was checked when the row was made; any other is checked here, as
    # the row's check (``aware``) would
    make = (
        trusted_target
        if next_call_at is target.next_call_at
        or (type(next_call_at) is datetime and next_call_at.utcoffset() is not None)
        else CampaignTarget
    )
    return make(
        target.campaign_id,
        target.client_id,
        target.timezone,
        next_call_at,
        status,
        attempts,
        kind,
        None,
        target.version,
    )


# --------------------------------------------------------------------------- figures


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / whole).quantize(Decimal("0.0001")) if whole else Decimal(0)


def campaign_figures(
    campaign: Campaign, calls: Iterable[CampaignCall], *, today: date, tz: ZoneInfo
) -> CampaignFigures:
    """Reached, outcomes by kind, conversion to meetings and leads (of the clients reached),
    and calls per caller on ``today`` (in ``tz``) against the daily plan."""
    by_kind: Counter[OutcomeKind] = Counter()
    called: set[str] = set()
    reached: set[str] = set()
    met: set[str] = set()
    led: set[str] = set()
    today_calls: Counter[EmployeeId] = Counter()
    count = 0
    for call in calls:
        count += 1
        called.add(call.client_id)
        by_kind.update(call.outcomes)
        if any(kind.reached for kind in call.outcomes):
            reached.add(call.client_id)
        if OutcomeKind.MEETING in call.outcomes:
            met.add(call.client_id)
        if OutcomeKind.WARM_LEAD in call.outcomes:
            led.add(call.client_id)
        if call.at.astimezone(tz).date() == today:
            today_calls[call.caller_id] += 1
    return CampaignFigures(
        targets=campaign.targets,
        called=len(called),
        reached=len(reached),
        calls=count,
        by_outcome=tuple((k, by_kind[k]) for k in OutcomeKind if by_kind[k]),
        meetings=len(met),
        leads=len(led),
        meeting_conversion=_share(len(met), len(reached)),
        lead_conversion=_share(len(led), len(reached)),
        today=tuple((e, today_calls[e]) for e in campaign.assignees),
        daily_plan=campaign.daily_plan,
    )


def survey_results(
    questionnaire: Questionnaire, calls: Iterable[CampaignCall]
) -> tuple[QuestionResult, ...]:
    """Per question: how many answered; per option its count and share of those who
    answered; for a scale or a number the average (two decimals), least and greatest; for a
    free text the texts."""
    answers: dict[str, list[Answer]] = {q.id: [] for q in questionnaire.questions}
    for call in calls:
        for answer in call.answers:
            if answer.question in answers:
                answers[answer.question].append(answer)
    results = []
    for question in questionnaire.questions:
        given = answers[question.id]
        n = len(given)
        result = QuestionResult(question.id, question.text, question.kind, n)
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            counts = Counter(c for a in given for c in a.choices)
            options = tuple((c, counts[c], _share(counts[c], n)) for c in question.choices)
            result = attrs.evolve(result, options=options)
        elif question.kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
            numbers = [a.number for a in given if a.number is not None]
            if numbers:
                average = (sum(numbers, Decimal(0)) / len(numbers)).quantize(Decimal("0.01"))
                result = attrs.evolve(
                    result, average=average, least=min(numbers), greatest=max(numbers)
                )
        else:
            result = attrs.evolve(result, texts=tuple(a.text for a in given if a.text))
        results.append(result)
    return tuple(results)


def results_csv(results: Sequence[QuestionResult]) -> str:
    """The survey's results as CSV (``;``-separated, as Russian Excel opens it): one row per
    option of a choice, one row per scale or number question with its average, one per free
    text question with the count."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(("Вопрос", "Вариант", "Ответов", "Доля", "Среднее", "Мин", "Макс"))
    for r in results:
        if r.options:
            for option, count, share in r.options:
                writer.writerow((r.text, option, count, f"{share:.4f}", "", "", ""))
        elif r.average is not None:
            writer.writerow(
                (r.text, "", r.answered, "", str(r.average), str(r.least), str(r.greatest))
            )
        else:
            writer.writerow((r.text, "", r.answered, "", "", "", ""))
    return out.getvalue()


def review_marks(
    points: Sequence[str], kept: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The script's points split into kept and missed; a point not in the script raises
    ValidationError naming it."""
    marked = tuple(kept)
    errors = [
        FieldError(f"kept[{at}]", f"{point!r} is not a point of the script")
        for at, point in enumerate(marked)
        if point not in points
    ]
    if errors:
        raise ValidationError(errors, subject="script review")
    chosen = set(marked)
    return (
        tuple(p for p in points if p in chosen),
        tuple(p for p in points if p not in chosen),
    )


def adherence_shares(calls: Iterable[CampaignCall]) -> tuple[AdherenceShare, ...]:
    """Per caller (by id): reviewed calls, points kept, points checked."""
    totals: dict[EmployeeId, tuple[int, int, int]] = {}
    for call in calls:
        if call.review is None:
            continue
        reviewed, kept, checked = totals.get(call.caller_id, (0, 0, 0))
        totals[call.caller_id] = (
            reviewed + 1,
            kept + len(call.review.kept),
            checked + len(call.review.kept) + len(call.review.missed),
        )
    return tuple(AdherenceShare(employee, *totals[employee]) for employee in sorted(totals))
