
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <grp.h>
#include <pwd.h>
#include <sys/xattr.h>

#include <openssl/crypto.h>

#include "krj_principal.h"
#include "krj_str.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_principals.h"


#define NGX_HTTP_KRJ_MAX_GROUPS  256


/* the user and groups the worker processes run as */
typedef struct {
    const char                  *name;
    uid_t                        uid;
    gid_t                        gid;
    gid_t                        groups[NGX_HTTP_KRJ_MAX_GROUPS];
    int                          ngroups;
} ngx_http_krj_worker_t;


static ngx_int_t ngx_http_krj_principals_worker(ngx_conf_t *cf,
    ngx_http_krj_worker_t *w);
static ngx_int_t ngx_http_krj_principals_access(ngx_conf_t *cf,
    ngx_http_krj_principals_t *p, ngx_http_krj_worker_t *w);
static ngx_uint_t ngx_http_krj_principals_may(ngx_file_info_t *fi,
    ngx_http_krj_worker_t *w, ngx_uint_t bit);
static void ngx_http_krj_principals_deny(ngx_conf_t *cf,
    ngx_http_krj_principals_t *p, ngx_http_krj_worker_t *w, u_char *what,
    ngx_file_info_t *fi, ngx_uint_t dir);
static ngx_int_t ngx_http_krj_principals_parse(ngx_http_krj_principals_t *p,
    ngx_pool_t *pool, u_char *buf, size_t len, ngx_array_t *entries,
    ngx_log_t *log);
static char *ngx_http_krj_principals_entry(ngx_http_krj_principals_t *p,
    ngx_pool_t *pool, u_char *line, size_t len, ngx_array_t *entries,
    char *err);
static void ngx_http_krj_principals_scopes(ngx_http_krj_scopes_t *scopes,
    krj_span_t *span);
static void ngx_http_krj_principals_dummy(ngx_http_krj_principals_t *p);
static void ngx_http_krj_principals_drop(ngx_http_krj_principals_t *p);


static const char  *ngx_http_krj_principals_directive[] = {
    "krj_key_file", "krj_user_file"
};


char *
ngx_http_krj_principals_add(ngx_conf_t *cf, ngx_array_t *files,
    ngx_str_t *path, ngx_uint_t type, ngx_http_krj_principals_t **pp)
{
    ngx_str_t                    name;
    ngx_uint_t                   i;
    ngx_file_info_t              fi;
    ngx_http_krj_principals_t   *p, **fp;

    name = *path;

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "empty path in \"%s\"",
                           ngx_http_krj_principals_directive[type]);
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* a file that is not there now would be a surprise at the first request */

    if (ngx_file_info(name.data, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_file_info_n " \"%V\" failed", &name);
        return NGX_CONF_ERROR;
    }

    fp = files->elts;

    for (i = 0; i < files->nelts; i++) {
        if (fp[i]->type == type
            && fp[i]->file.path.len == name.len
            && ngx_strncmp(fp[i]->file.path.data, name.data, name.len) == 0)
        {
            *pp = fp[i];
            return NGX_CONF_OK;
        }
    }

    p = ngx_pcalloc(cf->pool, sizeof(ngx_http_krj_principals_t));
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    p->file.path = name;
    p->type = type;

    fp = ngx_array_push(files);
    if (fp == NULL) {
        return NGX_CONF_ERROR;
    }

    *fp = p;
    *pp = p;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_krj_principals_check_access(ngx_conf_t *cf, ngx_array_t *files)
{
    ngx_uint_t                   i;
    ngx_http_krj_worker_t        w;
    ngx_http_krj_principals_t  **fp;

    if (files->nelts == 0) {
        return NGX_OK;
    }

    if (ngx_http_krj_principals_worker(cf, &w) != NGX_OK) {
        return NGX_ERROR;
    }

    if (w.uid == 0) {
        return NGX_OK;
    }

    fp = files->elts;

    for (i = 0; i < files->nelts; i++) {
        if (ngx_http_krj_principals_access(cf, fp[i], &w) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The workers run as the user directive says when the master is root
 * (its default applies later, in the core module: it is resolved here the
 * same way), else as the master.  nginx gives them the user's groups with
 * initgroups(), so the check counts those too.
 */

static ngx_int_t
ngx_http_krj_principals_worker(ngx_conf_t *cf, ngx_http_krj_worker_t *w)
{
    struct group     *grp;
    struct passwd    *pwd;
    ngx_core_conf_t  *ccf;

    ngx_memzero(w, sizeof(ngx_http_krj_worker_t));

    ccf = (ngx_core_conf_t *) ngx_get_conf(cf->cycle->conf_ctx,
                                           ngx_core_module);

    if (geteuid() != 0) {
        pwd = getpwuid(geteuid());

        w->name = pwd ? pwd->pw_name : "(this user)";
        w->uid = geteuid();
        w->gid = getegid();
        w->ngroups = getgroups(NGX_HTTP_KRJ_MAX_GROUPS, w->groups);

        if (w->ngroups < 0) {
            w->ngroups = 0;
        }

        return NGX_OK;
    }

    if (ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT) {
        w->name = ccf->username;
        w->uid = ccf->user;
        w->gid = ccf->group;

    } else {
        pwd = getpwnam(NGX_USER);
        grp = getgrnam(NGX_GROUP);

        if (pwd == NULL || grp == NULL) {
            /* the core module reports that one, with its own words */
            return NGX_OK;
        }

        w->name = NGX_USER;
        w->uid = pwd->pw_uid;
        w->gid = grp->gr_gid;
    }

    w->ngroups = NGX_HTTP_KRJ_MAX_GROUPS;

    if (getgrouplist(w->name, w->gid, w->groups, &w->ngroups) == -1) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "user \"%s\" is in more than %d groups, krj "
                           "checks the first %d only", w->name,
                           NGX_HTTP_KRJ_MAX_GROUPS, NGX_HTTP_KRJ_MAX_GROUPS);
    }

    return NGX_OK;
}


/*
 * Every directory on the way must be searchable and the file readable.
 * Mode bits only: where an ACL decides, the check steps aside with a
 * warning rather than refuse what the kernel may allow.
 */

static ngx_int_t
ngx_http_krj_principals_access(ngx_conf_t *cf, ngx_http_krj_principals_t *p,
    ngx_http_krj_worker_t *w)
{
    u_char           *s, *last;
    ngx_uint_t        dir;
    ngx_file_info_t   fi;
    u_char            path[NGX_MAX_PATH];

    last = p->file.path.data + p->file.path.len;

    if (p->file.path.len >= NGX_MAX_PATH) {
        return NGX_OK;
    }

    for (s = p->file.path.data + 1; s <= last; s++) {

        if (s < last && *s != '/') {
            continue;
        }

        dir = (s < last);

        ngx_memcpy(path, p->file.path.data, s - p->file.path.data);
        path[s - p->file.path.data] = '\0';

        if (ngx_file_info(path, &fi) == NGX_FILE_ERROR) {
            return NGX_OK;
        }

        if (ngx_http_krj_principals_may(&fi, w, dir ? 1 : 4)) {
            continue;
        }

        if (getxattr((char *) path, "system.posix_acl_access", NULL, 0)
            >= 0)
        {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "\"%s\" has an ACL: krj cannot tell whether "
                               "user \"%s\" may read \"%V\"",
                               path, w->name, &p->file.path);
            return NGX_OK;
        }

        ngx_http_krj_principals_deny(cf, p, w, path, &fi, dir);

        return NGX_ERROR;
    }

    return NGX_OK;
}


/* bit: 4 read, 1 search; the owner, group and other classes as POSIX */

static ngx_uint_t
ngx_http_krj_principals_may(ngx_file_info_t *fi, ngx_http_krj_worker_t *w,
    ngx_uint_t bit)
{
    int  i;

    if (fi->st_uid == w->uid) {
        return (fi->st_mode & (bit << 6)) != 0;
    }

    if (fi->st_gid == w->gid) {
        return (fi->st_mode & (bit << 3)) != 0;
    }

    for (i = 0; i < w->ngroups; i++) {
        if (fi->st_gid == w->groups[i]) {
            return (fi->st_mode & (bit << 3)) != 0;
        }
    }

    return (fi->st_mode & bit) != 0;
}


static void
ngx_http_krj_principals_deny(ngx_conf_t *cf, ngx_http_krj_principals_t *p,
    ngx_http_krj_worker_t *w, u_char *what, ngx_file_info_t *fi,
    ngx_uint_t dir)
{
    u_char          mode[5];
    ngx_uint_t      i, m;
    struct group   *grp;
    struct passwd  *pwd;
    u_char          gname[64], oname[64], ogroup[64];

    /* the lookups share static buffers: each name is copied out */

    grp = getgrgid(w->gid);
    ngx_cpystrn(gname, (u_char *) (grp ? grp->gr_name : "?"), sizeof(gname));

    pwd = getpwuid(fi->st_uid);
    ngx_cpystrn(oname, (u_char *) (pwd ? pwd->pw_name : "?"), sizeof(oname));

    grp = getgrgid(fi->st_gid);
    ngx_cpystrn(ogroup, (u_char *) (grp ? grp->gr_name : "?"),
                sizeof(ogroup));

    /* ngx_sprintf() has no octal */

    m = fi->st_mode & 07777;

    for (i = 4; i-- > 0; m >>= 3) {
        mode[i] = (u_char) ('0' + (m & 7));
    }

    mode[4] = '\0';

    /* the position would be the end of the http block: none */

    if (dir) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "%s \"%V\" cannot be read by the worker processes, "
                      "which run as user \"%s\" (group \"%s\"): directory "
                      "\"%s\" (mode %s, owner %s:%s) does not let them "
                      "search it; keep the file in a directory they can "
                      "reach, or allow it: chmod o+x %s",
                      ngx_http_krj_principals_directive[p->type],
                      &p->file.path, w->name, gname, what, mode, oname,
                      ogroup, what);
        return;
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "%s \"%V\" cannot be read by the worker processes, which "
                  "run as user \"%s\" (group \"%s\"): the file is mode %s, "
                  "owner %s:%s; let their group read it: chgrp %s %V && "
                  "chmod g+r %V (krj-batch keys add and users add do this "
                  "for the files they create)",
                  ngx_http_krj_principals_directive[p->type], &p->file.path,
                  w->name, gname, mode, oname, ogroup, gname, &p->file.path,
                  &p->file.path);
}


/*
 * The policy on a file that changed: a new content replaces the old one
 * whole.  A file that cannot be opened (removed, or no longer readable),
 * is not a regular file, or is too large is the operator's act or error,
 * and nothing in it is valid any more (auth_basic refuses too).  Only a
 * failed read of a file that opened keeps what was loaded: that is the
 * disk, not the operator.
 */

void
ngx_http_krj_principals_load(ngx_http_krj_principals_t *p, ngx_log_t *log)
{
    u_char           *buf;
    ngx_fd_t          fd;
    ngx_int_t         rc;
    ngx_err_t         err;
    ngx_pool_t       *pool;
    ngx_array_t      *entries;
    ngx_file_info_t   fi;

    p->looked = ngx_current_msec;

    switch (ngx_http_krj_file_look(&p->file, &fd, &fi, &err, log)) {

    case NGX_HTTP_KRJ_FILE_CHANGED:
        break;

    case NGX_HTTP_KRJ_FILE_FAILED:
        if (ngx_http_krj_file_failed(&p->file, err)) {
            ngx_log_error(NGX_LOG_CRIT, log, err,
                          "krj: cannot open \"%V\", every %s of it is "
                          "refused", &p->file.path,
                          p->type == NGX_HTTP_KRJ_KEYS ? "key" : "user");
        }

        ngx_http_krj_principals_drop(p);
        return;

    default: /* NGX_HTTP_KRJ_FILE_SAME, NGX_HTTP_KRJ_FILE_REFUSED */
        return;
    }

    /* the words krj-batch uses for the same files */

    if (!ngx_is_file(&fi) || ngx_file_size(&fi) > KRJ_PRINCIPAL_FILE_MAX) {
        ngx_http_krj_file_close(&p->file, fd, log);

        if (ngx_http_krj_file_refused(&p->file, &fi)) {
            if (!ngx_is_file(&fi)) {
                ngx_log_error(NGX_LOG_CRIT, log, 0,
                              "krj: \"%V\": not a regular file, every %s "
                              "of it is refused", &p->file.path,
                              p->type == NGX_HTTP_KRJ_KEYS ? "key" : "user");

            } else {
                ngx_log_error(NGX_LOG_CRIT, log, 0,
                              "krj: \"%V\": file is %O bytes, over the "
                              "limit of %d, every %s of it is refused",
                              &p->file.path, ngx_file_size(&fi),
                              KRJ_PRINCIPAL_FILE_MAX,
                              p->type == NGX_HTTP_KRJ_KEYS ? "key" : "user");
            }
        }

        ngx_http_krj_principals_drop(p);
        return;
    }

    pool = ngx_create_pool(NGX_DEFAULT_POOL_SIZE, log);
    if (pool == NULL) {
        ngx_http_krj_file_close(&p->file, fd, log);
        return;
    }

    buf = ngx_pnalloc(pool, ngx_file_size(&fi) + 1);
    entries = ngx_array_create(pool, 16,
                               p->type == NGX_HTTP_KRJ_KEYS
                               ? sizeof(ngx_http_krj_key_t)
                               : sizeof(ngx_http_krj_user_t));

    if (buf == NULL || entries == NULL) {
        ngx_http_krj_file_close(&p->file, fd, log);
        ngx_destroy_pool(pool);
        return;
    }

    rc = ngx_http_krj_file_read(&p->file, fd, &fi, buf, log);
    err = ngx_errno;

    ngx_http_krj_file_close(&p->file, fd, log);

    if (rc == NGX_AGAIN) {
        /* being rewritten in place: the next tick reads it whole */
        ngx_destroy_pool(pool);
        return;
    }

    if (rc == NGX_ERROR) {
        ngx_destroy_pool(pool);

        if (ngx_http_krj_file_failed(&p->file, err)) {
            ngx_log_error(NGX_LOG_CRIT, log, err,
                          "krj: could not read \"%V\", the previous "
                          "contents are kept", &p->file.path);
        }

        return;
    }

    if (ngx_http_krj_principals_parse(p, pool, buf, ngx_file_size(&fi),
                                      entries, log)
        != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return;
    }

    if (p->pool) {
        ngx_destroy_pool(p->pool);
    }

    p->pool = pool;
    p->entries = entries;

    ngx_http_krj_principals_dummy(p);

    ngx_http_krj_file_loaded(&p->file, &fi);

    ngx_log_error(NGX_LOG_INFO, log, 0, "krj: %ui entries loaded from \"%V\"",
                  entries->nelts, &p->file.path);
}


/* lines end with '\n'; the grammar takes each as it is, '\r' and all */

static ngx_int_t
ngx_http_krj_principals_parse(ngx_http_krj_principals_t *p, ngx_pool_t *pool,
    u_char *buf, size_t len, ngx_array_t *entries, ngx_log_t *log)
{
    char        *rv;
    u_char      *line, *nl, *last;
    ngx_uint_t   n;
    char         err[KRJ_PRINCIPAL_ERRLEN];
    char         text[KRJ_PRINCIPAL_ERRLEN];

    last = buf + len;

    for (n = 1, line = buf; line < last; n++, line = nl + 1) {

        nl = ngx_strlchr(line, last, '\n');

        if (nl == NULL) {
            nl = last;
        }

        rv = ngx_http_krj_principals_entry(p, pool, line, nl - line, entries,
                                           err);

        if (rv == NGX_CONF_ERROR) {
            return NGX_ERROR;
        }

        if (rv != NGX_CONF_OK) {
            /* the reason may quote the line */
            (void) krj_str_escape(text, sizeof(text), rv, ngx_strlen(rv), 1);

            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "krj: %s in \"%V\" on line %ui, the line is "
                          "skipped", text, &p->file.path, n);
        }
    }

    return NGX_OK;
}


/*
 * One line: NGX_CONF_OK (an entry, a comment or a blank line), the
 * grammar's reason for refusing it, or NGX_CONF_ERROR without memory.
 */

static char *
ngx_http_krj_principals_entry(ngx_http_krj_principals_t *p, ngx_pool_t *pool,
    u_char *line, size_t len, ngx_array_t *entries, char *err)
{
    int                   rc;
    u_char               *hash;
    ngx_uint_t            i;
    krj_key_entry_t       ke;
    krj_user_entry_t      ue;
    ngx_http_krj_key_t   *k;
    ngx_http_krj_user_t  *u;

    if (p->type == NGX_HTTP_KRJ_USERS) {
        rc = krj_user_line_parse((char *) line, len, &ue, err);

        if (rc != KRJ_LINE_ENTRY) {
            return (rc == KRJ_LINE_SKIP) ? NGX_CONF_OK : err;
        }

        u = ngx_array_push(entries);

        /* ngx_crypt() wants the hash NUL-terminated */
        hash = ngx_pnalloc(pool, ue.hash.len + 1);

        if (u == NULL || hash == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(hash, ue.hash.data, ue.hash.len);
        hash[ue.hash.len] = '\0';

        u->name.data = (u_char *) ue.name.data;
        u->name.len = ue.name.len;
        u->hash.data = hash;
        u->hash.len = ue.hash.len;

        ngx_http_krj_principals_scopes(&u->scopes, &ue.scopes);

        return NGX_CONF_OK;
    }

    rc = krj_key_line_parse((char *) line, len, &ke, err);

    if (rc != KRJ_LINE_ENTRY) {
        return (rc == KRJ_LINE_SKIP) ? NGX_CONF_OK : err;
    }

    k = ngx_array_push(entries);
    if (k == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(k, sizeof(ngx_http_krj_key_t));

    k->id.data = (u_char *) ke.id.data;
    k->id.len = ke.id.len;

    /* the grammar checked 64 lower-case hex digits after "sha256:" */

    for (i = 0; i < 32; i++) {
        k->digest[i] = (u_char) ngx_hextoi(
                          (u_char *) ke.digest.data + KRJ_DIGEST_LEN - 64
                          + 2 * i, 2);
    }

    ngx_http_krj_principals_scopes(&k->scopes, &ke.scopes);

    if (ke.rate) {
        ngx_http_krj_limit_set_rate(&k->limit, ke.rate, ke.rate_unit);
    }

    if (ke.expires != -1) {
        k->expires = (time_t) ke.expires * KRJ_SECONDS_PER_DAY;
    }

    /*
     * krj-batch keys revoke keeps the line, so that a client still using
     * the key is told so, and counted, rather than taken for a guesser
     */

    k->revoked = ke.revoked;

    return NGX_CONF_OK;
}


/* the grammar checked the list; no list at all means every category */

static void
ngx_http_krj_principals_scopes(ngx_http_krj_scopes_t *scopes,
    krj_span_t *span)
{
    u_char  *s, *last, *item;

    scopes->list.data = (u_char *) span->data;
    scopes->list.len = span->len;
    scopes->all = (span->len == 0);

    last = scopes->list.data + scopes->list.len;

    for (item = scopes->list.data; item < last; item = s + 1) {
        s = ngx_strlchr(item, last, ',');

        if (s == NULL) {
            s = last;
        }

        if (s - item == 1 && *item == '*') {
            scopes->all = 1;
        }
    }
}


/*
 * An unknown user is checked against the hash of the costliest entry,
 * so that the time of a refusal tells nothing about which names exist,
 * whatever schemes and costs the file mixes; the verdict is thrown away.
 */

static void
ngx_http_krj_principals_dummy(ngx_http_krj_principals_t *p)
{
    ngx_uint_t            i;
    unsigned long         cost, max;
    ngx_http_krj_user_t  *u;

    ngx_str_null(&p->dummy);

    if (p->type != NGX_HTTP_KRJ_USERS) {
        return;
    }

    u = p->entries->elts;
    max = 0;

    for (i = 0; i < p->entries->nelts; i++) {
        cost = krj_hash_cost((char *) u[i].hash.data, u[i].hash.len);

        if (p->dummy.data == NULL || cost > max) {
            p->dummy = u[i].hash;
            max = cost;
        }
    }
}


ngx_uint_t
ngx_http_krj_principals_refresh(ngx_http_krj_principals_t *p, ngx_log_t *log)
{
    ngx_array_t  *entries;

    if (p == NULL
        || ngx_current_msec - p->looked < NGX_HTTP_KRJ_LOOK_MIN)
    {
        return 0;
    }

    entries = p->entries;

    ngx_http_krj_principals_load(p, log);

    return p->entries != entries;
}


static void
ngx_http_krj_principals_drop(ngx_http_krj_principals_t *p)
{
    if (p->pool) {
        ngx_destroy_pool(p->pool);
    }

    p->pool = NULL;
    p->entries = NULL;
    ngx_str_null(&p->dummy);

    ngx_http_krj_file_forget(&p->file);
}


ngx_http_krj_key_t *
ngx_http_krj_principals_key(ngx_http_krj_principals_t *p, u_char *digest)
{
    ngx_uint_t           i;
    ngx_http_krj_key_t  *k, *found;

    if (p == NULL || p->entries == NULL) {
        return NULL;
    }

    /* every entry is compared, in constant time each */

    found = NULL;
    k = p->entries->elts;

    for (i = 0; i < p->entries->nelts; i++) {
        if (CRYPTO_memcmp(k[i].digest, digest, 32) == 0) {
            found = &k[i];
        }
    }

    return found;
}


ngx_http_krj_user_t *
ngx_http_krj_principals_user(ngx_http_krj_principals_t *p, ngx_str_t *name)
{
    ngx_uint_t            i;
    ngx_http_krj_user_t  *u;

    if (p == NULL || p->entries == NULL) {
        return NULL;
    }

    u = p->entries->elts;

    for (i = 0; i < p->entries->nelts; i++) {
        if (u[i].name.len == name->len
            && ngx_strncmp(u[i].name.data, name->data, name->len) == 0)
        {
            return &u[i];
        }
    }

    return NULL;
}
