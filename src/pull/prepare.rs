//! Everything a version's pull decides before it writes: the version read from the server,
//! its lineage entries (the official kinds table and skip rule, `--artifact`), each entry
//! listed and planned from the tree, and what the previous copy can give
//! (`--skip-existing`, the entries `--artifact` leaves alone). `--dry-run` prints this.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde_json::json;

use super::download::{Downloader, Failure, Missing};
use super::existing::{Existing, keep_unchanged};
use super::metadata::VERSION_FILE;
use super::plan::{self, Entry, StreamBase};
use super::resolve::{EntryPlan, resolve};
use super::verify::{FileRecord, Streams, read_manifest};
use super::{Options, fail};
use crate::api::models::RunArtifact;
use crate::api::{Kind, ProjectVersion, Registry, Resource};
use crate::exit::Code;

/// Entries listed at once (each walk also keeps 8 listings in flight).
const ENTRIES_AT_ONCE: usize = 4;

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
    let cached = opts
        .skip_existing
        .then(|| read_manifest(dest).ok()?.streams)
        .flatten();
    let guess = cached.as_ref().and_then(|s| guess(reg, dest, opts, s));
    let early = async {
        match &guess {
            Some((entries, base)) => Some(list_all(dl, &Some(base.clone()), entries.clone()).await),
            None => None,
        }
    };
    let (version, early) = tokio::join!(dl.client.get_version(reg, name), early);
    let version = version.map_err(|e| Failure::from_api(e).missing(Missing::Version))?;
    let (entries, base) = lineage_entries(dl, reg, &version, opts, cached.as_ref()).await?;
    let fingerprint = fingerprint(&version, &entries);
    let from_cache = base
        .as_ref()
        .zip(cached.as_ref())
        .is_some_and(|(b, s)| streams_record(b) == *s);
    let early = early.filter(|_| {
        guess
            .as_ref()
            .zip(base.as_ref())
            .is_some_and(|((e, b), base)| {
                same_entries(e, &entries) && b.tree_url("") == base.tree_url("")
            })
    });
    let listed = match early {
        Some(Ok(listed)) => Ok(listed),
        _ => list_all(dl, &base, entries.clone()).await,
    };
    let (entries, base) = match listed {
        Err(_) if from_cache => {
            let (entries, base) = lineage_entries(dl, reg, &version, opts, None).await?;
            (list_all(dl, &base, entries).await?, base)
        }
        listed => (listed?, base),
    };
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

/// Lists and plans every entry (none when nothing is downloaded).
async fn list_all(
    dl: &Downloader,
    base: &Option<StreamBase>,
    entries: Vec<Entry>,
) -> Result<Vec<EntryPlan>, Failure> {
    let Some(base) = base else {
        return Ok(Vec::new());
    };
    stream::iter(entries)
        .map(|e| resolve(&dl.client, base, e))
        .buffered(ENTRIES_AT_ONCE)
        .try_collect()
        .await
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

/// The recorded stream base, when it is the run named by (owner, project, uuid).
fn from_record(s: &Streams, owner: &str, project: &str, uuid: &str) -> Option<StreamBase> {
    if (s.owner.as_str(), s.project.as_str(), s.uuid.as_str()) != (owner, project, uuid) {
        return None;
    }
    Some(StreamBase {
        base: url::Url::parse(&s.base).ok()?,
        namespace: s.namespace.clone(),
        owner: s.owner.clone(),
        project: s.project.clone(),
        uuid: s.uuid.clone(),
        connection: s.connection.clone(),
    })
}

/// What a staging folder was made for: a changed version or plan starts it afresh.
fn fingerprint(version: &Resource<ProjectVersion>, entries: &[Entry]) -> String {
    json!({
        "uuid": version.uuid, "updated_at": version.updated_at,
        "entries": entries.iter().map(|e| [e.name.as_str(), e.url.as_str()]).collect::<Vec<_>>(),
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

/// Whether two plans fetch the same entries the same way.
fn same_entries(a: &[Entry], b: &[Entry]) -> bool {
    let key = |e: &Entry| {
        (
            e.name.clone(),
            e.rel.clone(),
            e.fetch.clone(),
            e.url.clone(),
            e.skip.clone(),
        )
    };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| key(x) == key(y))
}

/// The entries of a version's lineage (none for metadata-only pulls and components), and
/// where its run's streams are.
async fn lineage_entries(
    dl: &Downloader,
    reg: &Registry,
    version: &Resource<ProjectVersion>,
    opts: &Options,
    cached: Option<&Streams>,
) -> Result<(Vec<Entry>, Option<StreamBase>), Failure> {
    if opts.no_artifacts || reg.kind == Kind::Component {
        return Ok((Vec::new(), None));
    }
    let meta = version.meta_info.clone().unwrap_or_default();
    let lineage = meta.lineage.unwrap_or_default();
    let run = meta.run.filter(|_| !lineage.is_empty());
    let uuid = run
        .as_ref()
        .and_then(|r| r.uuid.clone())
        .or_else(|| version.run.clone());
    let (Some(run), Some(uuid)) = (run, uuid) else {
        let entries = select(dl, Vec::new(), &lineage, opts, &version.name)?;
        return Ok((entries, None));
    };
    let run_project = run
        .project
        .clone()
        .unwrap_or_else(|| reg.project.name.clone());
    let owner = &reg.project.owner;
    let recorded = cached.and_then(|s| from_record(s, owner, &run_project, &uuid));
    let base = match recorded {
        Some(base) => base,
        None => {
            let run = dl
                .client
                .get_run(owner, &run_project, &uuid)
                .await
                .map_err(|e| Failure::from_api(e).missing(Missing::Run))?;
            let settings = run.item.settings.clone().unwrap_or_default();
            let host = &dl.client.config().host;
            StreamBase::new(host, owner, &run_project, &uuid, &settings)
        }
    };
    let entries = plan::entries(&lineage, &base).map_err(|m| fail(Code::Integrity, m))?;
    let entries = select(dl, entries, &lineage, opts, &version.name)?;
    Ok((entries, Some(base)))
}

/// Applies `--artifact`: a name the lineage lacks is an error for a single version, a warning
/// in a bulk pull. Only selected entries can then cause a skip.
fn select(
    dl: &Downloader,
    mut entries: Vec<Entry>,
    lineage: &[RunArtifact],
    opts: &Options,
    version: &str,
) -> Result<Vec<Entry>, Failure> {
    if opts.select.is_empty() {
        return Ok(entries);
    }
    let known: Vec<&str> = lineage.iter().filter_map(|a| a.name.as_deref()).collect();
    let missing: Vec<String> = opts
        .select
        .iter()
        .filter(|s| !known.contains(&s.as_str()))
        .map(|m| format!("`{m}`"))
        .collect();
    if !missing.is_empty() {
        let has = if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        };
        let text = format!(
            "no lineage entry named {} (it has: {has})",
            missing.join(", ")
        );
        if opts.strict_select {
            return Err(fail(Code::NotFound, text).missing(Missing::Entry));
        }
        dl.progress.note(&format!("warning: {version}: {text}"));
    }
    entries.retain(|e| opts.select.contains(&e.name));
    for e in entries.iter_mut() {
        e.skip = None;
    }
    plan::apply_skip_rule(&mut entries);
    Ok(entries)
}
