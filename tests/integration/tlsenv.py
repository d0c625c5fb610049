"""tlsenv: the production nginx.conf on loopback, certificates, pebble and a
DNS responder for the TLS and ACME tests.  Stdlib only; builds on krjenv.

    ProdNginx(prefix, tls_dir, webroot, snapshot, http_port, https_port)
        conf/nginx.conf itself, with only its per-install paths and ports
        replaced (every replaced string must occur exactly as listed, so a
        change of nginx.conf cannot silently leave a test on an old copy);
        the shared snippets are linked beside it.  Its key and user files
        are prefix/auth/api-keys and prefix/auth/users.htpasswd, made empty
        before the start (nginx -t fails on a missing one); add_key() and
        add_user() fill them with krj-batch.  The API requires credentials,
        as in production: clients take a key from add_key().
    make_ca(dir, name), make_cert(dir, ca, names) -> paths (openssl)
    cert_lineage(dir, ca, names): a certbot-like lineage directory
    served_cert(port, servername) -> PEM of the leaf nginx serves
    cert_serial(pem) -> hex serial
    DnsServer(): A 127.0.0.1 for *.test, AAAA empty, on a free UDP port
    Pebble(dir, http_port, dns_port): Debian's pebble with its own CA,
        listener certificate and config
"""

import json
import os
import socket
import ssl
import struct
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import krjenv
from krjenv import REPO, Nginx, free_port

CONF = REPO / "conf"
CERTBOT = REPO / "certbot"
SNIPPETS = ("krj-http.conf", "krj-locations.conf", "tls-intermediate.conf",
            "ffdhe2048.pem")


def sh_env(**extra):
    env = dict(os.environ)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(cmd, timeout=120, check=True, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (
            " ".join(str(c) for c in cmd), r.returncode, r.stdout, r.stderr))
    return r


def wait_port(port, timeout=20, host="127.0.0.1", proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError("process exited with %s before listening "
                                 "on %d" % (proc.returncode, port))
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nothing listens on %s:%d after %ss"
                         % (host, port, timeout))


# --- the production configuration -----------------------------------------

def render_production(text, *, module, pid, error_log, access_log, temp,
                      snapshot, http_port, https_port, webroot, tls_dir,
                      workers, key_file, user_file, session_key):
    """conf/nginx.conf with its per-install paths and ports replaced."""
    subs = [
        ("user www-data;", "user root;", 1),
        ("worker_processes auto;", "worker_processes %d;" % workers, 1),
        ("pid /run/nginx.pid;", "pid %s;" % pid, 1),
        ("error_log /var/log/krj/nginx-error.log notice;",
         "error_log %s notice;" % error_log, 1),
        ("load_module /usr/lib/nginx/modules/ngx_http_krj_module.so;",
         "load_module %s;" % module, 1),
        ("access_log /var/log/krj/nginx-access.log krj_json;",
         "access_log %s krj_json;\n" % access_log
         + "".join("    %s_temp_path %s/%s;\n" % (t, temp, t)
                   for t in ("client_body", "proxy", "fastcgi", "uwsgi",
                             "scgi")), 1),
        ("krj_snapshot /var/lib/krj/output/krj.snapshot;",
         "krj_snapshot %s;" % snapshot, 1),
        ("krj_key_file /etc/krj/api-keys;", "krj_key_file %s;" % key_file,
         1),
        ("krj_user_file /etc/krj/users.htpasswd;",
         "krj_user_file %s;" % user_file, 1),
        ("krj_session_key_file /etc/krj/session.key;",
         "krj_session_key_file %s;" % session_key, 1),
        ("listen 80 default_server;",
         "listen 127.0.0.1:%d default_server;" % http_port, 1),
        ("listen [::]:80 default_server;", "# (no IPv6 in tests)", 1),
        ("listen 443 ssl http2 default_server;",
         "listen 127.0.0.1:%d ssl http2 default_server;" % https_port, 1),
        ("listen [::]:443 ssl http2 default_server;", "# (no IPv6 in tests)",
         1),
        ("root /var/www/letsencrypt;", "root %s;" % webroot, 1),
        ("/etc/krj/tls/live/", "%s/live/" % tls_dir, 3),
    ]
    return _substitute("conf/nginx.conf", text, subs)


def _substitute(name, text, subs):
    for old, new, count in subs:
        n = text.count(old)
        assert n == count, ("%s: expected %r %d time(s), found %d: update "
                            "tlsenv" % (name, old, count, n))
        text = text.replace(old, new)
    return text


class ProdNginx(Nginx):
    """krjenv.Nginx running the production nginx.conf."""

    def __init__(self, prefix_dir, tls_dir, webroot, snapshot, http_port,
                 https_port, workers=1):
        self.tls_dir = Path(tls_dir)
        self.webroot = Path(webroot)
        self.snapshot = Path(snapshot)
        self.http_port = http_port
        self.https_port = https_port
        prefix = Path(prefix_dir).resolve()
        prefix.mkdir(parents=True, exist_ok=True)
        for name in SNIPPETS:
            link = prefix / name
            if link.exists() or link.is_symlink():
                link.unlink()
            link.symlink_to(CONF / name)
        (prefix / "temp").mkdir(exist_ok=True)
        self.key_file = prefix / "auth" / "api-keys"
        self.user_file = prefix / "auth" / "users.htpasswd"
        self.key_file.parent.mkdir(exist_ok=True)
        for f in (self.key_file, self.user_file):
            f.touch(mode=0o640)
        self.session_key = prefix / "auth" / "session.key"
        if not self.session_key.exists():
            self.session_key.write_bytes(os.urandom(32))
        self.session_key.chmod(0o600)
        super().__init__(prefix, "", workers=workers)

    def add_key(self, name, scopes="*", *extra):
        """krj-batch keys add into this nginx's key file; the key."""
        r = run([krjenv.BATCH, "keys", "add", name, "--scopes", scopes,
                 "--key-file", self.key_file] + list(extra))
        key = r.stdout.splitlines()[-1]
        assert key.startswith("krj_"), "keys add prints the key last:\n" \
            + r.stdout
        return key

    def add_user(self, name, password, *extra):
        """krj-batch users add into this nginx's user file (cost 4)."""
        r = subprocess.run(
            [str(krjenv.BATCH), "users", "add", name, "--cost", "4",
             "--user-file", str(self.user_file)] + list(extra),
            input=password + "\n", capture_output=True, text=True,
            timeout=60)
        assert r.returncode == 0, "users add failed:\n%s%s" % (r.stdout,
                                                               r.stderr)

    def render_conf(self):
        return render_production(
            (CONF / "nginx.conf").read_text(), module=krjenv.MODULE,
            pid=self.pid_path, error_log=self.error_log_path,
            access_log=self.access_log_path, temp=self.prefix / "temp",
            snapshot=self.snapshot, http_port=self.http_port,
            https_port=self.https_port, webroot=self.webroot,
            tls_dir=self.tls_dir, workers=self.workers,
            key_file=self.key_file, user_file=self.user_file,
            session_key=self.session_key)

    def hook_env(self, **extra):
        """Environment for certbot/deploy-hook.sh driving this nginx."""
        nginx = krjenv.NGINX_BIN
        san = krjenv._sanitizer_env(self.prefix)
        if san:
            # the hook's nginx -t loads the ASan module: wrap the binary
            wrapper = self.prefix / "nginx-asan.sh"
            wrapper.write_text(
                "#!/bin/sh\n"
                + "".join("export %s='%s'\n" % kv for kv in san.items())
                + 'exec %s "$@"\n' % krjenv.NGINX_BIN)
            wrapper.chmod(0o755)
            nginx = wrapper
        return sh_env(KRJ_TLS_DIR=self.tls_dir, KRJ_NGINX=nginx,
                      KRJ_NGINX_PREFIX=str(self.prefix) + "/",
                      KRJ_NGINX_CONF=self.conf_path,
                      KRJ_DEPLOY_LOG=self.prefix / "deploy-hook.log",
                      KRJ_TEXTFILE_DIR=self.textfile_dir(), **extra)

    def textfile_dir(self):
        """node_exporter's textfile directory of this install."""
        d = self.tls_dir.parent / "textfile"
        d.mkdir(exist_ok=True)
        return d

    def deploy_log(self):
        return self._read(self.prefix / "deploy-hook.log")

    def all_pids(self):
        return {self.pid} | self.worker_pids()


def bootstrap_selfsigned(tls_dir, name="localhost", force=False):
    args = [CERTBOT / "bootstrap-selfsigned.sh"]
    if force:
        args.append("--force")
    textfile = Path(tls_dir).parent / "textfile"
    textfile.mkdir(parents=True, exist_ok=True)
    return run(args + [name], env=sh_env(KRJ_TLS_DIR=tls_dir,
                                         KRJ_TEXTFILE_DIR=textfile))


def publish_fixtures(out_dir):
    """krj-batch run over the fixture CSVs into out_dir."""
    r = krjenv.run_batch("run", input=krjenv.DATA, output=out_dir)
    assert r.returncode == 0, "krj-batch run failed:\n%s%s" % (r.stdout,
                                                               r.stderr)
    return Path(out_dir) / "krj.snapshot"


# --- certificates ------------------------------------------------------------

def make_ca(d, name="krj test CA"):
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    key, cert = d / "ca.key", d / "ca.pem"
    run(["openssl", "req", "-x509", "-new", "-noenc", "-days", "400",
         "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-subj", "/CN=" + name,
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign",
         "-keyout", key, "-out", cert])
    return cert, key


def make_cert(d, ca, names, days=3, key_type="ec", crl_uri=None):
    """A server certificate for names (DNS or IP) signed by ca=(cert, key),
    with a CRL distribution point when crl_uri is given (as Let's Encrypt's
    have); returns (cert, key)."""
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    key, csr, cert = d / "key.pem", d / "req.csr", d / "cert.pem"
    newkey = (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
              if key_type == "ec" else ["-newkey", "rsa:2048"])
    run(["openssl", "req", "-new", "-noenc"] + newkey
        + ["-subj", "/CN=" + names[0], "-keyout", key, "-out", csr])
    san = ",".join(("IP:" if n.replace(".", "").isdigit() else "DNS:") + n
                   for n in names)
    ext = d / "ext.cnf"
    ext.write_text("subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\n"
                   "keyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\n" % san
                   + ("crlDistributionPoints=URI:%s\n" % crl_uri
                      if crl_uri else ""))
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey",
         ca[1], "-CAcreateserial", "-days", str(days), "-extfile", ext,
         "-out", cert])
    return cert, key


def cert_lineage(d, ca, names, **kw):
    """A directory laid out like /etc/letsencrypt/live/NAME; kw go to
    make_cert."""
    d = Path(d)
    cert, key = make_cert(d / "work", ca, names, **kw)
    chain = Path(ca[0]).read_text()
    (d / "cert.pem").write_text(cert.read_text())
    (d / "chain.pem").write_text(chain)
    (d / "fullchain.pem").write_text(cert.read_text() + chain)
    (d / "privkey.pem").write_text(key.read_text())
    return d


def served_cert(port, servername="localhost", host="127.0.0.1"):
    """PEM of the leaf certificate nginx serves (no verification)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=servername) as t:
            return ssl.DER_cert_to_PEM_cert(t.getpeercert(binary_form=True))


def cert_serial(pem):
    r = subprocess.run(["openssl", "x509", "-noout", "-serial"],
                       input=pem, capture_output=True, text=True,
                       timeout=30, check=True)
    return r.stdout.strip().split("=", 1)[1].lower()


def s_client(port, servername, *extra, timeout=30):
    """openssl s_client against 127.0.0.1:port; (returncode, output)."""
    r = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
         "-servername", servername] + [str(e) for e in extra],
        input="", capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


# --- DNS ---------------------------------------------------------------------

class DnsServer:
    """A tiny authoritative DNS responder on 127.0.0.1 (UDP) for pebble's
    -dnsserver: A 127.0.0.1 for every name under .test, no AAAA (or any
    other record) for them, REFUSED for anything else."""

    def __init__(self, suffix=".test"):
        self.suffix = suffix.lower()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.queries = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                reply = self.answer(data)
            except (ValueError, IndexError, struct.error):
                continue
            if reply:
                self.sock.sendto(reply, addr)

    def answer(self, q):
        qid, flags, qdcount = struct.unpack("!HHH", q[:6])
        if qdcount != 1 or flags & 0x8000:
            return None
        i, labels = 12, []
        while q[i]:
            n = q[i]
            if n & 0xC0:
                raise ValueError("compressed question")
            labels.append(q[i + 1:i + 1 + n].decode("ascii").lower())
            i += 1 + n
        qtype, qclass = struct.unpack("!HH", q[i + 1:i + 5])
        question = q[12:i + 5]
        name = ".".join(labels)
        self.queries.append((name, qtype))
        ours = ("." + name).endswith(self.suffix)
        rd = flags & 0x0100
        answers = b""
        ancount = 0
        if ours and qtype == 1 and qclass == 1:        # A IN
            answers = (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4)
                       + socket.inet_aton("127.0.0.1"))
            ancount = 1
        rcode = 0 if ours else 5                       # NOERROR / REFUSED
        rflags = 0x8000 | 0x0400 | rd | rcode          # QR AA RD rcode
        return (struct.pack("!HHHHHH", qid, rflags, 1, ancount, 0, 0)
                + question + answers)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


# --- pebble ------------------------------------------------------------------

class Pebble:
    """Debian's pebble with a listener certificate made here, on free
    loopback ports, validating HTTP-01 on http_port and resolving names
    through dns_port."""

    def __init__(self, d, http_port, dns_port):
        self.dir = Path(d)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.acme_port = free_port()
        self.mgmt_port = free_port()
        self.ca, self.ca_key = make_ca(self.dir / "listener-ca",
                                       "pebble listener CA")
        cert, key = make_cert(self.dir / "listener", (self.ca, self.ca_key),
                              ["localhost", "127.0.0.1"])
        self.config = self.dir / "pebble-config.json"
        self.config.write_text(json.dumps({"pebble": {
            "listenAddress": "127.0.0.1:%d" % self.acme_port,
            "managementListenAddress": "127.0.0.1:%d" % self.mgmt_port,
            "certificate": str(cert),
            "privateKey": str(key),
            "httpPort": http_port,
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": False,
        }}, indent=2))
        self.dns_port = dns_port
        self.log_path = self.dir / "pebble.log"
        self.proc = None
        self.directory = "https://127.0.0.1:%d/dir" % self.acme_port

    def start(self):
        env = sh_env(PEBBLE_VA_NOSLEEP=1, PEBBLE_WFE_NONCEREJECT=0)
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                ["pebble", "-config", str(self.config), "-dnsserver",
                 "127.0.0.1:%d" % self.dns_port],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                start_new_session=True)
        finally:
            log.close()
        wait_port(self.acme_port, proc=self.proc)
        wait_port(self.mgmt_port, proc=self.proc)
        return self

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def root(self):
        """PEM of the root pebble signs with (it makes a new one at every
        start), from its management interface."""
        ctx = ssl.create_default_context(cafile=str(self.ca))
        url = "https://127.0.0.1:%d/roots/0" % self.mgmt_port
        with urllib.request.urlopen(url, context=ctx, timeout=10) as r:
            return r.read().decode()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
