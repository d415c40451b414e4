"""ddl/events.sql parsed by sqlglot in each half's own dialect (Snowflake, Spark).

Every statement must parse into a real expression: sqlglot returns what it
could not parse as a generic Command, and that fails here, as does a parse
error or a statement kind we do not expect. The CREATE TABLE columns, their
types and NOT NULL are then compared with the writer's schema, read from
src/evpipe/jobs/event_columns.h (the source of truth), so that a column added
there and not here (or typed differently) fails. The Spark half is also
executed by Spark itself in spark_test.py; Snowflake cannot run here.

Environment: EVPIPE_SOURCE_DIR (repo root, default ../..).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lake as L  # noqa: E402

SRC = os.environ.get("EVPIPE_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def writer_columns():
    """[(name, ColumnType, required)] from event_columns.h, in file order."""
    text = open(os.path.join(SRC, "src", "evpipe", "jobs", "event_columns.h")).read()
    cols = re.findall(r'\{"(\w+)",\s*ColumnType::(\w+),\s*(true|false),\s*\d+\}', text)
    if len(cols) < 10:
        raise AssertionError(f"event_columns.h: found only {len(cols)} columns; has its layout changed?")
    return [(n, t, r == "true") for n, t, r in cols]


def halves():
    text = open(os.path.join(SRC, "ddl", "events.sql")).read()
    start = text.index("-- Iceberg (Spark SQL")
    snow = text.index("-- Snowflake")
    return text[start:snow], text[snow:]


def parse(sql, dialect):
    import sqlglot
    from sqlglot import exp
    try:
        parsed = sqlglot.parse(sql, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
        # a comment after the last ';' of a statement comes back as a Semicolon holding it
        stmts = [s for s in parsed if s is not None and not isinstance(s, exp.Semicolon)]
    except sqlglot.errors.ParseError as e:
        raise AssertionError(f"{dialect}: sqlglot cannot parse ddl/events.sql: {str(e).splitlines()[0]}")
    for s in stmts:
        if isinstance(s, exp.Command):
            raise AssertionError(f"{dialect}: sqlglot left a statement unparsed (generic Command): "
                                 f"{s.sql(dialect=dialect, comments=False)[:120]}")
    return stmts


def table_columns(create, dialect):
    """{name: (type text in the dialect, not_null, computed)} of a CREATE TABLE."""
    from sqlglot import exp
    out = {}
    for cd in create.this.expressions:
        if not isinstance(cd, exp.ColumnDef):
            raise AssertionError(f"{dialect}: unexpected table element {cd.sql(dialect=dialect)}")
        kinds = [c.args.get("kind") for c in cd.args.get("constraints") or []]
        not_null = any(isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null") for k in kinds)
        computed = any(isinstance(k, exp.ComputedColumnConstraint) for k in kinds)
        out[cd.name] = (cd.args["kind"].sql(dialect=dialect).upper(), not_null, computed)
    return out


def expect_writer_schema(got, type_map, extra, dialect):
    want = {n: (type_map[t], req, False) for n, t, req in writer_columns()}
    want.update(extra)
    L.expect_eq(list(got), list(want), f"{dialect}: CREATE TABLE column order vs event_columns.h")
    L.expect_eq(got, want, f"{dialect}: CREATE TABLE columns (type, NOT NULL, computed) vs event_columns.h")


def check_snowflake(sql):
    from sqlglot import exp
    stmts = parse(sql, "snowflake")
    kinds = [(type(s).__name__, (s.args.get("kind") or "").upper() if isinstance(s, exp.Create) else "")
             for s in stmts]
    L.expect_eq(kinds, [("Create", "FILE FORMAT"), ("Create", "STAGE"), ("Create", "TABLE"), ("Copy", "")],
                "snowflake: statement kinds")
    create = stmts[2]
    got = table_columns(create, "snowflake")
    type_map = {"kString": "VARCHAR", "kInt32": "INT", "kTimestampMicros": "TIMESTAMPTZ(6)"}
    expect_writer_schema(got, type_map, {"source_file": ("VARCHAR", True, False),
                                         "ingest_date": ("DATE", False, True)}, "snowflake")
    copy = stmts[3]
    L.expect_eq(copy.this.sql(dialect="snowflake").lower(), "events", "snowflake: COPY INTO target")
    return len(stmts)


def check_spark(sql):
    from sqlglot import exp
    stmts = parse(sql, "spark")
    L.expect_eq([(type(s).__name__, s.args.get("kind")) for s in stmts], [("Create", "TABLE")], "spark: statements")
    got = table_columns(stmts[0], "spark")
    type_map = {"kString": "STRING", "kInt32": "INT", "kTimestampMicros": "TIMESTAMP"}
    expect_writer_schema(got, type_map, {"ingest_date": ("DATE", True, False)}, "spark")
    part = stmts[0].find(exp.PartitionedByProperty)
    if part is None or part.this.sql(dialect="spark").strip("()").lower() != "ingest_date":
        raise AssertionError(f"spark: PARTITIONED BY is {part.sql(dialect='spark') if part else None}, want (ingest_date)")
    # The add_files call is a comment in the file (its path is the user's); it must still be
    # a CALL sqlglot recognises as one statement with the named arguments Iceberg takes.
    m = re.search(r"^-- (CALL .*?\);)$", sql, re.M | re.S)
    if m is None:
        raise AssertionError("spark: no add_files CALL comment in the Iceberg half")
    call = "\n".join(re.sub(r"^--\s?", "", line) for line in m.group(1).splitlines())
    L.expect_eq(sorted(re.findall(r"(\w+)\s*=>", call)), ["source_table", "table"], "spark: add_files arguments")
    return len(stmts)


def main():
    iceberg, snowflake = halves()
    n = check_snowflake(snowflake)
    m = check_spark(iceberg)
    print(f"ok: sqlglot parsed {n} Snowflake and {m} Spark statements of ddl/events.sql; "
          f"columns match event_columns.h")


if __name__ == "__main__":
    L.main_guard(main)
