//! Uploads into a run's store (contract §13.1), through the client's funnel: one multipart
//! request per call, `json` (always with an explicit `path`, `untar` and `overwrite`) then
//! `upload_file`, whose body is streamed from the caller's stream with its length known in
//! advance (no chunked encoding, no copy of the file in memory). The server stores a file
//! under the basename of the part's filename after Django's clean-up of it, so
//! [`storable_name`] says which names arrive as given and [`part_file_name`] writes them so
//! that they do. A stalled body and a late answer are bounded here ([`Watch`]): the upload
//! client has no read timeout, which would count the whole upload.
//!
//! Server facts these rest on (haupt 2.18.0): `overwrite: true` deletes the destination first
//! (a whole folder for an archive); `overwrite: false` and an existing destination answer 200
//! and write nothing; an archive is first written at the run's ROOT under the part's
//! filename, deleted after a successful extraction and left behind after a failed one.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde_json::json;

use super::client::{ApiRequest, Client};
use super::error::{ApiError, TransportKind};
use super::streams::StreamBase;
use super::transport::redact;

/// Where the server puts what it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// A run-relative folder, never empty (an empty path is the run's root).
    pub folder: String,
    /// An archive extracted into `folder` (`POST ST/artifacts`), or a file stored in it under
    /// its part name (`POST ST/artifact`).
    pub untar: bool,
    /// Delete what is at the destination first; `false` skips silently if something is there.
    pub overwrite: bool,
}

/// What is sent: the part's name and its bytes.
pub struct Payload {
    /// The stored file name, or the archive's name (it lands at the run's root for a moment).
    pub name: String,
    /// Exactly the bytes `stream` yields; more or fewer fail the request.
    pub len: u64,
    pub stream: BoxStream<'static, io::Result<Bytes>>,
}

/// Bounds of one upload: no byte taken for `stall` while sending, or no answer `answer` after
/// the last byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    pub stall: Duration,
    pub answer: Duration,
}

/// Why a name cannot be a part's filename: the server would store another name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    #[error("it is empty, `.` or `..`")]
    Reserved,
    #[error("it holds a `/` or `\\`")]
    Separator,
    #[error("it holds a control, format or non-space blank character, which the server drops")]
    Unprintable,
}

/// Whether the server stores a part named `name` under that same name: Django keeps what
/// follows the last `/` or `\`, and drops characters Python finds unprintable (controls,
/// format characters, blanks other than the space, private use). `&` is kept by
/// [`part_file_name`].
pub fn storable_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(NameProblem::Reserved);
    }
    if name.contains(['/', '\\']) {
        return Err(NameProblem::Separator);
    }
    if name.chars().any(|c| !printable(c)) {
        return Err(NameProblem::Unprintable);
    }
    Ok(())
}

/// Python's `str.isprintable`, as far as a name can need it: no control (Cc) or format (Cf)
/// character, no blank but the space (Zs, Zl, Zp), no private-use character (Co).
fn printable(c: char) -> bool {
    let format = matches!(c as u32,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F);
    let private = matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    !(c.is_control() || format || private || (c.is_whitespace() && c != ' '))
}

/// The part's `filename` parameter for a [`storable_name`]: quoted, `"` escaped, and `&`
/// written `&amp;` because Django HTML-unescapes the name (`a&amp;b` would be stored `a&b`).
pub fn part_file_name(name: &str) -> String {
    name.replace('&', "&amp;").replace('"', "\\\"")
}

/// A random token (hex), for multipart boundaries and archive names.
pub fn random_token() -> String {
    let a = RandomState::new().build_hasher().finish();
    let mut h = RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(now ^ u128::from(std::process::id()));
    format!("{a:016x}{:016x}", h.finish())
}

impl Client {
    /// Sends one upload: `POST ST/artifact` (a file) or `ST/artifacts` (an archive to extract).
    /// One call is one attempt.
    pub async fn upload(
        &self,
        base: &StreamBase,
        to: &Destination,
        payload: Payload,
        watch: Watch,
    ) -> Result<(), ApiError> {
        let tail = if to.untar { "artifacts" } else { "artifact" };
        let mut fields = json!({"path": to.folder, "untar": to.untar, "overwrite": to.overwrite});
        if let Some(c) = &base.connection {
            fields["connection"] = json!(c);
        }
        let request = ApiRequest::new(Method::POST, base.url(&[tail], &[]));
        let boundary = format!("pxa-{}", random_token());
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{fields}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"upload_file\"; \
             filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            part_file_name(&payload.name)
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let len = head.len() as u64 + payload.len + tail.len() as u64;
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let body = stream::once(async move { Ok(Bytes::from(head)) })
            .chain(payload.stream.inspect(move |chunk| {
                if let Ok(c) = chunk {
                    counter.fetch_add(c.len() as u64, Ordering::Relaxed);
                }
            }))
            .chain(stream::once(async move { Ok(Bytes::from(tail)) }));
        let mut headers = HeaderMap::new();
        let kind = format!("multipart/form-data; boundary={boundary}");
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&kind).expect("ascii"),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        let send = self.send_body(&request, headers, reqwest::Body::wrap_stream(body));
        tokio::select! {
            answer = send => {
                let response = answer?;
                // Drain the (empty) answer so the connection can be reused.
                let _ = response.bytes().await;
                Ok(())
            }
            why = watchdog(&sent, payload.len, watch) => Err(ApiError::Transport {
                method: "POST".into(),
                url: redact(&request.url),
                kind: TransportKind::Timeout,
                detail: why,
            }),
        }
    }

    /// `DELETE ST/artifact?path=P`: removes one file of the run's store (a failed archive's
    /// debris at the run's root).
    pub async fn delete_artifact(&self, base: &StreamBase, path: &str) -> Result<(), ApiError> {
        let url = base.url(&["artifact"], &[("path", path)]);
        self.execute(&ApiRequest::new(Method::DELETE, url)).await
    }
}

/// Resolves when the body stalls (nothing taken for `watch.stall`) or, once all `len` bytes
/// are taken, when no answer came within `watch.answer`; says which.
async fn watchdog(sent: &AtomicU64, len: u64, watch: Watch) -> String {
    let tick = Duration::from_millis(200).min(watch.stall);
    let (mut seen, mut since) = (u64::MAX, Instant::now());
    loop {
        tokio::time::sleep(tick).await;
        let now = sent.load(Ordering::Relaxed);
        if now != seen {
            (seen, since) = (now, Instant::now());
            continue;
        }
        let waited = since.elapsed();
        if now < len && waited >= watch.stall {
            return format!(
                "nothing could be sent for {:.0} s ({now} of {len} bytes sent)",
                watch.stall.as_secs_f64()
            );
        }
        if now >= len && waited >= watch.answer {
            return format!(
                "no answer {:.0} s after the last byte was sent",
                watch.answer.as_secs_f64()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_server_keeps() {
        for ok in [
            "a.txt",
            "naïve file.txt",
            "R&D.txt",
            "a \"q\".txt",
            " lead",
            "日本語",
            "x;y=z",
        ] {
            assert_eq!(storable_name(ok), Ok(()), "{ok:?}");
        }
        for (bad, why) in [
            ("", NameProblem::Reserved),
            ("..", NameProblem::Reserved),
            ("a\\b", NameProblem::Separator),
            ("a/b", NameProblem::Separator),
            ("tab\there", NameProblem::Unprintable),
            ("nb\u{a0}sp", NameProblem::Unprintable),
            ("zw\u{200d}j", NameProblem::Unprintable),
            ("pua\u{e000}", NameProblem::Unprintable),
        ] {
            assert_eq!(storable_name(bad), Err(why), "{bad:?}");
        }
    }

    #[test]
    fn part_names_survive_unescaping() {
        assert_eq!(part_file_name("a&amp;b \"c\""), "a&amp;amp;b \\\"c\\\"");
        assert_eq!(part_file_name("plain.bin"), "plain.bin");
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 32);
    }

    #[test]
    fn the_watchdog_names_a_stall_and_a_late_answer() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let ms = Duration::from_millis;
        let watch = Watch {
            stall: ms(50),
            answer: ms(80),
        };
        let sent = AtomicU64::new(3);
        let why = rt.block_on(watchdog(&sent, 10, watch));
        assert!(why.starts_with("nothing could be sent for"), "{why}");
        let sent = AtomicU64::new(10);
        let why = rt.block_on(watchdog(&sent, 10, watch));
        assert!(why.starts_with("no answer"), "{why}");
    }
}
