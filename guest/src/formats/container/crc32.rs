//! CRC-32 (IEEE 802.3, reflected polynomial `0xEDB88320`) as used by gzip trailers and headers, computed
//! slice-by-8 with tables built at compile time.

const POLYNOMIAL: u32 = 0xEDB8_8320;

const fn build_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut byte = 0;
    while byte < 256 {
        let mut crc = byte as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 { POLYNOMIAL ^ (crc >> 1) } else { crc >> 1 };
            bit += 1;
        }
        tables[0][byte] = crc;
        byte += 1;
    }
    let mut byte = 0;
    while byte < 256 {
        let mut slice = 1;
        while slice < 8 {
            let previous = tables[slice - 1][byte];
            tables[slice][byte] = (previous >> 8) ^ tables[0][(previous & 0xff) as usize];
            slice += 1;
        }
        byte += 1;
    }
    tables
}

static TABLES: [[u32; 256]; 8] = build_tables();

fn entry(slice: usize, value: u32) -> u32 {
    TABLES[slice][(value & 0xff) as usize]
}

/// Continues a CRC-32 over `data` (start with `0`); `update(update(0, a), b) == update(0, a ++ b)`.
pub(super) fn update(crc: u32, data: &[u8]) -> u32 {
    let mut crc = !crc;
    let (words, tail) = data.as_chunks::<8>();
    for word in words {
        let low = u32::from_le_bytes([word[0], word[1], word[2], word[3]]) ^ crc;
        let high = u32::from_le_bytes([word[4], word[5], word[6], word[7]]);
        crc = entry(7, low)
            ^ entry(6, low >> 8)
            ^ entry(5, low >> 16)
            ^ entry(4, low >> 24)
            ^ entry(3, high)
            ^ entry(2, high >> 8)
            ^ entry(1, high >> 16)
            ^ entry(0, high >> 24);
    }
    for &byte in tail {
        crc = entry(0, crc ^ u32::from(byte)) ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // zlib.crc32(b"") == 0, zlib.crc32(b"123456789") == 0xcbf43926 (the CRC-32 check value)
        assert_eq!(update(0, b""), 0);
        assert_eq!(update(0, b"123456789"), 0xCBF4_3926);
        // zlib.crc32(b"The quick brown fox jumps over the lazy dog") == 0x414fa339
        assert_eq!(update(0, b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
    }

    #[test]
    fn incremental_equals_whole() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let (a, b) = data.split_at(split);
            assert_eq!(update(update(0, a), b), update(0, &data), "split {split}");
        }
    }
}
