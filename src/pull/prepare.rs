//! Everything a version's pull decides before it writes: the version and its entries as
//! [`super::listing`] reads them from the server, and what the previous copy can give
//! (`--skip-existing`, the entries `--artifact` leaves alone). `--dry-run` prints this.

use serde_json::json;

use super::download::{Downloader, Failure};
use super::existing::{Existing, keep_unchanged};
use super::listing::{Listed, Previous, Selection, from_record, list_version};
use super::metadata::VERSION_FILE;
use super::plan::{self, Entry, StreamBase};
use super::resolve::EntryPlan;
use super::verify::{FileRecord, Streams, read_manifest};
use super::{Options, fail};
use crate::api::{Kind, ProjectVersion, Registry, Resource};
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
    let streams = opts
        .skip_existing
        .then(|| read_manifest(dest).ok()?.streams)
        .flatten();
    let entries = streams.as_ref().and_then(|s| guess(reg, dest, opts, s));
    let previous = Previous { streams, entries };
    let sel = Selection {
        no_artifacts: opts.no_artifacts,
        names: &opts.select,
        strict: opts.strict_select,
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

/// A stream base as the manifest records it.
pub fn streams_record(b: &StreamBase) -> Streams {
    Streams {
        base: b.base.to_string(),
        namespace: b.namespace.clone(),
        owner: b.owner.clone(),
        project: b.project.clone(),
        uuid: b.uuid.clone(),
        connection: b.connection.clone(),
    }
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

/// The entries the previous copy's `version.plx.json` names, at the recorded streams: what a
/// re-pull lists while the version is read (nothing when the copy, its run or `--artifact`
/// make a guess unsafe to skip checking).
fn guess(
    reg: &Registry,
    dest: &std::path::Path,
    opts: &Options,
    cached: &Streams,
) -> Option<(Vec<Entry>, StreamBase)> {
    if opts.no_artifacts || reg.kind == Kind::Component || !opts.select.is_empty() {
        return None;
    }
    let text = std::fs::read(dest.join(VERSION_FILE)).ok()?;
    let old: ProjectVersion = serde_json::from_slice(&text).ok()?;
    let meta = old.meta_info.unwrap_or_default();
    let lineage = meta.lineage.unwrap_or_default();
    let run = meta.run?;
    let uuid = run.uuid.or(old.run)?;
    let run_project = run.project.unwrap_or_else(|| reg.project.name.clone());
    let base = from_record(cached, &reg.project.owner, &run_project, &uuid)?;
    let entries = plan::entries(&lineage, &base).ok()?;
    Some((entries, base))
}
