#include <nettle/base64.h>
#include <string.h>

#include "sasl.h"
#include "wipe.h"

static int is_b64(const char *s, size_t len)
{
    if (len % 4)
        return 0;
    size_t pad = 0;
    while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < len - pad; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '/'))
            return 0;
    }
    return 1;
}

enum sasl_status sasl_decode(const char *text, size_t len, char *out,
                             size_t max, size_t *outlen)
{
    *outlen = 0;
    if (len == 1 && text[0] == '*')
        return SASL_CANCELLED;
    if (len == 1 && text[0] == '=')
        return SASL_OK;
    if (len > SASL_B64_MAX || !is_b64(text, len))
        return SASL_BADB64;
    if (len == 0)
        return SASL_OK;
    /* The text is checked above: Nettle only decodes it. */
    char buf[BASE64_DECODE_LENGTH(SASL_B64_MAX)];
    size_t n = sizeof buf;
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    enum sasl_status st = SASL_OK;
    if (!base64_decode_update(&ctx, &n, (uint8_t *)buf, len, text) ||
        !base64_decode_final(&ctx))
        st = SASL_BADB64;
    else if (n > max)
        st = SASL_MALFORMED;
    else {
        memcpy(out, buf, n);
        *outlen = n;
    }
    wipe(buf, sizeof buf);
    return st;
}

/* A name must be printable or 8-bit text; a password anything but NUL. */
static int usable(const char *s, size_t len, int which)
{
    if (len == 0 || len > SASL_FIELD_MAX || memchr(s, 0, len))
        return 0;
    for (size_t i = 0; which == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

enum sasl_status sasl_clear(const char *text, size_t len, struct sasl_creds *c,
                            int which)
{
    if (!usable(text, len, which))
        return SASL_MALFORMED;
    char *to = which ? c->pass : c->user;
    memcpy(to, text, len);
    to[len] = 0;
    if (which)
        c->passlen = len;
    else
        c->userlen = len;
    return SASL_OK;
}

enum sasl_status sasl_login(const char *text, size_t len, struct sasl_creds *c,
                            int which)
{
    char buf[SASL_FIELD_MAX];
    size_t n;
    enum sasl_status st = sasl_decode(text, len, buf, sizeof buf, &n);
    if (st == SASL_OK)
        st = sasl_clear(buf, n, c, which);
    wipe(buf, sizeof buf);
    return st;
}

enum sasl_status sasl_plain(const char *text, size_t len, struct sasl_creds *c)
{
    char msg[3 * SASL_FIELD_MAX + 2];
    size_t n;
    enum sasl_status st = sasl_decode(text, len, msg, sizeof msg, &n);
    if (st != SASL_OK)
        goto done;
    st = SASL_MALFORMED;
    char *nul1 = memchr(msg, 0, n);
    if (!nul1)
        goto done;
    size_t zlen = (size_t)(nul1 - msg);
    char *user = nul1 + 1;
    char *nul2 = memchr(user, 0, n - zlen - 1);
    if (!nul2)
        goto done;
    size_t ulen = (size_t)(nul2 - user);
    char *pass = nul2 + 1;
    size_t plen = n - zlen - ulen - 2;
    if (zlen > SASL_FIELD_MAX || sasl_clear(user, ulen, c, 0) != SASL_OK ||
        sasl_clear(pass, plen, c, 1) != SASL_OK)
        goto done;
    st = SASL_OK;
    if (zlen && (zlen != ulen || memcmp(msg, user, zlen) != 0))
        st = SASL_AUTHZ;
done:
    wipe(msg, sizeof msg);
    return st;
}

void sasl_wipe(struct sasl_creds *c)
{
    wipe(c, sizeof *c);
}
