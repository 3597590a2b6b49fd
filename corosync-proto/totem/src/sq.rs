//! The sort queue (sq.h): messages by ring sequence number, a window of
//! QUEUE_RTR_ITEMS_SIZE_MAX sequences above the released head, and a miss
//! counter per missing sequence.

use std::collections::BTreeMap;

/// QUEUE_RTR_ITEMS_SIZE_MAX.
pub const QUEUE_SIZE: u32 = 16384;
const ROLLOVER_POINT: u32 = 0x8000_0000;
const ROLLOVER_VALUE: u32 = 0x1000_0000;

/// `sq_lt_compare`: a < b with wrap-around near the top of the range.
pub fn lt(a: u32, b: u32) -> bool {
    if a > ROLLOVER_POINT || b > ROLLOVER_POINT {
        a.wrapping_sub(ROLLOVER_VALUE) < b.wrapping_sub(ROLLOVER_VALUE)
    } else {
        a < b
    }
}

/// `sq_lte_compare`.
pub fn lte(a: u32, b: u32) -> bool {
    if a > ROLLOVER_POINT || b > ROLLOVER_POINT {
        a.wrapping_sub(ROLLOVER_VALUE) <= b.wrapping_sub(ROLLOVER_VALUE)
    } else {
        a <= b
    }
}

/// Messages held by sequence number.
#[derive(Debug, Clone, Default)]
pub struct SortQueue<T> {
    head_seqid: u32,
    items: BTreeMap<u32, T>,
    miss: BTreeMap<u32, u32>,
}

impl<T: Clone> SortQueue<T> {
    /// An empty queue whose first sequence is `head`.
    pub fn new(head: u32) -> Self {
        SortQueue {
            head_seqid: head,
            items: BTreeMap::new(),
            miss: BTreeMap::new(),
        }
    }
    /// `sq_reinit`.
    pub fn reinit(&mut self, head: u32) {
        *self = SortQueue::new(head);
    }
    /// `sq_in_range`.
    pub fn in_range(&self, seq: u32) -> bool {
        let h = self.head_seqid;
        if h > ROLLOVER_POINT {
            let s = seq.wrapping_sub(ROLLOVER_VALUE);
            let hh = h.wrapping_sub(ROLLOVER_VALUE);
            !(s < hh || s >= hh.wrapping_add(QUEUE_SIZE))
        } else {
            !(seq < h || seq as u64 >= h as u64 + QUEUE_SIZE as u64)
        }
    }
    /// `sq_item_inuse`.
    pub fn in_use(&self, seq: u32) -> bool {
        self.items.contains_key(&seq)
    }
    /// `sq_item_get`.
    pub fn get(&self, seq: u32) -> Option<&T> {
        self.items.get(&seq)
    }
    /// `sq_item_add`.
    pub fn add(&mut self, seq: u32, item: T) {
        self.miss.remove(&seq);
        self.items.insert(seq, item);
    }
    /// `sq_item_miss_count`: bump and return the miss counter.
    pub fn miss_count(&mut self, seq: u32) -> u32 {
        let c = self.miss.entry(seq).or_insert(0);
        *c += 1;
        *c
    }
    /// `sq_items_release`: drop everything up to and including `seq`.
    pub fn release(&mut self, seq: u32) {
        self.items.retain(|&s, _| lt(seq, s));
        self.miss.retain(|&s, _| lt(seq, s));
        self.head_seqid = seq.wrapping_add(1);
    }
    /// `sq_copy` from another queue.
    pub fn copy_from(&mut self, other: &SortQueue<T>) {
        *self = other.clone();
    }
    /// Number of held messages.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
