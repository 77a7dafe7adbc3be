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
    char byte;
    int marked = read(read_end, &byte, 1) == 1;
    close(read_end);
    return marked;
}

void handoff_mark_session(void)
{
    const char *s = getenv(HANDOFF_SESSIONFD);
    if (!s)
        return;
    unsigned long fd;
    int ok = number_scan(s, 65535, &fd) == 0 && fd >= 3;
    unsetenv(HANDOFF_SESSIONFD);
    if (!ok)
        return;
    ssize_t w = write((int)fd, "s", 1);
    (void)w;
    close((int)fd);
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
