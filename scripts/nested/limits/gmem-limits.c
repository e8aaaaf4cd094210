/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Usage: gmem-limits uffd|move
 *
 * Two kernel limits of guest memory that lives in a guest_memfd, which an
 * operator plans around (the limits nested suite, scripts/nested/suites/
 * limits.sh, runs this in the L1 guest):
 *
 *   uffd  userfaultfd does not register on a guest_memfd mapping, which is
 *         why postcopy migration (it registers guest RAM for MISSING faults,
 *         or MINOR ones for shared memory) cannot work with guest-memfd=on.
 *         Tries UFFDIO_REGISTER with MODE_MISSING, MODE_MINOR and MODE_WP,
 *         each alone, on a mapping of a guest_memfd with MMAP|INIT_SHARED
 *         (what QEMU's guest-memfd=on creates) and, as the control, on a
 *         shared memfd mapping (QEMU's memory-backend-memfd, share=on), where
 *         each must succeed.  Prints 'MAPPING MODE: registered' or
 *         'MAPPING MODE: errno NAME (N)' per try.
 *   move  guest_memfd pages are not migrated: move_pages(2) of one page of
 *         each mapping to NUMA node 1 (the nested L1 has two nodes); a memfd
 *         page must move.  Prints 'MAPPING move: node N' or
 *         'MAPPING move: errno NAME (N)'.
 *
 * Exit status: 0 done (the lines say what happened to guest_memfd), 2 this
 * host cannot run the check (no /dev/kvm, no guest_memfd MMAP|INIT_SHARED,
 * no userfaultfd, one NUMA node), 1 the control failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gmem-create.h"

#define MPOL_MF_MOVE (1 << 1)

#define PAGES 16

static const char *errno_name(int e)
{
    switch (e) {
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EBUSY: return "EBUSY";
    case EFAULT: return "EFAULT";
    case ENOENT: return "ENOENT";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case ENOSYS: return "ENOSYS";
    default: return "E?";
    }
}

/* Both mappings, written (resident), in *gmem_map and *memfd_map. */
static int map_both(long size, char **gmem_map, char **memfd_map)
{
    int gmem = guest_memfd(size);
    int memfd;

    if (gmem < 0) {
        return 2;
    }
    memfd = memfd_create("limits-control", MFD_CLOEXEC);
    if (memfd < 0 || ftruncate(memfd, size) < 0) {
        printf("control memfd: %s\n", strerror(errno));
        return 1;
    }
    *gmem_map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, gmem, 0);
    *memfd_map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (*gmem_map == MAP_FAILED || *memfd_map == MAP_FAILED) {
        printf("mmap: %s\n", strerror(errno));
        return 1;
    }
    memset(*gmem_map, 0x5a, size);
    memset(*memfd_map, 0x5a, size);
    return 0;
}

static int uffd_open(uint64_t want, uint64_t *features)
{
    struct uffdio_api api = { .api = UFFD_API, .features = 0 };
    int fd = syscall(__NR_userfaultfd, O_CLOEXEC);

    /* A first handshake asks what the kernel has; the second wants it. */
    if (fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0) {
        return -1;
    }
    close(fd);
    fd = syscall(__NR_userfaultfd, O_CLOEXEC);
    api.api = UFFD_API;
    api.features = api.features & want;
    if (fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0) {
        return -1;
    }
    *features = api.features;
    return fd;
}

/* Register (and unregister) MODE on [P, P + SIZE); 0 or an errno. */
static int try_register(int uffd, char *p, long size, uint64_t mode)
{
    struct uffdio_register reg = {
        .range = { .start = (uintptr_t)p, .len = size }, .mode = mode,
    };
    struct uffdio_range range = reg.range;

    if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0) {
        return errno;
    }
    ioctl(uffd, UFFDIO_UNREGISTER, &range);
    return 0;
}

static int uffd_check(long page)
{
    static const struct {
        const char *name;
        uint64_t mode;
    } modes[] = {
        { "missing", UFFDIO_REGISTER_MODE_MISSING },
        { "minor", UFFDIO_REGISTER_MODE_MINOR },
        { "wp", UFFDIO_REGISTER_MODE_WP },
    };
    long size = PAGES * page;
    uint64_t features;
    char *gmem, *memfd;
    int rc = map_both(size, &gmem, &memfd);
    int uffd, control_ok = 1;
    unsigned i;

    if (rc) {
        return rc;
    }
    /* Minor faults and write protection of shared memory need these. */
    uffd = uffd_open(UFFD_FEATURE_MINOR_SHMEM | UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
                     &features);
    if (uffd < 0) {
        printf("skip: userfaultfd: %s\n", strerror(errno));
        return 2;
    }
    printf("# userfaultfd features 0x%llx\n", (unsigned long long)features);
    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        int e = try_register(uffd, memfd, size, modes[i].mode);

        if (e) {
            printf("memfd %s: errno %s (%d)\n", modes[i].name, errno_name(e), e);
            control_ok = 0;
        } else {
            printf("memfd %s: registered\n", modes[i].name);
        }
        e = try_register(uffd, gmem, size, modes[i].mode);
        if (e) {
            printf("guest_memfd %s: errno %s (%d)\n", modes[i].name,
                   errno_name(e), e);
        } else {
            printf("guest_memfd %s: registered\n", modes[i].name);
        }
    }
    return control_ok ? 0 : 1;
}

/* move_pages of the first page of P to NODE: its status (node or -errno). */
static int move_one(char *p, int node)
{
    void *pages[1] = { p };
    int nodes[1] = { node };
    int status[1] = { -1 };

    if (syscall(__NR_move_pages, 0, 1, pages, nodes, status, MPOL_MF_MOVE) < 0) {
        return -errno;
    }
    return status[0];
}

static void print_move(const char *name, int s)
{
    if (s >= 0) {
        printf("%s move: node %d\n", name, s);
    } else {
        printf("%s move: errno %s (%d)\n", name, errno_name(-s), -s);
    }
}

static int move_check(long page)
{
    char *gmem, *memfd;
    int rc, s_memfd, s_gmem;

    if (access("/sys/devices/system/node/node1", F_OK) < 0) {
        printf("skip: one NUMA node, nowhere to move pages to\n");
        return 2;
    }
    rc = map_both(PAGES * page, &gmem, &memfd);
    if (rc) {
        return rc;
    }
    s_memfd = move_one(memfd, 1);
    print_move("memfd", s_memfd);
    s_gmem = move_one(gmem, 1);
    print_move("guest_memfd", s_gmem);
    return s_memfd == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
    long page = sysconf(_SC_PAGESIZE);

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && !strcmp(argv[1], "uffd")) {
        return uffd_check(page);
    }
    if (argc == 2 && !strcmp(argv[1], "move")) {
        return move_check(page);
    }
    fprintf(stderr, "usage: %s uffd|move\n", argv[0]);
    return 2;
}
