/* One SMTP session as fixsmtpio sees it: client bytes in, requests out to
 * the server; server bytes in, rewritten replies out to the client. Buffers
 * only: the caller (relay.c) moves bytes between these buffers and the file
 * descriptors, so the whole protocol logic runs in unit tests and fuzzers.
 *
 * Replies are paired with requests through a bounded queue, in order, so
 * pipelined clients work: requests go on as they arrive. fixsmtpio's own
 * replies (line too long, STARTTLS, ...) wait in the same queue for their
 * turn. The fields are the session's own: session.c, requests.c (the
 * client's side), replies.c (the server's) and pending.c (the queue between
 * them) change them; the relay reads the buffers and asks session_run()
 * what to do. */
#ifndef SESSION_H
#define SESSION_H

#include <stdint.h>

#include "dataend.h"
#include "lineread.h"
#include "outbuf.h"
#include "renorm.h"
#include "rules.h"
#include "tlsenv.h"

#define LINE_LIMIT 65536 /* a command or reply line, with its CR LF */
/* Requests waiting for their replies: two 64 KiB reads of pipelined RCPTs,
 * so that fixsmtpio takes in one while the server answers the other. */
#define QUEUE_LIMIT 4096
#define CLIENT_OUT_SIZE (3 * LINE_LIMIT)
#define SERVER_OUT_SIZE (2 * LINE_LIMIT)
#define CLIENT_OUT_SOFT 32768 /* replies queued before taking more */
#define DATA_STEP 32768       /* message bytes taken at a time */
/* Room kept free before a line is taken: a request with its prefix; or, for
 * a reply line, the line held back before it, the line itself at the end of
 * the reply, and a short line of fixsmtpio's own (HELP's, STARTTLS). */
#define REQUEST_ROOM (LINE_LIMIT + RULES_MAX_PREPEND + 8)
#define REPLY_ROOM (2 * (REPLY_LINE_MAX + 2) + 1024)

/* What a queued request is, for the handling of its reply. */
enum request_kind {
    REQ_GREETING,
    REQ_TIMEOUT, /* not queued: a reply with no request waiting */
    REQ_COMMAND,
    REQ_EHLO,
    REQ_DATA,    /* 354 starts message data */
    REQ_DATAEND, /* the reply to the end of data */
    REQ_AUTH,    /* 334 makes the next line a SASL response */
    REQ_BDAT,    /* a chunk went to the server */
    REQ_LOCAL,   /* fixsmtpio answers itself: text is the reply */
    REQ_REFUSED  /* a refused message: fixsmtpio answers once it is over */
};               /* (REQ_LOCAL and REQ_REFUSED last: not the server's) */

/* A queue entry: eight bytes, so that a queue deep enough for two full
 * reads of pipelined commands stays at 32 KiB. */
struct request {
    uint32_t event;     /* index + 1 in the view's events; 0: no rules */
    unsigned kind : 4;  /* enum request_kind */
    unsigned hide : 1;  /* the reply is not shown to the client */
    unsigned fixup : 3; /* enum fixup_kind */
    unsigned local : 4; /* REQ_LOCAL: which of fixsmtpio's replies */
    unsigned vital : 1; /* a 2xx is needed, or the session cannot go on */
    unsigned last : 1;  /* REQ_BDAT: the chunk is the LAST */
    /* Bit d set: no rule of the event can match a reply line that starts
     * with the digit '2' + d (rules_event_may_match()). */
    unsigned plain : 4;
};

enum client_state {
    CLIENT_COMMAND,  /* lines are commands */
    CLIENT_WAIT,     /* DATA or AUTH sent: nothing more until its reply */
    CLIENT_SASL,     /* the next line is a SASL response */
    CLIENT_DATA,     /* message data until end of data */
    CLIENT_BDAT,     /* bdat_left bytes of a chunk */
    CLIENT_STARTTLS, /* STARTTLS accepted: the rest is discarded */
    CLIENT_RESTART,  /* a refused message is over: nothing more until the
                        fresh server runs */
    CLIENT_EOF       /* the client closed */
};

#define HELO_MAX 1024 /* the HELO or EHLO line kept for a fresh server */

/* The last command word looked up in the rules, and what it gave; and
 * what else is known of the word alone. */
struct verb_cache {
    char word[16];
    size_t len;          /* of word; 0 when not valid */
    unsigned char valid; /* word, len and what follows are a lookup's */
    /* The word's first eight bytes and a mask of those that are the
     * word's, to compare a line's start in one step. */
    uint64_t head, head_mask;
    const struct rules_event *event;
    uint32_t event_ref;  /* event as struct request keeps it */
    unsigned char plain; /* struct request's plain for the event */
    unsigned char fixup;
    unsigned char verb;     /* enum verb (verbs.h) */
    unsigned char reserved; /* rules_event_reserved() */
};

/* What a session is told at the start. */
struct session_config {
    const struct ruleview *view;
    const char *greeting; /* smtpgreeting, for fixups */
    enum tls_level tls;
    int tls_available;  /* the UCSPI-TLS descriptors are there */
    int offer_starttls; /* add STARTTLS to EHLO replies */
    int debug;          /* FIXSMTPIODEBUG */
};

struct session {
    /* Configuration. */
    const struct ruleview *view;
    const char *greeting; /* smtpgreeting, for fixups */
    enum tls_level tls;
    int tls_available;  /* the UCSPI-TLS descriptors are there */
    int offer_starttls; /* add STARTTLS to EHLO replies */
    int debug;          /* FIXSMTPIODEBUG */
    /* Buffers. */
    struct lineread from_client;
    struct lineread from_server;
    struct outbuf to_client;
    struct outbuf to_server;
    /* Requests waiting for replies, a ring of QUEUE_LIMIT. It and the
     * other large parts (rn, line_out) are allocated, not zeroed, so that
     * a page of them counts in fixsmtpio's memory only once it is used. */
    struct request *queue;
    size_t qhead, qlen;
    struct verb_cache last_verb;
    /* The client side. */
    enum client_state state;
    struct dataend data;
    uint64_t bdat_left;
    int bdat_discard; /* the chunk is not forwarded */
    uint64_t data_bytes;
    uint64_t data_out; /* bytes of the message sent to the server */
    int chunking;      /* the last EHLO reply offered CHUNKING */
    int binarymime;    /* the transaction said BODY=BINARYMIME */
    /* The HELO or EHLO line the server got, for a fresh server that must
     * not make the client repeat it; empty after STARTTLS (RFC 3207). */
    char helo[HELO_MAX];
    size_t helo_len;
    /* A message refused for a NUL or a bare CR: nothing of it may be
     * delivered, so the server holding it is stopped and a fresh one
     * started once the client's message is over. */
    enum dataend_refusal refused;
    uint64_t refused_at;
    int stop_server;    /* for the relay: stop the server now */
    int restart_server; /* for the relay: start a fresh server */
    int server_stopped; /* the relay has stopped it */
    int restarting;     /* vital replies of the fresh server still owed */
    /* The reply being received. */
    int in_reply;
    struct request answering;
    struct reply_rules rr;
    struct renorm *rn;
    struct reply_line_out *line_out;
    int reply_code; /* of the reply's latest line, as the server sent it */
    int saw_chunking;
    int hide_greeting_2xx; /* after a restart for TLS */
    int greeting_answered; /* a refusing greeting answered the client's
                              next command before it came */
    /* Counts for the summary line, kept across resets. */
    struct session_counts {
        uint64_t commands; /* command lines from the client */
        uint64_t messages; /* messages the server took (2xx at their end) */
        uint64_t refused;  /* messages fixsmtpio refused (NUL, bare CR) */
    } counts;
    /* Outcome. */
    int progress;      /* set when a line or data went through */
    int starttls;      /* STARTTLS accepted and its 220 sent */
    int finished;      /* a rule set an exit code: stop after sending */
    int exit_code;     /* -1: none set by a rule */
    int server_broken; /* the server sent something that is not SMTP */
    int lost;          /* no server could go on after a refused message */
};

/* 0, or -1 when memory ran out. */
int session_init(struct session *s, const struct session_config *cfg);
void session_free(struct session *s);
/* Back to the state session_init() leaves, keeping the buffers. */
void session_reset(struct session *s, const struct session_config *cfg);

/* A fresh server started: its greeting is the next reply, and the kept
 * HELO or EHLO line (if any) goes to it with its reply hidden. Drops what an
 * earlier server left behind. After a refused message the greeting is
 * hidden too, and both must succeed, or the client is told 421 and the
 * session ends. */
void session_server_started(struct session *s);
/* The relay stopped the server (stop_server): what it left is dropped. */
void session_server_stopped(struct session *s);
/* TLS has started: the fresh server about to start forgets everything from
 * before (RFC 3207 4.2), and its 2xx greeting is not shown. */
void session_tls_started(struct session *s);
/* Keeps a HELO or EHLO line, after its prepend, for the servers to come
 * (the client's, or under authup AUTHUP_HELO). 0, or -1 when it is too
 * long. */
int session_keep_helo(struct session *s, const char *pre, size_t plen,
                      const char *line, size_t len);

/* Why session_client() stopped taking client input. */
enum client_stop {
    CLIENT_NEEDS_INPUT,     /* nothing (whole) left to take */
    CLIENT_BLOCKED,         /* no room to pass more on, for now */
    CLIENT_WAITS_FOR_SERVER /* nothing until the server replies */
};

/* What the relay is to do next. */
enum session_step {
    STEP_GO_ON,       /* move bytes, and run again */
    STEP_BROKEN,      /* the server sent what is not SMTP: 421, exit 111 */
    STEP_FINISH,      /* over: send what is queued, end (session_lost()
                         when no server could go on after a refusal) */
    STEP_STARTTLS,    /* the 220 to STARTTLS is queued: switch to TLS */
    STEP_STOP_SERVER, /* stop the server: it holds a refused message */
    STEP_NEW_SERVER   /* start a fresh server after a refused message */
};
/* Lets both sides take what they can, in turns, until neither moves; sets
 * *moved when anything did, and *client to why the client's side stopped. */
enum session_step session_run(struct session *s, int *moved,
                              enum client_stop *client);

/* Takes what it can of the buffered client input. */
enum client_stop session_client(struct session *s);
/* Takes what it can of the buffered server output. */
void session_server(struct session *s);
/* The client closed: the clienteof rules decide the exit code. What it sent
 * before is still taken; a partial line is dropped. */
void session_client_eof(struct session *s);
/* Whether a server reply is owed (a request waits, or a reply has begun). */
int session_waiting_for_server(const struct session *s);
/* Whether client input is taken now (not after STARTTLS's 220). */
int session_reads_client(const struct session *s);
/* Whether the client is in the middle of a message (DATA or a chunk). */
int session_in_message(const struct session *s);
/* The client is gone and all it sent was taken: nothing more comes. */
void session_client_done(struct session *s);
/* The exit code a rule set, or -1. */
int session_exit_code(const struct session *s);
/* Whether a fresh server after a refusal has yet to prove it can go on. */
int session_restarting(const struct session *s);
/* Whether no server could go on after a refused message. */
int session_lost(const struct session *s);
/* Writes a reply of fixsmtpio's own straight to the client buffer. */
void session_say(struct session *s, const char *line);
/* The server cannot go on after a refused message (it did not start, or it
 * refused to, or it went away): tells the client 421 and ends the session
 * with exit code 111. */
void session_server_lost(struct session *s);

#endif
