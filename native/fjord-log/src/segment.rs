//! One segment of a partition: `<base offset, 20 digits>.log`, a file of whole record batches
//! (magic v2) exactly as they came off the wire, with offsets assigned, its two sparse indexes
//! (`.index`, `.timeindex`, formats in index.rs) and its transaction index (`.txnindex`, created
//! with its first aborted transaction, format in txn_index.rs). The `.log` file has no header of
//! its own: it is the concatenation of batches, so `size` is always a batch boundary.
//!
//! Concurrency: owned by its `PartitionLog` on one thread. The file handle is shared (`Arc`) with
//! read plans and flush jobs on other threads, which only read or fsync it; a deleted segment's
//! file stays readable by plans that still hold it.

use std::fs::{File, OpenOptions};
use std::ops::ControlFlow;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::batch::{self, ShallowHeader, HEADER_BYTES, NO_TIMESTAMP};
use crate::error::{LogError, Result};
use crate::index::{IndexEntry, OffsetEntry, OffsetIndex, TimeEntry, TimeIndex};
use crate::txn_index::{self, LoadCheck, TxnIndex};

/// The 20-digit zero-padded file name stem Kafka uses for a base offset.
pub fn file_stem(base_offset: i64) -> String {
    format!("{base_offset:020}")
}

/// A batch header as a segment walk sees it.
#[derive(Clone, Copy, Debug)]
pub struct HeaderAt {
    pub position: u64,
    pub header: ShallowHeader,
    pub max_timestamp: i64,
}

/// Bytes read at a time when walking batch headers. Bound: one buffer per walk.
const WALK_CHUNK_BYTES: usize = 16 * 1024;
/// Bytes read at a time when recovery validates whole batches (larger batches are read whole).
const RECOVERY_CHUNK_BYTES: usize = 4 * 1024 * 1024;

#[derive(Clone, Copy, Debug)]
pub struct SegmentLimits {
    pub index_interval_bytes: u64,
    pub max_index_entries: usize,
    pub max_time_index_entries: usize,
}

#[derive(Debug)]
pub struct Segment {
    pub base_offset: i64,
    file: Arc<File>,
    log_path: PathBuf,
    /// Valid bytes in the file; always a batch boundary.
    size: u64,
    /// One past the last offset held (the base offset when empty).
    next_offset: i64,
    offset_index: OffsetIndex,
    time_index: TimeIndex,
    txn_index: TxnIndex,
    bytes_since_index_entry: u64,
    max_timestamp: i64,
    /// Base offset of the first batch that reached `max_timestamp`.
    offset_of_max_timestamp: i64,
    /// The first batch's max timestamp, for time-based rolling (Kafka's rollingBasedTimestamp).
    first_batch_timestamp: Option<i64>,
    created_ms: i64,
    limits: SegmentLimits,
}

fn storage(context: &str, path: &Path, error: std::io::Error) -> LogError {
    LogError::storage(&format!("{context} {}", path.display()), error)
}

impl Segment {
    fn paths(dir: &Path, base_offset: i64) -> (PathBuf, PathBuf, PathBuf) {
        let stem = file_stem(base_offset);
        (
            dir.join(format!("{stem}.log")),
            dir.join(format!("{stem}.index")),
            dir.join(format!("{stem}.timeindex")),
        )
    }

    /// Creates a new empty segment (truncating any leftover files of that name).
    pub fn create(dir: &Path, base_offset: i64, limits: SegmentLimits, now_ms: i64) -> Result<Segment> {
        let (log_path, index_path, time_path) = Self::paths(dir, base_offset);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&log_path)
            .map_err(|e| storage("create", &log_path, e))?;
        let mut offset_index = OffsetIndex::empty(index_path, limits.max_index_entries);
        let mut time_index = TimeIndex::empty(time_path, limits.max_time_index_entries);
        offset_index.reset().map_err(|e| storage("create", offset_index.path(), e))?;
        time_index.reset().map_err(|e| storage("create", time_index.path(), e))?;
        let txn_index = TxnIndex::create(txn_index::path_for(dir, base_offset))?;
        Ok(Segment {
            base_offset,
            file: Arc::new(file),
            log_path,
            size: 0,
            next_offset: base_offset,
            offset_index,
            time_index,
            txn_index,
            bytes_since_index_entry: 0,
            max_timestamp: NO_TIMESTAMP,
            offset_of_max_timestamp: base_offset,
            first_batch_timestamp: None,
            created_ms: now_ms,
            limits,
        })
    }

    /// Opens an existing segment whose state is known from a clean shutdown: no scan.
    /// `size`, `next_offset` and the max timestamp come from the clean-shutdown record; the
    /// indexes are loaded from their files, and rebuilt if those fail their checks.
    pub fn open_clean(
        dir: &Path,
        base_offset: i64,
        state: &SegmentState,
        limits: SegmentLimits,
        now_ms: i64,
    ) -> Result<Segment> {
        let mut segment = Self::open_files(dir, base_offset, limits, now_ms)?;
        segment.size = state.size;
        segment.next_offset = state.next_offset;
        segment.max_timestamp = state.max_timestamp;
        segment.offset_of_max_timestamp = state.offset_of_max_timestamp;
        segment.first_batch_timestamp = state.first_batch_timestamp;
        if !segment.load_indexes() {
            segment.rebuild_indexes()?;
        }
        segment.txn_index.load(base_offset, segment.next_offset, LoadCheck::Last)?;
        Ok(segment)
    }

    fn open_files(dir: &Path, base_offset: i64, limits: SegmentLimits, now_ms: i64) -> Result<Segment> {
        let (log_path, index_path, time_path) = Self::paths(dir, base_offset);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&log_path)
            .map_err(|e| storage("open", &log_path, e))?;
        Ok(Segment {
            base_offset,
            file: Arc::new(file),
            log_path,
            size: 0,
            next_offset: base_offset,
            offset_index: OffsetIndex::empty(index_path, limits.max_index_entries),
            time_index: TimeIndex::empty(time_path, limits.max_time_index_entries),
            txn_index: TxnIndex::unloaded(txn_index::path_for(dir, base_offset)),
            bytes_since_index_entry: 0,
            max_timestamp: NO_TIMESTAMP,
            offset_of_max_timestamp: base_offset,
            first_batch_timestamp: None,
            created_ms: now_ms,
            limits,
        })
    }

    /// Opens a segment after a crash: every batch is checked (length, magic, CRC, offsets
    /// contiguous from `base_offset`) and the file is cut at the first torn or corrupt byte.
    /// Indexes are rebuilt. Undetectable by design: damage to partitionLeaderEpoch, the one
    /// header field outside both the CRC and the offset chain (as in Kafka). Returns the segment and the number of bytes cut off.
    pub fn open_recovering(
        dir: &Path,
        base_offset: i64,
        limits: SegmentLimits,
        now_ms: i64,
    ) -> Result<(Segment, u64)> {
        let mut segment = Self::open_files(dir, base_offset, limits, now_ms)?;
        let file_size = segment
            .file
            .metadata()
            .map_err(|e| storage("stat", &segment.log_path, e))?
            .len();
        let valid_size = segment.validate_batches(file_size)?;
        if valid_size < file_size {
            segment.file.set_len(valid_size).map_err(|e| storage("truncate", &segment.log_path, e))?;
        }
        segment.size = valid_size;
        segment.rebuild_indexes()?;
        segment.txn_index.load(base_offset, segment.next_offset, LoadCheck::Full)?;
        Ok((segment, file_size - valid_size))
    }

    /// Opens a segment wholly below the recovery point after a crash: its bytes were validated
    /// and fsynced before, so only the indexes are loaded (or rebuilt from headers, no CRC).
    pub fn open_trusted(dir: &Path, base_offset: i64, limits: SegmentLimits, now_ms: i64) -> Result<Segment> {
        let mut segment = Self::open_files(dir, base_offset, limits, now_ms)?;
        segment.size = segment.file.metadata().map_err(|e| storage("stat", &segment.log_path, e))?.len();
        segment.next_offset = i64::MAX; // unknown until the tail is walked; bounds index checks
        segment.first_batch_timestamp = segment.header_at(0)?.map(|h| h.max_timestamp);
        if !segment.load_indexes() {
            segment.rebuild_indexes()?;
        }
        segment.txn_index.load(base_offset, segment.next_offset, LoadCheck::Last)?;
        Ok(segment)
    }

    /// Walks whole batches from position 0, checking each; returns the end of the last good one.
    fn validate_batches(&self, file_size: u64) -> Result<u64> {
        let mut buffer: Vec<u8> = Vec::new();
        let mut buffer_position = 0u64; // file position of buffer[0]
        let mut position = 0u64;
        let mut expected_next_offset = self.base_offset;
        loop {
            if position + HEADER_BYTES as u64 > file_size {
                return Ok(position);
            }
            // Make sure the header is in the buffer.
            if position < buffer_position || position + HEADER_BYTES as u64 > buffer_position + buffer.len() as u64 {
                let want = RECOVERY_CHUNK_BYTES.min((file_size - position) as usize);
                buffer.resize(want, 0);
                self.file
                    .read_exact_at(&mut buffer, position)
                    .map_err(|e| storage("read", &self.log_path, e))?;
                buffer_position = position;
            }
            let at = (position - buffer_position) as usize;
            let Some(header) = ShallowHeader::parse(&buffer[at..]) else { return Ok(position) };
            // Offsets are contiguous inside a segment and start at its base offset. (baseOffset is
            // outside the CRC, so this is what catches damage to it.)
            if header.base_offset != expected_next_offset
                || header.last_offset - self.base_offset > i32::MAX as i64
                || position + header.size as u64 > file_size
            {
                return Ok(position);
            }
            if at + header.size > buffer.len() {
                let want = RECOVERY_CHUNK_BYTES.max(header.size).min((file_size - position) as usize);
                buffer.resize(want, 0);
                self.file
                    .read_exact_at(&mut buffer, position)
                    .map_err(|e| storage("read", &self.log_path, e))?;
                buffer_position = position;
            }
            let at = (position - buffer_position) as usize;
            if !batch::crc_matches(&buffer[at..at + header.size]) {
                return Ok(position);
            }
            expected_next_offset = header.last_offset + 1;
            position += header.size as u64;
        }
    }

    /// Loads both index files; false if either is unusable. A usable file may lack its tail
    /// (written lazily): the tail is completed by walking the headers after its last entry.
    fn load_indexes(&mut self) -> bool {
        let size = self.size;
        let span = self.next_offset - self.base_offset;
        let Some(offset_index) = OffsetIndex::load(self.offset_index.path().to_path_buf(), self.limits.max_index_entries, |e| {
            (e.position as u64) < size && (e.relative_offset as i64) < span
        }) else {
            return false;
        };
        let Some(time_index) = TimeIndex::load(self.time_index.path().to_path_buf(), self.limits.max_time_index_entries, |e| {
            (e.relative_offset as i64) < span
        }) else {
            return false;
        };
        // The last offset entry must point at a batch with that base offset.
        if let Some(last) = offset_index.last() {
            match self.header_at(last.position as u64) {
                Ok(Some(h)) if h.header.base_offset == self.base_offset + last.relative_offset as i64 => {}
                _ => return false,
            }
        }
        let resume = offset_index.last().map(|e| e.position as u64).unwrap_or(0);
        if let Some(last) = time_index.last() {
            if last.timestamp > self.max_timestamp {
                self.max_timestamp = last.timestamp;
                self.offset_of_max_timestamp = self.base_offset + last.relative_offset as i64;
            }
        }
        if self.next_offset == i64::MAX {
            self.next_offset = self.base_offset + offset_index.last().map(|e| e.relative_offset as i64).unwrap_or(0);
        }
        self.offset_index = offset_index;
        self.time_index = time_index;
        self.reindex_from(resume).is_ok()
    }

    /// Rebuilds both indexes and the segment's summary (next offset, max timestamp) by walking
    /// every batch header.
    fn rebuild_indexes(&mut self) -> Result<()> {
        self.offset_index.reset().map_err(|e| storage("reset", self.offset_index.path(), e))?;
        self.time_index.reset().map_err(|e| storage("reset", self.time_index.path(), e))?;
        self.max_timestamp = NO_TIMESTAMP;
        self.offset_of_max_timestamp = self.base_offset;
        self.first_batch_timestamp = None;
        self.reindex_from(0)
    }

    /// Walks headers from `position` (a batch boundary with index entries up to it), adding index
    /// entries as appends would have, and refreshing the summary.
    fn reindex_from(&mut self, position: u64) -> Result<()> {
        let mut headers = Vec::new();
        self.walk(position, |h| {
            headers.push(h);
            ControlFlow::Continue(())
        })?;
        // Below `position` the summary comes from the clean-shutdown state.
        self.bytes_since_index_entry = 0;
        if position == 0 {
            self.next_offset = self.base_offset;
        }
        let mut first = position == 0;
        for h in headers {
            if first {
                self.first_batch_timestamp = Some(h.max_timestamp);
                first = false;
            }
            if h.position == position && position > 0 {
                // The batch already indexed by the last entry.
                self.note_batch_without_index(&h);
                continue;
            }
            self.index_batch(h.position, h.header.base_offset, h.header.size as u64, h.max_timestamp);
            self.next_offset = h.header.last_offset + 1;
        }
        Ok(())
    }

    fn note_batch_without_index(&mut self, h: &HeaderAt) {
        self.bytes_since_index_entry += h.header.size as u64;
        if h.max_timestamp > self.max_timestamp {
            self.max_timestamp = h.max_timestamp;
            self.offset_of_max_timestamp = h.header.base_offset;
        }
        self.next_offset = self.next_offset.max(h.header.last_offset + 1);
    }

    /// Index bookkeeping for one batch written at `position`.
    fn index_batch(&mut self, position: u64, base_offset: i64, size: u64, max_timestamp: i64) {
        if max_timestamp > self.max_timestamp {
            self.max_timestamp = max_timestamp;
            self.offset_of_max_timestamp = base_offset;
        }
        if self.bytes_since_index_entry >= self.limits.index_interval_bytes && position > 0 {
            let relative_offset = (base_offset - self.base_offset) as u32;
            let entry = OffsetEntry { relative_offset, position: position as u32 };
            if !self.offset_index.is_full() && self.offset_index.last().is_none_or(|last| entry.follows(last)) {
                self.offset_index.push(entry);
            }
            self.maybe_time_entry();
            self.bytes_since_index_entry = 0;
        }
        self.bytes_since_index_entry += size;
    }

    fn maybe_time_entry(&mut self) {
        if self.max_timestamp == NO_TIMESTAMP || self.time_index.is_full() {
            return;
        }
        let entry = TimeEntry {
            timestamp: self.max_timestamp,
            relative_offset: (self.offset_of_max_timestamp - self.base_offset) as u32,
        };
        if self.time_index.last().is_none_or(|last| entry.follows(last)) {
            self.time_index.push(entry);
        }
    }

    /// Reads the header of the batch at `position`; `None` at or past the end.
    pub fn header_at(&self, position: u64) -> Result<Option<HeaderAt>> {
        let mut found = None;
        self.walk(position, |h| {
            found = Some(h);
            ControlFlow::Break(())
        })?;
        Ok(found)
    }

    /// Visits batch headers from `position` (a batch boundary) to the end of the segment.
    pub fn walk(&self, position: u64, mut visit: impl FnMut(HeaderAt) -> ControlFlow<()>) -> Result<()> {
        let end = self.size;
        let mut chunk = vec![0u8; WALK_CHUNK_BYTES];
        let mut chunk_position = u64::MAX;
        let mut chunk_len = 0usize;
        let mut position = position;
        while position + HEADER_BYTES as u64 <= end {
            let in_chunk = chunk_position != u64::MAX
                && position >= chunk_position
                && position + HEADER_BYTES as u64 <= chunk_position + chunk_len as u64;
            if !in_chunk {
                chunk_len = WALK_CHUNK_BYTES.min((end - position) as usize);
                self.file
                    .read_exact_at(&mut chunk[..chunk_len], position)
                    .map_err(|e| storage("read", &self.log_path, e))?;
                chunk_position = position;
            }
            let at = (position - chunk_position) as usize;
            let bytes = &chunk[at..at + HEADER_BYTES];
            let header = ShallowHeader::parse(bytes).ok_or_else(|| {
                LogError::Corrupt(format!("no batch header at {position} in {}", self.log_path.display()))
            })?;
            let max_timestamp = batch::read_i64(bytes, batch::MAX_TIMESTAMP_AT);
            if visit(HeaderAt { position, header, max_timestamp }).is_break() {
                break;
            }
            position += header.size as u64;
        }
        Ok(())
    }

    /// Appends validated batches whose offsets are already assigned. `batches` gives each batch's
    /// (position in `bytes`, size, base offset, last offset, max timestamp).
    pub fn append(&mut self, bytes: &[u8], batches: &[(usize, usize, i64, i64, i64)]) -> Result<()> {
        if let Err(e) = self.file.write_all_at(bytes, self.size) {
            // Put the file back to its last batch boundary before reporting.
            let _ = self.file.set_len(self.size);
            return Err(storage("write", &self.log_path, e));
        }
        for &(position, size, base_offset, last_offset, max_timestamp) in batches {
            if self.first_batch_timestamp.is_none() {
                self.first_batch_timestamp = Some(max_timestamp);
            }
            self.index_batch(self.size + position as u64, base_offset, size as u64, max_timestamp);
            assert!(last_offset >= self.next_offset, "offsets must increase");
            self.next_offset = last_offset + 1;
        }
        self.size += bytes.len() as u64;
        Ok(())
    }

    /// The first batch whose last offset is at or past `offset`.
    pub fn find_batch(&self, offset: i64) -> Result<Option<HeaderAt>> {
        let relative = (offset - self.base_offset).max(0);
        let start = self
            .offset_index
            .floor(|e| (e.relative_offset as i64) <= relative)
            .map(|e| e.position as u64)
            .unwrap_or(0);
        let mut found = None;
        self.walk(start, |h| {
            if h.header.last_offset >= offset {
                found = Some(h);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(found)
    }

    /// The end of the last whole batch that starts at or after `from` and ends at or before
    /// `limit` (a position); `from` if the first batch does not fit. Also gives the header of the
    /// batch that starts at that end, if any.
    pub fn batch_boundary_before(&self, from: u64, limit: u64) -> Result<(u64, Option<HeaderAt>)> {
        if limit >= self.size {
            return Ok((self.size, None));
        }
        let start = self
            .offset_index
            .floor(|e| (e.position as u64) <= limit)
            .map(|e| e.position as u64)
            .unwrap_or(0)
            .max(from);
        let mut boundary = start;
        let mut next = None;
        self.walk(start, |h| {
            if h.position + h.header.size as u64 > limit {
                next = Some(h);
                ControlFlow::Break(())
            } else {
                boundary = h.position + h.header.size as u64;
                ControlFlow::Continue(())
            }
        })?;
        Ok((boundary, next))
    }

    /// Reads `length` bytes at `position` into `out`.
    pub fn read_at(&self, position: u64, out: &mut [u8]) -> Result<()> {
        self.file.read_exact_at(out, position).map_err(|e| storage("read", &self.log_path, e))
    }

    /// Cuts the segment so it ends before the batch holding `offset`; returns the new next offset.
    pub fn truncate_to_offset(&mut self, offset: i64) -> Result<i64> {
        let Some(h) = self.find_batch(offset)? else { return Ok(self.next_offset) };
        self.truncate_to_position(h.position, h.header.base_offset)?;
        Ok(self.next_offset)
    }

    fn truncate_to_position(&mut self, position: u64, next_offset: i64) -> Result<()> {
        self.file.set_len(position).map_err(|e| storage("truncate", &self.log_path, e))?;
        self.size = position;
        self.next_offset = next_offset;
        let relative = next_offset - self.base_offset;
        self.offset_index.truncate_where(|e| (e.position as u64) < position);
        self.time_index.truncate_where(|e| (e.relative_offset as i64) < relative);
        // Recompute the summary from what is left.
        self.max_timestamp = NO_TIMESTAMP;
        self.offset_of_max_timestamp = self.base_offset;
        let mut max = (NO_TIMESTAMP, self.base_offset);
        self.walk(0, |h| {
            if h.max_timestamp > max.0 {
                max = (h.max_timestamp, h.header.base_offset);
            }
            ControlFlow::Continue(())
        })?;
        (self.max_timestamp, self.offset_of_max_timestamp) = max;
        if position == 0 {
            self.first_batch_timestamp = None;
        }
        let last_position = self.offset_index.last().map(|e| e.position as u64).unwrap_or(0);
        self.bytes_since_index_entry = position.saturating_sub(last_position);
        self.txn_index.truncate_from(next_offset)?;
        self.persist_indexes()
    }

    /// Writes index entries not yet in their files.
    pub fn persist_indexes(&mut self) -> Result<()> {
        self.offset_index.persist().map_err(|e| storage("write", self.offset_index.path(), e))?;
        self.time_index.persist().map_err(|e| storage("write", self.time_index.path(), e))
    }

    /// Completes the indexes (a final time index entry for the max timestamp) and fsyncs them
    /// and the transaction index, as on roll and on clean close.
    pub fn seal_indexes(&mut self) -> Result<()> {
        if self.time_index.last().is_none_or(|last| last.timestamp < self.max_timestamp) {
            self.maybe_time_entry();
        }
        self.offset_index.persist_durably().map_err(|e| storage("sync", self.offset_index.path(), e))?;
        self.time_index.persist_durably().map_err(|e| storage("sync", self.time_index.path(), e))?;
        self.txn_index.sync()
    }

    pub fn sync(&self) -> Result<()> {
        self.file.sync_data().map_err(|e| storage("fdatasync", &self.log_path, e))
    }

    /// Deletes the segment's files. Read plans holding the file keep reading it.
    pub fn delete_files(self) -> Result<()> {
        for path in [&self.log_path, self.offset_index.path(), self.time_index.path(), self.txn_index.path()] {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(storage("delete", path, e)),
            }
        }
        Ok(())
    }

    pub fn file(&self) -> &Arc<File> {
        &self.file
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    pub fn next_offset(&self) -> i64 {
        self.next_offset
    }
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }
    pub fn max_timestamp(&self) -> i64 {
        self.max_timestamp
    }
    pub fn offset_of_max_timestamp(&self) -> i64 {
        self.offset_of_max_timestamp
    }
    pub fn time_index(&self) -> &TimeIndex {
        &self.time_index
    }
    pub fn offset_index(&self) -> &OffsetIndex {
        &self.offset_index
    }
    pub fn txn_index(&self) -> &TxnIndex {
        &self.txn_index
    }
    pub fn txn_index_mut(&mut self) -> &mut TxnIndex {
        &mut self.txn_index
    }
    pub fn is_index_full(&self) -> bool {
        self.offset_index.is_full() || self.time_index.is_full()
    }
    pub fn state(&self) -> SegmentState {
        SegmentState {
            size: self.size,
            next_offset: self.next_offset,
            max_timestamp: self.max_timestamp,
            offset_of_max_timestamp: self.offset_of_max_timestamp,
            first_batch_timestamp: self.first_batch_timestamp,
        }
    }

    /// Kafka's time-based roll rule: the incoming batch's timestamp minus the first batch's, or
    /// wall time since creation when the segment has no timestamped batch.
    pub fn time_waited_for_roll_ms(&self, now_ms: i64, incoming_max_timestamp: i64) -> i64 {
        match self.first_batch_timestamp {
            Some(first) if first >= 0 && incoming_max_timestamp >= 0 => incoming_max_timestamp - first,
            _ => now_ms - self.created_ms,
        }
    }
}

/// What a clean shutdown records of a segment, so the next open needs no scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentState {
    pub size: u64,
    pub next_offset: i64,
    pub max_timestamp: i64,
    pub offset_of_max_timestamp: i64,
    pub first_batch_timestamp: Option<i64>,
}

