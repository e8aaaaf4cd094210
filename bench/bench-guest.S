/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The benchmark guest of gmem-bench: a 64 KiB firmware-less BIOS image.
 *
 * The reset vector jumps to 'entry' at F000:0000, which copies the image to
 * RAM at 0x7c00 in real mode and runs from there: some KVM hosts cannot
 * switch to protected mode while executing from the BIOS ROM.  The guest
 * reads the RAM layout from the CMOS (as SeaBIOS does on the pc machine),
 * identity-maps the first 64 GiB with 2 MiB pages, enters long mode, and
 * then fills all of its RAM from 1 MiB up twice:
 *
 *   'S'  -> port 0xe9 (isa-debugcon): about to start the first pass
 *   '1'  -> first pass done: every page written for the first time
 *   '2'  -> second pass done: the same pages written again
 *
 * The host times the passes from the arrival of these bytes.  Then the
 * guest halts, leaving its RAM full of non-zero data for the migration
 * benchmark.  Errors: 'E' (more RAM than the page tables map).
 *
 * Built by the Makefile's bench-tools target (gcc -nostdlib, objcopy), which
 * also turns the absolute symbols below into SYM_ defines for gmem-bench.c
 * with nm (bench-guest-syms.h), as QEMU's tests/qtest/migration/i386 does:
 * the port, the markers and where the fill starts are written once, here.
 */

#define DEBUGCON        0xe9
#define PML4            0x1000
#define PDPT            0x2000
#define PD_BASE         0x10000         /* 64 page directories, 256 KiB */
#define MAPPED_GIB      64
#define STACK_TOP       0x7c00
#define FILL_START      0x100000
#define GIB             0x40000000

#define MARK_START      'S'
#define MARK_FIRST      '1'
#define MARK_SECOND     '2'
#define MARK_ERROR      'E'

    .globl debugcon_port, fill_start
    .globl mark_start, mark_first, mark_second, mark_error
    .set debugcon_port, DEBUGCON
    .set fill_start, FILL_START
    .set mark_start, MARK_START
    .set mark_first, MARK_FIRST
    .set mark_second, MARK_SECOND
    .set mark_error, MARK_ERROR

#define PTE_USER_RW     7               /* present, writable, user */
#define PTE_LARGE       0x80

#define SEL_CODE64      0x18
#define SEL_USER_DATA   (0x28 | 3)
#define SEL_USER_CODE64 (0x30 | 3)
#define RFLAGS_IOPL3    0x3002          /* port I/O allowed in ring 3 */
#define MSR_EFER        0xc0000080
#define EFER_SCE        (1 << 0)
#define EFER_LME        (1 << 8)
#define MSR_STAR        0xc0000081
#define MSR_LSTAR       0xc0000082
#define USER_STACK_TOP  0x7000

#define CR0_PE          (1 << 0)
#define CR0_NW          (1 << 29)
#define CR0_CD          (1 << 30)
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MTRR_ENABLE     (1 << 11)
#define MTRR_TYPE_WB    6

/* CMOS registers written by QEMU's pc machine (hw/i386/pc.c). */
#define CMOS_MEM_16M_LO 0x34            /* RAM 16 MiB..4 GiB, 64 KiB units */
#define CMOS_MEM_16M_HI 0x35
#define CMOS_MEM_4G_LO  0x5b            /* RAM above 4 GiB, 64 KiB units */
#define CMOS_MEM_4G_MID 0x5c
#define CMOS_MEM_4G_HI  0x5d

    .code16
    .section .text
    .globl entry
entry:
    cli
    cld
    xor %ax, %ax
    mov %ax, %es
    mov %cs, %ax
    mov %ax, %ds
    xor %si, %si
    mov $0x7c00, %di
    mov $(image_end - entry), %cx
    rep movsb
    ljmp $0, $in_ram

in_ram:
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $STACK_TOP, %sp
    in $0x92, %al                   /* fast A20 gate */
    or $2, %al
    out %al, $0x92
    lgdtl gdt_desc
    /*
     * Caches on (the reset value of CR0 has CD and NW set) and write-back
     * as the MTRRs' default type, as firmware would leave them: otherwise
     * the guest would measure uncached memory.
     */
    mov $MSR_MTRR_DEF_TYPE, %ecx
    rdmsr
    mov $(MTRR_ENABLE | MTRR_TYPE_WB), %eax
    wrmsr
    mov %cr0, %eax
    and $~(CR0_CD | CR0_NW), %eax
    or $CR0_PE, %eax
    mov %eax, %cr0
    ljmpl $0x08, $protected

    .code32
protected:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $STACK_TOP, %esp

    /* Page tables: PML4[0] -> PDPT, PDPT[i] -> PD i, 2 MiB pages. */
    xor %eax, %eax
    mov $PML4, %edi
    mov $(2 * 4096 / 4), %ecx
    rep stosl
    mov $PD_BASE, %edi
    mov $(MAPPED_GIB * 4096 / 4), %ecx
    rep stosl
    movl $(PDPT | PTE_USER_RW), PML4
    mov $PDPT, %edi
    mov $(PD_BASE | PTE_USER_RW), %eax
    mov $MAPPED_GIB, %ecx
fill_pdpt:
    mov %eax, (%edi)
    add $8, %edi
    add $4096, %eax
    loop fill_pdpt
    mov $PD_BASE, %edi
    mov $(PTE_USER_RW | PTE_LARGE), %eax  /* 2 MiB pages */
    xor %edx, %edx                  /* bits 32..63 of the address */
    mov $(MAPPED_GIB * 512), %ecx
fill_pd:
    mov %eax, (%edi)
    mov %edx, 4(%edi)
    add $8, %edi
    add $0x200000, %eax
    adc $0, %edx
    loop fill_pd

    mov %cr4, %eax
    or $(1 << 5), %eax              /* PAE */
    mov %eax, %cr4
    mov $PML4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_SCE), %eax
    wrmsr
    mov %cr0, %eax
    or $(1 << 31), %eax             /* PG */
    mov %eax, %cr0
    ljmp $SEL_CODE64, $long_mode

    .code64
long_mode:
    mov $STACK_TOP, %rsp

    /* r12 = end of RAM below 4 GiB, r13 = end of RAM above 4 GiB. */
    mov $CMOS_MEM_16M_HI, %al
    call cmos_read
    mov %rax, %r12
    shl $8, %r12
    mov $CMOS_MEM_16M_LO, %al
    call cmos_read
    or %rax, %r12
    shl $16, %r12
    add $0x1000000, %r12

    mov $CMOS_MEM_4G_HI, %al
    call cmos_read
    mov %rax, %r13
    shl $8, %r13
    mov $CMOS_MEM_4G_MID, %al
    call cmos_read
    or %rax, %r13
    shl $8, %r13
    mov $CMOS_MEM_4G_LO, %al
    call cmos_read
    or %rax, %r13
    shl $16, %r13
    mov $(4 * GIB), %rax
    add %rax, %r13
    mov $(MAPPED_GIB * GIB), %rax
    cmp %rax, %r13
    ja too_much_ram

    /*
     * The passes run in ring 3: a PVM-flavoured KVM (as on the device
     * machine) runs a non-PVM guest's ring 0 code by emulation, about a
     * million instructions per second, but its ring 3 code natively.  The
     * 'syscall' at the end comes back to ring 0 at 'halt'.
     */
    mov $MSR_STAR, %ecx
    xor %eax, %eax
    mov $SEL_CODE64, %edx           /* syscall: CS = 0x18, SS = 0x20 */
    wrmsr
    mov $MSR_LSTAR, %ecx
    lea halt(%rip), %rax
    xor %edx, %edx
    wrmsr
    push $SEL_USER_DATA
    push $USER_STACK_TOP
    push $RFLAGS_IOPL3
    push $SEL_USER_CODE64
    lea passes(%rip), %rax
    push %rax
    iretq

too_much_ram:
    mov $MARK_ERROR, %al
    out %al, $DEBUGCON
halt:
    cli
    hlt
    jmp halt

passes:
    mov $MARK_START, %al
    out %al, $DEBUGCON
    mov $0x1111111111111111, %rax
    call fill_ram
    mov $MARK_FIRST, %al
    out %al, $DEBUGCON
    mov $0x2222222222222222, %rax
    call fill_ram
    mov $MARK_SECOND, %al
    out %al, $DEBUGCON
    syscall

/* Fill RAM from 1 MiB to r12 and from 4 GiB to r13 with rax. */
fill_ram:
    mov $FILL_START, %rdi
    mov %r12, %rcx
    sub %rdi, %rcx
    shr $3, %rcx
    rep stosq
    mov $(4 * GIB), %rdi
    mov %r13, %rcx
    sub %rdi, %rcx
    shr $3, %rcx
    rep stosq
    ret

/* Read CMOS register al; the value in rax. */
cmos_read:
    out %al, $0x70
    in $0x71, %al
    movzx %al, %rax
    ret

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        /* 0x08: flat 32-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: flat 32-bit data */
    .quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x20: data (syscall's SS) */
    .quad 0x00cff2000000ffff        /* 0x28: ring 3 data */
    .quad 0x00affa000000ffff        /* 0x30: ring 3 64-bit code */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt
image_end:

    /* The reset vector at F000:FFF0, in the last 16 bytes of the image. */
    .code16
    .org 0xfff0
    ljmp $0xf000, $0
    .org 0x10000
