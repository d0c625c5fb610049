
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


static int krj_keys_parse(const char *p, size_t len,
    krj_principal_entry_t *e, char *err);
static void krj_keys_row(void *ctx, const krj_principal_entry_t *e,
    krj_span_t *cells);
static int krj_keys_line(void *ctx, krj_buf_t *out,
    const krj_principal_entry_t *old);


static const krj_principal_kind_t  krj_keys_kind = {
    "key", "keys", "key id", "revoke", KRJ_NAME_KEY, 0,
    krj_keys_parse,
    {
        { "ID", 2 },
        { "STATUS", 7 },                /* "expired" */
        { "SCOPES", 6 },
        { "OPTIONS", 7 },
        { NULL, 0 }
    },
    krj_keys_row
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
        krj_log(KRJ_LOG_ERROR, NULL, 0, "cannot generate a key: OpenSSL "
                "failed");
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
    long  today;

    (void) arg;

    today = krj_date_today();

    return krj_principals_list(&krj_keys_kind, conf->key_file, &today);
}


static void
krj_keys_row(void *ctx, const krj_principal_entry_t *e, krj_span_t *cells)
{
    long  today;

    today = *(long *) ctx;

    cells[0] = e->key.id;

    cells[1].data = (e->key.expires != -1 && today >= e->key.expires)
                    ? "expired" : "active";
    cells[1].len = strlen(cells[1].data);

    cells[2] = e->key.scopes;

    /* neither keys nor digests are ever shown */
    if (e->key.options.len > 0) {
        cells[3] = e->key.options;

    } else {
        cells[3].data = "-";
        cells[3].len = 1;
    }
}


int
krj_keys_revoke(const krj_conf_t *conf, const char *id)
{
    int       status;
    unsigned  n;

    status = krj_principals_remove(&krj_keys_kind, conf->key_file, id, &n);

    if (status != KRJ_EXIT_OK) {
        return status;
    }

    printf("revoked key \"%s\" in %s", id, conf->key_file);

    if (n > 1) {
        printf(" (%u lines)", n);
    }

    printf("\nnginx stops accepting it within krj_reload_interval\n");
    fflush(stdout);

    return krj_principals_share(conf, "key", id, NULL);
}


static int
krj_keys_parse(const char *p, size_t len, krj_principal_entry_t *e,
    char *err)
{
    return krj_key_line_parse(p, len, &e->key, err);
}
