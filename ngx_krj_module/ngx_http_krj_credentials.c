
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_crypt.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "krj_date.h"
#include "krj_str.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_credentials.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_zone.h"


/* a user name in the log: escaped, and cut */
#define NGX_HTTP_KRJ_NAME_LOG  128


static ngx_uint_t ngx_http_krj_credentials_controls(ngx_str_t *s);
static ngx_int_t ngx_http_krj_credentials_verify(ngx_http_request_t *r,
    ngx_http_krj_basic_t *basic, ngx_http_krj_user_t *user,
    ngx_str_t *passwd, ngx_str_t *principal);
static ngx_uint_t ngx_http_krj_cache_find(ngx_http_krj_zone_t *zone,
    u_char *digest, size_t len);
static ngx_int_t ngx_http_krj_cache_store(ngx_http_krj_zone_t *zone,
    u_char *digest, size_t len, ngx_msec_t ttl);


static ngx_str_t  ngx_http_krj_credentials_unnamed = ngx_string("?");
static ngx_str_t  ngx_http_krj_api_key = ngx_string("X-API-Key");


void
ngx_http_krj_credentials_read(ngx_http_request_t *r,
    ngx_http_krj_credentials_t *c)
{
    ngx_str_t        *value;
    ngx_uint_t        n;
    ngx_table_elt_t  *h, *api_key;

    ngx_memzero(c, sizeof(ngx_http_krj_credentials_t));

    api_key = ngx_http_krj_credentials_header(r, &ngx_http_krj_api_key, &n);

    if (n > 1) {
        c->kind = NGX_HTTP_KRJ_CRED_AMBIGUOUS;
        return;
    }

    h = r->headers_in.authorization;

    if (h == NULL) {
        if (api_key != NULL) {
            c->kind = NGX_HTTP_KRJ_CRED_KEY;
            c->key = api_key->value;
        }

        return;
    }

    value = &h->value;

    if (value->len > sizeof("Bearer ") - 1
        && ngx_strncasecmp(value->data, (u_char *) "Bearer ",
                           sizeof("Bearer ") - 1)
           == 0)
    {
        c->kind = NGX_HTTP_KRJ_CRED_KEY;
        c->key.data = value->data + sizeof("Bearer ") - 1;
        c->key.len = value->len - (sizeof("Bearer ") - 1);

        while (c->key.len && c->key.data[0] == ' ') {
            c->key.data++;
            c->key.len--;
        }

    } else if (value->len >= sizeof("Basic ") - 1
               && ngx_strncasecmp(value->data, (u_char *) "Basic ",
                                  sizeof("Basic ") - 1)
                  == 0)
    {
        c->kind = NGX_HTTP_KRJ_CRED_BASIC;

    } else {
        c->kind = NGX_HTTP_KRJ_CRED_OTHER;
    }

    if (api_key != NULL
        && (c->kind != NGX_HTTP_KRJ_CRED_KEY
            || c->key.len != api_key->value.len
            || ngx_strncmp(c->key.data, api_key->value.data, c->key.len)
               != 0))
    {
        c->kind = NGX_HTTP_KRJ_CRED_AMBIGUOUS;
    }
}


ngx_table_elt_t *
ngx_http_krj_credentials_header(ngx_http_request_t *r, ngx_str_t *name,
    ngx_uint_t *n)
{
    ngx_table_elt_t  *h, *first;

    first = ngx_http_krj_header_in(r, NULL, (char *) name->data, name->len);
    *n = 0;

    for (h = first; h != NULL;
         h = ngx_http_krj_header_in(r, h, (char *) name->data, name->len))
    {
        (*n)++;
    }

    return first;
}


ngx_int_t
ngx_http_krj_credentials_key(ngx_http_request_t *r,
    ngx_http_krj_principals_t *keys, ngx_str_t *key,
    ngx_http_krj_identity_t *id)
{
    u_char               digest[32];
    unsigned int         len;
    ngx_http_krj_key_t  *found;
    u_char               day[KRJ_DATE_LEN + 1];

    if (keys == NULL || keys->entries == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: no keys are loaded, key refused");
        return NGX_DECLINED;
    }

    if (EVP_Digest(key->data, key->len, digest, &len, EVP_sha256(), NULL)
        != 1)
    {
        return NGX_ERROR;
    }

    found = ngx_http_krj_principals_key(keys, digest);

    /* a key added a moment ago is valid now, not a tick later */

    if (found == NULL
        && ngx_http_krj_principals_refresh(keys, r->connection->log))
    {
        found = ngx_http_krj_principals_key(keys, digest);
    }

    if (found == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: unknown key, not in \"%V\"", &keys->file.path);
        return NGX_DECLINED;
    }

    if (found->revoked != -1
        && ngx_time() >= (time_t) found->revoked * KRJ_SECONDS_PER_DAY)
    {
        krj_date_format(found->revoked, (char *) day);

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: key \"%V\" was revoked on %*s", &found->id,
                      (size_t) KRJ_DATE_LEN, day);
        id->refused = NGX_HTTP_KRJ_AUTH_REVOKED;
        return NGX_DECLINED;
    }

    if (found->expires && ngx_time() >= found->expires) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: key \"%V\" has expired", &found->id);
        id->refused = NGX_HTTP_KRJ_AUTH_EXPIRED;
        return NGX_DECLINED;
    }

    id->limit = found->limit;

    return ngx_http_krj_credentials_identity(r, id, NGX_HTTP_KRJ_METHOD_KEY,
                                             "key:", &found->id,
                                             &found->scopes);
}


ngx_int_t
ngx_http_krj_credentials_basic(ngx_http_request_t *r,
    ngx_http_krj_basic_t *basic, ngx_http_krj_identity_t *id)
{
    ngx_int_t  rc;

    rc = ngx_http_auth_basic_user(r);

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: credentials of a scheme that is not accepted "
                      "here");
        return NGX_DECLINED;
    }

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: malformed Basic credentials");
        return NGX_DECLINED;
    }

    return ngx_http_krj_credentials_password(r, basic, &r->headers_in.user,
                                             &r->headers_in.passwd, id,
                                             NULL);
}


ngx_int_t
ngx_http_krj_credentials_password(ngx_http_request_t *r,
    ngx_http_krj_basic_t *basic, ngx_str_t *name, ngx_str_t *passwd,
    ngx_http_krj_identity_t *id, ngx_http_krj_user_t **user)
{
    u_char               *p, *encrypted;
    ngx_int_t             rc;
    ngx_str_t             principal;
    ngx_http_krj_user_t  *found;

    /*
     * crypt() stops at a NUL: "alice:secret\0x" would pass and miss the
     * cache, a slow hash per request.  No name or password has a control
     * byte; refuse them before anything else is done.
     */

    if (ngx_http_krj_credentials_controls(name)
        || ngx_http_krj_credentials_controls(passwd))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: credentials of user \"%V\" hold a control "
                      "byte, refused",
                      ngx_http_krj_credentials_name(r, name));
        goto refused;
    }

    if (basic->users == NULL || basic->users->entries == NULL) {
        (void) ngx_http_krj_principals_refresh(basic->users,
                                               r->connection->log);
    }

    if (basic->users == NULL || basic->users->entries == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: no users are loaded, user \"%V\" refused",
                      ngx_http_krj_credentials_name(r, name));
        goto refused;
    }

    found = ngx_http_krj_principals_user(basic->users, name);

    if (found == NULL
        && ngx_http_krj_principals_refresh(basic->users, r->connection->log))
    {
        found = ngx_http_krj_principals_user(basic->users, name);
    }

    if (found == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: user \"%V\" was not found in \"%V\"",
                      ngx_http_krj_credentials_name(r, name),
                      &basic->users->file.path);

        /* as slow as the costliest user, so timing tells no user names */

        if (basic->users->dummy.data) {
            p = ngx_pnalloc(r->pool, passwd->len + 1);
            if (p == NULL) {
                ngx_explicit_memzero(passwd->data, passwd->len);
                return NGX_ERROR;
            }

            ngx_cpystrn(p, passwd->data, passwd->len + 1);

            (void) ngx_crypt(r->pool, p, basic->users->dummy.data,
                             &encrypted);

            ngx_explicit_memzero(p, passwd->len);
        }

        goto refused;
    }

    if (ngx_http_krj_credentials_identity(r, id, NGX_HTTP_KRJ_METHOD_BASIC,
                                          "user:", &found->name,
                                          &found->scopes)
        != NGX_OK)
    {
        ngx_explicit_memzero(passwd->data, passwd->len);
        return NGX_ERROR;
    }

    principal = id->principal;

    rc = ngx_http_krj_credentials_verify(r, basic, found, passwd,
                                         &principal);

    if (rc != NGX_OK) {
        if (rc != NGX_BUSY) {
            ngx_memzero(id, sizeof(ngx_http_krj_identity_t));
        }

        return rc;
    }

    if (user) {
        *user = found;
    }

    return NGX_OK;

refused:

    ngx_explicit_memzero(passwd->data, passwd->len);

    return NGX_DECLINED;
}


/* a control byte (C0 or DEL) in a name or password */

static ngx_uint_t
ngx_http_krj_credentials_controls(ngx_str_t *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++) {
        if (s->data[i] < 0x20 || s->data[i] == 0x7f) {
            return 1;
        }
    }

    return 0;
}


ngx_str_t *
ngx_http_krj_credentials_name(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_str_t  *s;

    s = ngx_palloc(r->pool, sizeof(ngx_str_t));
    if (s == NULL) {
        return &ngx_http_krj_credentials_unnamed;
    }

    s->data = ngx_pnalloc(r->pool, NGX_HTTP_KRJ_NAME_LOG);
    if (s->data == NULL) {
        return &ngx_http_krj_credentials_unnamed;
    }

    s->len = krj_str_escape((char *) s->data, NGX_HTTP_KRJ_NAME_LOG,
                            (char *) name->data, name->len, 1);

    return s;
}


/*
 * A password against user's hash, through the cache: its key is
 * an HMAC under a secret of this configuration over user, password and
 * hash, so a new hash ends the cached verdicts at once.  On a miss, a
 * principal over its limit gets NGX_BUSY before the slow hash runs.
 */

static ngx_int_t
ngx_http_krj_credentials_verify(ngx_http_request_t *r,
    ngx_http_krj_basic_t *basic, ngx_http_krj_user_t *user,
    ngx_str_t *passwd, ngx_str_t *principal)
{
    size_t                len;
    u_char               *buf, *p, *encrypted;
    ngx_int_t             rc;
    unsigned int          dlen;
    ngx_http_krj_zone_t  *zone;
    u_char                digest[EVP_MAX_MD_SIZE];

    /* user NUL password NUL hash */

    len = user->name.len + 1 + passwd->len + 1 + user->hash.len;

    buf = ngx_pnalloc(r->pool, len);
    if (buf == NULL) {
        ngx_explicit_memzero(passwd->data, passwd->len);
        return NGX_ERROR;
    }

    p = ngx_cpymem(buf, user->name.data, user->name.len);
    *p++ = '\0';
    p = ngx_cpymem(p, passwd->data, passwd->len);
    *p++ = '\0';
    ngx_memcpy(p, user->hash.data, user->hash.len);

    zone = basic->cache_time ? ngx_http_krj_zone(r) : NULL;

    rc = NGX_DECLINED;

    if (HMAC(EVP_sha256(), basic->secret, NGX_HTTP_KRJ_SECRET_LEN, buf, len,
             digest, &dlen)
        == NULL)
    {
        rc = NGX_ERROR;
        goto cleanup;
    }

    if (zone) {
        if (ngx_http_krj_cache_find(zone, digest, dlen)) {
            ngx_http_krj_metrics_count(r, NGX_HTTP_KRJ_M_CACHE_HIT);
            rc = NGX_OK;
            goto cleanup;
        }

        ngx_http_krj_metrics_count(r, NGX_HTTP_KRJ_M_CACHE_MISS);
    }

    if (basic->limit
        && ngx_http_krj_limit_over(r, NGX_HTTP_KRJ_NODE_PRINCIPAL, principal,
                                   basic->limit))
    {
        rc = NGX_BUSY;
        goto cleanup;
    }

    /* the password, NUL-terminated for ngx_crypt(), in place */

    p = buf + user->name.len + 1;

    if (ngx_crypt(r->pool, p, user->hash.data, &encrypted) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: user \"%V\": the hash in \"%V\" is of an "
                      "unknown scheme", &user->name,
                      &basic->users->file.path);
        goto cleanup;
    }

    if (ngx_strlen(encrypted) != user->hash.len
        || CRYPTO_memcmp(encrypted, user->hash.data, user->hash.len) != 0)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "krj: user \"%V\": password mismatch", &user->name);
        goto cleanup;
    }

    if (zone
        && ngx_http_krj_cache_store(zone, digest, dlen, basic->cache_time)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "krj: could not cache a verification in krj zone "
                      "\"%V\"", &zone->name);
    }

    rc = NGX_OK;

cleanup:

    ngx_explicit_memzero(buf, len);
    ngx_explicit_memzero(passwd->data, passwd->len);

    return rc;
}


ngx_int_t
ngx_http_krj_credentials_identity(ngx_http_request_t *r,
    ngx_http_krj_identity_t *id, ngx_uint_t method, const char *prefix,
    ngx_str_t *name, ngx_http_krj_scopes_t *scopes)
{
    size_t  plen;

    plen = ngx_strlen(prefix);

    id->method = method;
    id->scopes = *scopes;

    id->scopes.list.data = ngx_pstrdup(r->pool, &scopes->list);
    id->principal.len = plen + name->len;
    id->principal.data = ngx_pnalloc(r->pool, id->principal.len);

    if ((id->scopes.list.len && id->scopes.list.data == NULL)
        || id->principal.data == NULL)
    {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(id->principal.data, prefix, plen), name->data,
               name->len);

    return NGX_OK;
}


ngx_int_t
ngx_http_krj_credentials_address(ngx_http_request_t *r,
    ngx_http_krj_identity_t *id)
{
    id->method = NGX_HTTP_KRJ_METHOD_NONE;

    id->principal.len = sizeof("addr:") - 1 + r->connection->addr_text.len;
    id->principal.data = ngx_pnalloc(r->pool, id->principal.len);
    if (id->principal.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(id->principal.data, "addr:%V", &r->connection->addr_text);

    return NGX_OK;
}


/* a successful Basic verification, by its keyed digest, still fresh */

static ngx_uint_t
ngx_http_krj_cache_find(ngx_http_krj_zone_t *zone, u_char *digest,
    size_t len)
{
    ngx_uint_t            found;
    ngx_http_krj_node_t  *kn;

    ngx_http_krj_zone_lock(zone);

    kn = ngx_http_krj_zone_find_locked(zone, NGX_HTTP_KRJ_NODE_CACHE, digest,
                                       len);

    found = (kn != NULL
             && (ngx_msec_int_t) (kn->expire - ngx_current_msec) > 0);

    ngx_http_krj_zone_unlock(zone);

    return found;
}


static ngx_int_t
ngx_http_krj_cache_store(ngx_http_krj_zone_t *zone, u_char *digest,
    size_t len, ngx_msec_t ttl)
{
    ngx_http_krj_node_t  *kn;

    ngx_http_krj_zone_lock(zone);

    kn = ngx_http_krj_zone_find_locked(zone, NGX_HTTP_KRJ_NODE_CACHE, digest,
                                       len);

    if (kn == NULL) {
        kn = ngx_http_krj_zone_alloc_locked(zone, NGX_HTTP_KRJ_NODE_CACHE,
                                            digest, len);
        if (kn == NULL) {
            ngx_http_krj_zone_unlock(zone);
            return NGX_ERROR;
        }
    }

    kn->expire = ngx_current_msec + ttl;

    ngx_http_krj_zone_unlock(zone);

    return NGX_OK;
}
