//! `pull`: download versions with their lineage artifacts into the official CLI's layout.
//! Folders are planned from the server's tree (per-file requests, tarballs, or both), every
//! request goes through the shared `-j` budget and the locks against the server's races,
//! every body is checked against its length and the tree, and a version is staged and swapped
//! in atomically, resumable and verified.

pub mod bulk;
pub mod check;
pub mod download;
pub mod dry_run;
pub mod execute;
pub mod existing;
pub mod extract;
pub mod listing;
pub mod lock;
pub mod metadata;
pub mod pieces;
pub mod place;
pub mod plan;
pub mod prepare;
pub mod report;
pub mod resolve;
pub mod shared;
pub mod sink;
pub mod space;
pub mod tree;
pub mod verify;
pub mod writers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::api::Registry;
use crate::exit::Code;
use crate::progress::Item;
use bulk::BulkJournal;
use download::{Downloader, Failure};
use lock::{LockError, VersionLock};
pub use prepare::{Prepared, prepare};
pub use report::{EntryReport, VersionReport};

/// What to pull and where.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub no_artifacts: bool,
    /// Only these lineage entries (all when empty); the others of the previous copy are kept.
    pub select: Vec<String>,
    /// A selected name missing from the lineage is an error (single-version pulls).
    pub strict_select: bool,
    pub jobs: usize,
    /// Keep the previous copy's files that are unchanged (and, metadata only, versions).
    pub skip_existing: bool,
    /// How long to wait for another pull of the same version.
    pub lock_wait: Duration,
    /// Report failures to the progress as they happen (a bulk pull, JSON progress).
    pub live_failures: bool,
    /// A bulk pull: the text naming the command, for its journal of finished versions.
    pub bulk: Option<String>,
}

/// A version to pull, with what the list said of it (nothing for a single version).
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub name: String,
    pub uuid: Option<String>,
    pub updated_at: Option<String>,
}

/// `<root>/<kind>s`.
pub fn kind_dir(root: &Path, reg: &Registry) -> PathBuf {
    root.join(reg.kind.plural())
}

/// The first of `<root>/<kind>s` and the versions' folders that is there but is not a folder
/// (a version folder may not be a symbolic link either: the swap would replace the link),
/// with what it is.
pub fn in_the_way<'a>(
    kind_dir: &Path,
    names: impl IntoIterator<Item = &'a str>,
) -> Option<(PathBuf, &'static str)> {
    let what = |m: &std::fs::Metadata| {
        if m.file_type().is_symlink() {
            "a symbolic link"
        } else if m.is_file() {
            "a file"
        } else {
            "not a folder"
        }
    };
    match std::fs::metadata(kind_dir) {
        Ok(m) if !m.is_dir() => return Some((kind_dir.to_path_buf(), what(&m))),
        Err(_) => return None,
        Ok(_) => {}
    }
    names.into_iter().find_map(|n| {
        let path = kind_dir.join(n);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if !m.is_dir() => Some((path, what(&m))),
            _ => None,
        }
    })
}

/// Pulls several versions, `jobs` at a time (downloads share the same slots); reports come
/// back in the order of `wanted`. A bulk pull that ends with every version pulled forgets
/// its journal.
pub async fn pull_many(
    dl: &Downloader,
    reg: &Registry,
    wanted: &[Wanted],
    opts: &Options,
) -> Vec<VersionReport> {
    let kind_dir = kind_dir(&opts.root, reg);
    let journal = opts
        .bulk
        .as_deref()
        .map(|b| BulkJournal::open(&kind_dir, b));
    let reports: Vec<VersionReport> = stream::iter(wanted)
        .map(|w| pull_version(dl, reg, w, opts, journal.as_ref()))
        .buffered(opts.jobs.max(1))
        .collect()
        .await;
    if let Some(j) = journal.filter(|_| reports.iter().all(|r| r.code == Code::Ok)) {
        j.finish();
    }
    reports
}

fn fail(code: Code, message: impl Into<String>) -> Failure {
    Failure::new(code, false, message)
}

/// Pulls one version; never panics on server or disk trouble (it is in the report).
pub async fn pull_version(
    dl: &Downloader,
    reg: &Registry,
    w: &Wanted,
    opts: &Options,
    journal: Option<&BulkJournal>,
) -> VersionReport {
    let mut entries = Vec::new();
    match pull_inner(dl, reg, w, opts, journal, &mut entries).await {
        Ok((path, status)) => VersionReport::done(&w.name, path, status, entries),
        Err(f) => {
            if opts.live_failures && entries.iter().all(|e| e.status != "failed") {
                dl.progress.failed(Item::entry(&w.name), &f.message);
            }
            VersionReport {
                version: w.name.clone(),
                path: None,
                status: "failed",
                error: Some(f.message),
                code: f.code,
                debug: f.debug,
                missing: f.missing,
                entries,
            }
        }
    }
}

async fn pull_inner(
    dl: &Downloader,
    reg: &Registry,
    w: &Wanted,
    opts: &Options,
    journal: Option<&BulkJournal>,
    reports: &mut Vec<EntryReport>,
) -> Result<(PathBuf, &'static str), Failure> {
    let name = w.name.as_str();
    // Names from a listing become folder names: hold them to the server's own rule.
    crate::reference::validate_version(name).map_err(|e| fail(Code::Integrity, e.message))?;
    let kind_dir = kind_dir(&opts.root, reg);
    let dest = kind_dir.join(name);
    if let Some((path, what)) = in_the_way(&kind_dir, [name]) {
        return Err(fail(Code::Usage, refused(&path, what)));
    }
    if journal.is_some_and(|j| j.finished(w, &dest)) {
        dl.progress
            .note(&format!("{name}: finished by the interrupted run, kept"));
        return Ok((dest, "reused"));
    }
    let metadata_only = opts.no_artifacts || reg.kind == crate::api::Kind::Component;
    if opts.skip_existing && metadata_only && bulk::metadata_unchanged(w, &dest) {
        return Ok((dest, "unchanged"));
    }
    let waiting_since = chrono::Utc::now();
    let (lock, waited) = lock_version(dl, &kind_dir, name, opts).await?;
    let prepared = prepare(dl, reg, name, &dest, opts).await?;
    if waited && pulled_meanwhile(&dest, &prepared.fingerprint, waiting_since) {
        dl.progress.note(&format!(
            "{name}: the pull this one waited for pulled the same, kept"
        ));
        return Ok((dest, "reused"));
    }
    let who = (name, opts.live_failures);
    let path = execute::execute(dl, reg, who, prepared, lock, &kind_dir, reports).await?;
    if let Some(j) = journal {
        j.record(w);
    }
    dl.progress
        .note(&format!("pulled {name} to {}", path.display()));
    Ok((path, "pulled"))
}

/// What refuses a path in the way (exit 2): named, left as it is.
pub fn refused(path: &Path, what: &str) -> String {
    format!(
        "{} is {what}, where pxa must put a folder; it was left as it is",
        path.display()
    )
}

/// Takes the version's lock, waiting (and saying so once) while another pull holds it.
async fn lock_version(
    dl: &Downloader,
    kind_dir: &Path,
    name: &str,
    opts: &Options,
) -> Result<(VersionLock, bool), Failure> {
    let dest = kind_dir.join(name);
    let note = || {
        let text = format!(
            "waiting for another pxa pull of {} to finish (--lock-timeout {} s)",
            dest.display(),
            opts.lock_wait.as_secs()
        );
        dl.progress.note(&text);
    };
    VersionLock::acquire(kind_dir, name, opts.lock_wait, note)
        .await
        .map_err(|e| match e {
            LockError::Busy { .. } => fail(Code::Timeout, e.to_string()),
            LockError::Io { source, .. } => Failure::io(source).about(&dest.display().to_string()),
        })
}

/// Whether the pull this one waited for placed a copy made from the same plan.
fn pulled_meanwhile(dest: &Path, fingerprint: &str, since: chrono::DateTime<chrono::Utc>) -> bool {
    verify::read_manifest(dest).is_ok_and(|m| {
        let at = chrono::DateTime::parse_from_rfc3339(&m.pulled_at);
        m.plan.as_deref() == Some(fingerprint) && at.is_ok_and(|t| t >= since)
    })
}
