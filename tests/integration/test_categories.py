"""GET /api/v1/categories: every category with slug, label, signal date, row
count, columns, sha256, source file and the glossary of its known columns,
sorted by slug; checked against an independent parse of the data dir and
the original dashboard's labels."""

import hashlib
import json
import re

from krjassert import ISO_UTC, assert_security_headers, get_json
from krjenv import REPO

# The labels of the original dashboard for the 14 columns of the signal
# schema (original-dashboard.md, section 1.2), in the schema's order.
ORIGINAL_LABELS = {
    "ticker": "Ticker", "c": "Fri Close", "weekly_low": "Wk Low",
    "25DMA": "25 DMA", "25DMA_shifted": "25DMA -3w",
    "long_signal_value": "Long Val", "short_signal_value": "Short Val",
    "signal": "Signal", "signal_status_prior_week": "Prev Wk",
    "vol_ratio": "Vol Ratio", "25DMA_range_bps": "ADR (25d)",
    "25D_ADV_Shares_MM": "ADV (MM)", "25D_ADV_nortional_B": "ADV ($B)",
    "avg_trade_size": "Avg Trade",
}


def test_categories_top_level(krj, model):
    doc, resp = get_json(krj, "/api/v1/categories")
    assert_security_headers(resp, "categories")
    assert {"generated_at", "categories"} <= set(doc), \
        "categories body has generated_at and categories"
    assert ISO_UTC.match(doc["generated_at"]), \
        "generated_at is UTC ISO 8601 like 2026-01-09T18:00:00Z"
    assert isinstance(doc["categories"], list), "categories is a list"


def test_categories_one_per_newest_file_sorted_by_slug(krj, model):
    doc, _ = get_json(krj, "/api/v1/categories")
    slugs = [c["slug"] for c in doc["categories"]]
    assert slugs == sorted(model), \
        "one entry per category of the data dir, sorted by slug"
    assert "etfs_fx" in slugs and "ai_affected" in slugs, \
        "slug: lower case, _and_ becomes _"


def test_categories_fields(krj, model):
    doc, _ = get_json(krj, "/api/v1/categories")
    for c in doc["categories"]:
        m = model[c["slug"]]
        want = {"slug", "label", "signal_date", "rows", "columns", "sha256",
                "source_file", "glossary"}
        assert want <= set(c), "%s: fields %s" % (m.slug, want - set(c))
        assert c["label"] == m.label, "%s: label" % m.slug
        assert c["signal_date"] == m.signal_date, \
            "%s: signal_date is the newest date in its file names" % m.slug
        assert type(c["rows"]) is int and c["rows"] == len(m.rows), \
            "%s: rows = number of data rows" % m.slug
        assert c["columns"] == m.columns, \
            "%s: columns = header row, in order" % m.slug
        assert c["source_file"] == m.source_file, "%s: source_file" % m.slug
        assert c["sha256"] == m.sha256, \
            "%s: sha256 of the CSV as published (source minus BOM)" % m.slug


def test_categories_sha256_matches_published_csv(krj, model):
    doc, _ = get_json(krj, "/api/v1/categories")
    for c in doc["categories"]:
        published = krj.out / ("latest_%s.csv" % c["slug"])
        assert published.exists(), "krj-batch wrote %s" % published.name
        assert hashlib.sha256(published.read_bytes()).hexdigest() \
            == c["sha256"], "%s: sha256 = digest of latest_%s.csv" % (
                c["slug"], c["slug"])
        resp = krj.get("/api/v1/signals/%s.csv" % c["slug"])
        assert resp.status == 200
        assert hashlib.sha256(resp.body).hexdigest() == c["sha256"], \
            "%s: sha256 = digest of what .csv serves" % c["slug"]


def test_generated_at_same_everywhere(krj, model):
    doc, _ = get_json(krj, "/api/v1/categories")
    summ, _ = get_json(krj, "/api/v1/summary")
    assert summ["generated_at"] == doc["generated_at"], \
        "one snapshot, one generated_at (summary)"
    for slug in model:
        sig, _ = get_json(krj, "/api/v1/signals/%s?limit=0" % slug)
        assert sig["generated_at"] == doc["generated_at"], \
            "one snapshot, one generated_at (%s)" % slug


def test_glossary_of_the_known_columns(krj, model):
    doc, _ = get_json(krj, "/api/v1/categories")
    for c in doc["categories"]:
        m = model[c["slug"]]
        g = c["glossary"]
        known = [col for col in m.columns if col in ORIGINAL_LABELS]
        assert list(g) == known, \
            "%s: the glossary has the known columns, in column order; " \
            "unknown ones are absent: %s" % (m.slug, list(g))
        for col, entry in g.items():
            assert set(entry) == {"label", "description"}, entry
            assert entry["label"] == ORIGINAL_LABELS[col], \
                "%s: %s is labelled as in the original" % (m.slug, col)
            d = entry["description"]
            assert isinstance(d, str) and len(d) > 10 and "\n" not in d \
                and "{" not in d, "%s: %s: one line, no template" % (m.slug,
                                                                      col)
    sp500 = next(c for c in doc["categories"] if c["slug"] == "sp500")
    assert list(sp500["glossary"]) == list(ORIGINAL_LABELS), \
        "the signal schema: all 14, in order"
    assert "the week ending the signal date" in \
        sp500["glossary"]["c"]["description"], "c names the signal date"
    ai = next(c for c in doc["categories"] if c["slug"] == "ai_affected")
    assert "market_cap_b" in ai["columns"] and \
        "market_cap_b" not in ai["glossary"], "an unknown column: no entry"


def test_glossary_is_the_same_everywhere(krj):
    doc, _ = get_json(krj, "/api/v1/categories")
    entries = {}
    for c in doc["categories"]:
        for col, e in c["glossary"].items():
            assert entries.setdefault(col, e) == e, \
                "%s: one glossary, whatever the category" % col


def test_glossary_in_the_readme(krj):
    # the README's table says what the API says
    readme = (REPO / "README.md").read_text()
    marker = "<!-- glossary: GET /api/v1/categories -->\n"
    assert marker in readme, "README has the glossary table"
    table = readme.split(marker, 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [x.strip() for x in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = (cells[1], cells[2])
    doc, _ = get_json(krj, "/api/v1/categories")
    sp500 = next(c for c in doc["categories"] if c["slug"] == "sp500")
    assert list(rows) == list(sp500["glossary"]), "the same columns"
    for col, e in sp500["glossary"].items():
        assert rows[col] == (e["label"], e["description"]), col


def test_members_before_the_glossary_unchanged(krj, model):
    # clients diff these bodies: the glossary comes last in each item
    body = krj.get("/api/v1/categories").body.decode()
    items = json.loads(body, object_pairs_hook=list)[1][1]
    for item in items:
        assert [k for k, _ in item] == ["slug", "label", "signal_date",
                                        "rows", "columns", "sha256",
                                        "source_file", "glossary"], item[0]
    assert re.search(r'"source_file":"[^"]+","glossary":\{', body)
