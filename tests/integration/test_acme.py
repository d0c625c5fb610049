"""ACME end to end, offline: real certbot (certbot/issue.sh) against a real
ACME server (Debian's pebble) whose HTTP-01 validation reaches the
production nginx.conf's port-80 challenge location, then the deploy hook
(certbot/deploy-hook.sh) putting the certificate live.

Also the deploy hook alone: a good certificate is deployed with a reload;
a broken one leaves nginx, its workers and the served certificate as they
were and exits non-zero."""

import calendar
import os
import shutil
import subprocess
import threading
import time

import pytest

import krjenv
import tlsenv
from krjenv import free_port, http

DOMAIN = "krj-acme.test"


def _require_tools():
    for p in (krjenv.MODULE, krjenv.BATCH):
        if not p.exists():
            pytest.fail("not built: %s (run `make all`)" % p)
    for tool in ("certbot", "pebble", "openssl"):
        if shutil.which(tool) is None:
            pytest.fail("%s is not installed (run `make deps`)" % tool)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """nginx from conf/nginx.conf with a self-signed bootstrap certificate,
    serving the fixtures."""
    _require_tools()
    d = tmp_path_factory.mktemp("acme")
    tls_dir = d / "tls"
    tlsenv.bootstrap_selfsigned(tls_dir, DOMAIN)
    webroot = d / "webroot"
    webroot.mkdir()
    snapshot = tlsenv.publish_fixtures(d / "output")
    ng = tlsenv.ProdNginx(d / "nginx", tls_dir, webroot, snapshot,
                          free_port(), free_port(), workers=2)
    ng.dir = d
    # the renewal test's client asks as fast as it can: its key's own rate
    # is far above what it reaches, so no answer is a 429
    ng.key = ng.add_key("renewal-client", "*", "--rate", "1000000r/s")
    ng.start()
    yield ng
    ng.stop()
    ng.check_log()
    assert ng.exit_code == 0, "nginx exits 0 on quit"


@pytest.fixture(scope="module")
def pebble(site):
    dns = tlsenv.DnsServer(".test")
    pb = tlsenv.Pebble(site.dir / "pebble", site.http_port, dns.port)
    try:
        pb.start()
        pb.dns = dns
        yield pb
    finally:
        pb.stop()
        dns.stop()


def _certbot_env(site, pebble):
    return site.hook_env(REQUESTS_CA_BUNDLE=pebble.ca,
                         KRJ_WEBROOT=site.webroot)


def _certbot_dirs(site):
    d = site.dir / "certbot"
    return ["--config-dir", d / "config", "--work-dir", d / "work",
            "--logs-dir", d / "logs"]


def _certbot_log(site):
    p = site.dir / "certbot" / "logs" / "letsencrypt.log"
    return p.read_text(errors="replace")[-6000:] if p.exists() else ""


def _access_records(site):
    import json
    out = []
    for line in site.access_log_path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def _verify(site, root_pem, name=DOMAIN):
    root = site.dir / "pebble-root.pem"
    root.write_text(root_pem)
    return tlsenv.s_client(site.https_port, name, "-CAfile", root,
                           "-verify_return_error", "-verify_hostname", name)


@pytest.fixture(scope="module")
def issued(site, pebble):
    """certbot/issue.sh against pebble; returns the lineage directory."""
    assert tlsenv.cert_serial(tlsenv.served_cert(site.https_port, DOMAIN))
    workers_before = site.worker_pids()
    r = tlsenv.run([tlsenv.CERTBOT / "issue.sh", DOMAIN, "ops@krj.test",
                    "--", "--server", pebble.directory]
                   + _certbot_dirs(site),
                   env=_certbot_env(site, pebble), timeout=180, check=False)
    assert r.returncode == 0, "issue.sh failed:\n%s%s\n%s\n%s" % (
        r.stdout, r.stderr, _certbot_log(site), pebble.log()[-3000:])
    lineage = site.dir / "certbot" / "config" / "live" / DOMAIN
    assert (lineage / "fullchain.pem").exists(), "certbot wrote the lineage"
    return {"lineage": lineage, "workers_before": workers_before,
            "output": r.stdout + r.stderr}


def test_issue_through_http01_served_by_nginx(site, pebble, issued):
    names = {q[0] for q in pebble.dns.queries}
    assert DOMAIN in names, "pebble resolved the name through our DNS"
    challenges = [r for r in _access_records(site)
                  if r["uri"].startswith("/.well-known/acme-challenge/")]
    assert challenges, "pebble fetched the challenge from nginx's port 80"
    assert any(r["status"] == 200 for r in challenges), \
        "nginx answered the challenge with 200"
    assert all(r["host"] == DOMAIN for r in challenges), \
        "the challenge was asked for the domain being issued"
    left = list((site.webroot / ".well-known" / "acme-challenge").iterdir())
    assert left == [], "certbot cleaned up its challenge files"


def test_deploy_hook_reloaded_nginx(site, issued):
    log = site.deploy_log()
    assert "nginx -t passed; nginx reloaded" in log, \
        "the deploy hook ran and reloaded nginx:\n" + log
    live = os.readlink(site.tls_dir / "live")
    assert DOMAIN in live, "live points at a copy of the new lineage"
    deadline = time.time() + 10
    while time.time() < deadline and (site.worker_pids()
                                      & issued["workers_before"]):
        time.sleep(0.05)
    assert not (site.worker_pids() & issued["workers_before"]), \
        "new workers after the reload"
    renewal = (site.dir / "certbot" / "config" / "renewal" /
               (DOMAIN + ".conf")).read_text()
    assert "renew_hook = %s" % (tlsenv.CERTBOT / "deploy-hook.sh") \
        in renewal, "the deploy hook is registered for renewals"
    assert "webroot_path = %s" % site.webroot in renewal, \
        "renewals use the same webroot"


def test_served_chain_verifies_against_pebble_root(site, pebble, issued):
    rc, out = _verify(site, pebble.root())
    assert rc == 0 and "Verify return code: 0 (ok)" in out, \
        "openssl s_client verifies the served chain for %s:\n%s" % (
            DOMAIN, out[-3000:])
    served = tlsenv.cert_serial(tlsenv.served_cert(site.https_port, DOMAIN))
    issued_serial = tlsenv.cert_serial(
        (issued["lineage"] / "cert.pem").read_text())
    assert served == issued_serial, "nginx serves the issued certificate"
    rc, out = tlsenv.s_client(site.https_port, "other.test", "-CAfile",
                              site.dir / "pebble-root.pem",
                              "-verify_return_error", "-verify_hostname",
                              "other.test")
    assert rc != 0, "the certificate is only valid for its own name"


def test_forced_renewal_without_failed_requests(site, pebble, issued):
    before = tlsenv.cert_serial(tlsenv.served_cert(site.https_port, DOMAIN))
    stop = threading.Event()
    results = {"ok": 0, "failed": []}

    def client():
        url = "https://127.0.0.1:%d/api/v1/categories" % site.https_port
        end = time.time() + 120
        while not stop.is_set() and time.time() < end:
            try:
                r = http("GET", url, timeout=10,
                         headers={"Authorization": "Bearer " + site.key})
                if r.status == 200:
                    results["ok"] += 1
                else:
                    results["failed"].append(r.status)
            except OSError as e:
                results["failed"].append(repr(e))

    t = threading.Thread(target=client)
    t.start()
    try:
        time.sleep(0.5)
        r = tlsenv.run(["certbot", "renew", "--force-renewal",
                        "--cert-name", DOMAIN, "--non-interactive",
                        "--no-random-sleep-on-renew"] + _certbot_dirs(site),
                       env=_certbot_env(site, pebble), timeout=180,
                       check=False)
        time.sleep(1.0)
    finally:
        stop.set()
        t.join(timeout=30)
    assert r.returncode == 0, "certbot renew failed:\n%s%s\n%s" % (
        r.stdout, r.stderr, _certbot_log(site))
    after = tlsenv.cert_serial(tlsenv.served_cert(site.https_port, DOMAIN))
    assert after != before, "the renewed certificate is served"
    assert results["ok"] > 10, "the client kept running during renewal"
    assert results["failed"] == [], \
        "no request failed during the renewal: %s" % results["failed"][:5]
    rc, out = _verify(site, pebble.root())
    assert rc == 0, "the renewed chain verifies:\n" + out[-2000:]
    assert site.deploy_log().count("nginx reloaded") >= 2, \
        "the renewal ran the registered deploy hook"


# --- the deploy hook alone ---------------------------------------------------

def _hook(site, lineage):
    return tlsenv.run([tlsenv.CERTBOT / "deploy-hook.sh"],
                      env=site.hook_env(RENEWED_LINEAGE=lineage),
                      check=False, timeout=120)


def _settle(site, workers):
    """Waits (bounded) until the reload has replaced every old worker."""
    deadline = time.time() + 10
    while time.time() < deadline and (site.worker_pids() & workers):
        time.sleep(0.05)


@pytest.fixture(scope="module")
def hook_site(tmp_path_factory):
    _require_tools()
    d = tmp_path_factory.mktemp("hook")
    tls_dir = d / "tls"
    tlsenv.bootstrap_selfsigned(tls_dir, "krj.test")
    snapshot = tlsenv.publish_fixtures(d / "output")
    ng = tlsenv.ProdNginx(d / "nginx", tls_dir, d / "webroot", snapshot,
                          free_port(), free_port())
    ng.dir = d
    ng.ca = tlsenv.make_ca(d / "ca")
    ng.start()
    yield ng
    ng.stop()
    ng.check_log()
    assert ng.exit_code == 0, "nginx exits 0 on quit"


def test_hook_deploys_good_certificate(hook_site):
    site = hook_site
    lineage = tlsenv.cert_lineage(site.dir / "good", site.ca, ["krj.test"])
    workers = site.worker_pids()
    r = _hook(site, lineage)
    assert r.returncode == 0, "hook succeeds:\n" + r.stderr
    _settle(site, workers)
    served = tlsenv.cert_serial(tlsenv.served_cert(site.https_port))
    assert served == tlsenv.cert_serial((lineage / "cert.pem").read_text()), \
        "the new certificate is served after the hook"
    assert not (site.worker_pids() & workers), "nginx was reloaded"
    mode = os.stat(site.tls_dir / "live" / "privkey.pem").st_mode & 0o777
    assert mode == 0o600, "the private key copy is 0600"
    assert _expiry_metric(site) == _not_after(lineage / "cert.pem"), \
        "the textfile has the expiry of the certificate now served"


def _not_after(cert):
    end = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout",
                          "-enddate"], capture_output=True, text=True,
                         check=True).stdout.strip().split("=", 1)[1]
    return calendar.timegm(time.strptime(end, "%b %d %H:%M:%S %Y %Z"))


def _expiry_metric(site):
    """The value node_exporter would read; promtool checks the file."""
    prom = site.textfile_dir() / "krj_tls.prom"
    text = prom.read_text()
    r = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    live = site.tls_dir / "live" / "fullchain.pem"
    line = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert line[0].startswith(
        'krj_tls_certificate_expiry_timestamp_seconds{file="%s"} ' % live), \
        text
    assert oct(prom.stat().st_mode & 0o777) == "0o644"
    return int(line[0].rsplit(" ", 1)[1])


def test_expiry_metric_of_the_bootstrap_certificate(hook_site):
    # bootstrap-selfsigned.sh writes it too; the script needs the
    # collector's directory and a certificate
    d = hook_site.dir / "expiry"
    d.mkdir()
    tlsenv.bootstrap_selfsigned(d / "tls", "krj.test")
    cert = d / "tls" / "live" / "fullchain.pem"
    assert (d / "textfile" / "krj_tls.prom").read_text().endswith(
        '{file="%s"} %d\n' % (cert, _not_after(cert)))
    env = tlsenv.sh_env(KRJ_TEXTFILE_DIR=d / "absent")
    r = tlsenv.run([tlsenv.CERTBOT / "expiry-metric.sh", cert], env=env,
                   check=False)
    assert r.returncode == 0 and "nothing written" in r.stderr, r.stderr
    assert not (d / "absent").exists()
    d = d / "collector"
    d.mkdir()
    env = tlsenv.sh_env(KRJ_TEXTFILE_DIR=d)
    r = tlsenv.run([tlsenv.CERTBOT / "expiry-metric.sh",
                    cert.parent / "privkey.pem"], env=env, check=False)
    assert r.returncode == 1 and "not a certificate" in r.stderr, r.stderr
    assert list(d.iterdir()) == [], "nothing written for a bad file"
    r = tlsenv.run([tlsenv.CERTBOT / "expiry-metric.sh", cert], env=env)
    assert int((d / "krj_tls.prom").read_text().split()[-1]) == \
        _not_after(cert)


@pytest.mark.parametrize("breakage", ["garbage", "wrong_key", "missing_key"])
def test_hook_with_broken_certificate_changes_nothing(hook_site, breakage):
    site = hook_site
    good = tlsenv.cert_lineage(site.dir / ("pre-" + breakage), site.ca,
                               ["krj.test"])
    assert _hook(site, good).returncode == 0
    _settle(site, set())
    time.sleep(0.3)
    live_before = os.readlink(site.tls_dir / "live")
    served_before = tlsenv.served_cert(site.https_port)
    pids_before = site.all_pids()
    log_before = len(site.deploy_log())

    bad = tlsenv.cert_lineage(site.dir / breakage, site.ca, ["krj.test"])
    if breakage == "garbage":
        (bad / "fullchain.pem").write_text(
            "-----BEGIN CERTIFICATE-----\nnot a certificate\n"
            "-----END CERTIFICATE-----\n")
    elif breakage == "wrong_key":
        other = tlsenv.cert_lineage(site.dir / (breakage + "-other"),
                                    site.ca, ["krj.test"])
        shutil.copy(other / "privkey.pem", bad / "privkey.pem")
    else:
        (bad / "privkey.pem").unlink()
    r = _hook(site, bad)
    assert r.returncode != 0, "the hook exits non-zero on a broken cert"
    assert os.readlink(site.tls_dir / "live") == live_before, \
        "live still points at the old certificate"
    time.sleep(0.5)
    assert site.all_pids() == pids_before, \
        "nginx was not reloaded (same master and workers)"
    assert tlsenv.served_cert(site.https_port) == served_before, \
        "the old certificate is still served"
    rc, out = site.test_config()
    assert rc == 0, "the configuration on disk still passes nginx -t"
    assert _expiry_metric(site) == _not_after(good / "cert.pem"), \
        "the expiry metric is still the certificate served"
    log = site.deploy_log()[log_before:]
    assert "error" in log, "the failure is logged:\n" + log
    assert "nginx reloaded" not in log
    assert len(list((site.tls_dir / "certs").iterdir())) <= 4, \
        "failed attempts leave no certificate directories behind"
