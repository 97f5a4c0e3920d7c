"""Writing the page (ssda903 page) and serving it (ssda903 serve): files, headers, MIME types, 127.0.0.1."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from handplan import hand_plan
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.page import build
from ssda903.page.build import PageNotBuiltError, write_page
from ssda903.page.serve import CSP, make_server, serving

runner = CliRunner()


@pytest.fixture
def fake_static(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in static build (the real one needs npm), so writing and serving are tested without it."""
    static = tmp_path / "static"
    for name in build.REQUIRED:
        (static / name).parent.mkdir(parents=True, exist_ok=True)
        (static / name).write_bytes(b"\0asm\1\0\0\0" if name.endswith(".wasm") else f"/* {name} */".encode())
    monkeypatch.setattr(build, "STATIC", static)
    return static


def get(url: str, path: str) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_missing_build_names_the_npm_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "STATIC", tmp_path / "nothing")
    with pytest.raises(PageNotBuiltError) as caught:
        write_page(tmp_path / "out", plans={"2024/25": hand_plan()})
    assert "npm --prefix web ci && npm --prefix web run build" in str(caught.value)
    assert "app.js" in str(caught.value)


def test_page_holds_static_files_plans_and_index(fake_static: Path, tmp_path: Path) -> None:
    plans = {"2023/24": hand_plan("2023/24"), "2024/25": hand_plan("2024/25")}
    out = write_page(tmp_path / "page", plans=plans)
    for name in build.REQUIRED:
        assert (out / name).is_file(), name
    index = json.loads((out / "plans" / "index.json").read_text())
    assert index["years"] == ["2023/24", "2024/25"]
    assert index["latest"] == "2024/25"
    assert index["plans"]["2024/25"] == "plans/2024-25.json"
    written = json.loads((out / "plans" / "2024-25.json").read_text())
    assert {k: v for k, v in written.items() if k not in ("xml", "tables", "reference_files", "load_kinds")} == {
        k: v for k, v in plans["2024/25"].items() if k != "tables"
    }
    assert written["load_kinds"]["LOAD07"]["title"] == "Value is not a date"
    assert {"code": "E09000008", "name": "Croydon"} in index["authorities"]
    episodes = next(t for t in written["tables"] if t["name"] == "Episodes")
    assert "PL_DISTANCE" in episodes["derived"]
    # the XML layout the browser reads with comes from the Python reader's own
    assert written["xml"]["groups"]["EPISODE"] == "Episodes"
    assert written["xml"]["elements"]["Episodes"]["PL"] == "PLACE"


def test_reference_files_named_by_a_plan_are_copied(fake_static: Path, tmp_path: Path) -> None:
    plan = hand_plan() | {"reference": {"reference_postcodes": "postcodes.parquet"}}
    out = write_page(tmp_path / "page", plans={"2024/25": plan})
    written = json.loads((out / "plans" / "2024-25.json").read_text())
    assert written["reference_files"] == {"postcodes.parquet": "reference/postcodes.arrows.gz"}
    # the same rows as the package's Parquet file, as a gzipped Arrow stream DuckDB-WASM reads without an extension
    with gzip.open(out / "reference" / "postcodes.arrows.gz") as f:
        table = pa.ipc.open_stream(f.read()).read_all()
    shipped = pq.read_table(build._reference_source("postcodes.parquet"))
    assert table.num_rows == shipped.num_rows
    assert table.slice(0, 1000).cast(shipped.schema).equals(shipped.slice(0, 1000))


def test_reference_outside_the_page_is_refused(fake_static: Path, tmp_path: Path) -> None:
    plan = hand_plan() | {"reference": {"reference_postcodes": "../escaped.parquet"}}
    with pytest.raises(build.InputError, match="not a file name"):
        write_page(tmp_path / "page", plans={"2024/25": plan})
    assert not (tmp_path / "escaped.parquet").exists()


def test_server_binds_to_loopback_only(fake_static: Path, tmp_path: Path) -> None:
    out = write_page(tmp_path / "page", plans={"2024/25": hand_plan()})
    server = make_server(out, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_headers_and_types(fake_static: Path, tmp_path: Path) -> None:
    out = write_page(tmp_path / "page", plans={"2024/25": hand_plan()})
    (out / "reference").mkdir()
    (out / "reference" / "x.parquet").write_bytes(b"PAR1")
    with serving(out) as url:
        assert url.startswith("http://127.0.0.1:")
        expected = {
            "/": "text/html; charset=utf-8",
            "/app.js": "text/javascript; charset=utf-8",
            "/style.css": "text/css; charset=utf-8",
            "/duckdb/duckdb-eh.wasm": "application/wasm",
            "/duckdb/duckdb-browser-eh.worker.js": "text/javascript; charset=utf-8",
            "/plans/index.json": "application/json",
            "/reference/x.parquet": "application/vnd.apache.parquet",
        }
        for path, kind in expected.items():
            r = get(url, path)
            assert r.status == 200, path
            assert r.getheader("Content-Type") == kind, path
            assert r.getheader("Content-Security-Policy") == CSP
            assert r.getheader("X-Content-Type-Options") == "nosniff"


def test_csp_allows_only_the_pages_own_origin() -> None:
    directives = dict(d.split(" ", 1) for d in CSP.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"  # no 'unsafe-eval', no 'unsafe-inline'
    assert directives["connect-src"] == "'self'"
    assert "http" not in CSP and "*" not in CSP


def test_no_listing_and_nothing_outside_the_folder(fake_static: Path, tmp_path: Path) -> None:
    out = write_page(tmp_path / "page", plans={"2024/25": hand_plan()})
    (tmp_path / "secret.txt").write_text("not for the page")
    with serving(out) as url:
        assert get(url, "/duckdb/").status == 404
        assert get(url, "/plans/").status == 404
        assert get(url, "/../secret.txt").status == 404
        assert get(url, "/%2e%2e/secret.txt").status == 404
        r = get(url, "/duckdb/")
        assert r.getheader("Content-Security-Policy") == CSP  # errors carry the headers too


def test_page_command_writes_the_page(fake_static: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "_compiled_plans", lambda years: {y: hand_plan(y) for y in years or ["2024/25"]})
    result = runner.invoke(app, ["page", "--out", str(tmp_path / "p"), "--year", "2024-25"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "plans" / "2024-25.json").is_file()
    assert "ssda903 serve --dir" in result.output


def test_page_command_without_a_build_says_how_to_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "STATIC", tmp_path / "nothing")
    result = runner.invoke(app, ["page", "--out", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "npm --prefix web ci" in result.output


def test_serve_refuses_a_folder_without_a_page(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--dir", str(tmp_path), "--no-open"])
    assert result.exit_code == 2
    assert "no index.html" in result.output


def test_serve_command_serves_a_page_on_loopback(fake_static: Path, tmp_path: Path) -> None:
    out = write_page(tmp_path / "page", plans={"2024/25": hand_plan()})
    command = [sys.executable, "-u", "-m", "ssda903", "serve", "--dir", str(out), "--port", "0", "--no-open"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, line
        r = get(found.group(0), "/duckdb/duckdb-eh.wasm")
        assert r.status == 200
        assert r.getheader("Content-Type") == "application/wasm"
        assert r.getheader("Content-Security-Policy") == CSP
    finally:
        process.terminate()
        process.wait(timeout=10)
