/* Decimal numbers from the command line and the environment: digits only,
 * no sign, no blanks, with an upper bound. */
#ifndef NUMBER_H
#define NUMBER_H

/* 0 with *out set when s is digits (at least one) worth at most max;
 * otherwise -1, and *out is left alone. */
int number_scan(const char *s, unsigned long max, unsigned long *out);

#endif
