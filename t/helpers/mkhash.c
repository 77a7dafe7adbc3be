/* mkhash PREFIX [COUNT]: prints a crypt(3) hash of the password on stdin
 * (its first line), made with crypt_gensalt(PREFIX, COUNT): the tests'
 * bcrypt and sha512-crypt records, which cdbpasswd does not make. */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: mkhash PREFIX [COUNT] <password\n");
        return 100;
    }
    char pw[1024];
    if (!fgets(pw, sizeof pw, stdin))
        pw[0] = '\0';
    pw[strcspn(pw, "\r\n")] = '\0';
    unsigned long count = argc == 3 ? strtoul(argv[2], NULL, 10) : 0;
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    static struct crypt_data d;
    const char *h = NULL;
    if (crypt_gensalt_rn(argv[1], count, NULL, 0, setting, sizeof setting))
        h = crypt_rn(pw, setting, &d, (int)sizeof d);
    if (!h) {
        perror("mkhash: crypt");
        return 111;
    }
    printf("%s\n", h);
    return 0;
}
