/* The descriptors between the application and the TLS engine, made before
 * ucspitlsd forks; each side then closes the other's ends.
 *   control   the UCSPI-TLS control socket (STARTTLS mode only): the
 *             application writes "y" or "Y", the engine answers "Y" with
 *             the variable block and closes it;
 *   down      a pipe, engine to application: the plaintext the peer sent
 *             (SSLREADFD, or fd 0 in implicit mode);
 *   up        a pipe, application to engine: the plaintext for the peer
 *             (SSLWRITEFD, or fd 1 in implicit mode);
 *   report    a pipe, engine to the process that becomes the application:
 *             a block when the engine is ready for it to run (empty in
 *             STARTTLS mode, the variables in implicit mode); end of file
 *             without one means the engine failed and has said why.
 * Every descriptor is made close-on-exec; only the application's ends are
 * handed on, on purpose. Nothing here prints or exits. */
#ifndef CHANNELS_H
#define CHANNELS_H

struct channels {
    int app_control, engine_control;
    int app_in, engine_out; /* down */
    int engine_in, app_out; /* up */
    int report_in, report_out;
};

/* Makes them; no control socket (-1) when control is 0. 0, or -1 with
 * errno (nothing is left open). */
int channels_open(struct channels *ch, int control);

/* In the engine: closes the application's ends and makes the engine's
 * non-blocking. 0, or -1 with errno. */
int channels_keep_engine(struct channels *ch);

/* In the application: closes the engine's ends (the report pipe's reading
 * end stays open, to be read and closed by the caller). */
void channels_keep_app(struct channels *ch);

/* STARTTLS mode: the application's ends stay open across exec and
 * SSLCTLFD, SSLREADFD and SSLWRITEFD name them. 0, or -1 with errno. */
int channels_export(struct channels *ch);

/* Implicit mode: the application's ends become fds 0 and 1, which closes
 * the network connection in this process. 0, or -1 with errno. */
int channels_to_stdio(struct channels *ch);

/* Closes *fd once and sets it to -1. */
void channels_close(int *fd);

#endif
