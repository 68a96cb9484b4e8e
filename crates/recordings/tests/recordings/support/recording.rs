//! Lazily generated recordings whose every byte is checkable: byte `i` is `i % 251`.

use std::io;
use std::sync::LazyLock;

use bytes::Bytes;
use futures::{Stream, StreamExt, stream};

pub const MIB: u64 = 1024 * 1024;
const PERIOD: usize = 251;
pub const CHUNK: usize = 64 * 1024;

static PATTERN: LazyLock<Vec<u8>> =
    LazyLock::new(|| (0..CHUNK + PERIOD).map(|i| (i % PERIOD) as u8).collect());

fn chunk_at(offset: u64, len: usize) -> Bytes {
    let start = (offset % PERIOD as u64) as usize;
    // A fresh allocation per chunk, like a network body: a store that buffered the whole
    // recording would show it in its resident memory.
    Bytes::copy_from_slice(&PATTERN[start..start + len])
}

fn offsets(total: u64, chunk: usize) -> impl Iterator<Item = (u64, usize)> {
    (0..total.div_ceil(chunk as u64)).map(move |i| {
        let offset = i * chunk as u64;
        (offset, chunk.min((total - offset) as usize))
    })
}

/// `total` bytes in `chunk`-sized pieces, produced only as they are polled.
pub fn chunks(
    total: u64,
    chunk: usize,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + Unpin {
    stream::iter(offsets(total, chunk)).map(|(offset, len)| Ok(chunk_at(offset, len)))
}

/// `good` bytes, then the source fails as a broken download would.
pub fn broken_after(good: u64) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + Unpin {
    let reset = io::Error::new(io::ErrorKind::ConnectionReset, "graph connection reset");
    chunks(good, CHUNK).chain(stream::iter([Err(reset)]))
}

/// Checks `data` is bytes `offset..offset + data.len()` of a recording.
pub fn assert_matches(offset: u64, data: &[u8]) {
    let mut at = 0;
    while at < data.len() {
        let len = CHUNK.min(data.len() - at);
        let expected = chunk_at(offset + at as u64, len);
        assert!(
            data[at..at + len] == expected[..],
            "content differs near byte {}",
            offset + at as u64
        );
        at += len;
    }
}
