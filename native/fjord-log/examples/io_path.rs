//! Measures io_uring against plain syscalls for the log's write and fsync path, on the
//! filesystem of the directory given (default: a temp dir). Prints one JSON object.
//!
//!   cargo run --release -p fjord-log --example io_path -- [dir]
//!
//! Cases: (1) sequential writes of 16 KiB and 1 MiB, pwrite(2) vs an io_uring write waited for
//! at once; (2) write + fdatasync every 16 KiB..1 MiB, syscalls vs a linked io_uring
//! write+fsync; (3) fdatasync of N files that each have fresh data, one syscall after another vs
//! one io_uring submission.
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use fjord_log::uring::{self, FsyncRing};

fn file(dir: &Path, name: &str) -> (File, PathBuf) {
    let path = dir.join(name);
    let f = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    (f, path)
}

fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / seconds / 1e6
}

fn main() {
    let arg = std::env::args().nth(1);
    let tmp = tempdir_in(arg.as_deref());
    let dir = tmp.as_path();
    let available = uring::available();
    let mut ring = if available { Some(FsyncRing::new().unwrap()) } else { None };
    let mut out = Vec::new();

    // (1) plain sequential writes.
    for &chunk in &[16 * 1024usize, 1 << 20] {
        let total: u64 = 256 << 20;
        let data = vec![0xabu8; chunk];
        let (f, p) = file(dir, "w-sys");
        let t = Instant::now();
        let mut pos = 0;
        while pos < total {
            f.write_all_at(&data, pos).unwrap();
            pos += chunk as u64;
        }
        let sys = mb_per_s(total, t.elapsed().as_secs_f64());
        std::fs::remove_file(p).unwrap();
        let uring_mb = ring.as_mut().map(|ring| {
            let (f, p) = file(dir, "w-uring");
            let t = Instant::now();
            let mut pos = 0;
            while pos < total {
                ring.write_at(&f, &data, pos, false).unwrap();
                pos += chunk as u64;
            }
            let r = mb_per_s(total, t.elapsed().as_secs_f64());
            std::fs::remove_file(p).unwrap();
            r
        });
        out.push(format!(
            r#"{{"case":"write","chunkBytes":{chunk},"syscallsMBps":{sys:.1},"ioUringMBps":{}}}"#,
            uring_mb.map(|v| format!("{v:.1}")).unwrap_or("null".into())
        ));
    }

    // (2) write + fdatasync at a cadence.
    for &(chunk, writes) in &[(16 * 1024usize, 400u64), (1 << 20, 100)] {
        let data = vec![0xcdu8; chunk];
        let (f, p) = file(dir, "ws-sys");
        let t = Instant::now();
        for i in 0..writes {
            f.write_all_at(&data, i * chunk as u64).unwrap();
            f.sync_data().unwrap();
        }
        let sys = t.elapsed().as_secs_f64();
        std::fs::remove_file(p).unwrap();
        let uring_s = ring.as_mut().map(|ring| {
            let (f, p) = file(dir, "ws-uring");
            let t = Instant::now();
            for i in 0..writes {
                ring.write_at(&f, &data, i * chunk as u64, true).unwrap();
            }
            let r = t.elapsed().as_secs_f64();
            std::fs::remove_file(p).unwrap();
            r
        });
        out.push(format!(
            r#"{{"case":"write+fdatasync","chunkBytes":{chunk},"syscallsMBps":{:.1},"ioUringMBps":{},"syscallsSyncsPerS":{:.0},"ioUringSyncsPerS":{}}}"#,
            mb_per_s(writes * chunk as u64, sys),
            uring_s.map(|s| format!("{:.1}", mb_per_s(writes * chunk as u64, s))).unwrap_or("null".into()),
            writes as f64 / sys,
            uring_s.map(|s| format!("{:.0}", writes as f64 / s)).unwrap_or("null".into()),
        ));
    }

    // (3) fdatasync of many files at once.
    for &files in &[1usize, 4, 16, 64] {
        let rounds = 40;
        let data = vec![0xefu8; 16 * 1024];
        let handles: Vec<(File, PathBuf)> = (0..files).map(|i| file(dir, &format!("m{i}"))).collect();
        let mut sys_total = 0.0;
        let mut uring_total = 0.0;
        for r in 0..rounds {
            for (f, _) in &handles {
                f.write_all_at(&data, r * data.len() as u64).unwrap();
            }
            let t = Instant::now();
            for (f, _) in &handles {
                f.sync_data().unwrap();
            }
            sys_total += t.elapsed().as_secs_f64();
            if let Some(ring) = ring.as_mut() {
                for (f, _) in &handles {
                    f.write_all_at(&data, (rounds + r) * data.len() as u64).unwrap();
                }
                let refs: Vec<&File> = handles.iter().map(|(f, _)| f).collect();
                let t = Instant::now();
                for result in ring.sync_files(&refs) {
                    result.unwrap();
                }
                uring_total += t.elapsed().as_secs_f64();
            }
        }
        for (_, p) in handles {
            std::fs::remove_file(p).unwrap();
        }
        out.push(format!(
            r#"{{"case":"fdatasync N files","files":{files},"syscallsMsPerRound":{:.3},"ioUringMsPerRound":{}}}"#,
            sys_total * 1000.0 / rounds as f64,
            if ring.is_some() { format!("{:.3}", uring_total * 1000.0 / rounds as f64) } else { "null".into() }
        ));
    }
    println!(r#"{{"ioUringAvailable":{available},"results":[{}]}}"#, out.join(","));
}

/// A fresh directory under `parent` (or the system temp dir), removed on drop.
struct TempDir(PathBuf);
impl TempDir {
    fn as_path(&self) -> &Path {
        &self.0
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
fn tempdir_in(parent: Option<&str>) -> TempDir {
    let base = parent.map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let path = base.join(format!("fjord-io-path-{}", std::process::id()));
    std::fs::create_dir_all(&path).unwrap();
    TempDir(path)
}
