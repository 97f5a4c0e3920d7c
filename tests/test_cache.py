"""What a run keeps for the next (ssda903.cache): the parsed model and rule catalogue.

A run with a warm cache must give what parsing the files gives, must not even import the YAML
parser, and must never be broken by a damaged cache or a folder it cannot write to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ssda903 import cache
from ssda903.model import load_model

#: load the model and the 2024/25 rules in a fresh process; print what it made and which parsers it imported
PROBE = (
    "import sys\n"
    "from ssda903.model import load_model\n"
    "from ssda903.rules import rules_for_year\n"
    "m = load_model()\n"
    "rules = rules_for_year('2024/25')\n"
    "print(len(rules), sorted(t.name for t in m.all_tables), m.codes('Episodes', 'LS', '2024/25'))\n"
    "print(sorted(p for p in ('yaml', 'pydantic') if p in sys.modules))\n"
)


def _probe(folder: Path) -> list[str]:
    env = {**os.environ, "SSDA903_CACHE_DIR": str(folder)}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    return done.stdout.splitlines()


def test_a_second_run_reads_what_the_first_kept_and_parses_nothing(tmp_path: Path) -> None:
    first = _probe(tmp_path)
    assert first[1] != "[]"  # the first run parsed the files
    kept = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert kept == ["catalogue", "model"]
    second = _probe(tmp_path)
    assert second[0] == first[0]  # the same rules and model
    assert second[1] == "[]"  # neither the YAML parser nor the rule schema was imported


def test_a_damaged_file_is_ignored_and_replaced(tmp_path: Path) -> None:
    first = _probe(tmp_path)
    for p in tmp_path.iterdir():
        p.write_bytes(b"not a pickle")
    assert _probe(tmp_path)[0] == first[0]
    assert _probe(tmp_path)[1] == "[]"  # replaced by a good one


def test_a_folder_that_cannot_be_written_costs_time_not_correctness(tmp_path: Path) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    first, second = _probe(blocked), _probe(blocked)
    assert first[0] == second[0] == _probe(tmp_path / "ok")[0]
    assert second[1] != "[]"  # nothing was kept, so it parsed again


def test_the_model_from_the_cache_is_the_model_of_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSDA903_CACHE_DIR", str(tmp_path))
    load_model.cache_clear()
    try:
        parsed = load_model()
        assert len(list(tmp_path.glob("model-*.pickle"))) == 1
        load_model.cache_clear()
        from_cache = load_model()
        assert from_cache is not parsed
        assert from_cache.meta == parsed.meta and from_cache.decisions == parsed.decisions
        for table in parsed.all_tables:
            assert from_cache.table(table.name) == table
    finally:
        load_model.cache_clear()


def test_keeping_a_new_version_removes_the_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSDA903_CACHE_DIR", str(tmp_path))
    cache.keep("model-old.pickle", {"a": 1}, replaces="model-*.pickle")
    cache.keep("catalogue-x.pickle", (1, 2), replaces="catalogue-*.pickle")
    cache.keep("model-new.pickle", {"a": 2}, replaces="model-*.pickle")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalogue-x.pickle", "model-new.pickle"]
    assert cache.read("model-new.pickle") == {"a": 2}
    assert cache.read("model-old.pickle") is None
