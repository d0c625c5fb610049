
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_session.h"
#include "krj_str.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_auth.h"
#include "ngx_http_krj_credentials.h"
#include "ngx_http_krj_identity.h"
#include "ngx_http_krj_limit.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_principals.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_session.h"
#include "ngx_http_krj_zone.h"


/* "__Host-krj_session=" */
#define NGX_HTTP_KRJ_SESSION_NAME_LEN  (sizeof(NGX_HTTP_KRJ_SESSION_COOKIE) \
                                        - 1 + 1)

/* the attributes of the cookie, after its value */
#define NGX_HTTP_KRJ_SESSION_ATTRS                                            \
    "; Max-Age=%T; Path=/; Secure; HttpOnly; SameSite=Strict"

#define NGX_HTTP_KRJ_SESSION_HEADER_LEN                                       \
    (NGX_HTTP_KRJ_SESSION_NAME_LEN + KRJ_SESSION_COOKIE_MAX                   \
     + sizeof(NGX_HTTP_KRJ_SESSION_ATTRS) + NGX_TIME_T_LEN)


static char *ngx_http_krj_session_read_key(ngx_conf_t *cf, ngx_fd_t fd,
    ngx_str_t *name, u_char *buf);
static void ngx_http_krj_session_wipe(void *data);
static char *ngx_http_krj_session_check_time(ngx_conf_t *cf, void *post,
    void *data);
static ngx_uint_t ngx_http_krj_session_scan(ngx_str_t *header,
    ngx_str_t *value);
static ngx_http_krj_user_t *ngx_http_krj_session_user(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, krj_session_t *s, int *rc);
static ngx_int_t ngx_http_krj_session_set(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_user_t *user);
static ngx_int_t ngx_http_krj_session_header(ngx_http_request_t *r,
    u_char *value, size_t len, time_t max_age);


ngx_conf_post_t  ngx_http_krj_session_time_post = {
    ngx_http_krj_session_check_time
};


static ngx_str_t  ngx_http_krj_session_origin = ngx_string("Origin");
static ngx_str_t  ngx_http_krj_session_referer = ngx_string("Referer");
static ngx_str_t  ngx_http_krj_session_root = ngx_string("/");


/*
 * Read here, in the master, as the configuration is: the workers never
 * open the file, so it may be root's alone (mode 0600), which is best.
 * What every user may read or change is no secret, and is refused.
 */

char *
ngx_http_krj_session_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    char                *rv;
    ngx_fd_t             fd;
    ngx_str_t           *value, name;
    ngx_uint_t           i;
    ngx_array_t        **keys;
    krj_session_key_t   *k, *all;
    ngx_pool_cleanup_t  *cln;
    u_char               buf[KRJ_SESSION_KEY_LEN + 1];

    keys = (ngx_array_t **) (p + cmd->offset);

    value = cf->args->elts;
    name = value[1];

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "empty path in \"krj_session_key_file\"");
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (*keys == NGX_CONF_UNSET_PTR) {
        *keys = ngx_array_create(cf->pool, 2, sizeof(krj_session_key_t));
        if (*keys == NULL) {
            return NGX_CONF_ERROR;
        }

        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_krj_session_wipe;
        cln->data = *keys;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "krj_session_key_file \"%V\": " ngx_open_file_n
                           " failed", &name);
        return NGX_CONF_ERROR;
    }

    rv = ngx_http_krj_session_read_key(cf, fd, &name, buf);

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &name);
    }

    if (rv != NGX_CONF_OK) {
        ngx_explicit_memzero(buf, sizeof(buf));
        return rv;
    }

    k = ngx_array_push(*keys);
    if (k == NULL) {
        ngx_explicit_memzero(buf, sizeof(buf));
        return NGX_CONF_ERROR;
    }

    rv = NGX_CONF_OK;

    if (krj_session_key_init(k, buf) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "krj_session_key_file \"%V\": SHA-256 failed",
                           &name);
        rv = NGX_CONF_ERROR;
    }

    ngx_explicit_memzero(buf, sizeof(buf));

    if (rv != NGX_CONF_OK) {
        return rv;
    }

    /* cookies name their key by its id: two keys, one id, is no rotation */

    all = (*keys)->elts;

    for (i = 0; i + 1 < (*keys)->nelts; i++) {
        if (ngx_memcmp(all[i].id, k->id, KRJ_SESSION_ID_LEN) == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "krj_session_key_file \"%V\" holds the key "
                               "of a krj_session_key_file before it (the "
                               "same file, or a copy): make a new key with "
                               "\"openssl rand -out FILE 32\"", &name);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_krj_session_read_key(ngx_conf_t *cf, ngx_fd_t fd, ngx_str_t *name,
    u_char *buf)
{
    ssize_t          n;
    ngx_uint_t       i, m;
    ngx_file_info_t  fi;
    u_char           mode[5];

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "krj_session_key_file \"%V\": " ngx_fd_info_n
                           " failed", name);
        return NGX_CONF_ERROR;
    }

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "krj_session_key_file \"%V\" is not a regular "
                           "file", name);
        return NGX_CONF_ERROR;
    }

    if (ngx_file_size(&fi) != KRJ_SESSION_KEY_LEN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "krj_session_key_file \"%V\" is %O bytes: a key "
                           "is exactly %d random bytes, as \"openssl rand "
                           "-out %V %d\" writes them", name,
                           ngx_file_size(&fi), KRJ_SESSION_KEY_LEN, name,
                           KRJ_SESSION_KEY_LEN);
        return NGX_CONF_ERROR;
    }

    if (fi.st_mode & (S_IROTH|S_IWOTH)) {

        /* ngx_sprintf() has no octal */

        m = fi.st_mode & 07777;

        for (i = 4; i-- > 0; m >>= 3) {
            mode[i] = (u_char) ('0' + (m & 7));
        }

        mode[4] = '\0';

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "krj_session_key_file \"%V\" is mode %s: every "
                           "user may %s it, and whoever has the key signs "
                           "in as anybody; chmod o-rw %V", name, mode,
                           (fi.st_mode & S_IROTH) ? "read" : "change", name);
        return NGX_CONF_ERROR;
    }

    /* one byte more: a file that grew since fstat() */

    n = ngx_read_fd(fd, buf, KRJ_SESSION_KEY_LEN + 1);

    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "krj_session_key_file \"%V\": " ngx_read_fd_n
                           " failed", name);
        return NGX_CONF_ERROR;
    }

    if (n != KRJ_SESSION_KEY_LEN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "krj_session_key_file \"%V\" changed while it "
                           "was read (%z bytes)", name, n);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* the keys do not outlive their configuration in memory */

static void
ngx_http_krj_session_wipe(void *data)
{
    ngx_array_t  *keys = data;

    ngx_explicit_memzero(keys->elts, keys->nalloc * keys->size);
}


static char *
ngx_http_krj_session_check_time(ngx_conf_t *cf, void *post, void *data)
{
    time_t  *t = data;

    if (*t < 1) {
        return "must be at least 1s";
    }

    return NGX_CONF_OK;
}


ngx_uint_t
ngx_http_krj_session_cookie(ngx_http_request_t *r, ngx_str_t *value)
{
    ngx_uint_t         n;
#if (nginx_version >= 1023000)
    ngx_table_elt_t   *h;
#else
    ngx_uint_t         i;
    ngx_table_elt_t  **h;
#endif

    n = 0;
    ngx_str_null(value);

#if (nginx_version >= 1023000)

    for (h = r->headers_in.cookie; h; h = h->next) {
        n += ngx_http_krj_session_scan(&h->value, n ? NULL : value);
    }

#else

    h = r->headers_in.cookies.elts;

    for (i = 0; i < r->headers_in.cookies.nelts; i++) {
        n += ngx_http_krj_session_scan(&h[i]->value, n ? NULL : value);
    }

#endif

    return n;
}


/* the session cookies in one Cookie header: "a=1; name=value; b=2" */

static ngx_uint_t
ngx_http_krj_session_scan(ngx_str_t *header, ngx_str_t *value)
{
    u_char      *p, *end, *last, *v;
    ngx_uint_t   n;

    n = 0;
    last = header->data + header->len;

    for (p = header->data; p < last; p = end + 1) {

        end = ngx_strlchr(p, last, ';');

        if (end == NULL) {
            end = last;
        }

        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if ((size_t) (end - p) < NGX_HTTP_KRJ_SESSION_NAME_LEN
            || ngx_strncmp(p, NGX_HTTP_KRJ_SESSION_COOKIE "=",
                           NGX_HTTP_KRJ_SESSION_NAME_LEN)
               != 0)
        {
            continue;
        }

        if (n++ == 0 && value != NULL) {
            v = p + NGX_HTTP_KRJ_SESSION_NAME_LEN;

            while (end > v && (end[-1] == ' ' || end[-1] == '\t')) {
                end--;
            }

            value->data = v;
            value->len = end - v;
        }
    }

    return n;
}


ngx_int_t
ngx_http_krj_session_verify(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_str_t *value, ngx_uint_t count,
    ngx_http_krj_identity_t *id, ngx_uint_t *reason)
{
    int                   rc;
    ngx_str_t             name;
    krj_session_t         s;
    ngx_http_krj_user_t  *found;

    if (count > 1) {
        rc = KRJ_SESSION_TWO;
        goto refused;
    }

    if (alcf->session_keys == NULL) {
        rc = KRJ_SESSION_UNKNOWN_KEY;
        goto refused;
    }

    rc = krj_session_decode(alcf->session_keys->elts,
                            alcf->session_keys->nelts,
                            (char *) value->data, value->len, ngx_time(),
                            alcf->session_time, &s);

    if (rc != KRJ_SESSION_OK) {
        goto refused;
    }

    /* from here on the cookie is known to be krj's own */

    found = ngx_http_krj_session_user(r, alcf, &s, &rc);

    if (found == NULL) {
        name.data = (u_char *) s.name;
        name.len = s.name_len;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "krj: session cookie of user \"%V\" refused: %s",
                      ngx_http_krj_credentials_name(r, &name),
                      krj_session_reason(rc));
        goto declined;
    }

    return ngx_http_krj_credentials_identity(r, id,
                                             NGX_HTTP_KRJ_METHOD_SESSION,
                                             "user:", &found->name,
                                             &found->scopes);

refused:

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "krj: session cookie refused: %s", krj_session_reason(rc));

declined:

    if (rc == KRJ_SESSION_ERROR) {
        return NGX_ERROR;
    }

    *reason = rc;

    return NGX_DECLINED;
}


/*
 * The user of a session, when the user file still has the hash the
 * session was made for.  A worker may hold an older file than the one the
 * user signed in with (a new password, a new user): it looks at the file
 * at once, as for an unknown Basic user, before it refuses.
 */

static ngx_http_krj_user_t *
ngx_http_krj_session_user(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, krj_session_t *s, int *rc)
{
    ngx_str_t             name;
    ngx_uint_t            again;
    ngx_http_krj_user_t  *u;

    name.data = (u_char *) s->name;
    name.len = s->name_len;

    for (again = 0; /* void */ ; again = 1) {

        u = ngx_http_krj_principals_user(alcf->users, &name);

        *rc = (u == NULL) ? KRJ_SESSION_UNKNOWN_USER
                          : krj_session_check_user(alcf->session_keys->elts,
                                                   s, (char *) u->hash.data,
                                                   u->hash.len);

        if (*rc == KRJ_SESSION_OK) {
            return u;
        }

        if (again || *rc == KRJ_SESSION_ERROR
            || !ngx_http_krj_principals_refresh(alcf->users,
                                                r->connection->log))
        {
            return NULL;
        }
    }
}


void
ngx_http_krj_session_prefix(ngx_http_request_t *r, ngx_str_t *prefix)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    *prefix = clcf->name;

    while (prefix->len && prefix->data[prefix->len - 1] == '/') {
        prefix->len--;
    }
}


ngx_uint_t
ngx_http_krj_session_exempt(ngx_http_request_t *r)
{
    u_char                   *rest;
    size_t                    len;
    ngx_str_t                 prefix;
    ngx_http_krj_loc_conf_t  *klcf;

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    if (!klcf->dashboard) {
        return 0;
    }

    ngx_http_krj_session_prefix(r, &prefix);

    if (r->uri.len <= prefix.len
        || ngx_strncmp(r->uri.data, prefix.data, prefix.len) != 0)
    {
        return 0;
    }

    rest = r->uri.data + prefix.len;
    len = r->uri.len - prefix.len;

    return (len == sizeof("/login") - 1
            && ngx_strncmp(rest, "/login", len) == 0)
           || (len == sizeof("/logout") - 1
               && ngx_strncmp(rest, "/logout", len) == 0)
           || (len > sizeof("/assets/") - 1
               && ngx_strncmp(rest, "/assets/", sizeof("/assets/") - 1)
                  == 0);
}


/*
 * next is the request's path (escaped as in a request line) and query:
 * percent-encoded once more here, it is what the login page gets back
 * from decoding its query.
 */

ngx_int_t
ngx_http_krj_session_redirect(ngx_http_request_t *r)
{
    u_char     *target, *p;
    size_t      len, n;
    ngx_str_t   prefix, location;

    ngx_http_krj_session_prefix(r, &prefix);

    len = r->uri.len + 2 * ngx_escape_uri(NULL, r->uri.data, r->uri.len,
                                          NGX_ESCAPE_URI);

    if (r->args.len) {
        len += 1 + r->args.len;
    }

    target = ngx_pnalloc(r->pool, len);
    if (target == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = (u_char *) ngx_escape_uri(target, r->uri.data, r->uri.len,
                                  NGX_ESCAPE_URI);

    if (r->args.len) {
        *p++ = '?';
        p = ngx_cpymem(p, r->args.data, r->args.len);
    }

    len = p - target;
    n = krj_session_escape_next(NULL, (char *) target, len);

    location.len = prefix.len + sizeof("/login?next=") - 1 + n;
    location.data = ngx_pnalloc(r->pool, location.len);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(location.data, prefix.data, prefix.len);
    p = ngx_cpymem(p, "/login?next=", sizeof("/login?next=") - 1);
    (void) krj_session_escape_next((char *) p, (char *) target, len);

    return ngx_http_krj_refuse_redirect(r, &location);
}


ngx_int_t
ngx_http_krj_session_login(ngx_http_request_t *r, ngx_str_t *user,
    ngx_str_t *password, ngx_str_t *next_out)
{
    ngx_int_t                       rc;
    ngx_str_t                       prefix;
    ngx_http_krj_user_t            *found;
    ngx_http_krj_basic_t            basic;
    ngx_http_krj_identity_t         id;
    ngx_http_krj_auth_loc_conf_t   *alcf;
    ngx_http_krj_auth_main_conf_t  *amcf;

    alcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_auth_module);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_krj_auth_module);

    /* a field the form did not have: libc may not see NULL, even for 0 */

    if (user->data == NULL) {
        user->data = (u_char *) "";
        user->len = 0;
    }

    if (password->data == NULL) {
        password->data = (u_char *) "";
        password->len = 0;
    }

    if (alcf->session_keys == NULL) {
        ngx_explicit_memzero(password->data, password->len);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: a login needs a krj_session_key_file for the "
                      "location");
        return NGX_ERROR;
    }

    /* a locked out address is not verified, its guess costs no hash */

    rc = ngx_http_krj_limit(r, NGX_HTTP_KRJ_NODE_FAIL,
                            &r->connection->addr_text, &alcf->fail, 0);

    if (rc != NGX_OK) {
        ngx_explicit_memzero(password->data, password->len);
        ngx_http_krj_metrics_auth(r, NGX_HTTP_KRJ_METHOD_SESSION,
                                  NGX_HTTP_KRJ_AUTH_LOCKED);
        return (rc == NGX_HTTP_TOO_MANY_REQUESTS) ? NGX_BUSY : NGX_ERROR;
    }

    /* no krj_limit: a login is no request of the user's yet */

    basic.users = alcf->users;
    basic.cache_time = alcf->cache_time;
    basic.secret = amcf->secret;
    basic.limit = NULL;

    ngx_memzero(&id, sizeof(ngx_http_krj_identity_t));

    rc = ngx_http_krj_credentials_password(r, &basic, user, password, &id,
                                           &found);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc != NGX_OK) {
        ngx_http_krj_metrics_auth(r, NGX_HTTP_KRJ_METHOD_SESSION,
                                  NGX_HTTP_KRJ_AUTH_BAD);

        rc = ngx_http_krj_limit(r, NGX_HTTP_KRJ_NODE_FAIL,
                                &r->connection->addr_text, &alcf->fail, 1);

        if (rc == NGX_OK) {
            return NGX_DECLINED;
        }

        return (rc == NGX_HTTP_TOO_MANY_REQUESTS) ? NGX_BUSY : NGX_ERROR;
    }

    if (ngx_http_krj_session_set(r, alcf, found) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_krj_metrics_auth(r, NGX_HTTP_KRJ_METHOD_SESSION,
                              NGX_HTTP_KRJ_AUTH_OK);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "krj: user \"%V\" signed in for %T s", &found->name,
                  alcf->session_time);

    ngx_http_krj_session_prefix(r, &prefix);

    if (!ngx_http_krj_session_local_next(next_out, &prefix)) {
        *next_out = prefix.len ? prefix : ngx_http_krj_session_root;
    }

    return NGX_OK;
}


/* a new session of user, signed with the first key */

static ngx_int_t
ngx_http_krj_session_set(ngx_http_request_t *r,
    ngx_http_krj_auth_loc_conf_t *alcf, ngx_http_krj_user_t *user)
{
    size_t              len;
    krj_session_t       s;
    krj_session_key_t  *k;
    u_char              value[KRJ_SESSION_COOKIE_MAX];

    k = alcf->session_keys->elts;

    ngx_memzero(&s, sizeof(krj_session_t));

    s.issued = ngx_time();
    s.expires = s.issued + alcf->session_time;

    if (user->name.len == 0 || user->name.len > KRJ_NAME_MAX
        || krj_session_fingerprint(&k[0], (char *) user->hash.data,
                                   user->hash.len, s.fingerprint)
           != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: no session could be made for user \"%V\"",
                      &user->name);
        return NGX_ERROR;
    }

    s.name_len = user->name.len;
    ngx_memcpy(s.name, user->name.data, user->name.len);

    len = krj_session_encode(&k[0], &s, (char *) value);

    if (len == 0) {
        return NGX_ERROR;
    }

    return ngx_http_krj_session_header(r, value, len, alcf->session_time);
}


ngx_int_t
ngx_http_krj_session_logout(ngx_http_request_t *r)
{
    return ngx_http_krj_session_header(r, (u_char *) "", 0, 0);
}


static ngx_int_t
ngx_http_krj_session_header(ngx_http_request_t *r, u_char *value,
    size_t len, time_t max_age)
{
    ngx_str_t  header;
    u_char     buf[NGX_HTTP_KRJ_SESSION_HEADER_LEN];

    header.data = buf;
    header.len = ngx_sprintf(buf, NGX_HTTP_KRJ_SESSION_COOKIE "=%*s"
                             NGX_HTTP_KRJ_SESSION_ATTRS, len, value, max_age)
                 - buf;

    return ngx_http_krj_push_header(r, "Set-Cookie", &header);
}


ngx_uint_t
ngx_http_krj_session_signed_in(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_http_krj_auth_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_krj_auth_module);

    if (ctx == NULL || !ctx->identified
        || ctx->outcome != NGX_HTTP_KRJ_IDENT_OK
        || ctx->id.method != NGX_HTTP_KRJ_METHOD_SESSION
        || ctx->id.principal.len <= sizeof("user:") - 1)
    {
        return 0;
    }

    name->data = ctx->id.principal.data + sizeof("user:") - 1;
    name->len = ctx->id.principal.len - (sizeof("user:") - 1);

    return 1;
}


ngx_uint_t
ngx_http_krj_session_same_origin(ngx_http_request_t *r)
{
    ngx_uint_t        n, https, referer;
    ngx_table_elt_t  *h, *host;

    host = r->headers_in.host;

    if (host == NULL) {
        return 0;
    }

    https = 0;

#if (NGX_HTTP_SSL)
    https = (r->connection->ssl != NULL);
#endif

    /* two of either header: which one the browser sent is not known */

    referer = 0;
    h = ngx_http_krj_credentials_header(r, &ngx_http_krj_session_origin, &n);

    if (n == 0) {
        referer = 1;
        h = ngx_http_krj_credentials_header(r, &ngx_http_krj_session_referer,
                                            &n);
    }

    if (n != 1) {
        return 0;
    }

    return krj_session_same_origin((char *) h->value.data, h->value.len,
                                   (int) referer, (int) https,
                                   (char *) host->value.data,
                                   host->value.len);
}


ngx_uint_t
ngx_http_krj_session_local_next(ngx_str_t *next, ngx_str_t *prefix)
{
    return krj_session_local_next((char *) next->data, next->len,
                                  (char *) prefix->data, prefix->len);
}
