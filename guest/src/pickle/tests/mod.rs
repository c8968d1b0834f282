//! Unit tests of the VM, recognizers, policies and scanner, on byte strings produced by CPython 3.11
//! (and numpy 2.4 / joblib 1.6 / dill 0.4 / cloudpickle 3.1 where named).

mod bombs;
mod cpython_cases;
mod hostile;
mod library;
mod library_cases;
mod mutation;
mod quirks;
mod render;
mod surrogates;

use super::{DecodeOptions, Decoded, Policy, decode};

/// Decodes with `policy` and default limits.
fn decode_with(data: &[u8], policy: Policy) -> Result<Decoded, super::DecodeError> {
    decode(data, &DecodeOptions { policy, ..DecodeOptions::default() })
}

#[test]
fn cpython_values_decode_to_the_same_repr_in_every_protocol() {
    let mut failures = Vec::new();
    for &(expr, proto, data, repr) in cpython_cases::CASES {
        match decode_with(data, Policy::Data) {
            Ok(d) => {
                assert_eq!(d.roots.len(), 1, "{expr} p{proto}");
                assert_eq!(d.consumed, data.len());
                let got = render::render(&d.graph, d.roots[0]);
                if !repr.starts_with("<len") && got != repr {
                    failures.push(format!("{expr} p{proto}: got {got} want {repr}"));
                }
                let report = super::scan(data, &super::PickleLimits::default());
                if report.verdict != super::Verdict::Clean || report.pickles != 1 {
                    failures.push(format!("{expr} p{proto}: scan {:?}", report.verdict));
                }
            }
            Err(e) => failures.push(format!("{expr} p{proto}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
