"""With `sendfile on` over plain HTTP, a whole pre-rendered body goes out
with sendfile() from the worker's sealed copy of the snapshot, as the
static module sends a file; the bytes are those of the memory path, and a
request that started on an old generation ends on it."""

import gzip
import json
import re
import time

import pytest

import krjenv


def strace_sendfile(pid, action):
    """The sendfile64 calls a worker makes while action() runs."""
    return krjenv.strace(pid, "sendfile", action)


def test_whole_bodies_go_by_sendfile(make_krj):
    k = make_krj(http_extra="    sendfile on;\n",
                 locations=krjenv.API_LOCATIONS + """
        location /nosf/ { sendfile off; krj_api; }
""")
    for path in ("/api/v1/signals/sp500", "/api/v1/signals/sp500.csv",
                 "/api/v1/categories", "/api/v1/summary"):
        a, b = k.get(path.replace("/api/v1/", "/nosf/")), k.get(path)
        assert a.status == b.status == 200
        assert a.body == b.body, path
        assert int(b.headers["content-length"]) == len(b.body)
        gz = k.get(path, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip"
        assert gzip.decompress(gz.body) == b.body, path
        h = k.get(path, method="HEAD")
        assert h.body == b"" and h.headers["content-length"] == \
            b.headers["content-length"]
    assert k.get("/api/v1/signals/sp500.csv").body == \
        (k.out / "latest_sp500.csv").read_bytes()

    [worker] = k.nginx.worker_pids()
    calls = strace_sendfile(worker,
                            lambda: k.get("/api/v1/signals/sp500"))
    assert calls, "the whole body left with sendfile()"
    # a filtered answer is built per request, in memory
    calls = strace_sendfile(worker,
                            lambda: k.get("/api/v1/signals/sp500?limit=3"))
    assert not calls, calls


def test_large_bodies_start_on_a_page(make_krj):
    """krj-batch starts every whole body of 32 KiB or more on a page of
    the snapshot, which the worker's copy keeps: sendfile() from inside a
    page costs the worker several times the CPU (make bench)."""
    k = make_krj(http_extra="    sendfile on;\n")
    [worker] = k.nginx.worker_pids()
    cases = [("/api/v1/signals/sp500", {}),
             ("/api/v1/signals/sp500.csv", {}),
             ("/api/v1/signals/sp500", {"Accept-Encoding": "gzip"}),
             ("/api/v1/signals/sp500", {"Accept-Encoding": "br"}),
             ("/api/v1/signals/sp500", {"Accept-Encoding": "zstd"}),
             ("/api/v1/summary", {})]
    sizes = {}
    for path, headers in cases:
        def get():
            r = k.get(path, headers=headers)
            assert r.status == 200
            sizes[(path, tuple(headers.values()))] = len(r.body)
        [call] = strace_sendfile(worker, get)
        # sendfile(5, 10, [677765] => [885080], 207315) = 207315
        m = re.search(r"sendfile(?:64)?\(\d+, \d+, \[(\d+)\].*\) = (\d+)",
                      call)
        assert m, call
        off, n = int(m.group(1)), int(m.group(2))
        assert n == sizes[(path, tuple(headers.values()))], call
        if n >= 32 * 1024:
            assert off % 4096 == 0, (path, headers, call)
    assert sizes[("/api/v1/signals/sp500", ())] >= 32 * 1024
    assert sizes[("/api/v1/signals/sp500", ("gzip",))] >= 32 * 1024
    # and one body the rule leaves where it is
    assert sizes[("/api/v1/summary", ())] < 32 * 1024


def test_old_generation_outlives_a_swap(make_krj):
    """A slow reader keeps the generation it started on (its descriptor
    too) while the worker swaps to the next one."""
    k = make_krj(files=["KRJ_signals_latest_week_SP500_2025-12-12.csv"],
                 http_extra="    sendfile on;\n", reload_interval="100ms",
                 listen_extra="sndbuf=4k")
    old = k.get("/api/v1/signals/sp500").body
    import socket
    s = socket.create_connection(("127.0.0.1", k.port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(b"GET /api/v1/signals/sp500 HTTP/1.1\r\nHost: a\r\n"
              b"Connection: close\r\n\r\n")
    first = s.recv(1024)
    k.add_file("KRJ_signals_latest_week_SP500_2026-01-09.csv")
    time.sleep(1.1)
    k.publish()
    deadline = time.time() + 10
    while time.time() < deadline and \
            k.get("/api/v1/signals/sp500").body == old:
        time.sleep(0.05)
    new = k.get("/api/v1/signals/sp500").body
    assert new != old, "the new week is served"
    chunks = [first]
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    resp = krjenv.parse_response(b"".join(chunks))
    assert resp.status == 200 and resp.body == old, \
        "the slow reader got the whole old generation"
    json.loads(resp.body)
