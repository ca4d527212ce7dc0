//! Concurrency and interruption of `pxa pull` against the fault server: two pulls of one
//! version at once, SIGINT mid-download, and SIGKILL at random moments (repeated) never leave a
//! partial file at a final path, and the next run completes with the right bytes.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::fake::*;
use crate::support::files::{assert_no_partial, blob, tree};
use crate::support::pxa;

/// Spawns `pxa pull … v1` in the background.
fn spawn_pull(url: &str, root: &Path, home: &Path) -> Child {
    let extra = ["--progress", "json", "--stall-timeout", "10"];
    pull_v1_in(url, root, home, &extra)
        .process()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits for a child with a bound; (code, stderr).
fn finish(child: Child) -> (Option<i32>, String) {
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    });
    let out = child.wait_with_output().unwrap();
    drop(watchdog);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// v1 with a small file `a` and a file `slow` that trickles while `slow` is set (~2 s).
fn slow_server(slow: Arc<AtomicBool>, data: Vec<u8>) -> Server {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("slow", "file", "outputs/slow.bin")
    ]);
    let version = version_json("v1", lineage).to_string();
    let listed = [("outputs/a.txt", 1), ("outputs/slow.bin", data.len())];
    Server::start(move |req, _| match req.path.as_str() {
        VERSION_PATH => ok(version.clone()),
        RUN_PATH => run_detail(),
        p if p.ends_with("/tree") => {
            let all = listed.iter().map(|(p, s)| (*p, *s as u64));
            ok(listing(all, &req.param("path").unwrap_or_default()).to_string())
        }
        _ if req.query.contains("a.txt") => ok("A"),
        _ if slow.load(Ordering::SeqCst) => {
            trickle(&data, data.len() / 40, Duration::from_millis(50))
        }
        _ => ok(data.clone()),
    })
}

#[test]
fn two_pulls_of_one_version_at_once_leave_one_complete_copy() {
    let slow = Arc::new(AtomicBool::new(true));
    let data = blob(400_000, 3);
    let server = slow_server(slow, data.clone());
    let (root, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = spawn_pull(&server.url, root.path(), home.path());
    wait_for("the first pull to download", || {
        server.count("/artifact") == 2
    });
    // The second waits for the first, then finds the version pulled.
    let (code, out, err) = pull_v1(&server.url, root.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("waiting for another pxa pull of"), "{err}");
    assert_eq!(
        out.trim(),
        root.path().join("artifacts/v1").display().to_string()
    );
    assert_eq!(
        server.count("/artifact"),
        2,
        "the second pull downloaded nothing"
    );
    let (code, err) = finish(first);
    assert_eq!(code, Some(0), "{err}");
    let dest = root.path().join("artifacts/v1");
    assert_eq!(std::fs::read(dest.join("outputs/slow.bin")).unwrap(), data);
    assert_no_partial(&dest);
    // The lock is released: the same command now succeeds.
    let (code, _, err) = pull_v1(&server.url, root.path(), &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn sigint_exits_130_keeps_the_previous_copy_and_the_next_run_resumes() {
    let slow = Arc::new(AtomicBool::new(false));
    let server = slow_server(slow.clone(), blob(400_000, 4));
    let (root, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dest = root.path().join("artifacts/v1");
    let (code, _, err) = pull_v1(&server.url, root.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let before = tree(&dest);
    slow.store(true, Ordering::SeqCst);
    let child = spawn_pull(&server.url, root.path(), home.path());
    let staged = root.path().join("artifacts/.v1.pxa-partial/outputs/a.txt");
    wait_for("the slow download", || {
        server.count("/artifact") == 4 && staged.exists()
    });
    std::thread::sleep(Duration::from_millis(200));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(sent.unwrap().success());
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted by SIGINT"), "{err}");
    assert_eq!(tree(&dest), before, "the previous copy changed");
    assert_no_partial(&dest);
    slow.store(false, Ordering::SeqCst);
    let (code, out, err) = pull_v1(&server.url, root.path(), &["-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["versions"][0]["entries"][0]["status"], "reused");
    assert_eq!(
        server.count("/artifact"),
        5,
        "only the cut file was fetched again"
    );
}

/// v1 with four 2 MiB files and a directory of two 1 MiB files, every answer trickled
/// (~0.2 s per file).
fn many_entry_server() -> Server {
    let mut lineage: Vec<Value> = (0..4)
        .map(|i| lin(&format!("f{i}"), "file", &format!("outputs/f{i}.bin")))
        .collect();
    lineage.push(lin("d", "dir", "outputs/d"));
    let version = version_json("v1", json!(lineage)).to_string();
    let store = Store::default();
    for i in 0..4 {
        store.put(&format!("outputs/f{i}.bin"), &blob(2 << 20, 10 + i));
    }
    store.put("outputs/d/x.bin", &blob(1 << 20, 20));
    store.put("outputs/d/sub/y.bin", &blob(1 << 20, 21));
    Server::start(move |req, _| match req.path.as_str() {
        VERSION_PATH => ok(version.clone()),
        RUN_PATH => run_detail(),
        p if p.ends_with("/tree") => Act::Send(store.answer(req).unwrap()),
        _ => {
            let whole = store.answer(req).expect("a streams request");
            trickle(&whole.body, 128 << 10, Duration::from_millis(12))
        }
    })
}

/// Every file of the final folder is whole: the same bytes as the reference pull.
fn assert_whole(dest: &Path, reference: &[(String, String)]) {
    if !dest.exists() {
        return;
    }
    let got: Vec<(String, String)> = tree(dest)
        .into_iter()
        .filter(|(p, _)| p != ".pxa-manifest.json")
        .collect();
    assert_eq!(
        got, reference,
        "the final folder is not the complete version"
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dest.join(".pxa-manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"].as_array().unwrap().len(), reference.len());
    assert_no_partial(dest);
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_partial_file_at_a_final_path() {
    let server = many_entry_server();
    let (root, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let started = Instant::now();
    let (code, _, err) = pull_v1(&server.url, &root.path().join("reference"), &[]);
    assert_eq!(code, 0, "{err}");
    let full = started.elapsed();
    let reference: Vec<(String, String)> = tree(&root.path().join("reference/artifacts/v1"))
        .into_iter()
        .filter(|(p, _)| p != ".pxa-manifest.json")
        .collect();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("full pull {full:?}; kill delays from seed {seed}");
    let mut x = seed | 1;
    let target = root.path().join("t");
    let dest = target.join("artifacts/v1");
    let (mut mid_download, mut with_previous) = (0, 0);
    for round in 0..24 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = Duration::from_millis(x % (full.as_millis() as u64 + 100));
        let mut child = spawn_pull(&server.url, &target, home.path());
        std::thread::sleep(delay);
        let staging = target.join("artifacts/.v1.pxa-partial").exists();
        child.kill().unwrap();
        let status = child.wait().unwrap();
        mid_download += usize::from(staging && !status.success());
        with_previous += usize::from(dest.exists());
        eprintln!("round {round}: killed after {delay:?}, staging {staging}, {status}");
        assert_whole(&dest, &reference);
    }
    assert!(
        mid_download >= 5,
        "only {mid_download} kills landed mid-download"
    );
    let (code, _, err) = pull_v1(&server.url, &target, &[]);
    assert_eq!(code, 0, "{err}");
    assert_whole(&dest, &reference);
    let (code, out, err) = pxa().arg("verify").arg(&dest).run();
    assert_eq!(code, 0, "{out}{err}");
    eprintln!("{mid_download} kills mid-download, {with_previous} with a previous copy");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn many_pulls_of_one_version_at_once_wait_for_each_other_and_all_succeed() {
    let server = many_entry_server();
    let (root, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (code, _, err) = pull_v1(&server.url, &root.path().join("reference"), &[]);
    assert_eq!(code, 0, "{err}");
    let reference: Vec<(String, String)> = tree(&root.path().join("reference/artifacts/v1"))
        .into_iter()
        .filter(|(p, _)| p != ".pxa-manifest.json")
        .collect();
    let target = root.path().join("t");
    let mut outcomes = std::collections::BTreeMap::new();
    for _ in 0..4 {
        // Staggered so that some start while another is committing or has just finished.
        let children: Vec<Child> = (0..10)
            .map(|_| {
                std::thread::sleep(Duration::from_millis(70));
                spawn_pull(&server.url, &target, home.path())
            })
            .collect();
        for child in children {
            let (code, err) = finish(child);
            let waited = err.contains("waiting for another pxa pull of");
            assert_eq!(code, Some(0), "{err}");
            *outcomes.entry(waited).or_insert(0) += 1;
        }
        assert_whole(&target.join("artifacts/v1"), &reference);
    }
    eprintln!("{outcomes:?}");
    assert!(
        outcomes.get(&true).is_some_and(|n| *n > 0),
        "no pull waited"
    );
}
