"""An independent model of what krj must serve, built with Python's csv
module straight from the input CSVs (never from krj's output).

    cats = newest(data_dir)          # {slug: Category}, README section 3
    cat.columns, cat.rows            # header and data rows (lists of str)
    typed(cell)                      # README JSON typing of one cell
    loads_raw(body)                  # JSON with numbers kept as raw text
    typed_tree(value)                # a loads_raw() value, typed the same way
"""

import csv
import datetime
import hashlib
import io
import json
import math
import re
from pathlib import Path


FILE_RE = re.compile(
    r"^KRJ_signals_latest_week_(?P<cat>.+)_(?P<date>\d{4}-\d{2}-\d{2})\.csv$")

# RFC 8259 number grammar
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")

KNOWN_LABELS = {
    "equities": "Top Equities",
    "etfs_fx": "ETFs / FX",
    "sp500": "SP500",
    "sp100": "SP100",
    "ndx100": "NDX100",
    "drc": "DRC",
}

SIGNALS = ("Long", "Neutral", "Short")
BOM = b"\xef\xbb\xbf"


def slug_of(category):
    return category.lower().replace("_and_", "_")


def label_of(category):
    return KNOWN_LABELS.get(slug_of(category), category.replace("_", " "))


def real_date(text):
    try:
        datetime.date.fromisoformat(text)
        return True
    except ValueError:
        return False


class Category:
    def __init__(self, path):
        self.path = Path(path)
        m = FILE_RE.match(self.path.name)
        assert m, self.path
        self.name = m.group("cat")
        self.slug = slug_of(self.name)
        self.label = label_of(self.name)
        self.signal_date = m.group("date")
        self.source_file = self.path.name
        raw = self.path.read_bytes()
        self.raw = raw[len(BOM):] if raw.startswith(BOM) else raw
        table = list(csv.reader(io.StringIO(self.raw.decode("utf-8"),
                                            newline="")))
        self.columns = table[0]
        self.rows = table[1:]
        assert all(len(r) == len(self.columns) for r in self.rows)

    @property
    def sha256(self):
        return hashlib.sha256(self.raw).hexdigest()

    def col(self, name):
        return self.columns.index(name) if name in self.columns else None

    def cell(self, row, name):
        i = self.col(name)
        return None if i is None else row[i]

    def typed_row(self, row, fields=None):
        """[(column, typed cell)] in column (or fields) order."""
        names = fields or self.columns
        return [(n, typed(row[self.columns.index(n)])) for n in names]

    def summary(self, rows=None):
        rows = self.rows if rows is None else rows
        this = counts(rows, self.col("signal"))
        prior = counts(rows, self.col("signal_status_prior_week"))
        return {
            "total": len(rows),
            "long": this["long"], "neutral": this["neutral"],
            "short": this["short"],
            "prior": prior,
            "delta": {k: this[k] - prior[k] for k in this},
        }

    def __repr__(self):
        return "<Category %s %s>" % (self.slug, self.signal_date)


def counts(rows, idx):
    c = {"long": 0, "neutral": 0, "short": 0}
    if idx is None:
        return c
    for r in rows:
        v = r[idx]
        if v in SIGNALS:
            c[v.lower()] += 1
    return c


def newest(data_dir):
    """{slug: Category}: the newest real date per category wins."""
    best = {}
    for p in sorted(Path(data_dir).iterdir()):
        m = FILE_RE.match(p.name)
        if not m or not real_date(m.group("date")):
            continue
        slug = slug_of(m.group("cat"))
        if slug not in best or m.group("date") > best[slug][0]:
            best[slug] = (m.group("date"), p)
    return {s: Category(p) for s, (d, p) in sorted(best.items())}


def typed(cell):
    """README: a valid JSON number stays that number byte for byte, an empty
    cell is null, anything else a string."""
    if cell == "":
        return ("null",)
    if JSON_NUMBER.match(cell) and not math.isinf(float(cell)):
        # README: a number too large for a double (1e999) stays a string
        return ("num", cell)
    return ("str", cell)


class RawNumber(str):
    """A JSON number as the exact text it was sent as."""


def _no_dup_pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate JSON key %r" % k)
        d[k] = v
    return d


def loads(body):
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity."""
    def bad_const(c):
        raise ValueError("non-JSON constant %s" % c)
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return json.loads(body, object_pairs_hook=_no_dup_pairs,
                      parse_constant=bad_const)


def loads_raw(body):
    """Like loads(), but every number is a RawNumber holding its text."""
    def bad_const(c):
        raise ValueError("non-JSON constant %s" % c)
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return json.loads(body, object_pairs_hook=_no_dup_pairs,
                      parse_float=RawNumber, parse_int=RawNumber,
                      parse_constant=bad_const)


def typed_value(v):
    if v is None:
        return ("null",)
    if isinstance(v, RawNumber):
        return ("num", str(v))
    if isinstance(v, str):
        return ("str", v)
    return ("other", repr(v))


def typed_obj(obj):
    """A loads_raw() row object as [(key, typed value)], keys in order."""
    assert isinstance(obj, dict), obj
    return [(k, typed_value(v)) for k, v in obj.items()]


def is_number_text(s):
    return typed(s)[0] == "num"


def sort_rows(cat, rows, col, desc=False):
    """README sort: numbers as numbers, text as bytes, numbers before text,
    empty cells last in both directions, ties keep file order."""
    i = cat.columns.index(col)
    empty = [r for r in rows if r[i] == ""]
    full = [r for r in rows if r[i] != ""]

    def key(r):
        v = r[i]
        if is_number_text(v):
            return (0, float(v), b"")
        return (1, 0.0, v.encode())
    # sorted() is stable, also with reverse=True
    return sorted(full, key=key, reverse=desc) + empty


def parse_csv_bytes(data):
    text = data.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))
