//! Randomness and system information; user-pointer checks across calls.

use zircon_abi::*;
use zx::test::CaseResult;
use zx::{check, check_eq};

use crate::util::*;
use crate::{check_status, ok};

pub fn cprng_draw_fills_buffer() -> CaseResult {
    let mut a = [0u8; 64];
    let mut b = [0u8; 64];
    zx::cprng_draw(&mut a);
    zx::cprng_draw(&mut b);
    check!(a != [0u8; 64], "all zero");
    check!(a != b, "two draws gave the same bytes");
    Ok(())
}

pub fn cprng_draw_large_and_empty() -> CaseResult {
    static mut BIG: [u8; 1000] = [0; 1000];
    // SAFETY: only this case uses BIG, on the main thread.
    let big = unsafe { &mut *core::ptr::addr_of_mut!(BIG) };
    zx::cprng_draw(big);
    check!(big[900..] != [0u8; 100], "the tail was filled too");
    zx::cprng_draw(&mut []);
    check_status!(sys(SYS_CPRNG_DRAW, &[0, 0]), ZX_OK);
    Ok(())
}

pub fn cprng_add_entropy_accepts_up_to_max() -> CaseResult {
    let data = [0xabu8; ZX_CPRNG_ADD_ENTROPY_MAX_LEN];
    check_status!(zx::cprng_add_entropy(&data), ZX_OK);
    check_status!(zx::cprng_add_entropy(&data[..1]), ZX_OK);
    let mut after = [0u8; 32];
    zx::cprng_draw(&mut after);
    check!(after != [0u8; 32]);
    Ok(())
}

pub fn cprng_add_entropy_errors() -> CaseResult {
    let data = [0u8; ZX_CPRNG_ADD_ENTROPY_MAX_LEN + 1];
    check_status!(zx::cprng_add_entropy(&data), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_CPRNG_ADD_ENTROPY, &[UNMAPPED, 16]), ZX_ERR_INVALID_ARGS);
    check_status!(sys(SYS_CPRNG_ADD_ENTROPY, &[KERNEL_ADDR, 16]), ZX_ERR_INVALID_ARGS);
    Ok(())
}

pub fn system_get_num_cpus() -> CaseResult {
    check_eq!(zx::system_get_num_cpus(), zx::test::machine_cpus(), "every CPU the machine has is online");
    Ok(())
}

pub fn system_get_physmem() -> CaseResult {
    let m = zx::system_get_physmem();
    check!((16 << 20..=4 << 30).contains(&m), "physmem {} bytes", m);
    Ok(())
}

pub fn system_get_page_size() -> CaseResult {
    check_eq!(zx::system_get_page_size(), ZX_PAGE_SIZE as u32);
    Ok(())
}

pub fn system_get_dcache_line_size() -> CaseResult {
    let n = zx::system_get_dcache_line_size();
    check!(n.is_power_of_two() && (16..=256).contains(&n), "line size {}", n);
    Ok(())
}

pub fn system_get_version_string() -> CaseResult {
    let v = zx::system_get_version_string();
    check!(v.starts_with("zxvm-kernel "), "version {:?}", v);
    check_eq!(zx::system_get_version_string(), v, "stable across calls");
    Ok(())
}

pub fn user_pointers_wrapping_and_kernel_ranges() -> CaseResult {
    // One call per direction: out (event_create), in (port_queue), in-out
    // (wait_many) — every range kind must come back INVALID_ARGS.
    let p = ok!(zx::port_create(0));
    let start_of_text = user_pointers_wrapping_and_kernel_ranges as fn() -> CaseResult as usize as u64;
    let straddling = 0x0000_7fff_ffff_fff8;
    for bad in [0, UNMAPPED, KERNEL_ADDR, WRAPPING, straddling] {
        check_status!(sys(SYS_EVENT_CREATE, &[0, bad]), ZX_ERR_INVALID_ARGS);
        check_status!(sys(SYS_PORT_QUEUE, &[u64::from(p), bad]), ZX_ERR_INVALID_ARGS);
        check_status!(sys(SYS_OBJECT_WAIT_MANY, &[bad, 1, 0]), ZX_ERR_INVALID_ARGS);
    }
    // Program text is mapped but not writable.
    check_status!(sys(SYS_EVENT_CREATE, &[0, start_of_text]), ZX_ERR_INVALID_ARGS);
    ok!(zx::handle_close(p));
    Ok(())
}

pub fn unaligned_user_pointers_are_fine() -> CaseResult {
    // Zircon does not require alignment for these records; neither do we.
    let mut buf = [0u8; 64];
    let out = addr(&mut buf) + 1;
    check_status!(sys(SYS_EVENT_CREATE, &[0, out]), ZX_OK);
    let h = u32::from_le_bytes([buf[1], buf[2], buf[3], buf[4]]);
    check!(valid(h));
    ok!(zx::handle_close(h));
    Ok(())
}
