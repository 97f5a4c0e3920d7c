"""The ``ssda903 hub`` commands (serve, add-person, revoke, verify-audit, compare, note, set-la) and ``ssda903 submit``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ssda903.hub import DEFAULT_URL

hub_app = typer.Typer(
    help="The benchmarking hub: a server the LAs share to compare their error profiles.", no_args_is_help=True
)
Db = Annotated[str, typer.Option("--db", help="The hub's database: sqlite:///hub.db, or postgresql://user@host/db.")]


def _factory(db: str):  # type: ignore[no-untyped-def]
    from ssda903.hub.database import make_engine, migrate, sessions

    try:
        engine = make_engine(db)
        migrate(engine)
    except Exception as e:  # a bad URL or an unreachable server: say so, no traceback
        typer.echo(f"Could not open the hub database {db}: {e}", err=True)
        raise typer.Exit(2) from None
    return engine, sessions(engine)


@hub_app.command()
def serve(
    db: Db = DEFAULT_URL,
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8903,
    host: Annotated[str, typer.Option(help="The address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
) -> None:
    """Run the hub (migrating its database first)."""
    import uvicorn

    from ssda903.hub.app import create_app

    engine, _ = _factory(db)
    typer.echo(f"ssda903 hub on http://{host}:{port} (database {engine.url.render_as_string(hide_password=True)})")
    uvicorn.run(create_app(engine), host=host, port=port, log_level="info")


@hub_app.command("add-person")
def add_person(
    la: Annotated[str, typer.Option("--la", help="Their LA: ONS code (E09000008) or name.")],
    email: Annotated[str, typer.Option("--email", help="Their email address.")],
    db: Db = DEFAULT_URL,
    days: Annotated[int, typer.Option(help="How many days the token lasts.")] = 365,
) -> None:
    """Add a person at an LA and print their personal token, once (its last line is the token)."""
    from ssda903.hub.people import HubError
    from ssda903.hub.people import add_person as add
    from ssda903.problems import InputError

    _, factory = _factory(db)
    try:
        person, token = add(factory, la, email, days)
    except (HubError, InputError) as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Added {person.email} at {person.la}; the token expires on {person.expires:%Y-%m-%d}.")
    typer.echo("Their personal token (shown only now; the hub keeps only its hash):")
    typer.echo(token)


@hub_app.command()
def revoke(
    email: Annotated[str, typer.Option("--email", help="Whose tokens to revoke.")],
    db: Db = DEFAULT_URL,
) -> None:
    """Revoke every live token of a person."""
    from ssda903.hub.people import HubError
    from ssda903.hub.people import revoke as revoke_tokens

    _, factory = _factory(db)
    try:
        people = revoke_tokens(factory, email)
    except HubError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Revoked {len(people)} token(s) of {email.strip().lower()}.")


@hub_app.command("verify-audit")
def verify_audit(db: Db = DEFAULT_URL) -> None:
    """Check the audit log's hash chain; exit 1 at the first line changed, removed or inserted."""
    from ssda903.hub.audit import verify

    _, factory = _factory(db)
    with factory() as session:
        verdict = verify(session)
    if verdict.ok:
        typer.echo(f"The audit log is intact: {verdict.lines} lines, every hash chained.")
        return
    typer.echo(f"The audit log is broken at line id {verdict.broken_at}: {verdict.reason}.", err=True)
    raise typer.Exit(1)


@hub_app.command()
def compare(
    hub: Annotated[str, typer.Option("--hub", help="The hub's address, e.g. https://hub.example.org.")],
    token: Annotated[str, typer.Option("--token", help="Your personal token.", envvar="SSDA903_HUB_TOKEN")],
    year: Annotated[str, typer.Option("--year", help="The collection year, e.g. 2024/25.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON exactly as the hub gives it.")] = False,
) -> None:
    """Print my LA's comparison with the other LAs: my position, and errors eliminated elsewhere."""
    import json

    import httpx

    from ssda903.hub.client import compare as fetch

    try:
        answer = fetch(hub, token, year)
    except httpx.HTTPError as e:
        typer.echo(f"Could not reach the hub at {hub}: {e}", err=True)
        raise typer.Exit(2) from None
    if not answer.ok:
        typer.echo(f"The hub refused ({answer.status}): {answer.body.get('detail')}", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(answer.body, indent=2))
        return
    _print_comparison(answer.body)


def _print_comparison(body: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    used = body.get("used", {})
    console.print(
        f"{body.get('la')} {body.get('collection_year')}: submission {used.get('submission')} ({used.get('stage')})"
    )
    pos = body.get("position", {})
    mine = pos.get("mine")
    if mine:
        lo, hi = mine["ci95"]
        line = f"Children with an error: {mine['rate']} per 100 (95% CI {lo}-{hi})"
        if pos.get("shown"):
            beyond = ", beyond the 99.8% limits" if pos.get("beyond_998") else ""
            line += (
                f"; pooled {pos['pooled_rate']} over {pos['other_las']} other LAs: {pos['band']} the 95% limits{beyond}"
            )
        console.print(line)
    if not pos.get("shown") and pos.get("note"):
        console.print(pos["note"])
    elim = body.get("eliminated_elsewhere", {})
    if elim.get("shown"):
        table = Table(title="Errors other LAs have eliminated (most worth fixing first)")
        for col in ("Rule", "My rows /100 children", "Ran at", "Found nothing at", "Score"):
            table.add_column(col, justify="left" if col == "Rule" else "right")
        for r in elim.get("rules", [])[:15]:
            table.add_row(
                r["rule"],
                str(r["my_rows_per_100_children"]),
                str(r["ran_at"]),
                str(r["found_nothing_at"]),
                str(r["score"]),
            )
        console.print(table)
        if elim.get("left_out"):
            console.print(f"{elim['left_out']} rule(s) you fail left out: they ran at fewer than 3 other LAs.")
    console.print(f"Counts are estimates: {body.get('approximation')}.")


def submit(
    profile: Annotated[Path, typer.Argument(help="The profile to send (written by ssda903 profile).")],
    hub: Annotated[str, typer.Option("--hub", help="The hub's address, e.g. https://hub.example.org.")],
    token: Annotated[str, typer.Option("--token", help="Your personal token.", envvar="SSDA903_HUB_TOKEN")],
) -> None:
    """Send an error profile to a hub; the hub checks it again and stores it once."""
    import httpx

    from ssda903.hub.client import submit as send

    try:
        answer = send(profile, hub, token)
    except (OSError, ValueError) as e:
        typer.echo(f"Could not read {profile}: {e}", err=True)
        raise typer.Exit(2) from None
    except httpx.HTTPError as e:
        typer.echo(f"Could not reach the hub at {hub}: {e}", err=True)
        raise typer.Exit(2) from None
    if answer.ok:
        b = answer.body
        again = " (already there: sent before)" if answer.status == 200 else ""
        typer.echo(
            f"Stored as submission {b.get('id')}{again}: {b.get('la')} {b.get('collection_year')} {b.get('stage')}."
        )
        return
    typer.echo(f"The hub refused the profile ({answer.status}): {answer.body.get('detail')}", err=True)
    for problem in answer.body.get("problems", []):
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


__all__ = ["hub_app", "submit"]


@hub_app.command()
def note(
    text: Annotated[
        str, typer.Argument(help="How your LA fixed the rule's errors (no child's name, ID, date or postcode).")
    ],
    hub: Annotated[str, typer.Option("--hub", help="The hub's address, e.g. https://hub.example.org.")],
    token: Annotated[str, typer.Option("--token", help="Your personal token.", envvar="SSDA903_HUB_TOKEN")],
    year: Annotated[str, typer.Option("--year", help="The collection year, e.g. 2024/25.")],
    rule: Annotated[str, typer.Option("--rule", help="The rule code, e.g. 102.")],
) -> None:
    """Tell other LAs how your LA fixed a rule's errors (shown in their "who fixed it", with your LA's name)."""
    import httpx

    from ssda903.hub.client import _call

    try:
        answer = _call("POST", hub, "/api/notes", token, 30.0, json={"year": year, "rule": rule, "text": text})
    except httpx.HTTPError as e:
        typer.echo(f"Could not reach the hub at {hub}: {e}", err=True)
        raise typer.Exit(2) from None
    if answer.ok:
        b = answer.body
        typer.echo(f"Note {b.get('id')} on rule {b.get('rule')} ({b.get('collection_year')}) stored for {b.get('la')}.")
        return
    typer.echo(f"The hub refused the note ({answer.status}): {answer.body.get('detail')}", err=True)
    for problem in answer.body.get("problems", []):
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


@hub_app.command("set-la")
def set_la(
    la: Annotated[str, typer.Option("--la", help="The LA: ONS code (E09000008) or name.")],
    db: Db = DEFAULT_URL,
    region: Annotated[str | None, typer.Option(help='Its region, e.g. "North West" ("" clears it).')] = None,
    cms: Annotated[str | None, typer.Option(help='Its case management system, e.g. "Mosaic" ("" clears it).')] = None,
    neighbours: Annotated[
        str | None, typer.Option(help='Its statistical neighbours, comma-separated ONS codes ("" clears them).')
    ] = None,
    mailbox: Annotated[
        str | None, typer.Option(help='Its role mailbox, e.g. 903team@la.gov.uk ("" clears it).')
    ] = None,
) -> None:
    """Say what the hub should know of an LA: region, CMS, statistical neighbours, role mailbox (audit-logged)."""
    from ssda903.hub.database import writing
    from ssda903.hub.groups import GroupError, info, set_authority
    from ssda903.problems import InputError
    from ssda903.reference.authority import authority

    _, factory = _factory(db)
    listed = None if neighbours is None else [n for n in neighbours.split(",") if n.strip()]
    try:
        with writing(factory) as session:
            set_authority(session, la, region=region, cms=cms, neighbours=listed, mailbox=mailbox)
            now = info(session, authority(la).code)
    except (GroupError, InputError) as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{now.la}: region {now.region or '(not set)'} (set by {now.region_set_by}), CMS {now.cms or '(not set)'}, "
        f"neighbours {','.join(now.neighbours) or '(not set)'}, mailbox {now.mailbox or '(not set)'}."
    )
