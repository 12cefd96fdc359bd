//! Crash recovery: cut the last segment at every byte inside its last batches, and flip bytes,
//! then reopen. Every whole valid batch before the damage must still be there; nothing damaged
//! may ever be returned.
mod common;

use std::path::Path;

use common::*;
use fjord_log::{LogConfig, PartitionLog};

const NOW: i64 = 1_700_000_000_000;

fn config() -> LogConfig {
    LogConfig { segment_bytes: 3000, index_interval_bytes: 150, ..LogConfig::default() }
}

/// A log of varied batches over several segments, left as a crash leaves it (no close).
fn build(dir: &Path) -> Vec<(i64, Vec<u8>)> {
    let (mut log, _) = PartitionLog::open(dir, config(), NOW).unwrap();
    for i in 0..40usize {
        log.append(&mut batch(1 + i % 5, 20 + (i * 13) % 90, NOW + i as i64), 3, NOW, false).unwrap();
    }
    let plan = log.read(0, u64::MAX, i64::MAX, true).unwrap();
    split_batches(&plan.to_vec().unwrap())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn segment_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut logs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    logs
}

/// Reopens `dir` and checks it holds exactly `expected` (whole, byte-identical batches), and
/// that it accepts appends again.
fn reopen_and_check(dir: &Path, expected: &[(i64, Vec<u8>)], context: &str) {
    let (mut log, report) = PartitionLog::open(dir, config(), NOW).unwrap_or_else(|e| panic!("{context}: open failed: {e}"));
    assert!(!report.clean, "{context}");
    let plan = log.read(0, u64::MAX, i64::MAX, true).unwrap();
    let got = split_batches(&plan.to_vec().unwrap());
    assert_eq!(got.len(), expected.len(), "{context}: batches kept");
    assert!(got == expected, "{context}: kept batches differ from the originals");
    let next = expected.last().map(|(base, b)| base + 1 + i32::from_be_bytes(b[23..27].try_into().unwrap()) as i64).unwrap_or(0);
    assert_eq!(log.log_end_offset(), next, "{context}: log end");
    // Reads from every kept batch's offset land on it (indexes were rebuilt correctly).
    for (base, _) in expected.iter().step_by(3) {
        let plan = log.read(*base, 1, i64::MAX, true).unwrap();
        assert_eq!(split_batches(&plan.to_vec().unwrap())[0].0, *base, "{context}: read at {base}");
    }
    let info = log.append(&mut batch(2, 5, NOW), 3, NOW, false).unwrap();
    assert_eq!(info.base_offset, next, "{context}: append after recovery");
}

#[test]
fn cutting_the_last_segment_at_every_byte_keeps_every_whole_batch_before_the_cut() {
    let pristine = tempfile::tempdir().unwrap();
    let batches = build(pristine.path());
    let last = segment_files(pristine.path()).pop().unwrap();
    let last_base: i64 = last.file_stem().unwrap().to_str().unwrap().parse().unwrap();
    let in_last: Vec<_> = batches.iter().filter(|(b, _)| *b >= last_base).collect();
    assert!(in_last.len() >= 4, "the last segment holds several batches");
    let file_len = std::fs::metadata(&last).unwrap().len() as usize;
    // Cut anywhere inside the last three batches (and at the very end).
    let tail_start = file_len - in_last.iter().rev().take(3).map(|(_, b)| b.len()).sum::<usize>();
    let work = tempfile::tempdir().unwrap();
    let mut cuts = 0;
    for cut in tail_start..=file_len {
        let dir = work.path().join(format!("cut-{cut}"));
        copy_dir(pristine.path(), &dir);
        let segment = dir.join(last.file_name().unwrap());
        std::fs::OpenOptions::new().write(true).open(&segment).unwrap().set_len(cut as u64).unwrap();
        // Whole batches that end at or before the cut survive.
        let mut position = 0usize;
        let mut expected: Vec<(i64, Vec<u8>)> = batches.iter().filter(|(b, _)| *b < last_base).cloned().collect();
        for (base, bytes) in &in_last {
            if position + bytes.len() <= cut {
                expected.push((*base, bytes.clone()));
            }
            position += bytes.len();
        }
        reopen_and_check(&dir, &expected, &format!("cut at {cut} of {file_len}"));
        std::fs::remove_dir_all(&dir).unwrap();
        cuts += 1;
    }
    assert!(cuts > 100, "{cuts} cuts");
}

#[test]
fn flipped_bytes_are_cut_off_with_everything_after_them() {
    let pristine = tempfile::tempdir().unwrap();
    let batches = build(pristine.path());
    let segments = segment_files(pristine.path());
    assert!(segments.len() >= 3);
    let work = tempfile::tempdir().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut flips = 0;
    // Flip bytes in the last two segments (the recovery point is at 0: nothing was flushed).
    for segment in &segments[segments.len() - 2..] {
        let base: i64 = segment.file_stem().unwrap().to_str().unwrap().parse().unwrap();
        let bytes = std::fs::read(segment).unwrap();
        let mut positions: Vec<usize> = (0..bytes.len()).step_by(7).collect();
        positions.extend(0..61); // every header byte of the first batch
        for at in positions {
            // Where the batch holding `at` starts, and the byte's place inside it.
            let mut start = 0usize;
            let mut damaged_index = None;
            let in_segment: Vec<_> = batches.iter().filter(|(b, _)| *b >= base).collect();
            for (i, (_, b)) in in_segment.iter().enumerate() {
                if at < start + b.len() {
                    damaged_index = Some((i, at - start));
                    break;
                }
                start += b.len();
            }
            let (damaged, inside) = damaged_index.unwrap();
            if (12..16).contains(&inside) {
                continue; // partitionLeaderEpoch: outside the CRC by the format's design
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mask = (seed as u8) | 1;
            let dir = work.path().join(format!("flip-{base}-{at}"));
            copy_dir(pristine.path(), &dir);
            let path = dir.join(segment.file_name().unwrap());
            let mut damaged_bytes = bytes.clone();
            damaged_bytes[at] ^= mask;
            std::fs::write(&path, &damaged_bytes).unwrap();
            let damaged_base = in_segment[damaged].0;
            let expected: Vec<_> = batches.iter().filter(|(b, _)| *b < damaged_base).cloned().collect();
            reopen_and_check(&dir, &expected, &format!("flip {mask:#04x} at byte {at} of segment {base}"));
            std::fs::remove_dir_all(&dir).unwrap();
            flips += 1;
        }
    }
    assert!(flips > 200, "{flips} flips");
}

#[test]
fn flushed_data_below_the_recovery_point_is_not_rescanned() {
    let dir = tempfile::tempdir().unwrap();
    let (mut log, _) = PartitionLog::open(dir.path(), config(), NOW).unwrap();
    for i in 0..40 {
        log.append(&mut batch(2, 80, NOW + i), 0, NOW, false).unwrap();
    }
    log.flush_all_now().unwrap();
    assert_eq!(log.recovery_point(), log.log_end_offset());
    for i in 0..3 {
        log.append(&mut batch(2, 80, NOW + i), 0, NOW, false).unwrap();
    }
    let segments = log.segment_count();
    drop(log);
    let (log, report) = PartitionLog::open(dir.path(), config(), NOW).unwrap();
    assert_eq!(report.recovered_segments, 1, "only the segment holding the recovery point: {report:?}");
    assert_eq!(log.segment_count(), segments);
    assert_eq!(log.log_end_offset(), 86);
}
