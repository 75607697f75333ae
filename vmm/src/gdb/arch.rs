//! The register file gdb sees: x86-64 core and SSE registers (as
//! `gdbstub_arch`'s `X86_64_SSE`), then FS/GS base and the kernel GS base
//! (gdb's `org.gnu.gdb.i386.segments` feature) and the control registers
//! CR0, CR2, CR3, CR4, CR8 and EFER (a zxvm feature), so `p $cr3` and
//! `info registers fs_base` work on a kernel target.
//!
//! The target description is written out register by register, so gdb's
//! register numbers are exactly the order [`ZxvmRegs::gdb_serialize`]
//! writes them in; a unit test holds the two together.

use gdbstub::arch::{Arch, Registers};
use gdbstub_arch::x86::reg::id::X86_64CoreRegId;
use gdbstub_arch::x86::reg::X86_64CoreRegs;

/// The zxvm x86-64 target.
pub enum ZxvmX86_64 {}

impl Arch for ZxvmX86_64 {
    type Usize = u64;
    type Registers = ZxvmRegs;
    type RegId = X86_64CoreRegId;
    type BreakpointKind = usize;

    fn target_description_xml() -> Option<&'static str> {
        Some(TARGET_XML)
    }
}

/// Registers past the core and SSE set, in gdb's order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SystemRegs {
    /// FS base (MSR_FS_BASE).
    pub fs_base: u64,
    /// GS base (MSR_GS_BASE).
    pub gs_base: u64,
    /// The GS base SWAPGS exchanges with (MSR_KERNEL_GS_BASE).
    pub k_gs_base: u64,
    /// CR0.
    pub cr0: u64,
    /// CR2 (the last page-fault address).
    pub cr2: u64,
    /// CR3 (page-table root of the running address space).
    pub cr3: u64,
    /// CR4.
    pub cr4: u64,
    /// CR8 (task priority).
    pub cr8: u64,
    /// EFER.
    pub efer: u64,
}

impl SystemRegs {
    fn words(&self) -> [u64; 9] {
        [self.fs_base, self.gs_base, self.k_gs_base, self.cr0, self.cr2, self.cr3, self.cr4, self.cr8, self.efer]
    }

    fn set_words(&mut self, w: [u64; 9]) {
        [self.fs_base, self.gs_base, self.k_gs_base, self.cr0, self.cr2, self.cr3, self.cr4, self.cr8, self.efer] = w;
    }
}

/// Everything gdb reads with `g` and writes with `G`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ZxvmRegs {
    /// General, segment, x87 and SSE registers.
    pub core: X86_64CoreRegs,
    /// Base and control registers.
    pub sys: SystemRegs,
}

/// Bytes of the core + SSE part of the `g` packet.
const CORE_BYTES: usize = 0x218;

impl Registers for ZxvmRegs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.core.rip
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        self.core.gdb_serialize(&mut write_byte);
        for w in self.sys.words() {
            w.to_le_bytes().iter().for_each(|b| write_byte(Some(*b)));
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        if bytes.len() < CORE_BYTES + 9 * 8 {
            return Err(());
        }
        self.core.gdb_deserialize(&bytes[..CORE_BYTES])?;
        let mut words = [0u64; 9];
        for (w, chunk) in words.iter_mut().zip(bytes[CORE_BYTES..].chunks_exact(8)) {
            *w = u64::from_le_bytes(chunk.try_into().map_err(|_| ())?);
        }
        self.sys.set_words(words);
        Ok(())
    }
}

/// gdb's target description: the standard i386 features by name (gdb
/// recognises them and applies its own register types), then zxvm's
/// control registers.
const TARGET_XML: &str = r#"<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
<architecture>i386:x86-64</architecture>
<feature name="org.gnu.gdb.i386.core">
<flags id="i386_eflags" size="4">
<field name="CF" start="0" end="0"/><field name="" start="1" end="1"/><field name="PF" start="2" end="2"/>
<field name="AF" start="4" end="4"/><field name="ZF" start="6" end="6"/><field name="SF" start="7" end="7"/>
<field name="TF" start="8" end="8"/><field name="IF" start="9" end="9"/><field name="DF" start="10" end="10"/>
<field name="OF" start="11" end="11"/><field name="NT" start="14" end="14"/><field name="RF" start="16" end="16"/>
<field name="VM" start="17" end="17"/><field name="AC" start="18" end="18"/><field name="VIF" start="19" end="19"/>
<field name="VIP" start="20" end="20"/><field name="ID" start="21" end="21"/>
</flags>
<reg name="rax" bitsize="64" type="int64"/><reg name="rbx" bitsize="64" type="int64"/>
<reg name="rcx" bitsize="64" type="int64"/><reg name="rdx" bitsize="64" type="int64"/>
<reg name="rsi" bitsize="64" type="int64"/><reg name="rdi" bitsize="64" type="int64"/>
<reg name="rbp" bitsize="64" type="data_ptr"/><reg name="rsp" bitsize="64" type="data_ptr"/>
<reg name="r8" bitsize="64" type="int64"/><reg name="r9" bitsize="64" type="int64"/>
<reg name="r10" bitsize="64" type="int64"/><reg name="r11" bitsize="64" type="int64"/>
<reg name="r12" bitsize="64" type="int64"/><reg name="r13" bitsize="64" type="int64"/>
<reg name="r14" bitsize="64" type="int64"/><reg name="r15" bitsize="64" type="int64"/>
<reg name="rip" bitsize="64" type="code_ptr"/><reg name="eflags" bitsize="32" type="i386_eflags"/>
<reg name="cs" bitsize="32" type="int32"/><reg name="ss" bitsize="32" type="int32"/>
<reg name="ds" bitsize="32" type="int32"/><reg name="es" bitsize="32" type="int32"/>
<reg name="fs" bitsize="32" type="int32"/><reg name="gs" bitsize="32" type="int32"/>
<reg name="st0" bitsize="80" type="i387_ext"/><reg name="st1" bitsize="80" type="i387_ext"/>
<reg name="st2" bitsize="80" type="i387_ext"/><reg name="st3" bitsize="80" type="i387_ext"/>
<reg name="st4" bitsize="80" type="i387_ext"/><reg name="st5" bitsize="80" type="i387_ext"/>
<reg name="st6" bitsize="80" type="i387_ext"/><reg name="st7" bitsize="80" type="i387_ext"/>
<reg name="fctrl" bitsize="32" type="int" group="float"/><reg name="fstat" bitsize="32" type="int" group="float"/>
<reg name="ftag" bitsize="32" type="int" group="float"/><reg name="fiseg" bitsize="32" type="int" group="float"/>
<reg name="fioff" bitsize="32" type="int" group="float"/><reg name="foseg" bitsize="32" type="int" group="float"/>
<reg name="fooff" bitsize="32" type="int" group="float"/><reg name="fop" bitsize="32" type="int" group="float"/>
</feature>
<feature name="org.gnu.gdb.i386.sse">
<vector id="v4f" type="ieee_single" count="4"/><vector id="v2d" type="ieee_double" count="2"/>
<vector id="v16i8" type="int8" count="16"/><vector id="v8i16" type="int16" count="8"/>
<vector id="v4i32" type="int32" count="4"/><vector id="v2i64" type="int64" count="2"/>
<union id="vec128">
<field name="v4_float" type="v4f"/><field name="v2_double" type="v2d"/><field name="v16_int8" type="v16i8"/>
<field name="v8_int16" type="v8i16"/><field name="v4_int32" type="v4i32"/><field name="v2_int64" type="v2i64"/>
<field name="uint128" type="uint128"/>
</union>
<reg name="xmm0" bitsize="128" type="vec128"/><reg name="xmm1" bitsize="128" type="vec128"/>
<reg name="xmm2" bitsize="128" type="vec128"/><reg name="xmm3" bitsize="128" type="vec128"/>
<reg name="xmm4" bitsize="128" type="vec128"/><reg name="xmm5" bitsize="128" type="vec128"/>
<reg name="xmm6" bitsize="128" type="vec128"/><reg name="xmm7" bitsize="128" type="vec128"/>
<reg name="xmm8" bitsize="128" type="vec128"/><reg name="xmm9" bitsize="128" type="vec128"/>
<reg name="xmm10" bitsize="128" type="vec128"/><reg name="xmm11" bitsize="128" type="vec128"/>
<reg name="xmm12" bitsize="128" type="vec128"/><reg name="xmm13" bitsize="128" type="vec128"/>
<reg name="xmm14" bitsize="128" type="vec128"/><reg name="xmm15" bitsize="128" type="vec128"/>
<reg name="mxcsr" bitsize="32" type="int" group="vector"/>
</feature>
<feature name="org.gnu.gdb.i386.segments">
<reg name="fs_base" bitsize="64" type="int"/><reg name="gs_base" bitsize="64" type="int"/>
</feature>
<feature name="org.zxvm.gdb.x86.sys">
<reg name="k_gs_base" bitsize="64" type="int" group="system"/>
<reg name="cr0" bitsize="64" type="int" group="system"/><reg name="cr2" bitsize="64" type="code_ptr" group="system"/>
<reg name="cr3" bitsize="64" type="int" group="system"/><reg name="cr4" bitsize="64" type="int" group="system"/>
<reg name="cr8" bitsize="64" type="int" group="system"/><reg name="efer" bitsize="64" type="int" group="system"/>
</feature>
</target>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialize_and_deserialize_round_trip() {
        let mut r = ZxvmRegs::default();
        r.core.regs = std::array::from_fn(|i| i as u64 * 0x1111);
        r.core.rip = 0xffff_ffff_8010_0000;
        r.core.eflags = 0x202;
        r.core.segments.cs = 0x08;
        r.sys.set_words(std::array::from_fn(|i| 0xa0 + i as u64));
        let mut bytes = Vec::new();
        r.gdb_serialize(|b| bytes.push(b.unwrap()));
        assert_eq!(bytes.len(), CORE_BYTES + 72);
        let mut back = ZxvmRegs::default();
        back.gdb_deserialize(&bytes).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.gdb_deserialize(&bytes[..CORE_BYTES]), Err(()));
    }

    /// The description's registers, in order, add up to exactly the bytes
    /// `g` sends, and the extra ones come in `SystemRegs` order.
    #[test]
    fn target_description_matches_the_register_bytes() {
        let doc = roxmltree::Document::parse(TARGET_XML.split_once("?>").unwrap().1.split_once('>').unwrap().1).unwrap();
        let regs: Vec<(&str, usize)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("reg"))
            .map(|n| (n.attribute("name").unwrap(), n.attribute("bitsize").unwrap().parse().unwrap()))
            .collect();
        let bits: usize = regs.iter().map(|r| r.1).sum();
        let mut bytes = 0;
        ZxvmRegs::default().gdb_serialize(|_| bytes += 1);
        assert_eq!(bits / 8, bytes);
        let names: Vec<&str> = regs.iter().map(|r| r.0).collect();
        assert_eq!(names[names.len() - 9..], ["fs_base", "gs_base", "k_gs_base", "cr0", "cr2", "cr3", "cr4", "cr8", "efer"]);
        assert_eq!(names[16..18], ["rip", "eflags"]);
    }
}
