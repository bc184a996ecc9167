"""The words a person reads for each enum value, stage, action and status, in Russian and in
English: what a program keeps as ``no_answer`` a manager reads as «не ответили».

An enum whose members carry a ``label`` (``OrderStage``, ``ClaimStage``…) keeps its Russian
there; the rest are listed here, by the enum's class name (no import of the areas: the rules
use this module too). The English label is written out where it differs from the value read
as words (``delivery_deadline`` → ``delivery deadline``).

>>> from clientops.calls import CallStatus
>>> label(CallStatus.NO_ANSWER), label(CallStatus.NO_ANSWER, lang="en")
('не ответили', 'no answer')
>>> action_label("update_specification")
'изменить спецификацию'
"""

from __future__ import annotations

import enum

__all__ = ["ACTIONS", "ENUM_LABELS", "REASONS", "action_label", "label", "reason_label"]

#: Russian labels of the enums whose members have no ``label`` of their own, by class name.
ENUM_LABELS: dict[str, dict[str, str]] = {
    "InstallationStage": {
        "scheduled": "монтаж назначен",
        "done": "смонтировано",
        "cancelled": "монтаж отменён",
    },
    "PilotStage": {
        "running": "пилот идёт",
        "paying": "перешёл на оплату",
        "dropped": "пилот прекращён",
    },
    "HoursSource": {
        "first_last_call": "по первому и последнему звонку дня",
        "presence": "по присутствию в телефонии",
    },
    "PurchaseBasis": {
        "invoices_paid": "оплаченные счета",
        "orders_closed": "закрытые заказы",
    },
    "TouchKind": {
        "birthday": "день рождения",
        "company_day": "день компании",
        "holiday": "праздник",
    },
    "WeekendRule": {
        "previous_working_day": "в предыдущий рабочий день",
        "next_working_day": "в следующий рабочий день",
        "same_day": "в тот же день",
    },
    "ProRating": {"calendar_days": "по календарным дням", "full_month": "за полный месяц"},
    "PaymentTerms": {"calendar_days": "календарные дни", "working_days": "рабочие дни"},
    "PaymentDirection": {"incoming": "входящий", "outgoing": "исходящий", "internal": "внутренний"},
    "SkipReason": {
        "not_active": "подписка не действует",
        "paused": "подписка приостановлена",
        "zero_amount": "нулевая сумма",
        "already_issued": "счёт уже выставлен",
        "cancelled": "счёт аннулирован",
        "needs_correction": "нужен исправленный счёт",
    },
    "CallDirection": {"incoming": "входящий", "outgoing": "исходящий"},
    "AppealType": {
        "client_department": "клиентский отдел",
        "sales": "продажи",
        "tech_support": "техническая поддержка",
        "service": "сервис",
        "billing": "расчёты",
        "claim": "претензия",
        "other": "другое",
    },
    "ReactionKind": {
        "incoming_call": "входящий звонок",
        "outgoing_call": "исходящий звонок",
        "email": "письмо",
        "meeting": "встреча",
        "task": "задача",
    },
    "Role": {
        "client_manager": "менеджер клиентского отдела",
        "sales_manager": "менеджер по продажам",
        "call_manager": "менеджер по обзвону",
        "tech_support": "техническая поддержка",
        "management": "руководство",
        "director": "директор",
        "designer": "дизайнер",
    },
    "ClientCategory": {
        "client": "клиент",
        "dealer": "дилер",
        "prospect": "потенциальный клиент",
        "supplier": "поставщик",
    },
    "ClientKind": {"organisation": "организация", "person": "частное лицо"},
    "QuestionKind": {
        "single": "один ответ",
        "multiple": "несколько ответов",
        "scale": "шкала",
        "number": "число",
        "text": "текст",
    },
    "TargetStatus": {
        "open": "в работе",
        "done": "обработан",
        "exhausted": "попытки исчерпаны",
        "do_not_call": "просили не звонить",
    },
    "ClaimOccasion": {
        "satisfaction_call": "звонок удовлетворённости",
        "incoming_call": "входящий звонок",
        "training_feedback": "отзыв после обучения",
        "service_visit": "выезд сервисной службы",
        "delivery_feedback": "отзыв о доставке",
        "pilot_feedback": "отзыв о пилотном проекте",
        "other": "другое",
    },
    "SyncStatus": {"created": "создана", "updated": "обновлена", "unchanged": "без изменений"},
    "OutboxStatus": {
        "pending": "ждёт отправки",
        "delivered": "доставлено",
        "dead": "не доставлено",
    },
    "Cadence": {"daily": "раз в день", "every_run": "при каждом запуске"},
    "NonconformityKind": {
        "no_title_page": "нет титульного листа",
        "field_missing": "поле не заполнено",
        "field_invalid": "поле заполнено неверно",
        "no_contract": "нет договора",
        "contract_not_in_folder": "договора нет в папке",
        "contract_copies_short": "не хватает экземпляров договора",
        "no_invoice": "нет счёта",
        "invoice_copies_short": "не хватает экземпляров счёта",
        "unsigned": "нет подписи",
        "unstamped": "нет печати",
    },
    "ParcelItemKind": {
        "box": "коробка",
        "book": "книга",
        "electronic_key": "электронный ключ",
        "disc": "диск",
        "software_transfer_act": "акт передачи ПО",
        "completed_works_act": "акт выполненных работ",
    },
    "OnboardingStep": {
        "check_folder": "приём клиентской папки",
        "check_signatures": "подписи и печати",
        "call_courier": "курьер",
        "welcome_call": "приветственный звонок",
        "send_contacts": "контакты на почту клиента",
        "delivery_reaction": "реакция на плановую дату доставки",
        "prepare_box": "коробка",
        "key_and_disc": "ключ и диск",
        "prepare_book": "книга",
        "prepare_acts": "акты",
    },
    "Recipient": {
        "sales_manager": "менеджер по продажам",
        "head_of_sales": "руководитель отдела продаж",
        "client_manager": "менеджер клиентского отдела",
    },
    "QualityOutcome": {"accepted": "принято", "rejected": "брак"},
    "OverdueKind": {
        "production_stage": "этап производства",
        "supplier_deadline": "срок поставщика",
        "production_deadline": "срок производства",
        "delivery_deadline": "срок доставки",
    },
    "CallStatus": {
        "answered": "отвечен",
        "busy": "занято",
        "no_answer": "не ответили",
        "failed": "не удался",
        "cancelled": "отменён",
    },
    "MatchCode": {
        "by_number": "по номеру счёта",
        "by_inn_and_amount": "по ИНН и сумме",
        "unknown_number": "неизвестный номер счёта",
        "number_issued_later": "счёт выставлен позже платежа",
        "ambiguous_number": "номер подходит к нескольким счетам",
        "several_invoices": "несколько счетов",
        "payer_inn_mismatch": "ИНН плательщика не совпадает",
        "currency_mismatch": "другая валюта",
        "ambiguous_inn_and_amount": "ИНН и сумма подходят к нескольким счетам",
        "no_invoice_for_amount": "нет счёта на эту сумму",
        "unknown_payer": "неизвестный плательщик",
        "no_reference": "нет ссылки на счёт",
        "not_incoming": "не входящий платёж",
        "duplicate": "повтор",
    },
    "PaymentOutcome": {"paid": "оплачен", "partial": "оплачен частично", "overpaid": "переплата"},
    "Frequency": {
        "DAILY": "ежедневно",
        "WEEKLY": "еженедельно",
        "MONTHLY": "ежемесячно",
        "YEARLY": "ежегодно",
    },
    "Weekday": {
        "0": "понедельник",
        "1": "вторник",
        "2": "среда",
        "3": "четверг",
        "4": "пятница",
        "5": "суббота",
        "6": "воскресенье",
    },
    "CallBranch": {
        "sales": "в отдел продаж",
        "named_manager": "названному менеджеру",
        "named_manager_unavailable": "названного менеджера нет на месте",
        "tech_support": "в техническую поддержку",
        "not_a_customer": "не клиент",
        "unidentified": "не опознан",
        "management": "руководству",
    },
    "CallIntent": {
        "product_info": "о продукте",
        "sales_manager": "менеджер по продажам",
        "tech_support": "техническая поддержка",
        "cooperation": "сотрудничество",
        "unclear": "неясно",
    },
    "RecipientReason": {
        "head_of_department": "руководитель отдела",
        "general_director": "генеральный директор",
        "no_head_of_department": "у отдела нет руководителя",
    },
    "JobResult": {
        "done": "выполнено",
        "failed": "ошибка",
        "already_done": "уже выполнено",
        "busy": "уже выполняется",
        "lost_lease": "потеряна блокировка",
    },
    "NonWorkingDay": {
        "next_working_day": "в следующий рабочий день",
        "previous_working_day": "в предыдущий рабочий день",
        "refuse": "отказать",
    },
    "MaintenanceFrequency": {"weekly": "еженедельно", "monthly": "ежемесячно"},
}

#: The actions of the order and claim workflows (``TransitionError.allowed``), in Russian.
ACTIONS: dict[str, str] = {
    "accept_quality": "принять по качеству",
    "add_production_stage": "добавить этап производства",
    "agree_with_client": "согласовать с клиентом",
    "approve_request": "согласовать заявку",
    "close": "закрыть",
    "complete_production_stage": "завершить этап производства",
    "director_approval": "согласовать с директором",
    "issue_prepayment_invoice": "выставить счёт на предоплату",
    "notify_client": "уведомить клиента",
    "queue_at_supplier": "поставить в очередь у поставщика",
    "queue_replacement": "поставить замену в очередь",
    "receive_originals": "получить оригиналы",
    "receive_payment": "получить оплату",
    "receive_quote": "получить ответ поставщика",
    "record_control_sample": "оставить контрольный образец",
    "reject_quality": "забраковать",
    "send_to_supplier": "передать поставщику",
    "set_price": "рассчитать цену",
    "ship": "отгрузить",
    "sign_act": "подписать акт",
    "sign_final_request": "подписать заявку и спецификацию",
    "start_production": "начать производство",
    "start_replacement": "начать замену",
    "update_specification": "изменить спецификацию",
}

#: Why a step is refused (``TransitionError.reason``), in Russian.
REASONS: dict[str, str] = {
    "the director already approved": "директор уже согласовал",
    "no prepayment invoice issued yet": "счёт на предоплату ещё не выставлен",
    "no open production stage": "нет незавершённого этапа производства",
    "quality not accepted yet": "продукция ещё не принята по качеству",
    "no control sample kept yet": "контрольный образец ещё не оставлен",
    "the act is not signed yet": "акт ещё не подписан",
    "the order is closed": "заказ закрыт",
    "no supplier quote yet": "ещё нет ответа поставщика",
}


def _english(value: object) -> str:
    return str(value).replace("_", " ").lower()


def label(value: enum.Enum, *, lang: str = "ru") -> str:
    """The word a person reads for ``value``: Russian (``lang="ru"``) or English (``"en"``).
    An enum value with no Russian label raises KeyError naming it (a test keeps every enum of
    clientops labelled)."""
    if lang == "en":
        return _english(value.value)
    if lang != "ru":
        raise ValueError(f"lang: {lang!r} is neither 'ru' nor 'en'")
    own = getattr(value, "label", None)
    if isinstance(own, str):
        return own
    try:
        return ENUM_LABELS[type(value).__name__][str(value.value)]
    except KeyError:
        raise KeyError(f"no Russian label for {type(value).__name__}.{value.name}") from None


def action_label(action: str, *, lang: str = "ru") -> str:
    """A workflow action (``ship``) as a person reads it (``отгрузить``)."""
    return _english(action) if lang == "en" else ACTIONS.get(action, _english(action))


def reason_label(reason: str, *, lang: str = "ru") -> str:
    """Why a step was refused, in Russian (several reasons joined by «; » each translated)."""
    if lang == "en":
        return reason
    return "; ".join(REASONS.get(part, part) for part in reason.split("; "))
