"""Three nodes on one machine: nginx with the module on A, B and C (each
its own snapshot directory and port), krj-batch run on A, krj-batch
follow on B and C, one PostgreSQL and one Redis.  After an ingest on A all
three serve the same generation (identical ETags) within 2 s with Redis up
and within one poll without it, also after Redis restarted with an empty
stream; a key revoked on A is refused by B and C; no request fails on any
node meanwhile."""

import datetime
import json
import subprocess
import threading
import time

import pytest

import krjenv
from krjenv import Krj
from krjservers import BatchDaemon, krj_env

WEEK1 = ["KRJ_signals_latest_week_SP500_2025-12-12.csv",
         "KRJ_signals_latest_week_DRC_2026-01-09.csv"]
WEEK2 = "KRJ_signals_latest_week_SP500_2026-01-09.csv"
SP100 = "KRJ_signals_latest_week_SP100_2026-01-09.csv"
EQUITIES = "KRJ_signals_latest_week_Equities_2026-01-09.csv"

AUTH_LOCATIONS = """
        location /api/v1/ {
            krj_auth key;
            # waiting for a key to arrive is no attack
            krj_auth_fail_limit rate=100000r/s burst=100000;
            krj_api;
        }
        location = /health { krj_status health; }
        location = /ready  { krj_status ready; }
"""


class Cluster:
    def __init__(self, tmp, db, redis, poll="60s"):
        self.db, self.redis, self.poll = db, redis, poll
        self.nodes = {}
        for name in "ABC":
            d = tmp.mktemp("node" + name)
            (d / "auth").mkdir()
            keys, users = d / "auth" / "api-keys", d / "auth" / "users"
            keys.write_text("")
            users.write_text("")
            n = Krj(d, files=WEEK1 if name == "A" else [],
                    locations=AUTH_LOCATIONS,
                    http_extra="    krj_key_file %s;\n    krj_user_file %s;"
                    % (keys, users))
            n.keys, n.users = keys, users
            n.allow_log = []
            self.nodes[name] = n
        self.a = self.nodes["A"]
        self.followers = {}

    def env(self, redis=True):
        return krj_env(self.db, self.redis if redis else None,
                       KRJ_OUTPUT_DIR=str(self.a.out),
                       KRJ_KEY_FILE=str(self.a.keys),
                       KRJ_USER_FILE=str(self.a.users))

    def start(self):
        r = krjenv.run_batch("migrate", "--config", "", env=self.env())
        assert r.returncode == 0, r.stderr
        for n in self.nodes.values():
            n.start()
        for name in "BC":
            self.start_follower(name)

    def start_follower(self, name):
        n = self.nodes[name]
        f = BatchDaemon(n.dir / "follow", [
            "follow", "--output", n.out, "--key-file", n.keys,
            "--user-file", n.users, "--poll", self.poll,
            "--pg-connect-timeout", "2", "--redis-timeout", "1s"],
            krj_env(self.db, self.redis))
        f.start()
        f.wait_log("event=started")
        self.followers[name] = f
        return f

    def run(self, expect=0, redis=True):
        r = self.a.run_batch("run", "--config", "", "--redis-timeout", "1s",
                             env=self.env(redis))
        assert r.returncode == expect, "run on A exited %d:\n%s" % (
            r.returncode, r.stderr)
        return r

    def key(self, name):
        r = krjenv.run_batch("keys", "add", name, "--scopes", "*",
                             "--config", "", env=self.env())
        assert r.returncode == 0, r.stderr
        assert "; on the followers once they have synced (krj:updates)" \
            in r.stdout, r.stdout
        key = r.stdout.splitlines()[-1]
        # every node's nginx takes it within krj_reload_interval (1 s)
        h = {"Authorization": "Bearer " + key}
        deadline = time.time() + 4
        while time.time() < deadline and any(
                n.get("/api/v1/summary", headers=h).status == 401
                for n in self.nodes.values()):
            time.sleep(0.05)
        for name, n in self.nodes.items():
            assert n.get("/api/v1/summary", headers=h).status != 401, \
                "%s accepts the key made on A" % name
        return key

    def etags(self, key):
        out = {}
        for name, n in self.nodes.items():
            r = n.get("/api/v1/categories",
                      headers={"Authorization": "Bearer " + key})
            out[name] = (r.status, r.headers.get("etag"))
        return out

    def ingest(self, key, expect=0, redis=True):
        """A run on A; the time (s) from its start until A, B and C all
        serve its generation, and its stderr."""
        before = self.etags(key)["A"]
        t0 = time.time()
        r = self.run(expect=expect, redis=redis)
        return t0, before, r

    def wait_same(self, key, timeout, t0, before):
        """Seconds from t0 until A serves a new generation and B and C
        answer A's ETag."""
        while time.time() - t0 < timeout:
            e = self.etags(key)
            if e["A"][0] == 200 and e["A"] != before \
                    and e["B"] == e["A"] and e["C"] == e["A"]:
                return time.time() - t0
            time.sleep(0.02)
        raise AssertionError("not the same generation after %s s: %s\n"
                             "B: %s\nC: %s" % (
                                 timeout, self.etags(key),
                                 self.followers["B"].text()[-2000:],
                                 self.followers["C"].text()[-2000:]))

    def converge(self, key, timeout, expect=0, redis=True):
        t0, before, r = self.ingest(key, expect=expect, redis=redis)
        return self.wait_same(key, timeout, t0, before), r

    def stop(self):
        for f in self.followers.values():
            assert f.stop() == 0, "follow exits 0 on SIGTERM:\n" + f.text()
        errors = []
        for n in self.nodes.values():
            n.stop()
            try:
                n.nginx.check_log()
            except AssertionError as e:
                errors.append(str(e))
        assert not errors, "\n".join(errors)


@pytest.fixture
def cluster(tmp_path_factory, pg, redis):
    c = Cluster(tmp_path_factory, pg, redis)
    yield c
    c.stop()


@pytest.fixture
def polling_cluster(tmp_path_factory, pg, redis):
    c = Cluster(tmp_path_factory, pg, redis, poll="2s")
    yield c
    c.stop()


class Load:
    """Requests to every node in a loop until stopped; any answer but a
    200 is a failure."""

    def __init__(self, cluster, key):
        self.cluster, self.key = cluster, key
        self.failures, self.count = [], 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        h = {"Authorization": "Bearer " + self.key}
        while not self.done.is_set():
            for name, n in self.cluster.nodes.items():
                for path in ("/api/v1/signals/sp500", "/api/v1/summary"):
                    try:
                        r = n.get(path, headers=h)
                        ok = r.status == 200 and json.loads(r.body)
                    except Exception as e:      # noqa: BLE001
                        ok, r = False, e
                    self.count += 1
                    if not ok:
                        self.failures.append((name, path, repr(r)[:200]))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(30)


def test_three_nodes_follow_an_ingest(cluster):
    c = cluster
    c.start()
    key = c.key("load")
    took1, _ = c.converge(key, 2)
    for name in "BC":
        assert (c.nodes[name].out / "krj.snapshot").read_bytes() == \
            c.a.snapshot.read_bytes(), "%s: byte-identical snapshot" % name
    with Load(c, key) as load:
        c.a.add_file(WEEK2)
        took2, _ = c.converge(key, 2)
        time.sleep(0.3)
    assert load.count > 0 and not load.failures, load.failures[:5]
    e = c.etags(key)
    assert e["A"] == e["B"] == e["C"] and e["A"][1], \
        "identical ETags behind a load balancer: %s" % e
    for name in "BC":
        assert (c.nodes[name].out / "krj.snapshot").read_bytes() == \
            c.a.snapshot.read_bytes(), "%s: byte-identical snapshot, its " \
            "history from PostgreSQL as A's" % name
    for path in ("/api/v1/signals/sp500.csv", "/api/v1/tickers/AAPL",
                 "/api/v1/signals/sp500?signal=Long",
                 "/api/v1/history/sp500/AAPL"):
        answers = [c.nodes[n].get(path, headers={
            "Authorization": "Bearer " + key}) for n in "ABC"]
        tags = {r.headers.get("etag") for r in answers}
        assert len(tags) == 1 and all(r.status == 200 for r in answers), \
            "%s: %s" % (path, tags)
    weeks = json.loads(answers[0].body)["weeks"]
    assert [w["signal_date"] for w in weeks] == ["2026-01-09",
                                                 "2025-12-12"], weeks
    st = json.loads((c.nodes["B"].out / "follow.state").read_text())
    last = c.redis.cli("XREVRANGE", "krj:updates", "+", "-", "COUNT",
                       "1").splitlines()[0]
    assert st["last_id"] == last, "the follower keeps its last stream id"
    r = krjenv.run_batch("status", "--config", "", env=krj_env(
        c.db, c.redis, KRJ_OUTPUT_DIR=str(c.nodes["B"].out)))
    assert "lag: 0 s (this node serves the newest recorded generation)" \
        in r.stdout, r.stdout
    assert "follower: last stream id %s, generation %s applied" % (
        last, st["generation"]) in r.stdout, r.stdout
    print("\npropagation: week 1 %.3f s, week 2 %.3f s (run on A to B "
          "and C serving it)" % (took1, took2))


def test_revoked_key_refused_everywhere(cluster):
    c = cluster
    c.start()
    keep, gone = c.key("keep"), c.key("gone")
    c.converge(keep, 2)
    h = {"Authorization": "Bearer " + gone}
    for n in "ABC":
        assert c.nodes[n].get("/api/v1/summary", headers=h).status == 200, \
            "%s accepts the key made on A" % n
    with Load(c, keep) as load:
        r = krjenv.run_batch("keys", "revoke", "gone", "--config", "",
                             env=c.env())
        assert r.returncode == 0, r.stderr
        t0 = time.time()
        today = datetime.datetime.now(datetime.timezone.utc).date() \
            .isoformat()
        # the announcement, then one krj_reload_interval (1 s)
        while time.time() - t0 < 3 and any(
                c.nodes[n].get("/api/v1/summary", headers=h).status != 401
                for n in "ABC"):
            time.sleep(0.05)
        took = time.time() - t0
    for n in "ABC":
        assert c.nodes[n].get("/api/v1/summary", headers=h).status == 401, \
            "%s refuses the revoked key" % n
        lines = {ln.split(":")[0]: ln for ln in
                 c.nodes[n].keys.read_text().splitlines()
                 if ln and not ln.startswith("#")}
        assert lines["gone"].endswith(",revoked=%s" % today), \
            "%s has the revoked line: %s" % (n, lines)
        assert "revoked=" not in lines["keep"], lines
    assert not load.failures, "the other key kept working: %s" % \
        load.failures[:5]
    print("\nrevocation: refused on A, B and C after %.3f s" % took)


def test_without_redis_the_poll_converges(polling_cluster):
    c = polling_cluster
    c.start()
    key = c.key("load")
    c.converge(key, 2)
    c.redis.stop()
    c.a.add_file(WEEK2)
    # one poll (2 s) plus the follower's publish and nginx's reload (1 s)
    took, r = c.converge(key, 4, expect=4)
    assert "event=redis_unreachable" in r.stderr
    print("\nwithout Redis: B and C serve it %.3f s after the run" % took)
    for name in "BC":
        assert "event=redis_unreachable" in c.followers[name].text()
    # Redis back, empty: A's outbox is announced, followers reconnect
    c.redis.start()
    c.a.add_file(SP100)
    c.converge(key, 4)
    assert c.redis.cli("XLEN", "krj:updates").strip() == "2", \
        "the pending announcement, then the new one"


def test_redis_restarted_empty(polling_cluster):
    c = polling_cluster
    c.start()
    key = c.key("load")
    c.converge(key, 2)
    c.redis.restart()
    assert c.redis.cli("XLEN", "krj:updates").strip() == "0"
    c.a.add_file(EQUITIES)
    # the old last id is behind every id of the new stream, or the poll
    c.converge(key, 4)
    for name in "BC":
        f = c.followers[name]
        assert f.proc.poll() is None, "the follower lives on"


def test_keys_added_before_postgresql_reach_the_followers(polling_cluster):
    """A key and a user added on A while pg-dsn is not configured are in
    A's files only; `krj-batch migrate`, the first command once it is,
    records them in PostgreSQL (and only them, once), so that B and C,
    which write their files from there, accept them instead of dropping
    them.  A follower's own files, PostgreSQL's copy, are never sent."""
    c = polling_cluster
    alone = dict(c.env(), KRJ_PG_DSN=None, KRJ_REDIS_URL=None)
    r = krjenv.run_batch("keys", "add", "early", "--scopes", "*",
                         "--config", "", env=alone)
    assert r.returncode == 0, r.stderr
    key = r.stdout.splitlines()[-1]
    r = subprocess.run([str(krjenv.BATCH), "users", "add", "eve", "--cost",
                        "4", "--config", ""], input="eve-password\n",
                       capture_output=True, text=True, timeout=60,
                       env=krjenv.environ_with(alone))
    assert r.returncode == 0, r.stderr

    r = krjenv.run_batch("migrate", "--config", "", env=c.env())
    assert r.returncode == 0, r.stderr
    assert "recorded 2 lines of the key and user files in PostgreSQL" \
        in r.stdout, r.stdout
    assert r.stderr.count("event=principal_recorded") == 2, r.stderr
    assert c.db.query("SELECT kind, name FROM krj_principals ORDER BY 1") \
        == [{"kind": "key", "name": "early"}, {"kind": "user", "name": "eve"}]
    early = [ln for ln in c.a.keys.read_text().splitlines()
             if ln.startswith("early:")]
    assert c.db.scalar("SELECT line FROM krj_principals WHERE kind = 'key'") \
        == early[0], "the file's line, as keys add wrote it"

    c.start()           # migrate again: nothing more is recorded
    assert c.db.count("krj_principals") == 2
    c.converge(key, 4)  # B and C answer with the key made before
    for name in "BC":
        users = c.nodes[name].users.read_text()
        assert "\neve:" in users, "%s keeps the user: %s" % (name, users)

    r = krjenv.run_batch("migrate", "--config", "", env=dict(
        c.env(), KRJ_KEY_FILE=str(c.nodes["B"].keys),
        KRJ_USER_FILE=str(c.nodes["B"].users)))
    assert r.returncode == 0 and "recorded" not in r.stdout, r.stdout
    assert "event=principal_recorded" not in r.stderr
