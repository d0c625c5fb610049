
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_METRICS_HTTP_H_INCLUDED_
#define _KRJ_METRICS_HTTP_H_INCLUDED_


#include <stddef.h>
#include <sys/socket.h>


#define KRJ_METRICS_HTTP_ERRLEN     200

/* the longest request line and headers read, bytes */
#define KRJ_METRICS_HTTP_REQUEST_MAX    8192
/* a request must be read and answered within this, ms */
#define KRJ_METRICS_HTTP_TIMEOUT        5000
/* connections at once; a new one closes the oldest when all are taken */
#define KRJ_METRICS_HTTP_CONNS          16


typedef struct krj_metrics_http_s  krj_metrics_http_t;


/*
 * "127.0.0.1:9480", "[::1]:9480", "localhost:9480", "0.0.0.0:9480", or
 * a port alone (":9480", "9480"), which is 127.0.0.1's: a numeric
 * address, never a name to resolve.  0 with the address in *ss, or -1
 * with the reason in err (KRJ_METRICS_HTTP_ERRLEN bytes).
 */
int krj_metrics_http_parse(const char *addr, struct sockaddr_storage *ss,
    socklen_t *len, char *err);

/*
 * Listens on addr and answers GET /metrics (and HEAD) from a thread of
 * its own, with non-blocking sockets in one poll loop: one request per
 * connection, at most KRJ_METRICS_HTTP_REQUEST_MAX bytes of it, read and
 * answered within KRJ_METRICS_HTTP_TIMEOUT; 404 for another path, 405
 * for another method, 400 for what is no HTTP/1.x request.  The thread
 * only copies the text last set, under a mutex, and never logs: a slow
 * or hostile client cannot hold the daemon up.  NULL with the reason in
 * err when addr cannot be listened on.
 */
krj_metrics_http_t *krj_metrics_http_start(const char *addr, char *err);

/* the text answered from now on (copied) */
void krj_metrics_http_set(krj_metrics_http_t *h, const void *text,
    size_t len);

/* the address as it is bound: "127.0.0.1:9480" */
const char *krj_metrics_http_addr(const krj_metrics_http_t *h);

void krj_metrics_http_stop(krj_metrics_http_t *h);


#endif /* _KRJ_METRICS_HTTP_H_INCLUDED_ */
