"""krj_auth basic: htpasswd users from krj_user_file, verified with
ngx_crypt (bcrypt $2b$/$2y$, sha512-crypt, apr1, {SHA}, {SSHA}), with
scopes; never a hint whether a user exists; krj_auth any."""

import base64
import hashlib
import json
import os
import subprocess
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt


def openssl_passwd(*args):
    return subprocess.run(["openssl", "passwd"] + list(args) + ["-stdin"],
                          input="pw-" + args[0], capture_output=True,
                          text=True, check=True).stdout.strip()


def ssha(pw):
    salt = os.urandom(4)
    return "{SSHA}" + base64.b64encode(
        hashlib.sha1(pw.encode() + salt).digest() + salt).decode()


USERS = {
    "bcrypt2b": lambda: crypt.crypt("pw-bcrypt2b",
                                    crypt.mksalt(crypt.METHOD_BLOWFISH,
                                                 rounds=16)),
    "bcrypt2y": lambda: crypt.crypt("pw-bcrypt2y",
                                    crypt.mksalt(crypt.METHOD_BLOWFISH,
                                                 rounds=16))
    .replace("$2b$", "$2y$", 1),
    "sha512": lambda: openssl_passwd("-6"),
    "apr1": lambda: openssl_passwd("-apr1"),
    "sha1": lambda: "{SHA}" + base64.b64encode(
        hashlib.sha1(b"pw-sha1").digest()).decode(),
    "ssha": lambda: ssha("pw-ssha"),
}


def pw(user):
    return "pw-" + {"sha512": "-6", "apr1": "-apr1"}.get(user, user)


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    from conftest import _Factory
    f = _Factory(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("users")
    users = tmp / "users"
    lines = ["# users", ""]
    for name, make in USERS.items():
        lines.append("%s:%s" % (name, make()))
    lines.append("sam@example.org:%s:sp500" % crypt.crypt(
        "pw-sam", crypt.mksalt(crypt.METHOD_SHA512)))
    lines.append("broken:")
    lines.append("odd:notahash")
    users.write_text("\n".join(lines) + "\n")
    # krj_auth any accepts sessions too, which need a key
    session_key = tmp / "session.key"
    session_key.write_bytes(os.urandom(32))
    session_key.chmod(0o600)
    krj = f(http_extra="    krj_user_file %s;\n"
                       "    krj_session_key_file %s;\n"
                       "    krj_auth_fail_limit rate=1000r/s burst=1000;\n"
                       % (users, session_key),
            locations="""
        location /api/v1/ { krj_auth basic; krj_api; }
        location /any/ { krj_auth any; krj_auth_realm 'say "hi"'; krj_api; }
        location = /health { krj_auth basic; krj_status health; }
        location = /ready { krj_status ready; }
""", start=False)
    krj.user_file = users
    krj.start()
    yield krj
    f.finish()


def assert_401(resp, what, challenge='Basic realm="krj"'):
    assert resp.status == 401, "%s: 401, got %d" % (what, resp.status)
    assert json.loads(resp.body) == {"error": {
        "status": 401, "code": "unauthorized",
        "message": "valid credentials are required"}}, what
    assert resp.headers.get("www-authenticate") == challenge, what
    assert resp.headers.get("referrer-policy") == "no-referrer", what


def test_broken_line_logged(k):
    # the reason is the shared grammar's, the one krj-batch users list gives
    log = k.nginx.error_log()
    assert "krj: unknown or broken password hash in \"%s\" on line" \
        % k.user_file in log


@pytest.mark.parametrize("user", sorted(USERS))
def test_each_scheme(k, user):
    resp = k.get("/api/v1/categories", headers=basic(user, pw(user)))
    assert resp.status == 200, "%s: %r" % (user, resp.body[:200])
    assert_401(k.get("/api/v1/categories", headers=basic(user, "wrong")),
               user + " wrong password")
    # a cached success does not let another password in
    assert_401(k.get("/api/v1/categories",
                     headers=basic(user, pw(user) + "x")), user + " longer")
    assert k.get("/api/v1/categories",
                 headers=basic(user, pw(user))).status == 200


def test_same_answer_unknown_user_and_wrong_password(k):
    a = k.get("/api/v1/categories", headers=basic("nobody", "pw"))
    b = k.get("/api/v1/categories", headers=basic("sha1", "pw"))
    assert_401(a, "unknown user")
    assert_401(b, "wrong password")
    assert a.body == b.body


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Basic"},
    {"Authorization": "Basic !!!notbase64"},
    {"Authorization": "Basic " + base64.b64encode(b"nocolon").decode()},
    {"Authorization": "Bearer krj_x"},
    {"X-API-Key": "krj_x"},
], ids=["missing", "empty", "bad-base64", "no-colon", "bearer", "x-api-key"])
def test_bad_shapes(k, headers):
    assert_401(k.get("/api/v1/categories", headers=headers), repr(headers))


def test_broken_and_unknown_scheme(k):
    assert_401(k.get("/api/v1/categories", headers=basic("broken", "")),
               "skipped line")
    assert_401(k.get("/api/v1/categories", headers=basic("odd", "notahash")),
               "unknown hash scheme")


def test_scoped_user(k):
    h = basic("sam@example.org", "pw-sam")
    assert k.get("/api/v1/signals/sp500", headers=h).status == 200
    assert k.get("/api/v1/signals/sp100.csv", headers=h).status == 403
    doc = json.loads(k.get("/api/v1/categories", headers=h).body)
    assert [c["slug"] for c in doc["categories"]] == ["sp500"]


def test_any_and_realm(k):
    resp = k.get("/any/categories")
    assert resp.status == 401
    assert resp.count("WWW-Authenticate") == 2
    values = [v for n, v in resp.header_list
              if n.lower() == "www-authenticate"]
    assert values == ['Basic realm="say \\"hi\\""',
                      'Bearer realm="say \\"hi\\""']
    assert k.get("/any/categories",
                 headers=basic("sha1", "pw-sha1")).status == 200


def test_health_with_explicit_auth(k):
    assert_401(k.get("/health"), "krj_auth set on the health location")
    assert k.get("/health", headers=basic("sha1", "pw-sha1")).status == 200
    assert k.get("/ready").status in (200, 503)
