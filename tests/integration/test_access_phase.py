"""krj_auth in the access phase behaves like auth_basic: it returns its
status, so `satisfy any` with an allow rule lets a request through and an
operator's error_page 401 403 429 answers instead of the JSON; without
them, the JSON bodies and headers are as they were."""

import base64
import hashlib
import json
import os

import krjenv

KEY = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
SP500 = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def digest(key):
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def bearer(key):
    return {"Authorization": "Bearer " + key}


def _krj(make_krj, tmp_path, locations, extra=""):
    keys = tmp_path / "keys"
    keys.write_text("all:%s:*\nsp:%s:sp500\n" % (digest(KEY), digest(SP500)))
    pages = tmp_path / "pages"
    pages.mkdir(exist_ok=True)
    (pages / "denied.html").write_text("<p>sign in first</p>\n")
    (pages / "forbidden.html").write_text("<p>not yours</p>\n")
    (pages / "slow.html").write_text("<p>slow down</p>\n")
    return make_krj(http_extra="    krj_key_file %s;\n%s" % (keys, extra),
                    locations=locations % {"pages": pages})


def test_satisfy_any_allow_lets_through_without_challenge(make_krj,
                                                          tmp_path):
    k = _krj(make_krj, tmp_path, """
        location /api/v1/ {
            satisfy any;
            allow 127.0.0.1;
            deny all;
            krj_auth key;
            krj_api;
        }
        location /closed/ {
            satisfy any;
            deny all;
            krj_auth key;
            krj_api;
        }
""")
    r = k.get("/api/v1/categories")
    assert r.status == 200, "allow 127.0.0.1 satisfies the location"
    assert "www-authenticate" not in r.headers, \
        "the challenge of the refusal is not left on the answer"
    assert len(json.loads(r.body)["categories"]) > 1, "every category"
    r = k.get("/api/v1/categories", headers=bearer(SP500))
    assert r.status == 200
    assert [c["slug"] for c in json.loads(r.body)["categories"]] \
        == ["sp500"], "a valid key still has its scopes"

    # neither: the 401 with its JSON body and challenge
    r = k.get("/closed/categories")
    assert r.status == 401
    assert r.headers["www-authenticate"] == 'Bearer realm="krj"'
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(r.body) == {"error": {
        "status": 401, "code": "unauthorized",
        "message": "valid credentials are required"}}
    assert r.headers["x-content-type-options"] == "nosniff"
    assert int(r.headers["content-length"]) == len(r.body)
    assert k.get("/closed/categories", headers=bearer(KEY)).status == 200
    h = k.get("/closed/categories", method="HEAD")
    assert h.status == 401 and h.body == b""
    assert int(h.headers["content-length"]) == len(r.body)


def test_error_page_answers_instead_of_the_json(make_krj, tmp_path):
    k = _krj(make_krj, tmp_path, """
        location /api/v1/ {
            krj_auth key;
            krj_limit rate=1r/m burst=1 nodelay;
            error_page 401 /pages/denied.html;
            error_page 403 /pages/forbidden.html;
            error_page 429 /pages/slow.html;
            krj_api;
        }
        location /plain/ {
            krj_auth key;
            krj_api;
        }
        location /pages/ {
            internal;
            alias %(pages)s/;
        }
        location /login/ {
            krj_auth key;
            error_page 401 = @login;
            krj_api;
        }
        location @login {
            return 302 /signin;
        }
""")
    r = k.get("/api/v1/categories")
    assert r.status == 401 and r.body == b"<p>sign in first</p>\n"
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["www-authenticate"] == 'Bearer realm="krj"'

    r = k.get("/api/v1/signals/sp100", headers=bearer(SP500))
    assert r.status == 403 and r.body == b"<p>not yours</p>\n", \
        "a scope refusal is a refusal too"

    assert k.get("/api/v1/signals/sp500", headers=bearer(SP500)).status \
        == 200
    r = k.get("/api/v1/signals/sp500", headers=bearer(SP500))
    assert r.status == 429 and r.body == b"<p>slow down</p>\n"
    assert int(r.headers["retry-after"]) >= 1, \
        "the headers of the refusal stay with the operator's page"

    # a named location: nginx keeps the refusal's headers, as it does for
    # auth_basic (a 401 must carry its challenge wherever it is answered)
    r = k.get("/login/categories")
    assert r.status == 302 and r.headers["location"].endswith("/signin")

    # no error_page: the JSON, as before
    r = k.get("/plain/signals/sp100", headers=bearer(SP500))
    assert r.status == 403
    assert json.loads(r.body)["error"]["code"] == "forbidden"
    assert r.headers["content-type"] == "application/json; charset=utf-8"
