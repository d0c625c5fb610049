"""krjdash: the independent oracle of the krj dashboard (dashboard/MARKUP.md).

Built from the CSV files with Python's csv module (krjdata), never from
krj's output.  It holds

- the column registry of the known schema (labels, tooltips, formats of the
  original dashboard, /work/shared/reference/original-dashboard.md 1.2);
- the formatting functions (JavaScript's toFixed/Math.round semantics);
- the summary, filter and sort semantics of the README's query parameters
  (numbers as numbers, text as bytes, numbers first, empty last in both
  directions, stable);
- a reference page builder that renders complete pages exactly as
  dashboard/MARKUP.md specifies: a category page with any query, the print
  view, the login page and the error pages.

    site = Site(krjdata.newest(DATA), generated_at=..., now=...)
    status, headers, html = site.get("/krj/sp500?signal=Long&sort=-c")

Stdlib only.  The test server (krjbrowser.OracleServer) answers browsers
with it; the DOM checks compare the module's pages with it.
"""

import csv
import datetime
import decimal
import io
import hashlib
import math
import re
import urllib.parse
from pathlib import Path

import krjdata


REPO = Path(__file__).resolve().parents[2]
ASSET_DIR = REPO / "dashboard"
ASSET_FILES = ("krj.css", "krj.js", "krj.svg")

SIGNALS = ("Long", "Neutral", "Short")
SIGNAL_COL = "signal"
PRIOR_COL = "signal_status_prior_week"

# Tab order of the original (DB displayOrder of the seed); other categories
# follow in slug order.
TAB_ORDER = ("equities", "etfs_fx", "sp500", "sp100", "ndx100", "drc")

# Longest text shown in a cell of a generic schema, in characters; longer
# text is cut to TEXT_MAX - 1 characters plus an ellipsis, the full text in
# the title.
TEXT_MAX = 40

# Columns whose index is at most this can be hidden and right-aligned with
# the CSS classes hN / nN (dashboard/krj.css has one rule per index).
MAX_COL_CLASS = 99

SUMMARY_TITLE = ("Signal summary of the rows shown. L = Long, N = Neutral, "
                 "S = Short; in parentheses the change since last week. "
                 "Tot = rows with a signal.")

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec")


# -- formats (the original's format* helpers, JavaScript semantics) ---------

def js_to_fixed(x, digits):
    """Number.prototype.toFixed(digits) for |x| < 1e21: the exact binary
    value rounded half up (away from zero on the magnitude), '-' kept for a
    negative x that rounds to zero."""
    if math.isnan(x):
        return "NaN"
    if abs(x) >= 1e21:
        return js_number_str(x)
    sign = "-" if x < 0 else ""
    d = decimal.Decimal(abs(x)).quantize(
        decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP)
    return sign + format(d, "f")


def js_number_str(x):
    r = repr(x)
    return r[:-2] if r.endswith(".0") else r


def js_round(x):
    """Math.round: half toward +infinity."""
    return int(math.floor(x + 0.5))


def _num(raw):
    return float(raw) if krjdata.is_number_text(raw) else None


def fmt_fixed(digits, suffix=""):
    def f(raw):
        x = _num(raw)
        return raw if x is None else js_to_fixed(x, digits) + suffix
    return f


def fmt_percent(digits):
    """x100, digits dp, '%'; text already holding a % passes through, and
    so does a number whose x100 overflows a double."""
    def f(raw):
        x = _num(raw)
        if x is None or "%" in raw or not math.isfinite(x * 100):
            return raw
        return js_to_fixed(x * 100, digits) + "%"
    return f


def fmt_whole_percent(raw):
    x = _num(raw)
    if x is None or not math.isfinite(x * 100) or abs(x * 100) >= 1e21:
        return raw
    return "%d%%" % js_round(x * 100)


def fmt_ticker(raw):
    return raw[2:] if raw.startswith("c:") else raw


def fmt_text(raw):
    return raw


class Column:
    """One column of a category: name, label, tooltip, numeric, format."""

    def __init__(self, name, label, tip, numeric, fmt):
        self.name, self.label, self.tip = name, label, tip
        self.numeric, self.fmt = numeric, fmt

    def __repr__(self):
        return "<Column %s %r>" % (self.name, self.label)


# name: (label, tooltip, numeric, format); {date} is the signal date.
KNOWN = {
    "ticker": ("Ticker", "Stock or ETF symbol. FX pairs carry a c: prefix "
               "in the data (c:EURUSD), not shown here", False, fmt_ticker),
    "c": ("Fri Close", "Closing price on last trading day of the week "
          "ending {date}", True, fmt_fixed(2)),
    "weekly_low": ("Wk Low", "Lowest trade price during the week ending "
                   "{date}", True, fmt_fixed(2)),
    "25DMA": ("25 DMA", "25-day simple moving average of closes", True,
              fmt_fixed(2)),
    "25DMA_shifted": ("25DMA -3w", "25 DMA as of 15 trading days ago, used "
                      "for stop-loss levels", True, fmt_fixed(2)),
    "long_signal_value": ("Long Val", "(Wk Low - 25 DMA) / 25 DMA", True,
                          fmt_percent(1)),
    "short_signal_value": ("Short Val", "(Fri Close - 25 DMA) / 25 DMA",
                           True, fmt_percent(1)),
    "signal": ("Signal", "Long if Wk Low >= 25 DMA x 1.03; Short if Fri "
               "Close <= 25 DMA x 0.97; else Neutral", False, fmt_text),
    "signal_status_prior_week": ("Prev Wk", "The signal of the prior week",
                                 False, fmt_text),
    "vol_ratio": ("Vol Ratio", "Ticker ADR / SPY ADR (SPY = 100%)", True,
                  fmt_whole_percent),
    "25DMA_range_bps": ("ADR (25d)", "25-day average of (high - low) / "
                        "close", True, fmt_percent(2)),
    "25D_ADV_Shares_MM": ("ADV (MM)", "25-day average volume in millions "
                          "of shares", True, fmt_fixed(1, "M")),
    "25D_ADV_nortional_B": ("ADV ($B)", "25-day average notional in "
                            "billions of dollars", True, fmt_fixed(2, "B")),
    "avg_trade_size": ("Avg Trade", "Average trade size: volume / number "
                       "of trades", True, fmt_fixed(0)),
}


def pretty_date(iso):
    """2026-01-09 -> 'Jan 9, 2026' (the file name's date, no time zone)."""
    y, m, d = (int(p) for p in iso.split("-"))
    return "%s %d, %d" % (MONTHS[m - 1], d, y)


def esc(s):
    """The one escaping rule of MARKUP.md, for text and attribute values."""
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def enc(v):
    """A query value as MARKUP.md's canonical URLs write it: percent-encoded
    as encodeURIComponent, plus !'()*, with ',' kept."""
    return urllib.parse.quote(v, safe=",")


def b36(n, w):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    for _ in range(w):
        s = digits[n % 36] + s
        n //= 36
    return s


def sort_key(v):
    """README sort: numbers (as numbers) before text (as bytes)."""
    if krjdata.is_number_text(v):
        return (0, float(v), b"")
    return (1, 0.0, v.encode())


# -- a category as the dashboard sees it ------------------------------------

class Cat:
    """A krjdata.Category with the dashboard's columns, ranks and warnings."""

    def __init__(self, cat):
        self.src = cat
        self.slug, self.label = cat.slug, cat.label
        self.date = cat.signal_date
        self.names = list(cat.columns)
        self.rows = cat.rows
        self.known = all(n in KNOWN for n in self.names)
        self.cols = []
        for j, n in enumerate(self.names):
            if self.known:
                lab, tip, numeric, fmt = KNOWN[n]
                tip = tip.replace("{date}", pretty_date(self.date))
            else:
                cells = [r[j] for r in self.rows if r[j] != ""]
                numeric = bool(cells) and all(
                    krjdata.is_number_text(v) for v in cells)
                lab, tip, fmt = n, "", fmt_text
            self.cols.append(Column(n, lab, tip, numeric, fmt))
        self.ti = self.names.index("ticker")
        self.si = self.names.index(SIGNAL_COL) \
            if SIGNAL_COL in self.names else None
        self.pi = self.names.index(PRIOR_COL) \
            if PRIOR_COL in self.names else None
        n = len(self.rows)
        self.w = 1
        while 36 ** self.w <= n:
            self.w += 1
        self.ranks = self._ranks()
        self.warnings = self._warnings()

    @property
    def n(self):
        return len(self.rows)

    def col(self, name):
        return self.names.index(name) if name in self.names else None

    def _ranks(self):
        """ranks[j][i]: dense rank of row i in column j (ascending, README
        order), None for an empty cell."""
        out = []
        for j in range(len(self.names)):
            order = sorted((i for i, r in enumerate(self.rows) if r[j] != ""),
                           key=lambda i: sort_key(self.rows[i][j]))
            rk = [None] * len(self.rows)
            prev, r = None, -1
            for i in order:
                k = sort_key(self.rows[i][j])
                if k != prev:
                    r += 1
                    prev = k
                rk[i] = r
            out.append(rk)
        return out

    def _lines(self):
        """The first physical line of each data row (quoted fields may
        hold line breaks)."""
        reader = csv.reader(io.StringIO(self.src.raw.decode("utf-8"),
                                        newline=""))
        lines, prev = [], 0
        for _ in reader:
            lines.append(prev + 1)
            prev = reader.line_num
        return lines[1:]

    def _warnings(self):
        """Notes under the table: krj-batch's warnings for this file, row
        by row: a ticker seen before (compared upper-cased, as the ticker
        index does), a signal that is not Long, Neutral or Short (an empty
        one is a row without a signal yet, no warning)."""
        seen = {}
        notes = []
        lines = self._lines()
        for i, r in enumerate(self.rows):
            t = r[self.ti]
            key = t.encode().upper()
            line = lines[i]
            if key in seen:
                notes.append('Duplicate ticker "%s" (lines %d and %d)'
                             % (t, seen[key], line))
            else:
                seen[key] = line
            for c in (self.si, self.pi):
                if c is not None and r[c] not in SIGNALS and r[c] != "":
                    notes.append('Line %d: %s "%s" is not Long, Neutral or '
                                 'Short' % (line, self.names[c], r[c]))
        return notes

    def changed(self, row):
        if self.si is None or self.pi is None:
            return False
        return row[self.si].lower() != row[self.pi].lower()

    # pre-rendered fragments

    def row_html(self, i):
        row = self.rows[i]
        w = self.w
        empty = 36 ** w - 1
        r = b36(i, w) + "".join(
            b36(empty if rk[i] is None else rk[i], w) for rk in self.ranks)
        cls = ' class="ch"' if self.changed(row) else ""
        out = ['<tr data-r="%s"%s>' % (r, cls)]
        for j, c in enumerate(self.cols):
            out.append(self.cell_html(j, row[j]))
        out.append("</tr>")
        return "".join(out)

    def cell_html(self, j, raw):
        c = self.cols[j]
        tag = "th" if j == self.ti else "td"
        attrs = ""
        text = c.fmt(raw)
        if j in (self.si, self.pi):
            if raw == "Long":
                attrs = ' class="l"'
            elif raw == "Short":
                attrs = ' class="s"'
        if j == self.ti and text != raw:
            attrs = ' title="%s"' % esc(raw)
        elif not self.known and not c.numeric and len(raw) > TEXT_MAX:
            attrs += ' title="%s"' % esc(raw)
            text = raw[:TEXT_MAX - 1] + "\u2026"
        return "<%s%s>%s</%s>" % (tag, attrs, esc(text), tag)

    def num_classes(self):
        return "".join(" n%d" % j for j, c in enumerate(self.cols)
                       if c.numeric and 0 < j <= MAX_COL_CLASS)


# -- queries -----------------------------------------------------------------

class BadQuery(Exception):
    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code, self.message = code, message


PAGE_PARAMS = ("ticker", "signal", "prior", "either", "changed", "sort",
               "fields", "limit", "offset")
LIST_REPEATABLE = ("signal", "prior", "either", "fields")
PRINT_PARAMS = ("groups", "ls", "fields")
LIMIT_MAX = 1000000
OFFSET_MAX = 4294967295
# the module's default query bounds (krj_max_limit, _tickers, _fields):
# a page's query has the API's
BOUND_LIMIT = 10000
BOUND_TICKERS = 100
BOUND_FIELDS = 256


# ASCII white space: what values and list items are trimmed of
WS = " \t\n\r\x0b\x0c"


def quoted(text):
    """A client's text in an error message, as the API writes it: the
    first 64 bytes, each byte outside printable ASCII as '?'."""
    b = text.encode("utf-8", "surrogateescape")[:64] \
        if isinstance(text, str) else text[:64]
    return "".join(chr(c) if 0x20 <= c <= 0x7e else "?" for c in b)


def _decode(part):
    """Form decoding as browsers do it: '+' is a space, an escape that is
    not two hex digits stays as it is; bytes."""
    return urllib.parse.unquote_to_bytes(part.replace("+", " "))


def parse_form_query(qs):
    """[(name, value)]: application/x-www-form-urlencoded (what a GET form
    sends: '+' is a space), empty pairs skipped, names and values trimmed
    of ASCII white space; a NUL byte or text that is not UTF-8 is a
    BadQuery."""
    out = []
    for part in qs.split("&"):
        if part == "":
            continue
        k, _, v = part.partition("=")
        kb, vb = _decode(k), _decode(v)
        if b"\0" in kb or b"\0" in vb:
            raise BadQuery("bad_parameter", 'a NUL byte in parameter "%s"'
                           % quoted(kb))
        try:
            ks, vs = kb.decode("utf-8"), vb.decode("utf-8")
        except UnicodeDecodeError:
            raise BadQuery("bad_parameter", 'parameter "%s" is not UTF-8'
                           % quoted(kb))
        out.append((ks.strip(WS), vs.strip(WS)))
    return out


def _items(v):
    return [s.strip(WS) for s in v.split(",") if s.strip(WS) != ""]


def _number(name, v, hi):
    """The API's plain decimal: digits only, at most 4294967295, then at
    most hi; its messages."""
    n = 0
    if v == "":
        raise BadQuery("bad_parameter", '"%s" must be a non-negative '
                       'decimal number, not "%s"' % (name, quoted(v)))
    for ch in v:
        if not "0" <= ch <= "9":
            raise BadQuery("bad_parameter", '"%s" must be a non-negative '
                           'decimal number, not "%s"' % (name, quoted(v)))
        n = n * 10 + int(ch)
        if n > OFFSET_MAX:
            raise BadQuery("bad_parameter", '"%s" is too large: "%s"'
                           % (name, quoted(v)))
    if n > hi:
        raise BadQuery("bad_parameter", '"%s" must be between 0 and %d, '
                       'not "%s"' % (name, hi, quoted(v)))
    return n


def _bound(name, got, bound, directive):
    """A bound of the server exceeded: the API's over_bound message."""
    if got > bound:
        raise BadQuery("over_bound", '"%s" is at most %d on this server '
                       '(%s), not %d' % (name, bound, directive, got))


def _need(cat, signal, prior):
    """The API's check that a category has the signal columns a filter
    reads."""
    if signal and cat.si is None:
        raise BadQuery("unknown_column", 'category has no "signal" column')
    if prior and cat.pi is None:
        raise BadQuery("unknown_column", 'category has no '
                       '"signal_status_prior_week" column')


class View:
    """The state of a category page (MARKUP.md "Query parameters")."""

    def __init__(self):
        self.ticker = []          # exact tickers, as given
        self.signal = []          # canonical words, in SIGNALS order
        self.prior = []
        self.either = []
        self.changed = None       # None, True, False
        self.sort = None          # (column name, descending)
        self.fields = None        # None (default: all) or visible names
        self.limit = None
        self.offset = None

    def canonical(self, cat, api=False):
        """The canonical query string ('' for the default view); api=True
        gives the API's parameters for the download links."""
        q = []
        if self.ticker:
            q.append(("ticker", ",".join(self.ticker)))
        for name in ("signal", "prior", "either"):
            v = getattr(self, name)
            if v:
                q.append((name, ",".join(v)))
        if self.changed is not None:
            q.append(("changed", "1" if self.changed else "0"))
        if self.sort:
            q.append(("sort", ("-" if self.sort[1] else "") + self.sort[0]))
        vis = self.visible_names(cat)
        if self.fields is not None and len(vis) < len(cat.names):
            names = [n for n in cat.names if n in vis]
            if not api:
                names = [n for n in names if n != "ticker"]
            q.append(("fields", ",".join(names)))
        if self.limit is not None:
            q.append(("limit", str(self.limit)))
        if self.offset is not None:
            q.append(("offset", str(self.offset)))
        return "&".join("%s=%s" % (k, enc(v)) for k, v in q)

    def visible_names(self, cat):
        if self.fields is None:
            return set(cat.names)
        return set(self.fields) | {"ticker"}

    def filtered(self):
        return bool(self.ticker or self.signal or self.prior or self.either
                    or self.changed is not None)


def parse_view(cat, qs):
    """View from a query string; BadQuery for what MARKUP.md makes a 400,
    with the API's codes and messages."""
    v = View()
    seen = {}
    for k, val in parse_form_query(qs):
        if k not in PAGE_PARAMS:
            raise BadQuery("unknown_parameter", 'unknown parameter "%s"'
                           % quoted(k))
        if val == "":
            continue
        if k in seen and k not in LIST_REPEATABLE:
            raise BadQuery("bad_parameter", 'parameter "%s" given twice' % k)
        seen[k] = True
        if k == "ticker":
            # the items counted before any is looked at, empty ones too
            _bound(k, val.count(",") + 1, BOUND_TICKERS, "krj_max_tickers")
            v.ticker = _items(val)
        elif k in ("signal", "prior", "either"):
            _need(cat, k != "prior", k != "signal")
            got = set(getattr(v, k))
            for item in _items(val):
                word = {b"long": "Long", b"neutral": "Neutral",
                        b"short": "Short"}.get(item.encode().lower())
                if word is None:
                    raise BadQuery("bad_parameter", '"%s" takes Long, '
                                   'Neutral or Short, not "%s"'
                                   % (k, quoted(item)))
                got.add(word)
            setattr(v, k, [s for s in SIGNALS if s in got])
        elif k == "changed":
            _need(cat, True, True)
            if val == "1" or val.encode().lower() == b"true":
                v.changed = True
            elif val == "0" or val.encode().lower() == b"false":
                v.changed = False
            else:
                raise BadQuery("bad_parameter", '"changed" must be 1, true, '
                               '0 or false, not "%s"' % quoted(val))
        elif k == "sort":
            desc = val.startswith("-")
            name = val[1:] if desc else val
            if name == "":
                raise BadQuery("bad_parameter",
                               '"sort" needs a column name')
            if name not in cat.names:
                raise BadQuery("unknown_column", 'no column "%s"'
                               % quoted(name))
            v.sort = (name, desc)
        elif k == "fields":
            _bound(k, val.count(",") + 1, BOUND_FIELDS, "krj_max_fields")
            got = set(v.fields or [])
            for item in _items(val):
                if item not in cat.names:
                    raise BadQuery("unknown_column", 'no column "%s"'
                                   % quoted(item))
                got.add(item)
            v.fields = [n for n in cat.names if n in got]
        elif k == "limit":
            v.limit = _number(k, val, LIMIT_MAX)
            _bound(k, v.limit, BOUND_LIMIT, "krj_max_limit")
        elif k == "offset":
            v.offset = _number(k, val, OFFSET_MAX)
    return v


def select(cat, view):
    """(matched row indexes in display order, shown row indexes)."""
    idx = []
    tick = {t.lower() for t in view.ticker}
    for i, r in enumerate(cat.rows):
        if tick and r[cat.ti].lower() not in tick:
            continue
        if view.signal and r[cat.si] not in view.signal:
            continue
        if view.prior and r[cat.pi] not in view.prior:
            continue
        if view.either and r[cat.si] not in view.either \
                and r[cat.pi] not in view.either:
            continue
        if view.changed is not None and cat.changed(r) != view.changed:
            continue
        idx.append(i)
    if view.sort:
        idx = sort_indexes(cat, idx, view.sort[0], view.sort[1])
    start = view.offset or 0
    end = len(idx) if view.limit is None else start + view.limit
    return idx, idx[start:end]


def sort_indexes(cat, idx, name, desc=False):
    """README order over row indexes: stable, empty last both ways."""
    j = cat.names.index(name)
    full = [i for i in idx if cat.rows[i][j] != ""]
    empty = [i for i in idx if cat.rows[i][j] == ""]
    return sorted(full, key=lambda i: sort_key(cat.rows[i][j]),
                  reverse=desc) + empty


def summary(cat, idx):
    """{'tot','rows','l','n','s','dl','dn','ds'} over the rows idx."""
    this = {s: 0 for s in SIGNALS}
    prior = {s: 0 for s in SIGNALS}
    for i in idx:
        r = cat.rows[i]
        if cat.si is not None and r[cat.si] in this:
            this[r[cat.si]] += 1
        if cat.pi is not None and r[cat.pi] in prior:
            prior[r[cat.pi]] += 1
    return {"rows": len(idx), "tot": sum(this.values()),
            "l": this["Long"], "n": this["Neutral"], "s": this["Short"],
            "dl": this["Long"] - prior["Long"],
            "dn": this["Neutral"] - prior["Neutral"],
            "ds": this["Short"] - prior["Short"]}


def signed(d):
    return "+%d" % d if d > 0 else "%d" % d


def delta_html(d):
    cls = ' class="up"' if d > 0 else ' class="dn"' if d < 0 else ""
    return "<i%s>(%s)</i>" % (cls, signed(d))


def summary_text(s):
    """The card as text: 'L:18(+1) | N:423(+4) | S:62(-5) | Tot:503'."""
    t = "L:%d(%s) | N:%d(%s) | S:%d(%s) | Tot:%d" % (
        s["l"], signed(s["dl"]), s["n"], signed(s["dn"]), s["s"],
        signed(s["ds"]), s["tot"])
    if s["rows"] != s["tot"]:
        t += " (%d tickers)" % s["rows"]
    return t


def summary_html(s):
    h = ('<b class="l">L:%d</b>%s | <b>N:%d</b>%s | <b class="s">S:%d</b>%s'
         ' | <b>Tot:%d</b>' % (s["l"], delta_html(s["dl"]), s["n"],
                               delta_html(s["dn"]), s["s"],
                               delta_html(s["ds"]), s["tot"]))
    if s["rows"] != s["tot"]:
        h += " (%d tickers)" % s["rows"]
    return h


def age_text(seconds):
    s = max(0, int(seconds))
    for unit, n in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if s >= n:
            k = s // n
            return "%d %s%s ago" % (k, unit, "" if k == 1 else "s")
    return "just now"


def iso(ts):
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- pages -------------------------------------------------------------------

class Site:
    """The dashboard of a set of categories, rendered per MARKUP.md.

    generated_at, now: POSIX seconds (now=None: the clock at each request);
    max_age: seconds (krj_max_age); prefix: the dashboard location; api:
    the API location; user: the signed-in user name or None."""

    def __init__(self, cats, generated_at, now=None, max_age=8 * 86400,
                 prefix="/krj", api="/api/v1", asset_dir=ASSET_DIR):
        self.cats = {s: Cat(c) for s, c in cats.items()}
        self.order = [s for s in TAB_ORDER if s in self.cats] + sorted(
            s for s in self.cats if s not in TAB_ORDER)
        self.generated_at = generated_at
        self.now = now
        self.max_age = max_age
        self.prefix = prefix
        self.api = api
        self.asset_dir = Path(asset_dir)
        self.assets = {}
        for name in ASSET_FILES:
            data = (self.asset_dir / name).read_bytes()
            stem, ext = name.rsplit(".", 1)
            h = hashlib.sha256(data).hexdigest()[:12]
            self.assets[ext] = ("%s.%s.%s" % (stem, h, ext), data)
        self._row_cache = {}

    # helpers

    def asset_url(self, ext):
        return "%s/assets/%s" % (self.prefix, self.assets[ext][0])

    def row(self, cat, i):
        k = (cat.slug, i)
        if k not in self._row_cache:
            self._row_cache[k] = cat.row_html(i)
        return self._row_cache[k]

    def common_date(self, slugs):
        dates = [self.cats[s].date for s in slugs]
        if not dates:
            return None
        return max(set(dates), key=lambda d: (dates.count(d), d))

    def readable(self, scopes):
        return [s for s in self.order if scopes is None or "*" in scopes
                or s in scopes]

    # the shell

    def head(self, title, body_class=""):
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width,'
            'initial-scale=1">\n'
            '<title>%s</title>\n'
            '<link rel="icon" href="%s">\n'
            '<link rel="stylesheet" href="%s">\n'
            '<script src="%s" defer></script>\n'
            '</head>\n<body%s>\n'
        ) % (esc(title), self.asset_url("svg"), self.asset_url("css"),
             self.asset_url("js"),
             ' class="%s"' % body_class if body_class else "")

    def header(self, date, user, now):
        age = now - self.generated_at
        old = self.max_age is not None and age > self.max_age
        h = '<header class="hd">\n<h1>KRJ Weekly Signals'
        if date:
            h += ' <span class="dt">%s</span>' % pretty_date(date)
        h += '</h1>\n<p class="age%s">published <time datetime="%s">%s' \
             '</time>%s</p>\n' % (" old" if old else "",
                                  iso(self.generated_at), age_text(age),
                                  " (stale)" if old else "")
        if user:
            h += ('<form class="me" method="post" action="%s/logout">'
                  '<span>%s</span> <button>Sign out</button></form>\n'
                  % (self.prefix, esc(user)))
        return h + "</header>\n"

    def tabs(self, slugs, active):
        common = self.common_date(slugs)
        out = ['<nav class="tabs" aria-label="Categories">']
        for s in slugs:
            c = self.cats[s]
            cur = ' aria-current="page"' if s == active else ""
            d = ' <small>%s</small>' % pretty_date(c.date) \
                if c.date != common else ""
            out.append('<a href="%s/%s"%s>%s%s</a>'
                       % (self.prefix, s, cur, esc(c.label), d))
        out.append("</nav>\n")
        return "".join(out)

    # entry point

    def get(self, target, user=None, scopes=None, login_error=None):
        """(status, {header: value}, html) for GET target (path?query)."""
        now = self.now if self.now is not None else __import__("time").time()
        path, _, qs = target.partition("?")
        p = self.prefix
        if path in (p, p + "/"):
            slugs = self.readable(scopes)
            if not slugs:
                return self.error_page(404, "not_found", "No categories.",
                                       None, user, scopes, now)
            loc = "%s/%s" % (p, slugs[0]) + ("?" + qs if qs else "")
            return 302, {"location": loc}, ""
        if path == p + "/login":
            return 200, {}, self.login_page(qs, login_error)
        if path == p + "/print":
            try:
                return 200, {}, self.print_page(qs, user, scopes, now)
            except BadQuery as e:
                return self.error_page(400, e.code, e.message, None, user,
                                       scopes, now)
        if path.startswith(p + "/"):
            slug = path[len(p) + 1:]
            if slug in self.cats:
                if scopes is not None and slug not in self.readable(scopes):
                    return self.error_page(
                        403, "forbidden", 'You may not read "%s".' % slug,
                        None, user, scopes, now)
                try:
                    return 200, {}, self.category_page(slug, qs, user,
                                                       scopes, now)
                except BadQuery as e:
                    return self.error_page(400, e.code, e.message, slug,
                                           user, scopes, now)
            return self.error_page(404, "unknown_category",
                                   'No category "%s".' % slug, None, user,
                                   scopes, now)
        return self.error_page(404, "not_found", "No such page.", None,
                               user, scopes, now)

    # error pages

    def error_page(self, status, code, message, slug, user, scopes, now):
        slugs = self.readable(scopes)
        cat = self.cats.get(slug)
        title = {400: "Bad request", 403: "Forbidden",
                 404: "Not found"}.get(status, "Error")
        h = [self.head("%s \u00b7 KRJ Weekly Signals" % title),
             self.header(cat.date if cat else self.common_date(slugs),
                         user, now),
             self.tabs(slugs, slug),
             '<main>\n<p class="err" role="alert" data-code="%s">%s</p>\n'
             % (code, esc(message))]
        if cat:
            h.append('<p><a href="%s/%s">Show all rows of %s</a></p>\n'
                     % (self.prefix, slug, esc(cat.label)))
        h.append("</main>\n</body>\n</html>\n")
        return status, {}, "".join(h)

    # the category page

    def category_page(self, slug, qs, user=None, scopes=None, now=0):
        cat = self.cats[slug]
        view = parse_view(cat, qs)
        matched, shown = select(cat, view)
        slugs = self.readable(scopes)
        page = "%s/%s" % (self.prefix, slug)
        vis = view.visible_names(cat)
        h = [self.head("%s \u00b7 KRJ Weekly Signals" % cat.label),
             self.header(cat.date, user, now),
             self.tabs(slugs, slug),
             "<main>\n",
             self.toolbar(cat, view, page),
             self.print_dialog(cat, view, slugs),
             self.status_line(cat, view, matched, page),
             self.downloads(cat, view),
             '<div class="tw">'
             '<table class="t%s%s" data-w="%d" data-n="%d">\n'
             % (cat.num_classes(), self.hide_classes(cat, vis), cat.w, cat.n),
             '<caption class="vh">%s, week ending %s</caption>\n'
             % (esc(cat.label), pretty_date(cat.date)),
             "<thead><tr>%s</tr></thead>\n" % self.header_row(cat, view,
                                                               page),
             "<tbody>\n"]
        for i in shown:
            h.append(self.row(cat, i) + "\n")
        h.append("</tbody>\n</table></div>\n")
        h.append('<p class="nr"%s>No rows match.</p>\n'
                 % ("" if not shown else " hidden"))
        if view.limit is not None or view.offset is not None:
            h.append(self.pager(cat, view, len(matched), page))
        if cat.warnings:
            h.append('<ul class="note">%s</ul>\n' % "".join(
                "<li>%s</li>" % esc(w) for w in cat.warnings))
        h.append("</main>\n</body>\n</html>\n")
        return "".join(h)

    def hide_classes(self, cat, vis):
        return "".join(" h%d" % j for j, n in enumerate(cat.names)
                       if n not in vis and 0 < j <= MAX_COL_CLASS)

    def url(self, page, query):
        return page + ("?" + query if query else "")

    def header_row(self, cat, view, page):
        out = []
        for j, c in enumerate(cat.cols):
            nxt = View.__new__(View)
            nxt.__dict__.update(view.__dict__)
            nxt.offset = None
            sort = ""
            if view.sort and view.sort[0] == c.name:
                if view.sort[1]:
                    sort = ' aria-sort="descending"'
                    nxt.sort = None
                else:
                    sort = ' aria-sort="ascending"'
                    nxt.sort = (c.name, True)
            else:
                nxt.sort = (c.name, False)
            tip = ' title="%s"' % esc(c.tip) if c.tip else ""
            out.append('<th data-c="%s"%s><a href="%s"%s>%s</a></th>'
                       % (esc(c.name), sort,
                          esc(self.url(page, nxt.canonical(cat))), tip,
                          esc(c.label)))
        return "".join(out)

    def checkbox(self, name, value, checked, label):
        return ('<label><input type="checkbox" name="%s" value="%s"%s> '
                '%s</label>' % (name, value, " checked" if checked else "",
                                label))

    def toolbar(self, cat, view, page):
        h = ['<form class="tb" action="%s" role="search" '
             'aria-label="Rows and columns">\n' % page,
             '<label class="q">Ticker <input type="search" name="ticker" '
             'value="%s" placeholder="AAPL, MSFT" autocomplete="off" '
             'spellcheck="false"></label>\n' % esc(",".join(view.ticker))]
        weeks = []
        if cat.si is not None:
            weeks.append(("signal", "This week"))
        if cat.pi is not None:
            weeks.append(("prior", "Last week"))
        if cat.si is not None and cat.pi is not None:
            weeks.append(("either", "Either week"))
        if weeks:
            h.append('<fieldset class="fg"><legend>Signal</legend>\n')
            for name, legend in weeks:
                sel = getattr(view, name)
                h.append('<fieldset><legend>%s</legend>' % legend)
                for s in SIGNALS:
                    lab = {"Long": '<span class="l">Long</span>',
                           "Short": '<span class="s">Short</span>'}.get(s, s)
                    h.append(self.checkbox(name, s, s in sel, lab))
                h.append("</fieldset>\n")
            if cat.si is not None and cat.pi is not None:
                h.append(self.checkbox("changed", "1", view.changed is True,
                                       "Changed since last week") + "\n")
            h.append("</fieldset>\n")
        vis = view.visible_names(cat)
        h.append('<details class="cc"><summary>Columns</summary>'
                 '<fieldset><legend>Visible columns</legend>\n')
        for c in cat.cols:
            if c.name == "ticker":
                h.append('<label><input type="checkbox" checked disabled> '
                         '%s</label>' % esc(c.label))
            else:
                h.append(self.checkbox("fields", esc(c.name), c.name in vis,
                                       esc(c.label)))
        reset = View.__new__(View)
        reset.__dict__.update(view.__dict__)
        reset.fields = None
        h.append('\n<a class="rc" href="%s"%s>Reset to defaults</a>'
                 '</fieldset></details>\n'
                 % (esc(self.url(page, reset.canonical(cat))),
                    "" if len(vis) < len(cat.names) else " hidden"))
        if view.sort:
            h.append('<input type="hidden" name="sort" value="%s">'
                     % esc(("-" if view.sort[1] else "") + view.sort[0]))
        if view.limit is not None:
            h.append('<input type="hidden" name="limit" value="%d">'
                     % view.limit)
        h.append('<button class="ap">Apply</button> '
                 '<a class="cl" href="%s">Clear</a>\n</form>\n' % page)
        return "".join(h)

    def print_dialog(self, cat, view, slugs):
        h = ['<details class="pd"><summary>Print\u2026</summary>'
             '<form action="%s/print" aria-labelledby="pdh">\n'
             '<h2 id="pdh">Print KRJ Signals</h2>\n'
             '<fieldset><legend>Groups</legend>' % self.prefix]
        for s in slugs:
            h.append(self.checkbox("groups", s, s == cat.slug,
                                   esc(self.cats[s].label)))
        h.append('</fieldset>\n<p class="jo"><button type="button" '
                 'data-g="cur">Current Tab</button> <button type="button" '
                 'data-g="all">All Groups</button></p>\n')
        h.append(self.checkbox("ls", "1", False, "Long/Short only (sorted) "
                               "for selected groups") + "\n")
        vis = view.visible_names(cat)
        if len(vis) < len(cat.names):
            h.append('<input type="hidden" name="fields" value="%s">\n'
                     % esc(",".join(n for n in cat.names if n in vis)))
        h.append('<p><a class="btn" data-one href="%s/print?ls=1">Print all '
                 '(Long/Short only) \u2014 one click</a></p>\n'
                 '<p><button type="button" class="jo" data-x>Cancel</button> '
                 '<button>Print</button></p>\n</form></details>\n'
                 % self.prefix)
        return "".join(h)

    def status_line(self, cat, view, matched, page):
        h = ['<div class="st">']
        if cat.si is not None:
            s = summary(cat, matched)
            h.append('<p class="sum" title="%s">%s</p>'
                     % (esc(SUMMARY_TITLE), summary_html(s)))
        h.append('<p class="cnt" aria-live="polite">%d of %d rows</p>'
                 % (len(matched), cat.n))
        if view.sort:
            lab = cat.cols[cat.names.index(view.sort[0])].label
            off = View.__new__(View)
            off.__dict__.update(view.__dict__)
            off.sort = None
            off.offset = None
            h.append('<p class="so">Sort: %s %s <a href="%s" '
                     'aria-label="Original order">\u2715</a></p>'
                     % (esc(lab), "\u2193" if view.sort[1] else "\u2191",
                        esc(self.url(page, off.canonical(cat)))))
        else:
            h.append('<p class="so" hidden></p>')
        h.append('<p class="hint">Click a column header to sort; hover over '
                 'it for details.</p></div>\n')
        return "".join(h)

    def downloads(self, cat, view):
        q = view.canonical(cat, api=True)
        base = "%s/signals/%s" % (self.api, cat.slug)
        return ('<p class="dl">Download the rows shown: '
                '<a href="%s" download="%s.csv">CSV</a> '
                '<a href="%s" download="%s.json">JSON</a></p>\n'
                % (esc(self.url(base + ".csv", q)), cat.slug,
                   esc(self.url(base, q)), cat.slug))

    def pager(self, cat, view, nmatched, page):
        limit = view.limit if view.limit is not None else nmatched
        off = view.offset or 0
        first = off + 1 if off < nmatched and limit else 0
        last = min(off + limit, nmatched)

        def link(o, rel, text):
            v = View.__new__(View)
            v.__dict__.update(view.__dict__)
            v.offset = o if o else None
            return '<a href="%s" rel="%s">%s</a>' % (
                esc(self.url(page, v.canonical(cat))), rel, text)

        h = ['<nav class="pg" aria-label="Pages">']
        if off > 0:
            h.append(link(max(0, off - limit), "prev", "\u2039 Previous")
                     + " ")
        h.append("<span>Rows %d\u2013%d of %d</span>" % (first, last,
                                                          nmatched))
        if limit and off + limit < nmatched:
            h.append(" " + link(off + limit, "next", "Next \u203a"))
        h.append("</nav>\n")
        return "".join(h)

    # the print view

    def print_page(self, qs, user=None, scopes=None, now=0):
        slugs = self.readable(scopes)
        groups, ls, fields, seen = None, False, None, {}
        for k, val in parse_form_query(qs):
            if k not in PRINT_PARAMS:
                raise BadQuery("unknown_parameter",
                               'unknown parameter "%s"' % quoted(k))
            if val == "":
                continue
            if k in seen and k not in ("groups", "fields"):
                raise BadQuery("bad_parameter",
                               'parameter "%s" given twice' % k)
            seen[k] = True
            if k == "groups":
                groups = set(groups or ())
                for item in _items(val):
                    if item not in slugs:
                        raise BadQuery("bad_parameter",
                                       '"groups": no category "%s"'
                                       % quoted(item))
                    groups.add(item)
            elif k == "ls":
                if val not in ("1", "0"):
                    raise BadQuery("bad_parameter",
                                   '"ls" must be 1 or 0, not "%s"'
                                   % quoted(val))
                ls = val == "1"
            elif k == "fields":
                fields = set(fields or ()) | set(_items(val))
        chosen = [s for s in slugs if groups is None or s in groups]
        h = [self.head("Print \u00b7 KRJ Weekly Signals", "pv"),
             '<header class="hd">\n<h1>KRJ Weekly Signals <span class="dt">'
             '%s</span></h1>\n<p class="np"><button type="button" class="jo"'
             ' data-p>Print</button> <a href="%s">Back to the dashboard</a>'
             '</p>\n</header>\n<main>\n'
             % (pretty_date(self.common_date(chosen or slugs)),
                "%s/%s" % (self.prefix, chosen[0] if chosen else slugs[0]))]
        for s in chosen:
            h.append(self.print_group(self.cats[s], ls, fields))
        h.append("</main>\n</body>\n</html>\n")
        return "".join(h)

    def print_group(self, cat, ls, fields):
        if ls and cat.si is not None:
            idx = [i for i, r in enumerate(cat.rows) if r[cat.si] == "Long"] \
                + [i for i, r in enumerate(cat.rows) if r[cat.si] == "Short"]
        else:
            idx = list(range(cat.n))
        vis = set(cat.names) if fields is None else (
            {n for n in fields if n in cat.names} | {"ticker"})
        title = "%s \u00b7 %s" % (esc(cat.label), pretty_date(cat.date))
        if ls and cat.si is not None:
            title += " (Filtered: Current Week: Long, Short)"
        h = ['<section class="grp" aria-labelledby="g-%s">\n'
             '<h2 id="g-%s">%s</h2>\n' % (cat.slug, cat.slug, title)]
        if cat.si is not None:
            s = summary(cat, range(cat.n))
            h.append('<p class="psum">Long: %d (%s) | Neutral: %d (%s) | '
                     'Short: %d (%s) | Total: %d</p>\n'
                     % (s["l"], signed(s["dl"]), s["n"], signed(s["dn"]),
                        s["s"], signed(s["ds"]), s["tot"]))
        h.append('<table class="t%s%s" data-w="%d" data-n="%d">\n<thead>'
                 '<tr class="gh"><th colspan="%d">%s</th></tr><tr>'
                 % (cat.num_classes(), self.hide_classes(cat, vis), cat.w,
                    cat.n, len(cat.names), title))
        for c in cat.cols:
            tip = ' title="%s"' % esc(c.tip) if c.tip else ""
            h.append('<th data-c="%s"%s>%s</th>' % (esc(c.name), tip,
                                                    esc(c.label)))
        h.append("</tr></thead>\n<tbody>\n")
        for i in idx:
            h.append(self.row(cat, i) + "\n")
        h.append("</tbody>\n</table>\n</section>\n")
        return "".join(h)

    # the login page

    def next_ok(self, v):
        """A local page of the dashboard, as MARKUP.md allows after a
        login: under the prefix, not "//", no backslash (a browser reads
        it as "/"), no control character."""
        return v.startswith(self.prefix + "/") and not v.startswith("//") \
            and "\\" not in v and not any(ord(c) < 0x20 or ord(c) == 0x7f
                                           for c in v)

    def login_page(self, qs, error=None):
        nxt = ""
        try:
            pairs = parse_form_query(qs)
        except BadQuery:
            pairs = []      # the sign-in page is never a 400
        for k, v in pairs:
            if k == "next" and self.next_ok(v):
                nxt = v
        h = [self.head("Sign in \u00b7 KRJ Weekly Signals", "lg"),
             '<main>\n<h1>KRJ Weekly Signals</h1>\n'
             '<form class="login" method="post" action="%s/login">\n'
             '<h2>Sign in</h2>\n' % self.prefix]
        if error:
            h.append('<p class="err" role="alert">%s</p>\n' % esc(error))
        h.append('<label for="u">User</label>\n'
                 '<input id="u" name="user" autocomplete="username" '
                 'autocapitalize="none" spellcheck="false" required>\n'
                 '<label for="pw">Password</label>\n'
                 '<input id="pw" type="password" name="password" '
                 'autocomplete="current-password" required>\n')
        if nxt:
            h.append('<input type="hidden" name="next" value="%s">\n'
                     % esc(nxt))
        h.append('<button>Sign in</button>\n</form>\n</main>\n'
                 '</body>\n</html>\n')
        return "".join(h)


def site_from_data(data_dir=krjdata.Path(__file__).resolve().parents[2]
                   / "tests" / "data", **kw):
    return Site(krjdata.newest(data_dir), **kw)


# -- cases for the unit tests of the C side (tests/unit/test_html.c) ---------

# Numbers at the edges of the formats: ties of toFixed on exact binary
# values, negative zero after rounding, exponents, huge and tiny values.
EDGE_NUMBERS = (
    "0", "-0", "0.0", "1", "-1", "0.5", "1.5", "2.5", "-2.5", "0.125",
    "-0.125", "0.005", "1.005", "1.0049999999999999", "0.045", "0.055",
    "9.995", "99.995", "999.9951", "0.0049", "-0.0049", "-0.00001",
    "123456789.125", "1e20", "9.99e20", "1e21", "1.5e22", "-2e30",
    "1e300", "2e306", "-6.246461178236379e-05", "2.3205844295999998e-05",
    "1.5362957910534724e-15", "4.35", "8.345", "1.45", "0.285",
    "1234.5678", "-0.45", "0.994", "0.995", "0.9951", "-0.995", "1E3",
    "1e-7", "5e-324", "1.7976931348623157e308", "12.5%", "n/a", "",
    "007", "1.", ".5",
)

TEXTS = ("", "plain", "a&b", "<td>", '"quoted"', "it's", "&amp;",
         "caf\u00e9 \u2014 \u00b7 \u20ac \U0001f600", "x<y>&\"z\"",
         "tab\there", "new\nline")


def _tsv(*fields):
    """One case line: fields tab-separated, with \\, \\t, \\n, \\r
    escaped."""
    return "\t".join(str(f).replace("\\", "\\\\").replace("\t", "\\t")
                     .replace("\n", "\\n").replace("\r", "\\r")
                     for f in fields)


def unit_cases(data_dir=krjdata.Path(__file__).resolve().parents[2]
               / "tests" / "data"):
    """The oracle's answers, one per line, for the C unit tests:

    col NAME LABEL TOOLTIP NUMERIC   the column registry of the known schema
    cell NAME RAW SHOWN              every cell of every known-schema
                                     fixture file, and EDGE_NUMBERS
    esc TEXT ESCAPED                 the escaping rule
    query TEXT ENCODED               a query value in a URL
    date ISO PRETTY
    age SECONDS TEXT
    b36 N WIDTH DIGITS
    """
    out = []
    for name, (lab, tip, numeric, _) in KNOWN.items():
        out.append(_tsv("col", name, lab, tip, int(numeric)))
    cells = {}
    for cat in krjdata.newest(data_dir).values():
        if not all(n in KNOWN for n in cat.columns):
            continue
        for row in cat.rows:
            for name, raw in zip(cat.columns, row):
                cells.setdefault(name, []).append(raw)
    for name in KNOWN:
        for raw in dict.fromkeys(cells.get(name, []) + list(EDGE_NUMBERS)):
            out.append(_tsv("cell", name, raw, KNOWN[name][3](raw)))
    for t in TEXTS:
        out.append(_tsv("esc", t, esc(t)))
        out.append(_tsv("query", t, enc(t)))
    for t in ("AAPL,MSFT", "BRK B", "c:EURUSD", "-c", "a+b", "~x_y.z-",
              "!'()*", "100%", "/?#[]@$&=;"):
        out.append(_tsv("query", t, enc(t)))
    for d in ("2026-01-09", "2025-12-12", "1970-01-01", "9999-12-31",
              "2024-02-29", "2026-10-30"):
        out.append(_tsv("date", d, pretty_date(d)))
    for sec in (-5, 0, 59, 60, 61, 119, 120, 3599, 3600, 7199, 7200, 86399,
                86400, 172799, 172800 + 600, 9 * 86400, 10 ** 9):
        out.append(_tsv("age", sec, age_text(sec)))
    for n, w in ((0, 1), (35, 1), (36, 2), (503, 2), (1295, 2), (1296, 3),
                 (46655, 3), (123456789, 6)):
        out.append(_tsv("b36", n, w, b36(n, w)))
    return out


# The pages the C renderers must write byte for byte (tests/unit/
# test_page.c): (target, user, scopes), rendered at a fixed time.
PAGE_TIME = 1767981600              # the unit tests' generated_at
PAGE_NOW = PAGE_TIME + 2 * 86400 + 600

PAGE_CASES = [
    ("/krj/sp500?signal=Long,Short", None, None),
    ("/krj/sp500?sort=-c", None, None),
    ("/krj/sp500?sort=long_signal_value&limit=20&offset=40", None, None),
    ("/krj/sp500?either=Short&sort=-vol_ratio", None, None),
    ("/krj/sp500?changed=1&sort=ticker", None, None),
    ("/krj/sp500?changed=0", None, None),
    ("/krj/sp500?prior=Long&signal=Neutral", None, None),
    ("/krj/sp500?ticker=AAPL,msft,NVDA", None, None),
    ("/krj/sp500?ticker=AAPL,+MSFT&signal=Long&signal=Short&fields=c"
     "&fields=signal&sort=", None, None),
    ("/krj/sp500?fields=c,signal,vol_ratio", None, None),
    ("/krj/sp500?fields=,,", None, None),
    ("/krj/sp500?fields=ticker", None, None),
    ("/krj/sp500?limit=0", None, None),
    ("/krj/sp500?offset=0", None, None),
    ("/krj/sp500?offset=500", None, None),
    ("/krj/sp500?offset=600&limit=5", None, None),
    ("/krj/sp500?limit=1000000", None, None),
    ("/krj/sp500?ticker=%zz,BRK+B,a%26b%3Cc", None, None),
    ("/krj/drc?signal=Long", None, None),
    ("/krj/etfs_fx?sort=ticker", None, None),
    ("/krj/equities?sort=-signal", None, None),
    ("/krj/ai_affected?sort=market_cap_b", None, None),
    ("/krj/ai_affected?sort=-operating_margin_change_2y", None, None),
    ("/krj/ai_affected?signal=Long&sort=-fcf_yield&fields=c,ai_rationale",
     None, None),
    ("/krj/sp500?sort=nope", None, None),
    ("/krj/sp500?fields=c,nope", None, None),
    ("/krj/sp500?signal=Maybe", None, None),
    ("/krj/sp500?limit=-1", None, None),
    ("/krj/sp500?limit=x", None, None),
    ("/krj/sp500?limit=1000001", None, None),
    ("/krj/sp500?offset=99999999999", None, None),
    ("/krj/sp500?bogus=1", None, None),
    ("/krj/sp500?bogus=", None, None),
    ("/krj/sp500?sort=c&sort=-c", None, None),
    ("/krj/sp500?sort=-", None, None),
    ("/krj/sp500?changed=2", None, None),
    ("/krj/sp500?ticker=%ff", None, None),
    ("/krj/sp500?ticker=%00", None, None),
    ("/krj/sp400", None, None),
    ("/krj/a/b", None, None),
    ("/krj/print", None, None),
    ("/krj/print?groups=sp500,sp100&ls=1", None, None),
    ("/krj/print?groups=sp500&groups=drc&ls=1", None, None),
    ("/krj/print?groups=sp500&fields=ticker,c,signal,nope", None, None),
    ("/krj/print?groups=ai_affected&ls=1", None, None),
    ("/krj/print?groups=,,", None, None),
    ("/krj/print?groups=nope", None, None),
    ("/krj/print?ls=2", None, None),
    ("/krj/print?ls=1&ls=0", None, None),
    ("/krj/print?page=1", None, None),
    ("/krj/login", None, None),
    ("/krj/login?next=/krj/sp500%3Fsignal%3DLong", None, None),
    ("/krj/login?next=https://evil.example/", None, None),
    ("/krj/login?next=//evil.example/", None, None),
    ("/krj/login?next=/krj/%5Cevil", None, None),
    ("/krj/login?next=/krjx", None, None),
    ("/krj/sp500", "alice", None),
    ("/krj/sp500?sort=c", 'a<b&"c', None),
    ("/krj/sp500", None, ["sp500", "drc"]),
    ("/krj/drc?signal=Short", None, ["sp500", "drc"]),
    ("/krj/sp100", None, ["sp500", "drc"]),
    ("/krj/ai_affected", None, ["ai_affected"]),
    ("/krj/print", None, ["sp500", "drc"]),
    ("/krj/print?groups=sp100", None, ["sp500", "drc"]),
    ("/krj/nope", "bob", ["equities"]),
]


def page_cases(out_dir, data_dir=krjdata.Path(__file__).resolve().parents[2]
               / "tests" / "data"):
    """Writes every unfiltered category page and PAGE_CASES, rendered at
    PAGE_NOW, into out_dir with manifest.tsv: index, target, user,
    scopes, status, file ("-" for none)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    site = Site(krjdata.newest(data_dir), generated_at=PAGE_TIME,
                now=PAGE_NOW)
    cases = [("/krj/%s" % slug, None, None) for slug in site.order]
    cases += PAGE_CASES
    cases += [("/krj/login", None, None, "Wrong user name or password.")]
    lines = []
    for i, case in enumerate(cases):
        target, user, scopes = case[:3]
        if len(case) > 3:
            status, body = 401, site.login_page("", case[3])
        else:
            status, _, body = site.get(target, user=user, scopes=scopes)
        name = "%03d.html" % i
        (out / name).write_bytes(body.encode("utf-8"))
        lines.append(_tsv(i, target, user or "-",
                          ",".join(scopes) if scopes else "-", status,
                          case[3] if len(case) > 3 else "-", name))
    (out / "manifest.tsv").write_text("".join(l + "\n" for l in lines))


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["cases"]:
        sys.stdout.write("".join(line + "\n" for line in unit_cases()))
    elif len(sys.argv) == 3 and sys.argv[1] == "pages":
        page_cases(sys.argv[2])
    else:
        sys.exit("usage: krjdash.py cases | pages DIR   (the unit tests' "
                 "oracle cases and pages)")
