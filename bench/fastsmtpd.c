/* fastsmtpd: the fastest honest SMTP server on stdin/stdout, for measuring
 * what a proxy in front of it costs: 220 greeting, 354 to DATA (then reads
 * to the end of data), 221 to QUIT (then exits), 250 to everything else.
 * Replies are flushed only when no more input is waiting, as a pipelining
 * server does. */
#include <poll.h>
#include <string.h>
#include <unistd.h>

static char in[1 << 16], out[1 << 16];
static size_t inlen, instart, outlen;

static void flush(void)
{
    size_t off = 0;
    while (off < outlen) {
        ssize_t n = write(1, out + off, outlen - off);
        if (n <= 0)
            _exit(1);
        off += (size_t)n;
    }
    outlen = 0;
}

static void say(const char *s)
{
    size_t n = strlen(s);
    if (outlen + n > sizeof out)
        flush();
    memcpy(out + outlen, s, n);
    outlen += n;
}

/* Next line, or NULL at end of file; flushes before blocking. */
static char *line(size_t *len)
{
    for (;;) {
        char *lf = memchr(in + instart, '\n', inlen - instart);
        if (lf) {
            char *l = in + instart;
            *len = (size_t)(lf - l) + 1;
            instart += *len;
            return l;
        }
        memmove(in, in + instart, inlen - instart);
        inlen -= instart;
        instart = 0;
        if (inlen == sizeof in)
            inlen = 0; /* an absurd line: drop it */
        struct pollfd p = {0, POLLIN, 0};
        if (poll(&p, 1, 0) == 0)
            flush();
        ssize_t n = read(0, in + inlen, sizeof in - inlen);
        if (n <= 0)
            return NULL;
        inlen += (size_t)n;
    }
}

int main(void)
{
    size_t len;
    char *l;
    say("220 fastsmtpd ESMTP\r\n");
    while ((l = line(&len))) {
        if (len >= 4 && strncasecmp(l, "DATA", 4) == 0) {
            say("354 go ahead\r\n");
            while ((l = line(&len)) && !(len == 3 && l[0] == '.'))
                ;
            say("250 ok\r\n");
        } else if (len >= 4 && strncasecmp(l, "QUIT", 4) == 0) {
            say("221 bye\r\n");
            flush();
            return 0;
        } else {
            say("250 ok\r\n");
        }
    }
    flush();
    return 0;
}
