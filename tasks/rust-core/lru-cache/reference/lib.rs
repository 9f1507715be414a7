/// Key/value cache evicting the least recently used entry. Private fields may change.
pub struct LruCache<K, V> {
    capacity: usize,
    /// Most recently used last.
    entries: Vec<(K, V)>,
}

impl<K: Eq + Clone, V> LruCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        LruCache { capacity, entries: Vec::new() }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &K) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// Presence test; not a use.
    pub fn contains(&self, key: &K) -> bool {
        self.position(key).is_some()
    }

    /// Insert or update; returns the evicted entry, if any.
    pub fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        if let Some(i) = self.position(&key) {
            self.entries.remove(i);
            self.entries.push((key, value));
            return None;
        }
        if self.capacity == 0 {
            return Some((key, value));
        }
        let evicted = if self.entries.len() >= self.capacity {
            Some(self.entries.remove(0))
        } else {
            None
        };
        self.entries.push((key, value));
        evicted
    }

    /// Read and mark as most recently used.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        let i = self.position(key)?;
        let entry = self.entries.remove(i);
        self.entries.push(entry);
        self.entries.last().map(|(_, v)| v)
    }

    /// Read without changing the order.
    pub fn peek(&self, key: &K) -> Option<&V> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.position(key)?;
        Some(self.entries.remove(i).1)
    }

    /// Keys from most to least recently used.
    pub fn keys(&self) -> Vec<K> {
        self.entries.iter().rev().map(|(k, _)| k.clone()).collect()
    }
}
