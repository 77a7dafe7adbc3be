/* The bounded line reader: lines, over-long lines, raw bytes, deadlines. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "clock.h"
#include "lineread.h"

static void feed(struct lineread *lr, const char *s)
{
    size_t n = strlen(s);
    ok(lr_feed(lr, s, n) == n, "fed %zu bytes", n);
}

static void expect_line(struct lineread *lr, const char *want)
{
    const char *line;
    size_t len;
    enum lr_status st = lr_line(lr, &line, &len);
    if (!ok(st == LR_LINE, "a line is ready"))
        return;
    is_mem(line, len, want, strlen(want), "with the bytes sent");
}

static void expect(struct lineread *lr, enum lr_status want, const char *name)
{
    const char *line;
    size_t len;
    is_int(lr_line(lr, &line, &len), want, name);
}

/* lr_holds_nul() against memchr() on every line, through many fills,
 * compactions, over-long lines, lr_raw() and lr_unread(), discards and
 * wipes, with NULs placed at random. */
static void nul_model(void)
{
    struct lineread lr;
    if (!ok(lr_init(&lr, 64) == 0, "a 64-byte reader for the NUL model"))
        return;
    static const char alphabet[] = {'a', 'b', '\r', '\n', '\n', '\0'};
    unsigned long seed = 12345, lines = 0, with_nul = 0, wrong = 0;
    for (int step = 0; step < 200000; step++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        unsigned r = (unsigned)(seed >> 33);
        char bytes[24];
        size_t n = 1 + r % sizeof bytes;
        /* NULs rare in some stretches, frequent in others. */
        unsigned kinds = step / 1000 % 2 ? 6 : 5;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            bytes[i] = alphabet[(seed >> 33) % kinds];
            if (kinds == 5 && (seed >> 20) % 97 == 0)
                bytes[i] = '\0';
        }
        switch (r % 16) {
        case 0:
            lr_discard(&lr);
            break;
        case 1:
            lr_wipe_taken(&lr);
            break;
        case 2: {
            const char *p;
            size_t got = lr_raw(&lr, &p, r % 9);
            lr_unread(&lr, got / 2 + (r & 1 ? got - got / 2 : 0));
            break;
        }
        default:
            lr_feed(&lr, bytes, n);
        }
        const char *line;
        size_t len;
        enum lr_status st;
        while ((st = lr_line(&lr, &line, &len)) != LR_MORE) {
            if (st != LR_LINE)
                continue;
            int want = memchr(line, 0, len) != NULL;
            lines++;
            with_nul += want;
            /* Only part of a line asked about, now and then. */
            size_t part = (lines % 5 == 0) ? len / 2 : len;
            want = memchr(line, 0, part) != NULL;
            if (lr_holds_nul(&lr, line, part) != want)
                wrong++;
        }
    }
    ok(lines > 10000 && with_nul > 1000 && with_nul < lines,
       "the model took %lu lines, %lu with a NUL", lines, with_nul);
    is_int((long long)wrong, 0, "lr_holds_nul agrees with memchr on each");
    lr_free(&lr);
}

/* A pipelined client's commands, read after read, each read ending inside
 * a line: once the lines are taken, the part left moves to the front, so
 * the reads reuse the first pages of the buffer instead of walking through
 * all of it. */
static void reads_stay_in_front(void)
{
    struct lineread lr;
    if (!ok(lr_init(&lr, 65536) == 0, "a 64 KiB reader"))
        return;
    static const char cmd[] = "RCPT TO:<someone@example.org>\r\n";
    const size_t clen = sizeof cmd - 1;
    static char stream[31 * 1024]; /* whole commands */
    for (size_t i = 0; i < sizeof stream; i++)
        stream[i] = cmd[i % clen];
    size_t furthest = 0, lines = 0;
    for (int round = 0; round < 100; round++)
        for (size_t at = 0; at < sizeof stream; at += 4096) {
            size_t n = sizeof stream - at < 4096 ? sizeof stream - at : 4096;
            lr_feed(&lr, stream + at, n);
            if (lr.end > furthest)
                furthest = lr.end;
            const char *line;
            size_t len;
            while (lr_line(&lr, &line, &len) == LR_LINE)
                lines += len == clen && !memcmp(line, cmd, len);
        }
    ok(lines == 100 * sizeof stream / clen,
       "every command came out whole (%zu)", lines);
    ok(furthest <= 4096 + clen, "reads stayed in the first %zu bytes",
       furthest);
    lr_free(&lr);
}

int main(void)
{
    struct lineread lr;
    ok(lr_init(&lr, 16) == 0, "init with 16 bytes");

    feed(&lr, "HELO a\r\nNOOP\n");
    expect_line(&lr, "HELO a\r\n");
    expect_line(&lr, "NOOP\n");
    expect(&lr, LR_MORE, "nothing more");

    feed(&lr, "par");
    expect(&lr, LR_MORE, "a partial line waits");
    feed(&lr, "tial\r\n");
    expect_line(&lr, "partial\r\n");

    /* A line of exactly the limit, LF included, is taken. */
    feed(&lr, "0123456789abcd\r\n");
    expect_line(&lr, "0123456789abcd\r\n");

    /* One byte more is too long: reported once, the rest dropped. */
    feed(&lr, "0123456789abcdef");
    const char *line;
    size_t len;
    is_int(lr_line(&lr, &line, &len), LR_TOOLONG, "17-byte line too long");
    is_mem(line, len, "0123456789abcdef", 16, "its first 16 bytes shown");
    feed(&lr, "ghijklmnopqrstu");
    expect(&lr, LR_MORE, "the rest is dropped, not reported again");
    feed(&lr, "vw\r\nNEXT\r\n");
    expect_line(&lr, "NEXT\r\n");

    /* NUL bytes are bytes: the line keeps them. */
    lr_feed(&lr, "A\0B\r\n", 5);
    ok(lr_line(&lr, &line, &len) == LR_LINE && len == 5 && line[1] == 0,
       "a NUL stays inside the line");

    /* Raw bytes and giving some back. */
    feed(&lr, "abcdef");
    const char *p;
    is_int((long long)lr_raw(&lr, &p, 4), 4, "raw takes 4");
    is_mem(p, 4, "abcd", 4, "raw bytes");
    lr_unread(&lr, 2);
    is_int((long long)lr_pending(&lr), 4, "2 given back: 4 pending");
    lr_discard(&lr);
    is_int((long long)lr_pending(&lr), 0, "discard drops them");

    /* Wiping what was taken: a password line goes, the next line stays. */
    feed(&lr, "PASS sec\r\nNOOP");
    ok(lr_line(&lr, &line, &len) == LR_LINE && len == 10, "the PASS line");
    lr_wipe_taken(&lr);
    ok(memmem(lr.buf, lr.max, "sec", 3) == NULL,
       "wipe_taken: the password is nowhere in the buffer");
    is_int((long long)lr_pending(&lr), 4, "wipe_taken keeps what is pending");
    is_mem(lr.buf + lr.start, 4, "NOOP", 4, "byte for byte");
    lr_discard(&lr);

    /* lr_getline on a pipe: a line, a deadline, end of file. */
    int fds[2];
    ok(pipe(fds) == 0, "pipe");
    ok(write(fds[1], "X\r\nY", 4) == 4, "write");
    is_int(lr_getline(&lr, fds[0], clock_ms() + 1000, &line, &len), LR_LINE,
           "getline: a line");
    int64_t t0 = clock_ms();
    is_int(lr_getline(&lr, fds[0], clock_ms() + 200, &line, &len), LR_TIMEOUT,
           "getline: the deadline passes on a partial line");
    ok(clock_ms() - t0 >= 150, "after about the deadline");
    close(fds[1]);
    is_int(lr_getline(&lr, fds[0], clock_ms() + 1000, &line, &len), LR_EOF,
           "getline: end of file drops the partial line");
    close(fds[0]);
    lr_free(&lr);

    /* NUL found once per read, asked about per line. */
    ok(lr_init(&lr, 32) == 0, "init with 32 bytes");
    ok(lr_feed(&lr, "A\r\nB\0\r\nC\r\n", 11) == 11, "three lines, one NUL");
    const char *a, *b, *c;
    size_t alen, blen, clen;
    ok(lr_line(&lr, &a, &alen) == LR_LINE && !lr_holds_nul(&lr, a, alen),
       "a line before the NUL holds none");
    ok(lr_line(&lr, &b, &blen) == LR_LINE && lr_holds_nul(&lr, b, blen),
       "the line with the NUL holds it");
    ok(!lr_holds_nul(&lr, b, 1), "not in the bytes before it");
    ok(lr_line(&lr, &c, &clen) == LR_LINE && !lr_holds_nul(&lr, c, clen),
       "the line after it holds none");
    lr_free(&lr);
    nul_model();
    reads_stay_in_front();
    return done_testing();
}
