//! Decompression of a batch's records, for the one place the log looks inside compressed
//! batches: finding the record for a timestamp (ListOffsets), as Kafka does. Streams: records
//! are read one at a time, so memory stays bounded by one record however large the batch
//! inflates.
//!
//! Codecs (attributes bits 0-2): 1 gzip, 2 snappy (raw, or Xerial-framed as the Java client's
//! snappy-java writes it: magic `\x82SNAPPY\0`, two int32 versions, then int32-length-prefixed
//! raw snappy blocks), 3 lz4 (the LZ4 frame format), 4 zstd.

use std::io::{self, Read};

use crate::error::{LogError, Result};

const XERIAL_MAGIC: &[u8; 8] = b"\x82SNAPPY\x00";
const XERIAL_HEADER_BYTES: usize = 16;
/// Bound on one decompressed snappy block (snappy-java writes 32 KiB blocks).
const MAX_SNAPPY_BLOCK_BYTES: usize = 64 * 1024 * 1024;

/// A reader of the decompressed records section of a batch compressed with `codec`.
pub fn decompressing_reader<'a>(codec: u16, data: &'a [u8]) -> Result<Box<dyn Read + 'a>> {
    Ok(match codec {
        0 => Box::new(data),
        1 => Box::new(flate2::read::MultiGzDecoder::new(data)),
        2 if data.starts_with(XERIAL_MAGIC) => Box::new(XerialSnappyReader { input: &data[XERIAL_HEADER_BYTES.min(data.len())..], block: Vec::new(), at: 0 }),
        2 => {
            let inflated = snap::raw::decompress_len(data).map_err(corrupt)?;
            if inflated > MAX_SNAPPY_BLOCK_BYTES {
                return Err(LogError::Corrupt(format!("snappy block inflates to {inflated} bytes")));
            }
            Box::new(io::Cursor::new(snap::raw::Decoder::new().decompress_vec(data).map_err(corrupt)?))
        }
        3 => Box::new(lz4_flex::frame::FrameDecoder::new(data)),
        4 => Box::new(ruzstd::decoding::StreamingDecoder::new(data).map_err(|e| LogError::Corrupt(format!("zstd: {e}")))?),
        other => return Err(LogError::InvalidRecord(format!("unknown compression codec {other}"))),
    })
}

fn corrupt(error: impl std::fmt::Display) -> LogError {
    LogError::Corrupt(format!("compressed records: {error}"))
}

/// Xerial's framing of snappy: a header, then blocks of `int32 length` + raw snappy.
struct XerialSnappyReader<'a> {
    input: &'a [u8],
    block: Vec<u8>,
    at: usize,
}

impl Read for XerialSnappyReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.at == self.block.len() {
            if self.input.is_empty() {
                return Ok(0);
            }
            if self.input.len() < 4 {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "truncated snappy block length"));
            }
            let length = u32::from_be_bytes(self.input[..4].try_into().unwrap()) as usize;
            let compressed = self
                .input
                .get(4..4 + length)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "truncated snappy block"))?;
            self.input = &self.input[4 + length..];
            let inflated = snap::raw::decompress_len(compressed).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if inflated > MAX_SNAPPY_BLOCK_BYTES {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "snappy block too large"));
            }
            self.block = snap::raw::Decoder::new().decompress_vec(compressed).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            self.at = 0;
        }
        let n = out.len().min(self.block.len() - self.at);
        out[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
