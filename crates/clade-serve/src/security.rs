//! Who may ask what: every request passes [`check`] before any page or
//! action sees it. A page needs the right `Host` (a DNS-rebinding page
//! names its own host) and the token (from the printed URL once, then from
//! its cookie); a state change also needs to be a POST from this origin
//! and, unless the server is read-only, the token in its form as well.
//! This module decides; it renders nothing.

use std::io::Read;

use axum::http::{HeaderMap, Method, StatusCode, Uri, header};

/// A new access token: 128 random bits from the kernel, as hex.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the server knows to judge a request.
pub(crate) struct Policy {
    pub token: String,
    /// `host:port` values a request may name, e.g. `127.0.0.1:8080`.
    pub hosts: Vec<String>,
    /// `http://<authority>`: the only `Origin` a POST may come from.
    pub origin: String,
    pub cookie: String,
    pub read_only: bool,
}

/// The judgement on one request.
#[derive(Debug, PartialEq)]
pub(crate) enum Verdict {
    Pass,
    /// The URL carried the right token: set the cookie and send the
    /// browser to the same page without it (so it leaves the address bar
    /// and the history).
    SetCookie {
        location: String,
    },
    Refuse {
        status: StatusCode,
        why: String,
    },
}

fn refuse(status: StatusCode, why: impl Into<String>) -> Verdict {
    Verdict::Refuse {
        status,
        why: why.into(),
    }
}

pub(crate) fn check(policy: &Policy, method: &Method, uri: &Uri, headers: &HeaderMap) -> Verdict {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !policy
        .hosts
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(host))
    {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "this server answers to {}, not to the Host {host:?}",
                policy.hosts.join(" or ")
            ),
        );
    }
    if let Some(given) = query_token(uri) {
        if !same(&given, &policy.token) {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "the token in this URL is not this server's",
            );
        }
        if method == Method::GET {
            return Verdict::SetCookie {
                location: without_token(uri),
            };
        }
    } else if !cookie(headers, &policy.cookie).is_some_and(|c| same(c, &policy.token)) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "open the URL `clade serve` printed: it carries the access token",
        );
    }
    if method == Method::GET || method == Method::HEAD {
        return Verdict::Pass;
    }
    if policy.read_only {
        return refuse(
            StatusCode::FORBIDDEN,
            "this server is read-only (--read-only)",
        );
    }
    if method != Method::POST {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and POST are served",
        );
    }
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    if origin != Some(policy.origin.as_str()) {
        return refuse(
            StatusCode::FORBIDDEN,
            format!(
                "a change must come from this UI's own pages (Origin {}), not from {}",
                policy.origin,
                origin.unwrap_or("a request without an Origin")
            ),
        );
    }
    Verdict::Pass
}

/// Whether a form's token is the server's.
pub(crate) fn form_token_ok(policy: &Policy, given: &str) -> bool {
    same(given, &policy.token)
}

fn query_token(uri: &Uri) -> Option<String> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(str::to_string)
}

fn without_token(uri: &Uri) -> String {
    let rest: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("token="))
        .collect();
    if rest.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{}", uri.path(), rest.join("&"))
    }
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

/// Compares in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(read_only: bool) -> Policy {
        Policy {
            token: "t0k".into(),
            hosts: vec!["127.0.0.1:9".into(), "localhost:9".into()],
            origin: "http://127.0.0.1:9".into(),
            cookie: "clade_token_9".into(),
            read_only,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn status(v: Verdict) -> Option<StatusCode> {
        match v {
            Verdict::Refuse { status, .. } => Some(status),
            _ => None,
        }
    }

    #[test]
    fn the_token_in_the_url_becomes_a_cookie_and_leaves_the_url() {
        let uri: Uri = "/runs/r?token=t0k&island=1".parse().unwrap();
        let v = check(
            &policy(false),
            &Method::GET,
            &uri,
            &headers(&[("host", "127.0.0.1:9")]),
        );
        assert_eq!(
            v,
            Verdict::SetCookie {
                location: "/runs/r?island=1".into()
            }
        );
    }

    #[test]
    fn a_page_needs_the_host_and_the_cookie() {
        let uri: Uri = "/".parse().unwrap();
        let p = policy(false);
        let ok = headers(&[
            ("host", "localhost:9"),
            ("cookie", "a=b; clade_token_9=t0k"),
        ]);
        assert_eq!(check(&p, &Method::GET, &uri, &ok), Verdict::Pass);
        let rebound = headers(&[("host", "evil.example:9"), ("cookie", "clade_token_9=t0k")]);
        assert_eq!(
            status(check(&p, &Method::GET, &uri, &rebound)),
            Some(StatusCode::MISDIRECTED_REQUEST)
        );
        let wrong = headers(&[("host", "127.0.0.1:9"), ("cookie", "clade_token_9=t0x")]);
        assert_eq!(
            status(check(&p, &Method::GET, &uri, &wrong)),
            Some(StatusCode::UNAUTHORIZED)
        );
        let bad_url: Uri = "/?token=nope".parse().unwrap();
        assert_eq!(
            status(check(
                &p,
                &Method::GET,
                &bad_url,
                &headers(&[("host", "127.0.0.1:9")])
            )),
            Some(StatusCode::UNAUTHORIZED)
        );
    }

    #[test]
    fn a_change_needs_a_post_from_this_origin_on_a_writable_server() {
        let uri: Uri = "/runs/r/1/branch".parse().unwrap();
        let base = [("host", "127.0.0.1:9"), ("cookie", "clade_token_9=t0k")];
        let from = |origin: &'static str| {
            let mut pairs = base.to_vec();
            pairs.push(("origin", origin));
            headers(&pairs)
        };
        let p = policy(false);
        assert_eq!(
            check(&p, &Method::POST, &uri, &from("http://127.0.0.1:9")),
            Verdict::Pass
        );
        assert_eq!(
            status(check(&p, &Method::POST, &uri, &from("http://evil.example"))),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(check(&p, &Method::POST, &uri, &headers(&base))),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(check(
                &p,
                &Method::DELETE,
                &uri,
                &from("http://127.0.0.1:9")
            )),
            Some(StatusCode::METHOD_NOT_ALLOWED)
        );
        assert_eq!(
            status(check(
                &policy(true),
                &Method::POST,
                &uri,
                &from("http://127.0.0.1:9")
            )),
            Some(StatusCode::FORBIDDEN)
        );
    }
}
