//! What an entry still needs sent, decided from what the server's tree lists at its
//! destination: files missing or of another size, nothing else (a re-run does not send again
//! what arrived). Small files go together as one archive, but only into a destination folder
//! that does not exist yet or is empty, because the server extracts an archive by replacing
//! the whole folder (`overwrite: true`) or not at all (`overwrite: false`); everything else
//! goes one file per request, which touches only that file. Files of [`SMALL`] bytes or more
//! always go alone: the server extracts an archive at about 100 MB/s on one core and stores
//! parallel single files at 200-300 MB/s (docs/upload.md, "How files are sent").

use std::collections::{BTreeMap, BTreeSet};

use crate::api::tree::{Folder, Found, TreeListing, WalkError, is_missing};

use super::local::LocalEntry;

/// Files below this size go in the entry's archive when it may have one.
pub const SMALL: u64 = 1 << 20;
/// An archive is worth its request from this many small files on.
const MIN_ARCHIVE: usize = 2;

/// What the server holds at an entry's destination, relative to it (`""` when the
/// destination itself is a file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remote {
    pub exists: bool,
    pub files: BTreeMap<String, u64>,
    pub dirs: BTreeSet<String>,
}

impl Remote {
    /// The walk of `dest` as a [`Remote`]; a missing destination is an empty one.
    pub fn from_walk(walked: Result<Found, WalkError>, dest: &str) -> Result<Self, WalkError> {
        let found = match walked {
            Ok(found) => found,
            Err(WalkError::Missing { .. }) => return Ok(Self::default()),
            Err(e) => return Err(e),
        };
        let mut remote = Self {
            exists: true,
            ..Self::default()
        };
        match found {
            Found::File { size, .. } => {
                remote.files.insert(String::new(), size);
            }
            Found::Folder(folder) => {
                let prefix = format!("{dest}/");
                for (path, size) in folder.all_files() {
                    let rel = path.strip_prefix(&prefix).unwrap_or(&path);
                    remote.files.insert(rel.to_string(), size);
                }
                collect_dirs(&folder, &prefix, &mut remote.dirs);
            }
        }
        Ok(remote)
    }

    /// What the listing of a file's parent folder says of the file `name`.
    pub fn from_parent(
        listing: TreeListing,
        run: &str,
        parent: &str,
        name: &str,
    ) -> Result<Self, WalkError> {
        if let Some(text) = listing.error {
            if is_missing(&text) {
                return Ok(Self::default());
            }
            return Err(WalkError::Refused {
                run: run.to_string(),
                path: parent.to_string(),
                server_text: text,
            });
        }
        let mut remote = Self::default();
        if let Some((_, size)) = listing.files.iter().find(|(n, _)| n == name) {
            remote.exists = true;
            remote.files.insert(String::new(), size.unwrap_or(u64::MAX));
        } else if listing.dirs.iter().any(|d| d == name) {
            remote.exists = true;
        }
        Ok(remote)
    }

    /// A folder holding nothing (an archive may replace it: nothing is lost).
    pub fn is_empty_folder(&self) -> bool {
        self.exists && self.files.is_empty() && self.dirs.is_empty()
    }
}

fn collect_dirs(folder: &Folder, prefix: &str, out: &mut BTreeSet<String>) {
    let rel = |path: &str| path.strip_prefix(prefix).unwrap_or(path).to_string();
    for d in &folder.dirs {
        out.insert(rel(&d.path));
        collect_dirs(d, prefix, out);
    }
    for b in &folder.broken {
        out.insert(rel(&folder.child(b)));
    }
}

/// Why an entry cannot go where it is meant to (refused before anything is sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("`{path}` is a folder on the run and the upload has a file there")]
    FolderInTheWay { path: String },
    #[error("`{path}` is a file on the run and the upload has a folder there")]
    FileInTheWay { path: String },
    #[error("`{path}` is already on the run with {remote} bytes (the local file has {local})")]
    Differs {
        path: String,
        local: u64,
        remote: u64,
    },
}

/// The first conflict between the local entry and what the run holds. `may_replace`: files
/// of another size may be sent over (the run is pxa's own, or `--force`).
pub fn conflict(entry: &LocalEntry, remote: &Remote, may_replace: bool) -> Option<Conflict> {
    let at = |rel: &str| crate::upload::local::join(&entry.spec.dest, rel);
    if !entry.is_dir && remote.exists && !remote.files.contains_key("") {
        return Some(Conflict::FolderInTheWay { path: at("") });
    }
    if entry.is_dir && remote.files.contains_key("") {
        return Some(Conflict::FileInTheWay { path: at("") });
    }
    for file in &entry.files {
        if remote.dirs.contains(&file.rel) {
            return Some(Conflict::FolderInTheWay {
                path: at(&file.rel),
            });
        }
        let mut parent = file.rel.as_str();
        while let Some((up, _)) = parent.rsplit_once('/') {
            if remote.files.contains_key(up) {
                return Some(Conflict::FileInTheWay { path: at(up) });
            }
            parent = up;
        }
        match remote.files.get(&file.rel) {
            Some(&size) if size != file.size && !may_replace => {
                return Some(Conflict::Differs {
                    path: at(&file.rel),
                    local: file.size,
                    remote: size,
                });
            }
            _ => {}
        }
    }
    None
}

/// One file to send: its index in the entry, and whether the server must replace what is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Send {
    pub index: usize,
    pub overwrite: bool,
}

/// The files the run does not hold with their size (all of them with `resend_all`).
pub fn todo(entry: &LocalEntry, remote: &Remote, resend_all: bool) -> Vec<Send> {
    let mut out = Vec::new();
    for (index, file) in entry.files.iter().enumerate() {
        match remote.files.get(&file.rel) {
            None => out.push(Send {
                index,
                overwrite: false,
            }),
            Some(&size) if size == file.size && !resend_all => {}
            Some(_) => out.push(Send {
                index,
                overwrite: true,
            }),
        }
    }
    out
}

/// A request's worth of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// These files in one archive extracted into the entry's folder; `overwrite` when the
    /// folder exists (empty) and the server must replace it.
    Archive {
        files: Vec<usize>,
        overwrite: bool,
    },
    File(Send),
}

/// The requests for `todo`, the archive (if any) first: the files after it go into the
/// folder it creates.
pub fn pieces(entry: &LocalEntry, todo: &[Send], remote: &Remote) -> Vec<Piece> {
    let may_archive = entry.is_dir && (!remote.exists || remote.is_empty_folder());
    let (small, large): (Vec<Send>, Vec<Send>) = todo
        .iter()
        .partition(|s| entry.files[s.index].size < SMALL && !s.overwrite);
    if !may_archive || small.len() < MIN_ARCHIVE {
        return todo.iter().copied().map(Piece::File).collect();
    }
    let mut out = vec![Piece::Archive {
        files: small.iter().map(|s| s.index).collect(),
        overwrite: remote.exists,
    }];
    out.extend(large.into_iter().map(Piece::File));
    out
}

#[cfg(test)]
mod tests;
