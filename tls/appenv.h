/* The environment the application runs with. It keeps none of
 * ucspitlsd's own settings (no variable that names a key, a certificate,
 * the engine's identity or its root), and none of the variables a
 * UCSPI-TLS server hands out, so that the only SSL_* values the
 * application sees are those of its own connection. */
#ifndef APPENV_H
#define APPENV_H

/* 1 when the variable NAME=... (or NAME) is one that appenv_clean()
 * removes. */
int appenv_is_ours(const char *var);

/* Removes those variables from the environment. */
void appenv_clean(void);

#endif
