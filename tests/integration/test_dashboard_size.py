"""What the dashboard adds to the snapshot, measured in the file itself
(krj_snapshot.h's layout): the assets and their gzip, and per category the
page text (the row fragments are part of it), its spans' deflate streams
and its compact gzip.  It stays within three times the CSV bytes, as the
snapshot as a whole should (issue 12); the numbers are printed.  A large
page's compact gzip holds its rows' stream instead of a second one, and
both gzip forms still give the page back."""

import gzip
import importlib.util
import struct

import krjenv

HEADER_CATEGORIES = 120          # krj_snap_header_t.categories
HEADER_ASSETS = 184              # krj_snap_header_t.assets[3]
CAT_PAGE = 208                   # krj_snap_category_t.page, npage
CAT_PAGE_GZ = 224                # .page_gz, npage_gz
SPAN = 32                        # sizeof(krj_snap_span_t)
GZSPAN = 24                      # sizeof(krj_snap_gzspan_t)


def dashboard_bytes(d):
    ncat = struct.unpack_from("<I", d, 60)[0]
    coff, clen = struct.unpack_from("<II", d, HEADER_CATEGORIES)
    size = clen // ncat
    assets = 0
    for i in range(3):
        name, body, gz = (struct.unpack_from("<II", d, HEADER_ASSETS
                                             + 24 * i + 8 * k)[1]
                          for k in range(3))
        assets += name + body + gz
    pages = {}
    for i in range(ncat):
        c = coff + i * size
        so, sl = struct.unpack_from("<II", d, c)
        po, pl, npage = struct.unpack_from("<III", d, c + CAT_PAGE)
        go, gl, ngz = struct.unpack_from("<III", d, c + CAT_PAGE_GZ)
        text = sum(struct.unpack_from("<I", d, po + k * SPAN + 4)[0]
                   for k in range(npage))
        gz = sum(struct.unpack_from("<I", d, po + k * SPAN + 12)[0]
                 for k in range(npage))
        compact = sum(struct.unpack_from("<I", d, go + k * GZSPAN + 4)[0]
                      for k in range(ngz))
        pages[d[so:so + sl].decode()] = (text, gz, compact, pl + gl)
    return assets, pages


def test_dashboard_within_three_times_the_csv(make_krj, capsys):
    k = make_krj(start=False)
    d = k.snapshot.read_bytes()
    assert struct.unpack_from("<I", d, 8)[0] == 4, "format version 4"
    csv = sum(p.stat().st_size for p in k.out.glob("latest_*.csv"))
    assets, pages = dashboard_bytes(d)
    total = assets + sum(sum(v) for v in pages.values())
    with capsys.disabled():
        print("\n  snapshot %d bytes, CSV %d bytes: %.2f x" % (
            len(d), csv, len(d) / csv))
        print("  dashboard %d bytes: %.2f x the CSV (assets %d)" % (
            total, total / csv, assets))
        for slug, (text, gz, compact, arrays) in sorted(pages.items()):
            print("    %-12s page %7d  spans gzip %6d  compact gzip %6d"
                  "  span arrays %5d" % (slug, text, gz, compact, arrays))
    assert total <= 3 * csv
    # the page text is about the size of an HTML page, not more
    assert all(text < 2 * (k.out / ("latest_%s.csv" % slug)).stat().st_size
               + 40000 for slug, (text, _, _, _) in pages.items())
    assert len(d) == struct.unpack_from("<Q", d, 16)[0], \
        "the layout read is the file's: its total length"


def spans_of(d, slug):
    """[(text ref, gz ref)] of the page spans and [gz ref] of the compact
    gzip of the category slug, refs as (offset, length)."""
    ncat = struct.unpack_from("<I", d, 60)[0]
    coff, clen = struct.unpack_from("<II", d, HEADER_CATEGORIES)
    for i in range(ncat):
        c = coff + i * (clen // ncat)
        so, sl = struct.unpack_from("<II", d, c)
        if d[so:so + sl].decode() != slug:
            continue
        po, _, npage = struct.unpack_from("<III", d, c + CAT_PAGE)
        go, _, ngz = struct.unpack_from("<III", d, c + CAT_PAGE_GZ)
        spans = [(struct.unpack_from("<II", d, po + k * SPAN),
                  struct.unpack_from("<II", d, po + k * SPAN + 8))
                 for k in range(npage)]
        compact = [struct.unpack_from("<II", d, go + k * GZSPAN)
                   for k in range(ngz)]
        return spans, compact
    raise AssertionError("no category %s" % slug)


def test_large_page_shares_its_rows_stream(make_krj):
    """5000 rows make a page of more than 1 MiB, its rows one span: the
    compact gzip's part around them holds that span's deflate stream, not
    a second, and the page comes back from either gzip form, the compact
    one (/krj) and the spans with the locations between them (/dash/)."""
    k = make_krj(files=[], publish=False, start=False, locations="""
        location /krj { krj_dashboard; }
        location /v2/ { krj_api; }
        location /dash/ { krj_dashboard; krj_dashboard_api /v2/; }
""")
    spec = importlib.util.spec_from_file_location(
        "synth_week", krjenv.REPO / "scripts" / "synth-week.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    synth.write_week(k.data / "KRJ_signals_latest_week_Big_2026-01-09.csv",
                     5000, 3)
    k.publish()
    k.start()
    d = k.snapshot.read_bytes()
    spans, compact = spans_of(d, "big")
    text, gz = max(spans, key=lambda s: s[0][1])
    assert text[1] >= 1 << 20, "the rows are one span of over 1 MiB"
    assert [c for c in compact if c[0] <= gz[0]
            and gz[0] + gz[1] <= c[0] + c[1]], \
        "the compact gzip's part holds the rows' stream"
    others = sum(g[1] for t, g in spans if g != gz)
    assert sum(c[1] for c in compact) + others < 1.2 * sum(
        g[1] for _, g in spans), "one stream of the rows, not two"
    for path in ("/krj/big", "/dash/big"):
        plain = k.get(path)
        packed = k.get(path, headers={"Accept-Encoding": "gzip"})
        assert plain.status == packed.status == 200, path
        assert len(plain.body) > 1 << 20, path
        assert packed.headers["content-encoding"] == "gzip", path
        assert gzip.decompress(packed.body) == plain.body, path
