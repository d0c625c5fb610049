"""What the dashboard adds to the snapshot, measured in the file itself
(krj_snapshot.h's layout): the assets and their gzip, and per category the
page text (the row fragments are part of it), its spans' deflate streams
and its compact gzip.  It stays within three times the CSV bytes, as the
snapshot as a whole should (issue 12); the numbers are printed."""

import struct

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
