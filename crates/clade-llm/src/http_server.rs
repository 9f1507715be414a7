//! The server side of HTTP/1.1 that `serve` and `ScriptedServer` share:
//! reading one request within bounds, and writing one `Connection: close`
//! JSON response. No routing, no policy.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

/// A request line or header larger than this ends the connection.
const MAX_LINE: usize = 16 << 10;
/// Headers per request at most.
const MAX_HEADERS: usize = 100;

/// One request as it arrived.
pub(crate) struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why a request could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BadRequest {
    /// Malformed or cut short, said in words for a 400.
    Malformed(&'static str),
    /// The body announced more bytes than the limit.
    TooLarge { length: usize, limit: usize },
}

/// Reads one request whose body is at most `max_body` bytes.
pub(crate) fn read_request(stream: TcpStream, max_body: usize) -> Result<Request, BadRequest> {
    let bad = BadRequest::Malformed;
    let mut reader = BufReader::new(stream);
    let line = read_line(&mut reader).ok_or(bad("no request line"))?;
    let mut parts = line.split_whitespace();
    let (method, path) = match (parts.next(), parts.next()) {
        (Some(m), Some(p)) => (m.to_string(), p.to_string()),
        _ => return Err(bad("a malformed request line")),
    };
    let mut headers = Vec::new();
    let mut length = 0usize;
    for _ in 0..MAX_HEADERS {
        let header = read_line(&mut reader).ok_or(bad("the headers end early"))?;
        if header.is_empty() {
            let mut body = vec![0u8; length];
            reader
                .read_exact(&mut body)
                .map_err(|_| bad("the body is shorter than its Content-Length"))?;
            return Ok(Request {
                method,
                path,
                headers,
                body,
            });
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad("chunked bodies are not supported: send Content-Length"));
        }
        if name.eq_ignore_ascii_case("content-length") {
            length = value
                .parse()
                .map_err(|_| bad("Content-Length is not a number"))?;
            if length > max_body {
                return Err(BadRequest::TooLarge {
                    length,
                    limit: max_body,
                });
            }
        }
        headers.push((name.to_string(), value.to_string()));
    }
    Err(bad("too many headers"))
}

/// One CRLF- or LF-terminated line without its ending; `None` at the end of
/// the stream, on a read error or past `MAX_LINE`.
fn read_line(reader: &mut impl BufRead) -> Option<String> {
    let mut line = Vec::new();
    let read = reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .ok()?;
    if read == 0 || line.len() > MAX_LINE || !line.ends_with(b"\n") {
        return None;
    }
    let text = String::from_utf8(line).ok()?;
    Some(text.trim_end_matches(['\r', '\n']).to_string())
}

/// Writes a JSON response with `headers` added and closes the exchange.
pub(crate) fn write_response(
    writer: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &str,
) {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = writer.write_all(head.as_bytes());
    let _ = writer.write_all(body.as_bytes());
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        s if s >= 500 => "Server Error",
        _ => "Status",
    }
}
