
/*
 * Copyright (C) The krj developers
 */


#include "krj_fuzz.h"


typedef struct krj_fuzz_block_s  krj_fuzz_block_t;

struct krj_fuzz_block_s {
    krj_fuzz_block_t           *next;
    size_t                      size;       /* keeps the data 16-aligned */
};


static krj_fuzz_block_t  *krj_fuzz_blocks;


void *
krj_fuzz_alloc(void *data, size_t size)
{
    krj_fuzz_block_t  *b;

    (void) data;

    b = malloc(sizeof(krj_fuzz_block_t) + size);
    krj_fuzz_assert(b != NULL, "malloc(%zu)", size);

    b->next = krj_fuzz_blocks;
    b->size = size;
    krj_fuzz_blocks = b;

    return b + 1;
}


void
krj_fuzz_free_all(void)
{
    krj_fuzz_block_t  *b;

    while (krj_fuzz_blocks != NULL) {
        b = krj_fuzz_blocks;
        krj_fuzz_blocks = b->next;
        free(b);
    }
}


uint8_t *
krj_fuzz_copy(const uint8_t *data, size_t size)
{
    uint8_t  *p;

    p = malloc(size ? size : 1);
    krj_fuzz_assert(p != NULL, "malloc(%zu)", size);

    if (size) {
        memcpy(p, data, size);
    }

    return p;
}


/* exactly the measured size: ASan sees a byte written past it */

char *
krj_fuzz_render(krj_fuzz_render_pt render, void *ctx, size_t *len)
{
    char       *p;
    krj_out_t   o;

    krj_out_init(&o, NULL);
    render(&o, ctx);
    *len = o.len;

    if (o.len > KRJ_FUZZ_MAX_OUT) {
        return NULL;
    }

    p = malloc(o.len ? o.len : 1);
    krj_fuzz_assert(p != NULL, "malloc(%zu)", o.len);

    krj_out_init(&o, p);
    render(&o, ctx);

    krj_fuzz_assert(o.len == *len, "measured %zu bytes, wrote %zu", *len,
                    o.len);

    return p;
}


size_t
krj_fuzz_utf8_len(const unsigned char *p, size_t len)
{
    size_t    n, i;
    uint32_t  cp, min;

    if (len == 0) {
        return 0;
    }

    if (p[0] < 0x80) {
        return 1;
    }

    if ((p[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = p[0] & 0x1f;
        min = 0x80;

    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = p[0] & 0x0f;
        min = 0x800;

    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = p[0] & 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if (len < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        cp = cp << 6 | (p[i] & 0x3f);
    }

    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }

    return n;
}


int
krj_fuzz_utf8_valid(const char *p, size_t len)
{
    size_t  i, n;

    for (i = 0; i < len; i += n) {
        n = krj_fuzz_utf8_len((const unsigned char *) p + i, len - i);

        if (n == 0) {
            return 0;
        }
    }

    return 1;
}


json_t *
krj_fuzz_json(const char *p, size_t len, size_t flags, const char *what)
{
    json_t        *j;
    json_error_t   e;

    j = json_loadb(p, len, flags, &e);

    krj_fuzz_assert(j != NULL, "%s is not JSON: %s at %d: %.*s", what, e.text,
                    e.position, (int) (len > 300 ? 300 : len), p);

    return j;
}
