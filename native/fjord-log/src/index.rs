//! Sparse indexes of a segment, kept in memory and persisted beside the `.log` file.
//!
//! ```text
//! <base>.index       offset index, 8-byte entries, big-endian:
//!                      relativeOffset u32   batch baseOffset - segment base offset
//!                      position       u32   byte position of that batch in the .log
//! <base>.timeindex   time index, 12-byte entries, big-endian:
//!                      timestamp      i64   the segment's max timestamp so far
//!                      relativeOffset u32   base offset of the batch that first reached it
//! ```
//! An entry is added for the first batch after every `index.interval.bytes` of log. Offset index
//! entries key on a batch's *base* offset (Kafka keys on the last offset), so a lookup lands on
//! the batch that holds the target or one before it. Time index entries are added only when the
//! max timestamp grows, so both files are strictly increasing in both columns; a loaded file that
//! is not is discarded and rebuilt from the log.
//!
//! The files are written append-only in whole entries (`persist`), rewritten when truncated, and
//! made complete on roll and on clean close. After a crash a file may miss its tail or be
//! discarded: indexes are only an accelerator, the log is the truth, and recovery rebuilds them.
//!
//! Concurrency: owned by one segment, used from one thread.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub trait IndexEntry: Copy + std::fmt::Debug {
    const BYTES: usize;
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(bytes: &[u8]) -> Self;
    /// Both columns must strictly increase from `previous` to `self`.
    fn follows(&self, previous: &Self) -> bool;
}

/// An offset index entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetEntry {
    pub relative_offset: u32,
    pub position: u32,
}

impl IndexEntry for OffsetEntry {
    const BYTES: usize = 8;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.relative_offset.to_be_bytes());
        out.extend_from_slice(&self.position.to_be_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        OffsetEntry {
            relative_offset: u32::from_be_bytes(b[0..4].try_into().unwrap()),
            position: u32::from_be_bytes(b[4..8].try_into().unwrap()),
        }
    }
    fn follows(&self, previous: &Self) -> bool {
        self.relative_offset > previous.relative_offset && self.position > previous.position
    }
}

/// A time index entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeEntry {
    pub timestamp: i64,
    pub relative_offset: u32,
}

impl IndexEntry for TimeEntry {
    const BYTES: usize = 12;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.relative_offset.to_be_bytes());
    }
    fn decode(b: &[u8]) -> Self {
        TimeEntry {
            timestamp: i64::from_be_bytes(b[0..8].try_into().unwrap()),
            relative_offset: u32::from_be_bytes(b[8..12].try_into().unwrap()),
        }
    }
    fn follows(&self, previous: &Self) -> bool {
        self.timestamp > previous.timestamp && self.relative_offset > previous.relative_offset
    }
}

/// A sparse index: entries in memory, the file a possibly shorter prefix of them.
#[derive(Debug)]
pub struct SparseIndex<E: IndexEntry> {
    path: PathBuf,
    entries: Vec<E>,
    /// Entries already in the file.
    persisted: usize,
    /// Bound: `segment.index.bytes / E::BYTES`. A full index makes the segment roll.
    max_entries: usize,
}

impl<E: IndexEntry> SparseIndex<E> {
    pub fn empty(path: PathBuf, max_entries: usize) -> Self {
        SparseIndex { path, entries: Vec::new(), persisted: 0, max_entries: max_entries.max(1) }
    }

    /// Loads the file. Returns `None` if it is missing or not a valid index (wrong length,
    /// entries not strictly increasing, or `valid` rejects an entry); the caller rebuilds.
    pub fn load(path: PathBuf, max_entries: usize, valid: impl Fn(&E) -> bool) -> Option<Self> {
        let bytes = std::fs::read(&path).ok()?;
        if bytes.len() % E::BYTES != 0 || bytes.len() / E::BYTES > max_entries {
            return None;
        }
        let mut entries: Vec<E> = Vec::with_capacity(bytes.len() / E::BYTES);
        for chunk in bytes.chunks_exact(E::BYTES) {
            let entry = E::decode(chunk);
            if !valid(&entry) || entries.last().is_some_and(|last| !entry.follows(last)) {
                return None;
            }
            entries.push(entry);
        }
        let persisted = entries.len();
        Some(SparseIndex { path, entries, persisted, max_entries: max_entries.max(1) })
    }

    pub fn entries(&self) -> &[E] {
        &self.entries
    }
    pub fn last(&self) -> Option<&E> {
        self.entries.last()
    }
    pub fn is_full(&self) -> bool {
        self.entries.len() >= self.max_entries
    }
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds an entry; it must follow the last one (an invariant of the callers).
    pub fn push(&mut self, entry: E) {
        if let Some(last) = self.entries.last() {
            assert!(entry.follows(last), "index entry {entry:?} does not follow {last:?}");
        }
        assert!(!self.is_full(), "index {} is full", self.path.display());
        self.entries.push(entry);
    }

    /// The last entry for which `at_or_before` holds (entries are sorted by it), if any.
    pub fn floor(&self, at_or_before: impl Fn(&E) -> bool) -> Option<E> {
        let count = self.entries.partition_point(|e| at_or_before(e));
        count.checked_sub(1).map(|i| self.entries[i])
    }

    /// Drops every entry for which `keep` is false, from the first such entry on.
    pub fn truncate_where(&mut self, keep: impl Fn(&E) -> bool) {
        let count = self.entries.partition_point(|e| keep(e));
        self.entries.truncate(count);
        if self.persisted > count {
            self.persisted = usize::MAX; // the file holds dropped entries: rewrite on persist
        }
    }

    /// Writes the entries the file lacks.
    pub fn persist(&mut self) -> io::Result<()> {
        if self.persisted == self.entries.len() {
            return Ok(());
        }
        let rewrite = self.persisted > self.entries.len();
        let from = if rewrite { 0 } else { self.persisted };
        let mut bytes = Vec::with_capacity((self.entries.len() - from) * E::BYTES);
        for entry in &self.entries[from..] {
            entry.encode(&mut bytes);
        }
        let mut file = if rewrite {
            File::create(&self.path)?
        } else {
            OpenOptions::new().create(true).append(true).open(&self.path)?
        };
        file.write_all(&bytes)?;
        self.persisted = self.entries.len();
        Ok(())
    }

    /// Writes what is missing and fsyncs the file.
    pub fn persist_durably(&mut self) -> io::Result<()> {
        self.persist()?;
        OpenOptions::new().create(true).append(true).open(&self.path)?.sync_data()
    }

    /// Empties the index and its file.
    pub fn reset(&mut self) -> io::Result<()> {
        self.entries.clear();
        self.persisted = 0;
        File::create(&self.path).map(|_| ())
    }
}

pub type OffsetIndex = SparseIndex<OffsetEntry>;
pub type TimeIndex = SparseIndex<TimeEntry>;
