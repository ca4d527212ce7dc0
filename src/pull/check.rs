//! What arrived against what the server's tree listed: a raw file's size, and an extracted
//! tarball's files (extras deleted, missing ones handed back, a size mismatch retried).
//!
//! The listing is the only defence against the server's races (contract §13.3): a file asked
//! for twice at once can be served cut short with a matching `Content-Length`, and a tarball
//! keeps files deleted from the store.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use super::download::{Failure, Got, Target};
use super::verify::FileRecord;
use crate::exit::Code;

/// A raw file must be what the listing holds: one file, of the listed size.
pub fn file(record: &FileRecord, target: &Target) -> Result<(), Failure> {
    let Some(expect) = &target.expect else {
        return Ok(());
    };
    match expect.as_slice() {
        [(_, size)] if *size == record.size => Ok(()),
        [(_, size)] => Err(Failure::new(
            Code::Integrity,
            true,
            format!(
                "received {} bytes, the server's tree lists {size}",
                record.size
            ),
        )),
        _ => Err(Failure::new(
            Code::Integrity,
            false,
            format!(
                "the server sent one file where its tree lists {} files",
                expect.len()
            ),
        )),
    }
}

/// Checks an extracted tarball against the listing: files it does not list are deleted (the
/// server's cache keeps files deleted from the store), a size that differs fails the attempt
/// (retried), and listed files the tarball lacked are returned as missing.
pub fn tree(files: Vec<FileRecord>, target: &Target) -> Result<Got, Failure> {
    let Some(expect) = &target.expect else {
        return Ok(Got::Tree {
            files,
            missing: Vec::new(),
        });
    };
    let listed: HashMap<&str, u64> = expect.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let mut kept = Vec::with_capacity(files.len());
    let mut wrong = Vec::new();
    for f in files {
        match listed.get(f.path.as_str()) {
            None => drop_extra(&target.extract, &f.path).map_err(Failure::io)?,
            Some(size) if *size != f.size || f.link.is_some() => {
                wrong.push((f.path, f.size, *size))
            }
            Some(_) => kept.push(f),
        }
    }
    if let Some((path, got, listed)) = wrong.first() {
        let more = match wrong.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        return Err(Failure::new(
            Code::Integrity,
            true,
            format!(
                "`{path}` is {got} bytes in the tarball, the server's tree lists {listed}{more}"
            ),
        ));
    }
    let have: std::collections::HashSet<&str> = kept.iter().map(|f| f.path.as_str()).collect();
    let missing = expect
        .iter()
        .filter(|(p, _)| !have.contains(p.as_str()))
        .cloned()
        .collect();
    Ok(Got::Tree {
        files: kept,
        missing,
    })
}

/// Deletes a file the listing does not have, and the folders that leaves empty.
fn drop_extra(root: &Path, rel: &str) -> std::io::Result<()> {
    let path = root.join(rel);
    fs::remove_file(&path)?;
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != root && d.starts_with(root)) {
        if fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pull::download::Answer;

    fn target(root: &Path, expect: &[(&str, u64)]) -> Target {
        Target {
            answer: Answer::Tar,
            part: root.join("p"),
            validator: root.join("v"),
            extract: root.to_path_buf(),
            archive: None,
            expect: Some(expect.iter().map(|(p, s)| (p.to_string(), *s)).collect()),
        }
    }

    fn rec(root: &Path, path: &str, size: usize) -> FileRecord {
        let full = root.join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(&full, vec![b'x'; size]).unwrap();
        FileRecord {
            path: path.into(),
            size: size as u64,
            blake3: String::new(),
            link: None,
            mtime_ns: None,
        }
    }

    #[test]
    fn extras_are_deleted_and_missing_files_returned() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let files = vec![rec(d, "a", 1), rec(d, "old/gone.txt", 2), rec(d, "b/c", 3)];
        let t = target(d, &[("a", 1), ("b/c", 3), ("b/new", 4)]);
        let Got::Tree { files, missing } = tree(files, &t).unwrap() else {
            panic!("a tree")
        };
        let kept: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(kept, ["a", "b/c"]);
        assert_eq!(missing, vec![("b/new".to_string(), 4)]);
        assert!(!d.join("old").exists(), "emptied folder removed");
        assert!(d.join("b/c").exists());
    }

    #[test]
    fn a_size_that_differs_fails_the_attempt_for_a_retry() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let files = vec![rec(d, "a", 1), rec(d, "b", 2), rec(d, "c", 2)];
        let t = target(d, &[("a", 1), ("b", 5), ("c", 5)]);
        let err = tree(files, &t).unwrap_err();
        assert!(crate::api::retry::Transient::is_transient(&err));
        assert_eq!(err.code, Code::Integrity);
        assert_eq!(
            err.message,
            "`b` is 2 bytes in the tarball, the server's tree lists 5 (and 1 more)"
        );
    }

    #[test]
    fn a_raw_file_must_be_the_one_listed_file_of_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let r = rec(d, "f", 3);
        assert!(file(&r, &target(d, &[("", 3)])).is_ok());
        let short = file(&r, &target(d, &[("", 9)])).unwrap_err();
        assert_eq!(short.message, "received 3 bytes, the server's tree lists 9");
        let folder = file(&r, &target(d, &[("x", 3), ("y", 1)])).unwrap_err();
        assert!(
            folder.message.contains("lists 2 files"),
            "{}",
            folder.message
        );
        let mut unlisted = target(d, &[]);
        unlisted.expect = None;
        assert!(file(&r, &unlisted).is_ok());
    }
}
