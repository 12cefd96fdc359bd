//! The napi-rs binding of fjord-log: JS values in, core calls, JS values out. No logic here.
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// CRC-32C (Castagnoli) of `data`, continuing from `crc` (0 to start).
#[napi]
pub fn crc32c(data: &[u8], crc: Option<u32>) -> u32 {
    fjord_log::crc32c::crc32c_append(crc.unwrap_or(0), data)
}
