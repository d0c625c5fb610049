"""The packages on a fresh Debian 12, installed and run as the README's
"Deploying" and "Operations" say: `make deb` builds libnginx-mod-http-krj
and krj-batch (no build warning, lintian clean), mmdebstrap makes a
minimal bookworm root, and there every command block of those sections
runs as written (krjreadme.script: a rule only for what a test root
cannot have, each one an exact substitution the README must still
contain), in a network namespace of its own (nginx on 80 and 443, pebble
as the ACME server, PostgreSQL and Redis), with systemctl-standin.sh for
systemctl: the install, the first data, keys and users, the site, the
certificate issued by certbot and renewed, key rotations, the weekly
check, PostgreSQL and Redis, a follower, a backup checked and restored;
each block's effect checked.  Then remove (data and configuration kept,
nginx still valid) and purge (no krj file left but the operator's own).
Skipped, with the reason, only when the package mirror cannot be
reached.  Slow (minutes): scripts/run-tests.sh runs it as its own stage
(marker "packages"), beside the unit tests."""

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import krjenv
import tlsenv
from krjreadme import block, script

pytestmark = pytest.mark.packages

MIRRORS = ["deb http://deb.debian.org/debian bookworm main",
           "deb http://deb.debian.org/debian-security bookworm-security "
           "main"]
PROBE = "http://deb.debian.org/debian/dists/bookworm/Release"
VERSION = (krjenv.REPO / "VERSION").read_text().strip()
HERE = Path(__file__).resolve().parent
DOMAIN = "krj.example.com"
CA = "/etc/krj/tls/live/fullchain.pem"
PEBBLE = "https://127.0.0.1:14000/dir"
PEBBLE_CA = "/tmp/pebble/listener-ca/ca.pem"
# the README's password prompts, answered on stdin
ALICE = "alice-password-2026"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def run(cmd, timeout=600, check=True, input=None, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True,
                       text=True, timeout=timeout,
                       stdin=None if input is not None else subprocess.DEVNULL,
                       input=input, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (
            " ".join(str(c) for c in cmd), r.returncode, r.stdout[-4000:],
            r.stderr[-4000:]))
    return r


class Root:
    """A bookworm root made by mmdebstrap; commands run in it by chroot
    (with the host's network, for apt), those of the README's blocks by
    sh() in a network namespace with only loopback that lives as long as
    the root: nginx listens on 80 and 443 there, not on the host."""

    def __init__(self, path, ns):
        self.path = Path(path)
        self.ns = ns
        self.state = {}

    def env(self):
        return {"PATH": PATH, "LC_ALL": "C.UTF-8",
                "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}

    def __call__(self, *cmd, check=True, timeout=600):
        return run(["chroot", self.path] + list(cmd), check=check,
                   timeout=timeout, env=self.env())

    def sh(self, text, check=True, input=None, timeout=600):
        """text by sh -e in the root, in its network namespace, with a
        /proc (in a mount namespace of its own: the host never sees it)
        as a real system has."""
        return run(["ip", "netns", "exec", self.ns, "unshare", "--mount",
                    "--propagation", "private", "--", "sh", "-c",
                    'mount -t proc proc "$1/proc" && '
                    'exec chroot "$1" /bin/sh -ec "$2"', "sh", self.path,
                    text], check=check, input=input, timeout=timeout,
                   env=self.env())

    def readme(self, text, input=None):
        """A README block (text from block() or script()) in sh(); its
        output, stdout then stderr."""
        r = self.sh(text, input=input)
        return r.stdout + r.stderr

    def file(self, p):
        return self.path / p.lstrip("/")

    def krj_paths(self):
        """Every path in the root whose name says krj, but the test's own
        files in /tmp and the stand-in systemctl's state."""
        found = []
        for top, dirs, files in os.walk(self.path):
            rel = "/" + os.path.relpath(top, self.path)
            if rel in ("/proc", "/sys", "/dev", "/tmp",
                       "/run/systemctl-standin"):
                dirs[:] = []
                continue
            for name in dirs + files:
                if "krj" in name:
                    found.append(os.path.join(rel, name).replace("//", "/"))
        return sorted(found)

    def stop_all(self):
        """Ends what the blocks started in the namespace (nginx, the
        follower, PostgreSQL, Redis, pebble), each by its pid."""
        r = run(["ip", "netns", "pids", self.ns], check=False)
        for pid in r.stdout.split():
            try:
                os.kill(int(pid), 15)
            except OSError:
                pass
        for _ in range(100):
            if not run(["ip", "netns", "pids", self.ns],
                       check=False).stdout.split():
                return
            subprocess.run(["sleep", "0.1"])


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    """`make deb`, the README's step 2 on the host (the root has no
    compiler): its packages are what the root installs."""
    out = tmp_path_factory.mktemp("deb")
    r = run(["make", "--no-print-directory", "-C", krjenv.REPO, "deb",
             "BUILD=%s" % out], timeout=1800)
    out = out / "deb"
    files = {p.name.split("_")[0]: p for p in out.glob("*.deb")}
    assert {"libnginx-mod-http-krj", "krj-batch"} <= set(files), r.stdout
    return out, files


@pytest.fixture(scope="module")
def root(tmp_path_factory, debs):
    if shutil.which("mmdebstrap") is None:
        pytest.fail("mmdebstrap is missing (make test-deps)")
    try:
        urllib.request.urlopen(PROBE, timeout=20).read(64)
    except (urllib.error.URLError, OSError) as e:
        pytest.skip("mmdebstrap cannot reach the package mirror (%s: %s): "
                    "the install test needs Debian's archive" % (PROBE, e))
    d = tmp_path_factory.mktemp("bookworm") / "root"
    # the package lists kept, for the apt-get install below
    r = run(["mmdebstrap", "--variant=apt", "--skip=cleanup/apt/lists",
             "--include=ca-certificates,curl,openssl", "bookworm", d]
            + MIRRORS, timeout=1800, check=False)
    if r.returncode != 0 and re.search(
            r"Temporary failure resolving|Could not resolve|"
            r"Failed to fetch|Network is unreachable", r.stderr):
        pytest.skip("mmdebstrap cannot reach the package mirror:\n"
                    + r.stderr[-1500:])
    assert r.returncode == 0, "mmdebstrap failed:\n" + r.stderr[-4000:]
    ns = "krj-packages-%d" % os.getpid()
    run(["ip", "netns", "add", ns])
    run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
    rt = Root(d, ns)
    # no service starts by itself in the root (nginx's postinst would,
    # on the host's port 80): the blocks start them, through the
    # stand-in systemctl
    policy = d / "usr" / "sbin" / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    shutil.copy(HERE / "systemctl-standin.sh", d / "usr/local/sbin/systemctl")
    (d / "usr/local/sbin/systemctl").chmod(0o755)
    # the README's names for this server, and for two nodes of one
    (d / "etc" / "hosts").write_text(
        "127.0.0.1 localhost\n::1 localhost\n127.0.0.1 %s %s %s\n"
        % (DOMAIN, "krj-a.example.com", "krj-b.example.com"))
    (d / "tmp" / "debs").mkdir(parents=True)
    for p in debs[1].values():
        shutil.copy(p, d / "tmp" / "debs")
    # "<krj repository>": this checkout, as a clone
    run(["git", "clone", "-q", "--bare", krjenv.REPO, d / "tmp" / "krj.git"])
    (d / "tmp" / "data").mkdir()
    for csv in krjenv.DATA.glob("KRJ_signals_latest_week_*_2026-*.csv"):
        shutil.copy(csv, d / "tmp" / "data")
    try:
        yield rt
    finally:
        rt.stop_all()
        run(["ip", "netns", "del", ns], check=False)


@pytest.fixture(scope="module")
def installed(root):
    """The README's step 2 in the root: make deps and make deb ran on the
    host (the debs fixture), their packages are copied where make deb
    puts them."""
    r = root("sh", "-ec", script(
        "install",
        ("<krj repository>", "/tmp/krj.git"),
        ("make deps          #", ": make deps, on the host #"),
        ("make deb           #",
         "mkdir -p build/deb && cp /tmp/debs/*.deb build/deb/ #")))
    assert "test is successful" in r.stderr, r.stderr
    return r


def assert_owners(root, expect):
    """Each path's owner, group and mode in the root, as stat(1) says."""
    for p, want in expect.items():
        got = tuple(root("stat", "-c", "%U %G %a", p).stdout.split())
        assert got == want, p


def test_lintian_clean(debs):
    log = (debs[0] / "lintian.log").read_text()
    assert not re.search(r"(?m)^[EW]: ", log), log


def test_build_without_warnings(debs):
    """Neither the compilers nor debhelper warn (nginx_mod's check of
    Build-Depends cannot read a :native qualifier, and said so)."""
    log = (debs[0] / "build.log").read_text()
    warned = [ln for ln in log.splitlines() if re.search(r"\bwarning:", ln)]
    assert warned == [], "\n".join(warned[:20])


def test_versions_agree(debs):
    changelog = run(["dpkg-parsechangelog", "-l",
                     krjenv.REPO / "debian" / "changelog", "-S",
                     "Version"]).stdout.strip()
    assert changelog == VERSION, "debian/changelog says VERSION"
    for name, p in debs[1].items():
        v = run(["dpkg-deb", "-f", p, "Version"]).stdout.strip()
        assert v == VERSION, name


def test_module_package_records_nginx_abi(debs):
    dep = run(["dpkg-deb", "-f", debs[1]["libnginx-mod-http-krj"],
               "Depends"]).stdout
    abi = re.search(r"nginx:abi=(\S+)", Path(
        "/usr/share/nginx/src/debian/libnginx-mod.abisubstvars").read_text())
    assert abi and abi.group(1) in dep, dep
    assert "krj-batch (= %s)" % VERSION in dep


def test_install_layout(root, installed):
    assert root.file("/usr/lib/nginx/modules/ngx_http_krj_module.so").exists()
    link = root.file("/etc/nginx/modules-enabled/50-mod-http-krj.conf")
    assert os.readlink(link) == \
        "/usr/share/nginx/modules-available/mod-http-krj.conf"
    assert root.file("/usr/share/nginx/modules-available/mod-http-krj.conf") \
        .read_text() == "load_module modules/ngx_http_krj_module.so;\n"
    assert os.readlink(root.file("/etc/nginx/conf.d/krj.conf")) == \
        "../snippets/krj.conf"
    assert not root.file("/etc/nginx/sites-enabled/krj").exists(), \
        "the site waits for a certificate"
    assert root.file("/etc/nginx/sites-available/krj").read_text() == \
        (krjenv.REPO / "conf" / "sites-available" / "krj").read_text()

    expect = {
        "/etc/krj": ("root", "www-data", "750"),
        "/etc/krj/krj-batch.conf": ("root", "krj", "640"),
        "/etc/krj/api-keys": ("root", "www-data", "640"),
        "/etc/krj/users.htpasswd": ("root", "www-data", "640"),
        "/var/lib/krj": ("krj", "krj", "755"),
        "/var/lib/krj/data": ("krj", "krj", "755"),
        "/var/lib/krj/output": ("krj", "krj", "755"),
        "/var/log/krj": ("root", "adm", "750"),
    }
    assert_owners(root, expect)
    assert root.file("/etc/krj/api-keys").stat().st_size == 0
    assert root("id", "-nG", "krj").stdout.split() == ["krj", "www-data"]
    conffiles = root("dpkg-query", "-W", "-f=${Conffiles}\n",
                     "krj-batch", "libnginx-mod-http-krj").stdout
    for f in ("/etc/krj/krj-batch.conf", "/etc/logrotate.d/krj-batch",
              "/etc/nginx/snippets/krj.conf",
              "/etc/nginx/sites-available/krj"):
        assert f in conffiles, f
    for unit in ("krj-batch.service", "krj-batch.timer",
                 "krj-batch-watch.service", "krj-batch-follow.service",
                 "krj-batch-backup.service", "krj-batch-backup.timer"):
        assert root.file("/lib/systemd/system/" + unit).exists(), unit
    wants = [p.name for p in root.file("/etc/systemd/system").rglob("*krj*")]
    assert wants == [], "no unit is enabled on install"
    for man in ("/usr/share/man/man1/krj-batch.1.gz",
                "/usr/share/man/man8/ngx_http_krj_module.8.gz"):
        assert root.file(man).exists(), man


def test_nginx_t_with_the_module(root, installed):
    md5 = root("dpkg-query", "-W", "-f=${Conffiles}", "nginx-common").stdout
    mine = root("md5sum", "/etc/nginx/nginx.conf").stdout.split()[0]
    assert " /etc/nginx/nginx.conf %s" % mine in md5, \
        "Debian's nginx.conf is untouched"
    r = root("nginx", "-t", check=False)
    assert r.returncode == 0, r.stderr


def test_version_of_krj_batch(root, installed):
    out = root("krj-batch", "--version").stdout
    assert out.split()[:2] == ["krj-batch", VERSION]


def _log(root):
    return root.file("/var/log/krj/krj-batch.log").read_text()


def test_readme_first_data(root, installed):
    out = root.readme(script("first-data", ("cp /path/to/", "cp /tmp/data/")))
    snap = root.file("/var/lib/krj/output/krj.snapshot")
    assert snap.stat().st_size > 0
    assert root("stat", "-c", "%U", "/var/lib/krj/output/krj.snapshot") \
        .stdout.strip() == "krj", \
        "the unit ran krj-batch as krj"
    assert "published 6 categories" in _log(root)
    assert "/var/lib/krj/output/krj.snapshot" in out
    assert os.readlink(root.file(
        "/etc/systemd/system/timers.target.wants/krj-batch.timer")) == \
        "/lib/systemd/system/krj-batch.timer"
    assert "Sat *-*-* 06:00:00  krj-batch.timer  krj-batch.service" in out


def test_readme_metrics_file(root, installed):
    """As node_exporter's package makes its textfile directory."""
    d = "/var/lib/prometheus/node-exporter"
    root("install", "-d", "-o", "krj", "-g", "krj", d)
    root("runuser", "-u", "krj", "--", "sh", "-ec", block("metrics-file"))
    prom = root.file(d + "/krj-batch-run.prom").read_text()
    assert re.search(r'(?m)^krj_batch_last_run_success\{command="run"\} 1$',
                     prom), prom


def test_readme_keys_users_and_site(root, installed):
    """Steps 4 and 5 in one shell, as an operator types them: step 5 uses
    step 4's $KEY; alice's password is typed at the prompt (stdin) and to
    curl (-u NAME:PASSWORD, as curl would ask it on a terminal)."""
    out = root.readme(block("keys-users") + script(
        "site", ("-u alice ", "-u alice:%s " % ALICE)), input=ALICE + "\n")
    key = re.search(r"(?m)^(krj_[A-Za-z0-9_-]{43})$", out)
    assert key, out
    root.state["key"] = key.group(1)
    assert re.search(r"(?m)^dashboard-2026 +active +\*", out), out
    assert re.search(r"(?m)^alice +bcrypt +sp500,sp100$", out), out
    assert out.count("-rw-r----- 1 root www-data") == 2, out
    assert "HTTP/1.1 301 Moved Permanently" in out
    assert "Location: https://%s/api/v1/summary" % DOMAIN in out
    assert '{"status":"ok"}' in out
    assert '"status":"ready"' in out
    assert '"code":"unauthorized"' in out
    assert '"endpoints":[' in out, "the index, with the key"
    summary = json.loads([ln for ln in out.splitlines()
                          if ln.startswith('{"generated_at"')
                          and '"summary"' in ln][0])
    assert [c["category"] for c in summary["categories"]] == \
        ["sp100", "sp500"], "alice sees her scopes only"
    # nginx logs a request after its response is out: the last one's
    # line may come a moment after curl has returned
    log = root.file("/var/log/nginx/krj-access.log")
    for _ in range(50):
        access = log.read_text()
        if '"principal":"user:alice"' in access:
            break
        subprocess.run(["sleep", "0.1"])
    assert '"principal":"key:dashboard-2026"' in access
    assert '"principal":"user:alice"' in access
    errors = root.file("/var/log/nginx/krj-error.log").read_text()
    assert not krjenv.BAD_LOG.search(errors), errors


def test_readme_keys_examples(root, installed):
    out = root.readme(script("keys-examples",
                             ("vault-read krj/bob", "echo bob-password-2026")),
                      input="alice-password-2027\nalice-password-2027\n")
    keys = root.file("/etc/krj/api-keys").read_text()
    assert re.search(r"(?m)^ci-bot:sha256:[0-9a-f]{64}:sp500,sp100:"
                     r"rate=600r/m,expires=2027-01-01,", keys), keys
    assert 'user "bob"' in out
    # alice's new password: nginx re-reads the file within
    # krj_reload_interval (5 s)
    r = root.sh("sleep 6; curl -s -o /dev/null -w '%%{http_code} ' --cacert %s "
                "-u bob:bob-password-2026 https://%s/api/v1/summary; "
                "curl -s -o /dev/null -w '%%{http_code}' --cacert %s "
                "-u alice:alice-password-2027 https://%s/api/v1/summary"
                % (CA, DOMAIN, CA, DOMAIN))
    assert r.stdout == "200 200", "bob's and alice's new passwords work"


@pytest.fixture(scope="module")
def pebble(root, installed):
    """Debian's pebble as the ACME server inside the namespace, on
    127.0.0.1:14000; it validates HTTP-01 on port 80 of the name (the
    root's /etc/hosts), and its root certificate is trusted by the
    system, as Let's Encrypt's is on a real server."""
    d = root.file("/tmp/pebble")
    ca, ca_key = tlsenv.make_ca(d / "listener-ca", "pebble listener CA")
    cert, key = tlsenv.make_cert(d / "listener", (ca, ca_key),
                                 ["localhost", "127.0.0.1"])
    shutil.copy(shutil.which("pebble"), d / "pebble")
    (d / "config.json").write_text(json.dumps({"pebble": {
        "listenAddress": "127.0.0.1:14000",
        "managementListenAddress": "127.0.0.1:15000",
        "certificate": "/tmp/pebble/listener/cert.pem",
        "privateKey": "/tmp/pebble/listener/key.pem",
        "httpPort": 80, "tlsPort": 5001, "ocspResponderURL": "",
        "externalAccountBindingRequired": False}}))
    log = open(d / "pebble.log", "ab")
    proc = subprocess.Popen(
        ["ip", "netns", "exec", root.ns, "chroot", root.path,
         "/tmp/pebble/pebble", "-config", "/tmp/pebble/config.json"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        env={"PATH": PATH, "PEBBLE_VA_NOSLEEP": "1",
             "PEBBLE_WFE_NONCEREJECT": "0"})
    log.close()
    root.sh("for i in $(seq 100); do curl -s -o /dev/null --cacert %s "
            "https://127.0.0.1:15000/roots/0 && break; sleep 0.1; done\n"
            "curl -sf --cacert %s https://127.0.0.1:15000/roots/0 "
            "> /usr/local/share/ca-certificates/pebble-root.crt\n"
            "update-ca-certificates" % (PEBBLE_CA, PEBBLE_CA))
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


def test_readme_issue_and_renew(root, pebble):
    """Steps 6 and 7 and "Rotating keys" against pebble: the ACME server
    is named with --server (certbot's default is Let's Encrypt), its own
    listener certificate trusted by REQUESTS_CA_BUNDLE."""
    env = "export REQUESTS_CA_BUNDLE=%s\n" % PEBBLE_CA
    server = " --server " + PEBBLE
    before = root.file(CA).read_text()
    out = root.readme(env + script(
        "issue", ("-- --dry-run", "-- --dry-run" + server),
        ("ops@example.com\n", "ops@example.com --" + server + "\n")))
    assert "The dry run was successful" in out, out
    live = os.readlink(root.file("/etc/krj/tls/live"))
    assert live.startswith("certs/%s-" % DOMAIN), live
    assert root.file(CA).read_text() != before

    out = root.readme(block("issue-check"))
    assert "nginx -t passed; nginx reloaded" in out
    assert re.search(r"issuer=CN ?= ?Pebble Intermediate CA", out), out
    assert "notAfter=" in out
    assert "renew_hook = /usr/lib/krj/certbot/deploy-hook.sh" in out, out

    out = root.readme(block("renew-timer"))
    assert "certbot.timer  certbot.service" in out, out
    root.readme(block("renew-cron"))
    cron = root.file("/etc/cron.d/krj-certbot").read_text()
    assert re.search(r"(?m)^17 3,15 \* \* \* root certbot -q renew$", cron)

    before = os.readlink(root.file("/etc/krj/tls/live"))
    root.readme(block("deploy-hook"))
    hooked = os.readlink(root.file("/etc/krj/tls/live"))
    assert hooked != before, "the hook deployed the lineage again"

    out = root.readme(block("probe"))
    assert re.search(r"HTTP/1.1 200 OK[\s\S]*\nprobe", out), out
    assert not root.file(
        "/var/www/letsencrypt/.well-known/acme-challenge/probe").exists()

    key_before = root.file(CA.replace("fullchain", "privkey")).read_text()
    out = root.readme(env + script(
        "rotate-tls-key",
        ("--no-delete-after-revoke", "--no-delete-after-revoke" + server)))
    assert not root.file("/etc/krj/tls/" + hooked).exists(), \
        "the old certificate directory is gone"
    assert root.file(CA.replace("fullchain", "privkey")).read_text() != \
        key_before, "a new key"
    assert "successfully revoked" in out, out
    r = root.sh("curl -s https://%s/health" % DOMAIN)
    assert r.stdout == '{"status":"ok"}\n', "the new certificate is served"


def test_readme_rotate_api_keys(root, installed):
    old = root.state["key"]
    out = root.readme(block("rotate-api-keys") + 'echo "NEW=$NEW"\n')
    new = re.search(r"(?m)^NEW=(krj_\S+)$", out).group(1)
    root.state["key"] = new
    assert re.search(r"(?m)^[1-9][0-9]*$", out), "the old key was used"
    keys = root.file("/etc/krj/api-keys").read_text()
    assert re.search(r"(?m)^dashboard-2026:.*revoked=", keys), keys
    # the revocation reaches nginx within krj_reload_interval (5 s)
    r = root.sh("sleep 6; for k in %s %s; do curl -s -o /dev/null -w '%%{http_code} ' "
                "-H \"Authorization: Bearer $k\" https://%s/api/v1/; done"
                % (new, old, DOMAIN))
    assert r.stdout.split() == ["200", "401"], \
        "the new key works at once, the revoked one no more"


def test_readme_rotate_session_key(root, installed):
    out = root.readme(block("rotate-session-key"))
    lines = [ln for ln in out.splitlines()
             if ln.startswith("krj_session_key_file")]
    assert lines == ["krj_session_key_file /etc/krj/session-2.key;",
                     "krj_session_key_file /etc/krj/session.key;"], out
    conf = root.file("/etc/nginx/snippets/krj.conf").read_text()
    assert re.findall(r"(?m)^krj_session_key_file .*$", conf) == \
        ["krj_session_key_file /etc/krj/session-2.key;"]
    assert not root.file("/etc/krj/session.key").exists()
    assert root("stat", "-c", "%a %U", "/etc/krj/session-2.key") \
        .stdout.split() == ["600", "root"]
    assert out.count("test is successful") == 2, out


def test_readme_weekly(root, installed, pebble):
    out = root.readme(block("weekly"))
    assert "published 6 categories" in out
    assert "(code=exited, status=0)" in out
    assert "/var/lib/krj/output/krj.snapshot" in out and "valid)" in out
    ready = json.loads([ln for ln in out.splitlines()
                        if ln.startswith('{"status":')][0])
    assert ready["status"] == "ready" and ready["categories"] == 6


def test_readme_pg_redis(root, installed):
    """PostgreSQL and Redis from the archive; the namespace has no route
    to the mirror, so they are installed first, and started as their
    postinst would (policy-rc.d forbids it here): the block's apt-get
    then finds them installed."""
    root("apt-get", "install", "-y", "-q", "postgresql", "redis-server")
    root.sh("/etc/init.d/postgresql start\n/etc/init.d/redis-server start")
    out = root.readme(block("pg-redis"))
    assert "event=migrated" in out
    # the keys and users of steps 4 and 5 and of the rotation were made
    # before pg-dsn: migrate records them (dashboard-2026, ci-bot,
    # dashboard-2027, alice, bob), or the follower below would drop them
    assert "recorded 5 lines of the key and user files in PostgreSQL" \
        in out, out
    assert "postgresql: reachable, schema version 1" in out, out
    assert re.search(r"(?m)^last run: generation [0-9a-f]{16}, .*published",
                     out), out
    assert re.search(r"redis: reachable, stream krj:updates: [1-9]", out), \
        out


def test_readme_more_nodes(root, installed):
    """This root acts as its own follower: its pg-dsn and redis-url lines
    give way to the block's, which name the local servers."""
    conf = root.file("/etc/krj/krj-batch.conf")
    conf.write_text(re.sub(r"(?m)^(pg-dsn|redis-url) = .*\n", "",
                           conf.read_text()))
    out = root.readme(script(
        "more-nodes",
        ("host=krj-a.example.com dbname=krj user=krj password=SECRET "
         "sslmode=verify-full", "host=/var/run/postgresql dbname=krj user=krj"),
        ("redis://:SECRET@krj-a.example.com:6379", "redis://127.0.0.1:6379")))
    assert "lag: 0 s" in out, out
    assert "event=follow_applied" in _log(root)
    # the follower wrote the files from PostgreSQL: nothing dropped
    keys = root.file("/etc/krj/api-keys").read_text()
    assert keys.startswith("# written by krj-batch follow"), keys
    for k in ("dashboard-2026", "ci-bot", "dashboard-2027"):
        assert re.search(r"(?m)^%s:" % k, keys), (k, keys)
    users = root.file("/etc/krj/users.htpasswd").read_text()
    assert re.search(r"(?m)^alice:", users) and \
        re.search(r"(?m)^bob:", users), users
    assert root.file("/etc/systemd/system/multi-user.target.wants/"
                     "krj-batch-follow.service").is_symlink()
    # the ingesting node runs no follower (its key files are its own)
    root.sh("systemctl disable krj-batch-follow.service || true\n"
            "systemctl stop krj-batch-follow.service")


def test_readme_adding_node(root, installed):
    """Two nodes behind one name: here both node names are this nginx,
    whose certificate names krj.example.com only, so curl asks for that
    name at each node's address, as a client of the load balancer."""
    out = root.readme("KEY=%s\n" % root.state["key"] + script(
        "adding-node", ("https://$h/api/v1/categories",
                        "--connect-to %s:443:$h:443 https://%s/api/v1/"
                        "categories" % (DOMAIN, DOMAIN))))
    etags = re.findall(r"(?mi)^etag: (.*)$", out)
    assert len(etags) == 2 and etags[0] == etags[1], out
    assert "lag: 0 s" in out


@pytest.fixture(scope="module")
def backup(root, installed):
    """What krj-batch-backup.timer starts every night."""
    root.sh("systemctl start krj-batch-backup.service")
    found = sorted(root.file("/var/backups/krj").glob("krj-backup-*.tar"))
    assert len(found) == 1, found
    return "/var/backups/krj/" + found[0].name


def test_readme_backup_check(root, backup):
    keys = root.file("/etc/krj/api-keys").read_text()
    out = root.readme(script(
        "backup-check", ("/var/backups/krj/krj-backup-20260110T033000Z.tar",
                         backup),
        ("runuser -u postgres -- dropdb krj_check;",
         "cp /tmp/check/api-keys /tmp/api-keys.restored\n"
         "cp /tmp/check/session-key-2 /tmp/session-2.restored\n"
         "runuser -u postgres -- psql -tA -d krj_check "
         "-c 'select count(*) from krj_runs' > /tmp/runs.restored\n"
         "runuser -u postgres -- dropdb krj_check;")))
    assert "MANIFEST" in out and "krj.pgdump" in out
    # after "Rotating the session key": session-2.key alone
    assert "files/session-key-file:2" in out, out
    assert "files/session-key-file\n" not in out, out
    assert "event=restored" in out
    assert root.file("/tmp/api-keys.restored").read_text() == keys
    assert root.file("/tmp/session-2.restored").read_bytes() == \
        root.file("/etc/krj/session-2.key").read_bytes()
    assert int(root.file("/tmp/runs.restored").read_text()) >= 1
    assert not root.file("/tmp/check").exists()


def test_readme_restore(root, backup):
    """The loss: the database, the node's published files and its keys
    and users (a new node has the package's empty files); the block
    brings them back, the snapshot byte for byte the one served."""
    snap = root.file("/var/lib/krj/output/krj.snapshot").read_bytes()
    keys = root.file("/etc/krj/api-keys").read_text()
    root.sh("runuser -u postgres -- dropdb krj\n"
            "runuser -u postgres -- dropuser krj\n"
            "rm -rf /var/lib/krj/output/*\n"
            ": > /etc/krj/api-keys; : > /etc/krj/users.htpasswd\n"
            "rm /etc/systemd/system/timers.target.wants/krj-batch.timer")
    out = root.readme(script(
        "restore", ("/path/to/krj-backup-20260110T033000Z.tar", backup)))
    assert "event=restored" in out
    assert "lag: 0 s" in out, out
    assert root.file("/var/lib/krj/output/krj.snapshot").read_bytes() == snap
    restored = root.file("/etc/krj/api-keys").read_text()
    assert [ln for ln in restored.splitlines() if not ln.startswith("#")] \
        == [ln for ln in keys.splitlines() if not ln.startswith("#")], \
        restored
    assert root("stat", "-c", "%U %G %a", "/etc/krj/api-keys") \
        .stdout.split() == ["root", "www-data", "640"]
    assert root.file("/etc/systemd/system/timers.target.wants/"
                     "krj-batch.timer").is_symlink()


def test_remove_purge(root, installed):
    root.stop_all()
    # the module's start line is a notice, below the level of Debian's
    # main error log: one start with a log at notice shows it
    root.sh("nginx -g 'error_log /tmp/notice.log notice;'\n"
            "nginx -s quit\n"
            "for i in $(seq 50); do [ -e /run/nginx.pid ] || break; "
            "sleep 0.1; done")
    notice = root.file("/tmp/notice.log").read_text()
    assert "ngx_http_krj_module %s" % VERSION in notice, notice[-2000:]
    # remove: data and configuration stay, nginx stays valid without krj
    root("apt-get", "remove", "-y", "-q", "libnginx-mod-http-krj",
         "krj-batch")
    assert root.file("/var/lib/krj/output/krj.snapshot").exists()
    assert root.file("/etc/krj/api-keys").stat().st_size > 0
    assert root.file("/etc/nginx/snippets/krj.conf").exists()
    assert not root.file("/etc/nginx/conf.d/krj.conf").is_symlink()
    assert not root.file("/etc/nginx/sites-enabled/krj").is_symlink()
    r = root("nginx", "-t", check=False)
    assert r.returncode == 0, "nginx -t after remove:\n" + r.stderr

    # again: the site comes back as it was
    root("sh", "-c", "apt-get install -y -q /tmp/debs/krj-batch_*.deb "
         "/tmp/debs/libnginx-mod-http-krj_*.deb")
    assert os.readlink(root.file("/etc/nginx/sites-enabled/krj")) == \
        "/etc/nginx/sites-available/krj"
    r = root("nginx", "-t", check=False)
    assert r.returncode == 0, "nginx -t after reinstall:\n" + r.stderr

    root("apt-get", "purge", "-y", "-q", "libnginx-mod-http-krj",
         "krj-batch")
    # the operator's own: the checkout, the backups, certbot's lineage,
    # the cron line of step 7 and the metrics file named in the README's
    # --metrics-file (krj_tls.prom is the package's hooks', gone)
    mine = ("/usr/local/src/krj", "/var/backups/krj", "/etc/letsencrypt/",
            "/etc/cron.d/krj-certbot",
            "/var/lib/prometheus/node-exporter/krj-batch-run.prom")
    left = [p for p in root.krj_paths() if not p.startswith(mine)]
    # /etc/krj is the package's, but "Rotating the session key" made
    # session-2.key in it: a file of the administrator's, which purge
    # does not delete (Debian Policy 10.7.3 has postrm purge remove what
    # the package made: the conffile, the key and user files and
    # session.key of postinst); dpkg then cannot remove the directory and
    # keeps it, with that file alone in it, and the package's mode
    # override gone
    assert left == ["/etc/krj"], "purge left krj files behind: %s" % left
    assert sorted(p.name for p in root.file("/etc/krj").iterdir()) == \
        ["session-2.key"]
    assert root("dpkg-statoverride", "--list", "/etc/krj",
                check=False).returncode == 1
    assert not root.file("/var/lib/prometheus/node-exporter/"
                         "krj_tls.prom").exists()
    r = root("nginx", "-t", check=False)
    assert r.returncode == 0, "nginx -t after purge:\n" + r.stderr
    status = root("dpkg-query", "-W", "-f=${Status}\n", "krj-batch",
                  check=False).stdout
    assert "installed" not in status and "config-files" not in status
    # Debian leaves system users in place (files may still name them)
    assert root("getent", "passwd", "krj", check=False).returncode == 0


def test_readme_from_source(root, installed):
    """"From source" on the purged root, in the checkout of step 2: make
    deps and make ran on the host (the suite runs after `make all`; the
    build dependencies and a compile in the root would cost minutes), so
    their products are copied into the checkout's build/; then make
    install and the maintainer's steps by hand; nginx -t at its end
    loads the module from /usr/local."""
    d = root.file("/tmp/build")
    d.mkdir()
    for f in ("ngx_http_krj_module.so", "krj-batch"):
        shutil.copy(krjenv.BUILD / f, d / f)
    out = root("sh", "-ec", "cd /usr/local/src/krj\n" + script(
        "from-source", ("make deps && make\n",
                        "mkdir -p build && cp /tmp/build/* build/  "
                        "# make deps && make, on the host\n")))
    assert "test is successful" in out.stderr, out.stderr[-3000:]
    assert root.file("/etc/nginx/modules-enabled/50-mod-http-krj.conf") \
        .read_text() == "load_module /usr/local/lib/nginx/modules/" \
        "ngx_http_krj_module.so;\n"
    v = root("/usr/local/bin/krj-batch", "--version").stdout
    assert v.split()[:2] == ["krj-batch", VERSION]
    expect = {
        "/etc/krj": ("root", "www-data", "750"),
        "/etc/krj/krj-batch.conf": ("root", "krj", "640"),
        "/etc/krj/api-keys": ("root", "www-data", "640"),
        "/etc/krj/users.htpasswd": ("root", "www-data", "640"),
        "/var/lib/krj/output": ("krj", "krj", "755"),
        "/var/log/krj": ("root", "adm", "750"),
        "/var/www/letsencrypt": ("root", "root", "755"),
        "/etc/krj/session.key": ("root", "root", "600"),
    }
    assert_owners(root, expect)
    assert "ExecStart=/usr/local/bin/krj-batch run" in root.file(
        "/usr/local/lib/systemd/system/krj-batch.service").read_text()
