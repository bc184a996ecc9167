"""Memory of reading a large bank statement: the tracemalloc peak of ``read_bank_statement``
on a generated 1C statement of about 47.7 MiB (the size the issue measured), as a multiple of
the file's size.

    python bench/bench_statement_memory.py               # ~47.7 MiB, one read
    python bench/bench_statement_memory.py --mib 5       # a quicker smoke run

It measures memory, not time. The last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import _harness as harness

from clientops.bank_statements import read_bank_statement

OWN = "40702810900000000001"
HEADER = (
    "1CClientBankExchange\r\nВерсияФормата=1.03\r\nКодировка=Windows\r\n"
    "Отправитель=Банк Клиент Онлайн\r\nДатаНачала=01.01.2025\r\nДатаКонца=31.12.2025\r\n"
    f"РасчСчет={OWN}\r\n"
)
DOCUMENT = (
    "СекцияДокумент=Платежное поручение\r\nНомер={n}\r\nДата=16.07.2025\r\nСумма={n}.00\r\n"
    'ПлательщикСчет=40702810500000000002\r\nПлательщик=ИНН 5501123450 ООО "Ромашка"\r\n'
    'ПлательщикИНН=5501123450\r\nПлательщикКПП=550101001\r\nПлательщик1=ООО "Ромашка"\r\n'
    "ПлательщикРасчСчет=40702810500000000002\r\nПлательщикБанк1=ПАО СБЕРБАНК\r\n"
    "ПлательщикБанк2=г. Омск\r\nПлательщикБИК=045209673\r\n"
    "ПлательщикКорсчет=30101810900000000673\r\n"
    f"ПолучательСчет={OWN}\r\nДатаПоступило=17.07.2025\r\n"
    'Получатель=ИНН 7728012340 ООО "Клиентский сервис"\r\nПолучательИНН=7728012340\r\n'
    'ПолучательКПП=772801001\r\nПолучатель1=ООО "Клиентский сервис"\r\n'
    f'ПолучательРасчСчет={OWN}\r\nПолучательБанк1=АО "АЛЬФА-БАНК"\r\n'
    "ПолучательБанк2=г. Москва\r\nПолучательБИК=044525593\r\n"
    "ПолучательКорсчет=30101810200000000593\r\nВидОплаты=01\r\nКод=0\r\nОчередность=5\r\n"
    "НазначениеПлатежа=Оплата по счету № {n} от 15.07.2025 за абонентское обслуживание. "
    "Без налога (НДС)\r\nКонецДокумента\r\n"
)


def write_statement(path: Path, size: int) -> int:
    """Write a valid statement of at least ``size`` bytes; return its number of documents."""
    count = 0
    with path.open("wb") as file:
        written = file.write(HEADER.encode("cp1251"))
        while written < size:
            count += 1
            written += file.write(DOCUMENT.format(n=count).encode("cp1251"))
        file.write("КонецФайла\r\n".encode("cp1251"))
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=float, default=47.7, help="file size in MiB")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "statement.txt"
        documents = write_statement(path, int(args.mib * 1024 * 1024))
        size = os.path.getsize(path)
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        statement = read_bank_statement(path)
        took = time.perf_counter() - started
        kept, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert len(statement.payments) == documents
    mib = 1024 * 1024
    print(
        f"file {size / mib:.1f} MiB, {documents} documents: peak {peak / mib:.0f} MiB "
        f"({peak / size:.1f}x the file), result kept {kept / mib:.0f} MiB "
        f"({kept / size:.1f}x), {took:.1f} s"
    )
    harness.emit(
        {
            "bench": "statement-memory",
            "file_bytes": size,
            "documents": documents,
            "peak_bytes": peak,
            "kept_bytes": kept,
            "peak_over_file": round(peak / size, 3),
            "kept_over_file": round(kept / size, 3),
            "seconds": round(took, 3),
            "machine": harness.machine(),
        }
    )


if __name__ == "__main__":
    main()
