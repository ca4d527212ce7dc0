//! Everything a version's pull decides before it writes: the version and its entries as
//! [`super::listing`] reads them from the server, and what the previous copy can give
//! (`--skip-existing`, the entries `--artifact` leaves alone). `--dry-run` prints this.

use serde_json::json;

use super::download::{Downloader, Failure};
use super::existing::{Existing, keep_unchanged};
use super::listing::{Listed, Previous, Selection, list_version};
use super::metadata::VERSION_FILE;
use super::plan::StreamBase;
use super::resolve::EntryPlan;
use super::verify::{FileRecord, read_manifest};
use super::{Options, fail};
use crate::api::{ProjectVersion, Registry, Resource};
use crate::exit::Code;

/// A version ready to pull.
pub struct Prepared {
    pub version: Resource<ProjectVersion>,
    /// Every lineage entry to consider, skipped ones included, in lineage order.
    pub entries: Vec<EntryPlan>,
    /// Per entry (same order): the files `--skip-existing` keeps from the previous copy.
    pub kept: Vec<Vec<FileRecord>>,
    /// Files of the previous copy outside the entries `--artifact` selected (kept as they are).
    pub carried: Vec<FileRecord>,
    /// Where the run's streams are (none when nothing is downloaded).
    pub base: Option<StreamBase>,
    /// What the pull is made from: a staging folder or a copy made from another is not reused.
    pub fingerprint: String,
}

impl Prepared {
    /// Bytes the pieces still have to download (event packages are not listed: not counted).
    pub fn fetch_bytes(&self) -> u64 {
        self.entries.iter().map(EntryPlan::fetch_bytes).sum()
    }

    /// Whether anything is to be downloaded (a work folder is needed).
    pub fn downloads(&self) -> bool {
        self.entries.iter().any(|e| e.entry.skip.is_none())
    }
}

/// Reads the version and plans its entries; `dest` is where its previous copy may be.
pub async fn prepare(
    dl: &Downloader,
    reg: &Registry,
    name: &str,
    dest: &std::path::Path,
    opts: &Options,
) -> Result<Prepared, Failure> {
    // A re-pull trusts where the previous copy's run served its files (one request less),
    // and asks for the run when that no longer answers. It also lists the entries the previous
    // copy had while the version is read, and keeps that listing if the lineage is unchanged.
    let sel = Selection {
        no_artifacts: opts.no_artifacts,
        names: &opts.select,
        strict: opts.strict_select,
    };
    let previous = match opts.skip_existing {
        true => {
            let streams = read_manifest(dest).ok().and_then(|m| m.streams);
            let old = streams.as_ref().and_then(|_| {
                let text = std::fs::read(dest.join(VERSION_FILE)).ok()?;
                serde_json::from_slice(&text).ok()
            });
            Previous::of_copy(reg, sel, streams, old.as_ref())
        }
        false => Previous::default(),
    };
    let listed = list_version(&dl.client, dl.progress.as_ref(), reg, name, sel, &previous);
    let Listed {
        version,
        entries,
        base,
    } = listed.await?;
    let fingerprint = fingerprint(&version, &entries);
    let existing = (opts.skip_existing || !opts.select.is_empty())
        .then(|| Existing::load(dest))
        .flatten();
    let (entries, kept, carried) = from_existing(entries, existing, opts).await?;
    Ok(Prepared {
        version,
        entries,
        kept,
        carried,
        base,
        fingerprint,
    })
}

/// What a staging folder was made for: a changed version or plan starts it afresh.
fn fingerprint(version: &Resource<ProjectVersion>, entries: &[EntryPlan]) -> String {
    let entries = entries.iter().map(|e| &e.entry);
    json!({
        "uuid": version.uuid, "updated_at": version.updated_at,
        "entries": entries.map(|e| [e.name.as_str(), e.url.as_str()]).collect::<Vec<_>>(),
    })
    .to_string()
}

type FromExisting = (Vec<EntryPlan>, Vec<Vec<FileRecord>>, Vec<FileRecord>);

/// Applies `--skip-existing` to each entry's plan and, with `--artifact`, lists the files of
/// the previous copy to carry over; off the runtime's thread (it may hash files).
async fn from_existing(
    mut entries: Vec<EntryPlan>,
    existing: Option<Existing>,
    opts: &Options,
) -> Result<FromExisting, Failure> {
    let Some(existing) = existing else {
        let kept = vec![Vec::new(); entries.len()];
        return Ok((entries, kept, Vec::new()));
    };
    let (skip, select) = (opts.skip_existing, !opts.select.is_empty());
    let work = move || -> std::io::Result<FromExisting> {
        let mut kept = Vec::with_capacity(entries.len());
        for e in entries.iter_mut() {
            let skipped = e.entry.skip.is_some() || e.events;
            kept.push(match skip && !skipped {
                true => keep_unchanged(e, &existing),
                false => Vec::new(),
            });
        }
        let carried = match select {
            true => {
                let paths: Vec<&str> = entries
                    .iter()
                    .filter(|e| e.entry.skip.is_none())
                    .flat_map(|e| e.entry.claims())
                    .collect();
                existing.outside(&paths)?
            }
            false => Vec::new(),
        };
        Ok((entries, kept, carried))
    };
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| fail(Code::Failure, format!("reading the previous copy: {e}")))?
        .map_err(|e| Failure::io(e).about("reading the previous copy"))
}
