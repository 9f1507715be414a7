fn main() {
    let x: u32 = "not a number";
    let order = Ordering::Less;
    println!("{x} {order:?}");
}
