/// Key/value cache evicting the least recently used entry. Private fields may change.
pub struct LruCache<K, V> {
    capacity: usize,
    entries: Vec<(K, V)>,
}

impl<K: Eq + Clone, V> LruCache<K, V> {
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

    /// Presence test; not a use.
    pub fn contains(&self, key: &K) -> bool {
        todo!()
    }

    /// Insert or update; returns the evicted entry, if any.
    pub fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        todo!()
    }

    /// Read and mark as most recently used.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        todo!()
    }

    /// Read without changing the order.
    pub fn peek(&self, key: &K) -> Option<&V> {
        todo!()
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        todo!()
    }

    /// Keys from most to least recently used.
    pub fn keys(&self) -> Vec<K> {
        todo!()
    }
}
