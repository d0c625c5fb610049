
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_layout.h"
#include "krj_out.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_status.h"


static ngx_int_t ngx_http_krj_ready(ngx_http_request_t *r);
static ngx_int_t ngx_http_krj_send_status(ngx_http_request_t *r,
    ngx_uint_t status, const char *fmt, ...);


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

    return ngx_http_krj_send_json(r, NGX_HTTP_OK, (u_char *) KRJ_FMT_HEALTH,
                                  sizeof(KRJ_FMT_HEALTH) - 1);
}


static ngx_int_t
ngx_http_krj_ready(ngx_http_request_t *r)
{
    u_char                    *p;
    time_t                     age;
    krj_snap_ref_t             iso;
    ngx_http_krj_snapshot_t   *snapshot;
    ngx_http_krj_main_conf_t  *kmcf;
    u_char                     reason[NGX_HTTP_KRJ_REASON_LEN];

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);

    if (ngx_http_krj_snapshot_acquire(r, &snapshot) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (snapshot == NULL) {
        return ngx_http_krj_send_status(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                        KRJ_FMT_NOT_READY, kmcf->reason,
                                        kmcf->reason_len);
    }

    /* a clock set back makes a snapshot from the future: call it new */

    age = ngx_time() - (time_t) snapshot->snap.hdr->generated_at;
    age = ngx_max(age, 0);

    if (kmcf->max_age && age > kmcf->max_age) {
        p = ngx_snprintf(reason, sizeof(reason),
                         "snapshot is %T s old, krj_max_age is %T s",
                         age, kmcf->max_age);

        return ngx_http_krj_send_status(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                        KRJ_FMT_NOT_READY, reason,
                                        (size_t) (p - reason));
    }

    iso = snapshot->snap.hdr->generated_at_iso;

    return ngx_http_krj_send_status(r, NGX_HTTP_OK, KRJ_FMT_READY,
                                    krj_snap_ptr(&snapshot->snap, iso),
                                    (size_t) iso.len, (int64_t) age,
                                    (unsigned) snapshot->snap.hdr->ncategories);
}


/* a KRJ_FMT_* status body, measured, then written into the pool */

static ngx_int_t
ngx_http_krj_send_status(ngx_http_request_t *r, ngx_uint_t status,
    const char *fmt, ...)
{
    u_char     *body;
    va_list     args;
    krj_out_t   o;

    krj_out_init(&o, NULL);

    va_start(args, fmt);
    krj_out_vfmt(&o, fmt, args);
    va_end(args);

    body = ngx_pnalloc(r->pool, o.len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    krj_out_init(&o, body);

    va_start(args, fmt);
    krj_out_vfmt(&o, fmt, args);
    va_end(args);

    return ngx_http_krj_send_json(r, status, body, o.len);
}
