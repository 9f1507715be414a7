/// Fixed-capacity FIFO queue. The private fields may be changed freely.
pub struct RingBuffer<T> {
    slots: Vec<Option<T>>,
    head: usize,
    len: usize,
}

impl<T> RingBuffer<T> {
    /// Empty buffer holding at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        let mut slots = Vec::with_capacity(capacity);
        for _ in 0..capacity {
            slots.push(None);
        }
        RingBuffer { slots, head: 0, len: 0 }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_full(&self) -> bool {
        self.len == self.slots.len()
    }

    /// Append as newest; `Err(item)` when full.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        if self.is_full() {
            return Err(item);
        }
        let idx = (self.head + self.len) % self.slots.len();
        self.slots[idx] = Some(item);
        self.len += 1;
        Ok(())
    }

    /// Append as newest, evicting (and returning) the oldest when full.
    pub fn push_overwrite(&mut self, item: T) -> Option<T> {
        if self.slots.is_empty() {
            return Some(item);
        }
        let evicted = if self.is_full() { self.pop() } else { None };
        let _ = self.push(item);
        evicted
    }

    /// Remove the oldest item.
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.slots[self.head].take();
        self.head = (self.head + 1) % self.slots.len();
        self.len -= 1;
        item
    }

    /// Borrow the oldest item.
    pub fn peek(&self) -> Option<&T> {
        if self.len == 0 {
            None
        } else {
            self.slots[self.head].as_ref()
        }
    }

    /// Items from oldest to newest.
    pub fn to_vec(&self) -> Vec<T>
    where
        T: Clone,
    {
        (0..self.len)
            .filter_map(|i| self.slots[(self.head + i) % self.slots.len()].clone())
            .collect()
    }
}
