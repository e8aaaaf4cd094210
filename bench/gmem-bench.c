/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * gmem-bench: what memory-backend-memfd,guest-memfd=on costs against
 * memory-backend-memfd (and memory-backend-ram as a reference), measured
 * side by side on one KVM host.  See README.rst, "The benchmark".
 *
 * For every size, and every repetition, each backend in turn:
 *   startup-prealloc-1   QEMU start to QMP ready, prealloc=on, 1 thread
 *   startup-prealloc-N   the same with N prealloc threads (N = CPUs)
 *   first-touch          the benchmark guest writes all of its RAM once
 *   second-pass          ... and again (the pages are there now)
 *   migration            precopy of that guest to a new QEMU with the same
 *                        backend, over a local socket: guest RAM per second
 *   downtime             ... and the downtime QEMU reports, with a
 *                        downtime-limit of 10 ms
 * and once per size and repetition, the host's own memset:
 *   host-memset-first    anonymous memory, first write (with page faults)
 *   host-memset-steady   the same memory again
 *
 * The guest (bench-guest.S) reports the start and end of its passes by
 * writing to an isa-debugcon whose chardev is a socket we listen on, so the
 * host times them.  Nothing is parsed beyond what QMP needs: this is a
 * static binary with no dependency, so that it runs from the test bundle on
 * any KVM host, and in the busybox initramfs of the nested L1 guest.
 */

#define _GNU_SOURCE
/* SYM_*: the guest's port, markers and fill start, from bench-guest.S. */
#include "bench-guest-syms.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)
#define GIB (1024.0 * 1024.0 * 1024.0)
#define MAX_SIZES 8
#define MAX_REPEATS 50
#define QMP_LINE_MAX 65536
#define DOWNTIME_LIMIT_MS "10"      /* migration's downtime-limit */
/*
 * Our goal: guest-memfd costs at most this much more than memfd on every
 * figure.  Written into the CSV for chart.py; the one place of this fact.
 */
#define GOAL_COST_RATIO 1.05

enum { LOWER_IS_BETTER, HIGHER_IS_BETTER };
static const char *const better_names[] = {
    [LOWER_IS_BETTER] = "lower", [HIGHER_IS_BETTER] = "higher",
};

typedef struct Metric {
    const char *name;
    const char *unit;
    int better;
    bool host_only;     /* measured once, not per backend */
} Metric;

enum {
    M_STARTUP_1, M_STARTUP_N, M_FIRST_TOUCH, M_SECOND_PASS, M_MIGRATION,
    M_DOWNTIME, M_HOST_FIRST, M_HOST_STEADY, N_METRICS
};

static const Metric metrics[N_METRICS] = {
    [M_STARTUP_1]   = { "startup-prealloc-1", "s", LOWER_IS_BETTER, false },
    [M_STARTUP_N]   = { "startup-prealloc-N", "s", LOWER_IS_BETTER, false },
    [M_FIRST_TOUCH] = { "first-touch", "GiB/s", HIGHER_IS_BETTER, false },
    [M_SECOND_PASS] = { "second-pass", "GiB/s", HIGHER_IS_BETTER, false },
    [M_MIGRATION]   = { "migration", "GiB/s", HIGHER_IS_BETTER, false },
    [M_DOWNTIME]    = { "downtime", "ms", LOWER_IS_BETTER, false },
    [M_HOST_FIRST]  = { "host-memset-first", "GiB/s", HIGHER_IS_BETTER, true },
    [M_HOST_STEADY] = { "host-memset-steady", "GiB/s", HIGHER_IS_BETTER, true },
};

typedef struct Backend {
    const char *name;
    const char *object;         /* -object TYPE,PROPS without id and size */
} Backend;

/* The first is measured against the second; the third is a reference. */
static const Backend backends[] = {
    { "guest-memfd", "memory-backend-memfd,share=on,guest-memfd=on" },
    { "memfd", "memory-backend-memfd,share=on" },
    { "ram", "memory-backend-ram" },
};
#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))
#define B_SUBJECT 0
#define B_BASELINE 1

typedef struct Options {
    const char *qemu;
    const char *guest;
    const char *csv;
    const char *label;
    uint64_t sizes[MAX_SIZES];
    int n_sizes;
    int repeats;
    int threads;
    int timeout;
    const char *qemu_args[16];  /* --qemu-arg: appended to every QEMU */
    int n_qemu_args;
    bool keep_logs;
    const char *about;          /* --about: provenance lines to print */
} Options;

/* samples[size][backend][metric][repeat]; NaN: not measured */
static double samples[MAX_SIZES][N_BACKENDS][N_METRICS][MAX_REPEATS];
static char workdir[] = "/tmp/gmem-bench.XXXXXX";
static FILE *csv;

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "gmem-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *path_in_workdir(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, sizeof(paths[0]), "%s/%s", workdir, name);
    return p;
}

/* A unix socket at PATH that QEMU connects to (QEMU is the client). */
static int listen_at(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        die("socket: %s", strerror(errno));
    }
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fd, 1) < 0) {
        die("listen on %s: %s", path, strerror(errno));
    }
    return fd;
}

/* A running QEMU, its QMP connection and its log. */
typedef struct Qemu {
    pid_t pid;
    int qmp;
    char buf[QMP_LINE_MAX];
    size_t len;
    char log[256];
    double deadline;
} Qemu;

static void qemu_failed(Qemu *q, const char *what)
{
    char cmd[512];

    fprintf(stderr, "gmem-bench: %s; QEMU's output (%s):\n", what, q->log);
    snprintf(cmd, sizeof(cmd), "tail -n 20 '%s' >&2", q->log);
    if (system(cmd) != 0) {
        fprintf(stderr, "(cannot show it)\n");
    }
    if (q->pid > 0) {
        kill(q->pid, SIGKILL);
        waitpid(q->pid, NULL, 0);
    }
    exit(1);
}

/* Wait until FD is readable or the QEMU's deadline passes. */
static void wait_readable(Qemu *q, int fd, const char *what)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int left = (int)((q->deadline - now()) * 1000);
    int status;

    for (;;) {
        if (left <= 0) {
            qemu_failed(q, "timed out waiting for QEMU");
        }
        if (poll(&pfd, 1, left < 200 ? left : 200) > 0) {
            return;
        }
        if (waitpid(q->pid, &status, WNOHANG) == q->pid) {
            q->pid = 0;
            qemu_failed(q, what);
        }
        left = (int)((q->deadline - now()) * 1000);
    }
}

static int accept_from(Qemu *q, int listener, const char *what)
{
    int fd;

    wait_readable(q, listener, what);
    fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        die("accept: %s", strerror(errno));
    }
    return fd;
}

/* One line from QMP into q->buf (NUL-terminated, without the newline). */
static const char *qmp_read_line(Qemu *q)
{
    static char line[QMP_LINE_MAX];
    char *nl;
    ssize_t n;

    while (!(nl = memchr(q->buf, '\n', q->len))) {
        if (q->len == sizeof(q->buf)) {
            die("QMP line longer than %d bytes", QMP_LINE_MAX);
        }
        wait_readable(q, q->qmp, "QEMU exited");
        n = read(q->qmp, q->buf + q->len, sizeof(q->buf) - q->len);
        if (n <= 0) {
            qemu_failed(q, "QMP connection closed");
        }
        q->len += n;
    }
    *nl = '\0';
    memcpy(line, q->buf, nl - q->buf + 1);
    q->len -= nl + 1 - q->buf;
    memmove(q->buf, nl + 1, q->len);
    return line;
}

/* Send CMD, return the "return" line; an "error" reply is fatal. */
static const char *qmp(Qemu *q, const char *cmd)
{
    const char *line;

    if (write(q->qmp, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
        qemu_failed(q, "cannot write to QMP");
    }
    for (;;) {
        line = qmp_read_line(q);
        if (strncmp(line, "{\"return\"", 9) == 0) {
            return line;
        }
        if (strncmp(line, "{\"error\"", 8) == 0) {
            fprintf(stderr, "gmem-bench: %s -> %s\n", cmd, line);
            qemu_failed(q, "QMP command failed");
        }
        /* an event: skip it */
    }
}

/* The number after "KEY": in a QMP reply, or NaN. */
static double json_number(const char *reply, const char *key)
{
    char pattern[64];
    const char *p;

    snprintf(pattern, sizeof(pattern), "\"%s\": ", key);
    p = strstr(reply, pattern);
    return p ? strtod(p + strlen(pattern), NULL) : NAN;
}

static bool json_has(const char *reply, const char *key, const char *value)
{
    char pattern[128];

    snprintf(pattern, sizeof(pattern), "\"%s\": \"%s\"", key, value);
    return strstr(reply, pattern) != NULL;
}

typedef struct Launch {
    const Backend *backend;
    uint64_t size;
    int prealloc_threads;       /* 0: no prealloc */
    bool paused;                /* -S */
    const char *debugcon;       /* chardev socket path, or NULL: null */
    const char *incoming;       /* -incoming URI, or NULL */
    const char *tag;            /* names the sockets and the log */
} Launch;

/* The command line of a QEMU that L describes, built in A. */
typedef struct QemuArgs {
    const char *argv[64];
    int argc;
    char mem[64], object[512], qmp_dev[400], dbg_dev[400], dbg_device[64];
} QemuArgs;

static void add_args(QemuArgs *a, const char *arg1, const char *arg2)
{
    a->argv[a->argc++] = arg1;
    if (arg2) {
        a->argv[a->argc++] = arg2;
    }
}

/*
 * -object and the machine for L's backend; QEMU's monitor on the socket
 * QMP_SOCK and the guest's debugcon on L's socket, where we listen.
 */
static void qemu_argv(QemuArgs *a, const Options *o, const Launch *l,
                      const char *qmp_sock)
{
    a->argc = 0;
    snprintf(a->mem, sizeof(a->mem), "%" PRIu64 "M", l->size >> 20);
    snprintf(a->object, sizeof(a->object), "%s,id=ram,size=%" PRIu64,
             l->backend->object, l->size);
    if (l->prealloc_threads) {
        size_t n = strlen(a->object);

        snprintf(a->object + n, sizeof(a->object) - n,
                 ",prealloc=on,prealloc-threads=%d", l->prealloc_threads);
    }
    snprintf(a->qmp_dev, sizeof(a->qmp_dev), "socket,id=qmp,path=%s",
             qmp_sock);
    if (l->debugcon) {
        snprintf(a->dbg_dev, sizeof(a->dbg_dev), "socket,id=dbg,path=%s",
                 l->debugcon);
    } else {
        snprintf(a->dbg_dev, sizeof(a->dbg_dev), "null,id=dbg");
    }

    add_args(a, o->qemu, NULL);
    add_args(a, "-accel", "kvm");
    add_args(a, "-cpu", "host");
    add_args(a, "-machine", "pc,memory-backend=ram");
    add_args(a, "-m", a->mem);
    add_args(a, "-object", a->object);
    add_args(a, "-nodefaults", NULL);
    add_args(a, "-display", "none");
    add_args(a, "-bios", o->guest);
    add_args(a, "-chardev", a->qmp_dev);
    add_args(a, "-mon", "chardev=qmp,mode=control");
    add_args(a, "-chardev", a->dbg_dev);
    snprintf(a->dbg_device, sizeof(a->dbg_device),
             "isa-debugcon,iobase=%#x,chardev=dbg", SYM_debugcon_port);
    add_args(a, "-device", a->dbg_device);
    if (l->paused) {
        add_args(a, "-S", NULL);
    }
    if (l->incoming) {
        add_args(a, "-incoming", l->incoming);
    }
    for (int i = 0; i < o->n_qemu_args; i++) {
        add_args(a, o->qemu_args[i], NULL);
    }
    a->argv[a->argc] = NULL;
}

/* Run ARGV with its output into q->log, stdin from /dev/null. */
static void qemu_spawn(Qemu *q, const Options *o, const char *const *argv)
{
    int fd;

    q->len = 0;
    q->qmp = -1;
    q->deadline = now() + o->timeout;
    q->pid = fork();
    if (q->pid < 0) {
        die("fork: %s", strerror(errno));
    }
    if (q->pid == 0) {
        fd = open(q->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, 0);
        }
        execv(argv[0], (char **)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
}

/*
 * Start QEMU as L describes; it connects to our QMP socket, and we wait
 * until QMP is ready.  *debugcon_fd gets the guest's debugcon connection.
 */
static void qemu_start(Qemu *q, const Options *o, const Launch *l,
                       int *debugcon_fd)
{
    const char *base = path_in_workdir(l->tag);
    char qmp_sock[300];
    int qmp_listener, dbg_listener = -1;
    QemuArgs args;
    static int runs;

    snprintf(qmp_sock, sizeof(qmp_sock), "%s.qmp", base);
    snprintf(q->log, sizeof(q->log), "%s-%d.log", base, ++runs);
    qmp_listener = listen_at(qmp_sock);
    if (l->debugcon) {
        dbg_listener = listen_at(l->debugcon);
    }
    qemu_argv(&args, o, l, qmp_sock);
    qemu_spawn(q, o, args.argv);
    if (l->debugcon) {
        *debugcon_fd = accept_from(q, dbg_listener, "QEMU exited");
        close(dbg_listener);
    }
    q->qmp = accept_from(q, qmp_listener, "QEMU exited");
    close(qmp_listener);
    qmp_read_line(q);                       /* the greeting */
    qmp(q, "{\"execute\": \"qmp_capabilities\"}\n");
}

static void qemu_quit(const Options *o, Qemu *q)
{
    int status;

    if (write(q->qmp, "{\"execute\": \"quit\"}\n", 20) != 20) {
        kill(q->pid, SIGKILL);
    }
    waitpid(q->pid, &status, 0);
    close(q->qmp);
    if (!o->keep_logs) {
        unlink(q->log);
    }
}

static void record(int size_i, int backend_i, int metric, int repeat,
                   uint64_t size, double value)
{
    samples[size_i][backend_i][metric][repeat] = value;
    fprintf(csv, "%" PRIu64 ",%s,%s,%s,%s,%d,%.6g\n", size,
            metrics[metric].host_only ? "host" : backends[backend_i].name,
            metrics[metric].name, metrics[metric].unit,
            better_names[metrics[metric].better], repeat + 1, value);
    fflush(csv);
}

/* Bytes the guest writes in each pass: all of its RAM from fill_start up. */
static double guest_fill_bytes(uint64_t size)
{
    return size - (double)SYM_fill_start;
}

static double startup_seconds(const Options *o, const Backend *b,
                              uint64_t size, int threads)
{
    Launch l = {
        .backend = b, .size = size, .prealloc_threads = threads,
        .paused = true, .tag = "startup",
    };
    Qemu q;
    double start = now(), seconds;

    qemu_start(&q, o, &l, NULL);
    seconds = now() - start;
    qemu_quit(o, &q);
    return seconds;
}

/* Wait for the guest's next marker; returns the time it arrived. */
static double guest_marker(Qemu *q, int fd, char expected)
{
    char c;

    wait_readable(q, fd, "QEMU exited before the guest finished");
    if (read(fd, &c, 1) != 1) {
        qemu_failed(q, "the guest's debugcon closed");
    }
    if (c != expected) {
        fprintf(stderr, "gmem-bench: the guest said '%c', expected '%c'%s\n",
                c, expected,
                c == SYM_mark_error ? " (more RAM than its page tables map)"
                                    : "");
        qemu_failed(q, "the benchmark guest failed");
    }
    return now();
}

/* The guest's two passes, timed by its markers. */
static void guest_passes(Qemu *q, int dbg, int size_i, int b_i, int repeat,
                         uint64_t size)
{
    double t_start, t_first, t_second;

    t_start = guest_marker(q, dbg, SYM_mark_start);
    t_first = guest_marker(q, dbg, SYM_mark_first);
    t_second = guest_marker(q, dbg, SYM_mark_second);
    record(size_i, b_i, M_FIRST_TOUCH, repeat, size,
           guest_fill_bytes(size) / GIB / (t_first - t_start));
    record(size_i, b_i, M_SECOND_PASS, repeat, size,
           guest_fill_bytes(size) / GIB / (t_second - t_first));
}

/* Precopy of the guest in SRC to a new QEMU with the same backend. */
static void guest_migrate(const Options *o, Qemu *src, int size_i, int b_i,
                          int repeat, uint64_t size)
{
    char incoming[300], cmd[512];
    Launch dst = {
        .backend = &backends[b_i], .size = size, .incoming = incoming,
        .tag = "dest",
    };
    Qemu qd;
    double deadline;
    const char *reply;

    snprintf(incoming, sizeof(incoming), "unix:%s",
             path_in_workdir("migration"));
    qemu_start(&qd, o, &dst, NULL);
    /*
     * No bandwidth limit: we measure the memory, not the throttle.  A low
     * downtime limit: the guest is idle, so precopy converges anyway, and
     * the downtime is then the cost of stopping (final dirty log sync,
     * device state, starting the destination).  With the default 300 ms
     * limit it would be mostly how much RAM is left when QEMU's estimate
     * lets it switch over.
     */
    qmp(src, "{\"execute\": \"migrate-set-parameters\", \"arguments\": "
             "{\"max-bandwidth\": 1099511627776, "
             "\"downtime-limit\": " DOWNTIME_LIMIT_MS "}}\n");
    snprintf(cmd, sizeof(cmd),
             "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"%s\"}}\n",
             incoming);
    qmp(src, cmd);
    deadline = now() + o->timeout;
    for (;;) {
        reply = qmp(src, "{\"execute\": \"query-migrate\"}\n");
        if (json_has(reply, "status", "completed")) {
            break;
        }
        if (json_has(reply, "status", "failed") ||
            json_has(reply, "status", "cancelled")) {
            fprintf(stderr, "gmem-bench: %s\n", reply);
            qemu_failed(src, "migration failed");
        }
        if (now() > deadline) {
            qemu_failed(src, "migration timed out");
        }
        usleep(10000);
    }
    record(size_i, b_i, M_MIGRATION, repeat, size,
           size / GIB / (json_number(reply, "total-time") / 1000.0));
    record(size_i, b_i, M_DOWNTIME, repeat, size,
           json_number(reply, "downtime"));
    qemu_quit(o, &qd);
}

/* One benchmark guest: its two passes, then, if MIGRATE, its precopy. */
static void guest_run(const Options *o, int size_i, int b_i, int repeat,
                      bool migrate)
{
    uint64_t size = o->sizes[size_i];
    Launch src = {
        .backend = &backends[b_i], .size = size,
        .debugcon = path_in_workdir("guest.debugcon"), .tag = "source",
    };
    Qemu qs;
    int dbg;

    qemu_start(&qs, o, &src, &dbg);
    guest_passes(&qs, dbg, size_i, b_i, repeat, size);
    close(dbg);
    if (migrate) {
        guest_migrate(o, &qs, size_i, b_i, repeat, size);
    }
    qemu_quit(o, &qs);
}

/*
 * The host's own memset over anonymous memory: the first write (with page
 * faults, as the guest's first touch) and a second one (bandwidth only).
 */
static void host_memset(int size_i, int repeat, uint64_t size)
{
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    double t0, t1, t2;

    if (p == MAP_FAILED) {
        die("cannot map %" PRIu64 " bytes: %s", size, strerror(errno));
    }
    t0 = now();
    memset(p, 0x11, size);
    asm volatile("" : : "r"(p) : "memory");
    t1 = now();
    memset(p, 0x22, size);
    asm volatile("" : : "r"(p) : "memory");
    t2 = now();
    munmap(p, size);
    record(size_i, 0, M_HOST_FIRST, repeat, size, size / GIB / (t1 - t0));
    record(size_i, 0, M_HOST_STEADY, repeat, size, size / GIB / (t2 - t1));
}

static uint64_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kib = 0;

    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return kib * 1024;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Median and best of the repeats of one figure; false if not measured. */
static bool summarize(const Options *o, int size_i, int b_i, int metric,
                      double *median, double *best)
{
    double v[MAX_REPEATS];
    int n = 0;

    for (int r = 0; r < o->repeats; r++) {
        if (!isnan(samples[size_i][b_i][metric][r])) {
            v[n++] = samples[size_i][b_i][metric][r];
        }
    }
    if (!n) {
        return false;
    }
    qsort(v, n, sizeof(v[0]), compare_doubles);
    *median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    *best = metrics[metric].better == LOWER_IS_BETTER ? v[0] : v[n - 1];
    return true;
}

/*
 * How much more VALUE costs than BASELINE (memfd's median): above 1 is
 * worse, whichever way METRIC is better.
 */
static double cost_ratio(int metric, double value, double baseline)
{
    return metrics[metric].better == LOWER_IS_BETTER ? value / baseline
                                                      : baseline / value;
}

static void format_size(char *buf, size_t len, uint64_t size)
{
    if (size % (1ULL << 30) == 0) {
        snprintf(buf, len, "%" PRIu64 " GiB", size >> 30);
    } else {
        snprintf(buf, len, "%" PRIu64 " MiB", size >> 20);
    }
}

static void print_table(const Options *o)
{
    char size_text[32], cell[N_BACKENDS][32], ratio[2][16];
    double med[N_BACKENDS], best;
    bool have[N_BACKENDS];

    printf("\nmedian (best) of %d; cost ratio = guest-memfd (or ram) against "
           "memfd, >1 is worse, '!' above %.2f\n", o->repeats,
           GOAL_COST_RATIO);
    for (int s = 0; s < o->n_sizes; s++) {
        format_size(size_text, sizeof(size_text), o->sizes[s]);
        printf("\n%-8s %-20s %-6s %-19s %-19s %-19s %-10s %s\n", size_text,
               "metric", "unit", backends[0].name, backends[1].name,
               backends[2].name, "gmem/memfd", "ram/memfd");
        for (int m = 0; m < N_METRICS; m++) {
            int n_b = metrics[m].host_only ? 1 : N_BACKENDS;

            for (int b = 0; b < (int)N_BACKENDS; b++) {
                have[b] = b < n_b && summarize(o, s, b, m, &med[b], &best);
                if (have[b]) {
                    snprintf(cell[b], sizeof(cell[b]), "%.3g (%.3g)",
                             med[b], best);
                } else {
                    snprintf(cell[b], sizeof(cell[b]), "-");
                }
            }
            for (int i = 0; i < 2; i++) {
                int b = i == 0 ? B_SUBJECT : 2;
                double r;

                if (!metrics[m].host_only && have[b] && have[B_BASELINE]) {
                    r = cost_ratio(m, med[b], med[B_BASELINE]);
                    snprintf(ratio[i], sizeof(ratio[i]), "%.3f%s", r,
                             i == 0 && r > GOAL_COST_RATIO ? " !" : "");
                } else {
                    snprintf(ratio[i], sizeof(ratio[i]), "-");
                }
            }
            if (metrics[m].host_only) {
                printf("%-8s %-20s %-6s %-19s\n", "", metrics[m].name,
                       metrics[m].unit, cell[0]);
            } else {
                printf("%-8s %-20s %-6s %-19s %-19s %-19s %-10s %s\n", "",
                       metrics[m].name, metrics[m].unit, cell[0], cell[1],
                       cell[2], ratio[0], ratio[1]);
            }
        }
    }
}

static uint64_t parse_size(const char *text)
{
    char *end;
    double v = strtod(text, &end);

    uint64_t size;

    if (end == text || v <= 0) {
        die("bad size '%s' (e.g. 512M, 4G)", text);
    }
    switch (*end) {
    case 'M': case 'm':
        size = (uint64_t)(v * MIB);
        break;
    case 'G': case 'g':
        size = (uint64_t)(v * GIB);
        break;
    default:
        die("bad size '%s': give a unit, M or G (e.g. 512M, 4G)", text);
    }
    if (size % (1 << 20) || size < 16 * MIB) {
        die("bad size '%s': a whole number of MiB, at least 16M", text);
    }
    return size;
}

static void usage(void)
{
    fprintf(stderr,
        "usage: gmem-bench --qemu QEMU --guest BENCH-GUEST.BIN [options]\n"
        "  --sizes LIST     guest RAM sizes, e.g. 1G,4G,16G (default 1G,4G,16G;\n"
        "                   sizes this host cannot hold are left out)\n"
        "  --repeats N      repetitions of every figure (default 5)\n"
        "  --threads N      prealloc threads for startup-prealloc-N\n"
        "                   (default: the number of CPUs)\n"
        "  --csv FILE       write every sample there (default gmem-bench.csv)\n"
        "  --label TEXT     what this run is, for the header and the CSV\n"
        "  --timeout S      seconds one QEMU may take (default 600)\n"
        "  --qemu-arg ARG   add ARG to every QEMU command line (repeatable;\n"
        "                   e.g. -trace with --keep-logs, to see where time goes)\n"
        "  --keep-logs      keep every QEMU's output (the directory is printed)\n"
        "  --about FILE     print FILE's lines (what QEMU was built from) in\n"
        "                   the header and the CSV\n");
    exit(2);
}

static void parse_sizes(Options *o, char *list)
{
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        if (o->n_sizes == MAX_SIZES) {
            die("at most %d sizes", MAX_SIZES);
        }
        o->sizes[o->n_sizes++] = parse_size(tok);
    }
}

static void parse_options(Options *o, int argc, char **argv)
{
    static char default_sizes[] = "1G,4G,16G";
    char *sizes = default_sizes;

    o->repeats = 5;
    o->threads = sysconf(_SC_NPROCESSORS_ONLN);
    o->csv = "gmem-bench.csv";
    o->label = "";
    o->timeout = 600;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        char *arg = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(opt, "--keep-logs")) {
            o->keep_logs = true;
            continue;
        }
        if (!arg || !strcmp(opt, "--help")) {
            usage();
        }
        i++;
        if (!strcmp(opt, "--qemu")) {
            o->qemu = arg;
        } else if (!strcmp(opt, "--guest")) {
            o->guest = arg;
        } else if (!strcmp(opt, "--sizes")) {
            sizes = arg;
        } else if (!strcmp(opt, "--repeats")) {
            o->repeats = atoi(arg);
        } else if (!strcmp(opt, "--threads")) {
            o->threads = atoi(arg);
        } else if (!strcmp(opt, "--csv")) {
            o->csv = arg;
        } else if (!strcmp(opt, "--label")) {
            o->label = arg;
        } else if (!strcmp(opt, "--about")) {
            o->about = arg;
        } else if (!strcmp(opt, "--timeout")) {
            o->timeout = atoi(arg);
        } else if (!strcmp(opt, "--qemu-arg") &&
                   o->n_qemu_args < (int)(sizeof(o->qemu_args) /
                                          sizeof(o->qemu_args[0]))) {
            o->qemu_args[o->n_qemu_args++] = arg;
        } else {
            usage();
        }
    }
    if (!o->qemu || !o->guest || o->repeats < 1 || o->repeats > MAX_REPEATS ||
        o->threads < 1 || o->timeout < 1) {
        usage();
    }
    parse_sizes(o, sizes);
}

/* Leave out the sizes this host cannot hold; say which. */
static void fit_sizes(Options *o, uint64_t available)
{
    int kept = 0;
    char text[32];

    for (int s = 0; s < o->n_sizes; s++) {
        format_size(text, sizeof(text), o->sizes[s]);
        if (o->sizes[s] + o->sizes[s] / 8 > available) {
            printf("# %s left out: more than this host's available memory\n",
                   text);
            continue;
        }
        o->sizes[kept++] = o->sizes[s];
    }
    o->n_sizes = kept;
    if (!kept) {
        die("no size fits in %.1f GiB of available memory", available / GIB);
    }
}

static void host_details(char *buf, size_t len)
{
    struct utsname u;
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256], model[128] = "unknown CPU";

    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "model name : %127[^\n]", model) == 1) {
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    uname(&u);
    snprintf(buf, len, "Linux %s, %s, %ld CPUs, %.1f GiB available",
             u.release, model, sysconf(_SC_NPROCESSORS_ONLN),
             mem_available() / GIB);
}

/* The lines of --about FILE as '# ' comments. */
static void print_about(const Options *o, FILE *out)
{
    char line[512];
    FILE *f;

    if (!o->about) {
        return;
    }
    f = fopen(o->about, "r");
    if (!f) {
        die("cannot read %s: %s", o->about, strerror(errno));
    }
    while (fgets(line, sizeof(line), f)) {
        fprintf(out, "# %s", line);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    Options o = { 0 };
    char host[512], text[32];
    uint64_t available;

    setvbuf(stdout, NULL, _IOLBF, 0);
    parse_options(&o, argc, argv);
    if (access("/dev/kvm", R_OK | W_OK)) {
        die("needs /dev/kvm (%s)", strerror(errno));
    }
    available = mem_available();
    fit_sizes(&o, available);
    for (size_t i = 0; i < sizeof(samples) / sizeof(double); i++) {
        ((double *)samples)[i] = NAN;
    }
    if (!mkdtemp(workdir)) {
        die("mkdtemp: %s", strerror(errno));
    }
    csv = fopen(o.csv, "w");
    if (!csv) {
        die("cannot write %s: %s", o.csv, strerror(errno));
    }
    host_details(host, sizeof(host));
    printf("# gmem-bench: %s\n# host: %s\n# qemu: %s\n", o.label, host,
           o.qemu);
    fprintf(csv, "# gmem-bench: %s\n# host: %s\n", o.label, host);
    print_about(&o, stdout);
    print_about(&o, csv);
    fprintf(csv, "# goal-cost-ratio: %.2f\n", GOAL_COST_RATIO);
    fprintf(csv, "size_bytes,backend,metric,unit,better,repeat,value\n");

    for (int r = 0; r < o.repeats; r++) {
        for (int s = 0; s < o.n_sizes; s++) {
            uint64_t size = o.sizes[s];
            /* The source and destination of a migration both hold it. */
            bool migrate = 2 * size + size / 4 <= available;

            format_size(text, sizeof(text), size);
            printf("# repeat %d/%d, %s%s\n", r + 1, o.repeats, text,
                   migrate ? "" : " (no migration: needs twice the memory)");
            host_memset(s, r, size);
            /*
             * Rotate the order from one repetition to the next, so that no
             * backend always runs right after the same step: on a host
             * that is itself a VM with free page reporting, memory freed
             * moments ago is faster to touch than memory its hypervisor
             * has taken back.
             */
            for (int i = 0; i < (int)N_BACKENDS; i++) {
                int b = (i + r) % N_BACKENDS;

                record(s, b, M_STARTUP_1, r, size,
                       startup_seconds(&o, &backends[b], size, 1));
                record(s, b, M_STARTUP_N, r, size,
                       startup_seconds(&o, &backends[b], size, o.threads));
                guest_run(&o, s, b, r, migrate);
            }
        }
    }
    fclose(csv);
    if (o.keep_logs) {
        printf("# QEMU's output: %s/*.log\n", workdir);
    } else {
        rmdir(workdir);
    }
    printf("\n# startup-prealloc-N: %d threads; CSV: %s\n", o.threads, o.csv);
    print_table(&o);
    return 0;
}
