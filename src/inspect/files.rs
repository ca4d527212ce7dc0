//! Files compared entry by entry: within an entry present on both sides, a file is known by
//! its path below the entry's path (so an entry moved to another folder or run compares its
//! files, not its location), and is added, removed, resized, or of the same size (then only
//! its bytes can tell: a [`Pair`] for `--content-hash`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::diff::Change;
use super::hash::Pair;
use super::{EntryFiles, VersionFiles};
use crate::pull::plan::StreamBase;

/// A file added, removed, resized, or (with `--content-hash`) changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    pub entry: String,
    /// Run-relative path: B's, or A's for a removed file.
    pub path: String,
    pub change: Change,
    /// Its size on each side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<u64>,
    /// Its BLAKE3 hash on each side (`--content-hash`, a same-size file that differs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_blake3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_blake3: Option<String>,
}

/// An entry whose files could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotCompared {
    pub entry: String,
    pub why: String,
}

/// What the files of two versions show: changes, entries not compared, the same-size pairs
/// to hash, and how many same-size files are the very same file.
pub type Compared = (Vec<FileChange>, Vec<NotCompared>, Vec<Pair>, u64);

/// Compares the listed files of every entry of A and B, by entry name.
pub fn compare_files(a: &VersionFiles, b: &VersionFiles) -> Compared {
    let mut out: Compared = (Vec::new(), Vec::new(), Vec::new(), 0);
    for ea in &a.entries {
        match named(b, &ea.summary.entry) {
            Some(eb) => both(ea, eb, [&a.base, &b.base], &mut out),
            None => one_side(ea, Change::Removed, &mut out),
        }
    }
    for eb in b.entries.iter() {
        if named(a, &eb.summary.entry).is_none() {
            one_side(eb, Change::Added, &mut out);
        }
    }
    out
}

/// The entry of `v` of that name.
fn named<'v>(v: &'v VersionFiles, name: &str) -> Option<&'v EntryFiles> {
    v.entries.iter().find(|e| e.summary.entry == name)
}

/// An entry on one side only: all its files added or removed.
fn one_side(e: &EntryFiles, change: Change, out: &mut Compared) {
    if !e.summary.listed {
        return not_compared(e, out);
    }
    for (path, size) in &e.files {
        let (a, b) = match change {
            Change::Removed => (Some(*size), None),
            _ => (None, Some(*size)),
        };
        out.0
            .push(file_change(&e.summary.entry, path, change, a, b));
    }
}

fn not_compared(e: &EntryFiles, out: &mut Compared) {
    let why = e.summary.why.clone().unwrap_or_default();
    out.1.push(NotCompared {
        entry: e.summary.entry.clone(),
        why,
    });
}

/// An entry on both sides: its files matched by their path below the entry's path.
fn both(ea: &EntryFiles, eb: &EntryFiles, bases: [&Option<StreamBase>; 2], out: &mut Compared) {
    let unlisted = [ea, eb].into_iter().find(|e| !e.summary.listed);
    if let Some(e) = unlisted {
        return not_compared(e, out);
    }
    let name = &ea.summary.entry;
    let (ka, kb) = (keyed(ea), keyed(eb));
    for (key, (pa, sa)) in &ka {
        let Some((pb, sb)) = kb.get(key) else {
            out.0
                .push(file_change(name, pa, Change::Removed, Some(*sa), None));
            continue;
        };
        if sa != sb {
            out.0
                .push(file_change(name, pb, Change::Resized, Some(*sa), Some(*sb)));
            continue;
        }
        match (bases[0], bases[1]) {
            (Some(x), Some(y)) if same_file(x, pa, y, pb) => out.3 += 1,
            (Some(x), Some(y)) => out.2.push(Pair {
                entry: name.clone(),
                path: pb.clone(),
                size: *sb,
                urls: [x.file_url(pa), y.file_url(pb)],
            }),
            _ => {}
        }
    }
    for (key, (pb, sb)) in &kb {
        if !ka.contains_key(key) {
            out.0
                .push(file_change(name, pb, Change::Added, None, Some(*sb)));
        }
    }
}

/// An entry's files by their path below the entry's path (`""` for the entry's own file).
fn keyed(e: &EntryFiles) -> BTreeMap<String, (String, u64)> {
    let root = &e.summary.path;
    let key = |path: &str| match root.is_empty() {
        true => path.to_string(),
        false if path == root => String::new(),
        false => path
            .strip_prefix(&format!("{root}/"))
            .unwrap_or(path)
            .to_string(),
    };
    let files = e.files.iter();
    files.map(|(p, s)| (key(p), (p.clone(), *s))).collect()
}

/// The same stored file: the same path of the same run, served from the same place.
fn same_file(x: &StreamBase, pa: &str, y: &StreamBase, pb: &str) -> bool {
    pa == pb && x.file_url(pa) == y.file_url(pb)
}

fn file_change(
    entry: &str,
    path: &str,
    change: Change,
    a: Option<u64>,
    b: Option<u64>,
) -> FileChange {
    FileChange {
        entry: entry.to_string(),
        path: path.to_string(),
        change,
        a,
        b,
        a_blake3: None,
        b_blake3: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Resource;
    use crate::inspect::EntrySummary;
    use crate::inspect::diff::compare;

    fn base(run: &str) -> StreamBase {
        StreamBase {
            base: url::Url::parse("http://h:1").unwrap(),
            namespace: "polyaxon".into(),
            owner: "default".into(),
            project: "p".into(),
            uuid: run.into(),
            connection: None,
        }
    }

    fn entry(name: &str, path: &str, files: &[(&str, u64)]) -> EntryFiles {
        let files: Vec<(String, u64)> = files.iter().map(|(p, s)| (p.to_string(), *s)).collect();
        EntryFiles {
            summary: EntrySummary {
                entry: name.into(),
                kind: "dir".into(),
                path: path.into(),
                listed: true,
                files: files.len() as u64,
                bytes: files.iter().map(|f| f.1).sum(),
                why: None,
                broken: Vec::new(),
            },
            files,
        }
    }

    fn version(run: &str, entries: Vec<EntryFiles>) -> VersionFiles {
        VersionFiles {
            version: Resource {
                raw: serde_json::json!({}),
                item: Default::default(),
            },
            base: Some(base(run)),
            entries,
        }
    }

    fn changes(d: &[FileChange]) -> Vec<(&str, Change, Option<u64>, Option<u64>)> {
        d.iter()
            .map(|f| (f.path.as_str(), f.change, f.a, f.b))
            .collect()
    }

    #[test]
    fn files_are_added_removed_resized_or_left_to_their_bytes() {
        let a = version(
            "r1",
            vec![entry(
                "m",
                "out/m",
                &[("out/m/a", 1), ("out/m/b", 2), ("out/m/c", 3)],
            )],
        );
        let b = version(
            "r2",
            vec![entry(
                "m",
                "out/m2",
                &[("out/m2/b", 5), ("out/m2/c", 3), ("out/m2/d", 4)],
            )],
        );
        let (files, not_compared, pairs, same) = compare_files(&a, &b);
        assert_eq!(
            changes(&files),
            vec![
                ("out/m/a", Change::Removed, Some(1), None),
                ("out/m2/b", Change::Resized, Some(2), Some(5)),
                ("out/m2/d", Change::Added, None, Some(4)),
            ]
        );
        assert!(not_compared.is_empty());
        assert_eq!(same, 0);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].path, "out/m2/c");
        assert!(
            pairs[0].urls[0]
                .as_str()
                .contains("/runs/r1/artifact?path=out%2Fm%2Fc&force=true")
        );
        assert!(
            pairs[0].urls[1]
                .as_str()
                .contains("/runs/r2/artifact?path=out%2Fm2%2Fc&force=true")
        );
    }

    #[test]
    fn the_same_file_of_the_same_run_is_not_hashed_and_unlisted_entries_are_said() {
        let mut events = entry("ev", "events/x.plx", &[]);
        events.summary.listed = false;
        events.summary.why = Some("an event package".into());
        let a = version("r1", vec![entry("m", "m", &[("m/a", 1)]), events.clone()]);
        let b = version("r1", vec![entry("m", "m", &[("m/a", 1)]), events]);
        let (files, not_compared, pairs, same) = compare_files(&a, &b);
        assert!(files.is_empty() && pairs.is_empty());
        assert_eq!(same, 1);
        assert_eq!(
            not_compared,
            vec![NotCompared {
                entry: "ev".into(),
                why: "an event package".into()
            }]
        );
        let (diff, _) = compare(&a, &b);
        assert!(diff.equal, "{diff:?}");
        assert_eq!(diff.same_size.same_file, 1);
    }

    #[test]
    fn entries_on_one_side_bring_all_their_files_and_hashes_add_changed_files_in_order() {
        let a = version("r1", vec![entry("m", "m", &[("m/a", 1), ("m/z", 7)])]);
        let b = version(
            "r2",
            vec![
                entry("m", "m", &[("m/a", 1), ("m/z", 7)]),
                entry("n", "n", &[("n/x", 2)]),
            ],
        );
        let (diff, pairs) = compare(&a, &b);
        assert_eq!(
            changes(&diff.files),
            vec![("n/x", Change::Added, None, Some(2))]
        );
        assert_eq!(diff.same_size.files, 2);
        let hashes = [
            ["h1".to_string(), "h1".to_string()],
            ["h2".to_string(), "h3".to_string()],
        ];
        let diff = diff.with_hashes(&pairs, &hashes);
        assert_eq!(
            changes(&diff.files),
            vec![
                ("m/z", Change::Changed, Some(7), Some(7)),
                ("n/x", Change::Added, None, Some(2)),
            ]
        );
        assert_eq!(diff.files[0].b_blake3.as_deref(), Some("h3"));
        assert!(diff.same_size.hashed && !diff.equal);
    }
}
