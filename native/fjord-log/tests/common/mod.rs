//! Test helpers: build real v2 record batches (uncompressed) byte by byte.
#![allow(dead_code)]

use fjord_log::crc32c::crc32c;

fn put_varlong(out: &mut Vec<u8>, value: i64) {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub struct Record<'a> {
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub value: &'a [u8],
}

/// A batch as a producer sends it: baseOffset 0, CreateTime, no producer id.
pub fn batch_with(records: &[Record], attributes: u16) -> Vec<u8> {
    assert!(!records.is_empty());
    let base_timestamp = records[0].timestamp;
    let max_timestamp = records.iter().map(|r| r.timestamp).max().unwrap();
    let mut body = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let mut rec = vec![0u8]; // attributes
        put_varlong(&mut rec, r.timestamp - base_timestamp);
        put_varlong(&mut rec, i as i64);
        match r.key {
            Some(k) => {
                put_varlong(&mut rec, k.len() as i64);
                rec.extend_from_slice(k);
            }
            None => put_varlong(&mut rec, -1),
        }
        put_varlong(&mut rec, r.value.len() as i64);
        rec.extend_from_slice(r.value);
        put_varlong(&mut rec, 0); // headers
        put_varlong(&mut body, rec.len() as i64);
        body.extend_from_slice(&rec);
    }
    let mut b = Vec::with_capacity(61 + body.len());
    b.extend_from_slice(&0i64.to_be_bytes());
    b.extend_from_slice(&((49 + body.len()) as i32).to_be_bytes());
    b.extend_from_slice(&(-1i32).to_be_bytes());
    b.push(2);
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(&attributes.to_be_bytes());
    b.extend_from_slice(&((records.len() - 1) as i32).to_be_bytes());
    b.extend_from_slice(&base_timestamp.to_be_bytes());
    b.extend_from_slice(&max_timestamp.to_be_bytes());
    b.extend_from_slice(&(-1i64).to_be_bytes());
    b.extend_from_slice(&(-1i16).to_be_bytes());
    b.extend_from_slice(&(-1i32).to_be_bytes());
    b.extend_from_slice(&(records.len() as i32).to_be_bytes());
    b.extend_from_slice(&body);
    fix_crc(&mut b);
    b
}

pub fn fix_crc(b: &mut [u8]) {
    let crc = crc32c(&b[21..]);
    b[17..21].copy_from_slice(&crc.to_be_bytes());
}

/// The same batch with its records section compressed by `codec` (1 gzip, 2 snappy raw,
/// 20 snappy with Xerial framing, 3 lz4 frame, 4 zstd), as producers send it.
pub fn compressed(records: &[Record], codec: u16) -> Vec<u8> {
    use std::io::Write;
    let plain = batch_with(records, 0);
    let body = &plain[61..];
    let packed = match codec {
        1 => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        2 => snap::raw::Encoder::new().compress_vec(body).unwrap(),
        20 => {
            let mut out = b"\x82SNAPPY\x00".to_vec();
            out.extend_from_slice(&1i32.to_be_bytes());
            out.extend_from_slice(&1i32.to_be_bytes());
            for block in body.chunks(100) {
                let c = snap::raw::Encoder::new().compress_vec(block).unwrap();
                out.extend_from_slice(&(c.len() as i32).to_be_bytes());
                out.extend_from_slice(&c);
            }
            out
        }
        3 => {
            let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        4 => ruzstd::encoding::compress_to_vec(body, ruzstd::encoding::CompressionLevel::Fastest),
        _ => panic!("codec {codec}"),
    };
    let mut b = plain[..61].to_vec();
    b.extend_from_slice(&packed);
    let length = (b.len() - 12) as i32;
    b[8..12].copy_from_slice(&length.to_be_bytes());
    let attributes = if codec == 20 { 2 } else { codec };
    b[21..23].copy_from_slice(&attributes.to_be_bytes());
    fix_crc(&mut b);
    b
}

/// `count` records of `value_bytes` each, timestamps from `timestamp` one ms apart.
pub fn batch(count: usize, value_bytes: usize, timestamp: i64) -> Vec<u8> {
    let values: Vec<Vec<u8>> = (0..count).map(|i| vec![(i % 251) as u8; value_bytes]).collect();
    let records: Vec<Record> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Record { timestamp: timestamp + i as i64, key: None, value: v })
        .collect();
    batch_with(&records, 0)
}

pub fn base_offset(b: &[u8]) -> i64 {
    i64::from_be_bytes(b[0..8].try_into().unwrap())
}
pub fn batch_size(b: &[u8]) -> usize {
    12 + i32::from_be_bytes(b[8..12].try_into().unwrap()) as usize
}
pub fn max_timestamp(b: &[u8]) -> i64 {
    i64::from_be_bytes(b[35..43].try_into().unwrap())
}

/// Splits a buffer of whole batches into (base offset, bytes) pairs, checking each CRC.
pub fn split_batches(mut bytes: &[u8]) -> Vec<(i64, Vec<u8>)> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let size = batch_size(bytes);
        let b = &bytes[..size];
        assert_eq!(u32::from_be_bytes(b[17..21].try_into().unwrap()), crc32c(&b[21..]), "CRC of a returned batch");
        out.push((base_offset(b), b.to_vec()));
        bytes = &bytes[size..];
    }
    out
}
