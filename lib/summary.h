/* The line that sums up a connection, one per program at its end:
 *   prog: info: ID: summary: ip=192.0.2.7 tls=TLSv1.3 ... seconds=0.412
 * Keys are fixed words, and the first is always ip=, the client's address
 * (TCPREMOTEIP); a value is a word (letters, digits and "@._+-:/") as it
 * is, "-" when there is none, or else quoted ("...") with every byte that
 * is not printable ASCII, '"' and '\' as \xHH, so that no value can hold
 * a space or a quote outside its quotes. A pair that does not fit is left
 * out, so the line stays one whole line. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#define SUMMARY_MAX 900

struct summary {
    char text[SUMMARY_MAX];
    size_t len;
};

/* Starts the line with ip=$TCPREMOTEIP. */
void summary_init(struct summary *sm);
/* value may be NULL or "": the pair says key=-. */
void summary_add(struct summary *sm, const char *key, const char *value);
void summary_addn(struct summary *sm, const char *key, const char *value,
                  size_t len);
void summary_addu(struct summary *sm, const char *key, uint64_t value);
/* A duration in milliseconds, as seconds with three decimals. */
void summary_addms(struct summary *sm, const char *key, int64_t ms);
/* Logs the line (info_msg()). */
void summary_log(const struct summary *sm);

#endif
