/* ucspitlsd -C: reads everything a connection would read, reports every
 * problem, and says whether it would serve. */
#ifndef CHECK_H
#define CHECK_H

#include "config.h"

/* Prints each problem on descriptor 2, one a line ("ucspitlsd: error: ..."
 * or "ucspitlsd: warning: ..."), then a summary. Returns 0 when connections
 * would be served, 100 when not. cfg holds the options. */
int check_settings(struct config *cfg, char *const *envp);

#endif
