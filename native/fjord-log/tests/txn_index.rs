//! The per-segment transaction index (`.txnindex`): where entries go, what collect returns across
//! segments, and what happens to the files on retention, truncation, crash recovery, flush and
//! reopen. Real files in temp dirs.
mod common;

use std::path::{Path, PathBuf};

use common::*;
use fjord_log::error::kafka_code;
use fjord_log::{AbortedTxn, LogConfig, PartitionLog};

const NOW: i64 = 1_700_000_000_000;

fn txn(producer_id: i64, first_offset: i64, last_offset: i64, last_stable_offset: i64) -> AbortedTxn {
    AbortedTxn { producer_id, first_offset, last_offset, last_stable_offset }
}

/// Aborted transactions with Kafka's last stable offsets (the first offset of the earliest other
/// transaction still open at the abort, else the marker's offset + 1): A inside segment 0, B from
/// segment 0 into 10, C from 0 to 20, D from 10 to 20.
fn aborts() -> Vec<AbortedTxn> {
    vec![txn(1, 2, 5, 4), txn(2, 4, 12, 8), txn(3, 8, 25, 15), txn(4, 15, 27, 28)]
}

fn txn_path(dir: &Path, base: i64) -> PathBuf {
    dir.join(format!("{base:020}.txnindex"))
}

fn file_len(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().map(|m| m.len())
}

/// Segments at 0, 10, 20 and 30 (active, offsets 30-31) of one-record batches, then `aborts()`.
/// Left open (a crash if dropped without close).
fn build(dir: &Path) -> PartitionLog {
    let (mut log, _) = PartitionLog::open(dir, LogConfig::default(), NOW).unwrap();
    for offset in 0..32 {
        if offset > 0 && offset % 10 == 0 {
            log.roll(NOW).unwrap();
        }
        log.append(&mut batch(1, 50, NOW + offset), 0, NOW, false).unwrap();
    }
    assert_eq!(log.segment_bases(), vec![0, 10, 20, 30]);
    for entry in aborts() {
        log.append_aborted_txn(entry).unwrap();
    }
    log
}

fn overlapping(entries: &[AbortedTxn], fetch: i64, upper: i64) -> Vec<AbortedTxn> {
    entries.iter().copied().filter(|t| t.last_offset >= fetch && t.first_offset < upper).collect()
}

#[test]
fn entries_go_to_the_segment_holding_the_marker_in_kafkas_format() {
    let dir = tempfile::tempdir().unwrap();
    let _log = build(dir.path());
    assert_eq!(file_len(&txn_path(dir.path(), 0)), Some(34));
    assert_eq!(file_len(&txn_path(dir.path(), 10)), Some(34));
    assert_eq!(file_len(&txn_path(dir.path(), 20)), Some(68));
    assert_eq!(file_len(&txn_path(dir.path(), 30)), None, "created only with a segment's first entry");
    let bytes = std::fs::read(txn_path(dir.path(), 10)).unwrap();
    let mut expected = vec![0u8, 0];
    for field in [2i64, 4, 12, 8] {
        expected.extend_from_slice(&field.to_be_bytes());
    }
    assert_eq!(bytes, expected, "version int16 0, producerId, firstOffset, lastOffset, lastStableOffset: big-endian");
}

#[test]
fn collect_returns_the_transactions_overlapping_the_range_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = build(dir.path());
    for fetch in 0..=32 {
        assert_eq!(log.collect_aborted_txns(fetch, fetch).unwrap(), vec![], "an empty range, as Kafka's empty fetch");
        for upper in fetch + 1..=33 {
            assert_eq!(log.collect_aborted_txns(fetch, upper).unwrap(), overlapping(&aborts(), fetch, upper), "[{fetch}, {upper})");
        }
    }
    // A transaction that began before the fetched segment and was aborted two segments later.
    assert_eq!(log.collect_aborted_txns(9, 10).unwrap(), vec![aborts()[1], aborts()[2]]);
}

#[test]
fn collect_stops_at_an_entry_whose_last_stable_offset_reaches_the_upper_bound() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = PartitionLog::open(dir.path(), LogConfig::default(), NOW).unwrap();
    for offset in 0..20 {
        if offset == 10 {
            log.roll(NOW).unwrap();
        }
        log.append(&mut batch(1, 10, NOW), 0, NOW, false).unwrap();
    }
    // As Kafka, the search trusts lastStableOffset: once one reaches the upper bound, no later
    // abort is looked at (this one is inconsistent on purpose to show it).
    log.append_aborted_txn(txn(1, 3, 8, 9)).unwrap();
    log.append_aborted_txn(txn(2, 0, 15, 16)).unwrap();
    assert_eq!(log.collect_aborted_txns(0, 9).unwrap(), vec![txn(1, 3, 8, 9)]);
    assert_eq!(log.collect_aborted_txns(0, 10).unwrap(), vec![txn(1, 3, 8, 9), txn(2, 0, 15, 16)]);
}

#[test]
fn appends_out_of_order_or_outside_the_log_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build(dir.path());
    let reject = |log: &mut PartitionLog, entry: AbortedTxn, needle: &str| {
        let err = log.append_aborted_txn(entry).unwrap_err();
        assert_eq!(err.kafka_code(), kafka_code::UNKNOWN_SERVER_ERROR, "{err}");
        assert!(err.to_string().contains(needle), "{err}");
        assert!(!log.is_offline(), "a bad argument is not an I/O error");
    };
    reject(&mut log, txn(9, 30, 32, 33), "not inside the log");
    reject(&mut log, txn(9, 27, 27, 28), "must increase");
    reject(&mut log, txn(9, 20, 26, 27), "must increase");
    reject(&mut log, txn(9, 31, 30, 31), "not inside the log");
    log.delete_records(29).unwrap();
    log.append_aborted_txn(txn(9, 26, 29, 30)).unwrap();
    assert_eq!(file_len(&txn_path(dir.path(), 20)), Some(102));
    assert_eq!(log.collect_aborted_txns(29, 32).unwrap(), vec![txn(9, 26, 29, 30)]);
}

#[test]
fn deleted_segments_take_their_txn_index_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build(dir.path());
    log.delete_records(15).unwrap();
    assert_eq!(log.segment_bases(), vec![10, 20, 30]);
    assert_eq!(file_len(&txn_path(dir.path(), 0)), None, "delete-records dropped segment 0 and its txn index");
    assert_eq!(log.collect_aborted_txns(15, 32).unwrap(), overlapping(&aborts(), 15, 32));
    log.set_config(LogConfig { retention_bytes: 0, ..LogConfig::default() }).unwrap();
    let report = log.apply_retention(NOW).unwrap();
    assert_eq!(report.deleted_segments, 2);
    assert_eq!(log.segment_bases(), vec![30]);
    for base in [10, 20] {
        assert_eq!(file_len(&txn_path(dir.path(), base)), None, "retention removed {base}.txnindex");
    }
    assert_eq!(log.collect_aborted_txns(30, 32).unwrap(), vec![]);
    log.append_aborted_txn(txn(5, 30, 31, 32)).unwrap();
    assert_eq!(file_len(&txn_path(dir.path(), 30)), Some(34));
    let path = dir.path().to_path_buf();
    log.delete().unwrap();
    assert!(!path.exists());
}

#[test]
fn truncate_to_drops_entries_and_segments_past_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build(dir.path());
    assert_eq!(log.truncate_to(26).unwrap(), 26);
    assert_eq!(log.segment_bases(), vec![0, 10, 20]);
    assert_eq!(file_len(&txn_path(dir.path(), 20)), Some(34), "D (marker 27) dropped, C (25) kept");
    assert_eq!(log.collect_aborted_txns(0, 26).unwrap(), aborts()[..3].to_vec());
    assert_eq!(log.truncate_to(11).unwrap(), 11);
    assert_eq!(file_len(&txn_path(dir.path(), 20)), None, "segment 20 deleted with its txn index");
    assert_eq!(file_len(&txn_path(dir.path(), 10)), Some(0), "B (marker 12) dropped");
    assert_eq!(log.collect_aborted_txns(0, 11).unwrap(), vec![aborts()[0]]);
    // The index goes on after the truncation (a follower re-fetching from its leader).
    log.append(&mut batch(1, 10, NOW), 0, NOW, false).unwrap();
    log.append_aborted_txn(txn(7, 6, 11, 12)).unwrap();
    assert_eq!(log.collect_aborted_txns(6, 12).unwrap(), vec![txn(7, 6, 11, 12)]);
    // Restarting the whole log past its start drops everything.
    assert_eq!(log.truncate_to(0).unwrap(), 0);
    assert_eq!(log.collect_aborted_txns(0, 1).unwrap(), vec![]);
    assert_eq!(file_len(&txn_path(dir.path(), 0)), None);
}

#[test]
fn truncate_aborted_txns_drops_entries_from_an_offset_in_every_segment() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build(dir.path());
    log.truncate_aborted_txns(12).unwrap();
    assert_eq!(log.collect_aborted_txns(0, 32).unwrap(), vec![aborts()[0]]);
    assert_eq!(
        [0, 10, 20].map(|b| file_len(&txn_path(dir.path(), b))),
        [Some(34), Some(0), Some(0)],
        "files cut, entries below the offset kept"
    );
    // The caller replays the tail.
    for entry in &aborts()[1..] {
        log.append_aborted_txn(*entry).unwrap();
    }
    assert_eq!(log.collect_aborted_txns(0, 32).unwrap(), aborts());
    log.truncate_aborted_txns(100).unwrap();
    assert_eq!(log.collect_aborted_txns(0, 32).unwrap(), aborts(), "nothing at or past 100");
}

#[test]
fn clean_close_and_reopen_keep_the_index() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path()).close().unwrap();
    let (mut log, report) = PartitionLog::open(dir.path(), LogConfig::default(), NOW).unwrap();
    assert!(report.clean);
    assert_eq!(log.collect_aborted_txns(0, 32).unwrap(), aborts());
    let err = log.append_aborted_txn(txn(9, 26, 27, 28)).unwrap_err();
    assert!(err.to_string().contains("must increase"), "the order survives a reopen: {err}");
    log.append_aborted_txn(txn(9, 28, 31, 32)).unwrap();
    drop(log); // a crash: the next open recovers and keeps every entry
    let (log, report) = PartitionLog::open(dir.path(), LogConfig::default(), NOW).unwrap();
    assert!(!report.clean);
    let mut expected = aborts();
    expected.push(txn(9, 28, 31, 32));
    assert_eq!(log.collect_aborted_txns(0, 32).unwrap(), expected);
}

#[test]
fn crash_recovery_drops_a_torn_entry_and_entries_past_the_recovered_log_end() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let log = build(dir.path());
    let batch_bytes = file_len(&dir.path().join(format!("{:020}.log", 20))).unwrap() / 10;
    drop(log); // crash: nothing was flushed, every segment is recovered
    let append_garbage = |path: &Path| {
        std::fs::OpenOptions::new().append(true).open(path).unwrap().write_all(&[0xab; 20]).unwrap();
    };
    append_garbage(&txn_path(dir.path(), 20));
    // Tear the log inside the batch at offset 26: the log now ends at 26, before D's marker (27).
    let segment = dir.path().join(format!("{:020}.log", 20));
    std::fs::OpenOptions::new().write(true).open(&segment).unwrap().set_len(batch_bytes * 6 + 7).unwrap();
    let (mut log, report) = PartitionLog::open(dir.path(), LogConfig::default(), NOW).unwrap();
    assert!(!report.clean);
    assert_eq!(log.log_end_offset(), 26);
    assert_eq!(log.segment_bases(), vec![0, 10, 20]);
    assert_eq!(log.collect_aborted_txns(0, 26).unwrap(), aborts()[..3].to_vec());
    assert_eq!(file_len(&txn_path(dir.path(), 20)), Some(34), "torn entry and D cut off the file");

    // A segment below the recovery point (flushed, trusted after a crash) loses a torn tail too.
    log.flush_all_now().unwrap();
    assert_eq!(log.recovery_point(), 26);
    drop(log);
    append_garbage(&txn_path(dir.path(), 0));
    let (log, report) = PartitionLog::open(dir.path(), LogConfig::default(), NOW).unwrap();
    assert_eq!(report.recovered_segments, 1, "only the segment holding the recovery point is scanned");
    assert_eq!(file_len(&txn_path(dir.path(), 0)), Some(34));
    assert_eq!(log.collect_aborted_txns(0, 26).unwrap(), aborts()[..3].to_vec());
}

#[test]
fn flushes_cover_the_txn_index_and_a_change_below_what_was_flushed_is_flushed_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = build(dir.path());
    log.flush_all_now().unwrap();
    assert_eq!(log.recovery_point(), 32);
    // A marker at 32 and its entry, written together: the next flush syncs the new txn index.
    log.append(&mut batch(1, 10, NOW), 0, NOW, false).unwrap();
    log.append_aborted_txn(txn(8, 29, 32, 33)).unwrap();
    assert_eq!(log.recovery_point(), 32);
    let job = log.sync_job(33).unwrap().unwrap();
    assert_eq!(job.files.len(), 2, "segment 30's log and its new txn index");
    assert!(job.directory.is_some(), "the new file's directory entry");
    job.run().unwrap();
    log.complete_sync(job.target_offset, job.generation, Ok(()), NOW).unwrap();
    assert_eq!(log.recovery_point(), 33);

    // A marker already counted by a flush in flight when its entry arrives: that flush no longer
    // counts, the recovery point drops back to the marker, and the next flush covers the entry.
    log.append(&mut batch(1, 10, NOW), 0, NOW, false).unwrap();
    let in_flight = log.sync_job(34).unwrap().unwrap();
    log.append_aborted_txn(txn(8, 33, 33, 34)).unwrap();
    assert_eq!(log.recovery_point(), 33);
    in_flight.run().unwrap();
    log.complete_sync(in_flight.target_offset, in_flight.generation, Ok(()), NOW).unwrap();
    assert_eq!(log.recovery_point(), 33, "the stale flush did not move the recovery point");
    let job = log.sync_job(34).unwrap().unwrap();
    job.run().unwrap();
    log.complete_sync(job.target_offset, job.generation, Ok(()), NOW).unwrap();
    assert_eq!(log.recovery_point(), 34);

    // Truncating entries below the recovery point: the next flush goes back over those segments.
    log.truncate_aborted_txns(12).unwrap();
    assert_eq!(log.recovery_point(), 12);
    let job = log.sync_job(34).unwrap().unwrap();
    assert_eq!(job.files.len(), 6, "segments 10, 20 and 30, each with its txn index");
    job.run().unwrap();
    log.complete_sync(job.target_offset, job.generation, Ok(()), NOW).unwrap();
    assert_eq!(log.recovery_point(), 34);
}

#[test]
fn stray_txn_index_files_are_not_taken_up_by_other_segments() {
    let dir = tempfile::tempdir().unwrap();
    let stale = [0u8, 0].iter().copied().chain([1i64, 0, 0, 1].iter().flat_map(|v| v.to_be_bytes())).collect::<Vec<u8>>();
    // Left by a crash while deleting segment 50: no .log beside it.
    std::fs::write(txn_path(dir.path(), 50), &stale).unwrap();
    let (mut log, _) = PartitionLog::open(dir.path(), LogConfig::default(), NOW).unwrap();
    assert_eq!(file_len(&txn_path(dir.path(), 50)), None, "removed at open");
    // A leftover under the base offset a new segment takes is removed when the segment is made.
    log.append(&mut batch(1, 10, NOW), 0, NOW, false).unwrap();
    std::fs::write(txn_path(dir.path(), 1), &stale).unwrap();
    log.roll(NOW).unwrap();
    assert_eq!(file_len(&txn_path(dir.path(), 1)), None);
    log.append(&mut batch(1, 10, NOW), 0, NOW, false).unwrap();
    assert_eq!(log.collect_aborted_txns(0, 2).unwrap(), vec![]);
    log.append_aborted_txn(txn(3, 0, 1, 2)).unwrap();
    assert_eq!(log.collect_aborted_txns(0, 2).unwrap(), vec![txn(3, 0, 1, 2)]);
}
