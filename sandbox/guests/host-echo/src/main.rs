//! Calls host functions through the clade-guest SDK.
clade_guest::host_import! {
    fn fail;
}

fn main() {
    let input: Vec<u8> = std::env::args().nth(1).unwrap_or_default().into_bytes();
    match clade_guest::echo(&input) {
        Ok(reply) => println!("echo: {}", String::from_utf8_lossy(&reply)),
        Err(e) => println!("echo error: {e}"),
    }
    match fail(b"anything") {
        Ok(reply) => println!("fail replied: {}", String::from_utf8_lossy(&reply)),
        Err(e) => println!("fail error: {e}"),
    }
}
