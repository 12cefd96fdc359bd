//! A partition's log: a directory of segments (segment.rs) plus two checkpoint files
//! (checkpoint.rs). This is the engine's coarse API: one call appends a whole request's batches
//! for the partition, one call plans a fetch.
//!
//! Directory layout:
//! ```text
//! <dir>/00000000000000000000.log        segments, named by base offset (format: segment.rs)
//! <dir>/00000000000000000000.index      sparse offset index (format: index.rs)
//! <dir>/00000000000000000000.timeindex  sparse time index (format: index.rs)
//! <dir>/00000000000000000000.txnindex   aborted transactions, if any (format: txn_index.rs)
//! <dir>/recovery.checkpoint             log start offset and recovery point (checkpoint.rs)
//! <dir>/clean-shutdown                  present only between a clean close and the next open
//! ```
//! Invariants, asserted on every update: log start offset <= recovery point <= log end offset;
//! segments are contiguous in offsets and only the last (active) one is appended to.
//!
//! Concurrency: a `PartitionLog` is used from one thread (the broker's event loop). Flush jobs
//! and read plans it hands out hold `Arc<File>`s and may be used on other threads.

use std::collections::BTreeMap;
use std::fs::File;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::batch::{self, TimestampType, ValidationRules, NO_TIMESTAMP};
use crate::checkpoint::{self, RecoveryCheckpoint};
use crate::error::{LogError, Result};
use crate::read::{FileRegion, ReadPlan};
use crate::segment::{Segment, SegmentLimits};
use crate::txn_index::AbortedTxn;

/// Topic-level settings the log obeys, with Kafka's names and defaults.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// `segment.bytes` (default 1 GiB).
    pub segment_bytes: u64,
    /// `segment.ms` (default 7 days).
    pub segment_ms: i64,
    /// `segment.index.bytes` (default 10 MiB).
    pub segment_index_bytes: u64,
    /// `index.interval.bytes` (default 4096).
    pub index_interval_bytes: u64,
    /// `retention.ms` (default 7 days; -1 keeps forever).
    pub retention_ms: i64,
    /// `retention.bytes` (default -1, no limit).
    pub retention_bytes: i64,
    /// `max.message.bytes` (default 1048588).
    pub max_message_bytes: usize,
    /// `message.timestamp.type` (default CreateTime).
    pub timestamp_type: TimestampType,
    /// `message.timestamp.before.max.ms` (default Long.MAX_VALUE).
    pub timestamp_before_max_ms: i64,
    /// `message.timestamp.after.max.ms` (default Long.MAX_VALUE).
    pub timestamp_after_max_ms: i64,
    /// `flush.messages`: fsync once this many messages are unflushed (default Long.MAX_VALUE).
    pub flush_messages: i64,
    /// `flush.ms`: fsync when the oldest unflushed data is this old (default Long.MAX_VALUE).
    pub flush_ms: i64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: 1 << 30,
            segment_ms: 7 * 24 * 3600 * 1000,
            segment_index_bytes: 10 * 1024 * 1024,
            index_interval_bytes: 4096,
            retention_ms: 7 * 24 * 3600 * 1000,
            retention_bytes: -1,
            max_message_bytes: 1_048_588,
            timestamp_type: TimestampType::CreateTime,
            timestamp_before_max_ms: i64::MAX,
            timestamp_after_max_ms: i64::MAX,
            flush_messages: i64::MAX,
            flush_ms: i64::MAX,
        }
    }
}

impl LogConfig {
    pub fn validate(&self) -> Result<()> {
        // Kafka's minimum segment.bytes is 14 (one batch header fits in more), its maximum an int.
        if self.segment_bytes < batch::HEADER_BYTES as u64 || self.segment_bytes > i32::MAX as u64 {
            return Err(LogError::InvalidArgument(format!("segment.bytes {} is out of range", self.segment_bytes)));
        }
        if self.segment_index_bytes < 8 || self.index_interval_bytes == 0 || self.segment_ms < 1 {
            return Err(LogError::InvalidArgument("index or segment settings out of range".into()));
        }
        if self.max_message_bytes < batch::HEADER_BYTES {
            return Err(LogError::InvalidArgument("max.message.bytes is smaller than a batch header".into()));
        }
        Ok(())
    }

    fn limits(&self) -> SegmentLimits {
        SegmentLimits {
            index_interval_bytes: self.index_interval_bytes,
            max_index_entries: (self.segment_index_bytes / 8) as usize,
            max_time_index_entries: (self.segment_index_bytes / 12) as usize,
        }
    }

    fn rules(&self, allow_control: bool) -> ValidationRules {
        ValidationRules {
            max_message_bytes: self.max_message_bytes,
            allow_control,
            timestamp_type: self.timestamp_type,
            timestamp_before_max_ms: self.timestamp_before_max_ms,
            timestamp_after_max_ms: self.timestamp_after_max_ms,
        }
    }
}

/// What an append did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppendInfo {
    pub base_offset: i64,
    pub last_offset: i64,
    /// The time stamped on the batches for LogAppendTime topics, else -1 (as ProduceResponse).
    pub log_append_time: i64,
    pub log_end_offset: i64,
}

/// How an open went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    pub clean: bool,
    pub segments: usize,
    /// Segments whose batches were validated one by one.
    pub recovered_segments: usize,
    /// Bytes cut off torn or corrupt tails, and bytes of segments dropped after the damage.
    pub truncated_bytes: u64,
}

/// What a retention pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub deleted_segments: usize,
    pub deleted_bytes: u64,
    pub log_start_offset: i64,
}

/// Files to fdatasync so that every offset below `target_offset` is durable. Runs anywhere.
#[derive(Debug)]
pub struct SyncJob {
    pub files: Vec<Arc<File>>,
    /// A directory whose entries changed (new or deleted segments) and needs an fsync too.
    pub directory: Option<PathBuf>,
    pub target_offset: i64,
    /// The log's truncation generation when the job was made; a completion from an older
    /// generation does not move the recovery point.
    pub generation: u64,
}

impl SyncJob {
    /// Runs the job on the calling thread with plain syscalls.
    pub fn run(&self) -> std::io::Result<()> {
        for file in &self.files {
            file.sync_data()?;
        }
        if let Some(dir) = &self.directory {
            checkpoint::sync_dir(dir)?;
        }
        Ok(())
    }
}

pub struct PartitionLog {
    dir: PathBuf,
    config: LogConfig,
    segments: BTreeMap<i64, Segment>,
    log_start_offset: i64,
    log_end_offset: i64,
    recovery_point: i64,
    /// Wall time of the last completed flush, for `flush.ms`.
    last_flush_ms: i64,
    /// Bumped by truncation, which invalidates flush jobs in flight.
    generation: u64,
    /// The highest target offset of the flush jobs handed out in this generation: offsets below
    /// it may already be counted durable, so a transaction index change there must be flushed anew.
    sync_horizon: i64,
    dir_dirty: bool,
    /// Set by the first I/O error: the partition is offline until reopened.
    offline: Option<String>,
}

impl std::fmt::Debug for PartitionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionLog")
            .field("dir", &self.dir)
            .field("log_start_offset", &self.log_start_offset)
            .field("log_end_offset", &self.log_end_offset)
            .field("recovery_point", &self.recovery_point)
            .field("segments", &self.segments.len())
            .finish()
    }
}

fn parse_segment_name(name: &str) -> Option<i64> {
    parse_stem(name.strip_suffix(".log")?)
}

fn parse_stem(stem: &str) -> Option<i64> {
    (stem.len() == 20 && stem.bytes().all(|b| b.is_ascii_digit())).then(|| stem.parse().ok())?
}

impl PartitionLog {
    /// Opens (creating if needed) the partition in `dir`. After a clean close nothing is scanned;
    /// after a crash every batch from the recovery point's segment on is checked and the log is
    /// cut at the first torn or corrupt byte.
    pub fn open(dir: &Path, config: LogConfig, now_ms: i64) -> Result<(PartitionLog, OpenReport)> {
        config.validate()?;
        let io = |context: &str, e| LogError::storage(&format!("{context} {}", dir.display()), e);
        std::fs::create_dir_all(dir).map_err(|e| io("create", e))?;
        let mut bases = Vec::new();
        let mut txn_indexes = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io("list", e))? {
            let entry = entry.map_err(|e| io("list", e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(base) = parse_segment_name(&name) {
                bases.push(base);
            } else if let Some(base) = name.strip_suffix(".txnindex").and_then(parse_stem) {
                txn_indexes.push((base, entry.path()));
            } else if name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        bases.sort_unstable();
        // A transaction index whose segment is gone (a crash while deleting the segment's files)
        // would otherwise be taken up by a later segment with that base offset.
        for (base, path) in txn_indexes {
            if bases.binary_search(&base).is_err() {
                std::fs::remove_file(&path).map_err(|e| io("delete", e))?;
            }
        }
        let limits = config.limits();
        let clean = checkpoint::take_clean_shutdown(dir);
        let recovery = checkpoint::read_recovery(dir);
        let mut report = OpenReport::default();
        let mut segments = BTreeMap::new();

        let clean_matches = clean.as_ref().is_some_and(|states| {
            states.len() == bases.len()
                && states.iter().zip(&bases).all(|((base, state), b)| {
                    base == b
                        && std::fs::metadata(dir.join(format!("{}.log", crate::segment::file_stem(*b))))
                            .is_ok_and(|m| m.len() == state.size)
                })
        });
        if let (true, Some(states)) = (clean_matches, clean) {
            report.clean = true;
            for (base, state) in &states {
                segments.insert(*base, Segment::open_clean(dir, *base, state, limits, now_ms)?);
            }
        } else {
            // Segments wholly below the recovery point were fsynced and validated before; the
            // segment holding it and every later one are checked batch by batch.
            let recovery_point = recovery.map(|r| r.recovery_point).unwrap_or(0);
            let first_to_check = bases.iter().rposition(|b| *b <= recovery_point).unwrap_or(0);
            let mut damaged = false;
            for (i, base) in bases.iter().enumerate() {
                if damaged {
                    // Everything after a damaged segment follows the damage: drop it.
                    let path = dir.join(format!("{}.log", crate::segment::file_stem(*base)));
                    report.truncated_bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                    let (segment, _) = Segment::open_recovering(dir, *base, limits, now_ms)?;
                    segment.delete_files()?;
                    continue;
                }
                if i < first_to_check {
                    segments.insert(*base, Segment::open_trusted(dir, *base, limits, now_ms)?);
                    continue;
                }
                let (segment, cut) = Segment::open_recovering(dir, *base, limits, now_ms)?;
                report.recovered_segments += 1;
                report.truncated_bytes += cut;
                // A cut, or a segment whose offsets do not continue the previous one, ends the log.
                let expected = segments.values().next_back().map(|s: &Segment| s.next_offset());
                let discontinuous = expected.is_some_and(|next| segment.base_offset != next);
                if discontinuous {
                    report.truncated_bytes += segment.size();
                    segment.delete_files()?;
                    damaged = true;
                    continue;
                }
                damaged = cut > 0;
                segments.insert(*base, segment);
            }
        }

        if segments.is_empty() {
            let start = recovery.map(|r| r.log_start_offset.max(0)).unwrap_or(0);
            segments.insert(start, Segment::create(dir, start, limits, now_ms)?);
        }
        report.segments = segments.len();
        let first_base = *segments.keys().next().unwrap();
        let log_end_offset = segments.values().next_back().unwrap().next_offset();
        let log_start_offset = recovery
            .map(|r| r.log_start_offset)
            .unwrap_or(first_base)
            .clamp(first_base, log_end_offset);
        let mut log = PartitionLog {
            dir: dir.to_path_buf(),
            config,
            segments,
            log_start_offset,
            log_end_offset,
            recovery_point: log_end_offset,
            last_flush_ms: now_ms,
            generation: 0,
            sync_horizon: 0,
            dir_dirty: true,
            offline: None,
        };
        if !report.clean {
            // Everything kept has now been validated; make it durable and record that.
            log.flush_all_now()?;
        } else {
            log.recovery_point = log.log_end_offset;
        }
        log.check_invariants();
        Ok((log, report))
    }

    fn check_invariants(&self) {
        assert!(
            self.log_start_offset <= self.recovery_point && self.recovery_point <= self.log_end_offset,
            "log start {} <= recovery point {} <= log end {} violated in {}",
            self.log_start_offset,
            self.recovery_point,
            self.log_end_offset,
            self.dir.display()
        );
        debug_assert_eq!(self.active().next_offset(), self.log_end_offset);
    }

    fn active(&self) -> &Segment {
        self.segments.values().next_back().expect("a log always has an active segment")
    }

    fn active_mut(&mut self) -> &mut Segment {
        self.segments.values_mut().next_back().expect("a log always has an active segment")
    }

    fn check_online(&self) -> Result<()> {
        match &self.offline {
            Some(reason) => Err(LogError::Storage(format!("partition is offline after an I/O error: {reason}"))),
            None => Ok(()),
        }
    }

    /// Records an I/O error: the partition goes offline (KAFKA_STORAGE_ERROR from then on).
    fn fail<T>(&mut self, error: LogError) -> Result<T> {
        if let LogError::Storage(message) = &error {
            self.offline.get_or_insert_with(|| message.clone());
        }
        Err(error)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn config(&self) -> &LogConfig {
        &self.config
    }
    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }
    pub fn log_end_offset(&self) -> i64 {
        self.log_end_offset
    }
    pub fn recovery_point(&self) -> i64 {
        self.recovery_point
    }
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }
    pub fn size_bytes(&self) -> u64 {
        self.segments.values().map(|s| s.size()).sum()
    }
    pub fn is_offline(&self) -> bool {
        self.offline.is_some()
    }
    pub fn segment_bases(&self) -> Vec<i64> {
        self.segments.keys().copied().collect()
    }

    /// Replaces the topic config (dynamic config change); applies from the next append or roll.
    pub fn set_config(&mut self, config: LogConfig) -> Result<()> {
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Validates every batch in `batches` (one or more whole batches), then assigns offsets from
    /// the log end in place and writes them all with one write. Nothing is written unless every
    /// batch passes.
    pub fn append(&mut self, batches: &mut [u8], leader_epoch: i32, now_ms: i64, allow_control: bool) -> Result<AppendInfo> {
        self.check_online()?;
        let infos = batch::validate_batches(batches, &self.config.rules(allow_control), now_ms)?;
        if batches.len() as u64 > self.config.segment_bytes {
            return Err(LogError::RecordListTooLarge { size: batches.len(), max: self.config.segment_bytes as usize });
        }
        let records: i64 = infos.iter().map(|b| b.last_offset_delta as i64 + 1).sum();
        let max_timestamp = infos.iter().map(|b| b.max_timestamp).max().unwrap_or(NO_TIMESTAMP);
        if let Err(e) = self.maybe_roll(batches.len() as u64, records, max_timestamp, now_ms) {
            return self.fail(e);
        }
        let log_append_time = (self.config.timestamp_type == TimestampType::LogAppendTime).then_some(now_ms);
        let base_offset = self.log_end_offset;
        let mut next = base_offset;
        let mut placed = Vec::with_capacity(infos.len());
        for info in &infos {
            let batch = &mut batches[info.position..info.position + info.size];
            batch::assign_in_place(batch, next, leader_epoch, log_append_time);
            let last = next + info.last_offset_delta as i64;
            let timestamp = log_append_time.unwrap_or(info.max_timestamp);
            placed.push((info.position, info.size, next, last, timestamp));
            next = last + 1;
        }
        if let Err(e) = self.active_mut().append(batches, &placed) {
            return self.fail(e);
        }
        self.log_end_offset = next;
        self.check_invariants();
        Ok(AppendInfo {
            base_offset,
            last_offset: next - 1,
            log_append_time: log_append_time.unwrap_or(-1),
            log_end_offset: next,
        })
    }

    /// Kafka's roll rules: size, time (`segment.ms` on batch timestamps), a full index, or
    /// offsets that would not fit the index's 32-bit relative offsets.
    fn maybe_roll(&mut self, bytes: u64, records: i64, max_timestamp: i64, now_ms: i64) -> Result<()> {
        let config = &self.config;
        let active = self.active();
        if active.is_empty() {
            return Ok(());
        }
        let roll = active.size() + bytes > config.segment_bytes
            || active.time_waited_for_roll_ms(now_ms, max_timestamp) > config.segment_ms
            || active.is_index_full()
            || self.log_end_offset + records - 1 - active.base_offset > i32::MAX as i64;
        if roll {
            self.roll(now_ms)?;
        }
        Ok(())
    }

    /// Starts a new active segment at the log end (no-op if the active one is empty).
    pub fn roll(&mut self, now_ms: i64) -> Result<()> {
        self.check_online()?;
        if self.active().is_empty() {
            return Ok(());
        }
        let limits = self.config.limits();
        let result = self.active_mut().seal_indexes().and_then(|_| Segment::create(&self.dir, self.log_end_offset, limits, now_ms));
        match result {
            Ok(segment) => {
                self.segments.insert(self.log_end_offset, segment);
                self.dir_dirty = true;
                Ok(())
            }
            Err(e) => self.fail(e),
        }
    }

    /// Plans a read from `offset`: whole batches whose last offset is below `max_offset` (the
    /// high watermark or last stable offset), up to `max_bytes`, crossing segment boundaries.
    /// When `min_one_batch` is set and the first batch is larger than `max_bytes`, it is returned
    /// whole anyway (Kafka's rule for the first partition of a fetch).
    pub fn read(&self, offset: i64, max_bytes: u64, max_offset: i64, min_one_batch: bool) -> Result<ReadPlan> {
        self.check_online()?;
        if offset < self.log_start_offset || offset > self.log_end_offset {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start: self.log_start_offset,
                log_end: self.log_end_offset,
            });
        }
        let max_offset = max_offset.min(self.log_end_offset);
        let mut plan = ReadPlan::empty(offset);
        if offset >= max_offset {
            return Ok(plan);
        }
        let mut remaining = max_bytes;
        let mut from_offset = offset;
        let first_base = *self.segments.range(..=offset).next_back().map(|(b, _)| b).unwrap_or(&self.log_start_offset);
        for segment in self.segments.range(first_base..).map(|(_, s)| s) {
            let Some(start) = segment.find_batch(from_offset)? else { continue };
            if start.header.last_offset >= max_offset {
                break;
            }
            // Where the batches below max_offset end in this segment.
            let (end_by_offset, next_by_offset) = if max_offset >= segment.next_offset() {
                (segment.size(), None)
            } else {
                let h = segment.find_batch(max_offset)?.expect("max_offset is inside this segment");
                (h.position, Some(h.header.base_offset))
            };
            let limit = start.position.saturating_add(remaining).min(end_by_offset);
            let (mut end, mut next_header) = segment.batch_boundary_before(start.position, limit)?;
            if end == start.position {
                if plan.regions.is_empty() && min_one_batch {
                    end = start.position + start.header.size as u64;
                    next_header = segment.header_at(end)?;
                } else {
                    break;
                }
            }
            let length = end - start.position;
            plan.regions.push(FileRegion { file: Arc::clone(segment.file()), position: start.position, length });
            plan.bytes += length;
            remaining = remaining.saturating_sub(length);
            plan.next_offset = match (end == end_by_offset, next_header) {
                (true, _) => next_by_offset.unwrap_or(segment.next_offset()),
                (false, Some(h)) => h.header.base_offset,
                (false, None) => segment.next_offset(),
            };
            if end < end_by_offset || end_by_offset < segment.size() || remaining == 0 {
                break;
            }
            from_offset = segment.next_offset();
        }
        Ok(plan)
    }

    /// ListOffsets by timestamp: the first offset at or after the log start whose record timestamp
    /// is at or after `timestamp`, with that record's timestamp; `None` if there is none.
    pub fn offset_for_timestamp(&self, timestamp: i64) -> Result<Option<(i64, i64)>> {
        self.check_online()?;
        for segment in self.segments.values() {
            if segment.is_empty() || segment.max_timestamp() < timestamp || segment.next_offset() <= self.log_start_offset {
                continue;
            }
            let start_offset = segment
                .time_index()
                .floor(|e| e.timestamp <= timestamp)
                .map(|e| segment.base_offset + e.relative_offset as i64)
                .unwrap_or(segment.base_offset)
                .max(self.log_start_offset);
            let Some(start) = segment.find_batch(start_offset)? else { continue };
            let found = self.first_record_from(segment, start.position, |batch_max| batch_max >= timestamp, |t| t >= timestamp)?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// ListOffsets MAX_TIMESTAMP: the offset of the first record with the largest timestamp (the
    /// earliest such record), and that timestamp; `None` for an empty log.
    pub fn offset_of_max_timestamp(&self) -> Result<Option<(i64, i64)>> {
        self.check_online()?;
        let mut best: Option<&Segment> = None;
        for segment in self.segments.values() {
            if segment.is_empty() || segment.next_offset() <= self.log_start_offset {
                continue;
            }
            if best.is_none_or(|b| segment.max_timestamp() > b.max_timestamp()) {
                best = Some(segment);
            }
        }
        let Some(segment) = best else { return Ok(None) };
        let max = segment.max_timestamp();
        let from = segment.offset_of_max_timestamp().max(self.log_start_offset);
        let Some(start) = segment.find_batch(from)? else { return Ok(None) };
        self.first_record_from(segment, start.position, |batch_max| batch_max == max, |t| t == max)
    }

    /// Walks the segment's batches from `position` and returns the first record (at or past the
    /// log start) whose timestamp passes `accept`, looking inside only the batches whose max
    /// timestamp passes `batch_may_hold`. A compressed batch is decompressed (as a stream) to find
    /// the record, as Kafka does.
    fn first_record_from(
        &self,
        segment: &Segment,
        position: u64,
        batch_may_hold: impl Fn(i64) -> bool,
        accept: impl Fn(i64) -> bool,
    ) -> Result<Option<(i64, i64)>> {
        let mut outcome = Ok(None);
        segment.walk(position, |h| {
            if !batch_may_hold(h.max_timestamp) {
                return ControlFlow::Continue(());
            }
            let mut bytes = vec![0u8; h.header.size];
            outcome = segment.read_at(h.position, &mut bytes).and_then(|_| batch::find_record(&bytes, self.log_start_offset, &accept));
            match outcome {
                Ok(None) => ControlFlow::Continue(()),
                _ => ControlFlow::Break(()),
            }
        })?;
        outcome
    }

    /// Records an aborted transaction in the transaction index of the segment holding
    /// `entry.last_offset`, the offset of its abort marker (Kafka's `LogSegment.updateTxnIndex`).
    /// The marker must already be in the log: lastOffset below the log end, at or past the log
    /// start, and greater than every lastOffset recorded before (across the whole log, as Kafka's
    /// `TransactionIndex.append` requires per segment); firstOffset <= lastOffset.
    ///
    /// Call it right after appending the marker, before anything flushes the log. Should a flush
    /// already count the marker's offset durable, the recovery point drops back to it and flushes
    /// in flight stop counting, so that the next flush covers the entry.
    pub fn append_aborted_txn(&mut self, entry: AbortedTxn) -> Result<()> {
        self.check_online()?;
        if entry.last_offset >= self.log_end_offset || entry.last_offset < self.log_start_offset || entry.first_offset > entry.last_offset {
            return Err(LogError::InvalidArgument(format!(
                "aborted transaction of producer {} with offsets {}..={} is not inside the log [{}, {})",
                entry.producer_id, entry.first_offset, entry.last_offset, self.log_start_offset, self.log_end_offset
            )));
        }
        // The newest entry is in the last segment that has any (a walk over in-memory segments).
        if let Some(last) = self.segments.values().rev().find_map(|s| s.txn_index().last_offset()) {
            if entry.last_offset <= last {
                return Err(LogError::InvalidArgument(format!(
                    "the last offset of appended transactions must increase: {} is not greater than {last} in {}",
                    entry.last_offset,
                    self.dir.display()
                )));
            }
        }
        let segment = self.segments.range_mut(..=entry.last_offset).next_back().map(|(_, s)| s).expect("the offset is inside the log");
        match segment.txn_index_mut().append(&entry) {
            Ok(created) => self.dir_dirty |= created,
            Err(e @ LogError::InvalidArgument(_)) => return Err(e),
            Err(e) => return self.fail(e),
        }
        self.unflush_from(entry.last_offset);
        self.check_invariants();
        Ok(())
    }

    /// Kafka's `UnifiedLog.collectAbortedTransactions`: the aborted transactions that overlap
    /// `[fetch_offset, upper_bound_offset)` (lastOffset >= fetch_offset and firstOffset <
    /// upper_bound_offset), in increasing lastOffset. The search starts at the segment holding
    /// `fetch_offset` and goes on through later segments, since a transaction that began in the
    /// range may be aborted segments later, until an entry whose lastStableOffset reaches
    /// `upper_bound_offset` shows that no later abort can overlap the range.
    ///
    /// Bound: per segment an O(log entries) binary search, then the entries from the first with
    /// lastOffset >= `fetch_offset` to that stopping entry. For a read_committed fetch, whose upper
    /// bound is at most the last stable offset, that is the first abort after the fetched range.
    /// Memory: the result (transactions overlapping the range: at most the offsets in it plus the
    /// producers with a transaction open at `fetch_offset`) and one 34 KiB read buffer.
    pub fn collect_aborted_txns(&self, fetch_offset: i64, upper_bound_offset: i64) -> Result<Vec<AbortedTxn>> {
        self.check_online()?;
        let mut out = Vec::new();
        if upper_bound_offset <= fetch_offset {
            return Ok(out);
        }
        let first = self.segments.range(..=fetch_offset).next_back().map(|(b, _)| *b).unwrap_or(i64::MIN);
        for segment in self.segments.range(first..).map(|(_, s)| s) {
            if segment.txn_index().collect(fetch_offset, upper_bound_offset, &mut out)? {
                break;
            }
        }
        Ok(out)
    }

    /// Drops every aborted transaction whose lastOffset is at or past `from_offset`, in every
    /// segment (the files are cut). The caller rebuilds them by replaying the log from there.
    pub fn truncate_aborted_txns(&mut self, from_offset: i64) -> Result<()> {
        self.check_online()?;
        let first = self.segments.range(..=from_offset).next_back().map(|(b, _)| *b).unwrap_or(i64::MIN);
        let mut changed = false;
        let mut result = Ok(());
        for segment in self.segments.range_mut(first..).map(|(_, s)| s) {
            if segment.txn_index().last_offset().is_some_and(|last| last >= from_offset) {
                changed = true;
                result = segment.txn_index_mut().truncate_from(from_offset);
                if result.is_err() {
                    break;
                }
            }
        }
        if let Err(e) = result {
            return self.fail(e);
        }
        if changed {
            self.unflush_from(from_offset);
        }
        self.check_invariants();
        Ok(())
    }

    /// A transaction index changed at `offset`. If a flush may already count that offset durable,
    /// the recovery point drops back to it and flushes in flight stop counting (a new generation),
    /// so that the next flush, which covers every segment from the recovery point on, syncs it.
    fn unflush_from(&mut self, offset: i64) {
        if offset < self.sync_horizon.max(self.recovery_point) {
            self.generation += 1;
            self.recovery_point = self.recovery_point.min(offset.max(self.log_start_offset));
            self.sync_horizon = self.recovery_point;
        }
    }

    /// DeleteRecords: raises the log start offset to `offset` (at most the log end), deletes
    /// segments wholly below it, and records it durably. Returns the new log start offset.
    pub fn delete_records(&mut self, offset: i64) -> Result<i64> {
        self.check_online()?;
        if offset > self.log_end_offset || offset < 0 {
            return Err(LogError::OffsetOutOfRange { offset, log_start: self.log_start_offset, log_end: self.log_end_offset });
        }
        if offset > self.log_start_offset {
            self.log_start_offset = offset;
            self.recovery_point = self.recovery_point.max(offset);
            self.delete_segments_below_start()?;
            if let Err(e) = self.write_checkpoint() {
                return self.fail(e);
            }
        }
        self.check_invariants();
        Ok(self.log_start_offset)
    }

    /// Deletes non-active segments whose every offset is below the log start offset.
    fn delete_segments_below_start(&mut self) -> Result<RetentionReport> {
        let mut report = RetentionReport::default();
        while self.segments.len() > 1 {
            let first = self.segments.values().next().unwrap();
            if first.next_offset() > self.log_start_offset {
                break;
            }
            self.delete_first_segment(&mut report)?;
        }
        report.log_start_offset = self.log_start_offset;
        Ok(report)
    }

    fn delete_first_segment(&mut self, report: &mut RetentionReport) -> Result<()> {
        let (_, segment) = self.segments.pop_first().unwrap();
        report.deleted_segments += 1;
        report.deleted_bytes += segment.size();
        if let Err(e) = segment.delete_files() {
            return self.fail(e);
        }
        let first_base = *self.segments.keys().next().unwrap();
        self.log_start_offset = self.log_start_offset.max(first_base);
        self.recovery_point = self.recovery_point.max(self.log_start_offset);
        self.dir_dirty = true;
        Ok(())
    }

    /// Applies `retention.ms` (by each segment's max timestamp) and `retention.bytes`, deleting
    /// whole segments from the oldest. The active segment is never deleted; when every segment
    /// has expired, the active one is rolled first so that it can go, as Kafka does.
    pub fn apply_retention(&mut self, now_ms: i64) -> Result<RetentionReport> {
        self.check_online()?;
        let mut report = self.delete_segments_below_start()?;
        if self.config.retention_ms >= 0 {
            let expired = |s: &Segment| s.max_timestamp() != NO_TIMESTAMP && now_ms - s.max_timestamp() > self.config.retention_ms;
            if !self.active().is_empty() && self.segments.values().all(expired) {
                self.roll(now_ms)?;
            }
            while self.segments.len() > 1 {
                let first = self.segments.values().next().unwrap();
                if !(first.max_timestamp() != NO_TIMESTAMP && now_ms - first.max_timestamp() > self.config.retention_ms) {
                    break;
                }
                self.delete_first_segment(&mut report)?;
            }
        }
        if self.config.retention_bytes >= 0 {
            let mut total = self.size_bytes();
            while self.segments.len() > 1 {
                let first_size = self.segments.values().next().unwrap().size();
                if total - first_size < self.config.retention_bytes as u64 {
                    break;
                }
                total -= first_size;
                self.delete_first_segment(&mut report)?;
            }
        }
        if report.deleted_segments > 0 {
            if let Err(e) = self.write_checkpoint() {
                return self.fail(e);
            }
        }
        report.log_start_offset = self.log_start_offset;
        self.check_invariants();
        Ok(report)
    }

    /// Removes every batch at or after `offset` (whole batches: a batch holding `offset` goes
    /// too), as a follower does when its leader's log diverged. Returns the new log end offset.
    pub fn truncate_to(&mut self, offset: i64) -> Result<i64> {
        self.check_online()?;
        if offset >= self.log_end_offset {
            return Ok(self.log_end_offset);
        }
        if offset < 0 {
            return Err(LogError::InvalidArgument(format!("truncate to negative offset {offset}")));
        }
        self.generation += 1;
        let result = (|| -> Result<()> {
            // Drop whole segments at or past the offset, keeping at least one.
            while self.segments.len() > 1 && *self.segments.keys().next_back().unwrap() >= offset {
                let (_, segment) = self.segments.pop_last().unwrap();
                segment.delete_files()?;
            }
            let active = self.active_mut();
            if active.base_offset >= offset {
                // Even the first segment starts past it: restart the log at `offset`.
                let (_, segment) = self.segments.pop_last().unwrap();
                segment.delete_files()?;
                let limits = self.config.limits();
                self.segments.insert(offset, Segment::create(&self.dir, offset, limits, 0)?);
                self.log_start_offset = offset;
            } else {
                active.truncate_to_offset(offset)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            return self.fail(e);
        }
        self.dir_dirty = true;
        self.log_end_offset = self.active().next_offset();
        self.log_start_offset = self.log_start_offset.min(self.log_end_offset);
        self.recovery_point = self.recovery_point.clamp(self.log_start_offset, self.log_end_offset);
        self.sync_horizon = self.recovery_point;
        if let Err(e) = self.write_checkpoint() {
            return self.fail(e);
        }
        self.check_invariants();
        Ok(self.log_end_offset)
    }

    /// Whether the flush policy (`flush.messages`, `flush.ms`) asks for an fsync now.
    pub fn flush_due(&self, now_ms: i64) -> bool {
        let unflushed = self.log_end_offset - self.recovery_point;
        unflushed > 0 && (unflushed >= self.config.flush_messages || now_ms - self.last_flush_ms >= self.config.flush_ms)
    }

    /// The fsync work that makes every offset below `up_to` (at most the log end) durable.
    /// `None` when it already is.
    pub fn sync_job(&mut self, up_to: i64) -> Result<Option<SyncJob>> {
        self.check_online()?;
        let target = up_to.min(self.log_end_offset);
        if target <= self.recovery_point && !self.dir_dirty {
            return Ok(None);
        }
        // Every segment from the one holding the recovery point to the active one, each with its
        // transaction index if it has one.
        let first = *self.segments.range(..=self.recovery_point).next_back().map(|(b, _)| b).unwrap_or(self.segments.keys().next().unwrap());
        let mut files = Vec::new();
        for segment in self.segments.range(first..).map(|(_, s)| s) {
            files.push(Arc::clone(segment.file()));
            files.extend(segment.txn_index().file().cloned());
        }
        let directory = std::mem::take(&mut self.dir_dirty).then(|| self.dir.clone());
        let target_offset = self.log_end_offset.min(target.max(self.recovery_point));
        self.sync_horizon = self.sync_horizon.max(target_offset);
        Ok(Some(SyncJob { files, directory, target_offset, generation: self.generation }))
    }

    /// Records that a sync job finished. An error takes the partition offline.
    pub fn complete_sync(&mut self, job_target: i64, job_generation: u64, outcome: std::io::Result<()>, now_ms: i64) -> Result<()> {
        if let Err(e) = outcome {
            return self.fail(LogError::storage("fdatasync", e));
        }
        if job_generation == self.generation && job_target > self.recovery_point {
            self.recovery_point = job_target.min(self.log_end_offset);
        }
        self.last_flush_ms = now_ms;
        self.check_invariants();
        Ok(())
    }

    /// Flushes everything to the log end on this thread.
    pub fn flush_all_now(&mut self) -> Result<()> {
        if let Some(job) = self.sync_job(self.log_end_offset)? {
            let outcome = job.run();
            let now = self.last_flush_ms;
            self.complete_sync(job.target_offset, job.generation, outcome, now)?;
        }
        self.write_checkpoint().or_else(|e| self.fail(e))
    }

    /// Writes the recovery checkpoint (log start offset, recovery point).
    pub fn write_checkpoint(&self) -> Result<()> {
        checkpoint::write_recovery(&self.dir, RecoveryCheckpoint { log_start_offset: self.log_start_offset, recovery_point: self.recovery_point })
            .map_err(|e| LogError::storage(&format!("checkpoint {}", self.dir.display()), e))
    }

    /// Closes cleanly: indexes completed, everything fsynced, recovery point at the log end, and
    /// the clean-shutdown record written last, so the next open scans nothing.
    pub fn close(mut self) -> Result<()> {
        self.check_online()?;
        for segment in self.segments.values_mut() {
            segment.seal_indexes()?;
        }
        self.flush_all_now()?;
        let states: Vec<_> = self.segments.iter().map(|(b, s)| (*b, s.state())).collect();
        checkpoint::write_clean_shutdown(&self.dir, &states).map_err(|e| LogError::storage("clean shutdown marker", e))
    }

    /// Deletes the partition: every file and the directory.
    pub fn delete(self) -> Result<()> {
        let dir = self.dir.clone();
        drop(self);
        std::fs::remove_dir_all(&dir).map_err(|e| LogError::storage(&format!("delete {}", dir.display()), e))
    }
}
