/// Fixed-capacity FIFO queue. The private fields may be changed freely.
pub struct RingBuffer<T> {
    slots: Vec<Option<T>>,
    head: usize,
    len: usize,
}

impl<T> RingBuffer<T> {
    /// Empty buffer holding at most `capacity` items.
    pub fn new(capacity: usize) -> Self {
        todo!()
    }

    pub fn capacity(&self) -> usize {
        todo!()
    }

    pub fn len(&self) -> usize {
        todo!()
    }

    pub fn is_empty(&self) -> bool {
        todo!()
    }

    pub fn is_full(&self) -> bool {
        todo!()
    }

    /// Append as newest; `Err(item)` when full.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        todo!()
    }

    /// Append as newest, evicting (and returning) the oldest when full.
    pub fn push_overwrite(&mut self, item: T) -> Option<T> {
        todo!()
    }

    /// Remove the oldest item.
    pub fn pop(&mut self) -> Option<T> {
        todo!()
    }

    /// Borrow the oldest item.
    pub fn peek(&self) -> Option<&T> {
        todo!()
    }

    /// Items from oldest to newest.
    pub fn to_vec(&self) -> Vec<T>
    where
        T: Clone,
    {
        todo!()
    }
}
