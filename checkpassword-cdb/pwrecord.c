#include <string.h>

#include "pwrecord.h"

#define ID_MAX 4294967294UL

enum pwrecord_status pwrecord_check_name(const char *name, size_t len)
{
    if (len == 0)
        return PWRECORD_NAME_EMPTY;
    if (len > PWRECORD_NAME_MAX)
        return PWRECORD_NAME_LONG;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == ':')
            return PWRECORD_NAME_COLON;
        if (c < 0x21 || c > 0x7e)
            return PWRECORD_NAME_BYTE;
    }
    return PWRECORD_OK;
}

enum pwrecord_status pwrecord_check_home(const char *home, size_t len)
{
    if (len == 0)
        return PWRECORD_HOME_EMPTY;
    if (home[0] != '/')
        return PWRECORD_HOME_RELATIVE;
    if (len > PWRECORD_HOME_MAX)
        return PWRECORD_HOME_LONG;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)home[i];
        if (c == ':')
            return PWRECORD_HOME_COLON;
        if (c < 0x20 || c > 0x7e)
            return PWRECORD_HOME_BYTE;
    }
    return PWRECORD_OK;
}

int pwrecord_id(const char *s, size_t len, unsigned long *id)
{
    if (len == 0 || len > 10)
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v > ID_MAX)
        return -1;
    *id = v;
    return 0;
}

/* Cuts line[0..len) at its ':'s into exactly n fields. 0, or -1. */
static int split(const char *line, size_t len, const char **f, size_t *flen,
                 int n)
{
    size_t start = 0;
    int i = 0;
    for (size_t pos = 0; pos <= len; pos++) {
        if (pos < len && line[pos] != ':')
            continue;
        if (i == n)
            return -1;
        f[i] = line + start;
        flen[i++] = pos - start;
        start = pos + 1;
    }
    return i == n ? 0 : -1;
}

enum pwrecord_status pwrecord_parse(const char *line, size_t len,
                                    struct pwrecord *r)
{
    const char *f[5];
    size_t n[5];
    unsigned long uid, gid;
    memset(r, 0, sizeof *r);
    if (len == 0 || split(line, len, f, n, 5) < 0)
        return PWRECORD_FIELDS;
    enum pwrecord_status s = pwrecord_check_name(f[0], n[0]);
    if (s != PWRECORD_OK)
        return s;
    r->hash_status = hashtext_check(f[1], n[1]);
    if (r->hash_status != HASHTEXT_OK)
        return PWRECORD_HASH;
    if (pwrecord_id(f[2], n[2], &uid) < 0)
        return PWRECORD_UID;
    if (pwrecord_id(f[3], n[3], &gid) < 0)
        return PWRECORD_GID;
    s = pwrecord_check_home(f[4], n[4]);
    if (s != PWRECORD_OK)
        return s;
    *r = (struct pwrecord){f[0],       n[0], f[1], n[1],       (uid_t)uid,
                           (gid_t)gid, f[4], n[4], HASHTEXT_OK};
    return PWRECORD_OK;
}

const char *pwrecord_strerror(enum pwrecord_status status,
                              enum hashtext_status hash_status)
{
    switch (status) {
    case PWRECORD_OK:
        return "no error";
    case PWRECORD_FIELDS:
        return "not five fields name:hash:uid:gid:home (a ':' in a name or "
               "home, or a field missing)";
    case PWRECORD_NAME_EMPTY:
        return "the name is empty";
    case PWRECORD_NAME_LONG:
        return "the name is longer than 255 bytes";
    case PWRECORD_NAME_COLON:
        return "the name holds a ':'";
    case PWRECORD_NAME_BYTE:
        return "the name holds a byte that is not printable ASCII (a space, "
               "a control character or an 8-bit byte)";
    case PWRECORD_HASH:
        return hashtext_strerror(hash_status);
    case PWRECORD_UID:
        return "the uid is not a number from 0 to 4294967294";
    case PWRECORD_GID:
        return "the gid is not a number from 0 to 4294967294";
    case PWRECORD_HOME_EMPTY:
        return "the home is empty";
    case PWRECORD_HOME_RELATIVE:
        return "the home is not an absolute path";
    case PWRECORD_HOME_LONG:
        return "the home is longer than 4095 bytes";
    case PWRECORD_HOME_COLON:
        return "the home holds a ':'";
    case PWRECORD_HOME_BYTE:
        return "the home holds a control character or an 8-bit byte";
    }
    return "unknown error";
}
