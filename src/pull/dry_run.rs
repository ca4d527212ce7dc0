//! `pull --dry-run`: what a pull would request (per entry: per-file requests, tarballs, event
//! packages) and what `--skip-existing` or `--artifact` would keep, from the same preparation
//! as a pull (the version, its run and the tree are read), with nothing written and no
//! download sent.

use std::path::PathBuf;

use serde::Serialize;

use super::download::{Downloader, Failure};
use super::prepare::{Prepared, prepare};
use super::resolve::EntryPlan;
use super::tree::How;
use super::{Options, Wanted, kind_dir};
use crate::api::Registry;
use crate::exit::Code;

/// One request a pull would send.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    /// `file`, `tarball`, `file-or-tarball` (a link or a folder: the answer says) or `events`.
    pub how: &'static str,
    /// Run-relative path asked for.
    pub path: String,
    /// Files and bytes it brings, as listed (unknown for an event package).
    pub files: Option<u64>,
    pub bytes: Option<u64>,
}

/// A file kept from the previous copy.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub path: String,
    pub bytes: u64,
}

/// One lineage entry's plan.
#[derive(Debug, Clone, Serialize)]
pub struct EntryPlanReport {
    pub entry: String,
    pub kind: String,
    pub path: String,
    /// Files and bytes the entry holds as listed (kept ones included).
    pub files: u64,
    pub bytes: u64,
    pub requests: Vec<Request>,
    /// What `--skip-existing` keeps.
    pub keep: Vec<Kept>,
    /// Why it is not fetched (the official skip rule), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// One version's plan, or why it could not be made.
#[derive(Debug, Clone, Serialize)]
pub struct VersionPlan {
    pub version: String,
    pub path: PathBuf,
    /// Bytes to download (event packages not counted: no listing gives their size).
    pub download_bytes: u64,
    pub entries: Vec<EntryPlanReport>,
    /// Files of the previous copy kept as they are outside the `--artifact` entries.
    pub carried: Vec<Kept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    pub code: Code,
}

/// Plans one version without writing anything or sending a download.
pub async fn dry_run(dl: &Downloader, reg: &Registry, w: &Wanted, opts: &Options) -> VersionPlan {
    let path = kind_dir(&opts.root, reg).join(&w.name);
    let planned = match crate::reference::validate_version(&w.name) {
        Ok(()) => prepare(dl, reg, &w.name, &path, opts).await,
        Err(e) => Err(Failure::new(Code::Integrity, false, e.message)),
    };
    match planned {
        Ok(p) => report(&w.name, path, &p),
        Err(f) => VersionPlan {
            version: w.name.clone(),
            path,
            download_bytes: 0,
            entries: Vec::new(),
            carried: Vec::new(),
            error: Some(f.message),
            code: f.code,
        },
    }
}

fn report(name: &str, path: PathBuf, p: &Prepared) -> VersionPlan {
    let entries = p
        .entries
        .iter()
        .zip(&p.kept)
        .map(|(e, kept)| EntryPlanReport {
            entry: e.entry.name.clone(),
            kind: e.entry.kind.clone(),
            path: e.entry.rel.clone(),
            files: e.files,
            bytes: e.bytes,
            requests: requests(e),
            keep: kept.iter().map(|r| kept_file(&r.path, r.size)).collect(),
            skipped: e.entry.skip.clone(),
        })
        .collect();
    VersionPlan {
        version: name.to_string(),
        path,
        download_bytes: p.fetch_bytes(),
        entries,
        carried: p
            .carried
            .iter()
            .map(|r| kept_file(&r.path, r.size))
            .collect(),
        error: None,
        code: Code::Ok,
    }
}

fn kept_file(path: &str, bytes: u64) -> Kept {
    Kept {
        path: path.to_string(),
        bytes,
    }
}

fn requests(e: &EntryPlan) -> Vec<Request> {
    if e.entry.skip.is_some() {
        return Vec::new();
    }
    if e.events {
        return vec![Request {
            how: "events",
            path: e.entry.rel.clone(),
            files: None,
            bytes: None,
        }];
    }
    e.pieces
        .iter()
        .map(|p| Request {
            how: match p.how {
                How::File => "file",
                How::Tarball => "tarball",
                How::FileOrTarball => "file-or-tarball",
            },
            path: p.path.clone(),
            files: Some(p.files.len() as u64),
            bytes: Some(p.bytes),
        })
        .collect()
}
