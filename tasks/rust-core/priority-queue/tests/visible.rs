use priority_queue::*;

#[test]
fn highest_priority_first() {
    let mut q = PriorityQueue::new();
    q.push(1, "low");
    q.push(5, "high");
    q.push(3, "mid");
    assert_eq!(q.pop(), Some((5, "high")));
    assert_eq!(q.pop(), Some((3, "mid")));
    assert_eq!(q.pop(), Some((1, "low")));
    assert_eq!(q.pop(), None);
}

#[test]
fn equal_priorities_are_fifo() {
    let mut q = PriorityQueue::new();
    q.push(2, 'a');
    q.push(2, 'b');
    q.push(2, 'c');
    assert_eq!(q.into_sorted_vec(), vec![(2, 'a'), (2, 'b'), (2, 'c')]);
}
