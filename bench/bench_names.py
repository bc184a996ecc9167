"""How well and how fast names are declined: clientops.russian (pymorphy3 with its
OpenCorpora dictionary) against a table of names in three cases, and, when it is installed,
the petrovich rule set on the same table (told the gender, which it cannot find itself).

Prints one JSON line: for each library the share of forms right, the microseconds per
declined name (clientops's afresh, and from its cache of names already declined), the time
and resident memory to load; the baseline is writing the name undeclined (a format
call), measured in the same run, and ``ratio`` is the cost of declining against it.

    python bench/bench_names.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable

#: (nominative, gender, genitive, dative, instrumental)
TABLE = [
    ("Кузнецова Мария Павловна", "f", "Кузнецовой Марии Павловны", "Кузнецовой Марии Павловне",
     "Кузнецовой Марией Павловной"),
    ("Ильина Анна", "f", "Ильиной Анны", "Ильиной Анне", "Ильиной Анной"),
    ("Шевчук Игорь Олегович", "m", "Шевчука Игоря Олеговича", "Шевчуку Игорю Олеговичу",
     "Шевчуком Игорем Олеговичем"),
    ("Руслан Ахмедович Алиев", "m", "Руслана Ахмедовича Алиева", "Руслану Ахмедовичу Алиеву",
     "Русланом Ахмедовичем Алиевым"),
    ("Шевчук Анна Игоревна", "f", "Шевчук Анны Игоревны", "Шевчук Анне Игоревне",
     "Шевчук Анной Игоревной"),
    ("Никита Сергеевич Ильин", "m", "Никиты Сергеевича Ильина", "Никите Сергеевичу Ильину",
     "Никитой Сергеевичем Ильиным"),
    ("Черных Ольга Петровна", "f", "Черных Ольги Петровны", "Черных Ольге Петровне",
     "Черных Ольгой Петровной"),
    ("Римская-Корсакова Анна", "f", "Римской-Корсаковой Анны", "Римской-Корсаковой Анне",
     "Римской-Корсаковой Анной"),
    ("Смирнова Анна Сергеевна", "f", "Смирновой Анны Сергеевны", "Смирновой Анне Сергеевне",
     "Смирновой Анной Сергеевной"),
    ("Лебедева Ольга Петровна", "f", "Лебедевой Ольги Петровны", "Лебедевой Ольге Петровне",
     "Лебедевой Ольгой Петровной"),
    ("Петров Игорь Олегович", "m", "Петрова Игоря Олеговича", "Петрову Игорю Олеговичу",
     "Петровым Игорем Олеговичем"),
    ("Иванов Иван Иванович", "m", "Иванова Ивана Ивановича", "Иванову Ивану Ивановичу",
     "Ивановым Иваном Ивановичем"),
]  # fmt: skip

Decliner = Callable[[str, str, int], str]  # (name, gender, case 0..2) -> form


def clientops_decliner(*, cached: bool = False) -> Decliner:
    from clientops._names import _decline
    from clientops.russian import Case, decline

    cases = (Case.GEN, Case.DAT, Case.INS)

    def run(name: str, _gender: str, case: int) -> str:
        if not cached:
            _decline.cache_clear()  # every name declined afresh
        return decline(name, cases[case])

    return run


def petrovich_decliner() -> Decliner | None:
    try:
        from petrovich.enums import Case, Gender
        from petrovich.main import Petrovich
    except ImportError:
        return None
    engine = Petrovich()
    cases = (Case.GENITIVE, Case.DATIVE, Case.INSTRUMENTAL)

    def decline(name: str, gender: str, case: int) -> str:
        sex = Gender.FEMALE if gender == "f" else Gender.MALE
        words = name.split()
        out = []
        for i, word in enumerate(words):
            if word.endswith(("вич", "вна", "чна")):
                out.append(engine.middlename(word, cases[case], sex))
            elif (i + 1 < len(words) and words[i + 1].endswith(("вич", "вна", "чна"))) or (
                len(words) == 2 and i == 1
            ):
                out.append(engine.firstname(word, cases[case], sex))
            else:
                out.append(engine.lastname(word, cases[case], sex))
        return " ".join(out)

    return decline


def measure(make: Callable[[], Decliner | None], repeat: int) -> dict[str, float] | None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    decline = make()
    if decline is None:
        return None
    decline(TABLE[0][0], TABLE[0][1], 0)  # loads the dictionary
    load = time.perf_counter() - started
    memory = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) * 1024
    right = sum(
        decline(name, gender, case) == forms[case]
        for name, gender, *forms in TABLE
        for case in range(3)
    )
    started = time.perf_counter()
    for n in range(repeat):
        for name, gender, *_forms in TABLE:
            decline(name, gender, n % 3)
    each = (time.perf_counter() - started) / (repeat * len(TABLE))
    return {
        "right": round(right / (3 * len(TABLE)), 3),
        "us_per_name": round(each * 1e6, 1),
        "load_s": round(load, 3),
        "load_mib_rss": round(memory / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    started = time.perf_counter()
    for _ in range(args.repeat):
        for name, *_rest in TABLE:
            f"{name} сейчас нет на месте".format()
    baseline = (time.perf_counter() - started) / (args.repeat * len(TABLE))
    figures = {
        "baseline_us_per_name": round(baseline * 1e6, 3),
        "pymorphy3": measure(clientops_decliner, args.repeat),
        "pymorphy3_cached": measure(lambda: clientops_decliner(cached=True), args.repeat),
        "petrovich": measure(petrovich_decliner, args.repeat),
    }
    ours = figures["pymorphy3"]
    assert isinstance(ours, dict)
    figures["ratio"] = round(ours["us_per_name"] / max(baseline * 1e6, 1e-9), 1)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
