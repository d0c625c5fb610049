
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_EXPOSITION_H_INCLUDED_
#define _NGX_HTTP_KRJ_EXPOSITION_H_INCLUDED_


/*
 * The counters of ngx_http_krj_metrics.c written out as Prometheus' text
 * exposition format 0.0.4, or as OpenMetrics 1.0.0 when open is set.
 * Run twice, as every krj_out_t writer: measure, then write.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_out.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_metrics.h"


/* m NULL: no krj_zone, only the snapshot's gauges */
void ngx_http_krj_exposition(krj_out_t *o, ngx_uint_t open,
    ngx_http_request_t *r, ngx_http_krj_metrics_t *m,
    ngx_http_krj_snapshot_t *snapshot);


#endif /* _NGX_HTTP_KRJ_EXPOSITION_H_INCLUDED_ */
