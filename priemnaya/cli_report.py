"""`priemnaya report …`: the monthly report to the head of the region and the quarterly table
by municipality, the same files the dashboard's «Отчёты» page gives (region-wide)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from core.dashboard import month_period, quarter_period
from priemnaya.bootstrap import Services


def make_report_group(load_settings: Callable[[], Any], with_services: Callable[..., Any]):
    @click.group()
    def report() -> None:
        """ЦУР reports: monthly (HTML, XLSX) and quarterly by municipality (XLSX, CSV)."""

    def write(
        kind: str, period: str, formats: list[str], out: Path | None, allowed: tuple[str, ...]
    ) -> None:
        from web.dashboard import monthly_report_file, quarterly_report_file, report_viewer

        bad = [f for f in formats if f not in allowed]
        if bad:
            raise click.BadParameter(
                f"{', '.join(bad)}: the {kind} report is {' or '.join(allowed)}",
                param_hint="--format",
            )
        settings = load_settings()
        target = out or settings.var_dir / "reports"
        target.mkdir(parents=True, exist_ok=True)
        make = monthly_report_file if kind == "monthly" else quarterly_report_file

        async def work(services: Services) -> list[Path]:
            async with services.uow() as uow:
                directory = await uow.directory.load()
            written = []
            for ext in formats:
                body = await make(services, directory, report_viewer(), period, ext)
                path = target / f"{kind}-{period}.{ext}"
                path.write_bytes(body)
                written.append(path)
            return written

        for path in with_services(settings, work):
            click.echo(str(path))

    def split(value: str) -> list[str]:
        return [f.strip().lower() for f in value.split(",") if f.strip()]

    @report.command("monthly")
    @click.option("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    @click.option("--format", "formats", default="html,xlsx", show_default=True)
    @click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Directory for the files (default var/reports)",
    )
    def monthly(month: str, formats: str, out: Path | None) -> None:
        """The monthly report for the head of the region."""
        try:
            month_period(month)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--month") from exc
        write("monthly", month.strip(), split(formats), out, ("html", "xlsx"))

    @report.command("quarterly")
    @click.option("--quarter", required=True, help="YYYY-Qn, e.g. 2026-Q4")
    @click.option("--format", "formats", default="xlsx,csv", show_default=True)
    @click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Directory for the files (default var/reports)",
    )
    def quarterly(quarter: str, formats: str, out: Path | None) -> None:
        """Statistics by municipality for a quarter."""
        try:
            quarter_period(quarter)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--quarter") from exc
        write("quarterly", quarter.strip().upper(), split(formats), out, ("xlsx", "csv"))

    return report
