"""krjbrowser: a real browser against the dashboard.

    ensure_axe()              -> path of axe.min.js (npm install, once)
    CSP                       what every dashboard answer must carry
    Browser(artefacts, js=True, light=False, width=1280, height=900)
        .get(path) .reload() .find(css) .finds(css) .js(script, *args)
        .problems() -> [str]  console errors, JS errors, CSP violations
        .axe() -> [violation]  axe-core's serious and critical violations
        .shot(name)           screenshot to build/artefacts/NAME.png
        .table()              the table as shown: [[cell text]]
    print_pdf(url, out)       Chromium --print-to-pdf
    pdf_pages(pdf) -> [page text]   pdftotext per page

Chromium runs headless with the flags this machine needs (its background
networking would be refused) and a fresh profile per Browser.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

import krjenv

CHROMIUM = os.environ.get("KRJ_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KRJ_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTEFACTS = krjenv.BUILD / "artefacts"
NODE_DIR = krjenv.BUILD / "node_modules"
AXE_VERSION = "4.14.1"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
       "img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")

CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars",
                "--force-device-scale-factor=1")

# Page.addScriptToEvaluateOnNewDocument: runs before the page's own
# scripts, outside its CSP; records what the page must never do.
WATCH = r"""
window.__krj = {csp: [], errors: [], printed: 0};
document.addEventListener('securitypolicyviolation', function (e) {
  window.__krj.csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') +
                        ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
window.addEventListener('error', function (e) {
  window.__krj.errors.push(String(e.message) + ' ' + (e.filename || '') +
                           ':' + e.lineno);
});
window.addEventListener('unhandledrejection', function (e) {
  window.__krj.errors.push('unhandled rejection: ' + e.reason);
});
window.print = function () { window.__krj.printed += 1; };
"""


def missing_tools():
    """What the browser tests need and this machine lacks."""
    out = []
    for p in (CHROMIUM, CHROMEDRIVER, "/usr/bin/pdfinfo", "/usr/bin/pdftotext"):
        if not os.path.exists(p):
            out.append(p)
    try:
        import selenium  # noqa: F401
    except ImportError:
        out.append("python3-selenium")
    if not shutil.which("npm"):
        out.append("npm")
    return out


def ensure_axe():
    """axe-core from npm into build/node_modules, once (idempotent)."""
    js = NODE_DIR / "axe-core" / "axe.min.js"
    if js.exists():
        return js
    krjenv.BUILD.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["npm", "install", "--prefix", str(krjenv.BUILD), "--no-save",
         "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error",
         "axe-core@%s" % AXE_VERSION],
        capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL)
    if r.returncode != 0 or not js.exists():
        raise RuntimeError("npm install axe-core failed:\n%s%s"
                           % (r.stdout, r.stderr))
    return js


# -- the browser ---------------------------------------------------------------

class Browser:
    """Headless Chromium through chromedriver, fresh profile."""

    def __init__(self, base, js=True, light=False, width=1280, height=900,
                 mobile=False):
        """light=False emulates prefers-color-scheme: dark (headless
        Chromium reports light otherwise), light=True light."""
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.base = base.rstrip("/")
        self.profile = tempfile.mkdtemp(prefix="krj-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for f in CHROME_FLAGS:
            opts.add_argument(f)
        opts.add_argument("--user-data-dir=%s" % self.profile)
        opts.add_argument("--window-size=%d,%d" % (width, height))
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        if not js:
            opts.add_experimental_option("prefs", {
                "profile.managed_default_content_settings.javascript": 2})
        self.js_enabled = js
        self.log_path = os.path.join(self.profile, "chromedriver.log")
        service = Service(CHROMEDRIVER, log_path=self.log_path)
        self.driver = webdriver.Chrome(service=service, options=opts)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(60)
        self.driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "features": [{"name": "prefers-color-scheme",
                          "value": "light" if light else "dark"}]})
        if mobile:
            self.driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1,
                 "mobile": True})
        self.seen = []

    def close(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # navigation

    def url(self, path):
        return path if "://" in path else self.base + path

    def get(self, path):
        self.collect()
        self.driver.get(self.url(path))
        self.wait_ready()
        return self

    def reload(self):
        self.collect()
        self.driver.refresh()
        self.wait_ready()
        return self

    def wait_ready(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.driver.execute_script(
                    "return document.readyState") == "complete":
                return
            time.sleep(0.05)
        raise AssertionError("page did not finish loading")

    def wait(self, cond, timeout=5, what="condition"):
        deadline = time.time() + timeout
        while True:
            v = cond()
            if v:
                return v
            if time.time() > deadline:
                raise AssertionError("timed out waiting for %s" % what)
            time.sleep(0.05)

    @property
    def current(self):
        """path?query of the page as the address bar shows it."""
        u = urllib.parse.urlsplit(self.driver.current_url)
        return u.path + ("?" + u.query if u.query else "")

    # DOM

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def table(self, sel="main table.t"):
        """Rows as shown: the text of every visible cell of tbody."""
        return self.js("""
            var t = document.querySelector(arguments[0]);
            if (!t) { return null; }
            return Array.prototype.map.call(t.tBodies[0].rows, function (r) {
              return Array.prototype.filter.call(r.cells, function (c) {
                return getComputedStyle(c).display !== 'none';
              }).map(function (c) { return c.textContent; });
            });""", sel)

    def header(self, sel="main table.t"):
        return self.js("""
            var t = document.querySelector(arguments[0]);
            var hr = t.tHead.rows[t.tHead.rows.length - 1];
            return Array.prototype.filter.call(hr.cells,
              function (c) { return getComputedStyle(c).display !== 'none'; })
              .map(function (c) { return c.textContent; });""", sel)

    def tickers(self):
        return [r[0] for r in self.table()]

    def text(self, css):
        return self.find(css).text

    def keys(self, *keys):
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.driver).send_keys(*keys).perform()

    def focused(self):
        return self.js("""var e = document.activeElement;
            return e ? (e.tagName + ' ' + (e.getAttribute('name') || '') +
                        ' ' + (e.value || e.textContent || '')).trim() : '';""")

    def tab_to(self, pred, limit=200):
        """Presses Tab until pred(self) holds (keyboard only)."""
        from selenium.webdriver.common.keys import Keys
        for _ in range(limit):
            self.keys(Keys.TAB)
            if pred(self):
                return True
        raise AssertionError("Tab never reached the element; last focus: %s"
                             % self.focused())

    # what must never happen

    def collect(self):
        """Moves the browser log and the page's records into self.seen."""
        try:
            for e in self.driver.get_log("browser"):
                if e.get("level") in ("SEVERE", "ERROR"):
                    self.seen.append("console: %s" % e.get("message"))
                elif "Content Security Policy" in e.get("message", ""):
                    self.seen.append("console: %s" % e.get("message"))
        except Exception as e:  # noqa: BLE001
            self.seen.append("browser log unreadable: %s" % e)
        if not self.js_enabled:
            return
        try:
            rec = self.driver.execute_script(
                "var k = window.__krj; if (!k) { return null; }"
                "var r = {csp: k.csp.slice(), errors: k.errors.slice()};"
                "k.csp.length = 0; k.errors.length = 0; return r;")
        except Exception:  # noqa: BLE001
            rec = None
        if rec:
            page = self.current
            self.seen += ["CSP violation on %s: %s" % (page, v)
                          for v in rec["csp"]]
            self.seen += ["JS error on %s: %s" % (page, v)
                          for v in rec["errors"]]

    def problems(self):
        self.collect()
        out, self.seen = self.seen, []
        return out

    def printed(self):
        return self.js("return window.__krj ? window.__krj.printed : -1")

    def axe(self, impacts=("serious", "critical")):
        src = ensure_axe().read_text()
        self.js(src + "\n;window.__axe = axe;")
        res = self.driver.execute_async_script("""
            var done = arguments[arguments.length - 1];
            window.__axe.run(document, {resultTypes: ['violations']})
              .then(function (r) {
                done(r.violations.map(function (v) {
                  return {id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 5).map(function (n) {
                            return n.target.join(' ') + ' ' +
                              (n.failureSummary || '');
                          })};
                }));
              }, function (e) { done([{id: 'axe-error', impact: 'critical',
                                       help: String(e), nodes: []}]); });""")
        return [v for v in res if v["impact"] in impacts]

    def shot(self, name):
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        p = ARTEFACTS / ("%s.png" % name)
        self.driver.save_screenshot(str(p))
        return p


# -- PDF -----------------------------------------------------------------------

def print_pdf(url, out, timeout=120):
    """Chromium's own --print-to-pdf of url into out (no header/footer)."""
    profile = tempfile.mkdtemp(prefix="krj-chromium-pdf-")
    try:
        cmd = [CHROMIUM] + list(CHROME_FLAGS) + [
            "--user-data-dir=%s" % profile, "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            "--print-to-pdf=%s" % out, url]
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if not Path(out).exists():
            raise AssertionError("chromium --print-to-pdf wrote nothing "
                                 "(exit %d):\n%s" % (r.returncode, r.stderr))
        return Path(out)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def pdf_info(pdf):
    r = subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                       text=True, check=True)
    info = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    return info


def pdf_pages(pdf):
    n = int(pdf_info(pdf)["Pages"])
    out = []
    for i in range(1, n + 1):
        r = subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l",
                            str(i), str(pdf), "-"], capture_output=True,
                           text=True, check=True)
        out.append(r.stdout)
    return out


def dump_json(obj):
    return json.dumps(obj, indent=1, sort_keys=True)
