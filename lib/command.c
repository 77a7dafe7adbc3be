#include <string.h>

#include "ascii.h"
#include "command.h"

size_t command_chomp(const char *line, size_t len)
{
    if (len && line[len - 1] == '\n')
        len--;
    if (len && line[len - 1] == '\r')
        len--;
    return len;
}

int command_split(const char *line, size_t len, struct command *cmd)
{
    const char *sp = memchr(line, ' ', len);
    cmd->verb = line;
    cmd->verblen = sp ? (size_t)(sp - line) : len;
    cmd->has_arg = sp != NULL;
    cmd->arg = sp ? sp + 1 : line + len;
    cmd->arglen = sp ? len - cmd->verblen - 1 : 0;
    return memchr(line, 0, len) ? -1 : 0;
}

int command_find(const struct command *cmd, const char *const names[])
{
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == cmd->verblen &&
            ascii_caseeq(cmd->verb, names[i], cmd->verblen))
            return i;
    return -1;
}
