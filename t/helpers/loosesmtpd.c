/* loosesmtpd DIR: an SMTP server on stdin and stdout that reads lines as
 * loosely as any server in the wild may: a line ends at a LF, at a CR, or at
 * a CR LF; its text is a C string, ending at its first NUL; in DATA, a line
 * whose text is "." ends the message. No real server reads this loosely in
 * all three ways at once, so it stands in for the worst server fixsmtpio may
 * be put in front of: whatever it reads as an end of data, fixsmtpio must
 * have seen as one.
 *
 * Each message, as the bytes received up to the line that ended it, goes to
 * DIR/N (N counting from 1, in 8 digits so that names sort in order;
 * written as DIR/.N and renamed when whole).
 * Replies: 250 to EHLO, HELO, MAIL, RCPT, RSET and NOOP, 354 to DATA, 250
 * to the end of a message, 221 to QUIT (then exit 0), 500 to anything else;
 * end of file: exit 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char inbuf[65536];
static size_t inlen, inpos;
static int skip_lf;   /* the last line ended at a CR: a LF right after is its */
static int skip_data; /* and that line was message data */

static int next_byte(void)
{
    if (inpos == inlen) {
        ssize_t n = read(0, inbuf, sizeof inbuf);
        if (n <= 0)
            return -1;
        inlen = (size_t)n;
        inpos = 0;
    }
    return (unsigned char)inbuf[inpos++];
}

/* The raw bytes of a message so far. */
static char *msg;
static size_t msglen, msgsize;

static void keep(int c, int in_data)
{
    if (!in_data)
        return;
    if (msglen == msgsize) {
        msgsize = msgsize ? 2 * msgsize : 65536;
        msg = realloc(msg, msgsize);
        if (!msg)
            exit(111);
    }
    msg[msglen++] = (char)c;
}

/* One line: its text as a C string in line (at most size - 1 bytes kept);
 * in data, *start is where its bytes begin among the message's. Returns 0,
 * or -1 at end of file. */
static int get_line(char *line, size_t size, int in_data, size_t *start)
{
    size_t n = 0;
    int text = 1; /* before the first NUL */
    for (;;) {
        int c = next_byte();
        if (c < 0)
            return -1;
        if (skip_lf) {
            skip_lf = 0;
            if (c == '\n') {
                keep(c, in_data && skip_data);
                continue;
            }
        }
        if (n == 0 && text)
            *start = msglen;
        keep(c, in_data);
        if (c == '\n' || c == '\r') {
            skip_lf = c == '\r';
            skip_data = in_data;
            line[n] = 0;
            return 0;
        }
        if (c == 0)
            text = 0;
        if (text && n + 1 < size)
            line[n++] = (char)c;
    }
}

static void say(const char *reply)
{
    size_t len = strlen(reply);
    if (write(1, reply, len) != (ssize_t)len)
        exit(111);
}

static void store(const char *dir, unsigned count, size_t len)
{
    char tmp[4096], name[4096];
    snprintf(tmp, sizeof tmp, "%s/.%08u", dir, count);
    snprintf(name, sizeof name, "%s/%08u", dir, count);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(msg, 1, len, f) != len || fclose(f) != 0 ||
        rename(tmp, name) != 0)
        exit(111);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: loosesmtpd DIR\n");
        return 100;
    }
    /* Numbered after what DIR holds already, for a server run again. */
    unsigned count = 0;
    char probe[4096];
    do
        snprintf(probe, sizeof probe, "%s/%08u", argv[1], ++count);
    while (access(probe, F_OK) == 0);
    count--;
    say("220 loose.example ESMTP loosesmtpd\r\n");
    char line[1024];
    size_t start = 0;
    while (get_line(line, sizeof line, 0, &start) == 0) {
        if (strncasecmp(line, "QUIT", 4) == 0) {
            say("221 bye\r\n");
            return 0;
        }
        if (strncasecmp(line, "DATA", 4) != 0) {
            static const char *const ok[] = {"EHLO", "HELO", "MAIL",
                                             "RCPT", "RSET", "NOOP"};
            int known = 0;
            for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
                known |= strncasecmp(line, ok[i], 4) == 0;
            say(known ? "250 ok\r\n" : "500 what\r\n");
            continue;
        }
        say("354 go\r\n");
        msglen = 0;
        for (;;) {
            if (get_line(line, sizeof line, 1, &start) < 0)
                return 0; /* no end: nothing stored */
            if (strcmp(line, ".") == 0) {
                store(argv[1], ++count, start);
                char reply[64];
                snprintf(reply, sizeof reply, "250 ok %zu bytes\r\n", start);
                say(reply);
                break;
            }
        }
    }
    return 0;
}
