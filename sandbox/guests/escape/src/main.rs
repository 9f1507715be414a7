//! Tries one way out of the sandbox, named by its first argument, and reports
//! `DENIED <what>: <error>` or `LEAK <what>: <detail>`.
use std::io::Write;

fn report<T: std::fmt::Debug, E: std::fmt::Display>(what: &str, result: Result<T, E>) {
    match result {
        Ok(value) => println!("LEAK {what}: {value:?}"),
        Err(e) => println!("DENIED {what}: {e}"),
    }
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    match mode.as_str() {
        "passwd" => report("read /etc/passwd", std::fs::read_to_string("/etc/passwd")),
        "parent" => {
            report("read ../", std::fs::read_dir("../").map(|d| d.count()));
            report("read input/../../etc/passwd", std::fs::read_to_string("input/../../etc/passwd"));
            report("read /input/../secret.txt", std::fs::read_to_string("/input/../secret.txt"));
        }
        "env" => {
            let vars: Vec<(String, String)> = std::env::vars().collect();
            if vars.is_empty() {
                println!("DENIED env: no variables");
            } else {
                println!("LEAK env: {vars:?}");
            }
        }
        "read-input" => report("read /input/data.txt", std::fs::read_to_string("/input/data.txt")),
        "write-ro" => {
            report("write /input/new.txt", std::fs::write("/input/new.txt", b"pwned"));
            report(
                "append /input/data.txt",
                std::fs::OpenOptions::new()
                    .append(true)
                    .open("/input/data.txt")
                    .and_then(|mut f| f.write_all(b"pwned")),
            );
            report("remove /input/data.txt", std::fs::remove_file("/input/data.txt"));
            report("mkdir /input/sub", std::fs::create_dir("/input/sub"));
        }
        "write-anywhere" => {
            report("write /tmp/pwned", std::fs::write("/tmp/pwned", b"pwned"));
            report("write ./pwned", std::fs::write("pwned", b"pwned"));
            report("write /pwned", std::fs::write("/pwned", b"pwned"));
        }
        "socket" => {
            report("tcp connect", std::net::TcpStream::connect("127.0.0.1:80").map(|_| ()));
            report("tcp bind", std::net::TcpListener::bind("127.0.0.1:0").map(|_| ()));
            report("udp bind", std::net::UdpSocket::bind("127.0.0.1:0").map(|_| ()));
        }
        other => println!("unknown mode {other:?}"),
    }
}
