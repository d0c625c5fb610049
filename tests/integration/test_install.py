"""make install DESTDIR=... PREFIX=... puts what the packages install
under PREFIX and SYSCONFDIR (the module outside the directories dpkg
manages, loaded by a modules-enabled file that names it; the units
naming PREFIX's krj-batch; a krj-batch.conf already there kept), and
make uninstall takes all of it away but krj-batch.conf."""

import os
import shutil
import subprocess

import pytest

import krjenv
from krjreadme import script


def make(*args):
    r = subprocess.run(["make", "--no-print-directory", "-C",
                        str(krjenv.REPO)] + list(args),
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, "make %s:\n%s%s" % (" ".join(args), r.stdout,
                                                 r.stderr)
    return r


def files_under(root):
    out = set()
    for top, dirs, files in os.walk(root):
        for name in files + [d for d in dirs
                             if os.path.islink(os.path.join(top, d))]:
            out.add("/" + os.path.relpath(os.path.join(top, name), root))
    return out


def test_install_and_uninstall(tmp_path):
    dest = tmp_path / "root"
    conf = dest / "etc" / "krj" / "krj-batch.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("# the site's own\n")
    make("install", "DESTDIR=%s" % dest, "PREFIX=/opt/krj")
    have = files_under(dest)
    for f in ("/opt/krj/bin/krj-batch",
              "/opt/krj/lib/nginx/modules/ngx_http_krj_module.so",
              "/etc/nginx/modules-enabled/50-mod-http-krj.conf",
              "/etc/nginx/conf.d/krj.conf", "/etc/nginx/snippets/krj.conf",
              "/etc/nginx/snippets/krj-locations.conf",
              "/etc/nginx/snippets/krj-ffdhe2048.pem",
              "/etc/nginx/sites-available/krj", "/etc/logrotate.d/krj",
              "/opt/krj/lib/systemd/system/krj-batch.service",
              "/opt/krj/lib/systemd/system/krj-batch-backup.timer",
              "/opt/krj/lib/krj/certbot/deploy-hook.sh",
              "/opt/krj/share/man/man1/krj-batch.1",
              "/opt/krj/share/man/man8/ngx_http_krj_module.8"):
        assert f in have, f
    assert not any(f.startswith("/usr/lib/nginx") for f in have), \
        "nothing in the directories dpkg manages"
    assert (dest / "etc/nginx/modules-enabled/50-mod-http-krj.conf") \
        .read_text() == \
        "load_module /opt/krj/lib/nginx/modules/ngx_http_krj_module.so;\n"
    assert os.readlink(dest / "etc/nginx/conf.d/krj.conf") == \
        "../snippets/krj.conf"
    unit = (dest / "opt/krj/lib/systemd/system/krj-batch.service") \
        .read_text()
    assert "ExecStart=/opt/krj/bin/krj-batch run\n" in unit
    assert "/usr/bin/krj-batch" not in unit
    assert conf.read_text() == "# the site's own\n", "kept"
    assert os.access(dest / "opt/krj/bin/krj-batch", os.X_OK)

    (dest / "etc/nginx/sites-enabled").mkdir()
    os.symlink("/etc/nginx/sites-available/krj",
               dest / "etc/nginx/sites-enabled/krj")
    make("uninstall", "DESTDIR=%s" % dest, "PREFIX=/opt/krj")
    assert files_under(dest) == {"/etc/krj/krj-batch.conf"}


@pytest.mark.skipif(krjenv.ASAN, reason="a build: the plain pass runs it")
def test_readme_build_against_another_nginx_source(tmp_path):
    """The README's line for an nginx of one's own: NGINX_SRC names its
    source tree (here Debian's, the one at hand) and NGINX_CONF_FLAGS its
    flags, as written; the module, built into a build directory of the
    test's, loads into Debian's nginx (both --with-compat)."""
    rel = "build/test-nginx-src-%d" % os.getpid()
    build = krjenv.REPO / rel
    # the module only: krj-batch does not depend on nginx's tree
    line = script("nginx-src", ("make NGINX_SRC=/usr/src/nginx-1.26.2",
                                "make module BUILD=%s "
                                "NGINX_SRC=/usr/share/nginx/src" % rel))
    try:
        r = subprocess.run(["sh", "-ec", line], cwd=krjenv.REPO,
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        so = tmp_path / "ngx_http_krj_module.so"
        shutil.copy(build / "ngx_http_krj_module.so", so)
        flags = (build / "nginx" / "objs" / "ngx_auto_config.h").read_text()
    finally:
        shutil.rmtree(build, ignore_errors=True)
    assert "--with-compat --with-http_ssl_module" in flags, \
        "configured with the flags given"
    conf = tmp_path / "nginx.conf"
    conf.write_text("load_module %s;\nerror_log stderr;\npid %s/nginx.pid;\n"
                    "events {}\nhttp { krj_reload_interval 5s; }\n"
                    % (so, tmp_path))
    r = subprocess.run([krjenv.NGINX_BIN, "-t", "-p", tmp_path, "-c", conf],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
