"""One row of the benchmark table, shared by every ``bench/`` script and ``bench.suite``.

Each script prints its own detailed report; given ``--rows-json PATH`` it also writes its
headline figures as rows, which ``bench.suite`` gathers into one table. A row holds the
figure, the reference measured in the same run (or the issue's bar when nothing can be
measured beside it), their ratio, and the bar the ratio or figure is held to.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Row:
    stage: str
    figure: str  # what was measured, e.g. "GET /r/{code} req/s"
    value: float
    unit: str
    reference: str = ""  # what it is compared with, measured in the same run
    reference_value: float | None = None
    bar: float | None = None  # the limit the checked quantity is held to
    bar_on: Literal["ratio", "value"] = "ratio"
    better: Better = "higher"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference_value is None or self.reference_value == 0:
            return None
        return self.value / self.reference_value

    @property
    def met(self) -> bool | None:
        checked = self.ratio if self.bar_on == "ratio" else self.value
        if self.bar is None or checked is None:
            return None
        return checked >= self.bar if self.better == "higher" else checked <= self.bar


def add_rows_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rows-json", type=Path, default=None, help="also write the headline rows here"
    )


def write_rows(path: Path | None, rows: list[Row]) -> None:
    if path is not None:
        path.write_text(json.dumps([asdict(row) for row in rows], indent=2))


def read_rows(path: Path) -> list[Row]:
    return [Row(**item) for item in json.loads(path.read_text())]


def format_value(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    magnitude = abs(value)
    if magnitude >= 100:
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}" if magnitude < 1 else f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(rows: list[Row]) -> str:
    """The rows as one Markdown table (it reads as plain text too)."""
    lines = [
        "| stage | figure | value | reference (same run) | ratio | bar | met |",
        "| --- | --- | ---: | --- | ---: | ---: | :---: |",
    ]
    for row in rows:
        reference = (
            f"{row.reference}: {format_value(row.reference_value, row.unit)}"
            if row.reference_value is not None
            else row.reference
        )
        sign = ">=" if row.better == "higher" else "<="
        bar = "" if row.bar is None else f"{sign} {format_value(row.bar)}"
        if row.bar is not None and row.bar_on == "ratio":
            bar += "x"
        elif row.bar is not None:
            bar += f" {row.unit}"
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}x"
        lines.append(
            f"| {row.stage} | {row.figure} | {format_value(row.value, row.unit)} | "
            f"{reference} | {ratio} | {bar} | {met} |"
        )
    return "\n".join(lines)
