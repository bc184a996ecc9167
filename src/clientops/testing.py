"""Testing helpers for clientops users and adapter authors: an opt-in pytest plugin.

The storage contract suite is what every store must pass, the built-in ones included. Run it
against your own store unchanged::

    # conftest.py
    pytest_plugins = ["clientops.testing"]

    # test_my_store.py
    import pytest
    from clientops.testing import PersistentStorageContract

    class TestMyStore(PersistentStorageContract):
        @pytest.fixture
        def storage(self, tmp_path):
            store = MyStore(tmp_path / "crm")
            yield store
            store.close()

        def reopen(self, storage):
            return MyStore(storage.path)

:class:`StorageContract` is the suite for any store; :class:`PersistentStorageContract` adds the
checks for a store that keeps data across a reopen.

The other adapter families have theirs, subclassed the same way: :class:`CourierContract`
(couriers), :class:`TelephonyContract` with its halves :class:`TelephonyEventsContract` and
:class:`TelephonyCommandsContract` (PBXs), :class:`AccountingContract` and
:class:`PaymentSourceContract` (accounting backends), :class:`DocumentRendererContract`
(document renderers). Each class says which fixtures and methods it needs.
:class:`FailingStorage` wraps a store and makes one operation fail, to prove that a use case
leaves storage as it was.

The builders ``a_client``, ``an_appeal``, ``a_reaction``, ``an_onboarding``, ``an_order``,
``a_call``, ``a_staff``; for billing, ``a_subscription``, ``an_invoice``, ``a_payment``,
``an_allocation``, ``a_credit``, ``a_supplier_bill``; for the service processes, ``a_claim``,
``a_service_contract``, ``an_emergency_visit`` and ``a_training`` make valid records with
defaults, so that a test names only what it is about: ``a_client(city="Омск")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest

from clientops._billing import (
    Allocation,
    BilledInvoice,
    Credit,
    DuplicateSent,
    FeeChange,
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceStatus,
    Month,
    OwedInvoice,
    Pause,
    Payment,
    PaymentId,
    PaymentSource,
    Subscription,
    SubscriptionId,
    SupplierBill,
    SupplierBillId,
    SupplierBillStatus,
    cancel_supplier_bill,
    enter_into_payment_plan,
    mark_supplier_bill_paid,
    set_payment_task,
)
from clientops._campaigns import (
    CallScript,
    Campaign,
    CampaignCall,
    CampaignId,
    CampaignPurpose,
    CampaignTarget,
    DoNotCall,
    OutcomeKind,
    ScriptPoint,
    ScriptReview,
    TargetStatus,
)
from clientops._claims import (
    Claim,
    ClaimId,
    ClaimSource,
    ClaimStage,
    FindCauses,
    ResolveSatisfied,
    Withdraw,
    open_claim,
)
from clientops._claims import advance as advance_claim
from clientops._clients_service import put_staff
from clientops._contractors import (
    Contractor,
    ContractorContract,
    ContractorId,
    ContractorPrice,
    ContractorVisit,
    ContractorVisitStatus,
)
from clientops._credit import CreditLimit
from clientops._feed import FeedCursor, FeedRecord
from clientops._jobs import JobRun, JobStatus
from clientops._kits.accounting import AccountingContract, PaymentSourceContract
from clientops._kits.couriers import CourierContract
from clientops._kits.documents import DocumentRendererContract, DocumentSample, document_samples
from clientops._kits.supply import SupplyContract
from clientops._kits.telephony import (
    PbxCall,
    SignalRecorder,
    TelephonyCommandsContract,
    TelephonyContract,
    TelephonyEventsContract,
    fold_call_log,
)
from clientops._legal import Hearing, LegalCase, LegalCaseId, LegalOutcome
from clientops._onboarding import (
    ClientFolder,
    DocumentCopy,
    FolderContract,
    FolderInvoice,
    Nonconformity,
    NonconformityKind,
    Onboarding,
    OnboardingId,
    OnboardingStep,
    ParcelItem,
    ParcelItemKind,
    PlannedDelivery,
    StepRecord,
    TitlePage,
)
from clientops._orders import (
    AcceptQuality,
    Action,
    AddProductionStage,
    AgreeWithClient,
    ApproveRequest,
    Close,
    CompleteProductionStage,
    DirectorApproval,
    IssuePrepaymentInvoice,
    NotifyClient,
    Order,
    OrderId,
    OrderPolicy,
    OrderSpecification,
    OrderStage,
    QueueAtSupplier,
    ReceiveOriginals,
    ReceivePayment,
    ReceiveQuote,
    RecordControlSample,
    RejectQuality,
    SendToSupplier,
    SetPrice,
    Ship,
    SignAct,
    SignFinalRequest,
    StartProduction,
    StartReplacement,
    SupplierQuote,
    advance,
    open_order,
    repeat_order,
)
from clientops._outbox import OutboxMessage, OutboxStatus, after_failure, after_success
from clientops._partners import CounterpartyKind, PartnerAgreement
from clientops._planning import (
    Figure,
    MonthlySheet,
    PlanLine,
    SheetKind,
    SheetState,
    SheetStep,
)
from clientops._retention import (
    ClientTerms,
    MarketingItem,
    MarketingKind,
    RetentionRecord,
    RetentionStatus,
    SignalKind,
)
from clientops._sync import ListFilter
from clientops._telephony import (
    CallAnswered,
    CallDirection,
    CallEnded,
    CallLogEntry,
    CallNumber,
    CallRecorded,
    CallSignal,
    CallStarted,
    CallStatus,
    apply_event,
    build_call_log,
)
from clientops._timeline import (
    Attachment,
    TimelineEntry,
    TimelineKind,
    TimelineQuery,
    timeline_entries,
)
from clientops.courier import Booking, Quote
from clientops.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
    StorageError,
)
from clientops.events import ClientCreated
from clientops.model import (
    Absence,
    Appeal,
    AppealId,
    Client,
    ClientCategory,
    ClientId,
    ClientQuery,
    Contact,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    ExternalId,
    Money,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    ReactionResult,
    Role,
    StaffDirectory,
    contract_key,
    new_id,
)
from clientops.policy import Policy
from clientops.ports import (
    AgendaQueries,
    Storage,
    UnitOfWork,
    contractors_repository,
    legal_repository,
    retention_repository,
)
from clientops.queries import RepositoryAgendaQueries, agenda_queries
from clientops.rules.service_visits import (
    complete_visit,
    new_training,
    plan_visit,
    request_emergency_visit,
    schedule_training,
)
from clientops.satisfaction import AssignedClient, SatisfactionDueBounds
from clientops.service_visits import (
    MaintenanceRecurrence,
    ServiceContract,
    ServiceContractId,
    Training,
    TrainingId,
    TrainingStatus,
    Visit,
    VisitId,
    VisitPolicy,
    VisitStatus,
)
from clientops.services import ClientOps

__all__ = [
    "AccountingContract",
    "ClientTermsContract",
    "ContractorsContract",
    "CourierContract",
    "CreditLimitsContract",
    "DocumentRendererContract",
    "DocumentSample",
    "FailingStorage",
    "FeedContract",
    "LegalCasesContract",
    "MarketingContract",
    "PaymentSourceContract",
    "PbxCall",
    "PersistentStorageContract",
    "PlanSheetsContract",
    "RetentionContract",
    "SignalRecorder",
    "StorageContract",
    "SupplyContract",
    "TelephonyCommandsContract",
    "TelephonyContract",
    "TelephonyEventsContract",
    "a_campaign",
    "a_claim",
    "a_client",
    "a_credit",
    "a_payment",
    "a_reaction",
    "a_service_contract",
    "a_staff",
    "a_subscription",
    "a_supplier_bill",
    "a_training",
    "an_allocation",
    "an_appeal",
    "an_emergency_visit",
    "an_invoice",
    "an_onboarding",
    "an_order",
    "document_samples",
    "fold_call_log",
]

#: The fixed moment the builders use unless told otherwise.
T0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
_phone_seq = iter(range(10**6))
_order_seq = iter(range(1, 10**6))


def _next_phone() -> Phone:
    return Phone(f"+7912{next(_phone_seq):07d}")


def a_client(**overrides: Any) -> Client:
    """A valid client card; every field can be overridden."""
    fields: dict[str, Any] = {
        "id": ClientId(new_id()),
        "name": "ООО «Ромашка»",
        "city": "Омск",
        "phones": (_next_phone(),),
        "created_at": T0,
    }
    fields.update(overrides)
    return Client(**fields)


def an_appeal(client: Client, **overrides: Any) -> Appeal:
    """A valid appeal of ``client`` for the sales department."""
    fields: dict[str, Any] = {
        "id": AppealId(new_id()),
        "client_id": client.id,
        "topic": "Запрос цен",
        "department_id": DepartmentId("sales"),
        "created_at": T0,
    }
    fields.update(overrides)
    return Appeal(**fields)


def a_reaction(appeal: Appeal, **overrides: Any) -> Reaction:
    """A valid reaction on ``appeal``, due a minute after :data:`T0`, for its department."""
    fields: dict[str, Any] = {
        "id": ReactionId(new_id()),
        "appeal_id": appeal.id,
        "client_id": appeal.client_id,
        "kind": ReactionKind.INCOMING_CALL,
        "topic": appeal.topic,
        "due_at": T0 + timedelta(minutes=1),
        "created_at": T0,
        "department_id": appeal.department_id,
    }
    fields.update(overrides)
    return Reaction(**fields)


def an_onboarding(client: Client, **overrides: Any) -> Onboarding:
    """A valid onboarding of ``client``'s folder for the client manager ``anna``, started at
    :data:`T0`, with an empty folder and every step of the checklist open."""
    fields: dict[str, Any] = {
        "id": OnboardingId(new_id()),
        "client_id": client.id,
        "appeal_id": AppealId(new_id()),
        "manager_id": EmployeeId("anna"),
        "folder": ClientFolder(),
        "started_at": T0,
        "steps": tuple(StepRecord(step) for step in OnboardingStep),
    }
    fields.update(overrides)
    return Onboarding(**fields)


def an_order(client: Client, **overrides: Any) -> Order:
    """A valid new order of ``client`` at the preliminary request, opened by ``anna`` at
    :data:`T0` with a number of its own (``З-00001``, ``З-00002``…). ``overrides`` are
    keywords of :func:`~clientops.orders.open_order`; move the order on with
    :func:`~clientops.orders.advance`."""
    fields: dict[str, Any] = {
        "id": OrderId(new_id()),
        "client_id": client.id,
        "number": f"З-{next(_order_seq):05d}",
        "specification": OrderSpecification(
            product_type="Календарь настенный",
            quantity=500,
            design="Макет «Календарь 2026»",
            materials="Мелованная бумага 170 г/м²",
            production_deadline=date(2025, 7, 15),
            delivery_address="Омск, ул. Ленина, 1",
            packaging_type="Гофрокороб",
            packaging_marking="Логотип клиента, номер заказа",
            delivery_deadline=date(2025, 7, 20),
            delivery_format="Курьер до двери",
        ),
        "now": T0,
        "by": EmployeeId("anna"),
    }
    fields.update(overrides)
    return open_order(**fields)


_call_seq = iter(range(1, 10**6))
_ANNA = EmployeeId("anna")


def a_call(
    *,
    call_id: str | None = None,
    at: datetime = T0,
    caller: str = "+79123456789",
    status: CallStatus | None = CallStatus.ANSWERED,
    client: Client | None = None,
    employee_id: EmployeeId | None = _ANNA,
    seconds: int = 90,
) -> CallLogEntry:
    """A call log entry of an incoming call from ``caller`` at ``at`` (``call-1``,
    ``call-2``… unless ``call_id`` is given), answered by ``employee_id`` and ``seconds``
    long; ``status=None`` leaves it in progress, another status makes it unanswered. Linked
    to ``client`` when one is given."""
    key = call_id or f"call-{next(_call_seq)}"
    events: list[CallSignal] = [
        CallStarted(
            call_id=key,
            direction=CallDirection.INCOMING,
            from_number=CallNumber.parse(caller, strict=False),
            to_number=CallNumber.parse("+74951234567"),
            at=at,
        )
    ]
    if status is CallStatus.ANSWERED:
        events.append(CallAnswered(call_id=key, at=at, extension="101", employee_id=employee_id))
    if status is not None:
        events.append(
            CallEnded(
                call_id=key,
                at=at + timedelta(seconds=seconds),
                status=status,
                duration_seconds=seconds,
                extension="101",
                employee_id=employee_id,
            )
        )
    entry = build_call_log(events)[0]
    return entry if client is None else attrs.evolve(entry, client_id=client.id)


def a_staff() -> StaffDirectory:
    """A small department: sales (head Петров), client department (Смирнова Анна), tech
    support, management (the general director Иванов)."""
    d = DepartmentId
    e = EmployeeId
    return StaffDirectory(
        departments=(
            Department(d("sales"), "Отдел продаж", head_id=e("petrov")),
            Department(d("client"), "Клиентский отдел", head_id=e("anna")),
            Department(d("tech_support"), "Техническая поддержка"),
            Department(d("management"), "Менеджмент", head_id=e("ivanov")),
        ),
        employees=(
            Employee(
                e("anna"), "Смирнова Анна Сергеевна", "Анна", d("client"), (Role.CLIENT_MANAGER,)
            ),
            Employee(
                e("petrov"), "Петров Игорь Олегович", "Игорь", d("sales"), (Role.SALES_MANAGER,)
            ),
            Employee(
                e("kuznetsova"),
                "Кузнецова Мария Павловна",
                "Мария",
                d("sales"),
                (Role.SALES_MANAGER,),
            ),
            Employee(
                e("ivanov"),
                "Иванов Иван Иванович",
                "Иван",
                d("management"),
                (Role.DIRECTOR, Role.MANAGEMENT),
            ),
        ),
        absences=(Absence(e("kuznetsova"), date(2025, 6, 20), date(2025, 6, 27), "отпуск"),),
    )


_invoice_seq = iter(range(1, 10**6))


def a_subscription(client: Client, **overrides: Any) -> Subscription:
    """A valid subscription of ``client``: 12 000 RUB a month from 1 January 2025 on."""
    fields: dict[str, Any] = {
        "id": SubscriptionId(new_id()),
        "client_id": client.id,
        "fee": Money("12000"),
        "start": date(2025, 1, 1),
    }
    fields.update(overrides)
    return Subscription(**fields)


def an_invoice(client: Client, **overrides: Any) -> Invoice:
    """A valid invoice of ``client`` for June 2025, issued on 13 June 2025 and due five days
    after its issue date, with a number of its own (``2025-00001``, ``2025-00002``…): one line
    of 12 000 RUB, VAT 20 % included, nothing paid yet."""
    issued: date = overrides.get("issue_date", date(2025, 6, 13))
    fields: dict[str, Any] = {
        "id": InvoiceId(new_id()),
        "number": f"2025-{next(_invoice_seq):05d}",
        "client_id": client.id,
        "period": Month(2025, 6),
        "issue_date": issued,
        "due_date": issued + timedelta(days=5),
        "lines": (
            InvoiceLine("Абонентское обслуживание за июнь 2025 г.", "мес.", 1, Money("12000")),
        ),
        "vat_rate": Decimal(20),
    }
    fields.update(overrides)
    return Invoice(**fields)


def a_payment(client: Client | None = None, **overrides: Any) -> Payment:
    """A valid payment of 12 000 RUB booked on 20 June 2025, from the INN 7701234567; matched
    to ``client`` when one is given, else not matched yet."""
    fields: dict[str, Any] = {
        "id": PaymentId(new_id()),
        "date": date(2025, 6, 20),
        "amount": Money("12000"),
        "payer_inn": "7701234567",
        "payer_name": "ООО «Ромашка»",
        "purpose": "Оплата по счёту",
        "client_id": None if client is None else client.id,
    }
    fields.update(overrides)
    return Payment(**fields)


def an_allocation(payment: Payment, invoice: Invoice, **overrides: Any) -> Allocation:
    """``payment`` applied to ``invoice`` on the payment's date: the invoice's total, or the
    whole payment when it is less."""
    fields: dict[str, Any] = {
        "payment_id": payment.id,
        "invoice_id": invoice.id,
        "invoice_number": invoice.number,
        "client_id": invoice.client_id,
        "amount": Money(min(payment.amount.amount, invoice.total.amount), invoice.currency),
        "date": payment.date,
    }
    fields.update(overrides)
    return Allocation(**fields)


def a_credit(client: Client, **overrides: Any) -> Credit:
    """A valid credit of 500 RUB kept for ``client`` on 20 June 2025."""
    fields: dict[str, Any] = {
        "client_id": client.id,
        "amount": Money("500"),
        "date": date(2025, 6, 20),
        "note": "переплата",
    }
    fields.update(overrides)
    return Credit(**fields)


def a_supplier_bill(**overrides: Any) -> SupplierBill:
    """A valid supplier bill, requested from a printing house on 16 June 2025."""
    fields: dict[str, Any] = {
        "id": SupplierBillId(new_id()),
        "supplier": "ООО «Типография Омега»",
        "purpose": "Печать календарей",
        "requested_on": date(2025, 6, 16),
    }
    fields.update(overrides)
    return SupplierBill(**fields)


def a_claim(client: Client, **overrides: Any) -> Claim:
    """A valid claim of ``client`` against the sales department, filed by ``anna`` at
    :data:`T0` in the client's words. ``overrides`` are keywords of
    :func:`~clientops.claims.open_claim`; move it on with :func:`~clientops.claims.advance`."""
    fields: dict[str, Any] = {
        "id": ClaimId(new_id()),
        "client_id": client.id,
        "department_id": DepartmentId("sales"),
        "source": ClaimSource.client_words("Обещали скидку и не дали"),
        "now": T0,
        "by": EmployeeId("anna"),
        "money": Money("45000"),
    }
    fields.update(overrides)
    return open_claim(**fields)


def a_service_contract(client: Client, **overrides: Any) -> ServiceContract:
    """A valid service contract of ``client`` from 1 January 2025: maintenance monthly on the
    15th, emergency visits within one working day."""
    fields: dict[str, Any] = {
        "id": ServiceContractId(new_id()),
        "client_id": client.id,
        "number": "СО-1/25",
        "starts_on": date(2025, 1, 1),
        "emergency_response_days": 1,
        "maintenance": MaintenanceRecurrence.monthly(15),
        "address": "Омск, ул. Ленина, 1",
    }
    fields.update(overrides)
    return ServiceContract(**fields)


def an_emergency_visit(contract: ServiceContract, **overrides: Any) -> Visit:
    """A new emergency visit under ``contract``, asked by ``anna`` at :data:`T0`. ``overrides``
    are keywords of :func:`~clientops.rules.service_visits.request_emergency_visit`."""
    fields: dict[str, Any] = {
        "id": VisitId(new_id()),
        "contract": contract,
        "requested_at": T0,
        "problem": "Турникет не пропускает по картам",
        "by": EmployeeId("anna"),
    }
    fields.update(overrides)
    return request_emergency_visit(**fields)


def a_training(client: Client, **overrides: Any) -> Training:
    """A training of ``client`` to agree, opened by ``anna`` at :data:`T0`. ``overrides`` are
    keywords of :func:`~clientops.rules.service_visits.new_training`."""
    fields: dict[str, Any] = {
        "id": TrainingId(new_id()),
        "client_id": client.id,
        "manager_id": EmployeeId("anna"),
        "now": T0,
        "by": EmployeeId("anna"),
        "policy": VisitPolicy(),
    }
    fields.update(overrides)
    return new_training(**fields)


def _method(uow: UnitOfWork, path: str) -> Any:
    """The repository method ``path`` names (``"invoices.add"``: ``uow.invoices.add``)."""
    repository, name = path.split(".")
    return getattr(getattr(uow, repository), name)


#: How an agenda test reaches the read model of a unit of work (the store's, or the fallback).
ReadModel = Callable[[UnitOfWork], AgendaQueries]


class _Boom(Exception):
    pass


def _walk(order: Order, *actions: Action) -> Order:
    """``order`` after ``actions``, an hour apart, done by ``anna`` under the default policy."""
    now = order.history[-1].at
    for action in actions:
        now += timedelta(hours=1)
        order = advance(order, action, now=now, by=EmployeeId("anna"), policy=OrderPolicy())
    return order


#: From the preliminary request to the supplier's quote.
_TO_QUOTED: tuple[Action, ...] = (
    ApproveRequest(),
    SendToSupplier("Типография «Омега»"),
    ReceiveQuote(SupplierQuote("Типография «Омега»", Money("10000.00"), date(2025, 7, 10), T0)),
)


def _a_closed_order(client: Client, **overrides: Any) -> Order:
    """An order with everything an order can hold: a VIP order priced below the minimum
    margin with the director's approval, a rejected run and its replacement, closed."""
    return _walk(
        an_order(client, vip=True, note="по звонку директора", **overrides),
        *_TO_QUOTED,
        DirectorApproval(note="постоянный клиент"),
        SetPrice(Money("10900.50")),
        AgreeWithClient(production_deadline=date(2025, 7, 12)),
        SignFinalRequest(),
        QueueAtSupplier(),
        IssuePrepaymentInvoice("П-17"),
        AddProductionStage("печать", date(2025, 7, 1)),
        StartProduction(),
        CompleteProductionStage("печать"),
        RecordControlSample("1 экз. с браком", "архив, полка 1"),
        RejectQuality("смещение печати на 3 мм"),
        StartReplacement(),
        AddProductionStage("печать", date(2025, 7, 5)),
        CompleteProductionStage("печать"),
        RecordControlSample("2 экз. вне упаковки заказчика", "архив, полка 3"),
        AcceptQuality(note="без замечаний"),
        NotifyClient(),
        Ship(),
        SignAct(),
        ReceivePayment(),
        ReceiveOriginals(),
        Close(),
    )


def _a_full_onboarding(client: Client) -> Onboarding:
    """An onboarding with everything one can hold: a filled folder with a nonconformity, a
    parcel list, a booked delivery, steps done (at another UTC offset), not applicable and
    open."""
    omsk = timezone(timedelta(hours=6))
    steps = {step: StepRecord(step) for step in OnboardingStep}
    steps[OnboardingStep.CHECK_FOLDER] = StepRecord(
        OnboardingStep.CHECK_FOLDER,
        done_by=EmployeeId("anna"),
        done_at=datetime(2025, 6, 23, 14, 30, tzinfo=omsk),
        note="нет печати на третьем экземпляре",
    )
    steps[OnboardingStep.PREPARE_BOOK] = StepRecord(
        OnboardingStep.PREPARE_BOOK, not_applicable=True
    )
    quote = Quote("offline", "Москва", "Омск", "zone-3", Money(700), 4, 7)
    return an_onboarding(
        client,
        sales_manager_id=EmployeeId("petrov"),
        folder=ClientFolder(
            title_page=TitlePage(
                client_name=client.name,
                contract_number="12/25",
                sales_manager="Петров Игорь Олегович",
                city="Омск",
                contact_person="Сергей Петрович",
                phone="+7 912 000-00-01",
                products=("ArchiMed+", "ArchiSport"),
                address="Омск, ул. Ленина, 1",
            ),
            contracts=(
                FolderContract(
                    "12/25",
                    copies=(DocumentCopy(), DocumentCopy(), DocumentCopy(stamped=False)),
                ),
            ),
            invoices=(
                FolderInvoice("С-7", copies=(DocumentCopy(), DocumentCopy()), amount=Money("1.10")),
            ),
        ),
        steps=tuple(steps.values()),
        nonconformities=(
            Nonconformity(
                NonconformityKind.UNSTAMPED,
                "Договор № 12/25",
                "Договор № 12/25, экземпляр 3: нет печати организации",
                "contracts[0].copies[2].stamped",
            ),
        ),
        parcel=(
            ParcelItem(ParcelItemKind.BOX, "Коробка", "ArchiMed+", 1, "склад"),
            ParcelItem(ParcelItemKind.COMPLETED_WORKS_ACT, "Акт", None, 2, "клиентский отдел"),
        ),
        delivery=PlannedDelivery(
            quote,
            date(2025, 6, 24),
            date(2025, 7, 1),
            "pickup:12/25",
            Booking("offline", "pickup:12/25", "OFF-1", None, "P-1", date(2025, 6, 24)),
        ),
        email="info@romashka.ru",
    )


def _finished(onboarding: Onboarding) -> Onboarding:
    """``onboarding`` with every step done, but the book (not applicable)."""
    return attrs.evolve(
        onboarding,
        steps=tuple(
            StepRecord(r.step, not_applicable=True)
            if r.step is OnboardingStep.PREPARE_BOOK
            else StepRecord(r.step, done_by=EmployeeId("anna"), done_at=T0)
            for r in onboarding.steps
        ),
    )


class _StoreContract:
    """What every contract class asks for: a ``storage`` fixture yielding a fresh, empty
    store."""

    @pytest.fixture
    def storage(self) -> Storage:  # pragma: no cover - always overridden
        raise NotImplementedError("provide a `storage` fixture yielding an empty store")


class ClientsContract(_StoreContract):
    """The cards (``uow.clients``): add, bulk add, find, update, count, and the unit of work's
    own rules (all or nothing, one at a time, read-only)."""

    def test_client_round_trips(self, storage: Storage) -> None:
        card = a_client(
            contacts=(Contact("Сергей Петрович", emails=("s@romashka.ru",)),),
            emails=("info@romashka.ru",),
            contract_numbers=("12/25",),
            birthday=date(1980, 3, 8),
            inn="7701234567",
        )
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
        with storage.unit_of_work() as uow:
            assert uow.clients.get(card.id) == card
            assert uow.clients.count() == 1

    def test_missing_client_is_not_found(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow, pytest.raises(NotFoundError, match="nobody"):
            uow.clients.get(ClientId("nobody"))

    def test_same_id_twice_is_a_duplicate(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.clients.add(attrs.evolve(card, name="Другое имя"))
        with storage.unit_of_work() as uow:
            assert uow.clients.get(card.id).name == card.name

    def test_contract_number_of_another_client_is_refused(self, storage: Storage) -> None:
        first = a_client(contract_numbers=("№ 12/25-А",))
        with storage.unit_of_work() as uow:
            uow.clients.add(first)
        second = a_client(name="ООО «Вектор»", contract_numbers=("12/25-а",))
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.clients.add(second)
        assert err.value.owner == first.id
        with storage.unit_of_work() as uow:
            assert uow.clients.count() == 1

    def test_find_by_phone_contract_and_name(self, storage: Storage) -> None:
        phone = Phone("+79123456789")
        card = a_client(name='ООО "Ромашка"', phones=(phone,), contract_numbers=("Д-7",))
        other = a_client(name="АО «Вектор»", city="Томск")
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
        with storage.unit_of_work() as uow:
            assert uow.clients.find(ClientQuery(phone=phone)) == (card,)
            assert uow.clients.find(ClientQuery(contract="д-7")) == (card,)
            assert uow.clients.find(ClientQuery(name="ромашка ооо")) == (card,)
            assert uow.clients.find(ClientQuery(name="Ромашка", city="омск")) == (card,)
            assert uow.clients.find(ClientQuery(name="Ромашка", city="Томск")) == ()
            assert uow.clients.find(ClientQuery(phone=Phone("+79990000000"))) == ()

    def test_a_card_is_found_by_a_number_and_name_as_dictated(self, storage: Storage) -> None:
        card = a_client(name="ООО «Ёлка»", contract_numbers=("Д-2025/117",))
        other = a_client(name="ООО «Ромашка»", contract_numbers=("Д-2025/118",))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
        with storage.unit_of_work() as uow:
            # a space, an en dash, a Latin D, «№»: what a client dictates is the number
            for dictated in ("д 2025/117", "Д–2025/117", "D-2025/117", "№ Д-2025/117"):
                assert uow.clients.find(ClientQuery(contract=dictated)) == (card,), dictated
            # Latin look-alikes (E, K, A) and «е» for «ё» in a company's name
            assert uow.clients.find(ClientQuery(name="EЛKA")) == (card,)
            assert uow.clients.find(ClientQuery(name="Елка ООО")) == (card,)
            assert uow.clients.find(ClientQuery(contract="Д-2025/119")) == ()
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.clients.add(a_client(name="АО «Вектор»", contract_numbers=("d 2025 / 117",)))
        assert err.value.owner == card.id

    def test_find_returns_oldest_first(self, storage: Storage) -> None:
        cards = [a_client(name="ИП Сидоров", city=city) for city in ("Омск", "Томск", "Тула")]
        with storage.unit_of_work() as uow:
            for card in cards:
                uow.clients.add(card)
        with storage.unit_of_work() as uow:
            assert uow.clients.find(ClientQuery(name="сидоров")) == tuple(cards)

    def test_failed_unit_of_work_stores_nothing(self, storage: Storage) -> None:
        card = a_client()
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.clients.add(card)
            uow.appeals.add(an_appeal(card))
            assert uow.clients.get(card.id) == card  # a unit of work reads its own writes
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.clients.count() == 0
            assert uow.clients.find(ClientQuery(phone=card.phones[0])) == ()
            assert uow.appeals.of_client(card.id) == ()

    def test_update_bumps_version_and_reindexes(self, storage: Storage) -> None:
        card = a_client(phones=(Phone("+79120000001"),))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
        changed = attrs.evolve(card, phones=(Phone("+79120000002"),), emails=("a@b.ru",))
        with storage.unit_of_work() as uow:
            stored = uow.clients.update(changed)
        assert stored.version == card.version + 1
        with storage.unit_of_work() as uow:
            assert uow.clients.get(card.id) == stored
            assert uow.clients.find(ClientQuery(phone=Phone("+79120000001"))) == ()
            assert uow.clients.find(ClientQuery(phone=Phone("+79120000002"))) == (stored,)

    def test_stale_update_is_a_conflict(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
        with storage.unit_of_work() as uow:
            uow.clients.update(attrs.evolve(card, city="Томск"))
        with pytest.raises(ConflictError) as err, storage.unit_of_work() as uow:
            uow.clients.update(attrs.evolve(card, city="Тула"))
        assert (err.value.key, err.value.expected, err.value.found) == (card.id, 0, 1)
        with storage.unit_of_work() as uow:
            assert uow.clients.get(card.id).city == "Томск"

    def test_update_of_missing_client_is_not_found(self, storage: Storage) -> None:
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.clients.update(a_client())

    def test_a_unit_of_work_inside_another_is_refused(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            with pytest.raises(StorageError, match="already open"), storage.unit_of_work():
                pass  # pragma: no cover
        with storage.unit_of_work() as uow:
            assert uow.clients.get(card.id) == card

    def test_a_read_only_unit_of_work_reads_and_refuses_every_write(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.staff.put_department(Department(DepartmentId("sales"), "Продажи"))
            uow.clients.add(card)
        writes: list[Callable[[UnitOfWork], object]] = [
            lambda uow: uow.clients.add(a_client()),
            lambda uow: uow.clients.add_many([a_client(), a_client()]),
            lambda uow: uow.clients.update(card),
            lambda uow: uow.appeals.add(an_appeal(card)),
            lambda uow: uow.staff.put_department(Department(DepartmentId("it"), "ИТ")),
        ]
        for write in writes:
            with storage.unit_of_work(readonly=True) as uow:
                assert uow.clients.get(card.id) == card
                assert [d.id for d in uow.staff.directory().departments] == ["sales"]
                with pytest.raises(StorageError, match="read-only") as err:
                    write(uow)
                assert (err.value.backend, err.value.operation) == (storage.name, "write")
        with storage.unit_of_work() as uow:  # nothing was written; writes work again
            assert uow.clients.count() == 1
            assert uow.appeals.of_client(card.id) == ()

    def test_staff_changes_are_seen_at_once(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            put_staff(uow, a_staff())
            assert len(uow.staff.directory().employees) == len(a_staff().employees)
        with storage.unit_of_work() as uow:
            before = uow.staff.directory()
            uow.staff.put_employee(
                Employee(EmployeeId("new"), "Новиков Олег", "Олег", DepartmentId("sales"))
            )
            assert uow.staff.directory().employee(EmployeeId("new")) is not None
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.staff.add_absence(Absence(EmployeeId("new"), date(2025, 7, 1), date(2025, 7, 2)))
            raise _Boom
        with storage.unit_of_work() as uow:
            after = uow.staff.directory()
        assert after.employee(EmployeeId("new")) is not None
        assert after.absences == before.absences

    def test_bulk_add_stores_every_card_with_its_lookups(self, storage: Storage) -> None:
        cards = [a_client(name=f"ООО «Партия {i}»", contract_numbers=(f"B-{i}",)) for i in range(5)]
        with storage.unit_of_work() as uow:
            uow.clients.add_many(cards)
        with storage.unit_of_work() as uow:
            assert uow.clients.count() == 5
            assert uow.clients.find(ClientQuery(contract="b-3")) == (cards[3],)
            assert uow.clients.find(ClientQuery(phone=cards[4].phones[0])) == (cards[4],)
            assert uow.clients.contract_owners(["B-1", "b-2", "нет такого"]) == {
                contract_key("B-1"): cards[1].id,
                contract_key("B-2"): cards[2].id,
            }

    def test_bulk_add_with_a_taken_contract_stores_nothing(self, storage: Storage) -> None:
        first = a_client(contract_numbers=("K-1",))
        with storage.unit_of_work() as uow:
            uow.clients.add(first)
        batch = [a_client(contract_numbers=("K-2",)), a_client(contract_numbers=("k-1",))]
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.clients.add_many(batch)
        assert err.value.owner == first.id
        twice = [a_client(contract_numbers=("K-3",)), a_client(contract_numbers=("K-3",))]
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.clients.add_many(twice)
        with storage.unit_of_work() as uow:
            assert uow.clients.count() == 1
            assert uow.clients.contract_owners(["K-2", "K-3"]) == {}

    def test_every_card_oldest_first(self, storage: Storage) -> None:
        first, second, third = a_client(), a_client(), a_client()
        with storage.unit_of_work() as uow:
            assert uow.clients.all() == ()
            uow.clients.add(second)
            uow.clients.add_many([first, third])
            assert uow.clients.all() == (second, first, third)  # sees its own writes
        with storage.unit_of_work() as uow:
            changed = uow.clients.update(attrs.evolve(first, city="Омск"))
            assert uow.clients.all() == (second, changed, third)  # an update keeps its place


class AppealsContract(_StoreContract):
    """Appeals and reactions (``uow.appeals``)."""

    def test_appeal_needs_its_client(self, storage: Storage) -> None:
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.appeals.add(an_appeal(a_client()))

    def test_reaction_needs_an_appeal_of_its_client(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        appeal = an_appeal(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            uow.appeals.add(appeal)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.appeals.add_reaction(a_reaction(appeal, client_id=other.id))

    def test_appeals_and_reactions_round_trip_in_order(self, storage: Storage) -> None:
        card = a_client()
        first, second = an_appeal(card, topic="Первое"), an_appeal(card, topic="Второе")
        late = a_reaction(first, due_at=T0 + timedelta(days=2))
        soon = a_reaction(second, due_at=T0 + timedelta(hours=1), employee_id=EmployeeId("anna"))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.appeals.add(first)
            uow.appeals.add(second)
            uow.appeals.add_reaction(late)
            uow.appeals.add_reaction(soon)
        with storage.unit_of_work() as uow:
            assert uow.appeals.of_client(card.id) == (first, second)
            assert uow.appeals.reactions_of(card.id) == (soon, late)
            assert uow.appeals.get(first.id) == first
            assert uow.appeals.get_reaction(soon.id) == soon

    def test_appeals_and_reactions_in_bulk(self, storage: Storage) -> None:
        card, other = a_client(name="ООО «Берёза»"), a_client()
        first = an_appeal(card, note="Звонил сам", created_by=EmployeeId("anna"))
        second = an_appeal(other, project="Склад")
        reactions = [
            a_reaction(first, due_at=T0 + timedelta(days=2), employee_id=EmployeeId("anna")),
            a_reaction(second, due_at=T0 + timedelta(hours=1), employee_id=EmployeeId("anna")),
            a_reaction(first, done_at=T0, outcome="Перезвонили", done_by=EmployeeId("anna")),
        ]
        with storage.unit_of_work() as uow:
            uow.clients.add_many([card, other])
            uow.appeals.add_many([first, second])
            uow.appeals.add_many_reactions(reactions)
            uow.appeals.add_many([])
            uow.appeals.add_many_reactions([])
            assert uow.appeals.get(second.id) == second  # sees its own writes
        with storage.unit_of_work() as uow:
            assert uow.appeals.of_client(card.id) == (first,)
            assert uow.appeals.get(second.id) == second
            assert uow.appeals.reactions_of(card.id) == (reactions[2], reactions[0])
            assert uow.appeals.open_reactions(EmployeeId("anna")) == (reactions[1], reactions[0])
            assert [r for _, r in uow.appeals.reactions_page(ListFilter(), after=0, limit=9)] == (
                reactions
            )

    def test_a_bulk_write_checks_all_before_writing_any(self, storage: Storage) -> None:
        card, stranger = a_client(), a_client()
        appeal = an_appeal(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.appeals.add(appeal)
        fresh = an_appeal(card)
        for bad, error in (
            ([fresh, an_appeal(stranger)], NotFoundError),  # a card that is not stored
            ([fresh, attrs.evolve(appeal, topic="Снова")], DuplicateError),  # stored already
            ([fresh, attrs.evolve(fresh, topic="Дважды")], DuplicateError),  # twice in it
        ):
            with pytest.raises(error), storage.unit_of_work() as uow:
                uow.appeals.add_many(bad)
        other = an_appeal(stranger)
        ok = a_reaction(appeal)
        for bad_reactions, error in (
            ([ok, a_reaction(other)], NotFoundError),  # an appeal that is not stored
            ([ok, a_reaction(appeal, client_id=stranger.id)], NotFoundError),  # of another
            ([ok, ok], DuplicateError),
        ):
            with pytest.raises(error), storage.unit_of_work() as uow:
                uow.appeals.add_many_reactions(bad_reactions)
        with storage.unit_of_work() as uow:
            uow.appeals.add_many_reactions([ok])
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.appeals.add_many_reactions([a_reaction(appeal), ok])
        with storage.unit_of_work() as uow:
            assert uow.appeals.of_client(card.id) == (appeal,)
            assert uow.appeals.reactions_of(card.id) == (ok,)
            assert uow.appeals.get_reaction(ok.id) == ok

    def test_reaction_update_and_conflict(self, storage: Storage) -> None:
        card = a_client()
        appeal = an_appeal(card)
        reaction = a_reaction(appeal)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.appeals.add(appeal)
            uow.appeals.add_reaction(reaction)
        done = attrs.evolve(reaction, outcome="Перезвонили", done_at=T0 + timedelta(hours=1))
        with storage.unit_of_work() as uow:
            stored = uow.appeals.update_reaction(done)
        assert stored.done
        assert stored.version == 1
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            uow.appeals.update_reaction(done)
        with storage.unit_of_work() as uow:
            assert uow.appeals.get_reaction(reaction.id) == stored

    def test_open_reactions_of_an_employee_by_due_time(self, storage: Storage) -> None:
        card, other_card = a_client(), a_client()
        appeal, other_appeal = an_appeal(card), an_appeal(other_card)
        anna, petrov = EmployeeId("anna"), EmployeeId("petrov")
        hour = timedelta(hours=1)
        later = a_reaction(appeal, employee_id=anna, due_at=T0 + hour)
        first = a_reaction(other_appeal, employee_id=anna, due_at=T0 - 5 * hour)
        done = a_reaction(appeal, employee_id=anna, due_at=T0 - hour, done_at=T0)
        petrovs = a_reaction(appeal, employee_id=petrov, due_at=T0)
        with storage.unit_of_work() as uow:
            uow.clients.add_many([card, other_card])
            uow.appeals.add(appeal)
            uow.appeals.add(other_appeal)
            for reaction in (later, first, done, petrovs):
                uow.appeals.add_reaction(reaction)
            assert uow.appeals.open_reactions(anna) == (first, later)
        with storage.unit_of_work() as uow:
            assert uow.appeals.open_reactions(anna) == (first, later)
            assert uow.appeals.open_reactions(petrov) == (petrovs,)
            assert uow.appeals.open_reactions(EmployeeId("nobody")) == ()
            closed = uow.appeals.update_reaction(attrs.evolve(first, done_at=T0))
            assert closed.done
            assert uow.appeals.open_reactions(anna) == (later,)

    def test_department_reactions_no_one_has_taken(self, storage: Storage) -> None:
        card = a_client()
        appeal = an_appeal(card)
        sales, client = DepartmentId("sales"), DepartmentId("client")
        hour = timedelta(hours=1)
        later = a_reaction(appeal, employee_id=None, department_id=sales, due_at=T0 + hour)
        overdue = a_reaction(appeal, employee_id=None, department_id=sales, due_at=T0 - hour)
        taken = a_reaction(appeal, employee_id=EmployeeId("petrov"), department_id=sales, due_at=T0)
        done = a_reaction(
            appeal, employee_id=None, department_id=sales, due_at=T0, done_at=T0 + hour
        )
        other = a_reaction(appeal, employee_id=None, department_id=client, due_at=T0)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.appeals.add(appeal)
            for reaction in (later, overdue, taken, done, other):
                uow.appeals.add_reaction(reaction)
        with storage.unit_of_work() as uow:
            assert uow.appeals.department_reactions(sales) == (overdue, later)
            assert uow.appeals.department_reactions(client) == (other,)
            assert uow.appeals.department_reactions(DepartmentId("nowhere")) == ()
            uow.appeals.update_reaction(attrs.evolve(overdue, employee_id=EmployeeId("petrov")))
            assert uow.appeals.department_reactions(sales) == (later,)


class StaffContract(_StoreContract):
    """The staff directory (``uow.staff``)."""

    def test_staff_round_trips(self, storage: Storage) -> None:
        staff = a_staff()
        with storage.unit_of_work() as uow:
            put_staff(uow, staff)
        with storage.unit_of_work() as uow:
            stored = uow.staff.directory()
        assert sorted(stored.departments, key=lambda x: x.id) == sorted(
            staff.departments, key=lambda x: x.id
        )
        assert sorted(stored.employees, key=lambda x: x.id) == sorted(
            staff.employees, key=lambda x: x.id
        )
        assert stored.absences == staff.absences
        assert stored.is_absent(EmployeeId("kuznetsova"), date(2025, 6, 23))

    def test_employee_needs_a_department_and_absence_an_employee(self, storage: Storage) -> None:
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.staff.put_employee(
                Employee(EmployeeId("x"), "Икс Икс", "Икс", DepartmentId("nowhere"))
            )
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.staff.add_absence(Absence(EmployeeId("ghost"), date(2025, 1, 1), date(2025, 1, 2)))
        with storage.unit_of_work() as uow:
            assert uow.staff.directory() == StaffDirectory()


class OutboxContract(_StoreContract):
    """Batch keys and the outbox (``uow.outbox``)."""

    def test_a_batch_key_is_recorded_once_and_only_on_commit(self, storage: Storage) -> None:
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            assert uow.outbox.record_key("billing:2025-06") is True
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.outbox.record_key("billing:2025-06") is True
        with storage.unit_of_work() as uow:
            assert uow.outbox.record_key("billing:2025-06") is False
            assert uow.outbox.record_key("billing:2025-07") is True

    def test_outbox_keeps_one_message_per_key_and_only_on_commit(self, storage: Storage) -> None:
        first = OutboxMessage.new("courier.pickup", {"n": 1}, key="pickup:P-1", now=T0)
        again = OutboxMessage.new("courier.pickup", {"n": 2}, key="pickup:P-1", now=T0)
        lost = OutboxMessage.new("calendar.publish", {}, now=T0)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.outbox.enqueue(lost)
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.outbox.enqueue(first) is True
            assert uow.outbox.enqueue(again) is False
        with storage.unit_of_work() as uow:
            assert uow.outbox.messages() == (first,)
            assert uow.outbox.messages(OutboxStatus.DELIVERED) == ()

    def test_outbox_claims_are_leased(self, storage: Storage) -> None:
        lease = timedelta(minutes=5)
        due = OutboxMessage.new("t", {"due": True}, now=T0)
        later = attrs.evolve(
            OutboxMessage.new("t", {"due": False}, now=T0), next_attempt_at=T0 + timedelta(hours=1)
        )
        with storage.unit_of_work() as uow:
            uow.outbox.enqueue(due)
            uow.outbox.enqueue(later)
        with storage.unit_of_work() as uow:
            (claimed,) = uow.outbox.claim(now=T0, lease=lease, limit=10)
        assert (claimed.id, claimed.attempts) == (due.id, 1)
        with storage.unit_of_work() as uow:  # held by the first worker
            assert uow.outbox.claim(now=T0 + timedelta(minutes=1), lease=lease, limit=10) == ()
        with storage.unit_of_work() as uow:  # the first worker died: its lease ran out
            (retaken,) = uow.outbox.claim(now=T0 + timedelta(minutes=6), lease=lease, limit=1)
        assert (retaken.id, retaken.attempts) == (due.id, 2)
        with storage.unit_of_work() as uow:  # the first worker is too late to finish
            assert uow.outbox.finish(after_success(claimed, now=T0)) is False
            assert uow.outbox.finish(after_success(retaken, now=T0 + timedelta(minutes=7)))
        with storage.unit_of_work() as uow:
            (done,) = uow.outbox.messages(OutboxStatus.DELIVERED)
            assert (done.id, done.attempts, done.delivered_at) == (
                due.id,
                2,
                T0 + timedelta(minutes=7),
            )
            assert uow.outbox.claim(now=T0 + timedelta(days=1), lease=lease, limit=10) == (
                attrs.evolve(later, attempts=1),
            )

    def test_a_failed_delivery_is_due_again_later(self, storage: Storage) -> None:
        policy = Policy(outbox_retry_delays=(timedelta(minutes=1),))
        message = OutboxMessage.new("t", {}, now=T0)
        lease = timedelta(minutes=5)
        with storage.unit_of_work() as uow:
            uow.outbox.enqueue(message)
        with storage.unit_of_work() as uow:
            (claimed,) = uow.outbox.claim(now=T0, lease=lease, limit=1)
            assert uow.outbox.finish(after_failure(claimed, "timeout", now=T0, policy=policy))
        with storage.unit_of_work() as uow:
            assert uow.outbox.claim(now=T0 + timedelta(seconds=30), lease=lease, limit=1) == ()
            (second,) = uow.outbox.claim(now=T0 + timedelta(minutes=1), lease=lease, limit=1)
            assert second.last_error == "timeout"
            assert uow.outbox.finish(after_failure(second, "500", now=T0, policy=policy))
        with storage.unit_of_work() as uow:
            (dead,) = uow.outbox.messages(OutboxStatus.DEAD)
            assert (dead.attempts, dead.last_error) == (2, "500")
            assert uow.outbox.claim(now=T0 + timedelta(days=9), lease=lease, limit=1) == ()

    def test_a_dead_message_is_revived_for_another_round(self, storage: Storage) -> None:
        policy = Policy(outbox_retry_delays=())
        message = OutboxMessage.new("t", {"n": 1}, now=T0)
        other = OutboxMessage.new("t", {"n": 2}, now=T0 + timedelta(seconds=1))
        lease = timedelta(minutes=5)
        with storage.unit_of_work() as uow:
            uow.outbox.enqueue(message)
            uow.outbox.enqueue(other)
        with storage.unit_of_work() as uow:
            (claimed,) = uow.outbox.claim(now=T0, lease=lease, limit=1)
            assert uow.outbox.finish(after_failure(claimed, "down", now=T0, policy=policy))
        later = T0 + timedelta(hours=1)
        with storage.unit_of_work() as uow:
            (dead,) = uow.outbox.messages(OutboxStatus.DEAD)
            again = attrs.evolve(
                dead, status=OutboxStatus.PENDING, attempts=0, next_attempt_at=later
            )
            pending = next(m for m in uow.outbox.messages() if m.id != dead.id)
            assert uow.outbox.revive(attrs.evolve(pending, attempts=0)) is False  # not dead
        with storage.unit_of_work() as uow:
            assert uow.outbox.revive(again) is True
            assert uow.outbox.revive(again) is False  # no longer dead
        with storage.unit_of_work() as uow:
            assert uow.outbox.messages(OutboxStatus.DEAD) == ()
            (first,) = uow.outbox.claim(now=later - timedelta(seconds=1), lease=lease, limit=5)
            assert first.id == other.id  # the revived one is due only from ``later``
            (revived,) = uow.outbox.claim(now=later, lease=lease, limit=5)
            assert (revived.id, revived.attempts, revived.last_error) == (message.id, 1, "down")

    def test_calendar_publications_are_kept_per_manager_and_event(self, storage: Storage) -> None:
        first = {"sequence": 0, "digest": "d0", "cancelled": False}
        with storage.unit_of_work() as uow:
            uow.outbox.record_publication("anna", "u1@x", first)
            uow.outbox.record_publication("anna", "u2@x", first)
            uow.outbox.record_publication("petrov", "u1@x", first)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.outbox.record_publication("anna", "u1@x", {**first, "sequence": 1})
            uow.outbox.record_publication("anna", "u3@x", first)
            raise _Boom
        with storage.unit_of_work() as uow:
            uow.outbox.record_publication("anna", "u2@x", {**first, "cancelled": True})
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.outbox.publications("anna") == {
                "u1@x": first,
                "u2@x": {**first, "cancelled": True},
            }
            assert uow.outbox.publications("petrov") == {"u1@x": first}
            assert uow.outbox.publications("nobody") == {}

    def test_the_outbox_is_listed_whole_or_after_a_message(self, storage: Storage) -> None:
        # more messages than a page, and more than the 1,000 once returned at most
        messages = [
            attrs.evolve(
                OutboxMessage.new("t", {"n": n}, now=T0),
                next_attempt_at=T0 if n % 3 == 0 else T0 + timedelta(hours=1),
            )
            for n in range(1003)
        ]
        with storage.unit_of_work() as uow:
            for message in messages:
                uow.outbox.enqueue(message)
        with storage.unit_of_work() as uow:  # every third one delivered
            claimed = uow.outbox.claim(now=T0, lease=timedelta(minutes=5), limit=1003)
            for message in claimed:
                assert uow.outbox.finish(after_success(message, now=T0))
        with storage.unit_of_work() as uow:
            assert [m.id for m in uow.outbox.messages()] == [m.id for m in messages]
            delivered = [m.id for m in messages[::3]]
            assert [m.id for m in uow.outbox.messages(OutboxStatus.DELIVERED)] == delivered
            assert [m.id for m in uow.outbox.messages(after=messages[1].id, limit=2)] == [
                messages[2].id,
                messages[3].id,
            ]
            assert [m.id for m in uow.outbox.messages(OutboxStatus.PENDING, limit=3)] == [
                messages[1].id,
                messages[2].id,
                messages[4].id,
            ]
            paged: list[str] = []
            after = None
            while page := uow.outbox.messages(OutboxStatus.DELIVERED, after=after, limit=100):
                paged.extend(m.id for m in page)
                after = page[-1].id
            assert paged == delivered
            assert uow.outbox.messages(after=messages[-1].id) == ()
            with pytest.raises(NotFoundError):
                uow.outbox.messages(after="no-such-message")

    def test_a_read_only_unit_of_work_refuses_a_batch_key(self, storage: Storage) -> None:
        writes: list[Callable[[UnitOfWork], object]] = [
            lambda uow: uow.outbox.record_key("batch-1"),
            lambda uow: uow.outbox.enqueue(
                OutboxMessage.new("courier.pickup", {}, key="k-1", now=T0)
            ),
        ]
        for write in writes:
            with storage.unit_of_work(readonly=True) as uow:
                with pytest.raises(StorageError, match="read-only") as err:
                    write(uow)
                assert (err.value.backend, err.value.operation) == (storage.name, "write")
        with storage.unit_of_work() as uow:  # nothing was written; writes work again
            assert uow.outbox.record_key("batch-1")
            assert uow.outbox.messages() == ()


class OnboardingContract(_StoreContract):
    """Onboardings (``uow.onboarding``)."""

    def test_onboarding_round_trips(self, storage: Storage) -> None:
        card = a_client()
        onboarding = _a_full_onboarding(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.onboarding.add(onboarding)
            assert uow.onboarding.get(onboarding.id) == onboarding  # reads its own writes
        with storage.unit_of_work() as uow:
            stored = uow.onboarding.get(onboarding.id)
            assert uow.onboarding.of_client(card.id) == (onboarding,)
        assert stored == onboarding
        assert stored.record(OnboardingStep.CHECK_FOLDER).done_at == datetime(
            2025, 6, 23, 8, 30, tzinfo=UTC
        )

    def test_onboarding_needs_its_client(self, storage: Storage) -> None:
        card = a_client()
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.onboarding.add(an_onboarding(card))
        assert (err.value.kind, err.value.key) == ("client", card.id)

    def test_missing_onboarding_is_not_found(self, storage: Storage) -> None:
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.onboarding.get(OnboardingId("nobody"))
        assert (err.value.kind, err.value.key) == ("onboarding", "nobody")
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.onboarding.update(an_onboarding(card, id=OnboardingId("ghost")))
        assert (err.value.kind, err.value.key) == ("onboarding", "ghost")

    def test_same_onboarding_id_twice_is_a_duplicate(self, storage: Storage) -> None:
        card = a_client()
        onboarding = an_onboarding(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.onboarding.add(onboarding)
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.onboarding.add(attrs.evolve(onboarding, email="other@romashka.ru"))
        assert (err.value.kind, err.value.key) == ("onboarding", onboarding.id)
        with storage.unit_of_work() as uow:
            assert uow.onboarding.get(onboarding.id) == onboarding

    def test_onboarding_update_bumps_version_and_stale_is_a_conflict(
        self, storage: Storage
    ) -> None:
        card = a_client()
        onboarding = an_onboarding(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.onboarding.add(onboarding)
        changed = attrs.evolve(onboarding, email="info@romashka.ru")
        with storage.unit_of_work() as uow:
            stored = uow.onboarding.update(changed)
            assert uow.onboarding.get(onboarding.id) == stored
        assert stored == attrs.evolve(changed, version=1)
        with pytest.raises(ConflictError) as err, storage.unit_of_work() as uow:
            uow.onboarding.update(attrs.evolve(onboarding, email="stale@romashka.ru"))
        assert (err.value.kind, err.value.key) == ("onboarding", onboarding.id)
        assert (err.value.expected, err.value.found) == (0, 1)
        with storage.unit_of_work() as uow:
            again = uow.onboarding.update(_finished(stored))
        assert again.version == 2
        with storage.unit_of_work() as uow:
            assert uow.onboarding.get(onboarding.id) == again
            assert uow.onboarding.of_client(card.id) == (again,)

    def test_onboardings_of_a_client_oldest_first(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        first = an_onboarding(card, started_at=T0 + timedelta(days=1))
        theirs = an_onboarding(other)
        second = an_onboarding(card, started_at=T0)  # stored later, whatever it says
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            for onboarding in (first, theirs, second):
                uow.onboarding.add(onboarding)
        with storage.unit_of_work() as uow:
            assert uow.onboarding.of_client(card.id) == (first, second)
            assert uow.onboarding.of_client(other.id) == (theirs,)
            assert uow.onboarding.of_client(ClientId("nobody")) == ()

    def test_open_onboardings_are_a_managers_unfinished_ones(self, storage: Storage) -> None:
        card = a_client()
        anna, petrov = EmployeeId("anna"), EmployeeId("petrov")
        first = an_onboarding(card)
        done = _finished(an_onboarding(card))
        partly = _a_full_onboarding(card)  # some steps closed, others open
        others = an_onboarding(card, manager_id=petrov)
        assert done.finished
        assert not partly.finished
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            for onboarding in (first, done, partly, others):
                uow.onboarding.add(onboarding)
        with storage.unit_of_work() as uow:
            assert uow.onboarding.open(anna) == (first, partly)
            assert uow.onboarding.open(petrov) == (others,)
            assert uow.onboarding.open(EmployeeId("nobody")) == ()
        with storage.unit_of_work() as uow:  # the first is finished, the other handed over
            finished = uow.onboarding.update(_finished(first))
            handed = uow.onboarding.update(attrs.evolve(others, manager_id=anna))
            assert uow.onboarding.open(anna) == (partly, handed)
        with storage.unit_of_work() as uow:
            assert uow.onboarding.open(anna) == (partly, handed)
            assert uow.onboarding.open(petrov) == ()
            assert uow.onboarding.get(first.id) == finished

    def test_failed_unit_of_work_stores_no_onboarding(self, storage: Storage) -> None:
        card = a_client()
        stored = an_onboarding(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.onboarding.add(stored)
        lost = an_onboarding(card)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.onboarding.add(lost)
            uow.onboarding.update(_finished(stored))
            assert uow.onboarding.open(EmployeeId("anna")) == (lost,)
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.onboarding.of_client(card.id) == (stored,)
            assert uow.onboarding.open(EmployeeId("anna")) == (stored,)
            with pytest.raises(NotFoundError):
                uow.onboarding.get(lost.id)


class OrdersContract(_StoreContract):
    """Orders (``uow.orders``)."""

    def test_order_round_trips(self, storage: Storage) -> None:
        card = a_client()
        closed = _a_closed_order(card)
        repeat = repeat_order(
            closed,
            new_id=OrderId(new_id()),
            number=f"{closed.number}-П",
            now=closed.history[-1].at + timedelta(days=1),
            by=EmployeeId("anna"),
            policy=OrderPolicy(),
            changes={"quantity": 1000},
        )
        assert repeat.special_conditions is not None
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.orders.add(closed)
            uow.orders.add(repeat)
            assert uow.orders.get(closed.id) == closed  # reads its own writes
        with storage.unit_of_work() as uow:
            assert uow.orders.get(closed.id) == closed
            assert uow.orders.get(repeat.id) == repeat
            assert uow.orders.find(repeat.number) == repeat
            assert uow.orders.of_client(card.id) == (closed, repeat)

    def test_order_needs_its_client(self, storage: Storage) -> None:
        card = a_client()
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.orders.add(an_order(card))
        assert (err.value.kind, err.value.key) == ("client", card.id)

    def test_missing_order_is_not_found(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            with pytest.raises(NotFoundError) as err:
                uow.orders.get(OrderId("nobody"))
            assert (err.value.kind, err.value.key) == ("order", "nobody")
            assert uow.orders.find("З-нет") is None
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.orders.update(an_order(card, id=OrderId("ghost")))
        assert (err.value.kind, err.value.key) == ("order", "ghost")

    def test_same_order_id_twice_is_a_duplicate(self, storage: Storage) -> None:
        card = a_client()
        order = an_order(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.orders.add(order)
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.orders.add(order)
        assert (err.value.kind, err.value.key) == ("order", order.id)
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.orders.add(attrs.evolve(order, number="З-другой"))
        assert (err.value.kind, err.value.key) == ("order", order.id)
        with storage.unit_of_work() as uow:
            assert uow.orders.of_client(card.id) == (order,)
            assert uow.orders.find("З-другой") is None

    def test_an_order_number_belongs_to_one_order(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        first = an_order(card, number="З-101")
        second = an_order(other, number="З-102")
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            uow.orders.add(first)
            uow.orders.add(second)
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.orders.add(an_order(other, number="З-101"))
        assert (err.value.kind, err.value.key, err.value.owner) == (
            "order number",
            "З-101",
            first.id,
        )
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.orders.update(attrs.evolve(second, number="З-101"))
        assert (err.value.kind, err.value.owner) == ("order number", first.id)
        with storage.unit_of_work() as uow:  # renumbered: the old number is free again
            renumbered = uow.orders.update(attrs.evolve(second, number="З-102/1"))
            uow.orders.add(an_order(card, number="З-102"))
        with storage.unit_of_work() as uow:
            assert uow.orders.find("З-101") == first
            assert uow.orders.find("З-102/1") == renumbered
            assert uow.orders.find("З-102") is not None
            assert [o.number for o in uow.orders.of_client(card.id)] == ["З-101", "З-102"]

    def test_order_update_bumps_version_and_reindexes_the_stage(self, storage: Storage) -> None:
        card = a_client()
        order = an_order(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.orders.add(order)
        quoted = _walk(order, *_TO_QUOTED)
        with storage.unit_of_work() as uow:
            stored = uow.orders.update(quoted)
            assert uow.orders.get(order.id) == stored  # reads its own writes
            assert uow.orders.in_stages([OrderStage.SUPPLIER_QUOTED]) == (stored,)
        assert stored == attrs.evolve(quoted, version=1)
        with storage.unit_of_work() as uow:
            assert uow.orders.get(order.id) == stored
            assert uow.orders.find(order.number) == stored
            assert uow.orders.in_stages([OrderStage.PRELIMINARY_REQUEST]) == ()
            assert uow.orders.in_stages([OrderStage.SUPPLIER_QUOTED]) == (stored,)

    def test_an_order_moved_to_a_missing_client_is_not_found(self, storage: Storage) -> None:
        card = a_client()
        order = an_order(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.orders.add(order)
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.orders.update(attrs.evolve(order, client_id=ClientId("nobody")))
        assert (err.value.kind, err.value.key) == ("client", "nobody")
        with storage.unit_of_work() as uow:
            assert uow.orders.get(order.id) == order

    def test_stale_order_update_is_a_conflict(self, storage: Storage) -> None:
        card = a_client()
        order = an_order(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.orders.add(order)
        with storage.unit_of_work() as uow:
            stored = uow.orders.update(_walk(order, ApproveRequest()))
        with pytest.raises(ConflictError) as err, storage.unit_of_work() as uow:
            uow.orders.update(_walk(order, ApproveRequest(note="ещё раз")))
        assert (err.value.kind, err.value.key) == ("order", order.id)
        assert (err.value.expected, err.value.found) == (0, 1)
        with storage.unit_of_work() as uow:
            assert uow.orders.get(order.id) == stored
            assert uow.orders.update(_walk(stored, SendToSupplier("Альфа"))).version == 2

    def test_orders_of_a_client_oldest_first(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        first = an_order(card, now=T0 + timedelta(days=1))
        theirs = an_order(other)
        second = an_order(card, now=T0)  # stored later, whatever it says
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            for order in (first, theirs, second):
                uow.orders.add(order)
        with storage.unit_of_work() as uow:
            uow.orders.update(_walk(first, ApproveRequest()))  # an update keeps the place
        with storage.unit_of_work() as uow:
            assert [o.id for o in uow.orders.of_client(card.id)] == [first.id, second.id]
            assert uow.orders.of_client(other.id) == (theirs,)
            assert uow.orders.of_client(ClientId("nobody")) == ()

    def test_open_orders_and_orders_by_stage(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        new = an_order(card)
        closed = _a_closed_order(card)
        approved = _walk(an_order(other), ApproveRequest())
        quoted = _walk(an_order(card), *_TO_QUOTED)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            for order in (new, closed, approved, quoted):
                uow.orders.add(order)
        with storage.unit_of_work() as uow:
            assert uow.orders.open() == (new, approved, quoted)
            assert uow.orders.in_stages([OrderStage.CLOSED]) == (closed,)
            assert uow.orders.in_stages(
                {OrderStage.SUPPLIER_QUOTED, OrderStage.PRELIMINARY_REQUEST}
            ) == (new, quoted)
            assert uow.orders.in_stages(iter([OrderStage.APPROVED_BY_CLIENT])) == (approved,)
            assert uow.orders.in_stages([OrderStage.SHIPPED]) == ()
            assert uow.orders.in_stages([]) == ()
        with storage.unit_of_work() as uow:  # the agenda follows the stage
            moved = uow.orders.update(_walk(new, ApproveRequest()))
        with storage.unit_of_work() as uow:
            assert uow.orders.open() == (moved, approved, quoted)
            assert uow.orders.in_stages([OrderStage.APPROVED_BY_CLIENT]) == (moved, approved)
            assert uow.orders.in_stages([OrderStage.PRELIMINARY_REQUEST]) == ()

    def test_failed_unit_of_work_stores_no_order(self, storage: Storage) -> None:
        card = a_client()
        stored = an_order(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.orders.add(stored)
        lost = an_order(card)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.orders.add(lost)
            uow.orders.update(_walk(stored, ApproveRequest()))
            assert uow.orders.find(lost.number) == lost
            assert uow.orders.in_stages([OrderStage.APPROVED_BY_CLIENT]) != ()
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.orders.of_client(card.id) == (stored,)
            assert uow.orders.open() == (stored,)
            assert uow.orders.find(lost.number) is None
            assert uow.orders.in_stages([OrderStage.APPROVED_BY_CLIENT]) == ()
            uow.orders.add(lost)  # its id and number are free


class CallsContract(_StoreContract):
    """The call log (``uow.calls``)."""

    def test_call_round_trips_with_its_events(self, storage: Storage) -> None:
        card = a_client()
        entry = a_call(client=card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.calls.add(entry)
        with storage.unit_of_work() as uow:
            stored = uow.calls.find(entry.call_id)
            assert stored == entry
            assert stored is not None
            assert stored.events == entry.events
            assert uow.calls.find("no-such-call") is None

    def test_same_call_twice_is_a_duplicate(self, storage: Storage) -> None:
        entry = a_call()
        with storage.unit_of_work() as uow:
            uow.calls.add(entry)
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.calls.add(a_call(call_id=entry.call_id, at=T0 + timedelta(hours=1)))
        assert (err.value.kind, err.value.key) == ("call", entry.call_id)
        with storage.unit_of_work() as uow:
            assert uow.calls.find(entry.call_id) == entry

    def test_call_linked_to_a_missing_client_is_not_found(self, storage: Storage) -> None:
        ghost = a_client()
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.calls.add(a_call(client=ghost))
        assert (err.value.kind, err.value.key) == ("client", ghost.id)
        entry = a_call()
        with storage.unit_of_work() as uow:
            uow.calls.add(entry)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.calls.update(attrs.evolve(entry, client_id=ghost.id))
        with storage.unit_of_work() as uow:
            assert uow.calls.find(entry.call_id) == entry

    def test_call_update_bumps_version_and_stale_one_conflicts(self, storage: Storage) -> None:
        card = a_client()
        entry = a_call(status=None)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.calls.add(entry)
        ended = apply_event(
            entry,
            CallEnded(
                call_id=entry.call_id,
                at=T0 + timedelta(minutes=2),
                status=CallStatus.ANSWERED,
                duration_seconds=120,
            ),
        )
        with storage.unit_of_work() as uow:
            stored = uow.calls.update(attrs.evolve(ended, client_id=card.id))
        assert stored.version == 1
        with pytest.raises(ConflictError) as err, storage.unit_of_work() as uow:
            uow.calls.update(ended)
        assert (err.value.kind, err.value.expected, err.value.found) == ("call", 0, 1)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.calls.update(a_call())
        with storage.unit_of_work() as uow:
            assert uow.calls.find(entry.call_id) == stored
            assert uow.calls.of_client(card.id) == (stored,)

    def test_calls_between_and_of_a_client_by_time(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        late = a_call(at=T0 + timedelta(hours=2), client=card)
        early = a_call(at=T0, client=card)
        theirs = a_call(at=T0 + timedelta(hours=1), client=other)
        next_day = a_call(at=T0 + timedelta(days=1))
        timeless = build_call_log([CallRecorded(call_id="rec-only", recording="r.wav")])[0]
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            for entry in (late, early, theirs, next_day, timeless):
                uow.calls.add(entry)
            uow.calls.update(attrs.evolve(timeless, client_id=card.id))
        with storage.unit_of_work() as uow:
            day = uow.calls.between(T0, T0 + timedelta(days=1))
            assert [e.call_id for e in day] == [early.call_id, theirs.call_id, late.call_id]
            moscow = timezone(timedelta(hours=3))
            assert uow.calls.between(
                T0.astimezone(moscow) + timedelta(hours=1), T0 + timedelta(hours=2)
            ) == (theirs,)
            assert uow.calls.between(T0 + timedelta(days=3), T0 + timedelta(days=4)) == ()
            assert [e.call_id for e in uow.calls.of_client(card.id)] == [
                early.call_id,
                late.call_id,
                "rec-only",
            ]
            assert uow.calls.of_client(ClientId("nobody")) == ()


class BillingContract(_StoreContract):
    """Billing: subscriptions, invoices and their number sequences, payments, allocations,
    credits and supplier bills (``uow.subscriptions``, ``uow.invoices``, ``uow.payments``)."""

    def test_billing_records_round_trip(self, storage: Storage) -> None:
        card = a_client()
        omsk = timezone(timedelta(hours=6))
        subscription = a_subscription(
            card,
            end=date(2026, 12, 31),
            pauses=(Pause(date(2025, 8, 1), date(2025, 8, 31), "отпуск клиента"),),
            fee_changes=(FeeChange(date(2026, 1, 1), Money("13500.50")),),
            payer_inn="7701234567",
        )
        invoice = an_invoice(
            card,
            period=Month(2025, 7),
            lines=(
                InvoiceLine("Абонентское обслуживание", "мес.", 1, Money("12000")),
                InvoiceLine("Выезд инженера", "ч", Decimal("1.5"), Money("1333.33")),
            ),
            vat_rate=Decimal(22),
            vat_included=False,
            subscription_id=subscription.id,
            payer_inn="7701234567",
            status=InvoiceStatus.PARTLY_PAID,
            paid=Money("5000.00"),
            corrects=InvoiceId("replaced"),
            corrects_number="2025-00003",
            duplicates=(
                DuplicateSent(datetime(2025, 7, 20, 9, 30, tzinfo=omsk), "info@romashka.ru", _ANNA),
            ),
        )
        untaxed = an_invoice(card, vat_rate=None)
        payment = a_payment(
            card,
            source=PaymentSource("ab" * 32, line=12, number="481"),
            invoice_number=invoice.number,
        )
        allocation = an_allocation(payment, invoice, amount=Money("5000.00"))
        credit = a_credit(card, payment_id=payment.id, invoice_id=invoice.id)
        bill = set_payment_task(
            enter_into_payment_plan(
                a_supplier_bill(supplier_inn="5501234567"),
                number="Т-17",
                amount=Money("48500.00"),
                due_date=date(2025, 6, 30),
                on=date(2025, 6, 17),
            ),
            assignee=EmployeeId("buh"),
            on=date(2025, 6, 18),
        )
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.subscriptions.add(subscription)
            uow.invoices.add(invoice)
            uow.invoices.add(untaxed)
            uow.payments.add(payment)
            uow.payments.add_allocation(allocation)
            uow.payments.add_credit(credit)
            uow.payments.add_supplier_bill(bill)
            assert uow.invoices.get(invoice.id) == invoice  # reads its own writes
            assert uow.payments.allocations_of(card.id) == (allocation,)
        with storage.unit_of_work() as uow:
            stored = uow.invoices.get(invoice.id)
            assert uow.subscriptions.get(subscription.id) == subscription
            assert uow.invoices.get(untaxed.id) == untaxed
            assert uow.payments.find(payment.id) == payment
            assert uow.payments.allocations_of(card.id) == (allocation,)
            assert uow.payments.credits(card.id) == (credit,)
            assert uow.payments.get_supplier_bill(bill.id) == bill
        assert stored == invoice
        assert (stored.period, stored.status, stored.total) == (
            Month(2025, 7),
            InvoiceStatus.PARTLY_PAID,
            Money("17080.00"),
        )
        assert stored.duplicates[0].at == datetime(2025, 7, 20, 3, 30, tzinfo=UTC)

    def test_missing_billing_records_are_not_found(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            with pytest.raises(NotFoundError) as err:
                uow.subscriptions.get(SubscriptionId("nobody"))
            assert (err.value.kind, err.value.key) == ("subscription", "nobody")
            with pytest.raises(NotFoundError) as err:
                uow.invoices.get(InvoiceId("nobody"))
            assert (err.value.kind, err.value.key) == ("invoice", "nobody")
            with pytest.raises(NotFoundError) as err:
                uow.payments.get_supplier_bill(SupplierBillId("nobody"))
            assert (err.value.kind, err.value.key) == ("supplier bill", "nobody")
            assert uow.invoices.find("2025-00001") is None
            assert uow.payments.find(PaymentId("nobody")) is None
            assert uow.subscriptions.all() == ()
            assert uow.invoices.open() == ()
            assert uow.payments.unmatched() == ()
            assert uow.payments.credits() == ()
            assert uow.payments.supplier_bills() == ()

    def test_billing_records_need_their_client(self, storage: Storage) -> None:
        ghost = a_client()
        for add, record in (
            ("subscriptions.add", a_subscription(ghost)),
            ("invoices.add", an_invoice(ghost)),
            ("payments.add", a_payment(ghost)),
        ):
            with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
                _method(uow, add)(record)
            assert (err.value.kind, err.value.key) == ("client", ghost.id), add
        card = a_client()
        subscription, payment = a_subscription(card), a_payment()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.subscriptions.add(subscription)
            uow.payments.add(payment)
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.payments.update(attrs.evolve(payment, client_id=ghost.id))
        assert (err.value.kind, err.value.key) == ("client", ghost.id)
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.subscriptions.update(attrs.evolve(subscription, client_id=ghost.id))
        assert (err.value.kind, err.value.key) == ("client", ghost.id)
        with storage.unit_of_work() as uow:
            assert uow.subscriptions.all() == (subscription,)
            assert uow.invoices.of_client(ghost.id) == ()
            assert uow.payments.unmatched() == (payment,)

    def test_same_billing_id_twice_is_a_duplicate(self, storage: Storage) -> None:
        card = a_client()
        subscription, invoice = a_subscription(card), an_invoice(card)
        payment, bill = a_payment(), a_supplier_bill()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.subscriptions.add(subscription)
            uow.invoices.add(invoice)
            uow.payments.add(payment)
            uow.payments.add_supplier_bill(bill)
        again: list[tuple[str, Any, str]] = [
            ("subscriptions.add", attrs.evolve(subscription, fee=Money(1)), "subscription"),
            ("invoices.add", attrs.evolve(invoice, number="Другой-1"), "invoice"),
            ("payments.add", a_payment(card, id=payment.id), "payment"),
            ("payments.add_supplier_bill", a_supplier_bill(id=bill.id), "supplier bill"),
        ]
        for add, record, kind in again:
            with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
                _method(uow, add)(record)
            assert (err.value.kind, err.value.key) == (kind, record.id)
        with storage.unit_of_work() as uow:
            assert uow.subscriptions.all() == (subscription,)
            assert uow.invoices.of_client(card.id) == (invoice,)
            assert uow.invoices.find("Другой-1") is None
            assert uow.payments.unmatched() == (payment,)
            assert uow.payments.of_client(card.id) == ()
            assert uow.payments.supplier_bills() == (bill,)

    def test_an_invoice_number_belongs_to_one_invoice(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        first = an_invoice(card, number="С-077")  # Cyrillic С
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            uow.invoices.add(first)
        for written in ("С-077", "c-77", "C - 077", "с-0077"):  # Latin c and C, zeros, spaces
            with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
                uow.invoices.add(an_invoice(other, number=written))
            assert (err.value.kind, err.value.key, err.value.owner) == (
                "invoice number",
                written,
                first.id,
            )
        second = an_invoice(other, number="С-078")
        with storage.unit_of_work() as uow:
            uow.invoices.add(second)
        with storage.unit_of_work() as uow:
            assert uow.invoices.find("c-77") == first
            assert uow.invoices.find("С-077") == first
            assert uow.invoices.find("c-078") == second
            assert uow.invoices.find("С-079") is None
            assert uow.invoices.of_client(other.id) == (second,)
        with storage.unit_of_work() as uow:  # dictated: a space, an em dash, «№»
            assert uow.invoices.find("с 77") == first
            assert uow.invoices.find("№ С—077") == first

    def test_billing_updates_bump_the_version_and_stale_ones_conflict(
        self, storage: Storage
    ) -> None:
        card = a_client()
        subscription, invoice = a_subscription(card), an_invoice(card)
        payment, bill = a_payment(), a_supplier_bill()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.subscriptions.add(subscription)
            uow.invoices.add(invoice)
            uow.payments.add(payment)
            uow.payments.add_supplier_bill(bill)
        changes: list[tuple[str, Any, Any, str]] = [
            (
                "subscription",
                subscription.change_fee(date(2025, 9, 1), Money("15000")),
                attrs.evolve(subscription, end=date(2025, 12, 31)),
                "subscriptions.get",
            ),
            (
                "invoice",
                attrs.evolve(invoice, status=InvoiceStatus.PAID, paid=invoice.total),
                attrs.evolve(invoice, status=InvoiceStatus.CANCELLED),
                "invoices.get",
            ),
            ("payment", attrs.evolve(payment, client_id=card.id), payment, "payments.find"),
            (
                "supplier bill",
                attrs.evolve(bill, note="срочно"),
                attrs.evolve(bill, note="устарело"),
                "payments.get_supplier_bill",
            ),
        ]
        method = {
            "subscription": "subscriptions.update",
            "invoice": "invoices.update",
            "payment": "payments.update",
            "supplier bill": "payments.update_supplier_bill",
        }
        for kind, changed, stale, get in changes:
            with storage.unit_of_work() as uow:
                stored = _method(uow, method[kind])(changed)
                assert _method(uow, get)(changed.id) == stored  # reads its own writes
            assert stored == attrs.evolve(changed, version=1), kind
            with pytest.raises(ConflictError) as err, storage.unit_of_work() as uow:
                _method(uow, method[kind])(stale)
            assert (err.value.kind, err.value.key) == (kind, changed.id)
            assert (err.value.expected, err.value.found) == (0, 1)
            with storage.unit_of_work() as uow:
                assert _method(uow, get)(changed.id) == stored
                assert _method(uow, method[kind])(stored).version == 2
        for kind, record in (
            ("subscription", a_subscription(card)),
            ("invoice", an_invoice(card)),
            ("payment", a_payment()),
            ("supplier bill", a_supplier_bill()),
        ):
            with pytest.raises(NotFoundError) as missing, storage.unit_of_work() as uow:
                _method(uow, method[kind])(record)
            assert (missing.value.kind, missing.value.key) == (kind, record.id)

    def test_subscriptions_oldest_first(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        # made in another order than stored (ids sort by creation): the stored order counts
        handed = a_subscription(card)
        second = a_subscription(card, start=date(2024, 1, 1))  # stored later, whatever it says
        theirs = a_subscription(other)
        first = a_subscription(card, start=date(2025, 6, 1))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            for subscription in (first, theirs, second, handed):
                uow.subscriptions.add(subscription)
        with storage.unit_of_work() as uow:  # an update keeps the place
            moved = uow.subscriptions.update(attrs.evolve(first, end=date(2025, 12, 31)))
            given = uow.subscriptions.update(attrs.evolve(handed, client_id=other.id))
        with storage.unit_of_work() as uow:
            assert uow.subscriptions.of_client(card.id) == (moved, second)
            assert uow.subscriptions.of_client(other.id) == (theirs, given)
            assert uow.subscriptions.of_client(ClientId("nobody")) == ()
            assert uow.subscriptions.all() == (moved, theirs, second, given)

    def test_invoices_of_a_client_and_of_a_period_oldest_first(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        # made in another order than stored (ids and numbers sort by creation)
        early = an_invoice(card, issue_date=date(2025, 6, 1))
        july = an_invoice(card, period=Month(2025, 7), issue_date=date(2025, 7, 15))
        theirs = an_invoice(other)
        june = an_invoice(card, issue_date=date(2025, 6, 20))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            for invoice in (june, theirs, july, early):
                uow.invoices.add(invoice)
        with storage.unit_of_work() as uow:  # an update keeps the place
            paid = uow.invoices.update(
                attrs.evolve(june, status=InvoiceStatus.PAID, paid=june.total)
            )
        with storage.unit_of_work() as uow:
            assert uow.invoices.of_client(card.id) == (paid, july, early)
            assert uow.invoices.of_client(other.id) == (theirs,)
            assert uow.invoices.of_client(ClientId("nobody")) == ()
            assert uow.invoices.for_period(Month(2025, 6)) == (paid, theirs, early)
            assert uow.invoices.for_period(Month(2025, 7)) == (july,)
            assert uow.invoices.for_period(Month(2026, 6)) == ()

    def test_billed_invoices_of_a_period_without_their_lines(self, storage: Storage) -> None:
        card = a_client()
        sub = SubscriptionId("s-billed")
        two_lines = (
            InvoiceLine("Обслуживание", "мес.", 1, Money("1000.10")),
            InvoiceLine("Выезд", "шт.", Decimal("1.5"), Money("333.33")),
        )
        on_top = an_invoice(card, subscription_id=sub, lines=two_lines, vat_included=False)
        no_vat = an_invoice(card, subscription_id=sub, vat_rate=None, issue_date=date(2025, 6, 1))
        one_off = an_invoice(card)  # no subscription: not billed by a run
        july = an_invoice(card, subscription_id=sub, period=Month(2025, 7))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            for invoice in (on_top, one_off, no_vat, july):
                uow.invoices.add(invoice)
        with storage.unit_of_work() as uow:
            paid = uow.invoices.update(
                attrs.evolve(no_vat, status=InvoiceStatus.PAID, paid=no_vat.total)
            )
        with storage.unit_of_work() as uow:
            billed = uow.invoices.billed(Month(2025, 6))
            assert uow.invoices.billed(Month(2026, 6)) == ()
        assert billed == (BilledInvoice.of(on_top), BilledInvoice.of(paid))
        assert billed[0].total == on_top.total == Money("1800.12")  # (1000.10 + 500.00) × 1.2
        assert (billed[1].status, billed[1].vat_rate) == (InvoiceStatus.PAID, None)

    def test_payers_are_the_cards_names_and_inns(self, storage: Storage) -> None:
        card, plain = a_client(inn="7701234567"), a_client(name="ИП Петров", inn=None)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(plain)
        with storage.unit_of_work() as uow:
            assert uow.subscriptions.payers([card.id, plain.id, card.id, ClientId("x")]) == {
                card.id: (card.name, "7701234567"),
                plain.id: ("ИП Петров", None),
            }
            assert uow.subscriptions.payers([]) == {}

    def test_open_invoices_follow_the_status(self, storage: Storage) -> None:
        card = a_client()
        later = an_invoice(card)  # made first, stored last
        issued = an_invoice(card)
        paid = an_invoice(card, status=InvoiceStatus.PAID, paid=Money("12000.00"))
        partly = an_invoice(card, status=InvoiceStatus.PARTLY_PAID, paid=Money("100"))
        cancelled = an_invoice(card, status=InvoiceStatus.CANCELLED)
        corrected = an_invoice(
            card, status=InvoiceStatus.CORRECTED, corrected_by=InvoiceId("correction")
        )
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            for invoice in (issued, paid, partly, cancelled, corrected, later):
                uow.invoices.add(invoice)
        with storage.unit_of_work() as uow:
            assert uow.invoices.open() == (issued, partly, later)
        with storage.unit_of_work() as uow:
            partly_paid = uow.invoices.update(
                attrs.evolve(issued, status=InvoiceStatus.PARTLY_PAID, paid=Money("1.00"))
            )
            settled = uow.invoices.update(
                attrs.evolve(partly, status=InvoiceStatus.PAID, paid=partly.total)
            )
            assert uow.invoices.open() == (partly_paid, later)  # reads its own writes
        with storage.unit_of_work() as uow:
            assert uow.invoices.open() == (partly_paid, later)
            assert uow.invoices.get(partly.id) == settled
            reopened = uow.invoices.update(
                attrs.evolve(settled, status=InvoiceStatus.ISSUED, paid=Money(0))
            )
        with storage.unit_of_work() as uow:
            assert uow.invoices.open() == (partly_paid, reopened, later)

    def test_invoice_numbers_of_a_year_by_issue_date(self, storage: Storage) -> None:
        card = a_client()
        invoices = [
            an_invoice(card, number="2024-00099", issue_date=date(2024, 12, 31)),
            an_invoice(card, number="2025-00001", issue_date=date(2025, 1, 1)),
            an_invoice(card, number="С-077", issue_date=date(2025, 6, 13)),
            an_invoice(card, number="2025-00002", issue_date=date(2025, 12, 31)),
            # numbered last year, issued this one: the issue date counts
            an_invoice(card, number="2025-00003", issue_date=date(2026, 1, 9)),
        ]
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            for invoice in invoices:
                uow.invoices.add(invoice)
        with storage.unit_of_work() as uow:
            assert sorted(uow.invoices.numbers(2025)) == ["2025-00001", "2025-00002", "С-077"]
            assert uow.invoices.numbers(2026) == ("2025-00003",)
            assert uow.invoices.numbers(2024) == ("2024-00099",)
            assert uow.invoices.numbers(2023) == ()

    def test_invoice_numbers_from_a_prefix_whatever_their_issue_date(
        self, storage: Storage
    ) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            for number, day in (
                ("2026-00001", date(2025, 12, 20)),  # numbered by hand in the next year's
                ("2026-00002", date(2026, 1, 15)),
                ("12026-00003", date(2026, 1, 15)),
                ("2025-00009", date(2026, 1, 9)),
                ("С-077", date(2026, 2, 1)),
            ):
                uow.invoices.add(an_invoice(card, number=number, issue_date=day))
        with storage.unit_of_work() as uow:
            assert sorted(uow.invoices.numbers_from("2026-")) == ["2026-00001", "2026-00002"]
            assert uow.invoices.numbers_from("2027-") == ()
            assert uow.invoices.numbers_from("С-") == ("С-077",)
            assert len(uow.invoices.numbers_from("")) == 5

    def test_a_number_sequence_is_kept_and_rolled_back_with_its_unit_of_work(
        self, storage: Storage
    ) -> None:
        with storage.unit_of_work() as uow:
            assert uow.invoices.sequence("invoice 2026 {year}-{seq:05d}") is None
            assert uow.invoices.sequence("invoice 2026 {year}-{seq:05d}", lock=False) is None
            uow.invoices.set_sequence("invoice 2026 {year}-{seq:05d}", 3)
            assert uow.invoices.sequence("invoice 2026 {year}-{seq:05d}") == 3
        with storage.unit_of_work() as uow:
            assert uow.invoices.sequence("invoice 2026 {year}-{seq:05d}", lock=False) == 3
            assert uow.invoices.sequence("invoice 2027 {year}-{seq:05d}", lock=False) is None
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            assert uow.invoices.sequence("invoice 2026 {year}-{seq:05d}") == 3
            uow.invoices.set_sequence("invoice 2026 {year}-{seq:05d}", 5)
            uow.invoices.set_sequence("invoice 2027 {year}-{seq:05d}", 1)
            raise _Boom
        with storage.unit_of_work() as uow:  # rolled back: the numbers were never taken
            assert uow.invoices.sequence("invoice 2026 {year}-{seq:05d}") == 3
            assert uow.invoices.sequence("invoice 2027 {year}-{seq:05d}") is None
            uow.invoices.set_sequence("invoice 2026 {year}-{seq:05d}", 4)
        with storage.unit_of_work() as uow:
            assert uow.invoices.sequence("invoice 2026 {year}-{seq:05d}") == 4

    def test_unmatched_payments_until_a_person_matches_them(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        same_day = a_payment(date=date(2025, 6, 25))  # made first, stored after ``late``
        late = a_payment(date=date(2025, 6, 25))
        early = a_payment(date=date(2025, 6, 2))
        theirs = a_payment(other, date=date(2025, 6, 1))
        known = a_payment(card, date=date(2025, 6, 10))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            for payment in (late, early, theirs, same_day, known):
                uow.payments.add(payment)
        with storage.unit_of_work() as uow:
            assert uow.payments.unmatched() == (early, late, same_day)
            assert uow.payments.of_client(card.id) == (known,)
            matched = uow.payments.update(attrs.evolve(late, client_id=card.id))
            assert uow.payments.unmatched() == (early, same_day)  # reads its own writes
        assert matched == attrs.evolve(late, client_id=card.id, version=1)
        with storage.unit_of_work() as uow:
            also = uow.payments.update(attrs.evolve(early, client_id=card.id))
            uow.payments.update(attrs.evolve(same_day, client_id=card.id))
        with storage.unit_of_work() as uow:
            assert uow.payments.unmatched() == ()
            assert [p.id for p in uow.payments.of_client(card.id)] == [
                early.id,
                known.id,
                late.id,
                same_day.id,
            ]
            assert uow.payments.of_client(other.id) == (theirs,)
            assert uow.payments.of_client(ClientId("nobody")) == ()
            assert uow.payments.find(early.id) == also

    def test_an_allocation_of_a_payment_to_an_invoice_is_stored_once(
        self, storage: Storage
    ) -> None:
        card, other = a_client(), a_client()
        first, second, theirs = an_invoice(card), an_invoice(card), an_invoice(other)
        payment = a_payment(card, amount=Money("30000"))
        later = a_payment(card)
        allocations = [
            an_allocation(payment, first),
            an_allocation(payment, theirs, client_id=other.id),
            an_allocation(payment, second, amount=Money("6000")),
            an_allocation(later, second, amount=Money("6000.00")),
        ]
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            for invoice in (first, second, theirs):
                uow.invoices.add(invoice)
            uow.payments.add(payment)
            uow.payments.add(later)
            for allocation in allocations:
                uow.payments.add_allocation(allocation)
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.payments.add_allocation(an_allocation(payment, second, amount=Money("1")))
        assert (err.value.kind, err.value.key) == ("allocation", (payment.id, second.id))
        with storage.unit_of_work() as uow:
            assert uow.payments.allocations_of(card.id) == (allocations[0], *allocations[2:])
            assert uow.payments.allocations_of(other.id) == (allocations[1],)
            assert uow.payments.allocations_of(ClientId("nobody")) == ()

    def test_credits_of_one_client_or_of_every_client(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        credits = [
            a_credit(card, date=date(2025, 6, 30)),
            a_credit(other, amount=Money("0.01")),
            a_credit(card, date=date(2025, 6, 1), note="аванс"),
        ]
        with storage.unit_of_work() as uow:
            for credit in credits:
                uow.payments.add_credit(credit)
        with storage.unit_of_work() as uow:
            assert uow.payments.credits(card.id) == (credits[0], credits[2])
            assert uow.payments.credits(other.id) == (credits[1],)
            assert uow.payments.credits() == tuple(credits)
            assert uow.payments.credits(ClientId("nobody")) == ()

    def test_supplier_bills_oldest_first_through_the_payment_plan(self, storage: Storage) -> None:
        made = [a_supplier_bill(supplier=name) for name in ("Омега", "Альфа", "Бета")]
        bills = made[::-1]  # stored in another order than made (ids sort by creation)
        with storage.unit_of_work() as uow:
            for bill in bills:
                uow.payments.add_supplier_bill(bill)
        planned = enter_into_payment_plan(
            bills[0], number="17", amount=Money("1000"), due_date=date(2025, 7, 1), on=T0.date()
        )
        with storage.unit_of_work() as uow:
            planned = uow.payments.update_supplier_bill(planned)
            dropped = uow.payments.update_supplier_bill(
                cancel_supplier_bill(bills[1], on=T0.date())
            )
        with storage.unit_of_work() as uow:
            paid = uow.payments.update_supplier_bill(
                mark_supplier_bill_paid(planned, on=date(2025, 7, 1))
            )
        assert (paid.status, paid.version) == (SupplierBillStatus.PAID, 2)
        with storage.unit_of_work() as uow:
            assert uow.payments.supplier_bills() == (paid, dropped, bills[2])
            assert uow.payments.get_supplier_bill(bills[0].id) == paid

    def test_failed_unit_of_work_stores_no_billing_record(self, storage: Storage) -> None:
        card = a_client()
        invoice, payment = an_invoice(card), a_payment()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.invoices.add(invoice)
            uow.payments.add(payment)
        subscription = a_subscription(card)
        lost_invoice = an_invoice(card, number="С-1")
        lost_payment = a_payment(card)
        allocation = an_allocation(lost_payment, invoice)
        credit = a_credit(card)
        bill = a_supplier_bill()
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.subscriptions.add(subscription)
            uow.invoices.add(lost_invoice)
            uow.payments.add(lost_payment)
            uow.payments.add_allocation(allocation)
            uow.payments.add_credit(credit)
            uow.payments.add_supplier_bill(bill)
            uow.invoices.update(
                attrs.evolve(invoice, status=InvoiceStatus.PAID, paid=invoice.total)
            )
            uow.payments.update(attrs.evolve(payment, client_id=card.id))
            assert uow.invoices.open() == (lost_invoice,)
            assert uow.payments.unmatched() == ()
            assert uow.invoices.numbers(2025) != ()
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.subscriptions.all() == ()
            assert uow.invoices.of_client(card.id) == (invoice,)
            assert uow.invoices.open() == (invoice,)
            assert uow.invoices.find("С-1") is None
            assert uow.invoices.numbers(2025) == (invoice.number,)
            assert uow.payments.find(lost_payment.id) is None
            assert uow.payments.unmatched() == (payment,)
            assert uow.payments.of_client(card.id) == ()
            assert uow.payments.allocations_of(card.id) == ()
            assert uow.payments.credits() == ()
            assert uow.payments.supplier_bills() == ()
            # their ids, numbers and pairs are free
            uow.subscriptions.add(subscription)
            uow.invoices.add(lost_invoice)
            uow.payments.add(lost_payment)
            uow.payments.add_allocation(allocation)
            uow.payments.add_supplier_bill(bill)


class ClaimsContract(_StoreContract):
    """Claims and the satisfaction round's rows (``uow.claims``)."""

    def test_claim_round_trips_and_moves_with_the_version_check(self, storage: Storage) -> None:
        card = a_client()
        claim = a_claim(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.claims.add(claim)
        with storage.unit_of_work() as uow:
            assert uow.claims.get(claim.id) == claim
            moved = uow.claims.update(
                advance_claim(claim, FindCauses("Скидку не внесли в счёт"), now=T0, by=_ANNA)
            )
        assert (moved.version, moved.stage) == (1, ClaimStage.CAUSES_FOUND)
        with pytest.raises(ConflictError) as err, storage.unit_of_work() as uow:
            uow.claims.update(advance_claim(claim, Withdraw("передумал"), now=T0, by=_ANNA))
        assert (err.value.kind, err.value.expected, err.value.found) == ("claim", 0, 1)
        with pytest.raises(NotFoundError) as missing, storage.unit_of_work() as uow:
            uow.claims.get(ClaimId("no-such-claim"))
        assert missing.value.kind == "claim"
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.claims.update(a_claim(card))
        with pytest.raises(DuplicateError) as twice, storage.unit_of_work() as uow:
            uow.claims.add(a_claim(card, id=claim.id))
        assert (twice.value.kind, twice.value.key) == ("claim", claim.id)
        with pytest.raises(NotFoundError) as orphan, storage.unit_of_work() as uow:
            uow.claims.add(a_claim(a_client()))
        assert orphan.value.kind == "client"
        with storage.unit_of_work() as uow:
            assert uow.claims.get(claim.id) == moved
            assert uow.claims.of_client(card.id) == (moved,)

    def test_open_claims_and_claims_of_a_period(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        march = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
        old = a_claim(card, now=march - timedelta(days=40))
        resolved = advance_claim(
            advance_claim(old, FindCauses("ошибка в счёте"), now=march, by=_ANNA),
            ResolveSatisfied("счёт исправлен"),
            now=march + timedelta(hours=1),
            by=_ANNA,
        )
        filed = a_claim(other, now=march + timedelta(days=3), department_id=DepartmentId("client"))
        later = a_claim(card, now=march + timedelta(days=40))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            uow.claims.add(old)
            uow.claims.add(filed)
            uow.claims.add(later)
        with storage.unit_of_work() as uow:
            assert uow.claims.open() == (old, filed, later)
            assert uow.claims.open(department_id=DepartmentId("client")) == (filed,)
            stored = uow.claims.update(resolved)
            assert uow.claims.open() == (filed, later)
            assert uow.claims.open(department_id=DepartmentId("sales")) == (later,)
            assert uow.claims.open(department_id=DepartmentId("tech_support")) == ()
        start = datetime(2026, 3, 1, tzinfo=UTC)
        with storage.unit_of_work() as uow:
            # filed before, closed within; filed within; filed after: left out
            assert uow.claims.between(start, start + timedelta(days=31)) == (stored, filed)
            assert uow.claims.between(start - timedelta(days=40), start) == (stored,)
            moscow = timezone(timedelta(hours=3))
            assert uow.claims.between(
                march.astimezone(moscow) + timedelta(hours=1), start + timedelta(days=3)
            ) == (stored,)
            assert (
                uow.claims.between(
                    march + timedelta(hours=1, microseconds=1), march + timedelta(days=3)
                )
                == ()
            )
            assert uow.claims.of_client(other.id) == (filed,)

    def test_satisfaction_rows_are_upserted_and_need_their_client(self, storage: Storage) -> None:
        card = a_client(name="ООО «Ромашка»")
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            assert uow.claims.satisfaction_of(card.id) is None
            uow.claims.put_satisfaction(card.id, _ANNA, date(2026, 1, 12), None)
        with storage.unit_of_work() as uow:
            assert uow.claims.satisfaction_of(card.id) == AssignedClient(
                card.id, _ANNA, date(2026, 1, 12), None, "ООО «Ромашка»"
            )
            uow.claims.put_satisfaction(
                card.id, EmployeeId("petrov"), date(2026, 2, 2), date(2026, 2, 20)
            )
        with storage.unit_of_work() as uow:
            assert uow.claims.satisfaction_of(card.id) == AssignedClient(
                card.id, EmployeeId("petrov"), date(2026, 2, 2), date(2026, 2, 20), card.name
            )
            uow.clients.update(attrs.evolve(card, name="ООО «Лютик»"))  # the name follows
        with storage.unit_of_work() as uow:
            found = uow.claims.satisfaction_of(card.id)
            assert found is not None
            assert found.client_name == "ООО «Лютик»"
        with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
            uow.claims.put_satisfaction(ClientId("ghost"), _ANNA, date(2026, 1, 12), None)
        assert (err.value.kind, err.value.key) == ("client", "ghost")

    def test_the_rows_of_the_satisfaction_round_of_one_manager_or_all(
        self, storage: Storage
    ) -> None:
        petrov = EmployeeId("petrov")
        cards = [a_client(name=f"ООО «Клиент {n}»") for n in range(3)]
        with storage.unit_of_work() as uow:
            uow.clients.add_many(cards)
            assert uow.claims.assigned() == ()
            uow.claims.put_satisfaction(cards[0].id, _ANNA, date(2026, 1, 5), None)
            uow.claims.put_satisfaction(cards[1].id, petrov, date(2026, 1, 6), date(2026, 2, 1))
            uow.claims.put_satisfaction(cards[2].id, _ANNA, date(2026, 1, 7), date(2026, 2, 2))
        with storage.unit_of_work() as uow:
            uow.clients.update(attrs.evolve(cards[2], name="ООО «Новое имя»"))
            every = {row.client_id: row for row in uow.claims.assigned()}
            mine = sorted(row.client_id for row in uow.claims.assigned(manager_id=_ANNA))
            assert uow.claims.assigned(manager_id=EmployeeId("nobody")) == ()
        assert every == {
            cards[0].id: AssignedClient(cards[0].id, _ANNA, date(2026, 1, 5), None, cards[0].name),
            cards[1].id: AssignedClient(
                cards[1].id, petrov, date(2026, 1, 6), date(2026, 2, 1), cards[1].name
            ),
            cards[2].id: AssignedClient(
                cards[2].id, _ANNA, date(2026, 1, 7), date(2026, 2, 2), "ООО «Новое имя»"
            ),
        }
        assert mine == sorted([cards[0].id, cards[2].id])


class ServiceVisitsContract(_StoreContract):
    """Service contracts, visits and trainings (``uow.service``)."""

    def test_service_records_round_trip_with_the_version_check(self, storage: Storage) -> None:
        card = a_client()
        contract = a_service_contract(card, visit_time=time(10, 30))
        visit = an_emergency_visit(contract)
        training = a_training(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.service.add_contract(contract)
            uow.service.add_visit(visit)
            uow.service.add_training(training)
        with storage.unit_of_work() as uow:
            assert uow.service.get_contract(contract.id) == contract
            assert uow.service.get_visit(visit.id) == visit
            assert uow.service.get_training(training.id) == training
            longer = uow.service.update_contract(attrs.evolve(contract, emergency_response_days=2))
            planned = uow.service.update_visit(
                plan_visit(
                    visit,
                    engineer=EmployeeId("petrov"),
                    now=T0,
                    by=_ANNA,
                    policy=VisitPolicy(),
                    calendar=Policy().calendar,
                    day=date(2025, 6, 24),
                )
            )
            agreed = uow.service.update_training(
                schedule_training(training, starts_at=T0 + timedelta(days=2), now=T0, by=_ANNA)
            )
        assert (longer.version, planned.version, agreed.version) == (1, 1, 1)
        assert (planned.status, agreed.status) == (VisitStatus.PLANNED, TrainingStatus.SCHEDULED)
        for update, stale, kind in (
            ("service.update_contract", contract, "service contract"),
            ("service.update_visit", visit, "visit"),
            ("service.update_training", training, "training"),
        ):
            with pytest.raises(ConflictError) as err, storage.unit_of_work() as uow:
                _method(uow, update)(stale)
            assert (err.value.kind, err.value.expected, err.value.found) == (kind, 0, 1)
        with storage.unit_of_work() as uow:
            assert uow.service.contracts_of(card.id) == (longer,)
            assert uow.service.visits_of(card.id) == (planned,)
            assert uow.service.trainings_of(card.id) == (agreed,)
            assert uow.service.contracts_of(ClientId("nobody")) == ()

    def test_missing_and_duplicate_service_records(self, storage: Storage) -> None:
        card = a_client()
        contract = a_service_contract(card)
        visit, training = an_emergency_visit(contract), a_training(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.service.add_contract(contract)
            uow.service.add_visit(visit)
            uow.service.add_training(training)
        for get, key, kind in (
            ("service.get_contract", "no-such", "service contract"),
            ("service.get_visit", "no-such", "visit"),
            ("service.get_training", "no-such", "training"),
        ):
            with pytest.raises(NotFoundError) as err, storage.unit_of_work() as uow:
                _method(uow, get)(key)
            assert (err.value.kind, err.value.key) == (kind, key)
        for add, record, kind in (
            ("service.add_contract", contract, "service contract"),
            ("service.add_visit", visit, "visit"),
            ("service.add_training", training, "training"),
        ):
            with pytest.raises(DuplicateError) as dup, storage.unit_of_work() as uow:
                _method(uow, add)(record)
            assert (dup.value.kind, dup.value.key) == (kind, record.id)
        ghost = a_client()
        with pytest.raises(NotFoundError) as no_client, storage.unit_of_work() as uow:
            uow.service.add_contract(a_service_contract(ghost))
        assert no_client.value.kind == "client"
        with pytest.raises(NotFoundError) as no_contract, storage.unit_of_work() as uow:
            uow.service.add_visit(an_emergency_visit(a_service_contract(card)))
        assert no_contract.value.kind == "service contract"
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.service.add_training(a_training(ghost))
        with storage.unit_of_work() as uow:
            assert uow.service.visits_of(card.id) == (visit,)
            assert uow.service.trainings_of(card.id) == (training,)

    def test_open_visits_are_neither_done_nor_cancelled(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        contract, theirs = a_service_contract(card), a_service_contract(other)
        first, second = an_emergency_visit(contract), an_emergency_visit(theirs)
        third = an_emergency_visit(contract, requested_at=T0 + timedelta(hours=1))
        with storage.unit_of_work() as uow:
            for client in (card, other):
                uow.clients.add(client)
            for c in (contract, theirs):
                uow.service.add_contract(c)
            for v in (first, second, third):
                uow.service.add_visit(v)
        planned = plan_visit(
            first,
            engineer=EmployeeId("petrov"),
            now=T0,
            by=_ANNA,
            policy=VisitPolicy(),
            calendar=Policy().calendar,
            day=date(2025, 6, 24),
        )
        done = complete_visit(
            planned, works=("Заменён считыватель",), done_at=T0 + timedelta(days=1), by=_ANNA
        )
        with storage.unit_of_work() as uow:
            assert uow.service.open_visits() == (first, second, third)
            stored = uow.service.update_visit(attrs.evolve(done, version=0))
            assert uow.service.open_visits() == (second, third)
        with storage.unit_of_work() as uow:
            assert uow.service.open_visits() == (second, third)
            assert uow.service.visits_of(card.id) == (stored, third)

    def test_failed_unit_of_work_stores_no_service_record(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
        claim, contract = a_claim(card), a_service_contract(card)
        visit, training = an_emergency_visit(contract), a_training(card)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.claims.add(claim)
            uow.claims.put_satisfaction(card.id, _ANNA, date(2026, 1, 12), None)
            uow.service.add_contract(contract)
            uow.service.add_visit(visit)
            uow.service.add_training(training)
            assert uow.claims.open() == (claim,)
            assert uow.service.open_visits() == (visit,)
            assert uow.claims.satisfaction_of(card.id) is not None
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.claims.of_client(card.id) == ()
            assert uow.claims.open() == ()
            assert uow.claims.satisfaction_of(card.id) is None
            assert uow.service.contracts_of(card.id) == ()
            assert uow.service.open_visits() == ()
            assert uow.service.trainings_of(card.id) == ()
            # their ids are free
            uow.claims.add(claim)
            uow.service.add_contract(contract)
            uow.service.add_visit(visit)
            uow.service.add_training(training)


class AgendaQueriesContract(_StoreContract):
    """The agenda's read model (:class:`~clientops.ports.AgendaQueries`). Each test runs twice:
    on the store's own queries (``uow.agenda``, or the fallback when it has none) and on
    :class:`~clientops.queries.RepositoryAgendaQueries`; a store's fast path must give exactly
    the fallback's rows, in the same order. Needs the clients, appeals, invoices and claims
    repositories."""

    @pytest.fixture(params=["store", "fallback"])
    def read_model(self, request: pytest.FixtureRequest) -> ReadModel:
        """The store's own agenda queries, or the generic fallback over its repositories."""
        return agenda_queries if request.param == "store" else RepositoryAgendaQueries

    def test_reactions_written_in_bulk_carry_their_clients_names(
        self, storage: Storage, read_model: ReadModel
    ) -> None:
        card, other = a_client(name="ООО «Берёза»"), a_client(name="ООО «Клён»")
        first, second = an_appeal(card), an_appeal(other)
        anna = EmployeeId("anna")
        hour = timedelta(hours=1)
        reactions = [
            a_reaction(first, employee_id=anna, due_at=T0 - hour),
            a_reaction(second, employee_id=anna, due_at=T0 - 2 * hour),
        ]
        with storage.unit_of_work() as uow:
            uow.clients.add_many([card, other])
            uow.appeals.add_many([first, second])
            uow.appeals.add_many_reactions(reactions)
        with storage.unit_of_work() as uow:
            due = read_model(uow).due_reactions(anna, until=T0)
        assert [(d.reaction_id, d.client_name) for d in due] == [
            (reactions[1].id, "ООО «Клён»"),
            (reactions[0].id, "ООО «Берёза»"),
        ]

    def test_due_reactions_are_an_employees_open_ones_most_overdue_first(
        self, storage: Storage, read_model: ReadModel
    ) -> None:
        card = a_client(name="ООО «Ромашка»")
        appeal = an_appeal(card)
        anna, petrov = EmployeeId("anna"), EmployeeId("petrov")
        hour = timedelta(hours=1)
        late = a_reaction(appeal, employee_id=anna, due_at=T0 - 2 * hour, topic="перезвонить")
        now = a_reaction(appeal, employee_id=anna, due_at=T0, kind=ReactionKind.EMAIL)
        earlier = a_reaction(appeal, employee_id=anna, due_at=T0 - 3 * hour)
        done = a_reaction(appeal, employee_id=anna, due_at=T0 - hour, done_at=T0 - hour)
        future = a_reaction(appeal, employee_id=anna, due_at=T0 + hour)
        other = a_reaction(appeal, employee_id=petrov, due_at=T0 - hour)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.appeals.add(appeal)
            for r in (late, now, earlier, done, future, other):
                uow.appeals.add_reaction(r)
        with storage.unit_of_work() as uow:
            due = read_model(uow).due_reactions(anna, until=T0)
        assert [d.reaction_id for d in due] == [earlier.id, late.id, now.id]
        first = due[1]
        assert (first.client_id, first.client_name, first.topic, first.kind) == (
            card.id,
            "ООО «Ромашка»",
            "перезвонить",
            late.kind,
        )
        assert first.due_at == late.due_at
        assert [d.overdue(T0) for d in due] == [True, True, False]
        with storage.unit_of_work() as uow:
            uow.clients.update(attrs.evolve(card, name="ООО «Лютик»"))
            uow.appeals.update_reaction(attrs.evolve(late, done_at=T0))
        with storage.unit_of_work() as uow:
            due = read_model(uow).due_reactions(anna, until=T0)
            assert [(d.reaction_id, d.client_name) for d in due] == [
                (earlier.id, "ООО «Лютик»"),
                (now.id, "ООО «Лютик»"),
            ]
            assert read_model(uow).due_reactions(EmployeeId("nobody"), until=T0) == ()

    def test_client_touches_by_day_and_manager(
        self, storage: Storage, read_model: ReadModel
    ) -> None:
        anna, oleg = EmployeeId("anna"), EmployeeId("oleg")
        born = a_client(name="ООО «Б»", manager_id=anna, birthday=date(1980, 11, 24))
        founded = a_client(name="ООО «А»", manager_id=oleg, company_day=date(2001, 11, 24))
        both = a_client(
            name="ООО «В»",
            manager_id=anna,
            birthday=date(1992, 2, 29),
            company_day=date(2010, 11, 24),
        )
        other_day = a_client(manager_id=anna, birthday=date(1980, 11, 25))
        with storage.unit_of_work() as uow:
            uow.clients.add(born)
            uow.clients.add_many([founded, both, other_day])
        with storage.unit_of_work() as uow:
            every = read_model(uow).client_touches(["11-24"])
            assert [(t.client_id, t.kind.value, t.manager_id) for t in every] == [
                (born.id, "birthday", anna),
                (founded.id, "company_day", oleg),
                (both.id, "company_day", anna),
            ]
            assert every[0].client_name == "ООО «Б»"
            assert [
                t.client_id for t in read_model(uow).client_touches(["11-24"], manager_id=anna)
            ] == [
                born.id,
                both.id,
            ]
            assert [t.client_id for t in read_model(uow).client_touches(["02-28", "02-29"])] == [
                both.id
            ]
            assert read_model(uow).client_touches([]) == ()
        with storage.unit_of_work() as uow:  # the lookup follows a changed card
            uow.clients.update(attrs.evolve(born, birthday=None, manager_id=oleg))
            uow.clients.update(attrs.evolve(other_day, birthday=date(1980, 11, 24)))
        with storage.unit_of_work() as uow:
            # by kind (the birthday first), then by name
            assert [
                t.client_id for t in read_model(uow).client_touches(["11-24"], manager_id=anna)
            ] == [
                other_day.id,
                both.id,
            ]
            assert born.id not in {t.client_id for t in read_model(uow).client_touches(["11-24"])}

    def test_open_invoices_of_a_managers_clients(
        self, storage: Storage, read_model: ReadModel
    ) -> None:
        anna, oleg = EmployeeId("anna"), EmployeeId("oleg")
        mine = a_client(name="ООО «Моё»", manager_id=anna)
        theirs = a_client(name="ООО «Чужое»", manager_id=oleg)
        first, paid, second = an_invoice(mine), an_invoice(mine), an_invoice(mine)
        other = an_invoice(theirs)
        with storage.unit_of_work() as uow:
            uow.clients.add(mine)
            uow.clients.add(theirs)
            for invoice in (first, paid, second, other):
                uow.invoices.add(invoice)
            uow.invoices.update(attrs.evolve(paid, status=InvoiceStatus.PAID, paid=paid.total))
            # a part paid: what is still owed is read
            part = Money(first.total.amount - 1000)
            first = uow.invoices.update(
                attrs.evolve(first, status=InvoiceStatus.PARTLY_PAID, paid=part)
            )
        with storage.unit_of_work() as uow:
            assert read_model(uow).open_invoices_managed_by(anna)[0].outstanding == Money("1000")
            assert read_model(uow).open_invoices_managed_by(anna) == (
                OwedInvoice.of(first, client_name="ООО «Моё»"),
                OwedInvoice.of(second, client_name="ООО «Моё»"),
            )
            assert read_model(uow).open_invoices_managed_by(oleg) == (
                OwedInvoice.of(other, client_name="ООО «Чужое»"),
            )
            assert read_model(uow).open_invoices_managed_by(EmployeeId("nobody")) == ()
            # the lookup follows the card's manager and name, and a later invoice of the card
            uow.clients.update(attrs.evolve(theirs, manager_id=anna, name="ООО «Наше»"))
            late = an_invoice(theirs)
            uow.invoices.add(late)
            assert [
                (i.id, i.client_name) for i in read_model(uow).open_invoices_managed_by(anna)
            ] == [
                (first.id, "ООО «Моё»"),
                (second.id, "ООО «Моё»"),
                (other.id, "ООО «Наше»"),
                (late.id, "ООО «Наше»"),
            ]
            assert read_model(uow).open_invoices_managed_by(oleg) == ()

    def test_satisfaction_calls_due_by_the_bounds(
        self, storage: Storage, read_model: ReadModel
    ) -> None:
        petrov = EmployeeId("petrov")
        cards = [a_client(name=f"ООО «Клиент {n}»") for n in range(6)]
        rows = [
            (_ANNA, date(2026, 1, 5), date(2026, 2, 20)),  # last call on the bound: due
            (_ANNA, date(2026, 1, 5), date(2026, 2, 21)),  # a day later: not due
            (_ANNA, date(2026, 2, 10), None),  # assigned on the bound, never called: due
            (_ANNA, date(2026, 2, 11), None),  # assigned later: not due
            (petrov, date(2025, 12, 1), date(2026, 1, 30)),  # petrov's, due
            (petrov, date(2026, 2, 1), None),  # petrov's, never called: due
        ]
        with storage.unit_of_work() as uow:
            for card, (manager, assigned, last) in zip(cards, rows, strict=True):
                uow.clients.add(card)
                uow.claims.put_satisfaction(card.id, manager, assigned, last)
        bounds = SatisfactionDueBounds(
            day=date(2026, 3, 6),
            last_call_until=date(2026, 2, 20),
            assigned_until=date(2026, 2, 10),
        )
        with storage.unit_of_work() as uow:
            mine = read_model(uow).satisfaction_calls_due(bounds, manager_id=_ANNA)
            everyone = read_model(uow).satisfaction_calls_due(bounds)
            nobody = read_model(uow).satisfaction_calls_due(
                bounds, manager_id=EmployeeId("kuznetsova")
            )

        def expected(*indexes: int) -> list[tuple[str, date | None, str]]:
            return sorted((cards[i].id, rows[i][2], cards[i].name) for i in indexes)

        assert [(r.client_id, r.last_call, r.client_name) for r in mine] == expected(0, 2)
        assert [(r.client_id, r.last_call, r.client_name) for r in everyone] == expected(0, 2, 4, 5)
        assert all(r.manager_id == _ANNA for r in mine)
        assert nobody == ()

    def test_the_stores_queries_give_exactly_the_fallbacks_rows(self, storage: Storage) -> None:
        """On one mixed data set, with ties in every sort key (the same due time, the same
        name, names that sort differently by locale and by code point), the store's own
        queries and the fallback answer each question with the same rows in the same order."""
        anna, oleg = EmployeeId("anna"), EmployeeId("oleg")
        names = ["ООО «Б»", "ооо «а»", "ООО «Б»", "Zeta", "ёлка", "Ёж", "ООО «А»", "alpha"]
        cards = [
            a_client(
                name=name,
                manager_id=(anna, oleg)[n % 2],
                birthday=date(1980, 11, 24) if n % 3 else None,
                company_day=date(2001, 11, 24) if n % 2 else date(2001, 11, 25),
            )
            for n, name in enumerate(names)
        ]
        appeals = [an_appeal(card) for card in cards]
        hour = timedelta(hours=1)
        reactions = [
            a_reaction(appeal, employee_id=(anna, oleg)[n % 3 == 0], due_at=T0 - (n % 3) * hour)
            for n, appeal in enumerate(appeals + appeals)
        ]
        invoices = [an_invoice(card) for card in cards for _ in range(2)]
        with storage.unit_of_work() as uow:
            uow.clients.add_many(cards)
            for appeal in appeals:
                uow.appeals.add(appeal)
            for reaction in reactions:
                uow.appeals.add_reaction(reaction)
            for n, invoice in enumerate(invoices):
                uow.invoices.add(invoice)
                if n % 4 == 1:
                    uow.invoices.update(
                        attrs.evolve(invoice, status=InvoiceStatus.PAID, paid=invoice.total)
                    )
            for n, card in enumerate(cards):
                last = None if n % 2 else date(2026, 2, 20 - n)
                uow.claims.put_satisfaction(card.id, (anna, oleg)[n % 2], date(2026, 2, 1), last)
            uow.appeals.update_reaction(attrs.evolve(reactions[0], done_at=T0))
            uow.clients.update(attrs.evolve(cards[1], name="ООО «Б»", manager_id=oleg))
        bounds = SatisfactionDueBounds(
            day=date(2026, 3, 6),
            last_call_until=date(2026, 2, 18),
            assigned_until=date(2026, 2, 10),
        )
        with storage.unit_of_work(readonly=True) as uow:
            store, fallback = agenda_queries(uow), RepositoryAgendaQueries(uow)
            for manager in (anna, oleg, EmployeeId("nobody")):
                assert store.due_reactions(manager, until=T0) == fallback.due_reactions(
                    manager, until=T0
                )
                assert store.open_invoices_managed_by(manager) == (
                    fallback.open_invoices_managed_by(manager)
                )
                assert store.satisfaction_calls_due(bounds, manager_id=manager) == (
                    fallback.satisfaction_calls_due(bounds, manager_id=manager)
                )
                assert store.client_touches(["11-24", "11-25"], manager_id=manager) == (
                    fallback.client_touches(["11-24", "11-25"], manager_id=manager)
                )
            assert store.satisfaction_calls_due(bounds) == fallback.satisfaction_calls_due(bounds)
            assert store.client_touches(["11-24"]) == fallback.client_touches(["11-24"])
            for manager in (anna, oleg):  # each comparison above has rows to compare
                assert fallback.due_reactions(manager, until=T0)
                assert fallback.open_invoices_managed_by(manager)
                assert fallback.satisfaction_calls_due(bounds, manager_id=manager)
                assert fallback.client_touches(["11-24", "11-25"], manager_id=manager)


def a_campaign(**overrides: Any) -> Campaign:
    """A valid cold-call campaign of Анна's for June 2025, with a two-point script."""
    fields: dict[str, Any] = {
        "id": CampaignId(new_id()),
        "name": "Холодные звонки, июнь",
        "purpose": CampaignPurpose.COLD_CALLS,
        "script": CallScript(
            (
                ScriptPoint("hello", "Здравствуйте! {company}, {caller:nom}."),
                ScriptPoint("bye", "До свидания!"),
            )
        ),
        "assignees": (EmployeeId("anna"),),
        "start": date(2025, 6, 1),
        "end": date(2025, 6, 30),
        "daily_plan": 40,
        "created_at": T0,
    }
    fields.update(overrides)
    return Campaign(**fields)


class CampaignsContract(_StoreContract):
    """Call campaigns (``uow.campaigns``): campaigns, their call lists, their calls and the
    do-not-call flags."""

    def _listed(self, storage: Storage, *zones: str) -> tuple[Campaign, list[CampaignTarget]]:
        campaign = a_campaign()
        cards = [a_client() for _ in zones]
        targets = [
            CampaignTarget(campaign.id, card.id, zone, next_call_at=T0)
            for card, zone in zip(cards, zones, strict=True)
        ]
        with storage.unit_of_work() as uow:
            for card in cards:
                uow.clients.add(card)
            uow.campaigns.add(campaign)
            uow.campaigns.add_targets(targets)
        return campaign, targets

    def test_campaign_round_trips_and_a_stale_update_conflicts(self, storage: Storage) -> None:
        campaign = a_campaign()
        with storage.unit_of_work() as uow:
            uow.campaigns.add(campaign)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.campaigns.add(campaign)
        with storage.unit_of_work() as uow:
            assert uow.campaigns.get(campaign.id) == campaign
            stored = uow.campaigns.update(attrs.evolve(campaign, timezones=("Asia/Omsk",)))
        assert stored.version == 1
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            uow.campaigns.update(campaign)
        with pytest.raises(NotFoundError), storage.unit_of_work(readonly=True) as uow:
            uow.campaigns.get(CampaignId("no-such-campaign"))
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.campaigns.get(campaign.id) == stored

    def test_claim_next_hands_out_the_open_row_due_first_then_added_first(
        self, storage: Storage
    ) -> None:
        campaign, (a, b, c, d) = self._listed(
            storage, "Europe/Moscow", "Asia/Omsk", "Europe/Moscow", "Europe/Moscow"
        )
        anna = EmployeeId("anna")
        later = T0 + timedelta(minutes=15)

        def claim(
            zones: tuple[str, ...] | None = None, due_by: datetime = T0
        ) -> CampaignTarget | None:
            with storage.unit_of_work() as uow:
                return uow.campaigns.claim_next(
                    campaign.id, due_by=due_by, timezones=zones, caller=anna, until=later
                )

        with storage.unit_of_work() as uow:
            assert (
                uow.campaigns.claim_next(
                    campaign.id, due_by=T0, timezones=(), caller=anna, until=later
                )
                is None
            )
            assert (
                uow.campaigns.claim_next(
                    campaign.id,
                    due_by=T0 - timedelta(seconds=1),
                    timezones=None,
                    caller=anna,
                    until=later,
                )
                is None
            )
            uow.campaigns.update_target(attrs.evolve(c, status=TargetStatus.DONE))
        first = claim()
        assert first == attrs.evolve(a, next_call_at=later, claimed_by=anna, version=1)
        assert claim(("Asia/Omsk",)) == attrs.evolve(
            b, next_call_at=later, claimed_by=anna, version=1
        )
        assert claim(("Europe/Moscow",)) == attrs.evolve(
            d, next_call_at=later, claimed_by=anna, version=1
        )
        assert claim() is None  # a and d are claimed until later, c is done
        again = claim(due_by=later)
        assert again is not None
        assert again.client_id == a.client_id
        assert again.version == 2
        with storage.unit_of_work() as uow:
            assert (
                uow.campaigns.claim_next(
                    CampaignId("other"), due_by=later, timezones=None, caller=anna, until=later
                )
                is None
            )
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.campaigns.target(campaign.id, a.client_id) == again
            assert uow.campaigns.targets_of(c.client_id) == (
                attrs.evolve(c, status=TargetStatus.DONE, version=1),
            )

    def test_call_card_is_what_a_caller_needs_of_the_card(self, storage: Storage) -> None:
        card = a_client(
            contacts=(Contact("Иван"), Contact("Пётр", decision_maker=True)),
            city="Казань",
        )
        bare = a_client(contacts=())
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(bare)
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.campaigns.call_card(card.id) == (
                card.id,
                card.name,
                "Казань",
                card.phones,
                "Пётр",
            )
            assert uow.campaigns.call_card(bare.id).contact is None
            with pytest.raises(NotFoundError):
                uow.campaigns.call_card(a_client().id)

    def test_targets_refused_store_nothing(self, storage: Storage) -> None:
        campaign, (a,) = self._listed(storage, "Europe/Moscow")
        ghost = a_client()
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
        fresh = CampaignTarget(campaign.id, card.id, "Europe/Moscow", next_call_at=T0)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.campaigns.add_targets([fresh, a])
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.campaigns.add_targets(
                [fresh, CampaignTarget(campaign.id, ghost.id, "Europe/Moscow", next_call_at=T0)]
            )
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.campaigns.add_targets([attrs.evolve(fresh, campaign_id=CampaignId("nope"))])
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.campaigns.targets_of(card.id) == ()
            with pytest.raises(NotFoundError):
                uow.campaigns.target(campaign.id, card.id)
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            uow.campaigns.update_target(attrs.evolve(a, version=5))
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.campaigns.update_target(fresh)

    def test_calls_round_trip_by_time_with_their_reviews(self, storage: Storage) -> None:
        campaign, (a, b) = self._listed(storage, "Europe/Moscow", "Europe/Moscow")
        anna = EmployeeId("anna")
        late = CampaignCall(
            "call-2",
            campaign.id,
            a.client_id,
            anna,
            T0 + timedelta(minutes=5),
            (OutcomeKind.DECISION_MAKER, OutcomeKind.OFFER_SENT),
            note="ЛПР найден",
            changed_fields=("ЛПР",),
            outbox_key="k-1",
        )
        early = CampaignCall("call-1", campaign.id, b.client_id, anna, T0, (OutcomeKind.NO_ANSWER,))
        with storage.unit_of_work() as uow:
            uow.campaigns.add_call(late)
            uow.campaigns.add_call(early)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.campaigns.add_call(early)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.campaigns.add_call(attrs.evolve(early, id="call-3", client_id=a_client().id))
        review = ScriptReview(EmployeeId("petrov"), T0, ("hello",), ("bye",))
        with storage.unit_of_work() as uow:
            assert uow.campaigns.calls(campaign.id) == (early, late)
            assert uow.campaigns.get_call("call-2") == late
            assert uow.campaigns.get_call("no-such-call") is None
            reviewed = uow.campaigns.update_call(attrs.evolve(late, review=review))
        assert reviewed.version == 1
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            uow.campaigns.update_call(late)
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.campaigns.get_call("call-2") == reviewed
            assert uow.campaigns.calls(CampaignId("other")) == ()

    def test_do_not_call_flags(self, storage: Storage) -> None:
        card = a_client()
        flag = DoNotCall(card.id, T0, EmployeeId("anna"), "просил не звонить")
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            assert uow.campaigns.do_not_call(card.id) is None
            uow.campaigns.put_do_not_call(card.id, flag)
            uow.campaigns.put_do_not_call(card.id, attrs.evolve(flag, reason="снова"))
        with storage.unit_of_work() as uow:
            assert uow.campaigns.do_not_call(card.id) == attrs.evolve(flag, reason="снова")
            uow.campaigns.put_do_not_call(card.id, None)
            uow.campaigns.put_do_not_call(card.id, None)
        ghost = a_client().id
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.campaigns.put_do_not_call(ghost, DoNotCall(ghost, T0, EmployeeId("anna")))
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.campaigns.do_not_call(card.id) is None


def _paged(
    read: Callable[..., tuple[tuple[int, Any], ...]], where: ListFilter, size: int
) -> list[Any]:
    """Every record of a repository's listing, read ``size`` at a time by position."""
    found: list[Any] = []
    after = 0
    while rows := read(where, after=after, limit=size):
        assert len(rows) <= size
        assert [n for n, _ in rows] == sorted({n for n, _ in rows})
        assert rows[0][0] > after
        found.extend(record for _, record in rows)
        after = rows[-1][0]
    return found


class CardSyncContract(_StoreContract):
    """External ids of cards and employees, and the listings of cards, appeals and
    reactions (``uow.clients.by_external``, ``page``; ``uow.appeals.page``,
    ``reactions_page``)."""

    def test_an_external_id_is_unique_per_source_and_finds_its_card(self, storage: Storage) -> None:
        card = a_client(external_id=ExternalId("crm", "1"))
        other_source = a_client(external_id=ExternalId("1c", "1"))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other_source)
            uow.clients.add(plain := a_client())
        with pytest.raises(DuplicateError) as taken, storage.unit_of_work() as uow:
            uow.clients.add(a_client(external_id=ExternalId("crm", "1")))
        assert (taken.value.kind, taken.value.key, taken.value.owner) == (
            "external id",
            "crm:1",
            card.id,
        )
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.clients.update(attrs.evolve(plain, external_id=ExternalId("crm", "1")))
        with storage.unit_of_work() as uow:
            assert uow.clients.by_external("crm", ["1", "2"]) == {"1": card}
            assert uow.clients.by_external("1c", ["1"]) == {"1": other_source}
            moved = uow.clients.update(attrs.evolve(card, external_id=ExternalId("crm", "9")))
            assert uow.clients.by_external("crm", ["1", "9"]) == {"9": moved}
            uow.clients.add(taker := a_client(external_id=ExternalId("crm", "1")))
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.clients.by_external("crm", ["1", "9"]) == {"1": taker, "9": moved}
            assert uow.clients.count() == 4

    def test_a_batch_carrying_an_external_id_twice_stores_nothing(self, storage: Storage) -> None:
        twins = [a_client(external_id=ExternalId("crm", "7")) for _ in range(2)]
        with pytest.raises(DuplicateError) as twice, storage.unit_of_work() as uow:
            uow.clients.add_many([a_client(), *twins])
        assert twice.value.kind == "external id"
        with storage.unit_of_work() as uow:
            uow.clients.add(stored := a_client(external_id=ExternalId("crm", "8")))
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.clients.add_many([a_client(external_id=ExternalId("crm", "8"))])
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.clients.all() == (stored,)

    def test_an_employees_external_id_belongs_to_one_employee(self, storage: Storage) -> None:
        staff = a_staff()
        anna, petrov = staff.employees[0], staff.employees[1]
        with storage.unit_of_work() as uow:
            put_staff(uow, staff)
            uow.staff.put_employee(attrs.evolve(anna, external_id=ExternalId("crm", "u1")))
            uow.staff.put_employee(attrs.evolve(anna, external_id=ExternalId("crm", "u2")))
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.staff.put_employee(attrs.evolve(petrov, external_id=ExternalId("crm", "u2")))
        with storage.unit_of_work() as uow:  # u1 was let go by anna
            uow.staff.put_employee(attrs.evolve(petrov, external_id=ExternalId("crm", "u1")))
            ids = {e.id: e.external_id for e in uow.staff.directory().employees}
        assert ids[anna.id] == ExternalId("crm", "u2")
        assert ids[petrov.id] == ExternalId("crm", "u1")

    def test_cards_are_listed_by_position_with_their_filters(self, storage: Storage) -> None:
        anna, oleg = EmployeeId("anna"), EmployeeId("oleg")
        cards = [
            a_client(
                manager_id=(anna, oleg)[n % 2],
                city=("Омск", "Тверь")[n % 3 == 0],
                category=(ClientCategory.CLIENT, ClientCategory.DEALER)[n % 4 == 1],
            )
            for n in range(9)
        ]
        with storage.unit_of_work() as uow:
            uow.clients.add_many(cards[:4])
            for card in cards[4:]:
                uow.clients.add(card)
        with storage.unit_of_work(readonly=True) as uow:
            for size in (1, 2, 4, 100):
                assert _paged(uow.clients.page, ListFilter(), size) == cards
            assert _paged(uow.clients.page, ListFilter(manager_id=anna), 2) == cards[::2]
            assert _paged(uow.clients.page, ListFilter(city="тверь"), 2) == cards[::3]
            dealers = [c for c in cards if c.category is ClientCategory.DEALER]
            assert _paged(uow.clients.page, ListFilter(category=ClientCategory.DEALER), 1) == (
                dealers
            )
            both = ListFilter(manager_id=oleg, category=ClientCategory.DEALER)
            assert _paged(uow.clients.page, both, 3) == dealers
            assert uow.clients.page(ListFilter(manager_id=EmployeeId("x")), after=0, limit=5) == ()

    def test_cards_added_while_paging_move_no_card_listed_or_to_come(
        self, storage: Storage
    ) -> None:
        cards = [a_client() for _ in range(5)]
        with storage.unit_of_work() as uow:
            uow.clients.add_many(cards)
        with storage.unit_of_work(readonly=True) as uow:
            first = uow.clients.page(ListFilter(), after=0, limit=2)
        later = [a_client() for _ in range(2)]
        with storage.unit_of_work() as uow:
            uow.clients.add_many(later)
            # an update keeps a card where it was
            uow.clients.update(attrs.evolve(cards[0], name="ООО «Новое имя»"))
        with storage.unit_of_work(readonly=True) as uow:
            rest = _paged(
                lambda where, after, limit: uow.clients.page(where, after=after, limit=limit),
                ListFilter(),
                2,
            )
            again = uow.clients.page(ListFilter(), after=first[-1][0], limit=100)
        assert [c for _, c in first] == cards[:2]
        assert [c.id for _, c in again] == [c.id for c in (*cards[2:], *later)]
        assert [c.id for c in rest] == [c.id for c in (*cards, *later)]

    def test_cards_changed_since_a_moment(self, storage: Storage) -> None:
        import time as _time

        early, late = a_client(), a_client()
        with storage.unit_of_work() as uow:
            uow.clients.add_many([early, late])
        _time.sleep(0.01)
        moment = datetime.now(UTC)
        _time.sleep(0.01)
        with storage.unit_of_work() as uow:
            changed = uow.clients.update(attrs.evolve(late, city="Тверь"))
            uow.clients.add(new := a_client())
        with storage.unit_of_work(readonly=True) as uow:
            since = ListFilter(changed_since=moment)
            assert _paged(uow.clients.page, since, 1) == [changed, new]
            assert _paged(
                uow.clients.page, ListFilter(changed_since=moment - timedelta(days=1)), 5
            ) == [
                early,
                changed,
                new,
            ]

    def test_appeals_and_reactions_are_listed_by_position(self, storage: Storage) -> None:
        one, two = a_client(), a_client()
        appeals = [an_appeal(c) for c in (one, two, one)]
        reactions = [
            a_reaction(a, employee_id=EmployeeId(("anna", "petrov")[n % 2]))
            for n, a in enumerate(appeals + appeals)
        ]
        with storage.unit_of_work() as uow:
            put_staff(uow, a_staff())
            uow.clients.add_many([one, two])
            for appeal in appeals:
                uow.appeals.add(appeal)
            for reaction in reactions:
                uow.appeals.add_reaction(reaction)
            done = uow.appeals.update_reaction(attrs.evolve(reactions[1], done_at=T0))
        reactions[1] = done
        with storage.unit_of_work(readonly=True) as uow:
            assert _paged(uow.appeals.page, ListFilter(), 2) == appeals
            assert _paged(uow.appeals.page, ListFilter(client_id=one.id), 1) == appeals[::2]
            assert _paged(uow.appeals.reactions_page, ListFilter(), 4) == reactions
            mine = ListFilter(manager_id=EmployeeId("petrov"))
            assert _paged(uow.appeals.reactions_page, mine, 1) == reactions[1::2]
            assert _paged(uow.appeals.reactions_page, ListFilter(status="done"), 3) == [done]
            open_of_two = ListFilter(client_id=two.id, status="open")
            assert _paged(uow.appeals.reactions_page, open_of_two, 3) == [reactions[4]]


class ListingContract(_StoreContract):
    """The listings of orders, invoices and claims (``page``), and orders' external ids."""

    def test_orders_are_listed_by_position_and_found_by_external_id(self, storage: Storage) -> None:
        one, two = a_client(), a_client()
        orders = [an_order(c) for c in (one, two, one, two)]
        orders[0] = attrs.evolve(orders[0], external_id=ExternalId("crm", "o-1"))
        with storage.unit_of_work() as uow:
            uow.clients.add_many([one, two])
            for order in orders:
                uow.orders.add(order)
            orders[2] = uow.orders.update(_walk(orders[2], *_TO_QUOTED))
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.orders.update(attrs.evolve(orders[1], external_id=ExternalId("crm", "o-1")))
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.orders.by_external("crm", "o-1") == orders[0]
            assert uow.orders.by_external("crm", "o-2") is None
            assert _paged(uow.orders.page, ListFilter(), 3) == orders
            assert _paged(uow.orders.page, ListFilter(client_id=two.id), 1) == orders[1::2]
            quoted = ListFilter(status=orders[2].stage.value)
            assert _paged(uow.orders.page, quoted, 1) == [orders[2]]

    def test_invoices_and_claims_are_listed_by_position(self, storage: Storage) -> None:
        anna, oleg = EmployeeId("anna"), EmployeeId("oleg")
        one, two = a_client(manager_id=anna), a_client(manager_id=oleg)
        invoices = [an_invoice(c) for c in (one, two, one)]
        claims = [
            attrs.evolve(a_claim(c), manager_id=m)
            for c, m in ((one, oleg), (two, oleg), (two, anna))
        ]
        with storage.unit_of_work() as uow:
            uow.clients.add_many([one, two])
            for invoice in invoices:
                uow.invoices.add(invoice)
            invoices[1] = uow.invoices.update(
                attrs.evolve(invoices[1], status=InvoiceStatus.PAID, paid=invoices[1].total)
            )
            for claim in claims:
                uow.claims.add(claim)
        with storage.unit_of_work(readonly=True) as uow:
            assert _paged(uow.invoices.page, ListFilter(), 2) == invoices
            assert _paged(uow.invoices.page, ListFilter(manager_id=anna), 1) == invoices[::2]
            paid = ListFilter(status=InvoiceStatus.PAID.value)
            assert _paged(uow.invoices.page, paid, 1) == [invoices[1]]
            assert _paged(uow.invoices.page, ListFilter(client_id=two.id), 5) == [invoices[1]]
            assert _paged(uow.claims.page, ListFilter(), 1) == claims
            assert _paged(uow.claims.page, ListFilter(client_id=two.id), 1) == claims[1:]
            assert _paged(uow.claims.page, ListFilter(manager_id=anna), 1) == [claims[2]]
            assert _paged(uow.claims.page, ListFilter(status="withdrawn"), 1) == []


class ClientsAreaContract(ClientsContract, AppealsContract, StaffContract, CardSyncContract):
    """The clients area: cards, appeals, reactions and staff. What a store implementing only
    ``uow.clients``, ``uow.appeals`` and ``uow.staff`` must pass."""


class JobRunsContract(_StoreContract):
    """The record of the scheduled jobs' runs (``uow.jobs``, optional): one per job and day,
    claimed by one runner at a time, done once."""

    LEASE = timedelta(hours=1)

    def _jobs(self, uow: UnitOfWork) -> Any:
        jobs = getattr(uow, "jobs", None)
        if jobs is None:
            pytest.skip("this store keeps no record of job runs (uow.jobs)")
        return jobs

    def _claim(self, storage: Storage, owner: str, now: datetime = T0) -> JobRun | None:
        with storage.unit_of_work() as uow:
            found: JobRun | None = self._jobs(uow).claim(
                "billing", date(2025, 6, 16), owner=owner, now=now, lease=self.LEASE
            )
            return found

    def _finish(self, storage: Storage, run: JobRun, status: JobStatus, **more: Any) -> bool:
        with storage.unit_of_work() as uow:
            done: bool = self._jobs(uow).finish(
                run.job,
                run.day,
                owner=run.owner,
                attempts=run.attempts,
                status=status,
                now=T0 + timedelta(minutes=1),
                **more,
            )
            return done

    def test_a_run_is_claimed_once_and_done_once(self, storage: Storage) -> None:
        run = self._claim(storage, "a")
        assert run is not None
        assert (run.job, run.day, run.status, run.attempts, run.owner) == (
            "billing",
            date(2025, 6, 16),
            JobStatus.RUNNING,
            1,
            "a",
        )
        assert run.started_at == T0
        assert run.lease_until == T0 + self.LEASE
        assert self._claim(storage, "b") is None  # held by a
        assert self._finish(storage, run, JobStatus.DONE, summary="счетов: 3") is True
        assert self._finish(storage, run, JobStatus.DONE) is False  # not running any more
        assert self._claim(storage, "b", T0 + timedelta(days=3)) is None  # done: never again
        assert self._claim(storage, "a") is None
        with storage.unit_of_work(readonly=True) as uow:
            stored = self._jobs(uow).get("billing", date(2025, 6, 16))
            assert self._jobs(uow).get("billing", date(2025, 6, 17)) is None
        assert stored == attrs.evolve(
            run,
            status=JobStatus.DONE,
            lease_until=None,
            finished_at=T0 + timedelta(minutes=1),
            summary="счетов: 3",
        )

    def test_a_failed_run_is_claimed_again_with_its_attempts_counted(
        self, storage: Storage
    ) -> None:
        run = self._claim(storage, "a")
        assert run is not None
        assert self._finish(storage, run, JobStatus.FAILED, error="нет связи") is True
        with storage.unit_of_work(readonly=True) as uow:
            failed = self._jobs(uow).get("billing", date(2025, 6, 16))
        assert (failed.status, failed.error, failed.lease_until) == (
            JobStatus.FAILED,
            "нет связи",
            None,
        )
        again = self._claim(storage, "b", T0 + timedelta(minutes=5))
        assert again is not None
        assert (again.status, again.attempts, again.owner, again.finished_at) == (
            JobStatus.RUNNING,
            2,
            "b",
            None,
        )
        assert self._finish(storage, run, JobStatus.DONE) is False  # a's attempt is over

    def test_a_lease_that_ran_out_or_its_own_holder_takes_a_running_job_over(
        self, storage: Storage
    ) -> None:
        run = self._claim(storage, "a")
        assert run is not None
        assert self._claim(storage, "b", T0 + self.LEASE - timedelta(seconds=1)) is None
        mine = self._claim(storage, "a", T0 + timedelta(minutes=1))  # a retried task
        assert mine is not None
        assert mine.attempts == 2
        taken = self._claim(storage, "b", T0 + timedelta(minutes=1) + self.LEASE)
        assert taken is not None
        assert (taken.owner, taken.attempts) == ("b", 3)
        assert self._finish(storage, mine, JobStatus.DONE) is False  # lost its lease
        assert self._finish(storage, taken, JobStatus.DONE) is True

    def test_a_claim_is_kept_only_on_commit(self, storage: Storage) -> None:
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            self._jobs(uow).claim("billing", date(2025, 6, 16), owner="a", now=T0, lease=self.LEASE)
            raise _Boom
        with storage.unit_of_work(readonly=True) as uow:
            assert self._jobs(uow).get("billing", date(2025, 6, 16)) is None
        with (
            storage.unit_of_work(readonly=True) as uow,
            pytest.raises(StorageError, match="read-only"),
        ):
            self._jobs(uow).claim("billing", date(2025, 6, 16), owner="a", now=T0, lease=self.LEASE)
        assert self._claim(storage, "b") is not None

    def test_runs_of_a_range_of_days_by_day_then_job(self, storage: Storage) -> None:
        days = (date(2025, 6, 17), date(2025, 6, 16), date(2025, 6, 18))
        with storage.unit_of_work() as uow:
            for day in days:
                for job in ("satisfaction", "reminders", "Billing"):
                    assert (
                        self._jobs(uow).claim(job, day, owner="a", now=T0, lease=self.LEASE)
                        is not None
                    )
        with storage.unit_of_work(readonly=True) as uow:
            found = self._jobs(uow).runs(date(2025, 6, 16), date(2025, 6, 17))
        assert [(r.day.day, r.job) for r in found] == [
            (16, "Billing"),
            (16, "reminders"),
            (16, "satisfaction"),
            (17, "Billing"),
            (17, "reminders"),
            (17, "satisfaction"),
        ]


class TimelineContract(_StoreContract):
    """The card's timeline (``uow.timeline``): the store records the entries of every area's
    record in the unit of work that writes it, rewrites them when the record changes, and
    reads them newest first, a page at a time, filtered by kind and period."""

    def test_appeals_and_reactions_written_in_bulk_give_their_entries(
        self, storage: Storage
    ) -> None:
        card = a_client()
        appeal = an_appeal(card, created_by=EmployeeId("anna"))
        planned = a_reaction(appeal, employee_id=EmployeeId("anna"))
        done = a_reaction(appeal, done_at=T0 + timedelta(hours=2), done_by=EmployeeId("petrov"))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.appeals.add_many([appeal])
            uow.appeals.add_many_reactions([planned, done])
        with storage.unit_of_work() as uow:
            bulk = uow.timeline.page(card.id, TimelineQuery()).entries
        expected = [*timeline_entries(appeal), *timeline_entries(planned)]
        expected += timeline_entries(done)
        assert sorted(bulk, key=lambda e: e.id) == sorted(expected, key=lambda e: e.id)

    def test_every_area_writes_the_timeline(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        appeal = an_appeal(card, created_by=EmployeeId("anna"))
        reaction = a_reaction(appeal, employee_id=EmployeeId("anna"))
        contract = a_service_contract(card)
        order = an_order(card)
        claim = a_claim(card)
        visit = an_emergency_visit(contract)
        training = a_training(card)
        call = a_call(client=card, seconds=192, status=None)
        with storage.unit_of_work() as uow:
            uow.clients.add_many([card, other])
            uow.appeals.add(appeal)
            uow.appeals.add_reaction(reaction)
            uow.calls.add(call)
            uow.onboarding.add(an_onboarding(card))
            uow.orders.add(order)
            uow.invoices.add(an_invoice(card))
            uow.payments.add(a_payment(card))
            uow.payments.add(a_payment())  # no client yet: on no timeline
            uow.claims.add(claim)
            uow.claims.put_satisfaction(card.id, EmployeeId("anna"), date(2025, 6, 1), None)
            uow.claims.put_satisfaction(
                card.id, EmployeeId("anna"), date(2025, 6, 1), date(2025, 6, 20)
            )
            uow.service.add_contract(contract)
            uow.service.add_visit(visit)
            uow.service.add_training(training)
            uow.appeals.add(an_appeal(other))
        with storage.unit_of_work() as uow:
            # a record written again rewrites its entries and adds the new ones
            ended = attrs.evolve(
                a_call(call_id=call.call_id, client=card, seconds=192), version=call.version
            )
            uow.calls.update(attrs.evolve(ended, recording="https://pbx/rec/1.mp3"))
            uow.orders.update(_walk(order, ApproveRequest()))
            uow.appeals.update_reaction(
                attrs.evolve(
                    reaction,
                    done_at=T0 + timedelta(hours=2),
                    result=ReactionResult.DONE,
                    outcome="Договорились",
                    done_by=EmployeeId("anna"),
                )
            )
        with storage.unit_of_work(readonly=True) as uow:
            page = uow.timeline.page(card.id, TimelineQuery(limit=500))
            assert page.next is None
            kinds = {e.kind for e in page.entries}
            assert kinds == set(TimelineKind) - {TimelineKind.NOTE, TimelineKind.CARD}
            order_key = [(e.at, e.id) for e in page.entries]
            assert order_key == sorted(order_key, reverse=True)
            (call_entry,) = (e for e in page.entries if e.kind is TimelineKind.CALL)
            assert call_entry.summary == "Входящий звонок, 3 мин 12 с, есть запись"
            assert call_entry.link == "https://pbx/rec/1.mp3"
            assert call_entry.who == EmployeeId("anna")
            stages = [e.summary for e in page.entries if e.kind is TimelineKind.ORDER]
            assert len(stages) == 2
            done = [e for e in page.entries if e.id == f"reaction:{reaction.id}:done"]
            assert done[0].summary.endswith("Выполнено: Договорились")
            assert uow.timeline.page(other.id, TimelineQuery()).entries[0].kind is (
                TimelineKind.APPEAL
            )
            assert uow.timeline.page(ClientId("nobody"), TimelineQuery()).entries == ()

    def test_pages_by_keyset_filtered_by_kind_and_period(self, storage: Storage) -> None:
        card = a_client()
        appeal = an_appeal(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.appeals.add(appeal)
            for n in range(7):
                uow.appeals.add_reaction(
                    a_reaction(appeal, id=ReactionId(f"r{n}"), created_at=T0 + timedelta(hours=n))
                )
        with storage.unit_of_work(readonly=True) as uow:
            seen: list[str] = []
            after = None
            while True:
                page = uow.timeline.page(card.id, TimelineQuery(after=after, limit=3))
                seen += [e.id for e in page.entries]
                if page.next is None:
                    break
                after = page.next
            assert seen == [f"reaction:r{n}" for n in reversed(range(7))] + [f"appeal:{appeal.id}"]
            only = uow.timeline.page(card.id, TimelineQuery(kinds=(TimelineKind.APPEAL,)))
            assert [e.id for e in only.entries] == [f"appeal:{appeal.id}"]
            window = TimelineQuery(since=T0 + timedelta(hours=2), until=T0 + timedelta(hours=4))
            assert [e.ref for e in uow.timeline.page(card.id, window).entries] == ["r3", "r2"]

    def test_entries_recorded_directly_and_rewritten(self, storage: Storage) -> None:
        card = a_client()
        note = TimelineEntry(
            "note:n1",
            card.id,
            T0,
            TimelineKind.NOTE,
            "n1",
            "Заметка: перезвонить",
            who=EmployeeId("anna"),
            attachments=(Attachment("КП.pdf", "https://files/kp.pdf"),),
            body="перезвонить\nпосле обеда",
        )
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.timeline.record([note])
        with storage.unit_of_work() as uow:
            uow.timeline.record([attrs.evolve(note, summary="Заметка: перезвонить завтра")])
        with storage.unit_of_work(readonly=True) as uow:
            (stored,) = uow.timeline.page(card.id, TimelineQuery()).entries
            assert stored == attrs.evolve(note, summary="Заметка: перезвонить завтра")


class FeedContract(_StoreContract):
    """The change feed and its consumers' cursors (``uow.feed``): gapless positions given on
    commit, in order, kept only with their unit of work."""

    @staticmethod
    def _records(*names: str) -> list[FeedRecord]:
        return [
            FeedRecord.of(ClientCreated(ClientId(name), T0 + timedelta(minutes=i)))
            for i, name in enumerate(names)
        ]

    def test_the_feed_starts_empty(self, storage: Storage) -> None:
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.feed.head() == 0
            assert uow.feed.read(after=0, limit=10) == ()
            assert uow.feed.cursor("crm") == FeedCursor("crm")

    def test_appended_entries_get_gapless_positions_and_read_back_in_order(
        self, storage: Storage
    ) -> None:
        records = self._records("c1", "c2", "c3")
        with storage.unit_of_work() as uow:
            assert uow.feed.append(records[:2]) == 2
            assert uow.feed.append(records[2:]) == 3
            assert [e.position for e in uow.feed.read(after=0, limit=10)] == [1, 2, 3]
            assert uow.feed.append([]) == 3
        with storage.unit_of_work(readonly=True) as uow:
            entries = uow.feed.read(after=0, limit=10)
            assert uow.feed.head() == 3
            assert [(e.position, e.kind, e.schema, e.payload) for e in entries] == [
                (i, r.kind, r.schema, r.payload) for i, r in enumerate(records, start=1)
            ]
            assert [e.at for e in entries] == [r.at for r in records]
            assert [e.position for e in uow.feed.read(after=1, limit=1)] == [2]
            assert uow.feed.read(after=3, limit=10) == ()
        assert [e.event() for e in entries] == [
            ClientCreated(ClientId(n), r.at)
            for n, r in zip(("c1", "c2", "c3"), records, strict=True)
        ]

    def test_a_large_append_after_a_small_one_reads_back_whole(self, storage: Storage) -> None:
        names = [f"c{i}" for i in range(300)]
        records = self._records(*names)
        with storage.unit_of_work() as uow:
            assert uow.feed.append(records[:1]) == 1
            assert uow.feed.append(records[1:]) == 300
        with storage.unit_of_work(readonly=True) as uow:
            entries = uow.feed.read(after=0, limit=1000)
        assert [e.position for e in entries] == list(range(1, 301))
        assert [e.data()["client_id"] for e in entries] == names
        assert [e.at for e in entries] == [r.at for r in records]

    def test_a_failed_unit_of_work_keeps_no_entry_and_gives_its_positions_back(
        self, storage: Storage
    ) -> None:
        with storage.unit_of_work() as uow:
            uow.feed.append(self._records("c1"))
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            assert uow.feed.append(self._records("lost", "lost2")) == 3
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.feed.head() == 1
            assert uow.feed.append(self._records("c2")) == 2
        with storage.unit_of_work(readonly=True) as uow:
            assert [e.data()["client_id"] for e in uow.feed.read(after=0, limit=9)] == ["c1", "c2"]

    def test_a_read_only_unit_of_work_refuses_an_append(self, storage: Storage) -> None:
        with (
            storage.unit_of_work(readonly=True) as uow,
            pytest.raises(StorageError, match="read-only"),
        ):
            uow.feed.append(self._records("c1"))
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.feed.head() == 0

    def test_a_cursor_is_saved_and_names_its_message_and_status(self, storage: Storage) -> None:
        message = OutboxMessage.new("feed.webhook.crm", {"n": 1}, key="feed:1-2", now=T0)
        with storage.unit_of_work() as uow:
            uow.feed.append(self._records("c1", "c2"))
            assert uow.feed.cursor("crm", lock=True) == FeedCursor("crm")
            uow.outbox.enqueue(message)
            uow.feed.save_cursor(FeedCursor("crm", 2, message.id, 0))
            uow.feed.save_cursor(FeedCursor("index", 1))
        with storage.unit_of_work(readonly=True) as uow:
            cursor = uow.feed.cursor("crm")
            assert (cursor.position, cursor.message_id, cursor.batch_after) == (2, message.id, 0)
            assert cursor.message_status is OutboxStatus.PENDING
            assert uow.feed.cursor("index") == FeedCursor("index", 1)
            assert uow.feed.cursor("index").message_status is None
        with storage.unit_of_work() as uow:
            (claimed,) = uow.outbox.claim(now=T0, lease=timedelta(minutes=1), limit=1)
            uow.outbox.finish(after_success(claimed, now=T0))
        with storage.unit_of_work() as uow:
            assert uow.feed.cursor("crm", lock=True).message_status is OutboxStatus.DELIVERED
            uow.feed.save_cursor(FeedCursor("crm", 1))
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.feed.cursor("crm") == FeedCursor("crm", 1)


class PlanSheetsContract(_StoreContract):
    """The monthly plans and reports (``uow.plans``, optional): one of each kind per manager
    and month, found by kind, manager and month, listed by month, updated by version."""

    def _plans(self, uow: UnitOfWork) -> Any:
        plans = getattr(uow, "plans", None)
        if plans is None:
            pytest.skip("this store keeps no plans (uow.plans)")
        return plans

    @staticmethod
    def _sheet(kind: SheetKind, manager: str, month: Month) -> MonthlySheet:
        return MonthlySheet(
            f"{kind.value}-{manager}-{month}",
            kind,
            EmployeeId(manager),
            DepartmentId("client"),
            month,
            (Figure(PlanLine.NEW_CLIENTS, Decimal(3)), Figure(PlanLine.PROFIT, Decimal("150.50"))),
        )

    def test_a_sheet_is_stored_found_and_listed_by_month(self, storage: Storage) -> None:
        march, april = Month(2026, 3), Month(2026, 4)
        with storage.unit_of_work() as uow:
            plans = self._plans(uow)
            plans.add(self._sheet(SheetKind.REPORT, "anna", march))
            plans.add(self._sheet(SheetKind.PLAN, "oleg", march))
            plans.add(self._sheet(SheetKind.PLAN, "anna", march))
            plans.add(self._sheet(SheetKind.PLAN, "anna", april))
        with storage.unit_of_work(readonly=True) as uow:
            plans = self._plans(uow)
            found = plans.find(SheetKind.PLAN, EmployeeId("anna"), march)
            assert found == self._sheet(SheetKind.PLAN, "anna", march)
            assert found.value(PlanLine.PROFIT) == Decimal("150.50")
            assert plans.find(SheetKind.REPORT, EmployeeId("oleg"), march) is None
            assert [(s.kind, s.manager_id) for s in plans.of_month(march)] == [
                (SheetKind.PLAN, "anna"),
                (SheetKind.PLAN, "oleg"),
                (SheetKind.REPORT, "anna"),
            ]
            assert plans.get("plan-anna-2026-04").month == april

    def test_one_sheet_of_a_kind_per_manager_and_month(self, storage: Storage) -> None:
        sheet = self._sheet(SheetKind.PLAN, "anna", Month(2026, 3))
        with storage.unit_of_work() as uow:
            self._plans(uow).add(sheet)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            self._plans(uow).add(attrs.evolve(sheet, id="another-id"))
        with pytest.raises(NotFoundError), storage.unit_of_work(readonly=True) as uow:
            self._plans(uow).get("another-id")

    def test_an_update_bumps_the_version_and_refuses_a_stale_one(self, storage: Storage) -> None:
        sheet = self._sheet(SheetKind.PLAN, "anna", Month(2026, 3))
        step = SheetStep(SheetState.SUBMITTED, T0, EmployeeId("anna"))
        with storage.unit_of_work() as uow:
            self._plans(uow).add(sheet)
            new = self._plans(uow).update(
                attrs.evolve(sheet, state=SheetState.SUBMITTED, history=(step,))
            )
        assert new.version == 1
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            self._plans(uow).update(attrs.evolve(sheet, state=SheetState.APPROVED))
        with storage.unit_of_work(readonly=True) as uow:
            stored = self._plans(uow).get(sheet.id)
        assert (stored.state, stored.history, stored.version) == (
            SheetState.SUBMITTED,
            (step,),
            1,
        )


class RetentionContract(_StoreContract):
    """Clients' retention statuses (``uow.retention``): one versioned record per client."""

    @staticmethod
    def _record(client: Client, **overrides: Any) -> RetentionRecord:
        fields: dict[str, Any] = {
            "client_id": client.id,
            "status": RetentionStatus.LEAVING,
            "since": T0,
            "by": EmployeeId("anna"),
            "manager_id": client.manager_id,
            "signals": (SignalKind.NO_ORDERS, SignalKind.OVERDUE_DEBT),
            "termination_on": date(2025, 7, 31),
        }
        fields.update(overrides)
        return RetentionRecord(**fields)

    def test_a_record_round_trips_and_moves_on_with_its_version(self, storage: Storage) -> None:
        first = a_client(id=ClientId("c1"), manager_id=EmployeeId("anna"))
        second = a_client(id=ClientId("c2"), name="ООО «Лютик»")
        record = self._record(first)
        with storage.unit_of_work() as uow:
            uow.clients.add(first)
            uow.clients.add(second)
            assert retention_repository(uow).get(first.id) is None
            retention_repository(uow).add(record)
            retention_repository(uow).add(
                self._record(second, status=RetentionStatus.LEFT, reason="Дорого")
            )
        with storage.unit_of_work() as uow:
            assert retention_repository(uow).get(first.id) == record
            stayed = retention_repository(uow).update(
                attrs.evolve(record, status=RetentionStatus.STAYED, reason="Скидка 5 %")
            )
            assert stayed.version == 1
        with storage.unit_of_work(readonly=True) as uow:
            assert retention_repository(uow).get(first.id) == stayed
            assert [r.client_id for r in retention_repository(uow).all()] == ["c1", "c2"]
            left = retention_repository(uow).all(status=RetentionStatus.LEFT)
            assert [(r.client_id, r.reason) for r in left] == [("c2", "Дорого")]
            assert retention_repository(uow).all(status=RetentionStatus.PAUSED) == ()

    def test_a_stale_write_a_second_record_and_an_unknown_client_are_refused(
        self, storage: Storage
    ) -> None:
        card = a_client(id=ClientId("c1"))
        record = self._record(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            retention_repository(uow).add(record)
            retention_repository(uow).update(record)
        nobody = self._record(a_client(id=ClientId("nobody")))
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            retention_repository(uow).update(record)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            retention_repository(uow).add(record)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            retention_repository(uow).add(nobody)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            retention_repository(uow).update(nobody)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            retention_repository(uow).update(
                attrs.evolve(record, version=1, status=RetentionStatus.LEFT)
            )
            raise _Boom
        with storage.unit_of_work(readonly=True) as uow:
            stored = retention_repository(uow).get(card.id)
            assert stored is not None
            assert (stored.status, stored.version) == (RetentionStatus.LEAVING, 1)


class ContractorsContract(_StoreContract):
    """Contractors and their visits (``contractors_repository(uow)``): versioned records, a client's
    visits oldest first."""

    @staticmethod
    def _contractor(**overrides: Any) -> Contractor:
        fields: dict[str, Any] = {
            "id": ContractorId("montazh"),
            "name": "ООО «Монтаж-Сервис»",
            "services": ("монтаж турникета",),
            "contract": ContractorContract("П-3/25", date(2025, 1, 1), date(2025, 12, 31)),
            "prices": (ContractorPrice("монтаж турникета", Money("14000"), date(2025, 1, 1)),),
        }
        fields.update(overrides)
        return Contractor(**fields)

    @staticmethod
    def _visit(client: Client, **overrides: Any) -> ContractorVisit:
        fields: dict[str, Any] = {
            "id": new_id(),
            "contractor_id": ContractorId("montazh"),
            "client_id": client.id,
            "service": "монтаж турникета",
            "day": date(2025, 7, 1),
            "planned_by": EmployeeId("anna"),
            "planned_at": T0,
        }
        fields.update(overrides)
        return ContractorVisit(**fields)

    def test_contractors_and_visits_round_trip(self, storage: Storage) -> None:
        card = a_client(id=ClientId("c1"))
        contractor = self._contractor()
        first, second = self._visit(card), self._visit(card, day=date(2025, 8, 1))
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            contractors_repository(uow).add(contractor)
            contractors_repository(uow).add(
                self._contractor(id=ContractorId("b"), name="ИП Электрик")
            )
            contractors_repository(uow).add_visit(first)
            contractors_repository(uow).add_visit(second)
        with storage.unit_of_work() as uow:
            assert contractors_repository(uow).get(contractor.id) == contractor
            assert [c.id for c in contractors_repository(uow).all()] == ["montazh", "b"]
            priced = contractors_repository(uow).update(
                attrs.evolve(
                    contractor,
                    prices=(
                        *contractor.prices,
                        ContractorPrice("монтаж турникета", Money("15000"), date(2025, 7, 1)),
                    ),
                )
            )
            done = contractors_repository(uow).update_visit(
                attrs.evolve(first, status=ContractorVisitStatus.DONE, work_done="Смонтирован")
            )
            assert (priced.version, done.version) == (1, 1)
        with storage.unit_of_work(readonly=True) as uow:
            assert contractors_repository(uow).get(contractor.id) == priced
            assert contractors_repository(uow).get_visit(first.id) == done
            assert [v.id for v in contractors_repository(uow).visits_of(card.id)] == [
                first.id,
                second.id,
            ]

    def test_stale_writes_taken_ids_and_unknown_references_are_refused(
        self, storage: Storage
    ) -> None:
        card = a_client(id=ClientId("c1"))
        contractor = self._contractor()
        visit = self._visit(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            contractors_repository(uow).add(contractor)
            contractors_repository(uow).add_visit(visit)
            contractors_repository(uow).update(contractor)
            contractors_repository(uow).update_visit(visit)
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            contractors_repository(uow).update(contractor)
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            contractors_repository(uow).update_visit(visit)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            contractors_repository(uow).add(contractor)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            contractors_repository(uow).add_visit(
                self._visit(card, contractor_id=ContractorId("nobody"))
            )
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            contractors_repository(uow).add_visit(self._visit(a_client(id=ClientId("nobody"))))
        with pytest.raises(NotFoundError), storage.unit_of_work(readonly=True) as uow:
            contractors_repository(uow).get_visit("missing")


class MarketingContract(_StoreContract):
    """The items for marketing (``retention_repository(uow).add_marketing``, ``marketing``)."""

    def test_items_are_kept_and_listed_by_kind_and_client(self, storage: Storage) -> None:
        card, other = a_client(id=ClientId("c1")), a_client(id=ClientId("c2"), name="АО «Лютик»")
        wish = MarketingItem(
            "m1", card.id, MarketingKind.WISH, "Хотят оплату по QR-коду", T0, EmployeeId("olga")
        )
        letter = MarketingItem(
            "m2",
            other.id,
            MarketingKind.THANKS_LETTER,
            "Благодарим за быструю установку",
            T0 + timedelta(hours=1),
            EmployeeId("anna"),
            source="почта",
            reference="letters/lutik-2025.pdf",
        )
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            retention_repository(uow).add_marketing(wish)
            retention_repository(uow).add_marketing(letter)
        with storage.unit_of_work(readonly=True) as uow:
            assert retention_repository(uow).marketing() == (wish, letter)
            assert retention_repository(uow).marketing(kind=MarketingKind.WISH) == (wish,)
            assert retention_repository(uow).marketing(client_id=other.id) == (letter,)
            assert (
                retention_repository(uow).marketing(kind=MarketingKind.CASE, client_id=card.id)
                == ()
            )
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            retention_repository(uow).add_marketing(wish)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            retention_repository(uow).add_marketing(
                attrs.evolve(wish, id="m3", client_id=ClientId("nobody"))
            )


class CreditLimitsContract(_StoreContract):
    """The clients' own credit limits (``uow.retention.credit_limit``, ``put_credit_limit``)."""

    def test_a_limit_is_set_replaced_and_kept_per_client(self, storage: Storage) -> None:
        card, other = a_client(id=ClientId("c1")), a_client(id=ClientId("c2"), name="АО «Лютик»")
        first = CreditLimit(card.id, Money("500000"), EmployeeId("anna"), T0, "крупный клиент")
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            assert retention_repository(uow).credit_limit(card.id) is None
            retention_repository(uow).put_credit_limit(first)
        with storage.unit_of_work() as uow:
            assert retention_repository(uow).credit_limit(card.id) == first
            retention_repository(uow).put_credit_limit(
                attrs.evolve(first, limit=Money(0), note=None)
            )
        with storage.unit_of_work(readonly=True) as uow:
            assert retention_repository(uow).credit_limit(card.id) == attrs.evolve(
                first, limit=Money(0), note=None
            )
            assert retention_repository(uow).credit_limit(other.id) is None
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            retention_repository(uow).put_credit_limit(
                attrs.evolve(first, client_id=ClientId("nobody"))
            )


class ClientTermsContract(_StoreContract):
    """The clients' special conditions (``uow.retention.client_terms``, ``put_client_terms``)
    and the agreements with partners (``add_agreement``, ``agreement``, ``update_agreement``,
    ``agreements``)."""

    def test_terms_are_set_replaced_and_kept_per_client(self, storage: Storage) -> None:
        card, other = a_client(id=ClientId("c1")), a_client(id=ClientId("c2"), name="АО «Лютик»")
        first = ClientTerms(
            card.id, Decimal("0.1"), date(2025, 1, 1), date(2025, 12, 31), EmployeeId("anna"), T0
        )
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            assert retention_repository(uow).client_terms(card.id) is None
            retention_repository(uow).put_client_terms(first)
        with storage.unit_of_work() as uow:
            assert retention_repository(uow).client_terms(card.id) == first
            retention_repository(uow).put_client_terms(
                attrs.evolve(first, valid_until=None, conditions="VIP")
            )
        with storage.unit_of_work(readonly=True) as uow:
            assert retention_repository(uow).client_terms(card.id) == attrs.evolve(
                first, valid_until=None, conditions="VIP"
            )
            assert retention_repository(uow).client_terms(other.id) is None
            assert retention_repository(uow).all_client_terms() == (
                attrs.evolve(first, valid_until=None, conditions="VIP"),
            )
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            retention_repository(uow).put_client_terms(
                attrs.evolve(first, client_id=ClientId("nobody"))
            )

    def test_agreements_are_versioned_and_listed_per_counterparty(self, storage: Storage) -> None:
        omega, delta = a_client(id=ClientId("c1")), a_client(id=ClientId("c2"), name="АО «Дельта»")

        def agreement(counterparty: Client, number: str) -> PartnerAgreement:
            return PartnerAgreement(
                new_id(),
                counterparty.id,
                CounterpartyKind.SUPPLIER,
                number,
                "Отсрочка платежа 30 дней",
                date(2025, 1, 1),
                date(2025, 12, 31),
                EmployeeId("anna"),
                T0,
                EmployeeId("anna"),
                loyalty="Бонус 3 %",
            )

        first, second, third = agreement(omega, "1"), agreement(omega, "2"), agreement(delta, "3")
        with storage.unit_of_work() as uow:
            uow.clients.add(omega)
            uow.clients.add(delta)
            for each in (first, second, third):
                retention_repository(uow).add_agreement(each)
        with storage.unit_of_work() as uow:
            assert retention_repository(uow).agreements(counterparty_id=omega.id) == (first, second)
            assert retention_repository(uow).agreements() == (first, second, third)
            assert retention_repository(uow).agreement(first.id) == first
            renewed = retention_repository(uow).update_agreement(attrs.evolve(first, ends_on=None))
            assert renewed.version == 1
        with storage.unit_of_work(readonly=True) as uow:
            assert retention_repository(uow).agreement(first.id) == renewed
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            retention_repository(uow).update_agreement(first)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            retention_repository(uow).add_agreement(second)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            retention_repository(uow).add_agreement(
                attrs.evolve(agreement(omega, "4"), counterparty_id=ClientId("x"))
            )
        with pytest.raises(NotFoundError), storage.unit_of_work(readonly=True) as uow:
            retention_repository(uow).agreement("nothing")


class LegalCasesContract(_StoreContract):
    """Legal cases (``legal_repository(uow)``): versioned records of a client, oldest first."""

    @staticmethod
    def _case(client: Client, **overrides: Any) -> LegalCase:
        fields: dict[str, Any] = {
            "id": LegalCaseId(new_id()),
            "claim_id": "k1",
            "client_id": client.id,
            "lawyer_id": EmployeeId("ivanov"),
            "court": "Арбитражный суд города Москвы",
            "case_number": "А40-12345/2025",
            "opened_at": T0,
            "opened_by": EmployeeId("anna"),
            "appeal_id": "legal-1",
        }
        fields.update(overrides)
        return LegalCase(**fields)

    def test_a_case_round_trips_and_is_listed_with_its_client(self, storage: Storage) -> None:
        card, other = a_client(id=ClientId("c1")), a_client(id=ClientId("c2"), name="АО «Лютик»")
        first, second = self._case(card), self._case(card, case_number="А40-2/2025")
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.clients.add(other)
            legal_repository(uow).add(first)
            legal_repository(uow).add(second)
            legal_repository(uow).add(self._case(other))
        with storage.unit_of_work() as uow:
            assert legal_repository(uow).get(first.id) == first
            heard = attrs.evolve(first, hearings=(Hearing(T0 + timedelta(days=10)),))
            closed = legal_repository(uow).update(
                attrs.evolve(heard, outcome=LegalOutcome.WON, money=Money("45000"), closed_at=T0)
            )
            assert closed.version == 1
        with storage.unit_of_work(readonly=True) as uow:
            assert [c.id for c in legal_repository(uow).of_client(card.id)] == [first.id, second.id]
            assert legal_repository(uow).get(first.id) == closed

    def test_a_stale_write_a_taken_id_and_an_unknown_client_are_refused(
        self, storage: Storage
    ) -> None:
        card = a_client(id=ClientId("c1"))
        case = self._case(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            legal_repository(uow).add(case)
            legal_repository(uow).update(case)
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            legal_repository(uow).update(case)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            legal_repository(uow).add(case)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            legal_repository(uow).add(self._case(a_client(id=ClientId("nobody"))))
        with pytest.raises(NotFoundError), storage.unit_of_work(readonly=True) as uow:
            legal_repository(uow).get(LegalCaseId("missing"))


class StorageContract(
    ClientsAreaContract,
    OutboxContract,
    OnboardingContract,
    OrdersContract,
    CallsContract,
    BillingContract,
    ClaimsContract,
    ServiceVisitsContract,
    AgendaQueriesContract,
    CampaignsContract,
    JobRunsContract,
    TimelineContract,
    ListingContract,
    FeedContract,
    PlanSheetsContract,
    RetentionContract,
    CreditLimitsContract,
    ClientTermsContract,
    LegalCasesContract,
    ContractorsContract,
    MarketingContract,
):
    """The behaviour every clientops store must have: every area's contract. Subclass it and
    provide a ``storage`` fixture that yields a fresh, empty store."""


class PersistentStorageContract(StorageContract):
    """The contract for a store that keeps its data: adds checks across a reopen. Implement
    :meth:`reopen` to open the same data again."""

    def reopen(self, storage: Storage) -> Storage:  # pragma: no cover - always overridden
        raise NotImplementedError("return a new store over the same data")

    def test_data_survives_a_reopen(self, storage: Storage) -> None:
        card = a_client(contract_numbers=("77/1",))
        appeal = an_appeal(card)
        reaction = a_reaction(appeal)
        with storage.unit_of_work() as uow:
            put_staff(uow, a_staff())
            uow.clients.add(card)
            uow.appeals.add(appeal)
            uow.appeals.add_reaction(reaction)
        storage.close()
        again = self.reopen(storage)
        try:
            with again.unit_of_work() as uow:
                assert uow.clients.find(ClientQuery(contract="77/1")) == (card,)
                assert uow.appeals.reactions_of(card.id) == (reaction,)
                assert len(uow.staff.directory().employees) == len(a_staff().employees)
        finally:
            again.close()

    def test_onboardings_and_orders_survive_a_reopen(self, storage: Storage) -> None:
        card = a_client()
        onboarding = _a_full_onboarding(card)
        order = _a_closed_order(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.onboarding.add(onboarding)
            uow.orders.add(order)
            opened = an_order(card)
            uow.orders.add(opened)
            quoted = uow.orders.update(_walk(opened, *_TO_QUOTED))
        storage.close()
        again = self.reopen(storage)
        try:
            with again.unit_of_work() as uow:
                assert uow.onboarding.of_client(card.id) == (onboarding,)
                assert uow.onboarding.open(EmployeeId("anna")) == (onboarding,)
                assert uow.orders.get(order.id) == order
                assert uow.orders.find(quoted.number) == quoted
                assert uow.orders.open() == (quoted,)
        finally:
            again.close()

    def test_billing_records_survive_a_reopen(self, storage: Storage) -> None:
        card = a_client()
        subscription = a_subscription(card, payer_inn="7701234567")
        invoice = an_invoice(card, subscription_id=subscription.id, number="С-077")
        payment, unmatched = a_payment(card), a_payment(date=date(2025, 6, 21))
        allocation = an_allocation(payment, invoice)
        credit = a_credit(card, payment_id=payment.id)
        bill = a_supplier_bill()
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.subscriptions.add(subscription)
            uow.invoices.add(invoice)
            paid = uow.invoices.update(
                attrs.evolve(invoice, status=InvoiceStatus.PAID, paid=invoice.total)
            )
            uow.invoices.add(open_one := an_invoice(card, period=Month(2025, 7)))
            uow.payments.add(payment)
            uow.payments.add(unmatched)
            uow.payments.add_allocation(allocation)
            uow.payments.add_credit(credit)
            uow.payments.add_supplier_bill(bill)
        storage.close()
        again = self.reopen(storage)
        try:
            with again.unit_of_work() as uow:
                assert uow.subscriptions.of_client(card.id) == (subscription,)
                assert uow.invoices.find("c-77") == paid
                assert uow.invoices.of_client(card.id) == (paid, open_one)
                assert uow.invoices.for_period(Month(2025, 7)) == (open_one,)
                assert uow.invoices.open() == (open_one,)
                assert sorted(uow.invoices.numbers(2025)) == sorted(["С-077", open_one.number])
                assert uow.payments.of_client(card.id) == (payment,)
                assert uow.payments.unmatched() == (unmatched,)
                assert uow.payments.allocations_of(card.id) == (allocation,)
                assert uow.payments.credits() == (credit,)
                assert uow.payments.supplier_bills() == (bill,)
                with pytest.raises(DuplicateError):
                    uow.invoices.add(an_invoice(card, number="С-77"))
        finally:
            again.close()

    def test_service_records_survive_a_reopen(self, storage: Storage) -> None:
        card = a_client()
        claim, contract = a_claim(card), a_service_contract(card)
        visit, training = an_emergency_visit(contract), a_training(card)
        with storage.unit_of_work() as uow:
            uow.clients.add(card)
            uow.claims.add(claim)
            uow.claims.put_satisfaction(card.id, _ANNA, date(2026, 1, 12), date(2026, 2, 2))
            uow.service.add_contract(contract)
            uow.service.add_visit(visit)
            uow.service.add_training(training)
        storage.close()
        again = self.reopen(storage)
        try:
            with again.unit_of_work() as uow:
                assert uow.claims.open() == (claim,)
                assert uow.claims.satisfaction_of(card.id) == AssignedClient(
                    card.id, _ANNA, date(2026, 1, 12), date(2026, 2, 2), card.name
                )
                assert uow.service.contracts_of(card.id) == (contract,)
                assert uow.service.open_visits() == (visit,)
                assert uow.service.trainings_of(card.id) == (training,)
        finally:
            again.close()

    def test_rolled_back_work_is_gone_after_a_reopen(self, storage: Storage) -> None:
        card = a_client()
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.clients.add(card)
            raise _Boom
        storage.close()
        again = self.reopen(storage)
        try:
            with again.unit_of_work() as uow:
                assert uow.clients.count() == 0
        finally:
            again.close()


class _Failing:
    """A unit of work, or one of its repositories, whose ``operation`` fails on cue."""

    def __init__(self, inner: Any, owner: FailingStorage, path: tuple[str, ...]) -> None:
        self._inner = inner
        self._owner = owner
        self._path = path  # what is left of the operation's dotted path below this object

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not self._path or name != self._path[0]:
            return attr
        if len(self._path) > 1:  # the repository: wrap it, its method fails
            return _Failing(attr, self._owner, self._path[1:])
        owner = self._owner

        def failing(*args: Any, **kwargs: Any) -> Any:
            if owner.remaining <= 0:
                raise StorageError(owner.name, owner.operation, "injected failure")
            owner.remaining -= 1
            return attr(*args, **kwargs)

        return failing


class FailingStorage:
    """Wraps a real store; the repository method named by ``operation``
    (``"appeals.add_reaction"``: ``uow.appeals.add_reaction``) fails with :class:`StorageError`
    (its ``operation`` that name) after succeeding ``after`` times. Everything else goes through
    to the wrapped store, whose own rollback undoes the partial work."""

    def __init__(self, inner: Storage, operation: str, *, after: int = 0) -> None:
        self.inner = inner
        self.name = inner.name
        self.operation = operation
        self.remaining = after

    @contextmanager
    def _work(self, readonly: bool) -> Iterator[UnitOfWork]:
        with self.inner.unit_of_work(readonly=readonly) as uow:
            yield _Failing(uow, self, tuple(self.operation.split(".")))

    def unit_of_work(self, *, readonly: bool = False) -> AbstractContextManager[UnitOfWork]:
        return self._work(readonly)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def clientops_staff() -> StaffDirectory:
    """The small department of :func:`a_staff`."""
    return a_staff()


@pytest.fixture
def clientops_memory(clientops_staff: StaffDirectory) -> Iterator[ClientOps]:
    """A :class:`~clientops.ClientOps` over an in-memory store holding :func:`a_staff`, whose
    clock stands still at :data:`T0` (until the test sets ``ops.context.clock``)."""
    from clientops.adapters.memory import MemoryStorage
    from clientops.host import PluginHost

    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        put_staff(uow, clientops_staff)
    ops = ClientOps(storage, host=PluginHost(entry_points=False), clock=lambda: T0)
    yield ops
    ops.close()
