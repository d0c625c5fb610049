"""Nothing lost when PostgreSQL or Redis is down: run still publishes,
puts what it could not record or announce in the outbox (one file per
item), exits 4, and the next run delivers the items in order, exactly
once in effect; status shows the outbox, the schema, the last run and
both servers."""

import json

import pytest

import krjdata
import krjenv
import krjservers
from krjservers import krj_env

SP500_OLD = "KRJ_signals_latest_week_SP500_2025-12-12.csv"
SP500_NEW = "KRJ_signals_latest_week_SP500_2026-01-09.csv"
DRC = "KRJ_signals_latest_week_DRC_2026-01-09.csv"


@pytest.fixture
def own_pg():
    """A server of this test's own, since the test stops it."""
    s = krjservers.PgServer()
    s.start()
    try:
        db = s.create_db()
        r = krjenv.run_batch("migrate", "--config", "", env=krj_env(db))
        assert r.returncode == 0, r.stderr
        yield db
    finally:
        s.destroy()


def run(k, db=None, redis=None, expect=0):
    r = k.run_batch("run", "--config", "", "--pg-connect-timeout", "2",
                    env=krj_env(db, redis))
    assert r.returncode == expect, "run exited %d, expected %d:\n%s" % (
        r.returncode, expect, r.stderr)
    return r


def items(k):
    return sorted(p.name for p in (k.out / "outbox").glob("*.item"))


def test_postgresql_down_then_back(make_krj, own_pg):
    k = make_krj(files=[SP500_OLD, DRC], publish=False, start=False)
    own_pg.server.stop()
    r = run(k, own_pg, expect=4)
    assert "event=pg_unreachable" in r.stderr, r.stderr
    assert "event=outbox_pending" in r.stderr
    assert k.snapshot.exists() and (k.out / "latest_sp500.csv").exists(), \
        "the files and the snapshot are published all the same"
    k.start()
    status, _, body = k.get("/api/v1/signals/sp500")
    assert status == 200, "and served"
    assert items(k) == ["00000000000000000001-run.item"]
    # a second week while PostgreSQL is still down: a second item, after
    k.add_file(SP500_NEW)
    run(k, own_pg, expect=4)
    assert items(k) == ["00000000000000000001-run.item",
                        "00000000000000000002-run.item"]
    mode = (k.out / "outbox" / items(k)[0]).stat().st_mode & 0o777
    assert mode == 0o600, "an item holds the data: %o" % mode
    r = k.run_batch("status", "--config", "", "--pg-connect-timeout", "2",
                    env=krj_env(own_pg))
    assert "outbox: %s: 2 pending" % (k.out / "outbox") in r.stdout
    assert "postgresql: unreachable" in r.stdout, r.stdout
    own_pg.server.start()
    r = run(k, own_pg)
    assert r.stderr.count("event=outbox_delivered") == 2, r.stderr
    assert items(k) == []
    runs = own_pg.query("SELECT run_id, signal_date::text AS d FROM "
                        "krj_run_files WHERE category = 'sp500' ORDER BY "
                        "run_id")
    assert [x["d"] for x in runs] == ["2025-12-12", "2026-01-09"], \
        "delivered in the order they were put"
    old = krjdata.Category(krjenv.DATA / SP500_OLD)
    new = krjdata.Category(krjenv.DATA / SP500_NEW)
    drc = krjdata.Category(krjenv.DATA / DRC)
    got = own_pg.query("SELECT category, signal_date::text AS d, count(*) "
                       "AS n FROM krj_rows GROUP BY 1, 2 ORDER BY 1, 2")
    assert got == [
        {"category": "drc", "d": "2026-01-09", "n": len(drc.rows)},
        {"category": "sp500", "d": "2025-12-12", "n": len(old.rows)},
        {"category": "sp500", "d": "2026-01-09", "n": len(new.rows)}], \
        "every row of both weeks, although the first week's file is no " \
        "longer published"
    # delivered once: the next run adds nothing
    run(k, own_pg)
    assert own_pg.count("krj_runs") == 2
    k.stop()


def test_redis_down_then_back(make_krj, pg, redis):
    r = krjenv.run_batch("migrate", "--config", "", env=krj_env(pg))
    assert r.returncode == 0
    k = make_krj(files=[DRC], publish=False, start=False)
    redis.stop()
    r = run(k, pg, redis, expect=4)
    assert "event=recorded" in r.stderr, "recorded: PostgreSQL is up"
    assert "event=redis_unreachable" in r.stderr
    assert "event=lock_unavailable" in r.stderr, \
        "the lock is not taken, the run goes on"
    assert len(items(k)) == 1
    redis.start()
    r = run(k, pg, redis)
    assert "event=recorded generation" in r.stderr and \
        "was already in PostgreSQL" in r.stderr, \
        "delivering again changes nothing in PostgreSQL"
    assert "event=announced" in r.stderr
    assert items(k) == []
    assert pg.count("krj_runs") == 1
    entries = redis.cli("XLEN", "krj:updates").strip()
    assert entries == "1", "announced once"


def test_status_shows_everything(make_krj, pg, redis):
    r = krjenv.run_batch("migrate", "--config", "", env=krj_env(pg))
    k = make_krj(files=[DRC], publish=False, start=False)
    run(k, pg, redis)
    r = k.run_batch("status", "--config", "", env=krj_env(pg, redis))
    assert r.returncode == 0, r.stderr
    gen = [ln.split()[1] for ln in r.stdout.splitlines()
           if ln.startswith("generation: ")][0]
    assert "outbox: %s: 0 pending" % (k.out / "outbox") in r.stdout
    assert "postgresql: reachable, schema version 1 (this krj-batch: 1)" \
        in r.stdout
    assert "last run: generation %s" % gen in r.stdout
    assert "lag: 0 s" in r.stdout
    assert "redis: reachable, stream krj:updates: 1 entries" in r.stdout
    r = k.run_batch("status", "--config", "", env=krj_env())
    assert "postgresql: not configured" in r.stdout
    assert "redis: not configured" in r.stdout


def test_damaged_item_is_set_aside(make_krj, pg):
    krjenv.run_batch("migrate", "--config", "", env=krj_env(pg))
    k = make_krj(files=[DRC], publish=False, start=False)
    box = k.out / "outbox"
    box.mkdir(parents=True)
    (box / "00000000000000000001-run.item").write_bytes(b"not json\n")
    good = json.dumps({"kind": "principal", "type": "key", "name": "gone",
                       "line": None})
    (box / "00000000000000000002-principal.item").write_text(good + "\n")
    r = run(k, pg)
    assert "event=outbox_bad" in r.stderr, r.stderr
    assert (box / "00000000000000000001-run.item.bad").exists()
    assert items(k) == [], "the items after it are delivered"
    assert pg.scalar("SELECT value FROM krj_state WHERE name = "
                     "'principals'") == 1
    assert pg.count("krj_runs") == 1


def test_no_servers_no_outbox(make_krj):
    k = make_krj(files=[DRC], publish=False, start=False)
    run(k)
    assert not (k.out / "outbox").exists(), \
        "without PostgreSQL and Redis nothing is kept"


def test_keys_pending_when_postgresql_is_down(tmp_path, own_pg):
    own_pg.server.stop()
    env = krj_env(own_pg, KRJ_OUTPUT_DIR=str(tmp_path / "out"))
    r = krjenv.run_batch("keys", "add", "ci", "--scopes", "*",
                         "--key-file", tmp_path / "keys", "--config", "",
                         "--pg-connect-timeout", "2", env=env)
    assert r.returncode == 4, r.stderr
    assert r.stdout.splitlines()[-1].startswith("krj_"), \
        "the key is made and shown"
    assert "not yet in PostgreSQL" in r.stderr
    assert (tmp_path / "keys").read_text().startswith("ci:sha256:")
    own_pg.server.start()
    r = krjenv.run_batch("keys", "revoke", "ci", "--key-file",
                         tmp_path / "keys", "--config", "", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("event=principal_recorded") == 2, \
        "the pending add, then the revoke, in order"
    assert own_pg.count("krj_principals") == 0
    assert own_pg.scalar("SELECT value FROM krj_state WHERE name = "
                         "'principals'") == 2


def test_postgresql_stopped_during_copy(make_krj, own_pg):
    import subprocess
    import time
    import test_pg_history
    k = make_krj(files=[DRC], publish=False, start=False)
    test_pg_history.big_week(
        k.data / "KRJ_signals_latest_week_Big_2026-01-09.csv", 200000)
    env = dict(__import__("os").environ)
    for n, v in krj_env(own_pg).items():
        if v is None:
            env.pop(n, None)
        else:
            env[n] = v
    env.update(KRJ_DATA_DIR=str(k.data), KRJ_OUTPUT_DIR=str(k.out))
    proc = subprocess.Popen([str(krjenv.BATCH), "run", "--config", ""],
                            env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    seen = False
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if own_pg.query("SELECT 1 AS x FROM pg_stat_activity WHERE "
                        "application_name = 'krj-batch' AND query LIKE "
                        "'COPY krj_rows%' AND state = 'active'"):
            seen = True
            own_pg.server.stop("immediate")
            break
        time.sleep(0.005)
    err = proc.communicate(timeout=60)[1]
    if not seen:
        pytest.fail("the run ended before its COPY was seen")
    assert proc.returncode == 4, err
    assert "event=record_failed" in err and "event=outbox_pending" in err
    assert (k.out / "latest_big.csv").exists(), "published all the same"
    assert len(items(k)) == 1
    own_pg.server.start()
    assert own_pg.count("krj_rows") == 0, "no partial week"
    r = run(k, own_pg)
    assert "event=outbox_delivered" in r.stderr
    assert own_pg.count("krj_rows") == 200000 + 20
    assert own_pg.count("krj_weeks") == 2 and own_pg.count("krj_runs") == 1


def test_json_log_carries_events(make_krj, pg):
    krjenv.run_batch("migrate", "--config", "", env=krj_env(pg))
    k = make_krj(files=[DRC], publish=False, start=False)
    r = k.run_batch("run", "--config", "", "--log-format", "json",
                    env=krj_env(pg))
    assert r.returncode == 0, r.stderr
    events = [json.loads(ln)["context"].get("event")
              for ln in r.stderr.splitlines()]
    assert events[-4:] == ["published", "published", "recorded",
                           "outbox_delivered"], events
    for ln in r.stderr.splitlines():
        assert "event=" not in json.loads(ln)["message"]
