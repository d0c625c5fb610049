"""Snapshot reload: the 2025-12-12 -> 2026-01-09 switch under load (every
answer 200, complete, and from exactly one generation), corrupt snapshots
refused with one error-log line while the previous data keeps being
served, `nginx -s reload` without a failed request, and a replaced file
seen at once (inotify), not at the next tick of krj_reload_interval."""

import hashlib
import json
import os
import socket
import struct
import threading
import time

import krjdata
import krjenv
from krjassert import get_json

CATS = ["ETFs_and_FX", "Equities", "SP100", "SP500"]
OLD = ["KRJ_signals_latest_week_%s_2025-12-12.csv" % c for c in CATS]
NEW = ["KRJ_signals_latest_week_%s_2026-01-09.csv" % c for c in CATS]

MAX_PER_THREAD = 1500
MAX_SECONDS = 30


def week(files):
    return {c.slug: c for c in (krjdata.Category(krjenv.DATA / f)
                                for f in files)}


def classify(resp, path, weeks):
    """Which week (index into weeks) resp is entirely from, or raise."""
    assert resp.status == 200, "%s: HTTP %d during reload" % (path,
                                                                resp.status)
    if path.endswith(".csv"):
        slug = path.rsplit("/", 1)[1][:-4]
        for i, w in enumerate(weeks):
            if resp.body == w[slug].raw:
                return i, None
        raise AssertionError("%s: CSV body matches neither week" % path)
    raw = krjdata.loads_raw(resp.body)   # complete JSON or it raises
    if path.endswith("/categories"):
        dates = {c["signal_date"] for c in raw["categories"]}
        assert len(dates) == 1, "categories mix generations: %s" % dates
        for i, w in enumerate(weeks):
            if [(c["slug"], c["sha256"]) for c in raw["categories"]] == \
                    [(s, w[s].sha256) for s in sorted(w)]:
                return i, raw["generated_at"]
        raise AssertionError("categories match neither week")
    slug = path.rsplit("/", 1)[1]
    for i, w in enumerate(weeks):
        m = w[slug]
        if raw["signal_date"] == m.signal_date:
            assert [krjdata.typed_obj(r) for r in raw["rows"]] == \
                [m.typed_row(r) for r in m.rows], \
                "%s: rows of %s mixed or wrong" % (path, m.signal_date)
            assert krjdata.typed_value(raw["summary"]["total"]) == \
                ("num", str(len(m.rows))), "%s: summary of its week" % path
            return i, raw["generated_at"]
    raise AssertionError("%s: signal_date %s of neither week" % (
        path, raw["signal_date"]))


class Load:
    """Threads firing requests (loopback, bounded) and classifying every
    answer; failures are collected, not raised in the thread."""

    PATHS = ["/api/v1/signals/sp500", "/api/v1/signals/sp100.csv",
             "/api/v1/categories", "/api/v1/signals/equities"]

    def __init__(self, k, weeks, nthreads=4):
        self.k, self.weeks = k, weeks
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.seen = []          # (time, week index, generated_at)
        self.errors = []
        self.threads = [threading.Thread(target=self.run, args=(i,))
                        for i in range(nthreads)]
        self.t0 = time.time()

    def run(self, n):
        for j in range(MAX_PER_THREAD):
            if self.stop_ev.is_set() or time.time() - self.t0 > MAX_SECONDS:
                return
            path = self.PATHS[(n + j) % len(self.PATHS)]
            try:
                r = self.k.get(path)
                w, gen = classify(r, path, self.weeks)
                with self.lock:
                    self.seen.append((time.time(), w, gen))
            except Exception as e:      # noqa: BLE001 - reported below
                with self.lock:
                    self.errors.append("%s: %r" % (path, e))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        for t in self.threads:
            t.join(MAX_SECONDS + 10)

    def wait_until(self, pred, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if pred(self.seen):
                    return True
            time.sleep(0.05)
        return False


def test_switch_weeks_under_load(make_krj):
    k = make_krj(files=OLD, workers=2)
    weeks = [week(OLD), week(NEW)]
    old_gen, _ = get_json(k, "/api/v1/categories")
    with Load(k, weeks) as load:
        assert load.wait_until(lambda s: len(s) >= 40, 15), \
            "old week served under load"
        for f in NEW:
            k.add_file(f)
        # generated_at has one-second resolution: publish in a later second
        # than the old week, so the two generations are told apart by it
        time.sleep(1.1)
        k.publish()
        assert load.wait_until(
            lambda s: sum(1 for x in s if x[1] == 1) >= 40, 15), \
            "the new week is served within a few reload intervals"
    assert not load.errors, "%d of %d answers failed or mixed weeks: %s" % (
        len(load.errors), len(load.seen) + len(load.errors),
        load.errors[:5])
    gens = {w: {g for _, x, g in load.seen if x == w and g} for w in (0, 1)}
    assert gens[0] == {old_gen["generated_at"]}, \
        "old-week answers all carry the old generated_at"
    assert len(gens[1]) == 1 and gens[1] != gens[0], \
        "new-week answers carry one new generated_at"
    last_old = max(t for t, w, _ in load.seen if w == 0)
    first_new = min(t for t, w, _ in load.seen if w == 1)
    # with 2 workers each switches on its own timer: allow an overlap of
    # about one reload interval, but no flapping back for long
    assert last_old - first_new < 2.0, \
        "no old-week answer long after the switch (%.2fs)" % (
            last_old - first_new)


def swap_in(k, data):
    tmp = k.out / ".krj.snapshot.test"
    tmp.write_bytes(data)
    os.rename(tmp, k.snapshot)


def refusal_lines(text):
    return [l for l in text.splitlines()
            if "snapshot" in l.lower()
            and any(lv in l for lv in ("[warn]", "[error]", "[crit]",
                                       "[alert]", "[emerg]"))]


def test_corrupt_snapshot_refused(make_krj):
    k = make_krj(files=OLD, workers=2)
    k.allow_log = []
    weeks = [week(OLD)]
    good = k.snapshot.read_bytes()
    mid = len(good) // 2
    flipped = bytearray(good)
    flipped[mid] ^= 0x01
    last = bytearray(good)
    last[-1] ^= 0x80
    cases = [("truncated to half", good[:mid]),
             ("truncated inside the header", good[:20]),
             ("empty", b""),
             ("one bit flipped in the middle", bytes(flipped)),
             ("last byte flipped", bytes(last)),
             ("one byte appended", good + b"\0")]
    for what, data in cases:
        off = k.nginx.log_size()
        swap_in(k, data)
        time.sleep(3.2)     # three reload intervals
        lines = refusal_lines(k.nginx.error_log(off))
        assert len(lines) == 1, \
            "%s: refused with exactly one error-log line, got %d: %s" % (
                what, len(lines), lines)
        assert "[error]" in lines[0] or "[warn]" in lines[0], \
            "%s: a bad file is an error, not an alert: %s" % (what, lines[0])
        for path in Load.PATHS:
            w, _ = classify(k.get(path), path, weeks)
            assert w == 0, "%s: the previous data is still served" % what
    # a good snapshot is taken again
    for f in NEW:
        k.add_file(f)
    k.publish()
    deadline = time.time() + 5
    while time.time() < deadline:
        d, _ = get_json(k, "/api/v1/signals/sp500?limit=0")
        if d["signal_date"] == "2026-01-09":
            break
        time.sleep(0.1)
    assert d["signal_date"] == "2026-01-09", \
        "after refusals a good snapshot is loaded"


# krj_snapshot.h: magic[8], version, header_size, total_len, checksum[32],
# then the checksummed part: byte_order, ncategories, generated_at
SUMMED_FROM = 56
GENERATED_AT = 64


def test_snapshot_time_out_of_range_refused(make_krj):
    # checksummed, so only the range check can refuse it; INT64_MIN made
    # the age of /ready overflow (UBSan stopped the worker)
    k = make_krj(files=OLD)
    k.allow_log = []
    weeks = [week(OLD)]
    good = k.snapshot.read_bytes()
    for t in (-2 ** 63, -1, 253402300800, 2 ** 63 - 1):
        data = bytearray(good)
        struct.pack_into("=q", data, GENERATED_AT, t)
        data[SUMMED_FROM - 32:SUMMED_FROM] = hashlib.sha256(
            bytes(data[SUMMED_FROM:])).digest()
        off = k.nginx.log_size()
        swap_in(k, bytes(data))
        time.sleep(2.2)     # two reload intervals
        lines = refusal_lines(k.nginx.error_log(off))
        assert len(lines) == 1 and \
            "generated_at %d is not a time from 1970 to 9999" % t \
            in lines[0], "generated_at %d: refused with its reason: %s" % (
                t, lines)
        # refused for longer than a reload interval: /ready says the data
        # served is not what is on disk, with the reason; no overflow
        r = k.get("/ready")
        reason = json.loads(r.body)["reason"]
        assert r.status == 503 and "refused" in reason \
            and "generated_at %d" % t in reason, \
            "generated_at %d: /ready answers, not ready: %r" % (t, reason)
        for path in Load.PATHS:
            w, _ = classify(k.get(path), path, weeks)
            assert w == 0, "generated_at %d: the previous data is still " \
                "served" % t


def test_replaced_snapshot_seen_at_once(make_krj):
    # a tick of 60 s would take up to a minute; the directory's inotify
    # event sends each worker to look when the file is renamed into place
    # (krj-batch) or written and closed (an operator's cp)
    k = make_krj(files=OLD, workers=2, reload_interval="60s")
    old = k.snapshot.read_bytes()

    def serves(date):
        return all(get_json(k, "/api/v1/signals/sp500?limit=0")[0][
            "signal_date"] == date for _ in range(8))

    assert serves("2025-12-12")
    for f in NEW:
        k.add_file(f)
    t0 = time.time()
    k.publish()
    assert wait_until(lambda: serves("2026-01-09"), 3), \
        "a renamed snapshot is served before the next tick"
    renamed = time.time() - t0
    t0 = time.time()
    with open(k.snapshot, "r+b") as f:     # in place, as cp does
        f.truncate(0)
        f.write(old)
    assert wait_until(lambda: serves("2025-12-12"), 3), \
        "a snapshot written in place is served once it is closed"
    print("\nseen after %.3f s (krj-batch run) and %.3f s (written in "
          "place), krj_reload_interval 60s" % (renamed, time.time() - t0))
    # a refused file is refused once, then the good one taken again
    off = k.nginx.log_size()
    swap_in(k, old[:100])
    assert wait_until(lambda: len(refusal_lines(k.nginx.error_log(off)))
                      == 1, 3), "refused at once"
    k.allow_log = ["shorter than a header"]
    swap_in(k, old)
    time.sleep(0.5)
    assert len(refusal_lines(k.nginx.error_log(off))) == 1
    assert serves("2025-12-12")


def wait_until(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def test_nginx_reload_keeps_service(make_krj):
    k = make_krj(files=NEW, workers=2)
    weeks = [week(NEW)]
    with Load(k, weeks) as load:
        assert load.wait_until(lambda s: len(s) >= 20, 15)
        for _ in range(2):
            k.nginx.reload()
            n = len(load.seen)
            assert load.wait_until(lambda s: len(s) >= n + 20, 15), \
                "served after nginx -s reload"
    assert not load.errors, "requests failed across nginx -s reload: %s" % (
        load.errors[:5])
    assert len(load.seen) >= 60, "enough requests were made"


def slow_get(port, path, headers=b""):
    """Starts a GET with a tiny receive buffer and reads only its first
    bytes; returns the socket and what was read."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(20)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n"
              % (path.encode(), headers))
    return s, s.recv(1024)


def finish(s, first):
    data = first
    while True:
        time.sleep(0.001)
        b = s.recv(4096)
        if not b:
            break
        data += b
    s.close()
    return krjenv.parse_response(data)


def test_inflight_answer_keeps_old_mapping(make_krj):
    # Slow clients hold answers of the old generation while two newer
    # snapshots replace it: each answer must arrive complete and unmixed
    # (the old mapping lives until its last request is done).
    k = make_krj(files=OLD, listen_extra="sndbuf=4k")
    old = week(OLD)
    paths = ["/api/v1/signals/sp500", "/api/v1/signals/sp500.csv",
             "/api/v1/signals/sp500?sort=-c", "/api/v1/tickers/AAPL"]
    want = {p: k.get(p).body for p in paths}
    gz = k.get(paths[0], headers={"Accept-Encoding": "gzip"}).body
    slow = [(p, slow_get(k.port, p)) for p in paths]
    slow.append(("gzip", slow_get(k.port, paths[0],
                                  b"Accept-Encoding: gzip\r\n")))
    for f in NEW:
        k.add_file(f)
    k.publish()
    time.sleep(2.5)
    k.add_file("KRJ_signals_latest_week_DRC_2026-01-09.csv")
    k.publish()
    time.sleep(2.5)
    d, _ = get_json(k, "/api/v1/categories")
    assert "drc" in [c["slug"] for c in d["categories"]], \
        "the third generation is loaded meanwhile"
    for p, (s, first) in slow:
        r = finish(s, first)
        assert r.status == 200, "%s: slow answer 200" % p
        expected = gz if p == "gzip" else want[p]
        assert r.body == expected, \
            "%s: the slow answer is the old generation, complete" % p
    assert classify(krjenv.Response(200, [], want[paths[0]]), paths[0],
                    [old])[0] == 0
