"""A rolling upgrade from the previous release, built from git: the three
nodes of test_follow.py (krj-batch run on A, follow on B and C, one
PostgreSQL and one Redis) start on it, under continuous load; krj-batch is
upgraded on every node with --snapshot-format 3 (the previous release's
generation, served the same), then the modules one node at a time by
nginx's binary upgrade (USR2, WINCH, QUIT), then the option is dropped and
format 4 is served everywhere.  No request fails meanwhile.  Also: the
previous release's module keeps serving its snapshot when given format 4,
and 0.2.0's krj-batch --snapshot-format 3 writes, for every fixture, a
file that 0.1.0's module serves exactly as it serves 0.1.0's own."""

import gzip
import json
import os
import signal
import struct
import subprocess
import time

import brotli
import pytest

import krjenv
from krjenv import Krj
from krjservers import BatchDaemon, krj_env
from test_follow import Cluster, Load, WEEK2

VERSION = (krjenv.REPO / "VERSION").read_text().strip()
NEW_MODULE = krjenv.MODULE
NEW_BATCH = krjenv.BATCH


def git(*args):
    return subprocess.run(["git", "-C", str(krjenv.REPO)] + list(args),
                          capture_output=True, text=True, timeout=60)


class Release:
    """The release before VERSION's: the parent of the commit that set
    VERSION to what it says now, built into build/release-COMMIT/ with its
    own Makefile (kept, so that a rerun does not build it again)."""

    def __init__(self):
        r = git("rev-parse", "--git-dir")
        if r.returncode != 0:
            pytest.skip("no git history here (%s): the previous release "
                        "cannot be built" % r.stderr.strip())
        bump = git("log", "-1", "--format=%H", "--", "VERSION").stdout.strip()
        if not bump or git("show", bump + ":VERSION").stdout.strip() \
                != VERSION:
            pytest.skip("VERSION %s is not committed: no previous release "
                        "to upgrade from" % VERSION)
        self.commit = git("rev-parse", bump + "^").stdout.strip()
        self.version = git("show", self.commit + ":VERSION").stdout.strip()
        assert self.commit and self.version and self.version != VERSION, \
            "the parent of %s is another release" % bump
        self.dir = krjenv.BUILD / ("release-" + self.commit)
        self.module = self.dir / "src" / "build" / "ngx_http_krj_module.so"
        self.batch = self.dir / "src" / "build" / "krj-batch"
        if not (self.module.exists() and self.batch.exists()):
            self.build()

    def build(self):
        src = self.dir / "src"
        subprocess.run(["rm", "-rf", str(self.dir)], check=True)
        src.mkdir(parents=True)
        archive = subprocess.Popen(
            ["git", "-C", str(krjenv.REPO), "archive", self.commit],
            stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(src)], stdin=archive.stdout,
                       check=True)
        assert archive.wait() == 0
        with open(self.dir / "build.log", "wb") as log:
            r = subprocess.run(["make", "-C", str(src), "all"], stdout=log,
                               stderr=subprocess.STDOUT, timeout=1200)
        assert r.returncode == 0, "building %s (%s) failed, see %s" % (
            self.version, self.commit, self.dir / "build.log")


@pytest.fixture(scope="module")
def release():
    return Release()


class Master:
    """The nginx master a binary upgrade started: not a child of ours, so
    followed by its pid, with what Nginx uses of a Popen."""

    def __init__(self, pid):
        self.pid, self.returncode = pid, None

    def poll(self):
        if self.returncode is None:
            try:
                state = open("/proc/%d/stat" % self.pid).read() \
                    .rsplit(")", 1)[1].split()[0]
            except OSError:
                state = "Z"
            if state in "ZX":
                self.returncode = 0
        return self.returncode

    def wait(self, timeout=None):
        deadline = time.time() + (timeout or 3600)
        while self.poll() is None:
            if time.time() > deadline:
                raise subprocess.TimeoutExpired("nginx", timeout)
            time.sleep(0.05)
        return self.returncode


def start_daemon(nginx, timeout=20):
    """nginx as a service runs it, daemonized: a binary upgrade needs it,
    for a master ignores USR2 while its parent is the one it started
    with (to nginx, the old binary's master of a new binary)."""
    if nginx.pid_path.exists():
        nginx.pid_path.unlink()
    r = subprocess.run(nginx._cmd(), capture_output=True, text=True,
                       env=nginx._env(), timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            nginx.proc = Master(int(nginx.pid_path.read_text().strip()))
        except (OSError, ValueError):
            time.sleep(0.05)
            continue
        if all(krjenv._port_open(p) for p in nginx.ports) \
                and nginx.worker_pids():
            return
        time.sleep(0.05)
    raise AssertionError("nginx did not come up:\n" + nginx.error_log())


def binary_upgrade(nginx, module):
    """The module swapped as nginx swaps its binary: the conf names the new
    .so, USR2 starts a new master on the same sockets (which loads it),
    WINCH lets the old workers finish, QUIT ends the old master."""
    nginx.module = module
    nginx.write_conf()
    rc, out = nginx.test_config()
    assert rc == 0, out
    old = nginx.proc
    os.kill(old.pid, signal.SIGUSR2)
    deadline = time.time() + 20
    new = None
    while time.time() < deadline:
        try:
            pid = int(nginx.pid_path.read_text().strip())
        except (OSError, ValueError):
            pid = old.pid
        if pid != old.pid and (nginx.prefix / "nginx.pid.oldbin").exists():
            new = Master(pid)
            nginx.proc = new
            if nginx.worker_pids():
                break
        time.sleep(0.05)
    assert new is not None and nginx.worker_pids(), \
        "no new master after USR2:\n" + nginx.error_log()[-3000:]
    os.kill(old.pid, signal.SIGWINCH)
    os.kill(old.pid, signal.SIGQUIT)
    old.wait(timeout=20)


class Rolling(Cluster):
    """test_follow's cluster, each node with its own krj-batch, module and
    --snapshot-format."""

    def __init__(self, tmp, db, redis, release):
        super().__init__(tmp, db, redis)
        self.release = release
        self.batch = {n: release.batch for n in "ABC"}
        self.format = {n: [] for n in "ABC"}
        self.phase = {n: 0 for n in "ABC"}
        for n in self.nodes.values():
            n.nginx.module = release.module
            if krjenv.ASAN:
                # the master execs the new binary with only these kept
                n.nginx.main_conf += ("\nenv LD_PRELOAD;\nenv ASAN_OPTIONS;"
                                      "\nenv UBSAN_OPTIONS;\n")
            n.nginx.write_conf()

    def start(self):
        r = krjenv.run_batch("migrate", "--config", "", env=self.env(),
                             binary=self.batch["A"])
        assert r.returncode == 0, r.stderr
        for n in self.nodes.values():
            start_daemon(n.nginx)
        for name in "BC":
            self.start_follower(name)

    def start_follower(self, name):
        n = self.nodes[name]
        self.phase[name] += 1
        f = BatchDaemon(n.dir / ("follow-%d" % self.phase[name]), [
            "follow", "--output", n.out, "--key-file", n.keys,
            "--user-file", n.users, "--poll", self.poll,
            "--pg-connect-timeout", "2", "--redis-timeout", "1s"]
            + self.format[name], krj_env(self.db, self.redis),
            binary=self.batch[name])
        f.start()
        f.wait_log("event=started")
        self.followers[name] = f
        return f

    def upgrade_batch(self, name, fmt):
        self.batch[name] = NEW_BATCH
        self.format[name] = fmt
        if name in self.followers:
            assert self.followers[name].stop() == 0
            self.start_follower(name)

    def run(self, expect=0, redis=True):
        r = self.a.run_batch("run", "--config", "", "--redis-timeout", "1s",
                             *self.format["A"], env=self.env(redis),
                             binary=self.batch["A"])
        assert r.returncode == expect, "run on A exited %d:\n%s" % (
            r.returncode, r.stderr)
        return r

    def key(self, name):
        r = krjenv.run_batch("keys", "add", name, "--scopes", "*",
                             "--config", "", env=self.env(),
                             binary=self.batch["A"])
        assert r.returncode == 0, r.stderr
        key = r.stdout.splitlines()[-1]
        h = {"Authorization": "Bearer " + key}
        deadline = time.time() + 4
        while time.time() < deadline and any(
                n.get("/api/v1/summary", headers=h).status == 401
                for n in self.nodes.values()):
            time.sleep(0.05)
        return key

    def formats(self):
        return {name: struct.unpack_from("<I", n.snapshot.read_bytes(), 8)[0]
                for name, n in self.nodes.items()}

    def same_bytes(self):
        a = self.a.snapshot.read_bytes()
        for name in "BC":
            assert self.nodes[name].snapshot.read_bytes() == a, \
                "%s: the same snapshot bytes as A" % name
        for name, f in self.followers.items():
            assert "event=follow_mismatch" not in f.text(), \
                "%s made the generation A recorded:\n%s" % (
                    name, f.text()[-2000:])


def module_version(nginx, since=0):
    log = nginx.error_log(since)
    return [v for v in (VERSION, "0.1.0")
            if "ngx_http_krj_module %s" % v in log]


@pytest.fixture
def rolling(tmp_path_factory, pg, redis, release):
    c = Rolling(tmp_path_factory, pg, redis, release)
    yield c
    c.stop()


def test_rolling_upgrade_without_a_failed_request(rolling, release):
    c = rolling
    c.start()
    key = c.key("load")
    for n in c.nodes.values():
        assert module_version(n.nginx) == [release.version]
    c.converge(key, 4)
    assert set(c.formats().values()) == {3}
    with Load(c, key) as load:
        # 1. krj-batch everywhere, still writing the format the modules read
        for name in "ABC":
            c.upgrade_batch(name, ["--snapshot-format", "3"])
        c.a.add_file(WEEK2)
        c.converge(key, 10)
        assert set(c.formats().values()) == {3}
        c.same_bytes()
        during = load.count

        # 2. the modules, one node at a time
        for name in "ABC":
            n = c.nodes[name]
            size = n.nginx.log_size()
            binary_upgrade(n.nginx, NEW_MODULE)
            assert module_version(n.nginx, size) == [VERSION], \
                n.nginx.error_log(size)[-2000:]
            doc = json.loads(n.get("/ready").body)
            assert doc["format"] == 3 and doc["writer"] == "", doc
            assert "format 3 by an older krj-batch" in \
                n.nginx.error_log(size), n.nginx.error_log(size)[-2000:]

        # 3. format 4 everywhere
        for name in "ABC":
            c.upgrade_batch(name, [])
        took, _ = c.converge(key, 10)
        deadline = time.time() + 6
        while set(c.formats().values()) != {4} and time.time() < deadline:
            time.sleep(0.05)
        assert set(c.formats().values()) == {4}, c.formats()
        c.same_bytes()
        time.sleep(1.5)     # the load on format 4 for a reload interval
    assert load.count > during > 0 and not load.failures, \
        "%d requests, failed: %s" % (load.count, load.failures[:5])
    e = c.etags(key)
    assert e["A"] == e["B"] == e["C"] and e["A"][0] == 200 and e["A"][1], \
        "identical ETags on the three nodes: %s" % e
    for name, n in c.nodes.items():
        doc = json.loads(n.get("/ready").body)
        assert doc["format"] == 4 and doc["writer"] == "krj-batch " + \
            VERSION, "%s: %r" % (name, doc)
    print("\nrolling upgrade %s -> %s: %d requests, none failed; format 4 "
          "on A, B and C %.3f s after the run" % (
              release.version, VERSION, load.count, took))


def test_old_module_keeps_serving_on_format_4(make_krj, release):
    k = make_krj(files=["KRJ_signals_latest_week_SP500_2026-01-09.csv"],
                 publish=False, start=False)
    k.allow_log = ["unsupported format version 4"]
    k.nginx.module = release.module
    k.nginx.write_conf()
    r = k.run_batch("run", "--config", "", binary=release.batch)
    assert r.returncode == 0, r.stderr
    k.start()
    before = k.get("/api/v1/signals/sp500")
    assert before.status == 200
    k.add_file("KRJ_signals_latest_week_DRC_2026-01-09.csv")
    r = k.run_batch("run", "--config", "")
    assert r.returncode == 0, r.stderr
    assert struct.unpack_from("<I", k.snapshot.read_bytes(), 8)[0] == 4
    deadline = time.time() + 6
    while time.time() < deadline and k.get("/ready").status == 200:
        time.sleep(0.1)
    r = k.get("/ready")
    reason = json.loads(r.body)["reason"]
    assert r.status == 503 and "unsupported format version 4 (expected " \
        "3)" in reason, reason
    after = k.get("/api/v1/signals/sp500")
    assert after.status == 200 and after.body == before.body, \
        "the old snapshot is served"
    assert k.get("/api/v1/signals/drc").status == 404
    assert "unsupported format version 4 (expected 3)" in \
        k.nginx.error_log()


def _decoded(r):
    enc = r.headers.get("content-encoding", "identity")
    if enc == "gzip":
        return gzip.decompress(r.body)
    if enc == "br":
        return brotli.decompress(r.body)
    if enc == "zstd":
        return subprocess.run(["zstd", "-d", "-c", "-q"], input=r.body,
                              capture_output=True, check=True).stdout
    assert enc == "identity", enc
    return r.body


def test_format_3_serves_as_the_previous_release(tmp_path, pg, make_krj,
                                                 release):
    """Both krj-batch runs over every fixture, the previous release's
    first; the second takes the generation time PostgreSQL recorded, so the
    two are the same generation.  Their format 3 files differ only in how
    the bodies are compressed (0.2.0 uses libdeflate where 0.1.0 used zlib):
    the parts before the first compressed body are the same bytes, and the
    previous release's module, given each, answers every URL in every
    encoding with the same status, headers and decoded body; only the
    ETags' first half, the file's checksum, differs."""
    data = tmp_path / "data"
    data.mkdir()
    for f in krjenv.all_fixture_files():
        (data / f).write_bytes((krjenv.DATA / f).read_bytes())
    outs = {}
    r = krjenv.run_batch("migrate", "--config", "", env=krj_env(pg),
                         binary=release.batch)
    assert r.returncode == 0, r.stderr
    for name, binary, extra in (
            ("old", release.batch, []),
            ("new", NEW_BATCH, ["--snapshot-format", "3"]),
            ("four", NEW_BATCH, [])):
        out = tmp_path / name
        r = krjenv.run_batch("run", "--config", "", *extra, input=data,
                             output=out, env=krj_env(pg), binary=binary)
        assert r.returncode == 0, r.stderr
        outs[name] = out
    old, new, four = ((outs[n] / "krj.snapshot").read_bytes()
                      for n in ("old", "new", "four"))
    assert struct.unpack_from("<II", old, 8) == \
        struct.unpack_from("<II", new, 8), "the same format 3 header size"
    assert struct.unpack_from("<I", new, 8)[0] == 3
    # magic, version, header size; the length and checksum differ; then
    # byte order, categories, generated_at and the input digest
    assert new[:16] == old[:16] and new[56:104] == old[56:104], \
        "the same generation"
    assert struct.unpack_from("<II", four, 8) == (4, 336)
    assert ("krj-batch " + VERSION).encode() in four and \
        b"krj-batch" not in new, "the writer: in format 4 only"
    for f in outs["old"].glob("latest_*.csv"):
        assert (outs["new"] / f.name).read_bytes() == f.read_bytes() == \
            (outs["four"] / f.name).read_bytes(), f.name

    served = {}
    for name in ("old", "new"):
        k = make_krj(files=[], publish=False, start=False)
        k.nginx.module = release.module
        k.nginx.write_conf()
        k.snapshot.write_bytes((outs[name] / "krj.snapshot").read_bytes())
        k.start()
        served[name] = k
    cats = json.loads(served["old"].get("/api/v1/categories").body)
    slugs = [c["slug"] for c in cats["categories"]]
    assert len(slugs) > 1
    paths = ["/api/v1/categories", "/api/v1/summary"]
    for slug in slugs:
        paths += ["/api/v1/signals/" + slug,
                  "/api/v1/signals/%s.csv" % slug,
                  "/api/v1/signals/%s?signal=Long&sort=-c" % slug]
    compared = 0
    for path in paths:
        for enc in ("identity", "gzip", "br", "zstd"):
            a, b = (served[n].get(path, headers={"Accept-Encoding": enc})
                    for n in ("old", "new"))
            assert a.status == b.status == 200, (path, enc, a.status,
                                                 b.status)
            for h in ("content-encoding", "content-type", "vary"):
                assert a.headers.get(h) == b.headers.get(h), (path, enc, h)
            # the ETag's first half is the file's checksum, the second the
            # variant (path, query, encoding)
            assert a.headers["etag"].split("-")[1] == \
                b.headers["etag"].split("-")[1], (path, enc)
            assert _decoded(a) == _decoded(b), (path, enc)
            compared += 1
    print("\nformat 3 of %s: %d bytes (%s's %d), %d answers the same" % (
        VERSION, len(new), release.version, len(old), compared))


def test_reload_does_not_swap_the_module(make_krj, release):
    """Why the Runbook says binary upgrade: nginx -s reload with load_module
    naming the new .so keeps running the old module's code (the new .so's
    calls bind to the old one's exported functions, loaded first with
    RTLD_GLOBAL), so it still refuses format 4."""
    k = make_krj(files=["KRJ_signals_latest_week_SP500_2026-01-09.csv"],
                 publish=False, start=False)
    k.allow_log = ["unsupported format version 4"]
    k.nginx.module = release.module
    k.nginx.write_conf()
    r = k.run_batch("run", "--config", "", "--snapshot-format", "3")
    assert r.returncode == 0, r.stderr
    k.start()
    size = k.nginx.log_size()
    k.nginx.module = NEW_MODULE
    k.nginx.write_conf()
    k.nginx.reload()
    assert module_version(k.nginx, size) == [release.version], \
        k.nginx.error_log(size)[-2000:]
    assert "format" not in json.loads(k.get("/ready").body)
    k.add_file("KRJ_signals_latest_week_DRC_2026-01-09.csv")
    r = k.run_batch("run", "--config", "")
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 6
    while time.time() < deadline and k.get("/ready").status == 200:
        time.sleep(0.1)
    assert "unsupported format version 4 (expected 3)" in \
        json.loads(k.get("/ready").body)["reason"]


@pytest.mark.parametrize("args, env, conf, message", [
    (["--snapshot-format", "5"], {}, None, "--snapshot-format is 3 or 4"),
    (["--snapshot-format", "2"], {}, None, "--snapshot-format is 3 or 4"),
    (["--snapshot-format", "four"], {}, None,
     "--snapshot-format is 3 or 4"),
    (["--snapshot-format", ""], {}, None, "--snapshot-format is 3 or 4"),
    (["--snapshot-format"], {}, None, "--snapshot-format needs a value"),
    ([], {"KRJ_SNAPSHOT_FORMAT": "9"}, None, "KRJ_SNAPSHOT_FORMAT is 3 or 4"),
    ([], {}, "snapshot-format = 3.0\n", ":1: snapshot-format is 3 or 4"),
])
def test_snapshot_format_refused(tmp_path, args, env, conf, message):
    cfg = ""
    if conf is not None:
        cfg = tmp_path / "krj-batch.conf"
        cfg.write_text(conf)
    for command in ("run", "follow"):
        r = krjenv.run_batch(command, "--config", cfg, *args,
                             input=tmp_path / "in", output=tmp_path / "out",
                             env=dict(krj_env(), **env))
        assert r.returncode == 1 and message in r.stderr, \
            "%s: %s" % (command, r.stderr)
    assert not (tmp_path / "out" / "krj.snapshot").exists()


def test_snapshot_format_3_from_the_file_and_env(tmp_path):
    cfg = tmp_path / "krj-batch.conf"
    cfg.write_text("snapshot-format = 3\n")
    data = tmp_path / "in"
    data.mkdir()
    name = "KRJ_signals_latest_week_SP500_2026-01-09.csv"
    (data / name).write_bytes((krjenv.DATA / name).read_bytes())
    for how, conf, env, fmt in (("file", cfg, {}, 3),
                                ("env", "", {"KRJ_SNAPSHOT_FORMAT": "3"}, 3),
                                ("default", "", {}, 4),
                                ("option over file", cfg, {}, 4)):
        out = tmp_path / how.replace(" ", "-")
        extra = ["--snapshot-format", "4"] if how.startswith("option") \
            else []
        r = krjenv.run_batch("run", "--config", conf, *extra, input=data,
                             output=out, env=dict(krj_env(), **env))
        assert r.returncode == 0, r.stderr
        snap = (out / "krj.snapshot").read_bytes()
        assert struct.unpack_from("<I", snap, 8)[0] == fmt, how
        r = krjenv.run_batch("status", "--config", "", output=out,
                             env=krj_env())
        assert r.returncode == 0, r.stdout + r.stderr
        writer = "krj-batch " + VERSION if fmt == 4 else "an older krj-batch"
        assert "\nformat: %d, written by %s\n" % (fmt, writer) in r.stdout, \
            r.stdout


def test_other_format_publishes_unchanged_input_again(tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    name = "KRJ_signals_latest_week_DRC_2026-01-09.csv"
    (data / name).write_bytes((krjenv.DATA / name).read_bytes())
    out = tmp_path / "out"
    for fmt, event in (("3", "published"), ("3", "unchanged"),
                       ("4", "published"), ("4", "unchanged"),
                       ("3", "published")):
        r = krjenv.run_batch("run", "--config", "", "--snapshot-format", fmt,
                             input=data, output=out, env=krj_env())
        assert r.returncode == 0 and "event=%s " % event in r.stderr, \
            "format %s: %s" % (fmt, r.stderr)
        snap = (out / "krj.snapshot").read_bytes()
        assert struct.unpack_from("<I", snap, 8)[0] == int(fmt)
