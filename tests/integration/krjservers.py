"""krjservers: throwaway PostgreSQL and Redis servers for the integration
tests, on loopback ports, stopped at the end (also when a test fails).

    PgServer(tmp)          initdb in a temp dir (as the postgres user, since
                           CI runs as root), postgres on 127.0.0.1:PORT
        .start() .stop(mode) .kill() .running()
        .create_db() -> Db   a fresh database
    Db
        .dsn               libpq connection string
        .query(sql) -> [dict]   rows as JSON objects (psql, json_agg)
        .scalar(sql)       the one value of a one-row, one-column query
        .execute(sql)
    RedisServer(tmp, tls=False)
        .start() .stop() .restart(empty=True) .url .port
        .cli(*args) -> str   redis-cli
    krj_env(db=None, redis=None, **extra) -> env for krjenv.run_batch

The pytest fixtures are in conftest.py: pg_server (one per session),
pg (a fresh database on it per test), redis (one server per test).
"""

import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import krjenv


def _pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (make deps)")
    return Path(found[-1]).parent


PG_BIN = None
PSQL = shutil.which("psql") or "/usr/bin/psql"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def _as_postgres(cmd, **kw):
    """Runs cmd as the postgres user when root (initdb refuses root)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class PgServer:
    """One postgres cluster in a temp dir that the postgres user owns."""

    def __init__(self, durable=False, tls=False):
        global PG_BIN
        # tests need no durability; a benchmark does (fsync as deployed)
        self.durable = durable
        self.tls = tls
        if PG_BIN is None:
            PG_BIN = _pg_bindir()
        # pytest's tmp dirs are root's, mode 0700: postgres needs its own
        self.dir = Path(tempfile.mkdtemp(prefix="krj-pg-"))
        os.chmod(self.dir, 0o755)
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = krjenv.free_port()
        self.ndb = 0
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        r = _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data),
                          "-A", "trust", "-U", "postgres", "-E", "UTF8",
                          "--locale=C", "--no-sync"], timeout=120)
        if r.returncode != 0:
            raise RuntimeError("initdb failed: %s%s" % (r.stdout, r.stderr))
        if tls:
            # TLS only, on loopback: hostssl trust, everything else refused
            self.ca, self.cert, self.key = _tls_files(self.dir)
            if os.geteuid() == 0:
                for f in (self.cert, self.key):
                    shutil.chown(f, "postgres", "postgres")
            os.chmod(self.key, 0o600)
            (self.data / "pg_hba.conf").write_text(
                "local all all trust\n"
                "hostssl all all 127.0.0.1/32 trust\n"
                "host all all 127.0.0.1/32 reject\n")

    def start(self):
        opts = ("-p %d -k %s -c listen_addresses=127.0.0.1 "
                "-c max_connections=50" % (self.port, self.dir))
        if not self.durable:
            opts += (" -c fsync=off -c synchronous_commit=off "
                     "-c full_page_writes=off")
        if self.tls:
            opts += (" -c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s"
                     % (self.cert, self.key))
        r = _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                          "-o", opts, "-l", str(self.log), "-w", "-t", "60",
                          "start"], timeout=90)
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start failed: %s%s\n%s" % (
                r.stdout, r.stderr, self.log_text()[-2000:]))
        return self

    def stop(self, mode="fast"):
        if self.running():
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                          "-m", mode, "-w", "-t", "60", "stop"], timeout=90)

    def running(self):
        r = _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                          "status"], timeout=30)
        return r.returncode == 0

    def destroy(self):
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def dsn(self, dbname="postgres"):
        tls = (" sslmode=verify-full sslrootcert=%s" % self.ca) if self.tls \
            else ""
        return "host=127.0.0.1 port=%d user=postgres dbname=%s%s" % (
            self.port, dbname, tls)

    def create_db(self):
        self.ndb += 1
        name = "krj_%d_%d" % (os.getpid(), self.ndb)
        Db(self.dsn()).execute('CREATE DATABASE "%s"' % name)
        return Db(self.dsn(name), server=self, name=name)

    def drop_db(self, db):
        Db(self.dsn()).execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                               % db.name)


class Db:
    """A database, queried with psql (no Python driver needed)."""

    def __init__(self, dsn, server=None, name=None):
        self.dsn = dsn
        self.server = server
        self.name = name

    def _psql(self, sql, timeout=120):
        r = subprocess.run([PSQL, "-X", "-q", "-A", "-t", "-v",
                            "ON_ERROR_STOP=1", "-d", self.dsn, "-c", sql],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError("psql: %s\n%s" % (sql[:200], r.stderr))
        return r.stdout

    def execute(self, sql):
        self._psql(sql)

    def query(self, sql):
        """[dict]: the rows of sql, as json_agg gives them."""
        out = self._psql("SELECT coalesce(json_agg(q), '[]') FROM (%s) q"
                         % sql)
        return json.loads(out)

    def scalar(self, sql):
        rows = self.query(sql)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return next(iter(rows[0].values()))

    def count(self, table, where="true"):
        return self.scalar("SELECT count(*) AS n FROM %s WHERE %s"
                           % (table, where))


def _tls_files(d):
    """A CA and a server certificate for 127.0.0.1 and localhost."""
    d = Path(d)
    ca_key, ca, key, csr, crt = (d / n for n in (
        "ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    ext = d / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")

    def ssl(*args):
        subprocess.run(["openssl"] + [str(a) for a in args], check=True,
                       capture_output=True, timeout=60)
    ssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key,
        "-out", ca, "-days", "2", "-subj", "/CN=krj test CA")
    ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    ssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
        "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext)
    return ca, crt, key


class RedisServer:
    """redis-server on a loopback port (TLS with tls=True), no persistence
    unless asked for, so a restart starts with an empty stream."""

    def __init__(self, tmp_dir, tls=False, password=None):
        self.dir = Path(tmp_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = krjenv.free_port()
        self.tls = tls
        self.password = password
        self.proc = None
        self.log = self.dir / "redis.log"
        if tls:
            self.ca, self.cert, self.key = _tls_files(self.dir)

    @property
    def url(self):
        auth = (":%s@" % self.password) if self.password else ""
        if self.tls:
            return "rediss://%s127.0.0.1:%d?ca=%s" % (auth, self.port,
                                                      self.ca)
        return "redis://%s127.0.0.1:%d" % (auth, self.port)

    def start(self, timeout=20):
        args = [REDIS_SERVER, "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.dir),
                "--logfile", str(self.log), "--daemonize", "no"]
        if self.tls:
            args += ["--port", "0", "--tls-port", str(self.port),
                     "--tls-cert-file", str(self.cert),
                     "--tls-key-file", str(self.key),
                     "--tls-ca-cert-file", str(self.ca),
                     "--tls-auth-clients", "no"]
        else:
            args += ["--port", str(self.port)]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited: %s"
                                   % self.log.read_text(errors="replace"))
            if self._ping():
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not come up")

    def _ping(self):
        try:
            return self.cli("PING").strip() == "PONG"
        except (subprocess.SubprocessError, OSError):
            return False

    def cli(self, *args, timeout=10):
        cmd = [REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port)]
        if self.tls:
            cmd += ["--tls", "--cacert", str(self.ca)]
        if self.password:
            cmd += ["--no-auth-warning", "-a", self.password]
        r = subprocess.run(cmd + [str(a) for a in args], capture_output=True,
                           text=True, timeout=timeout)
        if r.returncode != 0:
            raise subprocess.SubprocessError(r.stderr)
        return r.stdout

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def restart(self):
        """Stopped and started on the same port, with nothing kept."""
        self.stop()
        return self.start()


def krj_env(db=None, redis=None, **extra):
    """The environment of a krj-batch that uses db and redis (None: not
    configured), with no PG* variable or default config file leaking in."""
    env = {k: None for k in ("KRJ_PG_DSN", "KRJ_REDIS_URL", "PGHOST",
                             "PGHOSTADDR", "PGDATABASE", "PGSERVICE",
                             "PGPORT", "PGUSER", "KRJ_METRICS_FILE")}
    if db is not None:
        env["KRJ_PG_DSN"] = db.dsn if isinstance(db, Db) else db
    if redis is not None:
        env["KRJ_REDIS_URL"] = redis.url if isinstance(redis, RedisServer) \
            else redis
    env.update(extra)
    return env


class BatchDaemon:
    """krj-batch watch or follow in the background, its log in a file,
    with an optional systemd notify socket of its own.

        d = BatchDaemon(tmp, ["follow", "--output", out], env, notify=True)
        d.start(); d.wait_log("event=follow_applied"); d.stop()
    """

    def __init__(self, tmp_dir, args, env, notify=False, watchdog_usec=0,
                 binary=None):
        import socket
        self.binary = binary
        self.dir = Path(tmp_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.args = [str(a) for a in args]
        self.log = self.dir / ("%s.log" % self.args[0])
        self.env = krjenv.environ_with(env)
        self.env.pop("NOTIFY_SOCKET", None)
        self.env.pop("WATCHDOG_USEC", None)
        self.env.pop("WATCHDOG_PID", None)
        self.notify = None
        if notify:
            path = self.dir / "notify.sock"
            self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.notify.bind(str(path))
            self.notify.settimeout(0.1)
            self.env["NOTIFY_SOCKET"] = str(path)
            if watchdog_usec:
                self.env["WATCHDOG_USEC"] = str(watchdog_usec)
        self.messages = []
        self.proc = None

    def start(self):
        conf = [] if "--config" in self.args else ["--config", ""]
        self.proc = subprocess.Popen(
            [str(self.binary or krjenv.BATCH)] + self.args + conf,
            env=self.env, stdin=subprocess.DEVNULL,
            stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        return self

    def text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def count(self, needle):
        return self.text().count(needle)

    def wait_log(self, needle, count=1, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.count(needle) >= count:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("%r x%d not in the log of krj-batch %s "
                             "(exit %s):\n%s" % (
                                 needle, count, self.args[0],
                                 self.proc.poll(), self.text()[-4000:]))

    def read_notify(self, timeout=0.1):
        """The notify datagrams received so far (each a str)."""
        import socket
        deadline = time.time() + timeout
        while True:
            try:
                self.messages.append(self.notify.recv(4096).decode())
            except socket.timeout:
                if time.time() >= deadline:
                    break
        return self.messages

    def signal(self, signo):
        self.proc.send_signal(signo)

    def stop(self, timeout=30):
        """SIGTERM, then the exit status (SIGKILL if it hangs)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode
