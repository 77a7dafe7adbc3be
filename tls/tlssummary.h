/* The TLS engine's summary line, one for each connection that got as far
 * as the engine, logged when it ends:
 *   ucspitlsd: info: ID: summary: ip=192.0.2.7 mode=starttls tls=TLSv1.3
 *   cipher=TLS_AES_256_GCM_SHA384 sni=mx.example.org resumed=no
 *   client=- in=1234 out=5678 seconds=2.104 end=closed
 * tls is "none" when no handshake was made (the client never sent
 * STARTTLS, or the handshake failed), and then the next four are "-";
 * client is the verified client certificate's subject, "none" when there
 * was none (or none was asked for), "failed" when it did not verify; in
 * and out count plaintext bytes from and to the client through TLS; end
 * is closed (both sides ended), no-starttls (the application ended
 * without it), handshake-failed, idle (the idle timeout) or failed (a
 * failure the line before says). */
#ifndef TLSSUMMARY_H
#define TLSSUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "sni.h"

struct tlssummary {
    int64_t start_ms;
    int implicit;
    int tls; /* the handshake was made */
    char protocol[16];
    char cipher[96];
    char sni[SNI_NAME_MAX + 1];
    char client[512];
    int client_state; /* 0 no TLS, 1 none, 2 failed, 3 verified */
    int resumed;
    uint64_t in, out;
    const char *end;
};

void tlssummary_start(struct tlssummary *t, int implicit);
/* Takes what it says from the connection's variable block (tls/vars.h). */
void tlssummary_vars(struct tlssummary *t, const char *block, size_t len);
void tlssummary_log(const struct tlssummary *t);

#endif
