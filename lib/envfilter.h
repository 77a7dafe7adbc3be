/* Taking variables out of the environment. */
#ifndef ENVFILTER_H
#define ENVFILTER_H

/* Removes from environ every entry ("NAME=value") for which drop returns
 * nonzero. The array is compacted in place: unsetenv(3) would need a copy
 * of each name, and would leave an entry without "=" behind. */
void envfilter(int (*drop)(const char *entry));

#endif
