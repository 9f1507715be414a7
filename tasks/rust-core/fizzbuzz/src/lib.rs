/// "Fizz", "Buzz", "FizzBuzz" or the number itself as text.
pub fn fizzbuzz(n: u32) -> String {
    todo!()
}
