"""Timing helpers shared by the benchmarks (no dependency outside the standard library).

Every benchmark interleaves its cases inside each repeat (case A, case B, … then the next
repeat), so a noisy neighbour hits all cases alike; ratios are computed per repeat from timings
taken seconds apart and then reduced to their median (:func:`compare`). Every case of one
:func:`compare` runs under the same garbage-collector setting (``disable_gc``).

:func:`curve` runs a benchmark once per size in a child process each, so that the peak
resident memory it reports (:func:`peak_rss_kib`) belongs to that size alone.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

Clock = time.perf_counter


def _calibrate(fn: Callable[[], object], min_time: float) -> int:
    """Number of calls so that one timed run lasts at least ``min_time`` seconds."""
    number = 1
    while True:
        t0 = Clock()
        for _ in range(number):
            fn()
        dt = Clock() - t0
        if dt >= min_time or number >= 1 << 20:
            return number
        number = max(number * 2, int(number * min_time / max(dt, 1e-9) * 1.2))


def compare(
    cases: Mapping[str, Callable[[], object]],
    *,
    repeat: int = 7,
    min_time: float = 0.2,
    warmup: bool = True,
    baseline: str | None = None,
    disable_gc: bool = False,
) -> dict[str, Any]:
    """Time each case ``repeat`` times, interleaved; return per-case stats (seconds per call).

    ``min_time``: each timed run loops the call until it lasts at least this long (0 = exactly
    one call per run). ``disable_gc``: the collector is paused during every timed run of every
    case (never for one side only). Result: ``{case: {median, min, max, runs, number,
    samples}}`` plus ``ratios`` ``{case: median over repeats of t_case / t_baseline}`` when
    ``baseline`` is given, and ``gc`` (``"paused"`` or ``"on"``).
    """
    if warmup:
        for fn in cases.values():
            fn()
    numbers = {n: (_calibrate(fn, min_time) if min_time > 0 else 1) for n, fn in cases.items()}
    runs: dict[str, list[float]] = {n: [] for n in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            number = numbers[name]
            gc.collect()
            if disable_gc:
                gc.disable()
            try:
                t0 = Clock()
                for _ in range(number):
                    fn()
                dt = Clock() - t0
            finally:
                if disable_gc:
                    gc.enable()
            runs[name].append(dt / number)
    out: dict[str, Any] = {n: stats(r, number=numbers[n]) for n, r in runs.items()}
    if baseline is not None:
        base = runs[baseline]
        out["ratios"] = {
            n: round(statistics.median(a / b for a, b in zip(r, base, strict=True)), 3)
            for n, r in runs.items()
            if n != baseline
        }
        out["ratios_baseline"] = baseline
    out["gc"] = "paused" if disable_gc else "on"
    return out


def stats(samples: Sequence[float], number: int = 1) -> dict[str, Any]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "runs": len(samples),
        "number": number,
        "samples": [round(x, 9) for x in samples],
    }


def paired_ratio(result: Mapping[str, Any], case: str, base: str) -> float:
    """Median over repeats of t_case / t_base, from a :func:`compare` result."""
    a, b = result[case]["samples"], result[base]["samples"]
    return round(statistics.median(x / y for x, y in zip(a, b, strict=True)), 3)


def peak_rss_kib() -> int:
    """The peak resident set size of this process so far, in KiB (``getrusage``)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak // 1024) if sys.platform == "darwin" else int(peak)


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def versions(*dists: str) -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for d in dists:
        try:
            out[d] = version(d)
        except PackageNotFoundError:
            out[d] = None
    return out


def emit(result: Mapping[str, Any]) -> None:
    """Print the final one-line JSON (always the last line on stdout)."""
    sys.stdout.write(
        json.dumps(result, ensure_ascii=False, default=str, separators=(",", ":")) + "\n"
    )
    sys.stdout.flush()


def log(*a: object) -> None:
    print(*a, file=sys.stderr, flush=True)


def last_json(stdout: str) -> dict[str, Any]:
    """The JSON object on the last non-empty line of a benchmark's output."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the benchmark printed nothing on stdout")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def sizes_arg(text: str) -> list[int]:
    """``--sizes 10000,100000,1e6`` → ``[10000, 100000, 1000000]``."""
    out = []
    for part in text.replace("_", "").split(","):
        part = part.strip().lower()
        if not part:
            continue
        value = int(float(part[:-1]) * 1000) if part.endswith("k") else int(float(part))
        if value < 1:
            raise ValueError(f"a size must be positive, got {part!r}")
        out.append(value)
    if not out:
        raise ValueError("no size given")
    return out


def curve(
    script: str | Path,
    sizes: Sequence[int],
    args: Sequence[str] = (),
    *,
    size_flag: str = "--n",
    timeout: float | None = None,
) -> list[dict[str, Any]]:
    """Run ``script`` once per size, each in a child process (``script size_flag size
    *args``), one after the other; return each run's JSON line. A run that fails stops the
    curve with its stderr."""
    out = []
    for size in sizes:
        log(f"[curve] {Path(script).name} {size_flag} {size:,} …")
        t0 = Clock()
        done = subprocess.run(
            [sys.executable, str(script), size_flag, str(size), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            log(done.stderr[-4000:])
            raise SystemExit(f"{Path(script).name} failed at {size_flag} {size}")
        result = last_json(done.stdout)
        result.setdefault("wall_s", round(Clock() - t0, 2))
        out.append(result)
    return out


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, columns padded; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]

    def line(values: Sequence[str], numeric: Sequence[bool]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(parts) + " |"

    numeric_cols = [
        bool(rows) and all(isinstance(r[i], (int, float)) for r in rows if r[i] is not None)
        for i in range(len(headers))
    ]
    out = [line(list(headers), [False] * len(headers))]
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    out.extend(line(r, numeric_cols) for r in cells)
    return "\n".join(out)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) < 10:
            return f"{value:,.2f}"
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def rss_kib() -> int | None:
    """The resident set size of this process now, in KiB (Linux ``/proc``; else None)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
