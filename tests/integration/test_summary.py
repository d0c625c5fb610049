"""GET /api/v1/summary: per category (slug order) Long/Neutral/Short this
week and prior week and the delta, counted independently."""

from krjassert import ISO_UTC, assert_security_headers, get_json


def test_summary(krj, model):
    doc, resp = get_json(krj, "/api/v1/summary")
    assert_security_headers(resp, "summary")
    assert ISO_UTC.match(doc["generated_at"]), "generated_at UTC ISO 8601"
    cats = doc["categories"]
    assert [c["category"] for c in cats] == sorted(model), \
        "one entry per category, slug order"
    for c in cats:
        m = model[c["category"]]
        assert c["label"] == m.label, "%s: label" % m.slug
        assert c["signal_date"] == m.signal_date, "%s: signal_date" % m.slug
        assert c["summary"] == m.summary(), \
            "%s: total, long/neutral/short, prior and delta" % m.slug


def test_summary_matches_signals(krj, model):
    doc, _ = get_json(krj, "/api/v1/summary")
    for c in doc["categories"]:
        sig, _ = get_json(krj, "/api/v1/signals/%s?limit=0" % c["category"])
        assert sig["summary"] == c["summary"], \
            "%s: /summary and unfiltered /signals agree" % c["category"]


def test_summary_delta_nonzero_somewhere(krj, model):
    # the fixtures do change week to week; a summary of all-zero deltas
    # would mean prior was read from the wrong column
    doc, _ = get_json(krj, "/api/v1/summary")
    assert any(any(c["summary"]["delta"].values()) for c in doc["categories"]),\
        "some delta is non-zero"
