//! Payload signatures: HMAC-SHA256 (RFC 2104 / RFC 4231) over the payload bytes. The key is passed in by the
//! host for each call and never stored by the guest; verification compares in constant time.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// SHA-256's block size: HMAC keys are hashed when longer, zero-padded to it otherwise.
const BLOCK_SIZE: usize = 64;

/// Length of a signature in bytes.
pub const SIGNATURE_LEN: usize = 32;

/// The HMAC-SHA256 of `payload` under `key` (any key length, including empty).
pub fn sign(payload: &[u8], key: &[u8]) -> [u8; SIGNATURE_LEN] {
    keyed(key).chain_update(payload).finalize().into_bytes().into()
}

/// Whether `signature` is the HMAC-SHA256 of `payload` under `key`. The comparison takes the same time
/// wherever the first difference is; a signature of any other length than 32 bytes is simply not valid.
pub fn verify(payload: &[u8], signature: &[u8], key: &[u8]) -> bool {
    keyed(key).chain_update(payload).verify_slice(signature).is_ok()
}

/// An HMAC instance for `key`, built through the fixed-size (block-sized) key constructor, which cannot fail:
/// RFC 2104 hashes a key longer than the block and zero-pads a shorter one, so this block key gives the same
/// MAC as `key` itself.
fn keyed(key: &[u8]) -> HmacSha256 {
    let mut block = [0u8; BLOCK_SIZE];
    if key.len() > BLOCK_SIZE {
        let digest = Sha256::digest(key);
        block.iter_mut().zip(digest.iter()).for_each(|(slot, byte)| *slot = *byte);
    } else {
        block.iter_mut().zip(key).for_each(|(slot, byte)| *slot = *byte);
    }
    <HmacSha256 as KeyInit>::new(&block.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(text.get(i..i + 2).unwrap_or("zz"), 16).unwrap_or_default())
            .collect()
    }

    /// RFC 4231 §4.2–4.7: (key, data, HMAC-SHA256).
    fn rfc4231_cases() -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        vec![
            (
                vec![0x0b; 20],
                b"Hi There".to_vec(),
                hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ),
            (vec![0xaa; 20], vec![0xdd; 50], hex("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")),
            (
                (1..=25).collect(),
                vec![0xcd; 50],
                hex("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            ),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            ),
            (
                vec![0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs \
                  to be hashed before being used by the HMAC algorithm."
                    .to_vec(),
                hex("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
            ),
        ]
    }

    #[test]
    fn rfc4231_vectors() {
        for (key, data, mac) in rfc4231_cases() {
            assert_eq!(sign(&data, &key).to_vec(), mac, "key {key:02x?}");
            assert!(verify(&data, &mac, &key));
        }
    }

    #[test]
    fn rfc4231_truncated_output_case_is_not_a_valid_signature() {
        // §4.6 truncates the MAC to 128 bits; a truncated signature must not verify here.
        let key = vec![0x0c; 20];
        let full = sign(b"Test With Truncation", &key);
        assert_eq!(full.get(..16), Some(&hex("a3b6167473100ee06e0c796c2955552b")[..]));
        assert!(!verify(b"Test With Truncation", full.get(..16).unwrap_or_default(), &key));
    }

    #[test]
    fn verify_rejects_any_change() {
        let key = b"secret key";
        let payload = b"\x80\x05K\x01.";
        let signature = sign(payload, key);
        assert!(verify(payload, &signature, key));
        assert!(!verify(b"\x80\x05K\x02.", &signature, key));
        assert!(!verify(payload, &signature, b"other key"));
        let mut flipped = signature;
        flipped[31] ^= 1;
        assert!(!verify(payload, &flipped, key));
        assert!(!verify(payload, &[], key));
        let mut longer = signature.to_vec();
        longer.push(0);
        assert!(!verify(payload, &longer, key));
    }

    #[test]
    fn block_sized_and_empty_keys() {
        // A 64-byte key is used as is; the empty key is all zero padding.
        assert_eq!(sign(b"x", &[0u8; 0]), sign(b"x", &[0u8; 64]));
        assert_ne!(sign(b"x", &[1u8; 64]), sign(b"x", &[1u8; 65]));
    }
}
