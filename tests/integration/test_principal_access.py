"""A key or user file the workers cannot read fails `nginx -t` with an
[emerg] naming the file, the worker user and the fix (the master reads it
as root; the workers, as the user directive says, did not, and refused
every request); a file that becomes unreadable later fails closed."""

import base64
import hashlib
import os
import time
from pathlib import Path

import krjenv

KEY = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
LINE = "k:sha256:%s:*\n" % hashlib.sha256(KEY.encode()).hexdigest()


def reachable(path):
    """Lets others search every directory from /tmp down to path."""
    for p in [path] + list(path.parents):
        if p == Path("/tmp") or p == Path("/"):
            break
        p.chmod(p.stat().st_mode | 0o001)


def conf(make_krj, keys, start=False):
    return make_krj(user="nobody nogroup", start=start,
                    reload_interval="100ms",
                    http_extra="    krj_key_file %s;\n"
                               "    krj_auth_fail_limit rate=1000r/s "
                               "burst=1000;\n" % keys,
                    locations="location /api/v1/ { krj_auth key; "
                              "krj_api; }")


def test_nginx_t_names_file_user_and_fix(make_krj, tmp_path):
    if os.getuid() != 0:
        import pytest
        pytest.skip("the workers run as another user only under root")
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o700)
    keys = secret / "keys"
    keys.write_text(LINE)
    reachable(tmp_path)
    secret.chmod(0o700)
    k = conf(make_krj, keys)
    k.allow_log = [r"\[emerg\]"]

    rc, out = k.nginx.test_config()
    assert rc != 0
    assert "[emerg]" in out and 'krj_key_file "%s"' % keys in out
    assert 'user "nobody" (group "nogroup")' in out
    assert 'directory "%s" (mode 0700, owner root:root)' % secret in out
    assert "chmod o+x %s" % secret in out

    secret.chmod(0o755)
    keys.chmod(0o600)
    rc, out = k.nginx.test_config()
    assert rc != 0 and "the file is mode 0600, owner root:root" in out
    assert "chgrp nogroup %s && chmod g+r %s" % (keys, keys) in out

    os.chown(keys, 0, 65534)
    keys.chmod(0o640)
    rc, out = k.nginx.test_config()
    assert rc == 0, out


def test_file_unreadable_later_fails_closed(make_krj, tmp_path):
    if os.getuid() != 0:
        import pytest
        pytest.skip("the workers run as another user only under root")
    keys = tmp_path / "keys"
    keys.write_text(LINE)
    keys.chmod(0o644)
    reachable(tmp_path)
    k = conf(make_krj, keys, start=False)
    # the workers (nobody) read the snapshot and the logs too
    for p in (k.dir, k.out, k.nginx.prefix):
        reachable(p)
    k.snapshot.chmod(0o644)
    k.allow_log = [r"\[crit\].*cannot open .*13: Permission denied"]
    k.start()
    h = {"Authorization": "Bearer " + KEY}
    assert k.get("/api/v1/categories", headers=h).status == 200

    keys.chmod(0o600)                     # root's own now: not the workers'
    os.utime(keys)                        # a change the watcher sees
    deadline = time.time() + 5
    while time.time() < deadline and \
            k.get("/api/v1/categories", headers=h).status != 401:
        time.sleep(0.05)
    assert k.get("/api/v1/categories", headers=h).status == 401, \
        "an unreadable key file refuses every key"
    assert "Permission denied" in k.nginx.error_log()
    keys.chmod(0o644)
    os.utime(keys)
    deadline = time.time() + 5
    while time.time() < deadline and \
            k.get("/api/v1/categories", headers=h).status != 200:
        time.sleep(0.05)
    assert k.get("/api/v1/categories", headers=h).status == 200
