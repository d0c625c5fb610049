
/*
 * Copyright (C) The krj developers
 */


#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_buf.h"
#include "krj_keygen.h"
#include "krj_keys.h"
#include "krj_log.h"
#include "krj_pfile.h"
#include "krj_principal.h"
#include "krj_run.h"


typedef struct {
    const char     *id;
    const char     *scopes;
    const char     *rate;
    const char     *expires;
} krj_key_add_t;


static int krj_keys_add(const char *path, const krj_key_add_t *add);
static int krj_keys_list(const char *path);
static int krj_keys_revoke(const char *path, const char *id);
static void krj_keys_usage(FILE *f, const char *sub);


static const char  krj_keys_help_file[] =
    "  --key-file PATH      the key file (env KRJ_KEY_FILE, default\n"
    "                       " KRJ_DEFAULT_KEY_FILE ")\n"
    "  --help               this text\n";

static const char  krj_keys_help_exit[] =
    "Exit status:\n"
    "  0  done\n"
    "  1  usage or validation error (bad option or value, duplicate or\n"
    "     unknown id); nothing was changed\n"
    "  3  the key file could not be read or written; nothing was replaced\n";


int
krj_keys_main(int argc, char **argv)
{
    int             c;
    const char     *sub, *path;
    krj_key_add_t   add;
    struct option   opts[] = {
        { "scopes", required_argument, NULL, 's' },
        { "rate", required_argument, NULL, 'r' },
        { "expires", required_argument, NULL, 'e' },
        { "key-file", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    if (argc < 2 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "-h") == 0)
    {
        krj_keys_usage(argc < 2 ? stderr : stdout, NULL);
        return argc < 2 ? KRJ_EXIT_USAGE : KRJ_EXIT_OK;
    }

    sub = argv[1];

    if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0
        && strcmp(sub, "revoke") != 0)
    {
        fprintf(stderr, "krj-batch: unknown keys command \"%s\"\n", sub);
        krj_keys_usage(stderr, NULL);
        return KRJ_EXIT_USAGE;
    }

    path = getenv("KRJ_KEY_FILE");
    if (path == NULL || path[0] == '\0') {
        path = KRJ_DEFAULT_KEY_FILE;
    }

    memset(&add, 0, sizeof(krj_key_add_t));

    /* getopt sees "add --scopes ..." with "add" in place of argv[0] */
    argc--;
    argv++;
    optind = 1;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {

        case 's':
            add.scopes = optarg;
            break;

        case 'r':
            add.rate = optarg;
            break;

        case 'e':
            add.expires = optarg;
            break;

        case 'k':
            path = optarg;
            break;

        case 'h':
            krj_keys_usage(stdout, sub);
            return KRJ_EXIT_OK;

        default:
            krj_keys_usage(stderr, sub);
            return KRJ_EXIT_USAGE;
        }
    }

    if (strcmp(sub, "add") != 0
        && (add.scopes != NULL || add.rate != NULL || add.expires != NULL))
    {
        fprintf(stderr, "krj-batch: --scopes, --rate and --expires are "
                "options of \"keys add\"\n");
        return KRJ_EXIT_USAGE;
    }

    if (strcmp(sub, "list") == 0) {
        if (optind != argc) {
            fprintf(stderr, "krj-batch: unexpected argument \"%s\"\n",
                    argv[optind]);
            return KRJ_EXIT_USAGE;
        }

        return krj_keys_list(path);
    }

    if (optind + 1 != argc) {
        fprintf(stderr, "krj-batch: keys %s takes one %s\n", sub,
                strcmp(sub, "add") == 0 ? "NAME" : "ID");
        krj_keys_usage(stderr, sub);
        return KRJ_EXIT_USAGE;
    }

    if (strcmp(sub, "revoke") == 0) {
        return krj_keys_revoke(path, argv[optind]);
    }

    add.id = argv[optind];

    return krj_keys_add(path, &add);
}


static int
krj_keys_add(const char *path, const krj_key_add_t *add)
{
    int               rc, status;
    char              err[KRJ_PUBLISH_ERRLEN], key[KRJ_KEY_LEN + 1];
    char              digest[KRJ_DIGEST_LEN + 1], expires[11], created[11];
    char              unit;
    long              today, days;
    uint8_t          *line;
    unsigned          rate;
    krj_buf_t         out;
    krj_span_t        name;
    krj_pfile_t       pf;
    krj_pline_t       l;
    krj_key_entry_t   e;

    rate = 0;
    unit = 's';
    expires[0] = '\0';

    /* everything the operator typed is checked before the file is locked */
    if (krj_name_check(add->id, strlen(add->id), KRJ_NAME_KEY, err) != 0) {
        fprintf(stderr, "krj-batch: %s\n", err);
        return KRJ_EXIT_USAGE;
    }

    if (add->scopes == NULL) {
        fprintf(stderr, "krj-batch: keys add needs --scopes, e.g. "
                "--scopes sp500,sp100 or --scopes '*'\n");
        return KRJ_EXIT_USAGE;
    }

    if (krj_scopes_check(add->scopes, strlen(add->scopes), err) != 0) {
        fprintf(stderr, "krj-batch: --scopes: %s\n", err);
        return KRJ_EXIT_USAGE;
    }

    if (add->rate != NULL
        && krj_rate_parse(add->rate, strlen(add->rate), &rate, &unit, err)
           != 0)
    {
        fprintf(stderr, "krj-batch: --rate: %s\n", err);
        return KRJ_EXIT_USAGE;
    }

    today = krj_date_today();
    krj_date_format(today, created);

    if (add->expires != NULL) {
        if (krj_date_parse(add->expires, strlen(add->expires), &days, err)
            != 0)
        {
            fprintf(stderr, "krj-batch: --expires: %s\n", err);
            return KRJ_EXIT_USAGE;
        }

        /* a key is refused from its expiry date on */
        if (days <= today) {
            fprintf(stderr, "krj-batch: --expires: %s is not after today "
                    "(%s, UTC)\n", add->expires, created);
            return KRJ_EXIT_USAGE;
        }

        krj_date_format(days, expires);
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

        if (name.len == strlen(add->id)
            && memcmp(name.data, add->id, name.len) == 0)
        {
            fprintf(stderr, "krj-batch: key id \"%s\" already exists in "
                    "%s, line %u\n", add->id, path, l.number);
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

    krj_buf_printf(&out, "%s:%s:%s:", add->id, digest, add->scopes);

    if (add->rate != NULL) {
        krj_buf_printf(&out, "rate=%ur/%c,", rate, unit);
    }

    if (add->expires != NULL) {
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

    printf("added key \"%s\" to %s\n", add->id, path);
    printf("  scopes   %s\n", add->scopes);

    if (add->rate != NULL) {
        printf("  rate     %ur/%c\n", rate, unit);
    }

    printf("  expires  %s\n", add->expires != NULL ? expires : "never");
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


static int
krj_keys_list(const char *path)
{
    int               rc, pass, wid, wscopes, n;
    char              err[KRJ_PUBLISH_ERRLEN];
    long              today;
    krj_pfile_t       pf;
    krj_pline_t       l;
    krj_key_entry_t   e;

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


static int
krj_keys_revoke(const char *path, const char *id)
{
    int       status;
    unsigned  n;

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


static void
krj_keys_usage(FILE *f, const char *sub)
{
    if (sub != NULL && strcmp(sub, "add") == 0) {
        fprintf(f, "Usage: krj-batch keys add NAME --scopes SCOPES "
                "[--rate RATE] [--expires DATE]\n"
                "                         [--key-file PATH]\n\n"
                "Creates an API key with id NAME ([A-Za-z0-9_.-], 1 to 64 "
                "characters),\nappends its SHA-256 digest to the key file "
                "(rewritten atomically,\nmode 0640, owner and group kept; "
                "created with its directory when\nmissing) and prints it, "
                "alone on the last line of the output:\nthe key is shown "
                "only this once.\n\n"
                "Options:\n"
                "  --scopes SCOPES      comma-separated category slugs, or "
                "*, plus\n"
                "                       metrics and admin: sp500,sp100 or "
                "'*,metrics'\n"
                "  --rate RATE          the key's own rate limit, Nr/s or "
                "Nr/m (600r/m)\n"
                "  --expires DATE       YYYY-MM-DD after today: the key is "
                "refused from\n"
                "                       that date on (UTC)\n%s\n%s",
                krj_keys_help_file, krj_keys_help_exit);
        return;
    }

    if (sub != NULL && strcmp(sub, "list") == 0) {
        fprintf(f, "Usage: krj-batch keys list [--key-file PATH]\n\n"
                "Lists the keys: id, status (active or expired), scopes and "
                "options.\nKeys and digests are never shown.  Malformed lines "
                "are reported as\nwarnings (file:line: reason) and "
                "skipped.\n\nOptions:\n%s\n%s",
                krj_keys_help_file, krj_keys_help_exit);
        return;
    }

    if (sub != NULL && strcmp(sub, "revoke") == 0) {
        fprintf(f, "Usage: krj-batch keys revoke ID [--key-file PATH]\n\n"
                "Removes every line of the key ID from the key file, "
                "rewritten\natomically; the other lines are kept byte for "
                "byte.  nginx refuses\nthe key within krj_reload_interval, "
                "without a restart.\n\nOptions:\n%s\n%s",
                krj_keys_help_file, krj_keys_help_exit);
        return;
    }

    fprintf(f, "Usage: krj-batch keys add|list|revoke [options]\n\n"
            "Manages the API keys in the key file the module reads "
            "(krj_key_file).\n\n"
            "  add NAME --scopes SCOPES [--rate RATE] [--expires DATE]\n"
            "           create a key, print it once on the last line\n"
            "  list     the keys, their status, scopes and options\n"
            "  revoke ID\n"
            "           remove a key\n\n"
            "krj-batch keys COMMAND --help describes a command.\n\n"
            "Options:\n%s\n%s", krj_keys_help_file, krj_keys_help_exit);
}
