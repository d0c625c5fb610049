"""Large filtered answers written in slices (ngx_http_krj_slice.c): the
bytes are those of the answer rendered whole (krj-batch's pre-rendered
body, small pages rendered at once, the CSV oracle of test_query), JSON
and CSV, through nginx's gzip filter too; HEAD; a client that closes
mid-answer, a slow reader, one that reads nothing until send_timeout; and
the worker keeps answering others while a big answer is on its way, and
while many are, sharing its per-turn budget of slicing in turns."""

import gzip
import importlib.util
import signal
import socket
import subprocess
import threading
import time

import pytest

import krjdata
import krjenv
from conftest import _Factory
from test_query import check, check_csv

ROWS = 12000
BIG = "KRJ_signals_latest_week_Big_2026-01-09.csv"
LS = "signal=Long,Short&sort=-vol_ratio"

# the answers' bodies are megabytes: an ASan nginx takes its time
TIMEOUT = 60


def _synth(path, rows):
    spec = importlib.util.spec_from_file_location(
        "synth_week", krjenv.REPO / "scripts" / "synth-week.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write_week(path, rows, 7)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """One worker (so that a stall would show), gzip on for JSON and CSV,
    a short send_timeout; a synthetic week of ROWS rows."""
    f = _Factory(tmp_path_factory)
    k = f(files=[], publish=False, start=False, workers=1,
          http_extra="    gzip on;\n"
                     "    gzip_types text/csv application/json;\n"
                     "    send_timeout 2s;\n")
    _synth(k.data / BIG, ROWS)
    k.publish()
    k.start()
    yield k, krjdata.newest(k.data)["big"]
    f.finish()


@pytest.fixture(scope="module")
def crowd(tmp_path_factory):
    """As big, with nginx's debug log in a file of its own: it says when
    a request's slice waited for the worker's budget, and when a turn
    renewed it."""
    f = _Factory(tmp_path_factory)
    log = tmp_path_factory.mktemp("debug") / "debug.log"
    k = f(files=[], publish=False, start=False, workers=1,
          main_conf="error_log %s debug;" % log,
          http_extra="    gzip on;\n"
                     "    gzip_types text/csv application/json;\n")
    _synth(k.data / BIG, ROWS)
    k.publish()
    k.start()
    yield k, log
    f.finish()


def get(k, path, headers=None, method="GET"):
    return krjenv.http(method, k.url(path), headers=headers,
                       timeout=TIMEOUT)


def ok(k, path, headers=None):
    r = get(k, path, headers)
    assert r.status == 200, "%s: HTTP %d %r" % (path, r.status, r.body[:200])
    assert int(r.headers["content-length"]) == len(r.body), \
        "%s: Content-Length is the length of the body sent" % path
    return r


def request_bytes(k, path, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%sConnection: close"
            "\r\n\r\n" % (path, k.port, extra)).encode()


def read_response(s):
    """(headers dict, body) of one response read to the server's close."""
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], {n.lower(): v for n, v in hdrs.items()}, body


def test_every_row_as_the_prerendered_body(big):
    # ?offset=0 selects every row, as the unfiltered path: the sliced
    # answer is byte for byte krj-batch's whole body
    k, _ = big
    for ext in ("", ".csv"):
        whole = ok(k, "/api/v1/signals/big" + ext)
        sliced = ok(k, "/api/v1/signals/big%s?offset=0" % ext)
        assert len(sliced.body) > 1 << 20, "a body of many slices"
        assert sliced.body == whole.body, \
            "big%s?offset=0: the bytes of the pre-rendered body" % ext


def test_sliced_answers_match_the_oracle(big):
    k, m = big
    doc = check(k, m, signal="Long,Short", sort="-vol_ratio")
    assert doc["count"] > 4000, "every Long and Short row, sliced"
    check(k, m, signal="Long,Short", sort="-vol_ratio", limit=5000,
          offset=3)
    check(k, m, fields="ticker,vol_ratio,signal", sort="vol_ratio")
    check(k, m, prior="Long", changed="1")
    check_csv(k, m, signal="Long,Short", sort="-vol_ratio")
    check_csv(k, m, fields="signal,ticker", sort="-25DMA", offset=100)


def test_sliced_as_small_pages_rendered_whole(big):
    # pages of at most 512 cells (rows times fields) are rendered at once;
    # laid end to end they are the sliced answer, byte for byte
    k, _ = big
    for fields, size in (("", 500), ("&fields=ticker,c,signal", 170)):
        base = "/api/v1/signals/big.csv?" + LS + fields
        sliced = ok(k, base).body
        header, parts, offset = None, [], 0
        while True:
            page = ok(k, "%s&limit=%d&offset=%d" % (base, size, offset)).body
            head, _, rows = page.partition(b"\n")
            header = header or head
            if not rows:
                break
            parts.append(rows)
            offset += size
        assert offset > 4000, "many pages"
        assert sliced == header + b"\n" + b"".join(parts), \
            "%s: the pages' rows, in order, are the sliced answer" % base


def test_json_pages_and_sliced_rows(big):
    k, _ = big
    path = "/api/v1/signals/big?" + LS + "&fields=ticker,vol_ratio"
    doc = krjdata.loads(ok(k, path).body)
    rows = []
    for offset in range(0, doc["matched"], 250):
        page = krjdata.loads(ok(k, "%s&limit=250&offset=%d"
                                % (path, offset)).body)
        assert page["matched"] == doc["matched"]
        rows += page["rows"]
    assert rows == doc["rows"] and doc["count"] == len(rows)


def test_gzip_filter_over_slices(big):
    # nginx's gzip filter holds slices while it compresses: the inflated
    # body is the identity one
    k, _ = big
    for path in ("/api/v1/signals/big?" + LS,
                 "/api/v1/signals/big.csv?" + LS):
        plain = ok(k, path).body
        r = get(k, path, {"Accept-Encoding": "gzip"})
        assert r.status == 200
        assert r.headers.get("content-encoding") == "gzip", \
            "%s: nginx's gzip filter compressed the sliced answer" % path
        assert gzip.decompress(r.body) == plain, path


def test_head_of_a_sliced_answer(big):
    k, _ = big
    for path in ("/api/v1/signals/big?" + LS,
                 "/api/v1/signals/big.csv?" + LS):
        g = ok(k, path)
        h = get(k, path, method="HEAD")
        assert h.status == 200 and h.body == b"", "%s: HEAD, no body" % path
        assert h.headers["content-length"] == str(len(g.body)), \
            "%s: HEAD says the length GET sends" % path
        assert h.headers["etag"] == g.headers["etag"], path
        n = get(k, path, {"If-None-Match": g.headers["etag"]})
        assert n.status == 304 and n.body == b"", "%s: 304" % path


def test_client_closes_mid_answer(big):
    # closed after a few kilobytes, some with a reset: the worker frees the
    # request (no alert, no leak under ASan) and serves the next ones
    k, _ = big
    path = "/api/v1/signals/big?" + LS
    whole = ok(k, path).body
    for i in range(24):
        s = socket.create_connection(("127.0.0.1", k.port), timeout=TIMEOUT)
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.sendall(request_bytes(k, path))
        got = 0
        while got < 4096 * (1 + i % 4):
            got += len(s.recv(4096))
        s.close()
    assert get(k, "/health").status == 200
    assert ok(k, path).body == whole, "the worker still answers whole"
    k.nginx.check_log()


def test_slow_reader_gets_every_byte(big):
    k, _ = big
    path = "/api/v1/signals/big.csv?" + LS
    whole = ok(k, path).body
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(TIMEOUT)
    s.connect(("127.0.0.1", k.port))
    s.sendall(request_bytes(k, path))
    data = b""
    t0 = time.monotonic()
    while True:
        b = s.recv(2048)
        if not b:
            break
        data += b
        # slowly at first: the socket stays full, the server waits on it
        if time.monotonic() - t0 < 1.5:
            time.sleep(0.002)
    s.close()
    status, hdrs, body = read_response_from(data)
    assert status.startswith("HTTP/1.1 200"), status
    assert int(hdrs["content-length"]) == len(body) and body == whole, \
        "a slow reader gets the whole answer"


def read_response_from(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], {n.lower(): v for n, v in hdrs.items()}, body


def test_others_answered_while_a_big_answer_waits(big):
    # one client asks for a big answer and does not read: its request
    # waits on the socket while the one worker answers /health and other
    # big answers, whole
    k, _ = big
    path = "/api/v1/signals/big?offset=0"
    whole = ok(k, path).body
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(TIMEOUT)
    s.connect(("127.0.0.1", k.port))
    s.sendall(request_bytes(k, path))
    time.sleep(0.2)
    for _ in range(5):
        assert get(k, "/health").status == 200
        assert ok(k, "/api/v1/signals/big.csv?" + LS + "&limit=3000")
    assert ok(k, path).body == whole
    status, hdrs, body = read_response(s)
    s.close()
    assert body == whole, "the waiting answer is whole once read"


def test_send_timeout_ends_a_stalled_answer(big):
    # a client that reads nothing: after send_timeout (2s) without
    # progress the answer ends, short of its Content-Length
    k, _ = big
    path = "/api/v1/signals/big?offset=0"
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(TIMEOUT)
    s.connect(("127.0.0.1", k.port))
    s.sendall(request_bytes(k, path))
    time.sleep(4)
    status, hdrs, body = read_response(s)
    s.close()
    assert status.startswith("HTTP/1.1 200"), status
    assert len(body) < int(hdrs["content-length"]), \
        "the stalled answer was cut off by send_timeout"
    assert get(k, "/health").status == 200
    assert "client timed out" in k.nginx.error_log(), \
        "the timeout is logged at info level as nginx's writer logs it"


def test_small_answers_rendered_at_once(big):
    # at 512 cells an answer is rendered at once, at 513 in slices: the
    # same rows as the oracle either way
    k, m = big
    check(k, m, signal="Long", sort="-vol_ratio", limit=10)
    check_csv(k, m, ticker="T000001,T000002")
    for limit in (512, 513):
        doc = check(k, m, fields="ticker", sort="-vol_ratio", limit=limit)
        assert doc["count"] == limit
        check_csv(k, m, fields="ticker", limit=limit, offset=9)


def test_http2_over_tls(make_krj, tmp_path):
    # over HTTP/2 each slice has memory of its own (frames point into it
    # until sent): the same bytes as HTTP/1.1, streams side by side on one
    # connection, a client reading at 2 MB/s
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj",
                    "/CN=localhost"], check=True, capture_output=True)
    k = make_krj(files=[], publish=False, start=False,
                 listen_extra="ssl http2",
                 http_extra="    ssl_certificate %s;\n"
                            "    ssl_certificate_key %s;\n" % (cert, key))
    _synth(k.data / BIG, ROWS)
    k.publish()
    k.start()
    base = "https://127.0.0.1:%d/api/v1/signals/" % k.port

    def curl(*args):
        r = subprocess.run(["curl", "-sSk", "--max-time", str(TIMEOUT)]
                           + list(args), capture_output=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    for q in ("big?offset=0", "big.csv?" + LS, "big?" + LS + "&limit=100"):
        h2 = curl("--http2", "-w", "\n%{http_version}", base + q)
        h1 = curl("--http1.1", base + q)
        body, _, version = h2.rpartition(b"\n")
        assert version == b"2", "%s: HTTP/2" % q
        assert body == h1 and len(body) > 10000, \
            "%s: the same bytes over HTTP/2 as over HTTP/1.1" % q
    whole = curl("--http1.1", base + "big")
    slow = curl("--http2", "--limit-rate", "2M", base + "big?offset=0")
    assert slow == whole, "a slow HTTP/2 reader gets the whole answer"
    outs = [tmp_path / ("p%d" % i) for i in range(4)]
    args = ["--http2", "--parallel"]
    for o in outs:
        args += ["-o", str(o), base + "big?offset=0"]
    curl(*args)
    assert all(o.read_bytes() == whole for o in outs), \
        "four streams on one connection, each whole"


CLIENTS = 48


def dechunk(data):
    """The body of a chunked transfer coding."""
    body = b""
    while True:
        size, _, data = data.partition(b"\r\n")
        n = int(size.split(b";")[0], 16)
        if n == 0:
            return body
        body += data[:n]
        data = data[n + 2:]


def test_many_big_answers_share_the_worker(crowd):
    # CLIENTS clients ask for big answers at once, JSON and CSV, half of
    # them through nginx's gzip filter (compressing is part of a slice's
    # cost), on one worker: together their slices spend the worker's
    # budget of a turn, so that some wait for the next (the debug log says
    # so); every answer is whole, the bytes of the pre-rendered body, and
    # /health is answered all along
    k, log = crowd
    paths = ["/api/v1/signals/big?offset=0",
             "/api/v1/signals/big.csv?offset=0"]
    whole = [ok(k, p.partition("?")[0]).body for p in paths]
    gz = "Accept-Encoding: gzip\r\n"
    since = log.stat().st_size
    start = threading.Barrier(CLIENTS + 1)
    got = [None] * CLIENTS

    def client(i):
        s = socket.create_connection(("127.0.0.1", k.port), timeout=TIMEOUT)
        try:
            start.wait(TIMEOUT)
            s.sendall(request_bytes(k, paths[i % 2], gz if i % 4 > 1 else ""))
            got[i] = read_response(s)
        finally:
            s.close()

    threads = [threading.Thread(target=client, args=(i,))
               for i in range(CLIENTS)]
    for t in threads:
        t.start()
    start.wait(TIMEOUT)
    health = []
    while any(t.is_alive() for t in threads) or len(health) < 5:
        health.append(get(k, "/health").status)
    for t in threads:
        t.join(TIMEOUT)
    assert health and set(health) == {200}, \
        "/health answered 200 while the big answers were sliced"
    for i, (status, hdrs, body) in enumerate(got):
        assert status.startswith("HTTP/1.1 200"), "client %d: %s" % (i, status)
        if i % 4 > 1:
            assert hdrs.get("content-encoding") == "gzip", "client %d" % i
            body = gzip.decompress(dechunk(body))
        else:
            assert int(hdrs["content-length"]) == len(body), "client %d" % i
        assert body == whole[i % 2], \
            "client %d: %s is the pre-rendered body" % (i, paths[i % 2])
    with open(log, "rb") as f:
        f.seek(since)
        debug = f.read()
    assert b"krj slice deferred" in debug, \
        "the worker's budget of a turn ran out: some slices waited"
    assert b"krj slice turn" in debug, "and a new turn renewed it"
    k.nginx.check_log()


def test_graceful_quit_finishes_sliced_answers(make_krj):
    # nginx -s quit while answers are being sliced: the worker finishes
    # them, whole, then exits (the turn event is posted, not a timer, and
    # keeps no worker alive)
    k = make_krj(files=[], publish=False, start=False, workers=1,
                 http_extra="    gzip on;\n"
                            "    gzip_types text/csv application/json;\n")
    _synth(k.data / BIG, ROWS)
    k.publish()
    k.start()
    path = "/api/v1/signals/big?offset=0"
    whole = ok(k, "/api/v1/signals/big").body
    assert len(whole) > 1 << 21, "a body of many slices"
    socks = []
    for i in range(8):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(TIMEOUT)
        s.connect(("127.0.0.1", k.port))
        s.sendall(request_bytes(k, path,
                                "Accept-Encoding: gzip\r\n" if i % 2 else ""))
        first = s.recv(1)
        assert first, "the answer has begun"
        socks.append((i, s, first))
    k.nginx.proc.send_signal(signal.SIGQUIT)
    for i, s, data in socks:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        s.close()
        status, hdrs, body = read_response_from(data)
        assert status.startswith("HTTP/1.1 200"), status
        if i % 2:
            body = gzip.decompress(dechunk(body))
        assert body == whole, "answer %d finished whole after quit" % i
    k.nginx.proc.wait(TIMEOUT)
    assert k.nginx.proc.returncode == 0, "nginx quit"
