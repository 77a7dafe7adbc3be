/* ucspitlsd's own parsers on any bytes: the input is a run of NUL-ended
 * strings. All but the last are an environment for the SNI table, the last
 * is the server name a client asks for; then each string is a value in a
 * variable block, which lib/ucspitls's reader must read back as written,
 * with no control byte left in it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sni.h"
#include "ucspitls.h"

#define STRINGS_MAX 64

static void check_name(const char *s, size_t len)
{
    char a[SNI_NAME_MAX + 1], b[SNI_NAME_MAX + 1];
    int n = sni_normalize(s, len, a);
    if (n < 0)
        return;
    if ((size_t)n != strlen(a) || n > SNI_NAME_MAX)
        abort();
    /* Normal forms are fixed points. */
    if (sni_normalize(a, (size_t)n, b) != n || memcmp(a, b, (size_t)n) != 0)
        abort();
}

static void check_table(char **envp, const char *name, size_t len)
{
    struct sni_table t;
    char err[256];
    if (sni_parse(&t, envp, err, sizeof err) < 0) {
        if (t.entry || t.count || !err[0])
            abort();
        return;
    }
    if (t.count > SNI_ENTRIES_MAX)
        abort();
    for (size_t i = 0; i < t.count; i++) {
        char again[SNI_NAME_MAX + 1];
        size_t n = strlen(t.entry[i].name);
        if (sni_normalize(t.entry[i].name, n, again) != (int)n ||
            !*t.entry[i].certfile || !*t.entry[i].keyfile ||
            sni_find(&t, t.entry[i].name, n) != &t.entry[i])
            abort();
    }
    const struct sni_entry *e = sni_find(&t, name, len);
    char norm[SNI_NAME_MAX + 1];
    if (e && (sni_normalize(name, len, norm) < 0 || strcmp(norm, e->name)))
        abort();
    sni_free(&t);
}

struct readback {
    char **want;
    size_t *wantlen;
    size_t at;
};

static int compare(void *ctx, const char *name, size_t namelen,
                   const char *value, size_t valuelen)
{
    struct readback *rb = ctx;
    if (namelen != 5 || memcmp(name, "SSL_V", 5) != 0 || !value)
        abort();
    for (size_t i = 0; i < valuelen; i++)
        if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
            abort();
    /* Skip the values that were left out (too long). */
    while (rb->wantlen[rb->at] > UCSPITLS_VALUE_MAX)
        rb->at++;
    if (valuelen != rb->wantlen[rb->at])
        abort();
    for (size_t i = 0; i < valuelen; i++) {
        unsigned char w = (unsigned char)rb->want[rb->at][i];
        char c = w < 0x20 || w == 0x7f ? '?' : (char)w;
        if (value[i] != c)
            abort();
    }
    rb->at++;
    return 0;
}

static void check_block(char **strings, size_t *lens, size_t n)
{
    struct bytes b = BYTES_INIT(UCSPITLS_BLOCK_MAX);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        int r = ucspitls_block_add(&b, "SSL_V", strings[i], lens[i]);
        if (r < 0)
            break; /* the block is full */
        kept += r;
    }
    if (ucspitls_block_end(&b) < 0) {
        bytes_free(&b);
        return;
    }
    struct readback rb = {strings, lens, 0};
    size_t count = 0;
    if (ucspitls_parse(b.s, b.len, compare, &rb, &count) != UCSPITLS_OK ||
        count != kept)
        abort();
    bytes_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = 0;
    char *strings[STRINGS_MAX + 1];
    size_t lens[STRINGS_MAX + 1];
    size_t n = 0;
    for (size_t at = 0; at <= size && n < STRINGS_MAX;) {
        strings[n] = copy + at;
        lens[n] = strlen(copy + at); /* up to a NUL of the input */
        at += lens[n] + 1;
        n++;
    }
    for (size_t i = 0; i < n; i++)
        check_name(strings[i], lens[i]);
    /* The environment: every string but the last; the last is the name. */
    char *saved = strings[n - 1];
    strings[n - 1] = NULL;
    check_table(strings, saved, lens[n - 1]);
    strings[n - 1] = saved;
    check_block(strings, lens, n);
    free(copy);
    return 0;
}
