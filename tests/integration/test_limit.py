"""krj_limit and krj_auth_fail_limit: leaky buckets in krj_zone like
limit_req's, probed at their boundaries (request, rejected, rejects not
counted, burst, nodelay, delay, refill), per principal, a key's own rate,
the failed-login limiter per address, shared by workers and kept across a
reload; 429 with Retry-After, RateLimit-Policy and RateLimit headers."""

import base64
import hashlib
import http.client
import json
import os
import time

import pytest

import krjenv


def key():
    return "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode() \
        .rstrip("=")


def digest(k):
    return "sha256:" + hashlib.sha256(k.encode()).hexdigest()


def get_from(port, path, source, headers=None):
    """GET from a chosen loopback source address."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                   source_address=(source, 0))
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {n.lower(): v for n, v in r.getheaders()}, r.read()
    finally:
        c.close()


def limited(make_krj, limit, workers=1, auth="off", extra=""):
    return make_krj(workers=workers, http_extra=extra, locations="""
        location /api/v1/ { krj_auth %s; %s krj_api; }
        location = /health { krj_status health; }
""" % (auth, limit))


def assert_429(resp, what, code="rate_limited"):
    assert resp.status == 429, "%s: 429, got %d" % (what, resp.status)
    doc = json.loads(resp.body)
    assert doc["error"]["status"] == 429 and \
        doc["error"]["code"] == code, what
    wait = int(resp.headers["retry-after"])
    assert wait >= 1, what
    # the message says the wait the header says, in good English
    prefix = ("too many requests" if code == "rate_limited"
              else "too many failed logins from this address")
    assert doc["error"]["message"] == "%s, retry in %d %s" % (
        prefix, wait, "second" if wait == 1 else "seconds"), \
        "%s: the message says Retry-After: %r" % (
            what, doc["error"]["message"])
    assert resp.headers.get("x-content-type-options") == "nosniff", what


def test_burst_zero_and_rejects_not_counted(make_krj):
    k = limited(make_krj, "krj_limit rate=2r/s burst=0 nodelay;")
    r1 = k.get("/api/v1/categories")
    assert r1.status == 200
    assert r1.headers["ratelimit-policy"] == '"krj";q=2;w=1'
    assert r1.headers["ratelimit"] == '"krj";r=0;t=0'
    r2 = k.get("/api/v1/categories")
    assert_429(r2, "second at once")
    assert r2.headers["retry-after"] == "1"
    assert r2.headers["ratelimit-policy"] == '"krj";q=2;w=1'
    assert r2.headers["ratelimit"] == '"krj";r=0;t=1'
    # rejected requests are not counted: half a second later, one fits
    for _ in range(3):
        assert k.get("/api/v1/categories").status == 429
    time.sleep(0.6)
    assert k.get("/api/v1/categories").status == 200
    assert k.get("/api/v1/categories").status == 429
    # health has no krj_auth and no krj_limit: never limited
    for _ in range(3):
        resp = k.get("/health")
        assert resp.status == 200 and "ratelimit" not in resp.headers


def test_burst_nodelay(make_krj):
    k = limited(make_krj, "krj_limit rate=1r/m burst=3 nodelay;")
    seen = []
    for i in range(4):
        resp = k.get("/api/v1/categories")
        assert resp.status == 200, "request %d within the burst" % i
        seen.append(resp.headers["ratelimit"])
    assert seen[0] == '"krj";r=3;t=0'
    assert seen[3].startswith('"krj";r=0;t=')
    assert_429(k.get("/api/v1/categories"), "past the burst")
    assert k.get("/api/v1/categories").headers["ratelimit-policy"] \
        == '"krj";q=1;w=60'


def test_burst_delays_without_nodelay(make_krj):
    k = limited(make_krj, "krj_limit rate=2r/s burst=2;")
    t0 = time.monotonic()
    for _ in range(3):
        assert k.get("/api/v1/categories").status == 200
    elapsed = time.monotonic() - t0
    # the 2nd waits 0.5s, the 3rd about 0.5s more
    assert 0.7 <= elapsed < 3, elapsed


def test_refill(make_krj):
    k = limited(make_krj, "krj_limit rate=2r/s burst=1 nodelay;")
    assert k.get("/api/v1/categories").status == 200
    assert k.get("/api/v1/categories").status == 200
    assert k.get("/api/v1/categories").status == 429
    time.sleep(1.1)
    assert k.get("/api/v1/categories").status == 200
    assert k.get("/api/v1/categories").status == 200
    assert k.get("/api/v1/categories").status == 429


def test_per_principal_and_key_rate(make_krj, tmp_path):
    a, b, slow = key(), key(), key()
    keys = tmp_path / "keys"
    keys.write_text("a:%s:*\nb:%s:*\nslow:%s:*:rate=1r/m\n"
                    % (digest(a), digest(b), digest(slow)))
    k = limited(make_krj, "krj_limit rate=2r/s burst=1 nodelay;",
                auth="key", extra="    krj_key_file %s;\n" % keys)

    def get(x):
        return k.get("/api/v1/categories",
                     headers={"Authorization": "Bearer " + x})

    assert get(a).status == 200 and get(a).status == 200
    assert get(a).status == 429
    # another principal has its own bucket
    assert get(b).status == 200 and get(b).status == 200
    # a key's own rate replaces the location's, the burst stays
    r = get(slow)
    assert r.status == 200 and r.headers["ratelimit-policy"] == \
        '"krj";q=1;w=60'
    assert get(slow).status == 200
    assert_429(get(slow), "slow key")
    assert int(get(slow).headers["retry-after"]) > 30



@pytest.mark.parametrize("size,evicted", [("32k", True), ("1m", False)])
def test_zone_evicts_least_recently_used_only_when_full(make_krj, tmp_path,
                                                        size, evicted):
    # the smallest zone holds far fewer than 600 buckets: each new
    # principal must evict the least recently used one, as limit_req does,
    # and never answer 503 or log an alert (the fixture checks the log);
    # a zone with room keeps every bucket, or a client could reset its
    # own limit by asking with a few other keys in between
    n = 600
    keys = [key() for _ in range(n)]
    path = tmp_path / "keys"
    path.write_text("".join("k%d:%s:*\n" % (i, digest(x))
                            for i, x in enumerate(keys)))
    k = make_krj(zone="krj_zone krj %s;" % size,
                 http_extra="    krj_key_file %s;\n" % path,
                 locations="""
        location /api/v1/ {
            krj_auth key;
            krj_limit rate=1r/m burst=0 nodelay;
            krj_api;
        }
""")

    def get(x):
        return k.get("/api/v1/categories",
                     headers={"Authorization": "Bearer " + x})

    assert get(keys[0]).status == 200, "first key, first request"
    assert get(keys[0]).status == 429, "first key, at once again: limited"
    statuses = [get(x).status for x in keys[1:]]
    assert statuses == [200] * (n - 1), \
        "every new principal gets a bucket: %s" % sorted(set(statuses))
    assert get(keys[-1]).status == 429, \
        "the most recently used bucket is still there"
    if evicted:
        assert get(keys[0]).status == 200, \
            "%s: the least recently used bucket was evicted" % size
    else:
        assert get(keys[0]).status == 429, \
            "%s: with room, the first key's bucket is kept" % size

def test_fail_limit_locks_out_guesser_not_others(make_krj, tmp_path):
    users = tmp_path / "users"
    users.write_text("alice:{SHA}%s\n" % base64.b64encode(
        hashlib.sha1(b"secret").digest()).decode())
    k = limited(make_krj, "", auth="basic",
                extra="    krj_user_file %s;\n" % users)

    def auth(u, p):
        return {"Authorization": "Basic " + base64.b64encode(
            ("%s:%s" % (u, p)).encode()).decode()}

    # successes are never counted
    for _ in range(8):
        assert k.get("/api/v1/categories",
                     headers=auth("alice", "secret")).status == 200
    # missing credentials are a challenge, not a failure
    for _ in range(8):
        assert k.get("/api/v1/categories").status == 401
    # default krj_auth_fail_limit rate=5r/m burst=5: six failures, then 429
    for i in range(6):
        assert k.get("/api/v1/categories",
                     headers=auth("alice", "guess%d" % i)).status == 401, i
    resp = k.get("/api/v1/categories", headers=auth("alice", "guess"))
    # a lockout is not a rate limit: its own code and words
    assert_429(resp, "the seventh guess", code="auth_locked")
    assert json.loads(resp.body)["error"]["message"].startswith(
        "too many failed logins from this address, retry in ")
    assert resp.headers["ratelimit-policy"] == '"krj";q=5;w=60'
    # the guesser's address is locked out even with the right password
    resp = k.get("/api/v1/categories", headers=auth("alice", "secret"))
    assert_429(resp, "the right password, locked out", code="auth_locked")
    # alice from another address is not
    status, headers, _ = get_from(k.port, "/api/v1/categories", "127.0.0.2",
                                  auth("alice", "secret"))
    assert status == 200
    status, _, _ = get_from(k.port, "/api/v1/categories", "127.0.0.2",
                            auth("alice", "wrong"))
    assert status == 401


def test_shared_by_workers_and_kept_across_reload(make_krj):
    k = limited(make_krj, "krj_limit rate=1r/m burst=1 nodelay;", workers=2)
    assert len(k.nginx.worker_pids()) == 2
    assert k.get("/api/v1/categories").status == 200
    assert k.get("/api/v1/categories").status == 200
    # new connections land on either worker: all see one bucket
    for i in range(10):
        assert k.get("/api/v1/categories").status == 429, i
    k.nginx.reload()
    for i in range(4):
        assert k.get("/api/v1/categories").status == 429, \
            "after reload %d" % i


def test_bad_directives(make_krj):
    for bad in ("krj_limit burst=3;", "krj_limit rate=0r/s;",
                "krj_limit rate=5r/h;", "krj_limit rate=1r/s burst=x;",
                "krj_limit rate=1r/s fast;",
                "krj_auth_fail_limit rate=1r/s nodelay;"):
        k = make_krj(locations="location /api/v1/ { %s krj_api; }" % bad,
                     start=False)
        k.allow_log = [r"\[emerg\]"]
        rc, out = k.nginx.test_config()
        assert rc != 0 and "[emerg]" in out, bad
