"""Every line krj-batch logs names its event: the scenarios below (input
faults, PostgreSQL and Redis up, down and refusing, keys and users,
migrate, status, watch and follow, their metrics files) run once with --log-format text and
once with json, and every line of either is an event of the README's
table, at a level the table gives it; every event of the table is logged
by them (or listed below with the reason it cannot be provoked here), and
the sources log no name the table lacks."""

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import krjenv
import krjservers
from krjservers import BatchDaemon, krj_env

README = krjenv.REPO / "README.md"
SOURCES = krjenv.REPO / "batch-plugin"

TEXT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ krj-batch "
                  r"(debug|info|warning|error): event=([a-z_]+) ")
# what a command says on stderr that is no log line (usage, refusals)
# and what backup's and restore's children say on the stderr they share
# (README: "krj-batch backup"): their own words, after krj-batch's event
MESSAGE = re.compile(r"^(krj-batch|tar|pg_dump|pg_restore): ")

# what these scenarios cannot make happen, and why
NOT_PROVOKED = {
    "daemon_failed": "pipe(2) or poll(2) failing",
    "follow_mismatch": "a krj-batch or zlib that builds other bytes",
    "hash_failed": "the system's crypt failing",
    "keygen_failed": "OpenSSL's RAND_bytes failing",
    "out_of_memory": "an allocation failing",
    "backup_unsynced": "fsync(2) of a directory failing",
    "backup_leftover": "rm -rf failing on a temporary directory of its own",
}

P = "KRJ_signals_latest_week_"
DRC = P + "DRC_2026-01-09.csv"
SP500_OLD = P + "SP500_2025-12-12.csv"
SP500 = P + "SP500_2026-01-09.csv"
FX = P + "ETFs_and_FX_2026-01-09.csv"
HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def table():
    """{event: level text} of the README's "Log events" table."""
    text = README.read_text()
    start = text.index("#### Log events\n")
    rows = {}
    for line in text[start:].splitlines()[4:]:
        m = re.match(r"^\| `([a-z_]+)` \| ([^|]+) \|", line)
        if not m:
            break
        assert m.group(1) not in rows, "listed twice: %s" % m.group(1)
        rows[m.group(1)] = m.group(2).strip()
    assert len(rows) > 40, rows
    return rows


def levels(text):
    """the levels a table cell names: "warning (error in migrate)"."""
    return set(re.findall(r"\b(debug|info|warning|error)\b", text))


class Scenarios:
    """krj-batch run through the scenarios with one log format; every
    stderr line of every command and daemon is kept in self.lines as
    (where, line)."""

    def __init__(self, tmp, fmt, pg_server, redis):
        self.tmp, self.fmt = Path(tmp), fmt
        self.pg_server, self.redis = pg_server, redis
        self.lines = []
        self.conf = self.tmp / "log.conf"
        self.conf.write_text("log-format = %s\nlog-level = debug\n" % fmt)

    def dir(self, name):
        d = self.tmp / name
        d.mkdir(parents=True, exist_ok=True)
        return d

    def keep(self, where, text):
        for line in text.splitlines():
            self.lines.append((where, line))

    def batch(self, *args, env=None, expect=None):
        """krj-batch with the format's configuration file (keys and users
        take no --log-format, but read the file)."""
        cmd = [str(krjenv.BATCH)] + [str(a) for a in args] + \
            ["--config", str(self.conf)]
        e = dict(os.environ)
        for k, v in (env or krj_env()).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = str(v)
        r = subprocess.run(cmd, env=e, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=120)
        self.keep(" ".join(str(a) for a in args[:2]), r.stderr)
        if expect is not None:
            assert r.returncode == expect, "%s: exit %d\n%s" % (
                args, r.returncode, r.stderr)
        return r

    def data(self, name, *files, extra=None):
        d = self.dir(name)
        for f in files:
            (d / f).write_bytes((krjenv.DATA / f).read_bytes())
        for f, content in (extra or {}).items():
            (d / f).write_bytes(content)
        return d

    def daemon(self, name, args, env):
        d = BatchDaemon(self.tmp / name, args + ["--config", str(self.conf)],
                        env)
        self.daemons.append((name, d))
        return d.start()

    def run_all(self):
        self.daemons = []
        try:
            self.input_faults()
            self.outputs()
            self.servers()
            self.principals()
            self.watch()
            self.follow()
            self.backups()
        finally:
            for name, d in self.daemons:
                d.stop()
                self.keep(name, d.text())

    # scenarios

    def input_faults(self):
        bad = b"ticker,signal\nAAA,Long\nAAA,Long\nBBB,Buy\n"
        d = self.data("in", DRC, SP500_OLD, SP500, FX, extra={
            "notes.txt": b"x\n",
            P + "Odd_2026-02-30.csv": bad,
            P + "Later_9999-12-31.csv": bad,
            P + "ETFs_FX_2026-01-09.csv": bad,
            P + "Mine_2026-01-09.csv": bad,
            P + "Broken_2026-01-09.csv": b"ticker,signal\n\x00\n",
        })
        os.mkfifo(d / (P + "Fifo_2026-01-09.csv"))
        os.symlink(krjenv.DATA / DRC, d / (P + "Link_2026-01-09.csv"))
        out = self.tmp / "out"
        self.batch("run", "--input", d, "--output", out, expect=2)
        self.batch("run", "--input", d, "--output", out, expect=2)
        # the newest DRC is bad now: the published one is kept
        (d / (P + "DRC_2026-01-16.csv")).write_bytes(b"no ticker\n1\n")
        self.batch("run", "--input", d, "--output", out, expect=2)
        (out / "krj.snapshot").write_bytes(b"garbage")
        self.batch("run", "--input", d, "--output", out, expect=2)
        self.batch("run", "--input", self.tmp / "none", "--output", out,
                   expect=1)
        self.batch("run", "--input", self.dir("empty"), "--output", out,
                   expect=3)
        only_bad = self.data("bad", extra={P + "Mine_2026-01-09.csv":
                                           b"\xff\n"})
        self.batch("run", "--input", only_bad, "--output",
                   self.tmp / "out-bad", expect=3)

    def outputs(self):
        d = self.data("in-drc", DRC)
        (self.tmp / "a-file").write_text("x")
        self.batch("run", "--input", d, "--output", self.tmp / "a-file",
                   expect=1)
        blocked = self.dir("out-blocked")
        (blocked / "krj.snapshot").mkdir()
        (blocked / "krj.snapshot" / "x").write_text("x")
        self.batch("run", "--input", d, "--output", blocked, expect=3)
        self.batch("status", "--output", self.dir("out-none"), expect=3)
        self.batch("status", "--output", blocked, expect=3)

    def servers(self):
        db = self.pg_server.create_db()
        redis = self.redis
        env = krj_env(db, redis)
        d = self.data("in-pg", DRC, SP500)
        self.batch("migrate", env=env, expect=0)
        self.batch("migrate", env=env, expect=0)
        out = self.tmp / "out-pg"
        self.batch("run", "--input", d, "--output", out, env=env, expect=0)
        # another node, the same files: the generation is adopted
        self.batch("run", "--input", d, "--output", self.tmp / "out-pg2",
                   env=env, expect=0)
        # another node holds the lock for a while, then for too long
        redis.cli("SET", "krj:lock:ingest", "other", "PX", "700")
        self.batch("run", "--input", d, "--output", out, env=env, expect=0)
        redis.cli("SET", "krj:lock:ingest", "other", "PX", "60000")
        self.batch("run", "--input", d, "--output", out, "--lock-ttl", "1s",
                   env=env, expect=0)
        redis.cli("DEL", "krj:lock:ingest")
        # a damaged item is set aside, the others go on
        (out / "outbox" / "00000000000000000099-run.item").write_text("{")
        self.batch("run", "--input", d, "--output", out, env=env, expect=0)
        # the stream is a string: announcing fails, the item waits
        redis.cli("SET", "krj:updates", "not a stream")
        d2 = self.data("in-pg-2", DRC, SP500, FX)
        self.batch("run", "--input", d2, "--output", out, env=env, expect=4)
        redis.cli("DEL", "krj:updates")
        self.batch("run", "--input", d2, "--output", out, env=env, expect=0)
        # nobody listens there
        port = krjenv.free_port()
        down = krj_env("host=127.0.0.1 port=%d dbname=x user=x" % port,
                       "redis://127.0.0.1:%d" % port)
        self.batch("run", "--input", d, "--output", self.tmp / "out-down",
                   "--pg-connect-timeout", "1", "--redis-timeout", "500ms",
                   env=down, expect=4)
        # an outbox that cannot be made
        self.batch("run", "--input", d, "--output", self.tmp / "out-ob",
                   "--outbox", self.tmp / "a-file", "--pg-connect-timeout",
                   "1", env=down, expect=4)
        # PostgreSQL that refuses the run
        refusing = self.pg_server.create_db()
        self.batch("migrate", env=krj_env(refusing), expect=0)
        refusing.execute("ALTER TABLE krj_runs ADD CONSTRAINT no_runs "
                         "CHECK (false) NOT VALID")
        # and says something first, which krj-batch logs at debug level
        refusing.execute("CREATE FUNCTION krj_test_notice() RETURNS trigger "
                         "AS $$BEGIN RAISE NOTICE 'a file arrives'; RETURN "
                         "NEW; END$$ LANGUAGE plpgsql")
        refusing.execute("CREATE TRIGGER krj_test_notice BEFORE INSERT ON "
                         "krj_files FOR EACH ROW EXECUTE FUNCTION "
                         "krj_test_notice()")
        self.batch("run", "--input", d, "--output", self.tmp / "out-refused",
                   env=krj_env(refusing), expect=4)
        # a schema newer than this krj-batch, and one that cannot migrate
        newer = self.pg_server.create_db()
        self.batch("migrate", env=krj_env(newer), expect=0)
        newer.execute("INSERT INTO krj_schema (version, name) VALUES "
                      "(99, 'future')")
        self.batch("migrate", env=krj_env(newer), expect=3)
        self.batch("run", "--input", d, "--output", self.tmp / "out-newer",
                   env=krj_env(newer), expect=4)
        broken = self.pg_server.create_db()
        broken.execute("CREATE TABLE krj_files (x int)")
        self.batch("migrate", env=krj_env(broken), expect=3)
        self.batch("migrate", "--pg-connect-timeout", "1",
                   env=krj_env("host=127.0.0.1 port=%d dbname=x user=x"
                               % port), expect=3)
        self.lock_lost(d, db, redis)

    def backups(self):
        db = self.pg_server.create_db()
        env = krj_env(db)
        self.batch("migrate", env=env, expect=0)
        self.batch("run", "--input", self.data("in-backup", DRC),
                   "--output", self.tmp / "out-backup", env=env, expect=0)
        out = self.dir("backups")
        files = ["--key-file", self.tmp / "none-keys", "--user-file",
                 self.tmp / "none-users", "--session-key-file",
                 self.tmp / "none-session"]
        self.batch("backup", "--output", out, *files, env=env, expect=0)
        time.sleep(1.1)     # one backup a second at most
        self.batch("backup", "--output", out, "--keep", "1", *files,
                   env=env, expect=0)
        archive = sorted(out.glob("krj-backup-*"))[-1]
        # a backup directory that cannot be made
        self.batch("backup", "--output", self.tmp / "a-file" / "x", *files,
                   env=env, expect=None)
        # into a database that is not empty; a file that is no archive
        self.batch("restore", archive, *files, env=env, expect=None)
        self.batch("restore", archive, *files, env=krj_env(
            self.pg_server.create_db()), expect=0)
        junk = self.tmp / "junk.tar"
        junk.write_text("not a tar file\n")
        self.batch("restore", junk, *files, env=krj_env(
            self.pg_server.create_db()), expect=None)

    def lock_lost(self, d, db, redis):
        """Redis goes away while the run holds the lock: PostgreSQL that
        never answers keeps the run busy for --pg-connect-timeout."""
        hang = socket.socket()
        hang.bind(("127.0.0.1", 0))
        hang.listen(8)
        env = krj_env("host=127.0.0.1 port=%d dbname=x user=x connect_"
                      "timeout=3" % hang.getsockname()[1], redis)
        log = self.tmp / "lock-lost.log"
        e = dict(os.environ)
        e.update({k: v for k, v in env.items() if v is not None})
        for k in [k for k, v in env.items() if v is None]:
            e.pop(k, None)
        with open(log, "w") as f:
            p = subprocess.Popen(
                [str(krjenv.BATCH), "run", "--input", str(d), "--output",
                 str(self.tmp / "out-lost"), "--config", str(self.conf)],
                env=e, stderr=f, stdout=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while time.time() < deadline and "lock_taken" not in \
                    log.read_text():
                time.sleep(0.02)
            redis.stop()
            assert p.wait(30) == 4, log.read_text()
        finally:
            hang.close()
            if p.poll() is None:
                p.kill()
            redis.start()
        self.keep("run (lock lost)", log.read_text())

    def principals(self):
        db = self.pg_server.create_db()
        env = krj_env(db, self.redis, KRJ_OUTPUT_DIR=self.tmp / "out-keys")
        self.batch("migrate", env=env, expect=0)
        keys = self.tmp / "keys" / "api-keys"
        self.batch("keys", "add", "ci", "--scopes", "*", "--key-file", keys,
                   env=env, expect=0)
        with open(keys, "a") as f:
            f.write("broken line\n")
        self.batch("keys", "list", "--key-file", keys, expect=0)
        self.batch("keys", "revoke", "ci", "--key-file", keys, env=env,
                   expect=0)
        self.batch("keys", "list", "--key-file", self.tmp / "no-keys",
                   expect=0)
        self.batch("keys", "list", "--key-file", self.dir("a-dir"),
                   expect=3)
        self.batch("keys", "add", "x", "--scopes", "*", "--key-file",
                   self.tmp / "a-file" / "keys", expect=3)
        users = self.tmp / "users"
        r = subprocess.run(
            [str(krjenv.BATCH), "users", "add", "alice", "--user-file", users,
             "--cost", "4", "--config", str(self.conf)],
            input=b"p" * 80 + b"\n", capture_output=True, timeout=60,
            env=dict(os.environ))
        assert r.returncode == 0, r.stderr
        self.keep("users add", r.stderr.decode())
        # not root: the new file cannot be given to www-data (pytest's
        # directories are root's alone)
        shared = Path(tempfile.mkdtemp(prefix="krj-events-"))
        try:
            os.chmod(shared, 0o777)
            conf = shared / "log.conf"
            conf.write_text(self.conf.read_text())
            os.chmod(conf, 0o644)
            r = subprocess.run(
                ["runuser", "-u", "nobody", "--", str(krjenv.BATCH), "keys",
                 "add", "n", "--scopes", "*", "--key-file",
                 str(shared / "keys"), "--config", str(conf)],
                capture_output=True, text=True, timeout=60,
                env=dict(os.environ), stdin=subprocess.DEVNULL)
            assert r.returncode == 0, r.stderr
            self.keep("keys add (nobody)", r.stderr)
        finally:
            shutil.rmtree(shared, ignore_errors=True)

    def watch(self):
        d = self.data("in-watch", DRC)
        (self.tmp / "watch.conf").write_text(self.conf.read_text())
        conf = self.tmp / "watch.conf"
        db = self.pg_server.create_db()
        self.batch("migrate", env=krj_env(db), expect=0)
        self.pg_server.stop()
        prom = self.tmp / "textfile" / "krj-batch-watch.prom"
        w = BatchDaemon(self.tmp / "watch", [
            "watch", "--input", d, "--output", self.tmp / "out-watch",
            "--settle", "100ms", "--pg-connect-timeout", "1",
            "--metrics-file", prom, "--config", conf], krj_env(db))
        self.daemons.append(("watch", w))
        w.start()
        w.wait_log("pg_unreachable")
        w.wait_log("metrics_failed")
        self.pg_server.start()
        prom.parent.mkdir()
        (d / SP500).write_bytes((krjenv.DATA / SP500).read_bytes())
        w.wait_log("metrics_written")
        w.wait_log("pg_connected")
        w.signal(signal.SIGHUP)
        w.wait_log("reloaded")
        conf.write_text(self.conf.read_text() + "nonsense = 1\n")
        w.signal(signal.SIGHUP)
        w.wait_log("reload_failed")
        # an input that cannot be watched, an address that cannot be bound
        self.batch("watch", "--input", self.tmp / "a-file", "--output",
                   self.tmp / "out-w2", expect=3)
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen(1)
            self.batch("watch", "--input", d, "--output", self.tmp / "out-w3",
                       "--metrics-listen", "127.0.0.1:%d"
                       % busy.getsockname()[1], expect=3)

    def follow(self):
        db = self.pg_server.create_db()
        env = krj_env(db, self.redis)
        self.batch("migrate", env=env, expect=0)
        d = self.data("in-follow", DRC)
        src = self.tmp / "out-src"
        self.batch("run", "--input", d, "--output", src, env=env, expect=0)
        auth = self.dir("follower-auth")
        out = self.tmp / "out-follower"
        f = self.daemon("follow", [
            "follow", "--output", out, "--key-file", auth / "api-keys",
            "--user-file", auth / "users", "--poll", "300ms",
            "--redis-timeout", "1s", "--metrics-listen",
            str(krjenv.free_port())], env)
        f.wait_log("metrics_listening")
        f.wait_log("follow_applied")
        self.batch("keys", "add", "k", "--scopes", "*", "--key-file",
                   self.tmp / "src-keys", env=krj_env(
                       db, self.redis, KRJ_OUTPUT_DIR=src), expect=0)
        f.wait_log("principals_synced")
        # a new generation that cannot be published here
        (out / "krj.snapshot").unlink()
        (out / "krj.snapshot").mkdir()
        (out / "krj.snapshot" / "x").write_text("x")
        (d / SP500).write_bytes((krjenv.DATA / SP500).read_bytes())
        self.batch("run", "--input", d, "--output", src, env=env, expect=0)
        f.wait_log("follow_news")
        f.wait_log("follow_failed")
        # follow.state that cannot be replaced, when the generation is
        # applied at last
        (out / "follow.state").unlink()
        (out / "follow.state").mkdir()
        (out / "follow.state" / "x").write_text("x")
        (out / "krj.snapshot" / "x").unlink()
        (out / "krj.snapshot").rmdir()
        f.wait_log("state_failed")
        # the stream is a string: XREAD answers an error
        self.redis.cli("SET", "krj:updates", "not a stream")
        f.wait_log("redis_error")
        self.redis.cli("DEL", "krj:updates")
        # key files that cannot be written
        g = self.daemon("follow-2", [
            "follow", "--output", self.tmp / "out-f2", "--key-file",
            self.tmp / "a-file" / "keys", "--user-file", auth / "u2",
            "--poll", "300ms"], env)
        g.wait_log("principals_failed")
        self.redis.restart()
        f.wait_log("redis_unreachable")
        f.wait_log("redis_connected", timeout=40)


@pytest.fixture(scope="module")
def logs(tmp_path_factory, pg_server):
    out = {}
    for fmt in ("text", "json"):
        redis = krjservers.RedisServer(tmp_path_factory.mktemp("redis"))
        redis.start()
        try:
            s = Scenarios(tmp_path_factory.mktemp("events-" + fmt), fmt,
                          pg_server, redis)
            s.run_all()
            out[fmt] = s.lines
        finally:
            redis.stop()
            if not pg_server.running():
                pg_server.start()
    return out


def events(lines, fmt):
    """[(where, event, level)], and the lines that are neither a log line
    with an event nor a krj-batch message."""
    found, bad = [], []
    for where, line in lines:
        if MESSAGE.match(line):
            continue
        if fmt == "text":
            m = TEXT.match(line)
            if m:
                found.append((where, m.group(2), m.group(1)))
            else:
                bad.append((where, line))
            continue
        try:
            e = json.loads(line)
        except ValueError:
            bad.append((where, line))
            continue
        ev = e.get("context", {}).get("event") if isinstance(e, dict) \
            else None
        if set(e) == {"timestamp", "service", "level", "message",
                      "context"} and isinstance(ev, str):
            found.append((where, ev, e["level"]))
        else:
            bad.append((where, line))
    return found, bad


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_every_line_has_an_event_of_the_table(logs, fmt):
    known = table()
    found, bad = events(logs[fmt], fmt)
    assert not bad, "lines without an event: %s" % bad[:10]
    unknown = [(w, e) for w, e, _ in found if e not in known]
    assert not unknown, "events the README does not list: %s" % unknown
    wrong = sorted({(e, lvl) for _, e, lvl in found
                    if lvl not in levels(known[e])})
    assert not wrong, "levels the README does not give: %s" % wrong


def test_every_event_of_the_table_is_logged(logs):
    known = set(table())
    seen = {fmt: {e for _, e, _ in events(logs[fmt], fmt)[0]}
            for fmt in logs}
    assert seen["text"] == seen["json"], \
        "the same events in both formats: %s" % (seen["text"] ^ seen["json"])
    assert set(NOT_PROVOKED) <= known
    assert not set(NOT_PROVOKED) & seen["text"], \
        "provoked after all: %s" % (set(NOT_PROVOKED) & seen["text"])
    missing = known - seen["text"] - set(NOT_PROVOKED)
    assert not missing, "never logged by the scenarios: %s" % sorted(missing)


def test_the_sources_log_only_table_events():
    known = table()
    text = "".join(Path(p).read_text()
                   for p in sorted(glob.glob(str(SOURCES / "*.c"))))
    named = set(re.findall(r'krj_log_event\(\s*KRJ_LOG_\w+,\s*"(\w+)"',
                           text))
    named |= set(re.findall(r'warn\(ctx, "(\w+)"', text))
    assert named, "the pattern still finds the calls"
    assert named <= set(known), "not in the README: %s" % (named - set(known))
    literals = set(re.findall(r'"([a-z_]+)"', text))
    assert set(known) <= literals, \
        "named in the README, nowhere in the sources: %s" % (
            set(known) - literals)
    assert not re.search(r"\bkrj_log\(", text), \
        "every line goes through krj_log_event()"
