
/*
 * Copyright (C) The krj developers
 */


/*
 * The threads that compress the pieces of a publish (krj_gzip.c).  Each
 * run starts its threads and joins them: the pieces are a megabyte of
 * deflate each, tens of milliseconds, against some 20 us to start a
 * thread, and nothing is left running between publishes (a daemon's
 * fork, its signals and its reloads see one thread).
 */


#include <pthread.h>
#include <unistd.h>

#include "krj_threads.h"


typedef struct {
    size_t          n;
    size_t          next;               /* atomic: the next i to take */
    int             failed;             /* atomic */
    int           (*fn)(void *arg, size_t i);
    void           *arg;
} krj_threads_job_t;


static void *krj_threads_work(void *data);


static unsigned  krj_threads_n;


void
krj_threads_set(unsigned n)
{
    krj_threads_n = n > KRJ_THREADS_MAX ? KRJ_THREADS_MAX : n;
}


unsigned
krj_threads_get(void)
{
    long  cpus;

    if (krj_threads_n) {
        return krj_threads_n;
    }

    cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (cpus < 1) {
        return 1;
    }

    return cpus > KRJ_THREADS_MAX ? KRJ_THREADS_MAX : (unsigned) cpus;
}


int
krj_threads_run(size_t n, int (*fn)(void *arg, size_t i), void *arg)
{
    size_t             k, m, started;
    pthread_t          tid[KRJ_THREADS_MAX];
    krj_threads_job_t  job;

    job.n = n;
    job.next = 0;
    job.failed = 0;
    job.fn = fn;
    job.arg = arg;

    m = krj_threads_get();

    if (m > n) {
        m = n;
    }

    started = 0;

    /* the caller is one of the m */
    for (k = 1; k < m; k++) {
        if (pthread_create(&tid[started], NULL, krj_threads_work, &job)
            != 0)
        {
            break;
        }

        started++;
    }

    (void) krj_threads_work(&job);

    for (k = 0; k < started; k++) {
        (void) pthread_join(tid[k], NULL);
    }

    return __atomic_load_n(&job.failed, __ATOMIC_ACQUIRE) ? -1 : 0;
}


static void *
krj_threads_work(void *data)
{
    size_t              i;
    krj_threads_job_t  *job = data;

    for ( ;; ) {
        i = __atomic_fetch_add(&job->next, 1, __ATOMIC_RELAXED);

        if (i >= job->n) {
            return NULL;
        }

        if (job->fn(job->arg, i) != 0) {
            __atomic_store_n(&job->failed, 1, __ATOMIC_RELEASE);
        }
    }
}
