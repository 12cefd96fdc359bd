//! Read plans: what a fetch sends for one partition, as regions of segment files. A plan is
//! made on the log's thread and holds its files (`Arc<File>`), so it stays valid if the segments
//! are deleted by retention before it is sent. Two ways to deliver it: copy into a buffer, or
//! sendfile(2) straight from the page cache to a (non-blocking) socket.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use crate::error::{LogError, Result};

#[derive(Clone, Debug)]
pub struct FileRegion {
    pub file: Arc<File>,
    pub position: u64,
    pub length: u64,
}

#[derive(Clone, Debug)]
pub struct ReadPlan {
    pub regions: Vec<FileRegion>,
    /// Total bytes in the regions: whole batches only.
    pub bytes: u64,
    /// The offset a consumer would fetch next after this plan (the requested offset if empty).
    pub next_offset: i64,
}

/// Progress of a zero-copy send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendProgress {
    /// Bytes of the plan sent so far, counting earlier calls (resume from here).
    pub sent: u64,
    /// The socket's buffer is full (EAGAIN): call again, from `sent`, when it is writable.
    pub would_block: bool,
    pub done: bool,
}

impl ReadPlan {
    pub fn empty(offset: i64) -> ReadPlan {
        ReadPlan { regions: Vec::new(), bytes: 0, next_offset: offset }
    }

    /// Copies the plan's bytes into `out`, which must be exactly `self.bytes` long.
    pub fn copy_into(&self, out: &mut [u8]) -> Result<()> {
        if out.len() as u64 != self.bytes {
            return Err(LogError::InvalidArgument(format!("buffer of {} bytes for a plan of {}", out.len(), self.bytes)));
        }
        let mut at = 0usize;
        for region in &self.regions {
            let end = at + region.length as usize;
            region
                .file
                .read_exact_at(&mut out[at..end], region.position)
                .map_err(|e| LogError::storage("read for fetch", e))?;
            at = end;
        }
        Ok(())
    }

    /// Copies `out.len()` bytes of the plan starting at byte `from` of the plan (for finishing by
    /// copy a send that sendfile started).
    pub fn copy_range_into(&self, from: u64, out: &mut [u8]) -> Result<()> {
        if from + out.len() as u64 > self.bytes {
            return Err(LogError::InvalidArgument(format!("range {from}+{} outside a plan of {}", out.len(), self.bytes)));
        }
        let mut skip = from;
        let mut at = 0usize;
        for region in &self.regions {
            if at == out.len() {
                break;
            }
            if skip >= region.length {
                skip -= region.length;
                continue;
            }
            let take = ((region.length - skip) as usize).min(out.len() - at);
            region
                .file
                .read_exact_at(&mut out[at..at + take], region.position + skip)
                .map_err(|e| LogError::storage("read for fetch", e))?;
            at += take;
            skip = 0;
        }
        Ok(())
    }

    pub fn to_vec(&self) -> Result<Vec<u8>> {
        let mut out = vec![0u8; self.bytes as usize];
        self.copy_into(&mut out)?;
        Ok(out)
    }

    /// Sends the plan from byte `sent` on to `socket_fd` with sendfile(2), until done or until
    /// the socket would block. Works with blocking sockets too (then it never reports
    /// `would_block`).
    pub fn send_to(&self, socket_fd: i32, sent: u64) -> Result<SendProgress> {
        let mut sent = sent;
        let mut skip = sent;
        for region in &self.regions {
            if skip >= region.length {
                skip -= region.length;
                continue;
            }
            let mut position = (region.position + skip) as libc::off_t;
            let mut left = region.length - skip;
            skip = 0;
            while left > 0 {
                // Bound each call so a huge region does not hold the socket for long.
                let chunk = left.min(1 << 30) as usize;
                let n = unsafe { libc::sendfile(socket_fd, region.file.as_raw_fd(), &mut position, chunk) };
                if n < 0 {
                    let error = std::io::Error::last_os_error();
                    match error.kind() {
                        std::io::ErrorKind::WouldBlock => return Ok(SendProgress { sent, would_block: true, done: false }),
                        std::io::ErrorKind::Interrupted => continue,
                        _ => return Err(LogError::storage("sendfile", error)),
                    }
                }
                if n == 0 {
                    return Err(LogError::Storage("sendfile: segment file is shorter than the plan".into()));
                }
                left -= n as u64;
                sent += n as u64;
            }
        }
        Ok(SendProgress { sent, would_block: false, done: true })
    }
}
