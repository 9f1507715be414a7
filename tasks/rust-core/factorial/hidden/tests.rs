use factorial::*;

#[test]
fn zero_is_one() {
    assert_eq!(factorial(0), 1);
}

#[test]
fn one_is_one() {
    assert_eq!(factorial(1), 1);
}

#[test]
fn two() {
    assert_eq!(factorial(2), 2);
}

#[test]
fn ten() {
    assert_eq!(factorial(10), 3_628_800);
}

#[test]
fn thirteen_is_beyond_u32() {
    assert_eq!(factorial(13), 6_227_020_800);
}

#[test]
fn twenty() {
    assert_eq!(factorial(20), 2_432_902_008_176_640_000);
}

#[test]
fn each_step_multiplies_by_n() {
    for n in 1..=20u32 {
        assert_eq!(factorial(n), factorial(n - 1) * n as u64);
    }
}
