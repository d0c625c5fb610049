"""GET /api/v1/categories: every category with slug, label, signal date, row
count, columns, sha256 and source file, sorted by slug; checked against an
independent parse of the data dir."""

import hashlib

from krjassert import ISO_UTC, assert_security_headers, get_json


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
                "source_file"}
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
