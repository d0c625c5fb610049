
/*
 * Copyright (C) The krj developers
 */


/*
 * The daemons' --metrics-listen: a minimal HTTP/1.1 responder for
 * GET /metrics, for a scrape without node_exporter.  It runs in a thread
 * of its own so that neither a run nor a blocking Redis read holds a
 * scrape up, and so that no client holds the daemon up: every socket is
 * non-blocking in one poll(2) loop, each request is bounded in size and
 * time, and the thread shares nothing with the daemon but the text,
 * copied under a mutex.
 */


#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "krj_metrics_http.h"


/*
 * A connection's state.  LINGER: answered; what the client still sends
 * is read and dropped, so that closing does not reset the answer away.
 */
#define KRJ_METRICS_HTTP_FREE       0
#define KRJ_METRICS_HTTP_READ       1
#define KRJ_METRICS_HTTP_WRITE      2
#define KRJ_METRICS_HTTP_LINGER     3

/* how long a connection lingers after its answer, ms */
#define KRJ_METRICS_HTTP_LINGER_MS  1000

#define KRJ_METRICS_HTTP_TYPE   "text/plain; version=0.0.4; charset=utf-8"


typedef struct {
    int             fd;
    int             state;
    long long       accepted;           /* monotonic ms */
    long long       deadline;
    size_t          in;
    char            req[KRJ_METRICS_HTTP_REQUEST_MAX];
    char           *out;                /* the answer, malloc()ed */
    size_t          out_len;
    size_t          sent;
} krj_metrics_http_conn_t;


struct krj_metrics_http_s {
    int                      fd;        /* listening */
    int                      wake[2];   /* a byte: stop */
    pthread_t                thread;
    pthread_mutex_t          lock;
    char                    *text;      /* under lock */
    size_t                   len;
    char                     addr[INET6_ADDRSTRLEN + 16];
    krj_metrics_http_conn_t  conns[KRJ_METRICS_HTTP_CONNS];
};


static void *krj_metrics_http_loop(void *arg);
static void krj_metrics_http_accept(krj_metrics_http_t *h, long long now);
static void krj_metrics_http_read(krj_metrics_http_t *h,
    krj_metrics_http_conn_t *c, long long now);
static void krj_metrics_http_request(krj_metrics_http_t *h,
    krj_metrics_http_conn_t *c, long long now);
static void krj_metrics_http_answer(krj_metrics_http_t *h,
    krj_metrics_http_conn_t *c, int status, const char *reason, int head,
    long long now);
static void krj_metrics_http_write(krj_metrics_http_conn_t *c, long long now);
static void krj_metrics_http_linger(krj_metrics_http_conn_t *c);
static void krj_metrics_http_close(krj_metrics_http_conn_t *c);
static long long krj_metrics_http_now(void);


int
krj_metrics_http_parse(const char *addr, struct sockaddr_storage *ss,
    socklen_t *len, char *err)
{
    int               rc, v6;
    char              host[INET6_ADDRSTRLEN + 2];
    size_t            n;
    const char       *colon, *port, *p;
    struct addrinfo   hints, *ai;

    colon = strrchr(addr, ':');
    p = addr;
    v6 = 0;

    if (colon == NULL) {
        /* a port alone */
        n = 0;
        port = addr;

    } else {
        n = (size_t) (colon - addr);
        port = colon + 1;

        if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
            p++;
            n -= 2;
            v6 = 1;
        }
    }

    /* "::1:9480" could be an address without a port: brackets it is */
    if (n >= sizeof(host) || (v6 && memchr(p, ':', n) == NULL)
        || (!v6 && memchr(p, ':', n) != NULL))
    {
        goto invalid;
    }

    memcpy(host, p, n);
    host[n] = '\0';

    if ((n == 0 && !v6) || strcmp(host, "localhost") == 0) {
        snprintf(host, sizeof(host), "127.0.0.1");
    }

    n = strspn(port, "0123456789");

    if (n == 0 || n > 5 || port[n] != '\0' || atoi(port) < 1
        || atoi(port) > 65535)
    {
        goto invalid;
    }

    memset(&hints, 0, sizeof(struct addrinfo));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;

    /* numeric: nothing is looked up, nothing can block */
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        goto invalid;
    }

    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);

    return 0;

invalid:

    snprintf(err, KRJ_METRICS_HTTP_ERRLEN, "is ADDRESS:PORT, a numeric "
             "address (127.0.0.1:9480, [::1]:9480) or localhost, and a port "
             "from 1 to 65535, not \"%.64s\"", addr);

    return -1;
}


krj_metrics_http_t *
krj_metrics_http_start(const char *addr, char *err)
{
    int                       i, on, rc;
    char                      host[INET6_ADDRSTRLEN];
    sigset_t                  all, old;
    socklen_t                 len;
    krj_metrics_http_t       *h;
    struct sockaddr_storage   ss;

    if (krj_metrics_http_parse(addr, &ss, &len, err) != 0) {
        return NULL;
    }

    h = calloc(1, sizeof(krj_metrics_http_t));
    if (h == NULL) {
        snprintf(err, KRJ_METRICS_HTTP_ERRLEN, "out of memory");
        return NULL;
    }

    h->wake[0] = -1;
    h->wake[1] = -1;

    for (i = 0; i < KRJ_METRICS_HTTP_CONNS; i++) {
        h->conns[i].fd = -1;
    }

    h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                   0);
    if (h->fd == -1) {
        snprintf(err, KRJ_METRICS_HTTP_ERRLEN, "socket: %s", strerror(errno));
        goto failed;
    }

    on = 1;
    setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));

    if (ss.ss_family == AF_INET6) {
        setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    }

    if (bind(h->fd, (struct sockaddr *) &ss, len) != 0
        || listen(h->fd, KRJ_METRICS_HTTP_CONNS) != 0)
    {
        snprintf(err, KRJ_METRICS_HTTP_ERRLEN, "cannot listen: %s",
                 strerror(errno));
        goto failed;
    }

    /* the port the kernel gave, for ":0" */
    len = sizeof(ss);
    getsockname(h->fd, (struct sockaddr *) &ss, &len);

    if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr, host,
                  sizeof(host));
        snprintf(h->addr, sizeof(h->addr), "[%s]:%u", host,
                 ntohs(((struct sockaddr_in6 *) &ss)->sin6_port));

    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, host,
                  sizeof(host));
        snprintf(h->addr, sizeof(h->addr), "%s:%u", host,
                 ntohs(((struct sockaddr_in *) &ss)->sin_port));
    }

    if (pipe2(h->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(err, KRJ_METRICS_HTTP_ERRLEN, "pipe: %s", strerror(errno));
        goto failed;
    }

    pthread_mutex_init(&h->lock, NULL);

    /* signals stay the main loop's: the thread starts with them blocked */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&h->thread, NULL, krj_metrics_http_loop, h);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (rc != 0) {
        snprintf(err, KRJ_METRICS_HTTP_ERRLEN, "pthread_create: %s",
                 strerror(rc));
        pthread_mutex_destroy(&h->lock);
        goto failed;
    }

    return h;

failed:

    if (h->fd != -1) {
        close(h->fd);
    }

    if (h->wake[0] != -1) {
        close(h->wake[0]);
        close(h->wake[1]);
    }

    free(h);

    return NULL;
}


void
krj_metrics_http_set(krj_metrics_http_t *h, const void *text, size_t len)
{
    char  *copy;

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        /* the text before stays served */
        return;
    }

    memcpy(copy, text, len);

    pthread_mutex_lock(&h->lock);
    free(h->text);
    h->text = copy;
    h->len = len;
    pthread_mutex_unlock(&h->lock);
}


const char *
krj_metrics_http_addr(const krj_metrics_http_t *h)
{
    return h->addr;
}


void
krj_metrics_http_stop(krj_metrics_http_t *h)
{
    char  c;

    if (h == NULL) {
        return;
    }

    c = 0;

    if (write(h->wake[1], &c, 1) != 1) {
        /* the pipe is empty and ours: this does not fail */
    }

    pthread_join(h->thread, NULL);

    close(h->fd);
    close(h->wake[0]);
    close(h->wake[1]);
    pthread_mutex_destroy(&h->lock);
    free(h->text);
    free(h);
}


static void *
krj_metrics_http_loop(void *arg)
{
    int                       i, n, timeout, idx[KRJ_METRICS_HTTP_CONNS];
    long long                 now, wait;
    struct pollfd             pfd[KRJ_METRICS_HTTP_CONNS + 2];
    krj_metrics_http_t       *h;
    krj_metrics_http_conn_t  *c;

    h = arg;

    for ( ;; ) {
        pfd[0].fd = h->wake[0];
        pfd[0].events = POLLIN;
        pfd[1].fd = h->fd;
        pfd[1].events = POLLIN;
        n = 2;

        now = krj_metrics_http_now();
        wait = -1;

        for (i = 0; i < KRJ_METRICS_HTTP_CONNS; i++) {
            c = &h->conns[i];

            if (c->state == KRJ_METRICS_HTTP_FREE) {
                continue;
            }

            pfd[n].fd = c->fd;
            pfd[n].events = (c->state == KRJ_METRICS_HTTP_WRITE) ? POLLOUT
                                                                 : POLLIN;
            pfd[n].revents = 0;
            idx[n - 2] = i;
            n++;

            if (wait == -1 || c->deadline - now < wait) {
                wait = c->deadline - now > 0 ? c->deadline - now : 0;
            }
        }

        timeout = (wait == -1) ? -1 : (int) wait;

        if (poll(pfd, (nfds_t) n, timeout) == -1 && errno != EINTR) {
            /* nothing to do but try again a little later */
            usleep(10000);
            continue;
        }

        if (pfd[0].revents & POLLIN) {
            break;
        }

        now = krj_metrics_http_now();

        for (i = 2; i < n; i++) {
            c = &h->conns[idx[i - 2]];

            if (pfd[i].revents == 0 || c->fd != pfd[i].fd) {
                continue;
            }

            if (c->state == KRJ_METRICS_HTTP_READ) {
                krj_metrics_http_read(h, c, now);

            } else if (c->state == KRJ_METRICS_HTTP_WRITE) {
                krj_metrics_http_write(c, now);

            } else if (c->state == KRJ_METRICS_HTTP_LINGER) {
                krj_metrics_http_linger(c);
            }
        }

        /* a request too slow to come is told so, once, and closed */
        for (i = 0; i < KRJ_METRICS_HTTP_CONNS; i++) {
            c = &h->conns[i];

            if (c->state == KRJ_METRICS_HTTP_FREE || now < c->deadline) {
                continue;
            }

            if (c->state == KRJ_METRICS_HTTP_READ) {
                krj_metrics_http_answer(h, c, 408, "Request Timeout", 0, now);
            }

            krj_metrics_http_close(c);
        }

        if (pfd[1].revents & POLLIN) {
            krj_metrics_http_accept(h, now);
        }
    }

    for (i = 0; i < KRJ_METRICS_HTTP_CONNS; i++) {
        if (h->conns[i].state != KRJ_METRICS_HTTP_FREE) {
            krj_metrics_http_close(&h->conns[i]);
        }
    }

    return NULL;
}


/* every connection waiting; when all are taken, the oldest is closed */
static void
krj_metrics_http_accept(krj_metrics_http_t *h, long long now)
{
    int                       i, fd;
    krj_metrics_http_conn_t  *c, *oldest;

    for ( ;; ) {
        fd = accept4(h->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd == -1) {
            /*
             * EAGAIN: no more.  Out of descriptors, the connection stays
             * in the backlog and the socket readable: a pause, not a spin
             */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS
                || errno == ENOMEM)
            {
                usleep(100000);
            }

            return;
        }

        c = NULL;
        oldest = NULL;

        for (i = 0; i < KRJ_METRICS_HTTP_CONNS; i++) {
            if (h->conns[i].state == KRJ_METRICS_HTTP_FREE) {
                c = &h->conns[i];
                break;
            }

            if (oldest == NULL || h->conns[i].accepted < oldest->accepted) {
                oldest = &h->conns[i];
            }
        }

        /* a slow client gives way to a newer one, a scrape among them */
        if (c == NULL) {
            krj_metrics_http_close(oldest);
            c = oldest;
        }

        c->fd = fd;
        c->state = KRJ_METRICS_HTTP_READ;
        c->accepted = now;
        c->deadline = now + KRJ_METRICS_HTTP_TIMEOUT;
        c->in = 0;
    }
}


static void
krj_metrics_http_read(krj_metrics_http_t *h, krj_metrics_http_conn_t *c,
    long long now)
{
    ssize_t  n;

    n = recv(c->fd, c->req + c->in, sizeof(c->req) - c->in, 0);

    if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
        krj_metrics_http_close(c);
        return;
    }

    if (n == -1) {
        return;
    }

    c->in += (size_t) n;

    krj_metrics_http_request(h, c, now);
}


/* answers once the request line and headers are in, or cannot be */
static void
krj_metrics_http_request(krj_metrics_http_t *h, krj_metrics_http_conn_t *c,
    long long now)
{
    char         *line, *sp1, *sp2;
    size_t        len, mlen, tlen, vlen;
    const char   *target, *version;

    /* the headers end with an empty line, CRLF or LF */
    if (memmem(c->req, c->in, "\r\n\r\n", 4) == NULL
        && memmem(c->req, c->in, "\n\n", 2) == NULL)
    {
        if (c->in == sizeof(c->req)) {
            if (memchr(c->req, '\n', c->in) == NULL) {
                krj_metrics_http_answer(h, c, 414, "URI Too Long", 0, now);

            } else {
                krj_metrics_http_answer(h, c, 431,
                                        "Request Header Fields Too Large", 0,
                                        now);
            }
        }

        return;
    }

    /* "METHOD SP TARGET SP HTTP/1.x", CRLF or LF */
    line = c->req;
    len = (size_t) ((char *) memchr(line, '\n', c->in) - line);

    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }

    sp1 = memchr(line, ' ', len);
    sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (sp1 + 1 - line)) : NULL;

    if (sp1 == NULL || sp2 == NULL) {
        krj_metrics_http_answer(h, c, 400, "Bad Request", 0, now);
        return;
    }

    mlen = (size_t) (sp1 - line);
    target = sp1 + 1;
    tlen = (size_t) (sp2 - target);
    version = sp2 + 1;
    vlen = (size_t) (line + len - version);

    /* the method stops at the space: strspn() stays within the line */
    if (mlen == 0 || mlen > 16
        || strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") < mlen
        || tlen == 0 || target[0] != '/'
        || vlen != 8
        || (memcmp(version, "HTTP/1.1", 8) != 0
            && memcmp(version, "HTTP/1.0", 8) != 0))
    {
        krj_metrics_http_answer(h, c, 400, "Bad Request", 0, now);
        return;
    }

    if (!(mlen == 3 && memcmp(line, "GET", 3) == 0)
        && !(mlen == 4 && memcmp(line, "HEAD", 4) == 0))
    {
        krj_metrics_http_answer(h, c, 405, "Method Not Allowed", 0, now);
        return;
    }

    /* a query, as some scrapers add, is no other resource */
    if (!(tlen >= 8 && memcmp(target, "/metrics", 8) == 0
          && (tlen == 8 || target[8] == '?')))
    {
        krj_metrics_http_answer(h, c, 404, "Not Found", mlen == 4, now);
        return;
    }

    krj_metrics_http_answer(h, c, 200, "OK", mlen == 4, now);
}


static void
krj_metrics_http_answer(krj_metrics_http_t *h, krj_metrics_http_conn_t *c,
    int status, const char *reason, int head, long long now)
{
    int          n;
    char         header[512], body[128];
    size_t       blen;
    const char  *type, *extra;

    type = "text/plain; charset=utf-8";
    extra = (status == 405) ? "Allow: GET, HEAD\r\n" : "";
    blen = 0;

    if (status != 200) {
        blen = (size_t) snprintf(body, sizeof(body), "%d %s\n", status,
                                 reason);
    }

    if (status == 200) {
        pthread_mutex_lock(&h->lock);
        blen = h->len;
        type = KRJ_METRICS_HTTP_TYPE;
    }

    n = snprintf(header, sizeof(header), "HTTP/1.1 %d %s\r\n"
                 "Content-Type: %s\r\nContent-Length: %zu\r\n"
                 "Cache-Control: no-store\r\n%sConnection: close\r\n\r\n",
                 status, reason, type, blen, extra);

    c->out = malloc((size_t) n + (head ? 0 : blen));

    if (c->out != NULL) {
        memcpy(c->out, header, (size_t) n);

        if (!head && blen > 0) {
            memcpy(c->out + n, status == 200 ? h->text : body, blen);
        }

        c->out_len = (size_t) n + (head ? 0 : blen);
    }

    if (status == 200) {
        pthread_mutex_unlock(&h->lock);
    }

    if (c->out == NULL) {
        krj_metrics_http_close(c);
        return;
    }

    c->sent = 0;
    c->state = KRJ_METRICS_HTTP_WRITE;

    krj_metrics_http_write(c, now);
}


static void
krj_metrics_http_write(krj_metrics_http_conn_t *c, long long now)
{
    ssize_t  n;

    while (c->sent < c->out_len) {
        n = send(c->fd, c->out + c->sent, c->out_len - c->sent,
                 MSG_NOSIGNAL);

        if (n == -1) {
            if (errno == EAGAIN || errno == EINTR) {
                return;
            }

            krj_metrics_http_close(c);
            return;
        }

        c->sent += (size_t) n;
    }

    free(c->out);
    c->out = NULL;

    /* one request per connection: ours is said */
    shutdown(c->fd, SHUT_WR);
    c->state = KRJ_METRICS_HTTP_LINGER;
    c->deadline = now + KRJ_METRICS_HTTP_LINGER_MS;
}


static void
krj_metrics_http_linger(krj_metrics_http_conn_t *c)
{
    char     buf[4096];
    ssize_t  n;

    do {
        n = recv(c->fd, buf, sizeof(buf), 0);
    } while (n > 0);

    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        krj_metrics_http_close(c);
    }
}


static void
krj_metrics_http_close(krj_metrics_http_conn_t *c)
{
    if (c->fd != -1) {
        close(c->fd);
    }

    free(c->out);
    c->out = NULL;
    c->fd = -1;
    c->state = KRJ_METRICS_HTTP_FREE;
}


static long long
krj_metrics_http_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
