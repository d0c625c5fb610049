
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_THREADS_H_INCLUDED_
#define _KRJ_THREADS_H_INCLUDED_


#include <stddef.h>


#define KRJ_THREADS_MAX         64


/*
 * How many threads krj_threads_run() uses (--threads): 1 to
 * KRJ_THREADS_MAX; 0, the online CPUs (within those bounds).
 */
void krj_threads_set(unsigned n);
unsigned krj_threads_get(void);

/*
 * Calls fn(arg, i) for every i in [0, n), on up to krj_threads_get()
 * threads, the caller's among them, and returns when all are done: 0, or
 * -1 when a call returned non-zero (the others still run).  A thread that
 * cannot be started leaves its share to the others.  The calls run in no
 * set order: each must write only what is its own.
 */
int krj_threads_run(size_t n, int (*fn)(void *arg, size_t i), void *arg);


#endif /* _KRJ_THREADS_H_INCLUDED_ */
