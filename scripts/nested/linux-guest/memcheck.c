// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memcheck: the checker that runs inside the Linux L2 guest of the
 * linux-guest nested suite (scripts/nested/suites/linux-guest.sh).  A
 * static binary (gcc -static), so that the guest needs only busybox.
 *
 *   memcheck fill PERCENT
 *       Write a pattern over PERCENT % of MemAvailable, read it all back,
 *       print one line with the MiB written and verified, the bad 64-bit
 *       words and a checksum; exit 0 only if nothing was wrong.
 *   memcheck fill-mib MIB
 *       The same over MIB MiB.
 *   memcheck churn STATIC_MIB CHURN_MIB PAUSE_MS
 *       Fill STATIC_MIB once, then forever: verify the static area (its
 *       checksum never changes) and each page of the CHURN_MIB area against
 *       the generation that this process last wrote there (kept in its own
 *       memory), rewrite the page with the next generation, print one line
 *       per round, sleep PAUSE_MS.  A page that lost a write (a dirty page
 *       that a migration did not send again) counts as bad; the first bad
 *       round makes the process exit 1.
 *
 * Every value depends on its address and (churn) on its generation, so
 * stale, zeroed or misplaced pages are all caught.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024)
#define PAGE 4096UL
#define WORDS_PER_PAGE (PAGE / sizeof(uint64_t))
#define SEED 0x5eed1e55c0ffee00ULL

static uint64_t pattern(uint64_t index, uint64_t gen)
{
    return (index * 0x9e3779b97f4a7c15ULL) ^ (gen * 0xc2b2ae3d27d4eb4fULL) ^ SEED;
}

static uint64_t checksum_step(uint64_t sum, uint64_t v)
{
    sum = (sum ^ v) * 0x100000001b3ULL;
    return sum ^ (sum >> 29);
}

static uint64_t *map_area(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        perror("memcheck: mmap");
        exit(2);
    }
    return p;
}

static long mem_available_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/meminfo", "r");

    if (!f) {
        perror("memcheck: /proc/meminfo");
        exit(2);
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1) {
            break;
        }
    }
    fclose(f);
    return kib;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Write words [0, n) of area with generation gen. */
static void write_words(uint64_t *area, size_t n, uint64_t gen)
{
    for (size_t i = 0; i < n; i++) {
        area[i] = pattern(i, gen);
    }
}

/* Verify words [0, n); return the bad ones, checksum in *sum. */
static size_t verify_words(const uint64_t *area, size_t n, uint64_t gen,
                           uint64_t *sum)
{
    size_t bad = 0;
    uint64_t s = 0;

    for (size_t i = 0; i < n; i++) {
        uint64_t v = area[i];

        if (v != pattern(i, gen)) {
            bad++;
        }
        s = checksum_step(s, v);
    }
    *sum = s;
    return bad;
}

/* Fill MIB MiB, or PERCENT % of MemAvailable if MIB is 0. */
static int fill(int percent, long mib)
{
    long avail = mem_available_kib();
    size_t bytes, words, bad;
    uint64_t *area, sum;
    double t0, t1, t2;

    if (avail <= 0 || (!mib && (percent < 1 || percent > 95)) || mib < 0) {
        fprintf(stderr, "memcheck: fill: bad PERCENT %d, MIB %ld or "
                "MemAvailable %ld kB\n", percent, mib, avail);
        return 2;
    }
    if (mib) {
        bytes = mib * MIB;
    } else {
        bytes = (size_t)avail * 1024 / 100 * percent / MIB * MIB;
    }
    words = bytes / sizeof(uint64_t);
    area = map_area(bytes);
    t0 = now();
    write_words(area, words, 1);
    t1 = now();
    bad = verify_words(area, words, 1, &sum);
    t2 = now();
    printf("memcheck: fill: MemAvailable %ld MiB, wrote %zu MiB in %.1f s, "
           "verified %zu MiB in %.1f s, %zu bad words, checksum %016llx: %s\n",
           avail / 1024, bytes / MIB, t1 - t0, bytes / MIB, t2 - t1, bad,
           (unsigned long long)sum, bad ? "FAIL" : "PASS");
    return bad ? 1 : 0;
}

static int churn(long static_mib, long churn_mib, long pause_ms)
{
    size_t static_words = static_mib * MIB / sizeof(uint64_t);
    size_t pages = churn_mib * MIB / PAGE;
    uint64_t *stat, *area, *gen, static_sum;
    uint64_t round;

    if (static_mib < 1 || churn_mib < 1 || pause_ms < 0) {
        fprintf(stderr, "memcheck: churn: bad sizes or pause\n");
        return 2;
    }
    stat = map_area(static_mib * MIB);
    area = map_area(churn_mib * MIB);
    gen = calloc(pages, sizeof(*gen));
    if (!gen) {
        perror("memcheck: calloc");
        return 2;
    }
    write_words(stat, static_words, 0);
    verify_words(stat, static_words, 0, &static_sum);
    for (size_t p = 0; p < pages; p++) {
        write_words(area + p * WORDS_PER_PAGE, WORDS_PER_PAGE, p << 32);
    }
    printf("memcheck: churn: static %ld MiB checksum %016llx, churn %ld MiB, "
           "round 0 written\n", static_mib, (unsigned long long)static_sum,
           churn_mib);
    fflush(stdout);
    for (round = 1;; round++) {
        size_t bad_static, bad_pages = 0;
        uint64_t sum, churn_sum = 0;

        bad_static = verify_words(stat, static_words, 0, &sum);
        for (size_t p = 0; p < pages; p++) {
            uint64_t *page = area + p * WORDS_PER_PAGE;
            uint64_t g = (p << 32) | gen[p], s;

            /* the page's words, numbered within the page, generation g */
            if (verify_words(page, WORDS_PER_PAGE, g, &s)) {
                bad_pages++;
            }
            churn_sum = checksum_step(churn_sum, s);
            gen[p] = round;
            write_words(page, WORDS_PER_PAGE, (p << 32) | round);
        }
        printf("memcheck: churn: round %llu: static %ld MiB checksum %016llx "
               "(%zu bad words), churn %ld MiB of generation %llu checksum "
               "%016llx (%zu bad pages): %s\n",
               (unsigned long long)round, static_mib, (unsigned long long)sum,
               bad_static, churn_mib, (unsigned long long)round - 1,
               (unsigned long long)churn_sum, bad_pages,
               bad_static || bad_pages ? "FAIL" : "PASS");
        fflush(stdout);
        if (bad_static || bad_pages) {
            return 1;
        }
        usleep(pause_ms * 1000);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && !strcmp(argv[1], "fill")) {
        return fill(atoi(argv[2]), 0);
    }
    if (argc == 3 && !strcmp(argv[1], "fill-mib")) {
        return fill(0, atol(argv[2]));
    }
    if (argc == 5 && !strcmp(argv[1], "churn")) {
        return churn(atol(argv[2]), atol(argv[3]), atol(argv[4]));
    }
    fprintf(stderr, "usage: memcheck fill PERCENT\n"
                    "       memcheck fill-mib MIB\n"
                    "       memcheck churn STATIC_MIB CHURN_MIB PAUSE_MS\n");
    return 2;
}
