//! W&B-style opaque ids (`base64("Type:key")`), digest encodings, and timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The opaque id of object `key` of GraphQL type `kind`, as W&B forms them (`Artifact:12` → `QXJ0aWZhY3Q6MTI=`).
pub fn encode(kind: &str, key: impl std::fmt::Display) -> String {
    STANDARD.encode(format!("{kind}:{key}"))
}

/// The numeric key of an id of type `kind`, or `None` if it is not one of ours.
pub fn decode_numeric(kind: &str, id: &str) -> Option<u64> {
    let text = String::from_utf8(STANDARD.decode(id).ok()?).ok()?;
    text.strip_prefix(kind)?.strip_prefix(':')?.parse().ok()
}

/// The lowercase hex form of a base64 md5 digest (the storage key), or `None` if it is not 16 bytes of base64.
pub fn md5_b64_to_hex(b64: &str) -> Option<String> {
    let bytes = STANDARD.decode(b64).ok()?;
    (bytes.len() == 16).then(|| to_hex(&bytes))
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `text` is a hex md5 as this server stores them (32 lowercase hex digits).
pub fn is_hex_md5(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The current UTC time as W&B's API prints it: `2026-11-25T09:30:34`.
pub fn timestamp_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    format_utc(secs)
}

fn format_utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (year, month, day) = crate::utc::civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_the_recorded_form() {
        assert_eq!(encode("Artifact", 2), "QXJ0aWZhY3Q6Mg==");
        assert_eq!(decode_numeric("Artifact", "QXJ0aWZhY3Q6Mg=="), Some(2));
        assert_eq!(decode_numeric("Run", "QXJ0aWZhY3Q6Mg=="), None);
        assert_eq!(decode_numeric("Artifact", "not base64!"), None);
    }

    #[test]
    fn digests_convert_like_the_sdk() {
        assert_eq!(md5_b64_to_hex("Gz8Znbd7EKjvs+Owab8zpw==").as_deref(), Some("1b3f199db77b10a8efb3e3b069bf33a7"));
        assert_eq!(md5_b64_to_hex("AAAA"), None);
    }

    #[test]
    fn timestamps_are_utc_calendar_dates() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00");
        assert_eq!(format_utc(1_795_599_034), "2026-11-25T09:30:34");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00");
    }
}
