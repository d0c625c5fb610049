
/*
 * Copyright (C) The krj developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "krj_date.h"
#include "krj_out.h"
#include "ngx_http_krj_module.h"
#include "ngx_http_krj_exposition.h"
#include "ngx_http_krj_metrics.h"
#include "ngx_http_krj_snapshot.h"
#include "ngx_http_krj_zone.h"



/* a sample's help, type and name, in one place for both formats */
typedef struct {
    const char                  *name;
    const char                  *type;
    const char                  *help;
} ngx_http_krj_family_t;


typedef struct {
    krj_out_t                    o;
    ngx_uint_t                   open;      /* OpenMetrics */
} ngx_http_krj_expo_t;


static void ngx_http_krj_metrics_http(ngx_http_krj_expo_t *e,
    ngx_http_krj_metrics_t *m);
static void ngx_http_krj_metrics_auth_out(ngx_http_krj_expo_t *e,
    ngx_http_krj_metrics_t *m);
static void ngx_http_krj_metrics_snapshot(ngx_http_krj_expo_t *e,
    ngx_http_krj_metrics_t *m, ngx_http_krj_snapshot_t *snapshot);
static void ngx_http_krj_metrics_zone_out(ngx_http_krj_expo_t *e,
    ngx_http_request_t *r, ngx_http_krj_metrics_t *m);
static void ngx_http_krj_metrics_family(ngx_http_krj_expo_t *e,
    const ngx_http_krj_family_t *f);
static void ngx_http_krj_metrics_seconds(krj_out_t *o, uint64_t us);


static const char  *ngx_http_krj_encodings[] = {
    "identity", "gzip", "br", "zstd"
};

static const char  *ngx_http_krj_method_names[] = {
    "none", "key", "basic", "session"
};

static const char  *ngx_http_krj_auth_results[] = {
    "ok", "bad_credentials", "expired", "revoked", "forbidden_scope",
    "locked_out", "missing"
};

/*
 * The outcomes each method can have, written even at 0 so that rate()
 * sees the first one; "none" is a request without usable credentials.
 */
#define ngx_http_krj_pair(r)  (1 << NGX_HTTP_KRJ_AUTH_##r)

static const ngx_uint_t  ngx_http_krj_auth_pairs[NGX_HTTP_KRJ_METHODS] = {
    ngx_http_krj_pair(BAD) | ngx_http_krj_pair(LOCKED)
        | ngx_http_krj_pair(MISSING),
    ngx_http_krj_pair(OK) | ngx_http_krj_pair(BAD)
        | ngx_http_krj_pair(EXPIRED) | ngx_http_krj_pair(REVOKED)
        | ngx_http_krj_pair(FORBIDDEN) | ngx_http_krj_pair(LOCKED),
    ngx_http_krj_pair(OK) | ngx_http_krj_pair(BAD)
        | ngx_http_krj_pair(FORBIDDEN) | ngx_http_krj_pair(LOCKED),
    ngx_http_krj_pair(OK) | ngx_http_krj_pair(BAD)
        | ngx_http_krj_pair(EXPIRED) | ngx_http_krj_pair(FORBIDDEN)
};

static const char  *ngx_http_krj_refusal_names[] = {
    "open", "size", "read", "invalid"
};

static const char  *ngx_http_krj_les[NGX_HTTP_KRJ_BUCKETS + 1] = {
    "5e-05", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005",
    "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"
};


static const ngx_http_krj_family_t  ngx_http_krj_families[] = {

#define NGX_HTTP_KRJ_F_REQUESTS   0
    { "krj_http_requests", "counter",
      "Requests krj answered, by route and status class." },

#define NGX_HTTP_KRJ_F_BYTES      1
    { "krj_http_response_bytes", "counter",
      "Body bytes krj sent, by route and content encoding." },

#define NGX_HTTP_KRJ_F_DURATION   2
    { "krj_http_request_duration_seconds", "histogram",
      "Server time of krj's requests, from reading them to logging them." },

#define NGX_HTTP_KRJ_F_AUTH       3
    { "krj_auth_outcomes", "counter",
      "Authentication outcomes, by method and result." },

#define NGX_HTTP_KRJ_F_LIMITED    4
    { "krj_rate_limited_requests", "counter",
      "Requests refused by krj_limit (429 rate_limited)." },

#define NGX_HTTP_KRJ_F_CACHE      5
    { "krj_basic_cache_lookups", "counter",
      "Lookups of verified Basic credentials in krj_zone, by result." },

#define NGX_HTTP_KRJ_F_SESSIONS   6
    { "krj_session_cookies", "counter",
      "Session cookies presented, by result." },

#define NGX_HTTP_KRJ_F_INFO       7
    { "krj_snapshot", "info",
      "The snapshot generation this worker serves." },

#define NGX_HTTP_KRJ_F_GENERATED  8
    { "krj_snapshot_generated_timestamp_seconds", "gauge",
      "When krj-batch published the snapshot served." },

#define NGX_HTTP_KRJ_F_AGE        9
    { "krj_snapshot_age_seconds", "gauge",
      "Seconds since the snapshot served was published." },

#define NGX_HTTP_KRJ_F_CATEGORIES 10
    { "krj_snapshot_categories", "gauge",
      "Categories in the snapshot served." },

#define NGX_HTTP_KRJ_F_ROWS       11
    { "krj_category_rows", "gauge",
      "Rows of each category in the snapshot served." },

#define NGX_HTTP_KRJ_F_SIGNAL     12
    { "krj_category_signal_date_timestamp_seconds", "gauge",
      "The signal date of each category (midnight UTC)." },

#define NGX_HTTP_KRJ_F_LOADS      13
    { "krj_snapshot_loads", "counter",
      "Snapshot generations loaded, each counted once for all workers." },

#define NGX_HTTP_KRJ_F_REFUSALS   14
    { "krj_snapshot_refusals", "counter",
      "Snapshot file states refused, by reason." },

#define NGX_HTTP_KRJ_F_LOAD_TIME  15
    { "krj_snapshot_load_duration_seconds", "gauge",
      "How long the last load took to copy and validate the snapshot." },

#define NGX_HTTP_KRJ_F_ZONE_USED  16
    { "krj_zone_used_bytes", "gauge",
      "Bytes of krj_zone in use." },

#define NGX_HTTP_KRJ_F_ZONE_SIZE  17
    { "krj_zone_size_bytes", "gauge",
      "The size of krj_zone." },

#define NGX_HTTP_KRJ_F_NODES      18
    { "krj_zone_nodes", "gauge",
      "Buckets and cached verifications held in krj_zone." },

#define NGX_HTTP_KRJ_F_EVICTIONS  19
    { "krj_zone_evictions", "counter",
      "Entries evicted from a full krj_zone: rate limits weaken if this "
      "grows." }
};


void
ngx_http_krj_exposition(krj_out_t *o, ngx_uint_t open, ngx_http_request_t *r,
    ngx_http_krj_metrics_t *m, ngx_http_krj_snapshot_t *snapshot)
{
    ngx_http_krj_expo_t   expo, *e;

    e = &expo;
    e->o = *o;
    e->open = open;

    if (m != NULL) {
        ngx_http_krj_metrics_http(e, m);
        ngx_http_krj_metrics_auth_out(e, m);
    }

    ngx_http_krj_metrics_snapshot(e, m, snapshot);

    if (m != NULL) {
        ngx_http_krj_metrics_zone_out(e, r, m);
    }

    if (e->open) {
        krj_out_str(&e->o, "# EOF\n");
    }

    *o = e->o;
}


static void
ngx_http_krj_metrics_http(ngx_http_krj_expo_t *e, ngx_http_krj_metrics_t *m)
{
    uint64_t    n, cum, count;
    ngx_uint_t  route, k, i;

    ngx_http_krj_metrics_family(e,
                            &ngx_http_krj_families[NGX_HTTP_KRJ_F_REQUESTS]);

    for (route = 1; route < NGX_HTTP_KRJ_ROUTES; route++) {
        for (k = 0; k < 5; k++) {
            n = m->requests[route][k];

            if (n) {
                krj_out_fmt(&e->o, "krj_http_requests_total{route=\"%r\","
                            "status=\"%uxx\"} %U\n",
                            ngx_http_krj_route_names[route].data,
                            ngx_http_krj_route_names[route].len,
                            (unsigned) (k + 1), n);
            }
        }
    }

    ngx_http_krj_metrics_family(e,
                               &ngx_http_krj_families[NGX_HTTP_KRJ_F_BYTES]);

    for (route = 1; route < NGX_HTTP_KRJ_ROUTES; route++) {
        for (k = 0; k < NGX_HTTP_KRJ_ENCODINGS; k++) {
            n = m->bytes[route][k];

            if (n) {
                krj_out_fmt(&e->o, "krj_http_response_bytes_total{route="
                            "\"%r\",encoding=\"%s\"} %U\n",
                            ngx_http_krj_route_names[route].data,
                            ngx_http_krj_route_names[route].len,
                            ngx_http_krj_encodings[k], n);
            }
        }
    }

    ngx_http_krj_metrics_family(e,
                            &ngx_http_krj_families[NGX_HTTP_KRJ_F_DURATION]);

    for (route = 1; route < NGX_HTTP_KRJ_ROUTES; route++) {

        count = 0;

        for (i = 0; i <= NGX_HTTP_KRJ_BUCKETS; i++) {
            count += m->duration[route][i];
        }

        if (count == 0) {
            continue;
        }

        cum = 0;

        for (i = 0; i <= NGX_HTTP_KRJ_BUCKETS; i++) {
            cum += m->duration[route][i];

            krj_out_fmt(&e->o, "krj_http_request_duration_seconds_bucket{"
                        "route=\"%r\",le=\"%s\"} %U\n",
                        ngx_http_krj_route_names[route].data,
                        ngx_http_krj_route_names[route].len,
                        ngx_http_krj_les[i], cum);
        }

        krj_out_fmt(&e->o, "krj_http_request_duration_seconds_sum{route="
                    "\"%r\"} ", ngx_http_krj_route_names[route].data,
                    ngx_http_krj_route_names[route].len);
        ngx_http_krj_metrics_seconds(&e->o, m->duration_us[route]);
        krj_out_fmt(&e->o, "\nkrj_http_request_duration_seconds_count{"
                    "route=\"%r\"} %U\n", ngx_http_krj_route_names[route].data,
                    ngx_http_krj_route_names[route].len, count);
    }
}


static void
ngx_http_krj_metrics_auth_out(ngx_http_krj_expo_t *e,
    ngx_http_krj_metrics_t *m)
{
    ngx_uint_t  method, k;

    ngx_http_krj_metrics_family(e,
                                &ngx_http_krj_families[NGX_HTTP_KRJ_F_AUTH]);

    for (method = 0; method < NGX_HTTP_KRJ_METHODS; method++) {
        for (k = 0; k < NGX_HTTP_KRJ_AUTH_RESULTS; k++) {

            if (!(ngx_http_krj_auth_pairs[method] & (1 << k))
                && m->auth[method][k] == 0)
            {
                continue;
            }

            krj_out_fmt(&e->o, "krj_auth_outcomes_total{method=\"%s\","
                        "result=\"%s\"} %U\n",
                        ngx_http_krj_method_names[method],
                        ngx_http_krj_auth_results[k],
                        (uint64_t) m->auth[method][k]);
        }
    }

    ngx_http_krj_metrics_family(e,
                             &ngx_http_krj_families[NGX_HTTP_KRJ_F_LIMITED]);
    krj_out_fmt(&e->o, "krj_rate_limited_requests_total %U\n",
                (uint64_t) m->counters[NGX_HTTP_KRJ_M_RATE_LIMITED]);

    ngx_http_krj_metrics_family(e,
                               &ngx_http_krj_families[NGX_HTTP_KRJ_F_CACHE]);
    krj_out_fmt(&e->o, "krj_basic_cache_lookups_total{result=\"hit\"} %U\n"
                "krj_basic_cache_lookups_total{result=\"miss\"} %U\n",
                (uint64_t) m->counters[NGX_HTTP_KRJ_M_CACHE_HIT],
                (uint64_t) m->counters[NGX_HTTP_KRJ_M_CACHE_MISS]);

    ngx_http_krj_metrics_family(e,
                            &ngx_http_krj_families[NGX_HTTP_KRJ_F_SESSIONS]);
    krj_out_fmt(&e->o, "krj_session_cookies_total{result=\"accepted\"} %U\n"
                "krj_session_cookies_total{result=\"refused\"} %U\n",
                (uint64_t) m->counters[NGX_HTTP_KRJ_M_SESSION_OK],
                (uint64_t) m->counters[NGX_HTTP_KRJ_M_SESSION_REFUSED]);
}


static void
ngx_http_krj_metrics_snapshot(ngx_http_krj_expo_t *e,
    ngx_http_krj_metrics_t *m, ngx_http_krj_snapshot_t *snapshot)
{
    long                        days;
    time_t                      age;
    uint32_t                    i;
    const krj_snap_t           *snap;
    const krj_snap_category_t  *cat;

    if (snapshot != NULL) {
        snap = &snapshot->snap;

        ngx_http_krj_metrics_family(e,
                                &ngx_http_krj_families[NGX_HTTP_KRJ_F_INFO]);
        krj_out_fmt(&e->o, "krj_snapshot_info{generation=\"%r\"} 1\n",
                    snapshot->generation.data,
                    (size_t) snapshot->generation.len);

        ngx_http_krj_metrics_family(e,
                           &ngx_http_krj_families[NGX_HTTP_KRJ_F_GENERATED]);
        krj_out_fmt(&e->o, "krj_snapshot_generated_timestamp_seconds %d\n",
                    snap->hdr->generated_at);

        age = ngx_time() - (time_t) snap->hdr->generated_at;

        ngx_http_krj_metrics_family(e,
                                 &ngx_http_krj_families[NGX_HTTP_KRJ_F_AGE]);
        krj_out_fmt(&e->o, "krj_snapshot_age_seconds %d\n",
                    (int64_t) ngx_max(age, 0));

        ngx_http_krj_metrics_family(e,
                          &ngx_http_krj_families[NGX_HTTP_KRJ_F_CATEGORIES]);
        krj_out_fmt(&e->o, "krj_snapshot_categories %u\n",
                    (unsigned) snap->hdr->ncategories);

        ngx_http_krj_metrics_family(e,
                                &ngx_http_krj_families[NGX_HTTP_KRJ_F_ROWS]);

        for (i = 0; i < snap->hdr->ncategories; i++) {
            cat = &snap->categories[i];
            krj_out_fmt(&e->o, "krj_category_rows{category=\"%r\"} %u\n",
                        krj_snap_ptr(snap, cat->slug),
                        (size_t) cat->slug.len, (unsigned) cat->nrows);
        }

        ngx_http_krj_metrics_family(e,
                              &ngx_http_krj_families[NGX_HTTP_KRJ_F_SIGNAL]);

        for (i = 0; i < snap->hdr->ncategories; i++) {
            cat = &snap->categories[i];

            /* the validator checked every signal date */
            if (krj_date_parse(krj_snap_ptr(snap, cat->signal_date),
                               cat->signal_date.len, &days, NULL)
                != 0)
            {
                continue;
            }

            krj_out_fmt(&e->o, "krj_category_signal_date_timestamp_seconds"
                        "{category=\"%r\"} %d\n",
                        krj_snap_ptr(snap, cat->slug),
                        (size_t) cat->slug.len,
                        (int64_t) days * KRJ_SECONDS_PER_DAY);
        }
    }

    if (m == NULL) {
        return;
    }

    ngx_http_krj_metrics_family(e,
                               &ngx_http_krj_families[NGX_HTTP_KRJ_F_LOADS]);
    krj_out_fmt(&e->o, "krj_snapshot_loads_total %U\n",
                (uint64_t) m->counters[NGX_HTTP_KRJ_M_LOADS]);

    ngx_http_krj_metrics_family(e,
                            &ngx_http_krj_families[NGX_HTTP_KRJ_F_REFUSALS]);

    for (i = 0; i < NGX_HTTP_KRJ_REFUSALS; i++) {
        krj_out_fmt(&e->o, "krj_snapshot_refusals_total{reason=\"%s\"} %U\n",
                    ngx_http_krj_refusal_names[i],
                    (uint64_t) m->refusals[i]);
    }

    ngx_http_krj_metrics_family(e,
                           &ngx_http_krj_families[NGX_HTTP_KRJ_F_LOAD_TIME]);
    krj_out_str(&e->o, "krj_snapshot_load_duration_seconds ");
    ngx_http_krj_metrics_seconds(&e->o, m->load_us);
    krj_out_str(&e->o, "\n");
}


/* called with nothing locked: a slab pool's counts are read as they are */

static void
ngx_http_krj_metrics_zone_out(ngx_http_krj_expo_t *e, ngx_http_request_t *r,
    ngx_http_krj_metrics_t *m)
{
    size_t                     size, used;
    ngx_http_krj_zone_t       *zone;
    ngx_http_krj_main_conf_t  *kmcf;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_krj_module);
    zone = kmcf->shm_zone->data;

    size = kmcf->shm_zone->shm.size;
    used = size - zone->shpool->pfree * ngx_pagesize;

    ngx_http_krj_metrics_family(e,
                           &ngx_http_krj_families[NGX_HTTP_KRJ_F_ZONE_USED]);
    krj_out_fmt(&e->o, "krj_zone_used_bytes %U\n", (uint64_t) used);

    ngx_http_krj_metrics_family(e,
                           &ngx_http_krj_families[NGX_HTTP_KRJ_F_ZONE_SIZE]);
    krj_out_fmt(&e->o, "krj_zone_size_bytes %U\n", (uint64_t) size);

    ngx_http_krj_metrics_family(e,
                               &ngx_http_krj_families[NGX_HTTP_KRJ_F_NODES]);
    krj_out_fmt(&e->o, "krj_zone_nodes %U\n", (uint64_t) m->nodes);

    ngx_http_krj_metrics_family(e,
                           &ngx_http_krj_families[NGX_HTTP_KRJ_F_EVICTIONS]);
    krj_out_fmt(&e->o, "krj_zone_evictions_total %U\n",
                (uint64_t) m->counters[NGX_HTTP_KRJ_M_EVICTIONS]);
}


/*
 * # HELP and # TYPE.  OpenMetrics names a counter family without its
 * "_total", the samples keep it; the text format names them alike.
 */

static void
ngx_http_krj_metrics_family(ngx_http_krj_expo_t *e,
    const ngx_http_krj_family_t *f)
{
    const char  *suffix, *type;

    type = f->type;
    suffix = "";

    if (!e->open && ngx_strcmp(type, "counter") == 0) {
        suffix = "_total";
    }

    if (!e->open && ngx_strcmp(type, "info") == 0) {
        /* the text format has no info type: a gauge of value 1 */
        type = "gauge";
        suffix = "_info";
    }

    krj_out_fmt(&e->o, "# HELP %s%s %s\n# TYPE %s%s %s\n", f->name, suffix,
                f->help, f->name, suffix, type);
}


/* "0.000250": seconds with microseconds, no libc formatting */

static void
ngx_http_krj_metrics_seconds(krj_out_t *o, uint64_t us)
{
    char      frac[7];
    uint64_t  f;
    int       i;

    f = us % 1000000;

    for (i = 5; i >= 0; i--) {
        frac[i] = (char) ('0' + f % 10);
        f /= 10;
    }

    frac[6] = '\0';

    krj_out_fmt(o, "%U.%s", us / 1000000, frac);
}
