#ifndef VERSION_H
#define VERSION_H

#define SUITE_VERSION "0.9.0"

#endif
