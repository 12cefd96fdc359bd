//! The napi-rs binding of fjord-log: JS values in, core calls, JS values out. No logic here.
//!
//! Errors cross as JS `Error`s whose message starts with the Kafka error name
//! (`"CORRUPT_MESSAGE: ..."`); `src/native/` on the TypeScript side turns that into a typed error
//! with the numeric code. Offsets cross as JS numbers (exact below 2^53).
#![deny(clippy::all)]

use std::sync::Arc;

use fjord_log::batch::TimestampType;
use fjord_log::group_commit::{self, SyncCompletion, SyncRequest};
use fjord_log::{AbortedTxn as CoreAbortedTxn, LogConfig, LogError, PartitionLog};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

fn to_js_error(error: LogError) -> Error {
    Error::new(Status::GenericFailure, error.to_string())
}

fn closed() -> Error {
    Error::new(Status::GenericFailure, "UNKNOWN_SERVER_ERROR: the partition is closed".to_string())
}

/// CRC-32C (Castagnoli) of `data`, continuing from `crc` (0 to start).
#[napi(js_name = "crc32c")]
pub fn crc32c(data: &[u8], crc: Option<u32>) -> u32 {
    fjord_log::crc32c::crc32c_append(crc.unwrap_or(0), data)
}

/// Which CRC-32C implementation this CPU runs.
#[napi(js_name = "crc32cImplementation")]
pub fn crc32c_implementation() -> String {
    fjord_log::crc32c::implementation().to_string()
}

/// Whether the kernel lets this process use io_uring.
#[napi]
pub fn io_uring_available() -> bool {
    fjord_log::uring::available()
}

/// Topic settings for one partition, with Kafka's config names in camel case. Omitted fields
/// take Kafka's defaults.
#[napi(object)]
#[derive(Default)]
pub struct LogSettings {
    pub segment_bytes: Option<i64>,
    pub segment_ms: Option<i64>,
    pub segment_index_bytes: Option<i64>,
    pub index_interval_bytes: Option<i64>,
    pub retention_ms: Option<i64>,
    pub retention_bytes: Option<i64>,
    pub max_message_bytes: Option<i64>,
    /// "CreateTime" or "LogAppendTime".
    pub message_timestamp_type: Option<String>,
    pub message_timestamp_before_max_ms: Option<i64>,
    pub message_timestamp_after_max_ms: Option<i64>,
    pub flush_messages: Option<i64>,
    pub flush_ms: Option<i64>,
}

fn to_config(settings: Option<LogSettings>) -> Result<LogConfig> {
    let s = settings.unwrap_or_default();
    let d = LogConfig::default();
    let non_negative = |name: &str, v: Option<i64>, default: u64| -> Result<u64> {
        match v {
            None => Ok(default),
            Some(v) if v >= 0 => Ok(v as u64),
            Some(v) => Err(Error::new(Status::InvalidArg, format!("INVALID_CONFIG: {name} = {v}"))),
        }
    };
    let timestamp_type = match s.message_timestamp_type.as_deref() {
        None | Some("CreateTime") => TimestampType::CreateTime,
        Some("LogAppendTime") => TimestampType::LogAppendTime,
        Some(other) => return Err(Error::new(Status::InvalidArg, format!("INVALID_CONFIG: message.timestamp.type = {other}"))),
    };
    let config = LogConfig {
        segment_bytes: non_negative("segment.bytes", s.segment_bytes, d.segment_bytes)?,
        segment_ms: s.segment_ms.unwrap_or(d.segment_ms),
        segment_index_bytes: non_negative("segment.index.bytes", s.segment_index_bytes, d.segment_index_bytes)?,
        index_interval_bytes: non_negative("index.interval.bytes", s.index_interval_bytes, d.index_interval_bytes)?,
        retention_ms: s.retention_ms.unwrap_or(d.retention_ms),
        retention_bytes: s.retention_bytes.unwrap_or(d.retention_bytes),
        max_message_bytes: non_negative("max.message.bytes", s.max_message_bytes, d.max_message_bytes as u64)? as usize,
        timestamp_type,
        timestamp_before_max_ms: s.message_timestamp_before_max_ms.unwrap_or(d.timestamp_before_max_ms),
        timestamp_after_max_ms: s.message_timestamp_after_max_ms.unwrap_or(d.timestamp_after_max_ms),
        flush_messages: s.flush_messages.unwrap_or(d.flush_messages),
        flush_ms: s.flush_ms.unwrap_or(d.flush_ms),
    };
    config.validate().map_err(|e| Error::new(Status::InvalidArg, format!("INVALID_CONFIG: {e}")))?;
    Ok(config)
}

#[napi(object)]
pub struct AppendResult {
    pub base_offset: i64,
    pub last_offset: i64,
    /// -1 unless the topic uses LogAppendTime.
    pub log_append_time: i64,
    pub log_end_offset: i64,
}

#[napi(object)]
pub struct OpenResult {
    pub clean: bool,
    pub segments: u32,
    pub recovered_segments: u32,
    pub truncated_bytes: i64,
}

#[napi(object)]
pub struct TimestampAndOffset {
    pub offset: i64,
    pub timestamp: i64,
}

#[napi(object)]
pub struct RetentionResult {
    pub deleted_segments: u32,
    pub deleted_bytes: i64,
    pub log_start_offset: i64,
}

#[napi(object)]
pub struct SendResult {
    /// Bytes of the plan sent so far, counting earlier calls: resume from here.
    pub sent: i64,
    /// The socket would block: call again from `sent` when it is writable.
    pub would_block: bool,
    pub done: bool,
}

/// An aborted transaction in a segment's transaction index (Kafka's `AbortedTxn`).
#[napi(object)]
pub struct AbortedTxn {
    pub producer_id: BigInt,
    pub first_offset: i64,
    /// The offset of the abort marker.
    pub last_offset: i64,
    /// The partition's last stable offset once the marker was written.
    pub last_stable_offset: i64,
}

impl AbortedTxn {
    fn from_core(entry: CoreAbortedTxn) -> AbortedTxn {
        AbortedTxn {
            producer_id: BigInt::from(entry.producer_id),
            first_offset: entry.first_offset,
            last_offset: entry.last_offset,
            last_stable_offset: entry.last_stable_offset,
        }
    }

    fn to_core(&self) -> Result<CoreAbortedTxn> {
        let (producer_id, lossless) = self.producer_id.get_i64();
        if !lossless {
            return Err(Error::new(Status::InvalidArg, "UNKNOWN_SERVER_ERROR: producerId is not an int64".to_string()));
        }
        Ok(CoreAbortedTxn {
            producer_id,
            first_offset: self.first_offset,
            last_offset: self.last_offset,
            last_stable_offset: self.last_stable_offset,
        })
    }
}

/// One partition's log. Used from the JavaScript thread only.
#[napi]
pub struct Partition {
    log: Option<PartitionLog>,
    report: OpenResult,
}

#[napi]
impl Partition {
    /// Opens or creates the partition in `dir`, recovering after a crash.
    #[napi(factory)]
    pub fn open(dir: String, settings: Option<LogSettings>, now_ms: i64) -> Result<Partition> {
        let (log, report) = PartitionLog::open(std::path::Path::new(&dir), to_config(settings)?, now_ms).map_err(to_js_error)?;
        Ok(Partition {
            log: Some(log),
            report: OpenResult {
                clean: report.clean,
                segments: report.segments as u32,
                recovered_segments: report.recovered_segments as u32,
                truncated_bytes: report.truncated_bytes as i64,
            },
        })
    }

    fn log(&self) -> Result<&PartitionLog> {
        self.log.as_ref().ok_or_else(closed)
    }
    fn log_mut(&mut self) -> Result<&mut PartitionLog> {
        self.log.as_mut().ok_or_else(closed)
    }

    #[napi(getter)]
    pub fn open_result(&self) -> OpenResult {
        OpenResult { ..self.report }
    }

    /// Validates and appends one or more whole record batches, rewriting their offsets (and, for
    /// LogAppendTime topics, timestamps and CRC) in `batches` itself.
    #[napi]
    pub fn append(&mut self, mut batches: Buffer, leader_epoch: i32, now_ms: i64, allow_control: bool) -> Result<AppendResult> {
        let info = self.log_mut()?.append(batches.as_mut(), leader_epoch, now_ms, allow_control).map_err(to_js_error)?;
        Ok(AppendResult {
            base_offset: info.base_offset,
            last_offset: info.last_offset,
            log_append_time: info.log_append_time,
            log_end_offset: info.log_end_offset,
        })
    }

    /// Plans a read of whole batches from `offset`, below `maxOffset`, within `maxBytes`.
    #[napi]
    pub fn read(&self, offset: i64, max_bytes: i64, max_offset: i64, min_one_batch: bool) -> Result<ReadPlan> {
        let plan = self.log()?.read(offset, max_bytes.max(0) as u64, max_offset, min_one_batch).map_err(to_js_error)?;
        Ok(ReadPlan { plan })
    }

    /// Records an aborted transaction in the transaction index of the segment holding its
    /// `lastOffset` (the abort marker, already appended). lastOffset must increase.
    #[napi]
    pub fn append_aborted_txn(&mut self, entry: AbortedTxn) -> Result<()> {
        let entry = entry.to_core()?;
        self.log_mut()?.append_aborted_txn(entry).map_err(to_js_error)
    }

    /// The aborted transactions overlapping `[fetchOffset, upperBoundOffset)`, by lastOffset.
    #[napi]
    pub fn collect_aborted_txns(&self, fetch_offset: i64, upper_bound_offset: i64) -> Result<Vec<AbortedTxn>> {
        let found = self.log()?.collect_aborted_txns(fetch_offset, upper_bound_offset).map_err(to_js_error)?;
        Ok(found.into_iter().map(AbortedTxn::from_core).collect())
    }

    /// Drops the aborted transactions whose lastOffset is at or past `fromOffset`.
    #[napi]
    pub fn truncate_aborted_txns(&mut self, from_offset: i64) -> Result<()> {
        self.log_mut()?.truncate_aborted_txns(from_offset).map_err(to_js_error)
    }

    #[napi(getter)]
    pub fn log_start_offset(&self) -> Result<i64> {
        Ok(self.log()?.log_start_offset())
    }
    #[napi(getter)]
    pub fn log_end_offset(&self) -> Result<i64> {
        Ok(self.log()?.log_end_offset())
    }
    #[napi(getter)]
    pub fn recovery_point(&self) -> Result<i64> {
        Ok(self.log()?.recovery_point())
    }
    #[napi(getter)]
    pub fn size_bytes(&self) -> Result<i64> {
        Ok(self.log()?.size_bytes() as i64)
    }
    #[napi(getter)]
    pub fn segment_count(&self) -> Result<u32> {
        Ok(self.log()?.segment_count() as u32)
    }

    #[napi]
    pub fn offset_for_timestamp(&self, timestamp: i64) -> Result<Option<TimestampAndOffset>> {
        let found = self.log()?.offset_for_timestamp(timestamp).map_err(to_js_error)?;
        Ok(found.map(|(offset, timestamp)| TimestampAndOffset { offset, timestamp }))
    }

    #[napi]
    pub fn offset_of_max_timestamp(&self) -> Result<Option<TimestampAndOffset>> {
        let found = self.log()?.offset_of_max_timestamp().map_err(to_js_error)?;
        Ok(found.map(|(offset, timestamp)| TimestampAndOffset { offset, timestamp }))
    }

    #[napi]
    pub fn set_settings(&mut self, settings: LogSettings) -> Result<()> {
        let config = to_config(Some(settings))?;
        self.log_mut()?.set_config(config).map_err(to_js_error)
    }

    #[napi]
    pub fn roll(&mut self, now_ms: i64) -> Result<()> {
        self.log_mut()?.roll(now_ms).map_err(to_js_error)
    }

    #[napi]
    pub fn apply_retention(&mut self, now_ms: i64) -> Result<RetentionResult> {
        let r = self.log_mut()?.apply_retention(now_ms).map_err(to_js_error)?;
        Ok(RetentionResult { deleted_segments: r.deleted_segments as u32, deleted_bytes: r.deleted_bytes as i64, log_start_offset: r.log_start_offset })
    }

    #[napi]
    pub fn delete_records(&mut self, offset: i64) -> Result<i64> {
        self.log_mut()?.delete_records(offset).map_err(to_js_error)
    }

    #[napi]
    pub fn truncate_to(&mut self, offset: i64) -> Result<i64> {
        self.log_mut()?.truncate_to(offset).map_err(to_js_error)
    }

    /// Whether `flush.messages` or `flush.ms` asks for an fsync now.
    #[napi]
    pub fn flush_due(&self, now_ms: i64) -> Result<bool> {
        Ok(self.log()?.flush_due(now_ms))
    }

    /// fdatasyncs everything on this thread (blocking). Prefer a GroupCommitter.
    #[napi]
    pub fn flush_now(&mut self) -> Result<()> {
        self.log_mut()?.flush_all_now().map_err(to_js_error)
    }

    /// Records a group commit completion for this partition.
    #[napi]
    pub fn complete_sync(&mut self, target_offset: i64, generation: i64, error: Option<String>, now_ms: i64) -> Result<()> {
        let outcome = match error {
            None => Ok(()),
            Some(message) => Err(std::io::Error::other(message)),
        };
        self.log_mut()?.complete_sync(target_offset, generation as u64, outcome, now_ms).map_err(to_js_error)
    }

    /// Writes the recovery checkpoint (log start offset, recovery point).
    #[napi]
    pub fn checkpoint(&self) -> Result<()> {
        self.log()?.write_checkpoint().map_err(to_js_error)
    }

    /// Closes cleanly so that the next open scans nothing.
    #[napi]
    pub fn close(&mut self) -> Result<()> {
        let log = self.log.take().ok_or_else(closed)?;
        log.close().map_err(to_js_error)
    }

    /// Deletes the partition's directory and everything in it.
    #[napi]
    pub fn delete(&mut self) -> Result<()> {
        let log = self.log.take().ok_or_else(closed)?;
        log.delete().map_err(to_js_error)
    }
}

/// A planned read: regions of segment files, whole batches only. Holds its files open, so it
/// stays valid if retention deletes the segments.
#[napi]
pub struct ReadPlan {
    plan: fjord_log::ReadPlan,
}

#[napi]
impl ReadPlan {
    #[napi(getter)]
    pub fn bytes(&self) -> i64 {
        self.plan.bytes as i64
    }
    #[napi(getter)]
    pub fn next_offset(&self) -> i64 {
        self.plan.next_offset
    }
    #[napi(getter)]
    pub fn region_count(&self) -> u32 {
        self.plan.regions.len() as u32
    }

    /// Reads the plan's bytes into a new Buffer.
    #[napi]
    pub fn copy(&self) -> Result<Buffer> {
        Ok(self.plan.to_vec().map_err(to_js_error)?.into())
    }

    /// Reads `length` bytes of the plan from byte `from` into a new Buffer: the copy path for
    /// the rest of a send that sendfile could not finish.
    #[napi]
    pub fn copy_range(&self, from: i64, length: i64) -> Result<Buffer> {
        let mut out = vec![0u8; length.max(0) as usize];
        self.plan.copy_range_into(from.max(0) as u64, &mut out).map_err(to_js_error)?;
        Ok(out.into())
    }

    /// sendfile(2) from the segment files to `fd` (a socket, usually non-blocking), from byte
    /// `sent` of the plan on.
    #[napi]
    pub fn send_to(&self, fd: i32, sent: i64) -> Result<SendResult> {
        let p = self.plan.send_to(fd, sent.max(0) as u64).map_err(to_js_error)?;
        Ok(SendResult { sent: p.sent as i64, would_block: p.would_block, done: p.done })
    }
}

#[napi(object)]
pub struct SyncDone {
    pub token: u32,
    pub target_offset: i64,
    pub generation: i64,
    pub error: Option<String>,
}

type CompletionCallback = ThreadsafeFunction<Vec<SyncDone>, (), Vec<SyncDone>, Status, false>;

/// fsync off the JavaScript thread, shared by all waiters of a round; `onComplete` receives each
/// round's completions in one call. Keeps the process alive until `stop()`.
#[napi]
pub struct GroupCommitter {
    inner: Option<group_commit::GroupCommitter>,
}

#[napi]
impl GroupCommitter {
    #[napi(constructor)]
    pub fn new(max_pending: u32, prefer_io_uring: bool, on_complete: Function<'_, Vec<SyncDone>, ()>) -> Result<GroupCommitter> {
        let callback: Arc<CompletionCallback> = Arc::new(on_complete.build_threadsafe_function().callee_handled::<false>().build()?);
        let inner = group_commit::GroupCommitter::start(max_pending as usize, prefer_io_uring, move |round: Vec<SyncCompletion>| {
            let done = round
                .into_iter()
                .map(|c| SyncDone { token: c.token as u32, target_offset: c.target_offset, generation: c.generation as i64, error: c.error })
                .collect();
            callback.call(done, ThreadsafeFunctionCallMode::Blocking);
        });
        Ok(GroupCommitter { inner: Some(inner) })
    }

    /// "io_uring" or "syscalls".
    #[napi(getter)]
    pub fn backend(&self) -> String {
        self.inner.as_ref().map(|c| c.backend()).unwrap_or("stopped").to_string()
    }

    /// Queues an fsync of `partition` up to `upTo`. Returns false when there is nothing to sync
    /// (already durable). Throws when `maxPending` jobs are queued.
    #[napi]
    pub fn submit(&self, partition: &mut Partition, up_to: i64, token: u32) -> Result<bool> {
        let committer = self.inner.as_ref().ok_or_else(|| Error::new(Status::GenericFailure, "UNKNOWN_SERVER_ERROR: group committer stopped".to_string()))?;
        let Some(job) = partition.log_mut()?.sync_job(up_to).map_err(to_js_error)? else { return Ok(false) };
        committer.submit(SyncRequest { token: token as u64, job }).map_err(|e| {
            Error::new(Status::GenericFailure, format!("UNKNOWN_SERVER_ERROR: group commit queue: {e:?}"))
        })?;
        Ok(true)
    }

    /// Finishes queued jobs (their completions are still delivered) and stops the thread.
    #[napi]
    pub fn stop(&mut self) {
        if let Some(mut inner) = self.inner.take() {
            inner.stop();
        }
    }
}
