//! What a pull says it did, per version and per lineage entry (`-o json`).

use std::path::PathBuf;

use serde::Serialize;

use super::download::Missing;
use super::plan::{Entry, Fetch};
use super::verify::FileRecord;
use crate::exit::Code;

/// How a piece (or an entry, from its pieces) was obtained; a later variant wins when an
/// entry's pieces differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Kept from the previous copy (`--skip-existing`).
    Kept,
    /// Finished by an earlier, interrupted run.
    Reused,
    /// Copied from another version of the same pull (same run, same path).
    Copied,
    Downloaded,
    /// Continued with `Range` where the server honours it.
    Resumed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kept => "kept",
            Self::Reused => "reused",
            Self::Copied => "copied",
            Self::Downloaded => "downloaded",
            Self::Resumed => "resumed",
        }
    }
}

/// One lineage entry's outcome (`-o json`).
#[derive(Debug, Clone, Serialize)]
pub struct EntryReport {
    pub entry: String,
    pub kind: String,
    pub path: String,
    pub bytes: u64,
    pub files: usize,
    /// Hex BLAKE3 hash, for a single file.
    pub blake3: Option<String>,
    /// downloaded, resumed, copied, reused (finished by an earlier run), kept
    /// (`--skip-existing`), skipped, failed.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl EntryReport {
    /// A report for `e`, skipped until it runs.
    pub fn new(e: &Entry) -> Self {
        Self {
            entry: e.name.clone(),
            kind: e.kind.clone(),
            path: e.rel.clone(),
            bytes: 0,
            files: 0,
            blake3: None,
            status: "skipped",
            reason: e.skip.clone(),
        }
    }

    /// The entry finished with these files.
    pub fn finish(&mut self, e: &Entry, files: &[FileRecord], status: Status) {
        self.status = status.as_str();
        self.files = files.len();
        self.bytes = files.iter().map(|f| f.size).sum();
        if e.fetch == Fetch::File || (files.len() == 1 && files[0].path == e.rel) {
            self.blake3 = files.first().map(|f| f.blake3.clone());
        }
    }

    pub fn fail(&mut self, why: &str) {
        self.status = "failed";
        self.reason = Some(why.to_string());
    }
}

/// One version's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    pub version: String,
    pub path: Option<PathBuf>,
    /// pulled; reused (finished by an interrupted bulk pull, or by another pull this one
    /// waited for); unchanged (`--skip-existing`, metadata only); failed.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    pub code: Code,
    /// The server's own words about the failure, for `-v` only.
    #[serde(skip)]
    pub debug: Option<String>,
    /// For a 404: what was not found.
    #[serde(skip)]
    pub missing: Option<Missing>,
    pub entries: Vec<EntryReport>,
}

impl VersionReport {
    /// A version placed at `path` (pulled, reused or unchanged).
    pub fn done(
        name: &str,
        path: PathBuf,
        status: &'static str,
        entries: Vec<EntryReport>,
    ) -> Self {
        Self {
            version: name.to_string(),
            path: Some(path),
            status,
            error: None,
            code: Code::Ok,
            debug: None,
            missing: None,
            entries,
        }
    }
}
