"""The audit log's hash chain verifies, and a changed, removed or inserted line is found."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import LEEDS, Hub, auth, make_profile
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from ssda903.cli import app
from ssda903.hub import audit
from ssda903.hub.database import writing
from ssda903.hub.tables import AuditEntry


def _filled(hub: Hub) -> list[int]:
    token = hub.person()
    hub.client.post("/api/profiles", json=make_profile(), headers=auth(token))
    hub.client.post("/api/profiles", json=make_profile(LEEDS), headers=auth(token))
    hub.client.get("/api/me", headers=auth("wrong"))
    with hub.factory() as s:
        return list(s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


def _verdict(hub: Hub) -> audit.Verdict:
    with hub.factory() as s:
        return audit.verify(s)


def test_the_chain_verifies(hub: Hub) -> None:
    ids = _filled(hub)
    assert _verdict(hub) == audit.Verdict(len(ids))


def test_a_changed_line_is_found(hub: Hub) -> None:
    ids = _filled(hub)
    with hub.factory.begin() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == ids[1]).values(detail="nothing happened"))
    verdict = _verdict(hub)
    assert verdict.broken_at == ids[1] and "changed" in verdict.reason


def test_a_changed_line_with_its_hash_recomputed_breaks_the_next_link(hub: Hub) -> None:
    ids = _filled(hub)
    with hub.factory.begin() as s:
        line = s.get(AuditEntry, ids[1])
        assert line is not None
        new_hash = audit._digest(line.prev_hash, line.at, line.action, "E09000001", line.person_id, line.detail)
        s.execute(update(AuditEntry).where(AuditEntry.id == ids[1]).values(la="E09000001", hash=new_hash))
    assert _verdict(hub).broken_at == ids[2]


def test_a_removed_line_is_found(hub: Hub) -> None:
    ids = _filled(hub)
    with hub.factory.begin() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == ids[1]))
    verdict = _verdict(hub)
    assert verdict.broken_at == ids[2] and "removed" in verdict.reason


def test_an_inserted_line_is_found(hub: Hub) -> None:
    ids = _filled(hub)
    with hub.factory.begin() as s:
        s.add(AuditEntry(at=datetime.now(UTC), action="x", detail="x", prev_hash=audit.GENESIS, hash="f" * 64))
    assert _verdict(hub).broken_at == ids[-1] + 1


def test_lines_appended_in_separate_transactions_chain(hub: Hub) -> None:
    for i in range(5):
        with writing(hub.factory) as s:
            audit.append(s, "test", f"line {i}")
    assert _verdict(hub).ok


def test_verify_audit_command(hub: Hub, db_url: str) -> None:
    ids = _filled(hub)
    ok = CliRunner().invoke(app, ["hub", "verify-audit", "--db", db_url])
    assert ok.exit_code == 0 and f"{len(ids)} lines" in ok.output
    with hub.factory.begin() as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == ids[0]).values(action="revoke"))
    broken = CliRunner().invoke(app, ["hub", "verify-audit", "--db", db_url])
    assert broken.exit_code == 1 and f"line id {ids[0]}" in broken.output
