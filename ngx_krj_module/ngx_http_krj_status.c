
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_status.h"


#define NGX_HTTP_KRJ_HEALTH     "{\"status\":\"ok\"}"
#define NGX_HTTP_KRJ_READY                                                    \
    "{\"status\":\"ready\",\"generated_at\":\"%V\",\"age\":%T,"            \
    "\"categories\":%uD}"
#define NGX_HTTP_KRJ_NOT_READY  "{\"status\":\"not_ready\",\"reason\":\""
#define NGX_HTTP_KRJ_REASON_END "\"}"


static ngx_int_t ngx_http_krj_ready(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_not_ready(ngx_http_request_t *r,
    u_char *reason, size_t len);


ngx_int_t
ngx_http_krj_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                 rc;
    ngx_http_krj_loc_conf_t  *klcf;

    /* first, so that a 405 on a kept-alive connection leaves no body */

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_krj_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                       "method_not_allowed",
                                       "method %V is not allowed, only GET "
                                       "and HEAD", &r->method_name);
    }

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_krj_module);

    if (klcf->status == NGX_HTTP_KRJ_STATUS_READY) {
        return ngx_http_krj_ready(r);
    }

    return ngx_http_krj_send_json(r, NGX_HTTP_OK,
                                  (u_char *) NGX_HTTP_KRJ_HEALTH,
                                  sizeof(NGX_HTTP_KRJ_HEALTH) - 1);
}


static ngx_int_t
ngx_http_krj_ready(ngx_http_request_t *r)
{
    u_char                    *p, *body, *src;
    size_t                     len;
    time_t                     age;
    ngx_str_t                  iso;
    ngx_http_krj_snapshot_t   *snapshot;
    ngx_http_krj_main_conf_t  *kmcf;
    u_char                     reason[NGX_HTTP_KRJ_REASON_LEN];

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    if (ngx_http_krj_snapshot_acquire(r, kmcf, &snapshot) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (snapshot == NULL) {
        return ngx_http_krj_not_ready(r, kmcf->reason, kmcf->reason_len);
    }

    /* a clock set back makes a snapshot from the future: call it new */

    age = ngx_time() - (time_t) snapshot->snap.hdr->generated_at;
    age = ngx_max(age, 0);

    if (kmcf->max_age && age > kmcf->max_age) {
        p = ngx_snprintf(reason, sizeof(reason),
                         "snapshot is %T s old, krj_max_age is %T s",
                         age, kmcf->max_age);

        return ngx_http_krj_not_ready(r, reason, p - reason);
    }

    src = (u_char *) krj_snap_ptr(&snapshot->snap,
                                  snapshot->snap.hdr->generated_at_iso);
    len = snapshot->snap.hdr->generated_at_iso.len;

    iso.len = len + ngx_escape_json(NULL, src, len);
    iso.data = ngx_pnalloc(r->pool, iso.len);
    if (iso.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) ngx_escape_json(iso.data, src, len);

    len = sizeof(NGX_HTTP_KRJ_READY) - 1 + iso.len + NGX_TIME_T_LEN
          + NGX_INT32_LEN;

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_snprintf(body, len, NGX_HTTP_KRJ_READY, &iso, age,
                     snapshot->snap.hdr->ncategories);

    return ngx_http_krj_send_json(r, NGX_HTTP_OK, body, p - body);
}


static ngx_int_t
ngx_http_krj_not_ready(ngx_http_request_t *r, u_char *reason, size_t len)
{
    u_char  *p, *body;
    size_t   size;

    size = sizeof(NGX_HTTP_KRJ_NOT_READY) - 1 + len
           + ngx_escape_json(NULL, reason, len)
           + sizeof(NGX_HTTP_KRJ_REASON_END) - 1;

    body = ngx_pnalloc(r->pool, size);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(body, NGX_HTTP_KRJ_NOT_READY,
                   sizeof(NGX_HTTP_KRJ_NOT_READY) - 1);
    p = (u_char *) ngx_escape_json(p, reason, len);
    p = ngx_cpymem(p, NGX_HTTP_KRJ_REASON_END,
                   sizeof(NGX_HTTP_KRJ_REASON_END) - 1);

    return ngx_http_krj_send_json(r, NGX_HTTP_SERVICE_UNAVAILABLE, body,
                                  p - body);
}
