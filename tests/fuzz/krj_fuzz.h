
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_FUZZ_H_INCLUDED_
#define _KRJ_FUZZ_H_INCLUDED_


/*
 * What the libFuzzer targets share: an invariant check that crashes (so
 * the fuzzer keeps the input), a request-pool-like allocator for the
 * query code, measure-then-write rendering into a buffer of exactly the
 * measured size (so ASan sees a byte written past it), an independent
 * UTF-8 decoder to compare the shared one with, and JSON parsing by
 * jansson.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "krj_out.h"


/* answers larger than this are measured but not written: a hostile
 * snapshot may point many references at one large body */
#define KRJ_FUZZ_MAX_OUT  (16 * 1024 * 1024)


#define krj_fuzz_assert(cond, ...)                                            \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "krj fuzz: %s:%d: %s: ", __FILE__, __LINE__,      \
                    #cond);                                                   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            abort();                                                          \
        }                                                                     \
    } while (0)


typedef void (*krj_fuzz_render_pt)(krj_out_t *o, void *ctx);


/* krj_alloc_pt: memory lives until krj_fuzz_free_all(), as in a pool */
void *krj_fuzz_alloc(void *data, size_t size);
void krj_fuzz_free_all(void);

/* the input in a buffer of its own exact size, for ASan's redzones */
uint8_t *krj_fuzz_copy(const uint8_t *data, size_t size);

/*
 * Measures, then writes into a buffer of exactly the measured length;
 * writing must produce that length.  Returns the buffer (free() it), or
 * NULL when the answer is over KRJ_FUZZ_MAX_OUT and was only measured.
 */
char *krj_fuzz_render(krj_fuzz_render_pt render, void *ctx, size_t *len);

/*
 * RFC 3629 by decoding the code point, then refusing overlong forms,
 * surrogates and values over U+10FFFF: another method than the byte
 * ranges of krj_utf8_char(), so that the two can be compared.  Returns
 * the length of the sequence that starts p, or 0 when none does.
 */
size_t krj_fuzz_utf8_len(const unsigned char *p, size_t len);
int krj_fuzz_utf8_valid(const char *p, size_t len);

/* a JSON text that must parse; the caller json_decref()s it */
json_t *krj_fuzz_json(const char *p, size_t len, size_t flags,
    const char *what);


#endif /* _KRJ_FUZZ_H_INCLUDED_ */
