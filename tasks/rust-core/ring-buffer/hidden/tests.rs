use ring_buffer::*;

#[test]
fn new_buffer_state() {
    let b: RingBuffer<u8> = RingBuffer::new(4);
    assert_eq!(b.capacity(), 4);
    assert_eq!(b.len(), 0);
    assert!(b.is_empty());
    assert!(!b.is_full());
    assert_eq!(b.peek(), None);
}

#[test]
fn fills_up() {
    let mut b = RingBuffer::new(2);
    b.push(10).unwrap();
    assert!(!b.is_full());
    b.push(20).unwrap();
    assert!(b.is_full());
    assert_eq!(b.len(), 2);
}

#[test]
fn wraps_around_many_times() {
    let mut b = RingBuffer::new(3);
    let mut expected = 0;
    for i in 0..100 {
        b.push(i).unwrap();
        if b.is_full() {
            assert_eq!(b.pop(), Some(expected));
            expected += 1;
        }
    }
    assert_eq!(b.to_vec(), vec![98, 99]);
}

#[test]
fn overwrite_evicts_oldest() {
    let mut b = RingBuffer::new(3);
    assert_eq!(b.push_overwrite(1), None);
    assert_eq!(b.push_overwrite(2), None);
    assert_eq!(b.push_overwrite(3), None);
    assert_eq!(b.push_overwrite(4), Some(1));
    assert_eq!(b.push_overwrite(5), Some(2));
    assert_eq!(b.to_vec(), vec![3, 4, 5]);
    assert_eq!(b.len(), 3);
}

#[test]
fn zero_capacity() {
    let mut b = RingBuffer::new(0);
    assert!(b.is_empty());
    assert!(b.is_full());
    assert_eq!(b.push("x"), Err("x"));
    assert_eq!(b.push_overwrite("y"), Some("y"));
    assert_eq!(b.pop(), None);
    assert_eq!(b.to_vec(), Vec::<&str>::new());
}

#[test]
fn peek_does_not_remove() {
    let mut b = RingBuffer::new(2);
    b.push(String::from("first")).unwrap();
    b.push(String::from("second")).unwrap();
    assert_eq!(b.peek().map(|s| s.as_str()), Some("first"));
    assert_eq!(b.len(), 2);
    assert_eq!(b.pop().as_deref(), Some("first"));
    assert_eq!(b.peek().map(|s| s.as_str()), Some("second"));
}

#[test]
fn capacity_one() {
    let mut b = RingBuffer::new(1);
    assert_eq!(b.push_overwrite(7), None);
    assert_eq!(b.push(8), Err(8));
    assert_eq!(b.push_overwrite(9), Some(7));
    assert_eq!(b.pop(), Some(9));
    assert!(b.is_empty());
}

#[test]
fn mixed_operations_after_wrap() {
    let mut b = RingBuffer::new(4);
    for i in 0..4 {
        b.push(i).unwrap();
    }
    assert_eq!(b.pop(), Some(0));
    assert_eq!(b.pop(), Some(1));
    b.push(4).unwrap();
    b.push(5).unwrap();
    assert_eq!(b.push(6), Err(6));
    assert_eq!(b.push_overwrite(6), Some(2));
    assert_eq!(b.to_vec(), vec![3, 4, 5, 6]);
    assert_eq!(b.capacity(), 4);
}

#[test]
fn non_clone_items_can_be_stored() {
    struct NoClone(u32);
    let mut b = RingBuffer::new(2);
    assert!(b.push(NoClone(1)).is_ok());
    assert!(b.push(NoClone(2)).is_ok());
    assert_eq!(b.push_overwrite(NoClone(3)).map(|n| n.0), Some(1));
    assert_eq!(b.pop().map(|n| n.0), Some(2));
    assert_eq!(b.pop().map(|n| n.0), Some(3));
}
