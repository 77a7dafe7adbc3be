#include <string.h>

#include "rfcdate.h"
#include "tlsheader.h"

/* The longest header fits, and so does every word on a line of its own:
 * "Received:", then each word with the space before it, the folds, the LF. */
_Static_assert(9 + 8 + 5 + (1 + TLSHEADER_VALUE_MAX + 1) + 10 +
                       (1 + TLSHEADER_VALUE_MAX) + 7 +
                       (1 + TLSHEADER_VALUE_MAX + 2) + RFCDATE_MAX + 9 <=
                   TLSHEADER_MAX,
               "TLSHEADER_MAX is too small");
_Static_assert(1 + TLSHEADER_VALUE_MAX + 2 <= TLSHEADER_LINE_MAX &&
                   RFCDATE_MAX <= TLSHEADER_LINE_MAX,
               "a word would not fit on a line");

/* The header being written: words go on the current line while it stays
 * within TLSHEADER_LINE_MAX, else on a new line that starts with the
 * space (a fold, RFC 5322 section 2.2.3). */
struct folder {
    char *out;
    size_t len;
    size_t col;
};

static void put(struct folder *f, const char *s, size_t n)
{
    memcpy(f->out + f->len, s, n);
    f->len += n;
    f->col += n;
}

/* One word made of pre, value[0..n) and post, after a space or a fold. */
static void word(struct folder *f, const char *pre, const char *value, size_t n,
                 const char *post)
{
    size_t width = 1 + strlen(pre) + n + strlen(post);
    if (f->col + width > TLSHEADER_LINE_MAX) {
        f->out[f->len++] = '\n';
        f->col = 0;
    }
    put(f, " ", 1);
    put(f, pre, strlen(pre));
    put(f, value, n);
    put(f, post, strlen(post));
}

static void text(struct folder *f, const char *pre, const char *s,
                 const char *post)
{
    word(f, pre, s, strlen(s), post);
}

static int name_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
           c == '-';
}

static int user_char(unsigned char c)
{
    return name_char(c) || (c != '\0' && strchr("!#$%&'*/=?^`{|}~@", c));
}

/* in made fit for the header into out[TLSHEADER_VALUE_MAX]; its length. */
static size_t clean(char *out, const char *in, int (*ok)(unsigned char))
{
    size_t n = strnlen(in, TLSHEADER_VALUE_MAX + 1);
    int cut = n > TLSHEADER_VALUE_MAX;
    if (cut)
        n = TLSHEADER_VALUE_MAX - 3;
    for (size_t i = 0; i < n; i++)
        out[i] = ok((unsigned char)in[i]) ? in[i] : '?';
    if (cut) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    return n;
}

static int given(const char *s)
{
    return s && *s;
}

int tlsheader_build(char *out, const struct tlsheader_info *info,
                    const struct tm *when)
{
    if (!given(info->protocol) || !given(info->cipher))
        return 0;
    char date[RFCDATE_MAX];
    if (!rfcdate(date, when))
        return -1;

    char protocol[TLSHEADER_VALUE_MAX], cipher[TLSHEADER_VALUE_MAX];
    char user[TLSHEADER_VALUE_MAX];
    size_t plen = clean(protocol, info->protocol, name_char);
    size_t clen = clean(cipher, info->cipher, name_char);

    struct folder f = {out, 0, 0};
    put(&f, "Received:", 9);
    const char *open = "(";
    if (given(info->user)) {
        size_t ulen = clean(user, info->user, user_char);
        text(&f, open, "authup", "");
        text(&f, "", "user", "");
        word(&f, "", user, ulen, ",");
        open = "";
    }
    if (info->fixsmtpio) {
        text(&f, open, "fixsmtpio", "");
        open = "";
    }
    word(&f, open, protocol, plen, "");
    text(&f, "", "cipher", "");
    word(&f, "", cipher, clen, ");");
    text(&f, "", date, "");
    out[f.len++] = '\n';
    return (int)f.len;
}
