/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest_memfd that QEMU's guest-memfd=on creates, for the static
 * helpers of the nested suites (limits/, udmabuf/): Linux 6.18's uapi,
 * newer than the build host's (Debian 12's) headers, and one function
 * that creates such a guest_memfd in a throwaway VM or says why it
 * cannot ('skip: ...' on stdout).
 */
#ifndef QGM_NESTED_GMEM_CREATE_H
#define QGM_NESTED_GMEM_CREATE_H

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define CAP_GUEST_MEMFD_FLAGS 244
#define FLAG_MMAP (1ULL << 0)
#define FLAG_INIT_SHARED (1ULL << 1)
struct create_guest_memfd {
    uint64_t size;
    uint64_t flags;
    uint64_t reserved[6];
};
#define CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct create_guest_memfd)

/* A guest_memfd of SIZE bytes with MMAP|INIT_SHARED, or -1 (skip: said). */
static int guest_memfd(long size)
{
    struct create_guest_memfd gmem = {
        .size = size, .flags = FLAG_MMAP | FLAG_INIT_SHARED,
    };
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int vm, flags, fd;

    if (kvm < 0) {
        printf("skip: /dev/kvm: %s\n", strerror(errno));
        return -1;
    }
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        printf("skip: KVM_CREATE_VM: %s\n", strerror(errno));
        return -1;
    }
    flags = ioctl(vm, KVM_CHECK_EXTENSION, CAP_GUEST_MEMFD_FLAGS);
    if (flags < 0 || ((uint64_t)flags & gmem.flags) != gmem.flags) {
        printf("skip: KVM_CAP_GUEST_MEMFD_FLAGS is %d, no MMAP|INIT_SHARED\n",
               flags);
        return -1;
    }
    fd = ioctl(vm, CREATE_GUEST_MEMFD, &gmem);
    if (fd < 0) {
        printf("skip: KVM_CREATE_GUEST_MEMFD: %s\n", strerror(errno));
    }
    return fd;
}

#endif
