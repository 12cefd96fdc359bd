//! The Kafka record batch (magic v2) as the log sees it: a 61-byte header it validates and rewrites
//! in place, and a records section it leaves alone (except to find a record by timestamp, for
//! ListOffsets, decompressing that one batch when it is compressed).
//!
//! ```text
//! offset  size  field                  notes
//!      0     8  baseOffset             assigned by the log (clients send 0)
//!      8     4  batchLength            bytes after this field: a batch is 12 + batchLength bytes
//!     12     4  partitionLeaderEpoch   assigned by the log; outside the CRC
//!     16     1  magic                  2
//!     17     4  crc                    CRC-32C of bytes 21..end (attributes to the last record)
//!     21     2  attributes             bits 0-2 compression, 3 timestamp type (1 = LogAppendTime),
//!                                      4 transactional, 5 control, 6 delete horizon
//!     23     4  lastOffsetDelta
//!     27     8  baseTimestamp
//!     35     8  maxTimestamp
//!     43     8  producerId
//!     51     2  producerEpoch
//!     53     4  baseSequence
//!     57     4  recordsCount
//!     61     -  records
//! ```
//! All integers are big-endian.

use crate::crc32c;
use crate::error::{LogError, Result};

pub const HEADER_BYTES: usize = 61;
/// Bytes before and including batchLength: `size = LOG_OVERHEAD + batchLength`.
pub const LOG_OVERHEAD: usize = 12;
/// The header bytes needed to know where a batch starts, ends, and which offsets it holds.
pub const SHALLOW_HEADER_BYTES: usize = 27;

pub const BASE_OFFSET_AT: usize = 0;
pub const BATCH_LENGTH_AT: usize = 8;
pub const LEADER_EPOCH_AT: usize = 12;
pub const MAGIC_AT: usize = 16;
pub const CRC_AT: usize = 17;
pub const ATTRIBUTES_AT: usize = 21;
pub const LAST_OFFSET_DELTA_AT: usize = 23;
pub const BASE_TIMESTAMP_AT: usize = 27;
pub const MAX_TIMESTAMP_AT: usize = 35;
pub const PRODUCER_ID_AT: usize = 43;
pub const BASE_SEQUENCE_AT: usize = 53;
pub const RECORDS_COUNT_AT: usize = 57;

pub const MAGIC_V2: u8 = 2;
pub const COMPRESSION_MASK: u16 = 0x07;
pub const TIMESTAMP_TYPE_LOG_APPEND: u16 = 0x08;
pub const TRANSACTIONAL_FLAG: u16 = 0x10;
pub const CONTROL_FLAG: u16 = 0x20;
/// Kafka's RecordBatch.NO_TIMESTAMP.
pub const NO_TIMESTAMP: i64 = -1;

#[inline]
pub fn read_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}
#[inline]
pub fn read_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}
#[inline]
pub fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}
#[inline]
pub fn read_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}

/// How the topic stamps batches (`message.timestamp.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampType {
    CreateTime,
    LogAppendTime,
}

/// Rules an append is checked against; the topic config and the caller supply them.
#[derive(Clone, Debug)]
pub struct ValidationRules {
    /// `max.message.bytes`: the largest batch accepted.
    pub max_message_bytes: usize,
    /// The append comes from the broker itself, not a client (Kafka's non-CLIENT append origins):
    /// control batches (transaction markers) are allowed, and the client-only checks are skipped.
    pub allow_control: bool,
    pub timestamp_type: TimestampType,
    /// `message.timestamp.before.max.ms` / `after.max.ms` (CreateTime topics only).
    pub timestamp_before_max_ms: i64,
    pub timestamp_after_max_ms: i64,
}

/// What the log needs to know of one validated batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchInfo {
    /// Position of the batch inside the appended buffer.
    pub position: usize,
    pub size: usize,
    pub last_offset_delta: i32,
    pub max_timestamp: i64,
}

/// The fields of a batch header needed to walk a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShallowHeader {
    pub base_offset: i64,
    pub size: usize,
    pub last_offset: i64,
}

impl ShallowHeader {
    /// Parses the first `SHALLOW_HEADER_BYTES` of a batch; `None` if they cannot be a v2 batch.
    pub fn parse(b: &[u8]) -> Option<ShallowHeader> {
        if b.len() < SHALLOW_HEADER_BYTES || b[MAGIC_AT] != MAGIC_V2 {
            return None;
        }
        let batch_length = read_i32(b, BATCH_LENGTH_AT);
        if batch_length < (HEADER_BYTES - LOG_OVERHEAD) as i32 {
            return None;
        }
        let base_offset = read_i64(b, BASE_OFFSET_AT);
        let last_offset_delta = read_i32(b, LAST_OFFSET_DELTA_AT);
        if base_offset < 0 || last_offset_delta < 0 {
            return None;
        }
        Some(ShallowHeader {
            base_offset,
            size: LOG_OVERHEAD + batch_length as usize,
            last_offset: base_offset + last_offset_delta as i64,
        })
    }
}

/// The CRC a batch declares, and the one its bytes have. `batch` is exactly one whole batch.
pub fn crc_matches(batch: &[u8]) -> bool {
    batch.len() >= HEADER_BYTES && read_u32(batch, CRC_AT) == crc32c::crc32c(&batch[ATTRIBUTES_AT..])
}

/// Checks every batch in `buffer` (one or more whole batches, nothing else) against the wire
/// format and `rules`, without changing anything. All or nothing: the first failure is returned.
pub fn validate_batches(buffer: &[u8], rules: &ValidationRules, now_ms: i64) -> Result<Vec<BatchInfo>> {
    if buffer.is_empty() {
        return Err(LogError::InvalidRecord("no record batches in the append".into()));
    }
    let mut batches = Vec::new();
    let mut position = 0usize;
    while position < buffer.len() {
        let rest = &buffer[position..];
        if rest.len() < HEADER_BYTES {
            return Err(LogError::Corrupt(format!(
                "{} trailing bytes at position {position} are too few for a batch header",
                rest.len()
            )));
        }
        let batch_length = read_i32(rest, BATCH_LENGTH_AT);
        if batch_length < (HEADER_BYTES - LOG_OVERHEAD) as i32 {
            return Err(LogError::Corrupt(format!("batchLength {batch_length} is smaller than a header")));
        }
        let size = LOG_OVERHEAD + batch_length as usize;
        if size > rest.len() {
            return Err(LogError::Corrupt(format!(
                "batchLength says {size} bytes but only {} remain",
                rest.len()
            )));
        }
        let magic = rest[MAGIC_AT];
        if magic != MAGIC_V2 {
            return Err(LogError::InvalidRecord(format!("magic {magic}: only record batch v2 is accepted")));
        }
        if size > rules.max_message_bytes {
            return Err(LogError::MessageTooLarge { size, max: rules.max_message_bytes });
        }
        let batch = &rest[..size];
        if !crc_matches(batch) {
            return Err(LogError::Corrupt(format!(
                "CRC mismatch: header says {:#010x}, bytes give {:#010x}",
                read_u32(batch, CRC_AT),
                crc32c::crc32c(&batch[ATTRIBUTES_AT..])
            )));
        }
        let base_offset = read_i64(batch, BASE_OFFSET_AT);
        if base_offset != 0 {
            return Err(LogError::InvalidRecord(format!("client baseOffset is {base_offset}, expected 0")));
        }
        let last_offset_delta = read_i32(batch, LAST_OFFSET_DELTA_AT);
        let records_count = read_i32(batch, RECORDS_COUNT_AT);
        if records_count <= 0 {
            return Err(LogError::InvalidRecord(format!("recordsCount {records_count} is not positive")));
        }
        if last_offset_delta as i64 != records_count as i64 - 1 {
            return Err(LogError::InvalidRecord(format!(
                "lastOffsetDelta {last_offset_delta} is inconsistent with recordsCount {records_count}"
            )));
        }
        let attributes = read_i16(batch, ATTRIBUTES_AT) as u16;
        if attributes & CONTROL_FLAG != 0 && !rules.allow_control {
            return Err(LogError::InvalidRecord("control batches are written by the broker only".into()));
        }
        // Kafka's LogValidator, for client appends: a batch with a producer id needs a sequence.
        if !rules.allow_control && read_i64(batch, PRODUCER_ID_AT) >= 0 && read_i32(batch, BASE_SEQUENCE_AT) < 0 {
            return Err(LogError::InvalidRecord(format!(
                "Invalid sequence number {} in record batch with producerId {}",
                read_i32(batch, BASE_SEQUENCE_AT),
                read_i64(batch, PRODUCER_ID_AT)
            )));
        }
        let compression = attributes & COMPRESSION_MASK;
        if compression > 4 {
            return Err(LogError::InvalidRecord(format!("unknown compression codec {compression}")));
        }
        let max_timestamp = read_i64(batch, MAX_TIMESTAMP_AT);
        if rules.timestamp_type == TimestampType::CreateTime {
            // Checked on the batch's first and max timestamps, not per record: the log never
            // decodes records on the append path.
            for timestamp in [read_i64(batch, BASE_TIMESTAMP_AT), max_timestamp] {
                if timestamp == NO_TIMESTAMP {
                    continue;
                }
                if timestamp < 0 {
                    return Err(LogError::InvalidTimestamp(format!("timestamp {timestamp} is negative")));
                }
                if now_ms.saturating_sub(timestamp) > rules.timestamp_before_max_ms
                    || timestamp.saturating_sub(now_ms) > rules.timestamp_after_max_ms
                {
                    return Err(LogError::InvalidTimestamp(format!(
                        "timestamp {timestamp} is out of the accepted range around {now_ms}"
                    )));
                }
            }
        }
        batches.push(BatchInfo { position, size, last_offset_delta, max_timestamp });
        position += size;
    }
    Ok(batches)
}

/// Assigns `base_offset` and the leader epoch (outside the CRC); for LogAppendTime topics also
/// stamps maxTimestamp and the timestamp-type bit and recomputes the CRC.
pub fn assign_in_place(batch: &mut [u8], base_offset: i64, leader_epoch: i32, log_append_time: Option<i64>) {
    batch[BASE_OFFSET_AT..BASE_OFFSET_AT + 8].copy_from_slice(&base_offset.to_be_bytes());
    batch[LEADER_EPOCH_AT..LEADER_EPOCH_AT + 4].copy_from_slice(&leader_epoch.to_be_bytes());
    if let Some(now) = log_append_time {
        let attributes = read_i16(batch, ATTRIBUTES_AT) as u16 | TIMESTAMP_TYPE_LOG_APPEND;
        batch[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
        batch[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&now.to_be_bytes());
        let crc = crc32c::crc32c(&batch[ATTRIBUTES_AT..]);
        batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    }
}

/// Reads a zig-zag varint (at most `max_bytes` long) at `*at`, advancing it.
fn read_varlong(b: &[u8], at: &mut usize, max_bytes: usize) -> Option<i64> {
    let mut value: u64 = 0;
    for i in 0..max_bytes {
        let byte = *b.get(*at)?;
        *at += 1;
        value |= ((byte & 0x7f) as u64) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(((value >> 1) as i64) ^ -((value & 1) as i64));
        }
    }
    None
}

/// Reads a zig-zag varint from a stream; `Ok(None)` at a clean end of stream.
fn read_varlong_from(reader: &mut dyn std::io::Read, max_bytes: usize) -> Result<Option<i64>> {
    let mut value: u64 = 0;
    for i in 0..max_bytes {
        let mut byte = [0u8; 1];
        match reader.read(&mut byte) {
            Ok(0) if i == 0 => return Ok(None),
            Ok(0) => return Err(LogError::Corrupt("truncated varint in records".into())),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(LogError::Corrupt(format!("compressed records: {e}"))),
        }
        value |= ((byte[0] & 0x7f) as u64) << (7 * i);
        if byte[0] & 0x80 == 0 {
            return Ok(Some(((value >> 1) as i64) ^ -((value & 1) as i64)));
        }
    }
    Err(LogError::Corrupt("varint too long in records".into()))
}

/// Bound on one record read out of a compressed batch while searching it.
const MAX_RECORD_BYTES: i64 = 64 * 1024 * 1024;

/// The first record with offset >= `min_offset` whose timestamp satisfies `accept`, in a whole
/// batch, and its timestamp. LogAppendTime batches give every record the batch's maxTimestamp,
/// as Kafka does. Compressed batches are decompressed as a stream, one record at a time.
pub fn find_record(batch: &[u8], min_offset: i64, accept: impl Fn(i64) -> bool) -> Result<Option<(i64, i64)>> {
    let base_offset = read_i64(batch, BASE_OFFSET_AT);
    let attributes = read_i16(batch, ATTRIBUTES_AT) as u16;
    let max_timestamp = read_i64(batch, MAX_TIMESTAMP_AT);
    let count = read_i32(batch, RECORDS_COUNT_AT).max(0) as i64;
    if attributes & TIMESTAMP_TYPE_LOG_APPEND != 0 {
        let last = base_offset + read_i32(batch, LAST_OFFSET_DELTA_AT) as i64;
        let first = base_offset.max(min_offset);
        return Ok((first <= last && accept(max_timestamp)).then_some((first, max_timestamp)));
    }
    let base_timestamp = read_i64(batch, BASE_TIMESTAMP_AT);
    let compression = attributes & COMPRESSION_MASK;
    let corrupt = || LogError::Corrupt("malformed record inside a batch".into());
    if compression == 0 {
        let mut at = HEADER_BYTES;
        for _ in 0..count {
            let length = read_varlong(batch, &mut at, 5).ok_or_else(corrupt)?;
            let record_start = at;
            if length < 0 || record_start + length as usize > batch.len() {
                return Err(corrupt());
            }
            at += 1; // attributes
            let timestamp_delta = read_varlong(batch, &mut at, 10).ok_or_else(corrupt)?;
            let offset_delta = read_varlong(batch, &mut at, 5).ok_or_else(corrupt)?;
            let offset = base_offset + offset_delta;
            let timestamp = base_timestamp.wrapping_add(timestamp_delta);
            if offset >= min_offset && accept(timestamp) {
                return Ok(Some((offset, timestamp)));
            }
            at = record_start + length as usize;
        }
        return Ok(None);
    }
    let mut reader = crate::compression::decompressing_reader(compression, &batch[HEADER_BYTES..])?;
    let mut record = Vec::new();
    for _ in 0..count {
        let Some(length) = read_varlong_from(reader.as_mut(), 5)? else { return Err(corrupt()) };
        if !(0..=MAX_RECORD_BYTES).contains(&length) {
            return Err(corrupt());
        }
        record.resize(length as usize, 0);
        reader.read_exact(&mut record).map_err(|e| LogError::Corrupt(format!("compressed records: {e}")))?;
        let mut at = 1; // attributes
        let timestamp_delta = read_varlong(&record, &mut at, 10).ok_or_else(corrupt)?;
        let offset_delta = read_varlong(&record, &mut at, 5).ok_or_else(corrupt)?;
        let offset = base_offset + offset_delta;
        let timestamp = base_timestamp.wrapping_add(timestamp_delta);
        if offset >= min_offset && accept(timestamp) {
            return Ok(Some((offset, timestamp)));
        }
    }
    Ok(None)
}
