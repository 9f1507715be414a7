const HOST: &str = include_str!("/etc/hostname");

fn main() {
    println!("{HOST}");
}
