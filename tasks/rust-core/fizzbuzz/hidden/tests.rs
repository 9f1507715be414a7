use fizzbuzz::*;

#[test]
fn plain_numbers() {
    assert_eq!(fizzbuzz(2), "2");
    assert_eq!(fizzbuzz(7), "7");
}

#[test]
fn multiples_of_three() {
    assert_eq!(fizzbuzz(6), "Fizz");
    assert_eq!(fizzbuzz(99), "Fizz");
}

#[test]
fn multiples_of_five() {
    assert_eq!(fizzbuzz(5), "Buzz");
    assert_eq!(fizzbuzz(10), "Buzz");
}

#[test]
fn multiples_of_fifteen() {
    assert_eq!(fizzbuzz(15), "FizzBuzz");
    assert_eq!(fizzbuzz(30), "FizzBuzz");
}

#[test]
fn larger_plain_number() {
    assert_eq!(fizzbuzz(101), "101");
}

#[test]
fn first_fifteen() {
    let got: Vec<String> = (1..=15).map(fizzbuzz).collect();
    let want = [
        "1", "2", "Fizz", "4", "Buzz", "Fizz", "7", "8", "Fizz", "Buzz", "11", "Fizz",
        "13", "14", "FizzBuzz",
    ];
    assert_eq!(got, want);
}
