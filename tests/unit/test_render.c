
/*
 * Copyright (C) The krj developers
 */


/*
 * The renderers of krj_render.c: the module answers with them, krj-batch
 * pre-renders with them.  Over the small snapshot of krj_test_snap.h and
 * over the real fixtures, what the module renders for an unfiltered
 * request must be byte for byte what krj-batch pre-rendered.
 */


#include <jansson.h>

#include "krj_test_snap.h"
#include "krj_columns.h"
#include "krj_date.h"
#include "krj_layout.h"
#include "krj_publish.h"
#include "krj_render.h"
#include "krj_scan.h"


#define REAL_MAX  16


static krj_csv_t          real_csv[REAL_MAX];
static krj_snap_input_t   real_in[REAL_MAX];
static krj_scan_entry_t  *real_entries;
static uint8_t           *real_data[REAL_MAX];
static uint32_t           real_n;
static krj_buf_t          real_out;
static krj_snap_t         real;


/* renders twice: the measured length must be the written length */

static char *
render(const krj_snap_t *s, const krj_snap_category_t *cat,
    const krj_query_t *qq, const krj_select_t *ss, int as_csv)
{
    char       *p;
    size_t      len;
    krj_out_t   o;

    krj_out_init(&o, NULL);

    if (as_csv) {
        krj_render_signals_csv(&o, s, cat, qq, ss);

    } else {
        krj_render_signals_json(&o, s, cat, qq, ss);
    }

    len = o.len;
    p = test_alloc(NULL, len + 1);
    ck_assert_ptr_nonnull(p);

    krj_out_init(&o, p);

    if (as_csv) {
        krj_render_signals_csv(&o, s, cat, qq, ss);

    } else {
        krj_render_signals_json(&o, s, cat, qq, ss);
    }

    ck_assert_uint_eq(o.len, len);
    p[len] = '\0';

    return p;
}


static int
only_sig(void *data, const char *slug, size_t len)
{
    (void) data;

    return len == 3 && memcmp(slug, "sig", 3) == 0;
}


static int
none(void *data, const char *slug, size_t len)
{
    (void) data;
    (void) slug;
    (void) len;

    return 0;
}


static char *
render_list(const krj_snap_t *s, int kind, krj_visible_pt visible)
{
    char       *p;
    size_t      len;
    krj_out_t   o;

    krj_out_init(&o, NULL);
    krj_render_list(&o, s, kind, visible, NULL);
    len = o.len;

    p = test_alloc(NULL, len + 1);
    ck_assert_ptr_nonnull(p);

    krj_out_init(&o, p);
    krj_render_list(&o, s, kind, visible, NULL);
    ck_assert_uint_eq(o.len, len);
    p[len] = '\0';

    return p;
}


static char *
render_ticker(const krj_snap_t *s, const krj_snap_ticker_t *t,
    krj_visible_pt visible, uint32_t *n)
{
    char       *p;
    size_t      len;
    krj_out_t   o;

    krj_out_init(&o, NULL);
    *n = krj_render_ticker(&o, s, t, visible, NULL);
    len = o.len;

    p = test_alloc(NULL, len + 1);
    ck_assert_ptr_nonnull(p);

    krj_out_init(&o, p);
    ck_assert_uint_eq(krj_render_ticker(&o, s, t, visible, NULL), *n);
    ck_assert_uint_eq(o.len, len);
    p[len] = '\0';

    return p;
}


static char *
render_index(const krj_snap_t *s, const char *base, krj_visible_pt visible)
{
    char       *p;
    size_t      len;
    krj_out_t   o;

    krj_out_init(&o, NULL);
    krj_render_index(&o, s, base, strlen(base), visible, NULL);
    len = o.len;

    p = test_alloc(NULL, len + 1);
    ck_assert_ptr_nonnull(p);

    krj_out_init(&o, p);
    krj_render_index(&o, s, base, strlen(base), visible, NULL);
    ck_assert_uint_eq(o.len, len);
    p[len] = '\0';

    return p;
}


/*
 * A whole body: one JSON value, then exactly one newline; the JSON is
 * what it is without the newline (jansson refuses trailing bytes).
 */

static void
assert_body(const char *p, size_t len)
{
    json_t        *j;
    json_error_t   e;

    ck_assert_uint_ge(len, 3);
    ck_assert_msg(p[len - 1] == '\n' && p[len - 2] == '}',
                  "a body ends with \"}\\n\": ...%.40s",
                  len > 40 ? p + len - 40 : p);

    j = json_loadb(p, len - 1, 0, &e);
    ck_assert_msg(j != NULL, "invalid JSON (%s): %.200s", e.text, p);
    json_decref(j);

    ck_assert_msg(memchr(p, '\n', len - 1) == NULL,
                  "one newline, at the end: %.200s", p);
}


static void
assert_body_ref(const krj_snap_t *s, krj_snap_ref_t ref)
{
    assert_body(krj_snap_ptr(s, ref), ref.len);
}


static void
assert_text_body(const char *p)
{
    assert_body(p, strlen(p));
}


static void
assert_json(const char *text)
{
    json_t        *j;
    json_error_t   e;

    j = json_loads(text, 0, &e);
    ck_assert_msg(j != NULL, "invalid JSON (%s): %.200s", e.text, text);
    json_decref(j);
}


static void
assert_ref_eq(const krj_snap_t *s, krj_snap_ref_t ref, const char *text)
{
    ck_assert_uint_eq(strlen(text), ref.len);
    ck_assert(memcmp(text, krj_snap_ptr(s, ref), ref.len) == 0);
}


/* the newest file of every category in tests/data, as krj-batch runs */

static void
real_setup(void)
{
    int              i, n;
    char             path[1024], err[KRJ_PUBLISH_ERRLEN];
    size_t           len;
    uint8_t          digest[32];
    krj_scan_dir_t   d;
    krj_scan_conf_t  sc;

    memset(&sc, 0, sizeof(krj_scan_conf_t));
    sc.today = krj_date_today();
    sc.max_future = 7;

    ck_assert_int_eq(krj_scan_dir_open(&d, KRJ_TEST_DATA), 0);
    n = krj_scan_dir(&d, &sc, &real_entries);
    krj_scan_dir_close(&d);
    ck_assert_int_gt(n, 0);
    ck_assert_int_le(n, REAL_MAX);

    memset(real_in, 0, sizeof(real_in));
    memset(digest, 0, sizeof(digest));

    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", KRJ_TEST_DATA,
                 real_entries[i].file);

        ck_assert_int_eq(krj_file_read(path, 1 << 24, &real_data[i], &len,
                                       err), 0);
        ck_assert_int_eq(krj_csv_parse(&real_csv[i], real_data[i], len,
                                       1 << 24, NULL, NULL), 0);

        real_in[i].slug = real_entries[i].slug;
        real_in[i].label = real_entries[i].label;
        real_in[i].signal_date = real_entries[i].date;
        real_in[i].source_file = real_entries[i].file;
        real_in[i].csv = &real_csv[i];
        ck_assert_int_eq(krj_sha256_hex(real_csv[i].data, real_csv[i].len,
                                        real_in[i].sha256), 0);
    }

    real_n = (uint32_t) n;

    krj_buf_init(&real_out);
    ck_assert_msg(krj_snap_write(&real_out, real_in, real_n, 1767981600,
                                 digest, KRJ_SNAP_VERSION, KRJ_TEST_WRITER,
                                 err) == 0, "%s", err);
    ck_assert_msg(krj_snap_open(&real, real_out.data, real_out.len, err)
                  == 0, "%s", err);

    nallocs = 0;
}


static void
real_teardown(void)
{
    uint32_t  i;

    while (nallocs) {
        free(allocs[--nallocs]);
    }

    for (i = 0; i < real_n; i++) {
        krj_csv_free(&real_csv[i]);
        free(real_data[i]);
    }

    krj_buf_free(&real_out);
    free(real_entries);
}


START_TEST(test_unfiltered_equals_prerendered)
{
    const krj_snap_category_t  *cats[2];
    int                         i;

    cats[0] = sig;
    cats[1] = plain;

    for (i = 0; i < 2; i++) {
        (void) selected(cats[i], "");

        assert_ref_eq(&snap, cats[i]->json, render(&snap, cats[i], &q, &sel,
                                                   0));
        assert_ref_eq(&snap, cats[i]->csv, render(&snap, cats[i], &q, &sel,
                                                  1));
    }
}
END_TEST


START_TEST(test_fields)
{
    const char  *json;

    (void) selected(sig, "fields=name,ticker&ticker=D,B&sort=ticker");

    ck_assert_str_eq(render(&snap, sig, &q, &sel, 1),
                     "name,ticker\n,B\n\"q,r\",D\n");

    json = render(&snap, sig, &q, &sel, 0);
    assert_json(json);

    ck_assert_msg(strstr(json, "\"columns\":[\"name\",\"ticker\"],"
                               "\"count\":2,\"matched\":2,") != NULL,
                  "%s", json);
    ck_assert_msg(strstr(json, "\"summary\":{\"total\":2,\"long\":1,"
                               "\"neutral\":0,\"short\":1,"
                               "\"prior\":{\"long\":1,\"neutral\":1,"
                               "\"short\":0},"
                               "\"delta\":{\"long\":0,\"neutral\":-1,"
                               "\"short\":1}}") != NULL,
                  "%s", json);
    ck_assert_msg(strstr(json, "\"rows\":[{\"name\":null,\"ticker\":\"B\"},"
                               "{\"name\":\"q,r\",\"ticker\":\"D\"}]}")
                  != NULL, "%s", json);
}
END_TEST


START_TEST(test_ticker)
{
    char                     *p;
    uint32_t                  n;
    const krj_snap_ticker_t  *t;

    t = krj_snap_find_ticker(&snap, "a", 1);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->count, 2);

    p = render_ticker(&snap, t, NULL, &n);
    ck_assert_uint_eq(n, 2);
    assert_json(p);

    ck_assert_msg(strncmp(p, "{\"ticker\":\"A\",\"generated_at\":\"", 30)
                  == 0, "%s", p);
    ck_assert_msg(strstr(p, "\"count\":2,\"results\":[{\"category\":\"plain\","
                            "\"label\":\"Plain\",\"signal_date\":"
                            "\"2026-01-02\",\"row\":{\"ticker\":\"a\","
                            "\"price\":10}},{\"category\":\"sig\","
                            "\"label\":\"Sig \\\"quoted\\\"\"")
                  != NULL, "%s", p);

    /* a principal that reads only "sig" sees its row, counted alone */
    p = render_ticker(&snap, t, only_sig, &n);
    ck_assert_uint_eq(n, 1);
    assert_json(p);
    ck_assert_msg(strstr(p, "\"count\":1,\"results\":[{\"category\":\"sig\"")
                  != NULL, "%s", p);
    ck_assert_msg(strstr(p, "plain") == NULL, "%s", p);

    /* none visible: nothing written, the module answers 404 */
    p = render_ticker(&snap, t, none, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert_str_eq(p, "");
}
END_TEST


START_TEST(test_lists)
{
    char  *p;

    assert_ref_eq(&snap, snap.hdr->categories_json,
                  render_list(&snap, KRJ_LIST_CATEGORIES, NULL));
    assert_ref_eq(&snap, snap.hdr->summary_json,
                  render_list(&snap, KRJ_LIST_SUMMARY, NULL));

    p = render_list(&snap, KRJ_LIST_CATEGORIES, only_sig);
    assert_json(p);
    ck_assert_msg(strstr(p, "\"slug\":\"sig\"") != NULL, "%s", p);
    ck_assert_msg(strstr(p, "plain") == NULL, "%s", p);

    p = render_list(&snap, KRJ_LIST_SUMMARY, none);
    ck_assert_msg(strstr(p, "\"categories\":[]}") != NULL, "%s", p);
}
END_TEST


START_TEST(test_summary_layout)
{
    char       buf[256];
    krj_out_t  o;
    uint32_t   counts[2][3] = { { 18, 423, 62 }, { 17, 419, 67 } };

    krj_out_init(&o, buf);
    krj_render_summary(&o, 503, (const uint32_t (*)[3]) counts);
    buf[o.len] = '\0';

    ck_assert_str_eq(buf, "{\"total\":503,\"long\":18,\"neutral\":423,"
                     "\"short\":62,\"prior\":{\"long\":17,\"neutral\":419,"
                     "\"short\":67},\"delta\":{\"long\":1,\"neutral\":4,"
                     "\"short\":-5}}");
}
END_TEST


/* over the real data: every body, every row, every ticker */

START_TEST(test_real_bodies)
{
    uint32_t                    i;
    const krj_snap_category_t  *cat;

    for (i = 0; i < real.hdr->ncategories; i++) {
        cat = &real.categories[i];

        ck_assert_int_eq(krj_query_parse(&q, &real, cat, "", 0, test_alloc,
                                         NULL), KRJ_QUERY_OK);
        ck_assert_int_eq(krj_query_select(&sel, &real, cat, &q, test_alloc,
                                          NULL), KRJ_QUERY_OK);

        assert_ref_eq(&real, cat->json, render(&real, cat, &q, &sel, 0));
        assert_ref_eq(&real, cat->csv, render(&real, cat, &q, &sel, 1));
        assert_json(render(&real, cat, &q, &sel, 0));
    }

    assert_ref_eq(&real, real.hdr->categories_json,
                  render_list(&real, KRJ_LIST_CATEGORIES, NULL));
    assert_ref_eq(&real, real.hdr->summary_json,
                  render_list(&real, KRJ_LIST_SUMMARY, NULL));
    assert_json(render_list(&real, KRJ_LIST_CATEGORIES, NULL));
    assert_json(render_list(&real, KRJ_LIST_SUMMARY, NULL));

    assert_body_ref(&real, real.hdr->categories_json);
    assert_body_ref(&real, real.hdr->summary_json);

    for (i = 0; i < real.hdr->ncategories; i++) {
        assert_body_ref(&real, real.categories[i].json);
    }

    assert_text_body(render_index(&real, "/api/v1", NULL));
}
END_TEST


START_TEST(test_real_rows)
{
    char                       *p;
    uint32_t                    i, r, c;
    krj_out_t                   o;
    krj_query_t                 all;
    const krj_snap_row_t       *rows;
    const krj_snap_category_t  *cat;

    for (i = 0; i < real.hdr->ncategories; i++) {
        cat = &real.categories[i];
        rows = krj_snap_rows(&real, cat);

        /* every column named, in file order, is the pre-rendered row */
        memset(&all, 0, sizeof(krj_query_t));
        all.nfields = cat->ncolumns;
        all.fields = test_alloc(NULL, cat->ncolumns * sizeof(uint32_t));

        for (c = 0; c < cat->ncolumns; c++) {
            all.fields[c] = c;
        }

        for (r = 0; r < cat->nrows; r++) {
            krj_out_init(&o, NULL);
            krj_render_row_json(&o, &real, cat, &all, r);

            p = test_alloc(NULL, o.len + 1);
            krj_out_init(&o, p);
            krj_render_row_json(&o, &real, cat, &all, r);
            p[o.len] = '\0';

            assert_ref_eq(&real, rows[r].json, p);
        }
    }
}
END_TEST


START_TEST(test_real_tickers)
{
    char                     *p;
    uint32_t                  i, n;
    json_t                   *j;
    json_error_t              e;
    const krj_snap_ticker_t  *t;

    for (i = 0; i < real.hdr->ntickers; i++) {
        t = &real.tickers[i];
        p = render_ticker(&real, t, NULL, &n);
        ck_assert_uint_eq(n, t->count);

        j = json_loads(p, 0, &e);
        ck_assert_msg(j != NULL, "%s: %s", e.text, p);
        ck_assert_uint_eq(json_integer_value(json_object_get(j, "count")),
                          t->count);
        ck_assert_uint_eq(json_array_size(json_object_get(j, "results")),
                          t->count);
        json_decref(j);
    }
}
END_TEST


/* every JSON body ends with one newline; what the snapshot shares, not */

START_TEST(test_bodies_end_with_newline)
{
    char                        buf[512];
    uint32_t                    i, r, n;
    krj_out_t                   o;
    const krj_snap_row_t       *rows;
    const krj_snap_category_t  *cat;

    assert_body_ref(&snap, snap.hdr->categories_json);
    assert_body_ref(&snap, snap.hdr->summary_json);

    for (i = 0; i < snap.hdr->ncategories; i++) {
        cat = &snap.categories[i];
        rows = krj_snap_rows(&snap, cat);

        assert_body_ref(&snap, cat->json);

        /* items and rows are pieces of bodies: no newline of their own */
        ck_assert(krj_snap_ptr(&snap, cat->categories_item)
                      [cat->categories_item.len - 1] == '}');
        ck_assert(krj_snap_ptr(&snap, cat->summary_item)
                      [cat->summary_item.len - 1] == '}');

        for (r = 0; r < cat->nrows; r++) {
            ck_assert(krj_snap_ptr(&snap, rows[r].json)
                          [rows[r].json.len - 1] == '}');

            /* the rows point into the body they were rendered in */
            ck_assert_uint_ge(rows[r].json.off, cat->json.off);
            ck_assert_uint_le(rows[r].json.off + rows[r].json.len,
                              cat->json.off + cat->json.len - 2);
        }

        (void) selected(cat, "limit=1");
        assert_text_body(render(&snap, cat, &q, &sel, 0));
    }

    assert_text_body(render_list(&snap, KRJ_LIST_CATEGORIES, only_sig));
    assert_text_body(render_list(&snap, KRJ_LIST_SUMMARY, none));
    assert_text_body(render_ticker(&snap, krj_snap_find_ticker(&snap, "a", 1),
                                   NULL, &n));
    assert_text_body(render_index(&snap, "/api/v1", NULL));

    /* the status and error bodies */
    krj_out_init(&o, buf);
    krj_out_fmt(&o, KRJ_FMT_ERROR, 404u, "unknown_category", "no \"x\"",
                (size_t) 6);
    assert_body(buf, o.len);

    krj_out_init(&o, buf);
    krj_out_fmt(&o, KRJ_FMT_REDIRECT, 308u, "/api/v1/signals/sp500",
                (size_t) 21);
    assert_body(buf, o.len);

    krj_out_init(&o, buf);
    krj_out_fmt(&o, KRJ_FMT_READY, "2026-01-09T18:00:00Z", (size_t) 20,
                (int64_t) 5, 4u, "krj-batch 0.2.0", (size_t) 15, 2u);
    krj_out_fmt(&o, KRJ_FMT_READY_DATE, "drc", (size_t) 3, "2026-01-09",
                (size_t) 10, (int64_t) 64800);
    krj_out_byte(&o, ',');
    krj_out_fmt(&o, KRJ_FMT_READY_DATE, "sp500", (size_t) 5, "2026-01-09",
                (size_t) 10, (int64_t) 64800);
    krj_out_str(&o, KRJ_FMT_READY_END);
    assert_body(buf, o.len);

    krj_out_init(&o, buf);
    krj_out_fmt(&o, KRJ_FMT_NOT_READY, "no snapshot", (size_t) 11);
    assert_body(buf, o.len);

    assert_body(KRJ_FMT_HEALTH, strlen(KRJ_FMT_HEALTH));
}
END_TEST


/* the glossary: the columns krj knows, in column order, no other */

START_TEST(test_category_glossary)
{
    size_t                      i;
    json_t                     *j, *g, *e;
    json_error_t                err;
    const char                 *key;
    const krj_column_t         *col;
    static const char          *known[] = {
        "ticker", "c", "signal", "signal_status_prior_week"
    };
    static const char          *before =
        "{\"slug\":\"sig\",\"label\":\"Sig \\\"quoted\\\"\","
        "\"signal_date\":\"2026-01-09\",\"rows\":6,\"columns\":"
        "[\"ticker\",\"c\",\"name\",\"signal\",\"signal_status_prior_week\"],"
        "\"sha256\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
        "\"source_file\":\"KRJ_signals_latest_week_Sig_2026-01-09.csv\","
        "\"glossary\":{";

    j = json_loadb(krj_snap_ptr(&snap, sig->categories_item),
                   sig->categories_item.len, 0, &err);
    ck_assert_msg(j != NULL, "%s", err.text);

    g = json_object_get(j, "glossary");
    ck_assert(json_is_object(g));
    ck_assert_uint_eq(json_object_size(g), 4);
    ck_assert_ptr_null(json_object_get(g, "name"));

    for (i = 0; i < 4; i++) {
        col = krj_column_find(known[i], strlen(known[i]));
        e = json_object_get(g, known[i]);

        ck_assert_msg(json_is_object(e) && json_object_size(e) == 2,
                      "%s", known[i]);
        ck_assert_str_eq(json_string_value(json_object_get(e, "label")),
                         col->label);
        ck_assert_str_eq(json_string_value(json_object_get(e,
                                                           "description")),
                         col->description);
    }

    /* keys in column order: the text itself */
    key = strstr(krj_snap_ptr(&snap, sig->categories_item),
                 "\"glossary\":{\"ticker\":{");
    ck_assert_ptr_nonnull(key);
    ck_assert_ptr_nonnull(strstr(key, "\"},\"c\":{\"label\":"));

    /* the members before the glossary stay as they were */
    ck_assert_msg(strncmp(krj_snap_ptr(&snap, sig->categories_item), before,
                          strlen(before)) == 0, "%.200s",
                  krj_snap_ptr(&snap, sig->categories_item));

    json_decref(j);

    /* a category of unknown columns but its ticker */
    j = json_loadb(krj_snap_ptr(&snap, plain->categories_item),
                   plain->categories_item.len, 0, &err);
    ck_assert_msg(j != NULL, "%s", err.text);
    g = json_object_get(j, "glossary");
    ck_assert_uint_eq(json_object_size(g), 1);
    ck_assert_ptr_nonnull(json_object_get(g, "ticker"));
    json_decref(j);
}
END_TEST


/* the index: endpoints with the parser's parameters, visible categories */

START_TEST(test_index)
{
    size_t         i, k;
    json_t        *j, *eps, *ep, *params, *cats, *c;
    json_error_t   err;
    const char    *path, *name, *takes, *description;
    char           want[128];
    int            with_params;

    j = json_loads(render_index(&snap, "/api/v1", NULL), 0, &err);
    ck_assert_msg(j != NULL, "%s", err.text);

    ck_assert_str_eq(json_string_value(json_object_get(j, "generated_at")),
                     "2026-01-09T18:00:00Z");

    eps = json_object_get(j, "endpoints");
    ck_assert_uint_eq(json_array_size(eps), 7);

    for (i = 0; i < json_array_size(eps); i++) {
        ep = json_array_get(eps, i);
        path = json_string_value(json_object_get(ep, "path"));
        params = json_object_get(ep, "parameters");

        ck_assert_msg(strncmp(path, "/api/v1/", 8) == 0, "%s", path);
        ck_assert(strlen(json_string_value(json_object_get(ep,
                                                       "description")))
                  > 10);

        with_params = (strncmp(path, "/api/v1/signals/", 16) == 0);

        for (k = 0; krj_query_doc(k, &name, &takes, &description); k++) {
            if (!with_params) {
                continue;
            }

            c = json_array_get(params, k);
            ck_assert_str_eq(json_string_value(json_object_get(c, "name")),
                             name);
            ck_assert_str_eq(json_string_value(json_object_get(c, "takes")),
                             takes);
            ck_assert_str_eq(json_string_value(json_object_get(c,
                                                       "description")),
                             description);
        }

        ck_assert_uint_eq(json_array_size(params), with_params ? k : 0);
    }

    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(eps, 0), "path")), "/api/v1/");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(eps, 6), "path")),
                     "/api/v1/history/{slug}/{ticker}");

    cats = json_object_get(j, "categories");
    ck_assert_uint_eq(json_array_size(cats), 2);
    c = json_array_get(cats, 1);
    ck_assert_str_eq(json_string_value(json_object_get(c, "slug")), "sig");
    ck_assert_str_eq(json_string_value(json_object_get(c, "label")),
                     "Sig \"quoted\"");
    ck_assert_str_eq(json_string_value(json_object_get(c, "signal_date")),
                     "2026-01-09");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(c, "links"), "json")),
                     "/api/v1/signals/sig");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(c, "links"), "csv")),
                     "/api/v1/signals/sig.csv");
    json_decref(j);

    /* a restricted principal sees its categories only */
    j = json_loads(render_index(&snap, "/api/v1", only_sig), 0, &err);
    ck_assert_msg(j != NULL, "%s", err.text);
    cats = json_object_get(j, "categories");
    ck_assert_uint_eq(json_array_size(cats), 1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(cats, 0), "slug")), "sig");
    json_decref(j);

    j = json_loads(render_index(&snap, "/api/v1", none), 0, &err);
    ck_assert_msg(j != NULL, "%s", err.text);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "categories")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "endpoints")), 7);
    json_decref(j);

    /* at the root, and under a prefix that needs escaping in JSON */
    j = json_loads(render_index(&snap, "", NULL), 0, &err);
    ck_assert_msg(j != NULL, "%s", err.text);
    snprintf(want, sizeof(want), "/signals/%s", "plain");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
                         json_array_get(json_object_get(j, "categories"), 0),
                         "links"), "json")), want);
    json_decref(j);

    j = json_loads(render_index(&snap, "/a\"b\\c", NULL), 0, &err);
    ck_assert_msg(j != NULL, "%s", err.text);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(j, "endpoints"), 1),
                         "path")), "/a\"b\\c/categories");
    json_decref(j);
}
END_TEST


static Suite *
render_suite(void)
{
    TCase  *tc;
    Suite  *s;

    s = suite_create("render");

    tc = tcase_create("small");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_unfiltered_equals_prerendered);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_ticker);
    tcase_add_test(tc, test_lists);
    tcase_add_test(tc, test_summary_layout);
    tcase_add_test(tc, test_bodies_end_with_newline);
    tcase_add_test(tc, test_category_glossary);
    tcase_add_test(tc, test_index);
    suite_add_tcase(s, tc);

    tc = tcase_create("real");
    tcase_add_checked_fixture(tc, real_setup, real_teardown);
    tcase_add_test(tc, test_real_bodies);
    tcase_add_test(tc, test_real_rows);
    tcase_add_test(tc, test_real_tickers);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(render_suite)
