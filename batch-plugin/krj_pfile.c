
/*
 * Copyright (C) The krj developers
 */


#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "krj_log.h"
#include "krj_pfile.h"


int
krj_pfile_open(krj_pfile_t *pf, const char *path, int update, char *err)
{
    char         msg[KRJ_PUBLISH_ERRLEN];
    size_t       len;
    const char  *slash;

    memset(pf, 0, sizeof(krj_pfile_t));
    pf->path = path;
    pf->lock = -1;

    len = strlen(path);
    slash = strrchr(path, '/');

    if (len == 0 || len >= sizeof(pf->dir)
        || (slash != NULL && slash[1] == '\0'))
    {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "\"%s\" is not a file name",
                 path);
        return -1;
    }

    if (slash == NULL) {
        strcpy(pf->dir, ".");
        strcpy(pf->name, path);

    } else if (slash == path) {
        strcpy(pf->dir, "/");
        strcpy(pf->name, slash + 1);

    } else {
        memcpy(pf->dir, path, slash - path);
        pf->dir[slash - path] = '\0';
        strcpy(pf->name, slash + 1);
    }

    if (update) {
        if (krj_make_dir(pf->dir, err) != 0) {
            return -1;
        }

        pf->lock = open(pf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (pf->lock == -1 || flock(pf->lock, LOCK_EX) == -1) {
            snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: cannot lock: %s",
                     pf->dir, strerror(errno));
            goto failed;
        }
    }

    if (stat(path, &pf->st) == -1) {
        if (errno == ENOENT) {
            return 0;
        }

        snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: %s", path, strerror(errno));
        goto failed;
    }

    if (krj_file_read(path, KRJ_PFILE_MAX, &pf->data, &pf->len, msg) != 0) {
        /* krj_file_read() says what failed, not where */
        snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: %.256s", path, msg);
        goto failed;
    }

    pf->exists = 1;

    return 0;

failed:

    krj_pfile_close(pf);

    return -1;
}


int
krj_pfile_next_line(const krj_pfile_t *pf, krj_pline_t *l)
{
    const uint8_t  *nl;

    if (l->next >= pf->len) {
        return 0;
    }

    l->start = l->next;
    l->number++;

    nl = memchr(pf->data + l->start, '\n', pf->len - l->start);

    if (nl == NULL) {
        l->len = pf->len - l->start;
        l->next = pf->len;

    } else {
        l->len = nl - (pf->data + l->start);
        l->next = l->start + l->len + 1;
    }

    return 1;
}


int
krj_pfile_write(krj_pfile_t *pf, const void *data, size_t len,
    const krj_conf_group_t *group, char *err)
{
    krj_stage_t  st;

    if (krj_stage_file(&st, pf->dir, pf->name, data, len, KRJ_PFILE_MODE,
                       err)
        != 0)
    {
        return -1;
    }

    /*
     * nginx reads the file through its group; a rewrite that silently
     * handed it to root's group would make the module keep its old copy,
     * and a revoked key would stay valid
     */
    if (pf->exists && chown(st.tmp, pf->st.st_uid, pf->st.st_gid) == -1) {
        snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: cannot keep owner %u and "
                 "group %u of %s: %s", st.tmp, (unsigned) pf->st.st_uid,
                 (unsigned) pf->st.st_gid, pf->path, strerror(errno));
        krj_stage_discard(&st);
        return -1;
    }

    /* a new file is nginx's to read from the start, without a chgrp */
    if (!pf->exists && group != NULL && group->name != NULL
        && chown(st.tmp, (uid_t) -1, group->gid) == -1)
    {
        /* only the group asked for must be had; the default is a help */
        if (group->source != KRJ_SRC_DEFAULT) {
            snprintf(err, KRJ_PUBLISH_ERRLEN, "%s: cannot give %s to group "
                     "%s: %s", st.tmp, pf->path, group->name,
                     strerror(errno));
            krj_stage_discard(&st);
            return -1;
        }

        krj_log_event(KRJ_LOG_WARN, "group_fallback", pf->path, 0, "created in "
                      "the group of krj-batch, not %s (%s): chgrp it for "
                      "nginx's workers to read it", group->name,
                      strerror(errno));
    }

    if (krj_stage_commit(&st, err) != 0) {
        return -1;
    }

    return krj_sync_dir(pf->dir, err);
}


void
krj_pfile_close(krj_pfile_t *pf)
{
    if (pf->data != NULL) {
        /* a user file holds hashes: no copy left in freed memory */
        explicit_bzero(pf->data, pf->len);
        free(pf->data);
        pf->data = NULL;
    }

    if (pf->lock != -1) {
        close(pf->lock);
        pf->lock = -1;
    }
}
