"""The views comparing LAs beyond my position: who fixed it, the heatmap, peer groups, and the web page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from typing import Any

import pytest
from conftest import CROYDON, LEEDS, Hub, auth, make_profile, rules
from sqlalchemy import select

from ssda903.hub.compare import NOT_SHOWN, cell
from ssda903.hub.database import writing
from ssda903.hub.groups import set_authority
from ssda903.hub.notes import write_note
from ssda903.hub.people import signed_in
from ssda903.hub.tables import Person

BIRMINGHAM, RICHMOND, HARTLEPOOL, COVENTRY = "E08000025", "E09000027", "E06000001", "E08000026"
BARKING, BARNET = "E09000002", "E09000003"
VIEWS = ("position", "eliminated_elsewhere", "who_fixed_it", "heatmap")
HOW = "We changed the extract for placement end dates so they chain to the next placement's start."


def submit(hub: Hub, la: str, tokens: dict[str, str] | None = None, **changes: Any) -> str:
    """Submit a profile of ``la`` (adding its person once) and return the token."""
    tokens = tokens if tokens is not None else {}
    if la not in tokens:
        tokens[la] = hub.person(la, f"analyst@{la.lower()}.gov.uk")
    r = hub.client.post("/api/profiles", json=make_profile(la, **changes), headers=auth(tokens[la]))
    assert r.status_code == 201, r.json()
    return tokens[la]


def note(hub: Hub, token: str, year: str, rule: str, text: str = HOW) -> None:
    with hub.factory() as s:
        person = signed_in(s, token)
    assert isinstance(person, Person)
    with writing(hub.factory) as s:
        write_note(s, person, year, rule, text)


def view(hub: Hub, token: str, group: str = "all", year: str = "2024/25") -> dict[str, Any]:
    r = hub.client.get("/api/compare", params={"year": year, "group": group}, headers=auth(token))
    assert r.status_code == 200, r.json()
    body: dict[str, Any] = r.json()
    return body


# --------------------------------------------------------------------------- who fixed it
def test_who_fixed_it_names_las_that_had_my_error_and_wrote_how_they_fixed_it(hub: Hub) -> None:
    tokens: dict[str, str] = {}
    mine = submit(hub, CROYDON, tokens, rules=rules({"147": 20, "148": 20}))
    # Birmingham: 147 in its first (draft) submission this year, gone from its final one; it wrote a note
    submit(hub, BIRMINGHAM, tokens, rules=rules({"147": 10}, ("148",)))
    submit(hub, BIRMINGHAM, tokens, stage="final", rules=rules({}, ("147", "148")))
    note(hub, tokens[BIRMINGHAM], "2024/25", "147")
    with writing(hub.factory) as s:
        set_authority(s, BIRMINGHAM, mailbox="903returns@birmingham.gov.uk")
    # Richmond: 148 last year, gone this year, with a note written then
    submit(hub, RICHMOND, tokens, year="2023/24", rules=rules({"148": 15}))
    submit(hub, RICHMOND, tokens, rules=rules({}, ("147", "148")))
    note(hub, tokens[RICHMOND], "2023/24", "148", "Our social workers now record the legal status at every change.")
    # Hartlepool: 147 last year and gone, but no note: counted, never named
    submit(hub, HARTLEPOOL, tokens, year="2023/24", rules=rules({"147": 10}))
    submit(hub, HARTLEPOOL, tokens, rules=rules({}, ("147", "148")))
    # Coventry never had either error, yet wrote a note: not a fixer, so not listed
    submit(hub, COVENTRY, tokens, rules=rules({}, ("147", "148")))
    note(hub, tokens[COVENTRY], "2024/25", "147", "We never had this one; our extract was always right.")
    # Leeds still fails 147 (and had it earlier): not a fixer
    submit(hub, LEEDS, tokens, rules=rules({"147": 10}))
    submit(hub, LEEDS, tokens, stage="final", rules=rules({"147": 15}, ("148",)))
    note(hub, tokens[LEEDS], "2024/25", "147", "We are working on our placement extract this quarter.")

    body = view(hub, mine)
    fixed = body["who_fixed_it"]
    assert fixed["shown"] and fixed["other_las"] == 5
    by_rule = {r["rule"]: r for r in fixed["rules"]}
    assert set(by_rule) == {"147", "148"}
    r147 = by_rule["147"]
    assert r147["fixed_at"] == 2 and r147["fixed_without_note"] == 1  # Birmingham named, Hartlepool counted
    [birmingham] = r147["named"]
    assert birmingham["la"] == BIRMINGHAM and birmingham["name"] == "Birmingham"
    assert birmingham["had_it"] == "in an earlier submission this year"
    assert birmingham["mailbox"] == "903returns@birmingham.gov.uk"
    assert [n["text"] for n in birmingham["notes"]] == [HOW]
    [richmond] = by_rule["148"]["named"]
    assert richmond["la"] == RICHMOND and richmond["had_it"] == "last year (2023/24)" and richmond["mailbox"] is None
    assert by_rule["148"]["fixed_at"] == 1
    text = json.dumps(fixed)
    for unnamed in (HARTLEPOOL, COVENTRY, LEEDS, "Hartlepool", "Coventry", "Leeds", "never had", "working on"):
        assert unnamed not in text
    # a named LA is named only where it wrote a note: nowhere else in the answer
    rest = json.dumps({k: v for k, v in body.items() if k != "who_fixed_it"})
    assert BIRMINGHAM not in rest and "Birmingham" not in rest and "@" not in rest


def test_who_fixed_it_lists_nobody_for_an_error_nobody_had(hub: Hub) -> None:
    tokens: dict[str, str] = {}
    mine = submit(hub, CROYDON, tokens, rules=rules({"149": 20}))
    for la in (BIRMINGHAM, RICHMOND, HARTLEPOOL):
        submit(hub, la, tokens, rules=rules({}, ("149",)))
        note(hub, tokens[la], "2024/25", "149")
    assert view(hub, mine)["who_fixed_it"]["rules"] == []


# --------------------------------------------------------------------------- the heatmap
@pytest.mark.parametrize(
    ("outcome", "rows", "children", "band"),
    [
        ("passed", 0, 250, "none"),
        ("failed", 10, 2000, "<1"),
        ("failed", "1-9", 250, "1-5"),  # 5 of 250: 2 per 100
        ("failed", 20, 250, "5-20"),
        ("failed", 50, 250, "20+"),
        ("failed", 10, "1-9", "20+"),  # a small return's band read as its midpoint
        ("not run", None, 250, "not run"),
        ("crashed", None, 250, "crashed"),
        (None, None, 250, "not run"),
    ],
)
def test_heatmap_cells_are_banded_and_not_run_is_not_none(outcome: Any, rows: Any, children: Any, band: str) -> None:
    entry = {"outcome": outcome, "rows": rows} if outcome else None
    profile = {"children": children, "rules": {"147": entry} if entry else {}}
    assert cell(profile, "147") == band


def test_heatmap_pins_my_row_and_keeps_the_others_anonymous(hub: Hub) -> None:
    tokens: dict[str, str] = {}
    mine = submit(hub, CROYDON, tokens, children=250, rules=rules({"147": 20, "148": "1-9"}, ("149",), ("151",)))
    submit(hub, BIRMINGHAM, tokens, children=2000, rules=rules({"147": 10, "149": 500}, ("148",), crashed=("151",)))
    submit(hub, RICHMOND, tokens, children=250, rules=rules({"147": 100}, ("148", "149", "151")))
    submit(hub, HARTLEPOOL, tokens, children=250, rules=rules({}, ("147", "148", "149", "151")))
    heat = view(hub, mine)["heatmap"]
    assert heat["shown"] and heat["other_las"] == 3
    # columns: rules any LA fails, most LAs first (147 at three, 148 and 149 at one each)
    assert [(r["rule"], r["failing_las"]) for r in heat["rules"]] == [("147", 3), ("148", 1), ("149", 1)]
    first, *others = heat["rows"]
    assert first == {"label": "your LA (Croydon)", "mine": True, "cells": ["5-20", "1-5", "none"]}
    assert [o["label"] for o in others] == ["another LA"] * 3 and not any(o["mine"] for o in others)
    # the others sorted by what they hold, worst first: Richmond (20+), Birmingham (<1, none, 20+), Hartlepool
    assert [o["cells"] for o in others] == [["20+", "none", "none"], ["<1", "none", "20+"], ["none", "none", "none"]]
    text = json.dumps(heat)
    for la in (BIRMINGHAM, RICHMOND, HARTLEPOOL, "Birmingham", "Richmond", "Hartlepool"):
        assert la not in text
    assert set(heat["bands"]) >= {"none", "<1", "1-5", "5-20", "20+", "not run", "crashed"}


# --------------------------------------------------------------------------- peer groups and the <3 rule
def test_peer_groups_filter_every_view_and_fewer_than_three_shows_nothing(hub: Hub) -> None:
    tokens: dict[str, str] = {}
    mine = submit(hub, CROYDON, tokens, rules=rules({"147": 20}))
    for la in (BARKING, BARNET, RICHMOND, BIRMINGHAM, LEEDS, HARTLEPOOL):
        submit(hub, la, tokens, rules=rules({"147": 10} if la == LEEDS else {}, ("147",) if la != LEEDS else ()))
    with writing(hub.factory) as s:
        set_authority(s, CROYDON, cms="Mosaic")
        set_authority(s, BIRMINGHAM, cms="mosaic")
        set_authority(s, LEEDS, cms="Liquidlogic")

    every = view(hub, mine, "all")
    assert every["group"]["other_las"] == 6 and all(every[v]["shown"] for v in VIEWS)
    assert len(every["heatmap"]["rows"]) == 7 and len(every["position"]["points"]) == 6

    # region: Croydon is a London borough (from its ONS code), as are Barking, Barnet and Richmond
    london = view(hub, mine, "region")
    assert london["group"] == {"name": "region", "means": "LAs in London", "other_las": 3}
    assert all(london[v]["shown"] for v in VIEWS)
    assert len(london["heatmap"]["rows"]) == 4 and len(london["position"]["points"]) == 3
    assert london["eliminated_elsewhere"]["rules"][0]["share_found_nothing"] == 1.0  # Leeds (still failing) left out

    # CMS: only Birmingham shares Croydon's (case aside): no figures of another LA at all
    cms = view(hub, mine, "cms")
    assert cms["group"]["other_las"] == 1 and cms["group"]["means"] == "LAs using Mosaic"
    for v in VIEWS:
        assert cms[v]["shown"] is False and cms[v]["note"] == NOT_SHOWN
    assert "points" not in cms["position"] and "rows" not in cms["heatmap"] and "rules" not in cms["who_fixed_it"]
    assert cms["position"]["mine"]["rate"] == 10.0  # my own figures are still mine to see

    # neighbours: not set yet, so the group is empty and says what to do
    unset = view(hub, mine, "neighbours")
    assert unset["group"]["other_las"] == 0 and "set-la --neighbours" in unset["group"]["means"]
    assert not any(unset[v]["shown"] for v in VIEWS)
    with writing(hub.factory) as s:  # four neighbours, one of which (Coventry) has not submitted
        set_authority(s, CROYDON, neighbours=[BIRMINGHAM, LEEDS, HARTLEPOOL, COVENTRY])
    near = view(hub, mine, "neighbours")
    assert near["group"]["other_las"] == 3 and all(near[v]["shown"] for v in VIEWS)

    r = hub.client.get("/api/compare", params={"year": "2024/25", "group": "friends"}, headers=auth(mine))
    assert r.status_code == 422


def test_who_fixed_it_stays_within_the_group(hub: Hub) -> None:
    tokens: dict[str, str] = {}
    mine = submit(hub, CROYDON, tokens, rules=rules({"147": 20}))
    submit(hub, BIRMINGHAM, tokens, year="2023/24", rules=rules({"147": 10}))
    for la in (BIRMINGHAM, BARKING, BARNET, RICHMOND):
        submit(hub, la, tokens, rules=rules({}, ("147",)))
    note(hub, tokens[BIRMINGHAM], "2024/25", "147")
    assert [n["la"] for n in view(hub, mine, "all")["who_fixed_it"]["rules"][0]["named"]] == [BIRMINGHAM]
    assert view(hub, mine, "region")["who_fixed_it"]["rules"] == []  # Birmingham is not in London


# --------------------------------------------------------------------------- the web page
PAGE = ("/", "/app.js", "/style.css")


@pytest.mark.parametrize("path", PAGE)
def test_the_page_and_its_files_are_served_without_a_token_with_a_csp(hub: Hub, path: str) -> None:
    r = hub.client.get(path)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert csp.startswith("default-src 'self'") and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    expected = {"/": "text/html", "/app.js": "text/javascript", "/style.css": "text/css"}[path]
    assert r.headers["content-type"].startswith(expected)


def test_the_page_loads_nothing_from_another_host_and_holds_no_data(hub: Hub) -> None:
    token = submit(hub, CROYDON)
    html = hub.client.get("/").text
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None  # no inline script: every script has a src
    assert re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html) == ["app.js"]
    assert re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", html) == ["style.css"]
    assert "<style" not in html and " style=" not in html and " on" + "click=" not in html
    for path in PAGE:
        body = hub.client.get(path).text
        # the one absolute URL allowed is the SVG namespace name, which is an identifier, never fetched
        assert set(re.findall(r"https?://[^\s\"'`)]+", body)) <= {"http://www.w3.org/2000/svg"}, path
        assert "@import" not in body and "innerHTML" not in body
        assert CROYDON not in body and token not in body
    for call in re.findall(r"(?:api|fetch)\(\s*[`\"]([^`\"]+)", hub.client.get("/app.js").text):
        assert call.startswith("/api/"), call  # the page talks to its own hub only


def test_the_pages_script_is_valid_javascript() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot parse app.js")
    script = resources.files("ssda903.hub").joinpath("web", "app.js")
    with resources.as_file(script) as path:
        done = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_page_names_the_ids_its_script_uses() -> None:
    web = resources.files("ssda903.hub").joinpath("web")
    html = web.joinpath("index.html").read_text()
    script = web.joinpath("app.js").read_text()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    used = set(re.findall(r'\$\("([^"]+)"\)', script))
    assert used and used <= ids, used - ids
    for label_for in re.findall(r'<label for="([^"]+)"', html):
        assert label_for in ids  # every label belongs to a control


def test_compare_answers_every_view_in_one_json(hub: Hub) -> None:
    tokens: dict[str, str] = {}
    mine = submit(hub, CROYDON, tokens)
    for la in (BIRMINGHAM, RICHMOND, HARTLEPOOL):
        submit(hub, la, tokens)
    body = view(hub, mine)
    assert set(VIEWS) <= set(body) and body["group"]["name"] == "all" and body["name"] == "Croydon"
    with hub.factory() as s:
        assert s.scalars(select(Person.la)).all()  # the people are there; the views only read
