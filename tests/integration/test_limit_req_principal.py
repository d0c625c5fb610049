"""Stock limit_req keyed on $krj_principal: the variable is right in the
preaccess phase, before krj_auth's access handler runs, and credentials are
still verified only once per request (the failed-login limiter counts one
failure per request, one error-log line per verification, none through the
variable for a locked out address)."""

import base64
import hashlib
import http.client
import os
import time
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt


# the configuration of README.md, "Variables for logs"
HTTP = """\
    krj_key_file  %(keys)s;
    krj_user_file %(users)s;

    limit_req_zone   $krj_principal zone=per:1m rate=1r/m;
    limit_req_status 429;

    limit_req_zone   $krj_principal zone=loose:1m rate=100r/s;
    krj_auth_fail_limit rate=1r/m burst=2;

    log_format principal '$remote_addr $krj_principal $krj_auth_method '
                         '$status';
"""

LOCATIONS = """
        location /api/v1/ {
            krj_auth key basic;
            limit_req zone=per;
            krj_api;
            access_log %(log)s principal;
        }
        location /loose/ {
            krj_auth basic;
            limit_req zone=loose burst=100 nodelay;
            krj_api;
            access_log %(log)s principal;
        }
        location = /health { krj_status health; }
"""


def key():
    return "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode() \
        .rstrip("=")


def digest(k):
    return "sha256:" + hashlib.sha256(k.encode()).hexdigest()


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


def get_from(port, path, source, headers=None):
    """GET from a chosen loopback source address: (status, body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                   source_address=(source, 0))
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


A, B = key(), key()


@pytest.fixture
def k(make_krj, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("a:%s:*\nb:%s:*\n" % (digest(A), digest(B)))
    users = tmp_path / "users"
    users.write_text("alice:%s\n" % crypt.crypt(
        "secret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))
    log = tmp_path / "principal.log"
    krj = make_krj(http_extra=HTTP % {"keys": keys, "users": users},
                   locations=LOCATIONS % {"log": log})
    krj.access_log = log
    return krj


def access_lines(k, n):
    """The access log, once it holds at least n lines."""
    deadline = time.time() + 5
    while time.time() < deadline:
        text = k.access_log.read_text() if k.access_log.exists() else ""
        if len(text.splitlines()) >= n:
            return text.splitlines()
        time.sleep(0.05)
    raise AssertionError("access log: fewer than %d lines" % n)


def test_limit_req_per_principal(k):
    def get(headers=None):
        return k.get("/api/v1/categories", headers=headers)

    assert get({"Authorization": "Bearer " + A}).status == 200, "key a"
    assert get({"X-API-Key": A}).status == 429, "key a again: limit_req"
    assert get({"Authorization": "Bearer " + B}).status == 200, \
        "key b has its own bucket"
    assert get(basic("alice", "secret")).status == 200, \
        "user alice has her own bucket"
    assert get(basic("alice", "secret")).status == 429, "alice again"

    # no credentials: one bucket per address
    assert get().status == 401, "anonymous: passes limit_req, then 401"
    assert get().status == 429, "anonymous again, same address"
    status, _ = get_from(k.port, "/api/v1/categories", "127.0.0.2")
    assert status == 401, "anonymous from another address"

    # a failed login is keyed on its address, and still a 401
    status, _ = get_from(k.port, "/api/v1/categories", "127.0.0.3",
                         basic("alice", "wrong"))
    assert status == 401, "wrong password"
    status, _ = get_from(k.port, "/api/v1/categories", "127.0.0.3")
    assert status == 429, "the address that failed has used its bucket"

    assert access_lines(k, 10) == [
        "127.0.0.1 key:a key 200",
        "127.0.0.1 key:a key 429",
        "127.0.0.1 key:b key 200",
        "127.0.0.1 user:alice basic 200",
        "127.0.0.1 user:alice basic 429",
        "127.0.0.1 addr:127.0.0.1 none 401",
        "127.0.0.1 addr:127.0.0.1 none 429",
        "127.0.0.2 addr:127.0.0.2 none 401",
        "127.0.0.3 addr:127.0.0.3 none 401",
        "127.0.0.3 addr:127.0.0.3 none 429",
    ]
    # evaluated in preaccess, access and log phases: verified once
    assert k.nginx.error_log().count('user "alice": password mismatch') \
        == 1


def test_failures_counted_once_per_request(k):
    """krj_auth_fail_limit rate=1r/m burst=2: three failures, then 429;
    a second count per request would lock out after the first."""
    since = k.nginx.log_size()
    for i in range(3):
        status, _ = get_from(k.port, "/loose/categories", "127.0.0.4",
                             basic("alice", "guess%d" % i))
        assert status == 401, "failure %d" % (i + 1)
    for what in ("guess", "secret"):
        status, body = get_from(k.port, "/loose/categories", "127.0.0.4",
                                basic("alice", what))
        assert status == 429 and b'"auth_locked"' in body, \
            "locked out (%s)" % what
    # one verification per failed request; none while locked out, though
    # limit_req asked for $krj_principal
    assert k.nginx.error_log(since).count(
        'user "alice": password mismatch') == 3
    lines = [l for l in access_lines(k, 5) if l.startswith("127.0.0.4 ")]
    assert lines == ["127.0.0.4 addr:127.0.0.4 none 401"] * 3 \
        + ["127.0.0.4 addr:127.0.0.4 none 429"] * 2
    # alice from another address is not locked out
    status, _ = get_from(k.port, "/loose/categories", "127.0.0.5",
                         basic("alice", "secret"))
    assert status == 200


def test_krj_auth_off_keeps_variables_empty(make_krj, tmp_path):
    """Where neither krj_auth nor krj_limit applies, the variables are
    empty (not found) and limit_req skips the request, as before."""
    log = tmp_path / "off.log"
    k = make_krj(http_extra="    limit_req_zone $krj_principal zone=per:1m "
                            "rate=1r/m;\n    log_format p "
                            "'[$krj_principal][$krj_auth_method]';\n",
                 locations="""
        location /api/v1/ { limit_req zone=per; krj_api;
                            access_log %s p; }
""" % log)
    for _ in range(3):
        assert k.get("/api/v1/categories").status == 200
    k.access_log = log
    assert access_lines(k, 3) == ["[-][-]"] * 3, "not found: -"
