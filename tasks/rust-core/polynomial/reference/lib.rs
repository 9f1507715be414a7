use std::fmt;

/// Polynomial with i64 coefficients, constant term first. Private fields may change.
#[derive(Debug, Clone)]
pub struct Poly {
    coeffs: Vec<i64>,
}

impl Poly {
    /// Constant term first; trailing zeros dropped.
    pub fn new(coeffs: &[i64]) -> Poly {
        let mut v = coeffs.to_vec();
        while v.last() == Some(&0) {
            v.pop();
        }
        Poly { coeffs: v }
    }

    pub fn zero() -> Poly {
        Poly { coeffs: Vec::new() }
    }

    pub fn coeffs(&self) -> Vec<i64> {
        self.coeffs.clone()
    }

    pub fn coeff(&self, i: usize) -> i64 {
        self.coeffs.get(i).copied().unwrap_or(0)
    }

    /// `None` for the zero polynomial.
    pub fn degree(&self) -> Option<usize> {
        self.coeffs.len().checked_sub(1)
    }

    /// Wrapping evaluation.
    pub fn eval(&self, x: i64) -> i64 {
        self.coeffs.iter().rev().fold(0i64, |acc, &c| acc.wrapping_mul(x).wrapping_add(c))
    }

    pub fn add(&self, other: &Poly) -> Poly {
        let n = self.coeffs.len().max(other.coeffs.len());
        let v: Vec<i64> = (0..n).map(|i| self.coeff(i).wrapping_add(other.coeff(i))).collect();
        Poly::new(&v)
    }

    pub fn sub(&self, other: &Poly) -> Poly {
        let n = self.coeffs.len().max(other.coeffs.len());
        let v: Vec<i64> = (0..n).map(|i| self.coeff(i).wrapping_sub(other.coeff(i))).collect();
        Poly::new(&v)
    }

    pub fn mul(&self, other: &Poly) -> Poly {
        if self.coeffs.is_empty() || other.coeffs.is_empty() {
            return Poly::zero();
        }
        let mut v = vec![0i64; self.coeffs.len() + other.coeffs.len() - 1];
        for (i, &a) in self.coeffs.iter().enumerate() {
            for (j, &b) in other.coeffs.iter().enumerate() {
                v[i + j] = v[i + j].wrapping_add(a.wrapping_mul(b));
            }
        }
        Poly::new(&v)
    }

    pub fn derivative(&self) -> Poly {
        let v: Vec<i64> = self.coeffs.iter().enumerate().skip(1).map(|(i, &c)| c.wrapping_mul(i as i64)).collect();
        Poly::new(&v)
    }

    /// `self(inner(x))`.
    pub fn compose(&self, inner: &Poly) -> Poly {
        let mut acc = Poly::zero();
        for &c in self.coeffs.iter().rev() {
            acc = acc.mul(inner).add(&Poly::new(&[c]));
        }
        acc
    }
}

impl PartialEq for Poly {
    fn eq(&self, other: &Self) -> bool {
        self.coeffs == other.coeffs
    }
}

impl Eq for Poly {}

impl fmt::Display for Poly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.coeffs.is_empty() {
            return write!(f, "0");
        }
        let mut first = true;
        for (k, &c) in self.coeffs.iter().enumerate().rev() {
            if c == 0 {
                continue;
            }
            let neg = c < 0;
            if first {
                if neg {
                    write!(f, "-")?;
                }
            } else {
                write!(f, "{}", if neg { " - " } else { " + " })?;
            }
            first = false;
            let mag = c.unsigned_abs();
            if k == 0 || mag != 1 {
                write!(f, "{}", mag)?;
            }
            match k {
                0 => {}
                1 => write!(f, "x")?,
                _ => write!(f, "x^{}", k)?,
            }
        }
        Ok(())
    }
}
