fn main() { std::fs::write("/tmp/pwned-by-build-rs", "x").unwrap(); }
