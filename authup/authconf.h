/* authup's settings: the command line, control files and environment. */
#ifndef AUTHCONF_H
#define AUTHCONF_H

#include <stddef.h>
#include <stdint.h>

#include "loginlimits.h"

#define GREETING_MAX 1000
#define CAPS_MAX 64      /* capability lines taken from the file */
#define CAP_LINE_MAX 500 /* the longest capability line */

enum protocol { PROTO_SMTP, PROTO_POP3 };

struct config {
    enum protocol proto;
    const char *name;       /* "smtp" or "pop3" */
    unsigned tries;         /* failed attempts before disconnecting */
    int under_reup;         /* REUP is set: reup's tries are authup's */
    unsigned long reup_try; /* REUP's value */
    int pause_ms;           /* after each failed attempt */
    int64_t timeout_ms;
    char greeting[GREETING_MAX + 1];
    char *caps[CAPS_MAX]; /* capability lines to advertise */
    size_t ncaps;
    int broken_clients;    /* AUTHUP_SASL_BROKEN_CLIENTS: AUTH=PLAIN LOGIN */
    struct limits limits;  /* on failures across connections */
    const char *state_dir; /* where they are counted */
    char **checkpassword;  /* the checkpassword command line, then prog */
    int checking;          /* -C: report every problem, serve nothing */
    int problems;          /* found while checking */
};

/* Fills cfg from argv (after the options) and the control files; exits
 * with a message (100 usage, 111 control files) when it cannot, or, with
 * -C, reports every problem and counts it in cfg->problems. */
void authconf_load(struct config *cfg, int argc, char **argv);
void authconf_free(struct config *cfg);

/* Splits a capabilities file into cfg->caps, leaving out the blank lines
 * and those that name what authup itself advertises (AUTH and STARTTLS
 * for SMTP; STLS, USER, SASL and PIPELINING for POP3). Returns 0, or the
 * 1-based number of a line that is too long or holds a control character
 * (cfg->ncaps is then 0). */
size_t authconf_parse_caps(struct config *cfg, const char *text, size_t len);

#endif
