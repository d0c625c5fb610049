
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
#include "krj_pfile.h"
#include "krj_principal.h"
#include "krj_run.h"
#include "krj_users.h"


#define KRJ_PASSWORD_MAX        1024
#define KRJ_BCRYPT_PREFIX       "$2b$"
/* bcrypt ignores every byte of a password after the 72nd */
#define KRJ_BCRYPT_MAX_BYTES    72


static int krj_users_password(const char *name, char *pw, size_t *len);
static int krj_users_read_line(char *buf, size_t *len);
static void krj_users_interrupt(int signo);
static int krj_users_hash(const char *pw, int cost, char *hash);
static void krj_users_line(krj_buf_t *out, const char *name,
    const char *hash, krj_span_t scopes);


static volatile sig_atomic_t  krj_users_interrupted;



int
krj_users_add(const krj_conf_t *conf, const char *user)
{
    int                rc, status;
    char               err[KRJ_PUBLISH_ERRLEN], pw[KRJ_PASSWORD_MAX];
    char               hash[CRYPT_OUTPUT_SIZE];
    size_t             pwlen;
    unsigned           found, line;
    krj_buf_t          out;
    krj_span_t         name, scopes;
    krj_pfile_t        pf;
    krj_pline_t        l;
    const char        *path;
    krj_user_entry_t   e;

    path = conf->user_file;

    if (krj_name_check(user, strlen(user), KRJ_NAME_USER, err) != 0) {
        fprintf(stderr, "krj-batch: %s\n", err);
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

    rc = krj_users_hash(pw, (int) conf->cost, hash);

    explicit_bzero(pw, sizeof(pw));

    if (rc != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "cannot hash the password with "
                "bcrypt: %s", strerror(errno));
        return KRJ_EXIT_FAILED;
    }

    if (krj_pfile_open(&pf, path, 1, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s; nothing replaced", err);
        return KRJ_EXIT_FAILED;
    }

    krj_buf_init(&out);
    status = KRJ_EXIT_FAILED;
    found = 0;
    line = 0;
    scopes.data = NULL;
    scopes.len = 0;

    l.next = 0;
    l.number = 0;

    /* the user's line must be one, and sound, to be replaced */
    while (krj_pfile_next_line(&pf, &l)) {
        rc = krj_user_line_parse((char *) pf.data + l.start, l.len, &e, err);

        if (rc == KRJ_LINE_SKIP) {
            continue;
        }

        name = krj_line_name((char *) pf.data + l.start, l.len);

        if (name.len != strlen(user)
            || memcmp(name.data, user, name.len) != 0)
        {
            if (rc == KRJ_LINE_BAD) {
                krj_log(KRJ_LOG_WARN, path, l.number, "%s; line kept as it "
                        "is", err);
            }

            continue;
        }

        if (rc == KRJ_LINE_BAD) {
            fprintf(stderr, "krj-batch: %s:%u: the line of user \"%s\" is "
                    "malformed (%s); fix or remove it first\n", path,
                    l.number, user, err);
            status = KRJ_EXIT_USAGE;
            goto cleanup;
        }

        if (found++) {
            fprintf(stderr, "krj-batch: user \"%s\" is on lines %u and %u "
                    "of %s; remove it (krj-batch users remove) and add it "
                    "again\n", user, line, l.number, path);
            status = KRJ_EXIT_USAGE;
            goto cleanup;
        }

        line = l.number;
        scopes = e.scopes;
    }

    /* a new password keeps the user's scopes unless new ones are given */
    if (conf->scopes != NULL) {
        scopes.data = conf->scopes;
        scopes.len = strlen(conf->scopes);
    }

    l.next = 0;
    l.number = 0;

    /* the user stays where it was; a new one goes last */
    while (krj_pfile_next_line(&pf, &l)) {
        if (l.number == line) {
            krj_users_line(&out, user, hash, scopes);

        } else {
            krj_buf_append(&out, pf.data + l.start, l.next - l.start);
        }
    }

    if (!found) {
        if (out.len > 0 && out.data[out.len - 1] != '\n') {
            krj_buf_byte(&out, '\n');
        }

        krj_users_line(&out, user, hash, scopes);
    }

    if (out.failed) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        goto cleanup;
    }

    if (krj_pfile_write(&pf, out.data, out.len, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s; nothing replaced", err);
        goto cleanup;
    }

    printf("%s user \"%s\" in %s (bcrypt, cost %d, scopes %.*s)\n",
           found ? "replaced the password of" : "added", user, path,
           (int) conf->cost, scopes.len ? (int) scopes.len : 1,
           scopes.len ? scopes.data : "*");

    status = KRJ_EXIT_OK;

cleanup:

    explicit_bzero(hash, sizeof(hash));

    if (out.data != NULL) {
        explicit_bzero(out.data, out.len);
    }

    krj_buf_free(&out);
    krj_pfile_close(&pf);

    return status;
}


static void
krj_users_line(krj_buf_t *out, const char *name, const char *hash,
    krj_span_t scopes)
{
    krj_buf_printf(out, "%s:%s", name, hash);

    if (scopes.len > 0) {
        krj_buf_printf(out, ":%.*s", (int) scopes.len, scopes.data);
    }

    krj_buf_byte(out, '\n');
}


int
krj_users_list(const krj_conf_t *conf, const char *arg)
{
    int                rc, pass, wname, wscheme, n;
    char               err[KRJ_PUBLISH_ERRLEN];
    krj_pfile_t        pf;
    krj_pline_t        l;
    const char        *path;
    krj_user_entry_t   e;

    (void) arg;
    path = conf->user_file;

    if (krj_pfile_open(&pf, path, 0, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s", err);
        return KRJ_EXIT_FAILED;
    }

    if (!pf.exists) {
        krj_log(KRJ_LOG_WARN, path, 0, "no such file: no users");
    }

    wname = 4;
    wscheme = 6;
    n = 0;

    /* the first pass measures the columns and warns, the second prints */
    for (pass = 0; pass < 2; pass++) {

        if (pass == 1 && n > 0) {
            printf("%-*s  %-*s  %s\n", wname, "USER", wscheme, "SCHEME",
                   "SCOPES");
        }

        l.next = 0;
        l.number = 0;

        while (krj_pfile_next_line(&pf, &l)) {
            rc = krj_user_line_parse((char *) pf.data + l.start, l.len, &e,
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
                wname = (int) e.name.len > wname ? (int) e.name.len : wname;
                wscheme = (int) strlen(e.scheme) > wscheme
                          ? (int) strlen(e.scheme) : wscheme;
                continue;
            }

            printf("%-*.*s  %-*s  %.*s\n", wname, (int) e.name.len,
                   e.name.data, wscheme, e.scheme,
                   e.scopes.len ? (int) e.scopes.len : 1,
                   e.scopes.len ? e.scopes.data : "*");
        }
    }

    if (n == 0) {
        printf("no users in %s\n", path);
    }

    krj_pfile_close(&pf);

    return KRJ_EXIT_OK;
}


int
krj_users_remove(const krj_conf_t *conf, const char *user)
{
    int          status;
    unsigned     n;
    const char  *path;

    path = conf->user_file;

    if (user[0] == '\0') {
        fprintf(stderr, "krj-batch: empty user name\n");
        return KRJ_EXIT_USAGE;
    }

    status = krj_pfile_remove(path, user, &n);

    if (status == KRJ_EXIT_USAGE) {
        fprintf(stderr, "krj-batch: no user \"%s\" in %s\n", user,
                path);
    }

    if (status != KRJ_EXIT_OK) {
        return status;
    }

    printf("removed user \"%s\" from %s", user, path);

    if (n > 1) {
        printf(" (%u lines)", n);
    }

    printf("\n");

    return KRJ_EXIT_OK;
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
