//! Downloads through the client's request funnel: the request (`Accept: */*`, identity
//! encoding, `Range` + `If-Range` to continue a part file) and a pxa-owned answer with the
//! accessors a pull needs (status, length, validator, `Content-Range`, `Content-Disposition`)
//! and its body, chunk by chunk; or a body read into a BLAKE3 hasher and dropped
//! ([`Client::download_hash`]). One call is one attempt: the caller runs it under a
//! [`RetryPolicy`](super::retry::RetryPolicy) with its own stall timeouts around it.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};
use url::Url;

use super::client::{ApiRequest, Client};
use super::error::ApiError;

/// Where a part file stops and what it held, to ask for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume<'a> {
    /// Bytes already on disk: the answer should start here.
    pub offset: u64,
    /// The strong ETag or Last-Modified the part file was written from (`If-Range`).
    pub validator: &'a str,
}

/// An answer being downloaded.
#[derive(Debug)]
pub struct Download {
    response: Response,
}

/// The body broke off in transit.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BodyError(String);

impl Download {
    /// `206 Partial Content`: the server honoured the `Range`.
    pub fn is_partial(&self) -> bool {
        self.response.status() == StatusCode::PARTIAL_CONTENT
    }

    /// The declared length of this answer's body.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The strong ETag, else Last-Modified: what a later `If-Range` can name.
    pub fn validator(&self) -> Option<&str> {
        let etag = self.header(header::ETAG).filter(|e| !e.starts_with("W/"));
        etag.or_else(|| self.header(header::LAST_MODIFIED))
    }

    /// Where the body starts in the file, from `Content-Range: bytes START-END/LEN`.
    pub fn content_range_start(&self) -> Option<u64> {
        let rest = self
            .header(header::CONTENT_RANGE)?
            .trim()
            .strip_prefix("bytes ")?;
        rest.split('-').next()?.trim().parse().ok()
    }

    /// `Content-Disposition`, as sent.
    pub fn content_disposition(&self) -> Option<&str> {
        self.header(header::CONTENT_DISPOSITION)
    }

    /// The next piece of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        self.response
            .chunk()
            .await
            .map_err(|e| BodyError(e.to_string()))
    }

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.response.headers().get(name)?.to_str().ok()
    }
}

/// A body read to its end into a hasher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hashed {
    /// BLAKE3 of the bytes received.
    pub hash: blake3::Hash,
    /// Bytes received.
    pub len: u64,
    /// The length the answer declared.
    pub declared: Option<u64>,
}

/// Why a hashed download failed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The request failed or was refused.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The body broke off after `received` bytes.
    #[error("the body broke off after {received} bytes: {why}")]
    Body { received: u64, why: String },
    /// No data arrived for the stall timeout.
    #[error("no data for {} s while receiving the body", .0.as_secs_f64())]
    Stalled(Duration),
}

impl Client {
    /// Downloads `url` into a BLAKE3 hasher, chunk by chunk, keeping none of it (memory stays
    /// bounded whatever the size); `stall` ends a body that sends nothing for that long.
    pub async fn download_hash(
        &self,
        url: &Url,
        stall: Option<Duration>,
    ) -> Result<Hashed, HashError> {
        let mut answer = self.download(url, None).await?;
        let declared = answer.content_length();
        let mut hasher = blake3::Hasher::new();
        let mut len = 0u64;
        loop {
            let next = match stall {
                Some(stall) => tokio::time::timeout(stall, answer.chunk())
                    .await
                    .map_err(|_| HashError::Stalled(stall))?,
                None => answer.chunk().await,
            };
            let body = |e: BodyError| HashError::Body {
                received: len,
                why: e.0,
            };
            match next.map_err(body)? {
                Some(chunk) => {
                    len += chunk.len() as u64;
                    hasher.update(&chunk);
                }
                None => {
                    let hash = hasher.finalize();
                    return Ok(Hashed {
                        hash,
                        len,
                        declared,
                    });
                }
            }
        }
    }

    /// Sends one download request (a GET, never retried here) and returns the 2xx answer with
    /// its body unread, or the error with the server's `Retry-After`.
    pub async fn download(
        &self,
        url: &Url,
        resume: Option<Resume<'_>>,
    ) -> Result<Download, ApiError> {
        let request = ApiRequest::get(url.clone());
        let response = self.send_once(&request, &headers(resume)).await?;
        Ok(Download { response })
    }
}

/// `Accept`, identity encoding (lengths and ranges then mean what they say), and `Range` +
/// `If-Range` when a part file can be continued.
fn headers(resume: Option<Resume<'_>>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
    headers.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    if let Some(resume) = resume {
        let range = HeaderValue::from_str(&format!("bytes={}-", resume.offset)).expect("ascii");
        headers.insert(header::RANGE, range);
        if let Ok(v) = HeaderValue::from_str(resume.validator) {
            headers.insert(header::IF_RANGE, v);
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_headers() {
        let plain = headers(None);
        assert_eq!(plain[header::ACCEPT_ENCODING], "identity");
        assert!(plain.get(header::RANGE).is_none());
        let resumed = headers(Some(Resume {
            offset: 42,
            validator: "\"abc\"",
        }));
        assert_eq!(resumed[header::RANGE], "bytes=42-");
        assert_eq!(resumed[header::IF_RANGE], "\"abc\"");
    }
}
