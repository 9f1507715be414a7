/// Max-priority queue, FIFO among equal priorities. Private fields may change.
pub struct PriorityQueue<T> {
    heap: Vec<(u32, u64, T)>,
    next_seq: u64,
}

impl<T> PriorityQueue<T> {
    pub fn new() -> Self {
        PriorityQueue { heap: Vec::new(), next_seq: 0 }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Whether heap[i] should leave before heap[j].
    fn before(&self, i: usize, j: usize) -> bool {
        let (a, b) = (&self.heap[i], &self.heap[j]);
        a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
    }

    pub fn push(&mut self, priority: u32, item: T) {
        self.heap.push((priority, self.next_seq, item));
        self.next_seq += 1;
        let mut i = self.heap.len() - 1;
        while i > 0 {
            let p = (i - 1) / 2;
            if self.before(i, p) {
                self.heap.swap(i, p);
                i = p;
            } else {
                break;
            }
        }
    }

    /// Highest priority first; earliest pushed first among equals.
    pub fn pop(&mut self) -> Option<(u32, T)> {
        if self.heap.is_empty() {
            return None;
        }
        let last = self.heap.len() - 1;
        self.heap.swap(0, last);
        let (p, _, item) = self.heap.pop().unwrap();
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut best = i;
            if l < n && self.before(l, best) {
                best = l;
            }
            if r < n && self.before(r, best) {
                best = r;
            }
            if best == i {
                break;
            }
            self.heap.swap(i, best);
            i = best;
        }
        Some((p, item))
    }

    pub fn peek(&self) -> Option<(u32, &T)> {
        self.heap.first().map(|(p, _, t)| (*p, t))
    }

    /// Everything, in pop order.
    pub fn into_sorted_vec(mut self) -> Vec<(u32, T)> {
        let mut out = Vec::with_capacity(self.heap.len());
        while let Some(x) = self.pop() {
            out.push(x);
        }
        out
    }
}
