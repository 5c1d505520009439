//! Opening a safetensors file held in memory, with errors that say what is wrong with it.
//!
//! The `safetensors` crate does the parsing and its validation (offsets, sizes, overflow); this
//! module only sorts its failures into "truncated" and "unreadable" before any tensor is read, and
//! decodes little-endian values. Never panics, whatever the bytes.

use super::ModelError;
use safetensors::{SafeTensorError, SafeTensors};

/// Bytes of the little-endian header length that starts every safetensors file.
const LENGTH_PREFIX: usize = 8;
/// Far above any header we read (MiniLM's is 11 KB): a longer one means the bytes are not a
/// safetensors file at all, not that they were cut short.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Parses `bytes` as a safetensors file; fails if it is truncated, padded or malformed.
pub(crate) fn open(bytes: &[u8]) -> Result<SafeTensors<'_>, ModelError> {
    let got = bytes.len() as u64;
    let Some(prefix) = bytes.first_chunk::<LENGTH_PREFIX>() else {
        return Err(ModelError::Truncated { needed: LENGTH_PREFIX as u64, got });
    };
    let header_len = u64::from_le_bytes(*prefix);
    if header_len > MAX_HEADER_BYTES {
        return Err(ModelError::UnreadableHeader(format!("a header of {header_len} bytes is implausible")));
    }
    let needed = LENGTH_PREFIX as u64 + header_len;
    if needed > got {
        return Err(ModelError::Truncated { needed, got });
    }
    SafeTensors::deserialize(bytes).map_err(|error| match error {
        SafeTensorError::MetadataIncompleteBuffer => {
            let header = &bytes[LENGTH_PREFIX..needed as usize];
            match data_end(header) {
                Some(end) if needed + end > got => ModelError::Truncated { needed: needed + end, got },
                Some(end) => ModelError::UnreadableHeader(format!(
                    "{} unexpected bytes after the last tensor",
                    got - needed - end
                )),
                None => ModelError::UnreadableHeader(error.to_string()),
            }
        }
        other => ModelError::UnreadableHeader(other.to_string()),
    })
}

/// Where the header says the tensor data ends (relative to the end of the header).
fn data_end(header: &[u8]) -> Option<u64> {
    let entries: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(header).ok()?;
    entries.values().filter_map(|entry| entry.get("data_offsets")?.get(1)?.as_u64()).max()
}

/// Little-endian f32 values; `bytes.len()` is a multiple of 4 for any F32 tensor that `open` accepted.
pub(crate) fn f32_values(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}
