// The builder clears the environment, so this secret is never defined.
const SECRET: &str = env!("CLADE_TEST_SECRET_PROBE");

fn main() {
    println!("{SECRET}");
}
