mod common;

use common::*;
use fjord_log::batch::TimestampType;
use fjord_log::error::kafka_code;
use fjord_log::{LogConfig, PartitionLog};

const NOW: i64 = 1_700_000_000_000;

fn open(dir: &std::path::Path, config: LogConfig) -> PartitionLog {
    PartitionLog::open(dir, config, NOW).unwrap().0
}

fn read_all(log: &PartitionLog, from: i64) -> Vec<(i64, Vec<u8>)> {
    let plan = log.read(from, u64::MAX, i64::MAX, true).unwrap();
    split_batches(&plan.to_vec().unwrap())
}

#[test]
fn append_assigns_offsets_and_leader_epoch_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), LogConfig::default());
    let mut first = batch(3, 10, NOW);
    let info = log.append(&mut first, 7, NOW, false).unwrap();
    assert_eq!((info.base_offset, info.last_offset, info.log_end_offset, info.log_append_time), (0, 2, 3, -1));
    let mut two = [batch(2, 10, NOW), batch(5, 10, NOW)].concat();
    let info = log.append(&mut two, 7, NOW, false).unwrap();
    assert_eq!((info.base_offset, info.last_offset, info.log_end_offset), (3, 9, 10));
    let batches = read_all(&log, 0);
    assert_eq!(batches.iter().map(|b| b.0).collect::<Vec<_>>(), vec![0, 3, 5]);
    for (_, b) in &batches {
        assert_eq!(i32::from_be_bytes(b[12..16].try_into().unwrap()), 7, "leader epoch");
    }
    assert_eq!(batches[0].1, first, "the appended buffer was rewritten in place and stored as is");
}

#[test]
fn log_append_time_stamps_max_timestamp_and_recomputes_crc() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { timestamp_type: TimestampType::LogAppendTime, ..LogConfig::default() };
    let mut log = open(dir.path(), config);
    let info = log.append(&mut batch(2, 10, 5), 0, NOW, false).unwrap();
    assert_eq!(info.log_append_time, NOW);
    let batches = read_all(&log, 0); // split_batches checks the CRC
    let b = &batches[0].1;
    assert_eq!(max_timestamp(b), NOW);
    assert_ne!(u16::from_be_bytes([b[21], b[22]]) & 0x08, 0, "timestamp type bit");
    assert_eq!(log.offset_for_timestamp(NOW).unwrap(), Some((0, NOW)));
}

fn expect_code(log: &mut PartitionLog, bytes: &mut [u8], allow_control: bool, code: i16) {
    let end = log.log_end_offset();
    let size = log.size_bytes();
    let err = log.append(bytes, 0, NOW, allow_control).unwrap_err();
    assert_eq!(err.kafka_code(), code, "{err}");
    assert_eq!((log.log_end_offset(), log.size_bytes()), (end, size), "nothing written after {err}");
}

#[test]
fn invalid_batches_get_kafka_errors_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), LogConfig { max_message_bytes: 2000, ..LogConfig::default() });
    log.append(&mut batch(1, 10, NOW), 0, NOW, false).unwrap();

    let good = batch(2, 10, NOW);
    let mut bad_crc = good.clone();
    *bad_crc.last_mut().unwrap() ^= 1;
    expect_code(&mut log, &mut [good.clone(), bad_crc].concat(), false, kafka_code::CORRUPT_MESSAGE);

    let mut bad_magic = good.clone();
    bad_magic[16] = 1;
    expect_code(&mut log, &mut bad_magic, false, kafka_code::INVALID_RECORD);

    let mut long_length = good.clone();
    long_length[8..12].copy_from_slice(&((good.len() - 12 + 1) as i32).to_be_bytes());
    expect_code(&mut log, &mut long_length, false, kafka_code::CORRUPT_MESSAGE);

    let mut short_length = good.clone();
    short_length[8..12].copy_from_slice(&10i32.to_be_bytes());
    expect_code(&mut log, &mut short_length, false, kafka_code::CORRUPT_MESSAGE);

    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0u8; 20]);
    expect_code(&mut log, &mut trailing, false, kafka_code::CORRUPT_MESSAGE);

    let mut count_mismatch = good.clone();
    count_mismatch[57..61].copy_from_slice(&3i32.to_be_bytes());
    fix_crc(&mut count_mismatch);
    expect_code(&mut log, &mut count_mismatch, false, kafka_code::INVALID_RECORD);

    let mut nonzero_base = good.clone();
    nonzero_base[0..8].copy_from_slice(&5i64.to_be_bytes());
    expect_code(&mut log, &mut nonzero_base, false, kafka_code::INVALID_RECORD);

    let mut control = good.clone();
    control[22] |= 0x20;
    fix_crc(&mut control);
    expect_code(&mut log, &mut control.clone(), false, kafka_code::INVALID_RECORD);
    log.append(&mut control, 0, NOW, true).expect("the broker may write control batches");

    // A producer id without a sequence: refused from clients, accepted from the broker (a
    // coordinator's transactional offsets batch carries sequence -1).
    let mut no_sequence = good.clone();
    no_sequence[43..51].copy_from_slice(&7i64.to_be_bytes());
    no_sequence[53..57].copy_from_slice(&(-1i32).to_be_bytes());
    fix_crc(&mut no_sequence);
    expect_code(&mut log, &mut no_sequence.clone(), false, kafka_code::INVALID_RECORD);
    log.append(&mut no_sequence, 0, NOW, true).expect("the broker may write batches without a sequence");

    expect_code(&mut log, &mut batch(1, 2000, NOW), false, kafka_code::MESSAGE_TOO_LARGE);
    expect_code(&mut log, &mut Vec::new(), false, kafka_code::INVALID_RECORD);
}

#[test]
fn timestamps_outside_the_configured_window_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { timestamp_before_max_ms: 1000, timestamp_after_max_ms: 1000, ..LogConfig::default() };
    let mut log = open(dir.path(), config);
    expect_code(&mut log, &mut batch(1, 1, NOW - 5000), false, kafka_code::INVALID_TIMESTAMP);
    expect_code(&mut log, &mut batch(1, 1, NOW + 5000), false, kafka_code::INVALID_TIMESTAMP);
    log.append(&mut batch(1, 1, NOW + 500), 0, NOW, false).unwrap();
}

#[test]
fn reads_return_whole_batches_within_limits_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { segment_bytes: 4096, index_interval_bytes: 256, ..LogConfig::default() };
    let mut log = open(dir.path(), config);
    let mut sizes = Vec::new();
    for i in 0..100 {
        let mut b = batch(1 + i % 4, 50, NOW + i as i64);
        sizes.push(b.len() as u64);
        log.append(&mut b, 0, NOW, false).unwrap();
    }
    assert!(log.segment_count() > 3, "rolled by segment.bytes: {}", log.segment_count());
    let all = read_all(&log, 0);
    assert_eq!(all.len(), 100, "one read crosses every segment");
    let bases: Vec<i64> = all.iter().map(|b| b.0).collect();

    // From an offset inside a batch: the batch holding it comes first.
    for (i, window) in bases.windows(2).enumerate() {
        for offset in window[0]..window[1] {
            let plan = log.read(offset, 1, i64::MAX, true).unwrap();
            let got = split_batches(&plan.to_vec().unwrap());
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].0, window[0], "offset {offset} lives in batch {i}");
            assert_eq!(plan.next_offset, window[1]);
        }
    }
    // max_bytes: as many whole batches as fit; none when the first does not fit and min-one is off.
    let plan = log.read(0, sizes[0] + sizes[1] + sizes[2] - 1, i64::MAX, false).unwrap();
    assert_eq!(plan.bytes, sizes[0] + sizes[1]);
    assert_eq!(log.read(0, sizes[0] - 1, i64::MAX, false).unwrap().bytes, 0);
    assert_eq!(log.read(0, sizes[0] - 1, i64::MAX, true).unwrap().bytes, sizes[0]);
    // max_offset (high watermark): batches ending below it only.
    let plan = log.read(0, u64::MAX, bases[10], true).unwrap();
    assert_eq!(split_batches(&plan.to_vec().unwrap()).len(), 10);
    assert_eq!(plan.next_offset, bases[10]);
    let plan = log.read(0, u64::MAX, bases[10] + 1, true).unwrap();
    assert_eq!(split_batches(&plan.to_vec().unwrap()).len(), 10, "a batch straddling the bound is left out");
    // At the log end: empty. Past it or below the start: out of range.
    let end = log.log_end_offset();
    assert_eq!(log.read(end, 1000, i64::MAX, true).unwrap().bytes, 0);
    assert_eq!(log.read(end + 1, 1000, i64::MAX, true).unwrap_err().kafka_code(), kafka_code::OFFSET_OUT_OF_RANGE);
    assert_eq!(log.read(-1, 1000, i64::MAX, true).unwrap_err().kafka_code(), kafka_code::OFFSET_OUT_OF_RANGE);
}

#[test]
fn offset_for_timestamp_finds_the_first_record_at_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { segment_bytes: 2048, index_interval_bytes: 128, ..LogConfig::default() };
    let mut log = open(dir.path(), config);
    // Timestamps not monotonic across batches; within a batch records are 1 ms apart.
    let starts = [100i64, 300, 200, 500, 400, 900, 700, 800, 1000, 600];
    let mut offsets = Vec::new();
    for (i, t) in starts.iter().cycle().take(60).enumerate() {
        let t = t + (i as i64 / 10) * 1000;
        let info = log.append(&mut batch(3, 40, t), 0, NOW, false).unwrap();
        offsets.push((info.base_offset, t));
    }
    // Brute force: the first record (offset order) with timestamp >= target.
    let records: Vec<(i64, i64)> = offsets.iter().flat_map(|(o, t)| (0..3).map(move |k| (o + k, t + k))).collect();
    for target in (0..7200).step_by(37) {
        let expected = records.iter().find(|(_, ts)| *ts >= target).map(|&(o, ts)| (o, ts));
        assert_eq!(log.offset_for_timestamp(target).unwrap(), expected, "target {target}");
    }
    let max = records.iter().map(|r| r.1).max().unwrap();
    let first_max = records.iter().find(|r| r.1 == max).copied();
    assert_eq!(log.offset_of_max_timestamp().unwrap(), first_max);
    // Respecting the log start offset.
    log.delete_records(records[100].0).unwrap();
    let expected = records.iter().filter(|r| r.0 >= records[100].0).find(|r| r.1 >= 0).copied();
    assert_eq!(log.offset_for_timestamp(0).unwrap(), expected);
}

#[test]
fn segments_roll_by_time_on_batch_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), LogConfig { segment_ms: 1000, ..LogConfig::default() });
    log.append(&mut batch(1, 10, NOW), 0, NOW, false).unwrap();
    log.append(&mut batch(1, 10, NOW + 999), 0, NOW, false).unwrap();
    assert_eq!(log.segment_count(), 1);
    log.append(&mut batch(1, 10, NOW + 1001), 0, NOW, false).unwrap();
    assert_eq!(log.segment_bases(), vec![0, 2]);
}

#[test]
fn retention_deletes_whole_old_segments_never_the_active_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { segment_bytes: 1024, retention_bytes: 3000, ..LogConfig::default() };
    let mut log = open(dir.path(), config);
    for i in 0..40 {
        log.append(&mut batch(2, 100, NOW + i), 0, NOW, false).unwrap();
    }
    let before = log.segment_count();
    let report = log.apply_retention(NOW).unwrap();
    assert!(report.deleted_segments > 0 && log.size_bytes() >= 3000 && log.size_bytes() - 3000 < 1024);
    assert_eq!(log.segment_count(), before - report.deleted_segments);
    assert_eq!(log.log_start_offset(), log.segment_bases()[0]);
    assert_eq!(read_all(&log, log.log_start_offset()).last().unwrap().0, 78);

    // By time: everything older than retention.ms goes, the log rolls so the active one can.
    let mut config = log.config().clone();
    config.retention_bytes = -1;
    config.retention_ms = 60_000;
    log.set_config(config).unwrap();
    assert_eq!(log.apply_retention(NOW + 30_000).unwrap().deleted_segments, 0);
    let report = log.apply_retention(NOW + 120_000).unwrap();
    assert!(report.deleted_segments > 0);
    assert_eq!(log.log_start_offset(), 80);
    assert_eq!(log.log_end_offset(), 80);
    assert_eq!(log.segment_count(), 1);
    let names: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).filter(|n| n.ends_with(".log")).collect();
    assert_eq!(names, vec![format!("{:020}.log", 80)]);
}

#[test]
fn delete_records_raises_the_log_start_durably() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { segment_bytes: 1024, ..LogConfig::default() };
    let mut log = open(dir.path(), config.clone());
    for i in 0..20 {
        log.append(&mut batch(2, 100, NOW + i), 0, NOW, false).unwrap();
    }
    assert_eq!(log.delete_records(25).unwrap(), 25);
    assert_eq!(log.read(24, 100, i64::MAX, true).unwrap_err().kafka_code(), kafka_code::OFFSET_OUT_OF_RANGE);
    let first = read_all(&log, 25);
    assert_eq!(first[0].0, 24, "the batch holding the new start is still served whole");
    assert!(log.segment_bases()[0] <= 25 && log.segment_bases().len() < 8);
    assert!(log.delete_records(1000).is_err());
    drop(log); // crash: no clean close
    let log = open(dir.path(), config);
    assert_eq!(log.log_start_offset(), 25);
    assert_eq!(log.log_end_offset(), 40);
}

#[test]
fn truncate_removes_whole_batches_from_an_offset() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { segment_bytes: 1024, ..LogConfig::default() };
    let mut log = open(dir.path(), config.clone());
    for i in 0..30 {
        log.append(&mut batch(3, 100, NOW + i), 0, NOW, false).unwrap();
    }
    assert_eq!(log.truncate_to(46).unwrap(), 45, "the batch 45..47 holding 46 goes whole");
    assert_eq!(read_all(&log, 0).last().unwrap().0, 42);
    let info = log.append(&mut batch(1, 1, NOW), 0, NOW, false).unwrap();
    assert_eq!(info.base_offset, 45);
    assert_eq!(log.truncate_to(3).unwrap(), 3);
    assert_eq!(log.segment_count(), 1);
    log.close().unwrap();
    let log = open(dir.path(), config);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (0, 3));
}

#[test]
fn clean_close_reopens_without_scanning_and_crash_reopens_by_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { segment_bytes: 8192, index_interval_bytes: 200, ..LogConfig::default() };
    let mut log = open(dir.path(), config.clone());
    for i in 0..200 {
        log.append(&mut batch(1 + i % 3, 60, NOW + (i as i64 * 7) % 50), 0, NOW, false).unwrap();
    }
    let before = read_all(&log, 0);
    let ts_answers: Vec<_> = (0..60).map(|t| log.offset_for_timestamp(NOW + t).unwrap()).collect();
    log.close().unwrap();
    assert!(dir.path().join("clean-shutdown").exists());

    let (log, report) = PartitionLog::open(dir.path(), config.clone(), NOW).unwrap();
    assert!(report.clean && report.recovered_segments == 0, "{report:?}");
    assert!(!dir.path().join("clean-shutdown").exists(), "the marker is consumed on open");
    assert_eq!(read_all(&log, 0), before);
    let after: Vec<_> = (0..60).map(|t| log.offset_for_timestamp(NOW + t).unwrap()).collect();
    assert_eq!(after, ts_answers);
    drop(log); // crash

    let (log, report) = PartitionLog::open(dir.path(), config.clone(), NOW).unwrap();
    assert!(!report.clean && report.truncated_bytes == 0, "{report:?}");
    assert_eq!(read_all(&log, 0), before);
    // Damaged index files are detected and rebuilt.
    log.close().unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "index") {
            std::fs::write(&path, [0xffu8; 16]).unwrap();
        }
    }
    let log = open(dir.path(), config);
    assert_eq!(read_all(&log, 0), before);
    for (i, b) in before.iter().enumerate().step_by(17) {
        let plan = log.read(b.0, 1, i64::MAX, true).unwrap();
        assert_eq!(split_batches(&plan.to_vec().unwrap())[0].0, before[i].0);
    }
}

#[test]
fn io_errors_take_the_partition_offline_with_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { segment_bytes: 1024, ..LogConfig::default() };
    let mut log = open(dir.path(), config);
    log.append(&mut batch(5, 100, NOW), 0, NOW, false).unwrap();
    // Make rolling impossible: the directory becomes a file's place... remove it entirely.
    std::fs::remove_dir_all(dir.path()).unwrap();
    let err = log.append(&mut batch(5, 100, NOW), 0, NOW, false).unwrap_err();
    assert_eq!(err.kafka_code(), kafka_code::KAFKA_STORAGE_ERROR, "{err}");
    assert!(log.is_offline());
    assert_eq!(log.read(0, 100, i64::MAX, true).unwrap_err().kafka_code(), kafka_code::KAFKA_STORAGE_ERROR);
}

#[test]
fn delete_removes_the_partition_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("topic-0");
    let mut log = open(&path, LogConfig::default());
    log.append(&mut batch(1, 1, NOW), 0, NOW, false).unwrap();
    log.delete().unwrap();
    assert!(!path.exists());
}

#[test]
fn offsets_by_timestamp_find_the_exact_record_inside_compressed_batches() {
    for codec in [1u16, 2, 20, 3, 4] {
        let dir = tempfile::tempdir().unwrap();
        let mut log = open(dir.path(), LogConfig::default());
        let mut all = Vec::new();
        for b in 0..4i64 {
            let values: Vec<Vec<u8>> = (0..30).map(|i| format!("value {b} {i}").repeat(20).into_bytes()).collect();
            // Timestamps out of order inside the batch: the max is the 8th record.
            let stamps: Vec<i64> = (0..30).map(|i| NOW + b * 1000 + if i == 7 { 999 } else { i * 10 }).collect();
            let records: Vec<Record> = values.iter().zip(&stamps).map(|(v, t)| Record { timestamp: *t, key: None, value: v }).collect();
            let info = log.append(&mut compressed(&records, codec), 0, NOW, false).unwrap();
            all.extend(stamps.iter().enumerate().map(|(i, t)| (info.base_offset + i as i64, *t)));
        }
        for target in [NOW, NOW + 15, NOW + 70, NOW + 1000, NOW + 1291, NOW + 3999] {
            let expected = all.iter().find(|(_, t)| *t >= target).copied();
            assert_eq!(log.offset_for_timestamp(target).unwrap(), expected, "codec {codec}, target {target}");
        }
        let max = all.iter().map(|r| r.1).max().unwrap();
        assert_eq!(log.offset_of_max_timestamp().unwrap(), all.iter().find(|r| r.1 == max).copied(), "codec {codec}");
    }
}
