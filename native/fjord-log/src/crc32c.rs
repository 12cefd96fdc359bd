//! CRC-32C (Castagnoli). Placeholder portable implementation; replaced by the hardware one.

/// Extends `crc` (the value returned for the previous bytes, 0 to start) over `data`.
pub fn crc32c_append(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0x82F6_3B78 } else { c >> 1 };
        }
    }
    !c
}

pub fn crc32c(data: &[u8]) -> u32 {
    crc32c_append(0, data)
}
