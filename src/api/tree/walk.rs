//! The walk of a folder entry: every file below it with its size, listed one level per request
//! with a bounded number of listings in flight, every name the server sends checked before it
//! can become a path, and bounds on depth and size (a folder symlink can loop, §13.2).

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::TreeListing;
use crate::api::ApiError;
use crate::exit::Code;

/// How far a walk may go. A symbolic link to an ancestor folder makes the server list the same
/// folders again and again, deeper each time; these bounds end such a walk with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Folder levels below the entry.
    pub depth: usize,
    /// Files in the whole tree.
    pub files: usize,
    /// Folders listed in the whole tree (one request each).
    pub folders: usize,
    /// Listings in flight at once.
    pub in_flight: usize,
}

/// The bounds pxa walks with (docs/pull.md, "How a folder is fetched").
pub const LIMITS: Limits = Limits {
    depth: 64,
    files: 1_000_000,
    folders: 100_000,
    in_flight: 8,
};

/// A file as listed: its name in its folder and its size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    pub name: String,
    pub size: u64,
}

/// A folder as listed, sorted by name at every level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folder {
    /// Run-relative path (`""` is the run's root).
    pub path: String,
    /// Its files.
    pub files: Vec<TreeFile>,
    /// Its sub-folders.
    pub dirs: Vec<Folder>,
    /// Names listed as folders that do not exist when listed: a broken symbolic link, or a
    /// folder removed during the walk. They hold nothing to download, and the server's
    /// tarball of any folder above one of them answers 404 (§13.3).
    pub broken: Vec<String>,
    /// Listed as holding nothing but one file of its own name: a folder holding that file,
    /// or a symbolic link to a file (listing a file answers exactly so; §13.2). Only asking for
    /// the path itself with `check_path` tells them apart.
    pub ambiguous: bool,
}

impl Folder {
    /// The last component of the path (`""` for the run's root).
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }

    /// The run-relative path of a child.
    pub fn child(&self, name: &str) -> String {
        join(&self.path, name)
    }

    /// Every file below, run-relative, sorted by path.
    pub fn all_files(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out.sort();
        out
    }

    fn collect(&self, out: &mut Vec<(String, u64)>) {
        out.extend(self.files.iter().map(|f| (self.child(&f.name), f.size)));
        for d in &self.dirs {
            d.collect(out);
        }
    }

    /// Files below, at every depth.
    pub fn file_count(&self) -> usize {
        self.files.len() + self.dirs.iter().map(Folder::file_count).sum::<usize>()
    }

    /// Bytes below, at every depth.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum::<u64>()
            + self.dirs.iter().map(Folder::bytes).sum::<u64>()
    }

    /// Whether a broken name lies anywhere below (the server cannot tar this folder).
    pub fn has_broken(&self) -> bool {
        !self.broken.is_empty() || self.dirs.iter().any(Folder::has_broken)
    }
}

/// What a lineage path is on the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A file (or a symbolic link to one) of this size.
    File { path: String, size: u64 },
    /// A folder (or a symbolic link to one), walked.
    Folder(Folder),
}

/// Why a walk failed. Messages name the run-relative path and the run, never the server's
/// absolute path (its raw text is kept in `Refused::server_text` for debug output).
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("`{path}` does not exist in run {run} on the server's store")]
    Missing { run: String, path: String },
    #[error("the server could not list `{path}` of run {run} (-v shows its answer)")]
    Refused {
        run: String,
        path: String,
        server_text: String,
    },
    #[error("the server's listing of `{path}` in run {run} is unsafe: {why}")]
    Unsafe {
        run: String,
        path: String,
        why: String,
    },
    #[error(
        "stopped listing `{path}` of run {run}: {why} (a symbolic link looping on the server's store?)"
    )]
    TooLarge {
        run: String,
        path: String,
        why: String,
    },
    #[error("listing `{path}`: {source}")]
    List { path: String, source: Box<ApiError> },
}

impl WalkError {
    /// The documented exit code.
    pub fn exit_code(&self) -> Code {
        match self {
            Self::Missing { .. } => Code::NotFound,
            Self::Refused { .. } => Code::Failure,
            Self::Unsafe { .. } | Self::TooLarge { .. } => Code::Integrity,
            Self::List { source, .. } => source.exit_code(),
        }
    }

    /// The server's own words, for debug output only (they name its absolute paths).
    pub fn server_text(&self) -> Option<&str> {
        match self {
            Self::Refused { server_text, .. } => Some(server_text),
            _ => None,
        }
    }
}

/// Walks the lineage path `root` of run `run`: a file (found by listing its parent when the
/// listing alone cannot tell) or a whole folder. `list` lists one run-relative path.
pub async fn walk_entry<F, Fut>(
    run: &str,
    root: &str,
    limits: &Limits,
    list: F,
) -> Result<Found, WalkError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<TreeListing, ApiError>>,
{
    let folder = walk(run, root, limits, &list).await?;
    if !folder.ambiguous || root.is_empty() {
        return Ok(Found::Folder(folder));
    }
    // `root` lists like a file; its parent says whether it is one.
    let (parent, name) = root.rsplit_once('/').unwrap_or(("", root));
    let listing = list_one(run, parent, &list).await?;
    match listing.files.iter().find(|(n, _)| n == name) {
        Some((_, Some(size))) if !listing.dirs.iter().any(|d| d == name) => Ok(Found::File {
            path: root.to_string(),
            size: *size,
        }),
        _ => Ok(Found::Folder(folder)),
    }
}

/// Walks the folder `root` of run `run` and everything below it.
pub async fn walk<F, Fut>(
    run: &str,
    root: &str,
    limits: &Limits,
    list: &F,
) -> Result<Folder, WalkError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<TreeListing, ApiError>>,
{
    let mut queue = VecDeque::from([(root.to_string(), 0usize)]);
    let mut pending = FuturesUnordered::new();
    let mut listed: HashMap<String, Level> = HashMap::new();
    let mut missing: HashSet<String> = HashSet::new();
    let mut counts = Counts::default();
    while !queue.is_empty() || !pending.is_empty() {
        while pending.len() < limits.in_flight.max(1) {
            let Some((path, depth)) = queue.pop_front() else {
                break;
            };
            let fut = list(path.clone());
            pending.push(async move { (path, depth, fut.await) });
        }
        let Some((path, depth, answer)) = pending.next().await else {
            break;
        };
        let listing = answer.map_err(|source| WalkError::List {
            path: path.clone(),
            source: Box::new(source),
        })?;
        if let Some(text) = listing.error {
            if path != root && is_missing(&text) {
                missing.insert(path);
                continue;
            }
            return Err(listing_error(run, &path, text));
        }
        let level = check(run, &path, listing)?;
        counts.add(run, root, &level, limits)?;
        if !level.dirs.is_empty() && depth + 1 > limits.depth {
            let why = format!("more than {} folder levels", limits.depth);
            return Err(too_large(run, root, why));
        }
        queue.extend(level.dirs.iter().map(|d| (join(&path, d), depth + 1)));
        listed.insert(path, level);
    }
    Ok(assemble(root, &mut listed, &missing))
}

/// One listing of `path`, its `error` turned into a [`WalkError`].
async fn list_one<F, Fut>(run: &str, path: &str, list: &F) -> Result<TreeListing, WalkError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<TreeListing, ApiError>>,
{
    let listing = list(path.to_string())
        .await
        .map_err(|source| WalkError::List {
            path: path.to_string(),
            source: Box::new(source),
        })?;
    match listing.error {
        Some(text) => Err(listing_error(run, path, text)),
        None => Ok(listing),
    }
}

/// One folder's checked listing, sorted by name.
#[derive(Debug, Default)]
struct Level {
    files: Vec<TreeFile>,
    dirs: Vec<String>,
}

#[derive(Default)]
struct Counts {
    files: usize,
    folders: usize,
}

impl Counts {
    fn add(
        &mut self,
        run: &str,
        root: &str,
        level: &Level,
        limits: &Limits,
    ) -> Result<(), WalkError> {
        self.files += level.files.len();
        self.folders += 1;
        if self.files > limits.files {
            return Err(too_large(
                run,
                root,
                format!("more than {} files", limits.files),
            ));
        }
        if self.folders + level.dirs.len() > limits.folders {
            return Err(too_large(
                run,
                root,
                format!("more than {} folders", limits.folders),
            ));
        }
        Ok(())
    }
}

/// Refuses a name that cannot be one path component, and any name listed twice.
fn check(run: &str, path: &str, listing: TreeListing) -> Result<Level, WalkError> {
    let unsafe_ = |why: String| WalkError::Unsafe {
        run: run.to_string(),
        path: path.to_string(),
        why,
    };
    let mut seen = HashSet::new();
    let names = listing.files.iter().map(|(n, _)| n).chain(&listing.dirs);
    for name in names {
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
            return Err(unsafe_(format!("it names an entry {name:?}")));
        }
        if !seen.insert(name.as_str()) {
            return Err(unsafe_(format!("it lists {name:?} twice")));
        }
    }
    let mut files = Vec::with_capacity(listing.files.len());
    for (name, size) in listing.files {
        let size = size.ok_or_else(|| unsafe_(format!("it gives {name:?} no size")))?;
        files.push(TreeFile { name, size });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let mut dirs = listing.dirs;
    dirs.sort();
    Ok(Level { files, dirs })
}

/// Builds the folder at `path` from the listings (each taken once).
fn assemble(path: &str, listed: &mut HashMap<String, Level>, missing: &HashSet<String>) -> Folder {
    let level = listed.remove(path).unwrap_or_default();
    let mut folder = Folder {
        path: path.to_string(),
        ..Folder::default()
    };
    for name in level.dirs {
        let child = join(path, &name);
        if missing.contains(&child) {
            folder.broken.push(name);
        } else {
            folder.dirs.push(assemble(&child, listed, missing));
        }
    }
    folder.ambiguous = !path.is_empty()
        && folder.dirs.is_empty()
        && folder.broken.is_empty()
        && level.files.len() == 1
        && level.files[0].name == folder.name();
    folder.files = level.files;
    folder
}

/// The server's "could not list" text for a path that is not there (Python's ENOENT/ENOTDIR).
pub fn is_missing(text: &str) -> bool {
    [
        "No such file or directory",
        "Not a directory",
        "[Errno 2]",
        "[Errno 20]",
        "FileNotFoundError",
    ]
    .iter()
    .any(|s| text.contains(s))
}

/// The error of a listing whose answer carries the server's `error` text: missing, or refused.
pub fn listing_error(run: &str, path: &str, text: String) -> WalkError {
    if is_missing(&text) {
        WalkError::Missing {
            run: run.to_string(),
            path: path.to_string(),
        }
    } else {
        WalkError::Refused {
            run: run.to_string(),
            path: path.to_string(),
            server_text: text,
        }
    }
}

fn too_large(run: &str, root: &str, why: String) -> WalkError {
    WalkError::TooLarge {
        run: run.to_string(),
        path: root.to_string(),
        why,
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
