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
#include "sasl.h"
#include "throttle.h"
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
    int done;   /* the session is over: authup exits with code */
    int code;
    /* For the summary line: how many attempts, and of the last one the
     * mechanism, the name and the result ("accepted", "rejected" or
     * "tempfail"; NULL before the first). */
    unsigned attempts;
    const char *mech;
    char user[SASL_FIELD_MAX + 1];
    const char *result;
    struct throttle throttle; /* failures across connections: off until
                                 main() sets it up */
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
/* conn_reply(), and when the client cannot be written to, the session is
 * over (exit 0: the client is gone). */
void conn_say(struct conn *c, const char *line);
/* Says line (unless NULL), writes everything queued and ends the session
 * with code. */
void conn_end(struct conn *c, const char *line, int code);
/* Ends the session after conn_getline() or conn_skip() gave st, neither a
 * line nor a line too long: an idle client is told timeout_line (exit 16),
 * a client that closed or can no longer be written to ends it with 0, a
 * failing read with 111. */
void conn_lost(struct conn *c, enum lr_status st, const char *timeout_line);

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

/* Whether STARTTLS (STLS) is to be advertised now: offered or required,
 * the UCSPI-TLS descriptors there, and TLS not active yet. */
int conn_tls_offered(const struct conn *c);
/* TLS is required and not active yet. */
int conn_tls_required(const struct conn *c);

/* The STARTTLS (STLS) command, answered with the protocol's replies[4]:
 * TLS already active; not offered; offered but the UCSPI-TLS descriptors
 * are missing (the session then ends, exit 111); ready. After the ready
 * reply is written, every byte the client sent after the command is
 * dropped (nothing sent in plaintext may be taken as sent under TLS) and
 * TLS starts; when it fails, a warning is logged and the session ends with
 * 111 (the client can no longer be told anything). Returns 1 when TLS now
 * runs: the caller forgets what it knew of the session. */
int conn_starttls(struct conn *c, const char *const replies[4]);

#endif
