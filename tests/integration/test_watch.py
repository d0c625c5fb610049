"""krj-batch watch: a run at start, then one per burst of changes in the
input directory once it has been quiet for --settle; SIGHUP re-reads the
configuration (a bad one is refused and the old one kept); SIGTERM
finishes the current run, a second one exits at once; systemd's notify
socket gets READY=1, WATCHDOG=1 and STOPPING=1."""

import signal
import time

import pytest

import krjenv
from krjservers import BatchDaemon, krj_env

DRC = "KRJ_signals_latest_week_DRC_2026-01-09.csv"
SP100 = "KRJ_signals_latest_week_SP100_2026-01-09.csv"
SP500 = "KRJ_signals_latest_week_SP500_2026-01-09.csv"
PUBLISHED = "event=published published "
VERSION = (krjenv.REPO / "VERSION").read_text().strip()


def watch(k, *args, env=None, **kw):
    return BatchDaemon(k.dir / "watch", ["watch", "--input", k.data,
                                         "--output", k.out] + list(args),
                       env or krj_env(), **kw)


def test_runs_at_start_and_on_new_files(make_krj):
    k = make_krj(files=[DRC], publish=False, start=False)
    d = watch(k, "--settle", "300ms", notify=True).start()
    try:
        d.wait_log(PUBLISHED)
        line = [ln for ln in d.text().splitlines() if "event=started" in ln]
        assert len(line) == 1 and "krj-batch %s watch up" % VERSION in line[0] \
            and "libpq" in line[0] and "hiredis" in line[0], \
            "one start-up line with the versions"
        assert any(m.startswith("READY=1") for m in d.read_notify(1)), \
            d.messages
        # a burst of changes is one run, after the quiet time
        k.add_file(SP100)
        time.sleep(0.1)
        k.add_file(SP500)
        d.wait_log(PUBLISHED, count=2)
        time.sleep(1)
        assert d.count(PUBLISHED) == 2, "one run for the burst"
        assert "published 3 categories" in d.text()
        # a file that is no signals file still triggers a run: unchanged
        k.add_file("notes.txt", b"x\n")
        d.wait_log("event=unchanged")
    finally:
        rc = d.stop()
    assert rc == 0, d.text()
    assert "event=stopped" in d.text()
    assert any(m.startswith("STOPPING=1") for m in d.read_notify(0.5))


def test_watchdog(make_krj):
    k = make_krj(files=[DRC], publish=False, start=False)
    d = watch(k, notify=True, watchdog_usec=400000).start()
    try:
        d.wait_log(PUBLISHED)
        time.sleep(1.2)
        pings = [m for m in d.read_notify(0.2) if m == "WATCHDOG=1"]
        assert len(pings) >= 3, "a ping every half WatchdogSec: %s" % \
            d.messages
        assert "watchdog on" in d.text()
    finally:
        d.stop()


def test_sighup_reloads_or_keeps(make_krj):
    k = make_krj(files=[DRC], publish=False, start=False)
    conf = k.dir / "krj-batch.conf"
    conf.write_text("settle = 200ms\n")
    d = BatchDaemon(k.dir / "watch", ["watch", "--input", k.data,
                                      "--output", k.out],
                    krj_env(), notify=True)
    d.args += ["--config", str(conf)]
    d.start()
    try:
        d.wait_log(PUBLISHED)
        conf.write_text("settle = 200ms\nlog-level = debug\n")
        d.signal(signal.SIGHUP)
        d.wait_log("event=reloaded")
        k.add_file(SP100)
        d.wait_log("event=changed")
        d.wait_log(PUBLISHED, count=2)
        assert "krj-batch debug:" in d.text(), "the new log level applies"
        # a bad file: refused, the configuration in force kept
        conf.write_text("settle = 200ms\nsettle-typo = 1\n")
        d.signal(signal.SIGHUP)
        d.wait_log("event=reload_failed")
        assert "%s:2: unknown option \"settle-typo\"" % conf in d.text()
        # an option a reload may not change (--output on the command line
        # wins over the file: that one does not change)
        conf.write_text("settle = 200ms\noutput = /nonexistent\n")
        d.signal(signal.SIGHUP)
        d.wait_log("event=reloaded", count=2)
        conf.write_text("settle = 200ms\noutbox = %s/elsewhere\n" % k.dir)
        d.signal(signal.SIGHUP)
        d.wait_log("event=reload_failed", count=2)
        assert "outbox cannot change without a restart" in d.text()
        k.add_file(SP500)
        d.wait_log(PUBLISHED, count=3)
        assert (k.out / "latest_sp500.csv").exists()
        assert d.proc.poll() is None, "alive through bad reloads"
        assert sum(1 for m in d.read_notify(0.3)
                   if m.startswith("RELOADING=1")) == 4
    finally:
        assert d.stop() == 0


def _big_week(k, rows=200000):
    import test_pg_history
    test_pg_history.big_week(
        k.data / "KRJ_signals_latest_week_Big_2026-01-09.csv", rows)


def _in_copy(db, d, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline and d.proc.poll() is None:
        if db.query("SELECT 1 AS x FROM pg_stat_activity WHERE "
                    "application_name = 'krj-batch' AND query LIKE "
                    "'COPY krj_rows%' AND state = 'active'"):
            return True
        time.sleep(0.005)
    return False


def _migrate(db):
    r = krjenv.run_batch("migrate", "--config", "", env=krj_env(db))
    assert r.returncode == 0, r.stderr


def test_sigterm_finishes_the_run(make_krj, pg):
    _migrate(pg)
    k = make_krj(files=[], publish=False, start=False)
    _big_week(k)
    d = watch(k, env=krj_env(pg)).start()
    try:
        if not _in_copy(pg, d):
            pytest.fail("the run ended before its COPY was seen")
        d.signal(signal.SIGTERM)
        rc = d.proc.wait(timeout=60)
    finally:
        d.stop()
    assert rc == 0
    assert pg.count("krj_rows") == 200000, "the current run was finished"
    assert not list((k.out / "outbox").glob("*.item"))


def test_second_sigterm_exits_at_once(make_krj, pg):
    _migrate(pg)
    k = make_krj(files=[], publish=False, start=False)
    _big_week(k)
    d = watch(k, env=krj_env(pg)).start()
    try:
        if not _in_copy(pg, d):
            pytest.fail("the run ended before its COPY was seen")
        d.signal(signal.SIGTERM)
        # two at once would be one: a signal pending is not queued twice
        time.sleep(0.2)
        t0 = time.time()
        d.signal(signal.SIGTERM)
        rc = d.proc.wait(timeout=60)
        took = time.time() - t0
    finally:
        d.stop()
    assert rc == 0 and took < 1.0, "exit %s after %.2f s" % (rc, took)
    deadline = time.time() + 30
    while time.time() < deadline and pg.query(
            "SELECT 1 AS x FROM pg_stat_activity WHERE application_name = "
            "'krj-batch'"):
        time.sleep(0.05)
    assert pg.count("krj_rows") == 0, "the run was left, rolled back"
    assert len(list((k.out / "outbox").glob("*.item"))) == 1, \
        "and its item waits for the next run"


def test_missing_input_directory(tmp_path):
    r = krjenv.run_batch("watch", "--config", "", "--input",
                         tmp_path / "nope", "--output", tmp_path / "out",
                         env=krj_env(), timeout=30)
    assert r.returncode == 3, r.stderr
    assert "cannot watch the input directory" in r.stderr
