use polynomial::*;

#[test]
fn evaluates_at_a_point() {
    let p = Poly::new(&[5, -1, 3]);
    assert_eq!(p.eval(2), 15);
    assert_eq!(p.degree(), Some(2));
}

#[test]
fn displays_terms() {
    assert_eq!(Poly::new(&[5, -1, 3]).to_string(), "3x^2 - x + 5");
}
