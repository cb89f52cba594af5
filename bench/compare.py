#!/usr/bin/env python3
"""Checks that an output of featc equals the DuckDB reference's output of the same step.

  python compare.py EXPECTED GOT --keys user_id,window_start

EXPECTED is the reference's Parquet file; GOT a Parquet file or a directory of Parquet files
(featc materializes a view as a directory). Rows are matched on the key columns (row order is
unspecified on both sides); every non-key column of EXPECTED must exist in GOT and be equal:
floats within 1e-9 relative (or 1e-9 absolute, like ../shared/bench/check_reference.py), other
values exactly, null only where null. Columns of GOT that EXPECTED lacks are ignored (featc's
`revenue_sum_1h`, see bench/features/views.feat). Exit code 0 when everything matches.

The comparison is a full outer join in DuckDB, so it checks every row at every scale.
"""
import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass, field

import duckdb

REL_TOL = 1e-9
ABS_TOL = 1e-9
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
EXAMPLES = 5


@dataclass
class Comparison:
    ok: bool
    expected_rows: int = 0
    got_rows: int = 0
    duplicate_keys: int = 0
    missing_rows: int = 0
    extra_rows: int = 0
    differing: dict = field(default_factory=dict)   # column -> number of rows that differ
    problems: list = field(default_factory=list)    # human-readable findings
    notes: list = field(default_factory=list)       # differences that are not failures

    def summary(self):
        head = "OK" if self.ok else "MISMATCH"
        return (f"{head}: {self.expected_rows} expected rows, {self.got_rows} got, "
                f"{self.missing_rows} missing, {self.extra_rows} extra, "
                f"{self.duplicate_keys} duplicate keys, "
                f"{sum(self.differing.values())} differing values")


def parquet_source(path):
    """A read_parquet() call for a file or for every Parquet file under a directory."""
    if os.path.isdir(path):
        pattern = os.path.join(path, "**", "*.parquet")
    else:
        pattern = path
    return f"read_parquet('{pattern.replace(chr(39), chr(39) * 2)}', union_by_name = true)"


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def column_types(con, relation):
    return {name: str(dtype) for name, dtype in
            con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {relation})").fetchall()}


def same_value_sql(column, dtype):
    """SQL that is true when e.column and g.column hold the same value (nulls included)."""
    a, b = f"e.{quote(column)}", f"g.{quote(column)}"
    if dtype.upper() in FLOAT_TYPES:
        return (f"(({a} IS NULL AND {b} IS NULL) OR ({a} IS NOT NULL AND {b} IS NOT NULL AND "
                f"({a} = {b} OR abs({a} - {b}) <= greatest({REL_TOL} * greatest(abs({a}), abs({b})), {ABS_TOL}))))")
    return f"({a} IS NOT DISTINCT FROM {b})"


def keys_match(keys, left="e", right="g"):
    # Keys are never null in either output; a null key shows up as a missing/unexpected row.
    return " AND ".join(f"{left}.{quote(k)} = {right}.{quote(k)}" for k in keys)


def compare(expected_path, got_path, keys):
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = 2")
    try:
        con.execute(f"CREATE VIEW e AS SELECT * FROM {parquet_source(expected_path)}")
        con.execute(f"CREATE VIEW g AS SELECT * FROM {parquet_source(got_path)}")
    except duckdb.Error as err:
        return Comparison(ok=False, problems=[f"cannot read the outputs: {err}"])
    return compare_views(con, keys)


def compare_views(con, keys):
    result = Comparison(ok=True)
    e_types, g_types = column_types(con, "e"), column_types(con, "g")
    for key in keys:
        if key not in e_types or key not in g_types:
            side = "the reference" if key not in e_types else "featc's output"
            result.problems.append(f"key column {key!r} missing from {side}")
    values = [c for c in e_types if c not in keys]
    absent = [c for c in values if c not in g_types]
    if absent:
        result.problems.append(f"columns missing from featc's output: {', '.join(absent)}")
    if result.problems:
        result.ok = False
        return result
    for c in values:
        if e_types[c] != g_types[c]:
            result.notes.append(f"{c}: type {g_types[c]} (reference: {e_types[c]})")

    key_list = ", ".join(quote(k) for k in keys)
    one = lambda sql: con.execute(sql).fetchone()[0]
    try:
        result.expected_rows = one("SELECT count(*) FROM e")
        result.got_rows = one("SELECT count(*) FROM g")
        result.duplicate_keys = one(f"SELECT count(*) - count(DISTINCT ({key_list})) FROM g")
        result.missing_rows = one(f"SELECT count(*) FROM e ANTI JOIN g ON {keys_match(keys)}")
        result.extra_rows = one(f"SELECT count(*) FROM g ANTI JOIN e ON {keys_match(keys)}")
        differs = {c: f"NOT {same_value_sql(c, e_types[c])}" for c in values}
        counts = con.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE {cond})" for cond in differs.values())
            + f" FROM e JOIN g ON {keys_match(keys)}").fetchone()
        result.differing = {c: n for c, n in zip(differs, counts) if n}
        # Shown as text: fetching TIMESTAMPTZ values into Python would need pytz.
        text = lambda col: f"CAST({col} AS VARCHAR)"
        e_keys = ", ".join(text(f"e.{quote(k)}") for k in keys)
        for c in result.differing:
            rows = con.execute(f"SELECT {e_keys}, {text(f'e.{quote(c)}')}, {text(f'g.{quote(c)}')} FROM e JOIN g "
                               f"ON {keys_match(keys)} WHERE {differs[c]} LIMIT {EXAMPLES}").fetchall()
            result.problems.extend(f"{c} at {row[:-2]}: expected {row[-2]!r}, got {row[-1]!r}" for row in rows)
        for side, other, label in (("e", "g", "missing"), ("g", "e", "unexpected")):
            shown = ", ".join(text(quote(k)) for k in keys)
            rows = con.execute(f"SELECT {shown} FROM {side} ANTI JOIN {other} "
                               f"ON {keys_match(keys, side, other)} LIMIT {EXAMPLES}").fetchall()
            result.problems.extend(f"{label} row {row}" for row in rows)
    except duckdb.Error as err:
        result.problems.append(f"comparison failed: {err}")
    result.ok = (not result.problems and result.duplicate_keys == 0
                 and result.expected_rows == result.got_rows)
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("expected", help="the reference's Parquet file")
    ap.add_argument("got", help="featc's Parquet file or directory")
    ap.add_argument("--keys", required=True, help="comma list of key columns")
    ap.add_argument("--json", action="store_true", help="print the result as one JSON line")
    a = ap.parse_args(argv)
    result = compare(a.expected, a.got, [k.strip() for k in a.keys.split(",") if k.strip()])
    if a.json:
        print(json.dumps(asdict(result)))
    else:
        print(result.summary())
        for line in result.problems + result.notes:
            print(f"  {line}")
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
