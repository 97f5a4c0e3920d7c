"""The DfE expressions of the SQL vocabulary that several rules call, checked on their own."""

from __future__ import annotations

from ssda903.dataset import Dataset
from ssda903.ingest.frames import load_frames
from ssda903.typed import finish


def _rows_of(ds: Dataset, sql: str) -> list[tuple[int | None, ...]]:
    """The result of ``sql`` with each episode _id given as its row in the Episodes file (0-based)."""
    row = dict(ds.con.execute("SELECT _id, _row FROM all_rows WHERE tbl = 'Episodes'").fetchall())
    return sorted(tuple(row.get(v) if v is not None else None for v in r) for r in ds.con.execute(sql).fetchall())


def test_episode_neighbours_orders_each_childs_episodes_by_start_date() -> None:
    ds = Dataset("2024/25")
    episodes = [
        {"CHILD": "1", "DECOM": "01/09/2024"},  # 0: the third of child 1 by start date
        {"CHILD": "1", "DECOM": "01/05/2024"},  # 1: the first
        {"CHILD": "2", "DECOM": "01/06/2024"},  # 2: child 2's only episode
        {"CHILD": "1", "DECOM": "31/13/2024"},  # 3: no readable start date: after the dated ones
        {"CHILD": "1", "DECOM": "01/06/2024"},  # 4: the second ...
        {"CHILD": "1", "DECOM": "01/06/2024"},  # 5: ... and, starting the same day but given later, next
    ]
    load_frames(ds, {"Episodes": episodes}, period="current")
    finish(ds)
    got = _rows_of(ds, "SELECT _id, previous_id, next_id FROM episode_neighbours()")
    assert got == [
        (0, 5, 3),
        (1, None, 4),
        (2, None, None),
        (3, 0, None),
        (4, 1, 5),
        (5, 4, 0),
    ]
