//! Load of small files: a version whose directory holds 5,000 small files (50 tarballs in pxa's
//! plan, several extracted at once) is pulled with bounded memory (peak RSS) and bounded open
//! file handles (polled in /proc while it runs).
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::fake::*;
use crate::support::files::{blob, sha};
use crate::support::process::sample_until_exit;
use crate::support::pxa;

const FILES: usize = 5_000;

/// Pulls v1 while sampling the process; (stdout, peak RSS KiB, max open fds, samples, time).
fn sampled_pull(server: &Server, root: &Path) -> (Vec<u8>, u64, usize, usize, Duration) {
    let home = tempfile::tempdir().unwrap();
    // A file, not a pipe: a full pipe would block pxa while this loop samples it.
    let report = tempfile::NamedTempFile::new().unwrap();
    let started = Instant::now();
    let mut child = pull_v1_in(&server.url, root, home.path(), &["-o", "json", "--quiet"])
        .process()
        .stdout(report.reopen().unwrap())
        .spawn()
        .unwrap();
    let every = Duration::from_millis(3);
    let usage = sample_until_exit(
        &mut child,
        || server.total() > 0,
        every,
        Duration::from_secs(60),
    );
    let took = started.elapsed();
    assert!(child.wait().unwrap().success());
    (
        std::fs::read(report.path()).unwrap(),
        usage.peak_kib,
        usage.fds,
        usage.samples,
        took,
    )
}

#[test]
fn five_thousand_small_files_with_bounded_memory_and_file_handles() {
    let names: Vec<String> = (0..FILES)
        .map(|i| format!("shard{:02}/item{i:05}.json", i % 50))
        .collect();
    let bodies: Vec<Vec<u8>> = (0..FILES).map(|i| blob(200 + i % 700, i as u64)).collect();
    let members: Vec<(&str, &[u8])> = names
        .iter()
        .zip(&bodies)
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let lineage = json!([
        lin("data", "dir", "outputs/data"),
        lin("m", "file", "outputs/m.txt")
    ]);
    let version = version_json("v1", lineage).to_string();
    let store = Store::new(&[("outputs/m.txt", b"metric")]);
    for (name, body) in &members {
        store.put(&format!("outputs/data/{name}"), body);
    }
    let server = Server::start(move |req, _| match req.path.as_str() {
        VERSION_PATH => ok(version.clone()),
        RUN_PATH => run_detail(),
        // pxa's plan: one tarball per shard folder, 4 at once; paced so that the pull lasts
        // long enough to be sampled many times.
        p if p.ends_with("/artifacts") => {
            let tgz = store.answer(req).expect("a tarball").body;
            trickle(&tgz, 4 << 10, Duration::from_millis(5))
        }
        _ => Act::Send(store.answer(req).expect("a streams request")),
    });
    let root = tempfile::tempdir().unwrap();
    let (out, peak, fds, samples, took) = sampled_pull(&server, root.path());
    let report: Value = serde_json::from_slice(&out).unwrap();
    let entry = &report["versions"][0]["entries"][0];
    assert_eq!(entry["files"], FILES);
    let dest = root.path().join("artifacts/v1/outputs/data");
    for i in (0..FILES).step_by(97).chain([FILES - 1]) {
        let got = std::fs::read(dest.join(&names[i])).unwrap();
        assert_eq!(sha(&got), sha(&bodies[i]), "{}", names[i]);
    }
    let (code, out, err) = pxa()
        .arg("verify")
        .arg(root.path().join("artifacts/v1"))
        .run();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("{} files", FILES + 3)), "{out}");
    eprintln!(
        "{FILES} files in {took:?}: peak RSS {peak} KiB, at most {fds} fds ({samples} samples)"
    );
    assert!(samples >= 20, "only {samples} samples");
    assert!(peak > 0 && peak < 64 * 1024, "peak RSS {peak} KiB");
    assert!(fds > 0 && fds <= 64, "{fds} open file handles");
}

#[test]
fn five_hundred_single_file_entries_with_bounded_file_handles() {
    const N: usize = 500;
    let lineage: Vec<Value> = (0..N)
        .map(|i| lin(&format!("e{i}"), "file", &format!("outputs/e{i:03}.txt")))
        .collect();
    let version = version_json("v1", json!(lineage)).to_string();
    // Each file holds its own path.
    let listed = (0..N).map(|i| format!("outputs/e{i:03}.txt"));
    let listed: Vec<(String, u64)> = listed.map(|p| (p, 16)).collect();
    let streams = with_listed(listed, |req, _| Resp {
        trickle: Some((4, Duration::from_millis(1))),
        ..reply(200, req.param("path").unwrap())
    });
    let server = Server::start(move |req, nth| match req.path.as_str() {
        VERSION_PATH => ok(version.clone()),
        RUN_PATH => run_detail(),
        _ => Act::Send(streams(req, nth)),
    });
    let root = tempfile::tempdir().unwrap();
    let (out, peak, fds, samples, took) = sampled_pull(&server, root.path());
    let report: Value = serde_json::from_slice(&out).unwrap();
    let entries = report["versions"][0]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), N);
    assert!(entries.iter().all(|e| e["status"] == "downloaded"));
    let dest = root.path().join("artifacts/v1/outputs");
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), N);
    eprintln!(
        "{N} entries in {took:?}: peak RSS {peak} KiB, at most {fds} fds ({samples} samples)"
    );
    assert!(peak > 0 && peak < 64 * 1024, "peak RSS {peak} KiB");
    assert!(fds > 0 && fds <= 64, "{fds} open file handles");
}
