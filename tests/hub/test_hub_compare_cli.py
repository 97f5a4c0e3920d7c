"""``ssda903 hub compare`` against a real hub: ``--group``, and every view printed as short tables.

The printed figures and notes are checked against what ``GET /api/compare`` answers for the same
LA, year and group, and ``--json`` against that answer itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, get_args

import pytest
from conftest import CROYDON, LEEDS, Hub, auth, make_profile, serving
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.hub.app import create_app
from ssda903.hub.cli import COMPARE_TOP, CompareGroup
from ssda903.hub.compare import NOT_SHOWN
from ssda903.hub.database import writing
from ssda903.hub.groups import GROUPS, set_authority
from ssda903.hub.notes import write_note
from ssda903.hub.people import signed_in
from ssda903.hub.tables import Person
from ssda903.model.dfe_codes import rule_codes
from ssda903.model.years import CollectionYear

BIRMINGHAM, RICHMOND, HARTLEPOOL, COVENTRY = "E08000025", "E09000027", "E06000001", "E08000026"
HOW = "We changed the extract for placement end dates so they chain to the next placement's start."
HOW_AGAIN = "We also run the validator every week rather than once a year."
HOW_148 = "Our social workers now record the legal status at every change."


@pytest.fixture
def served(hub: Hub) -> Iterator[tuple[str, Hub]]:
    """The conftest's hub (SQLite, and PostgreSQL when a server answers) served by uvicorn on 127.0.0.1."""
    with serving(create_app(hub.engine)) as url:
        yield url, hub


def rules(fails: dict[str, Any], passes: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {c: {"outcome": "failed", "rows": rows, "children": "1-9"} for c, rows in fails.items()}
    return out | {c: {"outcome": "passed", "rows": 0, "children": 0} for c in passes}


def submit(hub: Hub, tokens: dict[str, str], la: str, **changes: Any) -> str:
    """Submit a profile of ``la`` (adding its person once); its token."""
    if la not in tokens:
        tokens[la] = hub.person(la, f"analyst@{la.lower()}.gov.uk")
    r = hub.client.post("/api/profiles", json=make_profile(la, **changes), headers=auth(tokens[la]))
    assert r.status_code == 201, r.json()
    return tokens[la]


def note(hub: Hub, token: str, year: str, rule: str, text: str) -> None:
    with hub.factory() as s:
        person = signed_in(s, token)
    assert isinstance(person, Person)
    with writing(hub.factory) as s:
        write_note(s, person, year, rule, text)


def api(hub: Hub, token: str, group: str = "all") -> dict[str, Any]:
    r = hub.client.get("/api/compare", params={"year": "2024/25", "group": group}, headers=auth(token))
    assert r.status_code == 200, r.json()
    body: dict[str, Any] = r.json()
    return body


def run(url: str, token: str, *more: str, env: dict[str, str] | None = None) -> str:
    r = CliRunner().invoke(app, ["hub", "compare", "--hub", url, "--token", token, "--year", "2024/25", *more], env=env)
    assert r.exit_code == 0, r.output
    return r.output


def flat(text: str) -> str:
    """``text`` with every run of spaces and newlines as one space (a table pads its cells)."""
    return " ".join(text.split())


def squash(text: str) -> str:
    """``text`` without whitespace: a word folded across a narrow column's lines is whole again."""
    return "".join(text.split())


def rows(out: str, title: str) -> list[list[str]]:
    """The rows of the table under the line starting ``title``, each cell's lines joined by a space
    (a row starts where its first cell is not empty)."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(title))
    found: list[list[str]] = []
    for line in lines[at + 1 :]:
        if line.startswith("└"):
            break
        if not line.startswith("│"):
            continue  # the heading and the rules under it
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0] or not found:
            found.append(cells)
        else:
            found[-1] = [f"{a} {b}".strip() for a, b in zip(found[-1], cells, strict=True)]
    return found


def fixers(hub: Hub) -> str:
    """Croydon fails 147 and 148; Birmingham fixed 147 this year and wrote how, Hartlepool fixed it
    last year without a note, Richmond fixed 148 last year and wrote how, Leeds fails 147 still."""
    tokens: dict[str, str] = {}
    mine = submit(hub, tokens, CROYDON, rules=rules({"147": 20, "148": 10}))
    submit(hub, tokens, BIRMINGHAM, rules=rules({"147": 10}, ("148",)))
    submit(hub, tokens, BIRMINGHAM, stage="final", rules=rules({}, ("147", "148")))
    note(hub, tokens[BIRMINGHAM], "2024/25", "147", HOW)
    note(hub, tokens[BIRMINGHAM], "2024/25", "147", HOW_AGAIN)
    with writing(hub.factory) as s:
        set_authority(s, BIRMINGHAM, mailbox="903returns@birmingham.gov.uk")
    submit(hub, tokens, RICHMOND, year="2023/24", rules=rules({"148": 15}))
    submit(hub, tokens, RICHMOND, rules=rules({}, ("147", "148")))
    note(hub, tokens[RICHMOND], "2023/24", "148", HOW_148)
    submit(hub, tokens, HARTLEPOOL, year="2023/24", rules=rules({"147": 10}))
    submit(hub, tokens, HARTLEPOOL, rules=rules({}, ("147", "148")))
    submit(hub, tokens, LEEDS, children=400, children_with_error=200, rules=rules({"147": 90}, ("148",)))
    return mine


def test_every_view_is_printed_with_the_hubs_figures_and_notes(served: tuple[str, Hub]) -> None:
    url, hub = served
    mine = fixers(hub)
    body = api(hub, mine)
    out = run(url, mine)

    assert "Croydon (E09000008) 2024/25" in out and f"submission {body['used']['submission']} (draft)" in out
    assert "Compared with (all): every LA that submitted for the year (4 other LAs with a submission" in out
    assert NOT_SHOWN not in out

    pos = body["position"]
    [at_me] = [f for f in pos["funnel"] if f["children"] == pos["mine"]["children"]]
    (lo, hi), beyond = pos["mine"]["ci95"], ", and beyond the 99.8% limits" if pos["beyond_998"] else ""
    assert rows(out, "My position") == [
        ["My LA (250 children)", str(pos["mine"]["rate"])],
        ["My 95% interval", f"{lo} to {hi}"],
        ["Pooled over me and 4 other LAs", str(pos["pooled_rate"])],
        ["95% limits at my size", f"{at_me['lower95']} to {at_me['upper95']}"],
        ["99.8% limits at my size", f"{at_me['lower998']} to {at_me['upper998']}"],
        ["Band", f"{pos['band']} the 95% limits{beyond}"],
    ]
    assert ["My LA (250 children)", "10.0"] in rows(out, "My position")  # 25 of 250 children

    # eliminated elsewhere: 147 still fails at Leeds, 148 nowhere else
    elim = body["eliminated_elsewhere"]["rules"]
    assert rows(out, "Eliminated elsewhere") == [
        [
            r["rule"],
            str(r["my_rows_per_100_children"]),
            f"{r['found_nothing_at']} of the {r['ran_at']} other LAs it ran at",
            str(r["score"]),
        ]
        for r in elim
    ]
    assert ["147", "8.0", "3 of the 4 other LAs it ran at", "6.0"] in rows(out, "Eliminated elsewhere")

    # who fixed it: the named LAs with their notes and mailbox, the others only counted
    by_rule = {r["rule"]: r for r in body["who_fixed_it"]["rules"]}
    [birmingham], [richmond] = by_rule["147"]["named"], by_rule["148"]["named"]
    assert rows(out, "Who fixed it") == [
        [
            "147",
            "Birmingham (903returns@birmingham.gov.uk)",
            "in an earlier submission this year",
            # its notes, newest first, a line each
            f"{birmingham['notes'][0]['written']}: {HOW_AGAIN} {birmingham['notes'][1]['written']}: {HOW}",
        ],
        ["147", "1 more LA fixed it without a note", "", ""],
        [
            "148",
            "Richmond upon Thames (no mailbox given)",
            "last year (2023/24)",
            f"{richmond['notes'][0]['written']}: {HOW_148}",
        ],
    ]
    assert "Hartlepool" not in out and "Leeds" not in out and HARTLEPOOL not in out

    # heatmap: my row's bands, the rules most LAs fail first, and the size of the group
    heat = body["heatmap"]
    assert "4 other LAs in the group" in out
    assert rows(out, "Heatmap") == [
        [r["rule"], str(r["failing_las"]), band]
        for r, band in zip(heat["rules"], heat["rows"][0]["cells"], strict=True)
    ]
    assert rows(out, "Heatmap") == [["147", "2", "5-20"], ["148", "1", "1-5"]]  # 20 and 10 rows over 250 children
    assert "My LA's cells: 5-20: 5 to under 20 per 100 children; 1-5: 1 to under 5 per 100 children." in out
    assert body["approximation"][1:] in flat(out)


def test_json_is_the_hubs_answer_for_the_group_asked(served: tuple[str, Hub]) -> None:
    url, hub = served
    mine = fixers(hub)
    assert json.loads(run(url, mine, "--json")) == api(hub, mine, "all")
    region = json.loads(run(url, mine, "--json", "--group", "region"))
    assert region == api(hub, mine, "region")
    assert region["group"] == {"name": "region", "means": "LAs in London", "other_las": 1}  # Richmond


def test_a_small_or_empty_group_says_what_the_answer_says(served: tuple[str, Hub]) -> None:
    url, hub = served
    mine = fixers(hub)
    london = flat(run(url, mine, "--group", "region"))
    assert "Compared with (region): LAs in London (1 other LA with a submission for the year)" in london
    assert f"My position, Eliminated elsewhere, Who fixed it, Heatmap: {NOT_SHOWN}" in london
    assert "My LA (250 children) │ 10.0" in london  # my own figures are still mine to see
    assert "Richmond" not in london and "Pooled" not in london and HOW_148 not in london

    unset = flat(run(url, mine, "--group", "neighbours"))
    means = api(hub, mine, "neighbours")["group"]["means"]
    assert "set-la --neighbours" in means
    assert f"Compared with (neighbours): {means} (0 other LAs with" in unset and NOT_SHOWN in unset


def test_eliminated_elsewhere_shows_the_top_ten_and_counts_the_rest(served: tuple[str, Hub]) -> None:
    url, hub = served
    codes = sorted(c for c, years in rule_codes().items() if CollectionYear.parse("2024/25") in years)[:40]
    failing = codes[:13]
    tokens: dict[str, str] = {}
    # more rows for a rule earlier in the list, so the order of the scores is known
    mine = submit(hub, tokens, CROYDON, rules=rules({c: 5 * (14 - i) for i, c in enumerate(failing)}, ()))
    for la in (BIRMINGHAM, RICHMOND, HARTLEPOOL):
        submit(hub, tokens, la, rules=rules({}, tuple(failing)))
    body = api(hub, mine)["eliminated_elsewhere"]
    assert [r["rule"] for r in body["rules"]] == failing
    out = run(url, mine)
    assert [row[0] for row in rows(out, "Eliminated elsewhere")] == failing[:COMPARE_TOP]
    assert "3 more rules not shown here (--json has every one)." in out


def test_an_unknown_group_is_a_usage_error_before_anything_is_sent() -> None:
    # nothing listens on port 1: a usage error must come before any request
    r = CliRunner().invoke(
        app,
        ["hub", "compare", "--hub", "http://127.0.0.1:1", "--token", "t", "--year", "2024/25", "--group", "friends"],
    )
    assert r.exit_code == 2
    assert "Invalid value for '--group'" in r.output and "'friends' is not one of" in r.output
    assert "Could not reach" not in r.output


def test_the_command_offers_the_groups_the_hub_takes() -> None:
    assert get_args(CompareGroup) == GROUPS


def test_a_long_note_reaches_a_pipe_whole_whatever_columns_says(served: tuple[str, Hub]) -> None:
    url, hub = served
    tokens: dict[str, str] = {}
    mine = submit(hub, tokens, CROYDON, rules=rules({"147": 20}))
    submit(hub, tokens, BIRMINGHAM, rules=rules({"147": 10}))
    submit(hub, tokens, BIRMINGHAM, stage="final", rules=rules({}, ("147",)))
    long = " ".join(["We now check every placement end date against the next start in the extract."] * 12)
    note(hub, tokens[BIRMINGHAM], "2024/25", "147", long)
    for la in (RICHMOND, COVENTRY):
        submit(hub, tokens, la, rules=rules({}, ("147",)))
    out = run(url, mine, env={"COLUMNS": "40"})
    assert long in out and "…" not in out


def test_a_narrow_terminal_gets_every_word_folded_into_its_width(served: tuple[str, Hub]) -> None:
    url, hub = served
    mine = fixers(hub)
    # TTY_COMPATIBLE: Rich takes the output for a terminal, COLUMNS wide
    out = run(url, mine, env={"TTY_COMPATIBLE": "1", "COLUMNS": "60", "NO_COLOR": "1"})
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert max(len(line) for line in plain.splitlines()) <= 60 and "…" not in plain
    fixed = {row[0] + squash(row[1]): [squash(cell) for cell in row] for row in rows(plain, "Who fixed it")}
    assert squash(HOW) in fixed["147Birmingham(903returns@birmingham.gov.uk)"][3]
    assert squash(HOW_148) in fixed["148RichmonduponThames(nomailboxgiven)"][3]
    assert fixed["1471moreLAfixeditwithoutanote"][2:] == ["", ""]


def test_a_return_with_no_error_prints_a_line_for_each_view_not_an_empty_table(served: tuple[str, Hub]) -> None:
    url, hub = served
    tokens: dict[str, str] = {}
    clean = rules({}, ("147", "148"))
    mine = submit(hub, tokens, CROYDON, children_with_error=0, rules=clean)
    for la in (BIRMINGHAM, RICHMOND, HARTLEPOOL):
        submit(hub, tokens, la, children_with_error=0, rules=clean)
    body = api(hub, mine)
    assert body["eliminated_elsewhere"]["rules"] == body["who_fixed_it"]["rules"] == body["heatmap"]["rules"] == []
    out = run(url, mine)
    assert "Eliminated elsewhere: my LA fails no rule." in out
    assert "Who fixed it: no other LA in the group had an error I have and has it no more." in out
    assert "Heatmap: neither my LA nor any of the 3 other LAs in the group fails a rule." in out
    assert rows(out, "My position")[0] == ["My LA (250 children)", "0.0"]


def test_a_note_is_printed_as_written_never_read_as_markup(served: tuple[str, Hub]) -> None:
    url, hub = served
    tokens: dict[str, str] = {}
    mine = submit(hub, tokens, CROYDON, rules=rules({"147": 20}))
    submit(hub, tokens, BIRMINGHAM, rules=rules({"147": 10}))
    submit(hub, tokens, BIRMINGHAM, stage="final", rules=rules({}, ("147",)))
    odd = "We fixed the [/] extract :warning: and [link=https://x.example]the [bold]form[/bold][/link] too."
    note(hub, tokens[BIRMINGHAM], "2024/25", "147", odd)
    for la in (RICHMOND, COVENTRY):
        submit(hub, tokens, la, rules=rules({}, ("147",)))
    out = run(url, mine)  # "[/]" alone would stop Rich with a MarkupError
    assert odd in out
