/// Rectangular grid, row-major, `(x, y)` = (column, row). Private fields may change.
pub struct Grid<T> {
    width: usize,
    height: usize,
    cells: Vec<T>,
}

impl<T: Clone> Grid<T> {
    /// `None` if a dimension is 0.
    pub fn new(width: usize, height: usize, fill: T) -> Option<Self> {
        todo!()
    }

    /// Rows top to bottom; `None` if empty or ragged.
    pub fn from_rows(rows: Vec<Vec<T>>) -> Option<Self> {
        todo!()
    }

    pub fn width(&self) -> usize {
        todo!()
    }

    pub fn height(&self) -> usize {
        todo!()
    }

    pub fn get(&self, x: usize, y: usize) -> Option<&T> {
        todo!()
    }

    pub fn set(&mut self, x: usize, y: usize, v: T) -> bool {
        todo!()
    }

    pub fn to_rows(&self) -> Vec<Vec<T>> {
        todo!()
    }

    /// Up, right, down, left (in-grid only).
    pub fn neighbours4(&self, x: usize, y: usize) -> Vec<(usize, usize)> {
        todo!()
    }

    /// The 8 surrounding cells in reading order (in-grid only).
    pub fn neighbours8(&self, x: usize, y: usize) -> Vec<(usize, usize)> {
        todo!()
    }

    pub fn count_around(&self, x: usize, y: usize, pred: impl Fn(&T) -> bool) -> usize {
        todo!()
    }

    pub fn map<U: Clone>(&self, f: impl Fn(&T) -> U) -> Grid<U> {
        todo!()
    }
}

impl<T: Clone + PartialEq> Grid<T> {
    /// Size of the 4-connected region of equal cells containing `(x, y)`.
    pub fn region_size(&self, x: usize, y: usize) -> usize {
        todo!()
    }
}

impl Grid<bool> {
    /// One Game of Life generation.
    pub fn life_step(&self) -> Grid<bool> {
        todo!()
    }
}
