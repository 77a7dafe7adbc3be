#include <string.h>

#include "safetext.h"

static int printable(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '\\';
}

static int quotable(unsigned char c)
{
    return printable(c) && c != '"';
}

static int wordish(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("@._+-", c));
}

static void render(char *out, size_t size, const char *in, size_t len,
                   int (*keep)(unsigned char))
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (size == 0)
        return;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        int plain = keep(c);
        size_t need = plain ? 1 : 4;
        if (o + need + 4 > size) {
            if (o + 4 <= size) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = 0;
}

void safetext(char *out, size_t size, const char *in, size_t len)
{
    render(out, size, in, len, printable);
}

void safequoted(char *out, size_t size, const char *in, size_t len)
{
    render(out, size, in, len, quotable);
}

void safeword(char *out, size_t size, const char *in, size_t len)
{
    render(out, size, in, len, wordish);
}
