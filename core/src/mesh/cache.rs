//! Bounded, expiring caches of the broadcast layer: ids already delivered, and payloads kept to
//! answer grafts.
//!
//! Owns only storage. Entries leave in insertion order, when they expire or when a bound (count,
//! bytes) is reached, so memory never depends on how much a peer is sent.

use std::collections::{HashMap, HashSet, VecDeque};

use super::wire::MessageId;

/// Ids seen recently (duplicate detection).
#[derive(Debug)]
pub struct SeenCache {
    set: HashSet<MessageId>,
    order: VecDeque<(u64, MessageId)>,
    max: usize,
    ttl_ms: u64,
}

impl SeenCache {
    pub fn new(max: usize, ttl_ms: u64) -> Self {
        SeenCache { set: HashSet::new(), order: VecDeque::new(), max: max.max(1), ttl_ms }
    }

    pub fn contains(&self, id: &MessageId) -> bool {
        self.set.contains(id)
    }

    /// Inserts; false if it was already there.
    pub fn insert(&mut self, id: MessageId, now_ms: u64) -> bool {
        self.expire(now_ms);
        if !self.set.insert(id) {
            return false;
        }
        if self.order.len() >= self.max {
            if let Some((_, old)) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.order.push_back((now_ms + self.ttl_ms, id));
        true
    }

    pub fn expire(&mut self, now_ms: u64) {
        while let Some((until, id)) = self.order.front().copied() {
            if until > now_ms {
                break;
            }
            self.order.pop_front();
            self.set.remove(&id);
        }
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }
}

/// Payloads by id with the round they were received at, bounded in count and bytes.
#[derive(Debug)]
pub struct PayloadCache {
    map: HashMap<MessageId, (u16, Vec<u8>)>,
    order: VecDeque<(u64, MessageId)>,
    bytes: usize,
    max: usize,
    max_bytes: usize,
    ttl_ms: u64,
}

impl PayloadCache {
    pub fn new(max: usize, max_bytes: usize, ttl_ms: u64) -> Self {
        PayloadCache { map: HashMap::new(), order: VecDeque::new(), bytes: 0, max: max.max(1), max_bytes, ttl_ms }
    }

    pub fn get(&self, id: &MessageId) -> Option<&(u16, Vec<u8>)> {
        self.map.get(id)
    }

    pub fn insert(&mut self, id: MessageId, round: u16, payload: Vec<u8>, now_ms: u64) {
        self.expire(now_ms);
        if payload.len() > self.max_bytes || self.map.contains_key(&id) {
            return;
        }
        while self.order.len() >= self.max || self.bytes + payload.len() > self.max_bytes {
            if !self.pop_oldest() {
                break;
            }
        }
        self.bytes += payload.len();
        self.map.insert(id, (round, payload));
        self.order.push_back((now_ms + self.ttl_ms, id));
    }

    pub fn expire(&mut self, now_ms: u64) {
        while self.order.front().is_some_and(|(until, _)| *until <= now_ms) {
            self.pop_oldest();
        }
    }

    fn pop_oldest(&mut self) -> bool {
        match self.order.pop_front() {
            Some((_, id)) => {
                if let Some((_, payload)) = self.map.remove(&id) {
                    self.bytes -= payload.len();
                }
                true
            }
            None => false,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u32) -> MessageId {
        let mut bytes = [0; 32];
        bytes[..4].copy_from_slice(&n.to_le_bytes());
        MessageId(bytes)
    }

    #[test]
    fn seen_is_bounded_and_expires() {
        let mut seen = SeenCache::new(10, 1_000);
        for n in 0..100 {
            assert!(seen.insert(id(n), 0));
            assert!(seen.len() <= 10);
        }
        assert!(!seen.insert(id(99), 1));
        assert!(!seen.contains(&id(0)));
        seen.expire(1_000);
        assert_eq!(seen.len(), 0);
    }

    #[test]
    fn payloads_are_bounded_in_count_and_bytes() {
        let mut cache = PayloadCache::new(5, 1_000, 10_000);
        for n in 0..50 {
            cache.insert(id(n), 1, vec![0; 300], n as u64);
            assert!(cache.len() <= 5 && cache.bytes() <= 1_000);
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&id(49)).is_some());
        cache.insert(id(60), 1, vec![0; 5_000], 60);
        assert!(cache.get(&id(60)).is_none());
        cache.expire(100_000);
        assert_eq!((cache.len(), cache.bytes()), (0, 0));
    }
}
