//! Sleeps far past any reasonable deadline.
fn main() {
    std::thread::sleep(std::time::Duration::from_secs(30));
    println!("woke up");
}
