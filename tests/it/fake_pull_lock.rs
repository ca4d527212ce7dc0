//! Fake-server tests for the version lock (issue 14.12): a second pull of a version being
//! pulled waits for the first with a message, bounded by `--lock-timeout`, then goes on.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::fake::*;
use crate::support::files::blob;

/// A version whose one file comes slowly (a trickle of `secs` seconds) from the fake.
fn slow_server(secs: u64) -> Server {
    let lineage = json!([lin("slow", "file", "outputs/slow.bin")]);
    let listed = vec![("outputs/slow.bin".to_string(), 1000)];
    Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        with_listed(listed, move |_, _| Resp {
            trickle: Some((100, Duration::from_millis(100 * secs))),
            ..reply(200, blob(1000, 7))
        }),
    ))
}

/// Starts a pull of v1 in the background and waits until its download has begun.
fn first_pull(fake: &Server, root: &Path, home: &Path) -> std::process::Child {
    let first = pull_v1_in(&fake.url, root, home, &["--quiet"])
        .process()
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.hits("/artifact", None).is_empty() {
        assert!(Instant::now() < deadline, "first pull did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    first
}

/// Issue 14.12: a second pull of a version being pulled waits for the first, saying so, and
/// then finds the version pulled (it downloads nothing itself).
#[test]
fn a_second_pull_of_the_same_version_waits_for_the_first_and_keeps_its_copy() {
    let fake = slow_server(2);
    let root = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut first = first_pull(&fake, root.path(), home.path());
    let (code, out, err) = pull(&fake.url, root.path(), &["--version", "v1", "-o", "json"]);
    assert!(first.wait().unwrap().success());
    assert_eq!(code, 0, "{err}");
    let dest = root.path().join("artifacts/v1");
    assert!(
        err.contains(&format!(
            "waiting for another pxa pull of {} to finish",
            dest.display()
        )),
        "{err}"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["versions"][0]["status"], "reused", "{out}");
    assert_eq!(
        fake.hits("/artifact", None).len(),
        1,
        "the second pull downloaded"
    );
    assert_eq!(
        std::fs::read(dest.join("outputs/slow.bin")).unwrap(),
        blob(1000, 7)
    );
}

/// The wait is bounded by --lock-timeout: then exit 7, nothing downloaded, the first pull
/// unharmed.
#[test]
fn a_second_pull_gives_up_after_the_lock_timeout() {
    let fake = slow_server(4);
    let root = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut first = first_pull(&fake, root.path(), home.path());
    let started = Instant::now();
    let (code, _, err) = pull(
        &fake.url,
        root.path(),
        &["--version", "v1", "--lock-timeout", "1"],
    );
    let waited = started.elapsed();
    assert_eq!(code, 7, "{err}");
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert!(err.contains("waiting for another pxa pull of"), "{err}");
    assert!(
        err.contains("is still writing") && err.contains("(--lock-timeout)"),
        "{err}"
    );
    assert!(
        err.contains("hint: another pxa pull of this version is still running"),
        "{err}"
    );
    assert_eq!(
        fake.hits("/artifact", None).len(),
        1,
        "the second pull downloaded"
    );
    assert!(first.wait().unwrap().success());
    assert!(root.path().join("artifacts/v1/outputs/slow.bin").is_file());
}
