//! End-to-end: folder pulls planned from the tree (issue 12) against the real sandbox, checked
//! byte for byte against the seed manifest (`folders`), the official CLI and the store itself.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::files::{blob, tree as files_tree};
use crate::support::project::{post, project};
use crate::support::proxy::CutProxy;
use crate::support::tmpfs::pxa_on_tmpfs;
use crate::support::{Sandbox, run, sandbox};

const MANIFEST: &str = ".pxa-manifest.json";

/// Every file under `dir` with its sha256, pxa's manifest left out.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    files_tree(dir)
        .into_iter()
        .filter(|(p, _)| p != MANIFEST)
        .collect()
}

fn folders(sb: &Sandbox) -> &Value {
    &sb.seed["folders"]
}

/// `pxa pull -p pxa-e2e-folders --path ROOT ARGS…` (plain progress), 300 s at most.
fn pull(sb: &Sandbox, root: &Path, args: &[&str]) -> (i32, String, String) {
    let project = folders(sb)["project"].as_str().unwrap();
    let mut cmd = sb.pxa();
    cmd.args(["pull", "-p", project, "--progress", "plain", "--path"])
        .arg(root)
        .args(args)
        .timeout(Duration::from_secs(300));
    run(&cmd)
}

/// The seeded files of a run below `prefix` (run-relative path → sha256).
fn seeded(sb: &Sandbox, run: &str) -> BTreeMap<String, String> {
    let files = folders(sb)["files"][run].as_object().unwrap();
    files
        .iter()
        .map(|(p, f)| (p.clone(), f["sha256"].as_str().unwrap().to_string()))
        .collect()
}

fn without_metadata(mut t: BTreeMap<String, String>) -> BTreeMap<String, String> {
    t.retain(|p, _| p.contains('/'));
    t
}

#[test]
#[ignore = "needs the sandbox"]
fn six_same_named_model_folders_pulled_with_j8_are_right_five_times_in_a_row() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    for round in 0..5 {
        let root = dir.path().join(format!("round{round}"));
        let (code, _, err) = pull(&sb, &root, &["--kind", "model", "-a", "-j", "8"]);
        assert_eq!(code, 0, "round {round}: {err}");
        for i in 1..=6 {
            let name = format!("race-{i}");
            let got = without_metadata(tree(&root.join("models").join(&name)));
            assert_eq!(got, seeded(&sb, &name), "round {round}: {name}");
        }
    }
}

#[test]
#[ignore = "needs the sandbox"]
fn the_mixed_folder_is_byte_exact_and_equal_to_the_official_cli() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = pull(
        &sb,
        dir.path(),
        &["--version", "mixed", "--dry-run", "-o", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    let mut hows: Vec<String> = plan["versions"][0]["entries"][0]["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["how"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect();
    hows.sort();
    assert_eq!(
        hows,
        [
            "file outputs/mixed/weights 2.bin",
            "file outputs/mixed/weights-1.bin",
            "file outputs/mixed/wéights-3.bin",
            "tarball outputs/mixed/tokenizer",
        ],
        "three files one request each, the small ones one tarball"
    );
    let ours = dir.path().join("pxa");
    let (code, _, err) = pull(&sb, &ours, &["--version", "mixed"]);
    assert_eq!(code, 0, "{err}");
    let ours = ours.join("artifacts/mixed");
    assert_eq!(without_metadata(tree(&ours)), seeded(&sb, "mixed"));
    // The official CLI's tree (one tarball of the folder), byte for byte.
    let official = dir.path().join("official");
    let project = folders(&sb)["project"].as_str().unwrap();
    let status = sb
        .polyaxon()
        .args([
            "artifacts",
            "pull",
            "-p",
            project,
            "-ver",
            "mixed",
            "--path",
        ])
        .arg(&official)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(tree(&ours), tree(&official.join("artifacts/mixed")));
    let (code, out, err) = run(sb.pxa().arg("verify").arg(&ours));
    assert_eq!(code, 0, "{out}{err}");
}

/// A run of this test's own, written straight into the store: `outputs/model/w.bin` and ten
/// small files in `tok/` (one tarball); version `v` links it. Returns the run's folder.
fn own_model(sb: &Sandbox, p: &str) -> PathBuf {
    let run = post(
        sb,
        &["default", p, "runs"],
        json!({"name": "own", "is_managed": false}),
    );
    let uuid = run["uuid"].as_str().unwrap();
    let data = std::env::var("PXA_E2E_DATA").expect("PXA_E2E_DATA (scripts/sandbox env)");
    let store = Path::new(&data).join(uuid);
    let model = store.join("outputs/model");
    std::fs::create_dir_all(model.join("tok")).unwrap();
    std::fs::write(model.join("w.bin"), blob(300_000, 1)).unwrap();
    for i in 0..10 {
        std::fs::write(model.join(format!("tok/t{i:02}.txt")), format!("token {i}")).unwrap();
    }
    let lineage = json!([{"name": "model", "kind": "model", "summary": {}, "is_input": false,
        "path": format!("{uuid}/outputs/model")}]);
    post(
        sb,
        &["default", p, "runs", uuid, "lineage", "artifacts"],
        lineage,
    );
    let version = json!({"name": "v", "kind": "model", "run": uuid, "artifacts": ["model"]});
    post(sb, &["default", p, "versions", "model"], version);
    store
}

#[test]
#[ignore = "needs the sandbox"]
fn a_file_overwritten_on_the_store_comes_back_new_and_a_deleted_one_does_not_come_back() {
    let sb = sandbox();
    let proj = project(&sb, "fresh");
    let store = own_model(&sb, proj.p());
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "pull",
        "-p",
        proj.p(),
        "--kind",
        "model",
        "--version",
        "v",
        "--path",
    ];
    let pull = || run(sb.pxa().args(args).arg(dir.path()));
    let (code, _, err) = pull();
    assert_eq!(code, 0, "{err}");
    let dest = dir.path().join("models/v/outputs/model");
    assert_eq!(std::fs::read(dest.join("w.bin")).unwrap(), blob(300_000, 1));
    // Overwritten with the same size (the server's cache copy keeps the old bytes), changed,
    // and deleted (the server's tarball keeps the deleted file).
    std::fs::write(store.join("outputs/model/w.bin"), blob(300_000, 2)).unwrap();
    std::fs::write(store.join("outputs/model/tok/t01.txt"), "token one").unwrap();
    std::fs::remove_file(store.join("outputs/model/tok/t03.txt")).unwrap();
    let run_id = store.file_name().unwrap().to_string_lossy().into_owned();
    let streams = format!(
        "{}/streams/v1/polyaxon/default/{}/runs/{run_id}",
        sb.host,
        proj.p()
    );
    let get = |tail: &str| sb.http().get(format!("{streams}/{tail}")).send().unwrap();
    let plain = get("artifact?path=outputs/model/w.bin").bytes().unwrap();
    assert_eq!(
        plain.to_vec(),
        blob(300_000, 1),
        "server surprise changed: no stale cache"
    );
    let (code, _, err) = pull();
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(dest.join("w.bin")).unwrap(), blob(300_000, 2));
    assert_eq!(
        std::fs::read(dest.join("tok/t01.txt")).unwrap(),
        b"token one"
    );
    assert!(
        !dest.join("tok/t03.txt").exists(),
        "a deleted file came back"
    );
    // The server still holds what pxa dropped: its tarball of tok/ has t03.txt.
    let tgz = get("artifacts?path=outputs/model/tok").bytes().unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&tgz[..]));
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("t03.txt")),
        "server surprise changed: {names:?}"
    );
    let (code, out, err) = run(sb.pxa().arg("verify").arg(dir.path().join("models/v")));
    assert_eq!(code, 0, "{out}{err}");
}

/// Requests the proxy saw that download something (not the version, run or tree reads).
fn downloads(proxy: &CutProxy) -> Vec<String> {
    let log = proxy.log.lock().unwrap();
    log.iter()
        .map(|(head, _)| head.lines().next().unwrap_or("").to_string())
        .filter(|l| l.contains("/streams/") && !l.contains("/artifacts/tree"))
        .collect()
}

#[test]
#[ignore = "needs the sandbox"]
fn dry_run_sends_no_download_and_writes_nothing() {
    let sb = sandbox();
    let proxy = CutProxy::slow(&sb.host, "/streams/", Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    for format in ["name", "json"] {
        let args = [
            "--version",
            "mixed",
            "--dry-run",
            "-o",
            format,
            "--host",
            &proxy.url,
        ];
        let (code, out, err) = pull(&sb, &root, &args);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("outputs/mixed/tokenizer"), "{out}");
    }
    assert!(!root.exists(), "the dry run wrote {}", root.display());
    assert_eq!(downloads(&proxy), Vec::<String>::new());
    let seen = proxy.log.lock().unwrap().len();
    assert!(
        seen >= 4,
        "the version, its run and the tree were read: {seen}"
    );
}

#[test]
#[ignore = "needs the sandbox"]
fn skip_existing_re_pulls_nothing_when_nothing_changed() {
    let sb = sandbox();
    let proxy = CutProxy::slow(&sb.host, "/streams/", Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(
        &sb,
        dir.path(),
        &["--version", "mixed", "--host", &proxy.url],
    );
    assert_eq!(code, 0, "{err}");
    let fetched = downloads(&proxy).len();
    assert_eq!(fetched, 4, "{:?}", downloads(&proxy));
    let before = tree(&dir.path().join("artifacts/mixed"));
    let args = [
        "--version",
        "mixed",
        "--skip-existing",
        "--host",
        &proxy.url,
    ];
    let (code, _, err) = pull(&sb, dir.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        downloads(&proxy).len(),
        fetched,
        "a file was downloaded again"
    );
    assert_eq!(tree(&dir.path().join("artifacts/mixed")), before);
}

#[test]
#[ignore = "needs the sandbox"]
fn artifact_on_a_complete_copy_keeps_the_other_entries() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let full = |extra: &[&str]| {
        let mut cmd = sb.pxa();
        cmd.args(["pull", "-p", sb.project(), "--version", "full", "--path"])
            .arg(dir.path())
            .args(extra)
            .timeout(Duration::from_secs(300));
        run(&cmd)
    };
    let (code, _, err) = full(&[]);
    assert_eq!(code, 0, "{err}");
    let dest = dir.path().join("artifacts/full");
    let before = tree(&dest);
    assert!(before.len() > 300, "{}", before.len());
    let (code, _, err) = full(&["--artifact", "loss"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tree(&dest), before, "entries were lost");
    let (code, out, err) = run(sb.pxa().arg("verify").arg(&dest));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("{} files", before.len())), "{out}");
}

#[test]
#[ignore = "needs the sandbox"]
fn a_file_in_the_way_exits_2_and_is_left_untouched() {
    let sb = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let kinds = dir.path().join("artifacts");
    std::fs::create_dir_all(&kinds).unwrap();
    std::fs::write(kinds.join("mixed"), b"my notes").unwrap();
    let (code, out, err) = pull(&sb, dir.path(), &["--version", "mixed"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("is a file, where pxa must put a folder"),
        "{err}"
    );
    assert_eq!(std::fs::read(kinds.join("mixed")).unwrap(), b"my notes");
    let names: Vec<String> = std::fs::read_dir(&kinds)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["mixed"], "nothing renamed or added");
}

#[test]
#[ignore = "needs the sandbox"]
fn a_second_pull_waits_for_the_first_and_finds_the_version_pulled() {
    let sb = sandbox();
    // A slow server: every download held for 1 s.
    let proxy = CutProxy::slow(&sb.host, "/streams/", Duration::from_secs(1));
    let dir = tempfile::tempdir().unwrap();
    let project = folders(&sb)["project"].as_str().unwrap().to_string();
    let mut first = sb
        .pxa()
        .args([
            "pull",
            "-p",
            &project,
            "--version",
            "mixed",
            "--quiet",
            "--host",
            &proxy.url,
        ])
        .arg("--path")
        .arg(dir.path())
        .process()
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.path().join("artifacts/.mixed.pxa-lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lock.exists() {
        assert!(Instant::now() < deadline, "the first pull did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (code, _, err) = pull(
        &sb,
        dir.path(),
        &["--version", "mixed", "--host", &proxy.url],
    );
    assert!(first.wait().unwrap().success());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("waiting for another pxa pull of"), "{err}");
    assert!(
        err.contains("the pull this one waited for pulled the same, kept"),
        "{err}"
    );
    assert_eq!(downloads(&proxy).len(), 4, "the second pull downloaded");
    let got = without_metadata(tree(&dir.path().join("artifacts/mixed")));
    assert_eq!(got, seeded(&sb, "mixed"));
}

#[test]
#[ignore = "needs the sandbox"]
fn a_pull_that_does_not_fit_on_the_disk_exits_11_before_downloading() {
    let sb = sandbox();
    let (disk, home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let root = disk.path().display().to_string();
    let project = folders(&sb)["project"].as_str().unwrap();
    let args = [
        "pull",
        "-p",
        project,
        "--version",
        "mixed",
        "--host",
        &sb.host,
    ];
    let args = [&args[..], &["--path", &root]].concat();
    // mixed holds 9.15 MiB.
    let run = pxa_on_tmpfs(disk.path(), "4m", home.path(), &args);
    assert_eq!(run.code, 11, "{}", run.err);
    assert!(
        run.err.contains(&format!(
            "no space left on {root}/artifacts (needed 9.15 MiB, free "
        )),
        "{}",
        run.err
    );
    let big = run.left.iter().filter(|(_, s)| *s > 64 * 1024).count();
    assert_eq!(big, 0, "{:?}", run.left);
}
