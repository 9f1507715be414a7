use polynomial::*;

fn p(c: &[i64]) -> Poly {
    Poly::new(c)
}

#[test]
fn normalizes_trailing_zeros() {
    assert_eq!(p(&[1, 2, 0, 0]).coeffs(), vec![1, 2]);
    assert_eq!(p(&[0, 0]).coeffs(), Vec::<i64>::new());
    assert_eq!(p(&[0, 0]).degree(), None);
    assert_eq!(Poly::zero().degree(), None);
    assert_eq!(p(&[7]).degree(), Some(0));
    assert_eq!(p(&[1, 2]).coeff(5), 0);
    assert_eq!(p(&[1, 2]).coeff(1), 2);
}

#[test]
fn equality_is_mathematical() {
    assert_eq!(p(&[1, 2, 0]), p(&[1, 2]));
    assert_eq!(p(&[0]), Poly::zero());
    assert_ne!(p(&[1, 2]), p(&[2, 1]));
}

#[test]
fn display_forms() {
    assert_eq!(Poly::zero().to_string(), "0");
    assert_eq!(p(&[0, -1]).to_string(), "-x");
    assert_eq!(p(&[-7]).to_string(), "-7");
    assert_eq!(p(&[0, 2, 0, 1]).to_string(), "x^3 + 2x");
    assert_eq!(p(&[-1, 0, -2]).to_string(), "-2x^2 - 1");
    assert_eq!(p(&[1, 1]).to_string(), "x + 1");
    assert_eq!(p(&[-1]).to_string(), "-1");
    assert_eq!(p(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -12]).to_string(), "-12x^10");
}

#[test]
fn add_and_sub_cancel() {
    let a = p(&[1, 2, 3]);
    let b = p(&[4, 5, -3]);
    assert_eq!(a.add(&b).coeffs(), vec![5, 7]);
    assert_eq!(a.sub(&a), Poly::zero());
    assert_eq!(a.sub(&b).coeffs(), vec![-3, -3, 6]);
    assert_eq!(Poly::zero().sub(&a).coeffs(), vec![-1, -2, -3]);
}

#[test]
fn multiplication() {
    let a = p(&[1, 1]);
    let b = p(&[-1, 1]);
    assert_eq!(a.mul(&b).coeffs(), vec![-1, 0, 1]);
    assert_eq!(a.mul(&a).mul(&a).coeffs(), vec![1, 3, 3, 1]);
    assert_eq!(a.mul(&Poly::zero()), Poly::zero());
    assert_eq!(p(&[3]).mul(&p(&[0, 2])).coeffs(), vec![0, 6]);
}

#[test]
fn derivative() {
    assert_eq!(p(&[5, -1, 3, 2]).derivative().coeffs(), vec![-1, 6, 6]);
    assert_eq!(p(&[9]).derivative(), Poly::zero());
    assert_eq!(Poly::zero().derivative(), Poly::zero());
}

#[test]
fn composition() {
    let outer = p(&[1, 0, 1]);
    let inner = p(&[1, 1]);
    assert_eq!(outer.compose(&inner).coeffs(), vec![2, 2, 1]);
    assert_eq!(inner.compose(&outer).coeffs(), vec![2, 0, 1]);
    assert_eq!(outer.compose(&p(&[3])).coeffs(), vec![10]);
    assert_eq!(outer.compose(&Poly::zero()).coeffs(), vec![1]);
    assert_eq!(Poly::zero().compose(&inner), Poly::zero());
}

#[test]
fn eval_edge_cases() {
    assert_eq!(Poly::zero().eval(123), 0);
    assert_eq!(p(&[4]).eval(-9), 4);
    assert_eq!(p(&[0, 0, 1]).eval(-3), 9);
    assert_eq!(p(&[1, -1, 1, -1]).eval(-1), 4);
}

#[test]
fn wrapping_arithmetic() {
    assert_eq!(p(&[0, 0, 1]).eval(1 << 32), 0);
    assert_eq!(p(&[i64::MAX]).add(&p(&[1])).coeffs(), vec![i64::MIN]);
    assert_eq!(p(&[1, i64::MIN]).add(&p(&[0, i64::MIN])).coeffs(), vec![1]);
    assert_eq!(p(&[0, i64::MIN]).to_string(), "-9223372036854775808x");
}
