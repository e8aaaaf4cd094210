/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Does the host kernel's udmabuf take guest memory that lives in a
 * guest_memfd?  virtio-gpu blob resources (QEMU's blob=true, libvirt's
 * <model type='virtio' blob='on'/>) turn guest RAM into dma-bufs through
 * /dev/udmabuf, which QEMU asks for with the fd of the RAM block.
 *
 * Creates, on this host's KVM, a guest_memfd with MMAP|INIT_SHARED (what
 * QEMU's guest-memfd=on creates), and as the control a sealed memfd (what
 * memory-backend-memfd creates), and asks /dev/udmabuf for a dma-buf of
 * one page of each.  Prints one line per fd and exits 0 when the memfd is
 * taken; the guest_memfd line says whether it was.
 *
 * Exit status: 0 done, 2 this host cannot run the check (no /dev/kvm, no
 * /dev/udmabuf, no guest_memfd MMAP|INIT_SHARED), 1 the control failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/udmabuf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gmem-create.h"

static int udmabuf_of(int dev, int fd, long page)
{
    struct udmabuf_create create = {
        .memfd = fd, .flags = UDMABUF_FLAGS_CLOEXEC, .offset = 0, .size = page,
    };
    return ioctl(dev, UDMABUF_CREATE, &create);
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
    int memfd, gmem, buf;
    char *p;

    if (dev < 0) {
        printf("skip: /dev/udmabuf: %s\n", strerror(errno));
        return 2;
    }

    /* The control: a memfd sealed against shrinking, as udmabuf wants. */
    memfd = memfd_create("udmabuf-control", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    if (memfd < 0 || ftruncate(memfd, page) < 0 ||
        fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
        printf("control memfd: %s\n", strerror(errno));
        return 1;
    }
    buf = udmabuf_of(dev, memfd, page);
    printf("memfd: udmabuf %s\n", buf >= 0 ? "taken" : strerror(errno));
    if (buf < 0) {
        return 1;
    }

    gmem = guest_memfd(page);
    if (gmem < 0) {
        return 2;
    }
    /* Touch it through a mapping, as a running guest's memory would be. */
    p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, gmem, 0);
    if (p == MAP_FAILED) {
        printf("guest_memfd: mmap: %s\n", strerror(errno));
        return 1;
    }
    memset(p, 0x5a, page);
    buf = udmabuf_of(dev, gmem, page);
    printf("guest_memfd: udmabuf %s\n", buf >= 0 ? "taken" : strerror(errno));
    return 0;
}
