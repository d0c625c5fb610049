
/*
 * Copyright (C) The krj developers
 */


/*
 * A small Redis client: a connection with timeouts over TCP, TLS
 * (OpenSSL) or a unix socket, and commands through hiredis' formatter and
 * reply reader, following the hiredis README: binary-safe arguments, every
 * reply freed, a connection given up after its first I/O error.  The URL
 * is krj_redis_url.c's.
 */


#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "krj_redis.h"


#define KRJ_REDIS_ARGS_MAX  32


static int krj_redis_socket(krj_redis_t *r, const krj_redis_url_t *u,
    long long deadline, char *err);
static int krj_redis_tls(krj_redis_t *r, const krj_redis_url_t *u,
    long long deadline, char *err);
static int krj_redis_wait(krj_redis_t *r, short events, long long deadline,
    char *err);
static int krj_redis_send(krj_redis_t *r, const char *p, size_t len,
    long long deadline, char *err);
static ssize_t krj_redis_recv(krj_redis_t *r, char *buf, size_t size,
    long long deadline, char *err);
static void krj_redis_ssl_error(const char *what, char *err);
static long long krj_redis_now(void);


krj_redis_t *
krj_redis_connect(const char *url, unsigned timeout_ms, char *err)
{
    int               n;
    long long         deadline;
    const char       *argv[3];
    redisReply       *reply;
    krj_redis_t      *r;
    krj_redis_url_t   u;
    char              db[16];

    if (krj_redis_url_parse(url, &u, err) != 0) {
        return NULL;
    }

    r = calloc(1, sizeof(krj_redis_t));
    if (r == NULL) {
        snprintf(err, KRJ_REDIS_ERRLEN, "out of memory");
        return NULL;
    }

    r->fd = -1;
    r->reader = redisReaderCreate();

    if (r->reader == NULL) {
        snprintf(err, KRJ_REDIS_ERRLEN, "out of memory");
        goto failed;
    }

    deadline = krj_redis_now() + timeout_ms;

    if (krj_redis_socket(r, &u, deadline, err) != 0
        || (u.scheme == KRJ_REDIS_TLS
            && krj_redis_tls(r, &u, deadline, err) != 0))
    {
        goto failed;
    }

    if (u.password[0] != '\0') {
        n = 0;
        argv[n++] = "AUTH";

        if (u.user[0] != '\0') {
            argv[n++] = u.user;
        }

        argv[n++] = u.password;

        reply = krj_redis_command(r, timeout_ms, n, argv, NULL, err);
        explicit_bzero(u.password, sizeof(u.password));

        if (reply == NULL) {
            goto failed;
        }

        freeReplyObject(reply);
    }

    if (u.db != 0) {
        snprintf(db, sizeof(db), "%u", u.db);

        reply = krj_redis_call(r, timeout_ms, err, "SELECT", db, NULL);
        if (reply == NULL) {
            goto failed;
        }

        freeReplyObject(reply);
    }

    return r;

failed:

    explicit_bzero(u.password, sizeof(u.password));
    krj_redis_free(r);

    return NULL;
}


static int
krj_redis_socket(krj_redis_t *r, const krj_redis_url_t *u,
    long long deadline, char *err)
{
    int                  rc, fd, soerr;
    socklen_t            sl;
    struct addrinfo      hints, *res, *ai;
    struct sockaddr_un   sun;

    if (u->scheme == KRJ_REDIS_UNIX) {
        memset(&sun, 0, sizeof(struct sockaddr_un));
        sun.sun_family = AF_UNIX;

        if (strlen(u->path) >= sizeof(sun.sun_path)) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: socket path too long");
            return -1;
        }

        strcpy(sun.sun_path, u->path);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd == -1 || connect(fd, (struct sockaddr *) &sun,
                                sizeof(struct sockaddr_un)) != 0)
        {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: cannot connect to "
                     "%.200s: %s", u->path, strerror(errno));
            if (fd != -1) {
                close(fd);
            }
            return -1;
        }

        r->fd = fd;

        return fcntl(fd, F_SETFL, O_NONBLOCK);
    }

    memset(&hints, 0, sizeof(struct addrinfo));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, KRJ_REDIS_ERRLEN, "Redis: %.200s: %s", u->host,
                 gai_strerror(rc));
        return -1;
    }

    snprintf(err, KRJ_REDIS_ERRLEN, "Redis: no address for %.200s",
             u->host);

    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family,
                    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd == -1) {
            continue;
        }

        r->fd = fd;

        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0
            && errno != EINPROGRESS)
        {
            soerr = errno;
            goto next;
        }

        if (krj_redis_wait(r, POLLOUT, deadline, err) != 0) {
            soerr = ETIMEDOUT;
            goto next;
        }

        sl = sizeof(int);

        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0
            && soerr == 0)
        {
            freeaddrinfo(res);
            return 0;
        }

    next:

        snprintf(err, KRJ_REDIS_ERRLEN, "Redis: cannot connect to "
                 "%.200s:%s: %s", u->host, u->port, strerror(soerr));
        close(fd);
        r->fd = -1;
    }

    freeaddrinfo(res);

    return -1;
}


static int
krj_redis_tls(krj_redis_t *r, const krj_redis_url_t *u, long long deadline,
    char *err)
{
    int                  rc, e;
    unsigned char        addr[16];
    X509_VERIFY_PARAM   *param;

    ERR_clear_error();

    r->ctx = SSL_CTX_new(TLS_client_method());
    if (r->ctx == NULL) {
        krj_redis_ssl_error("Redis: TLS", err);
        return -1;
    }

    SSL_CTX_set_min_proto_version(r->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(r->ctx, SSL_VERIFY_PEER, NULL);

    rc = (u->ca[0] != '\0')
         ? SSL_CTX_load_verify_locations(r->ctx, u->ca, NULL)
         : SSL_CTX_set_default_verify_paths(r->ctx);

    if (rc != 1) {
        krj_redis_ssl_error("Redis: TLS trusted certificates", err);
        return -1;
    }

    if (u->cert[0] != '\0'
        && (SSL_CTX_use_certificate_chain_file(r->ctx, u->cert) != 1
            || SSL_CTX_use_PrivateKey_file(r->ctx,
                                           u->key[0] ? u->key : u->cert,
                                           SSL_FILETYPE_PEM) != 1))
    {
        krj_redis_ssl_error("Redis: TLS client certificate", err);
        return -1;
    }

    r->ssl = SSL_new(r->ctx);
    if (r->ssl == NULL || SSL_set_fd(r->ssl, r->fd) != 1) {
        krj_redis_ssl_error("Redis: TLS", err);
        return -1;
    }

    /* the certificate must name the host of the URL, or its address */
    param = SSL_get0_param(r->ssl);

    if (inet_pton(AF_INET, u->host, addr) == 1
        || inet_pton(AF_INET6, u->host, addr) == 1)
    {
        rc = X509_VERIFY_PARAM_set1_ip_asc(param, u->host);

    } else {
        rc = SSL_set_tlsext_host_name(r->ssl, u->host)
             && X509_VERIFY_PARAM_set1_host(param, u->host, 0);
    }

    if (rc != 1) {
        krj_redis_ssl_error("Redis: TLS host name", err);
        return -1;
    }

    for ( ;; ) {
        rc = SSL_connect(r->ssl);

        if (rc == 1) {
            return 0;
        }

        e = SSL_get_error(r->ssl, rc);

        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (krj_redis_wait(r, e == SSL_ERROR_WANT_READ ? POLLIN
                                                            : POLLOUT,
                               deadline, err) != 0)
            {
                return -1;
            }

            continue;
        }

        if (SSL_get_verify_result(r->ssl) != X509_V_OK) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: TLS: certificate "
                     "verification failed: %s",
                     X509_verify_cert_error_string(
                         SSL_get_verify_result(r->ssl)));
            return -1;
        }

        krj_redis_ssl_error("Redis: TLS handshake", err);
        return -1;
    }
}


redisReply *
krj_redis_call(krj_redis_t *r, unsigned timeout_ms, char *err, ...)
{
    int          argc;
    va_list      ap;
    const char  *argv[KRJ_REDIS_ARGS_MAX], *a;

    argc = 0;
    va_start(ap, err);

    while ((a = va_arg(ap, const char *)) != NULL
           && argc < KRJ_REDIS_ARGS_MAX)
    {
        argv[argc++] = a;
    }

    va_end(ap);

    return krj_redis_command(r, timeout_ms, argc, argv, NULL, err);
}


redisReply *
krj_redis_command(krj_redis_t *r, unsigned timeout_ms, int argc,
    const char **argv, const size_t *lens, char *err)
{
    int          n, i;
    char        *cmd, buf[16384];
    void        *reply;
    size_t       len[KRJ_REDIS_ARGS_MAX];
    ssize_t      k;
    long long    deadline;
    redisReply  *rr;

    if (r->dead) {
        snprintf(err, KRJ_REDIS_ERRLEN, "Redis: connection lost");
        return NULL;
    }

    if (argc > KRJ_REDIS_ARGS_MAX) {
        snprintf(err, KRJ_REDIS_ERRLEN, "Redis: too many arguments");
        return NULL;
    }

    for (i = 0; i < argc; i++) {
        len[i] = lens ? lens[i] : strlen(argv[i]);
    }

    n = redisFormatCommandArgv(&cmd, argc, argv, len);
    if (n < 0) {
        snprintf(err, KRJ_REDIS_ERRLEN, "out of memory");
        return NULL;
    }

    deadline = krj_redis_now() + timeout_ms;

    if (krj_redis_send(r, cmd, (size_t) n, deadline, err) != 0) {
        free(cmd);
        r->dead = 1;
        return NULL;
    }

    free(cmd);

    for ( ;; ) {
        reply = NULL;

        if (redisReaderGetReply(r->reader, &reply) != REDIS_OK) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: protocol error: %s",
                     r->reader->errstr);
            r->dead = 1;
            return NULL;
        }

        if (reply != NULL) {
            break;
        }

        k = krj_redis_recv(r, buf, sizeof(buf), deadline, err);
        if (k <= 0) {
            r->dead = 1;
            return NULL;
        }

        if (redisReaderFeed(r->reader, buf, (size_t) k) != REDIS_OK) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: protocol error");
            r->dead = 1;
            return NULL;
        }
    }

    rr = reply;

    if (rr->type == REDIS_REPLY_ERROR) {
        snprintf(err, KRJ_REDIS_ERRLEN, "Redis: %.*s", (int) rr->len,
                 rr->str);
        freeReplyObject(rr);
        return NULL;
    }

    return rr;
}


void
krj_redis_free(krj_redis_t *r)
{
    if (r == NULL) {
        return;
    }

    if (r->ssl != NULL) {
        SSL_free(r->ssl);
    }

    if (r->ctx != NULL) {
        SSL_CTX_free(r->ctx);
    }

    if (r->fd != -1) {
        close(r->fd);
    }

    if (r->reader != NULL) {
        redisReaderFree(r->reader);
    }

    free(r);
}


static int
krj_redis_wait(krj_redis_t *r, short events, long long deadline, char *err)
{
    int            rc;
    long long      left;
    struct pollfd  pfd;

    for ( ;; ) {
        left = deadline - krj_redis_now();

        if (left <= 0) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: timed out");
            return -1;
        }

        pfd.fd = r->fd;
        pfd.events = events;
        pfd.revents = 0;

        rc = poll(&pfd, 1, (int) left);

        if (rc > 0) {
            return 0;
        }

        if (rc == -1 && errno != EINTR) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: poll: %s",
                     strerror(errno));
            return -1;
        }
    }
}


static int
krj_redis_send(krj_redis_t *r, const char *p, size_t len, long long deadline,
    char *err)
{
    int      e;
    ssize_t  k;

    while (len > 0) {
        if (r->ssl != NULL) {
            k = SSL_write(r->ssl, p, (int) len);

            if (k <= 0) {
                e = SSL_get_error(r->ssl, (int) k);

                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                    if (krj_redis_wait(r, e == SSL_ERROR_WANT_READ
                                          ? POLLIN : POLLOUT,
                                       deadline, err) != 0)
                    {
                        return -1;
                    }

                    continue;
                }

                krj_redis_ssl_error("Redis: TLS write", err);
                return -1;
            }

        } else {
            k = send(r->fd, p, len, MSG_NOSIGNAL);

            if (k == -1) {
                if (errno == EINTR) {
                    continue;
                }

                if (errno == EAGAIN) {
                    if (krj_redis_wait(r, POLLOUT, deadline, err) != 0) {
                        return -1;
                    }

                    continue;
                }

                snprintf(err, KRJ_REDIS_ERRLEN, "Redis: send: %s",
                         strerror(errno));
                return -1;
            }
        }

        p += k;
        len -= (size_t) k;
    }

    return 0;
}


static ssize_t
krj_redis_recv(krj_redis_t *r, char *buf, size_t size, long long deadline,
    char *err)
{
    int      e;
    ssize_t  k;

    for ( ;; ) {
        if (r->ssl != NULL) {
            k = SSL_read(r->ssl, buf, (int) size);

            if (k > 0) {
                return k;
            }

            e = SSL_get_error(r->ssl, (int) k);

            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                if (krj_redis_wait(r, e == SSL_ERROR_WANT_READ ? POLLIN
                                                                : POLLOUT,
                                   deadline, err) != 0)
                {
                    return -1;
                }

                continue;
            }

            if (e == SSL_ERROR_ZERO_RETURN) {
                snprintf(err, KRJ_REDIS_ERRLEN, "Redis: connection "
                         "closed");
                return -1;
            }

            krj_redis_ssl_error("Redis: TLS read", err);
            return -1;
        }

        k = recv(r->fd, buf, size, 0);

        if (k > 0) {
            return k;
        }

        if (k == 0) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: connection closed");
            return -1;
        }

        if (errno == EINTR) {
            continue;
        }

        if (errno != EAGAIN) {
            snprintf(err, KRJ_REDIS_ERRLEN, "Redis: recv: %s",
                     strerror(errno));
            return -1;
        }

        if (krj_redis_wait(r, POLLIN, deadline, err) != 0) {
            return -1;
        }
    }
}


static void
krj_redis_ssl_error(const char *what, char *err)
{
    unsigned long  e;
    char           buf[256];

    e = ERR_get_error();

    if (e == 0) {
        snprintf(err, KRJ_REDIS_ERRLEN, "%s failed: %s", what,
                 errno ? strerror(errno) : "connection closed");
        return;
    }

    ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, KRJ_REDIS_ERRLEN, "%s failed: %s", what, buf);
    ERR_clear_error();
}


static long long
krj_redis_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
