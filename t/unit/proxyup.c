/* proxyup's pure parts: the PROXY header parser on every shape of version
 * 1 and 2 header, good and broken, what the reader is told to read (never
 * a byte past the header), and control/proxyfrom with its lookups. */
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "balancers.h"
#include "proxyheader.h"

#define B(lit) (const unsigned char *)lit, sizeof lit - 1

static const unsigned char sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                      0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

/* A version 2 header: ver_cmd, fam, then body[0..n). */
static size_t v2(unsigned char *out, unsigned ver_cmd, unsigned fam,
                 const unsigned char *body, size_t n)
{
    memcpy(out, sig, sizeof sig);
    out[12] = (unsigned char)ver_cmd;
    out[13] = (unsigned char)fam;
    out[14] = (unsigned char)(n >> 8);
    out[15] = (unsigned char)n;
    if (n)
        memcpy(out + 16, body, n);
    return 16 + n;
}

/* A TLV: type, length, value. */
static size_t tlv(unsigned char *out, unsigned type, const void *value,
                  size_t n)
{
    out[0] = (unsigned char)type;
    out[1] = (unsigned char)(n >> 8);
    out[2] = (unsigned char)n;
    memcpy(out + 3, value, n);
    return 3 + n;
}

/* Reads buf the way headerread() does, as far as proxyheader_want()
 * says; returns how many bytes were taken. */
static size_t taken(const unsigned char *buf, size_t len)
{
    size_t at = 0;
    for (int i = 0; i < 5000; i++) {
        size_t want = proxyheader_want(buf, at);
        if (want == 0 || at + want > len)
            return at + want > len ? len : at;
        at += want;
    }
    return (size_t)-1;
}

static void good(const unsigned char *buf, size_t len, const char *remote,
                 unsigned rport, const char *local, unsigned lport,
                 const char *name)
{
    struct proxyheader h;
    int st = proxyheader_parse(buf, len, &h);
    is_int(st, PROXYHEADER_OK, name);
    if (st != PROXYHEADER_OK)
        printf("# why: %s\n", h.why ? h.why : "(none)");
    is_int(h.addresses, remote != NULL, "  addresses taken or not");
    if (remote) {
        is_str(h.remoteip, remote, "  the client's address");
        is_int(h.remoteport, rport, "  the client's port");
        is_str(h.localip, local, "  the address it connected to");
        is_int(h.localport, lport, "  and its port");
    }
    is_int((long long)h.len, (long long)len, "  the whole header, no more");
    is_int((long long)taken(buf, len), (long long)len,
           "  the reader takes exactly the header");
}

static void bad(const unsigned char *buf, size_t len, const char *why,
                const char *name)
{
    struct proxyheader h;
    int st = proxyheader_parse(buf, len, &h);
    is_int(st, PROXYHEADER_BAD, name);
    ok(h.why && strstr(h.why, why), "  because: %s", why);
    if (h.why && !strstr(h.why, why))
        printf("# why: %s\n", h.why);
}

static void more(const unsigned char *buf, size_t len, const char *name)
{
    struct proxyheader h;
    is_int(proxyheader_parse(buf, len, &h), PROXYHEADER_MORE, name);
    ok(proxyheader_want(buf, len) > 0, "  and the reader is told to read on");
}

static void v1_good(void)
{
    good(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711 25\r\n"), "192.0.2.7", 4711,
         "198.51.100.1", 25, "v1 TCP4");
    good(B("PROXY TCP6 2001:DB8:0:0:0:0:0:1 2001:db8::25 0 65535\r\n"),
         "2001:db8::1", 0, "2001:db8::25", 65535,
         "v1 TCP6, ports 0 and 65535, the address as inet_ntop writes it");
    good(B("PROXY TCP6 ::ffff:192.0.2.7 ::1 1 2\r\n"), "192.0.2.7", 1, "::1", 2,
         "v1 TCP6 with an IPv4-mapped address: as IPv4");
    good(B("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
         "255.255.255.255", 65535, "255.255.255.255", 65535,
         "v1 TCP4, the longest");
    good(B("PROXY UNKNOWN\r\n"), NULL, 0, NULL, 0,
         "v1 UNKNOWN: the connection's own");
    good(B("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
           "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
         NULL, 0, NULL, 0, "v1 UNKNOWN with addresses, 107 bytes: ignored");

    /* The client's first bytes after the header change nothing. */
    static const char pipelined[] =
        "PROXY TCP4 192.0.2.7 10.0.0.1 4711 25\r\nEHLO x\r\nMAIL FROM:<>\r\n";
    struct proxyheader h;
    is_int(proxyheader_parse(B(pipelined), &h), PROXYHEADER_OK,
           "v1 followed by the client's commands");
    is_int((long long)h.len, 39, "  the header's length alone");
    is_int((long long)taken(B(pipelined)), 39, "  the reader stops at its LF");
}

static void v1_bad(void)
{
    bad(B("PROXY TCP5 192.0.2.7 198.51.100.1 4711 25\r\n"), "protocol",
        "v1: TCP5");
    bad(B("PROXY UDP4 192.0.2.7 198.51.100.1 4711 25\r\n"), "protocol",
        "v1: UDP4");
    bad(B("PROXY UNKNOWNX\r\n"), "protocol", "v1: UNKNOWNX");
    bad(B("PROXY tcp4 192.0.2.7 198.51.100.1 4711 25\r\n"), "protocol",
        "v1: tcp4 in lower case");
    bad(B("PROXY TCP4 2001:db8::1 198.51.100.1 4711 25\r\n"), "address",
        "v1: an IPv6 address in TCP4");
    bad(B("PROXY TCP6 192.0.2.7 2001:db8::1 4711 25\r\n"), "address",
        "v1: an IPv4 address in TCP6");
    bad(B("PROXY TCP4 256.0.2.7 198.51.100.1 4711 25\r\n"), "address",
        "v1: 256");
    bad(B("PROXY TCP4 192.0.2.07 198.51.100.1 4711 25\r\n"), "address",
        "v1: a leading zero in an address");
    bad(B("PROXY TCP4 192.0.2 198.51.100.1 4711 25\r\n"), "address",
        "v1: three parts");
    bad(B("PROXY TCP4 mx.example.org 198.51.100.1 4711 25\r\n"), "address",
        "v1: a name");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 65536 25\r\n"), "port",
        "v1: port 65536");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711 99999\r\n"), "port",
        "v1: port 99999");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 04711 25\r\n"), "port",
        "v1: a leading zero in a port");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 -1 25\r\n"), "port",
        "v1: a negative port");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 0x19 25\r\n"), "port",
        "v1: a hexadecimal port");
    bad(B("PROXY TCP4 192.0.2.7  198.51.100.1 4711 25\r\n"), "four fields",
        "v1: two spaces");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711 25 \r\n"), "four fields",
        "v1: a space at the end");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711\r\n"), "four fields",
        "v1: three fields");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711 25 26\r\n"), "four fields",
        "v1: five fields");
    bad(B("PROXY TCP4\r\n"), "protocol", "v1: TCP4 alone");
    bad(B("PROXY\r\n"), "no space", "v1: PROXY alone");
    bad(B("PROXY  TCP4 192.0.2.7 198.51.100.1 4711 25\r\n"), "protocol",
        "v1: two spaces after PROXY");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711 25\n"), "bare LF",
        "v1: a bare LF");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711 25\r\r\n"), "printable",
        "v1: CR CR LF");
    bad(B("PROXY TCP4 192.0.2.7\0 198.51.100.1 4711 25\r\n"), "printable",
        "v1: a NUL");
    bad(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711 25\xc3\xa9\r\n"), "printable",
        "v1: 8-bit bytes");
    bad(B("PROXY TCP4\t192.0.2.7 198.51.100.1 4711 25\r\n"), "printable",
        "v1: a tab");
    bad(B("proxy TCP4 192.0.2.7 198.51.100.1 4711 25\r\n"), "neither",
        "v1: proxy in lower case is no header");
    bad(B("EHLO client.example\r\n"), "neither", "an SMTP command");

    unsigned char line[200];
    memset(line, 'A', sizeof line);
    memcpy(line, "PROXY UNKNOWN ", 14);
    memcpy(line + 105, "\r\n", 2);
    good(line, 107, NULL, 0, NULL, 0, "v1: 107 bytes with CR LF");
    memcpy(line + 105, "AA\r\n", 4);
    bad(line, 109, "107 bytes", "v1: 109 bytes");
    is_int((long long)taken(line, 109), 107,
           "  the reader gives up after 107 bytes");
    more(B("PROXY TCP4 192.0.2.7 198.51.100.1 4711 25\r"),
         "v1 without its LF yet");
    more(B("PROXY TCP4 192.0.2.7"), "v1 cut short");
    more(B("PRO"), "three bytes of PROXY");
    more(B(""), "nothing yet");
    is_int((long long)proxyheader_want(B("")), 5,
           "  five bytes first: the shortest start that tells");
    is_int((long long)proxyheader_want(B("PROXY")), 1,
           "  then a byte at a time");
}

static size_t tcp4_body(unsigned char *b)
{
    static const unsigned char a[12] = {192, 0, 2,    7,    198, 51,
                                        100, 1, 0x12, 0x67, 0,   25};
    memcpy(b, a, sizeof a);
    return sizeof a;
}

static void v2_good(void)
{
    unsigned char buf[PROXYHEADER_MAX + 64], body[PROXYHEADER_MAX];
    size_t n = tcp4_body(body);
    good(buf, v2(buf, 0x21, 0x11, body, n), "192.0.2.7", 4711, "198.51.100.1",
         25, "v2 PROXY TCP4");

    unsigned char six[36] = {0x20, 0x01, 0x0d, 0xb8};
    six[15] = 1;
    six[16 + 15] = 0x25;
    six[32] = 0xff;
    six[33] = 0xff;
    six[35] = 25;
    good(buf, v2(buf, 0x21, 0x21, six, sizeof six), "2001:db8::1", 65535,
         "::25", 25, "v2 PROXY TCP6");
    memset(six, 0, 16);
    six[10] = six[11] = 0xff;
    six[12] = 10;
    six[15] = 9;
    good(buf, v2(buf, 0x21, 0x21, six, sizeof six), "10.0.0.9", 65535, "::25",
         25, "v2 TCP6, an IPv4-mapped client: as IPv4");

    good(buf, v2(buf, 0x20, 0x00, NULL, 0), NULL, 0, NULL, 0,
         "v2 LOCAL: a health check, the connection's own");
    good(buf, v2(buf, 0x20, 0x11, body, n), NULL, 0, NULL, 0,
         "v2 LOCAL with addresses: ignored");
    good(buf, v2(buf, 0x20, 0x77, B("junk")), NULL, 0, NULL, 0,
         "v2 LOCAL with any family and bytes: ignored");
    good(buf, v2(buf, 0x21, 0x00, NULL, 0), NULL, 0, NULL, 0,
         "v2 PROXY UNSPEC: the connection's own");
    good(buf, v2(buf, 0x21, 0x12, body, n), NULL, 0, NULL, 0,
         "v2 PROXY UDP4: falls back to the connection's own");
    good(buf, v2(buf, 0x21, 0x31, body, n), NULL, 0, NULL, 0,
         "v2 PROXY UNIX stream: the same");

    /* TLVs after the addresses. */
    size_t m = n;
    m += tlv(body + m, 0x04, "\0\0\0\0\0", 5);       /* NOOP */
    m += tlv(body + m, 0x03, "\x12\x34\x56\x78", 4); /* CRC32C */
    m += tlv(body + m, 0x02, "mx.example.org", 14);  /* AUTHORITY */
    good(buf, v2(buf, 0x21, 0x11, body, m), "192.0.2.7", 4711, "198.51.100.1",
         25, "v2 with NOOP, CRC32C and AUTHORITY TLVs: skipped");

    /* The longest a header may be: a NOOP TLV up to 4096 bytes. */
    static unsigned char pad[PROXYHEADER_MAX];
    size_t big = n + tlv(body + n, 0x04, pad, PROXYHEADER_V2_LEN_MAX - n - 3);
    is_int((long long)big, PROXYHEADER_V2_LEN_MAX, "a 4080-byte body");
    good(buf, v2(buf, 0x21, 0x11, body, big), "192.0.2.7", 4711, "198.51.100.1",
         25, "v2 of 4096 bytes");
}

/* A v2 TCP4 header whose SSL TLV holds client, then the sub-TLVs. */
static size_t with_ssl(unsigned char *buf, unsigned client,
                       const unsigned char *subs, size_t nsubs)
{
    unsigned char body[PROXYHEADER_MAX], ssl[PROXYHEADER_MAX];
    size_t n = tcp4_body(body);
    ssl[0] = (unsigned char)client;
    memset(ssl + 1, 0, 4);
    if (nsubs)
        memcpy(ssl + 5, subs, nsubs);
    n += tlv(body + n, 0x20, ssl, 5 + nsubs);
    return v2(buf, 0x21, 0x11, body, n);
}

static void tls_is(const unsigned char *buf, size_t len, const char *protocol,
                   const char *cipher, const char *name)
{
    struct proxyheader h;
    is_int(proxyheader_parse(buf, len, &h), PROXYHEADER_OK, name);
    is_str(h.tls_protocol, protocol, "  the TLS protocol");
    is_str(h.tls_cipher, cipher, "  the cipher");
}

static void v2_tls(void)
{
    unsigned char buf[PROXYHEADER_MAX + 64], subs[600];
    size_t n = tlv(subs, 0x21, "TLSv1.3", 7);
    n += tlv(subs + n, 0x22, "client cn", 9); /* SSL_CN: not taken */
    n += tlv(subs + n, 0x23, "TLS_AES_256_GCM_SHA384", 22);
    tls_is(buf, with_ssl(buf, 0x01, subs, n), "TLSv1.3",
           "TLS_AES_256_GCM_SHA384", "v2 SSL TLV with PP2_CLIENT_SSL");
    tls_is(buf, with_ssl(buf, 0x07, subs, n), "TLSv1.3",
           "TLS_AES_256_GCM_SHA384", "  and with the certificate bits");
    tls_is(buf, with_ssl(buf, 0x00, subs, n), "", "",
           "v2 SSL TLV without PP2_CLIENT_SSL: no TLS taken");
    tls_is(buf, with_ssl(buf, 0x01, subs, 10), "TLSv1.3", "",
           "v2 SSL TLV with the version alone");
    tls_is(buf, with_ssl(buf, 0x01, NULL, 0), "", "",
           "v2 SSL TLV without sub-TLVs");

    size_t m;
    m = tlv(subs, 0x21, "TLS v1.3", 8);
    bad(buf, with_ssl(buf, 0x01, subs, m), "printable",
        "v2 SSL version with a space");
    m = tlv(subs, 0x23, "AES\n", 4);
    bad(buf, with_ssl(buf, 0x01, subs, m), "printable",
        "v2 SSL cipher with a line end");
    m = tlv(subs, 0x21, "", 0);
    bad(buf, with_ssl(buf, 0x01, subs, m), "printable", "v2 SSL version empty");
    unsigned char long_name[65];
    memset(long_name, 'A', sizeof long_name);
    m = tlv(subs, 0x23, long_name, 64);
    tls_is(buf, with_ssl(buf, 0x01, subs, m), "",
           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
           "v2 SSL cipher of 64 bytes");
    m = tlv(subs, 0x23, long_name, 65);
    bad(buf, with_ssl(buf, 0x01, subs, m), "printable",
        "v2 SSL cipher of 65 bytes");
    m = tlv(subs, 0x21, "TLSv1.3", 7);
    m += tlv(subs + m, 0x21, "TLSv1.2", 7);
    bad(buf, with_ssl(buf, 0x01, subs, m), "twice", "v2 SSL version twice");
    m = tlv(subs, 0x21, "TLSv1.3", 7);
    subs[m++] = 0x23;
    subs[m++] = 0;
    subs[m++] = 9;
    bad(buf, with_ssl(buf, 0x01, subs, m), "sub-TLV",
        "v2 SSL sub-TLV past its TLV");
    bad(buf, with_ssl(buf, 0x01, subs, 12), "sub-TLV",
        "v2 SSL sub-TLV cut in its length");
    bad(buf, with_ssl(buf, 0x01, subs, 9), "sub-TLV",
        "v2 SSL sub-TLV cut in its value");

    unsigned char body[200];
    n = tcp4_body(body);
    n += tlv(body + n, 0x20, "\x01\0\0\0", 4);
    bad(buf, v2(buf, 0x21, 0x11, body, n), "shorter than 5",
        "v2 SSL TLV of 4 bytes");
    n = tcp4_body(body);
    n += tlv(body + n, 0x20, "\x01\0\0\0\0", 5);
    n += tlv(body + n, 0x20, "\x01\0\0\0\0", 5);
    bad(buf, v2(buf, 0x21, 0x11, body, n), "two SSL", "v2 two SSL TLVs");
    n = tcp4_body(body);
    body[n++] = 0x04;
    body[n++] = 0;
    body[n++] = 10;
    body[n++] = 0;
    bad(buf, v2(buf, 0x21, 0x11, body, n), "runs past the header",
        "v2 TLV longer than the header");
    n = tcp4_body(body);
    body[n++] = 0x04;
    body[n++] = 0;
    bad(buf, v2(buf, 0x21, 0x11, body, n), "runs past the header",
        "v2 TLV cut in its length");
}

static void v2_bad(void)
{
    unsigned char buf[PROXYHEADER_MAX + 64], body[64];
    size_t n = tcp4_body(body);
    bad(buf, v2(buf, 0x11, 0x11, body, n), "version", "v2: version 1");
    bad(buf, v2(buf, 0x31, 0x11, body, n), "version", "v2: version 3");
    bad(buf, v2(buf, 0x22, 0x11, body, n), "command", "v2: command 2");
    bad(buf, v2(buf, 0x2f, 0x11, body, n), "command", "v2: command 15");
    bad(buf, v2(buf, 0x21, 0x13, body, n), "family", "v2: transport 3");
    bad(buf, v2(buf, 0x21, 0x41, body, n), "family", "v2: family 4");
    bad(buf, v2(buf, 0x21, 0x10, body, n), "family",
        "v2: IPv4 with an unspecified transport");
    bad(buf, v2(buf, 0x21, 0x11, body, 11), "too short",
        "v2 TCP4 with 11 bytes of addresses");
    bad(buf, v2(buf, 0x21, 0x21, body, 35), "too short",
        "v2 TCP6 with 35 bytes of addresses");

    memcpy(buf, sig, 12);
    buf[6] = 'X';
    bad(buf, 16, "signature", "v2: a signature broken in byte 7");
    is_int((long long)taken(buf, 16), 16,
           "  the reader takes no more than the fixed 16 bytes");
    v2(buf, 0x21, 0x11, body, n);
    buf[14] = 0x0f;
    buf[15] = 0xf1; /* 4081 */
    bad(buf, 16 + 4081, "above 4080", "v2: a length of 4081");
    is_int((long long)taken(buf, 16 + 4081), 16,
           "  the reader reads no further than the 16 bytes");
    buf[14] = 0xff;
    buf[15] = 0xff;
    bad(buf, 16, "above 4080", "v2: a length of 65535");
    v2(buf, 0x21, 0x11, body, n);
    more(buf, 16 + n - 1, "v2 one byte short");
    more(buf, 15, "v2 15 bytes");
    more(sig, 5, "v2 5 bytes of the signature");
    is_int((long long)proxyheader_want(sig, 5), 11,
           "  the reader asks for the rest of the 16");
    v2(buf, 0x21, 0x11, body, n);
    memcpy(buf + 16 + n, "EHLO x\r\n", 8);
    is_int((long long)taken(buf, 16 + n + 8), (long long)(16 + n),
           "v2 followed by the client's bytes: the reader stops at the end");
}

static void looks_like(void)
{
    ok(proxyheader_looks_like(B("PROXY TCP4 1.2.3.4")),
       "PROXY  looks like a header");
    ok(proxyheader_looks_like(sig, 12), "the v2 signature does");
    ok(!proxyheader_looks_like(B("PROXY")), "PROXY without its space does not");
    ok(!proxyheader_looks_like(sig, 11), "11 bytes of the signature do not");
    ok(!proxyheader_looks_like(B("EHLO x\r\n")), "EHLO does not");
    ok(!proxyheader_looks_like(B("\x16\x03\x01\x02\x00\x01")),
       "a TLS ClientHello does not");
    ok(!proxyheader_looks_like(B("")), "nothing does not");
}

static size_t parse_file(struct balancers *b, const char *text,
                         const char **why)
{
    *why = NULL;
    return balancers_parse(b, text, strlen(text), why);
}

static void proxyfrom_bad(const char *text, size_t line, const char *why,
                          const char *name)
{
    static struct balancers b;
    const char *got;
    is_int((long long)parse_file(&b, text, &got), (long long)line, name);
    ok(got && strstr(got, why), "  because: %s", why);
    is_int((long long)b.count, 0, "  and nothing is listed");
}

static void proxyfrom(void)
{
    static struct balancers b;
    const char *why;
    is_int((long long)parse_file(&b,
                                 "# the balancers\n"
                                 "\n"
                                 "10.0.0.5\n"
                                 "  10.1.0.0/16\t\r\n"
                                 "   \t\n"
                                 "  # indented comment\n"
                                 "2001:db8:5::/48\n"
                                 "::ffff:192.0.2.0/120\n"
                                 "::1\n"
                                 "172.16.0.0/12",
                                 &why),
           0, "proxyfrom: entries, comments, blank lines, CR LF, no last LF");
    is_int((long long)b.count, 6, "  six entries");
    ok(balancers_match(&b, "10.0.0.5"), "10.0.0.5 is listed");
    ok(!balancers_match(&b, "10.0.0.6"), "10.0.0.6 is not");
    ok(balancers_match(&b, "10.1.255.3"), "10.1.255.3 is in 10.1.0.0/16");
    ok(!balancers_match(&b, "10.2.0.1"), "10.2.0.1 is not");
    ok(balancers_match(&b, "172.31.255.255"), "172.31.255.255 in /12");
    ok(!balancers_match(&b, "172.32.0.0"), "172.32.0.0 is not");
    ok(balancers_match(&b, "2001:db8:5:ffff::1"), "2001:db8:5:ffff::1 in /48");
    ok(!balancers_match(&b, "2001:db8:6::1"), "2001:db8:6::1 is not");
    ok(balancers_match(&b, "::ffff:10.0.0.5"), "::ffff:10.0.0.5 is 10.0.0.5");
    ok(balancers_match(&b, "192.0.2.77"),
       "192.0.2.77 is in ::ffff:192.0.2.0/120, which is 192.0.2.0/24");
    ok(balancers_match(&b, "::1"), "::1 is listed");
    ok(!balancers_match(&b, "::2"), "::2 is not");
    ok(!balancers_match(&b, "0.0.0.0"), "0.0.0.0 is not");
    ok(!balancers_match(&b, ""), "an empty address is not");
    ok(!balancers_match(&b, "10.0.0.5 "), "an address with a space is not");
    ok(!balancers_match(&b, NULL), "no address is not");

    is_int((long long)parse_file(&b, "0.0.0.0/0\n", &why), 0, "0.0.0.0/0");
    ok(balancers_match(&b, "203.0.113.9"), "  lists every IPv4 address");
    ok(!balancers_match(&b, "2001:db8::1"), "  and no IPv6 address");
    is_int((long long)parse_file(&b, "", &why), 0, "an empty file");
    ok(!balancers_match(&b, "10.0.0.5"), "  lists nobody");

    proxyfrom_bad("10.0.0.5\nlb.example.org\n", 2, "not an IPv4",
                  "a name on line 2");
    proxyfrom_bad("10.0.0.5/8\n", 1, "bits set past", "10.0.0.5/8");
    proxyfrom_bad("10.0.0.0/33\n", 1, "prefix length", "10.0.0.0/33");
    proxyfrom_bad("2001:db8::/129\n", 1, "prefix length", "2001:db8::/129");
    proxyfrom_bad("10.0.0.0/08\n", 1, "prefix length", "10.0.0.0/08");
    proxyfrom_bad("10.0.0.0/\n", 1, "prefix length", "10.0.0.0/");
    proxyfrom_bad("/24\n", 1, "not an IPv4", "/24");
    proxyfrom_bad("10.0.0.5 # lb1\n", 1, "not an IPv4", "a comment after");
    proxyfrom_bad("10.0.0.5 10.0.0.6\n", 1, "not an IPv4", "two on a line");
    proxyfrom_bad("10.0.0.05\n", 1, "not an IPv4", "a leading zero");
    proxyfrom_bad("::ffff:10.0.0.0/95\n", 1, "shorter than /96",
                  "::ffff:10.0.0.0/95");

    static char many[1100 * 12];
    size_t at = 0;
    for (int i = 0; i < 1024; i++)
        at += (size_t)snprintf(many + at, sizeof many - at, "10.0.%d.%d\n",
                               i / 256, i % 256);
    is_int((long long)parse_file(&b, many, &why), 0, "1024 entries");
    ok(balancers_match(&b, "10.0.3.255"), "  the last one is listed");
    snprintf(many + at, sizeof many - at, "10.0.4.0\n");
    proxyfrom_bad(many, 1025, "more than 1024", "1025 entries");
}

int main(void)
{
    v1_good();
    v1_bad();
    v2_good();
    v2_tls();
    v2_bad();
    looks_like();
    proxyfrom();
    return done_testing();
}
