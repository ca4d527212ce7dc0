//! End-to-end: `pxa files` (issue 16.1) against the real sandbox: every listed file checked
//! against the store on disk (`PXA_E2E_DATA`) and against what `pxa pull` then writes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::files::walk;
use crate::support::{run, sandbox};

/// The sandbox's artifact store: `<data>/<run uuid>/<run-relative path>`.
pub(super) fn store() -> PathBuf {
    PathBuf::from(std::env::var("PXA_E2E_DATA").expect("PXA_E2E_DATA (scripts/sandbox env)"))
}

pub(super) fn json_of(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// `files -o json` as (entry, path) → size.
fn listed(files: &Value) -> BTreeMap<(String, String), u64> {
    let rows = files["files"].as_array().unwrap();
    rows.iter()
        .map(|f| {
            let key = (
                f["entry"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
            );
            (key, f["size"].as_u64().unwrap())
        })
        .collect()
}

#[test]
#[ignore = "needs the sandbox"]
fn files_of_full_are_what_the_store_holds_and_what_pull_writes() {
    let sb = sandbox();
    let target = format!("{}:full", sb.project());
    let (code, out, err) = run(sb.pxa().args(["files", &target, "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "-o json says nothing on stderr: {err}");
    let files = json_of(&out);
    let run_dir = store().join(files["run"].as_str().unwrap());
    let rows = listed(&files);
    // Every listed file is on the store with that size, and every file of a listed entry's
    // path on the store is listed.
    for ((_, path), size) in &rows {
        let meta = std::fs::metadata(run_dir.join(path)).unwrap();
        assert_eq!(meta.len(), *size, "{path}");
    }
    let mut on_store = Vec::new();
    for e in files["entries"].as_array().unwrap() {
        let path = e["path"].as_str().unwrap();
        match (e["listed"].as_bool().unwrap(), run_dir.join(path).is_dir()) {
            (true, true) => on_store.extend(
                walk(&run_dir.join(path))
                    .iter()
                    .map(|f| format!("{path}/{f}")),
            ),
            (true, false) => on_store.push(path.to_string()),
            (false, _) => assert!(e["why"].as_str().unwrap().contains("event package"), "{e}"),
        }
    }
    on_store.sort();
    let mut paths: Vec<String> = rows.keys().map(|(_, p)| p.clone()).collect();
    paths.sort();
    assert_eq!(paths, on_store);
    let bytes: u64 = rows.values().sum();
    assert_eq!(
        files["totals"],
        json!({"files": rows.len(), "bytes": bytes})
    );
    let seeded = sb.seed["files"].as_object().unwrap();
    assert!(
        rows.len() > 300 && rows.len() < seeded.len(),
        "{} of {}",
        rows.len(),
        seeded.len()
    );
    // What a pull writes: the listed files with those sizes, plus the event package's.
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = run(sb
        .pxa()
        .args(["pull", &target, "--progress", "none", "--path"])
        .arg(root.path()));
    assert_eq!(code, 0, "{err}");
    let pulled = root.path().join("artifacts/full");
    let written: Vec<String> = walk(&pulled)
        .into_iter()
        .filter(|p| p.contains('/') && !p.starts_with("events/image/") && !p.starts_with("assets/"))
        .collect();
    assert_eq!(written, paths);
    for ((_, path), size) in &rows {
        assert_eq!(
            std::fs::metadata(pulled.join(path)).unwrap().len(),
            *size,
            "{path}"
        );
    }
}

#[test]
#[ignore = "needs the sandbox"]
fn files_piped_is_tsv_in_bytes_with_the_unlisted_entry_said_and_totals_on_stderr() {
    let sb = sandbox();
    let target = format!("{}:full", sb.project());
    let (code, json_out, _) = run(sb.pxa().args(["files", &target, "-o", "json"]));
    assert_eq!(code, 0);
    let rows = listed(&json_of(&json_out));
    let (code, out, err) = run(sb.pxa().args(["files", &target]));
    assert_eq!(code, 0, "{err}");
    let mut tsv = BTreeMap::new();
    let mut unlisted = Vec::new();
    for line in out.lines() {
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(cells.len(), 3, "{line}");
        match cells[2] {
            "-" => unlisted.push(cells[0].to_string()),
            size => {
                tsv.insert(
                    (cells[0].into(), cells[1].into()),
                    size.parse::<u64>().unwrap(),
                );
            }
        }
    }
    assert_eq!(tsv, rows);
    assert_eq!(unlisted, ["sample"]);
    assert!(
        err.contains("entry `sample` (image) events/image/sample.plx: an event package"),
        "{err}"
    );
    let bytes: u64 = rows.values().sum();
    assert!(
        err.contains(&format!("4 entries listed: {} files", rows.len())),
        "{err}"
    );
    assert!(
        err.contains(&format!("({bytes} bytes); 1 entry not listed")),
        "{err}"
    );
    // --artifact: that entry only; -o name: the paths.
    let (code, out, _) =
        run(sb
            .pxa()
            .args(["files", &target, "--artifact", "model", "-o", "name"]));
    assert_eq!(code, 0);
    let model: Vec<&str> = rows
        .keys()
        .filter(|(e, _)| e == "model")
        .map(|(_, p)| p.as_str())
        .collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), model);
    let (code, _, err) = run(sb.pxa().args(["files", &target, "--artifact", "nope"]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("no lineage entry named `nope` (it has: "),
        "{err}"
    );
    assert!(
        err.contains("hint: pass --artifact one of the names"),
        "{err}"
    );
}

#[test]
#[ignore = "needs the sandbox"]
fn files_of_a_version_without_files_says_so_and_of_one_that_is_not_there_exits_3() {
    let sb = sandbox();
    let (code, out, err) = run(sb
        .pxa()
        .args(["files", &format!("{}:not-there", sb.project())]));
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("hint: check the project (-p OWNER/PROJECT), the version and --kind"),
        "{err}"
    );
    let (code, out, err) = run(sb
        .pxa()
        .args(["files", &format!("{}:run-only", sb.project())]));
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert_eq!(
        err,
        "run-only links no lineage entry: a pull of it writes its metadata only\n"
    );
}
