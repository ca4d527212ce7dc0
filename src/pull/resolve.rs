//! A lineage entry turned into requests: its path listed on the run's store (a file's size,
//! or every file of a folder), and the folder plan that chooses per subtree between one
//! tarball and one request per file (docs/pull.md, "How a folder is fetched").

use super::download::{Failure, Missing};
use super::plan::{Entry, Fetch, StreamBase};
use super::tree::{COSTS, Found, LIMITS, Piece, WalkError, listing_error, plan};
use crate::api::Client;

/// One lineage entry, ready to run.
#[derive(Debug, Clone)]
pub struct EntryPlan {
    pub entry: Entry,
    /// The requests to send, longest first (none for an event package: see `events`).
    pub pieces: Vec<Piece>,
    /// Files kept from the previous copy (`--skip-existing`), run-relative, with sizes.
    pub keep: Vec<(String, u64)>,
    /// An event package: one request whose contents no listing describes.
    pub events: bool,
    /// Files and bytes the entry holds as listed, kept ones included (0 for events).
    pub files: u64,
    pub bytes: u64,
    /// Names listed as folders that do not exist (broken links): nothing to fetch there.
    pub broken: Vec<String>,
}

impl EntryPlan {
    /// An event package, or an entry skipped by the official rule: nothing listed.
    fn unlisted(entry: Entry) -> Self {
        Self {
            events: entry.fetch == Fetch::Events,
            entry,
            pieces: Vec::new(),
            keep: Vec::new(),
            files: 0,
            bytes: 0,
            broken: Vec::new(),
        }
    }

    /// Bytes the pieces will download.
    pub fn fetch_bytes(&self) -> u64 {
        self.pieces.iter().map(|p| p.bytes).sum()
    }

    /// Every file the entry holds as listed (kept ones included), run-relative, with its
    /// size, sorted by path: what a pull writes for it (nothing for an unlisted entry).
    pub fn listed_files(&self) -> Vec<(String, u64)> {
        let pieces = self.pieces.iter().flat_map(|p| p.files.iter().cloned());
        let mut files: Vec<(String, u64)> = pieces.chain(self.keep.iter().cloned()).collect();
        files.sort();
        files
    }
}

/// Lists the entry's path and plans its requests. An event package is not listed (its
/// contents come from the run's event files); a single-file entry takes one listing.
pub async fn resolve(
    client: &Client,
    base: &StreamBase,
    entry: Entry,
) -> Result<EntryPlan, Failure> {
    if entry.fetch == Fetch::Events || entry.skip.is_some() {
        return Ok(EntryPlan::unlisted(entry));
    }
    let found = if entry.fetch == Fetch::File {
        list_file(client, base, &entry.rel).await
    } else {
        client.walk_tree(base, &entry.rel, &LIMITS).await
    };
    let found = found.map_err(|e| walk_failure(&entry, e))?;
    let plan = plan(&found, &COSTS);
    Ok(EntryPlan {
        files: plan.files as u64,
        bytes: plan.bytes,
        pieces: plan.pieces,
        keep: Vec::new(),
        events: false,
        broken: plan.broken,
        entry,
    })
}

/// A single-file entry: listing its path answers `{"files": {name: size}}` (one request); a
/// listing that says anything else is walked as a folder.
async fn list_file(client: &Client, base: &StreamBase, rel: &str) -> Result<Found, WalkError> {
    let listing = client
        .list_tree(&base.tree_url(rel))
        .await
        .map_err(|source| WalkError::List {
            path: rel.to_string(),
            source: Box::new(source),
        })?;
    if let Some(text) = listing.error {
        return Err(listing_error(&base.uuid, rel, text));
    }
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match (listing.files.as_slice(), listing.dirs.is_empty()) {
        ([(n, Some(size))], true) if n == name && !rel.is_empty() => Ok(Found::File {
            path: rel.to_string(),
            size: *size,
        }),
        _ => client.walk_tree(base, rel, &LIMITS).await,
    }
}

/// A failed listing, named after its entry; the server's own text is kept for `-v`.
fn walk_failure(entry: &Entry, e: WalkError) -> Failure {
    let mut f = Failure::new(e.exit_code(), false, format!("entry `{}`: {e}", entry.name));
    f.debug = e.server_text().map(str::to_string);
    f.missing(Missing::Stored)
}
