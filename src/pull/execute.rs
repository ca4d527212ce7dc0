//! A prepared version pulled into its staging folder and swapped in: the room on the disk
//! checked first, the metadata written, kept and carried files linked, every entry's pieces
//! run, the manifest written. A full disk removes what cannot be continued and says how much
//! room the pull needs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::stream::{self, StreamExt};

use super::download::{Downloader, Failure};
use super::fail;
use super::lock::VersionLock;
use super::metadata;
use super::pieces::{Version, run_entry};
use super::place::Staging;
use super::prepare::Prepared;
use super::report::EntryReport;
use super::space::{free_bytes, human};
use super::verify::{self, FileRecord, Manifest};
use crate::api::{Kind, Registry};
use crate::exit::Code;
use crate::progress::Planned;

/// Entries started at once; their pieces wait for a slot of `-j`.
const ENTRIES_AT_ONCE: usize = 16;

/// Pulls `p` into `<kind_dir>/<name>`; the entries' reports go to `reports` either way. A
/// failed entry is told to the progress at once with `live_failures`.
pub async fn execute(
    dl: &Downloader,
    reg: &Registry,
    (name, live_failures): (&str, bool),
    p: Prepared,
    lock: VersionLock,
    kind_dir: &Path,
    reports: &mut Vec<EntryReport>,
) -> Result<PathBuf, Failure> {
    let needed = p.fetch_bytes();
    if let Some(free) = free_bytes(kind_dir).filter(|free| needed > *free) {
        return Err(no_space(kind_dir, needed, free));
    }
    let staging = Staging::open(lock, kind_dir, name, &p.fingerprint, p.downloads())
        .map_err(|e| disk(kind_dir, needed, Failure::io(e)))?;
    let mut records = write_metadata(&staging, &p, reg.kind)
        .map_err(|e| disk(kind_dir, needed, Failure::io(e)))?;
    for r in &p.carried {
        let from = staging.dest.join(&r.path);
        staging
            .link(&from, &r.path)
            .map_err(|e| disk(kind_dir, needed, Failure::io(e).about(&r.path)))?;
        records.push(r.clone());
    }
    let failed = match &p.base {
        Some(base) => {
            let v = Version {
                dl,
                staging: &staging,
                base,
                name,
                left: AtomicU64::new(needed),
                live_failures,
            };
            let failed = run_entries(&v, &p, &mut records, reports).await;
            failed.map(|f| match f.code {
                Code::NoSpace => no_space_left(&staging, kind_dir, &v, f),
                _ => f,
            })
        }
        None => None,
    };
    if let Some(f) = failed {
        return Err(f);
    }
    records.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        pxa_manifest: verify::MANIFEST_FORMAT,
        kind: reg.kind.as_str().into(),
        version: name.into(),
        project: Some(reg.project.to_string()),
        uuid: p.version.uuid.clone(),
        pulled_at: chrono::Utc::now().to_rfc3339(),
        plan: Some(p.fingerprint.clone()),
        streams: p.base.as_ref().map(super::listing::streams_record),
        files: records,
    };
    staging
        .commit(manifest)
        .map_err(|e| disk(kind_dir, 0, Failure::io(e)))
}

/// Runs the entries; their records join `records`. The failure to report, if any entry failed.
async fn run_entries(
    v: &Version<'_>,
    p: &Prepared,
    records: &mut Vec<FileRecord>,
    reports: &mut Vec<EntryReport>,
) -> Option<Failure> {
    let todo = p.entries.iter().filter(|e| e.entry.skip.is_none());
    v.dl.progress.planned(Planned {
        entries: todo.clone().count() as u64,
        files: Some(todo.clone().map(|e| e.files).sum()),
        bytes: Some(todo.map(|e| v.unfinished_bytes(e)).sum()),
    });
    let results: Vec<_> = stream::iter(p.entries.iter().zip(&p.kept))
        .map(|(e, kept)| run_entry(v, e, kept))
        .buffer_unordered(ENTRIES_AT_ONCE)
        .collect()
        .await;
    let mut failures = Vec::new();
    for (report, result) in results {
        match result {
            Ok(files) => records.extend(files),
            Err(f) => failures.push(f.about(&format!("entry `{}`", report.entry))),
        }
        reports.push(report);
    }
    reports.sort_by(|a, b| a.entry.cmp(&b.entry));
    let first = failures.first()?.clone();
    let message = format!(
        "{} of {} entries failed (kept for a resume in {}); first: {}",
        failures.len(),
        p.entries.len(),
        v.staging.dir.display(),
        first.message
    );
    let mut f = Failure::new(first.code, false, message);
    f.debug = first.debug;
    f.needed = first.needed;
    Some(f)
}

/// Writes `version.plx.json` (and the content file) into the staging folder; their records.
fn write_metadata(staging: &Staging, p: &Prepared, kind: Kind) -> std::io::Result<Vec<FileRecord>> {
    let mut records = Vec::new();
    for (file, content) in metadata::metadata_files(&p.version.raw, &p.version.item, kind) {
        staging.write(file, &content)?;
        records.push(verify::record_of(&staging.dir, file)?);
    }
    Ok(records)
}

/// A full disk while the entries ran: the part files and extraction folders go (the CE
/// server ignores `Range`: nothing in them can be continued), placed pieces stay for a resume.
fn no_space_left(staging: &Staging, kind_dir: &Path, v: &Version<'_>, f: Failure) -> Failure {
    let _ = staging.drop_partial();
    let left = v.left.load(Ordering::Relaxed);
    match free_bytes(kind_dir) {
        Some(free) => no_space(kind_dir, left.max(f.needed.unwrap_or(0)), free),
        None => f,
    }
}

/// A disk error outside the entries: a full disk gets the numbers.
fn disk(kind_dir: &Path, needed: u64, f: Failure) -> Failure {
    match (f.code, free_bytes(kind_dir)) {
        (Code::NoSpace, Some(free)) => no_space(kind_dir, needed, free),
        _ => f,
    }
}

fn no_space(kind_dir: &Path, needed: u64, free: u64) -> Failure {
    fail(
        Code::NoSpace,
        format!(
            "no space left on {} (needed {}, free {})",
            kind_dir.display(),
            human(needed),
            human(free)
        ),
    )
}
