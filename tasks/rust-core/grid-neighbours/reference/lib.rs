/// Rectangular grid, row-major, `(x, y)` = (column, row). Private fields may change.
pub struct Grid<T> {
    width: usize,
    height: usize,
    cells: Vec<T>,
}

impl<T: Clone> Grid<T> {
    /// `None` if a dimension is 0.
    pub fn new(width: usize, height: usize, fill: T) -> Option<Self> {
        if width == 0 || height == 0 {
            return None;
        }
        Some(Grid { width, height, cells: vec![fill; width * height] })
    }

    /// Rows top to bottom; `None` if empty or ragged.
    pub fn from_rows(rows: Vec<Vec<T>>) -> Option<Self> {
        let width = rows.first()?.len();
        if width == 0 || rows.iter().any(|r| r.len() != width) {
            return None;
        }
        let height = rows.len();
        Some(Grid { width, height, cells: rows.into_iter().flatten().collect() })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    fn inside(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height
    }

    pub fn get(&self, x: usize, y: usize) -> Option<&T> {
        if self.inside(x, y) { Some(&self.cells[y * self.width + x]) } else { None }
    }

    pub fn set(&mut self, x: usize, y: usize, v: T) -> bool {
        if !self.inside(x, y) {
            return false;
        }
        self.cells[y * self.width + x] = v;
        true
    }

    pub fn to_rows(&self) -> Vec<Vec<T>> {
        self.cells.chunks(self.width).map(|r| r.to_vec()).collect()
    }

    fn offsets(&self, x: usize, y: usize, deltas: &[(i64, i64)]) -> Vec<(usize, usize)> {
        if !self.inside(x, y) {
            return Vec::new();
        }
        deltas
            .iter()
            .filter_map(|&(dx, dy)| {
                let nx = x as i64 + dx;
                let ny = y as i64 + dy;
                if nx >= 0 && ny >= 0 && self.inside(nx as usize, ny as usize) {
                    Some((nx as usize, ny as usize))
                } else {
                    None
                }
            })
            .collect()
    }

    /// Up, right, down, left (in-grid only).
    pub fn neighbours4(&self, x: usize, y: usize) -> Vec<(usize, usize)> {
        self.offsets(x, y, &[(0, -1), (1, 0), (0, 1), (-1, 0)])
    }

    /// The 8 surrounding cells in reading order (in-grid only).
    pub fn neighbours8(&self, x: usize, y: usize) -> Vec<(usize, usize)> {
        self.offsets(x, y, &[(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)])
    }

    pub fn count_around(&self, x: usize, y: usize, pred: impl Fn(&T) -> bool) -> usize {
        self.neighbours8(x, y).into_iter().filter(|&(a, b)| pred(&self.cells[b * self.width + a])).count()
    }

    pub fn map<U: Clone>(&self, f: impl Fn(&T) -> U) -> Grid<U> {
        Grid { width: self.width, height: self.height, cells: self.cells.iter().map(f).collect() }
    }
}

impl<T: Clone + PartialEq> Grid<T> {
    /// Size of the 4-connected region of equal cells containing `(x, y)`.
    pub fn region_size(&self, x: usize, y: usize) -> usize {
        let Some(target) = self.get(x, y) else { return 0 };
        let mut seen = vec![false; self.cells.len()];
        let mut stack = vec![(x, y)];
        seen[y * self.width + x] = true;
        let mut count = 0;
        while let Some((cx, cy)) = stack.pop() {
            count += 1;
            for (nx, ny) in self.neighbours4(cx, cy) {
                let i = ny * self.width + nx;
                if !seen[i] && self.cells[i] == *target {
                    seen[i] = true;
                    stack.push((nx, ny));
                }
            }
        }
        count
    }
}

impl Grid<bool> {
    /// One Game of Life generation.
    pub fn life_step(&self) -> Grid<bool> {
        let mut next = self.map(|_| false);
        for y in 0..self.height {
            for x in 0..self.width {
                let n = self.count_around(x, y, |c| *c);
                let alive = self.cells[y * self.width + x];
                next.cells[y * self.width + x] = n == 3 || (alive && n == 2);
            }
        }
        next
    }
}
