"""The production nginx.conf (conf/nginx.conf with only paths and ports
replaced, see tlsenv.render_production) on loopback: port 80 serves the
ACME challenge and redirects everything else to HTTPS; port 443 speaks
HTTP/2 and Mozilla's intermediate TLS with HSTS; the API asks for an API
key or a Basic user made by krj-batch, /health and /ready do not; and the
demo config shares its snippets."""

import base64
import json
import os
import re
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

import krjenv
import tlsenv
from krjenv import free_port, http, raw_http


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    for p in (krjenv.MODULE, krjenv.BATCH):
        if not p.exists():
            pytest.fail("not built: %s (run `make all`)" % p)
    d = tmp_path_factory.mktemp("prod")
    tls_dir = d / "tls"
    tlsenv.bootstrap_selfsigned(tls_dir, "krj.test")
    webroot = d / "webroot"
    (webroot / ".well-known" / "acme-challenge").mkdir(parents=True)
    snapshot = tlsenv.publish_fixtures(d / "output")
    ng = tlsenv.ProdNginx(d / "nginx", tls_dir, webroot, snapshot,
                          free_port(), free_port())
    # as README "Deploying" does it, before nginx starts
    ng.key = ng.add_key("ops-test", "*")
    ng.metrics_key = ng.add_key("prometheus", "metrics")
    ng.user, ng.password = "alice", "correct horse battery"
    ng.add_user(ng.user, ng.password)
    ng.start()
    yield ng
    ng.stop()
    ng.check_log()
    assert ng.exit_code == 0, "nginx exits 0 on quit"


def https(ng, path, **kw):
    return http("GET", "https://127.0.0.1:%d%s" % (ng.https_port, path),
                **kw)


def bearer(key):
    return {"Authorization": "Bearer " + key}


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


def log_record(ng, needle, timeout=10):
    """The access log record of the request whose line contains needle
    (nginx logs after the response is sent: wait for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in ng.access_log_path.read_text().splitlines():
            if needle in line:
                return json.loads(line)
        time.sleep(0.05)
    raise AssertionError("no access log line with %r" % needle)


def plain(ng, path, method="GET", host="krj.test"):
    """One HTTP/1.1 request on port 80 with the given Host header."""
    return raw_http(ng.http_port, "%s %s HTTP/1.1\r\nHost: %s\r\n"
                    "Connection: close\r\n\r\n" % (method, path, host))


# --- port 80 -----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/api/v1/categories",
                                  "/api/v1/signals/sp500?signal=Long&x=%20",
                                  "/health", "/.well-known/other",
                                  "/.well-known/acme-challenge"])
def test_http_redirects_to_https(prod, path):
    r = plain(prod, path)
    assert r.status == 301, "port 80: %s is a permanent redirect" % path
    assert r.headers["location"] == "https://krj.test" + path, \
        "redirect keeps host, path and query"
    assert "strict-transport-security" not in r.headers, \
        "no HSTS over plain HTTP"


@pytest.mark.parametrize("method", ["HEAD", "POST", "PUT", "DELETE"])
def test_http_redirects_every_method(prod, method):
    r = plain(prod, "/api/v1/summary", method=method)
    assert r.status == 301 and \
        r.headers["location"] == "https://krj.test/api/v1/summary", \
        "%s on port 80 is redirected too" % method


def test_http_redirect_strips_port_from_host(prod):
    r = plain(prod, "/ready", host="krj.test:%d" % prod.http_port)
    assert r.headers["location"] == "https://krj.test/ready", \
        "redirect goes to the default HTTPS port"


def test_acme_challenge_served_from_webroot(prod):
    token = "tok_-EN5Q1x9aZ"
    f = prod.webroot / ".well-known" / "acme-challenge" / token
    f.write_text(token + ".thumbprint")
    r = plain(prod, "/.well-known/acme-challenge/" + token)
    assert r.status == 200, "challenge file served on port 80"
    assert r.body == (token + ".thumbprint").encode(), "served verbatim"
    assert "strict-transport-security" not in r.headers, \
        "no HSTS on the challenge"


def test_acme_challenge_missing_is_404_not_redirect(prod):
    r = plain(prod, "/.well-known/acme-challenge/nope")
    assert r.status == 404, "a missing token is 404, not a redirect"


def test_acme_challenge_no_traversal(prod):
    (prod.webroot / "secret").write_text("no")
    r = plain(prod, "/.well-known/acme-challenge/../../secret")
    assert r.status != 200 and b"no" != r.body, \
        "nothing outside the challenge directory is served"


# --- port 443 ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/health", "/ready", "/api/v1/categories",
                                  "/api/v1/nope", "/", "/index.html"])
def test_hsts_exactly_once_over_tls(prod, path):
    r = https(prod, path)
    assert r.count("strict-transport-security") == 1, \
        "%s: exactly one Strict-Transport-Security header" % path
    hsts = r.headers["strict-transport-security"]
    age = int(hsts.split("max-age=")[1].split(";")[0])
    assert age >= 31536000, "HSTS max-age is at least a year"
    module = https(prod, "/health").headers["strict-transport-security"]
    assert hsts == module, \
        "%s: the same HSTS policy as the module's own answers" % path


def test_krj_locations_over_tls(prod):
    assert https(prod, "/health").status == 200, "/health over TLS"
    r = https(prod, "/api/v1/categories", headers=bearer(prod.key))
    assert r.status == 200, "/api/v1/categories over TLS"
    assert https(prod, "/").status == 404, "nothing else is served"
    assert "server" not in r.headers or "/" not in r.headers["server"], \
        "server_tokens off: no version in Server"


def test_access_log_is_json(prod):
    path = "/api/v1/signals/drc?offset=0&limit=7"   # no other test asks this
    assert https(prod, path, headers=bearer(prod.key)).status == 200
    rec = log_record(prod, path)
    for k in ("time", "remote_addr", "request", "status", "request_time",
              "snapshot", "category", "tls", "principal", "auth", "route"):
        assert k in rec, "access log field %s" % k
    assert rec["status"] == 200 and isinstance(rec["status"], int)
    assert rec["route"] == "signals" and rec["category"] == "drc"


def test_metrics_need_the_metrics_scope(prod):
    assert https(prod, "/metrics").status == 401
    r = https(prod, "/metrics", headers=bearer(prod.key))
    assert r.status == 403, "scope * does not read the metrics"
    assert "metrics" in json.loads(r.body)["error"]["message"]
    r = https(prod, "/metrics", headers=bearer(prod.metrics_key))
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert b"krj_http_requests_total{" in r.body
    r = subprocess.run(["promtool", "check", "metrics"], input=r.body,
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert https(prod, "/api/v1/summary",
                 headers=bearer(prod.metrics_key)).status == 200
    doc = json.loads(https(prod, "/api/v1/summary",
                           headers=bearer(prod.metrics_key)).body)
    assert doc["categories"] == [], "the monitoring key reads no category"


def test_switch_logged_at_notice(prod):
    log = prod.error_log_path.read_text()
    assert re.search(r"\[notice\] .*krj: snapshot .* loaded: generation "
                     r"[0-9a-f]{16}, \d+ categories", log), log[-2000:]


# --- authentication (krj_auth any on /api/v1/) -------------------------------

@pytest.mark.parametrize("path", ["/api/v1/summary", "/api/v1/categories",
                                  "/api/v1/signals/sp500.csv"])
def test_api_without_credentials_is_401(prod, path):
    r = https(prod, path)
    assert r.status == 401, "%s needs credentials" % path
    assert r.headers["content-type"].startswith("application/json")
    assert json.loads(r.body)["error"]["status"] == 401, "a JSON error"
    challenges = [v for k, v in r.header_list if k == "www-authenticate"]
    assert any(c.startswith("Basic realm=") for c in challenges) and \
        any(c.startswith("Bearer realm=") for c in challenges), \
        "krj_auth any challenges for Basic and Bearer: %r" % challenges


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer krj_" + "A" * 43},
    {"Authorization": "Basic " + base64.b64encode(b"alice:wrong").decode()},
], ids=["unknown-key", "wrong-password"])
def test_api_with_bad_credentials_is_401(prod, headers):
    # two failures from 127.0.0.1: well within the failed-login burst of 5
    r = https(prod, "/api/v1/summary", headers=headers)
    assert r.status == 401, "bad credentials are refused"
    assert b"sp500" not in r.body


@pytest.mark.parametrize("how", ["bearer", "x-api-key"])
def test_api_with_key(prod, how):
    h = bearer(prod.key) if how == "bearer" else {"X-API-Key": prod.key}
    r = https(prod, "/api/v1/summary", headers=h)
    assert r.status == 200, "a key from krj-batch keys add is accepted"
    assert b"sp500" in r.body, "scope * sees sp500"
    assert re.search(r"q=100;\s*w=60", r.headers["ratelimit-policy"]), \
        "RateLimit-Policy is krj_limit's 100 a minute: %s" \
        % r.headers["ratelimit-policy"]
    assert "r=" in r.headers["ratelimit"], "RateLimit sent on a 200"


def test_api_with_basic_user(prod):
    r = https(prod, "/api/v1/summary", headers=basic(prod.user,
                                                      prod.password))
    assert r.status == 200, "a user from krj-batch users add is accepted"
    assert "ratelimit-policy" in r.headers and "ratelimit" in r.headers


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_health_and_ready_stay_open(prod, path):
    r = https(prod, path)
    assert r.status == 200, "%s needs no credentials" % path
    assert "www-authenticate" not in r.headers


def test_access_log_principal_and_auth(prod):
    # a refused request is the client address's, as README "Variables
    # for logs" says: no key or user is named
    cases = [("/api/v1/signals/sp100?limit=3", bearer(prod.key),
              "key:ops-test", "key", 200),
             ("/api/v1/signals/sp100?limit=4",
              basic(prod.user, prod.password), "user:alice", "basic", 200),
             ("/api/v1/signals/sp100?limit=5", {}, "addr:127.0.0.1", "none",
              401)]
    for path, headers, principal, method, status in cases:
        r = https(prod, path, headers=headers)
        assert r.status == status, path
        rec = log_record(prod, path)
        assert rec["principal"] == principal, \
            "%s: principal %r logged" % (path, rec["principal"])
        assert rec["auth"] == method, "%s: auth %r" % (path, rec["auth"])


def test_request_body_limit(prod):
    r = http("POST", "https://127.0.0.1:%d/api/v1/categories"
             % prod.https_port, body=b"x" * 4096)
    assert r.status == 413, "a body over client_max_body_size is refused"


def _handshake(port, **kw):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for k, v in kw.items():
        if k == "ciphers":
            ctx.set_ciphers(v)
        elif k == "alpn":
            ctx.set_alpn_protocols(v)
        else:
            setattr(ctx, k, v)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="krj.test") as t:
            return t.version(), t.cipher()[0], t.selected_alpn_protocol()


def test_tls13_and_tls12(prod):
    v, _, _ = _handshake(prod.https_port,
                         minimum_version=ssl.TLSVersion.TLSv1_3)
    assert v == "TLSv1.3", "TLS 1.3 offered"
    v, c, _ = _handshake(prod.https_port,
                         maximum_version=ssl.TLSVersion.TLSv1_2)
    assert v == "TLSv1.2", "TLS 1.2 offered"
    assert "GCM" in c or "CHACHA20" in c, "an AEAD suite on TLS 1.2"


def test_http2_negotiated(prod):
    _, _, alpn = _handshake(prod.https_port, alpn=["h2", "http/1.1"])
    assert alpn == "h2", "HTTP/2 by ALPN"


@pytest.mark.parametrize("proto", ["-tls1", "-tls1_1"])
def test_old_protocols_refused(prod, proto):
    rc, out = tlsenv.s_client(prod.https_port, "krj.test", proto,
                              "-cipher", "DEFAULT@SECLEVEL=0")
    assert rc != 0 and "BEGIN CERTIFICATE" not in out, \
        "%s handshake refused" % proto


@pytest.mark.parametrize("cipher", ["AES128-SHA", "AES256-GCM-SHA384",
                                    "ECDHE-RSA-AES128-SHA",
                                    "ECDHE-ECDSA-AES256-SHA384"])
def test_weak_tls12_suites_refused(prod, cipher):
    rc, out = tlsenv.s_client(prod.https_port, "krj.test", "-tls1_2",
                              "-cipher", cipher)
    assert rc != 0 and "BEGIN CERTIFICATE" not in out, \
        "%s (no forward secrecy or CBC) refused" % cipher


def test_ecdh_curves(prod):
    rc, out = tlsenv.s_client(prod.https_port, "krj.test", "-groups",
                              "X448")
    assert rc != 0, "X448 is not among ssl_ecdh_curve"
    rc, out = tlsenv.s_client(prod.https_port, "krj.test", "-groups",
                              "X25519:P-256")
    assert rc == 0 and "X25519" in out, "X25519 preferred"


def test_no_session_tickets(prod):
    rc, out = tlsenv.s_client(prod.https_port, "krj.test", "-tls1_2")
    assert rc == 0
    assert "TLS session ticket:" not in out, "ssl_session_tickets off"


def test_config_test_passes(prod):
    rc, out = prod.test_config()
    assert rc == 0, "nginx -t passes on the production conf:\n" + out
    assert "[emerg]" not in out


# --- demo.conf ---------------------------------------------------------------

def test_demo_conf_shares_snippets():
    prod = (tlsenv.CONF / "nginx.conf").read_text()
    demo = (tlsenv.CONF / "demo.conf").read_text()
    for inc in ("include krj-http.conf;", "include tls-intermediate.conf;",
                "include krj-locations.conf;"):
        assert inc in prod and inc in demo, "both include %s" % inc
    for directive in ("ssl_ciphers", "ssl_protocols", "log_format",
                      "krj_api", "krj_status", "Strict-Transport-Security"):
        assert directive not in prod and directive not in demo, \
            "%s lives in a shared snippet, not copied" % directive


def test_demo_conf_passes_nginx_t(tmp_path):
    d = tmp_path / "demo"
    (d / "modules").mkdir(parents=True)
    (d / "logs").mkdir()
    (d / "tmp").mkdir()
    (d / "output").mkdir()
    (d / "auth").mkdir()
    (d / "auth" / "api-keys").touch()
    (d / "auth" / "users.htpasswd").touch()
    (d / "auth" / "session.key").write_bytes(os.urandom(32))
    (d / "auth" / "session.key").chmod(0o600)
    (d / "modules" / "ngx_http_krj_module.so").symlink_to(krjenv.MODULE)
    for name in tlsenv.SNIPPETS + ("demo.conf",):
        (d / name).symlink_to(tlsenv.CONF / name)
    tlsenv.bootstrap_selfsigned(d / "tls", "localhost")
    # as demo.sh makes sure: the workers (not root) reach the state dir,
    # which nginx -t checks for the key and user files
    for p in d.parents:
        if p == Path("/tmp"):
            break
        p.chmod(p.stat().st_mode | 0o001)
    r = subprocess.run([krjenv.NGINX_BIN, "-t", "-p", str(d) + "/", "-c",
                        "demo.conf", "-e", "stderr"], capture_output=True,
                       text=True, timeout=60, cwd=d,
                       env=dict(os.environ, **krjenv._sanitizer_env(d)))
    assert r.returncode == 0, "nginx -t on demo.conf:\n" + r.stderr


# --- scripts/demo.sh ---------------------------------------------------------

def _nginx_pids_under(path):
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                cmd = open("/proc/%s/cmdline" % d, "rb").read()
            except OSError:
                continue
            if cmd.startswith(b"nginx") and str(path).encode() in cmd:
                pids.append(int(d))
    return pids


def _pids_under(path):
    """Processes whose command line names path (postgres, redis-server,
    krj-batch follow of the demo)."""
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != os.getpid():
            try:
                cmd = open("/proc/%s/cmdline" % d, "rb").read()
            except OSError:
                continue
            if str(path).encode() in cmd and b"pytest" not in cmd:
                pids.append(int(d))
    return pids


def _free_port_pair():
    """A port whose next one is free too: the demo's two nodes."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    pytest.fail("no two free ports in a row")


class Demo:
    """scripts/demo.sh in its own process group, its state under /var/tmp
    (as root the demo's workers run as www-data and must reach it, which
    pytest's 0700 tmp_path is not), on a free port."""

    def __init__(self, tmp_path, **env):
        import tempfile
        for p in (krjenv.MODULE, krjenv.BATCH):
            if not p.exists():
                pytest.fail("not built: %s (run `make all`)" % p)
        self.top = tempfile.mkdtemp(prefix="krj-demo-test-", dir="/var/tmp")
        os.chmod(self.top, 0o755)
        self.state = Path(self.top) / "demo"
        self.port = _free_port_pair()
        self.base = "https://127.0.0.1:%d" % self.port
        self.base_b = "https://127.0.0.1:%d" % (self.port + 1)
        self.out = tmp_path / "demo.out"
        self.env = dict(os.environ, KRJ_DEMO_DIR=str(self.state),
                        KRJ_BUILD=str(krjenv.BUILD),
                        KRJ_DEMO_PORT=str(self.port), **env)
        self.proc = None

    def start(self, timeout=60):
        with open(self.out, "wb") as f:
            self.proc = subprocess.Popen(
                [str(krjenv.REPO / "scripts" / "demo.sh")],
                stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                env=self.env, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None \
                and b"Ctrl-C stops it" not in self.out.read_bytes():
            time.sleep(0.1)
        text = self.text()
        assert "Ctrl-C stops it" in text, "demo came up:\n" + text
        return text

    def text(self):
        return self.out.read_text(errors="replace")

    def stop(self):
        import signal
        os.killpg(self.proc.pid, signal.SIGINT)          # what Ctrl-C sends
        rc = self.proc.wait(timeout=30)
        text = self.text()
        assert rc == 0 and "demo: stopped" in text, \
            "Ctrl-C stops the demo cleanly (exit %s):\n%s" % (rc, text)
        deadline = time.time() + 10
        while time.time() < deadline and _nginx_pids_under(self.state):
            time.sleep(0.1)
        assert not _nginx_pids_under(self.state), "no nginx process is left"
        assert not _pids_under(self.state), \
            "no PostgreSQL, Redis or follower is left: %s" \
            % _pids_under(self.state)
        err = (self.state / "logs" / "error.log").read_text()
        assert not krjenv.BAD_LOG.search(err), "demo error log clean:\n" + err

    def cleanup(self):
        import shutil
        import signal
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        for pid in _nginx_pids_under(self.state) + _pids_under(self.state):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.top, ignore_errors=True)


def _printed(text, prefix):
    return [line[2:] for line in text.splitlines()
            if line.startswith("  " + prefix + " ")]


def _run_printed(line, what):
    """A printed command, run by a shell exactly as printed."""
    r = subprocess.run(["bash", "-c", line], capture_output=True,
                       timeout=30, cwd="/")
    assert r.returncode == 0, "%s exits 0 as printed:\n%s\n%s" % (
        what, line, r.stderr.decode(errors="replace"))
    return r.stdout


def _check_printed_commands(d, text, key, password):
    ca = str(d.state / "tls" / "live" / "fullchain.pem")
    assert not re.search(r"(^|\s)(-k|--insecure)(\s|$)", text, re.M) \
        and "CERT_NONE" not in text and "check_hostname" not in text, \
        "the demo teaches nobody to turn verification off:\n" + text
    for url in re.findall(r"\S*https://\S+", text):
        if "&" in url:
            assert url[0] in "'\"" and url[-1] == url[0], \
                "a URL with & is quoted: %s" % url
    curls = _printed(text, "curl")
    assert len(curls) >= 4, "curl lines:\n" + text
    seen = set()
    for line in curls:
        assert line.startswith("curl --cacert %s " % ca), \
            "curl trusts the demo's certificate: " + line
        body = _run_printed(line, "curl")
        if line.endswith("/metrics"):
            assert body.startswith(b"# HELP krj_"), line
            seen.add("metrics")
            continue
        assert key in line or ("-u demo:%s " % password) in line, line
        if ".csv" in line:
            assert body.startswith(b"ticker,"), line
            seen.add("csv")
            continue
        assert body.endswith(b"}\n"), line
        doc = json.loads(body)
        assert "error" not in doc, "%s: %r" % (line, doc)
        seen.add("endpoints" if "endpoints" in doc else
                 "rows" if "rows" in doc else
                 "basic" if "-u demo:" in line else "other")
    assert {"csv", "endpoints", "rows", "basic", "metrics"} <= seen, seen
    pythons = _printed(text, "python3")
    assert len(pythons) == 1, "one Python line:\n" + text
    assert 'cafile="%s"' % ca in pythons[0], pythons[0]
    doc = json.loads(_run_printed(pythons[0], "the Python line"))
    assert doc["categories"], "the Python line gets the summary"


def _check_certificate_names(d):
    ca = str(d.state / "tls" / "live" / "fullchain.pem")
    san = subprocess.run(["openssl", "x509", "-in", ca, "-noout", "-ext",
                          "subjectAltName"], capture_output=True, text=True,
                         check=True).stdout
    assert "DNS:localhost" in san and "IP Address:127.0.0.1" in san, san
    ctx = ssl.create_default_context(cafile=ca)
    for name in ("localhost", "127.0.0.1"):
        with socket.create_connection(("127.0.0.1", d.port), timeout=10) as c:
            with ctx.wrap_socket(c, server_hostname=name) as t:
                assert t.version(), "verified as %s" % name


@pytest.mark.skipif(krjenv.ASAN, reason="the demo runs the plain module")
def test_demo_script_serves_and_stops_on_ctrl_c(tmp_path):
    d = Demo(tmp_path)
    try:
        text = d.start()
        state, base = d.state, d.base
        assert "State: %s" % state in text, "demo used the given state dir"
        assert "krj demo is running on %s." % base in text, \
            "demo runs on KRJ_DEMO_PORT"
        assert "KRJ_DEMO_DATA" in text and "make demo PORT=" in text, \
            "the start-up text tells how to serve other data, another port"
        m = re.search(r"^  API key: +(krj_[A-Za-z0-9_-]+)$", text, re.M)
        assert m, "demo prints its API key:\n" + text
        key = m.group(1)
        m = re.search(r"^  Password: +(\S+)$", text, re.M)
        assert m, "demo prints its Basic password:\n" + text
        password = m.group(1)
        _check_printed_commands(d, text, key, password)
        _check_certificate_names(d)
        # the sample data's duplicate ticker: explained once, in the log
        assert text.count('duplicate ticker "LLY"') == 1 \
            and "on purpose" in text \
            and "krj-batch warning:" not in text, \
            "the sample data's warning is explained once:\n" + text
        log = state / "logs" / "krj-batch.log"
        assert "krj-batch's log: %s" % log in text
        assert 'duplicate ticker "LLY"' in log.read_text(), \
            "the warning is in krj-batch's log"
        for path in ("/api/v1/", "/api/v1/categories",
                     "/api/v1/signals/sp500", "/api/v1/summary", "/health",
                     "/ready"):
            url = base + path
            assert url in text, "demo prints %s" % path
            if path.startswith("/api/"):
                assert http("GET", url).status == 401, \
                    "the demo API asks for credentials: %s" % path
                for h in (bearer(key), basic("demo", password)):
                    r = http("GET", url, headers=h)
                    assert r.status == 200, "demo serves %s with %s" % (
                        path, h["Authorization"].split()[0])
            else:
                r = http("GET", url)
                assert r.status == 200, "demo serves %s openly" % path
        auth = state / "auth"
        assert (auth / "demo-credentials").stat().st_mode & 0o077 == 0, \
            "the plain key and password are for the demo's owner only"
        if os.getuid() == 0:
            import grp
            for f in ("api-keys", "users.htpasswd"):
                st = (auth / f).stat()
                assert grp.getgrgid(st.st_gid).gr_name in ("www-data",
                                                           "nobody") \
                    and st.st_mode & 0o777 == 0o640, \
                    "%s: mode 0640, the workers' group" % f
        # the follower node serves what the first one ingested, the same
        # generation: the same ETag
        assert d.base_b + "/api/v1/categories" in text
        tags = set()
        for b in (base, d.base_b):
            r = http("GET", b + "/api/v1/categories", headers=bearer(key))
            assert r.status == 200, "node %s serves the demo key" % b
            tags.add(r.headers["etag"])
        assert len(tags) == 1, "both nodes serve one generation: %s" % tags
        r = krjenv.run_batch("status", "--config", "", env={
            "KRJ_PG_DSN": "host=%s/pg user=postgres dbname=krj" % state,
            "KRJ_OUTPUT_DIR": str(state / "node-b" / "output")})
        assert "lag: 0 s" in r.stdout and "last run: generation" in \
            r.stdout, r.stdout
        assert int(re.search(r"(\d+) rows", r.stdout).group(1)) > 0
        assert not (state / "demo.conf").is_symlink() and \
            "listen 127.0.0.1:%d ssl" % d.port in \
            (state / "demo.conf").read_text(), "demo.conf has the port"
        assert "127.0.0.1:8443" in (tlsenv.CONF / "demo.conf").read_text(), \
            "conf/demo.conf itself is left alone"
        assert _nginx_pids_under(state), "nginx runs from the state dir"
        d.stop()
    finally:
        d.cleanup()


@pytest.mark.skipif(krjenv.ASAN, reason="the demo runs the plain module")
def test_demo_serves_your_own_data(tmp_path):
    data = tmp_path / "mine"
    data.mkdir()
    (data / "KRJ_signals_latest_week_DRC_2026-01-09.csv").write_bytes(
        (krjenv.DATA / "KRJ_signals_latest_week_DRC_2026-01-09.csv")
        .read_bytes())
    (data / "KRJ_signals_latest_week_Mine_2026-01-09.csv").write_text(
        "ticker,c\nAAA,1\nAAA,2\n")
    d = Demo(tmp_path, KRJ_DEMO_DATA=str(data))
    try:
        text = d.start()
        assert "demo: ingesting %s (KRJ_DEMO_DATA)" % data in text, text
        assert "krj-batch warning: KRJ_signals_latest_week_Mine_2026-01-09" \
            ".csv:3: duplicate ticker" in text and "on purpose" not in text, \
            "the warnings about your own data are shown as they are:\n" + text
        key = re.search(r"^  API key: +(krj_\S+)$", text, re.M).group(1)
        r = http("GET", d.base + "/api/v1/categories", headers=bearer(key))
        assert [c["slug"] for c in json.loads(r.body)["categories"]] == \
            ["drc", "mine"], "the demo serves the given directory"
        d.stop()
    finally:
        d.cleanup()


def test_demo_port_from_make_and_checked(tmp_path):
    r = subprocess.run(["make", "-n", "demo", "PORT=9443"],
                       cwd=krjenv.REPO, capture_output=True, text=True,
                       timeout=120)
    assert "KRJ_DEMO_PORT=9443 scripts/demo.sh" in r.stdout, r.stdout[-2000:]
    for bad in ("abc", "0", "65536", "08443", "-1", "1 2"):
        r = subprocess.run([str(krjenv.REPO / "scripts" / "demo.sh")],
                           capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, KRJ_DEMO_PORT=bad,
                                    KRJ_DEMO_DIR=str(tmp_path / "d"),
                                    KRJ_BUILD=str(krjenv.BUILD)))
        assert r.returncode == 1 and "not a port" in r.stderr, (bad, r)
        assert not (tmp_path / "d").exists(), "refused before anything"
