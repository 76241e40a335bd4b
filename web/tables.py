"""The tables under the charts, in the exports and in the reports — built once here, so the
page, the XLSX and the CSV always say the same. Cells keep raw values; each column has a kind
that says how to show it (an integer, a share, working days, a date, text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from core.analytics import Bucket, OverdueCase, Summary
from core.dashboard import Dashboard, MonthlyReport, QuarterlyReport
from core.directory import Directory
from core.i18n import Texts
from core.ratings import WEIGHTS, Rating
from web.render import num, pct

if TYPE_CHECKING:
    from priemnaya.bootstrap import Services

Kind = Literal["text", "int", "pct", "wd", "num", "date"]


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    kind: Kind = "int"


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # a short latin name: the sheet's and the file's
    title: str
    columns: Sequence[Column]
    rows: list[list[Any]] = field(default_factory=list)

    def display(self, limit: int | None = None) -> list[list[str]]:
        """The rows as people read them (formatting in Python: a template macro per cell
        costs more than the query behind the table)."""
        kinds = [c.kind for c in self.columns]
        rows = self.rows[:limit] if limit else self.rows
        return [[cell_text(v, k) for v, k in zip(row, kinds, strict=True)] for row in rows]


class Labels:
    """Codes → what people read: sector titles, names from the directory, enum texts."""

    def __init__(
        self, texts: Texts, sectors: dict[str, str], directory: Directory, tz: ZoneInfo
    ) -> None:
        self.t = texts
        self.tz = tz
        self.sectors = sectors
        self.municipalities = {m.code: m.name for m in directory.municipalities}
        self.authorities = {a.code: a.name for a in directory.authorities}

    @classmethod
    def of(cls, services: Services, directory: Directory) -> Labels:
        """The labels of this deployment: its catalogue, directory, texts and time zone."""
        sectors = {x.code: x.title for x in services.sectors}
        return cls(services.texts, sectors, directory, services.tz)

    def sector(self, code: str | None) -> str:
        return self.sectors.get(code or "", code or self.t("dash-none"))

    def municipality(self, code: str | None) -> str:
        return self.municipalities.get(code or "", code or self.t("dash-none"))

    def authority(self, code: str | None) -> str:
        return self.authorities.get(code or "", code or self.t("dash-triage"))

    def channel(self, code: str | None) -> str:
        return self.t(f"channel-{code}") if code else self.t("dash-none")

    def status(self, code: str | None) -> str:
        return self.t(f"status-{code}") if code else self.t("dash-none")

    def due_day(self, due_at: datetime) -> date:
        """A deadline is the end of its day (the next midnight): the day it names."""
        return (due_at - timedelta(seconds=1)).astimezone(self.tz).date()


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def counts_table(
    t: Texts, key: str, title: str, head: str, buckets: list[Bucket], name: Any
) -> Table:
    total = sum(b.count for b in buckets)
    return Table(
        key,
        title,
        [Column(head, "text"), Column(t("dash-col-appeals")), Column(t("dash-col-share"), "pct")],
        [[name(b.key or None), b.count, _share(b.count, total)] for b in buckets],
    )


def trend_table(t: Texts, board: Dashboard) -> Table:
    return Table(
        "trend",
        t("dash-chart-trend"),
        [
            Column(t("dash-col-period"), "text"),
            Column(t("dash-col-received")),
            Column(t("dash-col-closed")),
            Column(t("dash-col-on-time")),
            Column(t("dash-col-overdue")),
        ],
        [
            [b.label, b.count, b.extra["closed"], b.extra["on_time"], b.extra["overdue"]]
            for b in board.trend
        ],
    )


def summary_rows(t: Texts, s: Summary) -> list[tuple[str, Any, Kind]]:
    return [
        (t("dash-kpi-total"), s.total, "int"),
        (t("dash-kpi-open"), s.open, "int"),
        (t("dash-kpi-closed"), s.closed, "int"),
        (t("dash-kpi-overdue"), s.overdue_open, "int"),
        (t("dash-kpi-on-time"), s.on_time_share, "pct"),
        (t("dash-kpi-first-median"), s.first_response_median, "wd"),
        (t("dash-kpi-first-p90"), s.first_response_p90, "wd"),
        (t("dash-kpi-resolution-median"), s.resolution_median, "wd"),
        (t("dash-kpi-resolution-p90"), s.resolution_p90, "wd"),
        (t("verdict-solved"), s.verdict_solved, "int"),
        (t("verdict-partly"), s.verdict_partly, "int"),
        (t("verdict-not_solved"), s.verdict_not_solved, "int"),
        (t("dash-kpi-satisfaction"), s.satisfaction, "pct"),
        (t("dash-kpi-rating"), s.rating_mean, "num"),
        (t("dash-kpi-reopen"), s.reopen_rate, "pct"),
        (t("dash-kpi-completeness"), s.completeness, "pct"),
    ]


def summary_table(t: Texts, s: Summary) -> Table:
    return Table(
        "summary",
        t("dash-summary"),
        [Column(t("dash-col-indicator"), "text"), Column(t("dash-col-value"), "num")],
        [[label, value] for label, value, _ in summary_rows(t, s)],
    )


def satisfaction_table(t: Texts, s: Summary) -> Table:
    return Table(
        "satisfaction",
        t("dash-chart-satisfaction"),
        [
            Column(t("dash-col-verdict"), "text"),
            Column(t("dash-col-appeals")),
            Column(t("dash-col-share"), "pct"),
        ],
        [
            [t("verdict-solved"), s.verdict_solved, _share(s.verdict_solved, s.verdicts)],
            [t("verdict-partly"), s.verdict_partly, _share(s.verdict_partly, s.verdicts)],
            [
                t("verdict-not_solved"),
                s.verdict_not_solved,
                _share(s.verdict_not_solved, s.verdicts),
            ],
        ],
    )


def workload_columns(t: Texts, first: str) -> list[Column]:
    return [
        Column(first, "text"),
        Column(t("dash-col-total")),
        Column(t("dash-col-open")),
        Column(t("dash-col-overdue")),
        Column(t("dash-col-closed")),
        Column(t("dash-col-on-time-share"), "pct"),
        Column(t("dash-col-first-median"), "wd"),
        Column(t("dash-col-resolution-median"), "wd"),
        Column(t("dash-col-resolution-p90"), "wd"),
    ]


def workload_row(name: str, s: Summary) -> list[Any]:
    return [
        name,
        s.total,
        s.open,
        s.overdue_open,
        s.closed,
        s.on_time_share,
        s.first_response_median,
        s.resolution_median,
        s.resolution_p90,
    ]


def authorities_table(t: Texts, labels: Labels, stats: list[Any]) -> Table:
    return Table(
        "authorities",
        t("dash-chart-authorities"),
        workload_columns(t, t("dash-col-authority")),
        [workload_row(labels.authority(s.key), s.summary) for s in stats],
    )


def officials_table(t: Texts, labels: Labels, stats: list[Any]) -> Table:
    columns = [
        Column(t("dash-col-official"), "text"),
        Column(t("dash-col-authority"), "text"),
        *workload_columns(t, "")[1:6],
    ]
    return Table(
        "officials",
        t("dash-chart-officials"),
        columns,
        [
            [
                s.label or str(s.key),
                labels.authority(s.authority),
                *workload_row("", s.summary)[1:6],
            ]
            for s in stats
        ],
    )


def overdue_table(t: Texts, labels: Labels, cases: list[OverdueCase]) -> Table:
    return Table(
        "overdue",
        t("dash-overdue"),
        [
            Column(t("dash-col-number"), "text"),
            Column(t("dash-col-sector"), "text"),
            Column(t("dash-col-municipality"), "text"),
            Column(t("dash-col-authority"), "text"),
            Column(t("dash-col-official"), "text"),
            Column(t("dash-col-due"), "date"),
            Column(t("dash-col-overdue-wd"), "wd"),
        ],
        [
            [
                c.number,
                labels.sector(c.sector),
                labels.municipality(c.municipality),
                labels.authority(c.authority),
                c.executor_name or "—",
                labels.due_day(c.due_at),
                c.overdue_wd,
            ]
            for c in cases
        ],
    )


def topics_table(t: Texts, labels: Labels, topics: list[Bucket]) -> Table:
    return Table(
        "topics",
        t("dash-chart-topics"),
        [
            Column(t("dash-col-topic"), "text"),
            Column(t("dash-col-sector"), "text"),
            Column(t("dash-col-appeals")),
        ],
        [[b.key, labels.sector(b.label), b.count] for b in topics],
    )


def addresses_table(t: Texts, labels: Labels, addresses: list[Bucket]) -> Table:
    return Table(
        "addresses",
        t("dash-chart-addresses"),
        [
            Column(t("dash-col-address"), "text"),
            Column(t("dash-col-municipality"), "text"),
            Column(t("dash-col-appeals")),
        ],
        [[b.key, labels.municipality(b.label), b.count] for b in addresses],
    )


def breakdown_tables(t: Texts, labels: Labels, board: Dashboard) -> dict[str, Table]:
    """Every table of the dashboard page, by key."""

    def counts(key: str, title: str, head: str, buckets: list[Bucket], name: Any) -> Table:
        return counts_table(t, key, title, head, buckets, name)

    s = board.summary
    return {
        "summary": summary_table(t, s),
        "trend": trend_table(t, board),
        "sectors": counts(
            "sectors",
            t("dash-chart-sectors"),
            t("dash-col-sector"),
            board.by_sector,
            labels.sector,
        ),
        "channels": counts(
            "channels",
            t("dash-chart-channels"),
            t("dash-col-channel"),
            board.by_channel,
            labels.channel,
        ),
        "statuses": counts(
            "statuses",
            t("dash-chart-statuses"),
            t("dash-col-status"),
            board.by_status,
            labels.status,
        ),
        "municipalities": counts(
            "municipalities",
            t("dash-chart-municipalities"),
            t("dash-col-municipality"),
            board.by_municipality,
            labels.municipality,
        ),
        "satisfaction": satisfaction_table(t, s),
        "authorities": authorities_table(t, labels, board.authorities),
        "officials": officials_table(t, labels, board.officials),
        "overdue": overdue_table(t, labels, board.overdue),
        "topics": topics_table(t, labels, board.topics),
        "addresses": addresses_table(t, labels, board.addresses),
    }


COMPONENT_TEXT = {k: f"dash-component-{k}" for k in WEIGHTS}


def ratings_table(t: Texts, labels: Labels, ratings: list[Rating]) -> Table:
    return Table(
        "rating",
        t("dash-rating"),
        [
            Column(t("dash-col-place")),
            Column(t("dash-col-authority"), "text"),
            Column(t("dash-col-appeals")),
            Column(t("dash-col-score"), "num"),
            *[Column(t(COMPONENT_TEXT[k]), "pct") for k in WEIGHTS],
        ],
        [
            [
                r.place,
                labels.authority(r.authority),
                r.total,
                r.score,
                *[r.components[k] for k in WEIGHTS],
            ]
            for r in ratings
        ],
    )


def monthly_tables(t: Texts, labels: Labels, report: MonthlyReport) -> list[Table]:
    s, p = report.summary, report.previous
    kpis = Table(
        "summary",
        t("dash-summary"),
        [
            Column(t("dash-col-indicator"), "text"),
            Column(t("dash-col-month"), "num"),
            Column(t("dash-col-previous"), "num"),
        ],
        [
            [label, value, before]
            for (label, value, _), (_, before, _) in zip(
                summary_rows(t, s), summary_rows(t, p), strict=True
            )
        ],
    )
    sectors = Table(
        "sectors",
        t("dash-report-sectors"),
        workload_columns(t, t("dash-col-sector")),
        [workload_row(labels.sector(x.key), x.summary) for x in report.by_sector],
    )
    municipalities = Table(
        "municipalities",
        t("dash-report-municipalities"),
        workload_columns(t, t("dash-col-municipality")),
        [workload_row(labels.municipality(x.key), x.summary) for x in report.by_municipality],
    )
    return [
        kpis,
        sectors,
        municipalities,
        ratings_table(t, labels, report.ratings),
        topics_table(t, labels, report.topics),
        addresses_table(t, labels, report.addresses),
        overdue_table(t, labels, report.overdue),
    ]


def quarterly_table(t: Texts, labels: Labels, report: QuarterlyReport) -> Table:
    columns = [
        Column(t("dash-col-municipality"), "text"),
        Column(t("dash-col-total")),
        *[Column(labels.sector(code)) for code in report.sectors],
        Column(t("dash-col-closed")),
        Column(t("dash-col-on-time-share"), "pct"),
        Column(t("dash-col-overdue")),
        Column(t("dash-col-first-median"), "wd"),
        Column(t("dash-col-resolution-median"), "wd"),
        Column(t("dash-col-satisfaction"), "pct"),
        Column(t("dash-col-rating"), "num"),
        Column(t("dash-col-reopen"), "pct"),
    ]

    def row(name: str, s: Summary, cells: list[int]) -> list[Any]:
        return [
            name,
            s.total,
            *cells,
            s.closed,
            s.on_time_share,
            s.overdue_open,
            s.first_response_median,
            s.resolution_median,
            s.satisfaction,
            s.rating_mean,
            s.reopen_rate,
        ]

    rows = [
        row(
            labels.municipality(x.key),
            x.summary,
            [report.by_sector.get((x.key, code), 0) for code in report.sectors],
        )
        for x in sorted(report.rows, key=lambda x: labels.municipality(x.key))
    ]
    totals = [
        sum(n for (m, sector), n in report.by_sector.items() if sector == code)
        for code in report.sectors
    ]
    rows.append(row(t("dash-total"), report.total, totals))
    return Table("quarterly", t("dash-report-quarterly", period=report.period), columns, rows)


def cell_text(value: Any, kind: Kind) -> str:
    """How a cell reads on the page and in CSV."""
    if value is None:
        return "—"
    if kind == "pct":
        return pct(value)
    if kind == "wd":
        return num(value, 1)
    if kind == "num":
        return num(value, 1) if isinstance(value, float) else num(value)
    if kind == "date":
        return value.strftime("%d.%m.%Y") if isinstance(value, date | datetime) else str(value)
    if kind == "int" and isinstance(value, int):
        return num(value)
    return str(value)
