//! CRC-32C: known vectors, every implementation against the portable one and against a bitwise
//! reference, appending in pieces, and an ignored throughput report:
//! `cargo test --release -p fjord-log --test crc32c -- --ignored --nocapture`.

use fjord_log::crc32c::{
    crc32c, crc32c_append, crc32c_append_portable, implementation, implementations,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Bit-at-a-time CRC-32C straight from the definition; shares no tables or code with the crate.
fn crc32c_bitwise(data: &[u8]) -> u32 {
    let mut state = !0u32;
    for &byte in data {
        state ^= byte as u32;
        for _ in 0..8 {
            state = if state & 1 != 0 {
                (state >> 1) ^ 0x82F6_3B78
            } else {
                state >> 1
            };
        }
    }
    !state
}

/// xorshift64: deterministic test data without a crate.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn bytes(&mut self, length: usize) -> Vec<u8> {
        (0..length).map(|_| self.next() as u8).collect()
    }
}

/// Known answers: the common check value and RFC 3720 appendix B.4.
fn known_vectors() -> Vec<(&'static str, Vec<u8>, u32)> {
    let iscsi_read_pdu: Vec<u8> = vec![
        0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, //
        0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
        0x18, //
        0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ];
    vec![
        ("empty", vec![], 0x0000_0000),
        ("\"a\"", b"a".to_vec(), 0xC1D0_4330),
        ("\"123456789\"", b"123456789".to_vec(), 0xE306_9283),
        ("32 zero bytes (RFC 3720)", vec![0x00; 32], 0x8A91_36AA),
        ("32 0xFF bytes (RFC 3720)", vec![0xFF; 32], 0x62A8_AB43),
        ("0..31 ascending (RFC 3720)", (0..32).collect(), 0x46DD_794E),
        (
            "31..0 descending (RFC 3720)",
            (0..32).rev().collect(),
            0x113F_DB5C,
        ),
        ("iSCSI read PDU (RFC 3720)", iscsi_read_pdu, 0xD996_3A56),
    ]
}

#[test]
fn dispatched_crc32c_matches_known_vectors() {
    for (name, data, expected) in known_vectors() {
        let seen = crc32c(&data);
        assert_eq!(
            seen,
            expected,
            "crc32c({name}) via {}: expected {expected:#010X}, saw {seen:#010X}",
            implementation()
        );
    }
}

#[test]
fn every_implementation_matches_known_vectors() {
    for candidate in implementations() {
        for (name, data, expected) in known_vectors() {
            let seen = candidate.append(0, &data);
            assert_eq!(
                seen,
                expected,
                "{} on {name}: expected {expected:#010X}, saw {seen:#010X}",
                candidate.name()
            );
        }
    }
}

#[test]
fn portable_matches_known_vectors_and_bitwise_reference() {
    for (name, data, expected) in known_vectors() {
        let seen = crc32c_append_portable(0, &data);
        assert_eq!(
            seen, expected,
            "portable on {name}: expected {expected:#010X}, saw {seen:#010X}"
        );
    }
    let mut random = Xorshift(0x9E37_79B9_7F4A_7C15);
    let data = random.bytes(2048);
    for length in 0..=data.len() {
        let expected = crc32c_bitwise(&data[..length]);
        let seen = crc32c_append_portable(0, &data[..length]);
        assert_eq!(
            seen, expected,
            "portable at length {length}: expected {expected:#010X}, saw {seen:#010X}"
        );
    }
}

#[test]
fn dispatch_chooses_the_first_usable_implementation() {
    let all = implementations();
    assert!(
        !all.is_empty(),
        "expected at least the portable implementation"
    );
    assert_eq!(
        implementation(),
        all[0].name(),
        "dispatch should choose the first usable implementation"
    );
    assert_eq!(
        all.last().map(|last| last.name()),
        Some("portable-slice-by-16"),
        "portable should always be last"
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("sse4.2") {
        let expected = if std::arch::is_x86_feature_detected!("pclmulqdq") {
            "x86_64-sse4.2-3way-pclmulqdq"
        } else {
            "x86_64-sse4.2-3way-table"
        };
        assert_eq!(
            implementation(),
            expected,
            "this CPU has SSE4.2; expected dispatch to {expected}"
        );
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("crc") {
        assert_eq!(
            implementation(),
            "aarch64-crc-3way-table",
            "this CPU has the CRC extension"
        );
    }
}

/// Checks every implementation against the portable one on `data`.
fn assert_all_agree(data: &[u8], context: &str) {
    let expected = crc32c_append_portable(0, data);
    for candidate in implementations() {
        let seen = candidate.append(0, data);
        assert_eq!(
            seen,
            expected,
            "{} on {context} (length {}): expected {expected:#010X}, saw {seen:#010X}",
            candidate.name(),
            data.len()
        );
    }
}

#[test]
fn every_implementation_matches_portable_at_every_length_to_4096_and_every_misalignment() {
    let mut random = Xorshift(0x0123_4567_89AB_CDEF);
    let buffer = random.bytes(4096 + 16);
    for misalignment in 0..16 {
        for length in 0..=4096 {
            assert_all_agree(
                &buffer[misalignment..misalignment + length],
                &format!("misalignment {misalignment}"),
            );
        }
    }
}

#[test]
fn every_implementation_matches_portable_at_large_and_boundary_lengths() {
    const MAX_LENGTH: usize = 3 << 20;
    let mut random = Xorshift(0xDEAD_BEEF_CAFE_F00D);
    let buffer = random.bytes(MAX_LENGTH + 16);
    // Around the round sizes of the three block levels (3 * 128, 3 * 1024, 3 * 8192) and multiples.
    let mut lengths = Vec::new();
    for round in [384usize, 3072, 24576] {
        for multiple in [1, 2, 3, 7, 8] {
            for delta in [-9isize, -8, -1, 0, 1, 7, 8, 9] {
                lengths.push((round * multiple).wrapping_add_signed(delta));
            }
        }
    }
    lengths.push(MAX_LENGTH);
    for misalignment in 0..16 {
        for &length in &lengths {
            assert_all_agree(
                &buffer[misalignment..misalignment + length],
                &format!("misalignment {misalignment}"),
            );
        }
        for _ in 0..3 {
            let length = random.below(MAX_LENGTH + 1);
            assert_all_agree(
                &buffer[misalignment..misalignment + length],
                &format!("misalignment {misalignment}"),
            );
        }
    }
}

#[test]
fn append_in_pieces_equals_one_shot() {
    let mut random = Xorshift(0x5151_5151_0000_0001);
    let data = random.bytes(200_000);
    let expected = crc32c_bitwise(&data);
    assert_eq!(
        crc32c(&data),
        expected,
        "one shot over {} bytes",
        data.len()
    );
    for trial in 0..200 {
        let mut cut_points: Vec<usize> = (0..random.below(6) + 1)
            .map(|_| random.below(data.len() + 1))
            .collect();
        if trial % 4 == 0 {
            // Small pieces too, where the single-chain and byte paths do the work.
            cut_points.extend((0..8).map(|_| random.below(1024)));
        }
        cut_points.push(0);
        cut_points.push(data.len());
        cut_points.sort_unstable();
        for candidate in implementations() {
            let mut crc = 0;
            for piece in cut_points.windows(2) {
                crc = candidate.append(crc, &data[piece[0]..piece[1]]);
            }
            assert_eq!(
                crc,
                expected,
                "{} appended at cuts {cut_points:?}: expected {expected:#010X}, saw {crc:#010X}",
                candidate.name()
            );
        }
        let mut crc = 0;
        for piece in cut_points.windows(2) {
            crc = crc32c_append(crc, &data[piece[0]..piece[1]]);
        }
        assert_eq!(
            crc, expected,
            "crc32c_append at cuts {cut_points:?}: expected {expected:#010X}, saw {crc:#010X}"
        );
    }
}

#[test]
fn appending_nothing_returns_the_previous_crc() {
    for candidate in implementations() {
        for previous in [0, 1, 0xE306_9283, u32::MAX] {
            let seen = candidate.append(previous, &[]);
            assert_eq!(
                seen,
                previous,
                "{} appending no bytes to {previous:#010X}",
                candidate.name()
            );
        }
    }
}

/// Prints throughput per implementation and input size. Run it in release.
#[test]
#[ignore]
fn report_throughput() {
    const SIZES: [usize; 3] = [4 << 10, 64 << 10, 1 << 20];
    const MEASURE_TIME: Duration = Duration::from_millis(500);
    let mut random = Xorshift(42);
    let buffer = random.bytes(1 << 20);
    println!("dispatch: {}", implementation());
    for candidate in implementations() {
        for size in SIZES {
            let data = &buffer[..size];
            for _ in 0..16 {
                black_box(candidate.append(0, black_box(data)));
            }
            let mut bytes_done: u64 = 0;
            let start = Instant::now();
            while start.elapsed() < MEASURE_TIME {
                for _ in 0..16 {
                    black_box(candidate.append(0, black_box(data)));
                }
                bytes_done += 16 * size as u64;
            }
            let gigabytes_per_second = bytes_done as f64 / start.elapsed().as_secs_f64() / 1e9;
            println!(
                "{:32} {:>8} B  {gigabytes_per_second:7.2} GB/s",
                candidate.name(),
                size
            );
        }
    }
}
