"""Shared by the figure scripts: medians and percentiles, one table, and `--quick` / `--json PATH`."""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figure(name: str, seconds: Sequence[float], floor: Sequence[float] | None = None, *,
           goal: str = "", unit: str = "ms") -> Row:
    """One row: the median, p95 and range of `seconds`, and its ratio to the floor's median."""
    med = statistics.median(seconds)
    row: Row = {"figure": name, "unit": unit, "median": med * 1000, "p95": percentile(seconds, 0.95) * 1000,
                "min": min(seconds) * 1000, "max": max(seconds) * 1000, "n": len(seconds), "goal": goal}
    if floor:
        row["ratio"] = med / statistics.median(floor)
    return row


def value(name: str, amount: float, unit: str, *, floor: float | None = None, goal: str = "") -> Row:
    row: Row = {"figure": name, "unit": unit, "median": amount, "p95": None, "min": None, "max": None, "n": 1,
                "goal": goal}
    if floor:
        row["ratio"] = amount / floor
    return row


def table(rows: Sequence[Row]) -> str:
    head = f"{'figure':<58} {'median':>10} {'p95':>9} {'min–max':>15} {'× floor':>8}  goal"
    lines = [head, "-" * len(head)]
    for r in rows:
        unit = r["unit"]
        p95 = f"{r['p95']:.1f}" if r.get("p95") is not None else ""
        spread = f"{r['min']:.0f}–{r['max']:.0f}" if r.get("min") is not None else ""
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        lines.append(f"{r['figure']:<58} {r['median']:>7.1f} {unit:<2} {p95:>9} {spread:>15} {ratio:>8}  "
                     f"{r.get('goal', '')}")
    return "\n".join(lines)


def load_average() -> tuple[float, float, float]:
    return os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)


def load_line(before: tuple[float, float, float], after: tuple[float, float, float]) -> str:
    """The machine's load during the run, to read the figures by (this machine has 2 cores)."""
    def show(load: tuple[float, float, float]) -> str:
        return " / ".join(f"{value:.2f}" for value in load)

    return (f"load average (1/5/15 min): {show(before)} at the start, {show(after)} at the end; "
            f"{os.cpu_count()} cores")


def cli(argv: Sequence[str], run: Callable[[bool], list[Row]], about: str) -> int:
    parser = argparse.ArgumentParser(description=about)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(list(argv))
    before = load_average()
    rows = run(args.quick)
    print(table(rows), flush=True)
    print(load_line(before, load_average()), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0
