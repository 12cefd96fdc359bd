//! Zero-copy send and group commit, on real files and real sockets.
mod common;

use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use fjord_log::group_commit::{GroupCommitter, SyncRequest};
use fjord_log::{LogConfig, PartitionLog};

const NOW: i64 = 1_700_000_000_000;

fn filled_log(dir: &std::path::Path, batches: usize, value_bytes: usize) -> PartitionLog {
    let config = LogConfig { segment_bytes: 256 * 1024, ..LogConfig::default() };
    let (mut log, _) = PartitionLog::open(dir, config, NOW).unwrap();
    for i in 0..batches {
        log.append(&mut batch(4, value_bytes, NOW + i as i64), 0, NOW, false).unwrap();
    }
    log
}

#[test]
fn sendfile_to_a_nonblocking_socket_reports_would_block_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled_log(dir.path(), 400, 1000);
    let plan = log.read(0, u64::MAX, i64::MAX, true).unwrap();
    assert!(plan.regions.len() > 1, "the plan crosses segments");
    let expected = plan.to_vec().unwrap();
    let (sender, mut receiver) = UnixStream::pair().unwrap();
    sender.set_nonblocking(true).unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        // Read slowly at first so the sender's buffer fills.
        std::thread::sleep(Duration::from_millis(50));
        loop {
            let n = receiver.read(&mut chunk).unwrap();
            if n == 0 {
                break got;
            }
            got.extend_from_slice(&chunk[..n]);
        }
    });
    let mut sent = 0;
    let mut blocked = 0;
    loop {
        let progress = plan.send_to(sender.as_raw_fd(), sent).unwrap();
        assert!(progress.sent >= sent);
        sent = progress.sent;
        if progress.done {
            break;
        }
        assert!(progress.would_block);
        blocked += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(sent, plan.bytes);
    drop(sender);
    let got = reader.join().unwrap();
    assert!(blocked > 0, "a {}-byte plan should fill a socket buffer", plan.bytes);
    assert!(got == expected, "bytes received by sendfile equal the copy read");
    for (from, length) in [(0u64, 10usize), (1000, 70_000), (plan.bytes - 5, 5), (12_345, 300_000)] {
        let mut part = vec![0u8; length];
        plan.copy_range_into(from, &mut part).unwrap();
        assert!(part[..] == expected[from as usize..from as usize + length], "range {from}+{length}");
    }
    assert!(plan.copy_range_into(plan.bytes - 1, &mut [0u8; 2]).is_err());
}

#[test]
fn group_commit_shares_fsyncs_and_completes_in_batches() {
    for prefer_io_uring in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut logs: Vec<PartitionLog> = (0..4).map(|i| filled_log(&dir.path().join(format!("p{i}")), 0, 10)).collect();
        let (tx, rx) = mpsc::channel();
        let mut committer = GroupCommitter::start(1024, prefer_io_uring, move |round| tx.send(round).unwrap());
        for round in 0..20i64 {
            for (p, log) in logs.iter_mut().enumerate() {
                log.append(&mut batch(2, 100, NOW + round), 0, NOW, false).unwrap();
                let job = log.sync_job(log.log_end_offset()).unwrap().expect("unflushed data");
                committer.submit(SyncRequest { token: round as u64 * 10 + p as u64, job }).unwrap();
            }
        }
        committer.stop();
        let rounds: Vec<_> = rx.iter().collect();
        let completions: Vec<_> = rounds.iter().flatten().collect();
        assert_eq!(completions.len(), 80, "{}", committer.backend());
        assert!(completions.iter().all(|c| c.error.is_none()));
        for c in &completions {
            let p = (c.token % 10) as usize;
            logs[p].complete_sync(c.target_offset, c.generation, Ok(()), NOW).unwrap();
        }
        for log in &logs {
            assert_eq!(log.recovery_point(), log.log_end_offset());
        }
        assert!(rounds.len() <= 80);
    }
}

#[test]
fn a_completion_from_before_a_truncation_does_not_move_the_recovery_point() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = filled_log(dir.path(), 10, 10);
    let job = log.sync_job(i64::MAX).unwrap().unwrap();
    log.truncate_to(8).unwrap();
    log.append(&mut batch(30, 10, NOW), 0, NOW, false).unwrap();
    let before = log.recovery_point();
    log.complete_sync(job.target_offset, job.generation, job.run(), NOW).unwrap();
    assert_eq!(log.recovery_point(), before);
}

#[test]
fn flush_policy_follows_flush_messages_and_flush_ms() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { flush_messages: 10, flush_ms: 1000, ..LogConfig::default() };
    let (mut log, _) = PartitionLog::open(dir.path(), config, NOW).unwrap();
    log.append(&mut batch(4, 10, NOW), 0, NOW, false).unwrap();
    assert!(!log.flush_due(NOW + 10));
    assert!(log.flush_due(NOW + 1000), "flush.ms elapsed");
    log.append(&mut batch(6, 10, NOW), 0, NOW, false).unwrap();
    assert!(log.flush_due(NOW + 10), "flush.messages reached");
    log.flush_all_now().unwrap();
    assert!(!log.flush_due(NOW + 5000), "nothing unflushed");
}
