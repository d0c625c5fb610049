
/*
 * Copyright (C) The krj developers
 */


#include <crypt.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "krj_buf.h"
#include "krj_log.h"
#include "krj_principals.h"
#include "krj_run.h"
#include "krj_users.h"


/*
 * What is particular to Basic users: the password is read from the
 * terminal or stdin, never from argv, and hashed with bcrypt; an existing
 * user's line is replaced in place.  The file handling is
 * krj_principals.c's.
 */


#define KRJ_PASSWORD_MAX        1024
#define KRJ_BCRYPT_PREFIX       "$2b$"
/* bcrypt ignores every byte of a password after the 72nd */
#define KRJ_BCRYPT_MAX_BYTES    72


typedef struct {
    const krj_conf_t   *conf;
    const char         *name;
    char                hash[CRYPT_OUTPUT_SIZE];
    krj_buf_t           scopes;         /* what the new line carries */
    krj_buf_t           line;           /* the line written, NUL ended */
} krj_users_new_t;


static int krj_users_line(void *ctx, krj_buf_t *out,
    const krj_principal_entry_t *old);
static void krj_users_row(void *ctx, const krj_principal_entry_t *e,
    krj_span_t *cells);
static int krj_users_parse(const char *p, size_t len,
    krj_principal_entry_t *e, char *err);
static int krj_users_password(const char *name, char *pw, size_t *len);
static int krj_users_read_line(char *buf, size_t *len);
static void krj_users_interrupt(int signo);
static int krj_users_hash(const char *pw, int cost, char *hash);


static const krj_principal_kind_t  krj_users_kind = {
    "user", "users", "user name", "remove", KRJ_NAME_USER, 1,
    krj_users_parse,
    {
        { "USER", 4 },
        { "SCHEME", 6 },
        { "SCOPES", 6 },
        { NULL, 0 }
    },
    krj_users_row
};

static volatile sig_atomic_t  krj_users_interrupted;


int
krj_users_add(const krj_conf_t *conf, const char *user)
{
    int              rc, status, replaced;
    char             pw[KRJ_PASSWORD_MAX];
    size_t           pwlen;
    krj_users_new_t  u;

    if (krj_principals_check_name(&krj_users_kind, user) != KRJ_EXIT_OK) {
        return KRJ_EXIT_USAGE;
    }

    /* asked before the file is locked: a person may take a while */
    if (krj_users_password(user, pw, &pwlen) != 0) {
        explicit_bzero(pw, sizeof(pw));
        return KRJ_EXIT_USAGE;
    }

    if (pwlen > KRJ_BCRYPT_MAX_BYTES) {
        krj_log(KRJ_LOG_WARN, NULL, 0, "the password has %zu bytes; bcrypt "
                "uses only the first %d", pwlen, KRJ_BCRYPT_MAX_BYTES);
    }

    memset(&u, 0, sizeof(krj_users_new_t));
    u.conf = conf;
    u.name = user;
    krj_buf_init(&u.scopes);
    krj_buf_init(&u.line);

    rc = krj_users_hash(pw, (int) conf->cost, u.hash);

    explicit_bzero(pw, sizeof(pw));

    if (rc != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "cannot hash the password with "
                "bcrypt: %s", strerror(errno));
        return KRJ_EXIT_FAILED;
    }

    status = krj_principals_add(&krj_users_kind, conf->user_file,
                                &conf->group, user, krj_users_line, &u,
                                &replaced);

    if (status == KRJ_EXIT_OK) {
        printf("%s user \"%s\" in %s (bcrypt, cost %u, scopes %.*s)\n",
               replaced ? "replaced the password of" : "added", user,
               conf->user_file, conf->cost,
               u.scopes.len ? (int) u.scopes.len : 1,
               u.scopes.len ? (char *) u.scopes.data : "*");
        fflush(stdout);

        status = u.line.failed
                 ? KRJ_EXIT_FAILED
                 : krj_principals_share(conf, "user", user,
                                        (const char *) u.line.data);
    }

    explicit_bzero(u.hash, sizeof(u.hash));

    if (u.line.data != NULL) {
        explicit_bzero(u.line.data, u.line.len);
    }

    krj_buf_free(&u.line);
    krj_buf_free(&u.scopes);

    return status;
}


/* user:hash, and the scopes unless they are the default "*" */
static int
krj_users_line(void *ctx, krj_buf_t *out, const krj_principal_entry_t *old)
{
    size_t            start;
    krj_users_new_t  *u;

    u = ctx;
    start = out->len;

    /* a new password keeps the user's scopes unless new ones are given */
    if (u->conf->scopes != NULL) {
        krj_buf_str(&u->scopes, u->conf->scopes);

    } else if (old != NULL) {
        krj_buf_append(&u->scopes, old->user.scopes.data,
                       old->user.scopes.len);
    }

    if (u->scopes.failed) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        return -1;
    }

    krj_buf_printf(out, "%s:%s", u->name, u->hash);

    if (u->scopes.len > 0) {
        krj_buf_printf(out, ":%.*s", (int) u->scopes.len,
                       (char *) u->scopes.data);
    }

    krj_buf_byte(out, '\n');

    if (!out->failed) {
        krj_buf_reset(&u->line);
        krj_buf_append(&u->line, out->data + start, out->len - start - 1);
        krj_buf_byte(&u->line, '\0');
    }

    return 0;
}


int
krj_users_list(const krj_conf_t *conf, const char *arg)
{
    (void) arg;

    return krj_principals_list(&krj_users_kind, conf->user_file, NULL);
}


static void
krj_users_row(void *ctx, const krj_principal_entry_t *e, krj_span_t *cells)
{
    (void) ctx;

    cells[0] = e->user.name;

    /* the scheme, never the hash */
    cells[1].data = e->user.scheme;
    cells[1].len = strlen(e->user.scheme);

    if (e->user.scopes.len > 0) {
        cells[2] = e->user.scopes;

    } else {
        cells[2].data = "*";
        cells[2].len = 1;
    }
}


int
krj_users_remove(const krj_conf_t *conf, const char *user)
{
    int       status;
    unsigned  n;

    status = krj_principals_remove(&krj_users_kind, conf->user_file, user,
                                   &n);

    if (status != KRJ_EXIT_OK) {
        return status;
    }

    printf("removed user \"%s\" from %s", user, conf->user_file);

    if (n > 1) {
        printf(" (%u lines)", n);
    }

    printf("\n");
    fflush(stdout);

    return krj_principals_share(conf, "user", user, NULL);
}


static int
krj_users_parse(const char *p, size_t len, krj_principal_entry_t *e,
    char *err)
{
    return krj_user_line_parse(p, len, &e->user, err);
}


/*
 * From a terminal: asked twice with echo off.  Otherwise: one line of
 * stdin, its newline stripped.  pw holds KRJ_PASSWORD_MAX bytes; the
 * caller wipes it.
 */
static int
krj_users_password(const char *name, char *pw, size_t *len)
{
    int               rc, i;
    char              again[KRJ_PASSWORD_MAX];
    size_t            alen;
    struct termios    saved, noecho;
    struct sigaction  sa, old[4];
    static const int  signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

    if (!isatty(STDIN_FILENO)) {
        if (krj_users_read_line(pw, len) != 0) {
            return -1;
        }

        if (*len == 0) {
            fprintf(stderr, "krj-batch: empty password refused\n");
            return -1;
        }

        return 0;
    }

    if (tcgetattr(STDIN_FILENO, &saved) == -1) {
        fprintf(stderr, "krj-batch: cannot read the terminal settings: %s\n",
                strerror(errno));
        return -1;
    }

    /*
     * no SA_RESTART: ^C interrupts read() and the terminal gets its echo
     * back before krj-batch exits
     */
    memset(&sa, 0, sizeof(struct sigaction));
    sa.sa_handler = krj_users_interrupt;
    sigemptyset(&sa.sa_mask);

    for (i = 0; i < 4; i++) {
        sigaction(signals[i], &sa, &old[i]);
    }

    noecho = saved;
    noecho.c_lflag &= ~(ECHO | ECHOE | ECHOK);
    noecho.c_lflag |= ECHONL;

    rc = -1;
    alen = 0;

    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho) == -1) {
        fprintf(stderr, "krj-batch: cannot turn the echo off: %s\n",
                strerror(errno));
        goto cleanup;
    }

    fprintf(stderr, "Password for %s: ", name);

    if (krj_users_read_line(pw, len) != 0) {
        goto cleanup;
    }

    if (*len == 0) {
        fprintf(stderr, "krj-batch: empty password refused\n");
        goto cleanup;
    }

    fprintf(stderr, "Again: ");

    if (krj_users_read_line(again, &alen) != 0) {
        goto cleanup;
    }

    if (alen != *len || memcmp(again, pw, alen) != 0) {
        fprintf(stderr, "krj-batch: the passwords differ\n");
        goto cleanup;
    }

    rc = 0;

cleanup:

    explicit_bzero(again, sizeof(again));

    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);

    for (i = 0; i < 4; i++) {
        sigaction(signals[i], &old[i], NULL);
    }

    return rc;
}


/* one line of at most KRJ_PASSWORD_MAX - 1 bytes from stdin, NUL ended */
static int
krj_users_read_line(char *buf, size_t *len)
{
    char     c;
    size_t   n;
    ssize_t  k;

    n = 0;

    for ( ;; ) {
        /* byte by byte: nothing after the line is taken from stdin */
        k = read(STDIN_FILENO, &c, 1);

        if (k == -1) {
            if (errno == EINTR && !krj_users_interrupted) {
                continue;
            }

            fprintf(stderr, "\nkrj-batch: %s\n", krj_users_interrupted
                    ? "interrupted" : strerror(errno));
            return -1;
        }

        if (k == 0 || c == '\n') {
            break;
        }

        if (c == '\0') {
            fprintf(stderr, "krj-batch: the password has a NUL byte\n");
            return -1;
        }

        if (n == KRJ_PASSWORD_MAX - 1) {
            fprintf(stderr, "krj-batch: the password is longer than %d "
                    "bytes\n", KRJ_PASSWORD_MAX - 1);
            return -1;
        }

        buf[n++] = c;
    }

    buf[n] = '\0';
    *len = n;

    return 0;
}


static void
krj_users_interrupt(int signo)
{
    (void) signo;

    krj_users_interrupted = 1;
}


/* hash holds CRYPT_OUTPUT_SIZE bytes */
static int
krj_users_hash(const char *pw, int cost, char *hash)
{
    int                 rc;
    char                salt[CRYPT_GENSALT_OUTPUT_SIZE];
    const char         *h;
    struct crypt_data  *cd;

    /* about 32 KB, and it holds the password's expanded state: wiped */
    cd = calloc(1, sizeof(struct crypt_data));
    if (cd == NULL) {
        return -1;
    }

    rc = -1;

    /* NULL random bytes: libxcrypt takes them from the kernel */
    if (crypt_gensalt_rn(KRJ_BCRYPT_PREFIX, cost, NULL, 0, salt,
                         sizeof(salt))
        == NULL)
    {
        goto cleanup;
    }

    h = crypt_rn(pw, salt, cd, sizeof(struct crypt_data));

    if (h == NULL
        || strncmp(h, KRJ_BCRYPT_PREFIX, sizeof(KRJ_BCRYPT_PREFIX) - 1) != 0
        || strlen(h) >= CRYPT_OUTPUT_SIZE)
    {
        errno = (errno != 0) ? errno : EINVAL;
        goto cleanup;
    }

    strcpy(hash, h);
    rc = 0;

cleanup:

    explicit_bzero(cd, sizeof(struct crypt_data));
    free(cd);

    return rc;
}
