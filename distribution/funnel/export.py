"""CSV exports of funnels and the leaderboard: one row per line of the report, the same
figures as the JSON, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from distribution.funnel.schemas import (
    CampaignFunnel,
    Figures,
    Leaderboard,
    VacancyFunnel,
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FIGURE_COLUMNS = (
    "reached",
    "links",
    "links_shared",
    "clicks",
    "requests",
    "bot_requests",
    "unique_visitors",
    "applications",
    "interviews",
    "hires",
)
CONVERSION_COLUMNS = (
    "reached_to_links_shared",
    "links_shared_to_clicks",
    "clicks_to_applications",
    "applications_to_interviews",
    "interviews_to_hires",
)
LINE_COLUMNS = (
    "level",
    "channel",
    "employee_id",
    "external_id",
    "name",
    "department",
    "opted_out",
    *FIGURE_COLUMNS,
    *CONVERSION_COLUMNS,
)
VACANCY_TOTAL_COLUMNS = ("applications_total", "interviews_total", "hires_total")
LEADERBOARD_COLUMNS = (
    "rank",
    "employee_id",
    "external_id",
    "name",
    "department",
    "opted_out",
    "hires",
    "applications",
    "clicks",
    "links_shared",
)

Cell = str | int | float | bool | None


def safe_text(value: str | None) -> str:
    """A text cell a spreadsheet shows as text: a leading apostrophe defuses a formula."""
    if value is None:
        return ""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def _figures(line: Figures) -> list[Cell]:
    conversion = line.conversion
    return [
        *(getattr(line, column) for column in FIGURE_COLUMNS),
        *(getattr(conversion, column) for column in CONVERSION_COLUMNS),
    ]


def _lines(funnel: CampaignFunnel | VacancyFunnel) -> Iterable[list[Cell]]:
    yield ["total", "", "", "", "", "", "", *_figures(funnel.total)]
    for channel in funnel.channels:
        yield ["channel", safe_text(channel.channel), "", "", "", "", "", *_figures(channel)]
    for employee in funnel.employees:
        yield [
            "employee",
            "",
            str(employee.employee_id),
            safe_text(employee.external_id),
            safe_text(employee.name),
            safe_text(employee.department),
            employee.opted_out,
            *_figures(employee),
        ]


def funnel_csv(funnel: CampaignFunnel | VacancyFunnel) -> str:
    """Rows: the total, then one per channel, then one per employee (the `level` column
    tells which); a vacancy funnel adds its all-application totals on the total row."""
    if isinstance(funnel, CampaignFunnel):
        return _write(LINE_COLUMNS, _lines(funnel))
    totals: list[Cell] = [funnel.applications_total, funnel.interviews_total, funnel.hires_total]
    rows = (
        [*row, *(totals if index == 0 else [None] * len(totals))]
        for index, row in enumerate(_lines(funnel))
    )
    return _write((*LINE_COLUMNS, *VACANCY_TOTAL_COLUMNS), rows)


def leaderboard_csv(board: Leaderboard) -> str:
    return _write(
        LEADERBOARD_COLUMNS,
        (
            [
                entry.rank,
                str(entry.employee_id),
                safe_text(entry.external_id),
                safe_text(entry.name),
                safe_text(entry.department),
                entry.opted_out,
                entry.hires,
                entry.applications,
                entry.clicks,
                entry.links_shared,
            ]
            for entry in board.data
        ),
    )
