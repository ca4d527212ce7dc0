//! The HTTP client and its single request funnel: headers, timeouts, retries, typed errors.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::error::{ApiError, SetupError, TransportKind};
use super::retry::{RetryPolicy, retry_after};
use super::transport::{read_answer, read_error_body, redact, transport_error};

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
    /// How idempotent requests are retried on transient failures.
    pub reads: RetryPolicy,
}

/// What the client does, as it happens: the client prints nothing itself; whoever builds it
/// may watch these (the `-v` lines).
#[derive(Debug)]
pub enum Event<'a> {
    /// A request is about to be sent (the URL without credentials).
    Sending { method: &'a str, url: &'a str },
    /// The server answered with this status after `elapsed`.
    Answered {
        status: u16,
        url: &'a str,
        elapsed: Duration,
    },
    /// A failed idempotent request will be sent again after `wait`, as attempt `attempt` of
    /// `attempts`.
    Retrying {
        wait: Duration,
        attempt: u32,
        attempts: u32,
        error: &'a ApiError,
    },
}

/// A watcher of the client's [`Event`]s.
pub type Observer = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

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
    /// Built on first upload (see [`Client::upload_http`]).
    uploads: Arc<OnceLock<reqwest::Client>>,
    config: ClientConfig,
    observer: Option<Observer>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, SetupError> {
        let http = http_builder(&config)?
            .read_timeout(config.timeout)
            .build()
            .map_err(|e| SetupError::Build(e.to_string()))?;
        Ok(Self {
            http,
            uploads: Arc::new(OnceLock::new()),
            config,
            observer: None,
        })
    }

    /// The HTTP client for uploads: the same settings without the read timeout, which reqwest
    /// counts from the first byte sent to the answer's head (a large body takes longer than
    /// that to send); [`super::upload`] bounds a stalled body and a late answer itself.
    pub(super) fn upload_http(&self) -> Result<&reqwest::Client, ApiError> {
        if let Some(http) = self.uploads.get() {
            return Ok(http);
        }
        let http = http_builder(&self.config)
            .and_then(|b| b.build().map_err(|e| SetupError::Build(e.to_string())))
            .map_err(|e| ApiError::Transport {
                method: "POST".into(),
                url: redact(&self.config.host),
                kind: TransportKind::Other,
                detail: format!("cannot set up the upload client: {e:#}"),
            })?;
        Ok(self.uploads.get_or_init(|| http))
    }

    /// The same client, reporting what it does to `observer`.
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The same client with another retry policy for idempotent requests (`wait` polls once
    /// per request and retries the poll itself, each failure shown).
    pub fn with_reads(mut self, reads: RetryPolicy) -> Self {
        self.config.reads = reads;
        self
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
    pub(super) async fn send(&self, request: &ApiRequest) -> Result<Response, ApiError> {
        let none = HeaderMap::new();
        self.with_retries(request, || self.send_once(request, &none))
            .await
    }

    /// Runs `once` under the read policy (idempotent requests) or once (writes), reporting
    /// each retry to the observer.
    async fn with_retries<T, F, Fut>(&self, request: &ApiRequest, once: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let policy = if request.idempotent() {
            self.config.reads
        } else {
            RetryPolicy::ONCE
        };
        policy
            .run(once, |r| {
                self.observe(&Event::Retrying {
                    wait: r.wait,
                    attempt: r.attempt,
                    attempts: policy.attempts(),
                    error: r.error,
                })
            })
            .await
    }

    /// Sends a request (its JSON body, if any) with `headers` added to the client's own.
    pub(super) async fn send_once(
        &self,
        request: &ApiRequest,
        headers: &HeaderMap,
    ) -> Result<Response, ApiError> {
        let mut builder = self
            .http
            .request(request.method.clone(), request.url.clone());
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        if !headers.is_empty() {
            builder = builder.headers(headers.clone());
        }
        self.dispatch(request, builder).await
    }

    /// Sends a request with a streamed body through the upload client (no read timeout).
    pub(super) async fn send_body(
        &self,
        request: &ApiRequest,
        headers: HeaderMap,
        body: reqwest::Body,
    ) -> Result<Response, ApiError> {
        let builder = self
            .upload_http()?
            .request(request.method.clone(), request.url.clone())
            .headers(headers)
            .body(body);
        self.dispatch(request, builder).await
    }

    /// The one place a request is sent: `-v` events, redacted URLs, typed errors (with the
    /// server's `Retry-After`).
    async fn dispatch(
        &self,
        request: &ApiRequest,
        builder: reqwest::RequestBuilder,
    ) -> Result<Response, ApiError> {
        let shown = redact(&request.url);
        let started = Instant::now();
        self.observe(&Event::Sending {
            method: request.method.as_str(),
            url: &shown,
        });
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(&request.method, &shown, &e))?;
        let status = response.status();
        self.observe(&Event::Answered {
            status: status.as_u16(),
            url: &shown,
            elapsed: started.elapsed(),
        });
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(&response);
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = self.scrub(&read_error_body(response).await).into_bytes();
        Err(ApiError::from_response(
            request.method.as_str(),
            &shown,
            status,
            content_type.as_deref(),
            &body,
        )
        .with_retry_after(retry_after))
    }

    /// Sends a request and decodes its JSON answer. A body cut off or undecodable in transit
    /// is retried like a failed send (the whole request again, for idempotent requests).
    pub async fn fetch<T: DeserializeOwned>(&self, request: &ApiRequest) -> Result<T, ApiError> {
        let shown = redact(&request.url);
        let bytes = self
            .with_retries(request, || async {
                let response = self.send_once(request, &HeaderMap::new()).await?;
                read_answer(response, &request.method, &shown).await
            })
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Decode {
            method: request.method.to_string(),
            url: shown,
            detail: self.scrub(e.to_string().as_bytes()),
        })
    }

    /// Server text as it may be shown: a server (or proxy) that echoes the Authorization
    /// header back in an error must not make pxa print the token.
    fn scrub(&self, text: &[u8]) -> String {
        let text = String::from_utf8_lossy(text);
        match &self.config.token {
            Some(t) if !t.expose().is_empty() => text.replace(t.expose(), "***"),
            _ => text.into_owned(),
        }
    }

    /// Sends a request whose answer body is not needed.
    pub async fn execute(&self, request: &ApiRequest) -> Result<(), ApiError> {
        let response = self.send(request).await?;
        // Drain so the connection can be reused.
        let _ = read_answer(response, &request.method, "").await;
        Ok(())
    }

    fn observe(&self, event: &Event<'_>) {
        if let Some(observer) = &self.observer {
            observer(event);
        }
    }
}

/// Everything the HTTP clients share: headers, TLS, timeouts other than the read timeout.
fn http_builder(config: &ClientConfig) -> Result<reqwest::ClientBuilder, SetupError> {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let (name, value) = &config.service_header;
    let service = || SetupError::ServiceHeader(name.clone());
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| service())?;
    headers.insert(name, HeaderValue::from_str(value).map_err(|_| service())?);
    if let Some(token) = &config.token {
        let mut value = HeaderValue::from_str(&format!("{} {}", config.auth_type, token.expose()))
            .map_err(|_| SetupError::Token)?;
        value.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, value);
    }
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("pxa/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .connect_timeout(config.connect_timeout)
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
        let shown = path.display().to_string();
        let pem = std::fs::read(path).map_err(|e| SetupError::CaCertUnreadable {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| SetupError::CaCertInvalid {
                path: shown,
                detail: e.to_string(),
            })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    Ok(builder)
}

/// A client configuration for unit tests (token `s3cret`, 5 s timeouts, no retries).
#[cfg(test)]
pub(crate) fn tests_config(host: &str) -> ClientConfig {
    ClientConfig {
        host: Url::parse(host).unwrap(),
        api_version: "v1".into(),
        token: Some(Secret::new("s3cret")),
        auth_type: "Token".into(),
        verify_tls: true,
        ca_cert: None,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        service_header: ("X-POLYAXON-SERVICE".into(), SERVICE_VERSION.into()),
        reads: RetryPolicy::ONCE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(host: &str) -> Client {
        Client::new(tests_config(host)).unwrap()
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
}
