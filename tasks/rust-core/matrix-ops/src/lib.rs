/// Dense i64 matrix with at least one row and one column. Private fields may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<i64>,
}

impl Matrix {
    /// Zero matrix; `None` if a dimension is 0.
    pub fn new(rows: usize, cols: usize) -> Option<Matrix> {
        todo!()
    }

    pub fn identity(n: usize) -> Option<Matrix> {
        todo!()
    }

    /// `None` for no rows, an empty first row, or ragged rows.
    pub fn from_rows(rows: &[Vec<i64>]) -> Option<Matrix> {
        todo!()
    }

    pub fn rows(&self) -> usize {
        todo!()
    }

    pub fn cols(&self) -> usize {
        todo!()
    }

    pub fn get(&self, r: usize, c: usize) -> Option<i64> {
        todo!()
    }

    pub fn set(&mut self, r: usize, c: usize, v: i64) -> bool {
        todo!()
    }

    pub fn to_rows(&self) -> Vec<Vec<i64>> {
        todo!()
    }

    pub fn transpose(&self) -> Matrix {
        todo!()
    }

    pub fn add(&self, other: &Matrix) -> Option<Matrix> {
        todo!()
    }

    /// Product `self × other`; `None` on shape mismatch.
    pub fn mul(&self, other: &Matrix) -> Option<Matrix> {
        todo!()
    }

    pub fn scale(&self, k: i64) -> Matrix {
        todo!()
    }
}
