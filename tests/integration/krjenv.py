"""krjenv: the environment every krj integration test runs in.

Paths of the build products, a throw-away nginx with the krj module loaded,
krj-batch, and a small HTTP client that returns raw bytes.  Stdlib only.

Stable API (other test files import it):

    REPO, BUILD, MODULE, BATCH, DATA, NGINX_BIN, ASAN
    free_port()
    Nginx(prefix_dir, http_conf, workers=1, main_conf="", user="root")
        .start() .stop() .reload() .test_config() -> (rc, output)
        .error_log(since=0) .log_size() .check_log(allow=())
        .worker_pids() .write_conf(...) .ports .prefix .conf_path
    run_batch(*args, input=None, output=None, env=None, timeout=120)
        -> subprocess.CompletedProcess (text)
    http(method, url, headers=None, body=None, timeout=10)
        -> Response: a (status, headers, body) tuple; headers is a dict with
           lower-cased names (repeated headers joined with ", "), body bytes;
           .header_list keeps every (name, value) as received.
    raw_http(port, data, host="127.0.0.1", timeout=10) -> Response
        sends bytes as they are (malformed request lines and the like).
    Krj(tmp_dir, files=None, ...): a data dir, krj-batch output, and nginx
        serving it with the README's example locations.
"""

import http.client as httpclient
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KRJ_BUILD", REPO / "build"))
ASAN = os.environ.get("KRJ_ASAN", "") == "1"
MODULE = (BUILD / "asan" / "ngx_http_krj_module.so") if ASAN \
    else (BUILD / "ngx_http_krj_module.so")
BATCH = BUILD / "krj-batch"
DATA = REPO / "tests" / "data"
NGINX_BIN = os.environ.get("KRJ_NGINX", "/usr/sbin/nginx")

# What must never appear in an error log (or in a sanitizer log file).
BAD_LOG = re.compile(
    r"\[alert\]|\[emerg\]|\[crit\]"
    r"|worker process \d+ exited on signal"
    r"|AddressSanitizer|LeakSanitizer|runtime error:"
    r"|ERROR: \w*Sanitizer")


class NginxError(Exception):
    pass


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sanitizer_env(prefix):
    """Environment for any nginx process that loads the ASan module."""
    env = {}
    if not ASAN:
        return env
    libs = []
    for name in ("libasan.so", "libubsan.so"):
        p = subprocess.run(["gcc", "-print-file-name=" + name],
                           capture_output=True, text=True).stdout.strip()
        if p and os.path.isabs(p) and os.path.exists(p):
            libs.append(os.path.realpath(p))
    if libs:
        env["LD_PRELOAD"] = " ".join(libs)
    log = "%s/asan" % prefix
    env["ASAN_OPTIONS"] = ("detect_leaks=0:abort_on_error=0:log_path=%s"
                           % log)
    env["UBSAN_OPTIONS"] = ("print_stacktrace=1:halt_on_error=1:log_path=%s"
                            % log)
    return env


class Nginx:
    """One nginx master (daemon off, own process group) in prefix_dir."""

    def __init__(self, prefix_dir, http_conf, workers=1, main_conf="",
                 user="root"):
        self.prefix = Path(prefix_dir).resolve()
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.conf_path = self.prefix / "nginx.conf"
        self.pid_path = self.prefix / "nginx.pid"
        self.error_log_path = self.prefix / "error.log"
        self.access_log_path = self.prefix / "access.log"
        self.stderr_path = self.prefix / "stderr.log"
        self.proc = None
        self.exit_code = None
        self.http_conf = http_conf
        self.main_conf = main_conf
        self.workers = workers
        self.user = user
        # another build's module (test_upgrade: the previous release's)
        self.module = MODULE
        self.write_conf()

    # configuration

    def render_conf(self):
        p = self.prefix
        return (
            "load_module %s;\n"
            "user %s;\n"
            "worker_processes %d;\n"
            "error_log %s info;\n"
            "pid %s;\n"
            "%s\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    client_body_temp_path %s/client_body;\n"
            "    proxy_temp_path %s/proxy;\n"
            "    fastcgi_temp_path %s/fastcgi;\n"
            "    uwsgi_temp_path %s/uwsgi;\n"
            "    scgi_temp_path %s/scgi;\n"
            "    access_log %s;\n"
            "%s\n"
            "}\n"
        ) % (self.module, self.user, self.workers, self.error_log_path,
             self.pid_path,
             self.main_conf, p, p, p, p, p, self.access_log_path,
             self.http_conf)

    def write_conf(self, http_conf=None, main_conf=None, workers=None):
        if http_conf is not None:
            self.http_conf = http_conf
        if main_conf is not None:
            self.main_conf = main_conf
        if workers is not None:
            self.workers = workers
        self.conf_path.write_text(self.render_conf())

    def conf_text(self):
        return self.conf_path.read_text()

    def line_of(self, needle):
        """1-based line number of the first conf line containing needle."""
        for i, line in enumerate(self.conf_text().splitlines(), 1):
            if needle in line:
                return i
        raise KeyError(needle)

    @property
    def ports(self):
        return [int(m) for m in re.findall(
            r"^\s*listen\s+(?:[0-9.]+:|\[[^\]]*\]:)?(\d+)\b",
            self.conf_text(), re.M)]

    # processes

    def _env(self):
        env = dict(os.environ)
        env.update(_sanitizer_env(self.prefix))
        return env

    def _cmd(self, *extra):
        return [NGINX_BIN, "-p", str(self.prefix) + "/",
                "-c", str(self.conf_path), "-e", str(self.error_log_path)] \
            + list(extra)

    def test_config(self):
        """(returncode, stdout+stderr) of `nginx -t`."""
        r = subprocess.run(self._cmd("-t"), capture_output=True, text=True,
                           env=self._env(), timeout=60)
        return r.returncode, r.stdout + r.stderr

    def start(self, timeout=20):
        if self.pid_path.exists():
            self.pid_path.unlink()
        err = open(self.stderr_path, "ab")
        try:
            self.proc = subprocess.Popen(
                self._cmd("-g", "daemon off;"), stdin=subprocess.DEVNULL,
                stdout=err, stderr=err, env=self._env(),
                start_new_session=True)
        finally:
            err.close()
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                self.exit_code = self.proc.returncode
                raise NginxError("nginx exited with %d at start:\n%s%s" % (
                    self.proc.returncode, self._read(self.stderr_path),
                    self.error_log()[-3000:]))
            if self._pid_file_ok() and all(_port_open(p) for p in self.ports):
                if len(self.worker_pids()) >= self.workers:
                    return self
            if time.time() > deadline:
                self.stop()
                raise NginxError("nginx did not come up in %ss:\n%s" % (
                    timeout, self.error_log()[-3000:]))
            time.sleep(0.05)

    def _pid_file_ok(self):
        try:
            return int(self.pid_path.read_text().strip()) == self.proc.pid
        except (OSError, ValueError):
            return False

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15):
        """Graceful quit (SIGQUIT, like `nginx -s quit`), kill on timeout."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGQUIT)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        self.exit_code = self.proc.returncode
        # no stray worker may outlive the test
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def worker_pids(self):
        if not self.running():
            return set()
        pids = set()
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                stat = Path("/proc", d, "stat").read_text()
                cmd = Path("/proc", d, "cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid and b"worker process" in cmd \
                    and b"shutting down" not in cmd:
                pids.add(int(d))
        return pids

    def reload(self, timeout=20, expect_new_workers=True):
        """`nginx -s reload`, then wait until only new workers are left."""
        old = self.worker_pids()
        r = subprocess.run(self._cmd("-s", "reload"), capture_output=True,
                           text=True, env=self._env(), timeout=60)
        if r.returncode != 0:
            raise NginxError("nginx -s reload failed: %s%s"
                             % (r.stdout, r.stderr))
        if not expect_new_workers:
            return r
        deadline = time.time() + timeout
        while time.time() < deadline:
            now = self.worker_pids()
            if now and not (now & old) and len(now) >= self.workers:
                return r
            if not self.running():
                raise NginxError("nginx master exited during reload")
            time.sleep(0.05)
        raise NginxError("no new workers %ss after reload:\n%s"
                         % (timeout, self.error_log()[-3000:]))

    # logs

    @staticmethod
    def _read(path):
        try:
            return Path(path).read_text(errors="replace")
        except OSError:
            return ""

    def log_size(self):
        try:
            return self.error_log_path.stat().st_size
        except OSError:
            return 0

    def error_log(self, since=0):
        """The error log text (from byte offset since)."""
        try:
            with open(self.error_log_path, "rb") as f:
                f.seek(since)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def sanitizer_reports(self):
        out = []
        for f in sorted(self.prefix.glob("asan*")):
            text = self._read(f)
            if text.strip():
                out.append("%s:\n%s" % (f.name, text))
        return out

    def bad_log_lines(self, allow=()):
        allow = [re.compile(a) if isinstance(a, str) else a for a in allow]
        bad = []
        for text in (self.error_log(), self._read(self.stderr_path)):
            for line in text.splitlines():
                if BAD_LOG.search(line) and not any(a.search(line)
                                                    for a in allow):
                    bad.append(line)
        return bad

    def check_log(self, allow=()):
        """Raise AssertionError if the logs hold an alert, emerg, crit, a
        crashed worker or a sanitizer report (lines matching a regex in
        allow are tolerated)."""
        bad = self.bad_log_lines(allow)
        reports = self.sanitizer_reports()
        if bad or reports:
            raise AssertionError(
                "error log of %s is not clean:\n%s\n%s" % (
                    self.prefix, "\n".join(bad[:50]),
                    "\n".join(r[:4000] for r in reports[:3])))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def strace(pid, syscall, action, seconds=0.5, threads=True):
    """The lines strace writes for syscall while a process runs action():
    all its threads, or (threads=False) the one pid names, for nginx a
    worker's event loop."""
    out = "/tmp/krj-strace-%d-%s.txt" % (pid, syscall)
    p = subprocess.Popen(["strace"] + (["-f"] if threads else [])
                         + ["-qq", "-e", "trace=" + syscall, "-o", out,
                            "-p", str(pid)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    try:
        action()
        time.sleep(seconds)
    finally:
        p.terminate()
        p.wait(10)
    with open(out) as f:
        return [l for l in f if syscall in l]


def environ_with(env):
    """os.environ with env applied, None removing a variable."""
    e = dict(os.environ)
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = str(v)
    return e


def run_batch(*args, input=None, output=None, env=None, timeout=120,
              binary=None):
    """Runs build/krj-batch (or binary) with args; input and output
    become KRJ_DATA_DIR and KRJ_OUTPUT_DIR.  Text output, never raises on
    a non-zero exit."""
    e = dict(env or {})
    if input is not None:
        e.setdefault("KRJ_DATA_DIR", str(input))
    if output is not None:
        e.setdefault("KRJ_OUTPUT_DIR", str(output))
    e = environ_with(e)
    return subprocess.run([str(binary or BATCH)] + [str(a) for a in args],
                          capture_output=True, text=True, env=e,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class Response(tuple):
    """(status, headers, body); headers lower-cased; .header_list raw."""

    def __new__(cls, status, header_list, body, reason=""):
        headers = {}
        for k, v in header_list:
            k = k.lower()
            headers[k] = (headers[k] + ", " + v) if k in headers else v
        self = tuple.__new__(cls, (status, headers, body))
        self.header_list = [(k.lower(), v) for k, v in header_list]
        self.reason = reason
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    def count(self, name):
        """How many times header name was sent."""
        return sum(1 for k, _ in self.header_list if k == name.lower())


def http(method, url, headers=None, body=None, timeout=10):
    """One request on a fresh connection; never follows redirects."""
    u = urllib.parse.urlsplit(url)
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    if u.scheme == "https":
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = httpclient.HTTPSConnection(u.hostname, u.port or 443,
                                           timeout=timeout, context=ctx)
    else:
        conn = httpclient.HTTPConnection(u.hostname, u.port or 80,
                                          timeout=timeout)
    try:
        h = {"Connection": "close"}
        h.update(headers or {})
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in h.items():
            conn.putheader(k, v)
        if body is not None:
            if isinstance(body, str):
                body = body.encode()
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.getheaders(), data, r.reason)
    finally:
        conn.close()


def raw_http(port, data, host="127.0.0.1", timeout=10):
    """Sends data as is (bytes), reads until the server closes; parses the
    first response (chunked bodies are decoded)."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            chunks.append(b)
    return parse_response(b"".join(chunks))


def parse_response(raw):
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("no complete response header: %r" % raw[:200])
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/\d\.\d (\d{3}) ?(.*)", lines[0])
    if not m:
        raise ValueError("bad status line %r" % lines[0])
    hl = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hl.append((k.strip(), v.strip()))
    if any(k.lower() == "transfer-encoding" and "chunked" in v.lower()
           for k, v in hl):
        body = b""
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            body += rest[:size]
            rest = rest[size + 2:]
        rest = body
    else:
        for k, v in hl:
            if k.lower() == "content-length":
                rest = rest[:int(v)]
    return Response(int(m.group(1)), hl, rest, m.group(2))


# The README's example locations.
API_LOCATIONS = """
        location /api/v1/ { krj_api; }
        location = /health { krj_status health; }
        location = /ready  { krj_status ready; }
"""


class Krj:
    """A data dir with fixture CSVs, krj-batch's output dir, and nginx
    serving the snapshot with the README's example locations.

        k = Krj(tmp_path, files=["KRJ_..._SP500_2026-01-09.csv"])
        k.publish()            # krj-batch run; asserts exit status 0
        k.start()              # nginx
        status, headers, body = k.get("/api/v1/categories")
        k.stop(); k.nginx.check_log()
    """

    def __init__(self, tmp_dir, files=None, workers=1, reload_interval="1s",
                 http_extra="", server_extra="", main_conf="",
                 locations=API_LOCATIONS, zone="krj_zone krj 1m;",
                 listen_extra="", user="root"):
        self.dir = Path(tmp_dir)
        self.data = self.dir / "data"
        self.out = self.dir / "out"
        self.data.mkdir(parents=True, exist_ok=True)
        self.out.mkdir(parents=True, exist_ok=True)
        self.snapshot = self.out / "krj.snapshot"
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        for f in (files if files is not None else all_fixture_files()):
            self.add_file(f)
        http_conf = (
            "    krj_snapshot %s;\n"
            "    krj_reload_interval %s;\n"
            "    %s\n"
            "%s\n"
            "    server {\n"
            "        listen 127.0.0.1:%d%s;\n"
            "%s\n"
            "%s\n"
            "    }\n"
        ) % (self.snapshot, reload_interval, zone, http_extra, self.port,
             (" " + listen_extra) if listen_extra else "", locations,
             server_extra)
        self.nginx = Nginx(self.dir / "nginx", http_conf, workers=workers,
                           main_conf=main_conf, user=user)

    def add_file(self, name, content=None):
        """Copies a fixture (by base name or path) into the data dir, or
        writes content (bytes) under name."""
        dst = self.data / Path(name).name
        if content is not None:
            dst.write_bytes(content)
        else:
            src = Path(name) if os.path.isabs(str(name)) else DATA / name
            shutil.copyfile(src, dst)
        return dst

    def run_batch(self, *args, **kw):
        return run_batch(*(args or ("run",)), input=self.data,
                         output=self.out, **kw)

    def publish(self, expect=0):
        r = self.run_batch("run")
        if expect is not None:
            assert r.returncode == expect, (
                "krj-batch run exited %d, expected %d:\n%s%s"
                % (r.returncode, expect, r.stdout, r.stderr))
        return r

    def start(self):
        self.nginx.start()
        return self

    def stop(self):
        self.nginx.stop()

    def url(self, path):
        return self.base + path

    def get(self, path, headers=None, method="GET"):
        return http(method, self.base + path, headers=headers)

    def request(self, method, path, headers=None, body=None):
        return http(method, self.base + path, headers=headers, body=body)


def all_fixture_files():
    return sorted(p.name for p in DATA.glob("KRJ_signals_latest_week_*.csv"))
