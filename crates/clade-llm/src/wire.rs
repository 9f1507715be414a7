//! The two HTTP APIs' request bodies and responses.

use serde_json::{Value, json};

use crate::types::{ChatRequest, Role};

/// (text, model, tokens in, tokens out)
pub(crate) type Parsed = (String, String, u64, u64);

pub(crate) fn openai_body(model: &str, req: &ChatRequest) -> Value {
    let messages: Vec<Value> = req
        .messages
        .iter()
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    let mut body = json!({"model": model, "messages": messages});
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if let Some(n) = req.max_tokens {
        body["max_tokens"] = json!(n);
    }
    if let Some(seed) = req.seed {
        body["seed"] = json!(seed);
    }
    if !req.stop.is_empty() {
        body["stop"] = json!(req.stop);
    }
    body
}

pub(crate) fn openai_parse(v: &Value) -> Result<Parsed, String> {
    let text = v
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or("no choices[0].message.content")?
        .to_string();
    Ok(with_usage(
        v,
        text,
        "/usage/prompt_tokens",
        "/usage/completion_tokens",
    ))
}

pub(crate) fn anthropic_body(model: &str, req: &ChatRequest, default_max_tokens: u32) -> Value {
    let system: Vec<&str> = req
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| m.content.as_str())
        .collect();
    let messages: Vec<Value> = req
        .messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    // The Messages API requires max_tokens.
    let mut body = json!({"model": model, "messages": messages, "max_tokens": req.max_tokens.unwrap_or(default_max_tokens)});
    if !system.is_empty() {
        body["system"] = json!(system.join("\n\n"));
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if !req.stop.is_empty() {
        body["stop_sequences"] = json!(req.stop);
    }
    body
}

pub(crate) fn anthropic_parse(v: &Value) -> Result<Parsed, String> {
    let content = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or("no content array")?;
    let text: String = content
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    if text.is_empty() && content.is_empty() {
        return Err("empty content".into());
    }
    Ok(with_usage(
        v,
        text,
        "/usage/input_tokens",
        "/usage/output_tokens",
    ))
}

/// The reply text with the model name and token counts at the given pointers
/// (absent counts are 0: some local servers omit usage).
fn with_usage(v: &Value, text: String, tokens_in: &str, tokens_out: &str) -> Parsed {
    let model = v
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let count = |pointer: &str| v.pointer(pointer).and_then(Value::as_u64).unwrap_or(0);
    (text, model, count(tokens_in), count(tokens_out))
}
