//! `pull`: download versions with their lineage artifacts into the official CLI's layout,
//! streamed, in parallel, staged and swapped in atomically, resumable and verified.

pub mod download;
pub mod extract;
pub mod metadata;
pub mod place;
pub mod plan;
pub mod sink;
pub mod tree;
pub mod verify;
pub mod writers;

use std::path::PathBuf;

use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::json;

use crate::api::models::RunArtifact;
use crate::api::{Kind, ProjectVersion, Registry, Resource};
use crate::exit::Code;
use crate::progress::{Finished, Item, Planned};
use download::{Downloader, Failure, Got, Target};
use place::Staging;
use plan::{Entry, Fetch, StreamBase};
use verify::{FileRecord, Manifest};

/// What to pull and where.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub no_artifacts: bool,
    /// Only these lineage entries (all when empty).
    pub select: Vec<String>,
    /// A selected name missing from the lineage is an error (single-version pulls).
    pub strict_select: bool,
    pub jobs: usize,
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
    /// downloaded, resumed, reused (finished by an earlier run), skipped, failed.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One version's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    pub version: String,
    pub path: Option<PathBuf>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    pub code: Code,
    pub entries: Vec<EntryReport>,
}

/// Pulls one version; never panics on server or disk trouble (it is in the report).
pub async fn pull_version(
    dl: &Downloader,
    reg: &Registry,
    name: &str,
    opts: &Options,
) -> VersionReport {
    let mut entries = Vec::new();
    let result = pull_inner(dl, reg, name, opts, &mut entries).await;
    match result {
        Ok(path) => VersionReport {
            version: name.to_string(),
            path: Some(path),
            status: "pulled",
            error: None,
            code: Code::Ok,
            entries,
        },
        Err(f) => {
            dl.progress.failed(Item::entry(name), &f.message);
            VersionReport {
                version: name.to_string(),
                path: None,
                status: "failed",
                error: Some(f.message),
                code: f.code,
                entries,
            }
        }
    }
}

/// Pulls several versions, `jobs` at a time (downloads share the same slots); reports come
/// back in the order of `names`.
pub async fn pull_many(
    dl: &Downloader,
    reg: &Registry,
    names: &[String],
    opts: &Options,
) -> Vec<VersionReport> {
    stream::iter(names)
        .map(|n| pull_version(dl, reg, n, opts))
        .buffered(opts.jobs.max(1))
        .collect()
        .await
}

fn fail(code: Code, message: impl Into<String>) -> Failure {
    Failure::new(code, false, message)
}

async fn pull_inner(
    dl: &Downloader,
    reg: &Registry,
    name: &str,
    opts: &Options,
    reports: &mut Vec<EntryReport>,
) -> Result<PathBuf, Failure> {
    // Names from a listing become folder names: hold them to the server's own rule.
    crate::reference::validate_version(name).map_err(|e| fail(Code::Integrity, e.message))?;
    let version = dl
        .client
        .get_version(reg, name)
        .await
        .map_err(Failure::from_api)?;
    let entries = plan_entries(dl, reg, &version, opts).await?;
    let kind_dir = opts.root.join(reg.kind.plural());
    let staging = Staging::open(&kind_dir, name, &fingerprint(&version, &entries))
        .map_err(|e| fail(Code::Failure, format!("{e:#}")))?;
    let mut records = write_metadata(&staging, &version, reg.kind)?;
    let todo = entries.iter().filter(|e| e.skip.is_none()).count();
    dl.progress.planned(Planned {
        entries: todo as u64,
        ..Planned::default()
    });
    let results: Vec<EntryResult> = stream::iter(&entries)
        .map(|e| run_entry(dl, &staging, e, name))
        .buffer_unordered(opts.jobs.max(1))
        .collect()
        .await;
    let failed = collect(results, &mut records, reports);
    if let Some((count, f)) = failed {
        let message = format!(
            "{count} of {} entries of {name} failed (kept for a resume in {}); first: {}",
            entries.len(),
            staging.dir.display(),
            f.message
        );
        return Err(fail(f.code, message));
    }
    let manifest = Manifest {
        pxa_manifest: verify::MANIFEST_FORMAT,
        kind: reg.kind.as_str().into(),
        version: name.into(),
        project: Some(reg.project.to_string()),
        uuid: version.uuid.clone(),
        pulled_at: chrono::Utc::now().to_rfc3339(),
        files: records,
    };
    let path = staging.commit(&manifest).map_err(Failure::io)?;
    dl.progress
        .note(&format!("pulled {name} to {}", path.display()));
    Ok(path)
}

/// What a staging folder was made for: a changed version or plan starts it afresh.
fn fingerprint(version: &Resource<ProjectVersion>, entries: &[Entry]) -> String {
    json!({
        "uuid": version.uuid, "updated_at": version.updated_at,
        "entries": entries.iter().map(|e| [e.name.as_str(), e.url.as_str()]).collect::<Vec<_>>(),
    })
    .to_string()
}

/// Writes `version.plx.json` (and the content file) into the staging folder; their records.
fn write_metadata(
    staging: &Staging,
    version: &Resource<ProjectVersion>,
    kind: Kind,
) -> Result<Vec<FileRecord>, Failure> {
    let mut records = Vec::new();
    for (file, content) in metadata::metadata_files(&version.raw, &version.item, kind) {
        staging.write(file, &content).map_err(Failure::io)?;
        records.push(verify::record_of(&staging.dir, file).map_err(Failure::io)?);
    }
    Ok(records)
}

type EntryResult = (EntryReport, Result<Vec<FileRecord>, Failure>);

/// Sorts the entries' outcomes into reports and records; the failure count and first failure.
fn collect(
    results: Vec<EntryResult>,
    records: &mut Vec<FileRecord>,
    reports: &mut Vec<EntryReport>,
) -> Option<(usize, Failure)> {
    let mut first_failure = None;
    let mut failed = 0;
    for (report, result) in results {
        reports.push(report);
        match result {
            Ok(files) => records.extend(files),
            Err(f) => {
                failed += 1;
                first_failure.get_or_insert(f);
            }
        }
    }
    reports.sort_by_key(|r| r.entry.clone());
    records.sort_by(|a, b| a.path.cmp(&b.path));
    first_failure.map(|f| (failed, f))
}

/// The entries to download for a version (none for metadata-only pulls).
async fn plan_entries(
    dl: &Downloader,
    reg: &Registry,
    version: &Resource<ProjectVersion>,
    opts: &Options,
) -> Result<Vec<Entry>, Failure> {
    if opts.no_artifacts || reg.kind == Kind::Component {
        return Ok(Vec::new());
    }
    let meta = version.meta_info.clone().unwrap_or_default();
    let lineage = meta.lineage.unwrap_or_default();
    let run = meta.run.filter(|_| !lineage.is_empty());
    let uuid = run
        .as_ref()
        .and_then(|r| r.uuid.clone())
        .or_else(|| version.run.clone());
    let (Some(run), Some(uuid)) = (run, uuid) else {
        return select(dl, Vec::new(), &lineage, opts, &version.name);
    };
    let run_project = run
        .project
        .clone()
        .unwrap_or_else(|| reg.project.name.clone());
    let owner = &reg.project.owner;
    let run = dl
        .client
        .get_run(owner, &run_project, &uuid)
        .await
        .map_err(Failure::from_api)?;
    let settings = run.item.settings.clone().unwrap_or_default();
    let base = StreamBase::new(
        &dl.client.config().host,
        owner,
        &run_project,
        &uuid,
        &settings,
    );
    let entries = plan::entries(&lineage, &base).map_err(|m| fail(Code::Integrity, m))?;
    select(dl, entries, &lineage, opts, &version.name)
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
        let text = format!(
            "{version}: no lineage entry named {} (it has: {})",
            missing.join(", "),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
        if opts.strict_select {
            return Err(fail(Code::NotFound, text));
        }
        dl.progress.note(&format!("warning: {text}"));
    }
    entries.retain(|e| opts.select.contains(&e.name));
    for e in entries.iter_mut() {
        e.skip = None;
    }
    plan::apply_skip_rule(&mut entries);
    Ok(entries)
}

async fn run_entry(
    dl: &Downloader,
    staging: &Staging,
    e: &Entry,
    version: &str,
) -> (EntryReport, Result<Vec<FileRecord>, Failure>) {
    let label = format!("{version}/{}", e.name);
    let mut report = EntryReport {
        entry: e.name.clone(),
        kind: e.kind.clone(),
        path: e.rel.clone(),
        bytes: 0,
        files: 0,
        blake3: None,
        status: "skipped",
        reason: e.skip.clone(),
    };
    if e.skip.is_some() {
        return (report, Ok(Vec::new()));
    }
    let key = format!("{}:{}:{}", e.index, e.name, e.rel);
    let result = match staging.finished(&key) {
        Some(files) => Ok((files.clone(), "reused")),
        None => fetch_entry(dl, staging, e, &label, &key).await,
    };
    match result {
        Ok((files, status)) => {
            report.status = status;
            report.files = files.len();
            report.bytes = files.iter().map(|f| f.size).sum();
            if e.fetch == Fetch::File || (files.len() == 1 && files[0].path == e.rel) {
                report.blake3 = files.first().map(|f| f.blake3.clone());
            }
            let done = Finished {
                bytes: report.bytes,
                files: files.len() as u64,
                status,
            };
            dl.progress.finished(Item::entry(&label), done);
            (report, Ok(files))
        }
        Err(f) => {
            dl.progress.failed(Item::entry(&label), &f.message);
            report.status = "failed";
            report.reason = Some(f.message.clone());
            (report, Err(f))
        }
    }
}

async fn fetch_entry(
    dl: &Downloader,
    staging: &Staging,
    e: &Entry,
    label: &str,
    key: &str,
) -> Result<(Vec<FileRecord>, &'static str), Failure> {
    let (part, validator) = staging.part_paths(e.index);
    let target = Target {
        fetch: e.fetch.clone(),
        part,
        validator,
        extract: staging.extract_dir(e.index),
    };
    let got = dl.fetch(label, &e.url, &target).await?;
    let (files, status) = match got {
        Got::File { record, resumed } => {
            staging.place(&target.part, &e.rel).map_err(Failure::io)?;
            let _ = std::fs::remove_file(&target.validator);
            let record = FileRecord {
                path: e.rel.clone(),
                ..record
            };
            (vec![record], if resumed { "resumed" } else { "downloaded" })
        }
        Got::Tree(files) if e.fetch == Fetch::Events => {
            staging.merge_root(&target.extract).map_err(Failure::io)?;
            (files, "downloaded")
        }
        Got::Tree(files) => {
            staging
                .place(&target.extract, &e.rel)
                .map_err(Failure::io)?;
            let files = files.into_iter().map(|f| f.under(&e.rel)).collect();
            (files, "downloaded")
        }
    };
    staging.record(key, &files).map_err(Failure::io)?;
    Ok((files, status))
}
