//! The contract between `zxvm test` (host) and a guest test harness (the
//! `zx::test` module): the kernel command-line words the runner passes and
//! how a harness must read them. Both sides take the names and the partition
//! rule from here, so a case the host assigns to shard K is the case the guest
//! runs in shard K. Nothing here exists in Zircon.
//!
//! | word | harness behaviour |
//! |---|---|
//! | `test.filter=PAT` | run only cases whose name contains `PAT` |
//! | `test.only=NAME` | run only the case named exactly `NAME` |
//! | `test.list=1` | run nothing; report every selected case as `ZXVM_TEST_LISTED` |
//! | `test.partition=count:K/N` | of the selected cases, run those whose index `i` (from 0, counted after the filter, plus `test.partition_offset`) has `i % N == K - 1` |
//! | `test.partition=hash:K/N` | run the cases whose [`name_hash`] `% N == K - 1` |
//! | `test.partition_offset=M` | with `count:`, the number of selected cases of the programs before this one |

/// Command-line key: substring filter on case names.
pub const TEST_ARG_FILTER: &str = "test.filter";
/// Command-line key: run exactly one case, by name.
pub const TEST_ARG_ONLY: &str = "test.only";
/// Command-line key: list the cases instead of running them (value `1`).
pub const TEST_ARG_LIST: &str = "test.list";
/// Command-line key: run one shard of the cases ([`Partition`]).
pub const TEST_ARG_PARTITION: &str = "test.partition";
/// Command-line key: index of this program's first selected case in the
/// whole run, for `count:` partitions.
pub const TEST_ARG_PARTITION_OFFSET: &str = "test.partition_offset";

/// How cases are dealt to shards (nextest's `--partition` kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionKind {
    /// Round-robin over the cases in run order.
    Count,
    /// By a hash of the case name: stable when cases are added elsewhere.
    Hash,
}

/// Shard `shard` (1-based) of `total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Count or hash.
    pub kind: PartitionKind,
    /// This shard, `1..=total`.
    pub shard: u32,
    /// Number of shards, at least 1.
    pub total: u32,
}

/// Why a partition spec does not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionError {
    /// Not `count:K/N`, `hash:K/N` or `K/N`.
    Syntax,
    /// `K` is 0 or above `N`, or `N` is 0.
    Range,
}

impl Partition {
    /// Parse `count:K/N`, `hash:K/N` or plain `K/N` (count).
    ///
    /// # Errors
    /// [`PartitionError`] for anything else.
    pub fn parse(spec: &str) -> Result<Self, PartitionError> {
        let (kind, rest) = match spec.split_once(':') {
            Some(("count", r)) => (PartitionKind::Count, r),
            Some(("hash", r)) => (PartitionKind::Hash, r),
            Some(_) => return Err(PartitionError::Syntax),
            None => (PartitionKind::Count, spec),
        };
        let (k, n) = rest.split_once('/').ok_or(PartitionError::Syntax)?;
        let k: u32 = k.parse().map_err(|_| PartitionError::Syntax)?;
        let n: u32 = n.parse().map_err(|_| PartitionError::Syntax)?;
        if n == 0 || k == 0 || k > n {
            return Err(PartitionError::Range);
        }
        Ok(Partition { kind, shard: k, total: n })
    }

    /// Whether this shard runs the selected case `name` whose run-wide index
    /// (after the filter, from 0) is `index`.
    pub fn selects(&self, index: u64, name: &str) -> bool {
        let slot = match self.kind {
            PartitionKind::Count => index % u64::from(self.total),
            PartitionKind::Hash => name_hash(name) % u64::from(self.total),
        };
        slot == u64::from(self.shard - 1)
    }
}

/// FNV-1a (64-bit) of `name`'s bytes: the hash of `hash:` partitions.
pub fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_say_why() {
        assert_eq!(Partition::parse("2/3"), Ok(Partition { kind: PartitionKind::Count, shard: 2, total: 3 }));
        assert_eq!(Partition::parse("hash:1/1").map(|p| p.kind), Ok(PartitionKind::Hash));
        assert_eq!(Partition::parse("count:4/4").map(|p| p.shard), Ok(4));
        for bad in ["", "1", "x/2", "1/", "count:1", "slice:1/2", "1/2/3", "-1/2"] {
            assert_eq!(Partition::parse(bad), Err(PartitionError::Syntax), "{bad}");
        }
        for bad in ["0/2", "3/2", "1/0", "hash:0/0"] {
            assert_eq!(Partition::parse(bad), Err(PartitionError::Range), "{bad}");
        }
    }

    #[test]
    fn every_case_lands_in_exactly_one_shard() {
        for kind in [PartitionKind::Count, PartitionKind::Hash] {
            for total in 1..=5u32 {
                let mut names = [0u32; 40];
                for (i, hits) in names.iter_mut().enumerate() {
                    let name = std::format!("case_{i}");
                    for shard in 1..=total {
                        *hits += u32::from(Partition { kind, shard, total }.selects(i as u64, &name));
                    }
                }
                assert!(names.iter().all(|&h| h == 1), "{kind:?} {total}: {names:?}");
            }
        }
    }

    #[test]
    fn count_is_round_robin_and_hash_ignores_the_index() {
        let p = Partition { kind: PartitionKind::Count, shard: 2, total: 3 };
        let picked: std::vec::Vec<u64> = (0..9).filter(|&i| p.selects(i, "x")).collect();
        assert_eq!(picked, [1, 4, 7]);
        let h = Partition { kind: PartitionKind::Hash, shard: 1, total: 2 };
        assert_eq!(h.selects(0, "abc"), h.selects(99, "abc"));
        // The FNV-1a test vectors.
        assert_eq!(name_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(name_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
