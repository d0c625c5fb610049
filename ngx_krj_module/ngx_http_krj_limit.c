
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_krj_module.h"
#include "ngx_http_krj_limit.h"
#include "ngx_http_krj_response.h"
#include "ngx_http_krj_zone.h"


/* a bucket idle this long and drained holds nothing worth keeping */
#define NGX_HTTP_KRJ_LIMIT_IDLE  60000


static ngx_int_t ngx_http_krj_limit_account(ngx_http_krj_zone_t *zone,
    ngx_uint_t kind, ngx_str_t *key, ngx_http_krj_limit_t *limit,
    ngx_uint_t commit, ngx_uint_t *excess);
static ngx_int_t ngx_http_krj_limit_refuse(ngx_http_request_t *r,
    ngx_uint_t kind, ngx_str_t *key, ngx_http_krj_limit_t *limit,
    ngx_uint_t excess);
static ngx_int_t ngx_http_krj_limit_headers(ngx_http_request_t *r,
    ngx_http_krj_limit_t *limit, ngx_uint_t remaining, ngx_uint_t reset,
    ngx_uint_t refusal);
static void ngx_http_krj_limit_delay(ngx_http_request_t *r);


char *
ngx_http_krj_limit_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    char                  *rv;
    ngx_int_t              burst;
    ngx_str_t             *value, s;
    ngx_uint_t             i, failures;
    ngx_http_krj_limit_t  *limit;

    limit = (ngx_http_krj_limit_t *) (p + cmd->offset);
    failures = (cmd->post == (void *) NGX_HTTP_KRJ_LIMIT_FAILURES);

    if (limit->rate != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ngx_memzero(limit, sizeof(ngx_http_krj_limit_t));

    if (ngx_strcmp(value[1].data, "off") == 0 && cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            rv = ngx_http_krj_limit_parse_rate(&s, limit);
            if (rv != NGX_CONF_OK) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\" %s", &cmd->name, rv);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            burst = ngx_atoi(value[i].data + 6, value[i].len - 6);

            if (burst < 0 || burst > 1000000) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid burst value \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            limit->burst = burst * 1000;
            continue;
        }

        if (ngx_strcmp(value[i].data, "nodelay") == 0 && !failures) {
            limit->nodelay = 1;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (limit->rate == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"rate\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    /* failures are never delayed, only refused */

    if (failures) {
        limit->nodelay = 1;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_krj_limit_parse_rate(ngx_str_t *value, ngx_http_krj_limit_t *limit)
{
    size_t     len;
    u_char    *p;
    ngx_int_t  n;

    len = value->len;
    p = value->data + len - 3;

    if (len <= 3
        || (ngx_strncmp(p, "r/s", 3) != 0 && ngx_strncmp(p, "r/m", 3) != 0))
    {
        return "has an invalid rate, it must look like 10r/s or 600r/m";
    }

    n = ngx_atoi(value->data, len - 3);

    if (n <= 0 || n > 1000000) {
        return "has an invalid rate, it must look like 10r/s or 600r/m";
    }

    ngx_http_krj_limit_set_rate(limit, n, p[2]);

    if (limit->rate == 0) {
        return "has a rate below one request a minute";
    }

    return NGX_CONF_OK;
}


void
ngx_http_krj_limit_set_rate(ngx_http_krj_limit_t *limit, ngx_uint_t rate,
    u_char unit)
{
    ngx_uint_t  scale;

    scale = (unit == 'm') ? 60 : 1;

    limit->rate = rate * 1000 / scale;
    limit->quota = rate;
    limit->window = scale;
}


ngx_int_t
ngx_http_krj_limit(ngx_http_request_t *r, ngx_uint_t kind, ngx_str_t *key,
    ngx_http_krj_limit_t *limit, ngx_uint_t commit)
{
    ngx_int_t             rc;
    ngx_uint_t            excess, remaining;
    ngx_msec_t            delay;
    ngx_http_krj_zone_t  *zone;

    zone = ngx_http_krj_zone(r);

    if (zone == NULL || limit->rate == 0) {
        return NGX_OK;
    }

    rc = ngx_http_krj_limit_account(zone, kind, key, limit, commit, &excess);

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "krj: could not allocate node in krj zone \"%V\"",
                      &zone->name);

        return ngx_http_krj_refuse(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                   "unavailable", "the limits zone is full");
    }

    if (rc == NGX_BUSY) {
        return ngx_http_krj_limit_refuse(r, kind, key, limit, excess);
    }

    if (!commit || kind != NGX_HTTP_KRJ_NODE_PRINCIPAL) {
        return NGX_OK;
    }

    remaining = (limit->burst - excess) / 1000;

    if (ngx_http_krj_limit_headers(r, limit, remaining,
                                   (excess * 1000 / limit->rate + 999) / 1000,
                                   0)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (excess == 0 || limit->nodelay) {
        return NGX_OK;
    }

    delay = excess * 1000 / limit->rate;

    if (delay == 0) {
        return NGX_OK;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "krj limit delaying \"%V\" %M ms", key, delay);

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_krj_limit_delay;

    r->connection->write->delayed = 1;
    ngx_add_timer(r->connection->write, delay);

    return NGX_AGAIN;
}


ngx_uint_t
ngx_http_krj_limit_over(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *key, ngx_http_krj_limit_t *limit)
{
    ngx_uint_t            excess;
    ngx_http_krj_zone_t  *zone;

    zone = ngx_http_krj_zone(r);

    if (zone == NULL || limit->rate == 0) {
        return 0;
    }

    return ngx_http_krj_limit_account(zone, kind, key, limit, 0, &excess)
           == NGX_BUSY;
}


/*
 * The bucket arithmetic of limit_req: excess is kept in thousandths of a
 * request and leaks at rate; a rejected request is never counted.
 * NGX_OK with the excess after this request, NGX_BUSY with the excess as
 * it is, or NGX_ERROR when the zone is full.
 */

static ngx_int_t
ngx_http_krj_limit_account(ngx_http_krj_zone_t *zone, ngx_uint_t kind,
    ngx_str_t *key, ngx_http_krj_limit_t *limit, ngx_uint_t commit,
    ngx_uint_t *excessp)
{
    ngx_int_t             excess;
    ngx_msec_t            now, drain;
    ngx_msec_int_t        ms;
    ngx_http_krj_node_t  *kn;

    now = ngx_current_msec;

    ngx_http_krj_zone_lock(zone);

    kn = ngx_http_krj_zone_find_locked(zone, kind, key->data, key->len);

    if (kn == NULL) {

        if (!commit) {
            ngx_http_krj_zone_unlock(zone);
            *excessp = 0;
            return NGX_OK;
        }

        kn = ngx_http_krj_zone_alloc_locked(zone, kind, key->data, key->len);

        if (kn == NULL) {
            ngx_http_krj_zone_unlock(zone);
            return NGX_ERROR;
        }

        kn->last = now;
        kn->rate = limit->rate;
        kn->expire = now + NGX_HTTP_KRJ_LIMIT_IDLE;

        ngx_http_krj_zone_unlock(zone);

        *excessp = 0;
        return NGX_OK;
    }

    ms = (ngx_msec_int_t) (now - kn->last);

    if (ms < -60000) {
        ms = 1;

    } else if (ms < 0) {
        ms = 0;
    }

    excess = kn->excess - limit->rate * ms / 1000 + 1000;

    if (excess < 0) {
        excess = 0;
    }

    if ((ngx_uint_t) excess > limit->burst) {
        excess -= 1000;
        ngx_http_krj_zone_unlock(zone);

        *excessp = excess > 0 ? excess : 0;
        return NGX_BUSY;
    }

    if (commit) {
        kn->excess = excess;
        kn->last = now;
        kn->rate = limit->rate;

        /* freed once idle and drained: its excess has leaked away */
        drain = excess * 1000 / limit->rate;
        kn->expire = now + ngx_max(drain, NGX_HTTP_KRJ_LIMIT_IDLE);
    }

    ngx_http_krj_zone_unlock(zone);

    *excessp = excess;
    return NGX_OK;
}


static ngx_int_t
ngx_http_krj_limit_refuse(ngx_http_request_t *r, ngx_uint_t kind,
    ngx_str_t *key, ngx_http_krj_limit_t *limit, ngx_uint_t excess)
{
    ngx_uint_t  wait;
    ngx_str_t   value;
    u_char      buf[NGX_INT_T_LEN];

    if (kind == NGX_HTTP_KRJ_NODE_PRINCIPAL) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "krj: limiting requests of \"%V\", excess: %ui.%03ui",
                      key, excess / 1000, excess % 1000);

    } else {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "krj: too many failed authentications from %V", key);
    }

    /* seconds until one more request fits under the burst */

    wait = excess + 1000 > limit->burst
           ? ((excess + 1000 - limit->burst) * 1000 / limit->rate + 999)
             / 1000
           : 1;

    if (wait == 0) {
        wait = 1;
    }

    value.data = buf;
    value.len = ngx_sprintf(buf, "%ui", wait) - buf;

    if (ngx_http_krj_refusal_header(r, "Retry-After", &value) != NGX_OK
        || ngx_http_krj_limit_headers(r, limit, 0, wait, 1) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_krj_refuse(r, NGX_HTTP_TOO_MANY_REQUESTS, "rate_limited",
                               "too many requests, retry in %ui second%s",
                               wait, wait == 1 ? "" : "s");
}


/*
 * RateLimit-Policy and RateLimit as in draft-ietf-httpapi-ratelimit-
 * headers-08 (structured field lists of named policies):
 *
 *     RateLimit-Policy: "krj";q=100;w=60
 *     RateLimit: "krj";r=42;t=5
 *
 * q and w are the configured rate, r what can be sent right now without
 * a rejection, t the seconds until the bucket is empty again.
 */

static ngx_int_t
ngx_http_krj_limit_headers(ngx_http_request_t *r, ngx_http_krj_limit_t *limit,
    ngx_uint_t remaining, ngx_uint_t reset, ngx_uint_t refusal)
{
    ngx_int_t  rc;
    ngx_str_t  value;
    u_char     buf[sizeof("\"krj\";q=;w=") + 2 * NGX_INT_T_LEN];

    value.data = buf;
    value.len = ngx_sprintf(buf, "\"krj\";q=%ui;w=%ui", limit->quota,
                            limit->window)
                - buf;

    rc = refusal ? ngx_http_krj_refusal_header(r, "RateLimit-Policy", &value)
                 : ngx_http_krj_push_header(r, "RateLimit-Policy", &value);

    if (rc != NGX_OK) {
        return NGX_ERROR;
    }

    value.len = ngx_sprintf(buf, "\"krj\";r=%ui;t=%ui", remaining, reset)
                - buf;

    return refusal ? ngx_http_krj_refusal_header(r, "RateLimit", &value)
                   : ngx_http_krj_push_header(r, "RateLimit", &value);
}


/* as limit_req's: a write event before the timer is not the end of it */

static void
ngx_http_krj_limit_delay(ngx_http_request_t *r)
{
    ngx_event_t  *wev;

    wev = r->connection->write;

    if (wev->delayed) {

        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        }

        return;
    }

    if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
}
