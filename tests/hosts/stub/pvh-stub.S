/*
 * A tiny PVH "kernel" for testing the tests/hosts plumbing before (or without)
 * the real guest kernel. It speaks the same console and exit contract:
 *   - prints a boot line, one "syscall mechanism: stub" line and two lines
 *     prefixed "hello:" on COM1 (0x3f8);
 *   - reads "hello.exit=N" from the PVH command line and exits with N through
 *     the debug-exit port 0xf4 (32-bit OUT), 0 when absent;
 *   - with "hello.probe" on the command line it also prints whether a hypercall
 *     device answers at port 0xbe0 — which differs between QEMU (no device) and
 *     a VMM, so the harness's "outputs disagree" check can be exercised;
 *   - "hello.qemu-fail" fails (exit 9, an extra line) where no hypercall
 *     device answers, i.e. only under QEMU;
 *   - "hello.hang" spins forever (timeouts), "hello.crash" triple-faults.
 * Runs entirely in 32-bit protected mode, paging off (the PVH entry state).
 */
    .set COM1, 0x3f8
    .set DEBUG_EXIT, 0xf4
    .set HYPERCALL_PORT, 0xbe0
    .set XEN_ELFNOTE_PHYS32_ENTRY, 18

    .section .note.Xen, "a", @note
    .p2align 2
    .long 4                     /* namesz */
    .long 8                     /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .p2align 2
    .quad pvh_start

    .text
    .code32
    .globl pvh_start
pvh_start:
    cli
    mov $stack_top, %esp
    mov %ebx, start_info

    mov $msg_boot, %esi
    call puts
    mov $msg_mech, %esi
    call puts
    mov $msg_hello, %esi
    call puts

    /* cmdline = start_info->cmdline_paddr (offset 24), may be 0 */
    mov start_info, %ebx
    mov 24(%ebx), %edi
    test %edi, %edi
    jz 9f

    /* hello.probe anywhere on the command line? */
    push %edi
    mov $key_probe, %esi
    mov $key_probe_len, %ecx
    call find_key
    pop %edi
    test %eax, %eax
    jz 1f
    mov $HYPERCALL_PORT, %dx
    inl %dx, %eax
    mov $msg_nodev, %esi
    cmp $0xffffffff, %eax
    je 2f
    mov $msg_dev, %esi
2:  call puts

1:  /* hello.qemu-fail: without a hypercall device (QEMU) say so and exit 9,
     * so one host fails with output of its own (the harness must not let it
     * outvote a host that passed) */
    push %edi
    mov $key_qfail, %esi
    mov $key_qfail_len, %ecx
    call find_key
    pop %edi
    test %eax, %eax
    jz 1f
    mov $HYPERCALL_PORT, %dx
    inl %dx, %eax
    cmp $0xffffffff, %eax
    jne 1f
    mov $msg_qfail, %esi
    call puts
    movl $9, exit_code
    jmp 9f

1:  /* hello.hang: spin forever */
    push %edi
    mov $key_hang, %esi
    mov $key_hang_len, %ecx
    call find_key
    pop %edi
    test %eax, %eax
    jz 1f
    mov $msg_hang, %esi
    call puts
5:  pause
    jmp 5b

1:  /* hello.crash: an exception with an empty IDT is a triple fault */
    push %edi
    mov $key_crash, %esi
    mov $key_crash_len, %ecx
    call find_key
    pop %edi
    test %eax, %eax
    jz 1f
    mov $msg_crash, %esi
    call puts
    lidt null_idt
    ud2

1:  /* hello.exit=N */
    mov $key_exit, %esi
    mov $key_exit_len, %ecx
    call find_key
    test %eax, %eax
    jz 9f
    mov %eax, %esi
    xor %eax, %eax
3:  movzbl (%esi), %ecx
    sub $'0', %ecx
    cmp $9, %ecx
    ja 4f
    imul $10, %eax, %eax
    add %ecx, %eax
    inc %esi
    jmp 3b
4:  mov %eax, exit_code

9:  mov $msg_exit, %esi
    call puts
    mov exit_code, %eax
    call putdec
    mov $'\n', %al
    call putc
    mov exit_code, %eax
    mov $DEBUG_EXIT, %dx
    outl %eax, %dx
halt:
    hlt
    jmp halt

/* find_key: EDI = NUL-terminated string, ESI = key, ECX = key length.
 * Returns EAX = address just after the first match that starts the string or
 * follows a space, 0 if none. Clobbers EBX, ECX, EDX, ESI, EDI. */
find_key:
    mov %esi, %ebx
    mov %ecx, %edx
    mov %edi, %eax              /* candidate start */
    jmp 2f
1:  cmpb $0, (%eax)
    je 5f
    cmpb $' ', (%eax)
    jne 4f
    inc %eax
2:  /* compare key at EAX */
    mov %eax, %edi
    mov %ebx, %esi
    mov %edx, %ecx
    repe cmpsb
    jne 1b
    mov %edi, %eax
    ret
4:  inc %eax
    jmp 1b
5:  xor %eax, %eax
    ret

/* puts: ESI = NUL-terminated string */
puts:
    lodsb
    test %al, %al
    jz 1f
    call putc
    jmp puts
1:  ret

/* putc: AL = byte; waits for the 16550 transmitter to be empty */
putc:
    push %edx
    push %eax
    mov $COM1 + 5, %dx
1:  inb %dx, %al
    test $0x20, %al
    jz 1b
    pop %eax
    mov $COM1, %dx
    outb %al, %dx
    pop %edx
    ret

/* putdec: EAX = unsigned value */
putdec:
    mov $10, %ecx
    xor %ebx, %ebx
1:  xor %edx, %edx
    div %ecx
    push %edx
    inc %ebx
    test %eax, %eax
    jnz 1b
2:  pop %eax
    add $'0', %al
    call putc
    dec %ebx
    jnz 2b
    ret

    .section .rodata
msg_boot:  .asciz "pvh-stub: booted (PVH entry, 32-bit protected mode)\n"
msg_mech:  .asciz "syscall mechanism: stub\n"
msg_hello: .asciz "hello: Hello from the PVH stub!\n"
msg_nodev: .asciz "hello: no hypercall device\n"
msg_dev:   .asciz "hello: hypercall device present\n"
msg_exit:  .asciz "hello: exiting with code "
key_exit:  .ascii "hello.exit="
    .set key_exit_len, . - key_exit
key_probe: .ascii "hello.probe"
    .set key_probe_len, . - key_probe
key_qfail: .ascii "hello.qemu-fail"
    .set key_qfail_len, . - key_qfail
key_hang:  .ascii "hello.hang"
    .set key_hang_len, . - key_hang
key_crash: .ascii "hello.crash"
    .set key_crash_len, . - key_crash
msg_qfail: .asciz "hello: no hypercall device: failing on purpose\n"
msg_hang:  .asciz "hello: hanging on purpose\n"
msg_crash: .asciz "hello: triple-faulting on purpose\n"
    .p2align 2
null_idt:  .word 0
    .long 0

    .data
    .p2align 2
start_info: .long 0
exit_code:  .long 0

    .bss
    .p2align 4
stack: .skip 4096
stack_top:
