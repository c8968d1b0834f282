//! A stable randomized robustness run: mutated CPython pickles (bit flips, byte inserts, deletions,
//! splices, truncations) through `decode` under every policy and through `scan`. Nothing may panic, and
//! `scan` says `clean` exactly when `decode` under `data` accepts the stream.

use super::cpython_cases::CASES;
use super::library_cases as lib;
use crate::pickle::{DecodeOptions, PickleLimits, Policy, Verdict, decode, scan};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[u8] = b"().0124abcdeghijlpqrstuGIJKLMNPQRSTUVX\x80\x81\x82\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\xff\x00\n";

fn mutate(rng: &mut XorShift, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            2 if at < v.len() => {
                v.remove(at);
            }
            3 => v.truncate(at),
            4 => {
                let from = rng.below(other.len());
                let len = rng.below(16).min(other.len() - from);
                v.splice(at..at, other[from..from + len].iter().copied());
            }
            _ if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            _ => {}
        }
    }
    v
}

#[test]
fn mutated_pickles_never_panic_and_refusals_are_never_clean() {
    let mut seeds: Vec<&[u8]> = CASES.iter().map(|c| c.2).filter(|d| d.len() < 4000).collect();
    seeds.extend([lib::ARANGE_F4_P2, lib::ARANGE_F4_P5, lib::JOBLIB_DICT, lib::JOBLIB_OBJECT, lib::DILL_LAMBDA]);
    let limits = PickleLimits { max_nodes: 100_000, max_container_items: 100_000, ..PickleLimits::default() };
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut refused = 0;
    for round in 0..4000 {
        let seed = seeds[round % seeds.len()];
        let other = seeds[rng.below(seeds.len())];
        let data = mutate(&mut rng, seed, other);
        let report = scan(&data, &limits);
        for policy in [Policy::Strict, Policy::Data, Policy::Inspect] {
            let opts = DecodeOptions { policy, limits: limits.clone(), ..DecodeOptions::default() };
            let result = decode(&data, &opts);
            if policy == Policy::Data {
                refused += usize::from(result.is_err());
                let code = result.as_ref().err().map(|e| e.code);
                // `clean` exactly when the data policy accepts the stream.
                assert_eq!(report.verdict == Verdict::Clean, result.is_ok(), "round {round}: {data:?} ({code:?})");
            }
        }
    }
    assert!(refused > 1000, "mutations too weak: {refused}");
}
