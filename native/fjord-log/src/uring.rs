//! io_uring for the write and fsync path, with a fallback to plain syscalls when the kernel
//! refuses io_uring (old kernels, seccomp, `kernel.io_uring_disabled`).
//!
//! Measured on the development machine (bench: `cargo run --release --example io_path`, figures in
//! README and bench/results/): a write through io_uring that is waited for at once costs the same
//! as pwrite(2) (both copy into the page cache on this thread), so appends use pwrite. What
//! io_uring wins is fsync of several files at once: a group commit that covers many partitions
//! submits one fdatasync per file in one call and the kernel runs them concurrently, where
//! syscalls would run them one after another. So group commit uses `FsyncRing` when it can.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use io_uring::{opcode, squeue, types, IoUring};

/// Submission queue size; bound on the fsyncs in flight per call (more are done in rounds).
pub const RING_ENTRIES: u32 = 64;

/// Whether this kernel lets the process use io_uring.
pub fn available() -> bool {
    IoUring::new(2).is_ok()
}

pub struct FsyncRing {
    ring: IoUring,
}

impl FsyncRing {
    pub fn new() -> io::Result<FsyncRing> {
        Ok(FsyncRing { ring: IoUring::new(RING_ENTRIES)? })
    }

    /// fdatasyncs every file concurrently; one result per file, in order.
    pub fn sync_files(&mut self, files: &[&File]) -> Vec<io::Result<()>> {
        let mut results: Vec<io::Result<()>> = Vec::with_capacity(files.len());
        for chunk in files.chunks(RING_ENTRIES as usize) {
            let mut chunk_results: Vec<Option<io::Result<()>>> = (0..chunk.len()).map(|_| None).collect();
            let pushed = {
                let mut submission = self.ring.submission();
                let mut pushed = 0;
                for (i, file) in chunk.iter().enumerate() {
                    let entry = opcode::Fsync::new(types::Fd(file.as_raw_fd()))
                        .flags(types::FsyncFlags::DATASYNC)
                        .build()
                        .user_data(i as u64);
                    // Safety: the file outlives the wait below.
                    if unsafe { submission.push(&entry) }.is_err() {
                        break;
                    }
                    pushed += 1;
                }
                pushed
            };
            match self.ring.submit_and_wait(pushed) {
                Ok(_) => {
                    for completion in self.ring.completion() {
                        let i = completion.user_data() as usize;
                        let result = completion.result();
                        chunk_results[i] = Some(if result < 0 { Err(io::Error::from_raw_os_error(-result)) } else { Ok(()) });
                    }
                }
                Err(e) => {
                    for r in chunk_results.iter_mut() {
                        *r = Some(Err(io::Error::new(e.kind(), e.to_string())));
                    }
                }
            }
            // Anything not completed (not pushed) falls back to a syscall.
            for (i, r) in chunk_results.into_iter().enumerate() {
                results.push(r.unwrap_or_else(|| chunk[i].sync_data()));
            }
        }
        results
    }

    /// Writes `data` at `position` and, if `sync`, fdatasyncs after it, as two linked requests in
    /// one submission. Used by the benchmark that compares this path with syscalls.
    pub fn write_at(&mut self, file: &File, data: &[u8], position: u64, sync: bool) -> io::Result<()> {
        let fd = types::Fd(file.as_raw_fd());
        let mut write = opcode::Write::new(fd, data.as_ptr(), data.len() as u32).offset(position).build().user_data(0);
        if sync {
            write = write.flags(squeue::Flags::IO_LINK);
        }
        let count = if sync { 2 } else { 1 };
        {
            let mut submission = self.ring.submission();
            // Safety: `data` and `file` outlive the wait below.
            unsafe {
                submission.push(&write).map_err(|_| io::Error::other("submission queue full"))?;
                if sync {
                    let fsync = opcode::Fsync::new(fd).flags(types::FsyncFlags::DATASYNC).build().user_data(1);
                    submission.push(&fsync).map_err(|_| io::Error::other("submission queue full"))?;
                }
            }
        }
        self.ring.submit_and_wait(count)?;
        let mut outcome = Ok(());
        for completion in self.ring.completion() {
            let result = completion.result();
            if result < 0 {
                outcome = Err(io::Error::from_raw_os_error(-result));
            } else if completion.user_data() == 0 && result as usize != data.len() {
                outcome = Err(io::Error::new(io::ErrorKind::WriteZero, "short write through io_uring"));
            }
        }
        outcome
    }
}
