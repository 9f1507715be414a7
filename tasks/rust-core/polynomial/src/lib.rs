use std::fmt;

/// Polynomial with i64 coefficients, constant term first. Private fields may change.
#[derive(Debug, Clone)]
pub struct Poly {
    coeffs: Vec<i64>,
}

impl Poly {
    /// Constant term first; trailing zeros dropped.
    pub fn new(coeffs: &[i64]) -> Poly {
        todo!()
    }

    pub fn zero() -> Poly {
        todo!()
    }

    pub fn coeffs(&self) -> Vec<i64> {
        todo!()
    }

    pub fn coeff(&self, i: usize) -> i64 {
        todo!()
    }

    /// `None` for the zero polynomial.
    pub fn degree(&self) -> Option<usize> {
        todo!()
    }

    /// Wrapping evaluation.
    pub fn eval(&self, x: i64) -> i64 {
        todo!()
    }

    pub fn add(&self, other: &Poly) -> Poly {
        todo!()
    }

    pub fn sub(&self, other: &Poly) -> Poly {
        todo!()
    }

    pub fn mul(&self, other: &Poly) -> Poly {
        todo!()
    }

    pub fn derivative(&self) -> Poly {
        todo!()
    }

    /// `self(inner(x))`.
    pub fn compose(&self, inner: &Poly) -> Poly {
        todo!()
    }
}

impl PartialEq for Poly {
    fn eq(&self, other: &Self) -> bool {
        todo!()
    }
}

impl Eq for Poly {}

impl fmt::Display for Poly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}
