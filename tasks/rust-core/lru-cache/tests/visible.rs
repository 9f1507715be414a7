use lru_cache::*;

#[test]
fn stores_and_reads() {
    let mut c = LruCache::new(2);
    assert_eq!(c.put("a", 1), None);
    assert_eq!(c.put("b", 2), None);
    assert_eq!(c.get(&"a"), Some(&1));
    assert_eq!(c.len(), 2);
}

#[test]
fn evicts_least_recently_used() {
    let mut c = LruCache::new(2);
    c.put("a", 1);
    c.put("b", 2);
    assert_eq!(c.put("c", 3), Some(("a", 1)));
    assert_eq!(c.keys(), vec!["c", "b"]);
}
