use lru_cache::*;

#[test]
fn get_refreshes_entry() {
    let mut c = LruCache::new(2);
    c.put(1, "one");
    c.put(2, "two");
    assert_eq!(c.get(&1), Some(&"one"));
    assert_eq!(c.put(3, "three"), Some((2, "two")));
    assert_eq!(c.keys(), vec![3, 1]);
}

#[test]
fn peek_does_not_refresh() {
    let mut c = LruCache::new(2);
    c.put(1, 'x');
    c.put(2, 'y');
    assert_eq!(c.peek(&1), Some(&'x'));
    assert!(c.contains(&1));
    assert_eq!(c.put(3, 'z'), Some((1, 'x')));
    assert!(!c.contains(&1));
}

#[test]
fn update_existing_key_replaces_and_refreshes() {
    let mut c = LruCache::new(2);
    c.put("k", 1);
    c.put("j", 2);
    assert_eq!(c.put("k", 10), None);
    assert_eq!(c.len(), 2);
    assert_eq!(c.peek(&"k"), Some(&10));
    assert_eq!(c.keys(), vec!["k", "j"]);
    assert_eq!(c.put("m", 3), Some(("j", 2)));
}

#[test]
fn missing_keys() {
    let mut c: LruCache<u32, u32> = LruCache::new(3);
    assert_eq!(c.get(&5), None);
    assert_eq!(c.peek(&5), None);
    assert_eq!(c.remove(&5), None);
    assert!(c.is_empty());
}

#[test]
fn remove_frees_room() {
    let mut c = LruCache::new(2);
    c.put('a', 1);
    c.put('b', 2);
    assert_eq!(c.remove(&'a'), Some(1));
    assert_eq!(c.len(), 1);
    assert_eq!(c.put('c', 3), None);
    assert_eq!(c.keys(), vec!['c', 'b']);
}

#[test]
fn zero_capacity_stores_nothing() {
    let mut c = LruCache::new(0);
    assert_eq!(c.capacity(), 0);
    assert_eq!(c.put("a", 1), Some(("a", 1)));
    assert!(c.is_empty());
    assert_eq!(c.get(&"a"), None);
    assert_eq!(c.keys(), Vec::<&str>::new());
}

#[test]
fn capacity_one() {
    let mut c = LruCache::new(1);
    assert_eq!(c.put(1, 1), None);
    assert_eq!(c.put(1, 2), None);
    assert_eq!(c.put(2, 3), Some((1, 2)));
    assert_eq!(c.keys(), vec![2]);
}

#[test]
fn string_keys_and_long_sequence() {
    let mut c = LruCache::new(3);
    for i in 0..50 {
        c.put(format!("k{}", i % 5), i);
        let _ = c.get(&String::from("k0"));
    }
    assert_eq!(c.len(), 3);
    assert_eq!(c.keys(), vec!["k0".to_string(), "k4".to_string(), "k3".to_string()]);
    assert_eq!(c.peek(&"k4".to_string()), Some(&49));
}

#[test]
fn order_after_several_gets() {
    let mut c = LruCache::new(4);
    for k in 1..=4 {
        c.put(k, k * 100);
    }
    c.get(&2);
    c.get(&4);
    c.get(&1);
    assert_eq!(c.keys(), vec![1, 4, 2, 3]);
    assert_eq!(c.put(5, 500), Some((3, 300)));
    assert_eq!(c.put(6, 600), Some((2, 200)));
}
