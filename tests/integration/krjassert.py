"""Structural checks shared by the test files (README section "Errors" and
"Headers")."""

import re

import krjdata


ERROR_CODES = {
    400: {"bad_parameter", "unknown_parameter", "unknown_column",
          "over_bound"},
    404: {"not_found", "unknown_category", "unknown_ticker", "no_history"},
    405: {"method_not_allowed"},
    503: {"no_data"},
}

SECURITY_HEADERS = {
    "x-content-type-options": lambda v: v == "nosniff",
    "x-frame-options": lambda v: v == "DENY",
    "referrer-policy": lambda v: v == "no-referrer",
    "permissions-policy": lambda v: bool(v.strip()),
    "content-security-policy":
        lambda v: csp_directives(v).get("default-src") == ["'none'"]
        and csp_directives(v).get("frame-ancestors") == ["'none'"],
}

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def csp_directives(value):
    d = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            d[words[0].lower()] = words[1:]
    return d


def assert_security_headers(resp, what=""):
    status, headers, _ = resp
    for name, ok in SECURITY_HEADERS.items():
        assert name in headers, \
            "%s (HTTP %d): security header %s missing" % (what, status, name)
        assert resp.count(name) == 1, \
            "%s: security header %s sent %d times" % (what, name,
                                                      resp.count(name))
        assert ok(headers[name]), \
            "%s: %s has a wrong value %r" % (what, name, headers[name])
    assert "strict-transport-security" not in headers, \
        "%s: HSTS must only be sent over TLS" % what


def assert_json_type(resp, what=""):
    ct = resp.headers.get("content-type", "")
    assert ct.split(";")[0].strip() == "application/json", \
        "%s: Content-Type %r is not application/json" % (what, ct)


def assert_error(resp, status, code=None, what=""):
    """A README error: the status, JSON {"error":{status,code,message}}."""
    st, headers, body = resp
    assert st == status, "%s: HTTP %d, expected %d; body %r" % (
        what, st, status, body[:300])
    assert_json_type(resp, what)
    assert_security_headers(resp, what)
    doc = krjdata.loads(body)
    assert isinstance(doc, dict) and set(doc) == {"error"}, \
        "%s: error body must be {\"error\":{...}}: %r" % (what, doc)
    err = doc["error"]
    assert {"status", "code", "message"} <= set(err), \
        "%s: error object lacks status/code/message: %r" % (what, err)
    assert err["status"] == status and type(err["status"]) is int, \
        "%s: error.status %r != HTTP status %d" % (what, err["status"],
                                                    status)
    assert err["code"] in ERROR_CODES.get(status, {err["code"]}), \
        "%s: error.code %r not a README code for %d" % (what, err["code"],
                                                        status)
    if code is not None:
        assert err["code"] == code, \
            "%s: error.code %r, expected %r" % (what, err["code"], code)
    assert isinstance(err["message"], str) and err["message"], \
        "%s: error.message empty" % what
    return err


def get_json(k, path, headers=None, status=200):
    resp = k.get(path, headers=headers)
    assert resp.status == status, "GET %s: HTTP %d, expected %d: %r" % (
        path, resp.status, status, resp.body[:300])
    assert_json_type(resp, "GET " + path)
    return krjdata.loads(resp.body), resp


def get_raw_json(k, path, headers=None, status=200):
    resp = k.get(path, headers=headers)
    assert resp.status == status, "GET %s: HTTP %d, expected %d: %r" % (
        path, resp.status, status, resp.body[:300])
    assert_json_type(resp, "GET " + path)
    return krjdata.loads_raw(resp.body), resp
