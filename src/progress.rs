//! What a transfer engine reports while it runs: the [`Reporter`] trait that `pull` (and next,
//! `upload`) call, and nothing else. The engines never print; `output::progress` implements the
//! trait as bars, plain log lines, JSON events or silence, and the command picks one.
//!
//! An [`Item`] is a lineage entry (`<version>/<entry>`; a version name for version-level
//! events), or one file inside an entry when a folder is transferred file by file. Counting
//! rules, so that both granularities add up:
//! - bytes count wherever they are reported ([`Reporter::advanced`], entry or file);
//! - entries and files count when an *entry* finishes ([`Reporter::finished`] with no file),
//!   with the entry's file count; a file-level `finished` closes that file's line or bar only;
//! - the expected total is the larger of the planned bytes and the sum of the lengths given to
//!   [`Reporter::started`] (a retried item's length replaces its earlier one).

use std::time::Duration;

/// What is being transferred: an entry, or a file inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Item<'a> {
    /// The entry's label, e.g. `v1/model`.
    pub entry: &'a str,
    /// A file inside the entry (its path relative to the entry), for per-file transfers.
    pub file: Option<&'a str>,
}

impl<'a> Item<'a> {
    /// A whole entry.
    pub fn entry(entry: &'a str) -> Self {
        Self { entry, file: None }
    }

    /// One file of an entry.
    pub fn file(entry: &'a str, file: &'a str) -> Self {
        Self {
            entry,
            file: Some(file),
        }
    }
}

/// More work became known (a version's entries once its lineage is read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Planned {
    pub entries: u64,
    /// Files, when known before the transfer (listed folders, uploads).
    pub files: Option<u64>,
    /// Bytes, when known before the transfer.
    pub bytes: Option<u64>,
}

/// A failed attempt that will be made again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retry<'a> {
    /// The attempt about to be made (2 for the first retry).
    pub attempt: u32,
    /// How long the engine waits before it.
    pub wait: Duration,
    /// Why the previous attempt failed.
    pub why: &'a str,
}

/// How an item ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished<'a> {
    pub bytes: u64,
    pub files: u64,
    /// `downloaded`, `resumed`, `reused`, `skipped`, `uploaded`, …
    pub status: &'a str,
}

/// Receives a transfer's progress. Called from many tasks at once.
pub trait Reporter: Send + Sync {
    /// More entries (and maybe files and bytes) are planned.
    fn planned(&self, planned: Planned);
    /// An item's transfer started (again, after a retry), with its length if declared.
    fn started(&self, item: Item<'_>, len: Option<u64>);
    /// `bytes` more arrived (or were sent) for an item.
    fn advanced(&self, item: Item<'_>, bytes: u64);
    /// An item's attempt failed and will be made again.
    fn retrying(&self, item: Item<'_>, retry: Retry<'_>);
    /// An item is done.
    fn finished(&self, item: Item<'_>, finished: Finished<'_>);
    /// An item failed for good.
    fn failed(&self, item: Item<'_>, why: &str);
    /// A line worth showing (a version placed, a warning).
    fn note(&self, text: &str);
}

/// Reports nothing: for engines run without a display (tests, library callers).
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Reporter for Silent {
    fn planned(&self, _: Planned) {}
    fn started(&self, _: Item<'_>, _: Option<u64>) {}
    fn advanced(&self, _: Item<'_>, _: u64) {}
    fn retrying(&self, _: Item<'_>, _: Retry<'_>) {}
    fn finished(&self, _: Item<'_>, _: Finished<'_>) {}
    fn failed(&self, _: Item<'_>, _: &str) {}
    fn note(&self, _: &str) {}
}
