fn main() {
    println!("about to exit");
    std::process::exit(3);
}
