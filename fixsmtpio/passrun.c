#include "passrun.h"

void passrun_flush(struct passrun *r)
{
    if (r->len)
        ob_put(r->ob, r->p, r->len);
    r->len = 0;
}
