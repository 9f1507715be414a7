/// Max-priority queue, FIFO among equal priorities. Private fields may change.
pub struct PriorityQueue<T> {
    heap: Vec<(u32, u64, T)>,
    next_seq: u64,
}

impl<T> PriorityQueue<T> {
    pub fn new() -> Self {
        todo!()
    }

    pub fn len(&self) -> usize {
        todo!()
    }

    pub fn is_empty(&self) -> bool {
        todo!()
    }

    pub fn push(&mut self, priority: u32, item: T) {
        todo!()
    }

    /// Highest priority first; earliest pushed first among equals.
    pub fn pop(&mut self) -> Option<(u32, T)> {
        todo!()
    }

    pub fn peek(&self) -> Option<(u32, &T)> {
        todo!()
    }

    /// Everything, in pop order.
    pub fn into_sorted_vec(self) -> Vec<(u32, T)> {
        todo!()
    }
}
