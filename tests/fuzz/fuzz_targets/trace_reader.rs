//! `zxvm trace` reads Chrome JSON traces a user hands it: any bytes must
//! give a timeline or an error, and the reports over a timeline must not
//! panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zxvm::trace::{chrome, report};

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = chrome::read(std::io::BufReader::new(data)) {
        let _ = report::stats(&t, &Default::default());
        let _ = report::syscalls(&t, &Default::default());
        let _ = report::exits(&t, &Default::default());
    }
});
