//! One download under the API's retry policy: socket to disk in a blocking task fed by a
//! bounded channel (a file is hashed as written, a tarball is un-gzipped and extracted as it
//! arrives), stall detection, length checks, and `Range` + `If-Range` resume of a cut file.
//! The HTTP side is `api::download`; this module decides what the bytes mean.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::timeout;
use url::Url;

use super::shared::Shared;
use super::sink::Sink;
use super::verify::FileRecord;
use super::{check, space};
use crate::api::download::{Download, Resume};
use crate::api::retry::{RetryPolicy, Transient};
use crate::api::{ApiError, Client};
use crate::exit::Code;
use crate::progress::{Item, Reporter, Retry};

/// Shared by every download of a run.
pub struct Downloader {
    pub client: Client,
    pub retries: u32,
    pub stall: Duration,
    pub progress: Arc<dyn Reporter>,
    /// `-j`: requests in flight at once, across entries and versions.
    pub slots: Arc<Semaphore>,
    /// The locks against the server's races and the record of placed pieces.
    pub shared: Arc<Shared>,
}

/// How an answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A raw file.
    File,
    /// A `.tar.gz`, extracted as it arrives.
    Tar,
    /// A tarball when `Content-Disposition` names one, else a raw file (`check_path`).
    Either,
}

/// Where an answer goes and what it must hold.
pub struct Target {
    pub answer: Answer,
    /// The part file of a raw file.
    pub part: PathBuf,
    /// Holds the ETag / Last-Modified of the part file, for `If-Range`.
    pub validator: PathBuf,
    /// Where a tarball is extracted.
    pub extract: PathBuf,
    /// K1: the server host and archive file a tarball answer is written to, if it can be one.
    pub archive: Option<String>,
    /// What the tree listed: a tarball's files relative to its folder with their sizes; a
    /// raw file must be the only one listed, with its size. `None`: not listed (events).
    pub expect: Option<Vec<(String, u64)>>,
}

/// What a download produced.
#[derive(Debug)]
pub enum Got {
    /// A single file, in `Target::part`.
    File { record: FileRecord, resumed: bool },
    /// An extracted tarball, in `Target::extract` (paths relative to it), checked against the
    /// listing: files it lacked are in `missing` (fetch them one by one); files the listing
    /// does not have were deleted.
    Tree {
        files: Vec<FileRecord>,
        missing: Vec<(String, u64)>,
    },
}

/// A failed attempt or download.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: Code,
    pub message: String,
    transient: bool,
    retry_after: Option<Duration>,
    /// The server's own words, for `-v` only (they name its absolute paths).
    pub debug: Option<String>,
    /// For a full disk: the bytes the failed download needed (its declared length).
    pub needed: Option<u64>,
    /// For a 404: what was not found, so the hint can say what to check.
    pub missing: Option<Missing>,
}

/// What a pull could not find (exit 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The version itself (or its project).
    Version,
    /// A lineage entry named with `--artifact`.
    Entry,
    /// The run the version links.
    Run,
    /// A file or folder of the lineage on the run's store.
    Stored,
}

impl Failure {
    pub fn new(code: Code, transient: bool, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            transient,
            retry_after: None,
            debug: None,
            needed: None,
            missing: None,
        }
    }

    pub fn from_api(err: ApiError) -> Self {
        Self {
            code: err.exit_code(),
            transient: err.is_transient(),
            retry_after: err.retry_after(),
            message: err.to_string(),
            debug: None,
            needed: None,
            missing: None,
        }
    }

    /// The same failure; when it is a 404, `what` was not found.
    pub fn missing(mut self, what: Missing) -> Self {
        if self.code == Code::NotFound {
            self.missing = Some(what);
        }
        self
    }

    /// A disk error; a full disk gets its own code (the version fills in the numbers).
    pub fn io(e: io::Error) -> Self {
        if space::is_full(&e) {
            return Self::new(Code::NoSpace, false, format!("writing to disk: {e}"));
        }
        Self::new(Code::Failure, false, format!("writing to disk: {e}"))
    }

    /// The same failure, its message prefixed (which file or piece it is about).
    pub fn about(mut self, what: &str) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl Transient for Failure {
    fn is_transient(&self) -> bool {
        self.transient
    }

    fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
}

impl Downloader {
    /// Downloads `url` into `target`, retrying transient failures under the `--retries` policy;
    /// a failure that used every attempt says so.
    pub async fn fetch(&self, item: Item<'_>, url: &Url, target: &Target) -> Result<Got, Failure> {
        let policy = RetryPolicy::retries(self.retries);
        // `Got::File::resumed` is the last attempt's: the file holds earlier bytes only when
        // that attempt continued them.
        let result = policy
            .run(
                || self.attempt(item, url, target),
                |r| {
                    let retry = Retry {
                        attempt: r.attempt,
                        wait: r.wait,
                        why: &r.error.message,
                    };
                    self.progress.retrying(item, retry);
                },
            )
            .await;
        result.map_err(|mut f| {
            if f.transient && policy.attempts() > 1 {
                f.message = format!("{} (after {} attempts)", f.message, policy.attempts());
            }
            f
        })
    }

    async fn attempt(&self, item: Item<'_>, url: &Url, target: &Target) -> Result<Got, Failure> {
        // K1 first, then a slot: a request waiting for the server's archive holds no slot.
        let k1 = match &target.archive {
            Some(key) => Some(self.shared.archive(key).await),
            None => None,
        };
        let _slot = self.slots.acquire().await.expect("semaphore never closed");
        let got = self.request(item, url, target).await?;
        drop(k1);
        match got {
            Got::Tree { files, .. } => check::tree(files, target),
            Got::File { record, resumed } => {
                check::file(&record, target)?;
                Ok(Got::File { record, resumed })
            }
        }
    }

    /// One request, its body written or extracted; the body has fully arrived when it returns.
    async fn request(&self, item: Item<'_>, url: &Url, target: &Target) -> Result<Got, Failure> {
        let resume = match target.answer {
            Answer::File | Answer::Either => resume_point(&target.part, &target.validator),
            Answer::Tar => None,
        };
        let asked = resume.as_ref().map(|(offset, validator)| Resume {
            offset: *offset,
            validator,
        });
        // The CE server reads a whole file into memory before it answers (~5 s for 1 GiB), so
        // the wait for the headers is bounded by --timeout when that is longer than the stall.
        let header_wait = self.stall.max(self.client.config().timeout);
        let download = timeout(header_wait, self.client.download(url, asked))
            .await
            .map_err(|_| self.stalled("waiting for the answer"))?
            .map_err(|e| Failure::from_api(e).missing(Missing::Stored))?;
        let offset = resume_offset(asked, &download, target)?;
        let is_tar = match target.answer {
            Answer::Tar => true,
            Answer::File => false,
            Answer::Either => disposition_is_tar(download.content_disposition()),
        };
        let declared = download.content_length();
        let sink = if is_tar {
            Sink::Tar(target.extract.clone())
        } else {
            save_validator(download.validator(), &target.validator).map_err(Failure::io)?;
            Sink::File {
                part: target.part.clone(),
                offset,
            }
        };
        self.progress.started(item, declared);
        let (tx, rx) = mpsc::channel::<Vec<Bytes>>(BATCHES_IN_FLIGHT);
        let writer = tokio::task::spawn_blocking(move || sink.run(rx));
        let streamed = self.stream(item, download, declared, tx).await;
        let written = writer
            .await
            .map_err(|e| Failure::new(Code::Failure, false, format!("writer task: {e}")))?;
        // A disk error explains a stream the writer stopped reading.
        match (streamed, written) {
            (_, Err(mut f)) if f.code == Code::NoSpace => {
                f.needed = declared.map(|d| d + offset);
                Err(f)
            }
            (Err(f), _) => Err(f),
            (Ok(()), written) => written,
        }
    }

    /// Moves the body into the writer's channel; errors on a stall or a cut body.
    async fn stream(
        &self,
        item: Item<'_>,
        mut body: Download,
        declared: Option<u64>,
        tx: mpsc::Sender<Vec<Bytes>>,
    ) -> Result<(), Failure> {
        let mut received = 0u64;
        let mut batch = Batch::default();
        let ended = loop {
            match timeout(self.stall, body.chunk()).await {
                Err(_) => break Err(self.stalled("receiving the body")),
                Ok(Ok(None)) => break Ok(()),
                Ok(Err(e)) => break Err(cut_or_broken(received, declared, &e.to_string())),
                Ok(Ok(Some(chunk))) => {
                    received += chunk.len() as u64;
                    self.progress.advanced(item, chunk.len() as u64);
                    // A closed channel: the writer stopped early; its own result says why.
                    if let Some(full) = batch.push(chunk)
                        && tx.send(full).await.is_err()
                    {
                        return Ok(());
                    }
                }
            }
        };
        // What arrived before a cut or a stall is kept too: a retry continues after it.
        if !batch.chunks.is_empty() && tx.send(batch.chunks).await.is_err() {
            return Ok(());
        }
        ended?;
        match declared {
            Some(len) if received < len => Err(cut_or_broken(received, declared, "body ended")),
            Some(len) if received > len => Err(Failure::new(
                Code::Integrity,
                true,
                format!("received {received} bytes, {len} declared"),
            )),
            _ => Ok(()),
        }
    }

    fn stalled(&self, doing: &str) -> Failure {
        Failure::new(
            Code::Unreachable,
            true,
            format!(
                "no data for {} s while {doing} (--stall-timeout)",
                self.stall.as_secs_f64()
            ),
        )
    }
}

/// Chunks are handed to the writer in batches of at least this many bytes: one wake-up of
/// the writer per batch instead of one per socket read.
const BATCH_BYTES: usize = 256 * 1024;
/// Batches queued for the writer; with the one being written and the one being filled, a
/// download holds about 1 MiB of body in memory.
const BATCHES_IN_FLIGHT: usize = 2;

/// The chunks gathered since the last hand-off to the writer.
#[derive(Default)]
struct Batch {
    chunks: Vec<Bytes>,
    bytes: usize,
}

impl Batch {
    /// Adds a chunk; returns the batch when it is full (and starts a new one).
    fn push(&mut self, chunk: Bytes) -> Option<Vec<Bytes>> {
        self.bytes += chunk.len();
        self.chunks.push(chunk);
        (self.bytes >= BATCH_BYTES).then(|| {
            self.bytes = 0;
            std::mem::take(&mut self.chunks)
        })
    }
}

/// Where the answer's body starts in the file: the asked offset for a matching 206, else 0
/// (a server that ignores `Range`, like Polyaxon CE, answers 200 and the file restarts).
fn resume_offset(
    asked: Option<Resume<'_>>,
    download: &Download,
    target: &Target,
) -> Result<u64, Failure> {
    match asked {
        Some(Resume { offset, .. }) if download.is_partial() => {
            if download.content_range_start() == Some(offset) {
                Ok(offset)
            } else {
                let _ = fs::remove_file(&target.part);
                Err(Failure::new(
                    Code::Integrity,
                    true,
                    "the server answered another range than asked",
                ))
            }
        }
        _ => Ok(0),
    }
}

fn cut_or_broken(received: u64, declared: Option<u64>, why: &str) -> Failure {
    match declared {
        Some(len) if received < len => Failure::new(
            Code::Integrity,
            true,
            format!("the body was cut after {received} of {len} bytes ({why})"),
        ),
        _ => Failure::new(Code::Failure, true, format!("the body broke off: {why}")),
    }
}

/// The part file's length and validator, when a resume can be asked for.
fn resume_point(part: &Path, validator: &Path) -> Option<(u64, String)> {
    let len = fs::metadata(part).ok()?.len();
    let validator = fs::read_to_string(validator).ok()?;
    (len > 0 && !validator.is_empty()).then_some((len, validator))
}

/// Remembers the strong ETag (or Last-Modified) of the answer being written.
fn save_validator(validator: Option<&str>, path: &Path) -> io::Result<()> {
    match validator {
        Some(v) => fs::write(path, v),
        None => match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
    }
}

/// The official client's rule: a tarball iff the disposition names a `.tar` or `.tar.gz`.
fn disposition_is_tar(disposition: Option<&str>) -> bool {
    disposition.is_some_and(|d| d.contains(".tar\"") || d.contains(".tar.gz\""))
}
