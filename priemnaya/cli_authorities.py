"""`priemnaya authorities …`: import the authority directory from YAML and show it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from core import services as core
from core.directory import Directory, DirectoryError, load_directory
from priemnaya.bootstrap import Services


def directory_as_dict(directory: Directory) -> dict[str, Any]:
    return {
        "municipalities": [
            {
                "code": m.code,
                "name": m.name,
                "aliases": list(m.aliases),
                "has_boundary": bool(m.boundary),
            }
            for m in directory.municipalities
        ],
        "authorities": [
            {
                "code": a.code,
                "name": a.name,
                "kind": a.kind.value,
                "municipality": a.municipality,
                "chat_id": a.chat_id,
                "active": a.active,
                "officials": [
                    {
                        "tg_user_id": o.tg_user_id,
                        "role": o.role.value,
                        "full_name": o.full_name,
                        "position": o.position,
                        "phone": o.phone,
                        "email": o.email,
                    }
                    for o in a.officials
                ],
            }
            for a in directory.authorities
        ],
        "routes": [
            {"sector": r.sector, "municipality": r.municipality, "authority": r.authority}
            for r in directory.routes
        ],
    }


def make_authorities_group(load_settings: Any, with_services: Any) -> click.Group:
    @click.group()
    def authorities() -> None:
        """The authority directory: who answers which sector where."""

    @authorities.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_(file: Path) -> None:
        """Load FILE (YAML) as the directory; importing the same file again changes nothing."""
        settings = load_settings()

        async def work(services: Services) -> None:
            try:
                directory = load_directory(file, [s.code for s in services.sectors])
            except DirectoryError as exc:
                raise click.ClickException(str(exc)) from exc
            report = await core.import_directory(services.uow, directory)
            click.echo(
                f"{len(directory.municipalities)} municipalities, "
                f"{len(directory.authorities)} authorities, {len(directory.routes)} routes"
            )
            if report.unchanged:
                click.echo("no changes")
            for line in report.added:
                click.echo(f"added: {line}")
            for line in report.changed:
                click.echo(f"changed: {line}")
            for line in report.deactivated:
                click.echo(f"deactivated: {line}")

        with_services(settings, work)

    @authorities.command("list")
    @click.option("--json", "as_json", is_flag=True, help="machine-readable output")
    def list_(as_json: bool) -> None:
        """Show the directory: authorities with officials, and the routing table."""
        settings = load_settings()

        async def work(services: Services) -> None:
            directory = await core.load_directory(services.uow)
            if as_json:
                click.echo(json.dumps(directory_as_dict(directory), ensure_ascii=False, indent=2))
                return
            if not directory.authorities:
                click.echo("the directory is empty: priemnaya authorities import FILE")
                return
            names = {m.code: m.name for m in directory.municipalities}
            for a in directory.authorities:
                where = names.get(a.municipality or "", "весь регион")
                state = "" if a.active else "  [inactive]"
                click.echo(
                    f"{a.code}  {a.name} ({a.kind.value}, {where}), chat {a.chat_id}{state}"
                )
                for o in a.officials:
                    click.echo(
                        f"    {o.role.value:<8} {o.full_name}, {o.position} [{o.tg_user_id}]"
                    )
            click.echo("\nroutes (sector / municipality → authority):")
            for r in directory.routes:
                where = names.get(r.municipality or "", "* весь регион")
                click.echo(f"  {services.sector_title(r.sector)} / {where} → {r.authority}")

        with_services(settings, work)

    return authorities
