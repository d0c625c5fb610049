
/*
 * Copyright (C) The krj developers
 */


/*
 * The pieces every page of the dashboard shares: the shell, the header
 * with the data age and the user, the tabs, the print dialog's groups,
 * and the error and login pages.  %P and %A, the locations, are written
 * here, or told as holes when krj-batch pre-renders.
 */


#include <string.h>

#include <zlib.h>

#include "krj_html.h"
#include "krj_markup.h"
#include "krj_page.h"


/* a stored deflate block holds at most 65535 bytes */
#define KRJ_PAGE_STORED_MAX  65535


static int krj_page_hook(krj_out_t *o, int conversion);
static void krj_page_piece(krj_pieces_t *pc, const void *data, size_t len);
static void krj_page_stored(krj_pieces_t *pc, krj_str_t s);
static void krj_page_pieces_gz(krj_pieces_t *pc, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_str_t *fill,
    const uLong *hcrc, const uLong *hop);
static int krj_page_compact(const krj_snap_t *snap, const krj_str_t *fill);
static void krj_page_trailer(krj_pieces_t *pc, uLong crc, size_t total);
static const krj_snap_category_t *krj_page_nth(const krj_page_t *pg,
    const uint32_t *set, uint32_t i);


void
krj_page_head(krj_out_t *o, const krj_page_t *pg, const char *title,
    size_t tlen, const char *class)
{
    const krj_snap_asset_t  *a;

    krj_page_use(o, pg);

    krj_out_fmt(o, KRJ_HTML_HEAD, title, tlen);

    /* without a snapshot, a page without its assets: at least it says why */
    if (pg->snap != NULL) {
        a = pg->snap->hdr->assets;

        krj_out_fmt(o, KRJ_HTML_ASSETS,
                    krj_snap_ptr(pg->snap, a[KRJ_ASSET_SVG].name),
                    (size_t) a[KRJ_ASSET_SVG].name.len,
                    krj_snap_ptr(pg->snap, a[KRJ_ASSET_CSS].name),
                    (size_t) a[KRJ_ASSET_CSS].name.len,
                    krj_snap_ptr(pg->snap, a[KRJ_ASSET_JS].name),
                    (size_t) a[KRJ_ASSET_JS].name.len);
    }

    if (class != NULL) {
        krj_out_fmt(o, KRJ_HTML_BODY_CLASS, class);

    } else {
        krj_out_str(o, KRJ_HTML_BODY);
    }
}


void
krj_page_top(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *date_cat, const krj_snap_category_t *active)
{
    int                         stale;
    char                        age[KRJ_HTML_AGE_LEN];
    size_t                      alen;
    int64_t                     seconds;
    uint32_t                    i, n;
    const uint32_t             *tabs;
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat, *common;

    krj_page_use(o, pg);

    snap = pg->snap;
    common = krj_page_common(pg, NULL, 0);

    if (date_cat == NULL) {
        date_cat = common;
    }

    krj_out_str(o, KRJ_HTML_HEADER);

    if (date_cat != NULL) {
        krj_out_fmt(o, KRJ_HTML_DATE, krj_snap_ptr(snap, date_cat->pretty_date),
                    (size_t) date_cat->pretty_date.len);
    }

    seconds = pg->now - snap->hdr->generated_at;
    stale = pg->max_age > 0 && seconds > pg->max_age;
    alen = krj_html_age(age, seconds);

    krj_out_fmt(o, KRJ_HTML_AGE, stale ? " old" : "",
                krj_snap_ptr(snap, snap->hdr->generated_at_iso),
                (size_t) snap->hdr->generated_at_iso.len, age, alen,
                stale ? " (stale)" : "");

    if (pg->user.len) {
        krj_out_fmt(o, KRJ_HTML_USER, pg->user.data, pg->user.len);
    }

    krj_out_str(o, KRJ_HTML_HEADER_END);
    krj_out_str(o, KRJ_HTML_TABS);

    tabs = krj_snap_tabs(snap);
    n = snap->hdr->ncategories;

    for (i = 0; i < n; i++) {
        cat = &snap->categories[tabs[i]];

        if (!krj_page_readable(pg, cat)) {
            continue;
        }

        krj_out_fmt(o, KRJ_HTML_TAB, krj_snap_ptr(snap, cat->slug),
                    (size_t) cat->slug.len,
                    cat == active ? KRJ_HTML_CURRENT : "",
                    krj_snap_ptr(snap, cat->html_label),
                    (size_t) cat->html_label.len);

        if (common != NULL
            && memcmp(krj_snap_ptr(snap, cat->signal_date),
                      krj_snap_ptr(snap, common->signal_date),
                      cat->signal_date.len)
               != 0)
        {
            krj_out_fmt(o, KRJ_HTML_TAB_DATE,
                        krj_snap_ptr(snap, cat->pretty_date),
                        (size_t) cat->pretty_date.len);
        }

        krj_out_str(o, KRJ_HTML_TAB_END);
    }

    krj_out_str(o, KRJ_HTML_TABS_END);
}


void
krj_page_groups(krj_out_t *o, const krj_page_t *pg,
    const krj_snap_category_t *cat)
{
    uint32_t                    i;
    const uint32_t             *tabs;
    const krj_snap_t           *snap;
    const krj_snap_category_t  *c;

    krj_page_use(o, pg);

    snap = pg->snap;
    tabs = krj_snap_tabs(snap);

    for (i = 0; i < snap->hdr->ncategories; i++) {
        c = &snap->categories[tabs[i]];

        if (!krj_page_readable(pg, c)) {
            continue;
        }

        /* value="%r" takes the slug, which krj-batch made of [a-z0-9_] */
        krj_out_str(o, "<label><input type=\"checkbox\" name=\"groups\" "
                       "value=\"");
        krj_out_html(o, krj_snap_ptr(snap, c->slug), c->slug.len);
        krj_out_fmt(o, "\"%s> %r</label>", c == cat ? KRJ_HTML_CHECKED : "",
                    krj_snap_ptr(snap, c->html_label),
                    (size_t) c->html_label.len);
    }
}


void
krj_page_error(krj_out_t *o, const krj_page_t *pg, const char *title,
    const char *code, const char *message, size_t mlen,
    const krj_snap_category_t *cat, unsigned flags)
{
    krj_page_use(o, pg);

    krj_page_head(o, pg, title, strlen(title), NULL);

    if (pg->snap != NULL && (flags & KRJ_PAGE_TOP)) {
        krj_page_top(o, pg, cat, cat);
        krj_page_use(o, pg);
    }

    krj_out_fmt(o, KRJ_HTML_ERROR, code, message, mlen);

    if (cat != NULL) {
        krj_out_fmt(o, KRJ_HTML_ERROR_BACK,
                    krj_snap_ptr(pg->snap, cat->slug), (size_t) cat->slug.len,
                    krj_snap_ptr(pg->snap, cat->html_label),
                    (size_t) cat->html_label.len);
    }

    if (flags & KRJ_PAGE_SIGN_IN) {
        krj_out_fmt(o, KRJ_HTML_SIGN_IN);
    }

    krj_out_str(o, KRJ_HTML_END);
}


void
krj_page_login(krj_out_t *o, const krj_page_t *pg, const char *next,
    size_t nlen, const char *message, size_t mlen)
{
    krj_page_use(o, pg);

    krj_page_head(o, pg, KRJ_HTML_LOGIN_TITLE,
                  sizeof(KRJ_HTML_LOGIN_TITLE) - 1, "lg");
    krj_out_fmt(o, KRJ_HTML_LOGIN);

    if (mlen) {
        krj_out_fmt(o, KRJ_HTML_LOGIN_ERROR, message, mlen);
    }

    krj_out_str(o, KRJ_HTML_LOGIN_FIELDS);

    if (nlen) {
        krj_out_fmt(o, KRJ_HTML_LOGIN_NEXT, next, nlen);
    }

    krj_out_str(o, KRJ_HTML_LOGIN_END);
    krj_out_str(o, KRJ_HTML_END);
}


void
krj_page_pieces(krj_pieces_t *pc, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_str_t fill[KRJ_HOLES],
    int gzip)
{
    uLong                   crc, hcrc[KRJ_HOLES], hop[KRJ_HOLES];
    size_t                  total;
    uint32_t                i, k;
    const krj_snap_span_t  *span;

    pc->n = 0;
    pc->nscratch = 0;
    pc->len = 0;

    span = krj_snap_page(snap, cat);
    crc = crc32(0L, Z_NULL, 0);
    total = 0;

    /*
     * Each hole's CRC-32 and its shift once: the location's holes come
     * back with every column, and a shift is the logarithmic part of a
     * combination; the spans' shifts are in the snapshot.
     */

    if (gzip && pc->scratch) {
        for (k = 0; k < KRJ_HOLES; k++) {
            hcrc[k] = crc32(0L, (const Bytef *) fill[k].data,
                            (uInt) fill[k].len);
            hop[k] = crc32_combine_gen((z_off_t) fill[k].len);
        }
    }

    if (gzip && krj_page_compact(snap, fill)) {
        krj_page_pieces_gz(pc, snap, cat, fill, hcrc, hop);
        return;
    }

    for (i = 0; i < cat->npage; i++) {
        total += span[i].text.len;

        if (!gzip) {
            krj_page_piece(pc, krj_snap_ptr(snap, span[i].text),
                           span[i].text.len);

            if (span[i].hole != KRJ_HOLE_NONE) {
                krj_page_piece(pc, fill[span[i].hole].data,
                               fill[span[i].hole].len);
                total += fill[span[i].hole].len;
            }

            continue;
        }

        krj_page_piece(pc, krj_snap_ptr(snap, span[i].gz), span[i].gz.len);
        k = span[i].hole;

        if (pc->scratch) {
            crc = crc32_combine_op(crc, span[i].crc, span[i].shift);

            if (k != KRJ_HOLE_NONE) {
                crc = crc32_combine_op(crc, hcrc[k], hop[k]);
            }
        }

        if (k != KRJ_HOLE_NONE) {
            krj_page_stored(pc, fill[k]);
            total += fill[k].len;
        }
    }

    if (gzip) {
        krj_page_trailer(pc, crc, total);
    }
}


/* the compact gzip, for the locations it was made for */

static void
krj_page_pieces_gz(krj_pieces_t *pc, const krj_snap_t *snap,
    const krj_snap_category_t *cat, const krj_str_t *fill,
    const uLong *hcrc, const uLong *hop)
{
    uLong                     crc;
    size_t                    total;
    uint32_t                  i, k;
    const krj_snap_gzspan_t  *gs;

    gs = krj_snap_page_gz(snap, cat);
    crc = crc32(0L, Z_NULL, 0);
    total = 0;

    for (i = 0; i < cat->npage_gz; i++) {
        krj_page_piece(pc, krj_snap_ptr(snap, gs[i].gz), gs[i].gz.len);
        total += gs[i].len;
        k = gs[i].hole;

        if (pc->scratch) {
            crc = crc32_combine_op(crc, gs[i].crc, gs[i].shift);

            if (k != KRJ_HOLE_NONE) {
                crc = crc32_combine_op(crc, hcrc[k], hop[k]);
            }
        }

        if (k != KRJ_HOLE_NONE) {
            krj_page_stored(pc, fill[k]);
            total += fill[k].len;
        }
    }

    krj_page_trailer(pc, crc, total);
}


/* whether the request's locations are those of the compact gzip */

static int
krj_page_compact(const krj_snap_t *snap, const krj_str_t *fill)
{
    krj_snap_ref_t  p, a;

    p = snap->hdr->gz_prefix;
    a = snap->hdr->gz_api;

    return fill[KRJ_HOLE_PREFIX].len == p.len
           && memcmp(fill[KRJ_HOLE_PREFIX].data, krj_snap_ptr(snap, p),
                     p.len) == 0
           && fill[KRJ_HOLE_API].len == a.len
           && memcmp(fill[KRJ_HOLE_API].data, krj_snap_ptr(snap, a),
                     a.len) == 0;
}


/* gzip's trailer: the CRC-32 and the length modulo 2^32, little-endian */

static void
krj_page_trailer(krj_pieces_t *pc, uLong crc, size_t total)
{
    uint8_t  *t;

    if (pc->scratch) {
        t = pc->scratch + pc->nscratch;

        t[0] = (uint8_t) crc;
        t[1] = (uint8_t) (crc >> 8);
        t[2] = (uint8_t) (crc >> 16);
        t[3] = (uint8_t) (crc >> 24);
        t[4] = (uint8_t) total;
        t[5] = (uint8_t) (total >> 8);
        t[6] = (uint8_t) (total >> 16);
        t[7] = (uint8_t) (total >> 24);
    }

    krj_page_piece(pc, pc->scratch ? pc->scratch + pc->nscratch : NULL, 8);
    pc->nscratch += 8;
}


int
krj_page_next_ok(const krj_page_t *pg, const char *next, size_t len)
{
    size_t  i;

    if (len <= pg->prefix.len + 1
        || memcmp(next, pg->prefix.data, pg->prefix.len) != 0
        || next[pg->prefix.len] != '/'
        || next[0] != '/' || next[1] == '/' || next[1] == '\\')
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) next[i] < 0x20 || next[i] == 0x7f
            || next[i] == '\\')
        {
            return 0;
        }
    }

    return 1;
}


const char *
krj_page_title(unsigned status)
{
    switch (status) {

    case 400:
        return "Bad request";

    case 401:
        return "Unauthorized";

    case 403:
        return "Forbidden";

    case 404:
        return "Not found";

    case 405:
        return "Method not allowed";

    case 413:
        return "Request too large";

    case 415:
        return "Unsupported media type";

    case 429:
        return "Too many requests";

    case 503:
        return "Unavailable";

    default:
        return "Error";
    }
}


int
krj_page_readable(const krj_page_t *pg, const krj_snap_category_t *cat)
{
    return pg->visible == NULL
           || pg->visible(pg->vdata, krj_snap_ptr(pg->snap, cat->slug),
                          cat->slug.len);
}


/* %P and %A, or their holes when krj-batch renders the page */

static int
krj_page_hook(krj_out_t *o, int conversion)
{
    const krj_page_t  *pg = o->data;

    switch (conversion) {

    case 'P':
        if (pg->hole) {
            if (o->p) {
                pg->hole(pg->hdata, o->len, KRJ_HOLE_PREFIX);
            }

        } else {
            krj_out_put(o, pg->prefix.data, pg->prefix.len);
        }

        return 1;

    case 'A':
        if (pg->hole) {
            if (o->p) {
                pg->hole(pg->hdata, o->len, KRJ_HOLE_API);
            }

        } else {
            krj_out_put(o, pg->api.data, pg->api.len);
        }

        return 1;
    }

    return 0;
}


/* a hole of krj-batch's rendering: its place, written in the write pass */

void
krj_page_place(krj_out_t *o, unsigned kind)
{
    const krj_page_t  *pg = o->data;

    if (o->p) {
        pg->hole(pg->hdata, o->len, kind);
    }
}


void
krj_page_use(krj_out_t *o, const krj_page_t *pg)
{
    o->hook = krj_page_hook;
    o->data = pg;
}


/*
 * The date most of the categories have, a tie to the newest: the date of
 * a page that is of no one category; the tabs show the others' dates.
 * set NULL: the readable ones, in tab order.  A handful of categories:
 * counted pairwise.
 */

const krj_snap_category_t *
krj_page_common(const krj_page_t *pg, const uint32_t *set, uint32_t n)
{
    int                         rc;
    uint32_t                    i, k, count, best_count;
    const krj_snap_t           *snap;
    const krj_snap_category_t  *a, *b, *best;

    snap = pg->snap;
    best = NULL;
    best_count = 0;

    if (set == NULL) {
        n = snap->hdr->ncategories;
    }

    for (i = 0; i < n; i++) {
        a = krj_page_nth(pg, set, i);

        if (a == NULL) {
            continue;
        }

        count = 0;

        for (k = 0; k < n; k++) {
            b = krj_page_nth(pg, set, k);

            if (b != NULL && b->signal_date.len == a->signal_date.len
                && memcmp(krj_snap_ptr(snap, a->signal_date),
                          krj_snap_ptr(snap, b->signal_date),
                          a->signal_date.len)
                   == 0)
            {
                count++;
            }
        }

        if (best != NULL && count == best_count) {
            rc = memcmp(krj_snap_ptr(snap, a->signal_date),
                        krj_snap_ptr(snap, best->signal_date),
                        a->signal_date.len < best->signal_date.len
                        ? a->signal_date.len : best->signal_date.len);

            if (rc <= 0) {
                continue;
            }

        } else if (count < best_count) {
            continue;
        }

        best = a;
        best_count = count;
    }

    return best;
}


/* the i-th category of set, or of the tab order when it is readable */

static const krj_snap_category_t *
krj_page_nth(const krj_page_t *pg, const uint32_t *set, uint32_t i)
{
    const krj_snap_category_t  *cat;

    if (set != NULL) {
        return &pg->snap->categories[set[i]];
    }

    cat = &pg->snap->categories[krj_snap_tabs(pg->snap)[i]];

    return krj_page_readable(pg, cat) ? cat : NULL;
}


static void
krj_page_piece(krj_pieces_t *pc, const void *data, size_t len)
{
    if (len == 0) {
        return;
    }

    if (pc->pieces) {
        pc->pieces[pc->n].data = data;
        pc->pieces[pc->n].len = len;
    }

    pc->n++;
    pc->len += len;
}


/* s as stored blocks, non-final, on the byte boundary the spans end on */

static void
krj_page_stored(krj_pieces_t *pc, krj_str_t s)
{
    size_t    k, n;
    uint8_t  *h;

    for (k = 0; k < s.len; k += n) {
        n = s.len - k < KRJ_PAGE_STORED_MAX ? s.len - k : KRJ_PAGE_STORED_MAX;

        /* BFINAL 0, BTYPE 00, then LEN and NLEN, little-endian */

        h = pc->scratch ? pc->scratch + pc->nscratch : NULL;

        if (h) {
            h[0] = 0;
            h[1] = (uint8_t) n;
            h[2] = (uint8_t) (n >> 8);
            h[3] = (uint8_t) ~n;
            h[4] = (uint8_t) (~n >> 8);
        }

        krj_page_piece(pc, h, 5);
        pc->nscratch += 5;

        krj_page_piece(pc, s.data + k, n);
    }
}
