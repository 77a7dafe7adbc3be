/* authup's pure parts: the SASL PLAIN and LOGIN decoders on every shape of
 * bad input, the command splitter, and the capabilities file. */
#include <string.h>

#include "../tap.h"
#include "command.h"
#include "authconf.h"
#include "sasl.h"

#define B(lit) lit, sizeof lit - 1

static void plain_ok(const char *b64, const char *user, const char *pass,
                     const char *name)
{
    struct sasl_creds c;
    memset(&c, 0x55, sizeof c);
    is_int(sasl_plain(b64, strlen(b64), &c), SASL_OK, name);
    is_str(c.user, user, "  its name");
    is_str(c.pass, pass, "  its password");
    sasl_wipe(&c);
}

static void plain_bad(const char *b64, enum sasl_status want, const char *name)
{
    struct sasl_creds c;
    memset(&c, 0, sizeof c);
    is_int(sasl_plain(b64, strlen(b64), &c), want, name);
}

static void sasl_tests(void)
{
    /* "\0alice\0secret pw", "alice\0alice\0pw", "\0bob\0p\xc3\xa9" */
    plain_ok("AGFsaWNlAHNlY3JldCBwdw==", "alice", "secret pw",
             "PLAIN: empty authorization identity");
    plain_ok("YWxpY2UAYWxpY2UAcHc=", "alice", "pw",
             "PLAIN: authorization identity equal to the name");
    plain_ok("AGJvYgBwww==", "bob", "p\xc3", "PLAIN: 8-bit password");
    plain_bad("Ym9iAGFsaWNlAHB3", SASL_AUTHZ,
              "PLAIN: another authorization identity (bob for alice)");
    plain_bad("*", SASL_CANCELLED, "PLAIN: * cancels");
    plain_bad("=", SASL_MALFORMED, "PLAIN: = is an empty message");
    plain_bad("", SASL_MALFORMED, "PLAIN: an empty line");
    plain_bad("AGFsaWNl", SASL_MALFORMED, "PLAIN: one NUL only");
    plain_bad("YWxpY2U=", SASL_MALFORMED, "PLAIN: no NUL");
    plain_bad("AGFsaWNlAA==", SASL_MALFORMED, "PLAIN: empty password");
    plain_bad("AABwdw==", SASL_MALFORMED, "PLAIN: empty name");
    plain_bad("AGFsaWNlAHB3AHg=", SASL_MALFORMED,
              "PLAIN: a third NUL (in the password)");
    plain_bad("AGFsAWNlAHB3", SASL_MALFORMED,
              "PLAIN: a control character in the name");
    /* Base64 of every bad shape. */
    static const char *const bad[] = {"AGFsaWNlAHB3d",
                                      "AGFsaWNlAHB3d==x",
                                      "AGFs aWNlAHB3",
                                      "AGFsaWNlAHB3\t",
                                      "AGFsaWNlAHB3===",
                                      "=AGFsaWNlAHB3",
                                      "AGFs=WNlAHB3",
                                      "AGFsaWNl*HB3",
                                      "AGFsaWNlAHB3\xc3\xa9",
                                      "AGFsaWNlAHB3d-_=",
                                      "**",
                                      "====",
                                      "AGFsaWNlAHB3AGF=====",
                                      NULL};
    for (int i = 0; bad[i]; i++) {
        char name[80];
        snprintf(name, sizeof name, "PLAIN: bad base64 %d rejected", i);
        plain_bad(bad[i], SASL_BADB64, name);
    }
    char big[SASL_B64_MAX + 5];
    memset(big, 'Q', sizeof big - 1);
    big[sizeof big - 1] = 0;
    plain_bad(big, SASL_BADB64, "PLAIN: a response over the length limit");
    struct sasl_creds c;
    memset(&c, 0, sizeof c);
    is_int(sasl_login(B("YWxpY2U="), &c, 0), SASL_OK, "LOGIN: name");
    is_int(sasl_login(B("c2VjcmV0IHB3"), &c, 1), SASL_OK, "LOGIN: password");
    is_str(c.user, "alice", "  the name");
    is_str(c.pass, "secret pw", "  the password");
    is_int(sasl_login(B("*"), &c, 0), SASL_CANCELLED, "LOGIN: * cancels");
    is_int(sasl_login(B("="), &c, 1), SASL_MALFORMED, "LOGIN: empty password");
    is_int(sasl_login(B("YQBi"), &c, 0), SASL_MALFORMED,
           "LOGIN: a NUL in the name");
    is_int(sasl_login(B("YWxp Y2U="), &c, 0), SASL_BADB64,
           "LOGIN: a space in the base64");
    sasl_wipe(&c);
    char zero[sizeof c];
    memset(zero, 0, sizeof zero);
    ok(memcmp(&c, zero, sizeof c) == 0, "sasl_wipe leaves nothing");

    is_int(sasl_clear(B("alice"), &c, 0), SASL_OK, "clear name");
    is_int(sasl_clear(B("pass with spaces"), &c, 1), SASL_OK,
           "clear password with spaces");
    is_str(c.pass, "pass with spaces", "  kept whole");
    is_int(sasl_clear(B(""), &c, 0), SASL_MALFORMED, "clear: empty name");
    is_int(sasl_clear(B("a\tb"), &c, 0), SASL_MALFORMED,
           "clear: a tab in the name");
    is_int(sasl_clear(B("p\tw"), &c, 1), SASL_OK,
           "clear: a tab in a password is fine");
    char msg[300];
    memset(msg, 'x', sizeof msg);
    is_int(sasl_clear(msg, 256, &c, 0), SASL_MALFORMED,
           "clear: a 256-octet name");
    is_int(sasl_clear(msg, 255, &c, 0), SASL_OK, "clear: a 255-octet name");
    sasl_wipe(&c);
}

static void command_tests(void)
{
    static const char *const verbs[] = {"AUTH", "EHLO", NULL};
    struct command cmd;
    is_int(command_split(B("auth PLAIN AGFh"), &cmd), 0, "split");
    is_mem(cmd.verb, cmd.verblen, B("auth"), "  verb");
    is_mem(cmd.arg, cmd.arglen, B("PLAIN AGFh"), "  argument");
    is_int(command_find(&cmd, verbs), 0, "  found ignoring case");
    is_int(command_split(B("EHLO"), &cmd), 0, "split without argument");
    ok(!cmd.has_arg && cmd.arglen == 0, "  no argument");
    is_int(command_find(&cmd, verbs), 1, "  found");
    is_int(command_split(B("EHLOX y"), &cmd), 0, "split a longer verb");
    is_int(command_find(&cmd, verbs), -1, "  not a known verb");
    is_int(command_split(B("EHL"), &cmd), 0, "split a shorter verb");
    is_int(command_find(&cmd, verbs), -1, "  not a known verb");
    is_int(command_split(B("NO\0OP"), &cmd), -1, "a NUL is refused");
    is_int(command_split(B(""), &cmd), 0, "an empty line");
    is_int(command_find(&cmd, verbs), -1, "  matches nothing");
    is_int((long long)command_chomp(B("QUIT\r\n")), 4, "chomp CR LF");
    is_int((long long)command_chomp(B("QUIT\n")), 4, "chomp LF");
    is_int((long long)command_chomp(B("QUIT\r\r\n")), 5,
           "chomp takes one CR only");
}

static void caps_tests(void)
{
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.proto = PROTO_SMTP;
    const char text[] = "PIPELINING\r\n\n8BITMIME  \nAUTH CRAM-MD5\n"
                        "auth=login\nSTARTTLS\nSIZE 1000000";
    is_int((long long)authconf_parse_caps(&cfg, B(text)), 0, "SMTP caps parse");
    is_int((long long)cfg.ncaps, 3, "  three kept (AUTH, STARTTLS dropped)");
    if (cfg.ncaps == 3) {
        is_str(cfg.caps[0], "PIPELINING", "  CR dropped");
        is_str(cfg.caps[1], "8BITMIME", "  trailing spaces dropped");
        is_str(cfg.caps[2], "SIZE 1000000", "  last line without LF");
    }
    authconf_free(&cfg);
    cfg.proto = PROTO_POP3;
    const char pop[] = "TOP\nUSER\nSASL PLAIN\nPIPELINING\nSTLS\nUIDL\n";
    is_int((long long)authconf_parse_caps(&cfg, B(pop)), 0, "POP3 caps parse");
    is_int((long long)cfg.ncaps, 2, "  TOP and UIDL kept");
    authconf_free(&cfg);
    is_int((long long)authconf_parse_caps(&cfg, B("TOP\nUI\001DL\n")), 2,
           "a control character: line 2 named");
    is_int((long long)cfg.ncaps, 0, "  and nothing kept");
    char longline[CAP_LINE_MAX + 2];
    memset(longline, 'X', sizeof longline);
    is_int((long long)authconf_parse_caps(&cfg, longline, sizeof longline), 1,
           "a line over the limit");
    is_int((long long)authconf_parse_caps(&cfg, B("")), 0, "an empty file");
    is_int((long long)cfg.ncaps, 0, "  advertises nothing extra");

    /* CAPS_MAX lines, then a blank one and one authup says itself: those
     * two do not count against the limit; one line more does. */
    cfg.proto = PROTO_SMTP;
    char many[CAPS_MAX * 8 + 32];
    size_t n = 0;
    for (int i = 0; i < CAPS_MAX; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "X-%d\n", i);
    size_t full = n;
    n += (size_t)snprintf(many + n, sizeof many - n, "\nAUTH PLAIN\n");
    is_int((long long)authconf_parse_caps(&cfg, many, n), 0,
           "CAPS_MAX lines and two that do not count");
    is_int((long long)cfg.ncaps, CAPS_MAX, "  all CAPS_MAX kept");
    authconf_free(&cfg);
    n = full + (size_t)snprintf(many + full, sizeof many - full, "X-more\n");
    is_int((long long)authconf_parse_caps(&cfg, many, n), CAPS_MAX + 1,
           "one line over CAPS_MAX: that line named");
}

int main(void)
{
    sasl_tests();
    command_tests();
    caps_tests();
    return done_testing();
}
