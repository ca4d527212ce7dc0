//! The HTTP client and its single request funnel: headers, timeouts, retries, typed errors.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::error::{ApiError, TransportKind};
use crate::output;

/// The service header value we announce; ≥ 1.18.0 makes the server answer lineage-only `meta_info`.
pub const SERVICE_VERSION: &str = "2.18.0";

/// A secret that never shows in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Everything needed to build a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub host: Url,
    pub api_version: String,
    pub token: Option<Secret>,
    pub auth_type: String,
    pub verify_tls: bool,
    pub ca_cert: Option<PathBuf>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub service_header: (String, String),
    /// Attempts for idempotent requests on transient failures (1 = no retry).
    pub attempts: u32,
    pub verbose: bool,
}

/// One request, described before it is sent (also what `--dry-run` prints).
#[derive(Debug, Clone, Serialize)]
pub struct ApiRequest {
    #[serde(serialize_with = "ser_method")]
    pub method: Method,
    pub url: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

fn ser_method<S: serde::Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.as_str())
}

impl ApiRequest {
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            method,
            url,
            body: None,
        }
    }
    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }
    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    fn idempotent(&self) -> bool {
        matches!(self.method, Method::GET | Method::HEAD)
    }
}

/// The typed async client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
}

impl Client {
    pub fn new(config: ClientConfig) -> anyhow::Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let name = HeaderName::from_bytes(config.service_header.0.as_bytes())?;
        headers.insert(name, HeaderValue::from_str(&config.service_header.1)?);
        if let Some(token) = &config.token {
            let mut value =
                HeaderValue::from_str(&format!("{} {}", config.auth_type, token.expose()))
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "the token contains characters not allowed in an HTTP header"
                        )
                    })?;
            value.set_sensitive(true);
            headers.insert(header::AUTHORIZATION, value);
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("pxa/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.timeout)
            .gzip(true)
            .danger_accept_invalid_certs(!config.verify_tls);
        if config.host.scheme() == "http" {
            // No TLS to set up: skip reading the system's ~150 root certificates on every run.
            // A redirect to https:// would then fail verification, which is the safe way to fail.
            builder = builder
                .tls_built_in_native_certs(false)
                .tls_built_in_webpki_certs(false);
        }
        if let Some(path) = &config.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("cannot read the CA certificate {}: {e}", path.display())
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                anyhow::anyhow!("{} holds no valid PEM certificate: {e}", path.display())
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        Ok(Self {
            http: builder.build()?,
            config,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `{host}/api/{version}/{segments…}`, each segment percent-encoded on its own.
    pub fn api_url<S: AsRef<str>>(&self, segments: &[S]) -> Url {
        let mut url = self.config.host.clone();
        {
            let mut path = url.path_segments_mut().expect("host is a base URL");
            path.pop_if_empty()
                .push("api")
                .push(&self.config.api_version);
            for s in segments {
                path.push(s.as_ref());
            }
        }
        url
    }

    /// `{host}/streams/v1/{segments…}` for artifact downloads.
    pub fn streams_url<S: AsRef<str>>(&self, segments: &[S]) -> Url {
        let mut url = self.config.host.clone();
        {
            let mut path = url.path_segments_mut().expect("host is a base URL");
            path.pop_if_empty().push("streams").push("v1");
            for s in segments {
                path.push(s.as_ref());
            }
        }
        url
    }

    /// Sends a request and returns the 2xx response; anything else becomes an [`ApiError`].
    /// Idempotent requests are retried on transient failures.
    pub async fn send(&self, request: &ApiRequest) -> Result<Response, ApiError> {
        let attempts = if request.idempotent() {
            self.config.attempts.max(1)
        } else {
            1
        };
        let mut attempt = 1;
        loop {
            match self.send_once(request, &HeaderMap::new()).await {
                Ok(response) => return Ok(response),
                Err((err, retry_after)) if attempt < attempts && err.is_transient() => {
                    let wait = retry_after.unwrap_or_else(|| backoff(attempt));
                    self.debug(format_args!(
                        "retrying in {} ms after: {err}",
                        wait.as_millis()
                    ));
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err((err, _)) => return Err(err),
            }
        }
    }

    /// Sends a request exactly once with extra headers (e.g. `Range`), for callers that own
    /// their retry loop (downloads). Returns the 2xx response, or the error with the
    /// server's `Retry-After` when it gave one.
    pub async fn send_attempt(
        &self,
        request: &ApiRequest,
        headers: &HeaderMap,
    ) -> Result<Response, (ApiError, Option<Duration>)> {
        self.send_once(request, headers).await
    }

    async fn send_once(
        &self,
        request: &ApiRequest,
        headers: &HeaderMap,
    ) -> Result<Response, (ApiError, Option<Duration>)> {
        let shown = redact(&request.url);
        let started = Instant::now();
        self.debug(format_args!("> {} {}", request.method, shown));
        let mut builder = self
            .http
            .request(request.method.clone(), request.url.clone());
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        if !headers.is_empty() {
            builder = builder.headers(headers.clone());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| (transport_error(&request.method, &shown, &e), None))?;
        let status = response.status();
        self.debug(format_args!(
            "< {} {} ({} ms)",
            status.as_u16(),
            shown,
            started.elapsed().as_millis()
        ));
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(&response);
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_error_body(response).await;
        Err((
            ApiError::from_response(
                request.method.as_str(),
                &shown,
                status,
                content_type.as_deref(),
                &body,
            ),
            retry_after,
        ))
    }

    /// Sends a request and decodes its JSON answer.
    pub async fn fetch<T: DeserializeOwned>(&self, request: &ApiRequest) -> Result<T, ApiError> {
        let response = self.send(request).await?;
        let shown = redact(&request.url);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(&request.method, &shown, &e))?;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Decode {
            method: request.method.to_string(),
            url: shown,
            detail: e.to_string(),
        })
    }

    /// Sends a request whose answer body is not needed.
    pub async fn execute(&self, request: &ApiRequest) -> Result<(), ApiError> {
        let response = self.send(request).await?;
        // Drain so the connection can be reused.
        let _ = response.bytes().await;
        Ok(())
    }

    fn debug(&self, args: std::fmt::Arguments<'_>) {
        if self.config.verbose {
            output::debug(args);
        }
    }
}

/// The URL as it may be shown: without user name or password.
pub fn redact(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

fn transport_error(method: &Method, url: &str, err: &reqwest::Error) -> ApiError {
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
    let detail = detail.replace(&format!(" for url ({url})"), "");
    ApiError::Transport {
        method: method.to_string(),
        url: url.to_string(),
        kind,
        detail,
    }
}

async fn read_error_body(response: Response) -> Vec<u8> {
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

/// `Retry-After` in seconds or as an HTTP date, capped at 60 s.
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
    use super::*;

    fn client(host: &str) -> Client {
        Client::new(ClientConfig {
            host: Url::parse(host).unwrap(),
            api_version: "v1".into(),
            token: Some(Secret::new("s3cret")),
            auth_type: "Token".into(),
            verify_tls: true,
            ca_cert: None,
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            service_header: ("X-POLYAXON-SERVICE".into(), SERVICE_VERSION.into()),
            attempts: 1,
            verbose: false,
        })
        .unwrap()
    }

    #[test]
    fn urls_are_built_from_segments() {
        let c = client("http://h:8000/");
        assert_eq!(
            c.api_url(&["default", "demo", "versions", "artifact", "a b/c"])
                .as_str(),
            "http://h:8000/api/v1/default/demo/versions/artifact/a%20b%2Fc"
        );
        let c = client("https://h/prefix");
        assert_eq!(c.api_url(&["x"]).as_str(), "https://h/prefix/api/v1/x");
        assert_eq!(
            c.streams_url(&["polyaxon", "o", "p", "runs", "u", "artifact"])
                .as_str(),
            "https://h/prefix/streams/v1/polyaxon/o/p/runs/u/artifact"
        );
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let c = client("http://h");
        let shown = format!("{:?}", c.config());
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn redact_strips_credentials() {
        let url = Url::parse("http://user:pw@h/x").unwrap();
        assert_eq!(redact(&url), "http://h/x");
    }

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
}
