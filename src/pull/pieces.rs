//! Running one entry's requests: every piece through the shared `-j` budget under the server
//! locks ([`Shared`](super::shared::Shared)), streamed to the staging folder, checked against
//! the tree, journalled when placed. A piece already finished by an interrupted run is reused,
//! one placed by another version of this pull is copied, and the rest is downloaded.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::stream::{self, StreamExt};

use super::download::{Answer, Downloader, Failure, Got, Target};
use super::place::{Staging, place_into};
use super::plan::{Entry, StreamBase};
use super::report::{EntryReport, Status};
use super::resolve::EntryPlan;
use super::shared::Placed;
use super::tree::{How, Piece};
use super::verify::{FileRecord, copy_hashed};
use crate::progress::{Finished, Item};

/// Pieces of one entry started at once; they wait for a slot of `-j` (and the locks) before
/// a request is sent, so this bounds only the bookkeeping.
const PIECES_AT_ONCE: usize = 64;

/// One version being pulled: where its pieces go and what they share.
pub struct Version<'a> {
    pub dl: &'a Downloader,
    pub staging: &'a Staging,
    pub base: &'a StreamBase,
    pub name: &'a str,
    /// Bytes still to download (what a full disk still needed).
    pub left: AtomicU64,
    /// Report a failed entry to the progress as it happens.
    pub live_failures: bool,
}

impl Version<'_> {
    /// K2's scope: the server, the store connection and the run.
    fn scope(&self) -> String {
        let conn = self.base.connection.as_deref().unwrap_or("");
        format!("{} {conn} {}", self.base.base, self.base.uuid)
    }

    /// K1's key for an archive name on this server.
    fn archive_key(&self, name: &str) -> String {
        format!("{} {name}", self.base.base)
    }

    /// Bytes an entry's pieces will download: those not finished by an interrupted run.
    pub fn unfinished_bytes(&self, plan: &EntryPlan) -> u64 {
        plan.pieces
            .iter()
            .filter(|p| {
                let done = self.staging.finished(&piece_key(&plan.entry, p));
                !done.is_some_and(|f| delivers(f, p))
            })
            .map(|p| p.bytes)
            .sum()
    }
}

/// Runs an entry: links what `--skip-existing` kept, then its pieces (or its event package).
pub async fn run_entry(
    v: &Version<'_>,
    plan: &EntryPlan,
    kept: &[FileRecord],
) -> (EntryReport, Result<Vec<FileRecord>, Failure>) {
    let e = &plan.entry;
    let label = format!("{}/{}", v.name, e.name);
    let mut report = EntryReport::new(e);
    if e.skip.is_some() {
        return (report, Ok(Vec::new()));
    }
    let result = if plan.events {
        run_events(v, &label, e).await
    } else {
        run_pieces(v, &label, plan, kept).await
    };
    match result {
        Ok((files, status)) => {
            report.finish(e, &files, status);
            let done = Finished {
                bytes: report.bytes,
                files: report.files as u64,
                status: status.as_str(),
            };
            v.dl.progress.finished(Item::entry(&label), done);
            (report, Ok(files))
        }
        Err(f) => {
            if v.live_failures {
                v.dl.progress.failed(Item::entry(&label), &f.message);
            }
            report.fail(&f.message);
            (report, Err(f))
        }
    }
}

async fn run_pieces(
    v: &Version<'_>,
    label: &str,
    plan: &EntryPlan,
    kept: &[FileRecord],
) -> Result<(Vec<FileRecord>, Status), Failure> {
    let mut files = Vec::new();
    for r in kept {
        let from = v.staging.dest.join(&r.path);
        v.staging
            .link(&from, &r.path)
            .map_err(|e| Failure::io(e).about(&r.path))?;
        files.push(r.clone());
    }
    let mut status = (!kept.is_empty()).then_some(Status::Kept);
    let results: Vec<_> = stream::iter(&plan.pieces)
        .map(|p| run_piece(v, label, &plan.entry, p))
        .buffer_unordered(PIECES_AT_ONCE)
        .collect()
        .await;
    let mut first_failure = None;
    for result in results {
        match result {
            Ok((placed, s)) => {
                files.extend(placed);
                status = status.max(Some(s));
            }
            Err(f) => {
                first_failure.get_or_insert(f);
            }
        }
    }
    if let Some(f) = first_failure {
        return Err(f);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, status.unwrap_or(Status::Downloaded)))
}

/// What a piece is called in progress: a file or folder inside the entry, or (`None`) the
/// entry itself when the piece is all of it.
fn piece_name(entry: &Entry, piece: &Piece) -> Option<String> {
    if piece.path == entry.rel {
        return None;
    }
    let inside = piece
        .path
        .strip_prefix(&entry.rel)
        .map(|p| p.trim_start_matches('/'))
        .filter(|_| !entry.rel.is_empty())
        .unwrap_or(&piece.path);
    Some(match piece.how {
        How::File => inside.to_string(),
        _ => format!("{inside}/"),
    })
}

/// The journal key of a piece.
fn piece_key(entry: &Entry, piece: &Piece) -> String {
    format!(
        "{}:{}:{:?}:{}",
        entry.index, entry.name, piece.how, piece.path
    )
}

/// A short, stable name for a piece's part file or extraction folder.
fn short_id(key: &str) -> String {
    blake3::hash(key.as_bytes()).to_hex()[..16].to_string()
}

/// Whether records journalled (or placed) for a piece are the files it must deliver now.
fn delivers(records: &[FileRecord], piece: &Piece) -> bool {
    let mut got: Vec<(&str, u64)> = records.iter().map(|r| (r.path.as_str(), r.size)).collect();
    got.sort();
    let want: Vec<(&str, u64)> = piece.files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    got == want || (piece.how != How::Tarball && got == [(piece.path.as_str(), piece.bytes)])
}

async fn run_piece(
    v: &Version<'_>,
    label: &str,
    entry: &Entry,
    piece: &Piece,
) -> Result<(Vec<FileRecord>, Status), Failure> {
    let key = piece_key(entry, piece);
    let name = piece_name(entry, piece);
    let item = name
        .as_deref()
        .map_or(Item::entry(label), |n| Item::file(label, n));
    let done = v.staging.finished(&key).filter(|f| delivers(f, piece));
    let (files, status) = match done {
        Some(files) => (files.clone(), Status::Reused),
        None => fetch_piece(v, item, piece, &key).await?,
    };
    let _ = v
        .left
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            Some(left.saturating_sub(piece.bytes))
        });
    if name.is_some() {
        let finished = Finished {
            bytes: files.iter().map(|f| f.size).sum(),
            files: files.len() as u64,
            status: status.as_str(),
        };
        v.dl.progress.finished(item, finished);
    }
    Ok((files, status))
}

/// Copies the piece from another version of this pull, or downloads it; then journals it and
/// remembers where it lies.
async fn fetch_piece(
    v: &Version<'_>,
    item: Item<'_>,
    piece: &Piece,
    key: &str,
) -> Result<(Vec<FileRecord>, Status), Failure> {
    let scope = v.scope();
    let _busy = v.dl.shared.paths(&scope, &piece.path).await;
    let placed_key = format!("{scope} {:?} {}", piece.how, piece.path);
    let copied = match v.dl.shared.placed(&placed_key) {
        Some(placed) if delivers(&placed.files, piece) => {
            let (part, _) = v.staging.part_paths(&short_id(key));
            let dir = v.staging.dir.clone();
            tokio::task::spawn_blocking(move || copy_placed(&placed, &part, &dir))
                .await
                .ok()
                .flatten()
        }
        _ => None,
    };
    let (files, status) = match copied {
        Some(files) => (files, Status::Copied),
        None if piece.how == How::File => {
            let (record, resumed) = fetch_file(v, item, &piece.path, piece.bytes, key).await?;
            let status = if resumed {
                Status::Resumed
            } else {
                Status::Downloaded
            };
            (vec![record], status)
        }
        None => (fetch_tree(v, item, piece, key).await?, Status::Downloaded),
    };
    let io = |e| Failure::io(e).about(&piece.path);
    v.staging.record(key, &files).map_err(io)?;
    let roots = [v.staging.dir.clone(), v.staging.dest.clone()];
    v.dl.shared.remember(
        &placed_key,
        Placed {
            roots,
            files: files.clone(),
        },
    );
    Ok((files, status))
}

/// One file, `force=true` (the store's current bytes), checked against its listed size.
async fn fetch_file(
    v: &Version<'_>,
    item: Item<'_>,
    path: &str,
    size: u64,
    key: &str,
) -> Result<(FileRecord, bool), Failure> {
    let (part, validator) = v.staging.part_paths(&short_id(key));
    let target = Target {
        answer: Answer::File,
        part,
        validator,
        extract: v.staging.extract_dir(&short_id(key)),
        archive: None,
        expect: Some(vec![(String::new(), size)]),
    };
    let url = v.base.file_url(path);
    let got =
        v.dl.fetch(item, &url, &target)
            .await
            .map_err(|f| f.about(path))?;
    let Got::File { record, resumed } = got else {
        unreachable!("a raw file was asked for");
    };
    let io = |e| Failure::io(e).about(path);
    v.staging.place(&target.part, path).map_err(io)?;
    let _ = std::fs::remove_file(&target.validator);
    let record = FileRecord {
        path: path.to_string(),
        ..record
    };
    Ok((record, resumed))
}

/// A tarball (or a check-path answer) extracted at the piece's folder, then the files it
/// lacked fetched one by one.
async fn fetch_tree(
    v: &Version<'_>,
    item: Item<'_>,
    piece: &Piece,
    key: &str,
) -> Result<Vec<FileRecord>, Failure> {
    let id = short_id(key);
    let (part, validator) = v.staging.part_paths(&id);
    let prefix = format!("{}/", piece.path);
    let inside = |p: &str| p.strip_prefix(&prefix).unwrap_or(p).to_string();
    let target = Target {
        answer: if piece.how == How::Tarball {
            Answer::Tar
        } else {
            Answer::Either
        },
        part,
        validator,
        extract: v.staging.extract_dir(&id),
        archive: piece.archive_name(&v.base.uuid).map(|n| v.archive_key(&n)),
        expect: Some(piece.files.iter().map(|(p, s)| (inside(p), *s)).collect()),
    };
    let url = piece.url(v.base);
    let got =
        v.dl.fetch(item, &url, &target)
            .await
            .map_err(|f| f.about(&piece.path))?;
    let io = |e| Failure::io(e).about(&piece.path);
    let (mut files, missing) = match got {
        Got::File { record, .. } => {
            v.staging.place(&target.part, &piece.path).map_err(io)?;
            let _ = std::fs::remove_file(&target.validator);
            let record = FileRecord {
                path: piece.path.clone(),
                ..record
            };
            (vec![record], Vec::new())
        }
        Got::Tree { files, missing } => {
            v.staging.place(&target.extract, &piece.path).map_err(io)?;
            let files = files.into_iter().map(|f| f.under(&piece.path)).collect();
            (files, missing)
        }
    };
    for (rel, size) in missing {
        let path = format!("{prefix}{rel}");
        let file_key = format!("{key}:{rel}");
        let (record, _) = fetch_file(v, item, &path, size, &file_key).await?;
        files.push(record);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Copies a piece another version of this pull placed (from its staging folder, or from its
/// version folder once swapped in) into `dir`, checking every hash; `None` if any file cannot
/// be copied. Blocking: run it off the runtime's thread.
fn copy_placed(placed: &Placed, part: &Path, dir: &Path) -> Option<Vec<FileRecord>> {
    for r in &placed.files {
        let copied = placed.roots.iter().any(|root| {
            let copy = || -> std::io::Result<bool> {
                let from = std::fs::File::open(root.join(&r.path))?;
                let (size, hash) = copy_hashed(from, std::fs::File::create(part)?)?;
                Ok(size == r.size && hash == r.blake3)
            };
            copy().unwrap_or(false) && place_into(dir, part, &r.path).is_ok()
        });
        if !copied {
            let _ = std::fs::remove_file(part);
            return None;
        }
    }
    Some(placed.files.clone())
}

/// An event package: one tarball of the run's event files and assets, merged at the root.
async fn run_events(
    v: &Version<'_>,
    label: &str,
    e: &Entry,
) -> Result<(Vec<FileRecord>, Status), Failure> {
    let key = format!("{}:{}:events", e.index, e.name);
    if let Some(files) = v.staging.finished(&key) {
        return Ok((files.clone(), Status::Reused));
    }
    let id = short_id(&key);
    let (part, validator) = v.staging.part_paths(&id);
    let target = Target {
        answer: Answer::Tar,
        part,
        validator,
        extract: v.staging.extract_dir(&id),
        archive: Some(v.archive_key(&e.events_archive(&v.base.uuid))),
        expect: None,
    };
    let got = v.dl.fetch(Item::entry(label), &e.url, &target).await?;
    let Got::Tree { files, .. } = got else {
        unreachable!("an event package is a tarball");
    };
    v.staging.merge_root(&target.extract).map_err(Failure::io)?;
    v.staging.record(&key, &files).map_err(Failure::io)?;
    Ok((files, Status::Downloaded))
}
