"""Records ↔ JSON: clientops' serialization against plain cattrs and cattrs's JSON converter
(and pydantic v2 and a hand-written floor, for scale), dump and load, in one run.

Issue 22's target: clientops within **1.1×** cattrs's JSON converter on dump and on load.

Workload (fixed seed ``_workloads.SEED``): n client cards (``clientops.model.Client``): an id,
a name, a city, one or two valid phones, the kind and category (enums), zero to three contacts
(each with a position, phones, e-mails, a decision-maker flag, sometimes an external id),
e-mails, the manager, contract numbers, an INN, a birthday or a company day (dates), the
creation time (an aware datetime), a version and sometimes the host system's external id.

Every case goes from the attrs records to JSON text (dump) and from the JSON text back to
validated records (load); the records' own validators run in every load (each case builds the
same ``Client`` objects through their ``__init__``):

* ``cattrs_json`` (the baseline): ``cattrs.preconf.json.make_converter()`` with a hook for
  ``Phone`` (as its E.164 string): ``converter.dumps(card)`` and ``converter.loads(text,
  Client)``;
* ``cattrs_plain``: ``cattrs.Converter()`` with hooks for dates, datetimes and ``Phone``, and the
  standard ``json`` module;
* ``clientops``: ``clientops.serialization.to_json(card)`` and ``from_json(text, Client)``
  (strict: no extra keys, no coercion of ``"1"`` to ``1``, every bad field named);
* ``pydantic_v2``: a pydantic model of the same card (``model_dump_json`` and
  ``model_validate_json``); it builds pydantic objects, not the attrs records, and checks
  types only, so it is a reference point, not a like-for-like pair;
* ``handwritten``: the floor: dicts written by hand, ``json.dumps``/``json.loads``, the records
  built by hand.

Before timing, every case's JSON must parse to the same data as clientops', and every load
must give back records equal to the originals.

Run:  python bench/bench_serialize.py [--n 100000] [--repeat 5]
      python bench/bench_serialize.py --n 500 --repeat 1       # smoke
Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import _harness as harness
import _workloads as workloads

from clientops.model import (
    Client,
    ClientCategory,
    ClientId,
    ClientKind,
    Contact,
    EmployeeId,
    ExternalId,
    Phone,
)
from clientops.russian import Gender
from clientops.serialization import from_json, to_json

TARGET = 1.1  # clientops time / cattrs JSON converter time, on dump and on load

_POSITIONS = ("Директор", "Главный бухгалтер", "Менеджер по закупкам", None)
_PEOPLE = ("Иванов Иван", "Петрова Анна", "Сидоров Пётр", "Кузнецова Мария", "Смирнов Олег")
_CITIES = ("Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск", "Казань", "Самара")


# --------------------------------------------------------------------------- workload


def _phone(rng: random.Random) -> Phone:
    return Phone(workloads.card_phone(f"+7 9{rng.randint(10, 99)} {rng.randint(0, 9999999):07d}"))


def gen_cards(n: int, seed: int = workloads.SEED) -> list[Client]:
    rng = random.Random(seed + 4)
    kinds = list(ClientKind)
    categories = list(ClientCategory)
    created = datetime(2020, 1, 1, tzinfo=UTC)
    out = []
    for i in range(1, n + 1):
        contacts = tuple(
            Contact(
                name=_PEOPLE[(i + k) % 5],
                position=_POSITIONS[(i + k) % 4],
                phones=(_phone(rng),) if rng.random() < 0.8 else (),
                emails=(f"c{i}.{k}@example.ru",) if rng.random() < 0.6 else (),
                decision_maker=k == 0,
                external_id=ExternalId("crm", f"p{i}-{k}") if rng.random() < 0.3 else None,
            )
            for k in range(rng.randint(0, 3))
        )
        person = kinds[i % 2] is ClientKind.PERSON
        out.append(
            Client(
                id=ClientId(f"c{i:07d}"),
                name=f"{_PEOPLE[i % 5]} {i}" if person else f"ООО «Клиент {i}»",
                city=_CITIES[i % 6],
                phones=tuple(_phone(rng) for _ in range(rng.randint(1, 2))),
                kind=kinds[i % 2],
                category=categories[i % 4],
                contacts=contacts,
                emails=(f"info{i}@example.ru",),
                manager_id=EmployeeId(f"m{rng.randint(1, workloads.MANAGERS):02d}"),
                contract_numbers=(f"Д-{i}/25",) if rng.random() < 0.7 else (),
                inn=f"{rng.randint(10**11, 10**12 - 1)}"
                if person
                else f"{rng.randint(10**9, 10**10 - 1)}",
                birthday=date(1950 + rng.randint(0, 55), rng.randint(1, 12), rng.randint(1, 28))
                if person
                else None,
                company_day=None
                if person
                else date(1995 + rng.randint(0, 25), rng.randint(1, 12), rng.randint(1, 28)),
                created_at=created + timedelta(seconds=rng.randint(0, 5 * 365 * 86400)),
                version=rng.randint(0, 5),
                external_id=ExternalId("crm", f"k{i}") if rng.random() < 0.5 else None,
            )
        )
    return out


# --------------------------------------------------------------------------- the cases


def make_cattrs_json() -> tuple[Callable[[Client], str], Callable[[str], Client]]:
    from cattrs.preconf.json import make_converter

    conv = make_converter()
    conv.register_unstructure_hook(Phone, lambda p: p.e164)
    conv.register_structure_hook(Phone, lambda v, _: Phone(v))

    def dump(card: Client) -> str:
        return conv.dumps(card, ensure_ascii=False, separators=(",", ":"))

    def load(text: str) -> Client:
        return conv.loads(text, Client)

    return dump, load


def make_cattrs_plain() -> tuple[Callable[[Client], str], Callable[[str], Client]]:
    import cattrs

    conv = cattrs.Converter()
    conv.register_unstructure_hook(Phone, lambda p: p.e164)
    conv.register_structure_hook(Phone, lambda v, _: Phone(v))
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(date, lambda v, _: date.fromisoformat(v))

    def dump(card: Client) -> str:
        return json.dumps(conv.unstructure(card), ensure_ascii=False, separators=(",", ":"))

    def load(text: str) -> Client:
        return conv.structure(json.loads(text), Client)

    return dump, load


def _ext(e: ExternalId | None) -> dict[str, str] | None:
    return None if e is None else {"source": e.source, "id": e.id}


def _ext_back(d: dict[str, str] | None) -> ExternalId | None:
    return None if d is None else ExternalId(d["source"], d["id"])


def hand_dump(c: Client) -> str:
    b, cd, at = c.birthday, c.company_day, c.created_at
    doc = {
        "id": c.id,
        "name": c.name,
        "city": c.city,
        "phones": [p.e164 for p in c.phones],
        "kind": c.kind.value,
        "category": c.category.value,
        "contacts": [
            {
                "name": k.name,
                "position": k.position,
                "phones": [p.e164 for p in k.phones],
                "emails": list(k.emails),
                "decision_maker": k.decision_maker,
                "external_id": _ext(k.external_id),
                "gender": None if k.gender is None else k.gender.value,
            }
            for k in c.contacts
        ],
        "emails": list(c.emails),
        "manager_id": c.manager_id,
        "contract_numbers": list(c.contract_numbers),
        "inn": c.inn,
        "birthday": None if b is None else b.isoformat(),
        "company_day": None if cd is None else cd.isoformat(),
        "created_at": None if at is None else at.isoformat(),
        "version": c.version,
        "external_id": _ext(c.external_id),
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def hand_load(text: str) -> Client:
    d = json.loads(text)
    b, cd, at = d["birthday"], d["company_day"], d["created_at"]
    return Client(
        id=d["id"],
        name=d["name"],
        city=d["city"],
        phones=tuple(Phone(p) for p in d["phones"]),
        kind=ClientKind(d["kind"]),
        category=ClientCategory(d["category"]),
        contacts=tuple(
            Contact(
                name=k["name"],
                position=k["position"],
                phones=tuple(Phone(p) for p in k["phones"]),
                emails=tuple(k["emails"]),
                decision_maker=k["decision_maker"],
                external_id=_ext_back(k["external_id"]),
                gender=None if k["gender"] is None else Gender(k["gender"]),
            )
            for k in d["contacts"]
        ),
        emails=tuple(d["emails"]),
        manager_id=d["manager_id"],
        contract_numbers=tuple(d["contract_numbers"]),
        inn=d["inn"],
        birthday=None if b is None else date.fromisoformat(b),
        company_day=None if cd is None else date.fromisoformat(cd),
        created_at=None if at is None else datetime.fromisoformat(at),
        version=d["version"],
        external_id=_ext_back(d["external_id"]),
    )


def make_pydantic() -> tuple[Callable[[Client], Any], Callable[[Any], str], Callable[[str], Any]]:
    """(card → pydantic model, model → JSON text, JSON text → model)."""
    from pydantic import BaseModel, ConfigDict

    class PExternalId(BaseModel):
        model_config = ConfigDict(frozen=True)
        source: str
        id: str

    class PContact(BaseModel):
        model_config = ConfigDict(frozen=True)
        name: str
        position: str | None
        phones: tuple[str, ...]
        emails: tuple[str, ...]
        decision_maker: bool
        external_id: PExternalId | None
        gender: Gender | None

    class PClient(BaseModel):
        model_config = ConfigDict(frozen=True)
        id: str
        name: str
        city: str
        phones: tuple[str, ...]
        kind: ClientKind
        category: ClientCategory
        contacts: tuple[PContact, ...]
        emails: tuple[str, ...]
        manager_id: str | None
        contract_numbers: tuple[str, ...]
        inn: str | None
        birthday: date | None
        company_day: date | None
        created_at: datetime | None
        version: int
        external_id: PExternalId | None

    def convert(card: Client) -> PClient:
        return PClient.model_validate_json(to_json(card))

    def dump(model: PClient) -> str:
        return model.model_dump_json()

    def load(text: str) -> PClient:
        return PClient.model_validate_json(text)

    return convert, dump, load


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    ap.add_argument("--n", type=int, default=100_000, help="client cards (100000)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per case (5)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        ap.error("--n and --repeat must be positive")

    cards = gen_cards(args.n)
    cj_dump, cj_load = make_cattrs_json()
    cp_dump, cp_load = make_cattrs_plain()
    p_convert, p_dump, p_load = make_pydantic()
    models = [p_convert(c) for c in cards]
    dumps: dict[str, Callable[[Client], str]] = {
        "cattrs_json": cj_dump,
        "cattrs_plain": cp_dump,
        "clientops": to_json,
        "handwritten": hand_dump,
    }
    loads: dict[str, Callable[[str], Any]] = {
        "cattrs_json": cj_load,
        "cattrs_plain": cp_load,
        "clientops": lambda text: from_json(text, Client),
        "handwritten": hand_load,
    }

    # ---- checks: the same JSON data on every side, the records back as they were
    texts = {case: [fn(c) for c in cards] for case, fn in dumps.items()}
    texts["pydantic_v2"] = [p_dump(m) for m in models]
    reference = [json.loads(t) for t in texts["clientops"]]
    for case, out in texts.items():
        if case == "pydantic_v2":
            continue
        if [json.loads(t) for t in out] != reference:
            raise SystemExit(f"bench_serialize: {case} writes other JSON data than clientops")
        back = [loads[case](t) for t in out]
        if back != cards:
            raise SystemExit(f"bench_serialize: {case} does not read its JSON back to the cards")
    if [p_load(t) for t in texts["pydantic_v2"]] != models:
        raise SystemExit("bench_serialize: pydantic does not read its JSON back")
    size = {case: sum(len(t.encode()) for t in out) for case, out in texts.items()}
    harness.log(
        f"bench_serialize: n={args.n:,} cards, repeat={args.repeat}; every case writes the same "
        f"JSON data and reads it back equal ({size['clientops'] / args.n:,.0f} bytes per card)"
    )

    def each(fn: Callable[[Any], Any], items: list[Any]) -> Callable[[], object]:
        return lambda: [fn(x) for x in items]

    dump_cases = {case: each(fn, cards) for case, fn in dumps.items()}
    dump_cases["pydantic_v2"] = each(p_dump, models)
    load_cases = {case: each(fn, texts[case]) for case, fn in loads.items()}
    load_cases["pydantic_v2"] = each(p_load, texts["pydantic_v2"])
    results = {
        "dump": harness.compare(dump_cases, repeat=args.repeat, min_time=0, baseline="cattrs_json"),
        "load": harness.compare(load_cases, repeat=args.repeat, min_time=0, baseline="cattrs_json"),
    }
    per_s: dict[str, dict[str, float]] = {}
    ratios: dict[str, float] = {}
    for step, res in results.items():
        per_s[step] = {case: round(args.n / res[case]["median"], 1) for case in dump_cases}
        ratios[step] = res["ratios"]["clientops"]
        harness.log(f"{step}:")
        for case in dump_cases:
            r = res[case]
            ratio = "baseline" if case == "cattrs_json" else f"{res['ratios'][case]:.2f}x"
            harness.log(
                f"  {case:>13}: {per_s[step][case]:>10,.0f} cards/s  (median "
                f"{r['median'] * 1e3:,.1f} ms for {args.n:,}; time / cattrs_json {ratio})"
            )
    of_floor = {
        step: harness.paired_ratio(res, "clientops", "handwritten") for step, res in results.items()
    }
    met = all(r <= TARGET for r in ratios.values())
    harness.log(
        f"clientops / cattrs's JSON converter: dump {ratios['dump']:.3f}, load "
        f"{ratios['load']:.3f} (target <= {TARGET}): {'MET' if met else 'NOT MET'}; "
        f"clientops / the hand-written floor: dump {of_floor['dump']:.2f}, load "
        f"{of_floor['load']:.2f}"
    )
    harness.emit(
        {
            "bench": "serialize-clientops",
            "n_cards": args.n,
            "repeat": args.repeat,
            "seed": workloads.SEED,
            "cards_per_s": per_s,
            "ratio_time_clientops_over_cattrs_json": ratios,
            "ratio_time_clientops_over_handwritten": of_floor,
            "target": TARGET,
            "meets_target": met,
            "json_bytes": size,
            "results": results,
            "machine": harness.machine(),
            "versions": harness.versions("clientops", "attrs", "cattrs", "pydantic"),
        }
    )


if __name__ == "__main__":
    main()
