//! Typed API errors: every failed request keeps its method, URL, status and the server's message.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use super::retry::Transient;
use crate::text::{one_line, truncate};

use crate::exit::Code;

/// Why a request failed at the transport level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Connect,
    /// `https://` to a port that answers plain HTTP (the TLS handshake read an HTTP answer).
    NotTls,
    Timeout,
    Body,
    Other,
}

/// A failed API call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with a non-2xx status.
    #[error("{method} {url} failed: {status_text}{}", message_suffix(.message))]
    Http {
        method: String,
        url: String,
        status: u16,
        status_text: String,
        message: Option<String>,
        /// The server's empty 405 that stands in for a 500 on writes.
        disguised_server_error: bool,
        /// How long the server asked us to wait before trying again (429, 503).
        retry_after: Option<Duration>,
    },
    /// The request never got a complete answer.
    #[error("{method} {url}: {detail}")]
    Transport {
        method: String,
        url: String,
        kind: TransportKind,
        detail: String,
    },
    /// The answer was not the JSON we expected.
    #[error("{method} {url}: the server's answer is not valid JSON for this request: {detail}")]
    Decode {
        method: String,
        url: String,
        detail: String,
    },
}

/// Why a [`Client`](super::Client) could not be built from its configuration (nothing was sent).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The token (or the auth scheme) cannot be sent in a header. The token is not shown.
    #[error(
        "the token contains characters not allowed in an HTTP header (a control character or a line break)"
    )]
    Token,
    /// The service header's name or value cannot be sent.
    #[error("the service header `{0}` is not a valid HTTP header")]
    ServiceHeader(String),
    #[error("cannot read the CA certificate {path}: {detail}")]
    CaCertUnreadable { path: String, detail: String },
    #[error("{path} holds no valid PEM certificate: {detail}")]
    CaCertInvalid { path: String, detail: String },
    #[error("cannot set up the HTTP client: {0}")]
    Build(String),
}

fn message_suffix(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(": {m}"),
        None => String::new(),
    }
}

impl ApiError {
    /// Builds the error for a non-2xx answer from its status and raw body.
    pub fn from_response(
        method: &str,
        url: &str,
        status: StatusCode,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Self {
        let blank = body.iter().all(u8::is_ascii_whitespace);
        let disguised = status == StatusCode::METHOD_NOT_ALLOWED && blank && method != "GET";
        let status_text = if disguised {
            "the server failed to process the request (Polyaxon answers 405 with an empty body in place of a 500)".to_string()
        } else {
            format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .trim_end()
            .to_string()
        };
        Self::Http {
            method: method.to_string(),
            url: url.to_string(),
            status: status.as_u16(),
            status_text,
            message: server_message(content_type, body),
            disguised_server_error: disguised,
            retry_after: None,
        }
    }

    /// The same error, remembering the server's `Retry-After`.
    pub fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        if let Self::Http { retry_after, .. } = &mut self {
            *retry_after = wait;
        }
        self
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's message, when the server answered with one.
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Self::Http { message, .. } => message.as_deref(),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Maps the error to the documented exit code.
    pub fn exit_code(&self) -> Code {
        match self {
            Self::Http {
                status, message, ..
            } => match *status {
                400 if message
                    .as_deref()
                    .is_some_and(|m| m.contains("already exists")) =>
                {
                    Code::Conflict
                }
                400 | 422 => Code::Usage,
                401 | 403 => Code::Auth,
                404 => Code::NotFound,
                409 => Code::Conflict,
                412 => Code::Precondition,
                _ => Code::Failure,
            },
            Self::Transport { kind, .. } => match kind {
                TransportKind::Connect | TransportKind::NotTls | TransportKind::Timeout => {
                    Code::Unreachable
                }
                TransportKind::Body | TransportKind::Other => Code::Failure,
            },
            Self::Decode { .. } => Code::Failure,
        }
    }
}

impl Transient for ApiError {
    /// 429, 500, 502, 503, 504, and a connection that failed, timed out or broke off.
    fn is_transient(&self) -> bool {
        match self {
            Self::Http { status, .. } => matches!(*status, 429 | 500 | 502 | 503 | 504),
            Self::Transport { kind, .. } => {
                !matches!(kind, TransportKind::Other | TransportKind::NotTls)
            }
            Self::Decode { .. } => false,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Extracts a readable message from an error body of any of the server's shapes.
pub fn server_message(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return json_message(&value).map(|m| clip(&m));
    }
    let is_html = content_type.is_some_and(|c| c.contains("html")) && text.starts_with('<');
    if is_html || text.starts_with("<!") || text.starts_with("<html") {
        let title = text
            .split_once("<title>")
            .and_then(|(_, rest)| rest.split_once("</title>"))
            .map(|(title, _)| title.trim().to_string());
        return Some(match title {
            Some(t) if !t.is_empty() => format!("HTML page: {t}"),
            _ => "an HTML page instead of an API answer".to_string(),
        });
    }
    Some(clip(text))
}

fn json_message(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(json_message).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Value::Object(map) => {
            if let Some(detail) = map.get("detail").and_then(json_message) {
                return Some(detail);
            }
            let parts: Vec<String> = map
                .iter()
                .filter_map(|(k, v)| json_message(v).map(|m| format!("{k}: {m}")))
                .collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        other => Some(other.to_string()),
    }
}

/// The server's message on one line, at most 501 characters.
fn clip(text: &str) -> String {
    truncate(&one_line(text), 501).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(body: &str) -> Option<String> {
        server_message(Some("application/json"), body.as_bytes())
    }

    #[test]
    fn body_shapes() {
        assert_eq!(
            msg(r#"{"detail":"No ProjectVersion matches the given query."}"#).unwrap(),
            "No ProjectVersion matches the given query."
        );
        assert_eq!(
            msg(r#"{"name":["This field is required."],"run":["bad"]}"#).unwrap(),
            "name: This field is required.; run: bad"
        );
        assert_eq!(
            msg(r#"["A version with name v2 already exists on the requested project."]"#).unwrap(),
            "A version with name v2 already exists on the requested project."
        );
        assert_eq!(
            server_message(Some("text/html"), b"Artifact not found: filepath=x").unwrap(),
            "Artifact not found: filepath=x"
        );
        assert_eq!(msg(""), None);
        assert_eq!(msg("  \n"), None);
        assert_eq!(
            server_message(
                Some("text/html"),
                b"<html><head><title>502 Bad Gateway</title></head></html>"
            )
            .unwrap(),
            "HTML page: 502 Bad Gateway"
        );
        let long = "x".repeat(2000);
        assert!(
            server_message(None, long.as_bytes())
                .unwrap()
                .chars()
                .count()
                <= 501
        );
    }

    fn http(method: &str, status: u16, body: &str) -> ApiError {
        ApiError::from_response(
            method,
            "http://h/api/v1/x",
            StatusCode::from_u16(status).unwrap(),
            Some("application/json"),
            body.as_bytes(),
        )
    }

    #[test]
    fn exit_codes_for_statuses() {
        assert_eq!(http("GET", 404, "").exit_code(), Code::NotFound);
        assert_eq!(http("GET", 401, "").exit_code(), Code::Auth);
        assert_eq!(http("GET", 403, "").exit_code(), Code::Auth);
        assert_eq!(http("POST", 409, "").exit_code(), Code::Conflict);
        assert_eq!(
            http(
                "POST",
                400,
                r#"["A version with name v2 already exists on the requested project."]"#
            )
            .exit_code(),
            Code::Conflict
        );
        assert_eq!(
            http("GET", 400, r#"{"detail":"bad"}"#).exit_code(),
            Code::Usage
        );
        assert_eq!(http("GET", 500, "").exit_code(), Code::Failure);
        assert_eq!(http("POST", 405, "").exit_code(), Code::Failure);
    }

    #[test]
    fn empty_405_on_write_is_a_server_failure() {
        let err = http("POST", 405, "");
        let text = err.to_string();
        assert!(text.contains("the server failed"), "{text}");
        assert!(!text.contains("does not exist"), "{text}");
        let real = http("PUT", 405, r#"{"detail":"Method \"PUT\" not allowed."}"#);
        assert!(real.to_string().contains("405 Method Not Allowed"));
    }
}
