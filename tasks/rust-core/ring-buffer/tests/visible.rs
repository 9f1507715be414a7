use ring_buffer::*;

#[test]
fn fifo_order() {
    let mut b = RingBuffer::new(3);
    assert_eq!(b.push(1), Ok(()));
    assert_eq!(b.push(2), Ok(()));
    assert_eq!(b.pop(), Some(1));
    assert_eq!(b.pop(), Some(2));
    assert_eq!(b.pop(), None);
}

#[test]
fn push_into_full_buffer_is_rejected() {
    let mut b = RingBuffer::new(2);
    b.push('a').unwrap();
    b.push('b').unwrap();
    assert_eq!(b.push('c'), Err('c'));
    assert_eq!(b.to_vec(), vec!['a', 'b']);
}
