/* control/passwd's parser: any bytes. Every entry kept must parse again on
 * its own, name no other entry's name, and come in line order; the text
 * written back must parse to the same entries with no error; the dummy's
 * model must be one of them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "bytes.h"
#include "hashtext.h"
#include "pwdbmake.h"
#include "pwfile.h"

static void check_entries(const struct pwfile *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct pwentry *e = &f->v[i];
        struct pwrecord r;
        if (pwrecord_parse(e->line, e->len, &r) != PWRECORD_OK ||
            r.uid != e->rec.uid || r.gid != e->rec.gid)
            abort();
        if (i > 0 && e->lineno <= f->v[i - 1].lineno)
            abort();
        if (pwfile_find(f, e->rec.name, e->rec.name_len) != (long)i)
            abort();
        if (hashtext_cost_len(e->rec.hash, e->rec.hash_len) > e->rec.hash_len)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    struct pwfile f = PWFILE_INIT, again = PWFILE_INIT;
    int errors = pwfile_parse((const char *)data, size, &f, NULL, NULL);
    if (errors < 0)
        abort();
    check_entries(&f);
    struct bytes text = BYTES_INIT(0);
    if (pwfile_text(&f, &text) < 0)
        abort();
    if (pwfile_parse(text.s, text.len, &again, NULL, NULL) != 0 ||
        again.n != f.n)
        abort();
    for (size_t i = 0; i < f.n; i++)
        if (again.v[i].len != f.v[i].len ||
            memcmp(again.v[i].line, f.v[i].line, f.v[i].len) != 0)
            abort();
    long m = pwdb_dummy_model(&f);
    if (f.n ? m < 0 || (size_t)m >= f.n : m != -1)
        abort();
    pwfile_free(&again);
    bytes_free(&text);
    pwfile_free(&f);
    return 0;
}
