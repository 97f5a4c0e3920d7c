"""The step runner: statements run a few at a time give what they give one at a time, errors are
never lost, the variables travel, and packed inserts keep every value as given."""

from __future__ import annotations

import duckdb
import pytest

from ssda903.steps import Step, packed_insert_sql, run_concurrently, run_steps, session_sql


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("CREATE TABLE hits (rule VARCHAR, n BIGINT)")
    return c


def test_statements_run_at_once_each_give_their_rows(con: duckdb.DuckDBPyConnection) -> None:
    statements = [f"INSERT INTO hits SELECT 'r{i}', range FROM range({i})" for i in range(1, 21)]
    errors = run_concurrently(con, statements, workers=3)
    assert errors == [None] * 20
    counts = dict(con.execute("SELECT rule, count(*) FROM hits GROUP BY rule").fetchall())
    assert counts == {f"r{i}": i for i in range(1, 21)}


def test_each_failing_statement_has_its_own_error_and_the_others_run(con: duckdb.DuckDBPyConnection) -> None:
    statements = [
        "INSERT INTO hits VALUES ('a', 1)",
        "INSERT INTO hits SELECT 'b', no_such_column FROM range(1)",
        "INSERT INTO hits VALUES ('c', 3)",
        "INSERT INTO no_such_table VALUES (1)",
    ]
    for workers in (1, 2):
        con.execute("DELETE FROM hits")
        errors = run_concurrently(con, statements, workers=workers)
        assert [e is None for e in errors] == [True, False, True, False]
        assert "no_such_column" in str(errors[1])
        assert sorted(r for (r,) in con.execute("SELECT rule FROM hits").fetchall()) == ["a", "c"]


def test_the_other_connections_are_given_the_variables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET VARIABLE collection_start = DATE '2024-04-01'")
    con.execute("SET VARIABLE own_la_codes = ['E09000008', 'E09000009']")
    con.execute("SET VARIABLE la_code = 'E09000008'")
    assert "collection_start" in session_sql(con)
    statements = [
        "INSERT INTO hits SELECT CAST(getvariable('collection_start') AS VARCHAR), "
        "len(getvariable('own_la_codes')) WHERE getvariable('la_code') = 'E09000008'"
    ] * 4
    assert run_concurrently(con, statements, workers=2) == [None] * 4
    assert set(con.execute("SELECT rule, n FROM hits").fetchall()) == {("2024-04-01", 2)}


def test_chains_keep_their_order_and_an_error_is_raised(con: duckdb.DuckDBPyConnection) -> None:
    steps = [
        Step("CREATE TABLE log (chain VARCHAR, step INTEGER)"),
        *[
            Step(
                f"INSERT INTO log SELECT '{c}', {i} WHERE (SELECT count(*) FROM log WHERE chain = '{c}') = {i}", chain=c
            )
            for c in ("x", "y", "z")
            for i in range(4)
        ],
        Step("INSERT INTO hits SELECT chain, count(*) FROM log GROUP BY chain"),
        Step("INSERT INTO hits VALUES ('only when given', 1)", when=(("current", "OC3"),)),
    ]
    run_steps(con, steps, given=set(), workers=2)
    # each chain's steps ran in order (each checks that the one before it ran); the step after them saw all
    assert dict(con.execute("SELECT rule, n FROM hits").fetchall()) == {"x": 4, "y": 4, "z": 4}
    broken = [Step("SELECT 1", chain="a"), Step("SELECT no_such_column", chain="b")]
    with pytest.raises(duckdb.Error, match="no_such_column"):
        run_steps(con, broken, given=set(), workers=2)


def test_the_largest_chains_start_first(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE started (chain VARCHAR)")
    steps = [Step(f"INSERT INTO started VALUES ('{c}')", chain=c) for c in ("small", "large", "unknown", "middle")]
    run_steps(con, steps, given=set(), workers=1, sizes={"small": 10, "large": 1000, "middle": 100})
    # one at a time, in the order they were started: by size, then (no size known) as given
    assert [c for (c,) in con.execute("SELECT chain FROM started ORDER BY rowid").fetchall()] == [
        "large",
        "middle",
        "small",
        "unknown",
    ]


def test_a_packed_insert_keeps_every_value_as_given(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE meta (rule VARCHAR, stage INTEGER, message VARCHAR, fields VARCHAR)")
    rows = [
        ("101", 1, "The child's sex is not a valid code; 'M' or 'F'.", "SEX"),
        ("102", 2, "Commas, semicolons; and “curly” quotes — and a backslash \\ too", ""),
        ("103", 1, "", "DOB,DECOM"),
    ]
    con.execute(packed_insert_sql("meta", rows))
    assert con.execute("SELECT * FROM meta ORDER BY rule").fetchall() == rows
    assert packed_insert_sql("meta", []) == ""


def test_a_packed_insert_refuses_what_it_cannot_carry() -> None:
    with pytest.raises(ValueError, match="separators"):
        packed_insert_sql("meta", [("a\x1fb", 1)])
    with pytest.raises(ValueError, match="separators"):
        packed_insert_sql("meta", [("a", None)])  # type: ignore[list-item]
