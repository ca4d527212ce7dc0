//! Fake-server tests for `pxa pull` faults the sandbox cannot produce on demand: cut bodies,
//! stalls, 429/500, Range resume, malicious tarballs, interruption, partial bulk failures.
//! The server (`pull_fake/`) is a raw std TcpListener that can cut or stall a body.
#![allow(clippy::print_stderr)]

mod common;
#[path = "pull_fake/mod.rs"]
mod pull_fake;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::pxa_isolated;
use pull_fake::*;
use serde_json::{Value, json};

fn pull(fake: &Fake, root: &Path, extra: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = pxa_isolated(home.path());
    cmd.args(["pull", "-p", "demo", "--host", &fake.url, "--path"])
        .arg(root)
        .args(["--progress", "plain"])
        .args(extra)
        .timeout(Duration::from_secs(60));
    common::run(&mut cmd)
}

fn big_file_server(data: Vec<u8>, first: impl Fn(&[u8]) -> Reply + Send + Sync + 'static) -> Fake {
    let lineage = json!([lin("big", "file", "outputs/big.bin")]);
    Fake::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, nth| {
            assert_eq!(req.param("path").as_deref(), Some("outputs/big.bin"));
            if nth == 1 {
                first(&data)
            } else {
                reply(200, data.clone())
            }
        },
    ))
}

#[test]
fn a_cut_body_is_retried_and_the_file_is_whole() {
    let data = blob(1 << 20, 1);
    let fake = big_file_server(data.clone(), |d| Reply {
        cut_at: Some(300_000),
        ..reply(200, d.to_vec())
    });
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = pull(&fake, root.path(), &["--version", "v1", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let file = root.path().join("artifacts/v1/outputs/big.bin");
    assert_eq!(sha(&std::fs::read(file).unwrap()), sha(&data));
    assert_eq!(fake.hits("/artifact", None).len(), 2);
    assert!(err.contains("retrying v1/big"), "{err}");
    assert!(err.contains("cut after 300000 of 1048576 bytes"), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let entry = &report["versions"][0]["entries"][0];
    assert_eq!(entry["sha256"], sha(&data));
    assert_eq!(entry["bytes"], 1 << 20);
}

#[test]
fn a_stall_is_aborted_and_retried() {
    let data = blob(200_000, 2);
    let fake = big_file_server(data.clone(), |d| Reply {
        stall_at: Some(50_000),
        ..reply(200, d.to_vec())
    });
    let root = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, _, err) = pull(
        &fake,
        root.path(),
        &["--version", "v1", "--stall-timeout", "1"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(err.contains("no data for 1 s"), "{err}");
    let file = root.path().join("artifacts/v1/outputs/big.bin");
    assert_eq!(sha(&std::fs::read(file).unwrap()), sha(&data));
}

#[test]
fn too_many_requests_honours_retry_after_and_500_is_retried() {
    for (status, header) in [(429, Some("1")), (500, None)] {
        let data = blob(10_000, 3);
        let fake = big_file_server(data.clone(), move |_| {
            let mut r = reply(status, "busy");
            if let Some(h) = header {
                r.headers.push(("Retry-After".into(), h.into()));
            }
            r
        });
        let root = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (code, _, err) = pull(&fake, root.path(), &["--version", "v1"]);
        assert_eq!(code, 0, "{status}: {err}");
        if header.is_some() {
            assert!(
                started.elapsed() >= Duration::from_secs(1),
                "Retry-After ignored"
            );
            assert!(err.contains("in 1.0 s"), "{err}");
        }
        assert_eq!(fake.hits("/artifact", None).len(), 2);
        let file = root.path().join("artifacts/v1/outputs/big.bin");
        assert_eq!(sha(&std::fs::read(file).unwrap()), sha(&data));
    }
}

#[test]
fn a_404_on_an_artifact_is_not_retried() {
    let fake = big_file_server(vec![], |_| reply(404, "Artifact not found"));
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(&fake, root.path(), &["--version", "v1"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(fake.hits("/artifact", None).len(), 1);
    assert!(!root.path().join("artifacts/v1").exists());
}

#[test]
fn range_resume_against_a_server_that_honours_it() {
    let data = blob(1 << 20, 4);
    let lineage = json!([lin("big", "file", "outputs/big.bin")]);
    let served = data.clone();
    let fake = Fake::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, nth| {
            let etag = ("ETag".to_string(), "\"abc\"".to_string());
            if nth == 1 {
                return Reply {
                    cut_at: Some(400_000),
                    headers: vec![etag],
                    ..reply(200, served.clone())
                };
            }
            let range = req.headers.get("range").cloned().unwrap_or_default();
            let start: usize = range
                .trim_start_matches("bytes=")
                .trim_end_matches('-')
                .parse()
                .unwrap();
            assert_eq!(
                req.headers.get("if-range").map(String::as_str),
                Some("\"abc\"")
            );
            let total = served.len();
            Reply {
                headers: vec![
                    etag,
                    (
                        "Content-Range".into(),
                        format!("bytes {start}-{}/{total}", total - 1),
                    ),
                ],
                ..reply(206, served[start..].to_vec())
            }
        },
    ));
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = pull(&fake, root.path(), &["--version", "v1", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let hits = fake.hits("/artifact", None);
    assert_eq!(hits.len(), 2);
    assert_eq!(
        hits[1].headers.get("range").map(String::as_str),
        Some("bytes=400000-")
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["versions"][0]["entries"][0]["status"], "resumed");
    let file = root.path().join("artifacts/v1/outputs/big.bin");
    assert_eq!(sha(&std::fs::read(file).unwrap()), sha(&data));
}

#[test]
fn malicious_tarballs_are_refused_and_nothing_lands_outside() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "dotdot",
            tarball(&[("ok.txt", b"fine"), ("../x", b"escape")]),
        ),
        ("absolute", tarball(&[("/etc/x", b"escape")])),
        ("symlink", symlink_tarball("root", "/")),
    ];
    for (what, tgz) in cases {
        let lineage = json!([lin("d", "dir", "outputs/d")]);
        let fake = Fake::start(api_then(
            vec![("v1", version_json("v1", lineage))],
            move |_, _| Reply {
                headers: vec![(
                    "Content-Disposition".into(),
                    "inline; filename=\"d.tar.gz\"".into(),
                )],
                ..reply(200, tgz.clone())
            },
        ));
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("root");
        let (code, _, err) = pull(&fake, &root, &["--version", "v1"]);
        assert_eq!(code, 9, "{what}: {err}");
        assert!(err.contains("unsafe archive member"), "{what}: {err}");
        assert_eq!(
            fake.hits("/artifacts", None).len(),
            1,
            "{what}: refused, not retried"
        );
        assert!(!root.join("artifacts/v1").exists(), "{what}");
        let mut all = Vec::new();
        pxa::pull::verify::walk(outer.path(), "", &mut |p| all.push(p.to_string())).unwrap();
        assert!(
            all.iter().all(|p| !p.ends_with("/x") && p != "x"),
            "{what}: {all:?}"
        );
        assert!(!Path::new("/etc/x").exists());
    }
}

/// Three entries: a file, a directory tarball and an event package; `bad` makes `c` fail.
fn three_entry_server(bad: Arc<Mutex<bool>>) -> Fake {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("b", "dir", "outputs/b"),
        {"name": "c", "kind": "image", "path": format!("{UUID}/events/image/c.plx"),
         "summary": {"is_event": true}},
    ]);
    let b = tarball(&[("one.txt", b"1"), ("deep/two.txt", b"22")]);
    let c = tarball(&[
        ("events/image/c.plx", b"ev"),
        ("assets/image/c/1.png", b"png"),
    ]);
    Fake::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| {
            let tgz = |data: &Vec<u8>| Reply {
                headers: vec![(
                    "Content-Disposition".into(),
                    "inline; filename=\"x.tar.gz\"".into(),
                )],
                ..reply(200, data.clone())
            };
            if req.path.ends_with("/artifact") {
                reply(200, "A")
            } else if req.path.ends_with("/artifacts") {
                tgz(&b)
            } else if *bad.lock().unwrap() {
                reply(500, "")
            } else {
                assert_eq!(req.param("names").as_deref(), Some("c"));
                tgz(&c)
            }
        },
    ))
}

fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    pxa::pull::verify::walk(dir, "", &mut |p| out.push(p.to_string())).unwrap();
    out.into_iter()
        .map(|p| {
            let s = sha(&std::fs::read(dir.join(&p)).unwrap());
            (p, s)
        })
        .collect()
}

#[test]
fn a_failed_pull_keeps_the_previous_copy_and_resumes_without_refetching() {
    let bad = Arc::new(Mutex::new(false));
    let fake = three_entry_server(bad.clone());
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("artifacts/v1");
    let (code, _, err) = pull(&fake, root.path(), &["--version", "v1"]);
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
            "outputs/b/one.txt",
            "version.plx.json"
        ]
    );
    // Second pull: `c` fails for good; the first copy stays as it was.
    *bad.lock().unwrap() = true;
    let (code, _, err) = pull(&fake, root.path(), &["--version", "v1", "--retries", "1"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("resume"), "{err}");
    assert_eq!(tree(&dest), before);
    assert!(root.path().join("artifacts/.v1.pxa-partial").is_dir());
    let requests = |f: &Fake| {
        (
            f.hits("/artifact", None).len(),
            f.hits("/artifacts", None).len(),
        )
    };
    assert_eq!(requests(&fake), (2, 2));
    // Third pull: only `c` is fetched again.
    *bad.lock().unwrap() = false;
    let (code, out, err) = pull(&fake, root.path(), &["--version", "v1", "-o", "json"]);
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
    let (code, _, err) = pull(&fake, root.path(), &["--version", "v1"]);
    assert_eq!(code, 0, "{err}");
    let dest = root.path().join("artifacts/v1");
    let home = tempfile::tempdir().unwrap();
    let verify = |d: &Path| {
        common::run(
            pxa_isolated(home.path())
                .arg("verify")
                .arg(d)
                .timeout(Duration::from_secs(60)),
        )
    };
    let (code, out, err) = verify(&dest);
    assert_eq!(code, 0, "{out}{err}");
    let f = dest.join("outputs/b/deep/two.txt");
    std::fs::write(&f, b"23").unwrap();
    let (code, out, err) = verify(&dest);
    assert_eq!(code, 9, "{out}{err}");
    assert!(
        out.contains("FAILED\toutputs/b/deep/two.txt\tsha256"),
        "{out}"
    );
    std::fs::remove_file(dest.join("outputs/a.txt")).unwrap();
    let (code, out, _) = verify(&dest);
    assert_eq!(code, 9);
    assert!(out.contains("FAILED\toutputs/a.txt\tmissing"), "{out}");
}

#[test]
fn sigterm_leaves_staging_for_a_resume_and_exits_130() {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("slow", "file", "outputs/slow.bin")
    ]);
    let slow = blob(100_000, 5);
    let first_slow = Arc::new(Mutex::new(true));
    let fake = Fake::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| {
            if req.param("path").as_deref() == Some("outputs/a.txt") {
                return reply(200, "A");
            }
            let mut first = first_slow.lock().unwrap();
            let stall = std::mem::replace(&mut *first, false).then_some(10);
            Reply {
                stall_at: stall,
                ..reply(200, slow.clone())
            }
        },
    ));
    let root = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("pxa");
    let child = std::process::Command::new(bin)
        .env("HOME", home.path())
        .args([
            "pull",
            "-p",
            "demo",
            "--version",
            "v1",
            "--progress",
            "json",
            "--host",
            &fake.url,
            "--path",
        ])
        .arg(root.path())
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
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted by SIGTERM"), "{err}");
    assert!(!root.path().join("artifacts/v1").exists());
    let (code, out, err) = pull(&fake, root.path(), &["--version", "v1", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        fake.hits("/artifact", Some(("path", "outputs/a.txt")))
            .len(),
        1
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["versions"][0]["entries"][0]["status"], "reused");
}

#[test]
fn bulk_pull_with_a_failing_version_exits_10() {
    let fake = Fake::start(api_then(
        vec![
            ("v1", version_json("v1", json!([]))),
            ("v2", Value::Null),
            ("v3", version_json("v3", json!([]))),
        ],
        |_, _| reply(404, ""),
    ));
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = pull(&fake, root.path(), &["-a", "--retries", "0"]);
    assert_eq!(code, 10, "{err}");
    assert!(err.contains("1 of 3 versions failed: v2"), "{err}");
    let mut pulled: Vec<&str> = out.lines().collect();
    pulled.sort();
    assert_eq!(pulled.len(), 2, "{out}");
    assert!(root.path().join("artifacts/v1/version.plx.json").is_file());
    assert!(root.path().join("artifacts/v3/version.plx.json").is_file());
    assert!(!root.path().join("artifacts/v2").exists());
}

#[test]
fn plain_progress_has_no_control_characters_and_json_progress_parses() {
    let fake = three_entry_server(Arc::default());
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(&fake, root.path(), &["--version", "v1"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with("pulled 1 version: 5 files"),
        "{err}"
    );
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = common::run(
        pxa_isolated(home.path())
            .args([
                "pull",
                "-p",
                "demo",
                "--version",
                "v1",
                "--progress",
                "json",
                "--host",
                &fake.url,
                "--path",
            ])
            .arg(root.path())
            .timeout(Duration::from_secs(60)),
    );
    assert_eq!(code, 0, "{err}");
    for line in err.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["event"].is_string());
    }
    let (code, out, err) = common::run(
        pxa_isolated(home.path())
            .args([
                "pull",
                "-p",
                "demo",
                "--version",
                "v1",
                "--quiet",
                "--host",
                &fake.url,
                "--path",
            ])
            .arg(root.path())
            .timeout(Duration::from_secs(60)),
    );
    assert_eq!(code, 0);
    assert!(err.is_empty(), "{err}");
    assert_eq!(
        out.trim(),
        root.path().join("artifacts/v1").display().to_string()
    );
}

/// Peak resident memory (VmHWM) of a running process, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn memory_stays_flat_while_streaming_a_large_file() {
    const MIB: usize = 1 << 20;
    const SIZE_MIB: usize = 160;
    let block = blob(MIB, 6);
    let expected = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for _ in 0..SIZE_MIB {
            h.update(&block);
        }
        hex::encode(h.finalize())
    };
    let lineage = json!([lin("big", "file", "outputs/big.bin")]);
    let fake = Fake::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |_, _| Reply {
            repeat: Some(SIZE_MIB),
            ..reply(200, block.clone())
        },
    ));
    let root = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pxa"))
        .env("HOME", home.path())
        .args([
            "pull",
            "-p",
            "demo",
            "--version",
            "v1",
            "--quiet",
            "-o",
            "json",
            "--host",
            &fake.url,
            "--path",
        ])
        .arg(root.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "pull took too long");
        peak = peak.max(peak_kib(child.id()).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["versions"][0]["entries"][0]["sha256"], expected);
    let file = root.path().join("artifacts/v1/outputs/big.bin");
    assert_eq!(
        std::fs::metadata(file).unwrap().len(),
        (SIZE_MIB * MIB) as u64
    );
    // Whole-file buffering would need over 160 MiB; streaming stays far below.
    assert!(peak > 0 && peak < 64 * 1024, "peak RSS {peak} KiB");
    eprintln!("peak RSS while pulling {SIZE_MIB} MiB: {peak} KiB");
}

#[test]
fn bad_arguments_are_refused_before_any_request() {
    let fake = Fake::start(Box::new(|_, _| reply(500, "")));
    let root = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 4] = [
        &[],
        &["--version", "v1", "--stall-timeout", "0"],
        &["-a", "--version", "v1"],
        &["--version", "bad/name"],
    ];
    for args in cases {
        let (code, _, err) = pull(&fake, root.path(), args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains("\nhint: "),
            "{args:?}: {err}"
        );
    }
    assert!(fake.log.lock().unwrap().is_empty(), "a request was sent");
    assert!(!root.path().join("artifacts").exists());
}

#[test]
fn one_job_at_a_time_gives_the_same_tree() {
    let root = tempfile::tempdir().unwrap();
    let fake = three_entry_server(Arc::default());
    let (code, _, err) = pull(
        &fake,
        &root.path().join("j1"),
        &["--version", "v1", "-j", "1"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = pull(
        &fake,
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
fn check_path_answers_a_file_or_a_tarball_by_content_disposition() {
    let lineage = json!([
        lin("ds", "data", "inputs/data.csv"),
        lin("m", "model", "outputs/m")
    ]);
    let model = tarball(&[("w.bin", b"weights"), ("sub/c.json", b"{}")]);
    let fake = Fake::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| {
            assert_eq!(req.param("check_path").as_deref(), Some("True"));
            match req.param("path").as_deref() {
                Some("inputs/data.csv") => Reply {
                    headers: vec![(
                        "Content-Disposition".into(),
                        "inline; filename=\"data.csv\"".into(),
                    )],
                    ..reply(200, "a,b\n1,2\n")
                },
                _ => Reply {
                    headers: vec![(
                        "Content-Disposition".into(),
                        "inline; filename=\"m.tar.gz\"".into(),
                    )],
                    ..reply(200, model.clone())
                },
            }
        },
    ));
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(&fake, root.path(), &["--version", "v1"]);
    assert_eq!(code, 0, "{err}");
    let dest = root.path().join("artifacts/v1");
    assert_eq!(
        std::fs::read_to_string(dest.join("inputs/data.csv")).unwrap(),
        "a,b\n1,2\n"
    );
    assert_eq!(
        std::fs::read(dest.join("outputs/m/w.bin")).unwrap(),
        b"weights"
    );
    assert_eq!(
        std::fs::read(dest.join("outputs/m/sub/c.json")).unwrap(),
        b"{}"
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
    let streams = api_then(vec![], move |req, _| {
        if req.param("path").as_deref() == Some("outputs/b.txt") && *f2.lock().unwrap() {
            return reply(500, "");
        }
        reply(200, req.param("path").unwrap())
    });
    let fake = Fake::start(Box::new(move |req: &Req, nth| {
        if req.path.ends_with("/versions/artifact/v1") {
            let mut v = version_json("v1", lineage.clone());
            v["updated_at"] = json!(*u2.lock().unwrap());
            return reply(200, v.to_string());
        }
        streams(req, nth)
    }));
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(&fake, root.path(), &["--version", "v1", "--retries", "0"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        fake.hits("/artifact", Some(("path", "outputs/a.txt")))
            .len(),
        1
    );
    // The version changed on the server: what was staged for the old state is dropped.
    *updated.lock().unwrap() = "2026-11-28T00:00:00Z".to_string();
    *b_fails.lock().unwrap() = false;
    let (code, _, err) = pull(&fake, root.path(), &["--version", "v1"]);
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
