
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <string.h>

#include <brotli/decode.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <zstd.h>

#include "krj_test.h"
#include "krj_csv.h"
#include "krj_publish.h"
#include "krj_scan.h"
#include "krj_date.h"
#include "krj_query.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


#define NFILES  10


typedef struct {
    char                slug[64];
    char                label[64];
    char                date[16];
    char                file[256];
    uint8_t            *data;
    size_t              len;
    krj_csv_t           csv;
} fixture_t;


static const char  *files[NFILES] = {
    "AI_Affected_2026-03-14", "DRC_2026-01-09", "ETFs_and_FX_2025-12-12",
    "ETFs_and_FX_2026-01-09", "Equities_2025-12-12", "Equities_2026-01-09",
    "SP100_2025-12-12", "SP100_2026-01-09", "SP500_2025-12-12",
    "SP500_2026-01-09"
};

static fixture_t         fx[NFILES];
static krj_snap_input_t  in[NFILES];
static uint8_t          *snap_data;
static size_t            snap_len;


static int
cmp_input(const void *a, const void *b)
{
    return strcmp(((const krj_snap_input_t *) a)->slug,
                  ((const krj_snap_input_t *) b)->slug);
}


/*
 * Every fixture becomes a category; the older week of a category gets the
 * slug "{slug}_prev" so both weeks fit in one snapshot.
 */
static void
load_fixtures(void)
{
    char      path[512], name[200], cat[KRJ_SCAN_NAME_MAX], err[1024];
    size_t    i;
    FILE     *f;

    for (i = 0; i < NFILES; i++) {
        snprintf(name, sizeof(name), "KRJ_signals_latest_week_%s.csv",
                 files[i]);
        ck_assert_int_eq(krj_scan_parse_name(name, cat, sizeof(cat),
                                             fx[i].date), KRJ_SCAN_OK);
        krj_scan_slug(cat, fx[i].slug, sizeof(fx[i].slug));
        krj_scan_label(cat, fx[i].slug, fx[i].label, sizeof(fx[i].label));

        if (strstr(files[i], "2025-12-12") != NULL) {
            strcat(fx[i].slug, "_prev");
        }

        snprintf(fx[i].file, sizeof(fx[i].file), "%s", name);
        snprintf(path, sizeof(path), "%s/%s", KRJ_TEST_DATA, name);

        f = fopen(path, "rb");
        ck_assert_ptr_nonnull(f);
        fclose(f);

        ck_assert_int_eq(krj_file_read(path, 1 << 24, &fx[i].data,
                                       &fx[i].len, err), 0);
        ck_assert_int_eq(krj_csv_parse(&fx[i].csv, fx[i].data, fx[i].len,
                                       1 << 24, NULL, NULL), 0);

        in[i].slug = fx[i].slug;
        in[i].label = fx[i].label;
        in[i].signal_date = fx[i].date;
        in[i].source_file = fx[i].file;
        in[i].csv = &fx[i].csv;
        ck_assert_int_eq(krj_sha256_hex(fx[i].data, fx[i].len,
                                        in[i].sha256), 0);
    }

    qsort(in, NFILES, sizeof(krj_snap_input_t), cmp_input);
}


/* a snapshot of in[first..first+n) in an exactly sized buffer */
static void
build(size_t first, size_t n)
{
    char       err[KRJ_SNAP_ERRLEN];
    uint8_t    digest[32];
    krj_buf_t  b;

    memset(digest, 0xab, sizeof(digest));
    krj_buf_init(&b);

    ck_assert_msg(krj_snap_write(&b, in + first, (uint32_t) n, 1767981600,
                                 digest, KRJ_SNAP_VERSION, KRJ_TEST_WRITER,
                                 err) == 0, "write: %s", err);

    snap_len = b.len;
    snap_data = malloc(snap_len);
    ck_assert_ptr_nonnull(snap_data);
    memcpy(snap_data, b.data, snap_len);
    krj_buf_free(&b);
}


static void
setup(void)
{
    load_fixtures();
    build(0, NFILES);
}


static void
teardown(void)
{
    size_t  i;

    for (i = 0; i < NFILES; i++) {
        krj_csv_free(&fx[i].csv);
        free(fx[i].data);
    }

    free(snap_data);
    memset(fx, 0, sizeof(fx));
    memset(in, 0, sizeof(in));
}


static void
resum(uint8_t *p, size_t len)
{
    unsigned int  n;

    EVP_Digest(p + KRJ_SNAP_SUMMED_FROM, len - KRJ_SNAP_SUMMED_FROM,
               p + offsetof(krj_snap_header_t, checksum), &n, EVP_sha256(),
               NULL);
}


static unsigned
touch(const krj_snap_t *s, krj_snap_ref_t r)
{
    unsigned     sum;
    uint32_t     i;
    const char  *p;

    sum = 0;
    p = krj_snap_ptr(s, r);

    for (i = 0; i < r.len; i++) {
        sum += (unsigned char) p[i];
    }

    return sum;
}


typedef struct {
    void               *p[8];
    unsigned            n;
} walk_mem_t;


static void *
walk_alloc(void *data, size_t size)
{
    walk_mem_t  *m;

    m = data;

    if (m->n == sizeof(m->p) / sizeof(m->p[0])) {
        return NULL;
    }

    m->p[m->n] = malloc(size ? size : 1);

    return m->p[m->n++];
}


/*
 * Every way the selection reads the indexes of a category: each class
 * alone with a page past the first row, and each column's order both
 * ways, whole and filtered, from an offset.
 */
static unsigned
walk_select(const krj_snap_t *s, const krj_snap_category_t *cat)
{
    int            d, rc;
    unsigned       sum, k, bad;
    uint32_t       c, i;
    walk_mem_t     mem;
    krj_query_t    q;
    krj_select_t   sel;

    /* one assertion at the end: Check writes a record for each */
    sum = 0;
    bad = 0;

    for (c = 0; c <= cat->ncolumns; c++) {
        for (d = 0; d < 2; d++) {
            for (k = 0; k < 8; k++) {
                memset(&q, 0, sizeof(q));
                q.sort_col = (c < cat->ncolumns) ? (int32_t) c : -1;
                q.sort_desc = d;
                q.changed = (k & 4) ? (int) (k & 1) : KRJ_CHANGED_ANY;
                q.signals = (k & 2) ? KRJ_QUERY_SIGNAL_BIT(k & 1 ? 1 : 3)
                                    : 0;
                q.offset = k & 1;
                q.limit = (k & 1) ? 3 : UINT64_MAX;

                mem.n = 0;
                rc = krj_query_select(&sel, s, cat, &q, walk_alloc, &mem);
                bad += (rc != KRJ_QUERY_OK || sel.nrows > sel.matched
                        || sel.matched > cat->nrows);

                for (i = 0; rc == KRJ_QUERY_OK && i < sel.nrows; i++) {
                    bad += (sel.rows[i] >= cat->nrows);
                    sum += sel.rows[i];
                }

                while (mem.n) {
                    free(mem.p[--mem.n]);
                }
            }
        }
    }

    ck_assert_uint_eq(bad, 0);

    return sum;
}


/* reads every byte a validated snapshot lets a reader reach */
static unsigned
walk(const krj_snap_t *s)
{
    unsigned                    sum;
    uint32_t                    i, r, c, k;
    const krj_snap_span_t      *span;
    const krj_snap_category_t  *cat;
    const krj_snap_column_t    *col;
    const krj_snap_row_t       *row;

    sum = touch(s, s->hdr->categories_json) + touch(s, s->hdr->summary_json)
          + touch(s, s->hdr->generated_at_iso);

    for (i = 0; i < KRJ_SNAP_ASSETS; i++) {
        sum += touch(s, s->hdr->assets[i].name)
               + touch(s, s->hdr->assets[i].body)
               + touch(s, s->hdr->assets[i].gz);
    }

    for (i = 0; i < s->hdr->ncategories; i++) {
        cat = &s->categories[krj_snap_tabs(s)[i]];
        sum += touch(s, cat->slug) + touch(s, cat->json) + touch(s, cat->csv)
               + touch(s, cat->json_gz) + touch(s, cat->csv_header)
               + touch(s, cat->summary) + touch(s, cat->json_meta)
               + touch(s, cat->html_label) + touch(s, cat->pretty_date)
               + touch(s, cat->num_classes) + touch(s, cat->warnings);
        col = krj_snap_columns(s, cat);
        row = krj_snap_rows(s, cat);
        span = krj_snap_page(s, cat);

        for (k = 0; k < cat->npage; k++) {
            sum += touch(s, span[k].text) + touch(s, span[k].gz)
                   + span[k].hole;
        }

        ck_assert_uint_eq(span[cat->npage - 1].hole, KRJ_HOLE_NONE);

        for (k = 0; k < cat->npage_gz; k++) {
            sum += touch(s, krj_snap_page_gz(s, cat)[k].gz);
        }

        for (c = 0; c < cat->ncolumns; c++) {
            sum += touch(s, col[c].name) + touch(s, col[c].json_name)
                   + touch(s, col[c].csv_name) + touch(s, col[c].html_name)
                   + touch(s, col[c].url_name) + touch(s, col[c].label)
                   + touch(s, col[c].tooltip);
        }

        for (r = 0; r < cat->nrows; r++) {
            sum += touch(s, row[r].json) + touch(s, row[r].csv)
                   + touch(s, row[r].html);

            for (c = 0; c < cat->ncolumns; c++) {
                sum += touch(s, krj_snap_cell_json(s, cat, r, c))
                       + touch(s, krj_snap_cell_csv(s, cat, r, c));
            }
        }

        sum += walk_select(s, cat);
    }

    for (i = 0; i < s->hdr->ntickers; i++) {
        sum += touch(s, s->tickers[i].ticker);
        (void) krj_snap_find_ticker(s, krj_snap_ptr(s, s->tickers[i].ticker),
                                    s->tickers[i].ticker.len);
    }

    for (i = 0; i < s->hdr->nticker_rows; i++) {
        cat = &s->categories[s->ticker_rows[i].category];
        sum += touch(s, krj_snap_cell_csv(s, cat, s->ticker_rows[i].row,
                                          cat->ticker_col));
    }

    return sum;
}


static int
json_ok(const krj_snap_t *s, krj_snap_ref_t r)
{
    json_t        *j;
    json_error_t   e;

    j = json_loadb(krj_snap_ptr(s, r), r.len, 0, &e);
    json_decref(j);

    return j != NULL;
}


START_TEST(test_round_trip)
{
    char                        err[KRJ_SNAP_ERRLEN];
    uint32_t                    i, r, k;
    krj_snap_t                  s;
    krj_snap_ref_t              cell;
    const krj_snap_row_t       *row;
    const krj_snap_ticker_t    *t;
    const krj_snap_category_t  *cat;

    ck_assert_msg(krj_snap_open(&s, snap_data, snap_len, err) == 0, "%s",
                  err);
    ck_assert_uint_eq(s.hdr->ncategories, NFILES);
    ck_assert(json_ok(&s, s.hdr->categories_json));
    ck_assert(json_ok(&s, s.hdr->summary_json));
    (void) walk(&s);

    for (i = 0; i < NFILES; i++) {
        cat = krj_snap_find_category(&s, in[i].slug, strlen(in[i].slug));
        ck_assert_ptr_eq(cat, &s.categories[i]);
        ck_assert_uint_eq(cat->nrows, in[i].csv->nrows);
        ck_assert_uint_eq(cat->csv.len, in[i].csv->len);
        ck_assert_int_eq(memcmp(krj_snap_ptr(&s, cat->csv), in[i].csv->data,
                                cat->csv.len), 0);
        ck_assert_int_eq(memcmp(krj_snap_ptr(&s, cat->sha256), in[i].sha256,
                                64), 0);
        ck_assert(json_ok(&s, cat->json));
        ck_assert(json_ok(&s, cat->categories_item));
        ck_assert(json_ok(&s, cat->summary_item));
        ck_assert(json_ok(&s, cat->summary));

        row = krj_snap_rows(&s, cat);

        for (r = 0; r < cat->nrows; r++) {
            ck_assert(json_ok(&s, row[r].json));
            cell = krj_snap_cell_json(&s, cat, r, cat->ticker_col);
            ck_assert_uint_ge(cell.len, 2);
            ck_assert_int_eq(krj_snap_ptr(&s, cell)[0], '"');
        }
    }

    cat = krj_snap_find_category(&s, "sp500", 5);
    ck_assert_ptr_nonnull(cat);
    ck_assert_uint_eq(cat->nrows, 503);
    ck_assert_uint_eq(cat->counts[KRJ_WEEK_THIS][KRJ_COUNT_LONG], 18);
    ck_assert_uint_eq(cat->counts[KRJ_WEEK_PRIOR][KRJ_COUNT_SHORT], 67);
    ck_assert_int_eq(memcmp(krj_snap_ptr(&s, cat->json), "{\"category\":"
                            "\"sp500\",\"label\":\"SP500\",\"signal_date\":"
                            "\"2026-01-09\",\"generated_at\":"
                            "\"2026-01-09T18:00:00Z\",\"columns\":"
                            "[\"ticker\",\"c\",", 124), 0);
    row = krj_snap_rows(&s, cat);
    ck_assert_int_eq(memcmp(krj_snap_ptr(&s, row[0].json),
                            "{\"ticker\":\"A\",\"c\":148.52,", 25), 0);
    cell = krj_snap_cell_json(&s, cat, 0, 1);
    ck_assert_uint_eq(cell.len, 6);
    ck_assert_int_eq(memcmp(krj_snap_ptr(&s, cell), "148.52", 6), 0);
    cell = krj_snap_cell_csv(&s, cat, 0, 0);
    ck_assert_uint_eq(cell.len, 1);
    ck_assert_int_eq(memcmp(krj_snap_ptr(&s, cell), "A", 1), 0);

    ck_assert_ptr_null(krj_snap_find_category(&s, "sp5000", 6));
    ck_assert_ptr_null(krj_snap_find_category(&s, "", 0));
    ck_assert_ptr_null(krj_snap_find_category(&s, "zzz", 3));

    /* AAPL: equities, sp100, sp500, each week */
    t = krj_snap_find_ticker(&s, "aapl", 4);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->count, 6);

    for (k = 0; k < t->count; k++) {
        r = s.ticker_rows[t->first + k].row;
        cat = &s.categories[s.ticker_rows[t->first + k].category];
        cell = krj_snap_cell_csv(&s, cat, r, cat->ticker_col);
        ck_assert_uint_eq(cell.len, 4);
        ck_assert_int_eq(memcmp(krj_snap_ptr(&s, cell), "AAPL", 4), 0);

        if (k) {
            ck_assert_uint_ge(s.ticker_rows[t->first + k].category,
                              s.ticker_rows[t->first + k - 1].category);
        }
    }

    ck_assert_ptr_nonnull(krj_snap_find_ticker(&s, "AaPl", 4));
    ck_assert_ptr_null(krj_snap_find_ticker(&s, "AAP", 3));
    ck_assert_ptr_null(krj_snap_find_ticker(&s, "", 0));
}
END_TEST


START_TEST(test_truncation)
{
    char        err[KRJ_SNAP_ERRLEN];
    size_t      len;
    krj_snap_t  s;

    for (len = 0; len < snap_len; len++) {
        ck_assert_int_eq(krj_snap_open(&s, snap_data, len, err), -1);
    }

    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), 0);
}
END_TEST


START_TEST(test_bit_flips)
{
    char        err[KRJ_SNAP_ERRLEN];
    size_t      off, stride;
    krj_snap_t  s;

    /* every bit of the header, then a stride across the rest */
    for (off = 0; off < snap_len; off += stride) {
        stride = off < sizeof(krj_snap_header_t) * 8 ? 1 : 4099;

        snap_data[off / 8 % snap_len] ^= (uint8_t) (1 << (off % 8));
        ck_assert_msg(krj_snap_open(&s, snap_data, snap_len, err) == -1,
                      "bit %zu accepted", off);
        snap_data[off / 8 % snap_len] ^= (uint8_t) (1 << (off % 8));
    }

    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), 0);
    ck_assert_int_eq(krj_snap_open(&s, snap_data + 1, snap_len - 1, err), -1);
}
END_TEST


START_TEST(test_checksum_message)
{
    char        err[KRJ_SNAP_ERRLEN];
    krj_snap_t  s;

    snap_data[snap_len - 1] ^= 1;
    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), -1);
    ck_assert_str_eq(err, "checksum mismatch");
    snap_data[snap_len - 1] ^= 1;

    ((krj_snap_header_t *) snap_data)->version = 99;
    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), -1);
    ck_assert_str_eq(err, "unsupported format version 99 (this module "
                     "reads 3 and 4)");
}
END_TEST


static int
in_asset(const krj_snap_asset_t *assets, size_t off)
{
    size_t                   i;
    const krj_snap_asset_t  *a;

    for (i = 0; i < KRJ_SNAP_ASSETS; i++) {
        a = &assets[i];

        if ((off >= a->body.off && off < (size_t) a->body.off + a->body.len)
            || (off >= a->gz.off && off < (size_t) a->gz.off + a->gz.len))
        {
            return 1;
        }
    }

    return 0;
}


/*
 * A checksummed snapshot whose time is before 1970 or after 9999: the
 * module subtracts it from the time for /ready, and INT64_MIN overflowed
 * (UBSan stopped the worker).  Found reviewing what fuzz_snapshot accepts.
 */
START_TEST(test_generated_at)
{
    char                err[KRJ_SNAP_ERRLEN], want[KRJ_SNAP_ERRLEN];
    char                iso[KRJ_DATE_ISO_LEN + 1];
    size_t              i;
    krj_buf_t           b;
    krj_snap_t          s;
    krj_snap_header_t  *h;

    static const struct {
        int64_t         t;
        int             rc;
    } cases[] = {
        { INT64_MIN, -1 }, { -1, -1 }, { 0, 0 }, { KRJ_SNAP_MAX_TIME, 0 },
        { KRJ_SNAP_MAX_TIME + 1, -1 }, { INT64_MAX, -1 }
    };

    h = (krj_snap_header_t *) snap_data;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h->generated_at = cases[i].t;

        /* a time that is accepted must also say the same as its text */
        if (cases[i].rc == 0) {
            krj_date_iso(cases[i].t, iso);
            memcpy(snap_data + h->generated_at_iso.off, iso,
                   KRJ_DATE_ISO_LEN);
        }

        resum(snap_data, snap_len);

        ck_assert_msg(krj_snap_open(&s, snap_data, snap_len, err)
                      == cases[i].rc, "generated_at %lld",
                      (long long) cases[i].t);

        if (cases[i].rc != 0) {
            snprintf(want, sizeof(want), "generated_at %lld is not a time "
                     "from 1970 to 9999",
                     (long long) cases[i].t);
            ck_assert_str_eq(err, want);
        }
    }

    /* the writer makes no snapshot the reader would refuse */
    krj_buf_init(&b);
    ck_assert_int_eq(krj_snap_write(&b, in, 1, -1, h->input_digest,
                                    KRJ_SNAP_VERSION, KRJ_TEST_WRITER, err),
                     -1);
    ck_assert_str_eq(err, "time -1 out of the years 1970 to 9999");
    krj_buf_free(&b);
}
END_TEST


/*
 * The structural checks alone: corrupt a word, fix the checksum, and the
 * reader must refuse it or accept something it can walk in bounds.  Done
 * on a small snapshot (DRC) so that every word can be tried.
 */
START_TEST(test_structural)
{
    int               rc;
    char              err[KRJ_SNAP_ERRLEN];
    size_t            off, v, accepted, refused;
    uint32_t          old, word;
    uint32_t          values[6];
    krj_snap_t        s;
    krj_snap_asset_t  assets[KRJ_SNAP_ASSETS];

    free(snap_data);
    build(1, 1);
    ck_assert_str_eq(in[1].slug, "drc");
    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), 0);
    memcpy(assets, s.hdr->assets, sizeof(assets));

    accepted = 0;
    refused = 0;

    for (off = KRJ_SNAP_SUMMED_FROM; off + 4 <= snap_len; off += 4) {

        /* the assets' bytes are opaque: no word of them is structure */
        if (in_asset(assets, off)) {
            continue;
        }

        memcpy(&old, snap_data + off, 4);

        values[0] = 0;
        values[1] = 0xffffffff;
        values[2] = 0x7fffffff;
        values[3] = (uint32_t) snap_len;
        values[4] = old + 8;
        values[5] = old ^ 0x100;

        for (v = 0; v < 6; v++) {
            word = values[v];
            memcpy(snap_data + off, &word, 4);
            resum(snap_data, snap_len);

            rc = krj_snap_open(&s, snap_data, snap_len, err);
            ck_assert(rc == 0 || rc == -1);

            if (rc == 0) {
                (void) walk(&s);
                accepted++;

            } else {
                ck_assert(strlen(err) > 0);
                refused++;
            }
        }

        memcpy(snap_data + off, &old, 4);
    }

    resum(snap_data, snap_len);
    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), 0);
    ck_assert_uint_gt(refused, 0);
    ck_assert_uint_gt(accepted, 0);
}
END_TEST


/* the br and zstd forms of a body decode to it */
static void
check_encoded(const krj_snap_t *s, krj_snap_ref_t body)
{
    size_t                     len;
    uint8_t                   *buf;
    const krj_snap_encoded_t  *e;

    e = krj_snap_find_encoded(s, body);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_gt(e->br.len, 0);
    ck_assert_uint_gt(e->zstd.len, 0);
    ck_assert_uint_lt(e->br.len, body.len);
    ck_assert_uint_lt(e->zstd.len, body.len);

    buf = malloc(body.len + 1);
    ck_assert_ptr_nonnull(buf);

    len = body.len + 1;
    ck_assert_int_eq(BrotliDecoderDecompress(e->br.len, s->base + e->br.off,
                                             &len, buf),
                     BROTLI_DECODER_RESULT_SUCCESS);
    ck_assert(len == body.len
              && memcmp(buf, s->base + body.off, len) == 0);

    len = ZSTD_decompress(buf, body.len + 1, s->base + e->zstd.off,
                          e->zstd.len);
    ck_assert(!ZSTD_isError(len));
    ck_assert(len == body.len
              && memcmp(buf, s->base + body.off, len) == 0);

    free(buf);
}


/* a copy of the snapshot with one change to its encodings section */
static int
open_changed_encodings(int what, char *err)
{
    int                  rc;
    uint8_t             *p;
    krj_snap_t           s;
    krj_snap_encoded_t  *e, t;
    krj_snap_header_t   *h;

    p = malloc(snap_len);
    ck_assert_ptr_nonnull(p);
    memcpy(p, snap_data, snap_len);

    h = (krj_snap_header_t *) p;
    e = (krj_snap_encoded_t *) (p + h->encodings.off);

    switch (what) {
    case 0:
        t = e[0];
        e[0] = e[1];
        e[1] = t;
        break;
    case 1:
        e[1].zstd.off = (uint32_t) snap_len;
        break;
    case 2:
        h->encodings.len -= 4;
        break;
    default:
        e[0].body.len = 0;
        break;
    }

    resum(p, snap_len);
    rc = krj_snap_open(&s, p, snap_len, err);
    free(p);

    return rc;
}


/* every whole body has br and zstd forms; a broken section is refused */
START_TEST(test_encodings)
{
    char                        err[KRJ_SNAP_ERRLEN];
    uint32_t                    i;
    krj_snap_t                  s;
    krj_snap_ref_t              none;
    const krj_snap_category_t  *cat;

    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), 0);
    ck_assert_uint_eq(s.nencoded, 2 + 2 * s.hdr->ncategories);

    check_encoded(&s, s.hdr->categories_json);
    check_encoded(&s, s.hdr->summary_json);

    for (i = 0; i < s.hdr->ncategories; i++) {
        cat = &s.categories[i];
        check_encoded(&s, cat->json);
        check_encoded(&s, cat->csv);
    }

    /* a ref that is no whole body has none */
    none = s.hdr->categories_json;
    none.len--;
    ck_assert_ptr_null(krj_snap_find_encoded(&s, none));
    none.off++;
    ck_assert_ptr_null(krj_snap_find_encoded(&s, none));

    ck_assert_int_eq(open_changed_encodings(0, err), -1);
    ck_assert_str_eq(err, "encoding 1: bodies not sorted or not unique");
    ck_assert_int_eq(open_changed_encodings(1, err), -1);
    ck_assert_str_eq(err, "encoding 1: a body out of bounds");
    ck_assert_int_eq(open_changed_encodings(2, err), -1);
    ck_assert_str_eq(err, "encodings out of bounds, misaligned or of the "
                     "wrong size");
    ck_assert_int_eq(open_changed_encodings(3, err), -1);
    ck_assert_str_eq(err, "encoding 0: a body out of bounds");
}
END_TEST


/* a copy of the snapshot with generated_at set and the checksum redone */
static int
open_with_time(int64_t t, int fix_iso, char *err)
{
    int                 rc;
    char                iso[KRJ_DATE_ISO_LEN + 1];
    uint8_t            *p;
    krj_snap_t          s;
    krj_snap_header_t  *h;

    p = malloc(snap_len);
    ck_assert_ptr_nonnull(p);
    memcpy(p, snap_data, snap_len);

    h = (krj_snap_header_t *) p;
    h->generated_at = t;

    if (fix_iso) {
        krj_date_iso(t, iso);
        memcpy(p + h->generated_at_iso.off, iso, KRJ_DATE_ISO_LEN);
    }

    resum(p, snap_len);
    rc = krj_snap_open(&s, p, snap_len, err);
    free(p);

    return rc;
}


START_TEST(test_times_and_dates)
{
    char                  err[KRJ_SNAP_ERRLEN];
    uint8_t              *date;
    krj_snap_t            s;
    krj_snap_category_t  *cat;

    /* INT64_MIN made /ready say "age 0" and its subtraction overflow */
    ck_assert_int_eq(open_with_time(INT64_MIN, 0, err), -1);
    ck_assert_msg(strstr(err, "generated_at") != NULL, "%s", err);
    ck_assert_int_eq(open_with_time(-1, 0, err), -1);
    ck_assert_int_eq(open_with_time(INT64_MAX, 0, err), -1);
    ck_assert_int_eq(open_with_time(253402300800LL, 0, err), -1);

    /* a time in range, but not the one the ISO form says */
    ck_assert_int_eq(open_with_time(1767981601, 0, err), -1);
    ck_assert_msg(strstr(err, "generated_at_iso") != NULL, "%s", err);

    /* the extremes of the range, said consistently */
    ck_assert_msg(open_with_time(0, 1, err) == 0, "%s", err);
    ck_assert_msg(open_with_time(253402300799LL, 1, err) == 0, "%s", err);

    /* a category date that is no date */
    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), 0);
    cat = (krj_snap_category_t *) (snap_data + s.hdr->categories.off);
    date = snap_data + cat->signal_date.off;
    ck_assert_uint_eq(cat->signal_date.len, 10);
    memcpy(date, "2026-02-30", 10);
    resum(snap_data, snap_len);
    ck_assert_int_eq(krj_snap_open(&s, snap_data, snap_len, err), -1);
    ck_assert_msg(strstr(err, "signal_date") != NULL, "%s", err);
}
END_TEST


/* a copy of the snapshot, changed by f, checksum redone, opened */
static int
open_changed(void (*f)(uint8_t *p, krj_snap_t *s), char *err)
{
    int          rc;
    uint8_t     *p;
    krj_snap_t   s;

    p = malloc(snap_len);
    ck_assert_ptr_nonnull(p);
    memcpy(p, snap_data, snap_len);

    ck_assert_int_eq(krj_snap_open(&s, p, snap_len, err), 0);
    f(p, &s);
    resum(p, snap_len);
    rc = krj_snap_open(&s, p, snap_len, err);
    free(p);

    return rc;
}


static krj_snap_category_t *
first_cat(uint8_t *p, krj_snap_t *s)
{
    return (krj_snap_category_t *) (p + s->hdr->categories.off);
}


static krj_snap_span_t *
spans_of(uint8_t *p, krj_snap_t *s)
{
    return (krj_snap_span_t *) (p + first_cat(p, s)->page.off);
}


static void
hole_past(uint8_t *p, krj_snap_t *s)
{
    spans_of(p, s)[0].hole = KRJ_HOLES;
}


static void
last_with_hole(uint8_t *p, krj_snap_t *s)
{
    spans_of(p, s)[first_cat(p, s)->npage - 1].hole = KRJ_HOLE_PREFIX;
}


static void
middle_without_hole(uint8_t *p, krj_snap_t *s)
{
    spans_of(p, s)[0].hole = KRJ_HOLE_NONE;
}


static void
no_spans(uint8_t *p, krj_snap_t *s)
{
    first_cat(p, s)->npage = 0;
    first_cat(p, s)->page.len = 0;
}


static void
more_spans(uint8_t *p, krj_snap_t *s)
{
    first_cat(p, s)->npage++;
}


static void
span_out(uint8_t *p, krj_snap_t *s)
{
    spans_of(p, s)[1].gz.off = (uint32_t) snap_len - 2;
    spans_of(p, s)[1].gz.len = 3;
}


static void
rank_zero(uint8_t *p, krj_snap_t *s)
{
    first_cat(p, s)->rank_width = 0;
}


static void
rank_wide(uint8_t *p, krj_snap_t *s)
{
    first_cat(p, s)->rank_width = KRJ_SNAP_RANK_WIDTH + 1;
}


static void
tab_out(uint8_t *p, krj_snap_t *s)
{
    ((uint32_t *) (p + s->hdr->tabs.off))[0] = s->hdr->ncategories;
}


static void
tabs_short(uint8_t *p, krj_snap_t *s)
{
    (void) s;

    ((krj_snap_header_t *) p)->tabs.len -= 4;
}


static void
asset_unnamed(uint8_t *p, krj_snap_t *s)
{
    (void) s;

    ((krj_snap_header_t *) p)->assets[KRJ_ASSET_JS].name.len = 0;
}


static void
asset_out(uint8_t *p, krj_snap_t *s)
{
    (void) s;

    ((krj_snap_header_t *) p)->assets[KRJ_ASSET_CSS].gz.len =
                                                     (uint32_t) snap_len;
}


static void
row_html_out(uint8_t *p, krj_snap_t *s)
{
    krj_snap_row_t  *row;

    row = (krj_snap_row_t *) (p + first_cat(p, s)->rows.off);
    row[0].html.off = 0xfffffff0;
}


static void
tooltip_out(uint8_t *p, krj_snap_t *s)
{
    krj_snap_column_t  *col;

    col = (krj_snap_column_t *) (p + first_cat(p, s)->columns.off);
    col[1].tooltip.len = (uint32_t) snap_len;
}


static void
right_flag(uint8_t *p, krj_snap_t *s)
{
    krj_snap_column_t  *col;

    col = (krj_snap_column_t *) (p + first_cat(p, s)->columns.off);
    col[0].right = 2;
}


static void
warnings_out(uint8_t *p, krj_snap_t *s)
{
    first_cat(p, s)->warnings.len = (uint32_t) snap_len;
}


static krj_snap_gzspan_t *
gzspans_of(uint8_t *p, krj_snap_t *s)
{
    return (krj_snap_gzspan_t *) (p + first_cat(p, s)->page_gz.off);
}


static void
gz_hole_prefix(uint8_t *p, krj_snap_t *s)
{
    gzspans_of(p, s)[0].hole = KRJ_HOLE_PREFIX;
}


static void
gz_last_hole(uint8_t *p, krj_snap_t *s)
{
    gzspans_of(p, s)[first_cat(p, s)->npage_gz - 1].hole = KRJ_HOLE_GROUPS;
}


static void
gz_none(uint8_t *p, krj_snap_t *s)
{
    first_cat(p, s)->npage_gz = 0;
    first_cat(p, s)->page_gz.len = 0;
}


static void
gz_out(uint8_t *p, krj_snap_t *s)
{
    gzspans_of(p, s)[0].gz.len = (uint32_t) snap_len;
}


static void
gz_prefix_out(uint8_t *p, krj_snap_t *s)
{
    (void) s;

    ((krj_snap_header_t *) p)->gz_prefix.off = (uint32_t) snap_len;
}


/* every new part of a hostile snapshot is refused, with its reason */
START_TEST(test_dashboard_refused)
{
    size_t  i;
    char    err[KRJ_SNAP_ERRLEN];
    static const struct {
        void       (*f)(uint8_t *p, krj_snap_t *s);
        const char  *reason;
    } cases[] = {
        { hole_past, "bad hole" },
        { last_with_hole, "bad hole" },
        { middle_without_hole, "bad hole" },
        { no_spans, "page out of bounds or empty" },
        { more_spans, "page out of bounds or empty" },
        { span_out, "page span 1 out of bounds" },
        { rank_zero, "rank width 0" },
        { rank_wide, "rank width 8" },
        { tab_out, "tab 0: category" },
        { tabs_short, "tab order out of bounds" },
        { asset_unnamed, "asset 1 out of bounds or unnamed" },
        { asset_out, "asset 0 out of bounds" },
        { row_html_out, "row 0: body out of bounds" },
        { tooltip_out, "column 1: dashboard text out of bounds" },
        { right_flag, "column 0: bad numeric flag 2" },
        { warnings_out, "dashboard text out of bounds" },
        { gz_hole_prefix, "compact gzip span 0: bad hole 1" },
        { gz_last_hole, "bad hole 4" },
        { gz_none, "compact gzip out of bounds or empty" },
        { gz_out, "compact gzip span 0 out of bounds" },
        { gz_prefix_out, "compact gzip locations out of bounds" },
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(open_changed(cases[i].f, err) == -1, "case %zu "
                      "accepted", i);
        ck_assert_msg(strstr(err, cases[i].reason) != NULL, "case %zu: %s",
                      i, err);
    }
}
END_TEST


static Suite *
snapshot_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("snapshot");
    tc = tcase_create("snapshot");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_bit_flips);
    tcase_add_test(tc, test_checksum_message);
    tcase_add_test(tc, test_generated_at);
    tcase_add_test(tc, test_structural);
    tcase_add_test(tc, test_times_and_dates);
    tcase_add_test(tc, test_dashboard_refused);
    tcase_add_test(tc, test_encodings);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(snapshot_suite)
