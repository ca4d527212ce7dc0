//! Looking before downloading: what a version holds ([`VersionFiles`], `pxa files`) and how
//! two versions differ ([`diff`], `pxa diff`), from the same reads, entry plan and tree walk
//! as a pull ([`crate::pull::listing`]). Nothing is downloaded but the files
//! `diff --content-hash` hashes ([`hash`]).

pub mod content;
pub mod diff;
mod entries;
pub mod files;
pub mod hash;

use serde::Serialize;

use crate::api::{Client, ProjectVersion, Registry, Resource};
use crate::progress::Silent;
use crate::pull::download::Failure;
use crate::pull::listing::{Previous, Selection, list_version};
use crate::pull::plan::StreamBase;

/// One file a pull would write: its lineage entry, its run-relative path (also where it
/// lands inside the pulled version folder) and its size as the tree lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRow {
    pub entry: String,
    pub path: String,
    pub size: u64,
}

/// One lineage entry and what listing it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntrySummary {
    pub entry: String,
    pub kind: String,
    /// Run-relative path (`""` is the run's root).
    pub path: String,
    /// Whether its files are listed (an event package, an entry the official rule skips or
    /// a kind the official client does not download are not).
    pub listed: bool,
    pub files: u64,
    pub bytes: u64,
    /// Why it is not listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Names listed as folders that do not exist (broken links): nothing to fetch there.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub broken: Vec<String>,
}

/// An entry with its files, run-relative and sorted by path.
#[derive(Debug, Clone)]
pub struct EntryFiles {
    pub summary: EntrySummary,
    pub files: Vec<(String, u64)>,
}

/// A version and every file a pull of it would write, entry by entry in lineage order.
pub struct VersionFiles {
    pub version: Resource<ProjectVersion>,
    /// Where its run's streams are (none without a run or lineage).
    pub base: Option<StreamBase>,
    pub entries: Vec<EntryFiles>,
}

impl VersionFiles {
    /// Every listed file, entry by entry.
    pub fn rows(&self) -> Vec<FileRow> {
        let mut rows = Vec::new();
        for e in &self.entries {
            rows.extend(e.files.iter().map(|(path, size)| FileRow {
                entry: e.summary.entry.clone(),
                path: path.clone(),
                size: *size,
            }));
        }
        rows
    }

    /// Files and bytes listed in all.
    pub fn totals(&self) -> (u64, u64) {
        let listed = self.entries.iter().map(|e| &e.summary);
        listed.fold((0, 0), |(f, b), s| (f + s.files, b + s.bytes))
    }

    /// The entries whose files are not listed.
    pub fn unlisted(&self) -> impl Iterator<Item = &EntrySummary> {
        self.entries
            .iter()
            .map(|e| &e.summary)
            .filter(|s| !s.listed)
    }
}

/// Reads the version `name` and lists every file a pull of it would write (only the entries
/// named in `select`, when given: a name the lineage lacks is an error).
pub async fn list(
    client: &Client,
    reg: &Registry,
    name: &str,
    select: &[String],
) -> Result<VersionFiles, Failure> {
    let sel = Selection {
        no_artifacts: false,
        names: select,
        strict: true,
    };
    let listed = list_version(client, &Silent, reg, name, sel, &Previous::default()).await?;
    Ok(entries::version_files(listed, select))
}
