
/*
 * Copyright (C) The krj developers
 */


/*
 * POST {prefix}/login and POST {prefix}/logout of the dashboard: the
 * form's body read (form-encoded, at most NGX_HTTP_KRJ_LOGIN_MAX bytes),
 * the same-site check, then the session functions of
 * ngx_http_krj_session.h, which verify the user as Basic credentials are
 * and set or clear the cookie.  The password is wiped from every buffer
 * that held it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_form.h"
#include "krj_page.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_login.h"
#include "ngx_http_krj_page.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_session.h"
#include "ngx_http_krj_snapshot.h"


/* a login form's body: two short fields and a path */
#define NGX_HTTP_KRJ_LOGIN_MAX  4096

#define NGX_HTTP_KRJ_LOGIN_FAILED  "Wrong user name or password."


typedef struct {
    const char                 *next;
    size_t                      nlen;
    const char                 *message;
    size_t                      mlen;
} ngx_http_krj_login_page_t;


static void ngx_http_krj_login_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_login_form(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_login_failed(ngx_http_request_t *r,
    ngx_str_t *next);
static ngx_int_t ngx_http_krj_login_refuse(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *message);
static ngx_int_t ngx_http_krj_login_form_type(ngx_http_request_t *r);
static u_char *ngx_http_krj_login_read(ngx_http_request_t *r, size_t *len);
static void ngx_http_krj_login_wipe(ngx_http_request_t *r);
static void ngx_http_krj_render_login_page(krj_out_t *o,
    const krj_page_t *pg, const void *arg);


ngx_int_t
ngx_http_krj_login_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    /* a form from another site (CSRF) is refused before it is read */

    if (!ngx_http_krj_session_same_origin(r)) {
        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_krj_login_refuse(r, NGX_HTTP_FORBIDDEN, "forbidden",
                                         "A sign-in form must come from "
                                         "this site.");
    }

    if (ngx_http_krj_login_form_type(r) != NGX_OK) {
        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_krj_login_refuse(r, NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                         "unsupported_media_type",
                                         "A sign-in form is sent as "
                                         "application/x-www-form-urlencoded"
                                         ".");
    }

    if (r->headers_in.content_length_n > NGX_HTTP_KRJ_LOGIN_MAX) {
        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_krj_login_refuse(r, NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                         "too_large",
                                         "A sign-in form is at most 4096 "
                                         "bytes.");
    }

    /* in memory, never in a temporary file: it holds a password */
    r->request_body_in_single_buf = 1;
    r->request_body_in_clean_file = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_krj_login_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


ngx_int_t
ngx_http_krj_logout_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;
    ngx_str_t  prefix, location;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    /* another site may not sign people out either */

    if (!ngx_http_krj_session_same_origin(r)) {
        return ngx_http_krj_login_refuse(r, NGX_HTTP_FORBIDDEN, "forbidden",
                                         "A sign-out form must come from "
                                         "this site.");
    }

    if (ngx_http_krj_session_logout(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_krj_page_prefix(r, &prefix);

    location.len = prefix.len + sizeof("/login") - 1;
    location.data = ngx_pnalloc(r->pool, location.len);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ngx_cpymem(location.data, prefix.data, prefix.len), "/login",
               sizeof("/login") - 1);

    return ngx_http_krj_send_found(r, NGX_HTTP_SEE_OTHER, &location);
}


static void
ngx_http_krj_login_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_krj_login_form(r);

    ngx_http_krj_login_wipe(r);

    ngx_http_finalize_request(r, rc);
}


/*
 * The fields user, password and next; the answer of
 * ngx_http_krj_session_login(): a 303 with the cookie, the form again
 * with a 401, or (locked out) the refusal it recorded, a 429.
 */

static ngx_int_t
ngx_http_krj_login_form(ngx_http_request_t *r)
{
    int          rc;
    char        *buf, *start, err[KRJ_FORM_ERRLEN];
    size_t       len;
    u_char      *body;
    ngx_int_t    login;
    krj_str_t    name, value;
    ngx_str_t    user, password, next;
    const char  *pos, *end;

    body = ngx_http_krj_login_read(r, &len);

    if (body == NULL) {
        return (len > NGX_HTTP_KRJ_LOGIN_MAX)
               ? ngx_http_krj_login_refuse(r,
                                         NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                         "too_large", "A sign-in form is at "
                                         "most 4096 bytes.")
               : NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    start = ngx_pnalloc(r->pool, 2 * len + 2);
    if (start == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    buf = start;

    ngx_str_null(&user);
    ngx_str_null(&password);
    ngx_str_null(&next);

    pos = (const char *) body;
    end = pos + len;

    /* a password is what it is: the fields are not trimmed */

    while ((rc = krj_form_next(&pos, end, buf, &name, &value, err,
                               KRJ_FORM_RAW))
           == 1)
    {
        if (name.len == 4 && ngx_strncmp(name.data, "user", 4) == 0) {
            user.data = (u_char *) value.data;
            user.len = value.len;

        } else if (name.len == 8
                   && ngx_strncmp(name.data, "password", 8) == 0)
        {
            password.data = (u_char *) value.data;
            password.len = value.len;

        } else if (name.len == 4 && ngx_strncmp(name.data, "next", 4) == 0) {
            next.data = (u_char *) value.data;
            next.len = value.len;
        }

        buf = (char *) value.data + value.len + 1;
    }

    /* a form that is no text is a failed login, at no cost of a hash */

    if (rc < 0) {
        ngx_explicit_memzero(start, 2 * len + 2);
        ngx_explicit_memzero(body, len);
        return ngx_http_krj_login_failed(r, NULL);
    }

    login = ngx_http_krj_session_login(r, &user, &password, &next);

    ngx_explicit_memzero(body, len);

    switch (login) {

    case NGX_OK:
        rc = ngx_http_krj_send_found(r, NGX_HTTP_SEE_OTHER, &next);
        break;

    case NGX_DECLINED:
        rc = ngx_http_krj_login_failed(r, &next);
        break;

    case NGX_BUSY:
        /* the refusal it recorded, with Retry-After, as a page */
        rc = NGX_HTTP_TOO_MANY_REQUESTS;
        break;

    default:
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * the decoded password is wiped by the session code; the decoded next
     * stays, the Location header points to it
     */

    return rc;
}


/* the form again, with the message and next= when it is local */

static ngx_int_t
ngx_http_krj_login_failed(ngx_http_request_t *r, ngx_str_t *next)
{
    krj_page_t                  pg;
    ngx_http_krj_snapshot_t    *snapshot;
    ngx_http_krj_login_page_t   l;

    if (ngx_http_krj_snapshot_acquire(r, &snapshot) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_krj_page_init(r, snapshot, NULL, &pg);

    l.next = NULL;
    l.nlen = 0;
    l.message = NGX_HTTP_KRJ_LOGIN_FAILED;
    l.mlen = sizeof(NGX_HTTP_KRJ_LOGIN_FAILED) - 1;

    if (next != NULL
        && krj_page_next_ok(&pg, (const char *) next->data, next->len))
    {
        l.next = (const char *) next->data;
        l.nlen = next->len;
    }

    return ngx_http_krj_page_send(r, snapshot, &pg, NGX_HTTP_UNAUTHORIZED,
                                  ngx_http_krj_render_login_page, &l);
}


static ngx_int_t
ngx_http_krj_login_refuse(ngx_http_request_t *r, ngx_uint_t status,
    const char *code, const char *message)
{
    krj_page_t                pg;
    ngx_http_krj_snapshot_t  *snapshot;

    if (ngx_http_krj_snapshot_acquire(r, &snapshot) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_krj_page_init(r, snapshot, NULL, &pg);

    return ngx_http_krj_page_error(r, snapshot, &pg, status, code, NULL,
                                   "%s", message);
}


/* application/x-www-form-urlencoded, with any parameters */

static ngx_int_t
ngx_http_krj_login_form_type(ngx_http_request_t *r)
{
    size_t            n;
    u_char           *p, *last;
    ngx_table_elt_t  *h;

    static u_char     type[] = "application/x-www-form-urlencoded";

    h = r->headers_in.content_type;
    n = sizeof(type) - 1;

    if (h == NULL || h->value.len < n
        || ngx_strncasecmp(h->value.data, type, n) != 0)
    {
        return NGX_DECLINED;
    }

    p = h->value.data + n;
    last = h->value.data + h->value.len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return (p == last || *p == ';') ? NGX_OK : NGX_DECLINED;
}


/*
 * The body in one buffer of the pool, NULL when it is larger than a form
 * (*len says so) or went to a file
 */

static u_char *
ngx_http_krj_login_read(ngx_http_request_t *r, size_t *len)
{
    u_char       *p, *body;
    ngx_chain_t  *cl;

    *len = 0;

    if (r->request_body == NULL) {
        return (u_char *) "";
    }

    if (r->request_body->temp_file) {
        *len = NGX_HTTP_KRJ_LOGIN_MAX + 1;
        return NULL;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (cl->buf->in_file) {
            *len = NGX_HTTP_KRJ_LOGIN_MAX + 1;
            return NULL;
        }

        *len += cl->buf->last - cl->buf->pos;
    }

    if (*len > NGX_HTTP_KRJ_LOGIN_MAX) {
        return NULL;
    }

    body = ngx_pnalloc(r->pool, *len ? *len : 1);
    if (body == NULL) {
        return NULL;
    }

    p = body;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
    }

    return body;
}


/* nginx's own buffers of the body held the password too */

static void
ngx_http_krj_login_wipe(ngx_http_request_t *r)
{
    ngx_chain_t  *cl;

    if (r->request_body == NULL) {
        return;
    }

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        if (!cl->buf->in_file && cl->buf->last > cl->buf->pos) {
            ngx_explicit_memzero(cl->buf->pos, cl->buf->last - cl->buf->pos);
        }
    }
}


static void
ngx_http_krj_render_login_page(krj_out_t *o, const krj_page_t *pg,
    const void *arg)
{
    const ngx_http_krj_login_page_t  *l = arg;

    krj_page_login(o, pg, l->next, l->nlen, l->message, l->mlen);
}
