//! The plan of a walked entry: which subtrees come as one tarball and which files come one
//! request each, chosen by a cost model measured on the CE sandbox (docs/pull.md, "How a folder
//! is fetched", has the rule and the numbers behind [`COSTS`]).

use url::Url;

use super::walk::{Folder, Found};
use crate::pull::plan::StreamBase;

/// What requests cost, in seconds of wall-clock time (docs/pull.md, "How a folder is fetched").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostModel {
    /// A per-file request's own cost, with the default `-j 4` requests in flight.
    pub request: f64,
    /// A per-file request's cost per MiB (from the server's cache copy to the disk).
    pub file_mib: f64,
    /// A tarball request's own cost.
    pub tar_request: f64,
    /// A tarball's cost per file in it (the server copies each into its cache first).
    pub tar_file: f64,
    /// A tarball's cost per MiB of bytes gzip cannot shrink (the server gzips at level 9
    /// before the first byte).
    pub tar_mib: f64,
    /// The same for files whose names say text ([`is_text`]): gzip -9 is several times
    /// slower on numbers written as text than on random bytes.
    pub tar_mib_text: f64,
    /// Tarballs the server builds at once at full speed (each is one core's gzip).
    pub tar_parallel: f64,
    /// A tarball is split into its sub-folders' pieces only when that cuts the estimated
    /// time to below this fraction of the unsplit estimate.
    pub split_gain: f64,
}

/// The measured model pxa plans with. Keep docs/pull.md ("How a folder is fetched") in step.
pub const COSTS: CostModel = CostModel {
    request: 0.0016,
    file_mib: 0.0019,
    tar_request: 0.005,
    tar_file: 0.0003,
    tar_mib: 0.021,
    tar_mib_text: 0.144,
    tar_parallel: 2.0,
    split_gain: 0.9,
};

/// Extensions of text-like files, priced at [`CostModel::tar_mib_text`] in a tarball.
const TEXT: &[&str] = &[
    "csv", "tsv", "psv", "ssv", "txt", "json", "jsonl", "ndjson", "yaml", "yml", "xml", "html",
    "htm", "md", "log", "plx", "svg", "py", "toml", "ini", "cfg",
];

/// Whether a file's name says text (by its extension, case-insensitively).
pub fn is_text(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| TEXT.iter().any(|t| t.eq_ignore_ascii_case(ext)))
}

const MIB: f64 = 1024.0 * 1024.0;

/// What a tarball would hold, as its cost sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contents {
    pub files: usize,
    pub bytes: u64,
    /// The part of `bytes` in text-like files.
    pub text_bytes: u64,
}

impl Contents {
    /// Adds one file.
    pub fn add(&mut self, name: &str, size: u64) {
        self.files += 1;
        self.bytes += size;
        if is_text(name) {
            self.text_bytes += size;
        }
    }

    fn merge(&mut self, other: Contents) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.text_bytes += other.text_bytes;
    }
}

impl CostModel {
    /// One file, one request.
    pub fn per_file(&self, size: u64) -> f64 {
        self.request + size as f64 / MIB * self.file_mib
    }

    /// One tarball holding `c`.
    pub fn tarball(&self, c: &Contents) -> f64 {
        let other = c.bytes.saturating_sub(c.text_bytes) as f64;
        self.tar_request
            + c.files as f64 * self.tar_file
            + other / MIB * self.tar_mib
            + c.text_bytes as f64 / MIB * self.tar_mib_text
    }

    /// The estimated wall-clock time of a set of pieces: per-file requests already keep the
    /// server busy (their cost is measured with several in flight), tarballs run up to
    /// `tar_parallel` at once, and nothing ends before the longest tarball.
    pub fn wall(&self, pieces: &[Piece]) -> f64 {
        let (mut tars, mut files, mut longest) = (0.0, 0.0, 0.0_f64);
        for p in pieces {
            match p.how {
                How::Tarball => {
                    tars += p.cost;
                    longest = longest.max(p.cost);
                }
                How::File | How::FileOrTarball => files += p.cost,
            }
        }
        (tars / self.tar_parallel.max(1.0) + files).max(longest)
    }
}

/// How a piece is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// `ST/artifacts?path=DIR`: a `.tar.gz` of everything below `DIR`, members relative to it.
    Tarball,
    /// `ST/artifact?path=FILE&force=true`: the file's current bytes.
    File,
    /// `ST/artifacts?check_path=True&path=P&force=true`: a folder listed as holding only a file
    /// of its own name (see [`Folder::ambiguous`]); the answer is the raw file when `P` is a
    /// link to a file (it then lands at `P`), else a tarball of `P`.
    FileOrTarball,
}

/// One request of a plan and the files it must deliver.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub how: How,
    /// Run-relative path asked for: the folder of a tarball, the file of a per-file request.
    pub path: String,
    /// The files it brings, run-relative, with the sizes the tree listed, sorted by path.
    pub files: Vec<(String, u64)>,
    /// Their total size.
    pub bytes: u64,
    /// Its estimated cost in seconds ([`CostModel`]).
    pub cost: f64,
}

impl Piece {
    /// One file, one request.
    pub fn file(path: String, size: u64, costs: &CostModel) -> Self {
        Self {
            how: How::File,
            cost: costs.per_file(size),
            files: vec![(path.clone(), size)],
            bytes: size,
            path,
        }
    }

    /// A tarball of `folder`, or the check-path request of an ambiguous one (priced as a
    /// file: it is one when it is a link).
    fn of_folder(folder: &Folder, how: How, costs: &CostModel) -> Self {
        let files = folder.all_files();
        let mut contents = Contents::default();
        for (path, size) in &files {
            contents.add(path, *size);
        }
        let bytes = contents.bytes;
        let cost = match how {
            How::Tarball => costs.tarball(&contents),
            _ => costs.per_file(bytes),
        };
        Self {
            how,
            path: folder.path.clone(),
            files,
            bytes,
            cost,
        }
    }

    /// The request's URL on the run's streams.
    pub fn url(&self, base: &StreamBase) -> Url {
        match self.how {
            How::Tarball => base.url(&["artifacts"], &[("path", &self.path)]),
            How::File => base.file_url(&self.path),
            How::FileOrTarball => base.url(
                &["artifacts"],
                &[
                    ("check_path", "True"),
                    ("path", &self.path),
                    ("force", "true"),
                ],
            ),
        }
    }

    /// The file the server writes a tarball answer to, `<archives>/<name>`: two requests
    /// with the same name at once can receive each other's bytes (§13.3). `None` for a
    /// per-file request.
    pub fn archive_name(&self, run: &str) -> Option<String> {
        if self.how == How::File {
            return None;
        }
        let base = self.path.rsplit('/').next().filter(|b| !b.is_empty());
        Some(format!("{}.tar.gz", base.unwrap_or(run)))
    }
}

/// The requests for one lineage entry, most expensive first (the long ones start first, so
/// the tail is short), then by path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub pieces: Vec<Piece>,
    /// Files in all pieces.
    pub files: usize,
    /// Bytes in all pieces.
    pub bytes: u64,
    /// Every folder of the entry (run-relative, sorted), empty ones included: a tarball
    /// leaves empty folders out (§13.3).
    pub folders: Vec<String>,
    /// Names listed as folders that did not exist when listed (run-relative, sorted).
    pub broken: Vec<String>,
    /// Estimated wall-clock seconds ([`CostModel::wall`]).
    pub estimate: f64,
}

/// Plans a walked entry.
pub fn plan(found: &Found, costs: &CostModel) -> Plan {
    let mut out = Plan::default();
    match found {
        Found::File { path, size } => out.pieces.push(Piece::file(path.clone(), *size, costs)),
        Found::Folder(root) => {
            let pieces = best(root, costs).picks.into_iter().map(|p| p.piece(costs));
            out.pieces = split(pieces.collect(), root, costs);
            list_folders(root, &mut out);
        }
    }
    out.pieces
        .sort_by(|a, b| b.cost.total_cmp(&a.cost).then_with(|| a.path.cmp(&b.path)));
    out.folders.sort();
    out.broken.sort();
    out.files = out.pieces.iter().map(|p| p.files.len()).sum();
    out.bytes = out.pieces.iter().map(|p| p.bytes).sum();
    out.estimate = costs.wall(&out.pieces);
    out
}

/// One request of a plan before its file list is built.
#[derive(Clone, Copy)]
enum Pick<'a> {
    Folder(&'a Folder, How),
    File(&'a Folder, usize),
}

impl Pick<'_> {
    fn piece(self, costs: &CostModel) -> Piece {
        match self {
            Pick::Folder(f, how) => Piece::of_folder(f, how, costs),
            Pick::File(f, i) => Piece::file(f.child(&f.files[i].name), f.files[i].size, costs),
        }
    }
}

/// The cheapest way to fetch one folder, by summed cost, with what lies below it.
struct Choice<'a> {
    picks: Vec<Pick<'a>>,
    cost: f64,
    below: Contents,
    /// Something below cannot be tarred by the server (a broken link: its tarball is a 404).
    untarrable: bool,
}

/// best(folder) = min(tarball(folder), Σ per_file(its files) + Σ best(its sub-folders)); a
/// tie goes to per-file requests (fresh bytes, no shared archive on the server, resumable).
fn best<'a>(folder: &'a Folder, costs: &CostModel) -> Choice<'a> {
    let mut below = Contents::default();
    for f in &folder.files {
        below.add(&f.name, f.size);
    }
    if folder.ambiguous {
        return Choice {
            picks: vec![Pick::Folder(folder, How::FileOrTarball)],
            cost: costs.per_file(below.bytes),
            below,
            untarrable: false,
        };
    }
    let mut c = Choice {
        picks: (0..folder.files.len())
            .map(|i| Pick::File(folder, i))
            .collect(),
        cost: folder.files.iter().map(|f| costs.per_file(f.size)).sum(),
        below,
        untarrable: !folder.broken.is_empty(),
    };
    for sub in &folder.dirs {
        let s = best(sub, costs);
        c.picks.extend(s.picks);
        c.cost += s.cost;
        c.below.merge(s.below);
        c.untarrable |= s.untarrable;
    }
    let tar = costs.tarball(&c.below);
    if !c.untarrable && c.below.files > 0 && tar < c.cost {
        c.picks = vec![Pick::Folder(folder, How::Tarball)];
        c.cost = tar;
    }
    c
}

/// The wall-clock rule: while the longest tarball bounds the estimate, replace it by its
/// folder's own files (per-file) and its sub-folders' best pieces, when that lowers the
/// estimate by at least `1 - split_gain`.
fn split(mut pieces: Vec<Piece>, root: &Folder, costs: &CostModel) -> Vec<Piece> {
    loop {
        let Some(i) = longest_tarball(&pieces) else {
            return pieces;
        };
        let Some(folder) = find(root, &pieces[i].path).filter(|f| !f.dirs.is_empty()) else {
            return pieces;
        };
        let mut apart: Vec<Piece> = (0..folder.files.len())
            .map(|i| Pick::File(folder, i).piece(costs))
            .collect();
        for sub in &folder.dirs {
            apart.extend(best(sub, costs).picks.into_iter().map(|p| p.piece(costs)));
        }
        let mut candidate = pieces.clone();
        candidate.swap_remove(i);
        candidate.extend(apart);
        if costs.wall(&candidate) >= costs.wall(&pieces) * costs.split_gain {
            return pieces;
        }
        pieces = candidate;
    }
}

fn longest_tarball(pieces: &[Piece]) -> Option<usize> {
    (0..pieces.len())
        .filter(|&i| pieces[i].how == How::Tarball)
        .max_by(|&a, &b| {
            pieces[a]
                .cost
                .total_cmp(&pieces[b].cost)
                .then_with(|| pieces[b].path.cmp(&pieces[a].path))
        })
}

/// The folder at a run-relative path below `root`.
fn find<'a>(root: &'a Folder, path: &str) -> Option<&'a Folder> {
    if root.path == path {
        return Some(root);
    }
    root.dirs
        .iter()
        .find(|d| path == d.path || path.starts_with(&format!("{}/", d.path)))
        .and_then(|d| find(d, path))
}

fn list_folders(folder: &Folder, out: &mut Plan) {
    out.folders.push(folder.path.clone());
    out.broken
        .extend(folder.broken.iter().map(|b| folder.child(b)));
    for d in &folder.dirs {
        list_folders(d, out);
    }
}
