"""The `clubos-tickets` command line: every command and where it lives.

`tickets` holds the service and data commands (db, serve, export, import), `digest` the
digest, `triage` the triage command, `demo` the demo. Each command imports what it needs
when it runs, so every command starts without loading the others' dependencies.
"""

from __future__ import annotations

import typer

from app.cli import demo, digest, tickets, triage

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="ClubOS Tickets",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema commands.")
app.add_typer(db_app, name="db")
db_app.command("upgrade")(tickets.db_upgrade)
db_app.command("revision", hidden=True)(tickets.db_revision)
app.command()(tickets.serve)
app.command("export")(tickets.export_command)
app.command("import")(tickets.import_command)
app.command("digest")(digest.digest_command)
app.command("triage")(triage.triage_command)
app.command("demo")(demo.demo_command)


def main() -> None:
    app()
