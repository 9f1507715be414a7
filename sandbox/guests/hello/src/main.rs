//! Echoes its arguments and stdin, and counts environment variables.
use std::io::Read;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).expect("stdin");
    let args: Vec<String> = std::env::args().collect();
    println!("args={args:?}");
    println!("stdin={input}");
    println!("env_vars={}", std::env::vars().count());
    eprintln!("hello on stderr");
}
