//! Two versions compared without a download: their fields (description, tags, stage, run,
//! readme), their content key by key ([`super::content`]), their lineage entries (added,
//! removed, re-pointed) and, entry by entry, the files the tree lists (added, removed,
//! resized). A file of the same size on both sides can differ only in its bytes: those are
//! counted, and compared by hash with `--content-hash` ([`super::hash`]).

use serde::Serialize;
use serde_json::{Value, json};

use super::VersionFiles;
use super::content::{self, ContentChange};
use super::files::{FileChange, NotCompared, compare_files};
use super::hash::Pair;
use crate::api::ProjectVersion;
use crate::api::models::RunArtifact;

/// What happened to a field, key, entry or file from A to B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Added,
    Removed,
    Changed,
    /// A file of another size.
    Resized,
    /// A lineage name at another path, of another kind or in another run.
    RePointed,
}

impl Change {
    /// The marker people read: `+`, `-` or `~`.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Added => "+",
            Self::Removed => "-",
            _ => "~",
        }
    }
}

/// A field of the version with other values on each side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub a: Value,
    pub b: Value,
}

/// A lineage entry added, removed or re-pointed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineageChange {
    pub entry: String,
    pub change: Change,
    /// `{"kind", "path"}` as the server has it (the path starts with the run's uuid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<Value>,
}

/// Files present on both sides with the same size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SameSize {
    /// Such files in all.
    pub files: u64,
    /// Of those, the same file of the same run on both sides (the same bytes).
    pub same_file: u64,
    /// Whether the others were hashed on both sides (`--content-hash`).
    pub hashed: bool,
}

/// Everything that differs from A to B (`pxa diff -o json` prints it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// Nothing below differs.
    pub equal: bool,
    pub fields: Vec<FieldChange>,
    pub content: Vec<ContentChange>,
    pub lineage: Vec<LineageChange>,
    pub files: Vec<FileChange>,
    /// Entries whose files could not be compared (not listed on a side).
    pub not_compared: Vec<NotCompared>,
    pub same_size: SameSize,
    /// Entry names in lineage order (A's, then those only B has): how files are grouped.
    #[serde(skip)]
    order: Vec<String>,
}

impl Diff {
    /// Groups the files by entry (lineage order), sorted by path, and records `equal`.
    pub fn finish(mut self) -> Self {
        let order = &self.order;
        let at = |name: &String| order.iter().position(|n| n == name);
        self.files
            .sort_by(|x, y| (at(&x.entry), &x.path).cmp(&(at(&y.entry), &y.path)));
        self.equal = self.fields.is_empty()
            && self.content.is_empty()
            && self.lineage.is_empty()
            && self.files.is_empty();
        self
    }
}

impl Diff {
    /// Adds what hashing the same-size pairs showed (`--content-hash`): each pair whose
    /// hashes differ is a changed file.
    pub fn with_hashes(mut self, pairs: &[Pair], hashes: &[[String; 2]]) -> Self {
        for (p, [ha, hb]) in pairs.iter().zip(hashes).filter(|(_, [a, b])| a != b) {
            self.files.push(FileChange {
                entry: p.entry.clone(),
                path: p.path.clone(),
                change: Change::Changed,
                a: Some(p.size),
                b: Some(p.size),
                a_blake3: Some(ha.clone()),
                b_blake3: Some(hb.clone()),
            });
        }
        self.same_size.hashed = true;
        self.finish()
    }
}

/// Compares A with B; returns the differences the metadata and the trees show, and the pairs
/// of same-size files (other than the very same file) that only their bytes could tell apart.
pub fn compare(a: &VersionFiles, b: &VersionFiles) -> (Diff, Vec<Pair>) {
    let (va, vb) = (&a.version.item, &b.version.item);
    let (files, not_compared, pairs, same_file) = compare_files(a, b);
    let names = |v: &VersionFiles| {
        let names = v.entries.iter().map(|e| e.summary.entry.clone());
        names.collect::<Vec<_>>()
    };
    let mut order = names(a);
    let only_b: Vec<String> = names(b)
        .into_iter()
        .filter(|n| !order.contains(n))
        .collect();
    order.extend(only_b);
    let diff = Diff {
        equal: false,
        fields: fields(va, vb),
        content: content::compare(va.content.as_deref(), vb.content.as_deref()),
        lineage: lineage(va, vb),
        files,
        not_compared,
        same_size: SameSize {
            files: pairs.len() as u64 + same_file,
            same_file,
            hashed: false,
        },
        order,
    };
    (diff.finish(), pairs)
}

/// Description, tags (as a set), stage, run and readme, where they differ.
fn fields(a: &ProjectVersion, b: &ProjectVersion) -> Vec<FieldChange> {
    let tags = |v: &ProjectVersion| {
        let mut t = v.tags.clone().unwrap_or_default();
        t.sort();
        t.dedup();
        t
    };
    let text = |s: &Option<String>| json!(s);
    let pairs = [
        ("description", text(&a.description), text(&b.description)),
        ("tags", json!(tags(a)), json!(tags(b))),
        ("stage", text(&a.stage), text(&b.stage)),
        ("run", text(&a.run), text(&b.run)),
        ("readme", text(&a.readme), text(&b.readme)),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(field, a, b)| FieldChange { field, a, b })
        .collect()
}

/// Lineage entries by name: removed or re-pointed ones in A's order, then added ones in B's.
fn lineage(a: &ProjectVersion, b: &ProjectVersion) -> Vec<LineageChange> {
    let entries = |v: &ProjectVersion| {
        let meta = v.meta_info.clone().unwrap_or_default();
        meta.lineage.unwrap_or_default()
    };
    let (la, lb) = (entries(a), entries(b));
    let find = |list: &[RunArtifact], name: &Option<String>| {
        list.iter().find(|x| x.name == *name).cloned()
    };
    let side = |x: &RunArtifact| json!({"kind": x.kind, "path": x.path});
    let mut out = Vec::new();
    for x in &la {
        let (change, b) = match find(&lb, &x.name) {
            None => (Change::Removed, None),
            Some(y) if (&y.kind, &y.path) != (&x.kind, &x.path) => {
                (Change::RePointed, Some(side(&y)))
            }
            Some(_) => continue,
        };
        let entry = x.name.clone().unwrap_or_default();
        out.push(LineageChange {
            entry,
            change,
            a: Some(side(x)),
            b,
        });
    }
    for y in lb.iter().filter(|y| find(&la, &y.name).is_none()) {
        out.push(LineageChange {
            entry: y.name.clone().unwrap_or_default(),
            change: Change::Added,
            a: None,
            b: Some(side(y)),
        });
    }
    out
}
