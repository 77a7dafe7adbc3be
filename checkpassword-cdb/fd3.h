/* What a checkpassword program reads on descriptor 3: at most 512 bytes,
 *   name NUL password NUL timestamp NUL [anything]
 * as qmail-popup and every checkpassword caller write it. The timestamp may
 * be empty (SMTP AUTH has none); bytes after its NUL are ignored, as the
 * interface allows more data there. The name may not be empty.
 *
 * A pure function: bytes in, status out; nothing is read, printed or
 * copied. */
#ifndef FD3_H
#define FD3_H

#include <stddef.h>

#define FD3_MAX 512

enum fd3_status {
    FD3_OK = 0,
    FD3_TOOLONG,     /* more than FD3_MAX bytes */
    FD3_NO_NAME,     /* no NUL ends the name */
    FD3_EMPTY_NAME,  /* the name is empty */
    FD3_NO_PASSWORD, /* no NUL ends the password */
    FD3_NO_TIMESTAMP /* no NUL ends the timestamp */
};

/* Each field points into the caller's buffer and is NUL-terminated there
 * (its length does not count the NUL). */
struct fd3 {
    const char *name;
    size_t name_len;
    const char *password;
    size_t password_len;
    const char *timestamp;
    size_t timestamp_len;
};

/* Splits buf[0..len) into out. On anything but FD3_OK every field of out is
 * NULL and 0. */
enum fd3_status fd3_parse(const char *buf, size_t len, struct fd3 *out);
/* A short English text for a status, for messages. */
const char *fd3_strerror(enum fd3_status status);

#endif
