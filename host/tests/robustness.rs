//! Mangled input never crashes the guest or the host: thousands of deterministic mutations of the guide's
//! examples (byte flips, truncations, splices, duplicated brackets) all come back as a report or a located
//! input error — never a guest fault, a limit, or a hang.

use std::path::Path;

use wandguard::config::{DefinitionContext, Options, Syntax};
use wandguard::{Limits, Sandbox};

/// xorshift64*: a fixed seed makes every run test the same mutations.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

const SPECIAL: &[u8] = b"{}[]:,\"'-&*!|>#\n\t \\\x00\xff";

fn mutate(source: &[u8], random: &mut Random) -> Vec<u8> {
    let mut bytes = source.to_vec();
    for _ in 0..1 + random.below(4) {
        let at = random.below(bytes.len());
        match random.below(5) {
            0 => bytes[at] = SPECIAL[random.below(SPECIAL.len())],
            1 => bytes.truncate(at),
            2 => bytes.insert(at, SPECIAL[random.below(SPECIAL.len())]),
            3 => {
                let end = (at + random.below(40)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                let to = random.below(bytes.len());
                bytes.splice(to..to, chunk);
            }
            _ => {
                let opener = if random.below(2) == 0 { b"[" } else { b"{" };
                for _ in 0..random.below(300) {
                    bytes.insert(at, opener[0]);
                }
            }
        }
        if bytes.is_empty() {
            break;
        }
    }
    bytes
}

#[test]
fn mutated_examples_never_fault_the_sandbox() {
    let sandbox = Sandbox::new(Limits::default()).expect("loads");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut sources: Vec<Vec<u8>> = std::fs::read_dir(&examples)
        .expect("examples/")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json" || ext == "yaml"))
        .map(|path| std::fs::read(path).expect("readable example"))
        .collect();
    sources.sort();
    assert!(sources.len() > 10);

    let mut random = Random(0x5EED_1A6A_D5D3_0001);
    let (mut reports, mut input_errors) = (0, 0);
    for round in 0..3000 {
        let source = &sources[round % sources.len()];
        let mutated = mutate(source, &mut random);
        let options = Options {
            kind: None,
            context: DefinitionContext::Asset,
            partitioned: round % 3 == 0,
            artifact_object: round % 7 == 0,
            syntax: Syntax::Auto,
            resources: Vec::new(),
            ops: Vec::new(),
            max_diagnostics: 50,
        };
        match sandbox.validate(&mutated, &options) {
            Ok(Ok(_)) => reports += 1,
            Ok(Err(error)) => {
                input_errors += 1;
                assert!(!error.code.is_empty() && !error.message.is_empty());
            }
            Err(fault) => {
                panic!("round {round}: the sandbox failed ({fault}) on {:?}", String::from_utf8_lossy(&mutated))
            }
        }
    }
    assert!(reports > 100 && input_errors > 100, "both outcomes exercised: {reports} reports, {input_errors} errors");
}
