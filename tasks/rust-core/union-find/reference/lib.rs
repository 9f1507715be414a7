/// Disjoint sets over `0..n`. Private fields may change.
pub struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
    sets: usize,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind { parent: (0..n).collect(), size: vec![1; n], sets: n }
    }

    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn find(&mut self, x: usize) -> Option<usize> {
        if x >= self.parent.len() {
            return None;
        }
        let mut root = x;
        while self.parent[root] != root {
            root = self.parent[root];
        }
        let mut cur = x;
        while self.parent[cur] != root {
            let next = self.parent[cur];
            self.parent[cur] = root;
            cur = next;
        }
        Some(root)
    }

    /// `Some(true)` if two sets were merged.
    pub fn union(&mut self, a: usize, b: usize) -> Option<bool> {
        if a >= self.len() || b >= self.len() {
            return None;
        }
        let (mut ra, mut rb) = (self.find(a)?, self.find(b)?);
        if ra == rb {
            return Some(false);
        }
        if self.size[ra] < self.size[rb] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb] = ra;
        self.size[ra] += self.size[rb];
        self.sets -= 1;
        Some(true)
    }

    pub fn connected(&mut self, a: usize, b: usize) -> Option<bool> {
        if a >= self.len() || b >= self.len() {
            return None;
        }
        Some(self.find(a)? == self.find(b)?)
    }

    pub fn components(&self) -> usize {
        self.sets
    }

    pub fn component_size(&mut self, x: usize) -> Option<usize> {
        let r = self.find(x)?;
        Some(self.size[r])
    }

    pub fn largest_component(&self) -> usize {
        (0..self.len()).filter(|&i| self.parent[i] == i).map(|i| self.size[i]).max().unwrap_or(0)
    }

    /// Sorted sets, ordered by smallest element.
    pub fn groups(&mut self) -> Vec<Vec<usize>> {
        let n = self.len();
        let mut slot = vec![usize::MAX; n];
        let mut out: Vec<Vec<usize>> = Vec::new();
        for x in 0..n {
            let r = self.find(x).unwrap();
            if slot[r] == usize::MAX {
                slot[r] = out.len();
                out.push(Vec::new());
            }
            out[slot[r]].push(x);
        }
        out
    }
}

/// Minimum spanning tree: total weight and taken edge indices (ascending).
pub fn kruskal(n: usize, edges: &[(usize, usize, u64)]) -> Option<(u64, Vec<usize>)> {
    if edges.iter().any(|&(a, b, _)| a >= n || b >= n) {
        return None;
    }
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by_key(|&i| (edges[i].2, i));
    let mut uf = UnionFind::new(n);
    let mut total = 0u64;
    let mut taken = Vec::new();
    for i in order {
        let (a, b, w) = edges[i];
        if uf.union(a, b) == Some(true) {
            total += w;
            taken.push(i);
        }
    }
    if n > 1 && uf.components() != 1 {
        return None;
    }
    taken.sort_unstable();
    Some((total, taken))
}
