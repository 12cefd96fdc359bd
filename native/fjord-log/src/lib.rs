//! fjord-log: the partition log engine of fjord.
//!
//! A partition is a directory of segments; a segment is a `.log` file of Kafka record batches
//! (magic v2) stored exactly as they came off the wire, with a sparse offset index and a time
//! index beside it. This crate has no N-API in it: `native/fjord-napi` is the thin binding.

pub mod crc32c;
