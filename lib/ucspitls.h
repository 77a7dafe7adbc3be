/* The application side of UCSPI-TLS (ucspi-tls(2)): how a program run under
 * any UCSPI-TLS server (ucspitlsd, sslserver -n, s6-ucspitlsd) starts TLS
 * on its connection, with nothing but the three descriptors the server
 * names in the environment:
 *   SSLCTLFD    the control socket: the program writes "Y" (or "y"), the
 *               server does the handshake and, after "Y", answers with the
 *               connection's variables;
 *   SSLREADFD   plaintext from the peer, once TLS runs;
 *   SSLWRITEFD  plaintext to the peer, once TLS runs.
 *
 * The variable block is a run of entries, each ending in a NUL:
 *   NAME=value   the variable NAME has this value;
 *   NAME         (no "=") the variable NAME is unset.
 * It ends at its first empty entry (a NUL at its start or right after
 * another NUL: "\0\0" after entries, or a lone NUL when there are none) or
 * at end of file, whichever comes first: sslserver -n ends it with the extra
 * NUL and keeps the socket open, s6-ucspitlsd closes the socket. Bytes after
 * the end are ignored. End of file before the first byte means that the
 * handshake failed. s6's name SSL_TLS_SNI_SERVERNAME is handed out as
 * SSL_TLS_SNI, the name ucspi-tls(2) and mod_ssl use.
 *
 * Nothing here prints or exits: every function returns a status. */
#ifndef UCSPITLS_H
#define UCSPITLS_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* The largest variable block accepted: a longer one is an error, never a
 * growing buffer. */
#define UCSPITLS_BLOCK_MAX 65536

enum ucspitls_status {
    UCSPITLS_OK = 0,
    UCSPITLS_UNAVAILABLE, /* SSLCTLFD, SSLREADFD or SSLWRITEFD is missing,
                             not a number, or not an open descriptor */
    UCSPITLS_FAILED,      /* the server closed the control socket before
                             answering: the handshake failed */
    UCSPITLS_TIMEOUT,     /* the deadline passed */
    UCSPITLS_TOOLONG,     /* the block is longer than its limit */
    UCSPITLS_BADNAME,     /* an entry's name is not [A-Za-z_][A-Za-z0-9_]* */
    UCSPITLS_STOPPED,     /* the callback asked to stop */
    UCSPITLS_ERROR        /* a system call failed: errno says why */
};

struct ucspitls {
    int ctl; /* SSLCTLFD, or -1 once closed */
    int rfd; /* SSLREADFD */
    int wfd; /* SSLWRITEFD */
};

/* Finds the three descriptors in the environment and sets close-on-exec on
 * them, so that programs the caller runs never inherit them; 0, 1 and 2 are
 * never taken for them. UCSPITLS_OK, or UCSPITLS_UNAVAILABLE (u is then
 * left with -1 in every field). */
enum ucspitls_status ucspitls_find(struct ucspitls *u);

/* Starts TLS: writes "Y" on the control socket, then reads the variable
 * block into block (its max is set to UCSPITLS_BLOCK_MAX when it had none)
 * until the block ends, the server closes the socket or the deadline
 * (clock_ms(), or DEADLINE_NONE) passes. block->s is NUL-terminated after
 * block->len. UCSPITLS_OK, UCSPITLS_FAILED, UCSPITLS_TIMEOUT,
 * UCSPITLS_TOOLONG or UCSPITLS_ERROR. The control socket stays open; the
 * caller may close it with ucspitls_close_ctl(). */
enum ucspitls_status ucspitls_start(struct ucspitls *u, int64_t deadline,
                                    struct bytes *block);

/* The reading half of ucspitls_start(), for any descriptor: reads a block
 * from fd with the same rules. SIGPIPE is not raised. */
enum ucspitls_status ucspitls_read_block(int fd, int64_t deadline,
                                         struct bytes *block);

/* Closes the control socket (once; later calls do nothing). */
void ucspitls_close_ctl(struct ucspitls *u);

/* Called for every entry of a block, in order. name is not NUL-terminated
 * (namelen bytes); value is NULL for an entry without "=" (unset the
 * variable), else valuelen bytes, not necessarily NUL-terminated. A nonzero
 * return stops the walk. */
typedef int ucspitls_var_fn(void *ctx, const char *name, size_t namelen,
                            const char *value, size_t valuelen);

/* The parser: walks the block in block[0..len) (any bytes; it reads nothing
 * outside them) and calls fn for each entry; fn may be NULL to check the
 * block only. Every name is checked before fn sees the first entry, so a
 * bad block changes nothing. *count (when not NULL) is set to the number of
 * entries. UCSPITLS_OK, UCSPITLS_BADNAME or UCSPITLS_STOPPED. */
enum ucspitls_status ucspitls_parse(const char *block, size_t len,
                                    ucspitls_var_fn *fn, void *ctx,
                                    size_t *count);

/* Applies a block to the environment with setenv(3) and unsetenv(3), after
 * checking all of it. UCSPITLS_OK, UCSPITLS_BADNAME, or UCSPITLS_ERROR
 * (errno ENOMEM; some variables may be set by then). */
enum ucspitls_status ucspitls_setenv(const char *block, size_t len);

/* A short English text for a status, for the caller's messages. */
const char *ucspitls_strerror(enum ucspitls_status status);

/* The server side: writing a block as a TLS server sends it. Names are
 * those the parser takes (a letter or '_', then letters, digits or '_').
 * The values come from the peer (its certificate, the server name it asked
 * for) and are made safe for an environment and a log line: a NUL, another
 * control character or DEL becomes '?', and a value longer than
 * UCSPITLS_VALUE_MAX is left out whole rather than cut, so that no
 * truncated name can match a rule. */
#define UCSPITLS_VALUE_MAX 1024
/* Appends name=value[0..len) and its NUL. 1 added, 0 left out (too long),
 * -1 with errno: EINVAL (a bad name), ENOMEM, or E2BIG (past b->max). */
int ucspitls_block_add(struct bytes *b, const char *name, const char *value,
                       size_t len);
/* The same for a C string value. */
int ucspitls_block_adds(struct bytes *b, const char *name, const char *value);
/* Ends the block (a block with no entry is a lone NUL). 0, or -1 with
 * errno. */
int ucspitls_block_end(struct bytes *b);

#endif
