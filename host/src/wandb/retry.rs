//! Bounded exponential-backoff retries: 429, 5xx (but 501), timeouts and connection errors are retried;
//! other 4xx never are.

use std::future::Future;

use reqwest::StatusCode;

use super::{TransferOptions, WandbError};

/// The outcome of one failed attempt.
pub(crate) enum Failure {
    /// Worth another attempt.
    Retryable(WandbError),
    /// Retrying cannot help.
    Fatal(WandbError),
}

impl From<WandbError> for Failure {
    fn from(error: WandbError) -> Self {
        Failure::Fatal(error)
    }
}

/// Runs `attempt` until it succeeds, fails fatally, or `options.max_retries` retries are used up.
pub(crate) async fn with_retries<T, F, Fut>(options: &TransferOptions, mut attempt: F) -> Result<T, WandbError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut delay = options.initial_backoff;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(Failure::Fatal(error)) => return Err(count_attempts(error, attempts)),
            Err(Failure::Retryable(error)) if attempts > options.max_retries => {
                return Err(count_attempts(error, attempts));
            }
            Err(Failure::Retryable(_)) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(options.max_backoff);
            }
        }
    }
}

fn count_attempts(mut error: WandbError, count: u32) -> WandbError {
    if let WandbError::Http { attempts, .. }
    | WandbError::Network { attempts, .. }
    | WandbError::Timeout { attempts, .. } = &mut error
    {
        *attempts = count;
    }
    error
}

/// `None` for a success status, else the failure it means for `what`.
pub(crate) fn status_failure(what: &str, status: StatusCode) -> Option<Failure> {
    if status.is_success() {
        return None;
    }
    let code = status.as_u16();
    let what = what.to_owned();
    Some(match code {
        401 | 403 => Failure::Fatal(WandbError::Unauthorized { what, status: code }),
        404 => Failure::Fatal(WandbError::NotFound(what)),
        429 => Failure::Retryable(WandbError::Http { what, status: code, attempts: 1 }),
        501 => Failure::Fatal(WandbError::Http { what, status: code, attempts: 1 }),
        500..=599 => Failure::Retryable(WandbError::Http { what, status: code, attempts: 1 }),
        _ => Failure::Fatal(WandbError::Http { what, status: code, attempts: 1 }),
    })
}

/// A transport error of reqwest, described without its URL (signed URLs carry credentials in the query).
pub(crate) fn transport_failure(what: &str, error: reqwest::Error) -> Failure {
    let what = what.to_owned();
    if error.is_timeout() {
        return Failure::Retryable(WandbError::Timeout { what, attempts: 1 });
    }
    let fatal = error.is_builder() || error.is_redirect();
    let message = describe(&error.without_url());
    if fatal {
        return Failure::Fatal(WandbError::Network { what, message, attempts: 1 });
    }
    Failure::Retryable(WandbError::Network { what, message, attempts: 1 })
}

/// The error and its sources, joined (`error sending request: connection reset by peer`).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}
