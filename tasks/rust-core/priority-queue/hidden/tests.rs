use priority_queue::*;

#[test]
fn empty_queue() {
    let mut q: PriorityQueue<i32> = PriorityQueue::new();
    assert!(q.is_empty());
    assert_eq!(q.len(), 0);
    assert_eq!(q.peek(), None);
    assert_eq!(q.pop(), None);
    assert_eq!(q.into_sorted_vec(), vec![]);
}

#[test]
fn peek_matches_pop() {
    let mut q = PriorityQueue::new();
    q.push(4, 40);
    q.push(9, 90);
    assert_eq!(q.peek(), Some((9, &90)));
    assert_eq!(q.len(), 2);
    assert_eq!(q.pop(), Some((9, 90)));
    assert_eq!(q.peek(), Some((4, &40)));
}

#[test]
fn fifo_ties_mixed_with_others() {
    let mut q = PriorityQueue::new();
    let input = [(3, 'a'), (1, 'b'), (3, 'c'), (7, 'd'), (1, 'e'), (3, 'f'), (7, 'g'), (0, 'h')];
    for (p, c) in input {
        q.push(p, c);
    }
    let got: String = q.into_sorted_vec().into_iter().map(|(_, c)| c).collect();
    assert_eq!(got, "dgacfbeh");
}

#[test]
fn interleaved_push_and_pop() {
    let mut q = PriorityQueue::new();
    q.push(5, 1);
    q.push(5, 2);
    assert_eq!(q.pop(), Some((5, 1)));
    q.push(5, 3);
    q.push(6, 4);
    assert_eq!(q.pop(), Some((6, 4)));
    assert_eq!(q.pop(), Some((5, 2)));
    assert_eq!(q.pop(), Some((5, 3)));
    assert!(q.is_empty());
}

#[test]
fn extreme_priorities() {
    let mut q = PriorityQueue::new();
    q.push(0, "zero");
    q.push(u32::MAX, "max");
    q.push(0, "zero2");
    assert_eq!(q.into_sorted_vec(), vec![(u32::MAX, "max"), (0, "zero"), (0, "zero2")]);
}

#[test]
fn non_comparable_items() {
    struct Job {
        name: String,
    }
    let mut q = PriorityQueue::new();
    q.push(1, Job { name: "later".to_string() });
    q.push(2, Job { name: "first".to_string() });
    let (p, job) = q.pop().unwrap();
    assert_eq!((p, job.name.as_str()), (2, "first"));
    assert_eq!(q.peek().map(|(p, j)| (p, j.name.clone())), Some((1, "later".to_string())));
}

#[test]
fn many_items_sorted_and_stable() {
    let mut q = PriorityQueue::new();
    let n = 100_000u32;
    for i in 0..n {
        q.push((i * 7919) % 100, i);
    }
    assert_eq!(q.len(), n as usize);
    let out = q.into_sorted_vec();
    assert_eq!(out.len(), n as usize);
    for w in out.windows(2) {
        let ((p1, i1), (p2, i2)) = (w[0], w[1]);
        assert!(p1 > p2 || (p1 == p2 && i1 < i2), "bad order {:?} then {:?}", w[0], w[1]);
    }
    assert_eq!(out[0], (99, 21));
}

#[test]
fn len_tracks_operations() {
    let mut q = PriorityQueue::new();
    for i in 0..10 {
        q.push(i % 3, i);
    }
    assert_eq!(q.len(), 10);
    for _ in 0..4 {
        q.pop();
    }
    assert_eq!(q.len(), 6);
    assert_eq!(q.pop(), Some((1, 4)));
}
