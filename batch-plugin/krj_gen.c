
/*
 * Copyright (C) The krj developers
 */


/*
 * A generation, published: every output staged, then renamed into place
 * in order, CSVs, snapshot, metadata.json.  run, an outbox delivery and
 * follow all come here, so that the same categories and the same
 * generation time give the same bytes on every node.
 */


#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "krj_assets.h"
#include "krj_date.h"
#include "krj_gen.h"
#include "krj_history.h"
#include "krj_history_write.h"
#include "krj_log.h"
#include "krj_publish.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"
#include "krj_threads.h"


static int krj_gen_other_input(const char *path, const krj_gen_t *g);
static int krj_gen_unchanged(const krj_conf_t *conf, krj_gen_t *g);
static int krj_gen_write(const krj_conf_t *conf, krj_gen_t *g,
    krj_link_t *l, const krj_snap_input_t *in, int64_t now);


int
krj_gen_alloc(krj_gen_t *g, uint32_t n)
{
    memset(g, 0, sizeof(krj_gen_t));

    g->cats = calloc(n ? n : 1, sizeof(krj_gen_cat_t));
    if (g->cats == NULL) {
        return -1;
    }

    g->ncats = n;
    g->outcome = "published";

    return 0;
}


void
krj_gen_free(krj_gen_t *g)
{
    uint32_t  i;

    for (i = 0; g->cats != NULL && i < g->ncats; i++) {
        if (g->cats[i].parsed) {
            krj_csv_free(&g->cats[i].csv);
        }

        free(g->cats[i].data);
    }

    free(g->cats);
    g->cats = NULL;
    g->ncats = 0;
}


int
krj_gen_parse(krj_gen_cat_t *c, size_t max_size, char *err)
{
    if (!c->parsed) {
        if (krj_csv_parse(&c->csv, c->data, c->len, max_size, NULL, NULL)
            != 0)
        {
            snprintf(err, KRJ_PUBLISH_ERRLEN, "%s:%u: %s", c->source_file,
                     c->csv.err_line, c->csv.err);
            krj_csv_free(&c->csv);
            return -1;
        }

        c->parsed = 1;
    }

    /* the published bytes: a BOM is not part of them */
    if (krj_sha256_hex(c->csv.data, c->csv.len, c->sha256) != 0) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "SHA-256 failed");
        return -1;
    }

    return 0;
}


/*
 * SHA-256 over the rendering, the weeks of history, the assets' digests
 * (a krj-batch built with another stylesheet republishes), then per
 * category slug, date, source file and CSV digest
 */
void
krj_gen_digest(krj_gen_t *g)
{
    char                 weeks[32], hex[65];
    size_t               i;
    uint32_t             k;
    EVP_MD_CTX          *md;
    const krj_asset_t   *a;
    const krj_gen_cat_t *c;
    static const char    digits[] = "0123456789abcdef";

    memset(g->input_digest, 0, 32);

    md = EVP_MD_CTX_new();

    if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {

        /* a new rendering republishes the same input in its layout */
        EVP_DigestUpdate(md, KRJ_SNAP_RENDERING, sizeof(KRJ_SNAP_RENDERING));

        /* another --history-weeks is another snapshot of the same files */
        snprintf(weeks, sizeof(weeks), "history-weeks=%u", g->history_weeks);
        EVP_DigestUpdate(md, weeks, strlen(weeks) + 1);

        for (k = 0; (a = krj_asset_get(k)) != NULL; k++) {
            if (krj_sha256_hex(a->data, a->len, hex) == 0) {
                EVP_DigestUpdate(md, hex, sizeof(hex));
            }
        }

        for (k = 0; k < g->ncats; k++) {
            c = &g->cats[k];
            EVP_DigestUpdate(md, c->slug, strlen(c->slug) + 1);
            EVP_DigestUpdate(md, c->signal_date, strlen(c->signal_date) + 1);
            EVP_DigestUpdate(md, c->source_file, strlen(c->source_file) + 1);
            EVP_DigestUpdate(md, c->sha256, 65);
        }

        EVP_DigestFinal_ex(md, g->input_digest, NULL);
    }

    EVP_MD_CTX_free(md);

    for (i = 0; i < 32; i++) {
        g->input_hex[2 * i] = digits[g->input_digest[i] >> 4];
        g->input_hex[2 * i + 1] = digits[g->input_digest[i] & 0xf];
    }

    g->input_hex[64] = '\0';
}


void
krj_gen_name(const uint8_t *checksum, char *generation)
{
    int                i;
    static const char  digits[] = "0123456789abcdef";

    for (i = 0; i < KRJ_GEN_LEN / 2; i++) {
        generation[2 * i] = digits[checksum[i] >> 4];
        generation[2 * i + 1] = digits[checksum[i] & 0xf];
    }

    generation[KRJ_GEN_LEN] = '\0';
}


const char *
krj_gen_signal_date(const krj_gen_t *g)
{
    uint32_t     k;
    const char  *newest;

    newest = "";

    for (k = 0; k < g->ncats; k++) {
        if (strcmp(g->cats[k].signal_date, newest) > 0) {
            newest = g->cats[k].signal_date;
        }
    }

    return newest;
}


int
krj_gen_publish(const krj_conf_t *conf, krj_gen_t *g, krj_link_t *l)
{
    int                rc;
    int64_t            now;
    uint32_t           k;
    krj_snap_input_t  *in;

    if (krj_gen_unchanged(conf, g)) {
        g->unchanged = 1;
        return 0;
    }

    in = calloc(g->ncats ? g->ncats : 1, sizeof(krj_snap_input_t));
    if (in == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "out_of_memory", NULL, 0, "out of memory");
        return -1;
    }

    for (k = 0; k < g->ncats; k++) {
        in[k].slug = g->cats[k].slug;
        in[k].label = g->cats[k].label;
        in[k].signal_date = g->cats[k].signal_date;
        in[k].source_file = g->cats[k].source_file;
        in[k].csv = &g->cats[k].csv;
        memcpy(in[k].sha256, g->cats[k].sha256, 65);
    }

    now = (g->generated_at != 0) ? g->generated_at : (int64_t) time(NULL);

    rc = krj_gen_write(conf, g, l, in, now);

    free(in);

    return rc;
}


/* 1 when path's header is a snapshot's of another input digest */
static int
krj_gen_other_input(const char *path, const krj_gen_t *g)
{
    int                 fd;
    ssize_t             n;
    krj_snap_header_t   h;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return 0;
    }

    n = pread(fd, &h, sizeof(krj_snap_header_t), 0);
    close(fd);

    return n == (ssize_t) sizeof(krj_snap_header_t)
           && memcmp(h.magic, KRJ_SNAP_MAGIC, KRJ_SNAP_MAGIC_LEN) == 0
           && memcmp(h.input_digest, g->input_digest, 32) != 0;
}


/*
 * 1 when the published snapshot is valid, was made from this very input
 * (at the imposed time, if any), and metadata.json and every
 * latest_{slug}.csv are still in place.
 */
static int
krj_gen_unchanged(const krj_conf_t *conf, krj_gen_t *g)
{
    int                          same;
    char                         path[PATH_MAX];
    char                         err[KRJ_PUBLISH_ERRLEN];
    size_t                       len, clen;
    uint8_t                     *data, *csv;
    uint32_t                     i;
    krj_snap_t                   snap;
    struct stat                  st;
    const krj_gen_cat_t         *c;
    const krj_snap_category_t   *cat;

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_SNAPSHOT_NAME);

    /*
     * Another input (a new week, the common case) shows in the header:
     * then the published file is not read and hashed whole for nothing.
     * A header that lies only makes it replaced.
     */
    if (krj_gen_other_input(path, g)) {
        return 0;
    }

    if (krj_file_read(path, KRJ_SNAP_MAX_SIZE, &data, &len, err) != 0) {
        return 0;
    }

    same = 0;

    if (krj_snap_open(&snap, data, len, err) != 0) {
        krj_log_event(KRJ_LOG_WARN, "snapshot_replaced", path, 0, "published "
                      "snapshot is invalid (%s), replacing it", err);
        goto cleanup;
    }

    /* the input digest leaves the format out: 3 and 4 are one input */
    if (memcmp(snap.hdr->input_digest, g->input_digest, 32) != 0
        || snap.hdr->version != (uint32_t) conf->snapshot_format
        || snap.hdr->ncategories != g->ncats
        || (g->generated_at != 0
            && snap.hdr->generated_at != g->generated_at))
    {
        goto cleanup;
    }

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_METADATA_NAME);

    if (stat(path, &st) != 0) {
        goto cleanup;
    }

    for (i = 0; i < g->ncats; i++) {
        c = &g->cats[i];

        cat = krj_snap_find_category(&snap, c->slug, strlen(c->slug));
        if (cat == NULL) {
            goto cleanup;
        }

        snprintf(path, sizeof(path), "%s/latest_%s.csv", conf->output,
                 c->slug);

        if (krj_file_read(path, cat->csv.len, &csv, &clen, err) != 0) {
            goto cleanup;
        }

        same = (clen == cat->csv.len
                && memcmp(csv, krj_snap_ptr(&snap, cat->csv), clen) == 0);
        free(csv);

        if (!same) {
            goto cleanup;
        }
    }

    g->generated_at = snap.hdr->generated_at;
    g->snapshot_len = len;
    krj_gen_name(snap.hdr->checksum, g->generation);
    same = 1;

cleanup:

    free(data);

    return same;
}


static int
krj_gen_write(const krj_conf_t *conf, krj_gen_t *g, krj_link_t *l,
    const krj_snap_input_t *in, int64_t now)
{
    int             rc;
    char            name[KRJ_GEN_SOURCE_MAX], iso[32];
    char            err[KRJ_PUBLISH_ERRLEN];
    char           *meta;
    size_t          len;
    uint32_t        k, nst, n;
    long long       started;
    krj_buf_t       snap;
    krj_snap_t      check;
    krj_stage_t    *st;
    krj_history_t   hist;

    rc = -1;
    meta = NULL;
    nst = 0;
    n = g->ncats;
    krj_buf_init(&snap);
    memset(&hist, 0, sizeof(krj_history_t));

    st = calloc(n + 2, sizeof(krj_stage_t));
    if (st == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "out_of_memory", NULL, 0, "out of memory");
        return -1;
    }

    krj_date_iso(now, iso);
    krj_threads_set(conf->threads);

    /* hashed once, by krj_history_write() */
    if (krj_snap_build(&snap, in, n, now, g->input_digest,
                       (uint32_t) conf->snapshot_format,
                       "krj-batch " KRJ_VERSION, err)
        != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "publish_failed", NULL, 0, "cannot build "
                      "the snapshot: %s", err);
        goto cleanup;
    }

    len = snap.len;

    /* read before anything is replaced: it carries the published weeks */
    if (krj_history_collect(conf, l, g, &hist) != 0) {
        goto cleanup;
    }

    started = krj_link_now();

    if (krj_history_write(&snap, &hist, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "publish_failed", NULL, 0,
                      "cannot build the snapshot: %s", err);
        goto cleanup;
    }

    krj_log_event(KRJ_LOG_DEBUG, "history_written", NULL, 0, "history: %zu "
                  "bytes written in %lld ms", snap.len - len,
                  krj_link_now() - started);

    /*
     * what the module will refuse must never be published; the digest is
     * the one just computed, so every check but hashing it again
     */
    if (krj_snap_open_built(&check, snap.data, snap.len, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "publish_failed", NULL, 0, "built "
                      "snapshot is invalid: %s", err);
        goto cleanup;
    }

    meta = krj_metadata_render(in, n, iso);
    if (meta == NULL) {
        krj_log_event(KRJ_LOG_ERROR, "publish_failed", NULL, 0, "cannot render "
                      "metadata.json");
        goto cleanup;
    }

    /* stage everything first: a failure here replaces nothing */
    g->published = 0;

    for (k = 0; k < n; k++) {
        if (!g->cats[k].from_input) {
            continue;
        }

        snprintf(name, sizeof(name), "latest_%s.csv", in[k].slug);

        if (krj_stage_file(&st[nst], conf->output, name, in[k].csv->data,
                           in[k].csv->len, 0644, err)
            != 0)
        {
            krj_log_event(KRJ_LOG_ERROR, "publish_failed", NULL, 0, "%s", err);
            goto cleanup;
        }

        nst++;
        g->published++;
    }

    if (krj_stage_file(&st[nst++], conf->output, KRJ_SNAPSHOT_NAME,
                       snap.data, snap.len, 0644, err)
        != 0
        || krj_stage_file(&st[nst++], conf->output, KRJ_METADATA_NAME,
                          meta, strlen(meta), 0644, err)
           != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "publish_failed", NULL, 0, "%s", err);
        goto cleanup;
    }

    for (k = 0; k < nst; k++) {
        if (krj_stage_commit(&st[k], err) != 0) {
            krj_log_event(KRJ_LOG_ERROR, "publish_failed", NULL, 0, "%s", err);
            goto cleanup;
        }
    }

    if (krj_sync_dir(conf->output, err) != 0) {
        krj_log_event(KRJ_LOG_ERROR, "publish_failed", NULL, 0, "%s", err);
        goto cleanup;
    }

    g->generated_at = now;
    g->snapshot_len = snap.len;
    krj_gen_name(check.hdr->checksum, g->generation);

    for (k = 0; k < n; k++) {
        krj_log_event(KRJ_LOG_INFO, "published", in[k].source_file, 0,
                      "published %s (%s, %u rows, %u columns)", in[k].slug,
                      in[k].signal_date, in[k].csv->nrows,
                      in[k].csv->ncolumns);
    }

    rc = 0;

cleanup:

    for (k = 0; k < nst; k++) {
        krj_stage_discard(&st[k]);
    }

    free(st);
    free(meta);
    krj_buf_free(&snap);
    krj_history_free(&hist);

    return rc;
}
