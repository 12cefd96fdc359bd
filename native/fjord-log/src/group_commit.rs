//! Group commit: fsync off the caller's thread, shared by every waiter that arrives while the
//! previous fsync runs.
//!
//! Callers submit sync jobs (the files a partition needs fdatasync'ed up to some offset) with a
//! token. One thread takes every job waiting, fdatasyncs each distinct file once (a round that
//! covers several files submits them all to io_uring at once, when the kernel allows it, so they
//! run concurrently; a single file, or no io_uring, gets plain fdatasync(2)), and
//! hands all the completions to the `complete` callback in one call, which the N-API binding turns
//! into one JavaScript callback per round rather than one per job.
//!
//! Bounds: at most `max_pending` jobs queued (submit fails with `Busy` past that); at most
//! `MAX_JOBS_PER_ROUND` jobs per round.

use std::collections::HashMap;
use std::fs::File;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::checkpoint::sync_dir;
use crate::log::SyncJob;
use crate::uring::FsyncRing;

pub const MAX_JOBS_PER_ROUND: usize = 4096;

pub struct SyncRequest {
    pub token: u64,
    pub job: SyncJob,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCompletion {
    pub token: u64,
    pub target_offset: i64,
    pub generation: u64,
    /// The I/O error, if the job's fsync failed.
    pub error: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SubmitError {
    /// `max_pending` jobs are already queued.
    Busy,
    /// The committer was stopped.
    Stopped,
}

pub struct GroupCommitter {
    sender: Option<SyncSender<SyncRequest>>,
    thread: Option<JoinHandle<()>>,
    backend: &'static str,
}

impl GroupCommitter {
    /// Starts the commit thread. `prefer_io_uring` falls back to syscalls when the kernel refuses.
    pub fn start<F>(max_pending: usize, prefer_io_uring: bool, complete: F) -> GroupCommitter
    where
        F: FnMut(Vec<SyncCompletion>) + Send + 'static,
    {
        let ring = if prefer_io_uring { FsyncRing::new().ok() } else { None };
        let backend = if ring.is_some() { "io_uring" } else { "syscalls" };
        let (sender, receiver) = mpsc::sync_channel(max_pending.max(1));
        let thread = std::thread::Builder::new()
            .name("fjord-group-commit".into())
            .spawn(move || run(receiver, ring, complete))
            .expect("spawn the group commit thread");
        GroupCommitter { sender: Some(sender), thread: Some(thread), backend }
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    pub fn submit(&self, request: SyncRequest) -> Result<(), SubmitError> {
        let sender = self.sender.as_ref().ok_or(SubmitError::Stopped)?;
        sender.try_send(request).map_err(|e| match e {
            TrySendError::Full(_) => SubmitError::Busy,
            TrySendError::Disconnected(_) => SubmitError::Stopped,
        })
    }

    /// Finishes the queued jobs, then stops the thread.
    pub fn stop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for GroupCommitter {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run<F>(receiver: Receiver<SyncRequest>, mut ring: Option<FsyncRing>, mut complete: F)
where
    F: FnMut(Vec<SyncCompletion>),
{
    while let Ok(first) = receiver.recv() {
        let mut round = vec![first];
        while round.len() < MAX_JOBS_PER_ROUND {
            match receiver.try_recv() {
                Ok(request) => round.push(request),
                Err(_) => break,
            }
        }
        // Each distinct file once, however many jobs name it.
        let mut files: Vec<Arc<File>> = Vec::new();
        let mut index_of: HashMap<*const File, usize> = HashMap::new();
        for request in &round {
            for file in &request.job.files {
                index_of.entry(Arc::as_ptr(file)).or_insert_with(|| {
                    files.push(Arc::clone(file));
                    files.len() - 1
                });
            }
        }
        let file_refs: Vec<&File> = files.iter().map(|f| f.as_ref()).collect();
        // One file: a plain fdatasync is faster than a ring round trip (bench: io_path). Several:
        // the ring runs them concurrently.
        let results: Vec<Result<(), String>> = match ring.as_mut() {
            Some(ring) if file_refs.len() > 1 => {
                ring.sync_files(&file_refs).into_iter().map(|r| r.map_err(|e| e.to_string())).collect()
            }
            _ => file_refs.iter().map(|f| f.sync_data().map_err(|e| e.to_string())).collect(),
        };
        let mut completions = Vec::with_capacity(round.len());
        for request in round {
            let mut error = request
                .job
                .files
                .iter()
                .find_map(|f| results[index_of[&Arc::as_ptr(f)]].clone().err());
            if error.is_none() {
                if let Some(dir) = &request.job.directory {
                    error = sync_dir(dir).err().map(|e| e.to_string());
                }
            }
            completions.push(SyncCompletion {
                token: request.token,
                target_offset: request.job.target_offset,
                generation: request.job.generation,
                error,
            });
        }
        complete(completions);
    }
}
