//! A scripted LLM server on 127.0.0.1 for tests and demos: it speaks HTTP/1.1,
//! records every request, and answers from a script (OpenAI or Anthropic
//! shaped replies, errors, hangs, dropped connections). It is the only
//! stand-in Clade's tests use for a model.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Wait this long, then close without answering.
    Hang(Duration),
    /// Close the connection at once.
    Drop,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A chat-completions success carrying `text`.
    pub fn openai(text: &str, tokens_in: u64, tokens_out: u64) -> Self {
        let body = serde_json::json!({
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "model": "scripted-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
        });
        Reply::json(200, body.to_string())
    }

    /// A Messages API success carrying `text`.
    pub fn anthropic(text: &str, tokens_in: u64, tokens_out: u64) -> Self {
        let body = serde_json::json!({
            "id": "msg_scripted",
            "type": "message",
            "role": "assistant",
            "model": "scripted-claude",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
        });
        Reply::json(200, body.to_string())
    }

    pub fn with_header(self, name: &str, value: &str) -> Self {
        match self {
            Reply::Respond {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.to_string(), value.to_string()));
                Reply::Respond {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Handler = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

pub struct ScriptedServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
    }
}

impl ScriptedServer {
    /// Answers request n with `script[n]`; past the end, HTTP 500
    /// "script exhausted".
    pub fn start(script: Vec<Reply>) -> std::io::Result<Self> {
        Self::start_with(move |n, _| {
            script
                .get(n)
                .cloned()
                .unwrap_or_else(|| Reply::json(500, r#"{"error":"script exhausted"}"#))
        })
    }

    /// Answers with `handler(request number, request)`.
    pub fn start_with(
        handler: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (reqs, stopping) = (requests.clone(), stop.clone());
        std::thread::Builder::new()
            .name("scripted-llm".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (reqs, handler) = (reqs.clone(), handler.clone());
                    std::thread::spawn(move || serve(stream, &reqs, handler.as_ref()));
                }
            })?;
        Ok(ScriptedServer {
            addr,
            requests,
            stop,
        })
    }

    /// The base URL, `http://127.0.0.1:PORT/v1`.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

fn serve(stream: TcpStream, requests: &Mutex<Vec<Recorded>>, handler: &Handler) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let Ok(request) = crate::http_server::read_request(stream, 64 << 20) else {
        return;
    };
    let recorded = Recorded {
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: String::from_utf8_lossy(&request.body).into_owned(),
    };
    let n = {
        let Ok(mut all) = requests.lock() else { return };
        all.push(recorded.clone());
        all.len() - 1
    };
    match handler(n, &recorded) {
        Reply::Respond {
            status,
            headers,
            body,
        } => crate::http_server::write_response(&mut writer, status, &headers, &body),
        Reply::Hang(duration) => std::thread::sleep(duration),
        Reply::Drop => {}
    }
}
