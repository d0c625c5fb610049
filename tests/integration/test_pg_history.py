"""krj-batch and PostgreSQL: migrate (twice, a newer database refused,
commands that say "run krj-batch migrate"), a run recorded in one
transaction with every row as an independent parse of the CSVs has it,
the same run again changing nothing, a corrected file kept as a new
revision, a second node adopting the first one's generation, and a
kill -9 during COPY leaving no partial week."""

import decimal
import json
import os
import signal
import subprocess
import time

import pytest

import krjdata
import krjenv
from krjservers import krj_env

SP500_OLD = "KRJ_signals_latest_week_SP500_2025-12-12.csv"
SP500_NEW = "KRJ_signals_latest_week_SP500_2026-01-09.csv"
DRC = "KRJ_signals_latest_week_DRC_2026-01-09.csv"

TABLES = ("krj_files", "krj_runs", "krj_run_files", "krj_weeks",
          "krj_rows", "krj_principals")


def batch(*args, db=None, redis=None, **kw):
    return krjenv.run_batch(*args, "--config", "",
                            env=krj_env(db, redis), **kw)


def migrate(db):
    r = batch("migrate", db=db)
    assert r.returncode == 0, r.stderr
    return r


def counts(db):
    return {t: db.count(t) for t in TABLES}


def run(k, db, expect=0, redis=None):
    r = k.run_batch("run", "--config", "", env=krj_env(db, redis))
    assert r.returncode == expect, "run exited %d, expected %d:\n%s" % (
        r.returncode, expect, r.stderr)
    return r


def snapshot_generation(k):
    r = k.run_batch("status", "--config", "", env=krj_env())
    for line in r.stdout.splitlines():
        if line.startswith("generation: "):
            return line.split()[1]
    raise AssertionError("status names no generation:\n" + r.stdout)


# --- migrate -----------------------------------------------------------------

def test_migrate_twice(pg):
    r = migrate(pg)
    assert "event=migrated applied migration 0001_history" in r.stderr
    first = pg.query("SELECT version, name FROM krj_schema ORDER BY version")
    assert first == [{"version": 1, "name": "0001_history"}]
    tables = pg.query("SELECT tablename FROM pg_tables WHERE schemaname = "
                      "'public' ORDER BY 1")
    r = migrate(pg)
    assert "(0 migrations applied)" in r.stderr, r.stderr
    assert pg.query("SELECT version, name FROM krj_schema") == first, \
        "a second migrate records nothing"
    assert pg.query("SELECT tablename FROM pg_tables WHERE schemaname = "
                    "'public' ORDER BY 1") == tables


def test_history_index(pg):
    migrate(pg)
    idx = pg.scalar("SELECT indexdef FROM pg_indexes WHERE indexname = "
                    "'krj_rows_history'")
    assert "(category, ticker, signal_date)" in idx, idx


def test_migrate_refuses_newer_database(pg):
    migrate(pg)
    pg.execute("INSERT INTO krj_schema (version, name) VALUES (99, "
               "'0099_future')")
    before = counts(pg)
    r = batch("migrate", db=pg)
    assert r.returncode == 3, r.stderr
    assert "event=schema_newer" in r.stderr and "version 99" in r.stderr \
        and "upgrade krj-batch" in r.stderr, r.stderr
    assert counts(pg) == before


def test_migrate_without_postgresql():
    r = batch("migrate")
    assert r.returncode == 1 and "PostgreSQL is not configured" in r.stderr


def test_migrate_unreachable(tmp_path):
    dsn = "host=127.0.0.1 port=%d user=postgres connect_timeout=2" % \
        krjenv.free_port()
    r = batch("migrate", db=dsn)
    assert r.returncode == 3, r.stderr
    assert "event=pg_unreachable" in r.stderr, r.stderr


def test_tls_as_libpq_does_it(tmp_path):
    """sslmode and sslrootcert in the DSN, as libpq reads them; the server
    takes TLS connections only."""
    import krjservers
    s = krjservers.PgServer(tls=True)
    try:
        s.start()
        db = s.create_db()
        r = batch("migrate", db=db)
        assert r.returncode == 0, "verify-full with the server's CA: " + \
            r.stderr
        plain = db.dsn.split(" sslmode=")[0] + " sslmode=disable"
        r = batch("migrate", db=plain)
        assert r.returncode == 3 and "event=pg_unreachable" in r.stderr \
            and "no encryption" in r.stderr, r.stderr
        other = tmp_path / "other"
        other.mkdir()
        ca = krjservers._tls_files(other)[0]
        wrong = db.dsn.split(" sslrootcert=")[0] + " sslrootcert=%s" % ca
        r = batch("migrate", db=wrong)
        assert r.returncode == 3 and "certificate verify failed" in \
            r.stderr, r.stderr
        # libpq's own variables, without a DSN
        r = krjenv.run_batch("migrate", "--config", "", env=dict(
            krj_env(), PGHOST="127.0.0.1", PGPORT=str(s.port),
            PGUSER="postgres", PGDATABASE=db.name, PGSSLMODE="verify-full",
            PGSSLROOTCERT=str(s.ca)))
        assert r.returncode == 0 and "(0 migrations applied)" in r.stderr, \
            r.stderr
    finally:
        s.destroy()


def test_commands_say_migrate_when_behind(make_krj, pg):
    k = make_krj(files=[DRC], publish=False, start=False)
    r = run(k, pg, expect=4)
    assert "event=schema_mismatch" in r.stderr and \
        "run krj-batch migrate" in r.stderr, r.stderr
    assert (k.out / "krj.snapshot").exists(), "published all the same"
    r = k.run_batch("status", "--config", "", env=krj_env(pg))
    assert "schema version 0 (this krj-batch: 1): run krj-batch migrate" \
        in r.stdout, r.stdout
    migrate(pg)
    r = run(k, pg)
    assert "event=outbox_delivered" in r.stderr, "the next run delivers"
    assert pg.count("krj_runs") == 1


# --- recording a run ---------------------------------------------------------

def _decimal_rows(db, category, date):
    text = db._psql("SELECT coalesce(json_agg(q ORDER BY row_number), "
                    "'[]') FROM (SELECT row_number, revision, ticker, "
                    "signal, prior, cells FROM krj_rows WHERE category = "
                    "'%s' AND signal_date = '%s') q" % (category, date))
    return json.loads(text, parse_float=decimal.Decimal,
                      parse_int=decimal.Decimal)


def _same_cell(model_cell, value):
    kind = krjdata.typed(model_cell)
    if kind[0] == "null":
        return value is None
    if kind[0] == "num":
        return isinstance(value, decimal.Decimal) and \
            value == decimal.Decimal(kind[1])
    return value == model_cell


def test_run_recorded(make_krj, pg):
    migrate(pg)
    k = make_krj(publish=False, start=False)
    r = run(k, pg)
    assert "event=recorded generation" in r.stderr, r.stderr
    model = krjdata.newest(k.data)
    runs = pg.query("SELECT generation, input_digest, outcome, warnings, "
                    "host, signal_date::text AS d, started_at <= finished_at "
                    "AS ordered FROM krj_runs")
    assert len(runs) == 1
    assert runs[0]["generation"] == snapshot_generation(k)
    assert runs[0]["outcome"] == "published" and runs[0]["ordered"]
    assert runs[0]["warnings"] >= 1, "the duplicate ticker warning counted"
    assert runs[0]["host"] == os.uname().nodename
    assert runs[0]["d"] == max(c.signal_date for c in model.values())

    files = pg.query("SELECT rf.category, rf.label, rf.signal_date::text AS "
                     "d, rf.source_file, rf.sha256, rf.rows, f.size, "
                     "encode(f.content, 'hex') AS hex FROM krj_run_files rf "
                     "JOIN krj_files f USING (sha256) ORDER BY position")
    assert [f["category"] for f in files] == sorted(model)
    for f in files:
        m = model[f["category"]]
        assert (f["label"], f["d"], f["source_file"], f["sha256"],
                f["rows"]) == (m.label, m.signal_date, m.source_file,
                               m.sha256, len(m.rows))
        assert bytes.fromhex(f["hex"]) == m.raw, \
            "%s: the validated bytes are kept" % m.slug
        assert f["size"] == len(m.raw)

    for slug, m in model.items():
        rows = _decimal_rows(pg, slug, m.signal_date)
        assert len(rows) == len(m.rows), slug
        sig, prior = m.col("signal"), m.col("signal_status_prior_week")
        for i, (row, got) in enumerate(zip(m.rows, rows)):
            assert got["row_number"] == i + 1 and got["revision"] == 1
            assert got["ticker"] == row[m.col("ticker")]
            assert got["signal"] == (row[sig] or None if sig is not None
                                     else None)
            assert got["prior"] == (row[prior] or None if prior is not None
                                    else None)
            cells = got["cells"]
            assert sorted(cells) == sorted(m.columns), slug
            for col, cell in zip(m.columns, row):
                assert _same_cell(cell, cells[col]), \
                    "%s row %d %s: %r vs %r" % (slug, i + 1, col, cell,
                                                cells[col])


def test_same_run_again_changes_nothing(make_krj, pg):
    migrate(pg)
    k = make_krj(publish=False, start=False)
    run(k, pg)
    before = counts(pg)
    recorded = pg.query("SELECT * FROM krj_runs")
    r = run(k, pg)
    assert "event=unchanged" in r.stderr
    assert counts(pg) == before and pg.query("SELECT * FROM krj_runs") == \
        recorded, "an unchanged run records nothing"
    # the same files on a node whose output is gone: the same generation
    gen = snapshot_generation(k)
    for p in k.out.glob("*"):
        if p.is_file():
            p.unlink()
    r = run(k, pg)
    assert snapshot_generation(k) == gen, \
        "the recorded generation time is adopted: the same bytes"
    assert counts(pg) == before


def test_unchanged_run_records_what_was_published_before(make_krj, pg):
    """PostgreSQL configured after the data was published: the next run
    records the published generation without republishing."""
    k = make_krj(files=[DRC], publish=True, start=False)
    gen = snapshot_generation(k)
    mtime = k.snapshot.stat().st_mtime_ns
    migrate(pg)
    r = run(k, pg)
    assert "event=unchanged" in r.stderr
    assert pg.query("SELECT generation FROM krj_runs") == \
        [{"generation": gen}]
    assert k.snapshot.stat().st_mtime_ns == mtime


def test_corrected_file_is_a_new_revision(make_krj, pg):
    migrate(pg)
    k = make_krj(files=[SP500_NEW, DRC], publish=False, start=False)
    run(k, pg)
    old = (k.data / SP500_NEW).read_bytes()
    lines = old.split(b"\n")
    # the correction: one row's signal changed, and one row dropped
    header = lines[0].split(b",")
    i = header.index(b"signal")
    cells = lines[1].split(b",")
    cells[i] = b"Short" if cells[i] != b"Short" else b"Long"
    lines[1] = b",".join(cells)
    del lines[2]
    (k.data / SP500_NEW).write_bytes(b"\n".join(lines))
    run(k, pg)
    weeks = pg.query("SELECT revision, rows, sha256 FROM krj_weeks WHERE "
                     "category = 'sp500' ORDER BY revision")
    model = krjdata.newest(k.data)["sp500"]
    assert [w["revision"] for w in weeks] == [1, 2]
    assert weeks[1]["rows"] == len(model.rows) == weeks[0]["rows"] - 1
    assert weeks[1]["sha256"] == model.sha256
    rows = _decimal_rows(pg, "sp500", "2026-01-09")
    assert len(rows) == len(model.rows), "the week's rows are replaced"
    assert {r["revision"] for r in rows} == {2}
    assert rows[0]["signal"] == cells[i].decode()
    assert pg.scalar("SELECT encode(content, 'hex') AS h FROM krj_files "
                     "WHERE sha256 = '%s'" % weeks[0]["sha256"]) == \
        old.hex(), "the first revision's bytes are kept"
    assert pg.query("SELECT revision FROM krj_weeks WHERE category = "
                    "'drc'") == [{"revision": 1}], \
        "an unchanged category gets no revision"
    assert pg.count("krj_runs") == 2


def test_new_week_keeps_the_old_one(make_krj, pg):
    migrate(pg)
    k = make_krj(files=[SP500_OLD], publish=False, start=False)
    run(k, pg)
    k.add_file(SP500_NEW)
    run(k, pg)
    weeks = pg.query("SELECT signal_date::text AS d, count(*) AS n FROM "
                     "krj_rows WHERE category = 'sp500' GROUP BY 1 ORDER "
                     "BY 1")
    old = krjdata.Category(krjenv.DATA / SP500_OLD)
    new = krjdata.Category(krjenv.DATA / SP500_NEW)
    assert weeks == [{"d": "2025-12-12", "n": len(old.rows)},
                     {"d": "2026-01-09", "n": len(new.rows)}]
    # the index the history will read: one ticker's weeks in date order,
    # without a sort (the planner prefers a scan of so small a table)
    plan = pg._psql("SET enable_seqscan = off; EXPLAIN SELECT signal_date, "
                    "signal, prior, cells->'c' FROM krj_rows WHERE "
                    "category = 'sp500' AND ticker = 'AAPL' ORDER BY "
                    "signal_date")
    assert "krj_rows_history" in plan and "Sort" not in plan, plan


def big_week(path, rows):
    """A synthetic week of rows rows, about 60 bytes each."""
    sig = ("Long", "Neutral", "Short")
    with open(path, "w", newline="") as f:
        f.write("ticker,c,signal,signal_status_prior_week,long_val,note\n")
        for i in range(rows):
            f.write("T%06d,%d.%02d,%s,%s,%.4f,\"n, %d\"\n" % (
                i, i % 997, i % 100, sig[i % 3], sig[(i // 3) % 3],
                (i % 1000) / 1000.0, i))


def test_kill_during_copy_leaves_no_partial_week(make_krj, pg):
    migrate(pg)
    k = make_krj(files=[], publish=False, start=False)
    big_week(k.data / "KRJ_signals_latest_week_Big_2026-01-09.csv", 200000)
    env = dict(os.environ)
    env.update({n: v for n, v in krj_env(pg).items() if v is not None})
    for n, v in krj_env(pg).items():
        if v is None:
            env.pop(n, None)
    env.update(KRJ_DATA_DIR=str(k.data), KRJ_OUTPUT_DIR=str(k.out))
    proc = subprocess.Popen([str(krjenv.BATCH), "run", "--config", ""],
                            env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    in_copy = False
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        q = pg.query("SELECT query FROM pg_stat_activity WHERE "
                     "application_name = 'krj-batch' AND query LIKE "
                     "'COPY krj_rows%' AND state = 'active'")
        if q:
            in_copy = True
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait(timeout=30)
    proc.stderr.close()
    if not in_copy:
        pytest.fail("the run ended before its COPY was seen")
    # the server notices the dead client and rolls its transaction back
    deadline = time.time() + 30
    while time.time() < deadline and pg.query(
            "SELECT 1 AS x FROM pg_stat_activity WHERE application_name = "
            "'krj-batch'"):
        time.sleep(0.05)
    assert counts(pg) == {t: 0 for t in TABLES}, \
        "nothing of the killed transaction is left"
    assert k.snapshot.exists(), "published before recording"
    items = list((k.out / "outbox").glob("*.item"))
    assert len(items) == 1, "the item was put before delivery"
    r = run(k, pg)
    assert "event=outbox_delivered" in r.stderr
    assert pg.count("krj_rows") == 200000
    assert pg.count("krj_weeks") == 1
    assert not list((k.out / "outbox").glob("*.item"))


def test_bom_is_not_recorded(make_krj, pg):
    migrate(pg)
    k = make_krj(files=[], publish=False, start=False)
    raw = (krjenv.DATA / DRC).read_bytes()
    k.add_file(DRC, b"\xef\xbb\xbf" + raw)
    run(k, pg)
    meta = json.loads((k.out / "metadata.json").read_text())
    f = pg.query("SELECT sha256, size, encode(content, 'hex') AS hex "
                 "FROM krj_files")
    assert len(f) == 1
    assert bytes.fromhex(f[0]["hex"]) == raw == \
        (k.out / "latest_drc.csv").read_bytes(), \
        "the validated bytes, as published: without the BOM"
    assert f[0]["sha256"] == meta["details"]["drc"]["sha256"]
    assert f[0]["size"] == len(raw)


def test_hostile_cells_recorded_exactly(make_krj, pg):
    """Tabs, backslashes, newlines, quotes, NUL-free control bytes and
    non-ASCII in cells and tickers survive COPY and jsonb."""
    migrate(pg)
    k = make_krj(files=[], publish=False, start=False)
    rows = [
        ["ticker", "signal", "note", "n"],
        ["A\tB", "Long", "back\\slash \\N \\t", "1.50"],
        ["C\\D", "", "line\nbreak\r\nand \"quotes\", commas", "-0"],
        ["É\u2603", "Short", "\x01\x1f\x7f", "1e5"],
        ["E", "Neutral", "", "1e999"],
    ]
    import csv
    import io
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    name = "KRJ_signals_latest_week_Odd_2026-01-09.csv"
    k.add_file(name, buf.getvalue().encode())
    run(k, pg)
    got = _decimal_rows(pg, "odd", "2026-01-09")
    model = krjdata.Category(k.data / name)
    assert len(got) == len(model.rows) == 4
    for row, g in zip(model.rows, got):
        assert g["ticker"] == row[0]
        assert g["signal"] == (row[1] or None)
        for col, cell in zip(model.columns, row):
            assert _same_cell(cell, g["cells"][col]), (col, cell,
                                                        g["cells"][col])
