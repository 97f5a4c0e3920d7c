"""How many submissions a hub holds with many LAs sending at once, and that none acknowledged is lost.

    .venv/bin/python bench/bench_hub.py                                    # SQLite in a temporary folder
    .venv/bin/python bench/bench_hub.py --db postgresql://postgres@127.0.0.1/hubbench --clients 50 --each 20

Starts ``ssda903 hub serve`` in its own process on 127.0.0.1 (so the clients do not share its
interpreter), adds one person per client across ten LAs, and lets every client send ``--each``
different profiles, one of them twice (the second answer must be the first) and one in another
LA's name (must be refused). Then it checks every acknowledged submission is in the database
with its digest and the audit chain verifies, and prints the figures. A PostgreSQL database given
with ``--db`` should be empty. Figures vary with the machine and its load; nothing here asserts a time.

Every profile is sent again after a 503 or a lost connection (the hub stores a profile once, so a
retry is safe), and the retries are counted. ``--restart-postgres`` restarts the local PostgreSQL
cluster (``pg_ctlcluster``, as root) once a third of the submissions are acknowledged, to show the
hub answers 503 during the outage, reconnects after it, and loses nothing acknowledged:

    .venv/bin/python bench/bench_hub.py --db postgresql://postgres@127.0.0.1/hubbench --restart-postgres
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from ssda903.hub.audit import verify
from ssda903.hub.client import send_until_answered
from ssda903.hub.database import make_engine, migrate, sessions
from ssda903.hub.people import add_person
from ssda903.hub.submissions import canonical_digest
from ssda903.hub.tables import Submission
from ssda903.model.dfe_codes import rule_codes
from ssda903.model.years import CollectionYear
from ssda903.reference.postcodes import authorities


def profile(la: str, codes: list[str], n: float, stage: str) -> dict[str, Any]:
    rules: dict[str, Any] = {c: {"outcome": "passed", "rows": 0, "children": 0} for c in codes}
    rules[codes[0]] = {"outcome": "failed", "rows": 15, "children": "1-9"}
    return {
        "format": "ssda903-profile/1",
        "la": la,
        "collection_year": "2024/25",
        "stage": stage,
        "validator_version": "0.1.0",
        "rule_catalogue": "0123456789abcdef",
        "run_seconds": n,
        "children": 250,
        "children_with_error": 25,
        "small_return": False,
        "rows_per_table": {"Header": 250, "Episodes": 600},
        "rules": rules,
    }


def client(
    url: str, la: str, other: str, token: str, n: int, each: int, codes: list[str], acks: list[int]
) -> dict[str, Any]:
    acked, same, refused, retried = [], 0, 0, []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
        for i in range(each):
            p = profile(la, codes, round(n + i / 1000, 3), ("draft", "final")[i % 2])
            d = send_until_answered(http, p)
            retried += d.retried
            if d.status in (200, 201):
                acked.append((d.body["id"], canonical_digest(p)))
                acks.append(d.body["id"])
            if i == 0:
                again = send_until_answered(http, p)
                retried += again.retried
                same += again.body.get("id") == d.body.get("id")
        wrong = send_until_answered(http, profile(other, codes, float(n), "draft"))
        retried += wrong.retried
        refused += wrong.status == 403
    return {"acked": acked, "same": same, "refused": refused, "retried": retried}


def restart_postgres() -> float:
    """Restart the local PostgreSQL cluster; the seconds it took (started again if the restart failed)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    start = time.perf_counter()
    try:
        subprocess.run([*command, "restart"], check=True, capture_output=True, timeout=120)
    finally:
        if subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()[3] != "online":
            subprocess.run([*command, "start"], capture_output=True, timeout=120)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="the hub's database (default: SQLite in a temporary folder)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--each", type=int, default=10, help="different profiles each client sends")
    parser.add_argument(
        "--restart-postgres",
        action="store_true",
        help="restart the local PostgreSQL cluster once a third of the submissions are acknowledged (root)",
    )
    args = parser.parse_args()
    if args.restart_postgres and not (args.db or "").startswith("postgres"):
        parser.error("--restart-postgres needs --db postgresql://…")
    folder = tempfile.mkdtemp(prefix="hub-bench-")
    db = args.db or f"sqlite:///{Path(folder) / 'hub.db'}"
    engine = make_engine(db)
    migrate(engine)
    factory = sessions(engine)
    las = sorted(
        c for c, row in authorities().items() if c[0] == "E" and row["upper_tier"] == c and not row["replaced_by"]
    )[:10]
    people = [
        (las[i % 10], las[(i + 1) % 10], add_person(factory, las[i % 10], f"bench{i}@example.org")[1])
        for i in range(args.clients)
    ]
    codes = sorted(c for c, years in rule_codes().items() if CollectionYear(2024) in years)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "ssda903.cli", "hub", "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                httpx.get(url + "/api/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        acks: list[int] = []
        restarted: list[tuple[int, float]] = []

        def restarter() -> None:
            while len(acks) < args.clients * args.each // 3 and not done.is_set():
                time.sleep(0.01)
            if not done.is_set():
                at = len(acks)
                restarted.append((at, restart_postgres()))

        done = threading.Event()
        thread = threading.Thread(target=restarter)
        if args.restart_postgres:
            thread.start()
        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(
                pool.map(
                    lambda x: client(url, x[1][0], x[1][1], x[1][2], x[0], args.each, codes, acks), enumerate(people)
                )
            )
        seconds = time.perf_counter() - start
        done.set()
        if args.restart_postgres:
            thread.join()
    finally:
        server.terminate()
        server.wait(10)
    acked = {i: d for r in results for i, d in r["acked"]}
    with factory() as s:
        stored = {sub.id: sub.digest for sub in s.scalars(select(Submission))}
        chain = verify(s)
    lost = sum(stored.get(i) != d for i, d in acked.items())
    requests = len(acked) + 2 * args.clients
    print(
        f"database: {engine.url.get_backend_name()}; {args.clients} clients, {args.each} profiles each ({len(codes)} rules each)"
    )
    print(f"acknowledged: {len(acked)} of {args.clients * args.each}; lost: {lost}; stored: {len(stored)}")
    print(f"repeats answered with the first id: {sum(r['same'] for r in results)} of {args.clients}")
    print(f"refusals (another LA's name) tried: {args.clients}, refused: {sum(r['refused'] for r in results)}")
    print(f"{seconds:.2f} s: {len(acked) / seconds:.0f} submissions/s, {requests / seconds:.0f} requests/s")
    retried = Counter(why for r in results for why in r["retried"])
    print(f"retries: {sum(retried.values())}" + "".join(f"; {n} after {why}" for why, n in retried.most_common()))
    if restarted:
        at, took = restarted[0]
        print(f"PostgreSQL restarted after {at} acknowledged submissions; the restart took {took:.1f} s")
    print(f"audit chain: {'intact' if chain.ok else 'BROKEN'}, {chain.lines} lines")


if __name__ == "__main__":
    main()
