#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cdbfile.h"
#include "hashtext.h"
#include "pwdb.h"
#include "pwdbmake.h"

int pwdb_write(const char *path, const struct pwfile *f, const char *dummy)
{
    struct cdbfile w;
    if (cdbfile_start(&w, path, 0600) < 0)
        return -1;
    int r = cdbfile_add(&w, ":format", 7, PWDB_FORMAT, sizeof PWDB_FORMAT - 1);
    if (r == 0 && dummy)
        r = cdbfile_add(&w, ":dummy", 6, dummy, strlen(dummy));
    for (size_t i = 0; r == 0 && i < f->n; i++) {
        const struct pwentry *e = &f->v[i];
        r = cdbfile_add(&w, e->rec.name, e->rec.name_len, e->line, e->len);
    }
    if (r < 0) {
        cdbfile_abort(&w);
        return -1;
    }
    return cdbfile_finish(&w);
}

static size_t cost_len(const struct pwentry *e)
{
    return hashtext_cost_len(e->rec.hash, e->rec.hash_len);
}

static int same_cost(const struct pwentry *a, const struct pwentry *b)
{
    size_t n = cost_len(a);
    return n == cost_len(b) && memcmp(a->rec.hash, b->rec.hash, n) == 0;
}

/* Orders indexes into v (the context) by the cost part of their hashes,
 * then by index. */
static int by_cost(const void *pa, const void *pb, void *ctx)
{
    const struct pwentry *v = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    size_t la = cost_len(&v[a]), lb = cost_len(&v[b]);
    int c = memcmp(v[a].rec.hash, v[b].rec.hash, la < lb ? la : lb);
    if (c)
        return c;
    if (la != lb)
        return la < lb ? -1 : 1;
    return a < b ? -1 : a > b;
}

long pwdb_dummy_model(const struct pwfile *f)
{
    if (f->n == 0)
        return -1;
    size_t *idx = malloc(f->n * sizeof *idx);
    if (!idx)
        return 0; /* any entry will do */
    for (size_t i = 0; i < f->n; i++)
        idx[i] = i;
    qsort_r(idx, f->n, sizeof *idx, by_cost, f->v);
    /* The longest run of one cost; among runs as long, the one whose first
     * entry comes first in the file. Within a run indexes ascend. */
    size_t best = idx[0], best_run = 1, run = 1;
    for (size_t i = 1; i < f->n; i++) {
        run = same_cost(&f->v[idx[i - 1]], &f->v[idx[i]]) ? run + 1 : 1;
        size_t head = idx[i + 1 - run];
        if (run > best_run || (run == best_run && head < best)) {
            best_run = run;
            best = head;
        }
    }
    free(idx);
    return (long)best;
}
