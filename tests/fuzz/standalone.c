/* SPDX-License-Identifier: MIT */
/*
 * standalone.c -- a main() for the fuzz targets without libFuzzer, so the
 * corpus is replayed by ctest under any compiler (gcc, sanitizers). Each
 * argument is a file, or a directory whose regular files are all run
 * through LLVMFuzzerTestOneInput(). A target signals failure by abort().
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Corpus files are small; a cap keeps a stray huge file from hurting. */
#define MAX_INPUT (16u * 1024 * 1024)

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    int rc = -1;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        (unsigned long)n > MAX_INPUT || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "%s: cannot size or too large\n", path);
        goto out;
    }
    /* Exactly n bytes, so ASan sees any read past the input. */
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "%s: read failed\n", path);
        goto out;
    }
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

static int run_path(const char *path, unsigned long *count)
{
    char child[4096];
    struct dirent *de;
    struct stat st;
    DIR *d;
    int rc = 0;

    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (run_file(path) != 0)
            return -1;
        (*count)++;
        return 0;
    }
    d = opendir(path);
    if (d == NULL) {
        perror(path);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(child, sizeof(child), "%s/%s", path,
                             de->d_name) >= sizeof(child) ||
            stat(child, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (run_file(child) != 0)
            rc = -1;
        else
            (*count)++;
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned long count = 0;
    int i, rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++)
        if (run_path(argv[i], &count) != 0)
            rc = 1;
    printf("replayed %lu input(s)\n", count);
    /* An empty corpus is a broken test setup, not a pass. */
    return rc == 0 && count > 0 ? 0 : 1;
}
