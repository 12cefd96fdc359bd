//! The transaction index of a segment: the aborted transactions whose abort marker lies in that
//! segment, for Fetch at isolation.level=read_committed. Kafka's `TransactionIndex`, same file.
//!
//! ```text
//! <base>.txnindex   34-byte entries, big-endian, in strictly increasing lastOffset:
//!                     version          i16   0
//!                     producerId       i64
//!                     firstOffset      i64   the aborted transaction's first offset
//!                     lastOffset       i64   the abort marker's offset (inside this segment)
//!                     lastStableOffset i64   the log's last stable offset once the marker was written
//! ```
//! The file is created with the segment's first entry (most segments never have one), appended to
//! in whole entries, cut with `set_len` when truncated, fsynced with its segment, and deleted with
//! it. Only the entry count and the last entry's lastOffset are kept in memory; lookups read the
//! file (binary search on lastOffset, then a sequential read in bounded chunks), as Kafka reads
//! its file on every read_committed fetch.
//!
//! Loading checks the file: after a crash every entry (version 0, firstOffset <= lastOffset,
//! lastOffset inside the segment and strictly increasing), after a clean close or for a segment
//! below the recovery point only the last entry (a full check if that fails). The file is cut at
//! the first bad entry, so a torn trailing partial entry and entries past a recovered log end go.
//! Transactions that spanned the cut are the caller's to replay (the broker rebuilds the tail
//! from its producer state).
//!
//! Concurrency: owned by one segment, used from one thread; the file handle is shared (`Arc`) with
//! flush jobs, which only fsync it.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{LogError, Result};

/// Bytes of one entry.
pub const ENTRY_BYTES: u64 = 34;
/// The only entry version Kafka writes.
pub const ENTRY_VERSION: i16 = 0;
/// Entries read at a time by scans. Bound: one buffer of this many entries (34 KiB) per scan.
const READ_CHUNK_ENTRIES: u64 = 1024;

/// One aborted transaction (Kafka's `AbortedTxn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbortedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: i64,
    pub last_stable_offset: i64,
}

impl AbortedTxn {
    pub fn encode(&self) -> [u8; ENTRY_BYTES as usize] {
        let mut out = [0u8; ENTRY_BYTES as usize];
        out[0..2].copy_from_slice(&ENTRY_VERSION.to_be_bytes());
        out[2..10].copy_from_slice(&self.producer_id.to_be_bytes());
        out[10..18].copy_from_slice(&self.first_offset.to_be_bytes());
        out[18..26].copy_from_slice(&self.last_offset.to_be_bytes());
        out[26..34].copy_from_slice(&self.last_stable_offset.to_be_bytes());
        out
    }

    /// The entry's version and fields; `bytes` holds at least one entry.
    pub fn decode(bytes: &[u8]) -> (i16, AbortedTxn) {
        let i64_at = |at: usize| i64::from_be_bytes(bytes[at..at + 8].try_into().unwrap());
        let version = i16::from_be_bytes(bytes[0..2].try_into().unwrap());
        (version, AbortedTxn { producer_id: i64_at(2), first_offset: i64_at(10), last_offset: i64_at(18), last_stable_offset: i64_at(26) })
    }
}

/// How much of a file `TxnIndex::load` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadCheck {
    /// Every entry (after a crash, for segments at or past the recovery point).
    Full,
    /// The last entry only, falling back to `Full` if it is bad (clean open, trusted segments).
    Last,
}

/// The path of the transaction index of the segment with `base_offset` in `dir`.
pub fn path_for(dir: &Path, base_offset: i64) -> PathBuf {
    dir.join(format!("{}.txnindex", crate::segment::file_stem(base_offset)))
}

fn storage(context: &str, path: &Path, error: io::Error) -> LogError {
    LogError::storage(&format!("{context} {}", path.display()), error)
}

#[derive(Debug)]
pub struct TxnIndex {
    path: PathBuf,
    /// Open while the file exists; `None` before the first entry.
    file: Option<Arc<File>>,
    /// Whole entries in the file.
    entries: u64,
    /// lastOffset of the last entry.
    last_offset: Option<i64>,
}

impl TxnIndex {
    /// An index with no file yet. Removes a leftover file of that name (a new segment reusing the
    /// base offset of a deleted one).
    pub fn create(path: PathBuf) -> Result<TxnIndex> {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(storage("delete", &path, e)),
        }
        Ok(TxnIndex { path, file: None, entries: 0, last_offset: None })
    }

    /// An index not loaded yet (`load` follows once the segment knows its offsets).
    pub fn unloaded(path: PathBuf) -> TxnIndex {
        TxnIndex { path, file: None, entries: 0, last_offset: None }
    }

    /// Loads the file, if any, for a segment holding offsets `[base_offset, next_offset)`, and
    /// cuts it at the first bad entry (see the module doc).
    pub fn load(&mut self, base_offset: i64, next_offset: i64, check: LoadCheck) -> Result<()> {
        let file = match OpenOptions::new().read(true).write(true).open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.file = None;
                self.entries = 0;
                self.last_offset = None;
                return Ok(());
            }
            Err(e) => return Err(storage("open", &self.path, e)),
        };
        let length = file.metadata().map_err(|e| storage("stat", &self.path, e))?.len();
        let whole = length / ENTRY_BYTES;
        let valid = |version: i16, entry: &AbortedTxn, previous: Option<i64>| {
            version == ENTRY_VERSION
                && entry.first_offset <= entry.last_offset
                && entry.last_offset >= base_offset
                && entry.last_offset < next_offset
                && previous.is_none_or(|p| entry.last_offset > p)
        };
        let mut kept = (0u64, None);
        let mut checked = false;
        if check == LoadCheck::Last && whole > 0 {
            let mut bytes = [0u8; ENTRY_BYTES as usize];
            file.read_exact_at(&mut bytes, (whole - 1) * ENTRY_BYTES).map_err(|e| storage("read", &self.path, e))?;
            let (version, last) = AbortedTxn::decode(&bytes);
            if valid(version, &last, None) {
                kept = (whole, Some(last.last_offset));
                checked = true;
            }
        }
        if !checked {
            let mut buffer = vec![0u8; (READ_CHUNK_ENTRIES * ENTRY_BYTES) as usize];
            'scan: while kept.0 < whole {
                let count = READ_CHUNK_ENTRIES.min(whole - kept.0);
                let bytes = &mut buffer[..(count * ENTRY_BYTES) as usize];
                file.read_exact_at(bytes, kept.0 * ENTRY_BYTES).map_err(|e| storage("read", &self.path, e))?;
                for chunk in bytes.chunks_exact(ENTRY_BYTES as usize) {
                    let (version, entry) = AbortedTxn::decode(chunk);
                    if !valid(version, &entry, kept.1) {
                        break 'scan;
                    }
                    kept = (kept.0 + 1, Some(entry.last_offset));
                }
            }
        }
        if kept.0 * ENTRY_BYTES < length {
            file.set_len(kept.0 * ENTRY_BYTES).map_err(|e| storage("truncate", &self.path, e))?;
        }
        self.file = Some(Arc::new(file));
        (self.entries, self.last_offset) = kept;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The open file, if the index has one (for flush jobs).
    pub fn file(&self) -> Option<&Arc<File>> {
        self.file.as_ref()
    }
    pub fn len(&self) -> u64 {
        self.entries
    }
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }
    /// lastOffset of the last entry.
    pub fn last_offset(&self) -> Option<i64> {
        self.last_offset
    }

    /// Appends an entry, creating the file on the first one. Returns whether the file was
    /// created (a new directory entry to fsync). lastOffset must increase, as in Kafka.
    pub fn append(&mut self, entry: &AbortedTxn) -> Result<bool> {
        if let Some(last) = self.last_offset {
            if entry.last_offset <= last {
                return Err(LogError::InvalidArgument(format!(
                    "the last offset of appended transactions must increase: {} is not greater than {last} in {}",
                    entry.last_offset,
                    self.path.display()
                )));
            }
        }
        let created = self.file.is_none();
        if created {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&self.path)
                .map_err(|e| storage("create", &self.path, e))?;
            self.file = Some(Arc::new(file));
        }
        let file = self.file.as_ref().unwrap();
        let position = self.entries * ENTRY_BYTES;
        if let Err(e) = file.write_all_at(&entry.encode(), position) {
            // Put the file back to its last whole entry before reporting.
            let _ = file.set_len(position);
            return Err(storage("write", &self.path, e));
        }
        self.entries += 1;
        self.last_offset = Some(entry.last_offset);
        Ok(created)
    }

    fn read_entry(&self, file: &File, index: u64) -> Result<AbortedTxn> {
        let mut bytes = [0u8; ENTRY_BYTES as usize];
        file.read_exact_at(&mut bytes, index * ENTRY_BYTES).map_err(|e| storage("read", &self.path, e))?;
        Ok(AbortedTxn::decode(&bytes).1)
    }

    /// The index of the first entry whose lastOffset is at or past `offset` (`len()` if none):
    /// a binary search, O(log entries) reads of one entry.
    fn first_at_or_after(&self, file: &File, offset: i64) -> Result<u64> {
        if self.last_offset.is_none_or(|last| last < offset) {
            return Ok(self.entries);
        }
        let (mut low, mut high) = (0u64, self.entries - 1); // the answer is in [low, high]
        while low < high {
            let middle = low + (high - low) / 2;
            if self.read_entry(file, middle)?.last_offset >= offset {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        Ok(low)
    }

    /// Kafka's `TransactionIndex.collectAbortedTxns`: appends to `out` the entries with
    /// lastOffset >= `fetch_offset` and firstOffset < `upper_bound_offset`, in order, and returns
    /// whether the search is complete (an entry's lastStableOffset reached `upper_bound_offset`:
    /// no transaction aborted later can overlap the range, so later segments need no look).
    pub fn collect(&self, fetch_offset: i64, upper_bound_offset: i64, out: &mut Vec<AbortedTxn>) -> Result<bool> {
        let Some(file) = &self.file else { return Ok(false) };
        let mut index = self.first_at_or_after(file, fetch_offset)?;
        let mut buffer = vec![0u8; (READ_CHUNK_ENTRIES.min(self.entries - index) * ENTRY_BYTES) as usize];
        while index < self.entries {
            let count = READ_CHUNK_ENTRIES.min(self.entries - index);
            let bytes = &mut buffer[..(count * ENTRY_BYTES) as usize];
            file.read_exact_at(bytes, index * ENTRY_BYTES).map_err(|e| storage("read", &self.path, e))?;
            for chunk in bytes.chunks_exact(ENTRY_BYTES as usize) {
                let (_, entry) = AbortedTxn::decode(chunk);
                if entry.first_offset < upper_bound_offset {
                    out.push(entry);
                }
                if entry.last_stable_offset >= upper_bound_offset {
                    return Ok(true);
                }
            }
            index += count;
        }
        Ok(false)
    }

    /// Drops every entry whose lastOffset is at or past `offset` (the file is cut).
    pub fn truncate_from(&mut self, offset: i64) -> Result<()> {
        let Some(file) = self.file.clone() else { return Ok(()) };
        let keep = self.first_at_or_after(&file, offset)?;
        if keep == self.entries {
            return Ok(());
        }
        file.set_len(keep * ENTRY_BYTES).map_err(|e| storage("truncate", &self.path, e))?;
        self.last_offset = match keep {
            0 => None,
            _ => Some(self.read_entry(&file, keep - 1)?.last_offset),
        };
        self.entries = keep;
        Ok(())
    }

    /// fdatasyncs the file, if there is one.
    pub fn sync(&self) -> Result<()> {
        match &self.file {
            Some(file) => file.sync_data().map_err(|e| storage("fdatasync", &self.path, e)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(producer_id: i64, first_offset: i64, last_offset: i64, last_stable_offset: i64) -> AbortedTxn {
        AbortedTxn { producer_id, first_offset, last_offset, last_stable_offset }
    }

    #[test]
    fn encodes_kafkas_34_byte_big_endian_entry() {
        let bytes = txn(0x0102_0304_0506_0708, 5, 9, 10).encode();
        assert_eq!(bytes.len(), 34);
        assert_eq!(&bytes[0..2], &[0, 0]);
        assert_eq!(&bytes[2..10], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(i64::from_be_bytes(bytes[10..18].try_into().unwrap()), 5);
        assert_eq!(i64::from_be_bytes(bytes[18..26].try_into().unwrap()), 9);
        assert_eq!(i64::from_be_bytes(bytes[26..34].try_into().unwrap()), 10);
        assert_eq!(AbortedTxn::decode(&bytes), (0, txn(0x0102_0304_0506_0708, 5, 9, 10)));
    }

    #[test]
    fn binary_search_collect_and_truncate_over_many_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = TxnIndex::create(path_for(dir.path(), 0)).unwrap();
        assert!(!index.path().exists(), "created lazily");
        // Entries at last offsets 10, 20, ..., 30000: more than two read chunks.
        let total = 3000i64;
        for i in 1..=total {
            index.append(&txn(i, i * 10 - 5, i * 10, i * 10 + 1)).unwrap();
        }
        assert_eq!(std::fs::metadata(index.path()).unwrap().len(), 3000 * ENTRY_BYTES);
        for fetch in [0, 9, 10, 11, 10_235, 20_480, 29_999, 30_000, 30_001] {
            let mut out = Vec::new();
            let complete = index.collect(fetch, fetch + 25, &mut out).unwrap();
            let expected: Vec<_> =
                (1..=total).map(|i| txn(i, i * 10 - 5, i * 10, i * 10 + 1)).filter(|t| t.last_offset >= fetch && t.first_offset < fetch + 25).collect();
            assert_eq!(out, expected, "fetch {fetch}");
            assert_eq!(complete, fetch + 25 <= total * 10 + 1, "fetch {fetch}");
        }
        let err = index.append(&txn(1, 0, 30_000, 30_001)).unwrap_err();
        assert!(err.to_string().contains("must increase"), "{err}");
        index.truncate_from(20_481).unwrap();
        assert_eq!((index.len(), index.last_offset()), (2048, Some(20_480)));
        assert_eq!(std::fs::metadata(index.path()).unwrap().len(), 2048 * ENTRY_BYTES);
        index.truncate_from(0).unwrap();
        assert_eq!((index.len(), index.last_offset()), (0, None));
        index.append(&txn(7, 1, 2, 3)).unwrap();
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn load_cuts_at_the_first_bad_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(dir.path(), 100);
        let mut index = TxnIndex::create(path.clone()).unwrap();
        for last in [101, 105, 110, 120] {
            index.append(&txn(1, last - 1, last, last + 1)).unwrap();
        }
        // A torn partial entry at the end.
        let file = OpenOptions::new().append(true).open(&path).unwrap();
        std::io::Write::write_all(&mut &file, &[0u8; 20]).unwrap();
        let mut loaded = TxnIndex::unloaded(path.clone());
        loaded.load(100, 200, LoadCheck::Last).unwrap();
        assert_eq!((loaded.len(), loaded.last_offset()), (4, Some(120)));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4 * ENTRY_BYTES);
        // Entries past the segment's end are dropped (the full check finds where).
        let mut loaded = TxnIndex::unloaded(path.clone());
        loaded.load(100, 110, LoadCheck::Last).unwrap();
        assert_eq!((loaded.len(), loaded.last_offset()), (2, Some(105)));
        // A wrong version is a bad entry.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[ENTRY_BYTES as usize + 1] = 1;
        std::fs::write(&path, &bytes).unwrap();
        let mut loaded = TxnIndex::unloaded(path.clone());
        loaded.load(100, 200, LoadCheck::Full).unwrap();
        assert_eq!((loaded.len(), loaded.last_offset()), (1, Some(101)));
        // No file: an empty index, and no file is made by loading.
        let mut none = TxnIndex::unloaded(path_for(dir.path(), 5));
        none.load(5, 10, LoadCheck::Full).unwrap();
        assert!(none.is_empty() && none.file().is_none() && !none.path().exists());
    }
}
