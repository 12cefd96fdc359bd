//! The two small files beside a partition's segments that make opening fast and safe.
//!
//! ```text
//! recovery.checkpoint   rewritten atomically (write tmp, fsync, rename):
//!   fjord-recovery 1
//!   log_start_offset <i64>
//!   recovery_point <i64>          every offset below it was fdatasync'ed and validated
//!   crc <u32 hex>                 CRC-32C of the lines above
//!
//! clean-shutdown        written last by a clean close, deleted by the next open:
//!   fjord-clean 1
//!   segment <base> <size> <next_offset> <max_timestamp> <offset_of_max_timestamp> <first_ts|->
//!   ...                           one line per segment, in offset order
//!   crc <u32 hex>
//! ```
//! A file that fails its CRC or its grammar is ignored: a missing recovery point means recover
//! everything, a missing clean marker means recover from the recovery point.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::crc32c::crc32c;
use crate::segment::SegmentState;

pub const RECOVERY_FILE: &str = "recovery.checkpoint";
pub const CLEAN_SHUTDOWN_FILE: &str = "clean-shutdown";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecoveryCheckpoint {
    pub log_start_offset: i64,
    pub recovery_point: i64,
}

fn seal(body: String) -> String {
    let crc = crc32c(body.as_bytes());
    format!("{body}crc {crc:08x}\n")
}

/// The body lines of a sealed file, if its CRC holds.
fn unseal(text: &str) -> Option<Vec<&str>> {
    let crc_at = text.rfind("crc ")?;
    let (body, tail) = text.split_at(crc_at);
    let crc = u32::from_str_radix(tail.trim_start_matches("crc ").trim(), 16).ok()?;
    (crc32c(body.as_bytes()) == crc).then(|| body.lines().collect())
}

/// Writes `contents` to `dir/name` atomically and durably.
fn write_atomically(dir: &Path, name: &str, contents: &str) -> std::io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut file = File::create(&tmp)?;
    file.write_all(contents.as_bytes())?;
    file.sync_data()?;
    fs::rename(&tmp, dir.join(name))?;
    sync_dir(dir)
}

pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

pub fn write_recovery(dir: &Path, checkpoint: RecoveryCheckpoint) -> std::io::Result<()> {
    let body = format!(
        "fjord-recovery 1\nlog_start_offset {}\nrecovery_point {}\n",
        checkpoint.log_start_offset, checkpoint.recovery_point
    );
    write_atomically(dir, RECOVERY_FILE, &seal(body))
}

pub fn read_recovery(dir: &Path) -> Option<RecoveryCheckpoint> {
    let text = fs::read_to_string(dir.join(RECOVERY_FILE)).ok()?;
    let lines = unseal(&text)?;
    if lines.first() != Some(&"fjord-recovery 1") {
        return None;
    }
    let field = |name: &str| -> Option<i64> {
        lines.iter().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    };
    Some(RecoveryCheckpoint {
        log_start_offset: field("log_start_offset")?,
        recovery_point: field("recovery_point")?,
    })
}

pub fn write_clean_shutdown(dir: &Path, segments: &[(i64, SegmentState)]) -> std::io::Result<()> {
    let mut body = String::from("fjord-clean 1\n");
    for (base, s) in segments {
        let first = s.first_batch_timestamp.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
        body.push_str(&format!(
            "segment {base} {} {} {} {} {first}\n",
            s.size, s.next_offset, s.max_timestamp, s.offset_of_max_timestamp
        ));
    }
    write_atomically(dir, CLEAN_SHUTDOWN_FILE, &seal(body))
}

/// Reads and deletes the clean-shutdown marker: whatever happens next, a crash must not find it.
pub fn take_clean_shutdown(dir: &Path) -> Option<Vec<(i64, SegmentState)>> {
    let path = dir.join(CLEAN_SHUTDOWN_FILE);
    let text = fs::read_to_string(&path).ok();
    let _ = fs::remove_file(&path);
    let text = text?;
    let lines = unseal(&text)?;
    if lines.first() != Some(&"fjord-clean 1") {
        return None;
    }
    let mut segments = Vec::new();
    for line in &lines[1..] {
        let parts: Vec<&str> = line.strip_prefix("segment ")?.split(' ').collect();
        if parts.len() != 6 {
            return None;
        }
        let number = |i: usize| parts[i].parse::<i64>().ok();
        segments.push((
            number(0)?,
            SegmentState {
                size: parts[1].parse().ok()?,
                next_offset: number(2)?,
                max_timestamp: number(3)?,
                offset_of_max_timestamp: number(4)?,
                first_batch_timestamp: if parts[5] == "-" { None } else { Some(number(5)?) },
            },
        ));
    }
    Some(segments)
}
