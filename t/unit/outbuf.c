/* The output queue: bytes go out whole and in order through partial
 * writes, and the end of the queue stays within twice what it holds, so a
 * long session does not walk through the pages of the whole buffer. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "../tap.h"
#include "outbuf.h"

static unsigned char pattern(unsigned long i)
{
    return (unsigned char)(i * 7 + i / 251);
}

int main(void)
{
    struct outbuf ob;
    int fds[2];
    if (!ok(ob_init(&ob, 65536) == 0, "a 64 KiB queue") ||
        !ok(pipe(fds) == 0, "a pipe") ||
        !ok(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0 &&
                fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0,
            "neither end blocks"))
        return done_testing();

    unsigned long seed = 4242, put = 0, got = 0, wrong = 0, beyond = 0;
    size_t furthest = 0, most = 0;
    for (int step = 0; step < 100000; step++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        unsigned r = (unsigned)(seed >> 33);
        size_t len = 1 + r % 200;
        /* Like fixsmtpio, it queues more only while little is waiting. */
        if (r % 3 && ob_pending(&ob) < 4096) {
            /* Half the time in place, half copied. */
            char bytes[200];
            char *to = r % 2 ? ob_reserve(&ob, len) : bytes;
            if (!to)
                break;
            for (size_t i = 0; i < len; i++)
                to[i] = (char)pattern(put + i);
            if (to == bytes)
                ob_put(&ob, bytes, len);
            else
                ob_commit(&ob, len);
            put += len;
            /* Where the reservation began, against what was queued. */
            if (ob.end - len > 2 * (ob_pending(&ob) - len))
                beyond++;
        } else if (r % 5 == 0) {
            ob_flush(&ob, fds[1]);
        }
        if (ob.end > furthest)
            furthest = ob.end;
        if (ob_pending(&ob) > most)
            most = ob_pending(&ob);
        /* The reader takes a little at a time, so the pipe stays nearly
         * full and writes are partial. */
        if (r % 7 == 0) {
            unsigned char in[512];
            ssize_t n = read(fds[0], in, 1 + r % sizeof in);
            for (ssize_t i = 0; i < n; i++)
                wrong += in[i] != pattern(got++);
        }
    }
    ok(put > 1000000, "%lu bytes queued", put);
    ok(got > 100000 && wrong == 0, "%lu bytes read back, in order", got);
    is_int((long long)beyond, 0,
           "a reservation never ends beyond twice "
           "what is queued");
    ok(most < 4096 + 200 && furthest <= 2 * most + 200,
       "the queue's end reached %zu bytes, holding at most %zu", furthest,
       most);

    /* A reservation larger than the room is refused; nothing changes. */
    ob_clear(&ob);
    ok(ob_put(&ob, "abc", 3) == 0, "3 bytes queued");
    errno = 0;
    ok(ob_reserve(&ob, 65536) == NULL && errno == ENOBUFS,
       "64 KiB more do not fit");
    is_int((long long)ob_pending(&ob), 3, "the 3 bytes are still queued");
    close(fds[0]);
    close(fds[1]);
    ob_free(&ob);
    return done_testing();
}
