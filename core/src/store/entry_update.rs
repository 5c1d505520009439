//! The only shape of yrs update Amorph accepts: new entries of the root map `events`, each value one
//! byte buffer, nothing deleted, nothing overwritten.
//!
//! Peers send y-protocols updates (lib0 v1 encoding). Before yrs integrates one, this module reads
//! it with a whitelist: any block that is not a fresh map entry (a delete set, a GC block, an item
//! with an origin — i.e. an overwrite —, another root type, another content kind) makes the update
//! fail to parse. Admitted entries are then written back into a smaller update of the same format,
//! so one bad entry does not cost the good ones travelling with it.

use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;

/// Name of the root map that holds every event, keyed by event id hex.
pub const EVENTS_MAP: &str = "events";

/// lib0 v1 constants (see Yjs `Item.write` and `writeAny`).
const CONTENT_ANY: u8 = 8;
const HAS_ORIGIN: u8 = 0x80;
const HAS_RIGHT_ORIGIN: u8 = 0x40;
const HAS_PARENT_SUB: u8 = 0x20;
const CONTENT_MASK: u8 = 0x1f;
const ANY_BUFFER: u8 = 116;
const GC_BLOCK: u8 = 0;
const SKIP_BLOCK: u8 = 10;

/// One map entry created by an update: the yrs id of its item, its key and its value bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub client: u64,
    pub clock: u32,
    pub key: String,
    pub value: Vec<u8>,
}

/// Why an update is not a plain list of new entries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("update is not valid lib0 v1: {0}")]
    Malformed(String),
    #[error("update deletes content; the event log is append-only")]
    Deletes,
    #[error("update overwrites an existing entry")]
    Overwrites,
    #[error("update touches `{0}`, not the events map")]
    OtherType(String),
    #[error("update carries a block other than a single-buffer map entry (info {0:#x})")]
    UnsupportedBlock(u8),
    #[error("update has {0} entries; at most {1} are accepted in one update")]
    TooManyEntries(usize, usize),
}

fn malformed(e: impl std::fmt::Display) -> ShapeError {
    ShapeError::Malformed(e.to_string())
}

/// Parses a v1 update that may only add entries to `events`; entries come in client order, clocks ascending.
pub fn parse(update: &[u8], max_entries: usize) -> Result<Vec<Entry>, ShapeError> {
    parse_with(update, max_entries, false)
}

/// Reads the entries of an update of our *own* document, which after compaction also holds GC
/// ranges (the covered prefix of a replica) and a delete set over them: both are skipped. Never
/// for bytes from a peer: those go through `parse`.
pub fn parse_local(update: &[u8]) -> Result<Vec<Entry>, ShapeError> {
    parse_with(update, usize::MAX, true)
}

fn parse_with(update: &[u8], max_entries: usize, local: bool) -> Result<Vec<Entry>, ShapeError> {
    let mut cursor = Cursor::new(update);
    let clients: u32 = cursor.read_var().map_err(malformed)?;
    let mut entries = Vec::new();
    for _ in 0..clients {
        let blocks: u32 = cursor.read_var().map_err(malformed)?;
        let client: u64 = cursor.read_var().map_err(malformed)?;
        let mut clock: u32 = cursor.read_var().map_err(malformed)?;
        if entries.len() + blocks as usize > max_entries {
            return Err(ShapeError::TooManyEntries(entries.len() + blocks as usize, max_entries));
        }
        for _ in 0..blocks {
            if local && matches!(cursor.buf.get(cursor.next), Some(&(GC_BLOCK | SKIP_BLOCK))) {
                cursor.read_u8().map_err(malformed)?;
                let len: u32 = cursor.read_var().map_err(malformed)?;
                clock = clock.checked_add(len).ok_or_else(|| malformed("clock overflow"))?;
                continue;
            }
            entries.push(read_entry(&mut cursor, client, clock)?);
            clock = clock.checked_add(1).ok_or_else(|| malformed("clock overflow"))?;
        }
    }
    if local {
        return Ok(entries);
    }
    let deleted_clients: u32 = cursor.read_var().map_err(malformed)?;
    if deleted_clients != 0 {
        return Err(ShapeError::Deletes);
    }
    if cursor.has_content() {
        return Err(malformed("trailing bytes"));
    }
    Ok(entries)
}

fn read_entry(cursor: &mut Cursor, client: u64, clock: u32) -> Result<Entry, ShapeError> {
    let info = cursor.read_u8().map_err(malformed)?;
    if info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) != 0 {
        return Err(ShapeError::Overwrites);
    }
    if info & CONTENT_MASK != CONTENT_ANY || info & HAS_PARENT_SUB == 0 {
        return Err(ShapeError::UnsupportedBlock(info));
    }
    let parent_is_root: u32 = cursor.read_var().map_err(malformed)?;
    if parent_is_root != 1 {
        return Err(ShapeError::OtherType("a nested type".into()));
    }
    let parent = cursor.read_string().map_err(malformed)?;
    if parent != EVENTS_MAP {
        return Err(ShapeError::OtherType(parent.chars().take(40).collect()));
    }
    let key = cursor.read_string().map_err(malformed)?.to_string();
    let values: u32 = cursor.read_var().map_err(malformed)?;
    let tag = cursor.read_u8().map_err(malformed)?;
    if values != 1 || tag != ANY_BUFFER {
        return Err(ShapeError::UnsupportedBlock(info));
    }
    let value = cursor.read_buf().map_err(malformed)?.to_vec();
    Ok(Entry { client, clock, key, value })
}

/// Writes entries back as a v1 update. Entries of one client must have consecutive clocks.
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut runs: Vec<&[Entry]> = Vec::new();
    let mut start = 0;
    for i in 1..=entries.len() {
        let run_ends = i == entries.len()
            || entries[i].client != entries[i - 1].client
            || entries[i].clock != entries[i - 1].clock + 1;
        if run_ends && i > start {
            runs.push(&entries[start..i]);
            start = i;
        }
    }
    let mut out = Vec::new();
    out.write_var(runs.len() as u32);
    for run in runs {
        out.write_var(run.len() as u32);
        out.write_var(run[0].client);
        out.write_var(run[0].clock);
        for entry in run {
            out.write_u8(CONTENT_ANY | HAS_PARENT_SUB);
            out.write_var(1u32);
            out.write_string(EVENTS_MAP);
            out.write_string(&entry.key);
            out.write_var(1u32);
            out.write_u8(ANY_BUFFER);
            out.write_buf(&entry.value);
        }
    }
    out.write_var(0u32);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::decoder::Decode;
    use yrs::{Any, Doc, Map, ReadTxn, StateVector, Transact, Update};

    fn doc_with(client: u64, entries: &[(&str, &[u8])]) -> Doc {
        let doc = Doc::with_client_id(client);
        let map = doc.get_or_insert_map(EVENTS_MAP);
        for (key, value) in entries {
            let mut txn = doc.transact_mut();
            map.insert(&mut txn, *key, Any::Buffer(value.to_vec().into()));
        }
        doc
    }

    fn full_update(doc: &Doc) -> Vec<u8> {
        doc.transact().encode_state_as_update_v1(&StateVector::default())
    }

    #[test]
    fn reads_what_yrs_writes_and_yrs_reads_what_we_write() {
        let doc = doc_with(7, &[("a", b"one"), ("b", b"two"), ("c", b"")]);
        let entries = parse(&full_update(&doc), 100).unwrap();
        let keys: Vec<_> = entries.iter().map(|e| (e.client, e.clock, e.key.as_str(), e.value.len())).collect();
        assert_eq!(keys, vec![(7, 0, "a", 3), (7, 1, "b", 3), (7, 2, "c", 0)]);

        let copy = Doc::with_client_id(8);
        let map = copy.get_or_insert_map(EVENTS_MAP);
        copy.transact_mut().apply_update(Update::decode_v1(&encode(&entries)).unwrap()).unwrap();
        assert_eq!(map.len(&copy.transact()), 3);
        assert_eq!(full_update(&copy), full_update(&doc));
    }

    #[test]
    fn an_incremental_diff_round_trips() {
        let doc = doc_with(7, &[("a", b"one")]);
        let sv = doc.transact().state_vector();
        let map = doc.get_or_insert_map(EVENTS_MAP);
        map.insert(&mut doc.transact_mut(), "b", Any::Buffer(b"two".to_vec().into()));
        let diff = doc.transact().encode_diff_v1(&sv);
        let entries = parse(&diff, 100).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!((entries[0].clock, entries[0].key.as_str()), (1, "b"));
        assert_eq!(encode(&entries), diff);
    }

    #[test]
    fn overwrites_and_deletes_are_refused() {
        let doc = doc_with(7, &[("a", b"one")]);
        let sv = doc.transact().state_vector();
        let map = doc.get_or_insert_map(EVENTS_MAP);
        map.insert(&mut doc.transact_mut(), "a", Any::Buffer(b"evil".to_vec().into()));
        assert_eq!(parse(&doc.transact().encode_diff_v1(&sv), 100), Err(ShapeError::Overwrites));

        let doc = doc_with(7, &[("a", b"one")]);
        let sv = doc.transact().state_vector();
        map_remove(&doc, "a");
        assert_eq!(parse(&doc.transact().encode_diff_v1(&sv), 100), Err(ShapeError::Deletes));
    }

    fn map_remove(doc: &Doc, key: &str) {
        let map = doc.get_or_insert_map(EVENTS_MAP);
        map.remove(&mut doc.transact_mut(), key);
    }

    #[test]
    fn other_types_and_contents_are_refused() {
        let doc = Doc::with_client_id(9);
        let text = doc.get_or_insert_text("notes");
        yrs::Text::insert(&text, &mut doc.transact_mut(), 0, "hi");
        assert!(parse(&full_update(&doc), 100).is_err());

        let doc = Doc::with_client_id(9);
        let other = doc.get_or_insert_map("other");
        other.insert(&mut doc.transact_mut(), "k", Any::Buffer(b"x".to_vec().into()));
        assert_eq!(parse(&full_update(&doc), 100), Err(ShapeError::OtherType("other".into())));

        let doc = Doc::with_client_id(9);
        let map = doc.get_or_insert_map(EVENTS_MAP);
        map.insert(&mut doc.transact_mut(), "k", Any::from("a string, not bytes"));
        assert!(matches!(parse(&full_update(&doc), 100), Err(ShapeError::UnsupportedBlock(_))));
    }

    #[test]
    fn garbage_and_oversized_updates_are_errors_not_panics() {
        for bytes in [&[][..], &[0xff; 12][..], &[1, 200, 200, 200][..], &[1, 1, 7, 0, 0x28][..]] {
            assert!(parse(bytes, 100).is_err(), "{bytes:?}");
        }
        let doc = doc_with(7, &[("a", b"1"), ("b", b"2"), ("c", b"3")]);
        assert_eq!(parse(&full_update(&doc), 2), Err(ShapeError::TooManyEntries(3, 2)));
        let mut padded = full_update(&doc);
        padded.push(0);
        assert!(matches!(parse(&padded, 100), Err(ShapeError::Malformed(_))));
    }
}
