"""The client folder check and the onboarding checklist (seed 000, Appendix 1), as pure rules:
the folder's nonconformities, who hears about them, the parcel, the welcome call, the intake
of a folder, and the ten steps with their prerequisites."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientops import Policy
from clientops._onboarding import PARCEL_STEPS
from clientops.courier import Booking, Quote
from clientops.errors import TransitionError, ValidationError
from clientops.model import (
    AppealId,
    AppealType,
    ClientCategory,
    ClientId,
    Contact,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Money,
    Phone,
    ReactionKind,
    Role,
    StaffDirectory,
)
from clientops.onboarding import (
    STEP_REQUIRES,
    Blocker,
    ClientFolder,
    DocumentCopy,
    FolderContract,
    FolderInvoice,
    NonconformityKind,
    Onboarding,
    OnboardingId,
    OnboardingPolicy,
    OnboardingStep,
    OnboardingTexts,
    ParcelItem,
    ParcelItemKind,
    ProductRule,
    Recipient,
    StepRecord,
    TitlePage,
)
from clientops.rules.onboarding import (
    FolderCheck,
    FolderIntake,
    check_folder,
    complete_step,
    intake_folder,
    nonconformity_recipients,
    parcel_items,
    parcel_weight,
    plan_delivery,
    record_booking,
    record_welcome_call,
    send_contacts_refusal,
    welcome_script,
)
from clientops.testing import T0, a_client, a_staff

NK = NonconformityKind
S = OnboardingStep
ANNA = EmployeeId("anna")
PETROV = EmployeeId("petrov")
KUZNETSOVA = EmployeeId("kuznetsova")
OMSK_PHONE = Phone("+73812123456")
RU = OnboardingTexts()


# ----------------------------------------------------------------------------- builders


def a_title(**fields: Any) -> TitlePage:
    """A title page with every field filled in correctly."""
    defaults: dict[str, Any] = {
        "client_name": "ООО «Ромашка»",
        "contract_number": "12/25",
        "sales_manager": "Кузнецова Мария",
        "city": "Омск",
        "contact_person": "Сергей Петрович",
        "phone": "+7 3812 12-34-56",
        "products": ("ArchiMed+",),
        "address": "Омск, ул. Ленина, 1",
    }
    defaults.update(fields)
    return TitlePage(**defaults)


def copies(n: int) -> tuple[DocumentCopy, ...]:
    return (DocumentCopy(),) * n


def a_folder(
    title: TitlePage | None = None,
    *,
    contracts: tuple[FolderContract, ...] | None = None,
    invoices: tuple[FolderInvoice, ...] | None = None,
    no_title: bool = False,
) -> ClientFolder:
    """A folder in order: the title page, contract 12/25 in 3 copies, invoice С-101 in 2."""
    return ClientFolder(
        title_page=None if no_title else (title or a_title()),
        contracts=(FolderContract("12/25", copies=copies(3)),) if contracts is None else contracts,
        invoices=(FolderInvoice("С-101", copies=copies(2)),) if invoices is None else invoices,
    )


def with_onboarding(**changes: Any) -> Policy:
    return Policy(onboarding=attrs.evolve(OnboardingPolicy(), **changes))


def check(
    folder: ClientFolder, *, policy: Policy | None = None, staff: StaffDirectory | None = None
) -> FolderCheck:
    return check_folder(folder, staff=staff or a_staff(), policy=policy or Policy())


def anna() -> Employee:
    found = a_staff().employee(ANNA)
    assert found is not None
    return found


def ids(prefix: str = "id") -> Callable[[], str]:
    """A deterministic ``make_id``: id-1, id-2, …"""
    numbers = itertools.count(1)
    return lambda: f"{prefix}-{next(numbers)}"


def intake(
    folder: ClientFolder | None = None,
    *,
    existing: Any = None,
    policy: Policy | None = None,
    staff: StaffDirectory | None = None,
    make_id: Callable[[], str] | None = None,
) -> FolderIntake:
    return intake_folder(
        folder or a_folder(),
        manager=anna(),
        staff=staff or a_staff(),
        existing=existing,
        now=T0,
        policy=policy or Policy(),
        make_id=make_id or ids(),
    )


def an_onboarding(
    *, done: tuple[OnboardingStep, ...] = (), not_applicable: tuple[OnboardingStep, ...] = ()
) -> Onboarding:
    """An onboarding with ``done`` done by Анна at T0 and ``not_applicable`` marked so."""
    steps = []
    for step in OnboardingStep:
        if step in done:
            steps.append(StepRecord(step, ANNA, T0))
        elif step in not_applicable:
            steps.append(StepRecord(step, not_applicable=True))
        else:
            steps.append(StepRecord(step))
    return Onboarding(
        id=OnboardingId("ob-1"),
        client_id=ClientId("c-1"),
        appeal_id=AppealId("a-1"),
        manager_id=ANNA,
        folder=a_folder(),
        started_at=T0,
        steps=tuple(steps),
    )


def a_quote(days_min: int = 4, days_max: int = 7) -> Quote:
    return Quote("offline", "Москва", "Омск", "zone-3", Money(700), days_min, days_max)


def a_booking(key: str = "pickup-ob-1") -> Booking:
    return Booking("offline", key, "ORD-1", "TRK-1", "PU-1", date(2025, 6, 24))


def staff_with(*extra: Employee, sales_head: EmployeeId | None = PETROV) -> StaffDirectory:
    """The sample staff plus ``extra`` employees, with the head of sales replaced."""
    base = a_staff()
    departments = tuple(
        attrs.evolve(d, head_id=sales_head) if d.id == "sales" else d for d in base.departments
    )
    return StaffDirectory(
        departments=departments, employees=(*base.employees, *extra), absences=base.absences
    )


# ============================================================================ check_folder


def test_a_folder_in_order_has_no_nonconformity() -> None:
    result = check(a_folder())
    assert result.ok
    assert result.nonconformities == ()
    assert result.to_sign == ()
    assert result.kinds() == ()
    assert result.sales_manager is not None
    assert result.sales_manager.id == KUZNETSOVA
    assert result.phone == OMSK_PHONE


def test_missing_title_page_is_reported_and_the_rest_still_checked() -> None:
    result = check(a_folder(no_title=True, invoices=()))
    assert result.kinds() == (NK.NO_TITLE_PAGE, NK.NO_INVOICE)
    first = result.nonconformities[0]
    assert (first.document, first.message, first.field) == (
        "Титульный лист",
        "Нет титульного листа",
        "title_page",
    )
    assert result.sales_manager is None
    assert result.phone is None
    assert not result.ok


@pytest.mark.parametrize(
    ("field", "blank", "label"),
    [
        ("client_name", "", "Наименование"),
        ("contract_number", "", "Номер договора"),
        ("sales_manager", "", "Ф.И.О. ведущего менеджера"),
        ("city", "  ", "Город"),
        ("contact_person", "\t", "Контактное лицо"),
        ("phone", "", "Номер телефона"),
        ("products", (), "Программный продукт"),
        ("products", ("", "  "), "Программный продукт"),
    ],
)
def test_each_blank_title_page_field_is_missing_and_named_as_on_paper(
    field: str, blank: object, label: str
) -> None:
    result = check(a_folder(a_title(**{field: blank})))
    assert result.kinds() == (NK.FIELD_MISSING,)
    (found,) = result.nonconformities
    assert found.field == f"title_page.{field}"
    assert found.document == "Титульный лист"
    assert found.message == f"Титульный лист: не заполнено поле «{label}»"
    assert label in found.message


def test_every_blank_field_is_reported_in_title_page_order() -> None:
    empty = TitlePage()
    result = check(a_folder(empty))
    assert [n.field for n in result.nonconformities] == [
        "title_page.client_name",
        "title_page.contract_number",
        "title_page.sales_manager",
        "title_page.city",
        "title_page.contact_person",
        "title_page.phone",
        "title_page.products",
    ]
    assert set(result.kinds()) == {NK.FIELD_MISSING}


def test_policy_chooses_which_title_page_fields_are_required() -> None:
    lax = with_onboarding(title_page_fields=("client_name", "city"))
    folder = a_folder(a_title(contact_person="", products=(), sales_manager=""))
    assert check(folder, policy=lax).ok
    assert check(folder).kinds() == (NK.FIELD_MISSING,) * 3


def test_unknown_title_page_field_in_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown title page fields"):
        OnboardingPolicy(title_page_fields=("client_name", "inn"))


@pytest.mark.parametrize("phone", ["123", "не помню", "8 (000) 000-00-00", "+7 912 345-67-8"])
def test_a_phone_that_is_not_one_is_field_invalid(phone: str) -> None:
    result = check(a_folder(a_title(phone=phone)))
    assert result.kinds() == (NK.FIELD_INVALID,)
    (found,) = result.nonconformities
    assert found.field == "title_page.phone"
    assert found.message == (
        "Титульный лист: поле «Номер телефона» заполнено неверно (это не номер телефона)"
    )
    assert result.phone is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Кузнецова Мария", KUZNETSOVA),
        ("кузнецова м. п.", KUZNETSOVA),
        ("Кузнецова М.П.", KUZNETSOVA),
        ("Петров", PETROV),
        ("kuznetsova", KUZNETSOVA),
    ],
)
def test_the_sales_manager_is_found_however_the_name_is_written(
    written: str, expected: EmployeeId
) -> None:
    result = check(a_folder(a_title(sales_manager=written)))
    assert result.ok
    assert result.sales_manager is not None
    assert result.sales_manager.id == expected


def test_an_unknown_sales_manager_is_field_invalid() -> None:
    result = check(a_folder(a_title(sales_manager="Сидоров Пётр")))
    assert result.kinds() == (NK.FIELD_INVALID,)
    (found,) = result.nonconformities
    assert found.field == "title_page.sales_manager"
    assert found.message == (
        "Титульный лист: поле «Ф.И.О. ведущего менеджера» заполнено неверно "
        "(такого сотрудника нет в справочнике)"
    )
    assert result.sales_manager is None


def test_a_name_fitting_two_sales_managers_is_ambiguous() -> None:
    second_maria = Employee(
        EmployeeId("petrova"),
        "Петрова Мария Ивановна",
        "Мария",
        DepartmentId("sales"),
        (Role.SALES_MANAGER,),
    )
    result = check(a_folder(a_title(sales_manager="Мария")), staff=staff_with(second_maria))
    assert result.kinds() == (NK.FIELD_INVALID,)
    assert "под это имя подходят несколько сотрудников" in result.nonconformities[0].message
    assert result.sales_manager is None


def test_a_name_shared_with_someone_outside_sales_picks_the_sales_manager() -> None:
    sales_ivan = Employee(
        EmployeeId("sidorov"),
        "Сидоров Иван Петрович",
        "Иван",
        DepartmentId("sales"),
        (Role.SALES_MANAGER,),
    )
    # «Иван» fits the director Иванов Иван Иванович too
    result = check(a_folder(a_title(sales_manager="Иван")), staff=staff_with(sales_ivan))
    assert result.ok
    assert result.sales_manager is not None
    assert result.sales_manager.id == "sidorov"


def test_a_folder_without_contracts_is_no_contract_only() -> None:
    result = check(a_folder(contracts=()))
    assert result.kinds() == (NK.NO_CONTRACT,)
    (found,) = result.nonconformities
    assert (found.message, found.field) == ("В папке нет договора", "contracts")


def test_the_title_page_contract_missing_from_the_folder() -> None:
    folder = a_folder(contracts=(FolderContract("13/25", copies=copies(3)),))
    result = check(folder)
    assert result.kinds() == (NK.CONTRACT_NOT_IN_FOLDER,)
    (found,) = result.nonconformities
    assert found.field == "title_page.contract_number"
    assert found.message == "Договора № 12/25 с титульного листа нет в папке"


def test_contract_numbers_match_regardless_of_spelling() -> None:
    folder = a_folder(
        a_title(contract_number="Договор № 12/25-А"),
        contracts=(FolderContract("12/25-а", copies=copies(3)),),
    )
    assert check(folder).ok


@pytest.mark.parametrize(("present", "found"), [(0, 0), (1, 1), (2, 2)])
def test_contract_copies_short_of_three(present: int, found: int) -> None:
    result = check(a_folder(contracts=(FolderContract("12/25", copies=copies(present)),)))
    assert result.kinds() == (NK.CONTRACT_COPIES_SHORT,)
    (short,) = result.nonconformities
    assert short.document == "Договор № 12/25"
    assert short.message == f"Договор № 12/25: экземпляров {found} из 3"
    assert short.field == "contracts[0].copies"


def test_more_copies_than_required_are_fine() -> None:
    assert check(a_folder(contracts=(FolderContract("12/25", copies=copies(5)),))).ok


def test_the_number_of_contract_copies_comes_from_the_policy() -> None:
    two = a_folder(contracts=(FolderContract("12/25", copies=copies(2)),))
    assert check(two, policy=with_onboarding(contract_copies=2)).ok
    result = check(a_folder(), policy=with_onboarding(contract_copies=4))
    assert result.kinds() == (NK.CONTRACT_COPIES_SHORT,)
    assert result.nonconformities[0].message == "Договор № 12/25: экземпляров 3 из 4"


@pytest.mark.parametrize("count", [0, -1, True])
def test_copy_counts_below_one_are_refused(count: int) -> None:
    with pytest.raises(ValueError, match="contract_copies"):
        OnboardingPolicy(contract_copies=count)


def test_a_folder_without_invoice() -> None:
    result = check(a_folder(invoices=()))
    assert result.kinds() == (NK.NO_INVOICE,)
    (found,) = result.nonconformities
    assert (found.message, found.field) == ("В папке нет счёта на оплату", "invoices")


def test_an_invoice_is_not_required_when_the_policy_says_so() -> None:
    lax = with_onboarding(require_invoice=False)
    assert check(a_folder(invoices=()), policy=lax).ok
    # an invoice that is there is still checked
    short = a_folder(invoices=(FolderInvoice("С-101", copies=copies(1)),))
    assert check(short, policy=lax).kinds() == (NK.INVOICE_COPIES_SHORT,)


def test_invoice_copies_short_of_two() -> None:
    result = check(a_folder(invoices=(FolderInvoice("С-101", copies=copies(1)),)))
    assert result.kinds() == (NK.INVOICE_COPIES_SHORT,)
    (short,) = result.nonconformities
    assert short.document == "Счёт № С-101"
    assert short.message == "Счёт № С-101: экземпляров 1 из 2"
    assert short.field == "invoices[0].copies"
    one = a_folder(invoices=(FolderInvoice("С-101", copies=copies(1)),))
    assert check(one, policy=with_onboarding(invoice_copies=1)).ok


def test_an_unsigned_contract_copy() -> None:
    contract = FolderContract(
        "12/25", copies=(DocumentCopy(), DocumentCopy(signed=False), DocumentCopy())
    )
    result = check(a_folder(contracts=(contract,)))
    assert result.kinds() == (NK.UNSIGNED,)
    (found,) = result.nonconformities
    assert found.document == "Договор № 12/25"
    assert found.message == "Договор № 12/25, экземпляр 2: нет подписи руководителя"
    assert found.field == "contracts[0].copies[1].signed"
    assert result.to_sign == result.nonconformities


def test_an_unstamped_invoice_copy() -> None:
    invoice = FolderInvoice("С-101", copies=(DocumentCopy(stamped=False), DocumentCopy()))
    result = check(a_folder(invoices=(invoice,)))
    assert result.kinds() == (NK.UNSTAMPED,)
    (found,) = result.nonconformities
    assert found.document == "Счёт № С-101"
    assert found.message == "Счёт № С-101, экземпляр 1: нет печати организации"
    assert found.field == "invoices[0].copies[0].stamped"
    assert result.to_sign == result.nonconformities


def test_a_copy_with_neither_signature_nor_seal_counts_twice() -> None:
    bare = DocumentCopy(signed=False, stamped=False)
    result = check(a_folder(contracts=(FolderContract("12/25", copies=(bare,) * 3),)))
    assert result.kinds() == (NK.UNSIGNED, NK.UNSTAMPED) * 3
    assert [n.field for n in result.nonconformities][:2] == [
        "contracts[0].copies[0].signed",
        "contracts[0].copies[0].stamped",
    ]


def test_signature_and_seal_can_be_waived_separately() -> None:
    bare = DocumentCopy(signed=False, stamped=False)
    folder = a_folder(contracts=(FolderContract("12/25", copies=(bare,) * 3),))
    no_signature = check(folder, policy=with_onboarding(require_signature=False))
    assert set(no_signature.kinds()) == {NK.UNSTAMPED}
    no_seal = check(folder, policy=with_onboarding(require_seal=False))
    assert set(no_seal.kinds()) == {NK.UNSIGNED}
    neither = with_onboarding(require_signature=False, require_seal=False)
    assert check(folder, policy=neither).ok


def test_only_signatures_and_seals_are_fixed_in_house() -> None:
    assert {k for k in NK if k.fixed_in_house} == {NK.UNSIGNED, NK.UNSTAMPED}
    folder = a_folder(
        a_title(phone="123"),
        contracts=(FolderContract("12/25", copies=(DocumentCopy(signed=False),)),),
        invoices=(FolderInvoice("С-101", copies=(DocumentCopy(stamped=False),)),),
    )
    result = check(folder)
    assert result.kinds() == (
        NK.FIELD_INVALID,
        NK.CONTRACT_COPIES_SHORT,
        NK.UNSIGNED,
        NK.INVOICE_COPIES_SHORT,
        NK.UNSTAMPED,
    )
    assert tuple(n.kind for n in result.to_sign) == (NK.UNSIGNED, NK.UNSTAMPED)


def test_each_contract_of_each_kind_is_checked_on_its_own() -> None:
    supply = FolderContract("12/25", kind="Договор поставки", copies=copies(3))
    support = FolderContract(
        "12/25-С",
        kind="Договор на сопровождение",
        copies=(DocumentCopy(), DocumentCopy(signed=False)),
    )
    training = FolderContract("12/25-О", kind="Договор на обучение", copies=copies(1))
    result = check(a_folder(contracts=(supply, support, training)))
    assert [(n.kind, n.document, n.field) for n in result.nonconformities] == [
        (NK.CONTRACT_COPIES_SHORT, "Договор на сопровождение № 12/25-С", "contracts[1].copies"),
        (NK.UNSIGNED, "Договор на сопровождение № 12/25-С", "contracts[1].copies[1].signed"),
        (NK.CONTRACT_COPIES_SHORT, "Договор на обучение № 12/25-О", "contracts[2].copies"),
    ]
    assert result.nonconformities[0].message == (
        "Договор на сопровождение № 12/25-С: экземпляров 2 из 3"
    )
    assert result.nonconformities[2].message == "Договор на обучение № 12/25-О: экземпляров 1 из 3"


def test_the_title_page_contract_may_be_any_of_the_folders_contracts() -> None:
    folder = a_folder(
        a_title(contract_number="12/25-С"),
        contracts=(
            FolderContract("12/25", copies=copies(3)),
            FolderContract("12/25-С", kind="Договор на сопровождение", copies=copies(3)),
        ),
    )
    assert check(folder).ok


def test_the_check_never_stops_at_the_first_fault() -> None:
    folder = a_folder(
        a_title(city="", phone="не помню", sales_manager="Никто"),
        contracts=(),
        invoices=(),
    )
    assert check(folder).kinds() == (
        NK.FIELD_MISSING,
        NK.FIELD_INVALID,
        NK.FIELD_INVALID,
        NK.NO_CONTRACT,
        NK.NO_INVOICE,
    )


def test_messages_follow_translated_texts() -> None:
    english = attrs.evolve(
        RU,
        title_page_label="Title page",
        field_missing="Title page: «{field}» is blank",
        field_city="City",
        no_contract="No contract in the folder",
        copies_short="{document}: {found} of {expected} copies",
        invoice_label="Invoice {number}",
        no_invoice="No invoice",
    )
    policy = with_onboarding(texts=english)
    result = check(a_folder(a_title(city=""), contracts=()), policy=policy)
    assert [n.message for n in result.nonconformities] == [
        "Title page: «City» is blank",
        "No contract in the folder",
    ]
    assert result.nonconformities[0].document == "Title page"
    short = check(a_folder(invoices=(FolderInvoice("7", copies=copies(1)),)), policy=policy)
    assert short.nonconformities[0].message == "Invoice 7: 1 of 2 copies"


def test_a_template_with_an_unknown_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match="no_contract"):
        OnboardingTexts(no_contract="No contract for {client_id}")


# ============================================================================ recipients


def recipients(
    folder: ClientFolder, *, staff: StaffDirectory | None = None, policy: Policy | None = None
) -> list[str]:
    staff = staff or a_staff()
    policy = policy or Policy()
    result = check(folder, staff=staff, policy=policy)
    people = nonconformity_recipients(result, staff=staff, manager=anna(), policy=policy)
    return [p.id for p in people]


SHORT = (FolderContract("12/25", copies=copies(2)),)


def test_the_sales_manager_and_the_head_of_sales_hear_of_nonconformities() -> None:
    assert recipients(a_folder(contracts=SHORT)) == [KUZNETSOVA, PETROV]


def test_nobody_is_told_about_a_folder_in_order() -> None:
    assert recipients(a_folder()) == []


def test_a_sales_manager_who_heads_sales_is_told_once() -> None:
    assert recipients(a_folder(a_title(sales_manager="Петров"), contracts=SHORT)) == [PETROV]


def test_an_unknown_sales_manager_leaves_the_head_of_sales() -> None:
    assert recipients(a_folder(a_title(sales_manager="Сидоров"))) == [PETROV]
    assert recipients(a_folder(a_title(sales_manager=""))) == [PETROV]


def test_without_a_known_sales_manager_nor_head_of_sales_nobody_is_found() -> None:
    headless = staff_with(sales_head=None)
    assert recipients(a_folder(a_title(sales_manager="Сидоров")), staff=headless) == []
    assert recipients(a_folder(contracts=SHORT), staff=headless) == [KUZNETSOVA]


def test_the_head_of_sales_is_the_head_of_the_policys_sales_department() -> None:
    boss = Employee(EmployeeId("orlova"), "Орлова Ольга", "Ольга", DepartmentId("sales"))
    staff = staff_with(boss, sales_head=EmployeeId("orlova"))
    # the head is who the department names, whatever their roles
    assert recipients(a_folder(contracts=SHORT), staff=staff) == [KUZNETSOVA, "orlova"]
    b2b_head = Employee(EmployeeId("volkov"), "Волков Олег", "Олег", DepartmentId("b2b"))
    other = StaffDirectory(
        departments=(
            *a_staff().departments,
            Department(DepartmentId("b2b"), "B2B", EmployeeId("volkov")),
        ),
        employees=(*a_staff().employees, b2b_head),
    )
    policy = Policy(sales_department=DepartmentId("b2b"))
    assert recipients(a_folder(contracts=SHORT), staff=other, policy=policy) == [
        KUZNETSOVA,
        "volkov",
    ]


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ((Recipient.SALES_MANAGER,), [KUZNETSOVA]),
        ((Recipient.HEAD_OF_SALES,), [PETROV]),
        ((Recipient.CLIENT_MANAGER,), [ANNA]),
        ((Recipient.CLIENT_MANAGER, Recipient.SALES_MANAGER), [ANNA, KUZNETSOVA]),
        (
            (Recipient.HEAD_OF_SALES, Recipient.SALES_MANAGER, Recipient.CLIENT_MANAGER),
            [PETROV, KUZNETSOVA, ANNA],
        ),
        ((), []),
    ],
)
def test_the_policy_chooses_who_is_told(chosen: tuple[Recipient, ...], expected: list[str]) -> None:
    policy = with_onboarding(nonconformity_recipients=chosen)
    assert recipients(a_folder(contracts=SHORT), policy=policy) == expected


# ============================================================================ the parcel


def kinds_of(items: tuple[ParcelItem, ...]) -> list[ParcelItemKind]:
    return [i.kind for i in items]


def test_archimed_plus_ships_box_book_key_disc_and_transfer_act() -> None:
    assert parcel_items(("ArchiMed+",), Policy()) == (
        ParcelItem(
            ParcelItemKind.BOX,
            "Коробка для программного продукта ArchiMed+",
            "ArchiMed+",
            1,
            "Место с биркой «Коробки программных продуктов»",
        ),
        ParcelItem(
            ParcelItemKind.BOOK,
            "Книга по программному продукту ArchiMed+",
            "ArchiMed+",
            1,
            "Место с биркой «Книги по программным продуктам»",
        ),
        ParcelItem(
            ParcelItemKind.ELECTRONIC_KEY,
            "Электронный ключ ArchiMed+",
            "ArchiMed+",
            1,
            "Отдел технической поддержки (основание: клиентская папка)",
        ),
        ParcelItem(
            ParcelItemKind.DISC,
            "Диск с программным обеспечением ArchiMed+",
            "ArchiMed+",
            1,
            "Отдел технической поддержки (основание: клиентская папка)",
        ),
        ParcelItem(
            ParcelItemKind.SOFTWARE_TRANSFER_ACT,
            "Акт передачи ПО",
            None,
            2,
            "Подготовить в клиентском отделе",
        ),
    )


@pytest.mark.parametrize("name", ["ArchiMed+", "ArchiSport", "archisport", "  ARCHIMED+ "])
def test_products_with_a_book_get_one(name: str) -> None:
    books = [i for i in parcel_items((name,), Policy()) if i.kind is ParcelItemKind.BOOK]
    assert len(books) == 1
    assert books[0].product in {"ArchiMed+", "ArchiSport"}
    assert books[0].label == f"Книга по программному продукту {books[0].product}"


@pytest.mark.parametrize("name", ["ArchiCredit", "ArchiMed", "ArchiCRM"])
def test_other_products_get_no_book(name: str) -> None:
    items = parcel_items((name,), Policy())
    assert kinds_of(items) == [
        ParcelItemKind.BOX,
        ParcelItemKind.ELECTRONIC_KEY,
        ParcelItemKind.DISC,
        ParcelItemKind.SOFTWARE_TRANSFER_ACT,
    ]
    assert items[0].product == name
    assert items[0].label == f"Коробка для программного продукта {name}"


@pytest.mark.parametrize(
    ("flag", "gone"),
    [
        ("box", ParcelItemKind.BOX),
        ("electronic_key", ParcelItemKind.ELECTRONIC_KEY),
        ("disc", ParcelItemKind.DISC),
        ("software_transfer_act", ParcelItemKind.SOFTWARE_TRANSFER_ACT),
    ],
)
def test_each_product_flag_takes_its_item_out(flag: str, gone: ParcelItemKind) -> None:
    rule = ProductRule("ArchiFit", **{flag: False})
    policy = with_onboarding(products=(rule,))
    kinds = kinds_of(parcel_items(("ArchiFit",), policy))
    assert gone not in kinds
    assert len(kinds) == 3


def test_completed_works_act_when_a_product_needs_one() -> None:
    rule = ProductRule("ArchiCloud", completed_works_act=True, software_transfer_act=False)
    items = parcel_items(("ArchiCloud",), with_onboarding(products=(rule,)))
    assert items[-1] == ParcelItem(
        ParcelItemKind.COMPLETED_WORKS_ACT,
        "Акт выполненных работ",
        None,
        2,
        "Подготовить в клиентском отделе",
    )
    assert ParcelItemKind.SOFTWARE_TRANSFER_ACT not in kinds_of(items)


def test_a_product_needing_no_act_leaves_the_acts_out() -> None:
    rule = ProductRule("ArchiKey", software_transfer_act=False)
    kinds = kinds_of(parcel_items(("ArchiKey",), with_onboarding(products=(rule,))))
    assert ParcelItemKind.SOFTWARE_TRANSFER_ACT not in kinds
    assert ParcelItemKind.COMPLETED_WORKS_ACT not in kinds


def test_act_copies_come_from_the_policy() -> None:
    rule = ProductRule("ArchiCloud", completed_works_act=True)
    items = parcel_items(("ArchiCloud",), with_onboarding(products=(rule,), act_copies=3))
    acts = [i for i in items if i.product is None]
    assert [(a.kind, a.quantity) for a in acts] == [
        (ParcelItemKind.SOFTWARE_TRANSFER_ACT, 3),
        (ParcelItemKind.COMPLETED_WORKS_ACT, 3),
    ]


def test_several_products_each_get_their_items_and_the_acts_come_once() -> None:
    items = parcel_items(("ArchiMed+", "ArchiCredit", "ArchiSport"), Policy())
    assert [(i.kind.value, i.product) for i in items] == [
        ("box", "ArchiMed+"),
        ("book", "ArchiMed+"),
        ("electronic_key", "ArchiMed+"),
        ("disc", "ArchiMed+"),
        ("box", "ArchiCredit"),
        ("electronic_key", "ArchiCredit"),
        ("disc", "ArchiCredit"),
        ("box", "ArchiSport"),
        ("book", "ArchiSport"),
        ("electronic_key", "ArchiSport"),
        ("disc", "ArchiSport"),
        ("software_transfer_act", None),
    ]


def test_a_product_named_twice_or_blank_is_shipped_once() -> None:
    items = parcel_items(("ArchiMed+", "archimed+ ", "", "   "), Policy())
    assert items == parcel_items(("ArchiMed+",), Policy())
    assert parcel_items((), Policy()) == ()
    assert parcel_items(("  ",), Policy()) == ()


def test_unknown_products_ship_as_the_default_product() -> None:
    policy = with_onboarding(
        default_product=ProductRule("*", box=False, disc=False, completed_works_act=True)
    )
    items = parcel_items(("ArchiVision",), policy)
    assert [(i.kind, i.product) for i in items] == [
        (ParcelItemKind.ELECTRONIC_KEY, "ArchiVision"),
        (ParcelItemKind.SOFTWARE_TRANSFER_ACT, None),
        (ParcelItemKind.COMPLETED_WORKS_ACT, None),
    ]
    # the listed products keep their own rule
    assert ParcelItemKind.BOX in kinds_of(parcel_items(("ArchiSport",), policy))


def test_a_product_can_be_given_a_book() -> None:
    fit = ProductRule("ArchiFit", has_book=True)
    policy = with_onboarding(products=(*OnboardingPolicy().products, fit))
    assert ParcelItemKind.BOOK in kinds_of(parcel_items(("archifit",), policy))
    assert ParcelItemKind.BOOK not in kinds_of(parcel_items(("archifit",), Policy()))


def test_a_product_listed_twice_in_the_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        OnboardingPolicy(products=(ProductRule("ArchiMed+"), ProductRule("archimed+")))


def test_parcel_weight_sums_the_policy_weights() -> None:
    one = parcel_items(("ArchiMed+",), Policy())
    # box 400 + book 700 + key with its disc 100 + documents 100
    assert parcel_weight(one, Policy()) == 1300
    two = parcel_items(("ArchiMed+", "ArchiCredit"), Policy())
    assert parcel_weight(two, Policy()) == 1300 + 400 + 100
    heavy = with_onboarding(box_grams=500, book_grams=1000, media_grams=50, documents_grams=20)
    assert parcel_weight(one, heavy) == 500 + 1000 + 50 + 20


def test_documents_weigh_once_however_many_acts() -> None:
    rule = ProductRule("ArchiCloud", completed_works_act=True, box=False)
    policy = with_onboarding(products=(rule,), act_copies=5)
    items = parcel_items(("ArchiCloud",), policy)
    assert parcel_weight(items, policy) == 100 + 100


def test_a_disc_without_a_key_still_weighs() -> None:
    rule = ProductRule("ArchiDisc", electronic_key=False, box=False, software_transfer_act=False)
    policy = with_onboarding(products=(rule,), media_grams=80, documents_grams=30)
    items = parcel_items(("ArchiDisc",), policy)
    assert kinds_of(items) == [ParcelItemKind.DISC]
    assert parcel_weight(items, policy) == 80


def test_an_empty_parcel_weighs_at_least_the_documents() -> None:
    assert parcel_weight((), Policy()) == 100


# ============================================================================ the welcome call

GREETING_ARCHIMED = (
    "Здравствуйте! Меня зовут Анна, компания MLS IT (эМэЛэС АиТи) по программному продукту "
    "ArchiMed+. От лица нашей компании от всей души поздравляю Вас с покупкой нашего "
    "программного обеспечения, мы со своей стороны постараемся, чтобы Вы получили только "
    "позитивные эмоции от работы с нами."
)


def test_the_welcome_script_names_the_manager_and_the_product() -> None:
    lines = welcome_script(
        manager=anna(), products=("ArchiMed+",), delivery_date=date(2025, 7, 1), policy=Policy()
    )
    assert len(lines) == 4
    assert lines[0] == GREETING_ARCHIMED
    assert lines[1].startswith("Я являюсь менеджером клиентского отдела.")
    assert "адрес электронной почты" in lines[2]
    assert lines[3] == "Посылку с программным продуктом Вам доставят до 01.07.2025."


def test_the_manager_is_named_by_first_name_only() -> None:
    lines = welcome_script(manager=anna(), products=("X",), delivery_date=None, policy=Policy())
    assert "Меня зовут Анна," in lines[0]
    assert "Смирнова" not in "".join(lines)


def test_an_unknown_delivery_date_is_promised_later() -> None:
    lines = welcome_script(
        manager=anna(), products=("ArchiMed+",), delivery_date=None, policy=Policy()
    )
    assert lines[3] == (
        "Срок доставки посылки я сообщу Вам, как только его подтвердит курьерская служба."
    )
    assert not any("доставят до" in line for line in lines)


def test_several_products_are_named_together_and_blanks_dropped() -> None:
    lines = welcome_script(
        manager=anna(),
        products=("ArchiMed+", " ", " ArchiSport "),
        delivery_date=None,
        policy=Policy(),
    )
    assert "по программному продукту ArchiMed+, ArchiSport. " in lines[0]
    none = welcome_script(manager=anna(), products=(), delivery_date=None, policy=Policy())
    assert "по программному продукту —. " in none[0]


def test_the_company_names_come_from_the_policy() -> None:
    policy = attrs.evolve(
        with_onboarding(company_spoken="Рога и Копыта"), company_name="Horns & Hooves"
    )
    lines = welcome_script(manager=anna(), products=("X",), delivery_date=None, policy=policy)
    assert "компания Horns & Hooves (Рога и Копыта) по программному продукту X." in lines[0]


def test_a_translated_welcome_script() -> None:
    english = attrs.evolve(
        RU,
        welcome_greeting=(
            "Hello! I am {manager:nom} from {company} ({company_spoken}), about {product}."
        ),
        welcome_role="I am your client manager at {company}.",
        welcome_ask_email="What is your e-mail address?",
        welcome_delivery="Your parcel arrives by {date}.",
        welcome_delivery_unknown="I will tell you the delivery date soon.",
    )
    policy = with_onboarding(texts=english, company_spoken="em-el-es")
    dated = welcome_script(
        manager=anna(), products=("ArchiMed+",), delivery_date=date(2025, 7, 1), policy=policy
    )
    assert dated == (
        "Hello! I am Анна from MLS IT (em-el-es), about ArchiMed+.",
        "I am your client manager at MLS IT.",
        "What is your e-mail address?",
        "Your parcel arrives by 01.07.2025.",
    )
    undated = welcome_script(
        manager=anna(), products=("ArchiMed+",), delivery_date=None, policy=policy
    )
    assert undated[-1] == "I will tell you the delivery date soon."


# ============================================================================ intake


def test_a_new_client_gets_a_card_from_the_title_page() -> None:
    result = intake(a_folder(a_title(client_name="  ООО «Ромашка» ", city=" Омск ")))
    card = result.client
    assert result.new_client
    assert card.id == "id-1"
    assert (card.name, card.city) == ("ООО «Ромашка»", "Омск")
    assert card.phones == (OMSK_PHONE,)
    assert card.contacts == (Contact("Сергей Петрович", phones=(OMSK_PHONE,)),)
    assert card.contact_person == "Сергей Петрович"
    assert card.contract_numbers == ("12/25",)
    assert card.manager_id == ANNA
    assert card.category is ClientCategory.CLIENT
    assert card.created_at == T0


def test_every_contract_of_the_folder_goes_on_the_card_once() -> None:
    folder = a_folder(
        a_title(contract_number="Договор № 12/25"),
        contracts=(
            FolderContract("12/25", copies=copies(3)),
            FolderContract("12/25-С", kind="Договор на сопровождение", copies=copies(3)),
        ),
    )
    assert intake(folder).client.contract_numbers == ("Договор № 12/25", "12/25-С")


def test_an_invalid_phone_or_no_contact_leaves_them_off_the_card() -> None:
    card = intake(a_folder(a_title(phone="123", contact_person=""))).client
    assert card.phones == ()
    assert card.contacts == ()
    assert card.contact_person == "—"


def test_an_existing_card_is_extended_not_replaced() -> None:
    old_phone = Phone("+79120000001")
    existing = a_client(
        name="Ромашка",
        city="Омск",
        phones=(old_phone,),
        contract_numbers=("7/24",),
        contacts=(Contact("Ольга Ивановна"),),
        manager_id=None,
    )
    result = intake(a_folder(), existing=existing)
    card = result.client
    assert not result.new_client
    assert (card.id, card.name, card.city) == (existing.id, "Ромашка", "Омск")
    assert card.contract_numbers == ("7/24", "12/25")
    assert card.phones == (old_phone, OMSK_PHONE)
    assert [c.name for c in card.contacts] == ["Ольга Ивановна", "Сергей Петрович"]
    assert card.manager_id == ANNA
    # no id was spent on a card: the appeal takes the first one
    assert result.appeal.id == "id-1"
    assert result.appeal.client_id == existing.id
    assert result.onboarding.client_id == existing.id


def test_what_the_card_already_has_is_not_added_twice() -> None:
    existing = a_client(
        phones=(OMSK_PHONE,),
        contract_numbers=("№ 12/25",),
        contacts=(Contact("сергей петрович"),),
        manager_id=EmployeeId("boris"),
    )
    card = intake(a_folder(), existing=existing).client
    assert card.phones == (OMSK_PHONE,)
    assert card.contract_numbers == ("№ 12/25",)
    assert card.contacts == (Contact("сергей петрович"),)
    # the card keeps the manager it has
    assert card.manager_id == "boris"


def test_a_folder_without_title_page_cannot_become_a_card() -> None:
    with pytest.raises(ValidationError) as err:
        intake(a_folder(no_title=True))
    assert err.value.paths == ("title_page",)
    assert err.value.subject == "client folder"
    assert "title_page" in str(err.value)


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        ({"client_name": "", "city": ""}, ("title_page.client_name", "title_page.city")),
        ({"client_name": "   "}, ("title_page.client_name",)),
        ({"city": "\n"}, ("title_page.city",)),
    ],
)
def test_a_title_page_without_name_or_city_cannot_become_a_card(
    fields: dict[str, str], paths: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as err:
        intake(a_folder(a_title(**fields)))
    assert err.value.paths == paths
    for path in paths:
        assert path in str(err.value)


def test_the_intake_appeal_lists_the_nonconformities() -> None:
    folder = a_folder(a_title(phone="123"), invoices=())
    result = intake(folder)
    appeal = result.appeal
    assert appeal.topic == "Приём клиентской папки"
    assert appeal.department_id == "client"
    assert appeal.type is AppealType.CLIENT_DEPARTMENT
    assert appeal.created_by == ANNA
    assert appeal.created_at == T0
    assert appeal.note == (
        "Титульный лист: поле «Номер телефона» заполнено неверно (это не номер телефона)\n"
        "В папке нет счёта на оплату"
    )
    assert intake().appeal.note is None


def test_a_folder_in_order_sets_no_reaction_and_closes_steps_one_and_two() -> None:
    result = intake()
    assert result.check.ok
    assert result.reactions == ()
    ob = result.onboarding
    for step in (S.CHECK_FOLDER, S.CHECK_SIGNATURES):
        assert ob.record(step) == StepRecord(step, ANNA, T0)
    assert ob.open_steps == (
        S.CALL_COURIER,
        S.WELCOME_CALL,
        S.SEND_CONTACTS,
        S.DELIVERY_REACTION,
        S.PREPARE_BOX,
        S.KEY_AND_DISC,
        S.PREPARE_BOOK,
        S.PREPARE_ACTS,
    )


def test_nonconformities_go_to_the_sales_manager_and_the_head_of_sales() -> None:
    result = intake(a_folder(contracts=SHORT))
    assert [r.employee_id for r in result.reactions] == [KUZNETSOVA, PETROV]
    for reaction in result.reactions:
        assert reaction.topic == "Несоответствия в клиентской папке «ООО «Ромашка»»: 1"
        assert reaction.due_at == T0 + timedelta(hours=1)
        assert reaction.kind is ReactionKind.TASK
        assert reaction.department_id is None
        assert reaction.appeal_id == result.appeal.id
        assert reaction.client_id == result.client.id
        assert reaction.created_by == ANNA
        assert reaction.created_at == T0
    # a short contract is not the client manager's to sign: step 2 is done
    assert result.onboarding.is_closed(S.CHECK_SIGNATURES)


def test_the_nonconformity_delay_comes_from_the_policy() -> None:
    policy = with_onboarding(nonconformity_delay=timedelta(minutes=30))
    result = intake(a_folder(invoices=()), policy=policy)
    assert {r.due_at for r in result.reactions} == {T0 + timedelta(minutes=30)}


def test_with_nobody_to_tell_the_sales_department_is_told() -> None:
    result = intake(a_folder(a_title(sales_manager="Сидоров")), staff=staff_with(sales_head=None))
    (reaction,) = result.reactions
    assert reaction.employee_id is None
    assert reaction.department_id == "sales"
    assert result.onboarding.sales_manager_id is None


def test_unsigned_copies_give_the_manager_a_signing_reaction_and_keep_step_two_open() -> None:
    contract = FolderContract(
        "12/25", copies=(DocumentCopy(signed=False), DocumentCopy(stamped=False), DocumentCopy())
    )
    invoice = FolderInvoice("С-101", copies=(DocumentCopy(signed=False), DocumentCopy()))
    result = intake(a_folder(contracts=(contract,), invoices=(invoice,)))
    signing = result.reactions[-1]
    assert signing.employee_id == ANNA
    assert signing.topic == (
        "Подписать у руководителя и поставить печати: Договор № 12/25, Счёт № С-101"
    )
    assert signing.due_at == T0 + timedelta(hours=4)
    assert signing.kind is ReactionKind.TASK
    ob = result.onboarding
    assert ob.record(S.CHECK_FOLDER) == StepRecord(S.CHECK_FOLDER, ANNA, T0)
    assert not ob.is_closed(S.CHECK_SIGNATURES)
    # the key and the acts wait for the signatures
    assert S.KEY_AND_DISC not in ob.available_steps
    assert S.PREPARE_ACTS not in ob.available_steps


def test_the_signing_delay_comes_from_the_policy() -> None:
    contract = FolderContract("12/25", copies=(DocumentCopy(stamped=False),) * 3)
    policy = with_onboarding(signing_delay=timedelta(hours=2), nonconformity_recipients=())
    result = intake(a_folder(contracts=(contract,)), policy=policy)
    signing = [r for r in result.reactions if r.employee_id == ANNA]
    assert [r.due_at for r in signing] == [T0 + timedelta(hours=2)]


@pytest.mark.parametrize(
    ("rule", "not_applicable"),
    [
        (ProductRule("P", has_book=True), set()),
        (ProductRule("P"), {S.PREPARE_BOOK}),
        (ProductRule("P", has_book=True, box=False), {S.PREPARE_BOX}),
        (ProductRule("P", has_book=True, electronic_key=False), set()),
        (ProductRule("P", has_book=True, disc=False), set()),
        (ProductRule("P", has_book=True, electronic_key=False, disc=False), {S.KEY_AND_DISC}),
        (ProductRule("P", has_book=True, software_transfer_act=False), {S.PREPARE_ACTS}),
        (
            ProductRule("P", has_book=True, software_transfer_act=False, completed_works_act=True),
            set(),
        ),
        (
            ProductRule(
                "P", box=False, electronic_key=False, disc=False, software_transfer_act=False
            ),
            {S.PREPARE_BOOK, S.PREPARE_BOX, S.KEY_AND_DISC, S.PREPARE_ACTS},
        ),
    ],
)
def test_steps_without_anything_to_do_are_marked_not_applicable(
    rule: ProductRule, not_applicable: set[OnboardingStep]
) -> None:
    policy = with_onboarding(products=(rule,))
    ob = intake(a_folder(a_title(products=("P",))), policy=policy).onboarding
    marked = {r.step for r in ob.steps if r.not_applicable}
    assert marked == not_applicable
    for step in marked:
        assert ob.record(step).done_by is None
        assert not ob.record(step).done
        assert ob.is_closed(step)


def test_the_book_step_applies_when_any_product_has_a_book() -> None:
    both = intake(a_folder(a_title(products=("ArchiCredit", "ArchiSport")))).onboarding
    assert not both.record(S.PREPARE_BOOK).not_applicable
    credit = intake(a_folder(a_title(products=("ArchiCredit",)))).onboarding
    assert credit.record(S.PREPARE_BOOK).not_applicable


def test_the_onboarding_remembers_folder_check_and_parcel() -> None:
    folder = a_folder(a_title(products=("ArchiMed+", "ArchiCredit")), invoices=())
    result = intake(folder)
    ob = result.onboarding
    assert ob.id == "id-5"  # card, appeal, two reactions, then the onboarding
    assert ob.client_id == result.client.id == "id-1"
    assert ob.appeal_id == result.appeal.id == "id-2"
    assert [r.id for r in result.reactions] == ["id-3", "id-4"]
    assert ob.manager_id == ANNA
    assert ob.folder == folder
    assert ob.started_at == T0
    assert ob.sales_manager_id == KUZNETSOVA
    assert ob.nonconformities == result.check.nonconformities
    assert ob.parcel == parcel_items(("ArchiMed+", "ArchiCredit"), Policy())
    assert (ob.delivery, ob.email, ob.version) == (None, None, 0)


def test_intake_is_deterministic_given_make_id() -> None:
    folder = a_folder(contracts=SHORT)
    assert intake(folder, make_id=ids("x")) == intake(folder, make_id=ids("x"))
    assert intake(folder, make_id=ids("x")).onboarding.id.startswith("x-")


# ============================================================================ the steps


def test_the_checklist_has_the_ten_steps_of_appendix_one_in_order() -> None:
    assert [(s.number, s.value) for s in OnboardingStep] == [
        (1, "check_folder"),
        (2, "check_signatures"),
        (3, "call_courier"),
        (4, "welcome_call"),
        (5, "send_contacts"),
        (6, "delivery_reaction"),
        (7, "prepare_box"),
        (8, "key_and_disc"),
        (9, "prepare_book"),
        (10, "prepare_acts"),
    ]
    assert set(STEP_REQUIRES) == set(OnboardingStep)


def test_steps_must_be_one_record_per_step_in_order() -> None:
    good = an_onboarding()
    with pytest.raises(ValueError, match="checklist order"):
        attrs.evolve(good, steps=tuple(reversed(good.steps)))
    with pytest.raises(ValueError, match="checklist order"):
        attrs.evolve(good, steps=good.steps[:-1])


@pytest.mark.parametrize("step", list(OnboardingStep))
def test_every_step_completes_once_its_prerequisites_are_closed(step: OnboardingStep) -> None:
    before = an_onboarding(done=STEP_REQUIRES[step])
    later = T0 + timedelta(hours=3)
    after = complete_step(before, step, by=EmployeeId("boris"), now=later, note="готово")
    assert after.record(step) == StepRecord(step, EmployeeId("boris"), later, note="готово")
    assert after.record(step).done
    assert step not in after.open_steps
    # nothing else changed, and the old value is untouched
    assert [r for r in after.steps if r.step is not step] == [
        r for r in before.steps if r.step is not step
    ]
    assert not before.record(step).done


@pytest.mark.parametrize("step", list(OnboardingStep))
def test_a_step_closes_when_its_prerequisites_are_not_applicable(step: OnboardingStep) -> None:
    needs = STEP_REQUIRES[step]
    before = an_onboarding(not_applicable=needs)
    assert complete_step(before, step, by=ANNA, now=T0).record(step).done


@pytest.mark.parametrize("step", [s for s in OnboardingStep if STEP_REQUIRES[s]])
def test_a_step_before_its_prerequisites_is_a_transition_error(step: OnboardingStep) -> None:
    before = an_onboarding()
    with pytest.raises(TransitionError) as err:
        complete_step(before, step, by=ANNA, now=T0)
    error = err.value
    assert error.subject == "onboarding ob-1"
    assert error.current == "step 1 (check_folder)"
    assert error.attempted == f"complete step {step.number} ({step.value})"
    assert error.allowed == ("check_folder",)
    missing = before.missing_for(step)
    assert missing
    assert error.reason.startswith("needs step ")
    for needed in missing:
        assert f"{needed.number} ({needed.value})" in error.reason
    assert str(error) == (
        f"onboarding ob-1: cannot complete step {step.number} ({step.value}) at step 1 "
        f"(check_folder) ({error.reason}); allowed next: check_folder"
    )


def test_the_delivery_reaction_names_every_missing_step() -> None:
    ob = an_onboarding(done=(S.CHECK_FOLDER,))
    with pytest.raises(TransitionError) as err:
        complete_step(ob, S.DELIVERY_REACTION, by=ANNA, now=T0)
    assert err.value.reason == "needs step 3 (call_courier), 4 (welcome_call) first"
    assert err.value.current == "step 2 (check_signatures)"
    assert err.value.allowed == (
        "check_signatures",
        "call_courier",
        "welcome_call",
        "prepare_box",
        "prepare_book",
    )
    half = complete_step(ob, S.WELCOME_CALL, by=ANNA, now=T0)
    assert half.missing_for(S.DELIVERY_REACTION) == (S.CALL_COURIER,)


@pytest.mark.parametrize("step", list(OnboardingStep))
def test_a_step_done_twice_is_a_transition_error(step: OnboardingStep) -> None:
    ob = an_onboarding(done=(*STEP_REQUIRES[step], step))
    with pytest.raises(TransitionError) as err:
        complete_step(ob, step, by=ANNA, now=T0 + timedelta(days=1))
    assert err.value.reason == "already done by anna at 2025-06-23 07:00"
    assert err.value.attempted == f"complete step {step.number} ({step.value})"
    assert step.value not in err.value.allowed
    assert "already done" in str(err.value)


@pytest.mark.parametrize("step", [S.PREPARE_BOX, S.KEY_AND_DISC, S.PREPARE_BOOK, S.PREPARE_ACTS])
def test_a_step_not_applicable_cannot_be_done(step: OnboardingStep) -> None:
    ob = an_onboarding(done=(S.CHECK_FOLDER, S.CHECK_SIGNATURES), not_applicable=(step,))
    with pytest.raises(TransitionError) as err:
        complete_step(ob, step, by=ANNA, now=T0)
    assert err.value.reason == "not applicable to this folder"
    assert step.value not in err.value.allowed
    assert err.value.current == "step 3 (call_courier)"


def test_what_can_be_done_now_grows_as_steps_close() -> None:
    ob = an_onboarding()
    assert ob.available_steps == (S.CHECK_FOLDER,)
    assert ob.next_step is S.CHECK_FOLDER
    ob = complete_step(ob, S.CHECK_FOLDER, by=ANNA, now=T0)
    assert ob.available_steps == (
        S.CHECK_SIGNATURES,
        S.CALL_COURIER,
        S.WELCOME_CALL,
        S.PREPARE_BOX,
        S.PREPARE_BOOK,
    )
    ob = complete_step(ob, S.CHECK_SIGNATURES, by=ANNA, now=T0)
    assert ob.available_steps == (
        S.CALL_COURIER,
        S.WELCOME_CALL,
        S.PREPARE_BOX,
        S.KEY_AND_DISC,
        S.PREPARE_BOOK,
        S.PREPARE_ACTS,
    )
    ob = complete_step(ob, S.WELCOME_CALL, by=ANNA, now=T0)
    assert S.SEND_CONTACTS in ob.available_steps
    assert S.DELIVERY_REACTION not in ob.available_steps


def test_following_next_step_walks_the_whole_checklist_in_order() -> None:
    ob = intake().onboarding
    walked = []
    clock = T0
    while ob.next_step is not None:
        step = ob.next_step
        walked.append(step)
        clock += timedelta(minutes=10)
        ob = complete_step(ob, step, by=ANNA, now=clock)
    assert walked == list(OnboardingStep)[2:]
    assert ob.finished
    assert ob.open_steps == ()
    assert ob.available_steps == ()
    assert all(r.done for r in ob.steps)


def test_not_applicable_steps_count_as_closed_for_finishing() -> None:
    ob = intake(a_folder(a_title(products=("ArchiCredit",)))).onboarding
    for step in (S.CALL_COURIER, S.WELCOME_CALL, S.SEND_CONTACTS, S.DELIVERY_REACTION):
        ob = complete_step(ob, step, by=ANNA, now=T0)
    assert ob.open_steps == (S.PREPARE_BOX, S.KEY_AND_DISC, S.PREPARE_ACTS)
    assert not ob.finished
    for step in ob.open_steps:
        ob = complete_step(ob, step, by=ANNA, now=T0)
    assert ob.finished
    assert ob.next_step is None
    assert ob.record(S.PREPARE_BOOK).not_applicable


def test_the_error_at_the_end_of_the_checklist_says_all_steps_done() -> None:
    ob = an_onboarding(done=tuple(OnboardingStep))
    with pytest.raises(TransitionError) as err:
        complete_step(ob, S.PREPARE_ACTS, by=ANNA, now=T0)
    assert err.value.current == "all steps done"
    assert err.value.allowed == ()
    assert "allowed next: nothing" in str(err.value)


# ---------------------------------------------------------------------------- the parcel state


def test_a_fresh_intake_is_blocked_by_the_parcel_steps_and_the_courier() -> None:
    ob = intake().onboarding
    assert ob.parcel_blockers() == (
        Blocker(S.CALL_COURIER, "курьер не заказан"),
        Blocker(S.PREPARE_BOX, "не выполнено"),
        Blocker(S.KEY_AND_DISC, "не выполнено"),
        Blocker(S.PREPARE_BOOK, "не выполнено"),
        Blocker(S.PREPARE_ACTS, "не выполнено"),
    )
    assert not ob.parcel_ready


def test_unsigned_copies_block_the_parcel() -> None:
    contract = FolderContract("12/25", copies=(DocumentCopy(signed=False),) * 3)
    ob = intake(a_folder(contracts=(contract,))).onboarding
    assert ob.parcel_blockers()[0] == Blocker(S.CHECK_SIGNATURES, "не выполнено")


def test_the_parcel_is_ready_once_packed_and_the_pickup_booked() -> None:
    ob = intake().onboarding
    for step in (S.PREPARE_BOX, S.KEY_AND_DISC, S.PREPARE_BOOK, S.PREPARE_ACTS):
        ob = complete_step(ob, step, by=ANNA, now=T0)
    assert ob.parcel_blockers() == (Blocker(S.CALL_COURIER, "курьер не заказан"),)
    # the courier step done by hand, without a planned delivery, still has no courier
    by_hand = complete_step(ob, S.CALL_COURIER, by=ANNA, now=T0)
    assert by_hand.parcel_blockers() == (Blocker(S.CALL_COURIER, "курьер не заказан"),)
    planned = plan_delivery(ob, a_quote(), pickup_date=date(2025, 6, 24), by=ANNA, now=T0)
    assert planned.parcel_blockers() == (Blocker(S.CALL_COURIER, "забор груза ещё не подтверждён"),)
    assert not planned.parcel_ready
    booked = record_booking(planned, a_booking(f"pickup-{ob.id}"))
    assert booked.parcel_blockers() == ()
    assert booked.parcel_ready
    # the welcome call and the contacts do not hold the parcel back
    assert S.WELCOME_CALL in booked.open_steps
    assert not booked.finished


def test_not_applicable_parcel_steps_do_not_block() -> None:
    ob = an_onboarding(
        done=(S.CHECK_FOLDER, S.CHECK_SIGNATURES), not_applicable=tuple(PARCEL_STEPS[1:])
    )
    assert ob.parcel_blockers() == (Blocker(S.CALL_COURIER, "курьер не заказан"),)


def test_blocker_reasons_follow_the_texts() -> None:
    english = attrs.evolve(
        RU, blocker_open="open", blocker_no_courier="no courier", blocker_not_booked="not booked"
    )
    ob = intake().onboarding
    assert ob.parcel_blockers(english)[:2] == (
        Blocker(S.CALL_COURIER, "no courier"),
        Blocker(S.PREPARE_BOX, "open"),
    )
    planned = plan_delivery(ob, a_quote(), pickup_date=date(2025, 6, 24), by=ANNA, now=T0)
    assert planned.parcel_blockers(english)[0] == Blocker(S.CALL_COURIER, "not booked")


# ---------------------------------------------------------------------------- hypothesis

_OPTIONAL = (S.PREPARE_BOX, S.KEY_AND_DISC, S.PREPARE_BOOK, S.PREPARE_ACTS)


@settings(max_examples=200, deadline=None)
@given(skipped=st.sets(st.sampled_from(_OPTIONAL)), data=st.data())
def test_any_order_of_available_steps_finishes_the_checklist(
    skipped: set[OnboardingStep], data: st.DataObject
) -> None:
    ob = an_onboarding(not_applicable=tuple(s for s in OnboardingStep if s in skipped))
    to_do = len(ob.open_steps)
    clock = T0
    for _ in range(to_do):
        assert not ob.finished
        assert ob.available_steps, "the checklist got stuck"
        assert ob.next_step == ob.available_steps[0]
        step = data.draw(st.sampled_from(ob.available_steps))
        clock += timedelta(minutes=1)
        ob = complete_step(ob, step, by=ANNA, now=clock)
    assert ob.finished
    assert ob.next_step is None
    assert {r.step for r in ob.steps if r.not_applicable} == skipped


@settings(max_examples=200, deadline=None)
@given(attempts=st.lists(st.sampled_from(list(OnboardingStep)), max_size=30))
def test_a_step_never_completes_before_its_prerequisites(
    attempts: list[OnboardingStep],
) -> None:
    ob = an_onboarding()
    clock = T0
    for step in attempts:
        clock += timedelta(minutes=1)
        if step not in ob.available_steps:
            with pytest.raises(TransitionError) as err:
                complete_step(ob, step, by=ANNA, now=clock)
            assert err.value.allowed == tuple(s.value for s in ob.available_steps)
            continue
        after = complete_step(ob, step, by=ANNA, now=clock)
        assert after.open_steps == tuple(s for s in ob.open_steps if s is not step)
        ob = after
    for record in ob.steps:
        if record.done:
            assert record.done_at is not None
            for needed in STEP_REQUIRES[record.step]:
                earlier = ob.record(needed).done_at
                assert earlier is not None
                assert earlier < record.done_at


# ============================================================================ courier & call


def test_planning_the_delivery_closes_step_three_with_the_quotes_latest_day() -> None:
    ob = intake(make_id=ids("ob")).onboarding
    later = T0 + timedelta(minutes=5)
    planned = plan_delivery(ob, a_quote(4, 7), pickup_date=date(2025, 6, 24), by=ANNA, now=later)
    delivery = planned.delivery
    assert delivery is not None
    assert delivery.quote == a_quote(4, 7)
    assert delivery.pickup_date == date(2025, 6, 24)
    assert delivery.planned_date == date(2025, 7, 1)
    assert delivery.pickup_key == f"pickup-{ob.id}"
    assert delivery.booking is None
    record = planned.record(S.CALL_COURIER)
    assert (record.done_by, record.done_at) == (ANNA, later)
    assert record.note.startswith("offline: 4–7 дн., 700,00\xa0руб.")
    assert ob.delivery is None


def test_a_same_day_quote_plans_the_pickup_day() -> None:
    ob = an_onboarding(done=(S.CHECK_FOLDER,))
    planned = plan_delivery(ob, a_quote(0, 0), pickup_date=date(2025, 6, 24), by=ANNA, now=T0)
    assert planned.delivery is not None
    assert planned.delivery.planned_date == date(2025, 6, 24)


def test_the_courier_cannot_be_planned_before_the_folder_check_nor_twice() -> None:
    with pytest.raises(TransitionError) as err:
        plan_delivery(an_onboarding(), a_quote(), pickup_date=date(2025, 6, 24), by=ANNA, now=T0)
    assert err.value.attempted == "complete step 3 (call_courier)"
    ob = an_onboarding(done=(S.CHECK_FOLDER,))
    planned = plan_delivery(ob, a_quote(), pickup_date=date(2025, 6, 24), by=ANNA, now=T0)
    with pytest.raises(TransitionError, match="already done"):
        plan_delivery(planned, a_quote(), pickup_date=date(2025, 6, 25), by=ANNA, now=T0)


def test_a_booking_is_stored_and_a_repeat_changes_nothing() -> None:
    ob = an_onboarding(done=(S.CHECK_FOLDER,))
    planned = plan_delivery(ob, a_quote(), pickup_date=date(2025, 6, 24), by=ANNA, now=T0)
    booking = a_booking("pickup-ob-1")
    once = record_booking(planned, booking)
    assert once.delivery is not None
    assert once.delivery.booking == booking
    assert once.delivery.planned_date == planned.delivery.planned_date  # type: ignore[union-attr]
    assert record_booking(once, booking) == once


def test_a_booking_under_another_key_is_refused() -> None:
    ob = an_onboarding(done=(S.CHECK_FOLDER,))
    planned = plan_delivery(ob, a_quote(), pickup_date=date(2025, 6, 24), by=ANNA, now=T0)
    with pytest.raises(ValidationError) as err:
        record_booking(planned, a_booking("pickup-ob-2"))
    assert err.value.paths == ("booking.key",)
    assert "'pickup-ob-2'" in str(err.value)
    assert err.value.subject == "onboarding ob-1"
    with pytest.raises(ValidationError) as unplanned:
        record_booking(ob, a_booking("pickup-ob-1"))
    assert unplanned.value.paths == ("booking.key",)


def test_the_welcome_call_keeps_the_email() -> None:
    ob = an_onboarding(done=(S.CHECK_FOLDER,))
    later = T0 + timedelta(hours=1)
    called = record_welcome_call(
        ob, by=ANNA, now=later, email="info@romashka.ru", note="Сергей Петрович рад"
    )
    assert called.email == "info@romashka.ru"
    assert called.record(S.WELCOME_CALL) == StepRecord(
        S.WELCOME_CALL, ANNA, later, note="Сергей Петрович рад"
    )
    silent = record_welcome_call(ob, by=ANNA, now=later, email=None)
    assert silent.email is None
    assert silent.is_closed(S.WELCOME_CALL)
    kept = record_welcome_call(attrs.evolve(ob, email="old@x.ru"), by=ANNA, now=later, email=None)
    assert kept.email == "old@x.ru"


def test_the_welcome_call_needs_the_folder_checked_first() -> None:
    with pytest.raises(TransitionError):
        record_welcome_call(an_onboarding(), by=ANNA, now=T0, email="a@b.ru")


def test_contacts_cannot_be_sent_without_an_email() -> None:
    ob = an_onboarding(done=(S.CHECK_FOLDER,))
    no_email = record_welcome_call(ob, by=ANNA, now=T0, email=None)
    refusal = send_contacts_refusal(no_email)
    assert isinstance(refusal, TransitionError)
    assert refusal.reason == "no e-mail address was captured"
    assert refusal.attempted == "complete step 5 (send_contacts)"
    assert refusal.subject == "onboarding ob-1"
    assert "no e-mail address was captured" in str(refusal)
    with_email = record_welcome_call(ob, by=ANNA, now=T0, email="info@romashka.ru")
    assert send_contacts_refusal(with_email) is None
    assert complete_step(with_email, S.SEND_CONTACTS, by=ANNA, now=T0).is_closed(S.SEND_CONTACTS)


# ============================================================================ odd text

ODD = 'ООО "Рога & Копыта" <Север>\nфилиал {client} ёжик'


def test_odd_text_on_the_title_page_reaches_the_messages_unchanged() -> None:
    folder = a_folder(
        a_title(client_name=ODD, contract_number=ODD, products=(ODD,)),
        contracts=(FolderContract("1", kind=ODD, copies=copies(2)),),
    )
    result = intake(folder)
    messages = [n.message for n in result.check.nonconformities]
    assert messages == [
        f"Договора № {ODD} с титульного листа нет в папке",
        f"{ODD} № 1: экземпляров 2 из 3",
    ]
    assert result.client.name == ODD
    assert result.reactions[0].topic == f"Несоответствия в клиентской папке «{ODD}»: 2"
    assert ODD in (result.appeal.note or "")
    assert result.onboarding.parcel[0].label == f"Коробка для программного продукта {ODD}"
    assert result.onboarding.parcel[0].product == ODD
    lines = welcome_script(manager=anna(), products=(ODD,), delivery_date=None, policy=Policy())
    assert f"по программному продукту {ODD}. " in lines[0]


def test_odd_text_in_document_labels_reaches_the_signing_reaction() -> None:
    contract = FolderContract(
        '№<7>&"8"', kind="Договор «Ёлка»\nсопровождение", copies=(DocumentCopy(signed=False),) * 3
    )
    result = intake(a_folder(a_title(contract_number='№<7>&"8"'), contracts=(contract,)))
    label = 'Договор «Ёлка»\nсопровождение № №<7>&"8"'
    assert [n.document for n in result.check.nonconformities] == [label] * 3
    assert result.check.nonconformities[0].message == (
        f"{label}, экземпляр 1: нет подписи руководителя"
    )
    assert result.reactions[-1].topic == (f"Подписать у руководителя и поставить печати: {label}")


@settings(max_examples=100, deadline=None)
@given(
    name=st.text(
        alphabet=st.sampled_from(list("абвгдеёжАБВЁ \"'<>&{}\n\tXYZ№«»")), min_size=1
    ).filter(lambda s: s.strip())
)
def test_any_client_name_survives_into_the_nonconformity_topic(name: str) -> None:
    result = intake(a_folder(a_title(client_name=name), invoices=()))
    assert result.client.name == name.strip()
    assert result.reactions[0].topic == (f"Несоответствия в клиентской папке «{name.strip()}»: 1")
