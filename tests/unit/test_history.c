
/*
 * Copyright (C) The krj developers
 */


/*
 * The history section: krj_history.c gathering weeks (this week's CSV,
 * the weeks carried over from a snapshot, weeks as PostgreSQL gives them),
 * krj_history_write.c rendering the bodies, and the validator of
 * krj_snapshot_history.c refusing every inconsistent section, checksum
 * redone, without reading outside the file.
 */


#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "krj_test.h"
#include "krj_date.h"
#include "krj_gen.h"
#include "krj_gzip.h"
#include "krj_history.h"
#include "krj_history_write.h"
#include "krj_publish.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


#define PLAIN_CSV                                                             \
    "ticker,price\n"                                                          \
    "A,1\n"

/* c mixes the shapes numeric rewrites; AAA is listed twice */
#define WEEK1_CSV                                                             \
    "ticker,c,signal,signal_status_prior_week\n"                              \
    "AAA,1.50,Long,Long\n"                                                    \
    "BBB,-0,Short,\n"                                                         \
    "ccc,1e5,Neutral,Neutral\n"                                               \
    "DDD,abc,,Long\n"                                                         \
    "AAA,9,Short,Short\n"

/* "long" is Long in another case: no transition for AAA */
#define WEEK2_CSV                                                             \
    "ticker,c,signal,signal_status_prior_week\n"                              \
    "AAA,2,long,Long\n"                                                       \
    "BBB,1e-3,Long,Short\n"                                                   \
    "DDD,3,Short,\n"                                                          \
    "EEE,,Neutral,Neutral\n"

#define WEEK3_CSV                                                             \
    "ticker,c,signal,signal_status_prior_week\n"                              \
    "AAA,2.5,Short,long\n"

#define T0          1767981600


static krj_buf_t   snap_buf[4];
static krj_snap_t  snaps[4];


/* a generation of two categories, "plain" and "sig", sig's week given */
static void
make_gen(krj_gen_t *g, const char *date, const char *csv)
{
    char            err[KRJ_PUBLISH_ERRLEN];
    uint32_t        k;
    const char     *text[2];
    krj_gen_cat_t  *c;

    ck_assert_int_eq(krj_gen_alloc(g, 2), 0);

    text[0] = PLAIN_CSV;
    text[1] = csv;

    for (k = 0; k < 2; k++) {
        c = &g->cats[k];
        snprintf(c->slug, sizeof(c->slug), "%s", k ? "sig" : "plain");
        snprintf(c->label, sizeof(c->label), "%s", k ? "Sig" : "Plain");
        snprintf(c->signal_date, sizeof(c->signal_date), "%s", date);
        snprintf(c->source_file, sizeof(c->source_file), "%s.csv",
                 c->slug);
        c->len = strlen(text[k]);
        c->data = malloc(c->len + 1);
        ck_assert_ptr_nonnull(c->data);
        memcpy(c->data, text[k], c->len + 1);
        ck_assert_msg(krj_gen_parse(c, 1 << 20, err) == 0, "%s", err);
    }
}


/* the snapshot of g with the history h, opened into s */
static void
write_snap(krj_buf_t *out, krj_snap_t *s, const krj_gen_t *g,
    const krj_history_t *h)
{
    char              err[KRJ_SNAP_ERRLEN];
    uint8_t           digest[32];
    uint32_t          k;
    krj_snap_input_t  in[2];

    memset(in, 0, sizeof(in));
    memset(digest, 0, sizeof(digest));

    for (k = 0; k < g->ncats; k++) {
        in[k].slug = g->cats[k].slug;
        in[k].label = g->cats[k].label;
        in[k].signal_date = g->cats[k].signal_date;
        in[k].source_file = g->cats[k].source_file;
        in[k].csv = &g->cats[k].csv;
        memcpy(in[k].sha256, g->cats[k].sha256, 65);
    }

    krj_buf_init(out);

    ck_assert_msg(krj_snap_write(out, in, g->ncats, T0, digest,
                                 KRJ_SNAP_VERSION, KRJ_TEST_WRITER, err)
                  == 0, "%s", err);
    ck_assert_msg(krj_history_write(out, h, err) == 0, "%s", err);
    ck_assert_msg(krj_snap_open(s, out->data, out->len, err) == 0, "%s",
                  err);
}


/*
 * The three weeks in turn, each carrying the one before over, as runs
 * without PostgreSQL do: snaps[1..3]; weeks of history as given.
 */
static void
build(unsigned weeks)
{
    int             i;
    krj_gen_t       g;
    krj_history_t   h;
    const char     *dates[3] = { "2026-01-02", "2026-01-09", "2026-01-16" };
    const char     *csvs[3] = { WEEK1_CSV, WEEK2_CSV, WEEK3_CSV };

    for (i = 0; i < 3; i++) {
        make_gen(&g, dates[i], csvs[i]);
        ck_assert_int_eq(krj_history_init(&h, &g, weeks), 0);

        if (i > 0) {
            ck_assert_int_eq(krj_history_add_snapshot(&h, &snaps[i]), 0);
        }

        ck_assert_int_eq(krj_history_add_csv(&h, &g), 0);
        krj_history_sort(&h);

        /* a test may build more than once */
        krj_buf_free(&snap_buf[i + 1]);
        write_snap(&snap_buf[i + 1], &snaps[i + 1], &g, &h);

        krj_history_free(&h);
        krj_gen_free(&g);
    }
}


static void
setup(void)
{
    memset(snap_buf, 0, sizeof(snap_buf));
    memset(snaps, 0, sizeof(snaps));
}


static void
teardown(void)
{
    int  i;

    for (i = 0; i < 4; i++) {
        krj_buf_free(&snap_buf[i]);
    }
}


static const krj_snap_hticker_t *
find(const krj_snap_t *s, const char *slug, const char *ticker)
{
    const krj_snap_category_t   *cat;
    const krj_snap_hcategory_t  *hc;

    cat = krj_snap_find_category(s, slug, strlen(slug));
    ck_assert_ptr_nonnull(cat);
    hc = krj_snap_history_of(s, cat);

    if (hc == NULL) {
        return NULL;
    }

    return krj_snap_find_history(s, hc, ticker, strlen(ticker));
}


/* the body of slug's ticker as a string, or NULL */
static char *
body(const krj_snap_t *s, const char *slug, const char *ticker)
{
    char                      *p;
    const krj_snap_hticker_t  *t;

    t = find(s, slug, ticker);

    if (t == NULL) {
        return NULL;
    }

    p = malloc(t->json.len + 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, krj_snap_ptr(s, t->json), t->json.len);
    p[t->json.len] = '\0';

    return p;
}


static void
expect_body(const krj_snap_t *s, const char *ticker, const char *want)
{
    char  *got;

    got = body(s, "sig", ticker);
    ck_assert_msg(got != NULL, "%s: no history", ticker);
    ck_assert_str_eq(got, want);
    free(got);
}


START_TEST(test_number)
{
    size_t       i;
    krj_buf_t    b, again;
    const char  *cases[][2] = {
        { "0", "0" }, { "-0", "0" }, { "-0.00", "0.00" }, { "0.0", "0.0" },
        { "1", "1" }, { "-1", "-1" }, { "10", "10" }, { "1.50", "1.50" },
        { "1e5", "100000" }, { "1E+2", "100" }, { "1e-1", "0.1" },
        { "2.5e-3", "0.0025" }, { "-1.5e-3", "-0.0015" },
        { "0.1e1", "1" }, { "100e-2", "1.00" }, { "123.456e1", "1234.56" },
        { "0.0123", "0.0123" }, { "-0e5", "0" }, { "0.000e2", "0.0" },
        { "259.37", "259.37" }, { "1e1001", "1e1001" },
        { "-0.4901333333333333", "-0.4901333333333333" }
    };

    krj_buf_init(&b);
    krj_buf_init(&again);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        krj_buf_reset(&b);
        krj_history_number(&b, cases[i][0], strlen(cases[i][0]));
        krj_buf_byte(&b, '\0');
        ck_assert_msg(strcmp((char *) b.data, cases[i][1]) == 0,
                      "%s: %s, not %s", cases[i][0], (char *) b.data,
                      cases[i][1]);

        /* what PostgreSQL gives back stays as it is */
        krj_buf_reset(&again);
        krj_history_number(&again, (char *) b.data, b.len - 1);
        ck_assert_uint_eq(again.len, b.len - 1);
        ck_assert_int_eq(memcmp(again.data, b.data, again.len), 0);
    }

    krj_buf_free(&b);
    krj_buf_free(&again);
}
END_TEST


START_TEST(test_carried_weeks)
{
    char  *p;

    build(52);

    /* newest first; the first AAA of week 1 wins; numbers as numeric */
    expect_body(&snaps[2], "AAA",
                "{\"category\":\"sig\",\"ticker\":\"AAA\",\"weeks\":["
                "{\"signal_date\":\"2026-01-09\",\"signal\":\"long\","
                "\"prior\":\"Long\",\"c\":2},"
                "{\"signal_date\":\"2026-01-02\",\"signal\":\"Long\","
                "\"prior\":\"Long\",\"c\":1.50}],"
                "\"transitions\":[]}\n");

    expect_body(&snaps[2], "BBB",
                "{\"category\":\"sig\",\"ticker\":\"BBB\",\"weeks\":["
                "{\"signal_date\":\"2026-01-09\",\"signal\":\"Long\","
                "\"prior\":\"Short\",\"c\":0.001},"
                "{\"signal_date\":\"2026-01-02\",\"signal\":\"Short\","
                "\"prior\":null,\"c\":0}],"
                "\"transitions\":[{\"signal_date\":\"2026-01-09\","
                "\"from\":\"Short\",\"to\":\"Long\"}]}\n");

    /* absent this week: its week stays; upper case; found in any case */
    expect_body(&snaps[2], "ccc",
                "{\"category\":\"sig\",\"ticker\":\"CCC\",\"weeks\":["
                "{\"signal_date\":\"2026-01-02\",\"signal\":\"Neutral\","
                "\"prior\":\"Neutral\",\"c\":100000}],"
                "\"transitions\":[]}\n");

    /* a week without a signal is no transition, from or to */
    expect_body(&snaps[2], "DDD",
                "{\"category\":\"sig\",\"ticker\":\"DDD\",\"weeks\":["
                "{\"signal_date\":\"2026-01-09\",\"signal\":\"Short\","
                "\"prior\":null,\"c\":3},"
                "{\"signal_date\":\"2026-01-02\",\"signal\":null,"
                "\"prior\":\"Long\",\"c\":\"abc\"}],"
                "\"transitions\":[]}\n");

    expect_body(&snaps[2], "EEE",
                "{\"category\":\"sig\",\"ticker\":\"EEE\",\"weeks\":["
                "{\"signal_date\":\"2026-01-09\",\"signal\":\"Neutral\","
                "\"prior\":\"Neutral\",\"c\":null}],"
                "\"transitions\":[]}\n");

    /* the transition from a week in another case of the same signal */
    expect_body(&snaps[3], "AAA",
                "{\"category\":\"sig\",\"ticker\":\"AAA\",\"weeks\":["
                "{\"signal_date\":\"2026-01-16\",\"signal\":\"Short\","
                "\"prior\":\"long\",\"c\":2.5},"
                "{\"signal_date\":\"2026-01-09\",\"signal\":\"long\","
                "\"prior\":\"Long\",\"c\":2},"
                "{\"signal_date\":\"2026-01-02\",\"signal\":\"Long\","
                "\"prior\":\"Long\",\"c\":1.50}],"
                "\"transitions\":[{\"signal_date\":\"2026-01-16\","
                "\"from\":\"long\",\"to\":\"Short\"}]}\n");

    ck_assert_ptr_null(find(&snaps[2], "sig", "ZZZ"));
    ck_assert_ptr_null(find(&snaps[2], "sig", "AA"));
    ck_assert_ptr_null(find(&snaps[2], "sig", ""));

    /* plain has no signal column: no history */
    ck_assert_ptr_null(krj_snap_history_of(&snaps[2],
                           krj_snap_find_category(&snaps[2], "plain", 5)));

    p = body(&snaps[2], "sig", "aaa");
    ck_assert_ptr_nonnull(p);
    free(p);
}
END_TEST


/* a window of two weeks: the third week drops the first */
START_TEST(test_window)
{
    const krj_snap_hticker_t  *t;

    build(2);

    expect_body(&snaps[3], "AAA",
                "{\"category\":\"sig\",\"ticker\":\"AAA\",\"weeks\":["
                "{\"signal_date\":\"2026-01-16\",\"signal\":\"Short\","
                "\"prior\":\"long\",\"c\":2.5},"
                "{\"signal_date\":\"2026-01-09\",\"signal\":\"long\","
                "\"prior\":\"Long\",\"c\":2}],"
                "\"transitions\":[{\"signal_date\":\"2026-01-16\","
                "\"from\":\"long\",\"to\":\"Short\"}]}\n");

    /* CCC's only week, 2026-01-02, is 14 days before 2026-01-16 */
    ck_assert_ptr_null(find(&snaps[3], "sig", "CCC"));
    t = find(&snaps[3], "sig", "BBB");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->count, 1);
    ck_assert_uint_eq(snaps[3].hdr->history_weeks, 2);
}
END_TEST


/* the week refs point at the members in the body */
START_TEST(test_week_refs)
{
    uint32_t                   i, k, n;
    const krj_snap_t          *s;
    const krj_snap_hweek_t    *w;
    const krj_snap_hticker_t  *t;

    build(52);
    s = &snaps[3];

    t = find(s, "sig", "AAA");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->count, 3);
    w = &s->hweeks[t->first];

    ck_assert_int_eq(memcmp(krj_snap_ptr(s, w[0].signal_date), "2026-01-16",
                            10), 0);
    ck_assert_uint_eq(w[0].signal.len, 7);
    ck_assert_int_eq(memcmp(krj_snap_ptr(s, w[0].signal), "\"Short\"", 7),
                     0);
    ck_assert_int_eq(memcmp(krj_snap_ptr(s, w[0].prior), "\"long\"", 6), 0);
    ck_assert_uint_eq(w[2].c.len, 4);
    ck_assert_int_eq(memcmp(krj_snap_ptr(s, w[2].c), "1.50", 4), 0);

    /* every week of every ticker, contiguous, in its body */
    n = 0;

    for (i = 0; i < s->hdr->nhistory_tickers; i++) {
        t = &s->htickers[i];
        ck_assert_uint_eq(t->first, n);
        n += t->count;

        for (k = t->first; k < t->first + t->count; k++) {
            ck_assert_uint_ge(s->hweeks[k].c.off, t->json.off);
            ck_assert_uint_le(s->hweeks[k].c.off + s->hweeks[k].c.len,
                              t->json.off + t->json.len);
        }
    }

    ck_assert_uint_eq(n, s->hdr->nhistory_weeks);
}
END_TEST


/* a week PostgreSQL has replaces the one the snapshot carries */
START_TEST(test_postgresql_wins)
{
    long            days;
    krj_gen_t       g;
    krj_history_t   h;
    krj_snap_t      s;
    krj_buf_t       out;

    build(52);

    make_gen(&g, "2026-01-16", WEEK3_CSV);
    ck_assert_int_eq(krj_history_init(&h, &g, 52), 0);

    /* as krj_history_pg.c adds a week: the entry, then its day's bit */
    ck_assert_int_eq(krj_date_parse("2026-01-09", 10, &days, NULL), 0);
    ck_assert_int_eq(krj_history_add(&h, 1, days, 1, "aaa", 3, "\"Long\"",
                                     6, "null", 4, "7", 1), 0);
    h.cats[1].from_pg[7 / 8] |= 1 << (7 % 8);

    ck_assert_int_eq(krj_history_add_snapshot(&h, &snaps[3]), 0);
    ck_assert_int_eq(krj_history_add_csv(&h, &g), 0);
    krj_history_sort(&h);
    write_snap(&out, &s, &g, &h);

    /* 2026-01-09 from "PostgreSQL" (BBB, DDD, EEE have none that week) */
    expect_body(&s, "AAA",
                "{\"category\":\"sig\",\"ticker\":\"AAA\",\"weeks\":["
                "{\"signal_date\":\"2026-01-16\",\"signal\":\"Short\","
                "\"prior\":\"long\",\"c\":2.5},"
                "{\"signal_date\":\"2026-01-09\",\"signal\":\"Long\","
                "\"prior\":null,\"c\":7},"
                "{\"signal_date\":\"2026-01-02\",\"signal\":\"Long\","
                "\"prior\":\"Long\",\"c\":1.50}],"
                "\"transitions\":[{\"signal_date\":\"2026-01-16\","
                "\"from\":\"Long\",\"to\":\"Short\"}]}\n");
    ck_assert_uint_eq(find(&s, "sig", "BBB")->count, 1);
    ck_assert_uint_eq(h.from_pg, 0);
    ck_assert_uint_eq(h.carried, 4);
    ck_assert_uint_eq(h.from_csv, 1);

    krj_buf_free(&out);
    krj_history_free(&h);
    krj_gen_free(&g);
}
END_TEST


/* a large body has its gzip, a small one none; --history-weeks 0: none */
START_TEST(test_gzip_and_none)
{
    int                        rc;
    char                      *csv, *p;
    size_t                     n;
    uint8_t                    plain[4096];
    uLongf                     plen;
    z_stream                   zs;
    krj_gen_t                  g;
    krj_history_t              h;
    krj_snap_t                 s;
    krj_buf_t                  out;
    const krj_snap_hticker_t  *t;

    n = strlen(WEEK2_CSV) + 1024;
    csv = malloc(n);
    ck_assert_ptr_nonnull(csv);
    p = csv + sprintf(csv, "%sLONG,", WEEK2_CSV);
    memset(p, 'x', 700);
    strcpy(p + 700, ",Long,Long\n");

    make_gen(&g, "2026-01-09", csv);
    ck_assert_int_eq(krj_history_init(&h, &g, 52), 0);
    ck_assert_int_eq(krj_history_add_csv(&h, &g), 0);
    krj_history_sort(&h);
    write_snap(&out, &s, &g, &h);

    t = find(&s, "sig", "LONG");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_ge(t->json.len, KRJ_HISTORY_GZIP_MIN);
    ck_assert_uint_gt(t->json_gz.len, 0);
    ck_assert_uint_lt(t->json_gz.len, t->json.len);

    memset(&zs, 0, sizeof(z_stream));
    ck_assert_int_eq(inflateInit2(&zs, 16 + 15), Z_OK);
    zs.next_in = (Bytef *) krj_snap_ptr(&s, t->json_gz);
    zs.avail_in = t->json_gz.len;
    zs.next_out = plain;
    zs.avail_out = sizeof(plain);
    rc = inflate(&zs, Z_FINISH);
    plen = zs.total_out;
    inflateEnd(&zs);
    ck_assert_int_eq(rc, Z_STREAM_END);
    ck_assert_uint_eq(plen, t->json.len);
    ck_assert_int_eq(memcmp(plain, krj_snap_ptr(&s, t->json), plen), 0);

    t = find(&s, "sig", "AAA");
    ck_assert_uint_lt(t->json.len, KRJ_HISTORY_GZIP_MIN);
    ck_assert_uint_eq(t->json_gz.len, 0);

    krj_buf_free(&out);
    krj_history_free(&h);

    /* no history: the section is empty, and valid */
    ck_assert_int_eq(krj_history_init(&h, &g, 0), 0);
    ck_assert_int_eq(krj_history_add_csv(&h, &g), 0);
    ck_assert_uint_eq(h.n, 0);
    write_snap(&out, &s, &g, &h);
    ck_assert_ptr_null(s.hcategories);
    ck_assert_uint_eq(s.hdr->history_categories.len, 0);
    ck_assert_ptr_null(krj_snap_history_of(&s, &s.categories[1]));

    krj_buf_free(&out);
    krj_history_free(&h);
    krj_gen_free(&g);
    free(csv);
}
END_TEST


START_TEST(test_gzip_stream)
{
    int          i;
    krj_buf_t    a, b;
    krj_gzip_t  *gz;
    const char  *text[3] = { "", "{\"a\":1}", WEEK1_CSV WEEK2_CSV WEEK3_CSV };

    gz = krj_gzip_create();
    ck_assert_ptr_nonnull(gz);

    for (i = 0; i < 6; i++) {
        krj_buf_init(&a);
        krj_buf_init(&b);
        ck_assert_int_eq(krj_gzip(&a, (const uint8_t *) text[i % 3],
                                  strlen(text[i % 3])), 0);
        ck_assert_int_eq(krj_gzip_next(gz, &b, (const uint8_t *) text[i % 3],
                                       strlen(text[i % 3])), 0);
        ck_assert_uint_eq(a.len, b.len);
        ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
        krj_buf_free(&a);
        krj_buf_free(&b);
    }

    krj_gzip_destroy(gz);
}
END_TEST


/* --- the validator ------------------------------------------------------ */


static void
resum(uint8_t *p, size_t len)
{
    unsigned int  n;

    EVP_Digest(p + KRJ_SNAP_SUMMED_FROM, len - KRJ_SNAP_SUMMED_FROM,
               p + offsetof(krj_snap_header_t, checksum), &n, EVP_sha256(),
               NULL);
}


/* reads every byte of the history a validated snapshot lets one reach */
static unsigned
walk(const krj_snap_t *s)
{
    unsigned                    sum;
    uint32_t                    i, k, w;
    const char                 *p;
    const krj_snap_hweek_t     *wk;
    const krj_snap_hticker_t   *t;
    const krj_snap_category_t  *cat;

#define touch(ref)                                                            \
    for (p = krj_snap_ptr(s, ref); p < krj_snap_ptr(s, ref) + (ref).len;     \
         p++)                                                                 \
    {                                                                         \
        sum += (unsigned char) *p;                                            \
    }

    sum = 0;

    for (i = 0; i < s->hdr->ncategories; i++) {
        cat = &s->categories[i];

        if (krj_snap_history_of(s, cat) == NULL) {
            continue;
        }

        for (k = s->hcategories[i].first;
             k < s->hcategories[i].first + s->hcategories[i].count; k++)
        {
            t = &s->htickers[k];
            touch(t->ticker);
            touch(t->json);
            touch(t->json_gz);

            ck_assert_ptr_eq(krj_snap_find_history(s, &s->hcategories[i],
                                 krj_snap_ptr(s, t->ticker), t->ticker.len),
                             t);

            for (w = t->first; w < t->first + t->count; w++) {
                wk = &s->hweeks[w];
                touch(wk->signal_date);
                touch(wk->signal);
                touch(wk->prior);
                touch(wk->c);
            }
        }
    }

#undef touch

    return sum;
}


/* a copy of snaps[3], changed by the caller, checksum redone */
static uint8_t  *copy;
static size_t    copy_len;


static krj_snap_header_t *
start_copy(void)
{
    build(52);

    copy_len = snap_buf[3].len;
    copy = malloc(copy_len);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, snap_buf[3].data, copy_len);

    return (krj_snap_header_t *) copy;
}


#define htickers(h)                                                           \
    ((krj_snap_hticker_t *) (copy + (h)->history_tickers.off))
#define hweeks(h)                                                             \
    ((krj_snap_hweek_t *) (copy + (h)->history_week_list.off))
#define hcats(h)                                                              \
    ((krj_snap_hcategory_t *) (copy + (h)->history_categories.off))


static void
expect_refused(const char *what, const char *needle)
{
    char        err[KRJ_SNAP_ERRLEN];
    krj_snap_t  s;

    resum(copy, copy_len);
    ck_assert_msg(krj_snap_open(&s, copy, copy_len, err) == -1,
                  "%s: accepted", what);
    ck_assert_msg(strstr(err, needle) != NULL, "%s: \"%s\" lacks \"%s\"",
                  what, err, needle);
    free(copy);
    copy = NULL;
}


START_TEST(test_refuse_lower_case)
{
    krj_snap_header_t  *h;

    h = start_copy();
    copy[htickers(h)[0].ticker.off] = 'a';
    expect_refused("lower case", "not upper case");
}
END_TEST


START_TEST(test_refuse_order)
{
    krj_snap_header_t  *h;

    h = start_copy();
    htickers(h)[1].ticker = htickers(h)[0].ticker;
    expect_refused("twice the same", "not sorted or not unique");
}
END_TEST


START_TEST(test_refuse_ref_outside_body)
{
    krj_snap_header_t  *h;

    h = start_copy();
    hweeks(h)[0].c.off = htickers(h)[0].json.off - 1;
    expect_refused("c before the body", "outside its body");

    h = start_copy();
    hweeks(h)[0].signal.len = htickers(h)[0].json.len;
    expect_refused("signal past the body", "outside its body");

    h = start_copy();
    hweeks(h)[0].prior.len = 0;
    expect_refused("empty prior", "outside its body");
}
END_TEST


START_TEST(test_refuse_dates)
{
    krj_snap_header_t  *h;

    h = start_copy();
    memcpy(copy + hweeks(h)[0].signal_date.off, "2026-02-30", 10);
    expect_refused("no date", "not a date");

    /* AAA's first two weeks: the same date twice */
    h = start_copy();
    hweeks(h)[1].signal_date = hweeks(h)[0].signal_date;
    expect_refused("not newest first", "not newest first");

    /* a week after the category's date */
    h = start_copy();
    memcpy(copy + hweeks(h)[0].signal_date.off, "2026-01-17", 10);
    expect_refused("after the date", "not newest first");

    /* 2026-01-02 is outside one week back from 2026-01-16 */
    h = start_copy();
    h->history_weeks = 1;
    expect_refused("outside the window", "within 1 weeks");

    h = start_copy();
    h->history_weeks = 0;
    expect_refused("0 weeks", "0 weeks");
}
END_TEST


START_TEST(test_refuse_counts)
{
    krj_snap_header_t  *h;

    h = start_copy();
    h->nhistory_tickers--;
    expect_refused("one ticker fewer", "history: tickers out of bounds");

    h = start_copy();
    htickers(h)[0].count = 0;
    expect_refused("a ticker of no week", "out of range");

    /* AAA takes BBB's first week, which lies in BBB's body */
    h = start_copy();
    htickers(h)[0].count++;
    expect_refused("a week too many", "outside its body");

    h = start_copy();
    htickers(h)[1].first--;
    expect_refused("weeks shared", "out of range");

    h = start_copy();
    hcats(h)[1].count--;
    expect_refused("a category's ticker dropped", "referenced");

    h = start_copy();
    hcats(h)[0].count = 1;
    expect_refused("tickers of plain", "without history");

    h = start_copy();
    hcats(h)[0].exported = 1;
    expect_refused("plain exported", "no signal column");

    h = start_copy();
    hcats(h)[1].reserved = 1;
    expect_refused("reserved", "bad flags");

    h = start_copy();
    h->history_reserved = 1;
    expect_refused("header reserved", "reserved");

    h = start_copy();
    h->history_categories.len = 0;
    expect_refused("tickers without categories", "without categories");

    h = start_copy();
    h->history_week_list.off += 4;
    expect_refused("misaligned weeks", "weeks out of bounds");
}
END_TEST


/*
 * Every word of the section's header fields and arrays, set to values a
 * hostile file could hold, checksum redone: refused, or accepted and
 * walked in bounds (ASan watches the walk).
 */
START_TEST(test_structural)
{
    int                 rc;
    char                err[KRJ_SNAP_ERRLEN];
    size_t              off, v, first, last, accepted, refused;
    uint32_t            old, word, values[6];
    krj_snap_t          s;
    krj_snap_header_t  *h;

    h = start_copy();

    first = h->history_categories.off;
    last = h->history_week_list.off + h->history_week_list.len;
    accepted = 0;
    refused = 0;

    for (off = offsetof(krj_snap_header_t, history_weeks);
         off < last;
         off = (off + 4 == sizeof(krj_snap_header_t)) ? first : off + 4)
    {
        memcpy(&old, copy + off, 4);

        values[0] = 0;
        values[1] = 0xffffffff;
        values[2] = 0x7fffffff;
        values[3] = (uint32_t) copy_len;
        values[4] = old + 8;
        values[5] = old ^ 0x100;

        for (v = 0; v < 6; v++) {
            word = values[v];
            memcpy(copy + off, &word, 4);
            resum(copy, copy_len);

            rc = krj_snap_open(&s, copy, copy_len, err);
            ck_assert(rc == 0 || rc == -1);

            if (rc == 0) {
                (void) walk(&s);
                accepted++;

            } else {
                ck_assert(strlen(err) > 0);
                refused++;
            }
        }

        memcpy(copy + off, &old, 4);
    }

    resum(copy, copy_len);
    ck_assert_int_eq(krj_snap_open(&s, copy, copy_len, err), 0);
    (void) walk(&s);
    ck_assert_uint_gt(refused, 0);
    ck_assert_uint_gt(accepted, 0);

    free(copy);
    copy = NULL;
}
END_TEST


static Suite *
history_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("history");
    tc = tcase_create("history");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_number);
    tcase_add_test(tc, test_carried_weeks);
    tcase_add_test(tc, test_window);
    tcase_add_test(tc, test_week_refs);
    tcase_add_test(tc, test_postgresql_wins);
    tcase_add_test(tc, test_gzip_and_none);
    tcase_add_test(tc, test_gzip_stream);
    tcase_add_test(tc, test_refuse_lower_case);
    tcase_add_test(tc, test_refuse_order);
    tcase_add_test(tc, test_refuse_ref_outside_body);
    tcase_add_test(tc, test_refuse_dates);
    tcase_add_test(tc, test_refuse_counts);
    tcase_add_test(tc, test_structural);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(history_suite)
