"""``ssda903 watch``: validate, then again each time a file is saved, in one process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ssda903.synth import generate


def test_a_saved_file_is_validated_again_and_the_findings_follow_it(tmp_path: Path) -> None:
    generate(60, "2024/25", 5, tmp_path / "r")
    findings = tmp_path / "findings.csv"
    command = [sys.executable, "-m", "ssda903", "watch", str(tmp_path / "r"), "--year", "2024/25"]
    proc = subprocess.Popen(
        [*command, "--la", "E09000027", "--findings", str(findings), "--interval", "0.2", "--runs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # wait for the first result before changing anything
        lines.append(line)
        if line.startswith("First run"):
            break
    assert "First run: no errors" in lines[-1], "".join(lines)
    first = findings.read_text(encoding="utf-8")
    header = tmp_path / "r" / "header.csv"
    rows = header.read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",M,", ",X,").replace(",F,", ",X,")  # a sex code that does not exist (101)
    time.sleep(0.05)
    header.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rest, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, rest
    assert "Run again: 1 errors" in rest
    again = findings.read_text(encoding="utf-8")
    assert (
        first.count("\n") == 1 and again.count("\n") == 2 and again.splitlines()[1].startswith("101,current,Header,0,")
    )


def test_watch_says_what_it_settled_and_an_la_the_postcodes_contradict(tmp_path: Path) -> None:
    generate(60, "2024/25", 5, tmp_path / "r")  # the children's homes are in Richmond upon Thames
    done = subprocess.run(
        [sys.executable, "-m", "ssda903", "watch", str(tmp_path / "r"), "--la", "E09000008", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert done.returncode == 0, done.stderr
    assert "Collection year not given: using 2024/25" in done.stderr
    assert "--la Croydon (E09000008) holds none of the" in done.stderr
    assert "Check --la." in done.stderr
