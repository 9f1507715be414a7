//! Exponential backoff with full jitter, honouring `Retry-After`.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): a server's
    /// `Retry-After` when given (capped at `max_delay`), else a uniformly
    /// jittered share of `base · 2^retry`. `jitter` is uniform in [0, 1).
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_delay);
        ceiling.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// Parses `Retry-After`: delay-seconds (HTTP-dates are rare from LLM APIs and
/// are treated as absent).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    let seconds = v
        .parse::<u64>()
        .map(|s| s as f64)
        .or_else(|_| v.parse::<f64>())
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)?;
    // From the network, so anything: capped before it becomes a Duration
    // (which panics past ~584 billion years) or an Instant.
    Some(Duration::from_secs_f64(seconds.min(MAX_RETRY_AFTER_S)))
}

/// The longest `Retry-After` taken as given, in seconds; the policy's
/// `max_delay` caps the actual wait further.
const MAX_RETRY_AFTER_S: f64 = 3_600.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let p = RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        assert_eq!(p.delay(0, None, 0.0), Duration::from_millis(50));
        assert_eq!(p.delay(0, None, 1.0), Duration::from_millis(100));
        assert_eq!(p.delay(2, None, 1.0), Duration::from_millis(400));
        assert_eq!(p.delay(10, None, 1.0), Duration::from_secs(1));
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(3)), 0.5),
            Duration::from_secs(1)
        );
        assert_eq!(parse_retry_after(" 2 "), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("1e300"), Some(Duration::from_secs(3_600)));
        assert_eq!(
            parse_retry_after("18446744073709551615"),
            Some(Duration::from_secs(3_600))
        );
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
