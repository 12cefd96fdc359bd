//! CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of Kafka record batches
//! (magic v2), computed as fast as the CPU allows on one core.
//!
//! # Paths, chosen once at run time
//!
//! The first call detects the CPU features and caches the list of usable implementations in a
//! `OnceLock`; every later call is one atomic load and an indirect call. In order of preference:
//!
//! - `x86_64-sse4.2-3way-pclmulqdq`: the SSE4.2 `crc32` instruction, three streams, combined with
//!   carry-less multiply.
//! - `x86_64-sse4.2-3way-table`: the same without PCLMULQDQ (Nehalem), combined with tables.
//! - `aarch64-crc-3way-table`: the ARMv8 `crc32cx` instruction, three streams, combined with
//!   tables.
//! - `portable-slice-by-16`: table driven, 16 bytes per step, for every other CPU.
//!
//! # Why three streams
//!
//! The `crc32` instruction consumes 8 bytes per call with a latency of 3 cycles but a throughput
//! of one per cycle (Intel since Nehalem; AMD Zen; most ARMv8 cores are similar). One dependent
//! chain therefore runs at a third of what the unit can do. A large input is cut into rounds of
//! three adjacent blocks A, B, C of `L` bytes each; three independent chains run over them
//! interleaved (A from the running state, B and C from 0), which fills the pipeline. CRC without
//! its final inversion is linear over GF(2), so the round's result is
//! `shift(A, 2L) ^ shift(B, L) ^ C`, where `shift(x, n)` is `x * x^(8n) mod P`: the state after
//! `n` more zero bytes.
//!
//! Block lengths are 8192, 1024 and 128 bytes, used largest first while at least three blocks
//! remain; whatever is left (less than 384 bytes) runs as a single chain. The combine costs
//! about a dozen cycles, which is under 1% of an 8 KiB round and about 10% of a 128-byte one,
//! still far better than leaving two thirds of the unit idle.
//!
//! # How the streams are combined
//!
//! With PCLMULQDQ, `shift(x, n)` is one carry-less multiply of `x` by the constant
//! `x^(8n - 33) mod P` followed by one `crc32` of the 64-bit product, which reduces it modulo P
//! and multiplies by `x^33` (the product of two bit-reflected 32-bit values is a 63-bit value
//! that the 64-bit `crc32` reads shifted by one, then the instruction multiplies by `x^32`).
//! The two multiplies of a round are independent and their products are XORed before the single
//! reduction, so a round costs two multiplies and one `crc32`, and each block length needs only
//! two 32-bit constants, computed at compile time.
//!
//! Without carry-less multiply (aarch64 here, to keep that path to the `crc` feature alone, and
//! pre-Westmere x86), `shift(x, L)` is a precomputed linear operator: four 256-entry tables, one
//! per byte of `x`, so one shift is four loads and three XORs, and a round applies it twice
//! (`shift(shift(A, L) ^ B, L) ^ C`). That costs 4 KiB of tables per block length (12 KiB in all,
//! built at compile time), and being plain Rust it runs, and is tested, on every machine.
//!
//! # Portable fallback
//!
//! Slice-by-16: sixteen 256-entry tables (16 KiB) let one step fold 16 bytes with sixteen
//! independent loads, about 1.5 to 3 GB/s on current cores, against about 0.3 GB/s for the
//! byte-at-a-time table. All tables are computed by `const fn` at compile time.

// The three-stream machinery is unused where only the portable path exists.
#![cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]

use std::sync::OnceLock;

/// The CRC-32C polynomial, bit-reflected: bit 31 holds `x^0`, bit 0 holds `x^31`.
const POLYNOMIAL_REFLECTED: u32 = 0x82F6_3B78;

/// `x^0` (that is, 1) as a bit-reflected polynomial.
const ONE_REFLECTED: u32 = 0x8000_0000;

/// `a * b mod P` over GF(2), both operands and the result bit-reflected.
const fn multiply_modulo(a: u32, b: u32) -> u32 {
    let mut product = 0;
    let mut b_times_x_power = b;
    let mut bit = 0;
    while bit < 32 {
        if a & (ONE_REFLECTED >> bit) != 0 {
            product ^= b_times_x_power;
        }
        // Multiply by x: shift towards higher powers, reducing when x^32 appears.
        b_times_x_power = if b_times_x_power & 1 != 0 {
            (b_times_x_power >> 1) ^ POLYNOMIAL_REFLECTED
        } else {
            b_times_x_power >> 1
        };
        bit += 1;
    }
    product
}

/// `x^exponent mod P`, bit-reflected.
const fn x_power_modulo(exponent: u64) -> u32 {
    let mut result = ONE_REFLECTED;
    let mut square = ONE_REFLECTED >> 1; // x^1
    let mut remaining = exponent;
    while remaining != 0 {
        if remaining & 1 != 0 {
            result = multiply_modulo(result, square);
        }
        square = multiply_modulo(square, square);
        remaining >>= 1;
    }
    result
}

// ---------------------------------------------------------------------------------------------
// Portable slice-by-16.

const SLICE_BYTES: usize = 16;

/// `SLICE_TABLES[k][v]`: the state contribution of byte value `v` followed by `k` zero bytes.
static SLICE_TABLES: [[u32; 256]; SLICE_BYTES] = build_slice_tables();

const fn build_slice_tables() -> [[u32; 256]; SLICE_BYTES] {
    let mut tables = [[0u32; 256]; SLICE_BYTES];
    let mut value = 0;
    while value < 256 {
        let mut state = value as u32;
        let mut bit = 0;
        while bit < 8 {
            state = if state & 1 != 0 {
                (state >> 1) ^ POLYNOMIAL_REFLECTED
            } else {
                state >> 1
            };
            bit += 1;
        }
        tables[0][value] = state;
        value += 1;
    }
    let mut table = 1;
    while table < SLICE_BYTES {
        let mut value = 0;
        while value < 256 {
            let previous = tables[table - 1][value];
            tables[table][value] = (previous >> 8) ^ tables[0][(previous & 0xFF) as usize];
            value += 1;
        }
        table += 1;
    }
    tables
}

/// Extends `crc` over `data` without any special instruction. Same contract as
/// [`crc32c_append`]; public so tests can check it directly on every machine.
pub fn crc32c_append_portable(crc: u32, data: &[u8]) -> u32 {
    !append_slice_by_16(!crc, data)
}

/// Slice-by-16 on the raw (uninverted) state.
fn append_slice_by_16(state: u32, data: &[u8]) -> u32 {
    let tables = &SLICE_TABLES;
    let mut state = state;
    let mut chunks = data.chunks_exact(SLICE_BYTES);
    for chunk in &mut chunks {
        let word = |index: usize| {
            u32::from_le_bytes([
                chunk[index],
                chunk[index + 1],
                chunk[index + 2],
                chunk[index + 3],
            ])
        };
        let word0 = word(0) ^ state;
        let word1 = word(4);
        let word2 = word(8);
        let word3 = word(12);
        // Byte i of the chunk is followed by 15 - i bytes, so it goes through table 15 - i.
        state = tables[15][(word0 & 0xFF) as usize]
            ^ tables[14][((word0 >> 8) & 0xFF) as usize]
            ^ tables[13][((word0 >> 16) & 0xFF) as usize]
            ^ tables[12][(word0 >> 24) as usize]
            ^ tables[11][(word1 & 0xFF) as usize]
            ^ tables[10][((word1 >> 8) & 0xFF) as usize]
            ^ tables[9][((word1 >> 16) & 0xFF) as usize]
            ^ tables[8][(word1 >> 24) as usize]
            ^ tables[7][(word2 & 0xFF) as usize]
            ^ tables[6][((word2 >> 8) & 0xFF) as usize]
            ^ tables[5][((word2 >> 16) & 0xFF) as usize]
            ^ tables[4][(word2 >> 24) as usize]
            ^ tables[3][(word3 & 0xFF) as usize]
            ^ tables[2][((word3 >> 8) & 0xFF) as usize]
            ^ tables[1][((word3 >> 16) & 0xFF) as usize]
            ^ tables[0][(word3 >> 24) as usize];
    }
    for &byte in chunks.remainder() {
        state = tables[0][((state ^ byte as u32) & 0xFF) as usize] ^ (state >> 8);
    }
    state
}

// ---------------------------------------------------------------------------------------------
// Three-stream hardware paths.

/// Multiplication by a fixed `x^(8 * bytes) mod P`, as a linear operator on the 32-bit state:
/// one 256-entry table per byte of the state.
struct ShiftOperator {
    tables: [[u32; 256]; 4],
}

impl ShiftOperator {
    const fn new(bytes: u64) -> ShiftOperator {
        let multiplier = x_power_modulo(8 * bytes);
        let mut tables = [[0u32; 256]; 4];
        let mut byte = 0;
        while byte < 4 {
            let mut value = 0;
            while value < 256 {
                tables[byte][value] = multiply_modulo((value as u32) << (8 * byte), multiplier);
                value += 1;
            }
            byte += 1;
        }
        ShiftOperator { tables }
    }

    #[inline(always)]
    fn apply(&self, state: u32) -> u32 {
        self.tables[0][(state & 0xFF) as usize]
            ^ self.tables[1][((state >> 8) & 0xFF) as usize]
            ^ self.tables[2][((state >> 16) & 0xFF) as usize]
            ^ self.tables[3][(state >> 24) as usize]
    }
}

/// Everything a round of three blocks of `length` bytes needs to combine its streams.
#[allow(dead_code)] // Each architecture reads a subset of the fields.
struct BlockLevel {
    length: usize,
    /// `x^(8 * length - 33) mod P`, for the carry-less multiply combine.
    clmul_shift_single: u32,
    /// `x^(16 * length - 33) mod P`, for the carry-less multiply combine.
    clmul_shift_double: u32,
    /// Shift by `length` bytes, for the table combine.
    shift: ShiftOperator,
}

impl BlockLevel {
    const fn new(length: usize) -> BlockLevel {
        assert!(length % 8 == 0 && length >= 8);
        BlockLevel {
            length,
            clmul_shift_single: x_power_modulo(8 * length as u64 - 33),
            clmul_shift_double: x_power_modulo(16 * length as u64 - 33),
            shift: ShiftOperator::new(length as u64),
        }
    }
}

/// Block lengths in bytes, largest first. Bounded: a round is at most 3 * 8192 bytes, and fewer
/// than 3 * 128 = 384 bytes are left for the single chain.
static BLOCK_LEVELS: [BlockLevel; 3] = [
    BlockLevel::new(8192),
    BlockLevel::new(1024),
    BlockLevel::new(128),
];

/// One architecture's CRC-32C instructions, on the raw (uninverted) state.
trait CrcInstructions {
    /// Folds 8 bytes (`word` read little endian) into `state`.
    unsafe fn fold_word(state: u32, word: u64) -> u32;
    /// Folds one byte into `state`.
    unsafe fn fold_byte(state: u32, byte: u8) -> u32;
}

/// How a round's three stream states become one.
trait StreamCombine {
    /// `shift(a, 2L) ^ shift(b, L) ^ c` for `L = level.length`.
    unsafe fn combine(level: &BlockLevel, a: u32, b: u32, c: u32) -> u32;
}

struct TableCombine;

impl StreamCombine for TableCombine {
    #[inline(always)]
    unsafe fn combine(level: &BlockLevel, a: u32, b: u32, c: u32) -> u32 {
        level.shift.apply(level.shift.apply(a) ^ b) ^ c
    }
}

/// Reads the `index`-th unaligned little-endian u64 from `base`.
///
/// # Safety
/// `base + 8 * index .. base + 8 * index + 8` must be readable.
#[inline(always)]
unsafe fn read_word(base: *const u8, index: usize) -> u64 {
    u64::from_le(base.cast::<u64>().add(index).read_unaligned())
}

/// The three-stream loop shared by all hardware paths. Must be inlined into a function that
/// enables the target features `I` and `C` need, so that their intrinsics inline too.
///
/// # Safety
/// The CPU must support the instructions `I` and `C` use.
#[inline(always)]
unsafe fn append_three_way<I: CrcInstructions, C: StreamCombine>(state: u32, data: &[u8]) -> u32 {
    let mut state = state;
    let mut rest = data;

    // Align to 8 so that no word load of the main loops straddles a cache line.
    while !rest.is_empty() && (rest.as_ptr() as usize) % 8 != 0 {
        state = I::fold_byte(state, rest[0]);
        rest = &rest[1..];
    }

    for level in &BLOCK_LEVELS {
        let length = level.length;
        let words_per_block = length / 8;
        while rest.len() >= 3 * length {
            let block_a = rest.as_ptr();
            let block_b = block_a.add(length);
            let block_c = block_b.add(length);
            let mut state_a = state;
            let mut state_b = 0;
            let mut state_c = 0;
            for index in 0..words_per_block {
                // SAFETY: index < length / 8 and rest holds 3 * length bytes from block_a.
                state_a = I::fold_word(state_a, read_word(block_a, index));
                state_b = I::fold_word(state_b, read_word(block_b, index));
                state_c = I::fold_word(state_c, read_word(block_c, index));
            }
            state = C::combine(level, state_a, state_b, state_c);
            rest = &rest[3 * length..];
        }
    }

    let mut words = rest.chunks_exact(8);
    for word in &mut words {
        state = I::fold_word(
            state,
            u64::from_le_bytes(word.try_into().expect("chunk of 8")),
        );
    }
    for &byte in words.remainder() {
        state = I::fold_byte(state, byte);
    }
    state
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{append_three_way, BlockLevel, CrcInstructions, StreamCombine, TableCombine};
    use std::arch::x86_64::{
        __m128i, _mm_clmulepi64_si128, _mm_crc32_u64, _mm_crc32_u8, _mm_cvtsi128_si64,
        _mm_cvtsi32_si128, _mm_xor_si128,
    };

    pub(super) struct Sse42;

    impl CrcInstructions for Sse42 {
        #[inline(always)]
        unsafe fn fold_word(state: u32, word: u64) -> u32 {
            _mm_crc32_u64(state as u64, word) as u32
        }

        #[inline(always)]
        unsafe fn fold_byte(state: u32, byte: u8) -> u32 {
            _mm_crc32_u8(state, byte)
        }
    }

    /// Carry-less product of two 32-bit values, in the low 63 bits of the result.
    #[inline(always)]
    unsafe fn clmul_low(value: u32, constant: u32) -> __m128i {
        _mm_clmulepi64_si128::<0x00>(
            _mm_cvtsi32_si128(value as i32),
            _mm_cvtsi32_si128(constant as i32),
        )
    }

    pub(super) struct ClmulCombine;

    impl StreamCombine for ClmulCombine {
        #[inline(always)]
        unsafe fn combine(level: &BlockLevel, a: u32, b: u32, c: u32) -> u32 {
            let product_a = clmul_low(a, level.clmul_shift_double);
            let product_b = clmul_low(b, level.clmul_shift_single);
            let products = _mm_xor_si128(product_a, product_b);
            // crc32 of the 63-bit product reduces it modulo P and supplies the missing x^33.
            _mm_crc32_u64(0, _mm_cvtsi128_si64(products) as u64) as u32 ^ c
        }
    }

    /// # Safety
    /// The CPU must support SSE4.2 and PCLMULQDQ.
    #[target_feature(enable = "sse4.2,pclmulqdq")]
    pub(super) unsafe fn append_sse42_clmul(crc: u32, data: &[u8]) -> u32 {
        !append_three_way::<Sse42, ClmulCombine>(!crc, data)
    }

    /// # Safety
    /// The CPU must support SSE4.2.
    #[target_feature(enable = "sse4.2")]
    pub(super) unsafe fn append_sse42_table(crc: u32, data: &[u8]) -> u32 {
        !append_three_way::<Sse42, TableCombine>(!crc, data)
    }
}

#[cfg(target_arch = "aarch64")]
mod aarch64 {
    use super::{append_three_way, CrcInstructions, TableCombine};
    use std::arch::aarch64::{__crc32cb, __crc32cd};

    pub(super) struct ArmCrc;

    impl CrcInstructions for ArmCrc {
        #[inline(always)]
        unsafe fn fold_word(state: u32, word: u64) -> u32 {
            __crc32cd(state, word)
        }

        #[inline(always)]
        unsafe fn fold_byte(state: u32, byte: u8) -> u32 {
            __crc32cb(state, byte)
        }
    }

    /// # Safety
    /// The CPU must support the ARMv8 CRC32 instructions.
    #[target_feature(enable = "crc")]
    pub(super) unsafe fn append_crc_table(crc: u32, data: &[u8]) -> u32 {
        !append_three_way::<ArmCrc, TableCombine>(!crc, data)
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

/// One way of computing CRC-32C that this CPU can run.
pub struct Implementation {
    name: &'static str,
    /// Unsafe only because of target features; `detect` lists it only when the CPU has them.
    append: unsafe fn(u32, &[u8]) -> u32,
}

impl Implementation {
    /// Names the path, e.g. `"x86_64-sse4.2-3way-pclmulqdq"`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Same contract as [`crc32c_append`], through this path.
    pub fn append(&self, crc: u32, data: &[u8]) -> u32 {
        // SAFETY: `detect` includes an implementation only after finding the features it needs.
        unsafe { (self.append)(crc, data) }
    }
}

static IMPLEMENTATIONS: OnceLock<Vec<Implementation>> = OnceLock::new();

fn detect() -> Vec<Implementation> {
    let mut usable = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("sse4.2") {
            if std::arch::is_x86_feature_detected!("pclmulqdq") {
                usable.push(Implementation {
                    name: "x86_64-sse4.2-3way-pclmulqdq",
                    append: x86::append_sse42_clmul,
                });
            }
            usable.push(Implementation {
                name: "x86_64-sse4.2-3way-table",
                append: x86::append_sse42_table,
            });
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("crc") {
            usable.push(Implementation {
                name: "aarch64-crc-3way-table",
                append: aarch64::append_crc_table,
            });
        }
    }
    usable.push(Implementation {
        name: "portable-slice-by-16",
        append: crc32c_append_portable,
    });
    usable
}

/// Every implementation this CPU can run, fastest first; the last is always the portable one.
/// The first is the one [`crc32c_append`] uses. Exposed so tests can compare them.
pub fn implementations() -> &'static [Implementation] {
    IMPLEMENTATIONS.get_or_init(detect)
}

fn selected() -> &'static Implementation {
    &implementations()[0]
}

/// Extends `crc` (the value returned for the previous bytes, 0 to start) over `data`.
pub fn crc32c_append(crc: u32, data: &[u8]) -> u32 {
    selected().append(crc, data)
}

/// CRC-32C of `data`.
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c_append(0, data)
}

/// Which path the run-time dispatch chose, e.g. `"x86_64-sse4.2-3way-pclmulqdq"`.
pub fn implementation() -> &'static str {
    selected().name
}
