//! A full disk during a pull (issue 14.16), on a small tmpfs (`support::tmpfs`): refused
//! before any download when the listed sizes do not fit, and when the disk fills up while a
//! file arrives, what cannot be continued is removed. Exit 11, "no space left on … (needed N,
//! free M)".

use serde_json::json;

use crate::support::fake::*;
use crate::support::files::blob;
use crate::support::tmpfs::pxa_on_tmpfs;

const MIB: usize = 1 << 20;

/// v1: one file entry, listed at `listed` bytes, served as `served` bytes.
fn server(listed: usize, served: usize) -> Server {
    let lineage = json!([lin("big", "file", "outputs/big.bin")]);
    let sizes = vec![("outputs/big.bin".to_string(), listed as u64)];
    Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        with_listed(sizes, move |_, _| reply(200, blob(served, 1))),
    ))
}

fn pull_on_small_disk(server: &Server, size: &str) -> crate::support::tmpfs::OnTmpfs {
    let (disk, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let root = disk.path().display().to_string();
    let args = [
        "pull",
        "-p",
        "demo",
        "--version",
        "v1",
        "--host",
        &server.url,
    ];
    let args = [&args[..], &["--path", &root, "--progress", "plain"]].concat();
    let run = pxa_on_tmpfs(disk.path(), size, home.path(), &args);
    assert!(
        run.err
            .contains(&format!("no space left on {root}/artifacts (needed ")),
        "{}",
        run.err
    );
    run
}

#[test]
fn a_pull_that_cannot_fit_is_refused_before_any_download() {
    let server = server(3 * MIB, 3 * MIB);
    let run = pull_on_small_disk(&server, "1m");
    assert_eq!(run.code, 11, "{}", run.err);
    assert!(run.err.contains("(needed 3.00 MiB, free "), "{}", run.err);
    assert!(
        run.err
            .contains("hint: free some space there (or pull to another --path)"),
        "{}",
        run.err
    );
    assert!(run.out.trim().is_empty(), "{}", run.out);
    assert!(
        server.hits("/artifact", None).is_empty(),
        "a download was sent"
    );
    let left: Vec<&str> = run.left.iter().map(|(p, _)| p.as_str()).collect();
    assert!(!left.iter().any(|p| p.contains("pxa-partial")), "{left:?}");
}

#[test]
fn a_disk_that_fills_up_mid_download_leaves_nothing_that_cannot_be_continued() {
    // The file grew on the server after it was listed: the listing fits, the body does not.
    let server = server(MIB, 3 * MIB);
    let run = pull_on_small_disk(&server, "2m");
    assert_eq!(run.code, 11, "{}", run.err);
    assert!(run.err.contains("(needed 3.00 MiB, free "), "{}", run.err);
    assert_eq!(
        server.hits("/artifact", None).len(),
        1,
        "a full disk is not retried"
    );
    let big: Vec<&(String, u64)> = run.left.iter().filter(|(_, s)| *s > 4096).collect();
    assert!(big.is_empty(), "a part file was kept: {:?}", run.left);
    assert!(
        !run.left.iter().any(|(p, _)| p.ends_with(".part")),
        "{:?}",
        run.left
    );
    assert!(
        !run.left.iter().any(|(p, _)| p == "artifacts/v1"),
        "{:?}",
        run.left
    );
}
