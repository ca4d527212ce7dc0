//! The previous copy of a version, as a source of files a pull need not download:
//! `--skip-existing` keeps a file whose size matches the tree and whose bytes match the
//! previous pull's manifest (its size and modification time say it is untouched, else it is
//! hashed), and `--artifact NAME` keeps every file outside the selected entries.
//!
//! What this cannot detect: a file overwritten on the server with bytes of the same size (the
//! server offers no content hash, no 304 and no `Range`, contract §13.3).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::metadata::{CONTENT_FILE, POLYAXONFILE, VERSION_FILE};
use super::place::is_internal;
use super::plan::overlaps;
use super::resolve::EntryPlan;
use super::tree::{COSTS, How, Piece};
use super::verify::{FileRecord, hash_file, mtime_ns, read_manifest, walk};

/// A previous copy and what its manifest recorded.
pub struct Existing {
    pub dir: PathBuf,
    records: HashMap<String, FileRecord>,
}

impl Existing {
    /// The copy at `dest`, with its manifest's records (none without a readable manifest).
    pub fn load(dest: &Path) -> Option<Self> {
        if !fs::symlink_metadata(dest).is_ok_and(|m| m.is_dir()) {
            return None;
        }
        let records = read_manifest(dest)
            .map(|m| m.files.into_iter().map(|f| (f.path.clone(), f)).collect())
            .unwrap_or_default();
        Some(Self {
            dir: dest.to_path_buf(),
            records,
        })
    }

    /// The record of the file at `path` if it still holds what the manifest recorded and has
    /// `size` bytes: same size and modification time, or (the time differs) the same hash.
    pub fn unchanged(&self, path: &str, size: u64) -> Option<FileRecord> {
        let record = self.records.get(path)?;
        if record.link.is_some() || record.size != size {
            return None;
        }
        let meta = fs::symlink_metadata(self.dir.join(path)).ok()?;
        if !meta.is_file() || meta.len() != size {
            return None;
        }
        if record.mtime_ns.is_some() && mtime_ns(&meta) == record.mtime_ns {
            return Some(record.clone());
        }
        let (_, hash) = hash_file(&self.dir.join(path)).ok()?;
        (hash == record.blake3).then(|| record.clone())
    }

    /// The files to carry over when only `selected` entries (run-relative paths) are pulled:
    /// every file outside them but the metadata files and pxa's own, with its record (from
    /// the manifest when unchanged, else hashed now).
    pub fn outside(&self, selected: &[&str]) -> std::io::Result<Vec<FileRecord>> {
        let mut paths = Vec::new();
        walk(&self.dir, "", &mut |rel| paths.push(rel.to_string()))?;
        let metadata = [VERSION_FILE, CONTENT_FILE, POLYAXONFILE];
        let mut out = Vec::new();
        for rel in paths {
            let first = rel.split('/').next().unwrap_or("");
            if is_internal(first) || metadata.contains(&rel.as_str()) {
                continue;
            }
            if selected.iter().any(|s| overlaps(s, &rel)) {
                continue;
            }
            let full = self.dir.join(&rel);
            let meta = fs::symlink_metadata(&full)?;
            if !meta.is_file() {
                continue;
            }
            let record = match self.unchanged(&rel, meta.len()) {
                Some(r) => r,
                None => {
                    let (size, blake3) = hash_file(&full)?;
                    FileRecord {
                        path: rel,
                        size,
                        blake3,
                        link: None,
                        mtime_ns: None,
                    }
                }
            };
            out.push(record);
        }
        Ok(out)
    }
}

/// `--skip-existing` on one entry's plan: unchanged files move from the pieces to `keep`. A
/// tarball partly unchanged is replaced by per-file requests for the rest when they cost
/// less than the tarball (`COSTS`), else fetched whole.
pub fn keep_unchanged(plan: &mut EntryPlan, existing: &Existing) -> Vec<FileRecord> {
    let mut kept = Vec::new();
    let mut pieces = Vec::new();
    for piece in std::mem::take(&mut plan.pieces) {
        if piece.how == How::FileOrTarball {
            pieces.push(piece);
            continue;
        }
        let (same, changed): (Vec<_>, Vec<_>) = piece
            .files
            .iter()
            .map(|(p, s)| (p, s, existing.unchanged(p, *s)))
            .partition(|(_, _, r)| r.is_some());
        if same.is_empty() {
            pieces.push(piece);
            continue;
        }
        let apart: Vec<Piece> = changed
            .iter()
            .map(|(p, s, _)| Piece::file((*p).clone(), **s, &COSTS))
            .collect();
        if piece.how == How::Tarball && apart.iter().map(|p| p.cost).sum::<f64>() >= piece.cost {
            pieces.push(piece);
            continue;
        }
        kept.extend(same.into_iter().filter_map(|(_, _, r)| r));
        pieces.extend(apart);
    }
    pieces.sort_by(|a, b| b.cost.total_cmp(&a.cost).then_with(|| a.path.cmp(&b.path)));
    plan.pieces = pieces;
    plan.keep = kept.iter().map(|r| (r.path.clone(), r.size)).collect();
    kept
}

#[cfg(test)]
mod tests;
