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
        if rows == 0 || cols == 0 {
            return None;
        }
        Some(Matrix { rows, cols, data: vec![0; rows * cols] })
    }

    pub fn identity(n: usize) -> Option<Matrix> {
        let mut m = Matrix::new(n, n)?;
        for i in 0..n {
            m.data[i * n + i] = 1;
        }
        Some(m)
    }

    /// `None` for no rows, an empty first row, or ragged rows.
    pub fn from_rows(rows: &[Vec<i64>]) -> Option<Matrix> {
        let cols = rows.first()?.len();
        if cols == 0 || rows.iter().any(|r| r.len() != cols) {
            return None;
        }
        Some(Matrix { rows: rows.len(), cols, data: rows.concat() })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn get(&self, r: usize, c: usize) -> Option<i64> {
        if r < self.rows && c < self.cols { Some(self.data[r * self.cols + c]) } else { None }
    }

    pub fn set(&mut self, r: usize, c: usize, v: i64) -> bool {
        if r < self.rows && c < self.cols {
            self.data[r * self.cols + c] = v;
            true
        } else {
            false
        }
    }

    pub fn to_rows(&self) -> Vec<Vec<i64>> {
        self.data.chunks(self.cols).map(|c| c.to_vec()).collect()
    }

    pub fn transpose(&self) -> Matrix {
        let mut data = Vec::with_capacity(self.data.len());
        for c in 0..self.cols {
            for r in 0..self.rows {
                data.push(self.data[r * self.cols + c]);
            }
        }
        Matrix { rows: self.cols, cols: self.rows, data }
    }

    pub fn add(&self, other: &Matrix) -> Option<Matrix> {
        if self.rows != other.rows || self.cols != other.cols {
            return None;
        }
        let data = self.data.iter().zip(&other.data).map(|(a, b)| a + b).collect();
        Some(Matrix { rows: self.rows, cols: self.cols, data })
    }

    /// Product `self × other`; `None` on shape mismatch.
    pub fn mul(&self, other: &Matrix) -> Option<Matrix> {
        if self.cols != other.rows {
            return None;
        }
        let mut out = Matrix::new(self.rows, other.cols)?;
        for r in 0..self.rows {
            for c in 0..other.cols {
                let mut s = 0;
                for k in 0..self.cols {
                    s += self.data[r * self.cols + k] * other.data[k * other.cols + c];
                }
                out.data[r * other.cols + c] = s;
            }
        }
        Some(out)
    }

    pub fn scale(&self, k: i64) -> Matrix {
        Matrix { rows: self.rows, cols: self.cols, data: self.data.iter().map(|v| v * k).collect() }
    }
}
