#[path = "../../../../../etc/passwd"]
mod passwd;

fn main() {}
