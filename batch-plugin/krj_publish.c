
/*
 * Copyright (C) The krj developers
 */


#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "krj_publish.h"


int
krj_file_read(const char *path, size_t max, uint8_t **data, size_t *len,
    char *err)
{
    int  fd;

    *data = NULL;
    *len = 0;

    /* a FIFO in the file's place must not hang open(): it is refused */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd == -1) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "cannot open: %s", strerror(errno));
        return -1;
    }

    return krj_file_read_fd(fd, max, data, len, err);
}


int
krj_file_read_fd(int fd, size_t max, uint8_t **data, size_t *len,
    char *err)
{
    int          rc;
    size_t       n;
    ssize_t      k;
    uint8_t     *p;
    struct stat  st;

    *data = NULL;
    *len = 0;
    p = NULL;
    rc = -1;

    if (fstat(fd, &st) == -1) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "cannot stat: %s", strerror(errno));
        goto cleanup;
    }

    /* what was opened is what is checked: nothing can swap it now */
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "not a regular file");
        goto cleanup;
    }

    if ((unsigned long long) st.st_size > max) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "file is %lld bytes, over the "
                 "limit of %zu", (long long) st.st_size, max);
        goto cleanup;
    }

    /* one spare byte: a file that grew since fstat() is noticed */
    p = malloc((size_t) st.st_size + 1);
    if (p == NULL) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "out of memory");
        goto cleanup;
    }

    n = 0;

    for ( ;; ) {
        k = read(fd, p + n, (size_t) st.st_size + 1 - n);

        if (k == -1) {
            if (errno == EINTR) {
                continue;
            }

            snprintf(err, KRJ_PUBLISH_ERRLEN, "read failed: %s",
                     strerror(errno));
            goto cleanup;
        }

        if (k == 0) {
            break;
        }

        n += (size_t) k;

        if (n > (size_t) st.st_size) {
            snprintf(err, KRJ_PUBLISH_ERRLEN, "file changed while read");
            goto cleanup;
        }
    }

    *data = p;
    *len = n;
    p = NULL;
    rc = 0;

cleanup:

    free(p);
    close(fd);

    return rc;
}


int
krj_stage_file(krj_stage_t *st, const char *dir, const char *name,
    const void *data, size_t len, mode_t mode, char *err)
{
    int             fd;
    size_t          n;
    ssize_t         k;
    const uint8_t  *p;

    st->staged = 0;

    if ((size_t) snprintf(st->dst, sizeof(st->dst), "%s/%s", dir, name)
            >= sizeof(st->dst)
        || (size_t) snprintf(st->tmp, sizeof(st->tmp), "%s/.%s.XXXXXX", dir,
                             name)
           >= sizeof(st->tmp))
    {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "%s/%s: path too long", dir, name);
        return -1;
    }

    fd = mkstemp(st->tmp);
    if (fd == -1) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: cannot create: %s", st->tmp,
                 strerror(errno));
        return -1;
    }

    /* mkstemp() made it 0600, too strict for the readers of most files */
    if (fchmod(fd, mode) == -1) {
        goto failed;
    }

    p = data;

    for (n = 0; n < len; n += (size_t) k) {
        k = write(fd, p + n, len - n);

        if (k == -1) {
            if (errno == EINTR) {
                k = 0;
                continue;
            }

            goto failed;
        }
    }

    if (fsync(fd) == -1) {
        goto failed;
    }

    if (close(fd) == -1) {
        fd = -1;
        goto failed;
    }

    st->staged = 1;

    return 0;

failed:

    snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: write failed: %s", st->tmp,
             strerror(errno));

    if (fd != -1) {
        close(fd);
    }

    unlink(st->tmp);

    return -1;
}


int
krj_stage_commit(krj_stage_t *st, char *err)
{
    if (!st->staged) {
        return 0;
    }

    if (rename(st->tmp, st->dst) == -1) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "rename %s to %s failed: %s",
                 st->tmp, st->dst, strerror(errno));
        krj_stage_discard(st);
        return -1;
    }

    st->staged = 0;

    return 0;
}


void
krj_stage_discard(krj_stage_t *st)
{
    if (st->staged) {
        unlink(st->tmp);
        st->staged = 0;
    }
}


int
krj_sync_dir(const char *dir, char *err)
{
    int  fd, rc;

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: cannot open: %s", dir,
                 strerror(errno));
        return -1;
    }

    rc = fsync(fd);

    if (rc == -1) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: fsync failed: %s", dir,
                 strerror(errno));
    }

    close(fd);

    return rc;
}


int
krj_make_dir(const char *dir, char *err)
{
    char    path[PATH_MAX], *p;
    size_t  len;

    len = strlen(dir);
    if (len == 0) {
        return 0;
    }

    if (len >= sizeof(path)) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: path too long", dir);
        return -1;
    }

    memcpy(path, dir, len + 1);

    for (p = path + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                goto failed;
            }
            *p = '/';
        }
    }

    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        goto failed;
    }

    return 0;

failed:

    snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: cannot create: %s", path,
             strerror(errno));

    return -1;
}


char *
krj_metadata_render(const krj_snap_input_t *in, uint32_t n,
    const char *generated_at)
{
    char        *out;
    uint32_t     i;
    json_t      *root, *cats, *details, *d;
    const char  *newest;

    root = json_object();
    cats = json_object();
    details = json_object();
    out = NULL;

    if (root == NULL || cats == NULL || details == NULL) {
        json_decref(cats);
        json_decref(details);
        goto cleanup;
    }

    newest = "";

    for (i = 0; i < n; i++) {
        if (strcmp(in[i].signal_date, newest) > 0) {
            newest = in[i].signal_date;
        }

        json_object_set_new(cats, in[i].slug,
                            json_string(in[i].signal_date));

        d = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}",
                      "label", in[i].label,
                      "signal_date", in[i].signal_date,
                      "sha256", in[i].sha256,
                      "rows", (json_int_t) in[i].csv->nrows,
                      "columns", (json_int_t) in[i].csv->ncolumns,
                      "source_file", in[i].source_file);
        if (d == NULL) {
            json_decref(cats);
            json_decref(details);
            goto cleanup;
        }

        json_object_set_new(details, in[i].slug, d);
    }

    json_object_set_new(root, "signal_date", json_string(newest));
    json_object_set_new(root, "generated_at", json_string(generated_at));
    json_object_set_new(root, "categories", cats);
    json_object_set_new(root, "version", json_integer(2));
    json_object_set_new(root, "details", details);

    out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

cleanup:

    json_decref(root);

    return out;
}


json_t *
krj_metadata_read(const char *dir)
{
    char          path[PATH_MAX];
    json_t       *root;
    json_error_t  jerr;

    if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir,
                          KRJ_METADATA_NAME)
        >= sizeof(path))
    {
        return NULL;
    }

    root = json_load_file(path, 0, &jerr);

    if (root != NULL && !json_is_object(root)) {
        json_decref(root);
        return NULL;
    }

    return root;
}


int
krj_sha256_hex(const uint8_t *p, size_t len, char *hex)
{
    size_t         i;
    unsigned int   mdlen;
    uint8_t        md[EVP_MAX_MD_SIZE];
    static char    digits[] = "0123456789abcdef";

    if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
        return -1;
    }

    for (i = 0; i < mdlen; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0xf];
    }

    hex[2 * mdlen] = '\0';

    return 0;
}
