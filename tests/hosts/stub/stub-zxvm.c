/*
 * stub-zxvm: a stand-in for the real `zxvm` binary, for testing the
 * tests/hosts plumbing on /dev/kvm (PVM here, kvm-amd inside the nested VM).
 * It is a genuine, minimal PVH VMM: it creates a KVM VM, loads the kernel ELF
 * of a zxvm boot image, writes hvm_start_info (command line, bootfs module,
 * memory map), starts one vCPU in the PVH entry state (32-bit protected mode,
 * paging off) and serves COM1 output and the 0xf4 debug-exit port.
 *
 *   stub-zxvm run [IMAGE] [--mem MIB] [--cmdline STR] [--timeout SECS]
 *
 * Exit code: the guest's, 122 triple fault, 124 timeout, 125 VMM error —
 * the same contract as zxvm. Without IMAGE it boots the image linked into it
 * (see build.sh: the `bundled_image` symbols come from an .incbin).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

extern const unsigned char bundled_image[], bundled_image_end[];

#define START_INFO 0x6000
#define MODLIST 0x7000
#define MEMMAP 0x7800
#define CMDLINE 0x8000
#define PVH_MAGIC 0x336ec578u

static volatile sig_atomic_t timed_out;
static void on_alarm(int sig) { (void)sig; timed_out = 1; }

static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("stub-zxvm: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(125);
}

static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t rd16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static unsigned char *read_file(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) fail("cannot open %s: %s", path, strerror(errno));
    unsigned char *buf = malloc(st.st_size ? st.st_size : 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, st.st_size - got);
        if (n <= 0) fail("cannot read %s", path);
        got += n;
    }
    close(fd);
    *len = got;
    return buf;
}

/* Load ELF64 PT_LOAD segments; return the PVH entry from the Xen note. */
static uint32_t load_elf(const unsigned char *elf, size_t len, unsigned char *ram, uint64_t ram_size) {
    if (len < 64 || memcmp(elf, "\177ELF", 4) || elf[4] != 2) fail("kernel is not an ELF64 file");
    uint64_t phoff = rd64(elf + 32);
    uint16_t phentsize = rd16(elf + 54), phnum = rd16(elf + 56);
    uint32_t entry = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const unsigned char *ph = elf + phoff + (uint64_t)i * phentsize;
        if (ph + 56 > elf + len) fail("truncated program header table");
        uint32_t type = rd32(ph);
        uint64_t off = rd64(ph + 8), paddr = rd64(ph + 24), filesz = rd64(ph + 32), memsz = rd64(ph + 40);
        if (off + filesz > len) fail("segment %u outside the file", i);
        if (type == 1) { /* PT_LOAD */
            if (paddr + memsz > ram_size || filesz > memsz) fail("segment %u does not fit guest RAM", i);
            memcpy(ram + paddr, elf + off, filesz);
            memset(ram + paddr + filesz, 0, memsz - filesz);
        } else if (type == 4) { /* PT_NOTE */
            for (uint64_t p = off; p + 12 <= off + filesz;) {
                uint32_t namesz = rd32(elf + p), descsz = rd32(elf + p + 4), ntype = rd32(elf + p + 8);
                uint64_t name = p + 12, desc = name + ((namesz + 3) & ~3u);
                if (ntype == 18 && namesz == 4 && !memcmp(elf + name, "Xen", 4) && descsz >= 4)
                    entry = rd32(elf + desc);
                p = desc + ((descsz + 3) & ~3u);
            }
        }
    }
    if (!entry) fail("kernel has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
    return entry;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type) {
    memset(s, 0, sizeof *s);
    s->base = 0, s->limit = 0xffffffff, s->selector = sel, s->type = type;
    s->present = 1, s->db = 1, s->s = 1, s->g = 1;
}

int main(int argc, char **argv) {
    const char *image = NULL, *cmdline = NULL;
    unsigned long mem_mib = 128, timeout = 0;
    /* --efer-lme: start with EFER.LME set, as zxvm does for PVM; --cr4-pae:
     * with CR4.PAE set. See docs/HOSTS_HARNESS.md on the QEMU 7.2 #VMEXIT bug. */
    int efer_lme = 0, cr4_pae = 0;
    if (argc < 2 || strcmp(argv[1], "run")) {
        fprintf(stderr, "usage: %s run [IMAGE] [--mem MIB] [--cmdline STR] [--timeout SECS]\n", argv[0]);
        return 125;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--mem") && i + 1 < argc) mem_mib = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--cmdline") && i + 1 < argc) cmdline = argv[++i];
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeout = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--efer-lme")) efer_lme = 1;
        else if (!strcmp(argv[i], "--cr4-pae")) cr4_pae = 1;
        else if (argv[i][0] != '-' && !image) image = argv[i];
        else fail("unknown argument '%s'", argv[i]);
    }

    size_t img_len;
    const unsigned char *img;
    if (image) img = read_file(image, &img_len);
    else img = bundled_image, img_len = (size_t)(bundled_image_end - bundled_image);
    uint64_t coff = 0, koff = 0, ksz = img_len, boff = 0, bsz = 0, clen = 0;
    if (img_len >= 4 && !memcmp(img, "\177ELF", 4)) {
        /* a bare kernel ELF: no bootfs, empty default command line */
    } else if (img_len < 64 || memcmp(img, "ZXVMIMG", 8) || rd32(img + 8) != 1) {
        fail("not a zxvm boot image or kernel ELF");
    } else {
        coff = rd64(img + 16), koff = rd64(img + 24), ksz = rd64(img + 32);
        boff = rd64(img + 40), bsz = rd64(img + 48), clen = rd32(img + 12);
        if (coff + clen > img_len || koff + ksz > img_len || boff + bsz > img_len) fail("truncated boot image");
    }
    /* Like zxvm: --cmdline words are appended to the image's default line. */
    char *cl;
    if (asprintf(&cl, "%.*s%s%s", (int)clen, (const char *)img + coff, clen && cmdline ? " " : "",
                 cmdline ? cmdline : "") < 0)
        fail("out of memory");

    uint64_t ram_size = (uint64_t)mem_mib << 20;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) fail("cannot open /dev/kvm: %s", strerror(errno));
    int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) fail("KVM_CREATE_VM: %s", strerror(errno));
    (void)ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL); /* needed on VMX only */
    unsigned char *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) fail("cannot map %lu MiB of guest RAM", mem_mib);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = ram_size, .userspace_addr = (uintptr_t)ram};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) fail("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

    uint32_t entry = load_elf(img + koff, ksz, ram, ram_size);
    uint64_t mod_at = 16ull << 20;
    if (mod_at + bsz > ram_size) fail("bootfs (%lu bytes) does not fit above 16 MiB", (unsigned long)bsz);
    memcpy(ram + mod_at, img + boff, bsz);
    size_t cl_len = strlen(cl);
    if (cl_len >= 4096) fail("command line too long");
    memcpy(ram + CMDLINE, cl, cl_len + 1);
    uint64_t modlist[4] = {mod_at, bsz, 0, 0};
    memcpy(ram + MODLIST, modlist, sizeof modlist);
    int nr_modules = bsz ? 1 : 0;
    struct { uint64_t addr, size; uint32_t type, reserved; } memmap[2] = {
        {0, 0x9fc00, 1, 0}, {0x100000, ram_size - 0x100000, 1, 0}};
    memcpy(ram + MEMMAP, memmap, sizeof memmap);
    uint32_t si[14] = {0};
    si[0] = PVH_MAGIC, si[1] = 1, si[3] = nr_modules; /* magic, version, nr_modules */
    si[4] = MODLIST, si[6] = CMDLINE, si[10] = MEMMAP, si[12] = 2;
    memcpy(ram + START_INFO, si, sizeof si);

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) fail("KVM_CREATE_VCPU: %s", strerror(errno));
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) fail("cannot map kvm_run");
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) fail("KVM_GET_SREGS: %s", strerror(errno));
    set_seg(&sregs.cs, 0x08, 0xb);
    set_seg(&sregs.ds, 0x10, 0x3);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.tr.base = 0, sregs.tr.limit = 0x67, sregs.tr.type = 0xb, sregs.tr.present = 1, sregs.tr.selector = 0x18;
    sregs.cr0 = 0x11; /* PE | ET */
    sregs.cr4 = cr4_pae ? 0x20 : 0, sregs.efer = efer_lme ? 0x100 : 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) fail("KVM_SET_SREGS: %s", strerror(errno));
    struct kvm_regs regs = {.rip = entry, .rbx = START_INFO, .rflags = 2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) fail("KVM_SET_REGS: %s", strerror(errno));
    fprintf(stderr, "stub-zxvm: KVM API %d, %lu MiB, PVH entry 0x%x, cmdline \"%s\"\n", api, mem_mib, entry, cl);

    if (timeout) {
        struct sigaction sa = {.sa_handler = on_alarm};
        sigaction(SIGALRM, &sa, NULL);
        alarm(timeout);
    }
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR && timed_out) {
                fprintf(stderr, "stub-zxvm: watchdog: guest still running after %lu s\n", timeout);
                return 124;
            }
            if (errno == EINTR || errno == EAGAIN) continue;
            fail("KVM_RUN: %s", strerror(errno));
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO: {
            unsigned char *data = (unsigned char *)run + run->io.data_offset;
            uint16_t port = run->io.port;
            if (run->io.direction == KVM_EXIT_IO_OUT) {
                if (port == 0x3f8) {
                    fwrite(data, run->io.size, run->io.count, stdout);
                    fflush(stdout);
                } else if (port == 0xf4) {
                    uint32_t code = 0;
                    memcpy(&code, data, run->io.size < 4 ? run->io.size : 4);
                    return code > 115 ? 125 : (int)code;
                }
            } else {
                uint32_t v = 0xffffffff;
                if (port == 0x3fd) v = 0x60;        /* LSR: transmitter empty */
                else if (port == 0xbe0) v = 0x10000; /* "hypercall device" */
                memcpy(data, &v, run->io.size);
            }
            break;
        }
        case KVM_EXIT_HLT:
            fprintf(stderr, "stub-zxvm: guest halted without exiting\n");
            return 125;
        case KVM_EXIT_SHUTDOWN:
            fprintf(stderr, "stub-zxvm: triple fault\n");
            return 122;
        default:
            fail("unexpected KVM exit reason %u", run->exit_reason);
        }
    }
}
