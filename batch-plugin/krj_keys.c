
/*
 * Copyright (C) The krj developers
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_buf.h"
#include "krj_keys.h"
#include "krj_log.h"
#include "krj_pfile.h"
#include "krj_principal.h"
#include "krj_run.h"


int
krj_keys_add(const krj_conf_t *conf, const char *id)
{
    int               rc, status;
    char              err[KRJ_PUBLISH_ERRLEN], key[KRJ_KEY_LEN + 1];
    char              digest[KRJ_DIGEST_LEN + 1], expires[11], created[11];
    long              today;
    uint8_t          *line;
    krj_buf_t         out;
    krj_span_t        name;
    krj_pfile_t       pf;
    krj_pline_t       l;
    const char       *path;
    krj_key_entry_t   e;

    path = conf->key_file;
    expires[0] = '\0';

    /* everything the operator typed is checked before the file is locked */
    if (krj_name_check(id, strlen(id), KRJ_NAME_KEY, err) != 0) {
        fprintf(stderr, "krj-batch: %s\n", err);
        return KRJ_EXIT_USAGE;
    }

    /* the option table checked the values, not that one is given */
    if (conf->scopes == NULL) {
        fprintf(stderr, "krj-batch: keys add needs --scopes, e.g. "
                "--scopes sp500,sp100 or --scopes '*'\n");
        return KRJ_EXIT_USAGE;
    }

    today = krj_date_today();
    krj_date_format(today, created);

    if (conf->expires != 0) {
        krj_date_format(conf->expires, expires);

        /* a key is refused from its expiry date on */
        if (conf->expires <= today) {
            fprintf(stderr, "krj-batch: --expires: %s is not after today "
                    "(%s, UTC)\n", expires, created);
            return KRJ_EXIT_USAGE;
        }
    }

    if (krj_pfile_open(&pf, path, 1, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s; nothing replaced", err);
        return KRJ_EXIT_FAILED;
    }

    krj_buf_init(&out);
    status = KRJ_EXIT_FAILED;

    l.next = 0;
    l.number = 0;

    while (krj_pfile_next_line(&pf, &l)) {
        rc = krj_key_line_parse((char *) pf.data + l.start, l.len, &e, err);

        if (rc == KRJ_LINE_SKIP) {
            continue;
        }

        if (rc == KRJ_LINE_BAD) {
            krj_log(KRJ_LOG_WARN, path, l.number, "%s; line kept as it is",
                    err);
        }

        /* a malformed line's id is taken too: fixed, it would collide */
        name = krj_line_name((char *) pf.data + l.start, l.len);

        if (name.len == strlen(id)
            && memcmp(name.data, id, name.len) == 0)
        {
            fprintf(stderr, "krj-batch: key id \"%s\" already exists in "
                    "%s, line %u\n", id, path, l.number);
            status = KRJ_EXIT_USAGE;
            goto cleanup;
        }
    }

    if (krj_key_generate(key) != 0
        || krj_key_digest(key, KRJ_KEY_LEN, digest) != 0)
    {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "cannot generate a key: OpenSSL "
                "failed");
        goto cleanup;
    }

    krj_buf_append(&out, pf.data, pf.len);

    if (pf.len > 0 && pf.data[pf.len - 1] != '\n') {
        krj_buf_byte(&out, '\n');
    }

    krj_buf_printf(&out, "%s:%s:%s:", id, digest, conf->scopes);

    if (conf->rate.n != 0) {
        krj_buf_printf(&out, "rate=%ur/%c,", conf->rate.n, conf->rate.unit);
    }

    if (conf->expires != 0) {
        krj_buf_printf(&out, "expires=%s,", expires);
    }

    krj_buf_printf(&out, "created=%s\n", created);

    if (out.failed) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        goto cleanup;
    }

    /* what the module would skip must never be written */
    line = out.data + out.len - 1;
    while (line > out.data && line[-1] != '\n') {
        line--;
    }

    if (krj_key_line_parse((char *) line, out.data + out.len - 1 - line, &e,
                           err)
        != KRJ_LINE_ENTRY)
    {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "new key line is invalid: %s",
                err);
        goto cleanup;
    }

    if (krj_pfile_write(&pf, out.data, out.len, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s; nothing replaced", err);
        goto cleanup;
    }

    printf("added key \"%s\" to %s\n", id, path);
    printf("  scopes   %s\n", conf->scopes);

    if (conf->rate.n != 0) {
        printf("  rate     %ur/%c\n", conf->rate.n, conf->rate.unit);
    }

    printf("  expires  %s\n", conf->expires != 0 ? expires : "never");
    printf("  created  %s\n", created);
    printf("the key follows; only its digest is stored, it is shown only "
           "this once:\n%s\n", key);

    status = KRJ_EXIT_OK;

cleanup:

    explicit_bzero(key, sizeof(key));
    krj_buf_free(&out);
    krj_pfile_close(&pf);

    return status;
}


int
krj_keys_list(const krj_conf_t *conf, const char *arg)
{
    int               rc, pass, wid, wscopes, n;
    char              err[KRJ_PUBLISH_ERRLEN];
    long              today;
    krj_pfile_t       pf;
    krj_pline_t       l;
    const char       *path;
    krj_key_entry_t   e;

    (void) arg;
    path = conf->key_file;

    if (krj_pfile_open(&pf, path, 0, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s", err);
        return KRJ_EXIT_FAILED;
    }

    if (!pf.exists) {
        krj_log(KRJ_LOG_WARN, path, 0, "no such file: no keys");
    }

    today = krj_date_today();
    wid = 2;
    wscopes = 6;
    n = 0;

    /* the first pass measures the columns and warns, the second prints */
    for (pass = 0; pass < 2; pass++) {

        if (pass == 1 && n > 0) {
            printf("%-*s  %-7s  %-*s  %s\n", wid, "ID", "STATUS", wscopes,
                   "SCOPES", "OPTIONS");
        }

        l.next = 0;
        l.number = 0;

        while (krj_pfile_next_line(&pf, &l)) {
            rc = krj_key_line_parse((char *) pf.data + l.start, l.len, &e,
                                    err);

            if (rc == KRJ_LINE_SKIP) {
                continue;
            }

            if (rc == KRJ_LINE_BAD) {
                if (pass == 0) {
                    krj_log(KRJ_LOG_WARN, path, l.number, "%s; line skipped",
                            err);
                }

                continue;
            }

            if (pass == 0) {
                n++;
                wid = (int) e.id.len > wid ? (int) e.id.len : wid;
                wscopes = (int) e.scopes.len > wscopes ? (int) e.scopes.len
                                                       : wscopes;
                continue;
            }

            printf("%-*.*s  %-7s  %-*.*s  %.*s\n", wid, (int) e.id.len,
                   e.id.data,
                   (e.expires != -1 && today >= e.expires) ? "expired"
                                                           : "active",
                   wscopes, (int) e.scopes.len, e.scopes.data,
                   e.options.len ? (int) e.options.len : 1,
                   e.options.len ? e.options.data : "-");
        }
    }

    if (n == 0) {
        printf("no keys in %s\n", path);
    }

    krj_pfile_close(&pf);

    return KRJ_EXIT_OK;
}


int
krj_keys_revoke(const krj_conf_t *conf, const char *id)
{
    int          status;
    unsigned     n;
    const char  *path;

    path = conf->key_file;

    if (id[0] == '\0') {
        fprintf(stderr, "krj-batch: empty key id\n");
        return KRJ_EXIT_USAGE;
    }

    status = krj_pfile_remove(path, id, &n);

    if (status == KRJ_EXIT_USAGE) {
        fprintf(stderr, "krj-batch: no key \"%s\" in %s\n", id,
                path);
    }

    if (status != KRJ_EXIT_OK) {
        return status;
    }

    printf("revoked key \"%s\" in %s", id, path);

    if (n > 1) {
        printf(" (%u lines)", n);
    }

    printf("\nnginx stops accepting it within krj_reload_interval\n");

    return KRJ_EXIT_OK;
}
