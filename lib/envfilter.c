#include <stddef.h>

#include "envfilter.h"

extern char **environ;

void envfilter(int (*drop)(const char *entry))
{
    size_t out = 0;
    for (size_t i = 0; environ && environ[i]; i++)
        if (!drop(environ[i]))
            environ[out++] = environ[i];
    if (environ)
        environ[out] = NULL;
}
