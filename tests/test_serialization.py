from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientops import (
    Appeal,
    AppealType,
    Client,
    ClientCategory,
    ClientId,
    ClientKind,
    Contact,
    Employee,
    Money,
    Phone,
    Policy,
    Reaction,
    ReactionKind,
    Role,
    ValidationError,
)
from clientops.clients import StaffDirectory
from clientops.model import (
    MAX_AMOUNT,
    Absence,
    AppealId,
    Department,
    DepartmentId,
    EmployeeId,
    ReactionId,
    contract_key,
)
from clientops.serialization import from_json, to_json
from clientops.testing import a_client, a_staff

# what the model keeps: no control characters, no lone surrogates (clientops._checks)
letters = st.characters(blacklist_categories=("Cc", "Cs"))
text = st.text(letters, min_size=1, max_size=20).filter(lambda s: s.strip() != "")
contracts = text.filter(lambda s: contract_key(s) != "")
ids = st.text(alphabet="0123456789abcdef", min_size=1, max_size=26)
phones = st.from_regex(r"\+79[0-9]{9}", fullmatch=True).map(Phone)
emails = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.ru", fullmatch=True)
aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    # the wire form keeps the instant and its UTC offset, not a zone's name
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(timedelta(hours=-5))]),
)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))
tuples = lambda s: st.lists(s, max_size=3).map(tuple)  # noqa: E731

contacts = st.builds(
    Contact,
    name=text,
    position=st.none() | text,
    phones=tuples(phones),
    emails=tuples(emails),
    decision_maker=st.booleans(),
)
clients = st.builds(
    Client,
    id=ids.map(ClientId),
    name=text,
    city=text,
    phones=tuples(phones),
    kind=st.sampled_from(ClientKind),
    category=st.sampled_from(ClientCategory),
    contacts=tuples(contacts),
    emails=tuples(emails),
    manager_id=st.none() | ids.map(EmployeeId),
    contract_numbers=tuples(contracts),
    inn=st.none() | st.from_regex(r"[0-9]{10}", fullmatch=True),
    birthday=st.none() | dates,
    company_day=st.none() | dates,
    created_at=st.none() | aware,
    version=st.integers(min_value=0, max_value=10**6),
)
appeals = st.builds(
    Appeal,
    id=ids.map(AppealId),
    client_id=ids.map(ClientId),
    topic=text,
    department_id=ids.map(DepartmentId),
    created_at=aware,
    type=st.sampled_from(AppealType),
    project=st.none() | text,
    note=st.none() | st.text(letters),
    created_by=st.none() | ids.map(EmployeeId),
)
reactions = st.builds(
    Reaction,
    id=ids.map(ReactionId),
    appeal_id=ids.map(AppealId),
    client_id=ids.map(ClientId),
    kind=st.sampled_from(ReactionKind),
    topic=text,
    due_at=aware,
    created_at=aware,
    department_id=ids.map(DepartmentId),
    employee_id=st.none() | ids.map(EmployeeId),
    outcome=st.none() | st.text(letters),
    done_at=st.none() | aware,
)
employees = st.builds(
    Employee,
    id=ids.map(EmployeeId),
    full_name=text,
    first_name=text,
    department_id=ids.map(DepartmentId),
    roles=tuples(st.sampled_from(Role)),
    phone=st.none() | phones,
    email=st.none() | emails,
)
money = st.builds(
    Money,
    st.decimals(min_value=-(MAX_AMOUNT - 1), max_value=MAX_AMOUNT - 1, allow_nan=False, places=2),
    st.sampled_from(["RUB", "USD", "EUR"]),
)


def _round_trip(obj: object) -> None:
    again = from_json(to_json(obj), type(obj))
    assert again == obj
    assert to_json(again) == to_json(obj)


@given(clients)
def test_clients_round_trip(client: Client) -> None:
    _round_trip(client)


@given(appeals)
def test_appeals_round_trip(appeal: Appeal) -> None:
    _round_trip(appeal)


@given(reactions)
def test_reactions_round_trip(reaction: Reaction) -> None:
    _round_trip(reaction)


@given(employees)
def test_employees_round_trip(employee: Employee) -> None:
    _round_trip(employee)


@given(money)
def test_money_round_trips_as_a_decimal_string(amount: Money) -> None:
    _round_trip(amount)
    assert isinstance(json.loads(to_json(amount))["amount"], str)


def test_staff_and_policy_round_trip() -> None:
    _round_trip(a_staff())
    _round_trip(attrs.evolve(Policy(), sales_reaction_delay=timedelta(seconds=90)))
    _round_trip(Department(DepartmentId("sales"), "Отдел продаж"))
    _round_trip(Absence(EmployeeId("anna"), date(2025, 1, 1), date(2025, 1, 3), "отпуск"))
    assert StaffDirectory() == from_json(to_json(StaffDirectory()), StaffDirectory)


def test_cyrillic_is_kept_as_is() -> None:
    assert "Ромашка" in to_json(a_client(name="ООО «Ромашка»"))


def test_every_bad_field_is_reported_by_path() -> None:
    data = json.loads(to_json(a_client(contacts=(Contact("Иван"),))))
    data["name"] = 5
    data["phones"] = ["+79123456789", "8 912"]
    data["created_at"] = "2025-01-01T10:00:00"
    data["contacts"][0]["emails"] = [7]
    data["colour"] = "red"
    del data["city"]
    try:
        from_json(json.dumps(data), Client)
    except ValidationError as err:
        paths = set(err.paths)
        message = str(err)
    else:  # pragma: no cover
        raise AssertionError("no error")
    assert {"$.name", "$.phones[1]", "$.created_at", "$.contacts[0].emails[0]", "$.city"} <= paths
    assert "colour" in message
    assert "'8 912'" in message


def test_money_refuses_json_floats_and_garbage() -> None:
    for bad in ('{"amount": 0.1, "currency": "RUB"}', '{"amount": "lots", "currency": "RUB"}'):
        with pytest.raises(ValidationError) as err:
            from_json(bad, Money)
        assert err.value.paths == ("$.amount",)
    assert from_json('{"amount": "12.50", "currency": "RUB"}', Money).amount == Decimal("12.50")


def test_malformed_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="line 1"):
        from_json("{not json", Client)


def test_the_compact_encoder_writes_what_the_json_encoder_writes() -> None:
    from clientops.serialization import compact_encoder

    plain = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    compact = compact_encoder()
    for value in (
        {"имя": "Ёлка «Плюс»\u2028", "n": [1, 2.5, None, True, False], "x": {"y": -0.0}},
        "текст",
        [],
        {},
        12,
        1e300,
        {"nan": float("nan")},
    ):
        assert compact(value) == plain(value)
    with pytest.raises(TypeError):
        compact({"when": date(2026, 1, 1)})


def test_an_optional_text_or_number_is_written_as_it_is() -> None:
    """``X | None`` of a type written as it is needs no hook of its own: the value (or None)."""
    from cattrs.fns import identity

    from clientops.serialization import make_converter

    converter = make_converter()
    for kind in (str | None, int | None, bool | None, EmployeeId | None):
        assert converter.get_unstructure_hook(kind) is identity, kind
    assert converter.get_unstructure_hook(datetime | None) is not identity
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert converter.unstructure(when) == when.isoformat()
