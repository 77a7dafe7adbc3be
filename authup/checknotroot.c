/* checknotroot: runs prog, unless this process runs as root. Put between
 * checkpassword and the server, it makes sure that no password database
 * mistake ever gives a network client a root session. */
#include <unistd.h>

#include "die.h"
#include "exitcodes.h"

int main(int argc, char **argv)
{
    progname = "checknotroot";
    die_if_version(argc, argv);
    if (argc < 2)
        die_usage("prog [arg ...]");
    if (getuid() == 0 || geteuid() == 0)
        die_msg(EXIT_REJECTED,
                "refusing to run %s as root (uid %ld, euid %ld): give the "
                "user a uid other than 0",
                argv[1], (long)getuid(), (long)geteuid());
    execvp(argv[1], argv + 1);
    die_sys(EXIT_TEMP, "run", argv[1]);
}
