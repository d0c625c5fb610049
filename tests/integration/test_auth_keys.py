"""krj_auth key: API keys from krj_key_file (Bearer or X-API-Key), every
credential shape good and bad, expiry, revocation without a restart,
scopes on every endpoint, `off` in a nested location, variables."""

import base64
import hashlib
import json
import os
import time

import pytest

import krjdata

GOOD = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
SP500 = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
OLD = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
LATER = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
UNKNOWN = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def digest(key):
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


KEY_FILE = (
    "# krj keys\n"
    "\n"
    "ci-bot:%s:*:created=2026-01-01\n"
    "sp500-only:%s:sp500\n"
    "old:%s:*:expires=2020-01-01\n"
    "later:%s:*:expires=2099-01-01,rate=600r/m\n"
    "broken line without fields\n"
) % (digest(GOOD), digest(SP500), digest(OLD), digest(LATER))


LOCATIONS = """
        location /api/v1/ {
            krj_auth key;
            krj_api;
            access_log %(log)s krjauth;
        }
        location /open/ {
            krj_auth key;
            krj_api;

            location /open/v1/ {
                krj_auth off;
                krj_api;
            }
        }
        location = /health { krj_status health; }
        location = /ready  { krj_status ready; }
"""


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    from conftest import _Factory
    f = _Factory(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("keys")
    keys = tmp / "keys"
    keys.write_text(KEY_FILE)
    log = tmp / "auth.log"
    krj = f(http_extra="    krj_key_file %s;\n"
                       "    krj_auth_fail_limit rate=1000r/s burst=1000;\n"
                       "    log_format krjauth '$krj_principal "
                       "$krj_auth_method $status';\n" % keys,
            locations=LOCATIONS % {"log": log}, start=False)
    krj.key_file = keys
    krj.auth_log = log
    # the broken line is logged, naming file and line, and skipped
    krj.allow_log = []
    krj.start()
    yield krj
    f.finish()


def bearer(key):
    return {"Authorization": "Bearer " + key}


def assert_401(resp, what):
    assert resp.status == 401, "%s: 401, got %d" % (what, resp.status)
    doc = json.loads(resp.body)
    assert doc["error"]["status"] == 401, what
    assert doc["error"]["code"] == "unauthorized", what
    assert doc["error"]["message"] == "valid credentials are required", \
        "%s: one message for every failure" % what
    assert resp.headers.get("www-authenticate") == 'Bearer realm="krj"', \
        "%s: challenge, got %r" % (what, resp.headers.get("www-authenticate"))
    assert resp.headers.get("x-content-type-options") == "nosniff", \
        "%s: security headers on a 401" % what


def test_malformed_line_logged(k):
    log = k.nginx.error_log()
    assert "on line 7, the line is skipped" in log and str(k.key_file) in log


def test_missing_header(k):
    assert_401(k.get("/api/v1/categories"), "no header")


@pytest.mark.parametrize("headers", [
    {"Authorization": "Basic " + base64.b64encode(b"a:b").decode()},
    {"Authorization": "Token " + "x" * 47},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"X-API-Key": ""},
    {"Authorization": "Bearer " + UNKNOWN},
    {"X-API-Key": UNKNOWN},
    {"Authorization": "Bearer " + GOOD[:-1]},
    {"Authorization": "Bearer " + GOOD + "x"},
    {"Authorization": "Bearer " + OLD},
], ids=["basic-scheme", "other-scheme", "bearer-nothing", "bearer-empty",
        "x-api-key-empty", "unknown", "unknown-x-api-key", "truncated",
        "extended", "expired"])
def test_bad_credentials(k, headers):
    assert_401(k.get("/api/v1/categories", headers=headers), repr(headers))


def test_good_key_bearer_and_header(k):
    for h in (bearer(GOOD), {"X-API-Key": GOOD},
              {"Authorization": "bearer " + GOOD}, bearer(LATER)):
        resp = k.get("/api/v1/categories", headers=h)
        assert resp.status == 200, "%r: 200" % h
        assert "www-authenticate" not in resp.headers


def test_head_401(k):
    resp = k.get("/api/v1/categories", method="HEAD")
    assert resp.status == 401 and resp.body == b""


def test_off_in_nested_location_and_health_open(k):
    assert k.get("/open/v1/summary").status == 200
    assert k.get("/open/summary").status == 401
    assert k.get("/health").status == 200
    assert k.get("/api/v1/signals/sp500").status == 401


def slugs(resp):
    return [c["slug"] for c in json.loads(resp.body)["categories"]]


def test_scope_signals(k):
    allslugs = slugs(k.get("/api/v1/categories", headers=bearer(GOOD)))
    assert "sp500" in allslugs and len(allslugs) > 1
    for s in allslugs:
        for suffix in ("", ".csv"):
            resp = k.get("/api/v1/signals/" + s + suffix,
                         headers=bearer(SP500))
            if s == "sp500":
                assert resp.status == 200, s + suffix
            else:
                assert resp.status == 403, s + suffix
                doc = json.loads(resp.body)
                assert doc["error"]["code"] == "forbidden"
                assert resp.headers.get("x-frame-options") == "DENY"
    # the same bytes as a full key sees
    assert (k.get("/api/v1/signals/sp500", headers=bearer(SP500)).body
            == k.get("/api/v1/signals/sp500", headers=bearer(GOOD)).body)
    # an unknown category stays a 404
    assert k.get("/api/v1/signals/nope",
                 headers=bearer(SP500)).status == 404


def test_scope_lists(k):
    full = json.loads(k.get("/api/v1/categories", headers=bearer(GOOD)).body)
    resp = k.get("/api/v1/categories", headers=bearer(SP500))
    assert resp.status == 200
    doc = json.loads(resp.body)
    assert doc["generated_at"] == full["generated_at"]
    assert [c["slug"] for c in doc["categories"]] == ["sp500"]
    assert doc["categories"][0] == [c for c in full["categories"]
                                    if c["slug"] == "sp500"][0]
    resp = k.get("/api/v1/summary", headers=bearer(SP500))
    assert resp.status == 200
    assert [c["category"] for c in json.loads(resp.body)["categories"]] \
        == ["sp500"]
    fulls = json.loads(k.get("/api/v1/summary", headers=bearer(GOOD)).body)
    assert json.loads(resp.body)["categories"][0] == \
        [c for c in fulls["categories"] if c["category"] == "sp500"][0]
    # krj_auth off: everything
    resp = k.get("/open/v1/summary", headers=bearer(SP500))
    assert len(json.loads(resp.body)["categories"]) == len(full["categories"])



@pytest.mark.parametrize("path", ["/api/v1/categories", "/api/v1/summary",
                                  "/api/v1/tickers/AAPL"])
def test_scoped_answer_has_its_own_etag(k, path):
    full = k.get(path, headers=bearer(GOOD))
    part = k.get(path, headers=bearer(SP500))
    assert full.status == 200 and part.status == 200, path
    assert full.body != part.body, "%s: the scoped answer differs" % path
    assert full.headers["etag"] != part.headers["etag"], \
        "%s: so does its ETag" % path
    h = dict(bearer(SP500), **{"If-None-Match": full.headers["etag"]})
    resp = k.get(path, headers=h)
    assert resp.status == 200 and resp.body == part.body, \
        "%s: the full answer's ETag is no 304 for the scoped principal" % path
    h = dict(bearer(SP500), **{"If-None-Match": part.headers["etag"]})
    assert k.get(path, headers=h).status == 304, \
        "%s: its own ETag is a 304" % path

def test_scope_tickers(k):
    full = json.loads(k.get("/api/v1/tickers/AAPL", headers=bearer(GOOD)).body)
    assert len({r["category"] for r in full["results"]}) > 1
    resp = k.get("/api/v1/tickers/AAPL", headers=bearer(SP500))
    assert resp.status == 200
    doc = json.loads(resp.body)
    want = [r for r in full["results"] if r["category"] == "sp500"]
    assert doc["results"] == want and doc["count"] == len(want)
    assert doc["ticker"] == full["ticker"]
    # a ticker that no sp500 row holds is unknown to this key
    found = False
    for t in ("c:EURUSD", "KVYO", "BMNR", "LLY"):
        doc = json.loads(k.get("/api/v1/tickers/" + t,
                               headers=bearer(GOOD)).body)
        if all(r["category"] != "sp500" for r in doc["results"]):
            resp = k.get("/api/v1/tickers/" + t, headers=bearer(SP500))
            assert resp.status == 404, t
            assert json.loads(resp.body)["error"]["code"] == "unknown_ticker"
            found = True
    assert found, "the fixture holds a ticker outside sp500"


def test_variables(k):
    k.get("/api/v1/categories", headers=bearer(GOOD))
    k.get("/api/v1/categories")
    deadline = time.time() + 5
    while time.time() < deadline:
        text = k.auth_log.read_text() if k.auth_log.exists() else ""
        if "key:ci-bot key 200" in text \
                and "addr:127.0.0.1 none 401" in text:
            break
        time.sleep(0.1)
    assert "key:ci-bot key 200" in text
    # no credentials: the client address, so limit_req always has a key
    assert "addr:127.0.0.1 none 401" in text


def test_revocation_without_restart(k):
    pid = k.nginx.pid
    assert k.get("/api/v1/categories", headers=bearer(LATER)).status == 200
    lines = [l for l in KEY_FILE.splitlines(True) if not l.startswith("later:")]
    tmp = k.key_file.with_suffix(".new")
    tmp.write_text("".join(lines))
    os.rename(tmp, k.key_file)
    deadline = time.time() + 5
    status = None
    while time.time() < deadline:
        status = k.get("/api/v1/categories", headers=bearer(LATER)).status
        if status == 401:
            break
        time.sleep(0.2)
    assert status == 401, "revoked within a reload interval"
    assert k.get("/api/v1/categories", headers=bearer(GOOD)).status == 200
    assert k.nginx.pid == pid


def test_revocation_seen_at_once(make_krj, tmp_path):
    # with a long krj_reload_interval the key file's rename into place
    # (inotify) is what makes each worker read it again
    keys = tmp_path / "keys"
    keys.write_text(KEY_FILE)
    k = make_krj(http_extra="    krj_key_file %s;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % keys,
                 reload_interval="60s", workers=2,
                 locations="location /api/v1/ { krj_auth key; krj_api; }")
    k.allow_log = ["the line is skipped"]
    for _ in range(8):
        assert k.get("/api/v1/categories", headers=bearer(LATER)).status \
            == 200
    lines = [l for l in KEY_FILE.splitlines(True)
             if not l.startswith("later:")]
    tmp = keys.with_suffix(".new")
    tmp.write_text("".join(lines))
    os.rename(tmp, keys)
    deadline = time.time() + 2
    while time.time() < deadline and any(
            k.get("/api/v1/categories", headers=bearer(LATER)).status != 401
            for _ in range(8)):
        time.sleep(0.05)
    for _ in range(8):
        assert_401(k.get("/api/v1/categories", headers=bearer(LATER)),
                   "revoked long before the next tick")
        assert k.get("/api/v1/categories", headers=bearer(GOOD)).status \
            == 200


def test_missing_file_fails_config(make_krj, tmp_path):
    k = make_krj(http_extra="    krj_key_file %s/none;\n" % tmp_path,
                 start=False)
    k.allow_log = [r"\[emerg\].*/none"]
    rc, out = k.nginx.test_config()
    assert rc != 0 and "[emerg]" in out and "none" in out


def test_bad_lines_skipped_rest_loads(make_krj, tmp_path):
    good = GOOD
    bad_lines = [
        "dup:%s:*:rate=1r/s,rate=2r/s" % digest(OLD),
        "trail:%s:*:rate=1r/s," % digest(OLD),
        "date:%s:*:expires=2027-13-01" % digest(OLD),
        "upper:%s:*" % digest(OLD).upper().replace("SHA256", "sha256"),
        "short:sha256:abcd:*",
        "scope:%s:SP500" % digest(OLD),
        "noscope:%s" % digest(OLD),
        "bad id!:%s:*" % digest(OLD),
        "opt:%s:*:expire=2099-01-01" % digest(OLD),
    ]
    keys = tmp_path / "keys"
    keys.write_text("\n".join(bad_lines + ["ok:%s:*" % digest(good)]) + "\n")
    k = make_krj(http_extra="    krj_key_file %s;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % keys,
                 locations="location /api/v1/ { krj_auth key; krj_api; }")
    log = k.nginx.error_log()
    for n in range(1, len(bad_lines) + 1):
        assert "\"%s\" on line %d, the line is skipped" % (keys, n) in log, n
    assert "on line %d," % (len(bad_lines) + 1) not in log
    assert k.get("/api/v1/categories", headers=bearer(good)).status == 200
    assert_401(k.get("/api/v1/categories", headers=bearer(OLD)), "skipped")


def test_file_that_is_no_file_refuses_every_key(make_krj, tmp_path):
    # the key file replaced by something that is not a file (a directory:
    # root reads every file, so no chmod) fails closed, logged once; the
    # file back in place is loaded again
    keys = tmp_path / "keys"
    keys.write_text("ok:%s:*\n" % digest(GOOD))
    k = make_krj(http_extra="    krj_key_file %s;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % keys,
                 locations="location /api/v1/ { krj_auth key; krj_api; }")
    k.allow_log = [r"\[crit\].*: not a regular file, every key of it is "
                   r"refused"]
    assert k.get("/api/v1/categories", headers=bearer(GOOD)).status == 200
    keys.unlink()
    keys.mkdir()
    deadline = time.time() + 5
    while time.time() < deadline:
        if "not a regular file" in k.nginx.error_log():
            break
        time.sleep(0.1)
    time.sleep(1.5)
    log = k.nginx.error_log()
    # the words krj-batch keys list uses for the same file
    assert "[crit]" in log and "\"%s\": not a regular file" % keys in log
    assert log.count("not a regular file") == 1, "logged once, not every tick"
    assert_401(k.get("/api/v1/categories", headers=bearer(GOOD)),
               "a directory in place of the key file")
    keys.rmdir()
    keys.write_text("ok:%s:*\n" % digest(GOOD))
    deadline = time.time() + 5
    while time.time() < deadline:
        if k.get("/api/v1/categories", headers=bearer(GOOD)).status == 200:
            break
        time.sleep(0.1)
    assert k.get("/api/v1/categories", headers=bearer(GOOD)).status == 200


def test_refusal_with_body_keeps_connection_sane(make_krj, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("ok:%s:*\n" % digest(GOOD))
    k = make_krj(http_extra="    krj_key_file %s;\n" % keys,
                 locations="location /api/v1/ { krj_auth key; krj_api; }")
    body = b"x" * 100
    req = (b"POST /api/v1/categories HTTP/1.1\r\nHost: a\r\n"
           b"Content-Length: 100\r\n\r\n" + body +
           b"GET /api/v1/categories HTTP/1.1\r\nHost: a\r\n"
           b"Authorization: Bearer " + GOOD.encode() + b"\r\n"
           b"Connection: close\r\n\r\n")
    import socket
    with socket.create_connection(("127.0.0.1", k.port), timeout=10) as s:
        s.sendall(req)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 401 ")
    assert data.count(b"HTTP/1.1 ") == 2
    assert b"HTTP/1.1 200 OK" in data
