//! [`Hypercall::SymbolName`]: the function holding a guest address, from
//! the image's symbol tables, for the kernel's fault reports.

use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

use super::{check_phys_range, err, read_guest_range, HostState, Outcome};
#[cfg(test)]
use hypercall_abi::Hypercall;
use hypercall_abi::HypercallStatus;

/// [`Hypercall::SymbolName`]: answer into the guest's [`hypercall_abi::SymbolQuery`].
pub(super) fn symbol_name(mem: &GuestMemoryMmap, host: &HostState, addr: u64, gpa: u64, program_len: u64) -> Outcome {
    use hypercall_abi::{SymbolQuery, SYMBOL_NAME_LEN, SYMBOL_PROGRAM_LEN};
    let size = std::mem::size_of::<SymbolQuery>() as u64;
    if !gpa.is_multiple_of(size) || program_len > SYMBOL_PROGRAM_LEN as u64 {
        return err(HypercallStatus::InvalidArgs);
    }
    let query = match read_guest_range(mem, gpa, program_len, SYMBOL_PROGRAM_LEN as u64).and_then(|q| check_phys_range(mem, gpa, size).map(|()| q)) {
        Ok(q) => q,
        Err(s) => return err(s),
    };
    let program = String::from_utf8_lossy(&query);
    let Some(name) = host.symbols.get().name(addr, (!program.is_empty()).then_some(&*program)) else {
        return Outcome::Return(0);
    };
    // Cut at a character boundary.
    let mut end = name.len().min(SYMBOL_NAME_LEN);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    match mem.write_slice(&name.as_bytes()[..end], GuestAddress(gpa + SYMBOL_PROGRAM_LEN as u64)) {
        Ok(()) => Outcome::Return(end as i32),
        Err(_) => err(HypercallStatus::BadAddress),
    }
}

#[cfg(test)]
mod tests {
    use super::super::handle;
    use super::super::tests::{call, setup, RAM};
    use super::*;

    #[test]
    fn symbol_name_answers_from_the_image_and_refuses_bad_queries() {
        let (mem, mut host, _) = setup();
        let sym = |host: &mut HostState, args| handle(call(Hypercall::SymbolName, args), &mem, host);
        // No image: no name, not an error.
        assert_eq!(sym(&mut host, [0xffff_ffff_8010_0000, 0x1000, 0, 0]), Outcome::Return(0));
        let image = crate::image::BootImage::bundled().unwrap();
        // The first named user address of hello.
        let table = crate::symbols::GuestSymbols::of_image(&image);
        let (addr, name) = (0x20_0000..0x30_0000u64).find_map(|a| table.name(a, Some("hello")).map(|n| (a, n))).unwrap();
        host.symbols = std::sync::Arc::new(crate::symbols::LazySymbols::new(image));
        mem.write_slice(b"hello world", GuestAddress(0x1000)).unwrap();
        let Outcome::Return(n) = sym(&mut host, [addr, 0x1000, 11, 0]) else { panic!() };
        let mut out = vec![0u8; n as usize];
        mem.read_slice(&mut out, GuestAddress(0x1000 + 64)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), name);
        // Another program, or none, does not know that user address.
        mem.write_slice(b"nosuch", GuestAddress(0x1000)).unwrap();
        assert_eq!(sym(&mut host, [addr, 0x1000, 6, 0]), Outcome::Return(0));
        let bad = |s: HypercallStatus| Outcome::Return(s as i32);
        assert_eq!(sym(&mut host, [addr, 0x1080, 0, 0]), bad(HypercallStatus::InvalidArgs), "unaligned");
        assert_eq!(sym(&mut host, [addr, 0x1000, 65, 0]), bad(HypercallStatus::InvalidArgs), "program too long");
        assert_eq!(sym(&mut host, [addr, RAM as u64, 0, 0]), bad(HypercallStatus::BadAddress), "past RAM");
        assert_eq!(sym(&mut host, [addr, !0xff, 4, 0]), bad(HypercallStatus::BadAddress), "wrapping");
    }
}
