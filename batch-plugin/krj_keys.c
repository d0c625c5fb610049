
/*
 * Copyright (C) The krj developers
 */


/*
 * What is particular to API keys: a key is made with OpenSSL's RAND_bytes,
 * only its digest is stored, and it is printed once.  The file handling
 * is krj_principals.c's.
 */


#include <stdio.h>
#include <string.h>

#include "krj_buf.h"
#include "krj_keygen.h"
#include "krj_keys.h"
#include "krj_log.h"
#include "krj_pg.h"
#include "krj_principals.h"
#include "krj_run.h"


typedef struct {
    const krj_conf_t   *conf;
    const char         *id;
    char                key[KRJ_KEY_LEN + 1];
    char                expires[11];
    char                created[11];
    krj_buf_t           line;           /* the line written, NUL ended */
} krj_keys_new_t;


typedef struct {
    long                today;
    char                date[11];       /* today, YYYY-MM-DD */
    long                already;        /* the day of an earlier
                                           revocation, or -1 */
    unsigned            revoked;        /* lines given revoked= */
    krj_buf_t           line;           /* the first of them, NUL ended */
} krj_keys_revoke_t;


typedef struct {
    long                today;
    char                status[32];     /* "revoked 2026-11-22" */
} krj_keys_list_t;


static int krj_keys_parse(const char *p, size_t len,
    krj_principal_entry_t *e, char *err);
static void krj_keys_row(void *ctx, const krj_principal_entry_t *e,
    krj_span_t *cells);
static int krj_keys_line(void *ctx, krj_buf_t *out,
    const krj_principal_entry_t *old);
static int krj_keys_revoke_line(void *ctx, krj_buf_t *out, const char *line,
    size_t len, const krj_principal_entry_t *e);
static long krj_keys_revoked(const krj_principal_entry_t *e);


static const krj_principal_kind_t  krj_keys_kind = {
    "key", "keys", "key id", "revoke", KRJ_NAME_KEY, 0,
    krj_keys_parse,
    {
        { "ID", 2 },
        { "STATUS", 7 },                /* "expired", "revoked DATE" */
        { "SCOPES", 6 },
        { "OPTIONS", 7 },
        { NULL, 0 }
    },
    krj_keys_row,
    krj_keys_revoked
};


int
krj_keys_add(const krj_conf_t *conf, const char *id)
{
    int             status, replaced;
    long            today;
    krj_keys_new_t  k;

    memset(&k, 0, sizeof(krj_keys_new_t));
    k.conf = conf;
    k.id = id;
    krj_buf_init(&k.line);

    /* everything the operator typed is checked before the file is locked */
    if (krj_principals_check_name(&krj_keys_kind, id) != KRJ_EXIT_OK) {
        return KRJ_EXIT_USAGE;
    }

    /* the option table checked the values, not that one is given */
    if (conf->scopes == NULL) {
        fprintf(stderr, "krj-batch: keys add needs --scopes, e.g. "
                "--scopes sp500,sp100 or --scopes '*'\n");
        return KRJ_EXIT_USAGE;
    }

    today = krj_date_today();
    krj_date_format(today, k.created);

    if (conf->expires != 0) {
        krj_date_format(conf->expires, k.expires);

        /* a key is refused from its expiry date on */
        if (conf->expires <= today) {
            fprintf(stderr, "krj-batch: --expires: %s is not after today "
                    "(%s, UTC)\n", k.expires, k.created);
            return KRJ_EXIT_USAGE;
        }
    }

    status = krj_principals_add(&krj_keys_kind, conf->key_file, &conf->group,
                                id, krj_keys_line, &k, &replaced);

    if (status == KRJ_EXIT_OK) {
        printf("added key \"%s\" to %s\n", id, conf->key_file);
        printf("  scopes   %s\n", conf->scopes);

        if (conf->rate.n != 0) {
            printf("  rate     %ur/%c\n", conf->rate.n, conf->rate.unit);
        }

        printf("  expires  %s\n", conf->expires != 0 ? k.expires : "never");
        printf("  created  %s\n", k.created);

        /* a client that tries it at once must not count failed logins */
        printf("  usable   now on this node: nginx reads the key file again "
               "for a key it does\n           not know%s\n",
               krj_pg_configured(conf)
               ? "; on the followers once they have synced (krj:updates)"
               : "");
        printf("the key follows; only its digest is stored, it is shown "
               "only this once:\n%s\n", k.key);
        fflush(stdout);

        /* the key is out: the other nodes learn its digest */
        status = k.line.failed
                 ? KRJ_EXIT_FAILED
                 : krj_principals_share(conf, "key", id,
                                        (const char *) k.line.data);
    }

    explicit_bzero(k.key, sizeof(k.key));
    krj_buf_free(&k.line);

    return status;
}


/* made with the file locked: no key is shown that was not stored */
static int
krj_keys_line(void *ctx, krj_buf_t *out, const krj_principal_entry_t *old)
{
    char             digest[KRJ_DIGEST_LEN + 1];
    size_t           start;
    krj_keys_new_t  *k;

    k = ctx;
    start = out->len;

    /* an id is never replaced: krj_keys_kind.replace is 0 */
    (void) old;

    if (krj_key_generate(k->key) != 0
        || krj_key_digest(k->key, KRJ_KEY_LEN, digest) != 0)
    {
        krj_log_event(KRJ_LOG_ERROR, "keygen_failed", NULL, 0, "cannot "
                      "generate a key: OpenSSL failed");
        return -1;
    }

    krj_buf_printf(out, "%s:%s:%s:", k->id, digest, k->conf->scopes);

    if (k->conf->rate.n != 0) {
        krj_buf_printf(out, "rate=%ur/%c,", k->conf->rate.n,
                       k->conf->rate.unit);
    }

    if (k->conf->expires != 0) {
        krj_buf_printf(out, "expires=%s,", k->expires);
    }

    krj_buf_printf(out, "created=%s\n", k->created);

    if (!out->failed) {
        krj_buf_reset(&k->line);
        krj_buf_append(&k->line, out->data + start, out->len - start - 1);
        krj_buf_byte(&k->line, '\0');
    }

    return 0;
}


int
krj_keys_list(const krj_conf_t *conf, const char *arg)
{
    krj_keys_list_t  kl;

    (void) arg;

    kl.today = krj_date_today();

    return krj_principals_list(&krj_keys_kind, conf->key_file, &kl);
}


static void
krj_keys_row(void *ctx, const krj_principal_entry_t *e, krj_span_t *cells)
{
    char             day[11];
    krj_keys_list_t  *kl;

    kl = ctx;

    cells[0] = e->key.id;

    /* a revocation is the one state that cannot pass */
    if (e->key.revoked != -1 && kl->today >= e->key.revoked) {
        krj_date_format(e->key.revoked, day);
        snprintf(kl->status, sizeof(kl->status), "revoked %s", day);

    } else {
        snprintf(kl->status, sizeof(kl->status), "%s",
                 (e->key.expires != -1 && kl->today >= e->key.expires)
                 ? "expired" : "active");
    }

    cells[1].data = kl->status;
    cells[1].len = strlen(kl->status);

    cells[2] = e->key.scopes;

    /* neither keys nor digests are ever shown */
    if (e->key.options.len > 0) {
        cells[3] = e->key.options;

    } else {
        cells[3].data = "-";
        cells[3].len = 1;
    }
}


static long
krj_keys_revoked(const krj_principal_entry_t *e)
{
    return e->key.revoked;
}


/*
 * The key's line stays, with revoked=today: the module refuses it as
 * revoked (and counts it so) rather than as unknown, and "keys add"
 * never gives its id to another key.
 */
int
krj_keys_revoke(const krj_conf_t *conf, const char *id)
{
    int                status;
    char               day[11];
    unsigned           n;
    krj_keys_revoke_t  r;

    memset(&r, 0, sizeof(krj_keys_revoke_t));
    r.today = krj_date_today();
    krj_date_format(r.today, r.date);
    r.already = -1;
    krj_buf_init(&r.line);

    status = krj_principals_edit(&krj_keys_kind, conf->key_file, id,
                                 krj_keys_revoke_line, &r, &n);

    if (status == KRJ_EXIT_USAGE && n > 0) {
        krj_date_format(r.already, day);
        fprintf(stderr, "krj-batch: key \"%s\" was already revoked on %s "
                "in %s; nothing was changed\n", id, day, conf->key_file);
    }

    if (status != KRJ_EXIT_OK) {
        goto cleanup;
    }

    if (r.revoked > 0) {
        printf("revoked key \"%s\" in %s on %s", id, conf->key_file,
               r.date);

    } else {
        printf("removed the malformed line%s of key \"%s\" from %s",
               n > 1 ? "s" : "", id, conf->key_file);
    }

    if (n > 1) {
        printf(" (%u lines)", n);
    }

    printf("\nnginx refuses it within krj_reload_interval\n");
    fflush(stdout);

    if (r.line.failed) {
        status = KRJ_EXIT_FAILED;
        goto cleanup;
    }

    /* the other nodes get the revoked line, not a deletion */
    status = krj_principals_share(conf, "key", id,
                                  r.line.len ? (const char *) r.line.data
                                             : NULL);

cleanup:

    krj_buf_free(&r.line);

    return status;
}


/*
 * "id:digest:scopes:options,revoked=DATE": a revoked= to come is brought
 * forward to today; one of today or before stays as it is.
 */
static int
krj_keys_revoke_line(void *ctx, krj_buf_t *out, const char *line,
    size_t len, const krj_principal_entry_t *e)
{
    size_t                  start;
    const char             *p, *q, *end, *sep;
    krj_keys_revoke_t      *r;
    const krj_key_entry_t  *k;

    r = ctx;
    k = &e->key;
    start = out->len;

    if (k->revoked != -1 && k->revoked <= r->today) {
        r->already = (r->already == -1 || k->revoked < r->already)
                     ? k->revoked : r->already;
        krj_buf_append(out, line, len);

        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }

        if (r->line.len == 0) {
            krj_buf_append(&r->line, line, len);
            krj_buf_byte(&r->line, '\0');
        }

        return 0;
    }

    krj_buf_printf(out, "%.*s:%.*s:%.*s:", (int) k->id.len, k->id.data,
                   (int) k->digest.len, k->digest.data,
                   (int) k->scopes.len, k->scopes.data);

    sep = "";
    end = k->options.data + k->options.len;

    for (p = k->options.data; k->options.len > 0 && p < end; p = q + 1) {
        q = memchr(p, ',', end - p);

        if (q == NULL) {
            q = end;
        }

        if ((size_t) (q - p) >= 8 && memcmp(p, "revoked=", 8) == 0) {
            continue;
        }

        krj_buf_printf(out, "%s%.*s", sep, (int) (q - p), p);
        sep = ",";
    }

    krj_buf_printf(out, "%srevoked=%s", sep, r->date);

    /* the line shared is a revoked one, the first */
    if (r->revoked++ == 0 && !out->failed) {
        krj_buf_reset(&r->line);
        krj_buf_append(&r->line, out->data + start, out->len - start);
        krj_buf_byte(&r->line, '\0');
    }

    /* a CRLF line stays one */
    if (len > 0 && line[len - 1] == '\r') {
        krj_buf_byte(out, '\r');
    }

    return 0;
}


static int
krj_keys_parse(const char *p, size_t len, krj_principal_entry_t *e,
    char *err)
{
    return krj_key_line_parse(p, len, &e->key, err);
}
