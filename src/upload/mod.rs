//! `upload`: local files and folders into a run's store, so that a version can link them.
//! Every PATH is read first ([`local`]); what each destination already holds is listed from
//! the server's tree and compared ([`plan`]); what is missing goes as streamed requests, small
//! files of a new folder as one archive ([`source`]), the rest one file per request, `-j` at a
//! time ([`send`]); then the tree must list every file with its size, or the missing ones are
//! sent again; `--verify` reads every file back and compares hashes ([`verify`]). [`run`]
//! finds or creates the run the files go to and checks its lineage. The engine
//! reports through [`crate::progress::Reporter`] and never prints.

pub mod local;
pub mod plan;
pub mod run;
pub mod send;
pub mod source;
pub mod verify;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Semaphore;

use crate::api::retry::Transient;
use crate::api::tree::WalkError;
use crate::api::upload::Watch;
use crate::api::{ApiError, Client};
use crate::exit::Code;
use crate::progress::Reporter;

/// Shared by every request of one upload.
pub struct Uploader {
    pub client: Client,
    pub progress: Arc<dyn Reporter>,
    /// Requests in flight at once, across entries (`-j`).
    pub slots: Arc<Semaphore>,
    pub jobs: usize,
    /// Rounds after the first for an entry whose requests failed on the way.
    pub retries: u32,
    /// A stalled body and the wait for an answer (plus time for the server to store the
    /// bytes, [`answer_wait`]).
    pub watch: Watch,
}

/// How long to wait for the answer after `len` bytes were sent: the base wait, plus the time
/// the server takes to copy them (it holds about three copies while it stores a file).
pub fn answer_wait(base: Duration, len: u64) -> Duration {
    const STORE_RATE: f64 = 32.0 * 1024.0 * 1024.0;
    base + Duration::from_secs_f64(len as f64 / STORE_RATE)
}

/// What became of one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryReport {
    /// The lineage entry's name (`None`: files that went along).
    pub entry: Option<String>,
    /// The run-relative destination.
    pub path: String,
    pub files: usize,
    pub bytes: u64,
    /// What this run sent (the rest was on the run already).
    pub files_sent: usize,
    pub bytes_sent: u64,
    /// `uploaded`, or `present` when the run held every file already.
    pub status: &'static str,
}

/// A failed request, entry or check.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: Code,
    pub message: String,
    transient: bool,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            transient: false,
        }
    }

    pub fn from_api(err: &ApiError) -> Self {
        Self {
            code: err.exit_code(),
            message: err.to_string(),
            transient: err.is_transient(),
        }
    }

    pub fn from_walk(err: &WalkError) -> Self {
        let transient = matches!(err, WalkError::List { source, .. } if source.is_transient());
        Self {
            code: err.exit_code(),
            message: err.to_string(),
            transient,
        }
    }
}

impl Transient for Failure {
    fn is_transient(&self) -> bool {
        self.transient
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}
