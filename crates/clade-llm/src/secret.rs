//! API keys: held only in memory, never printed. Their `Debug` and `Display`
//! say `[redacted]`, and [`ApiKey::scrub`] removes the value from any text
//! (error bodies echo requests sometimes) before it leaves this crate.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(value: String) -> Self {
        ApiKey(value)
    }

    /// Reads the key from environment variable `var`.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(ApiKey)
    }

    /// For the request header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 4 {
            text.to_string()
        } else {
            text.replace(&self.0, "[redacted]")
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let key = ApiKey::new("sk-live-abcdef123456".into());
        assert_eq!(format!("{key} {key:?}"), "[redacted] ApiKey([redacted])");
        assert_eq!(
            key.scrub("bad key sk-live-abcdef123456!"),
            "bad key [redacted]!"
        );
    }
}
