/* authup's side of the client connection: fds 0 and 1 (the TLS pipes once
 * STARTTLS or STLS ran), read through the bounded line reader with the
 * idle deadline, replies queued and written with the same deadline. While
 * authup talks, the descriptors are non-blocking; before a program runs on
 * them they are made blocking again, as programs expect. */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>

#include "lineread.h"
#include "outbuf.h"
#include "tlsenv.h"

/* The longest line taken: a command, or a SASL response of the longest
 * PLAIN message in base64, with room to spare. */
#define CONN_LINE_MAX 4096

struct conn {
    struct lineread in;
    struct outbuf out;
    int64_t timeout_ms;
    struct tlsenv tls;
    int broken; /* writing to the client failed */
};

/* Reads the TLS level (lib/tlsenv.h) and sets up the buffers. 0, or -1
 * with errno. */
int conn_init(struct conn *c, int64_t timeout_ms);
void conn_free(struct conn *c);

/* Queues a reply line (CR LF added). Writes queued replies first when they
 * would not fit. 0, or -1 when the client cannot be written to. */
int conn_reply(struct conn *c, const char *line);
/* Writes everything queued, until the idle deadline. 0 or -1. */
int conn_flush(struct conn *c);

/* The next line, without its line end, after writing the queued replies:
 * LR_LINE, LR_TOOLONG (the rest of that line will be dropped), LR_EOF,
 * LR_TIMEOUT or LR_ERROR. The line stays valid until the next call. */
enum lr_status conn_getline(struct conn *c, const char **line, size_t *len);
/* Bytes the client sent that no command has taken yet. */
size_t conn_pending(const struct conn *c);
/* Drops the next n bytes the client sends (the chunk of a BDAT that is
 * refused), after writing the queued replies, each read within the idle
 * deadline: LR_LINE once they are gone, else LR_EOF, LR_TIMEOUT or
 * LR_ERROR. */
enum lr_status conn_skip(struct conn *c, uint64_t n);

/* Before and after a program runs on the connection: flushes, makes the
 * descriptors blocking; then non-blocking again. */
int conn_handoff(struct conn *c);
void conn_resume(struct conn *c);

/* STARTTLS: writes the queued replies (the 220 among them), drops every
 * byte the client sent after the command (nothing sent in plaintext may
 * be taken as sent under TLS) and switches to TLS. 0, or -1 with a
 * warning logged (the client can no longer be told anything). */
int conn_starttls(struct conn *c);

#endif
