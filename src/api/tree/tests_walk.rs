//! Unit tests of the walk, against a fake store answering as the CE server does (§13.2).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::TreeListing;
use super::walk::{Folder, Found, LIMITS, Limits, WalkError, walk, walk_entry};
use crate::api::ApiError;
use crate::api::error::TransportKind;
use crate::exit::Code;

const RUN: &str = "6de0b57635c842abb378fb1379d4dfec";
const ENOENT: &str = "Could not list path 6de0b57635c842abb378fb1379d4dfec. Error [Errno 2] No such file or directory: '/srv/plx/6de0b57635c842abb378fb1379d4dfec/outputs/x'";

/// A fake store: listings by run-relative path, counting requests and the most in flight.
#[derive(Default)]
struct Fake {
    listings: HashMap<String, TreeListing>,
    requests: AtomicUsize,
    in_flight: AtomicUsize,
    most: AtomicUsize,
    /// Listings that answer with a transport error.
    broken_transport: Vec<String>,
}

impl Fake {
    /// A store holding these files (run-relative path, size) and these (maybe empty) folders.
    fn of(files: &[(&str, u64)], folders: &[&str]) -> Self {
        let mut fake = Fake::default();
        for (path, size) in files {
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
            fake.folder(dir).files.push((name.to_string(), Some(*size)));
        }
        for dir in folders {
            fake.folder(dir);
        }
        fake
    }

    /// The listing of `dir`, created with its parents (each listed in its parent's `dirs`).
    fn folder(&mut self, dir: &str) -> &mut TreeListing {
        if !dir.is_empty() && !self.listings.contains_key(dir) {
            let (parent, name) = dir.rsplit_once('/').unwrap_or(("", dir));
            self.folder(parent).dirs.push(name.to_string());
        }
        self.listings.entry(dir.to_string()).or_default()
    }

    fn set(&mut self, dir: &str, json: &str) {
        self.listings
            .insert(dir.into(), serde_json::from_str(json).unwrap());
    }

    /// The lister a walk calls: answers after a short wait, like a server.
    fn lister(
        self: &Arc<Self>,
    ) -> impl Fn(String) -> std::pin::Pin<Box<dyn Future<Output = Result<TreeListing, ApiError>> + Send>>
    {
        let fake = self.clone();
        move |path: String| {
            let fake = fake.clone();
            Box::pin(async move {
                fake.requests.fetch_add(1, Ordering::SeqCst);
                let now = fake.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                fake.most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
                fake.in_flight.fetch_sub(1, Ordering::SeqCst);
                if fake.broken_transport.contains(&path) {
                    return Err(ApiError::Transport {
                        method: "GET".into(),
                        url: "http://h/streams/…/tree".into(),
                        kind: TransportKind::Connect,
                        detail: "connection refused".into(),
                    });
                }
                Ok(fake
                    .listings
                    .get(&path)
                    .cloned()
                    .unwrap_or_else(|| TreeListing {
                        error: Some(ENOENT.into()),
                        ..TreeListing::default()
                    }))
            })
        }
    }
}

async fn walk_fake(fake: &Arc<Fake>, root: &str, limits: &Limits) -> Result<Folder, WalkError> {
    walk(RUN, root, limits, &fake.lister()).await
}

fn paths(folder: &Folder) -> Vec<(String, u64)> {
    folder.all_files()
}

#[tokio::test]
async fn a_nested_folder_comes_back_whole_sorted_and_run_relative() {
    let fake = Arc::new(Fake::of(
        &[
            ("outputs/model/w.bin", 300),
            ("outputs/model/config.json", 58),
            ("outputs/model/sub/b.txt", 2),
            ("outputs/model/sub/a b é.txt", 1),
            ("outputs/model/sub/deep/x/y/z.bin", 0),
            ("outputs/other.csv", 9),
        ],
        &["outputs/model/empty"],
    ));
    let folder = walk_fake(&fake, "outputs/model", &LIMITS).await.unwrap();
    assert_eq!(
        paths(&folder),
        vec![
            ("outputs/model/config.json".to_string(), 58),
            ("outputs/model/sub/a b é.txt".to_string(), 1),
            ("outputs/model/sub/b.txt".to_string(), 2),
            ("outputs/model/sub/deep/x/y/z.bin".to_string(), 0),
            ("outputs/model/w.bin".to_string(), 300),
        ]
    );
    assert_eq!(folder.path, "outputs/model");
    assert_eq!(folder.name(), "model");
    let names: Vec<&str> = folder.dirs.iter().map(Folder::name).collect();
    assert_eq!(names, ["empty", "sub"], "sorted, the empty folder kept");
    assert_eq!(folder.file_count(), 5);
    assert_eq!(folder.bytes(), 361);
    assert!(!folder.ambiguous && !folder.has_broken());
    // One listing per folder: model, empty, sub, deep, x, y.
    assert_eq!(fake.requests.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn listings_run_in_parallel_within_the_bound() {
    let files: Vec<(String, u64)> = (0..40)
        .map(|i| (format!("outputs/d/s{i:02}/t{}/f.bin", i % 3), i))
        .collect();
    let refs: Vec<(&str, u64)> = files.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let fake = Arc::new(Fake::of(&refs, &[]));
    let limits = Limits {
        in_flight: 5,
        ..LIMITS
    };
    let folder = walk_fake(&fake, "outputs/d", &limits).await.unwrap();
    assert_eq!(folder.file_count(), 40);
    let most = fake.most.load(Ordering::SeqCst);
    assert!(most > 1 && most <= 5, "{most} listings in flight at most");
}

#[tokio::test]
async fn the_run_root_is_walked_and_never_ambiguous() {
    let fake = Arc::new(Fake::of(&[("outputs", 5)], &[]));
    // A run whose root holds one file named like... nothing: the root has no name.
    let folder = walk_fake(&fake, "", &LIMITS).await.unwrap();
    assert_eq!(paths(&folder), vec![("outputs".to_string(), 5)]);
    assert!(!folder.ambiguous);
    let found = walk_entry(RUN, "", &LIMITS, fake.lister()).await.unwrap();
    assert!(matches!(found, Found::Folder(f) if f.path.is_empty()));
}

#[tokio::test]
async fn a_missing_entry_is_not_found_without_the_servers_path() {
    let fake = Arc::new(Fake::of(&[("outputs/a.bin", 1)], &[]));
    let err = walk_fake(&fake, "outputs/x", &LIMITS).await.unwrap_err();
    assert_eq!(err.exit_code(), Code::NotFound);
    let text = err.to_string();
    assert_eq!(
        text,
        format!("`outputs/x` does not exist in run {RUN} on the server's store")
    );
    assert!(!text.contains("/srv"), "{text}");
}

#[tokio::test]
async fn another_listing_error_fails_and_keeps_the_servers_text_for_debug_only() {
    let mut fake = Fake::of(&[("outputs/a.bin", 1)], &[]);
    fake.set(
        "outputs",
        r#"{"files": {}, "dirs": [], "error": "Could not list path u. Error [Errno 13] Permission denied: '/srv/plx/u/outputs'"}"#,
    );
    let fake = Arc::new(fake);
    let err = walk_fake(&fake, "outputs", &LIMITS).await.unwrap_err();
    assert_eq!(err.exit_code(), Code::Failure);
    assert!(!err.to_string().contains("/srv"), "{err}");
    assert!(
        err.to_string().contains("could not list `outputs`"),
        "{err}"
    );
    assert!(err.server_text().unwrap().contains("Permission denied"));
}

#[tokio::test]
async fn a_broken_link_below_is_recorded_not_fatal() {
    let mut fake = Fake::of(&[("outputs/m/a.bin", 1), ("outputs/m/s/b.bin", 2)], &[]);
    fake.folder("outputs/m").dirs.push("dangling".into());
    let fake = Arc::new(fake);
    let folder = walk_fake(&fake, "outputs/m", &LIMITS).await.unwrap();
    assert_eq!(folder.broken, vec!["dangling".to_string()]);
    assert!(folder.has_broken());
    assert_eq!(folder.file_count(), 2);
    // A nested error other than "missing" still fails the walk.
    let mut fake = Fake::of(&[("outputs/m/a.bin", 1)], &[]);
    fake.folder("outputs/m").dirs.push("locked".into());
    fake.set(
        "outputs/m/locked",
        r#"{"error": "Error [Errno 13] Permission denied"}"#,
    );
    let err = walk_fake(&Arc::new(fake), "outputs/m", &LIMITS)
        .await
        .unwrap_err();
    assert!(matches!(err, WalkError::Refused { ref path, .. } if path == "outputs/m/locked"));
}

#[tokio::test]
async fn unsafe_or_duplicate_names_are_refused_as_integrity_errors() {
    let cases = [
        (r#"{"files": {"..": 1}}"#, "\"..\""),
        (r#"{"files": {".": 1}}"#, "\".\""),
        (r#"{"files": {"": 1}}"#, "\"\""),
        (r#"{"files": {"a/b": 1}}"#, "\"a/b\""),
        (r#"{"dirs": ["../up"]}"#, "\"../up\""),
        (r#"{"dirs": [".."]}"#, "\"..\""),
        (r#"{"files": {"nul\u0000": 1}}"#, "nul"),
        (r#"{"files": {"x": 1, "x": 2}}"#, "lists \"x\" twice"),
        (r#"{"files": {"x": 1}, "dirs": ["x"]}"#, "lists \"x\" twice"),
        (r#"{"dirs": ["d", "d"]}"#, "lists \"d\" twice"),
        (r#"{"files": {"x": null}}"#, "no size"),
        (r#"{"files": {"x": -5}}"#, "no size"),
    ];
    for (json, needle) in cases {
        let mut fake = Fake::default();
        fake.set("outputs/m", json);
        let err = walk_fake(&Arc::new(fake), "outputs/m", &LIMITS)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), Code::Integrity, "{json}");
        let text = err.to_string();
        assert!(
            text.contains("is unsafe") && text.contains(needle),
            "{json}: {text}"
        );
    }
}

/// Every path whose last part is `loop` lists `loop` again: a link to its own folder.
fn looping() -> Fake {
    let mut fake = Fake::of(&[("outputs/l/f.bin", 1)], &[]);
    fake.folder("outputs/l").dirs.push("loop".into());
    let mut path = "outputs/l".to_string();
    for _ in 0..200 {
        path.push_str("/loop");
        fake.set(&path, r#"{"files": {"f.bin": 1}, "dirs": ["loop"]}"#);
    }
    fake
}

#[tokio::test]
async fn a_link_loop_stops_at_the_depth_bound() {
    let fake = Arc::new(looping());
    let limits = Limits {
        depth: 10,
        ..LIMITS
    };
    let err = walk_fake(&fake, "outputs/l", &limits).await.unwrap_err();
    assert_eq!(err.exit_code(), Code::Integrity);
    assert!(
        err.to_string().contains("more than 10 folder levels"),
        "{err}"
    );
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(fake.requests.load(Ordering::SeqCst) <= 11);
}

#[tokio::test]
async fn file_and_folder_counts_are_bounded() {
    let fake = Arc::new(looping());
    let files = Limits { files: 5, ..LIMITS };
    let err = walk_fake(&fake, "outputs/l", &files).await.unwrap_err();
    assert!(err.to_string().contains("more than 5 files"), "{err}");
    let folders = Limits {
        folders: 3,
        ..LIMITS
    };
    let err = walk_fake(&fake, "outputs/l", &folders).await.unwrap_err();
    assert!(err.to_string().contains("more than 3 folders"), "{err}");
    assert!(fake.requests.load(Ordering::SeqCst) <= 6 + 3);
}

#[tokio::test]
async fn a_file_entry_is_told_apart_by_its_parent() {
    // Listing a file answers like a folder holding it (§13.2).
    let mut fake = Fake::of(&[("outputs/data/train.csv", 7)], &[]);
    fake.set(
        "outputs/data/train.csv",
        r#"{"files": {"train.csv": 7}, "dirs": []}"#,
    );
    let fake = Arc::new(fake);
    let found = walk_entry(RUN, "outputs/data/train.csv", &LIMITS, fake.lister())
        .await
        .unwrap();
    assert_eq!(
        found,
        Found::File {
            path: "outputs/data/train.csv".into(),
            size: 7
        }
    );
}

#[tokio::test]
async fn a_folder_holding_its_namesake_or_a_link_stays_ambiguous() {
    // A folder `outputs/ckpt` holding only `ckpt`: the parent lists it under `dirs`, which a
    // symbolic link to a file would be too.
    let fake = Arc::new(Fake::of(&[("outputs/ckpt/ckpt", 4)], &[]));
    let found = walk_entry(RUN, "outputs/ckpt", &LIMITS, fake.lister())
        .await
        .unwrap();
    let Found::Folder(folder) = found else {
        panic!("{found:?}")
    };
    assert!(folder.ambiguous);
    assert_eq!(paths(&folder), vec![("outputs/ckpt/ckpt".to_string(), 4)]);
    // Nested: the same shape below the entry is flagged too; other folders are not.
    let fake = Arc::new(Fake::of(
        &[("outputs/m/latest/latest", 4), ("outputs/m/s/t", 1)],
        &[],
    ));
    let folder = walk_fake(&fake, "outputs/m", &LIMITS).await.unwrap();
    let flags: Vec<bool> = folder.dirs.iter().map(|d| d.ambiguous).collect();
    assert_eq!(flags, [true, false]);
}

#[tokio::test]
async fn a_failed_request_keeps_its_exit_code() {
    let mut fake = Fake::of(&[("outputs/m/s/a.bin", 1)], &[]);
    fake.broken_transport.push("outputs/m/s".into());
    let err = walk_fake(&Arc::new(fake), "outputs/m", &LIMITS)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), Code::Unreachable);
    assert!(
        err.to_string().starts_with("listing `outputs/m/s`: "),
        "{err}"
    );
}
