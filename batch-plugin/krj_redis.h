
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_REDIS_H_INCLUDED_
#define _KRJ_REDIS_H_INCLUDED_


#include <limits.h>
#include <stddef.h>

#include <hiredis/hiredis.h>
#include <openssl/ssl.h>


#define KRJ_REDIS_ERRLEN    512

#define KRJ_REDIS_TCP       0
#define KRJ_REDIS_TLS       1
#define KRJ_REDIS_UNIX      2


/* redis://, rediss:// or unix://, taken apart */
typedef struct {
    int             scheme;             /* KRJ_REDIS_* */
    char            host[256];
    char            port[8];
    char            path[PATH_MAX];     /* unix:// */
    char            user[256];          /* "" : none */
    char            password[512];      /* "" : none */
    unsigned        db;
    char            ca[PATH_MAX];       /* ?ca=: trusted instead of the
                                           system's certificates */
    char            cert[PATH_MAX];     /* ?cert= and ?key=: a client */
    char            key[PATH_MAX];      /* certificate */
} krj_redis_url_t;


/*
 * A connection.  Debian 12's hiredis (0.14) has no TLS, so krj-batch
 * keeps the socket (and OpenSSL's SSL over it) itself and uses hiredis
 * for what it is made for: redisFormatCommandArgv() and the reply reader.
 * As with a redisContext, an I/O error or timeout leaves it dead: free it
 * and connect again.
 */
typedef struct {
    int             fd;
    SSL_CTX        *ctx;
    SSL            *ssl;
    redisReader    *reader;
    int             dead;
} krj_redis_t;


/* 0, or -1 with the reason in err (KRJ_REDIS_ERRLEN); never echoes the
   password */
int krj_redis_url_parse(const char *url, krj_redis_url_t *u, char *err);

/* connects, AUTH and SELECT; NULL with the reason in err */
krj_redis_t *krj_redis_connect(const char *url, unsigned timeout_ms,
    char *err);

/*
 * One command, binary-safe, its reply within timeout_ms.  A Redis error
 * reply is returned as NULL with its text in err (the connection lives
 * on); an I/O error too, with r->dead set.  freeReplyObject() the reply.
 */
redisReply *krj_redis_command(krj_redis_t *r, unsigned timeout_ms,
    int argc, const char **argv, const size_t *lens, char *err);

/* the same with NUL-terminated arguments, NULL ending them */
redisReply *krj_redis_call(krj_redis_t *r, unsigned timeout_ms, char *err,
    ...);

void krj_redis_free(krj_redis_t *r);


#endif /* _KRJ_REDIS_H_INCLUDED_ */
