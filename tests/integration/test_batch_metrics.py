"""krj-batch's metrics: --metrics-file after a good run, a run with a
rejected file, a run that publishes nothing, with PostgreSQL down and with
Redis down; watch and follow write it after every run and change, a
follower's lag moves while it cannot publish and while PostgreSQL cannot
be asked; a file that cannot be written is a warning, never a failed run.
--metrics-listen answers GET /metrics with the same text, refuses other
paths, methods and garbage, and is not held up by slow, silent, huge or
vanishing clients; a bad address is refused at start.  promtool check
metrics passes on every file and every scrape."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from prometheus_client.parser import text_string_to_metric_families

import krjdata
import krjenv
import krjservers
from krjservers import BatchDaemon, krj_env

P = "KRJ_signals_latest_week_"
DRC = P + "DRC_2026-01-09.csv"
SP500 = P + "SP500_2026-01-09.csv"
SP100 = P + "SP100_2026-01-09.csv"
BAD = P + "Broken_2026-01-09.csv"
VERSION = (krjenv.REPO / "VERSION").read_text().strip()

GAUGES = ("info", "last_run_start_timestamp_seconds",
          "last_run_end_timestamp_seconds", "last_run_success",
          "last_success_timestamp_seconds", "files_accepted",
          "files_rejected", "rows_published", "warnings", "outbox_depth",
          "postgresql_up", "redis_up", "follow_lag_seconds")


def promtool(text):
    r = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                       capture_output=True, timeout=30)
    assert r.returncode == 0, "promtool check metrics:\n%s%s\n---\n%s" % (
        r.stdout.decode(), r.stderr.decode(), text)


def parse(text, command):
    """{name without krj_batch_: value} of one command's samples, after
    promtool and the text format's own rules: HELP and TYPE gauge before
    each family, every sample labelled with the command."""
    promtool(text)
    out = {}
    for fam in text_string_to_metric_families(text):
        assert fam.name.startswith("krj_batch_"), fam.name
        assert fam.type == "gauge", fam
        assert fam.documentation, "HELP of %s" % fam.name
        (s,) = fam.samples
        assert s.labels["command"] == command, s
        name = fam.name[len("krj_batch_"):]
        assert name in GAUGES, name
        if name == "info":
            assert s.labels == {"command": command, "version": VERSION}, s
        else:
            assert s.labels == {"command": command}, s
        out[name] = s.value
    assert out["info"] == 1
    return out


def read(path, command="run"):
    return parse(path.read_text(), command)


def rows(data, *names):
    return sum(len(krjdata.Category(data / n).rows) for n in names)


def warnings(stderr):
    return len(re.findall(r"^\S+ krj-batch warning: ", stderr, re.M))


def run(k, prom, *args, env=None, expect=0):
    t0 = time.time()
    r = k.run_batch("run", "--config", "", "--metrics-file", prom, *args,
                    env=env or krj_env())
    assert r.returncode == expect, "exit %d, expected %d:\n%s" % (
        r.returncode, expect, r.stderr)
    return t0, time.time(), r


def no_temp_files(d):
    return [p.name for p in d.iterdir() if p.name.startswith(".")] == []


def test_after_a_good_run(make_krj, tmp_path):
    k = make_krj(files=[DRC, SP500], publish=False, start=False)
    prom = tmp_path / "textfile" / "krj-batch-run.prom"
    prom.parent.mkdir()
    t0, t1, r = run(k, prom)
    m = read(prom)
    assert t0 - 0.01 <= m["last_run_start_timestamp_seconds"] \
        <= m["last_run_end_timestamp_seconds"] <= t1 + 0.01, (t0, m, t1)
    assert m["last_run_success"] == 1
    assert m["last_success_timestamp_seconds"] == \
        m["last_run_end_timestamp_seconds"]
    assert m["files_accepted"] == 2 and m["files_rejected"] == 0
    assert m["rows_published"] == rows(k.data, DRC, SP500)
    assert m["warnings"] == warnings(r.stderr)
    assert m["outbox_depth"] == 0
    assert "postgresql_up" not in m and "redis_up" not in m, \
        "absent when not configured"
    assert "follow_lag_seconds" not in m, "follow only"
    assert oct(prom.stat().st_mode & 0o777) == "0o644", \
        "node_exporter reads it"
    assert no_temp_files(prom.parent), "the temporary file is renamed"
    # unchanged: a success, the same rows
    _, _, r = run(k, prom)
    assert "event=unchanged" in r.stderr
    m2 = read(prom)
    assert m2["last_run_success"] == 1 and m2["rows_published"] == \
        m["rows_published"]
    assert m2["last_run_end_timestamp_seconds"] > \
        m["last_run_end_timestamp_seconds"]


def test_after_a_rejected_file(make_krj, tmp_path):
    k = make_krj(files=[DRC, SP500], publish=False, start=False)
    k.add_file(BAD, b"ticker,signal\nA,Long\nB\n")
    prom = tmp_path / "krj-batch-run.prom"
    _, _, r = run(k, prom, expect=2)
    m = read(prom)
    assert m["last_run_success"] == 1, "published all the same"
    assert m["files_accepted"] == 2 and m["files_rejected"] == 1
    assert m["rows_published"] == rows(k.data, DRC, SP500)
    assert m["warnings"] == warnings(r.stderr) >= 1, "left_out is a warning"


def test_a_failed_run_keeps_the_last_success(make_krj, tmp_path):
    k = make_krj(files=[DRC], publish=False, start=False)
    prom = tmp_path / "krj-batch-run.prom"
    run(k, prom)
    good = read(prom)
    (k.data / DRC).unlink()
    k.add_file(BAD, b"\xff\n")
    t0, t1, _ = run(k, prom, expect=3)
    m = read(prom)
    assert m["last_run_success"] == 0, "nothing published: exit 3"
    assert t0 - 0.01 <= m["last_run_end_timestamp_seconds"] <= t1 + 0.01
    assert m["last_success_timestamp_seconds"] == \
        good["last_success_timestamp_seconds"], \
        "read back from the previous file"
    assert m["files_accepted"] == 0 and m["files_rejected"] == 1
    assert m["rows_published"] == 0
    r = k.run_batch("run", "--config", "", "--metrics-file", prom,
                    "--input", tmp_path / "none")
    assert r.returncode == 1
    m = read(prom)
    assert m["last_run_success"] == 0 and m["files_accepted"] == 0
    assert m["last_success_timestamp_seconds"] == \
        good["last_success_timestamp_seconds"]
    # another command's file says nothing of this one's last success
    other = prom.read_text().replace('command="run"', 'command="watch"')
    prom.write_text(other)
    run(k, prom, "--input", tmp_path / "none", expect=1)
    assert "last_success_timestamp_seconds" not in read(prom)


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


def test_postgresql_down_then_back(make_krj, tmp_path, own_pg):
    k = make_krj(files=[DRC], publish=False, start=False)
    prom = tmp_path / "krj-batch-run.prom"
    own_pg.server.stop()
    _, _, r = run(k, prom, "--pg-connect-timeout", "2",
                  env=krj_env(own_pg), expect=4)
    m = read(prom)
    assert m["postgresql_up"] == 0 and "redis_up" not in m
    assert m["outbox_depth"] == 1, "the run waits in the outbox"
    assert m["last_run_success"] == 1, "exit 4 published"
    assert m["warnings"] == warnings(r.stderr) >= 2, \
        "pg_unreachable and outbox_pending"
    own_pg.server.start()
    run(k, prom, env=krj_env(own_pg))
    m = read(prom)
    assert m["postgresql_up"] == 1 and m["outbox_depth"] == 0


def test_redis_down(make_krj, tmp_path, redis):
    k = make_krj(files=[DRC], publish=False, start=False)
    prom = tmp_path / "krj-batch-run.prom"
    redis.stop()
    run(k, prom, "--redis-timeout", "500ms", env=krj_env(None, redis),
        expect=4)
    m = read(prom)
    assert m["redis_up"] == 0 and "postgresql_up" not in m
    assert m["outbox_depth"] == 1
    redis.start()
    run(k, prom, env=krj_env(None, redis))
    m = read(prom)
    assert m["redis_up"] == 1 and m["outbox_depth"] == 0


def test_write_failure_is_a_warning(make_krj, tmp_path):
    k = make_krj(files=[DRC], publish=False, start=False)
    prom = tmp_path / "missing" / "krj-batch-run.prom"
    _, _, r = run(k, prom)
    assert re.search(r"krj-batch warning: event=metrics_failed %s: cannot "
                     r"write the metrics: " % re.escape(str(prom)),
                     r.stderr), r.stderr
    assert k.snapshot.exists(), "the run is not failed by it"


def test_environment_and_configuration_file(make_krj, tmp_path):
    k = make_krj(files=[DRC], publish=False, start=False)
    env_prom = tmp_path / "env.prom"
    r = k.run_batch("run", "--config", "", env=krj_env(
        KRJ_METRICS_FILE=str(env_prom)))
    assert r.returncode == 0, r.stderr
    assert read(env_prom)["last_run_success"] == 1
    conf = tmp_path / "krj-batch.conf"
    file_prom = tmp_path / "file.prom"
    conf.write_text("metrics-file = %s\n" % file_prom)
    r = k.run_batch("run", "--config", conf, env=krj_env())
    assert r.returncode == 0, r.stderr
    assert read(file_prom)["last_run_success"] == 1
    for cmd in (["run"], ["watch"], ["follow"]):
        h = krjenv.run_batch(*cmd, "--help").stdout
        assert "--metrics-file PATH" in h and "KRJ_METRICS_FILE" in h, cmd
    r = krjenv.run_batch("status", "--metrics-file", file_prom)
    assert r.returncode == 1 and "not an option" in r.stderr


def wait_for(fn, timeout=20, what=""):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


def when(prom, command, cond):
    """the samples once cond(samples) holds"""
    def check():
        try:
            m = read(prom, command)
        except (OSError, AssertionError, KeyError):
            return None
        return m if cond(m) else None
    return check


def test_watch_writes_after_every_run(make_krj, tmp_path):
    k = make_krj(files=[DRC], publish=False, start=False)
    prom = tmp_path / "krj-batch-watch.prom"
    d = BatchDaemon(k.dir / "watch", [
        "watch", "--input", k.data, "--output", k.out, "--settle", "200ms",
        "--metrics-file", prom], krj_env()).start()
    try:
        m = wait_for(when(prom, "watch", lambda m: "files_accepted" in m),
                     what="the first run")
        assert m["files_accepted"] == 1 and m["last_run_success"] == 1
        assert m["rows_published"] == rows(k.data, DRC)
        k.add_file(SP500)
        m2 = wait_for(when(prom, "watch",
                           lambda m: m.get("files_accepted") == 2),
                      what="the second run")
        assert m2["rows_published"] == rows(k.data, DRC, SP500)
        assert m2["last_run_start_timestamp_seconds"] > \
            m["last_run_end_timestamp_seconds"]
        k.add_file(BAD, b"\x00")
        m3 = wait_for(when(prom, "watch",
                           lambda m: m.get("files_rejected") == 1),
                      what="the rejected file")
        assert m3["last_run_success"] == 1
    finally:
        assert d.stop() == 0, d.text()
    assert no_temp_files(tmp_path)


class Follower:
    """A database with a run recorded from DRC, and krj-batch follow on
    its own output directory writing its metrics."""

    def __init__(self, tmp, db, redis=None, poll="300ms"):
        self.tmp, self.db, self.redis = tmp, db, redis
        self.data = tmp / "data"
        self.data.mkdir()
        shutil.copy(krjenv.DATA / DRC, self.data)
        self.src = tmp / "src"
        self.out = tmp / "follower"
        self.prom = tmp / "krj-batch-follow.prom"
        r = krjenv.run_batch("migrate", "--config", "", env=krj_env(db))
        assert r.returncode == 0, r.stderr
        self.ingest()
        self.d = BatchDaemon(tmp / "follow", [
            "follow", "--output", self.out, "--key-file", tmp / "keys",
            "--user-file", tmp / "users", "--poll", poll,
            "--pg-connect-timeout", "1", "--redis-timeout", "1s",
            "--metrics-file", self.prom], krj_env(db, redis))

    def ingest(self, *files):
        for f in files:
            shutil.copy(krjenv.DATA / f, self.data)
        r = krjenv.run_batch("run", "--config", "", input=self.data,
                             output=self.src, env=krj_env(self.db,
                                                          self.redis))
        assert r.returncode == 0, r.stderr

    def metrics(self, cond=lambda m: True, what="", timeout=20):
        return wait_for(when(self.prom, "follow", cond), timeout=timeout,
                        what=what)


def test_follow_writes_and_its_lag_moves(tmp_path, pg):
    f = Follower(tmp_path, pg)
    f.d.start()
    try:
        m = f.metrics(lambda m: m.get("files_accepted") == 1,
                      what="the first catch-up")
        assert m["follow_lag_seconds"] == 0 and m["last_run_success"] == 1
        assert m["postgresql_up"] == 1 and "redis_up" not in m
        assert m["rows_published"] == rows(f.data, DRC)
        # a revision this node cannot publish: its lag grows with its age
        (f.out / "krj.snapshot").unlink()
        (f.out / "krj.snapshot").mkdir()
        (f.out / "krj.snapshot" / "x").write_text("x")
        f.ingest(SP500)
        m1 = f.metrics(lambda m: m["follow_lag_seconds"] > 0,
                       what="a lag")
        assert m1["last_run_success"] == 0, "not caught up"
        time.sleep(1.2)
        m2 = f.metrics(lambda m: m["follow_lag_seconds"] >
                       m1["follow_lag_seconds"] + 0.5, what="the lag grows")
        recorded = pg.scalar("SELECT extract(epoch FROM max(recorded_at))"
                             "::float8 AS t FROM krj_runs")
        # the age of the revision it lacks (recorded_at rounded to seconds)
        age = m2["last_run_end_timestamp_seconds"] - recorded
        assert age - 0.6 <= m2["follow_lag_seconds"] <= age + 0.6, \
            (m2, recorded)
        (f.out / "krj.snapshot" / "x").unlink()
        (f.out / "krj.snapshot").rmdir()
        m3 = f.metrics(lambda m: m["follow_lag_seconds"] == 0
                       and m["files_accepted"] == 2, what="caught up")
        assert m3["last_run_success"] == 1
        assert m3["rows_published"] == rows(f.data, DRC, SP500)
    finally:
        assert f.d.stop() == 0, f.d.text()


def test_follow_lag_while_postgresql_is_down(tmp_path, own_pg):
    f = Follower(tmp_path, own_pg)
    f.d.start()
    try:
        f.metrics(lambda m: m.get("last_run_success") == 1,
                  what="the first catch-up")
        own_pg.server.stop()
        m1 = f.metrics(lambda m: m["postgresql_up"] == 0,
                       what="PostgreSQL down")
        assert m1["last_run_success"] == 0
        m2 = f.metrics(lambda m: m["follow_lag_seconds"] >= 2,
                       what="the lag since it was last current")
        assert m2["postgresql_up"] == 0
        own_pg.server.start()
        m3 = f.metrics(lambda m: m["postgresql_up"] == 1
                       and m["follow_lag_seconds"] == 0, timeout=60,
                       what="PostgreSQL back")
        assert m3["last_run_success"] == 1
    finally:
        assert f.d.stop() == 0, f.d.text()


# --metrics-listen


def exchange(port, data, timeout=10, close_write=False):
    """Sends data, reads until the server closes: (status line, headers,
    body, seconds until closed)."""
    t0 = time.time()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        if data:
            s.sendall(data)
        if close_write:
            s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    took = time.time() - t0
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(ln.split(": ", 1) for ln in lines[1:] if ": " in ln)
    return lines[0], {k.lower(): v for k, v in headers.items()}, body, took


def scrape(port, command):
    status, h, body, _ = exchange(port, b"GET /metrics HTTP/1.1\r\n"
                                  b"Host: 127.0.0.1\r\n\r\n")
    assert status == "HTTP/1.1 200 OK", status
    assert h["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert h["content-length"] == str(len(body))
    assert h["connection"] == "close" and h["cache-control"] == "no-store"
    return parse(body.decode(), command)


@pytest.fixture
def watching(make_krj, tmp_path):
    k = make_krj(files=[DRC], publish=False, start=False)
    port = krjenv.free_port()
    prom = tmp_path / "krj-batch-watch.prom"
    d = BatchDaemon(k.dir / "watch", [
        "watch", "--input", k.data, "--output", k.out, "--settle", "200ms",
        "--metrics-file", prom, "--metrics-listen", "127.0.0.1:%d" % port],
        krj_env()).start()
    d.wait_log("event=metrics_listening metrics on http://127.0.0.1:%d/"
               "metrics" % port)
    wait_for(when(prom, "watch", lambda m: "files_accepted" in m),
             what="the first run")
    yield k, d, port, prom
    assert d.stop() == 0, d.text()
    assert d.proc.returncode == 0


def test_watch_serves_what_it_writes(watching):
    k, d, port, prom = watching
    m = scrape(port, "watch")
    assert m == read(prom, "watch"), "the same text as the textfile"
    assert m["files_accepted"] == 1
    k.add_file(SP500)
    wait_for(lambda: scrape(port, "watch")["files_accepted"] == 2,
             what="the scrape follows the run")
    status, h, body, _ = exchange(port, b"HEAD /metrics HTTP/1.1\r\n\r\n")
    assert status == "HTTP/1.1 200 OK" and body == b"", "HEAD: no body"
    assert int(h["content-length"]) > 0
    for req in (b"GET /metrics?name[]=x HTTP/1.1\r\n\r\n",
                b"GET /metrics HTTP/1.0\n\n"):
        status, _, body, _ = exchange(port, req)
        assert status == "HTTP/1.1 200 OK", req
        promtool(body.decode())


@pytest.mark.parametrize("req,status", [
    (b"GET / HTTP/1.1\r\n\r\n", "404 Not Found"),
    (b"GET /metricsx HTTP/1.1\r\n\r\n", "404 Not Found"),
    (b"GET /metrics/ HTTP/1.1\r\n\r\n", "404 Not Found"),
    (b"GET /health HTTP/1.1\r\n\r\n", "404 Not Found"),
    (b"POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nab",
     "405 Method Not Allowed"),
    (b"DELETE /x HTTP/1.1\r\n\r\n", "405 Method Not Allowed"),
    (b"get /metrics HTTP/1.1\r\n\r\n", "400 Bad Request"),
    (b"GET /metrics HTTP/2.0\r\n\r\n", "400 Bad Request"),
    (b"GET metrics HTTP/1.1\r\n\r\n", "400 Bad Request"),
    (b"GET /metrics\r\n\r\n", "400 Bad Request"),
    (b"hello\r\n\r\n", "400 Bad Request"),
    (b"\r\n\r\n", "400 Bad Request"),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n", "400 Bad Request"),
    (b"GET /" + b"a" * 9000, "414 URI Too Long"),
    (b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000,
     "431 Request Header Fields Too Large"),
])
def test_other_requests(watching, req, status):
    _, d, port, _ = watching
    line, h, body, _ = exchange(port, req)
    assert line == "HTTP/1.1 " + status, (req[:40], line)
    assert body.decode() == status + "\n"
    assert h["connection"] == "close"
    if status.startswith("405"):
        assert h["allow"] == "GET, HEAD"
    scrape(port, "watch")


def test_hostile_clients(watching):
    k, d, port, prom = watching
    # a client that says nothing is told 408 after 5 s, and closed
    line, _, _, took = exchange(port, b"", timeout=15)
    assert line == "HTTP/1.1 408 Request Timeout" and 4.5 < took < 7, \
        (line, took)
    # slowloris: more slow clients than connections, trickling headers
    slow = []
    for _ in range(40):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /metrics HTTP/1.1\r\nX-")
        slow.append(s)
    try:
        for _ in range(4):
            t0 = time.time()
            m = scrape(port, "watch")
            assert time.time() - t0 < 1, "a scrape is not crowded out"
            for s in slow:
                try:
                    s.sendall(b"a")
                except OSError:
                    pass
            time.sleep(0.3)
        # the daemon goes on with its work meanwhile
        k.add_file(SP100)
        wait_for(lambda: scrape(port, "watch")["files_accepted"] == 2,
                 what="a run during the attack")
    finally:
        for s in slow:
            s.close()
    # half a request, then gone; and a burst of connections closed at once
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET /metr")
    for _ in range(200):
        socket.create_connection(("127.0.0.1", port)).close()
    m = scrape(port, "watch")
    assert m["files_accepted"] == 2 and m["last_run_success"] == 1
    assert d.proc.poll() is None, "still up"


def test_follow_serves_its_lag(tmp_path, pg):
    f = Follower(tmp_path, pg)
    port = krjenv.free_port()
    f.d.args += ["--metrics-listen", str(port)]
    f.d.start()
    try:
        f.d.wait_log("metrics on http://127.0.0.1:%d/metrics" % port)
        f.metrics(lambda m: m.get("last_run_success") == 1,
                  what="the first catch-up")
        m = scrape(port, "follow")
        assert m["follow_lag_seconds"] == 0 and m["postgresql_up"] == 1
        (f.out / "krj.snapshot").unlink()
        (f.out / "krj.snapshot").mkdir()
        (f.out / "krj.snapshot" / "x").write_text("x")
        f.ingest(SP500)
        first = wait_for(lambda: scrape(port, "follow")[
            "follow_lag_seconds"], what="a lag")
        time.sleep(1.5)
        assert scrape(port, "follow")["follow_lag_seconds"] > first + 0.5, \
            "the lag moves between two scrapes"
        (f.out / "krj.snapshot" / "x").unlink()
        (f.out / "krj.snapshot").rmdir()
        wait_for(lambda: scrape(port, "follow")["follow_lag_seconds"] == 0,
                 what="caught up")
    finally:
        assert f.d.stop() == 0, f.d.text()


@pytest.mark.parametrize("value", [
    "abc", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x",
    "example.com:9480", "1.2.3.4.5:9480", "[::1:9480", "::1:9480", "",
    ":", "127.0.0.1:123456"])
def test_bad_listen_address(tmp_path, value):
    r = krjenv.run_batch("watch", "--config", "", "--input", tmp_path,
                         "--metrics-listen", value)
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("krj-batch: --metrics-listen is ADDRESS:PORT"), \
        r.stderr
    assert "event=started" not in r.stderr, "refused before it starts"


def test_listen_refusals(tmp_path, make_krj):
    conf = tmp_path / "krj-batch.conf"
    conf.write_text("metrics-listen = 127.0.0.1:99999\n")
    r = krjenv.run_batch("follow", "--config", conf)
    assert r.returncode == 1
    assert "%s:1: metrics-listen is ADDRESS:PORT" % conf in r.stderr, r.stderr
    r = krjenv.run_batch("run", "--config", "", "--metrics-listen", "9480")
    assert r.returncode == 1 and "--metrics-listen is not an option of " \
        "\"krj-batch run\"" in r.stderr, r.stderr
    # taken, or not an address of this machine: the daemon does not start
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        for addr in ("127.0.0.1:%d" % busy.getsockname()[1],
                     "192.0.2.1:9480"):
            r = krjenv.run_batch("watch", "--config", "", "--input",
                                 tmp_path, "--output", tmp_path / "out",
                                 "--metrics-listen", addr, timeout=30)
            assert r.returncode == 3, r.stderr
            assert re.search(r"krj-batch error: event=metrics_listen_failed "
                             r"--metrics-listen %s: cannot listen: "
                             % re.escape(addr), r.stderr), r.stderr
    r = krjenv.run_batch("watch", "--help")
    assert "--metrics-listen ADDRESS:PORT" in r.stdout


def test_a_reload_keeps_the_address(make_krj, tmp_path):
    k = make_krj(files=[DRC], publish=False, start=False)
    port = krjenv.free_port()
    conf = tmp_path / "krj-batch.conf"
    conf.write_text("metrics-listen = 127.0.0.1:%d\n" % port)
    d = BatchDaemon(k.dir / "watch", [
        "watch", "--input", k.data, "--output", k.out, "--config", conf],
        krj_env()).start()
    try:
        d.wait_log("event=metrics_listening")
        conf.write_text("metrics-listen = 127.0.0.1:%d\n" % (port + 1))
        d.signal(signal.SIGHUP)
        d.wait_log("event=reload_failed")
        assert "metrics-listen cannot change without a restart" in d.text()
        scrape(port, "watch")
    finally:
        assert d.stop() == 0, d.text()
