//! Guest addresses as function names, from the ELF symbol tables the guest
//! build keeps (`.symtab` stays when the DWARF moves out; see vmm/build.rs).
//!
//! [`GuestSymbols`] holds the kernel's table and one per bootfs program;
//! kernel addresses (the upper half) resolve in the kernel's, user ones in
//! the program a process runs. Names are demangled (`trap::handle+0x1a`
//! rather than `_RNvNtCs…`).

use std::collections::BTreeMap;

use object::{Object, ObjectSymbol, SymbolKind};

/// Addresses from here up are the kernel's.
pub const KERNEL_HALF: u64 = 0xffff_8000_0000_0000;
/// The most symbols read from one ELF (a hostile image cannot make the
/// VMM allocate without bound).
const MAX_SYMBOLS: usize = 1 << 20;

/// One ELF's function symbols, sorted by address.
#[derive(Clone, Debug, Default)]
pub struct SymbolTable {
    /// (start, size, demangled name).
    syms: Vec<(u64, u64, String)>,
}

impl SymbolTable {
    /// The function symbols of the ELF `bytes`; empty for anything that is
    /// not an ELF with a symbol table.
    pub fn from_elf(bytes: &[u8]) -> SymbolTable {
        let Ok(file) = object::File::parse(bytes) else {
            return SymbolTable::default();
        };
        let mut syms: Vec<(u64, u64, String)> = file
            .symbols()
            .filter(|s| s.kind() == SymbolKind::Text && s.address() != 0)
            .take(MAX_SYMBOLS)
            .filter_map(|s| Some((s.address(), s.size(), demangle(s.name().ok()?))))
            .collect();
        // By address, the longest first: dedup keeps it.
        syms.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
        syms.dedup_by_key(|s| s.0);
        SymbolTable { syms }
    }

    /// How many function symbols there are.
    pub fn len(&self) -> usize {
        self.syms.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.syms.is_empty()
    }

    /// `name+0xOFF` of the function holding `addr`. A symbol without a size
    /// holds addresses up to the next symbol.
    pub fn name(&self, addr: u64) -> Option<String> {
        let i = self.syms.partition_point(|s| s.0 <= addr).checked_sub(1)?;
        let (start, size, name) = &self.syms[i];
        let off = addr - start;
        let inside = if *size > 0 { off < *size } else { self.syms.get(i + 1).is_none_or(|n| addr < n.0) };
        inside.then(|| if off == 0 { name.clone() } else { format!("{name}+{off:#x}") })
    }
}

/// A symbol name without its Rust mangling (and without the hash suffix
/// of legacy mangling).
fn demangle(raw: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(raw))
}

/// A boot image whose symbols are read the first time they are asked for
/// (a run that never faults pays nothing).
#[derive(Default)]
pub struct LazySymbols {
    image: Option<crate::image::BootImage>,
    table: std::sync::OnceLock<GuestSymbols>,
}

impl LazySymbols {
    /// Symbols of `image`, not read yet.
    pub fn new(image: crate::image::BootImage) -> Self {
        LazySymbols { image: Some(image), table: std::sync::OnceLock::new() }
    }

    /// The table (empty without an image).
    pub fn get(&self) -> &GuestSymbols {
        self.table.get_or_init(|| self.image.as_ref().map(GuestSymbols::of_image).unwrap_or_default())
    }
}

/// The kernel's and every bootfs program's symbols.
#[derive(Clone, Debug, Default)]
pub struct GuestSymbols {
    /// The kernel ELF's.
    pub kernel: SymbolTable,
    /// Each bootfs program's, by file name.
    pub programs: BTreeMap<String, SymbolTable>,
}

impl GuestSymbols {
    /// The symbols of a boot image's kernel and bootfs programs.
    pub fn of_image(image: &crate::image::BootImage) -> GuestSymbols {
        let mut programs = BTreeMap::new();
        if let Some(fs) = image.bootfs.as_deref().and_then(|b| hypercall_abi::bootfs::Bootfs::parse(b).ok()) {
            for (name, bytes) in fs.iter() {
                let table = SymbolTable::from_elf(bytes);
                if !table.is_empty() {
                    programs.insert(name.to_string(), table);
                }
            }
        }
        GuestSymbols { kernel: SymbolTable::from_elf(&image.kernel), programs }
    }

    /// The name of `addr`: a kernel address in the kernel's table, a user
    /// address in the table of `program` (the first word of a process's
    /// name: its program file).
    pub fn name(&self, addr: u64, program: Option<&str>) -> Option<String> {
        if addr >= KERNEL_HALF {
            return self.kernel.name(addr);
        }
        let program = program?.split_whitespace().next()?;
        self.programs.get(program)?.name(addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(syms: &[(u64, u64, &str)]) -> SymbolTable {
        SymbolTable { syms: syms.iter().map(|&(a, s, n)| (a, s, n.to_string())).collect() }
    }

    #[test]
    fn addresses_resolve_to_the_function_that_holds_them() {
        let t = table(&[(0x1000, 0x10, "a"), (0x1010, 0, "b"), (0x1100, 0x8, "c")]);
        assert_eq!(t.name(0x1000).as_deref(), Some("a"));
        assert_eq!(t.name(0x100f).as_deref(), Some("a+0xf"));
        // Unsized: up to the next symbol.
        assert_eq!(t.name(0x10ff).as_deref(), Some("b+0xef"));
        assert_eq!(t.name(0x1107).as_deref(), Some("c+0x7"));
        // Past a sized symbol's end, before the first, past the last.
        assert_eq!(t.name(0x1108), None);
        assert_eq!(t.name(0xfff), None);
        assert_eq!(t.name(u64::MAX), None);
    }

    #[test]
    fn rust_names_are_demangled() {
        assert_eq!(demangle("_RNvNtCs1234_4core3fmt5write"), "core::fmt::write");
        assert_eq!(demangle("_ZN4core3fmt5write17h0123456789abcdefE"), "core::fmt::write");
        assert_eq!(demangle("memcpy"), "memcpy");
    }

    #[test]
    fn garbage_is_an_empty_table() {
        assert!(SymbolTable::from_elf(b"not an elf").is_empty());
        assert!(SymbolTable::from_elf(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]).is_empty());
    }

    #[test]
    fn the_bundled_kernel_and_programs_have_names() {
        let image = crate::image::BootImage::bundled().unwrap();
        let syms = GuestSymbols::of_image(&image);
        assert!(syms.kernel.len() > 100, "{} kernel symbols", syms.kernel.len());
        assert!(syms.programs.contains_key("hello"), "{:?}", syms.programs.keys());
        let (addr, _, name) = syms.kernel.syms.iter().find(|s| s.2.contains("rust_begin_unwind")).unwrap();
        assert_eq!(syms.name(*addr + 1, None).unwrap(), format!("{name}+0x1"));
        // User addresses need the program.
        let (uaddr, _, uname) = &syms.programs["hello"].syms[0];
        assert_eq!(syms.name(*uaddr, Some("hello world")).as_deref(), Some(uname.as_str()));
        assert_eq!(syms.name(*uaddr, None), None);
        assert_eq!(syms.name(*uaddr, Some("nosuch")), None);
    }
}
