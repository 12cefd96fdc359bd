//! Typed errors of the log engine. Each maps to the Kafka error code a broker answers with, so the
//! TypeScript side never has to parse messages.

use std::fmt;
use std::io;

/// Kafka error codes this crate can produce (org.apache.kafka.common.protocol.Errors).
pub mod kafka_code {
    pub const OFFSET_OUT_OF_RANGE: i16 = 1;
    pub const CORRUPT_MESSAGE: i16 = 2;
    pub const MESSAGE_TOO_LARGE: i16 = 10;
    pub const RECORD_LIST_TOO_LARGE: i16 = 18;
    pub const INVALID_TIMESTAMP: i16 = 32;
    pub const UNSUPPORTED_FOR_MESSAGE_FORMAT: i16 = 43;
    pub const KAFKA_STORAGE_ERROR: i16 = 56;
    pub const INVALID_RECORD: i16 = 87;
    pub const UNKNOWN_SERVER_ERROR: i16 = -1;
}

#[derive(Debug)]
pub enum LogError {
    /// A batch's bytes are damaged: bad CRC, impossible length, truncated (CORRUPT_MESSAGE).
    Corrupt(String),
    /// A well-formed batch that breaks a rule: wrong magic, inconsistent counts, control batch from
    /// a client, non-zero client base offset (INVALID_RECORD).
    InvalidRecord(String),
    /// One batch is larger than `max.message.bytes` (MESSAGE_TOO_LARGE).
    MessageTooLarge { size: usize, max: usize },
    /// The whole append is larger than a segment can hold (RECORD_LIST_TOO_LARGE).
    RecordListTooLarge { size: usize, max: usize },
    /// A timestamp outside `message.timestamp.before/after.max.ms` (INVALID_TIMESTAMP).
    InvalidTimestamp(String),
    /// The requested offset is outside [log start, log end] (OFFSET_OUT_OF_RANGE).
    OffsetOutOfRange { offset: i64, log_start: i64, log_end: i64 },
    /// An I/O error. The partition is taken offline; every later call fails the same way
    /// (KAFKA_STORAGE_ERROR) until it is reopened.
    Storage(String),
    /// A caller broke the API contract (bad argument); not a Kafka condition.
    InvalidArgument(String),
}

impl LogError {
    pub fn kafka_code(&self) -> i16 {
        use kafka_code::*;
        match self {
            LogError::Corrupt(_) => CORRUPT_MESSAGE,
            LogError::InvalidRecord(_) => INVALID_RECORD,
            LogError::MessageTooLarge { .. } => MESSAGE_TOO_LARGE,
            LogError::RecordListTooLarge { .. } => RECORD_LIST_TOO_LARGE,
            LogError::InvalidTimestamp(_) => INVALID_TIMESTAMP,
            LogError::OffsetOutOfRange { .. } => OFFSET_OUT_OF_RANGE,
            LogError::Storage(_) => KAFKA_STORAGE_ERROR,
            LogError::InvalidArgument(_) => UNKNOWN_SERVER_ERROR,
        }
    }

    /// The Kafka error name, for messages and logs.
    pub fn kafka_name(&self) -> &'static str {
        match self {
            LogError::Corrupt(_) => "CORRUPT_MESSAGE",
            LogError::InvalidRecord(_) => "INVALID_RECORD",
            LogError::MessageTooLarge { .. } => "MESSAGE_TOO_LARGE",
            LogError::RecordListTooLarge { .. } => "RECORD_LIST_TOO_LARGE",
            LogError::InvalidTimestamp(_) => "INVALID_TIMESTAMP",
            LogError::OffsetOutOfRange { .. } => "OFFSET_OUT_OF_RANGE",
            LogError::Storage(_) => "KAFKA_STORAGE_ERROR",
            LogError::InvalidArgument(_) => "UNKNOWN_SERVER_ERROR",
        }
    }

    pub(crate) fn storage(context: &str, error: io::Error) -> LogError {
        LogError::Storage(format!("{context}: {error}"))
    }
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::Corrupt(m) | LogError::InvalidRecord(m) | LogError::InvalidTimestamp(m) => {
                write!(f, "{}: {m}", self.kafka_name())
            }
            LogError::Storage(m) | LogError::InvalidArgument(m) => write!(f, "{}: {m}", self.kafka_name()),
            LogError::MessageTooLarge { size, max } => {
                write!(f, "MESSAGE_TOO_LARGE: batch of {size} bytes exceeds max.message.bytes {max}")
            }
            LogError::RecordListTooLarge { size, max } => {
                write!(f, "RECORD_LIST_TOO_LARGE: {size} bytes exceed segment.bytes {max}")
            }
            LogError::OffsetOutOfRange { offset, log_start, log_end } => write!(
                f,
                "OFFSET_OUT_OF_RANGE: offset {offset} is outside [{log_start}, {log_end}]"
            ),
        }
    }
}

impl std::error::Error for LogError {}

pub type Result<T> = std::result::Result<T, LogError>;
