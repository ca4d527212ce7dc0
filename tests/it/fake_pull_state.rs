//! Fake-server tests for the state `pxa pull` leaves behind: the previous copy kept on failure,
//! resume without re-downloading, SIGTERM, stale staging, partial bulk failures, verify, progress.
//! The server (`support::fake`) is a raw std TcpListener that can cut or stall a body.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::fake::*;
use crate::support::files::*;
use crate::support::pxa_in;

#[test]
fn a_failed_pull_keeps_the_previous_copy_and_resumes_without_refetching() {
    let bad = Arc::new(Mutex::new(false));
    let fake = three_entry_server(bad.clone());
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("artifacts/v1");
    let (code, _, err) = pull(&fake.url, root.path(), &["--version", "v1"]);
    assert_eq!(code, 0, "{err}");
    let before = tree(&dest);
    let names: Vec<&str> = before.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        [
            ".pxa-manifest.json",
            "assets/image/c/1.png",
            "content.plx.json",
            "events/image/c.plx",
            "outputs/a.txt",
            "outputs/b/deep/two.txt",
            "outputs/b/more/f0.txt",
            "outputs/b/more/f1.txt",
            "outputs/b/more/f2.txt",
            "outputs/b/more/f3.txt",
            "outputs/b/more/f4.txt",
            "outputs/b/more/f5.txt",
            "outputs/b/one.txt",
            "version.plx.json"
        ]
    );
    // Second pull: `c` fails for good; the first copy stays as it was.
    *bad.lock().unwrap() = true;
    let (code, _, err) = pull(
        &fake.url,
        root.path(),
        &["--version", "v1", "--retries", "1"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("resume"), "{err}");
    assert_eq!(tree(&dest), before);
    assert!(root.path().join("artifacts/.v1.pxa-partial").is_dir());
    let requests = |f: &Server| {
        (
            f.hits("/artifact", None).len(),
            f.hits("/artifacts", None).len(),
        )
    };
    assert_eq!(requests(&fake), (2, 2));
    // Third pull: only `c` is fetched again.
    *bad.lock().unwrap() = false;
    let (code, out, err) = pull(&fake.url, root.path(), &["--version", "v1", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        requests(&fake),
        (2, 2),
        "completed entries were downloaded again"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = report["versions"][0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["reused", "reused", "downloaded"]);
    assert_eq!(tree(&dest).len(), before.len());
    assert!(!root.path().join("artifacts/.v1.pxa-partial").exists());
    let names: Vec<String> = std::fs::read_dir(root.path().join("artifacts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["v1"]);
}

#[test]
fn verify_detects_a_flipped_byte() {
    let fake = three_entry_server(Arc::default());
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(&fake.url, root.path(), &["--version", "v1"]);
    assert_eq!(code, 0, "{err}");
    let dest = root.path().join("artifacts/v1");
    let home = tempfile::tempdir().unwrap();
    let verify = |d: &Path| {
        pxa_in(home.path())
            .arg("verify")
            .arg(d)
            .timeout(Duration::from_secs(60))
            .run()
    };
    let (code, out, err) = verify(&dest);
    assert_eq!(code, 0, "{out}{err}");
    let f = dest.join("outputs/b/deep/two.txt");
    std::fs::write(&f, b"23").unwrap();
    let (code, out, err) = verify(&dest);
    assert_eq!(code, 9, "{out}{err}");
    assert!(
        out.contains("FAILED\toutputs/b/deep/two.txt\tblake3"),
        "{out}"
    );
    std::fs::remove_file(dest.join("outputs/a.txt")).unwrap();
    let (code, out, _) = verify(&dest);
    assert_eq!(code, 9);
    assert!(out.contains("FAILED\toutputs/a.txt\tmissing"), "{out}");
}

#[test]
fn sigterm_leaves_staging_for_a_resume_and_exits_130() {
    interrupted_pull("TERM");
}

#[test]
fn ctrl_c_leaves_staging_for_a_resume_and_exits_130() {
    interrupted_pull("INT");
}

/// Interrupts a pull while one entry is stalled, with a previous copy in place.
fn interrupted_pull(signal: &str) {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("slow", "file", "outputs/slow.bin")
    ]);
    let slow = blob(100_000, 5);
    let first_slow = Arc::new(Mutex::new(true));
    let listed = vec![
        ("outputs/a.txt".to_string(), 1),
        ("outputs/slow.bin".to_string(), 100_000),
    ];
    let fake = Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        with_listed(listed, move |req, _| {
            if req.param("path").as_deref() == Some("outputs/a.txt") {
                return reply(200, "A");
            }
            let mut first = first_slow.lock().unwrap();
            let stall = std::mem::replace(&mut *first, false).then_some(10);
            Resp {
                stall_at: stall,
                ..reply(200, slow.clone())
            }
        }),
    ));
    let root = tempfile::tempdir().unwrap();
    let previous = root.path().join("artifacts/v1");
    std::fs::create_dir_all(&previous).unwrap();
    std::fs::write(previous.join("old.txt"), "previous copy").unwrap();
    let home = tempfile::tempdir().unwrap();
    let child = pull_v1_in(&fake.url, root.path(), home.path(), &["--progress", "json"])
        .process()
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake
        .hits("/artifact", Some(("path", "outputs/slow.bin")))
        .is_empty()
        || !root
            .path()
            .join("artifacts/.v1.pxa-partial/outputs/a.txt")
            .exists()
    {
        assert!(Instant::now() < deadline, "pull did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains(&format!("interrupted by SIG{signal}")),
        "{err}"
    );
    let kept = std::fs::read_to_string(previous.join("old.txt")).unwrap();
    assert_eq!(kept, "previous copy");
    assert!(
        !previous.join("outputs").exists(),
        "no partial file at a final path"
    );
    let (code, out, err) = pull(&fake.url, root.path(), &["--version", "v1", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        fake.hits("/artifact", Some(("path", "outputs/a.txt")))
            .len(),
        1
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["versions"][0]["entries"][0]["status"], "reused");
    assert!(
        !previous.join("old.txt").exists(),
        "replaced by the new copy"
    );
    assert!(previous.join("outputs/slow.bin").is_file());
}

#[test]
fn bulk_pull_with_a_failing_version_exits_10() {
    let fake = Server::start(api_then(
        vec![
            ("v1", version_json("v1", json!([]))),
            ("v2", Value::Null),
            ("v3", version_json("v3", json!([]))),
        ],
        |_, _| reply(404, ""),
    ));
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = pull(&fake.url, root.path(), &["-a", "--retries", "0"]);
    assert_eq!(code, 10, "{err}");
    assert!(err.contains("1 of 3 versions failed: v2"), "{err}");
    // Paths come out in the server's list order, whatever finished first.
    let expected: Vec<String> = ["v1", "v3"]
        .iter()
        .map(|v| root.path().join("artifacts").join(v).display().to_string())
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), expected, "{out}");
    assert!(root.path().join("artifacts/v1/version.plx.json").is_file());
    assert!(root.path().join("artifacts/v3/version.plx.json").is_file());
    assert!(!root.path().join("artifacts/v2").exists());
    // `verify ROOT` checks every version folder below it (not the failed one's staging).
    let home = tempfile::tempdir().unwrap();
    let verify = || {
        pxa_in(home.path())
            .arg("verify")
            .arg(root.path())
            .timeout(Duration::from_secs(60))
            .run()
    };
    let (code, out, err) = verify();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("OK\t")).count(),
        2,
        "{out}"
    );
    std::fs::write(root.path().join("artifacts/v3/content.plx.json"), "{}").unwrap();
    let (code, out, _) = verify();
    assert_eq!(code, 9, "{out}");
    assert!(out.contains("FAILED\tcontent.plx.json\tsize"), "{out}");
}

#[test]
fn plain_progress_has_no_control_characters_and_json_progress_parses() {
    let fake = three_entry_server(Arc::default());
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(&fake.url, root.path(), &["--version", "v1"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with("pulled 1 version: 11 files"),
        "{err}"
    );
    let home = tempfile::tempdir().unwrap();
    let pull_v1 = |extra: &[&str]| {
        pull_v1_in(&fake.url, root.path(), home.path(), extra)
            .timeout(Duration::from_secs(60))
            .run()
    };
    let (code, _, err) = pull_v1(&["--progress", "json"]);
    assert_eq!(code, 0, "{err}");
    for line in err.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["event"].is_string());
    }
    let (code, out, err) = pull_v1(&["--quiet"]);
    assert_eq!(code, 0);
    assert!(err.is_empty(), "{err}");
    assert_eq!(
        out.trim(),
        root.path().join("artifacts/v1").display().to_string()
    );
}

#[test]
fn one_job_at_a_time_gives_the_same_tree() {
    let root = tempfile::tempdir().unwrap();
    let fake = three_entry_server(Arc::default());
    let (code, _, err) = pull(
        &fake.url,
        &root.path().join("j1"),
        &["--version", "v1", "-j", "1"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = pull(
        &fake.url,
        &root.path().join("j8"),
        &["--version", "v1", "-j", "8"],
    );
    assert_eq!(code, 0, "{err}");
    let strip = |t: Vec<(String, String)>| -> Vec<(String, String)> {
        t.into_iter()
            .filter(|(p, _)| p != ".pxa-manifest.json")
            .collect()
    };
    assert_eq!(
        strip(tree(&root.path().join("j1/artifacts/v1"))),
        strip(tree(&root.path().join("j8/artifacts/v1")))
    );
}

#[test]
fn staging_from_an_older_state_of_the_version_is_not_reused() {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("b", "file", "outputs/b.txt")
    ]);
    let updated = Arc::new(Mutex::new("2026-11-27T14:29:40Z".to_string()));
    let b_fails = Arc::new(Mutex::new(true));
    let (u2, f2) = (updated.clone(), b_fails.clone());
    // Each file holds its own path.
    let listed = vec![
        ("outputs/a.txt".to_string(), 13),
        ("outputs/b.txt".to_string(), 13),
    ];
    let streams = api_then(
        vec![],
        with_listed(listed, move |req, _| {
            if req.param("path").as_deref() == Some("outputs/b.txt") && *f2.lock().unwrap() {
                return reply(500, "");
            }
            reply(200, req.param("path").unwrap())
        }),
    );
    let fake = Server::start(Box::new(move |req: &Req, nth| {
        if req.path.ends_with("/versions/artifact/v1") {
            let mut v = version_json("v1", lineage.clone());
            v["updated_at"] = json!(*u2.lock().unwrap());
            return reply(200, v.to_string());
        }
        streams(req, nth)
    }));
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(
        &fake.url,
        root.path(),
        &["--version", "v1", "--retries", "0"],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        fake.hits("/artifact", Some(("path", "outputs/a.txt")))
            .len(),
        1
    );
    // The version changed on the server: what was staged for the old state is dropped.
    *updated.lock().unwrap() = "2026-11-28T00:00:00Z".to_string();
    *b_fails.lock().unwrap() = false;
    let (code, _, err) = pull(&fake.url, root.path(), &["--version", "v1"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        fake.hits("/artifact", Some(("path", "outputs/a.txt")))
            .len(),
        2
    );
    let v: Value = serde_json::from_slice(
        &std::fs::read(root.path().join("artifacts/v1/version.plx.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["updated_at"], "2026-11-28T00:00:00+00:00");
}
