/* A session's life: set up, servers started and stopped, TLS begun, and
 * what the relay is to do next. The two sides are requests.c (the
 * client's) and replies.c (the server's), with pending.c between them. */
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "exitcodes.h"
#include "pending.h"
#include "session.h"

static const char server_lost[] =
    "421 4.3.0 Server unavailable, closing connection";

/* The settings, at init and at every reset. */
static void configure(struct session *s, const struct session_config *cfg)
{
    s->view = cfg->view;
    s->greeting = cfg->greeting;
    s->tls = cfg->tls;
    s->tls_available = cfg->tls_available;
    s->offer_starttls = cfg->offer_starttls;
    s->debug = cfg->debug;
    s->exit_code = -1;
}

int session_init(struct session *s, const struct session_config *cfg)
{
    memset(s, 0, sizeof *s);
    configure(s, cfg);
    s->line_out = malloc(sizeof *s->line_out);
    s->rn = malloc(sizeof *s->rn);
    s->queue = malloc(QUEUE_LIMIT * sizeof *s->queue);
    if (!s->line_out || !s->rn || !s->queue ||
        lr_init(&s->from_client, LINE_LIMIT) < 0 ||
        lr_init(&s->from_server, LINE_LIMIT) < 0 ||
        ob_init(&s->to_client, CLIENT_OUT_SIZE) < 0 ||
        ob_init(&s->to_server, SERVER_OUT_SIZE) < 0) {
        session_free(s);
        return -1;
    }
    return 0;
}

void session_reset(struct session *s, const struct session_config *cfg)
{
    struct session keep = *s;
    memset(s, 0, sizeof *s);
    configure(s, cfg);
    s->line_out = keep.line_out;
    s->rn = keep.rn;
    s->queue = keep.queue;
    s->counts = keep.counts;
    s->from_client = keep.from_client;
    s->from_server = keep.from_server;
    s->to_client = keep.to_client;
    s->to_server = keep.to_server;
    lr_discard(&s->from_client);
    s->from_client.discarding = 0;
    lr_discard(&s->from_server);
    s->from_server.discarding = 0;
    ob_clear(&s->to_client);
    ob_clear(&s->to_server);
}

void session_free(struct session *s)
{
    lr_wipe_free(&s->from_client);
    lr_free(&s->from_server);
    ob_free(&s->to_client);
    ob_free(&s->to_server);
    free(s->line_out);
    free(s->rn);
    free(s->queue);
    s->line_out = NULL;
    s->rn = NULL;
    s->queue = NULL;
}

void session_say(struct session *s, const char *line)
{
    to_client(s, line, strlen(line));
}

void session_server_lost(struct session *s)
{
    session_say(s, server_lost);
    s->exit_code = EXIT_TEMP;
    s->finished = 1;
    s->lost = 1;
}

/* Sends a request of fixsmtpio's own whose reply is not shown. The
 * caller made sure of room (a fresh server: empty queue and buffer). */
static struct request *inject(struct session *s, const char *line, size_t len)
{
    size_t verb = 0;
    while (verb < len && line[verb] != ' ')
        verb++;
    int ehlo = verb == 4 && ascii_caseeq(line, "EHLO", 4);
    struct request *r =
        queue_server(s, ehlo ? REQ_EHLO : REQ_COMMAND, line, verb);
    r->hide = 1;
    debug(s, '2', line, len);
    put_line(&s->to_server, NULL, 0, line, len);
    return r;
}

void session_server_started(struct session *s)
{
    int after_refusal = s->refused != DATAEND_CLEAN;
    s->last_verb.valid = 0; /* the rules may have changed */
    s->last_verb.len = 0;
    s->qhead = s->qlen = 0;
    s->in_reply = 0;
    s->server_stopped = 0;
    s->restart_server = 0;
    s->restarting = 0;
    /* After a refusal the fresh server is the same program, greeted with
     * the same line: what it offers stays known. */
    if (!after_refusal)
        s->chunking = 0;
    lr_discard(&s->from_server);
    ob_clear(&s->to_server);
    struct request *g =
        queue_server(s, REQ_GREETING, EVENT_GREETING, strlen(EVENT_GREETING));
    if (after_refusal) {
        g->hide = g->vital = 1;
        s->restarting++;
        s->refused = DATAEND_CLEAN;
        s->binarymime = 0;
        s->state = CLIENT_COMMAND;
    }
    if (s->helo_len) {
        struct request *r = inject(s, s->helo, s->helo_len);
        if (after_refusal) {
            r->vital = 1;
            s->restarting++;
        }
    }
}

void session_server_stopped(struct session *s)
{
    s->server_stopped = 1;
    s->stop_server = 0;
    s->in_reply = 0;
    lr_discard(&s->from_server);
    ob_clear(&s->to_server);
}

void session_tls_started(struct session *s)
{
    s->starttls = 0;
    s->tls = TLS_ACTIVE;
    s->offer_starttls = 0;
    s->state = CLIENT_COMMAND;
    s->hide_greeting_2xx = 1;
    s->helo_len = 0;
    s->binarymime = 0;
}

int session_keep_helo(struct session *s, const char *pre, size_t plen,
                      const char *line, size_t len)
{
    if (plen + len > sizeof s->helo)
        return -1;
    if (plen)
        memcpy(s->helo, pre, plen);
    memcpy(s->helo + plen, line, len);
    s->helo_len = plen + len;
    return 0;
}

int session_waiting_for_server(const struct session *s)
{
    return s->in_reply || s->qlen > 0;
}

enum session_step session_run(struct session *s, int *moved,
                              enum client_stop *client)
{
    /* Replies free room in the queue for requests and requests make room
     * for replies: go round until neither side moves. */
    *moved = 0;
    do {
        s->progress = 0;
        *client = session_client(s);
        session_server(s);
        *moved |= s->progress;
    } while (s->progress && !s->finished && !s->server_broken);
    if (s->server_broken)
        return STEP_BROKEN;
    if (s->finished)
        return STEP_FINISH;
    if (s->starttls)
        return STEP_STARTTLS;
    if (s->stop_server)
        return STEP_STOP_SERVER;
    if (s->restart_server)
        return STEP_NEW_SERVER;
    return STEP_GO_ON;
}

int session_reads_client(const struct session *s)
{
    return s->state != CLIENT_STARTTLS;
}

int session_in_message(const struct session *s)
{
    return s->state == CLIENT_DATA || s->state == CLIENT_BDAT;
}

void session_client_done(struct session *s)
{
    s->state = CLIENT_EOF;
    lr_discard(&s->from_client);
}

int session_exit_code(const struct session *s)
{
    return s->exit_code;
}

int session_restarting(const struct session *s)
{
    return s->restarting > 0;
}

int session_lost(const struct session *s)
{
    return s->lost;
}
