/* The session core without file descriptors: replies paired with requests
 * under pipelining, fixsmtpio's own replies in order, DATA, BDAT, AUTH,
 * over-long lines, NUL bytes, timeouts, exit codes, malformed replies. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "session.h"

static struct ruleset set;
static struct ruleview view;
static struct session s;
static char got[1 << 20];

static const char *env_none(const char *name)
{
    (void)name;
    return NULL;
}

/* A session with rules at a TLS level, its server just started. */
static void start_tls(const char *rules, enum tls_level tls, int available)
{
    if (set.arena) {
        session_free(&s);
        ruleview_free(&view);
        rules_free(&set);
    }
    rules_parse(rules, strlen(rules), &set, NULL, NULL);
    ruleview_init(&view, &set, env_none);
    struct session_config cfg = {.view = &view,
                                 .greeting = "mx.example",
                                 .tls = tls,
                                 .tls_available = available,
                                 .offer_starttls =
                                     available && tls != TLS_ACTIVE};
    session_init(&s, &cfg);
    session_server_started(&s);
}

static void start(const char *rules)
{
    start_tls(rules, TLS_NONE, 0);
}

/* As after STARTTLS: TLS active, a fresh server. */
static void after_starttls(void)
{
    start("");
    session_tls_started(&s);
    session_server_started(&s);
}

static void client(const char *bytes, size_t len)
{
    while (len) {
        size_t n = lr_feed(&s.from_client, bytes, len);
        bytes += n;
        len -= n;
        session_client(&s);
        session_server(&s);
        if (n == 0)
            break;
    }
    session_client(&s);
}

static void clients(const char *text)
{
    client(text, strlen(text));
}

/* Bytes that may hold a NUL. */
#define CLIENT_BYTES(lit) client(lit, sizeof lit - 1)

static void server(const char *text)
{
    lr_feed(&s.from_server, text, strlen(text));
    session_server(&s);
    session_client(&s);
}

static void like_start(const char *text, const char *prefix, const char *name)
{
    ok(strncmp(text, prefix, strlen(prefix)) == 0, "%s", name);
}

/* What went to one side since the last look. */
static const char *take(struct outbuf *ob)
{
    size_t n = ob_pending(ob);
    memcpy(got, ob->buf + ob->start, n);
    got[n] = 0;
    ob_clear(ob);
    return got;
}

static void pipelining(void)
{
    start(":rcpt::550*::550 no such user here\n");
    clients("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\n"
            "RCPT TO:<bad@y>\r\n");
    is_str(take(&s.to_server),
           "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nRCPT TO:<bad@y>\r\n",
           "requests go on before the greeting has even come");
    is_str(take(&s.to_client), "", "nothing for the client yet");
    server("220 s ESMTP\r\n250-s\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n");
    is_str(take(&s.to_client),
           "220 s ESMTP\r\n250-s\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n",
           "replies in order");
    server("550 unknown\r\n");
    is_str(take(&s.to_client), "550 no such user here\r\n",
           "the fourth reply gets the RCPT rule");
    server("421 timeout (#4.4.2)\r\n");
    is_str(take(&s.to_client), "421 timeout (#4.4.2)\r\n",
           "a reply nobody asked for passes (timeout event)");
    ok(!session_waiting_for_server(&s), "nothing owed");
}

static void local_replies(void)
{
    start("");
    server("220 s\r\n");
    take(&s.to_client);
    clients("NOOP\r\nSTARTTLS\r\n");
    client("NO\0OP\r\n", 7);
    clients("NOOP\r\n");
    is_str(take(&s.to_server), "NOOP\r\nNOOP\r\n",
           "STARTTLS and a NUL line never reach the server");
    is_str(take(&s.to_client), "",
           "fixsmtpio's replies wait for the NOOP before them");
    server("250 one\r\n");
    is_str(take(&s.to_client),
           "250 one\r\n502 5.5.1 STARTTLS not offered\r\n"
           "500 5.5.2 NUL character in command\r\n",
           "then STARTTLS gets its 502 (no TLS offered), the NUL line 500");
    server("250 two\r\n");
    is_str(take(&s.to_client), "250 two\r\n",
           "and the last NOOP its reply, in request order");

    /* Over-long lines: 500 once, the rest dropped, the next line works. */
    char *big = malloc(200000);
    memset(big, 'x', 200000);
    memcpy(big, "NOOP ", 5);
    client(big, 200000);
    clients("\r\nRSET\r\n");
    is_str(take(&s.to_server), "RSET\r\n", "only the line after goes on");
    server("250 reset\r\n");
    is_str(take(&s.to_client), "500 5.5.2 line too long\r\n250 reset\r\n",
           "a 200 KB line: 500 5.5.2, then the next reply");
    memset(big, 'y', 65534);
    memcpy(big + 65534, "\r\n", 2);
    client(big, 65536);
    ok(ob_pending(&s.to_server) == 65536, "a 64 KiB line with CR LF passes");
    take(&s.to_server);
    server("250 long ok\r\n");
    take(&s.to_client);

    /* A server reply line over 64 KiB keeps its place in the reply. */
    clients("EHLO c\r\n");
    take(&s.to_server);
    memset(big, 'z', 100000);
    memcpy(big, "250-", 4);
    lr_feed(&s.from_server, big, 65536);
    session_server(&s);
    lr_feed(&s.from_server, big, 100000 - 65536);
    session_server(&s);
    server("\r\n250 SIZE\r\n");
    is_str(take(&s.to_client), "500-5.5.2 line too long\r\n250 SIZE\r\n",
           "an over-long reply line is replaced, the reply goes on");
    free(big);

    /* Bare LF ends a command line too; the server gets CR LF. */
    clients("NOOP\nRSET\r\n");
    is_str(take(&s.to_server), "NOOP\r\nRSET\r\n",
           "LF-terminated command normalised");
    server("250 a\r\n250 b\r\n");
    take(&s.to_client);
}

static void data(void)
{
    start(":data::451 GL*::451 greylisted\n:data::3*::354 data\n"
          ":in_data::451*::451 in_data\n");
    server("220 s\r\n");
    clients("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
            "Subject: x\r\n\r\nRSET\r\n.\r\nQUIT\r\n");
    is_str(take(&s.to_server), "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
           "nothing after DATA goes on before its reply");
    server("250 ok\r\n250 ok\r\n354 go\r\n");
    is_str(take(&s.to_server), "Subject: x\r\n\r\nRSET\r\n.\r\nQUIT\r\n",
           "after 354 the message, its end, then the next command");
    server("451 GL - temporary failure\r\n221 bye\r\n");
    is_str(take(&s.to_client),
           "220 s\r\n250 ok\r\n250 ok\r\n354 data\r\n451 in_data\r\n"
           "221 bye\r\n",
           "the reply to DATA is a data event, the reply to the end of data "
           "an in_data event, as in acceptutils");

    start(":timeout::*:16:\n:in_data::*::250 not this\n"
          ":greeting::5*:15:\n");
    server("220 s\r\n");
    clients("TIMEOUT\r\nin_data\r\nGreeting\r\n");
    server("502 no\r\n502 no\r\n502 no\r\n");
    is_str(take(&s.to_client), "220 s\r\n502 no\r\n502 no\r\n502 no\r\n",
           "a client command named after an event of fixsmtpio's own takes "
           "none of its rules");
    is_int(s.exit_code, -1, "and sets no exit code");

    start("");
    server("220 s\r\n");
    clients("DATA\r\nNOOP\r\n");
    server("503 need RCPT\r\n");
    is_str(take(&s.to_server), "DATA\r\nNOOP\r\n",
           "DATA refused: the next line is a command again");
}

static void bdat(void)
{
    start("");
    server("220 s\r\n");
    clients("BDAT 5\r\nHELO\n");
    is_str(take(&s.to_server), "",
           "BDAT without CHUNKING offered: nothing reaches the server");
    clients("NOOP\r\n");
    is_str(take(&s.to_server), "NOOP\r\n",
           "the chunk was skipped by its size, not read as commands");
    server("250 ok\r\n");
    is_str(take(&s.to_client),
           "220 s\r\n502 5.5.1 BDAT without CHUNKING offered\r\n250 ok\r\n",
           "502 for it, in order");

    clients("EHLO c\r\n");
    server("250-s\r\n250 CHUNKING\r\n");
    take(&s.to_client);
    take(&s.to_server);
    clients("BDAT 12 LAST\r\nDATA\r\n.\r\n\nQUIT\r\n");
    is_str(take(&s.to_server), "BDAT 12 LAST\r\nDATA\r\n.\r\n\nQUIT\r\n",
           "with CHUNKING the chunk passes untouched, by its size");
    clients("BDAT 0 LAST\r\nBDAT x\r\nBDAT 1 FIRST\r\nBDAT 99999999999999999999"
            "\r\n");
    is_str(take(&s.to_server), "BDAT 0 LAST\r\n",
           "malformed BDAT lines never reach the server");
    server("250 12 ok\r\n221 bye\r\n250 0 ok\r\n");
    is_str(take(&s.to_client),
           "250 12 ok\r\n221 bye\r\n250 0 ok\r\n"
           "501 5.5.4 Syntax: BDAT size [LAST]\r\n"
           "501 5.5.4 Syntax: BDAT size [LAST]\r\n"
           "501 5.5.4 Syntax: BDAT size [LAST]\r\n",
           "each gets 501");

    start_tls("", TLS_REQUIRED, 0);
    server("220 s\r\n");
    take(&s.to_client);
    clients("BDAT 12 LAST\r\nRSET\r\nQUIT\r\nNOOP\r\n");
    is_str(take(&s.to_server), "NOOP\r\n",
           "TLS required: a refused BDAT's chunk is skipped by its size, "
           "not read as commands");
    server("250 ok\r\n");
    is_str(take(&s.to_client),
           "530 5.7.0 Must issue a STARTTLS command first\r\n250 ok\r\n",
           "  530 for the BDAT, then the reply to what followed its chunk");
}

/* What the relay does when the session asks: stop the server holding a
 * refused message, start a fresh one. */
static int stops, restarts;

static void relay_acts(void)
{
    for (int i = 0; i < 4; i++) {
        if (s.stop_server) {
            stops++;
            session_server_stopped(&s);
        }
        if (s.restart_server) {
            restarts++;
            s.restart_server = 0;
            session_server_started(&s);
        }
        session_client(&s);
        session_server(&s);
    }
}

/* A transaction under way: EHLO c (CHUNKING), MAIL, RCPT answered. */
static void in_transaction(const char *rules)
{
    start(rules);
    stops = restarts = 0;
    server("220 s\r\n");
    clients("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n");
    server("250-s\r\n250 CHUNKING\r\n250 ok\r\n250 ok\r\n");
    take(&s.to_server);
    take(&s.to_client);
}

/* In DATA, up to 354. */
static void in_data(const char *rules)
{
    in_transaction(rules);
    clients("DATA\r\n");
    server("354 go\r\n");
    take(&s.to_server);
    take(&s.to_client);
}

static void refused(void)
{
    static const char smuggled[] =
        "Subject: x\r\n\r\nhello\r\n.\0\r\nMAIL FROM:<evil@x>\r\n"
        "RCPT TO:<v@x>\r\nDATA\r\nforged\r\n.\r\nQUIT\r\n";
    in_data("");
    client(smuggled, sizeof smuggled - 1);
    is_str(take(&s.to_server), "Subject: x\r\n\r\nhello\r\n.",
           "NUL after the dot: nothing from it on reaches the server");
    ok(s.stop_server, "the server holding the message is to be stopped");
    relay_acts();
    is_int(stops, 1, "and is, once");
    is_int(restarts, 1, "then a fresh one is started");
    is_str(take(&s.to_client),
           "554 5.6.0 Message refused: NUL character in message data\r\n",
           "the client hears 554 5.6.0 at its end of data");
    is_str(take(&s.to_server), "EHLO c\r\nQUIT\r\n",
           "the fresh server gets the client's EHLO again, then what came "
           "after the end of data");
    server("220 fresh\r\n250-s\r\n250 CHUNKING\r\n221 bye\r\n");
    is_str(take(&s.to_client), "221 bye\r\n",
           "its greeting and EHLO reply are not shown");
    ok(!s.finished && s.exit_code == -1, "the session goes on");

    in_data("");
    clients("a\r.\rMAIL FROM:<evil@x>\r\n.\r\nNOOP\r\n");
    relay_acts();
    is_str(take(&s.to_client),
           "554 5.6.0 Message refused: bare CR in message data\r\n",
           "\\r.\\r: 554 for the bare CR");
    is_str(take(&s.to_server), "EHLO c\r\nNOOP\r\n",
           "the fresh server gets EHLO, then what followed");
    server("220 fresh\r\n250 ok\r\n250 noop\r\n");
    is_str(take(&s.to_client), "250 noop\r\n", "and the session goes on");

    /* The fresh server cannot go on: 421 after the 554, exit 111. */
    static const char *const failing[] = {
        "421 busy\r\n", "220 fresh\r\n550 no EHLO for you\r\n"};
    for (int i = 0; i < 2; i++) {
        in_data("");
        CLIENT_BYTES("x\0y\r\n.\r\nMAIL FROM:<a@b>\r\n");
        relay_acts();
        take(&s.to_server);
        server(failing[i]);
        is_str(take(&s.to_client),
               "554 5.6.0 Message refused: NUL character in message data\r\n"
               "421 4.3.0 Server unavailable, closing connection\r\n",
               i ? "the fresh server refuses the EHLO: 554, then 421"
                 : "the fresh server greets 421: 554, then 421");
        ok(s.finished && s.exit_code == 111 && s.lost, "exit code 111");
    }

    /* A partial message: still in DATA when the NUL comes. */
    in_data("");
    CLIENT_BYTES("x\0y\r\nmore");
    relay_acts();
    is_int(stops, 1, "NUL before the end: the server is stopped at once");
    is_int(restarts, 0, "but not restarted while the message goes on");
    is_str(take(&s.to_client), "", "and nothing said yet");
    clients("\r\n.\r\n");
    relay_acts();
    is_int(restarts, 1, "the end of data: restarted");
    like_start(take(&s.to_client), "554 5.6.0", "554 at the end of data");

    /* BDAT: a NUL in a chunk refuses it once the replies before it are in;
     * the rest of the chunk is never read as commands. */
    in_transaction("");
    CLIENT_BYTES("BDAT 3\r\nabcBDAT 4 LAST\r\na\0\r\nQU");
    size_t n = ob_pending(&s.to_server);
    const char *sent = take(&s.to_server);
    ok(n <= 25 && memcmp(sent, "BDAT 3\r\nabcBDAT 4 LAST\r\n", 24) == 0,
       "BDAT: nothing of a chunk from its NUL on is forwarded");
    relay_acts();
    is_int(stops, 0, "the server still owes the first chunk's reply");
    clients("IT\r\n");
    server("250 3 ok\r\n");
    relay_acts();
    is_int(stops, 1, "then it is stopped");
    is_int(restarts, 1, "and a fresh one started at the chunk's end");
    is_str(take(&s.to_client),
           "250 3 ok\r\n"
           "554 5.6.0 Message refused: NUL character in message data\r\n",
           "the first chunk's reply, then 554 for the second");
    is_str(take(&s.to_server), "EHLO c\r\nQUIT\r\n",
           "the fresh server gets EHLO, then what followed the chunk");

    in_transaction("");
    CLIENT_BYTES("RSET\r\nMAIL FROM:<a@b> BODY=BINARYMIME\r\nBDAT 2 LAST\r\n"
                 "\0\r");
    n = ob_pending(&s.to_server);
    sent = take(&s.to_server);
    is_mem(sent, n,
           "RSET\r\nMAIL FROM:<a@b> BODY=BINARYMIME\r\nBDAT 2 LAST\r\n\0\r", 54,
           "BODY=BINARYMIME: a NUL in a chunk passes");
}

static void auth(void)
{
    start("");
    server("220 s\r\n");
    clients("AUTH LOGIN\r\ndXNlcg==\r\n");
    is_str(take(&s.to_server), "AUTH LOGIN\r\n",
           "nothing after AUTH before its reply");
    server("334 VXNlcm5hbWU6\r\n");
    is_str(take(&s.to_server), "dXNlcg==\r\n",
           "after 334 the line goes on as a SASL response");
    clients("STARTTLS\r\n");
    is_str(take(&s.to_server), "", "the next line waits for the reply");
    server("334 UGFzc3dvcmQ6\r\n");
    is_str(take(&s.to_server), "STARTTLS\r\n",
           "after a second 334 even a command word is a SASL response");
    server("235 ok\r\n");
    clients("MAIL FROM:<a@b>\r\n");
    is_str(take(&s.to_server), "MAIL FROM:<a@b>\r\n", "then commands again");

    /* A bare CR would split a line for a server that takes it for a line
     * end: never forwarded, in a command or a SASL response. */
    start("");
    server("220 s\r\n");
    take(&s.to_client);
    clients("NOOP\rMAIL FROM:<evil@x>\r\nAUTH LOGIN\r\n");
    is_str(take(&s.to_server), "AUTH LOGIN\r\n",
           "a command with a bare CR does not reach the server");
    server("334 VXNlcm5hbWU6\r\n");
    CLIENT_BYTES("dXNl\rcg==\r\nNOOP\r\n");
    is_str(take(&s.to_server), "*\r\nNOOP\r\n",
           "a SASL response with a bare CR: the exchange is cancelled");
    server("501 cancelled\r\n250 ok\r\n");
    is_str(take(&s.to_client),
           "500 5.5.2 bare CR in command\r\n334 VXNlcm5hbWU6\r\n"
           "500 5.5.2 bare CR in command\r\n250 ok\r\n",
           "each gets 500, the server's cancel reply is not shown");
    clients("AUTH LOGIN\r\n");
    server("334 VXNlcm5hbWU6\r\n");
    take(&s.to_server);
    take(&s.to_client);
    CLIENT_BYTES("dXNl\0cg==\r\n");
    is_str(take(&s.to_server), "*\r\n", "so is one with a NUL");
    server("501 cancelled\r\n");
    is_str(take(&s.to_client), "500 5.5.2 NUL character in command\r\n",
           "which the client is told is a NUL, not a bare CR");

    /* Under authup's rules AUTH is turned into a NOOP. */
    start("AUTH:auth:NOOP :*::502 unimplemented (#5.5.1)\n");
    server("220 s\r\n");
    setenv("AUTH", "1", 1);
    ruleview_free(&view);
    ruleview_init(&view, &set, NULL);
    clients("AUTH PLAIN AGEAYg==\r\nNOOP\r\n");
    server("250 ok\r\n");
    is_str(take(&s.to_server), "NOOP AUTH PLAIN AGEAYg==\r\nNOOP\r\n",
           "the prepend makes the server ignore AUTH");
    is_str(take(&s.to_client), "220 s\r\n502 unimplemented (#5.5.1)\r\n",
           "and the client is told 502");
    unsetenv("AUTH");
}

static void exits(void)
{
    start(":greeting::4*:14:&fixsmtpio_noop\n:quit::*:3:\n");
    server("421 go away\r\n");
    is_str(take(&s.to_client), "421 go away\r\n", "4xx greeting kept");
    ok(s.finished && s.exit_code == 14, "exit 14 after sending it");

    start(":quit::*:3:\n:clienteof::*:7:\n");
    server("220 s\r\n");
    clients("QUIT\r\n");
    server("221 bye\r\n");
    is_str(take(&s.to_client), "220 s\r\n", "QUIT reply removed");
    ok(s.finished && s.exit_code == 3, "exit code from the QUIT rule");

    start(":clienteof::*:7:\n");
    session_client_eof(&s);
    is_int(s.exit_code, 7, "client EOF: the clienteof rule's code");
    ok(!s.finished, "but the server still gets to finish");

    start("");
    server("220 s\r\n");
    server("hello\r\n");
    ok(s.server_broken, "a line that is not a reply: the server is broken");
    start("");
    lr_feed(&s.from_server, "220-a\r\n220\0b\r\n", 14);
    session_server(&s);
    ok(s.server_broken, "a NUL in a reply: broken too");
    start("");
    server("220-a\r\n");
    ok(session_waiting_for_server(&s), "in the middle of a reply");
}

static void tls_levels(void)
{
    start_tls("", TLS_REQUIRED, 0);
    server("220 s\r\n");
    take(&s.to_client);
    clients("EHLO c\r\nMAIL FROM:<a@b>\r\nNOOP\r\nAUTH PLAIN x\r\n");
    is_str(take(&s.to_server), "EHLO c\r\nNOOP\r\n",
           "TLS required: MAIL and AUTH never reach the server");
    server("250 s\r\n250 ok\r\n");
    is_str(take(&s.to_client),
           "250 s\r\n530 5.7.0 Must issue a STARTTLS command first\r\n"
           "250 ok\r\n530 5.7.0 Must issue a STARTTLS command first\r\n",
           "530s in request order");

    start_tls("", TLS_OFFERED, 0);
    server("220 s\r\n");
    take(&s.to_client);
    clients("STARTTLS\r\nNOOP\r\n");
    is_str(take(&s.to_client), "454 4.7.0 TLS not available\r\n",
           "offered, but no UCSPI-TLS descriptors: 454");
    ok(s.finished && s.exit_code == 111, "then the session ends with 111");

    start_tls("", TLS_OFFERED, 1);
    server("220 s\r\n");
    clients("EHLO c\r\n");
    server("250-s\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
    is_str(take(&s.to_client),
           "220 s\r\n250-s\r\n250-8BITMIME\r\n250 STARTTLS\r\n",
           "the server's STARTTLS removed, fixsmtpio's added");
    take(&s.to_server);
    clients("STARTTLS\r\nRSET\r\nMAIL FROM:<x@y>\r\n");
    is_str(take(&s.to_server), "", "nothing after STARTTLS goes on");
    is_str(take(&s.to_client), "220 2.0.0 Ready to start TLS\r\n", "220 Ready");
    ok(s.starttls, "the relay is told to start TLS");
    ok(lr_pending(&s.from_client) == 0,
       "what was pipelined after STARTTLS is dropped");

    start_tls("", TLS_ACTIVE, 1);
    server("220 s\r\n");
    clients("STARTTLS\r\n");
    is_str(take(&s.to_client), "220 s\r\n503 5.5.1 TLS already active\r\n",
           "STARTTLS inside TLS: 503");

    /* After STARTTLS the fresh server's greeting: hidden when 2xx; a
     * refusal is shown and stands for the reply to the next command. */
    after_starttls();
    clients("EHLO c\r\n");
    server("220 fresh\r\n250 s\r\n");
    is_str(take(&s.to_client), "250 s\r\n", "2xx fresh greeting hidden");
    after_starttls();
    server("554 no\r\n");
    is_str(take(&s.to_client), "554 no\r\n", "a refusing one is shown");
    clients("EHLO c\r\nQUIT\r\n");
    is_str(take(&s.to_server), "QUIT\r\n",
           "it answered the next command, which goes no further");
    after_starttls();
    clients("EHLO c\r\nQUIT\r\n");
    server("421 bye\r\n503 no EHLO\r\n221 bye\r\n");
    is_str(take(&s.to_client), "421 bye\r\n221 bye\r\n",
           "a command already sent gets no second reply");
}

static void flat_memory(void)
{
    start("");
    server("220 s\r\n");
    take(&s.to_client);
    /* 10,000 pipelined commands: the queue and buffers stay bounded, and
     * every reply arrives once the server answers. */
    static char cmds[10000 * 6];
    for (int i = 0; i < 10000; i++)
        memcpy(cmds + 6 * i, "NOOP\r\n", 6);
    size_t fed = 0, replies = 0, sent = 0, most = 0;
    int rounds = 0;
    while ((fed < sizeof cmds || replies < 10000) && rounds++ < 100000) {
        fed += lr_feed(&s.from_client, cmds + fed, sizeof cmds - fed);
        session_client(&s);
        if (s.qlen > most)
            most = s.qlen;
        size_t n = ob_pending(&s.to_server) / 6;
        ob_clear(&s.to_server);
        sent += n;
        for (size_t i = 0; i < n; i++)
            lr_feed(&s.from_server, "250 ok\r\n", 8);
        session_server(&s);
        replies += ob_pending(&s.to_client) / 8;
        ob_clear(&s.to_client);
    }
    /* The client is read no further once two places are left (a command
     * may queue a second request of fixsmtpio's own). */
    is_int((long long)most, QUEUE_LIMIT - 2,
           "the queue fills to its bound and no further");
    is_int((long long)sent, 10000, "10,000 commands reached the server");
    is_int((long long)replies, 10000, "10,000 replies reached the client");
}

/* A command word longer than the verb cache holds must not leave its
 * event behind for the next command, one with an empty word. */
static void long_verbs(void)
{
    start(":seventeenletters1::5*::500 the long event's rule\n");
    clients("SEVENTEENLETTERS1 x\r\n y\r\n");
    server("220 s\r\n500 what\r\n500 what\r\n");
    is_str(take(&s.to_client),
           "220 s\r\n500 the long event's rule\r\n500 what\r\n",
           "a 17-letter event's rule fires for its command, not for the "
           "empty-word one after it");
}

int main(void)
{
    pipelining();
    long_verbs();
    local_replies();
    data();
    bdat();
    refused();
    auth();
    exits();
    tls_levels();
    flat_memory();
    session_free(&s);
    ruleview_free(&view);
    rules_free(&set);
    return done_testing();
}
