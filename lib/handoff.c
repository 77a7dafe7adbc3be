#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "handoff.h"
#include "number.h"

int handoff_mark_pipe(int fds[2])
{
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK);
}

int handoff_pass_mark(int write_end)
{
    int fd = fcntl(write_end, F_DUPFD, 4);
    if (fd < 0)
        return -1;
    char num[16];
    snprintf(num, sizeof num, "%d", fd);
    return setenv(HANDOFF_SESSIONFD, num, 1);
}

int handoff_marked(int read_end)
{
    char bytes[2];
    ssize_t n = read(read_end, bytes, sizeof bytes);
    close(read_end);
    return n == 1 && bytes[0] == 's';
}

int handoff_mark_fd(void)
{
    const char *s = getenv(HANDOFF_SESSIONFD);
    if (!s)
        return -1;
    unsigned long fd;
    int ok = number_scan(s, 65535, &fd) == 0 && fd >= 3 &&
             fcntl((int)fd, F_SETFD, FD_CLOEXEC) == 0;
    unsetenv(HANDOFF_SESSIONFD);
    return ok ? (int)fd : -1;
}

static void put(int fd, char c)
{
    if (fd < 0)
        return;
    ssize_t w = write(fd, &c, 1);
    (void)w;
}

void handoff_mark(int fd)
{
    put(fd, 's');
}

void handoff_unmark(int fd)
{
    put(fd, 'x');
}

const char *handoff_helo(int *bad)
{
    *bad = 0;
    const char *helo = getenv(HANDOFF_HELO);
    if (!getenv(HANDOFF_USER) || !helo || !*helo)
        return NULL;
    size_t len = strlen(helo);
    int valid = len >= 4 && len <= 510 &&
                (strncasecmp(helo, "EHLO", 4) == 0 ||
                 strncasecmp(helo, "HELO", 4) == 0) &&
                (len == 4 || helo[4] == ' ');
    for (size_t i = 0; valid && i < len; i++)
        valid = (unsigned char)helo[i] >= 0x20 && helo[i] != 0x7f;
    *bad = !valid;
    return valid ? helo : NULL;
}
