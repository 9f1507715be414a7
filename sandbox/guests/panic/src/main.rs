fn main() {
    panic!("candidate panicked on purpose");
}
