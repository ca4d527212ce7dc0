//! The one retry policy: how many attempts, which failures are worth another one, how long to
//! wait (`Retry-After` in seconds or as an HTTP date, else exponential backoff with jitter),
//! and the loop that runs a caller's single attempt under it. Reads use it with 3 attempts,
//! downloads with `--retries` after the first; writes are never retried.

use std::future::Future;
use std::time::Duration;

use reqwest::{Response, StatusCode, header};

/// A failure that may go away if the same attempt is made again.
pub trait Transient {
    /// Whether another attempt may succeed.
    fn is_transient(&self) -> bool;
    /// How long the server asked us to wait, if it did.
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// An attempt failed and another one follows after `wait`.
#[derive(Debug)]
pub struct Retrying<'a, E> {
    /// The attempt about to be made (2 for the first retry).
    pub attempt: u32,
    pub wait: Duration,
    /// Why the previous attempt failed.
    pub error: &'a E,
}

/// How many attempts a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    attempts: u32,
}

impl RetryPolicy {
    /// Idempotent API reads: 3 attempts.
    pub const READS: Self = Self { attempts: 3 };
    /// One attempt: for writes, which a repeat could apply twice.
    pub const ONCE: Self = Self { attempts: 1 };

    /// `retries` attempts after the first (`--retries`).
    pub fn retries(retries: u32) -> Self {
        Self {
            attempts: retries.saturating_add(1),
        }
    }

    /// The attempts in all, the first included.
    pub fn attempts(self) -> u32 {
        self.attempts
    }

    /// Runs `once` until it succeeds, fails for good (not [`Transient`]), or the attempts are
    /// used up, waiting `Retry-After` or the backoff in between; `on_retry` hears of each retry
    /// before the wait.
    pub async fn run<T, E, F, Fut, R>(self, mut once: F, mut on_retry: R) -> Result<T, E>
    where
        E: Transient,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        R: FnMut(Retrying<'_, E>),
    {
        let mut attempt = 1;
        loop {
            match once().await {
                Ok(done) => return Ok(done),
                Err(err) if attempt < self.attempts && err.is_transient() => {
                    let wait = err.retry_after().unwrap_or_else(|| backoff(attempt));
                    on_retry(Retrying {
                        attempt: attempt + 1,
                        wait,
                        error: &err,
                    });
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }
}

/// `Retry-After` of a 429 or 503, in seconds or as an HTTP date, capped at 60 s.
pub fn retry_after(response: &Response) -> Option<Duration> {
    if response.status() != StatusCode::TOO_MANY_REQUESTS
        && response.status() != StatusCode::SERVICE_UNAVAILABLE
    {
        return None;
    }
    let value = response.headers().get(header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, chrono::Utc::now())
}

pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let cap = Duration::from_secs(60);
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs).min(cap));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO).min(cap))
}

/// Exponential backoff with jitter: ~200 ms, 400 ms, 800 ms … capped at 10 s.
pub fn backoff(attempt: u32) -> Duration {
    let base = 200u64.saturating_mul(1 << attempt.saturating_sub(1).min(10));
    let capped = base.min(10_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let jitter = nanos % (capped / 2 + 1);
    Duration::from_millis(capped / 2 + jitter)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("9999", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) <= Duration::from_millis(200));
        assert!(backoff(3) >= Duration::from_millis(400));
        assert!(backoff(30) <= Duration::from_secs(10));
    }

    #[derive(Debug)]
    struct Fault(bool);

    impl Transient for Fault {
        fn is_transient(&self) -> bool {
            self.0
        }
        fn retry_after(&self) -> Option<Duration> {
            Some(Duration::ZERO)
        }
    }

    /// Runs a policy over attempts that fail with `faults` in turn; (attempts made, retries
    /// heard, result).
    fn run(policy: RetryPolicy, faults: &[bool]) -> (u32, Vec<u32>, Result<(), bool>) {
        let made = Cell::new(0u32);
        let mut heard = Vec::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let result = rt.block_on(policy.run(
            || {
                let n = made.get();
                made.set(n + 1);
                let fault = faults.get(n as usize).copied();
                async move { fault.map_or(Ok(()), |t| Err(Fault(t))) }
            },
            |r| heard.push(r.attempt),
        ));
        (made.get(), heard, result.map_err(|f| f.0))
    }

    #[test]
    fn attempts_are_bounded_and_only_transient_failures_repeat() {
        assert_eq!(
            run(RetryPolicy::READS, &[true, true]),
            (3, vec![2, 3], Ok(()))
        );
        assert_eq!(
            run(RetryPolicy::READS, &[true, true, true, true]),
            (3, vec![2, 3], Err(true))
        );
        assert_eq!(run(RetryPolicy::READS, &[false]), (1, vec![], Err(false)));
        assert_eq!(run(RetryPolicy::ONCE, &[true]), (1, vec![], Err(true)));
        let five = RetryPolicy::retries(5);
        assert_eq!(five.attempts(), 6);
        assert_eq!(run(five, &[true; 9]).0, 6);
    }
}
