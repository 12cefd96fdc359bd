//! fjord-log: the partition log engine of fjord.
//!
//! A partition is a directory of segments; a segment is a `.log` file of Kafka record batches
//! (magic v2) stored exactly as they came off the wire, with a sparse offset index and a time
//! index beside it. This crate has no N-API in it: `native/fjord-napi` is the thin binding.
//!
//! Where things are: `batch` (the 61-byte header, validation, offset assignment), `segment`
//! (one `.log` file), `index` (sparse offset and time indexes), `txn_index` (a segment's aborted
//! transactions, for read_committed fetches), `log` (a partition: append, read,
//! offsets, roll, retention, truncation, recovery), `read` (read plans, copy and sendfile),
//! `checkpoint` (recovery point, clean-shutdown marker), `group_commit` (fsync off the caller's
//! thread, shared by concurrent waiters), `crc32c` (hardware CRC-32C).

pub mod batch;
pub mod checkpoint;
pub mod compression;
pub mod crc32c;
pub mod error;
pub mod group_commit;
pub mod index;
pub mod log;
pub mod read;
pub mod segment;
pub mod txn_index;
pub mod uring;

pub use error::{LogError, Result};
pub use log::{AppendInfo, LogConfig, OpenReport, PartitionLog, RetentionReport, SyncJob};
pub use read::{ReadPlan, SendProgress};
pub use txn_index::AbortedTxn;
