//! Listing past one page while versions change (contract §13.5): the server's default order
//! (`-updated_at`) moves under offset paging, so an update sends a not-yet-seen version to the
//! front (missed) and a new one shifts the rest (seen twice). A fake registry that changes
//! between pages, as the sandbox does when others write, shows `ls --all` and `pull -a` still
//! list every version once, in the server's default order.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::support::fake::{Server, ok};
use crate::support::pxa;

/// One version as the fake holds it: (uuid, name, created, updated), times as counters.
type Version = (String, String, u64, u64);

/// How many versions exist before the listing starts.
const BEFORE: u64 = 250;

fn stamp(t: u64) -> String {
    // Distinct, ordered timestamps; whole seconds come without a fraction, as Django sends them.
    let (s, micros) = (t / 3, (t % 3) * 250_000);
    let base = format!("2026-11-27T10:{:02}:{:02}", s / 60, s % 60);
    match micros {
        0 => format!("{base}Z"),
        m => format!("{base}.{m:06}Z"),
    }
}

/// A registry of [`BEFORE`] versions that, after answering each list request, creates two
/// versions and updates the three least recently updated ones.
fn changing_registry() -> (Server, Arc<Mutex<Vec<Version>>>) {
    let versions: Vec<Version> = (0..BEFORE)
        .map(|i| (format!("u{i:04}"), format!("v{i:04}"), i, i))
        .collect();
    let state = Arc::new(Mutex::new(versions));
    let shared = state.clone();
    let server = Server::start(move |req, _| {
        let mut all = shared.lock().unwrap();
        let list = "/api/v1/default/demo/versions/artifact";
        if let Some(name) = req.path.strip_prefix(&format!("{list}/")) {
            let v = all.iter().find(|v| v.1 == name).unwrap();
            return ok(json!({"uuid": v.0, "name": name, "meta_info": {}}).to_string());
        }
        let mut sorted = all.clone();
        match req.param("sort").as_deref() {
            Some("created_at,uuid") => sorted.sort_by_key(|v| (v.2, v.0.clone())),
            Some(other) => panic!("unexpected sort {other}"),
            None => sorted.sort_by_key(|v| std::cmp::Reverse(v.3)),
        }
        let param = |k: &str, d: usize| req.param(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        let (offset, limit) = (param("offset", 0), param("limit", 20).min(100));
        let page: Vec<Value> = sorted
            .iter()
            .skip(offset)
            .take(limit)
            .map(|(uuid, name, created, updated)| {
                json!({"uuid": uuid, "name": name, "created_at": stamp(*created),
                       "updated_at": stamp(*updated)})
            })
            .collect();
        let count = sorted.len();
        let next = (offset + limit < count).then_some("next");
        // Others write meanwhile.
        let now = all.iter().map(|v| v.2.max(v.3)).max().unwrap_or(0);
        for k in 1..=2 {
            let i = all.len();
            all.push((format!("u{i:04}"), format!("v{i:04}"), now + k, now + k));
        }
        let mut oldest: Vec<usize> = (0..all.len()).collect();
        oldest.sort_by_key(|&i| all[i].3);
        for (k, i) in oldest.into_iter().take(3).enumerate() {
            all[i].3 = now + 3 + k as u64;
        }
        ok(json!({"count": count, "next": next, "results": page}).to_string())
    });
    (server, state)
}

/// Every name is listed once, every version that existed before the listing is there, the
/// order is the server's default one (most recently updated first), and the fake did change.
fn assert_complete_and_ordered(listed: &[Value], state: &Mutex<Vec<Version>>) {
    let names: Vec<&str> = listed.iter().map(|v| v["name"].as_str().unwrap()).collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "duplicates in {names:?}");
    for i in 0..BEFORE {
        let name = format!("v{i:04}");
        assert!(names.contains(&name.as_str()), "{name} missed");
    }
    // As each was read (a version updated after it was read shows its older time).
    let order: Vec<chrono::DateTime<chrono::FixedOffset>> = listed
        .iter()
        .map(|v| chrono::DateTime::parse_from_rfc3339(v["updated_at"].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] >= w[1]),
        "not most recently updated first"
    );
    assert!(
        state.lock().unwrap().len() > BEFORE as usize + 4,
        "nothing changed meanwhile"
    );
}

#[test]
fn ls_all_lists_every_version_once_while_versions_change() {
    let (server, state) = changing_registry();
    let (code, out, err) = pxa()
        .args([
            "ls",
            "-p",
            "demo",
            "--all",
            "-o",
            "json",
            "--host",
            &server.url,
        ])
        .run();
    assert_eq!(code, 0, "{err}");
    let listed: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_complete_and_ordered(&listed, &state);
    // A limit past one page and an offset apply to that order too.
    let (code, out, err) = pxa()
        .args([
            "ls", "-p", "demo", "-l", "150", "--offset", "5", "-o", "json",
        ])
        .args(["--host", &server.url])
        .run();
    assert_eq!(code, 0, "{err}");
    let listed: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(listed.len(), 150);
}

#[test]
fn pull_all_pulls_every_version_once_while_versions_change() {
    let (server, state) = changing_registry();
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = pxa()
        .args([
            "pull",
            "-p",
            "demo",
            "-a",
            "--no-artifacts",
            "--quiet",
            "-o",
            "json",
        ])
        .args(["--host", &server.url, "--path"])
        .arg(root.path())
        .run();
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let pulled: Vec<Value> = report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| json!({"name": v["version"]}))
        .collect();
    let names: Vec<&str> = pulled.iter().map(|v| v["name"].as_str().unwrap()).collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "a version pulled twice");
    for i in 0..BEFORE {
        assert!(
            names.contains(&format!("v{i:04}").as_str()),
            "v{i:04} missed"
        );
    }
    drop(state);
}
