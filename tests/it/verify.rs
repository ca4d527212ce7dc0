//! `pxa verify` reports every folder and every argument: OK, FAILED (a file differs: exit 9),
//! UNVERIFIED (no manifest to check against, e.g. a folder the official CLI pulled) and MISSING
//! (no such path); anything but OK is a non-zero exit, 9 only for a difference, else 3.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::support::fake::{pull, three_entry_server};
use crate::support::snapshot::assert_outcome;
use crate::support::{pxa, sandbox};

/// `pxa verify ARGS` with `root` shown as `ROOT`.
fn verify(root: &Path, args: &[&Path], extra: &[&str]) -> (i32, String, String) {
    let (code, out, err) = pxa().arg("verify").args(args).args(extra).run();
    let root = root.to_str().unwrap();
    (code, out.replace(root, "ROOT"), err.replace(root, "ROOT"))
}

#[test]
fn every_folder_and_every_argument_is_reported() {
    let fake = three_entry_server(Arc::default());
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull(&fake.url, root.path(), &["--version", "v1"]);
    assert_eq!(code, 0, "{err}");
    let r = root.path();
    // Folders without a manifest, as the official CLI leaves them, beside pxa's.
    for folder in ["artifacts/official", "models/m1"] {
        std::fs::create_dir_all(r.join(folder)).unwrap();
        std::fs::write(r.join(folder).join("version.plx.json"), "{}").unwrap();
    }
    let (code, out, err) = verify(r, &[r], &[]);
    assert_outcome!(
        code,
        out,
        err,
        name = "verify_a_root_with_unverified_folders"
    );
    let v1 = r.join("artifacts/v1");
    let official = r.join("artifacts/official");
    let gone = r.join("artifacts/gone");
    let (code, out, err) = verify(r, &[&official, &v1, &gone], &[]);
    assert_outcome!(code, out, err, name = "verify_every_argument");
    let (code, out, _) = verify(r, &[&gone, &v1], &["-o", "json"]);
    assert_eq!(code, 3);
    let shown: Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["missing", "ok"]);
    // A difference is 9, whatever else is wrong.
    std::fs::write(v1.join("outputs/a.txt"), "changed").unwrap();
    let (code, out, err) = verify(r, &[&gone, r], &[]);
    assert_outcome!(code, out, err, name = "verify_a_difference_among_others");
}

#[test]
#[ignore = "needs the sandbox"]
fn a_folder_the_official_cli_pulled_is_unverified() {
    let sb = sandbox();
    let root = tempfile::tempdir().unwrap();
    let status = sb
        .polyaxon()
        .args([
            "artifacts",
            "pull",
            "-p",
            sb.project(),
            "-ver",
            "full",
            "--no-artifacts",
        ])
        .arg("--path")
        .arg(root.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let (code, _, err) = sb
        .pxa()
        .args([
            "pull",
            "-p",
            sb.project(),
            "--version",
            "v001",
            "--quiet",
            "--path",
        ])
        .arg(root.path())
        .run();
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = sb.pxa().arg("verify").arg(root.path()).run();
    assert_eq!(code, 3, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("UNVERIFIED\t") && lines[0].contains("artifacts/full\t"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("OK\t") && lines[1].contains("artifacts/v001\t"),
        "{out}"
    );
}
