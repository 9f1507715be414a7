//! `clade model serve`: a model behind an OpenAI-compatible HTTP endpoint
//! (`POST /v1/chat/completions`, `GET /v1/models`), so other tools — and
//! OpenEvolve, for a side-by-side comparison — use the same embedded model
//! as Clade.
//!
//! One thread per connection and one request per connection (`Connection:
//! close`); replies are whole (no streaming). Requests queue for the model
//! as Clade's own calls do. No key is needed, and neither headers nor bodies
//! are logged or echoed, so a key a client sends anyway goes nowhere. It
//! binds where the caller says; the CLI binds 127.0.0.1 only.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::http_server::{BadRequest, write_response};
use crate::{ChatRequest, Endpoint, LlmError, Message};

/// A request body larger than this is refused (413).
const MAX_BODY: usize = 8 << 20;
/// Connections answered at once at most.
const MAX_CONNECTIONS: usize = 64;
/// A client that sends nothing for this long is dropped.
const IDLE: Duration = Duration::from_secs(30);

/// Serves `endpoint` as `model` on `listener` until the process ends; each
/// connection gets a thread that drives the endpoint on a runtime of its own
/// making, up to `MAX_CONNECTIONS` at once (more are answered 503). Fails
/// only when that runtime cannot start.
pub fn serve(listener: TcpListener, endpoint: Arc<Endpoint>, model: &str) -> std::io::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming().flatten() {
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            refuse_busy(stream);
            continue;
        }
        let slot = Slot::take(&active);
        let endpoint = endpoint.clone();
        let model = model.to_string();
        let runtime = runtime.handle().clone();
        let _ = std::thread::Builder::new()
            .name("clade-serve".into())
            .spawn(move || {
                let _slot = slot;
                answer(stream, &endpoint, &model, &runtime);
            });
    }
    Ok(())
}

/// One connection being answered; counted while it lives.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(active: &Arc<AtomicUsize>) -> Slot {
        active.fetch_add(1, Ordering::SeqCst);
        Slot(active.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Answers 503 on the accepting thread. The request is read first (for at
/// most a second), so the client sees the answer and not a reset.
fn refuse_busy(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let _ = read_request(stream);
    let busy = Answer::error(
        503,
        "server_error",
        format!("{MAX_CONNECTIONS} connections are being answered; try again"),
    );
    write_answer(&mut writer, &busy);
}

/// An HTTP answer: status and JSON body.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
}

impl Answer {
    fn error(status: u16, kind: &str, message: impl Into<String>) -> Answer {
        let message: String = message.into();
        Answer {
            status,
            body: json!({"error": {"message": message, "type": kind}}),
        }
    }
}

fn answer(stream: TcpStream, endpoint: &Endpoint, model: &str, runtime: &tokio::runtime::Handle) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let answer = match read_request(stream) {
        Ok((method, path, body)) => route(&method, &path, &body, endpoint, model, runtime),
        Err(answer) => answer,
    };
    write_answer(&mut writer, &answer);
}

fn write_answer(writer: &mut TcpStream, answer: &Answer) {
    write_response(writer, answer.status, &[], &answer.body.to_string());
}

/// The method, path and body of one request, or the answer that refuses it.
fn read_request(stream: TcpStream) -> Result<(String, String, Vec<u8>), Answer> {
    match crate::http_server::read_request(stream, MAX_BODY) {
        Ok(request) => Ok((request.method, request.path, request.body)),
        Err(BadRequest::Malformed(why)) => Err(Answer::error(400, "invalid_request_error", why)),
        Err(BadRequest::TooLarge { length, limit }) => Err(Answer::error(
            413,
            "invalid_request_error",
            format!("the body has {length} bytes; at most {limit} are accepted"),
        )),
    }
}

fn route(
    method: &str,
    path: &str,
    body: &[u8],
    endpoint: &Endpoint,
    model: &str,
    runtime: &tokio::runtime::Handle,
) -> Answer {
    match (method, path.trim_end_matches('/')) {
        ("GET", "/v1/models") => Answer {
            status: 200,
            body: json!({"object": "list", "data": [{"id": model, "object": "model", "owned_by": "clade"}]}),
        },
        ("POST", "/v1/chat/completions") => match chat_request(body) {
            Ok(request) => complete(&request, endpoint, model, runtime),
            Err(why) => Answer::error(400, "invalid_request_error", why),
        },
        (_, "/v1/models" | "/v1/chat/completions") => Answer::error(
            405,
            "invalid_request_error",
            format!("{method} is not allowed on {path}"),
        ),
        _ => Answer::error(
            404,
            "invalid_request_error",
            "unknown path: this server has /v1/chat/completions and /v1/models",
        ),
    }
}

fn complete(
    request: &ChatRequest,
    endpoint: &Endpoint,
    model: &str,
    runtime: &tokio::runtime::Handle,
) -> Answer {
    match runtime.block_on(endpoint.complete(request)) {
        Ok(done) => Answer {
            status: 200,
            body: json!({
                "id": format!("chatcmpl-{}", &done.request_digest.get(..16).unwrap_or("clade")),
                "object": "chat.completion",
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": done.text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": done.tokens_in, "completion_tokens": done.tokens_out, "total_tokens": done.tokens_in + done.tokens_out},
            }),
        },
        // A prompt that does not fit, a grammar that does not compile: the
        // request's fault, said as the model said it.
        Err(LlmError::Local(why)) => Answer::error(400, "invalid_request_error", why),
        Err(other) => Answer::error(500, "server_error", other.to_string()),
    }
}

/// The chat request an OpenAI-style body asks for, or why it cannot be
/// served.
fn chat_request(body: &[u8]) -> Result<ChatRequest, String> {
    let body: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    if body["stream"].as_bool() == Some(true) {
        return Err("streaming is not supported: send \"stream\": false".into());
    }
    let messages = body["messages"]
        .as_array()
        .filter(|m| !m.is_empty())
        .ok_or("\"messages\" must be a non-empty list")?;
    let messages = messages
        .iter()
        .enumerate()
        .map(|(i, m)| message(m).map_err(|why| format!("messages[{i}]: {why}")))
        .collect::<Result<Vec<_>, _>>()?;
    let max_tokens = body["max_completion_tokens"]
        .as_u64()
        .or_else(|| body["max_tokens"].as_u64())
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let stop = match &body["stop"] {
        Value::Null => Vec::new(),
        Value::String(s) => vec![s.clone()],
        Value::Array(all) => all
            .iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect(),
        _ => return Err("\"stop\" must be a string or a list of strings".into()),
    };
    Ok(ChatRequest {
        messages,
        temperature: body["temperature"].as_f64(),
        max_tokens,
        seed: body["seed"].as_u64(),
        stop,
        ..ChatRequest::default()
    })
}

/// One message: a role and text content (a string, or a list of text parts).
fn message(m: &Value) -> Result<Message, String> {
    let content = match &m["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => return Err("\"content\" must be text".into()),
    };
    let role = match m["role"].as_str() {
        Some("system" | "developer") => crate::types::Role::System,
        Some("user") => crate::types::Role::User,
        Some("assistant") => crate::types::Role::Assistant,
        other => return Err(format!("unknown role {other:?}")),
    };
    Ok(Message { role, content })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn a_chat_body_becomes_a_request() {
        let body = br#"{"model":"x","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}],"max_tokens":7,"temperature":0.5,"seed":3,"stop":"END"}"#;
        let request = chat_request(body).unwrap();
        assert_eq!(
            request.messages,
            vec![Message::system("s"), Message::user("ab")]
        );
        assert_eq!(request.max_tokens, Some(7));
        assert_eq!(request.temperature, Some(0.5));
        assert_eq!(request.seed, Some(3));
        assert_eq!(request.stop, vec!["END".to_string()]);
    }

    #[test]
    fn bodies_that_cannot_be_served_say_why() {
        let cases: [(&[u8], &str); 5] = [
            (b"{", "the body is not JSON"),
            (
                br#"{"messages":[]}"#,
                "\"messages\" must be a non-empty list",
            ),
            (
                br#"{"messages":[{"role":"tool","content":"x"}]}"#,
                "messages[0]: unknown role Some(\"tool\")",
            ),
            (
                br#"{"messages":[{"role":"user","content":1}]}"#,
                "messages[0]: \"content\" must be text",
            ),
            (
                br#"{"stream":true,"messages":[{"role":"user","content":"x"}]}"#,
                "streaming is not supported",
            ),
        ];
        for (body, expected) in cases {
            let why = chat_request(body).unwrap_err();
            assert!(why.starts_with(expected), "{why}");
        }
    }

    #[test]
    fn unknown_paths_and_methods_are_refused() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // The routes below never reach the model; a loopback endpoint needs
        // no key.
        let mut config = crate::ModelConfig::new(crate::ProviderKind::Openai, "m");
        config.base_url = Some("http://127.0.0.1:9/v1".into());
        let endpoint = Endpoint::new(config, None).unwrap();
        let status =
            |method, path| route(method, path, b"", &endpoint, "m", runtime.handle()).status;
        assert_eq!(status("GET", "/v1/models"), 200);
        assert_eq!(status("GET", "/v1/chat/completions"), 405);
        assert_eq!(status("GET", "/etc/passwd"), 404);
    }

    #[test]
    fn connections_past_the_limit_are_answered_busy() {
        let mut config = crate::ModelConfig::new(crate::ProviderKind::Openai, "m");
        config.base_url = Some("http://127.0.0.1:9/v1".into());
        let endpoint = Arc::new(Endpoint::new(config, None).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(listener, endpoint, "m"));
        let get = |stream: &mut TcpStream| {
            stream
                .write_all(b"GET /v1/models HTTP/1.1\r\n\r\n")
                .unwrap();
            let mut reply = String::new();
            stream.read_to_string(&mut reply).unwrap();
            reply
        };
        // Idle connections hold every slot (each waits for its request).
        let idle: Vec<TcpStream> = (0..MAX_CONNECTIONS)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        std::thread::sleep(Duration::from_millis(300));
        let reply = get(&mut TcpStream::connect(addr).unwrap());
        assert!(reply.starts_with("HTTP/1.1 503 "), "{reply}");
        drop(idle);
        std::thread::sleep(Duration::from_millis(300));
        let reply = get(&mut TcpStream::connect(addr).unwrap());
        assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");
    }

    /// What `read_request` makes of `request` sent over a real socket.
    fn read_sent(request: &'static [u8]) -> Result<(String, String, Vec<u8>), Answer> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.write_all(request).unwrap();
            stream
        });
        let (stream, _) = listener.accept().unwrap();
        let _keep_open = client.join().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        read_request(stream)
    }

    #[test]
    fn a_request_is_read_by_its_content_length_and_chunked_bodies_are_refused() {
        let (method, path, body) =
            read_sent(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody")
                .unwrap();
        assert_eq!(
            (method.as_str(), path.as_str(), body.as_slice()),
            ("POST", "/v1/chat/completions", &b"body"[..])
        );
        let refused = read_sent(
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n",
        );
        let Err(answer) = refused else {
            panic!("a chunked body was read")
        };
        assert_eq!(answer.status, 400);
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("chunked bodies")
        );
        let Err(answer) = read_sent(b"POST /x HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n")
        else {
            panic!("an oversized body was accepted")
        };
        assert_eq!(answer.status, 413);
    }
}
