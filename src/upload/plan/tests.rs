//! The plan's rules: what is sent again, what goes in the archive, what is refused.

use std::path::PathBuf;

use serde_json::Value;

use super::*;
use crate::api::tree::TreeFile;
use crate::upload::local::{LocalFile, Spec};

fn entry(is_dir: bool, files: &[(&str, u64)]) -> LocalEntry {
    LocalEntry {
        spec: Spec {
            name: Some("e".into()),
            kind: "dir".into(),
            local: PathBuf::from("/l"),
            dest: "outputs/e".into(),
            summary: Value::Null,
            is_input: false,
        },
        is_dir,
        files: files
            .iter()
            .map(|(rel, size)| LocalFile {
                rel: rel.to_string(),
                size: *size,
                mtime: 0,
            })
            .collect(),
    }
}

fn remote(files: &[(&str, u64)], dirs: &[&str]) -> Remote {
    Remote {
        exists: true,
        files: files.iter().map(|(p, s)| (p.to_string(), *s)).collect(),
        dirs: dirs.iter().map(|d| d.to_string()).collect(),
    }
}

#[test]
fn only_missing_or_resized_files_are_sent_again() {
    let e = entry(true, &[("a", 1), ("b", 2), ("c", 3)]);
    let r = remote(&[("a", 1), ("b", 9)], &[]);
    let t = todo(&e, &r, false);
    assert_eq!(
        t,
        [
            Send {
                index: 1,
                overwrite: true
            },
            Send {
                index: 2,
                overwrite: false
            }
        ]
    );
    assert_eq!(todo(&e, &r, true).len(), 3, "--force sends everything");
    assert!(todo(&e, &remote(&[("a", 1), ("b", 2), ("c", 3)], &[]), false).is_empty());
}

#[test]
fn small_files_share_an_archive_only_in_a_new_or_empty_folder() {
    let e = entry(true, &[("big", SMALL), ("s1", 10), ("s2", 20)]);
    let fresh = Remote::default();
    let p = pieces(&e, &todo(&e, &fresh, false), &fresh);
    assert_eq!(
        p,
        [
            Piece::Archive {
                files: vec![1, 2],
                overwrite: false
            },
            Piece::File(Send {
                index: 0,
                overwrite: false
            })
        ]
    );
    let empty = remote(&[], &[]);
    let p = pieces(&e, &todo(&e, &empty, false), &empty);
    assert_eq!(
        p[0],
        Piece::Archive {
            files: vec![1, 2],
            overwrite: true
        }
    );
    // A folder that holds anything: one request per file, nothing replaced but those files.
    let partial = remote(&[("s1", 10)], &[]);
    let p = pieces(&e, &todo(&e, &partial, false), &partial);
    assert!(p.iter().all(|p| matches!(p, Piece::File(_))), "{p:?}");
    assert_eq!(p.len(), 2);
    // One small file is not worth an archive.
    let one = entry(true, &[("s1", 10)]);
    assert_eq!(pieces(&one, &todo(&one, &fresh, false), &fresh).len(), 1);
    assert!(matches!(
        pieces(&one, &todo(&one, &fresh, false), &fresh)[0],
        Piece::File(_)
    ));
}

#[test]
fn a_file_never_replaces_a_folder_nor_a_folder_a_file() {
    let file = entry(false, &[("", 5)]);
    assert_eq!(
        conflict(&file, &remote(&[("x", 1)], &[]), true),
        Some(Conflict::FolderInTheWay {
            path: "outputs/e".into()
        })
    );
    assert_eq!(conflict(&file, &remote(&[("", 4)], &[]), true), None);
    let dir = entry(true, &[("a/b.txt", 1), ("c", 2)]);
    assert_eq!(
        conflict(&dir, &remote(&[("", 4)], &[]), true),
        Some(Conflict::FileInTheWay {
            path: "outputs/e".into()
        })
    );
    assert_eq!(
        conflict(&dir, &remote(&[("a", 4)], &[]), true),
        Some(Conflict::FileInTheWay {
            path: "outputs/e/a".into()
        })
    );
    assert_eq!(
        conflict(&dir, &remote(&[], &["c"]), true),
        Some(Conflict::FolderInTheWay {
            path: "outputs/e/c".into()
        })
    );
}

#[test]
fn another_size_is_a_conflict_unless_the_files_may_be_replaced() {
    let dir = entry(true, &[("a", 1), ("c", 2)]);
    let r = remote(&[("a", 1), ("c", 7)], &[]);
    assert_eq!(
        conflict(&dir, &r, false),
        Some(Conflict::Differs {
            path: "outputs/e/c".into(),
            local: 2,
            remote: 7
        })
    );
    assert_eq!(conflict(&dir, &r, true), None);
    assert_eq!(
        conflict(&dir, &remote(&[("a", 1), ("other", 3)], &[]), false),
        None
    );
}

#[test]
fn a_walked_folder_becomes_paths_relative_to_the_destination() {
    let folder = Folder {
        path: "outputs/e".into(),
        files: vec![TreeFile {
            name: "a".into(),
            size: 1,
        }],
        dirs: vec![Folder {
            path: "outputs/e/sub".into(),
            files: vec![TreeFile {
                name: "b".into(),
                size: 2,
            }],
            ..Folder::default()
        }],
        broken: vec!["gone".into()],
        ambiguous: false,
    };
    let r = Remote::from_walk(Ok(Found::Folder(folder)), "outputs/e").unwrap();
    assert_eq!(r, remote(&[("a", 1), ("sub/b", 2)], &["gone", "sub"]));
    let missing = Err(WalkError::Missing {
        run: "u".into(),
        path: "outputs/e".into(),
    });
    assert_eq!(
        Remote::from_walk(missing, "outputs/e").unwrap(),
        Remote::default()
    );
    let file = Found::File {
        path: "outputs/e".into(),
        size: 3,
    };
    assert_eq!(
        Remote::from_walk(Ok(file), "outputs/e").unwrap(),
        remote(&[("", 3)], &[])
    );
}
