
/*
 * Copyright (C) The krj developers
 */


#ifndef _NGX_HTTP_KRJ_LIMIT_H_INCLUDED_
#define _NGX_HTTP_KRJ_LIMIT_H_INCLUDED_


/*
 * Leaky buckets in krj_zone, as limit_req keeps them: a key (a principal,
 * or an address's failed logins) and a limit in, a decision out, with the
 * delay, the 429 and the RateLimit headers.  Nothing here knows how the
 * key was found.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* cmd->post of krj_auth_fail_limit: failures are refused, never delayed */
#define NGX_HTTP_KRJ_LIMIT_FAILURES  1


typedef struct {
    ngx_uint_t                   rate;      /* requests per 1000 seconds */
    ngx_uint_t                   burst;     /* in thousandths */
    ngx_uint_t                   nodelay;
    ngx_uint_t                   quota;     /* as configured: 100 in 100r/m */
    ngx_uint_t                   window;    /* 1 or 60 seconds */
} ngx_http_krj_limit_t;


/* krj_limit rate=100r/m [burst=20] [nodelay] | off; krj_auth_fail_limit */
char *ngx_http_krj_limit_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* "100r/m" or "10r/s"; NGX_CONF_OK or the reason */
char *ngx_http_krj_limit_parse_rate(ngx_str_t *value,
    ngx_http_krj_limit_t *limit);

/* limit from a rate of the key file: rate per unit ('s' or 'm') */
void ngx_http_krj_limit_set_rate(ngx_http_krj_limit_t *limit,
    ngx_uint_t rate, u_char unit);

/*
 * One request of key in its bucket of kind (NGX_HTTP_KRJ_NODE_*).  With
 * commit == 0 it only looks and changes nothing.  NGX_OK to go on (a
 * committed request of a principal also gets RateLimit headers), NGX_AGAIN
 * after a delay was armed (the phase runs again when it ends), or the
 * status of a refusal recorded with ngx_http_krj_refuse(): 429 over the
 * limit, 503 when krj_zone has no room.
 */
ngx_int_t ngx_http_krj_limit(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *key, ngx_http_krj_limit_t *limit, ngx_uint_t commit);

/*
 * The 429 of a bucket found over its burst before, whatever it holds now:
 * for a request refused without the work that would have counted it.
 */
ngx_int_t ngx_http_krj_limit_busy(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *key, ngx_http_krj_limit_t *limit);

/* whether the bucket is over its burst, without answering */
ngx_uint_t ngx_http_krj_limit_over(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *key, ngx_http_krj_limit_t *limit);


#endif /* _NGX_HTTP_KRJ_LIMIT_H_INCLUDED_ */
