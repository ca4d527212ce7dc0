//! What comes back over the wire: transport failures as typed errors, whole answers (bounded),
//! error bodies (bounded), and URLs as they may be shown.

use reqwest::{Method, Response};
use url::Url;

use super::error::{ApiError, TransportKind};

/// The URL as it may be shown: without user name or password.
pub fn redact(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

pub(super) fn transport_error(method: &Method, url: &str, err: &reqwest::Error) -> ApiError {
    let kind = if err.is_timeout() {
        TransportKind::Timeout
    } else if err.is_connect() {
        TransportKind::Connect
    } else if err.is_body() || err.is_decode() || err.is_request() {
        TransportKind::Body
    } else {
        TransportKind::Other
    };
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    // reqwest repeats the URL in its message; the error already names it.
    let mut detail = detail.replace(&format!(" for url ({url})"), "");
    // rustls read an HTTP answer where the TLS handshake should be.
    let kind = if kind == TransportKind::Connect && detail.contains("InvalidContentType") {
        detail = "the TLS handshake got a plain HTTP answer: this port does not speak TLS".into();
        TransportKind::NotTls
    } else {
        kind
    };
    ApiError::Transport {
        method: method.to_string(),
        url: url.to_string(),
        kind,
        detail,
    }
}

/// The largest API answer pxa reads; a page of 100 versions is normally far below 1 MiB.
pub const MAX_ANSWER: usize = 128 << 20;

/// Reads a whole answer, refusing (not retried) one larger than [`MAX_ANSWER`], so a server
/// that never stops sending cannot make pxa grow without bound.
pub(super) async fn read_answer(
    mut response: Response,
    method: &Method,
    shown: &str,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || ApiError::Decode {
        method: method.to_string(),
        url: shown.to_string(),
        detail: format!("the answer is larger than {} MiB", MAX_ANSWER >> 20),
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER as u64)
    {
        return Err(too_large());
    }
    // Chunks are kept as they come and joined once at the end: a growing Vec would hold its
    // old and new buffers at once on every doubling (~3x the answer at the peak).
    let mut parts = Vec::new();
    let mut total = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) if total + chunk.len() > MAX_ANSWER => {
                return Err(too_large());
            }
            Ok(Some(chunk)) => {
                total += chunk.len();
                parts.push(chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(transport_error(method, shown, &e)),
        }
    }
    let mut out = Vec::with_capacity(total);
    for part in parts {
        out.extend_from_slice(&part);
    }
    Ok(out)
}

pub(super) async fn read_error_body(response: Response) -> Vec<u8> {
    const LIMIT: usize = 64 * 1024;
    let mut out = Vec::new();
    let mut response = response;
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = LIMIT.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= LIMIT {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_strips_credentials() {
        let url = Url::parse("http://user:pw@h/x").unwrap();
        assert_eq!(redact(&url), "http://h/x");
    }
}
