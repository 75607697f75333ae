//! The PVH entry trampoline: 32-bit protected mode → 64-bit long mode.
//!
//! A PVH loader starts us with paging off, flat 32-bit segments and `EBX` =
//! physical address of `hvm_start_info`. We build one set of early page
//! tables mapping the first 1 GiB three times — identity (to survive turning
//! paging on), at the direct-map base `0xffff_8000_0000_0000` and at the
//! kernel base `0xffff_ffff_8000_0000` — enter long mode and jump to the
//! kernel's `kernel_start(start_info_paddr: u64) -> !` on the boot stack.
//!
//! EFER: zxvm puts `EFER.LME` into the initial vCPU state because the PVM host
//! raises #GP on a WRMSR setting LME while paging is off; QEMU starts with
//! EFER = 0, so the write is still made when LME is clear.
//!
//! Everything here lives in `.boot.*` sections that the kernel's linker script
//! places at their physical load address (identity mapped).

core::arch::global_asm!(
    r#"
    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 4
    .long 18                  /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .long pvh_entry
    .balign 4

    .section .boot.text, "ax", @progbits
    .code32
    .global pvh_entry
pvh_entry:
    cli
    cld
    mov %ebx, %esi                      /* keep start_info across the setup */

    /* PD: 512 × 2 MiB, present|writable|huge, covering 0..1 GiB. */
    mov $boot_pd, %edi
    mov $0x83, %eax
    mov $512, %ecx
1:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b

    mov $boot_pd, %eax
    or $3, %eax
    mov %eax, boot_pdpt                 /* PDPT[0]   -> PD (0 GiB)          */
    mov %eax, boot_pdpt + 510 * 8       /* PDPT[510] -> PD (-2 GiB window)  */
    mov $boot_pdpt, %eax
    or $3, %eax
    mov %eax, boot_pml4                 /* PML4[0]   identity               */
    mov %eax, boot_pml4 + 256 * 8       /* PML4[256] direct map             */
    mov %eax, boot_pml4 + 511 * 8       /* PML4[511] kernel image           */

    mov %cr4, %eax
    or $0x20, %eax                      /* PAE */
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3

    mov $0xc0000080, %ecx               /* IA32_EFER */
    rdmsr
    test $0x100, %eax
    jnz 2f
    or $0x100, %eax                     /* LME, only if the loader left it clear */
    wrmsr
2:
    mov %cr0, %eax
    or $0x80000001, %eax                /* PG | PE */
    mov %eax, %cr0

    lgdt boot_gdtr
    ljmp $0x08, $long_mode_entry

    .code64
long_mode_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    movabs $boot_stack_top, %rsp
    mov %esi, %edi                      /* kernel_start(start_info_paddr) */
    movabs $kernel_start, %rax
    call *%rax
3:  hlt
    jmp 3b

    .section .boot.data, "aw", @progbits
    .balign 4096
    .global boot_pml4
boot_pml4:
    .fill 4096, 1, 0
boot_pdpt:
    .fill 4096, 1, 0
boot_pd:
    .fill 4096, 1, 0
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff            /* 0x10: data */
boot_gdtr:
    .word 3 * 8 - 1
    .long boot_gdt
    "#,
    options(att_syntax)
);

extern "C" {
    /// The 32-bit PVH entry point (physical address, identity mapped).
    pub fn pvh_entry();
    /// The early PML4 the trampoline built; the kernel adopts it.
    pub static boot_pml4: u8;
}
