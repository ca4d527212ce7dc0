//! Fake-server tests for folder pulls planned from the tree (issue 12): what the sandbox cannot
//! do on demand. A tarball that keeps a deleted file, lacks a listed one, or is corrupt; a body
//! shorter than the listed size with a matching length; a tree answer with an `error`.
#![allow(clippy::print_stderr)]

use std::path::Path;

use serde_json::{Value, json};

use crate::support::fake::*;
use crate::support::files::{assert_no_partial, blob, tarball, tree};

/// v1: a model folder `m` (two 300 kB files, one request each, and `tok/` of ten small files,
/// one tarball) and a file `f`. Tarballs come from `cache`, which keeps deleted files as the
/// server's cache does; scripted acts answer the next tarball requests, or the next requests
/// of `w1.bin`.
pub struct Fixture {
    pub server: Server,
    pub store: Store,
    pub cache: Store,
    pub on_tar: Script,
    pub on_file: Script,
    pub root: tempfile::TempDir,
}

impl Fixture {
    pub fn dest(&self) -> std::path::PathBuf {
        self.root.path().join("artifacts/v1")
    }

    pub fn pull(&self, extra: &[&str]) -> (i32, String, String) {
        pull_v1(&self.server.url, self.root.path(), extra)
    }

    /// Writes a file into the store (and the server's cache).
    pub fn put(&self, path: &str, bytes: &[u8]) {
        self.store.put(path, bytes);
        self.cache.put(path, bytes);
    }

    /// Download requests sent: (files, tarballs).
    pub fn downloads(&self) -> (usize, usize) {
        let streams = |suffix| {
            let hits = self.server.hits(suffix, None);
            hits.iter().filter(|r| r.path.contains("/streams/")).count()
        };
        (streams("/artifact"), streams("/artifacts"))
    }
}

pub fn fixture() -> Fixture {
    let lineage = json!([
        lin("m", "model", "outputs/m"),
        lin("f", "file", "outputs/f.txt")
    ]);
    let version = version_json("v1", lineage).to_string();
    let (store, cache) = (Store::default(), Store::default());
    let (on_tar, on_file) = (Script::default(), Script::default());
    let (st, ca, ot, of) = (
        store.clone(),
        cache.clone(),
        on_tar.clone(),
        on_file.clone(),
    );
    let server = Server::start(move |req, _| {
        let path = req.path.as_str();
        if path == VERSION_PATH {
            return ok(version.clone());
        }
        if path == RUN_PATH {
            return run_detail();
        }
        if path == LIST_PATH {
            let item: Value = serde_json::from_str(&version).unwrap();
            return ok(json!({"count": 1, "next": null, "results": [item]}).to_string());
        }
        // Scripted file answers are for w1 only.
        let targeted = req.param("path").as_deref() == Some("outputs/m/w1.bin");
        let script = match path {
            p if p.ends_with("/artifacts") => &ot,
            p if p.ends_with("/artifact") && targeted => &of,
            p if p.ends_with("/artifact") => return Act::Send(st.answer(req).unwrap()),
            _ => return Act::Send(st.answer(req).expect("a listing")),
        };
        let whole = match path.ends_with("/artifacts") {
            true => ca.answer(req),
            false => st.answer(req),
        };
        script
            .next()
            .unwrap_or_else(|| Act::Send(whole.expect("a download")))
    });
    let f = Fixture {
        server,
        store,
        cache,
        on_tar,
        on_file,
        root: tempfile::tempdir().unwrap(),
    };
    f.put("outputs/m/w1.bin", &blob(300_000, 1));
    f.put("outputs/m/w2.bin", &blob(300_000, 2));
    for i in 0..10 {
        f.put(
            &format!("outputs/m/tok/t{i:02}.txt"),
            format!("token {i}").as_bytes(),
        );
    }
    f.put("outputs/f.txt", b"metric");
    f
}

/// The tokenizer's tarball as the server would build it from `files` (relative to `tok/`).
fn tok_tarball(files: &[(String, Vec<u8>)]) -> Act {
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), &b[..])).collect();
    Act::Send(disposition(reply(200, tarball(&refs)), "tok.tar.gz"))
}

fn read(dest: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(dest.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn a_folder_is_fetched_per_file_and_as_a_tarball_and_checked() {
    let f = fixture();
    let (code, out, err) = f.pull(&["-o", "json"]);
    assert_eq!(code, 0, "{err}");
    // Two weights and the file one request each (force=true), the tokenizer one tarball.
    assert_eq!(f.downloads(), (3, 1));
    let files = f.server.hits("/artifact", None);
    assert!(
        files
            .iter()
            .all(|r| r.param("force").as_deref() == Some("true"))
    );
    assert_eq!(
        f.server.hits("/artifacts", None)[0]
            .param("path")
            .as_deref(),
        Some("outputs/m/tok")
    );
    let dest = f.dest();
    assert_eq!(read(&dest, "outputs/m/w1.bin"), blob(300_000, 1));
    assert_eq!(read(&dest, "outputs/m/tok/t07.txt"), b"token 7");
    let report: Value = serde_json::from_str(&out).unwrap();
    let m = &report["versions"][0]["entries"][1];
    assert_eq!(
        (m["entry"].as_str(), m["files"].as_u64()),
        (Some("m"), Some(12))
    );
    assert_eq!(m["status"], "downloaded");
    let (code, out, err) = crate::support::pxa().arg("verify").arg(&dest).run();
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_file_deleted_from_the_store_does_not_come_back_from_the_tarball() {
    let f = fixture();
    assert_eq!(f.pull(&[]).0, 0);
    f.store.remove("outputs/m/tok/t03.txt");
    let (code, out, err) = f.pull(&["-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        f.downloads().1,
        2,
        "the tarball (still holding t03) was asked for"
    );
    let dest = f.dest();
    assert!(!dest.join("outputs/m/tok/t03.txt").exists(), "it came back");
    assert!(dest.join("outputs/m/tok/t04.txt").exists());
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["versions"][0]["entries"][1]["files"], 11);
    let manifest = std::fs::read_to_string(dest.join(".pxa-manifest.json")).unwrap();
    assert!(!manifest.contains("t03.txt"), "{manifest}");
}

#[test]
fn a_file_overwritten_in_the_store_comes_back_with_its_new_bytes() {
    let f = fixture();
    assert_eq!(f.pull(&[]).0, 0);
    f.put("outputs/m/w1.bin", &blob(300_000, 9));
    f.put("outputs/m/tok/t01.txt", b"changed token");
    let (code, _, err) = f.pull(&[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(&f.dest(), "outputs/m/w1.bin"), blob(300_000, 9));
    assert_eq!(read(&f.dest(), "outputs/m/tok/t01.txt"), b"changed token");
}

#[test]
fn files_a_tarball_lacks_are_fetched_one_by_one() {
    let f = fixture();
    let without_t05: Vec<(String, Vec<u8>)> = (0..10)
        .filter(|i| *i != 5)
        .map(|i| (format!("t{i:02}.txt"), format!("token {i}").into_bytes()))
        .collect();
    f.on_tar.set(vec![tok_tarball(&without_t05)]);
    let (code, _, err) = f.pull(&[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(read(&f.dest(), "outputs/m/tok/t05.txt"), b"token 5");
    let asked = f
        .server
        .hits("/artifact", Some(("path", "outputs/m/tok/t05.txt")));
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].param("force").as_deref(), Some("true"));
}

#[test]
fn a_body_shorter_than_listed_is_retried_then_reported_with_its_entry() {
    let f = fixture();
    assert_eq!(f.pull(&[]).0, 0);
    let before = tree(&f.dest());
    // A whole answer (its Content-Length matches) of a file cut short: only the tree knows.
    let short = || Act::Send(reply(200, blob(300_000, 1)[..1000].to_vec()));
    f.on_file.set(vec![short(); 3]);
    let (code, _, err) = f.pull(&["--retries", "1"]);
    assert_eq!(code, 9, "{err}");
    assert!(
        err.contains(
            "entry `m`: outputs/m/w1.bin: received 1000 bytes, the server's tree lists 300000 \
             (after 2 attempts)"
        ),
        "{err}"
    );
    assert_eq!(tree(&f.dest()), before, "the previous copy changed");
    assert_no_partial(&f.dest());
    f.on_file.set(vec![short()]);
    let (code, _, err) = f.pull(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("received 1000 bytes, the server's tree lists 300000"),
        "{err}"
    );
    assert_eq!(read(&f.dest(), "outputs/m/w1.bin"), blob(300_000, 1));
}

#[test]
fn a_corrupt_tarball_is_retried_then_reported_with_its_entry() {
    let f = fixture();
    assert_eq!(f.pull(&[]).0, 0);
    let before = tree(&f.dest());
    let garbage = || Act::Send(disposition(reply(200, blob(5000, 3)), "tok.tar.gz"));
    f.on_tar.set(vec![garbage(); 3]);
    let (code, _, err) = f.pull(&["--retries", "2"]);
    assert_eq!(code, 9, "{err}");
    assert!(
        err.contains("entry `m`: outputs/m/tok: the archive could not be read"),
        "{err}"
    );
    assert!(err.contains("(after 3 attempts)"), "{err}");
    assert_eq!(f.downloads().1, 4, "three attempts after the first pull");
    assert_eq!(tree(&f.dest()), before);
    assert_no_partial(&f.dest());
}

#[test]
fn a_tarball_with_a_size_that_differs_from_the_tree_is_retried() {
    let f = fixture();
    let mut files: Vec<(String, Vec<u8>)> = (0..10)
        .map(|i| (format!("t{i:02}.txt"), format!("token {i}").into_bytes()))
        .collect();
    files[2].1 = b"a stale, longer token".to_vec();
    f.on_tar.set(vec![tok_tarball(&files)]);
    let (code, _, err) = f.pull(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("`t02.txt` is 21 bytes in the tarball, the server's tree lists 7"),
        "{err}"
    );
    assert_eq!(read(&f.dest(), "outputs/m/tok/t02.txt"), b"token 2");
    assert_eq!(f.downloads().1, 2);
}

#[test]
fn a_tree_answer_with_an_error_fails_without_showing_the_server_path() {
    let lineage = json!([lin("m", "model", "outputs/m")]);
    let secret = "/srv/secret-mount/plx/artifacts/6de0/outputs/m";
    let server = Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| {
            let text = format!(
                "Could not list path outputs/m. Error [Errno 13] Permission denied: '{secret}'"
            );
            assert!(req.path.ends_with("/tree"), "a download was sent: {req:?}");
            reply(
                200,
                json!({"files": {}, "dirs": [], "error": text}).to_string(),
            )
        },
    ));
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull_v1(&server.url, root.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("entry `m`: the server could not list `outputs/m` of run"),
        "{err}"
    );
    assert!(!err.contains("/srv/secret-mount"), "{err}");
    let (code, _, err) = pull_v1(&server.url, root.path(), &["-v"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(secret), "-v shows the server's words: {err}");
    assert!(!root.path().join("artifacts/v1").exists());
}

#[test]
fn a_missing_path_on_the_store_exits_3() {
    let lineage = json!([lin("m", "model", "outputs/gone")]);
    let store = Store::new(&[("outputs/other.bin", b"x")]);
    let server = Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| store.answer(req).unwrap(),
    ));
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull_v1(&server.url, root.path(), &[]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("entry `m`: `outputs/gone` does not exist in run"),
        "{err}"
    );
    assert!(!err.contains("/srv/"), "{err}");
    assert_eq!(server.hits("/artifacts", None).len(), 0);
}
