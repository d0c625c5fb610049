
/*
 * Copyright (C) The krj developers
 */


/*
 * The dashboard's pages as the C renderers write them (krj_page.c,
 * krj_view.c, krj_print.c) against the oracle of dashboard/MARKUP.md,
 * byte for byte: the Makefile runs "krjdash.py pages", which renders
 * every category page and a list of views, print views, login and error
 * pages from the fixture CSVs at a fixed time; here the same snapshot
 * krj-batch would publish is built and each page rendered.  Unfiltered
 * pages are also assembled from their pre-rendered spans, as the module
 * sends them, plain and as gzip (inflated here, CRC and length checked by
 * zlib).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "krj_test.h"
#include "krj_csv.h"
#include "krj_page.h"
#include "krj_print.h"
#include "krj_publish.h"
#include "krj_scan.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


#define NFILES      6
#define GENERATED   1767981600
#define NOW         (GENERATED + 2 * 86400 + 600)
#define MAX_AGE     (8 * 86400)
#define MAX_ALLOCS  65536


typedef struct {
    char                slug[64];
    char                label[64];
    char                date[16];
    char                file[256];
    uint8_t            *data;
    size_t              len;
    krj_csv_t           csv;
} fixture_t;


/* a case of the manifest */
typedef struct {
    char               *target;
    char               *user;
    char               *scopes;
    int                 status;
    char               *message;
    char               *file;
} page_case_t;


typedef void (*render_pt)(krj_out_t *o, const void *arg);


static const char  *files[NFILES] = {
    "AI_Affected_2026-03-14", "DRC_2026-01-09", "ETFs_and_FX_2026-01-09",
    "Equities_2026-01-09", "SP100_2026-01-09", "SP500_2026-01-09"
};

static fixture_t         fx[NFILES];
static krj_snap_input_t  in[NFILES];
static krj_buf_t         out;
static krj_snap_t        snap;
static void             *allocs[MAX_ALLOCS];
static int               nallocs;

/* the module's defaults: krj_max_limit, _offset, _tickers, _fields */
static const krj_query_bounds_t  test_bounds = {
    10000, 4294967295ULL, 100, 256
};


static void *
test_alloc(void *data, size_t size)
{
    void  *p;

    (void) data;

    ck_assert_int_lt(nallocs, MAX_ALLOCS);
    p = malloc(size ? size : 1);
    allocs[nallocs++] = p;

    return p;
}


static int
cmp_input(const void *a, const void *b)
{
    return strcmp(((const krj_snap_input_t *) a)->slug,
                  ((const krj_snap_input_t *) b)->slug);
}


static void
setup(void)
{
    char      path[512], name[200], cat[KRJ_SCAN_NAME_MAX], err[1024];
    size_t    i;
    uint8_t   digest[32];

    for (i = 0; i < NFILES; i++) {
        snprintf(name, sizeof(name), "KRJ_signals_latest_week_%s.csv",
                 files[i]);
        ck_assert_int_eq(krj_scan_parse_name(name, cat, sizeof(cat),
                                             fx[i].date), KRJ_SCAN_OK);
        krj_scan_slug(cat, fx[i].slug, sizeof(fx[i].slug));
        krj_scan_label(cat, fx[i].slug, fx[i].label, sizeof(fx[i].label));
        snprintf(fx[i].file, sizeof(fx[i].file), "%s", name);
        snprintf(path, sizeof(path), "%s/%s", KRJ_TEST_DATA, name);

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

    memset(digest, 0, sizeof(digest));
    krj_buf_init(&out);

    ck_assert_msg(krj_snap_write(&out, in, NFILES, GENERATED, digest,
                                 KRJ_SNAP_VERSION, KRJ_TEST_WRITER, err)
                  == 0, "krj_snap_write: %s", err);
    ck_assert_msg(krj_snap_open(&snap, out.data, out.len, err) == 0,
                  "krj_snap_open: %s", err);

    nallocs = 0;
}


static void
teardown(void)
{
    size_t  i;

    while (nallocs) {
        free(allocs[--nallocs]);
    }

    for (i = 0; i < NFILES; i++) {
        krj_csv_free(&fx[i].csv);
        free(fx[i].data);
    }

    krj_buf_free(&out);
}


/* scopes: a comma list of slugs, as a principal's */

static int
visible(void *data, const char *slug, size_t len)
{
    size_t       n;
    const char  *p, *comma;

    for (p = data; *p; p = comma + 1) {
        comma = strchr(p, ',');
        n = comma ? (size_t) (comma - p) : strlen(p);

        if (n == len && memcmp(p, slug, len) == 0) {
            return 1;
        }

        if (comma == NULL) {
            break;
        }
    }

    return 0;
}


/* measure, then write, into a fresh buffer of exactly that size */

static char *
render(render_pt fn, const void *arg, size_t *len)
{
    char       *buf;
    krj_out_t   o;

    krj_out_init(&o, NULL);
    fn(&o, arg);

    buf = malloc(o.len + 1);
    ck_assert_ptr_nonnull(buf);

    *len = o.len;
    krj_out_init(&o, buf);
    fn(&o, arg);
    ck_assert_uint_eq(o.len, *len);

    return buf;
}


/* what the module's router does with a target, on the renderers */

typedef struct {
    krj_page_t                  pg;
    const char                 *path;
    const char                 *args;
    size_t                      alen;
    const char                 *message;
    int                         status;
} route_t;


static void
route(krj_out_t *o, const void *arg)
{
    int                         rc;
    char                        msg[128], *buf;
    const char                 *slug, *pos, *next;
    size_t                      nlen;
    route_t                    *rt;
    krj_str_t                   name, value;
    krj_query_t                 q;
    krj_print_t                 p;
    krj_select_t                sel;
    const krj_snap_category_t  *cat;

    rt = (route_t *) arg;

    if (strcmp(rt->path, "/krj/login") == 0) {
        next = NULL;
        nlen = 0;
        buf = test_alloc(NULL, 2 * rt->alen + 2);
        pos = rt->args;

        while (krj_form_next(&pos, rt->args + rt->alen, buf, &name, &value,
                             msg, KRJ_FORM_TRIM)
               == 1)
        {
            if (name.len == 4 && memcmp(name.data, "next", 4) == 0
                && krj_page_next_ok(&rt->pg, value.data, value.len))
            {
                next = value.data;
                nlen = value.len;
            }

            buf = (char *) value.data + value.len + 1;
        }

        rt->status = rt->message ? 401 : 200;
        krj_page_login(o, &rt->pg, next, nlen, rt->message,
                       rt->message ? strlen(rt->message) : 0);
        return;
    }

    if (strcmp(rt->path, "/krj/print") == 0) {
        rc = krj_print_parse(&p, &snap, rt->args, rt->alen,
                             rt->pg.visible, rt->pg.vdata, test_alloc, NULL);

        if (rc != KRJ_QUERY_OK) {
            rt->status = 400;
            krj_page_error(o, &rt->pg, krj_page_title(400),
                           krj_query_code(rc), p.err, strlen(p.err), NULL,
                           KRJ_PAGE_TOP);
            return;
        }

        rt->status = 200;
        krj_page_print(o, &rt->pg, &p);
        return;
    }

    slug = rt->path + sizeof("/krj/") - 1;
    cat = krj_snap_find_category(&snap, slug, strlen(slug));

    if (cat == NULL) {
        rt->status = 404;
        snprintf(msg, sizeof(msg), "No category \"%s\".", slug);
        krj_page_error(o, &rt->pg, krj_page_title(404), "unknown_category",
                       msg, strlen(msg), NULL, KRJ_PAGE_TOP);
        return;
    }

    if (!krj_page_readable(&rt->pg, cat)) {
        rt->status = 403;
        snprintf(msg, sizeof(msg), "You may not read \"%s\".", slug);
        krj_page_error(o, &rt->pg, krj_page_title(403), "forbidden", msg,
                       strlen(msg), NULL, KRJ_PAGE_TOP);
        return;
    }

    /* the module's default bounds (ngx_http_krj_bounds.c), as the
       oracle has them */
    rc = krj_query_parse_form_bounded(&q, &snap, cat, rt->args, rt->alen,
                                      &test_bounds, test_alloc, NULL);

    if (rc != KRJ_QUERY_OK) {
        rt->status = 400;
        krj_page_error(o, &rt->pg, krj_page_title(400), krj_query_code(rc),
                       q.err, strlen(q.err), cat, KRJ_PAGE_TOP);
        return;
    }

    ck_assert_int_eq(krj_query_select(&sel, &snap, cat, &q, test_alloc,
                                      NULL),
                     KRJ_QUERY_OK);

    rt->status = 200;
    krj_page_category(o, &rt->pg, cat, &q, &sel, KRJ_PAGE_ALL);
}


static char *
slurp(const char *path, size_t *len)
{
    long   n;
    char  *buf;
    FILE  *f;

    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);

    buf = malloc(n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, n, f), (size_t) n);
    fclose(f);

    buf[n] = '\0';
    *len = (size_t) n;

    return buf;
}


static void
same(const char *what, const char *got, size_t glen, const char *want,
    size_t wlen)
{
    size_t  i;

    for (i = 0; i < glen && i < wlen && got[i] == want[i]; i++) {
        /* void */
    }

    ck_assert_msg(i == glen && i == wlen, "%s: differs at byte %zu of %zu "
                  "(oracle %zu):\n  got  ...%.80s\n  want ...%.80s", what, i,
                  glen, wlen, got + (i > 40 ? i - 40 : 0),
                  want + (i > 40 ? i - 40 : 0));
}


static void
page_init(krj_page_t *pg, const char *user, const char *scopes)
{
    memset(pg, 0, sizeof(krj_page_t));

    pg->snap = &snap;
    pg->prefix.data = "/krj";
    pg->prefix.len = 4;
    pg->api.data = "/api/v1";
    pg->api.len = 7;
    pg->now = NOW;
    pg->max_age = MAX_AGE;

    if (user != NULL) {
        pg->user.data = user;
        pg->user.len = strlen(user);
    }

    if (scopes != NULL) {
        pg->visible = visible;
        pg->vdata = (void *) scopes;
    }
}


/* the manifest's cases, one per line */

static size_t
read_manifest(page_case_t *cases, size_t max, char **text)
{
    char    *p, *line, *f[7];
    size_t   len, n;
    int      k;
    char     path[512];

    snprintf(path, sizeof(path), "%s/manifest.tsv", KRJ_ORACLE_PAGES);
    *text = slurp(path, &len);
    n = 0;

    for (line = strtok_r(*text, "\n", &p); line && n < max;
         line = strtok_r(NULL, "\n", &p))
    {
        for (k = 0; k < 7; k++) {
            f[k] = line;
            line = strchr(line, '\t');

            if (line) {
                *line++ = '\0';
            }
        }

        cases[n].target = f[1];
        cases[n].user = strcmp(f[2], "-") ? f[2] : NULL;
        cases[n].scopes = strcmp(f[3], "-") ? f[3] : NULL;
        cases[n].status = atoi(f[4]);
        cases[n].message = strcmp(f[5], "-") ? f[5] : NULL;
        cases[n].file = f[6];
        n++;
    }

    return n;
}


START_TEST(test_pages_as_the_oracle)
{
    char          *text, *want, *got, *q, path[512];
    size_t         n, i, wlen, glen;
    route_t        rt;
    page_case_t    cases[256];

    n = read_manifest(cases, 256, &text);
    ck_assert_uint_ge(n, 60);

    for (i = 0; i < n; i++) {
        page_init(&rt.pg, cases[i].user, cases[i].scopes);

        q = strchr(cases[i].target, '?');
        rt.path = cases[i].target;
        rt.args = q ? q + 1 : "";
        rt.alen = strlen(rt.args);

        if (q) {
            *q = '\0';
        }

        rt.message = cases[i].message;

        got = render(route, &rt, &glen);

        if (q) {
            *q = '?';
        }

        snprintf(path, sizeof(path), "%s/%s", KRJ_ORACLE_PAGES,
                 cases[i].file);
        want = slurp(path, &wlen);

        ck_assert_msg(rt.status == cases[i].status, "%s: status %d, the "
                      "oracle's %d", cases[i].target, rt.status,
                      cases[i].status);
        same(cases[i].target, got, glen, want, wlen);

        free(got);
        free(want);
    }

    free(text);
}
END_TEST


typedef struct {
    const krj_page_t           *pg;
    const krj_snap_category_t  *cat;
} part_t;


static void
top(krj_out_t *o, const void *arg)
{
    const part_t  *a = arg;

    krj_page_top(o, a->pg, a->cat, a->cat);
}


static void
groups(krj_out_t *o, const void *arg)
{
    const part_t  *a = arg;

    krj_page_groups(o, a->pg, a->cat);
}


/* the pieces of a page joined */

static char *
join(const krj_snap_category_t *cat, const krj_str_t *fill, int gzip,
    size_t *len)
{
    char          *buf, *p;
    size_t         i;
    krj_pieces_t   pc;

    memset(&pc, 0, sizeof(krj_pieces_t));
    krj_page_pieces(&pc, &snap, cat, fill, gzip);

    pc.pieces = malloc((pc.n + 1) * sizeof(krj_piece_t));
    pc.scratch = malloc(pc.nscratch + 1);
    ck_assert(pc.pieces != NULL && pc.scratch != NULL);

    krj_page_pieces(&pc, &snap, cat, fill, gzip);

    buf = malloc(pc.len + 1);
    ck_assert_ptr_nonnull(buf);

    for (p = buf, i = 0; i < pc.n; i++) {
        memcpy(p, pc.pieces[i].data, pc.pieces[i].len);
        p += pc.pieces[i].len;
    }

    ck_assert_uint_eq((size_t) (p - buf), pc.len);
    *len = pc.len;

    free(pc.pieces);
    free(pc.scratch);

    return buf;
}


static size_t
pieces(const krj_snap_category_t *cat, const krj_str_t *fill, int gzip)
{
    krj_pieces_t  pc;

    memset(&pc, 0, sizeof(krj_pieces_t));
    krj_page_pieces(&pc, &snap, cat, fill, gzip);

    return pc.n;
}


static char *
gunzip(const char *gz, size_t len, size_t *olen)
{
    int        rc;
    char      *buf;
    size_t     cap;
    z_stream   zs;

    memset(&zs, 0, sizeof(z_stream));
    ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);

    cap = 4 * 1024 * 1024;
    buf = malloc(cap + 1);
    ck_assert_ptr_nonnull(buf);

    zs.next_in = (Bytef *) gz;
    zs.avail_in = (uInt) len;
    zs.next_out = (Bytef *) buf;
    zs.avail_out = (uInt) cap;

    /* Z_STREAM_END only after the trailer's CRC-32 and length matched */
    rc = inflate(&zs, Z_FINISH);
    ck_assert_msg(rc == Z_STREAM_END, "inflate: %d %s", rc,
                  zs.msg ? zs.msg : "");
    ck_assert_uint_eq(zs.avail_in, 0);

    *olen = zs.total_out;
    buf[*olen] = '\0';
    inflateEnd(&zs);

    return buf;
}


START_TEST(test_spans_are_the_page)
{
    char                       *text, *want, *plain, *gz, *raw, *hd, *gr;
    char                        path[512];
    size_t                      n, i, wlen, plen, glen, rlen, hlen, grlen;
    part_t                      a;
    krj_str_t                   fill[KRJ_HOLES];
    krj_page_t                  pg;
    page_case_t                 cases[256];
    const krj_snap_category_t  *cat;

    n = read_manifest(cases, 256, &text);

    for (i = 0; i < n; i++) {
        if (cases[i].user || cases[i].scopes
            || strchr(cases[i].target, '?') || cases[i].status != 200
            || strncmp(cases[i].target, "/krj/", 5) != 0)
        {
            continue;
        }

        cat = krj_snap_find_category(&snap, cases[i].target + 5,
                                     strlen(cases[i].target + 5));
        if (cat == NULL) {
            continue;
        }

        page_init(&pg, NULL, NULL);
        a.pg = &pg;
        a.cat = cat;

        hd = render(top, &a, &hlen);
        gr = render(groups, &a, &grlen);

        memset(fill, 0, sizeof(fill));
        fill[KRJ_HOLE_PREFIX].data = "/krj";
        fill[KRJ_HOLE_PREFIX].len = 4;
        fill[KRJ_HOLE_API].data = "/api/v1";
        fill[KRJ_HOLE_API].len = 7;
        fill[KRJ_HOLE_HEADER].data = hd;
        fill[KRJ_HOLE_HEADER].len = hlen;
        fill[KRJ_HOLE_GROUPS].data = gr;
        fill[KRJ_HOLE_GROUPS].len = grlen;

        snprintf(path, sizeof(path), "%s/%s", KRJ_ORACLE_PAGES,
                 cases[i].file);
        want = slurp(path, &wlen);

        plain = join(cat, fill, 0, &plen);
        same(cases[i].target, plain, plen, want, wlen);

        gz = join(cat, fill, 1, &glen);
        raw = gunzip(gz, glen, &rlen);
        same("gzip", raw, rlen, want, wlen);
        free(raw);

        /*
         * the README's locations: the compact gzip, compressed as a page
         * is but for the header and the groups, stored as they are
         */
        ck_assert_uint_le(pieces(cat, fill, 1), 3 + 2 * 2 + 1);
        ck_assert_uint_lt(glen, wlen / 3 + hlen + grlen);

        /* other locations: the spans, the holes between, still one member */
        fill[KRJ_HOLE_PREFIX].data = "/d";
        fill[KRJ_HOLE_PREFIX].len = 2;
        fill[KRJ_HOLE_API].data = "/v2/x";
        fill[KRJ_HOLE_API].len = 5;
        free(plain);
        plain = join(cat, fill, 0, &plen);
        free(gz);
        gz = join(cat, fill, 1, &glen);
        raw = gunzip(gz, glen, &rlen);
        same("gzip elsewhere", raw, rlen, plain, plen);
        ck_assert_uint_gt(pieces(cat, fill, 1), 2 * cat->npage);
        ck_assert_ptr_nonnull(strstr(raw, "href=\"/d/assets/krj."));

        /* the spans hold every row fragment, each once, in file order */
        ck_assert_uint_ge(cat->npage, 20);
        ck_assert_uint_lt(glen, plen);

        free(plain);
        free(gz);
        free(raw);
        free(want);
        free(hd);
        free(gr);
    }

    free(text);
}
END_TEST


START_TEST(test_next)
{
    size_t      i;
    krj_page_t  pg;
    static const struct {
        const char  *next;
        int          ok;
    } cases[] = {
        { "/krj/sp500", 1 }, { "/krj/sp500?signal=Long&sort=-c", 1 },
        { "/krj/", 0 }, { "/krj", 0 }, { "/krjx/sp500", 0 },
        { "//evil.example/", 0 }, { "https://evil.example/", 0 },
        { "/\\evil.example", 0 }, { "/krj/\\evil", 0 },
        { "/krj/a\r\nSet-Cookie: x=1", 0 }, { "/krj/a\x7f", 0 },
        { "krj/sp500", 0 }, { "", 0 }, { "/api/v1/signals/sp500", 0 },
    };

    page_init(&pg, NULL, NULL);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(krj_page_next_ok(&pg, cases[i].next,
                                       strlen(cases[i].next))
                      == cases[i].ok, "next \"%s\"", cases[i].next);
    }
}
END_TEST


static Suite *
page_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("page");
    tc = tcase_create("page");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_pages_as_the_oracle);
    tcase_add_test(tc, test_spans_are_the_page);
    tcase_add_test(tc, test_next);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(page_suite)
