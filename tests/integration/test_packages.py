"""The packages on a fresh Debian 12: `make deb` builds
libnginx-mod-http-krj and krj-batch (no build warning, lintian clean),
mmdebstrap makes a minimal bookworm root, apt installs nginx and the two
.deb files into it, and inside it (chroot, and a network namespace of
its own for nginx):
nginx -t with the module enabled and Debian's nginx.conf untouched, a
krj-batch run of the sample data as the krj user, the site enabled with
a self-signed certificate and a request answered with a key, then remove
(data and configuration kept, nginx still valid) and purge (no krj file
left).  Skipped, with the reason, only when the package mirror cannot be
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

pytestmark = pytest.mark.packages

MIRRORS = ["deb http://deb.debian.org/debian bookworm main",
           "deb http://deb.debian.org/debian-security bookworm-security "
           "main"]
PROBE = "http://deb.debian.org/debian/dists/bookworm/Release"
VERSION = (krjenv.REPO / "VERSION").read_text().strip()


def run(cmd, timeout=600, check=True, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True,
                       text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                       **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (
            " ".join(str(c) for c in cmd), r.returncode, r.stdout[-4000:],
            r.stderr[-4000:]))
    return r


class Root:
    """A bookworm root made by mmdebstrap; commands run in it by chroot,
    those that need the network namespace of its nginx by sh()."""

    def __init__(self, path):
        self.path = Path(path)

    def __call__(self, *cmd, check=True, timeout=600):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8",
               "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}
        return run(["chroot", self.path] + list(cmd), check=check,
                   timeout=timeout, env=env)

    def sh(self, script, check=True):
        """script in the root, in a new network namespace with only
        loopback: nginx listens on 80 and 443 there, not on the host."""
        return run(["unshare", "--net", "--", "sh", "-ec",
                    "ip link set lo up; exec chroot %s /bin/sh -ec \"$0\""
                    % self.path, script], check=check,
                   env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                        "LC_ALL": "C.UTF-8"})

    def file(self, p):
        return self.path / p.lstrip("/")

    def krj_paths(self):
        """Every path in the root whose name says krj, but the test's own
        files in /tmp."""
        found = []
        for top, dirs, files in os.walk(self.path):
            rel = "/" + os.path.relpath(top, self.path)
            if rel in ("/proc", "/sys", "/dev", "/tmp"):
                dirs[:] = []
                continue
            for name in dirs + files:
                if "krj" in name:
                    found.append(os.path.join(rel, name).replace("//", "/"))
        return sorted(found)


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    out = tmp_path_factory.mktemp("deb")
    r = run([krjenv.REPO / "scripts" / "build-deb.sh", out], timeout=1800)
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
    rt = Root(d)
    # no service starts by itself in the root (nginx's postinst would,
    # on the host's port 80): the test starts nginx by hand
    policy = d / "usr" / "sbin" / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    (d / "tmp" / "debs").mkdir(parents=True)
    for p in debs[1].values():
        shutil.copy(p, d / "tmp" / "debs")
    return rt


@pytest.fixture(scope="module")
def installed(root):
    """nginx from the archive, then the two packages by apt."""
    root("apt-get", "install", "-y", "-q", "nginx")
    r = root("sh", "-c", "apt-get install -y -q /tmp/debs/krj-batch_*.deb "
             "/tmp/debs/libnginx-mod-http-krj_*.deb")
    return r


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
    for p, want in expect.items():
        got = tuple(root("stat", "-c", "%U %G %a", p).stdout.split())
        assert got == want, p
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


def test_run_serve_remove_purge(root, installed):
    for csv in krjenv.DATA.glob("KRJ_signals_latest_week_*_2026-*.csv"):
        shutil.copy(csv, root.file("/var/lib/krj/data"))
    root("chown", "-R", "krj:krj", "/var/lib/krj/data")
    # as the unit runs it: user krj, the packaged configuration file
    r = root("runuser", "-u", "krj", "--", "krj-batch", "run", check=False)
    assert r.returncode in (0, 2), "run as krj:\n" + r.stderr
    assert root.file("/var/lib/krj/output/krj.snapshot").exists()
    key = root("krj-batch", "keys", "add", "install-test", "--scopes",
               "*").stdout.splitlines()[-1]
    assert key.startswith("krj_")

    # the README's steps: a first certificate, the site enabled
    root("/usr/lib/krj/certbot/bootstrap-selfsigned.sh", "localhost")
    root("ln", "-s", "/etc/nginx/sites-available/krj",
         "/etc/nginx/sites-enabled/krj")
    root("rm", "/etc/nginx/sites-enabled/default")
    r = root("nginx", "-t", check=False)
    assert r.returncode == 0, r.stderr

    ca = "/etc/krj/tls/live/fullchain.pem"
    r = root.sh(
        "nginx -g 'error_log /tmp/notice.log notice;'\n"
        "for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1/ "
        "&& break; sleep 0.1; done\n"
        "echo redirect=$(curl -s -o /dev/null -w '%%{http_code}' "
        "http://127.0.0.1/api/v1/)\n"
        "echo health=$(curl -s --cacert %s https://localhost/health)\n"
        "echo noauth=$(curl -s -o /dev/null -w '%%{http_code}' --cacert %s "
        "https://localhost/api/v1/categories)\n"
        "echo categories=$(curl -s --cacert %s -H 'Authorization: Bearer "
        "%s' https://localhost/api/v1/categories)\n"
        "nginx -s quit\n"
        "for i in $(seq 50); do [ -e /run/nginx.pid ] || break; "
        "sleep 0.1; done\n" % (ca, ca, ca, key))
    out = dict(ln.split("=", 1) for ln in r.stdout.splitlines()
               if "=" in ln)
    assert out["redirect"] == "301"
    assert json.loads(out["health"])["status"] == "ok"
    assert out["noauth"] == "401"
    cats = json.loads(out["categories"])
    slugs = {c["slug"] for c in cats["categories"]}
    assert {"sp500", "etfs_fx", "equities"} <= slugs, cats
    notice = root.file("/tmp/notice.log").read_text()
    assert "ngx_http_krj_module %s" % VERSION in notice, notice[-2000:]
    errors = root.file("/var/log/nginx/krj-error.log").read_text()
    assert not krjenv.BAD_LOG.search(errors), errors
    access = root.file("/var/log/nginx/krj-access.log").read_text()
    assert '"principal":"key:install-test"' in access

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
    left = root.krj_paths()
    assert left == [], "purge left krj files behind: %s" % left
    r = root("nginx", "-t", check=False)
    assert r.returncode == 0, "nginx -t after purge:\n" + r.stderr
    status = root("dpkg-query", "-W", "-f=${Status}\n", "krj-batch",
                  check=False).stdout
    assert "installed" not in status and "config-files" not in status
    # Debian leaves system users in place (files may still name them)
    assert root("getent", "passwd", "krj", check=False).returncode == 0
