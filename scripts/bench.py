#!/usr/bin/python3
"""make bench: krj beside nginx serving the same bytes as a static file and
`return 200`, in one run, at the fixtures' size (sp500, 503 rows) and at
BENCH_ROWS (default 100000) synthetic rows of the same schema.

This machine's cores are shared with wrk, so requests per second say
little; the figure compared is the server's CPU time per request: the
nginx workers' time on CPU (/proc/PID/schedstat, nanoseconds) over the
requests wrk completed.  Also: krj-batch's publish time and peak memory
at BENCH_ROWS, the longest a /health request waited while the workers
switched to a new snapshot of that size, its longest wait while wrk sends
the most expensive queries the default bounds allow (a sorted, filtered
page of krj_max_limit rows, and the same without a limit) and, as the
machine's floor, while it sends `return 200`; the bytes of
each encoding, the dashboard's /krj/sp500 (pre-rendered; plain and gzip)
and ?signal=Long,Short (assembled per request) beside the same bytes as
static files, and the weight of a first visit to the dashboard.

    BENCH_DURATION (seconds, default 5)  BENCH_CONNECTIONS (default 64)
    BENCH_ROWS (default 100000; 0 skips the large part)
"""

import http.client
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "scripts"))

import krjenv  # noqa: E402

DURATION = int(os.environ.get("BENCH_DURATION", "5"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
BATCH = str(krjenv.BATCH)


def synth(rows, path, seed=1):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "synth_week", REPO / "scripts" / "synth-week.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write_week(path, rows, seed)


def timed(cmd):
    """Runs cmd; (wall seconds, peak RSS in MB of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    p = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 2):
        sys.exit("%s failed:\n%s" % (" ".join(map(str, cmd)), err))
    del before
    return wall, usage.ru_maxrss / 1024.0


def publish(data, out):
    # a BENCH_ROWS week is larger than the default --max-size of 16m
    return timed([BATCH, "run", "--quiet", "--input", data, "--output",
                  out, "--max-size", "1024m"])


class Server:
    """One nginx, one worker, the module, static files and return 200."""

    def __init__(self, root, snapshot, extra="", locations=""):
        self.root = Path(root)
        self.static = self.root / "static"
        self.static.mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(exist_ok=True)
        self.port = krjenv.free_port()
        self.pidfile = self.root / "nginx.pid"
        conf = self.root / "nginx.conf"
        conf.write_text("""
load_module %(module)s;
user root;
worker_processes 1;
error_log %(root)s/error.log warn;
pid %(root)s/nginx.pid;
events { worker_connections 1024; }
http {
    client_body_temp_path %(root)s/tmp;
    proxy_temp_path %(root)s/tmp;
    fastcgi_temp_path %(root)s/tmp;
    uwsgi_temp_path %(root)s/tmp;
    scgi_temp_path %(root)s/tmp;
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/json;
    krj_snapshot %(snapshot)s;
    krj_reload_interval 200ms;
    krj_max_age off;
    krj_zone krj 4m;
%(extra)s
    server {
        listen 127.0.0.1:%(port)d;
        location /api/v1/ { krj_api; }
        location = /health { krj_status health; }
        location = /metrics { krj_status metrics; }
        location /static/ { root %(root)s; gzip_static on; }
        location /krj { krj_dashboard; }
        location = /r200 { return 200 "{}"; }
%(locations)s
    }
}
""" % {"module": krjenv.MODULE, "root": self.root, "snapshot": snapshot,
       "port": self.port, "extra": extra, "locations": locations})
        subprocess.run([krjenv.NGINX_BIN, "-p", str(self.root), "-c",
                        str(conf)], check=True)
        self.base = "http://127.0.0.1:%d" % self.port
        for _ in range(100):
            try:
                self.get("/health")
                break
            except OSError:
                time.sleep(0.05)

    def get(self, path, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, dict(r.getheaders()), body

    def workers(self):
        master = self.pidfile.read_text().strip()
        return [p.name for p in Path("/proc").iterdir() if p.name.isdigit()
                and _ppid(p) == master]

    def cpu_ns(self):
        return sum(int(Path("/proc/%s/schedstat" % p).read_text().split()[0])
                   for p in self.workers())

    def save(self, path, name, headers=None):
        st, _, body = self.get(path, headers)
        assert st == 200, (path, st)
        (self.static / name).write_bytes(body)
        return len(body)

    def stop(self):
        pid = int(self.pidfile.read_text())
        os.kill(pid, 3)
        for _ in range(100):
            if not Path("/proc/%d" % pid).exists():
                break
            time.sleep(0.05)
        log = (self.root / "error.log").read_text()
        if re.search(r"\[(alert|emerg|crit)\]", log):
            sys.exit("bench: the error log has alerts:\n" + log)


def _ppid(p):
    try:
        return (p / "stat").read_text().rsplit(")", 1)[1].split()[1]
    except OSError:
        return None


def wrk(server, path, headers=()):
    """(requests per second, server us per request, p99 us)."""
    cmd = ["wrk", "-t1", "-c%d" % CONNS, "-d%ds" % DURATION, "--latency"]
    for h in headers:
        cmd += ["-H", h]
    cpu0 = server.cpu_ns()
    out = subprocess.run(cmd + [server.base + path], capture_output=True,
                         text=True, check=True).stdout
    cpu1 = server.cpu_ns()
    n = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit("bench: %s answered %s errors" % (path, non2xx.group(1)))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    if m is None:
        sys.exit("bench: no latency from wrk for %s:\n%s" % (path, out))
    p99 = float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6,
                               "m": 6e7}[m.group(2)]
    return rps, (cpu1 - cpu0) / 1000.0 / max(n, 1), p99


def table(title, rows):
    print()
    print(title)
    print("  %-44s %10s %14s %10s %10s" % ("", "req/s", "server us/req",
                                           "p99 us", "bytes"))
    for name, (rps, us, p99), size in rows:
        print("  %-44s %10.0f %14.1f %10.0f %10s" % (name, rps, us, p99,
                                                      size))


def compare(server, cases):
    """Each case: (name, module path, static name or None, headers)."""
    rows = []
    base = wrk(server, "/r200")
    for name, path, static, headers in cases:
        size = len(server.get(path, dict(h.split(": ", 1)
                                         for h in headers))[2])
        rows.append(("krj " + name, wrk(server, path, headers), size))
        if static:
            rows.append(("  static, same bytes",
                         wrk(server, "/static/" + static, headers), size))
    rows.append(("return 200", base, 2))
    return rows


def small(tmp):
    data, out = tmp / "data", tmp / "out"
    data.mkdir(parents=True)
    for f in (REPO / "tests" / "data").glob("*.csv"):
        shutil.copy(f, data)
    publish(data, out)
    # one bcrypt (cost 10) user and one key, made by krj-batch itself
    users, keys = tmp / "users", tmp / "keys"
    subprocess.run([BATCH, "users", "add", "bench", "--cost", "10",
                    "--user-file", users], input=b"bench-password\n",
                   check=True, capture_output=True)
    key = subprocess.run([BATCH, "keys", "add", "bench", "--scopes", "*",
                          "--key-file", keys], check=True,
                         capture_output=True, text=True).stdout \
        .splitlines()[-1]
    basic = "Authorization: Basic YmVuY2g6YmVuY2gtcGFzc3dvcmQ="
    s = Server(tmp / "nginx", out / "krj.snapshot",
               extra="    krj_user_file %s;\n    krj_key_file %s;\n"
                     % (users, keys),
               locations="""
        location /basic/ { krj_auth basic; krj_api; }
        location /stock/ {
            auth_basic "bench";
            auth_basic_user_file %s;
            krj_api;
        }
        # a limit far above what wrk reaches: the cost of counting
        location /key/ {
            krj_auth key;
            krj_limit rate=1000000r/s burst=1000000 nodelay;
            krj_api;
        }
""" % users)
    try:
        s.save("/api/v1/signals/sp500", "sp500.json")
        s.save("/api/v1/signals/sp500?ticker=AAPL", "aapl.json")
        s.save("/api/v1/signals/sp500?signal=Long", "long.json")
        s.save("/api/v1/signals/sp500?sort=-vol_ratio&limit=10", "top.json")
        gz = ("Accept-Encoding: gzip",)
        s.save("/api/v1/signals/sp500", "sp500.json.gz",
               {"Accept-Encoding": "gzip"})
        rows = compare(s, [
            ("/signals/sp500", "/api/v1/signals/sp500", "sp500.json", ()),
            ("/signals/sp500 gzip", "/api/v1/signals/sp500",
             None, gz),
            ("?ticker=AAPL", "/api/v1/signals/sp500?ticker=AAPL",
             "aapl.json", ()),
            ("?signal=Long", "/api/v1/signals/sp500?signal=Long",
             "long.json", ()),
            ("?sort=-vol_ratio&limit=10",
             "/api/v1/signals/sp500?sort=-vol_ratio&limit=10", "top.json",
             ()),
            ("/health", "/health", None, ()),
            ("/metrics", "/metrics", None, ()),
        ])
        table("sp500, 503 rows (%d s, %d connections, one worker)"
              % (DURATION, CONNS), rows)
        table("authentication, GET /summary", [
            ("krj_auth off", wrk(s, "/api/v1/summary"), ""),
            ("key + krj_limit", wrk(s, "/key/summary",
                                    ("Authorization: Bearer " + key,)), ""),
            ("Basic bcrypt-10, krj (cached)",
             wrk(s, "/basic/summary", (basic,)), ""),
            ("Basic bcrypt-10, stock auth_basic",
             wrk(s, "/stock/summary", (basic,)), ""),
        ])
        dashboard(s)
        sizes = {}
        for enc in ("identity", "gzip", "br", "zstd"):
            _, h, body = s.get("/api/v1/signals/sp500",
                               {"Accept-Encoding": enc})
            if h.get("Content-Encoding", "identity") == enc:
                sizes[enc] = len(body)
        print("\n  bytes of /signals/sp500 by encoding: "
              + ", ".join("%s %d" % kv for kv in sizes.items()))
    finally:
        s.stop()


def dashboard(s):
    """/krj/sp500 as pre-rendered, plain and gzip, and a filtered view
    assembled per request, each beside static nginx with the same bytes;
    then what a first visit loads."""
    gz = ("Accept-Encoding: gzip",)
    s.save("/krj/sp500", "sp500.html")
    s.save("/krj/sp500", "sp500.html.gz", {"Accept-Encoding": "gzip"})
    s.save("/krj/sp500?signal=Long,Short", "ls.html")
    rows = compare(s, [
        ("/krj/sp500", "/krj/sp500", "sp500.html", ()),
        ("/krj/sp500 gzip", "/krj/sp500", "sp500.html", gz),
        ("/krj/sp500?signal=Long,Short", "/krj/sp500?signal=Long,Short",
         "ls.html", ()),
    ])
    table("dashboard (static gzip: gzip_static of the same bytes)", rows)
    _, _, page = s.get("/krj/sp500")
    total = 0
    print("\n  a first visit to /krj/sp500 (plain, gzip bytes):")
    for url in ["/krj/sp500"] + sorted(set(re.findall(
            r'/krj/assets/krj\.[0-9a-f]{12}\.[a-z]+', page.decode()))):
        plain = len(s.get(url)[2])
        zipped = len(s.get(url, {"Accept-Encoding": "gzip"})[2])
        total += zipped
        print("    %-40s %8d %8d" % (url, plain, zipped))
    print("    %-40s %8s %8d" % ("total", "", total))


def large(tmp):
    data, out, next_out = tmp / "data", tmp / "out", tmp / "next"
    data.mkdir(parents=True)
    csv = data / "KRJ_signals_latest_week_Big_2026-01-09.csv"
    synth(ROWS, csv)
    wall, rss = publish(data, out)
    snap = (out / "krj.snapshot").stat().st_size
    print("\n%d rows: a %.1f MB CSV, krj-batch run %.2f s, peak %.0f MB, "
          "snapshot %.1f MB (%.1fx the CSV)"
          % (ROWS, csv.stat().st_size / 1e6, wall, rss, snap / 1e6,
             snap / csv.stat().st_size))
    s = Server(tmp / "nginx", out / "krj.snapshot")
    try:
        s.save("/api/v1/signals/big", "big.json")
        s.save("/api/v1/signals/big?ticker=T000001", "one.json")
        s.save("/api/v1/signals/big?sort=-vol_ratio&limit=10", "top.json")
        rows = compare(s, [
            ("/signals/big", "/api/v1/signals/big", "big.json", ()),
            ("?ticker=T000001", "/api/v1/signals/big?ticker=T000001",
             "one.json", ()),
            ("?signal=Long&limit=10",
             "/api/v1/signals/big?signal=Long&limit=10", None, ()),
            ("?sort=-vol_ratio&limit=10",
             "/api/v1/signals/big?sort=-vol_ratio&limit=10", "top.json",
             ()),
        ])
        table("big, %d rows" % ROWS, rows)
        # the floor: /health's wait while the cheapest answer is all the
        # worker does; wrk, the worker and the probe share two cores
        for path in ("/r200",
                     "/api/v1/signals/big?signal=Long,Short&sort=-vol_ratio"
                     "&limit=10000",
                     "/api/v1/signals/big?signal=Long,Short&sort=-vol_ratio"):
            abuse(s, path)
        stall(s, data, csv, out, next_out)
    finally:
        s.stop()


def longest_health(s, stop, worst, count, waits=None):
    """Probes /health on one connection until stop: the longest wait (and
    every wait into waits)."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    while not stop.is_set():
        t0 = time.monotonic()
        c.request("GET", "/health")
        c.getresponse().read()
        wait = time.monotonic() - t0
        worst[0] = max(worst[0], wait)
        count[0] += 1
        if waits is not None:
            waits.append(wait)


def abuse(s, path):
    """/health's longest wait while wrk sends an expensive query."""
    worst, count, stop, waits = [0.0], [0], threading.Event(), []
    t = threading.Thread(target=longest_health,
                         args=(s, stop, worst, count, waits))
    t.start()
    try:
        r = wrk(s, path)
    finally:
        stop.set()
        t.join()
    # a large answer is sent in slices, every client's in turn: in a short
    # run none may be complete (0 req/s)
    print("  under wrk -c%d of %s: %.0f req/s; /health's longest wait "
          "%.2f ms, p99 %.2f ms, median %.2f ms (%d requests)"
          % (CONNS, path, r[0], worst[0] * 1000, ms_at(waits, 0.99),
             ms_at(waits, 0.5), count[0]))


def ms_at(waits, q):
    """The wait (ms) below which the fraction q of waits lie."""
    if not waits:
        return 0
    w = sorted(waits)
    return w[min(len(w) - 1, int(len(w) * q))] * 1000


def stall(s, data, csv, out, next_out):
    """/health's waits while the worker switches snapshots, beside its
    waits for as long before, idle: the machine's floor."""
    synth(ROWS, csv, seed=2)
    publish(data, next_out)
    _, h0, _ = s.get("/api/v1/categories")
    idle, during = [], []
    worst, count, stop = [0.0], [0], threading.Event()
    t = threading.Thread(target=longest_health,
                         args=(s, stop, worst, count, idle))
    t.start()
    time.sleep(1.0)
    stop.set()
    t.join()
    worst, count, stop = [0.0], [0], threading.Event()
    t = threading.Thread(target=longest_health,
                         args=(s, stop, worst, count, during))
    t.start()
    time.sleep(0.2)
    os.rename(next_out / "krj.snapshot", out / "krj.snapshot")
    t0 = time.monotonic()
    while s.get("/api/v1/categories")[1].get("ETag") == h0.get("ETag"):
        if time.monotonic() - t0 > 60:
            sys.exit("bench: the new snapshot was not loaded in 60 s")
        time.sleep(0.01)
    switched = time.monotonic() - t0
    time.sleep(0.5)
    stop.set()
    t.join()
    print("\n  switch to a new %d-row snapshot: served after %.2f s; "
          "/health's longest wait meanwhile %.2f ms, p99 %.2f ms (%d "
          "requests); idle before it %.2f ms, p99 %.2f ms (%d requests)"
          % (ROWS, switched, ms_at(during, 1), ms_at(during, 0.99),
             len(during), ms_at(idle, 1), ms_at(idle, 0.99), len(idle)))


def main():
    for p in (krjenv.MODULE, krjenv.BATCH):
        if not Path(p).exists():
            sys.exit("not built: %s (make all)" % p)
    tmp = Path(tempfile.mkdtemp(prefix="krj-bench-"))
    try:
        small(tmp / "small")
        if ROWS:
            large(tmp / "large")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
