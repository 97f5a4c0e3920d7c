"""The ``ssda903 hub`` commands (serve, add-person, revoke, verify-audit, compare, note, set-la, demo) and ``ssda903 submit``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from ssda903.hub import DEFAULT_URL

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

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


#: the peer groups ``GET /api/compare?group=`` takes (those of :data:`ssda903.hub.groups.GROUPS`, spelt
#: out here so the command line starts without importing the database layer; a test keeps the two equal)
CompareGroup = Literal["all", "region", "neighbours", "cms"]
#: eliminated elsewhere, and the heatmap's rules: how many the table shows (``--json`` has every one)
COMPARE_TOP = 10


@hub_app.command()
def compare(
    hub: Annotated[str, typer.Option("--hub", help="The hub's address, e.g. https://hub.example.org.")],
    token: Annotated[str, typer.Option("--token", help="Your personal token.", envvar="SSDA903_HUB_TOKEN")],
    year: Annotated[str, typer.Option("--year", help="The collection year, e.g. 2024/25.")],
    group: Annotated[
        CompareGroup,
        typer.Option(
            "--group",
            help="Whom to compare with: every LA that submitted (all), your region, your statistical "
            "neighbours, or the LAs using your case management system (cms).",
        ),
    ] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON exactly as the hub gives it.")] = False,
) -> None:
    """Print my LA's comparison with the other LAs of a peer group: my position, errors eliminated elsewhere,
    who fixed them, and the heatmap."""
    import json

    import httpx

    from ssda903.hub.client import compare as fetch

    try:
        answer = fetch(hub, token, year, group)
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
    """Every view of ``GET /api/compare`` as short tables; nothing is cut, in a terminal or a pipe."""
    from ssda903.cli import Output

    # other LAs wrote the notes: their text is printed as it is, never read as Rich markup or emoji codes
    console = Output(highlight=False, markup=False, emoji=False)
    used, group = body.get("used", {}), body.get("group", {})
    console.print(
        f"{body.get('name') or body.get('la')} ({body.get('la')}) {body.get('collection_year')}: "
        f"submission {used.get('submission')} ({used.get('stage')})"
    )
    console.print(
        f"Compared with ({group.get('name')}): {group.get('means')} "
        f"({_las(group.get('other_las', 0), 'other LA')} with a submission for the year)"
    )
    # a view with too few other LAs says why; the views share that note, so it is said once
    hidden: dict[str, list[str]] = {}
    for key, title in (
        ("position", "My position"),
        ("eliminated_elsewhere", "Eliminated elsewhere"),
        ("who_fixed_it", "Who fixed it"),
        ("heatmap", "Heatmap"),
    ):
        view = body.get(key, {})
        if not view.get("shown") and view.get("note"):
            hidden.setdefault(str(view["note"]), []).append(title)
    for why, titles in hidden.items():
        console.print(f"{', '.join(titles)}: {why}")
    _print_position(console, body.get("position", {}))
    _print_eliminated(console, body.get("eliminated_elsewhere", {}))
    _print_who_fixed_it(console, body.get("who_fixed_it", {}))
    _print_heatmap(console, body.get("heatmap", {}))
    approximation = str(body.get("approximation") or "")
    console.print(approximation[:1].upper() + approximation[1:] + ".")


def _las(n: int, what: str = "LA") -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _table(console: Console, title: str, *heads: str) -> Table:
    """A table under its title on a line of its own (a table's own title wraps to the table's width)."""
    from rich.table import Table

    console.print()
    console.print(title, style="bold")
    table = Table()
    for head in heads:
        # fold, never "…": a note or a mailbox reaches the reader whole at any width
        table.add_column(head, overflow="fold")
    return table


def _print_position(console: Console, pos: dict[str, Any]) -> None:
    mine = pos.get("mine")
    if not mine:
        return
    table = _table(console, "My position: children with an error per 100 children", "", "Per 100 children")
    lo, hi = mine["ci95"]
    table.add_row(f"My LA ({mine['children']:g} children)", str(mine["rate"]))
    table.add_row("My 95% interval", f"{lo} to {hi}")
    if pos.get("shown"):
        table.add_row(f"Pooled over me and {_las(pos['other_las'], 'other LA')}", str(pos["pooled_rate"]))
        at_me = next((f for f in pos.get("funnel", []) if f["children"] == mine["children"]), None)
        if at_me:
            table.add_row("95% limits at my size", f"{at_me['lower95']} to {at_me['upper95']}")
            table.add_row("99.8% limits at my size", f"{at_me['lower998']} to {at_me['upper998']}")
        beyond = ", and beyond the 99.8% limits" if pos.get("beyond_998") else ""
        table.add_row("Band", f"{pos['band']} the 95% limits{beyond}")
    console.print(table)


def _print_eliminated(console: Console, elim: dict[str, Any]) -> None:
    if not elim.get("shown"):
        return
    rules = elim.get("rules", [])
    if rules:
        title = "Eliminated elsewhere: rules I fail that other LAs ran and found nothing (most worth fixing first)"
        table = _table(console, title, "Rule", "My rows per 100 children", "Found nothing at", "Score")
        for r in rules[:COMPARE_TOP]:
            found = f"{r['found_nothing_at']} of the {r['ran_at']} other LAs it ran at"
            table.add_row(r["rule"], str(r["my_rows_per_100_children"]), found, str(r["score"]))
        console.print(table)
        if len(rules) > COMPARE_TOP:
            more = len(rules) - COMPARE_TOP
            console.print(f"{more} more rule{'' if more == 1 else 's'} not shown here (--json has every one).")
    else:
        console.print()
        why = "no rule I fail ran at 3 or more other LAs" if elim.get("left_out") else "my LA fails no rule"
        console.print(f"Eliminated elsewhere: {why}.")
    if elim.get("left_out"):
        console.print(f"{elim['left_out']} rule(s) I fail left out: {elim.get('left_out_means')}.")


def _print_who_fixed_it(console: Console, fixed: dict[str, Any]) -> None:
    if not fixed.get("shown"):
        return
    rules = fixed.get("rules", [])
    if not rules:
        console.print()
        console.print("Who fixed it: no other LA in the group had an error I have and has it no more.")
        return
    title = "Who fixed it: other LAs that had an error I have and pass it now"
    table = _table(console, title, "Rule", "LA (mailbox)", "Had it", "Their notes")
    for r in rules:
        for la in r["named"]:
            notes = "\n".join(f"{n['written']}: {n['text']}" for n in la["notes"])
            table.add_row(r["rule"], f"{la['name']}\n({la['mailbox'] or 'no mailbox given'})", la["had_it"], notes)
        if r["fixed_without_note"]:  # counted, never named: they wrote no note on the rule
            more = "more " if r["named"] else ""
            table.add_row(r["rule"], f"{_las(r['fixed_without_note'], more + 'LA')} fixed it without a note", "", "")
    console.print(table)


def _print_heatmap(console: Console, heat: dict[str, Any]) -> None:
    if not heat.get("shown"):
        return
    rules, rows = heat.get("rules", []), heat.get("rows", [])
    mine = next((row for row in rows if row.get("mine")), None)
    others = _las(heat["other_las"], "other LA")
    if not rules or mine is None:
        console.print()
        console.print(f"Heatmap: neither my LA nor any of the {others} in the group fails a rule.")
        return
    title = (
        f"Heatmap: my LA's cells for the {min(COMPARE_TOP, len(rules))} rules most LAs in the group fail "
        f"(of {len(rules)}); {others} in the group (--json or the hub's page has their rows)"
    )
    table = _table(console, title, "Rule", f"LAs failing it (of {heat['other_las'] + 1}, mine included)", "My LA")
    cells = mine["cells"][:COMPARE_TOP]
    for r, band in zip(rules, cells, strict=False):
        table.add_row(r["rule"], str(r["failing_las"]), band)
    console.print(table)
    legend = heat.get("bands", {})
    console.print("My LA's cells: " + "; ".join(f"{b}: {legend.get(b, b)}" for b in dict.fromkeys(cells)) + ".")


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


@hub_app.command()
def demo(
    port: Annotated[int, typer.Option(help="The port to listen on (127.0.0.1 only).")] = 8903,
    las: Annotated[int, typer.Option("--las", help="How many LAs send profiles.", min=4, max=150)] = 30,
    children: Annotated[int, typer.Option(help="Children in the generated returns.", min=20, max=5000)] = 400,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same demo.")] = 1,
    year: Annotated[
        str | None, typer.Option("--year", help="The demo's collection year (default: the latest one over).")
    ] = None,
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open the hub's page in a browser.")] = False,
) -> None:
    """Run a hub to try on this machine: a temporary database filled with made-up returns of real
    English LAs, each with its own error habits, and a token to sign in with. Ctrl-C ends it."""
    import shutil
    import tempfile
    import threading
    import webbrowser

    import uvicorn

    from ssda903.hub.app import create_app
    from ssda903.hub.database import make_engine
    from ssda903.hub.demo import DEMO_EMAIL, build
    from ssda903.model.years import CollectionYear, YearError

    try:
        chosen = CollectionYear.parse(year) if year else None
    except YearError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from None
    folder = Path(tempfile.mkdtemp(prefix="ssda903-hub-demo-"))
    db = f"sqlite:///{folder / 'hub.db'}"
    try:
        made = build(db, las=las, children=children, seed=seed, year=chosen, say=typer.echo)
        url = f"http://127.0.0.1:{port}"
        y = made.year.label
        habits = ", ".join(sorted({la.habit for la in made.las}))
        typer.echo(
            f"\nFilled in {made.seconds:.1f} s (generating and validating the returns: {made.base_seconds:.1f} s): "
            f"{len(made.las)} LAs ({habits}), {made.submissions} submissions, in {folder / 'hub.db'}."
        )
        typer.echo(f'You are {DEMO_EMAIL} at {made.me.name} ({made.me.code}), whose error habit is "{made.me.habit}".')
        typer.echo(f"\nThe demo hub: {url}\nYour token (for 30 days, on this demo only):\n{made.token}\n")
        typer.echo("Try, in another terminal:")
        typer.echo(f"  ssda903 hub compare --hub {url} --token {made.token} --year {y}")
        typer.echo(f'  curl -H "Authorization: Bearer {made.token}" {url}/api/profiles')
        typer.echo(f"  ssda903 hub verify-audit --db {db}")
        typer.echo("Ctrl-C stops the hub and deletes the demo database.")
        if not no_open:
            threading.Timer(1.5, webbrowser.open, [url + "/"]).start()
        engine = make_engine(db)
        uvicorn.run(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
        engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
