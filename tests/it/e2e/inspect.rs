//! End-to-end: `pxa files` and `pxa diff` (issue 16) against the real sandbox: every listed
//! file checked against the store on disk (`PXA_E2E_DATA`) and against what `pxa pull` then
//! writes; two versions made with known differences, compared field by field, key by key,
//! entry by entry and file by file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::support::files::{b3, blob, walk};
use crate::support::project::{Proj, post, project};
use crate::support::{Sandbox, run, sandbox};

/// The sandbox's artifact store: `<data>/<run uuid>/<run-relative path>`.
fn store() -> PathBuf {
    PathBuf::from(std::env::var("PXA_E2E_DATA").expect("PXA_E2E_DATA (scripts/sandbox env)"))
}

fn json_of(out: &str) -> Value {
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

/// A run of `proj` with `files` written straight into the store, and lineage entries
/// (name, kind, run-relative path). Returns the run's uuid.
fn run_with(
    proj: &Proj,
    name: &str,
    files: &[(&str, Vec<u8>)],
    lineage: &[(&str, &str, &str)],
) -> String {
    let made = post(
        proj.sb,
        &["default", proj.p(), "runs"],
        json!({"name": name, "is_managed": false}),
    );
    let uuid = made["uuid"].as_str().unwrap().to_string();
    for (path, bytes) in files {
        let at = store().join(&uuid).join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, bytes).unwrap();
    }
    let entries: Vec<Value> = lineage
        .iter()
        .map(|(n, k, p)| json!({"name": n, "kind": k, "path": format!("{uuid}/{p}"), "summary": {}, "is_input": false}))
        .collect();
    post(
        proj.sb,
        &["default", proj.p(), "runs", &uuid, "lineage", "artifacts"],
        json!(entries),
    );
    uuid
}

/// Versions `a` and `a2` (the same run and fields) and `b` with known differences from `a`:
/// description, tags, stage, readme, run, content keys, a lineage entry added, a file resized,
/// a file of the same size with other bytes, a file left as it is.
fn two_versions(sb: &Sandbox) -> (Proj<'_>, Vec<u8>, Vec<u8>) {
    let proj = project(sb, "diff");
    let (c_a, c_b) = (blob(20, 7), blob(20, 8));
    let run_a = run_with(
        &proj,
        "ra",
        &[
            ("outputs/model/w.bin", blob(100, 1)),
            ("outputs/model/c.json", c_a.clone()),
            ("outputs/model/same.bin", blob(50, 3)),
        ],
        &[("model", "model", "outputs/model")],
    );
    let run_b = run_with(
        &proj,
        "rb",
        &[
            ("outputs/model/w.bin", blob(120, 1)),
            ("outputs/model/c.json", c_b.clone()),
            ("outputs/model/same.bin", blob(50, 3)),
            ("outputs/m.csv", b"step,loss\n1,0.5\n".to_vec()),
        ],
        &[
            ("model", "model", "outputs/model"),
            ("metrics", "file", "outputs/m.csv"),
        ],
    );
    let register = |name: &str, run: &str, args: &[&str]| {
        let mut all = vec![
            "register",
            "-p",
            proj.p(),
            "--version",
            name,
            "--run-uid",
            run,
        ];
        all.extend_from_slice(args);
        proj.ok(&all);
    };
    let a_fields = [
        "--artifacts",
        "model",
        "--description",
        "first",
        "--tags",
        "x,y",
    ];
    let a_content = [
        "--content",
        r#"{"lr": 0.01, "layers": [1, 2], "drop": 0.1}"#,
    ];
    register("a", &run_a, &[&a_fields[..], &a_content[..]].concat());
    register("a2", &run_a, &[&a_fields[..], &a_content[..]].concat());
    register(
        "b",
        &run_b,
        &[
            "--artifacts",
            "model,metrics",
            "--description",
            "second",
            "--tags",
            "y,z",
            "--readme",
            "hello\nworld",
            "--content",
            r#"{"lr": 0.02, "layers": [1, 2, 3], "opt": "adam"}"#,
        ],
    );
    proj.ok(&["stage", "-p", proj.p(), "--version", "b", "--to", "staging"]);
    (proj, c_a, c_b)
}

fn pick<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    let found = list.as_array().unwrap().iter().find(|x| x[key] == value);
    found.unwrap_or_else(|| panic!("no {key} = {value} in {list}"))
}

#[test]
#[ignore = "needs the sandbox"]
fn diff_of_two_versions_with_known_differences() {
    let sb = sandbox();
    let (proj, c_a, c_b) = two_versions(&sb);
    // Equal: exit 0, nothing printed piped, `equal: true`.
    let (code, out, err) = proj.pxa(&["diff", "-p", proj.p(), "a", "a2"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (code, out, _) = proj.pxa(&["diff", &proj.target("a"), &proj.target("a2"), "-o", "json"]);
    assert_eq!(code, 0);
    let same = json_of(&out);
    assert_eq!(same["equal"], true);
    assert_eq!(
        same["same_size"],
        json!({"files": 3, "same_file": 3, "hashed": false})
    );
    // Different: exit 1, no error line; the JSON names every known difference.
    let (code, out, err) = proj.pxa(&["diff", "-p", proj.p(), "a", "b", "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.is_empty(), "-o json says it all on stdout: {err}");
    let d = json_of(&out);
    assert_eq!(d["equal"], false);
    assert_eq!(
        (d["a"]["version"].as_str(), d["b"]["version"].as_str()),
        (Some("a"), Some("b"))
    );
    let fields: Vec<&str> = d["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["description", "tags", "stage", "run", "readme"]);
    assert_eq!(pick(&d["fields"], "field", "tags")["b"], json!(["y", "z"]));
    assert_eq!(pick(&d["fields"], "field", "stage")["b"], "staging");
    let content: Vec<(&str, &str)> = d["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["path"].as_str().unwrap(), c["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        content,
        [
            (".lr", "changed"),
            (".layers[2]", "added"),
            (".drop", "removed"),
            (".opt", "added")
        ]
    );
    assert_eq!(
        pick(&d["lineage"], "entry", "model")["change"],
        "re-pointed"
    );
    assert_eq!(pick(&d["lineage"], "entry", "metrics")["change"], "added");
    let files: Vec<(&str, &str)> = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        files,
        [
            ("outputs/model/w.bin", "resized"),
            ("outputs/m.csv", "added")
        ]
    );
    assert_eq!(pick(&d["files"], "path", "outputs/model/w.bin")["a"], 100);
    assert_eq!(pick(&d["files"], "path", "outputs/model/w.bin")["b"], 120);
    assert_eq!(
        d["same_size"],
        json!({"files": 2, "same_file": 0, "hashed": false})
    );
    // --content-hash: the same-size file with other bytes is found, with both hashes.
    let (code, out, err) = proj.pxa(&[
        "diff",
        "-p",
        proj.p(),
        "a",
        "b",
        "-o",
        "json",
        "--content-hash",
    ]);
    assert_eq!(code, 1, "{err}");
    let h = json_of(&out);
    let changed = pick(&h["files"], "path", "outputs/model/c.json");
    assert_eq!(changed["change"], "changed");
    assert_eq!(
        (
            changed["a_blake3"].as_str().unwrap(),
            changed["b_blake3"].as_str().unwrap()
        ),
        (b3(&c_a).as_str(), b3(&c_b).as_str())
    );
    assert_eq!(
        h["files"].as_array().unwrap().len(),
        3,
        "same.bin is equal: {}",
        h["files"]
    );
    assert_eq!(h["same_size"]["hashed"], true);
    assert!(!err.contains("--content-hash"), "{err}");
}

#[test]
#[ignore = "needs the sandbox"]
fn diff_for_people_and_for_pipes() {
    let sb = sandbox();
    let (proj, _, _) = two_versions(&sb);
    let (code, out, err) = proj.pxa(&["diff", "-p", proj.p(), "a", "b"]);
    assert_eq!(code, 1);
    assert!(
        !err.contains("error:"),
        "exit 1 is the answer, not an error: {err}"
    );
    let same_size = "2 files of the same size on both sides: a change of their bytes is not seen without --content-hash";
    assert!(err.contains(same_size), "{err}");
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 5), "{out}");
    assert!(
        rows.contains(&vec!["~", "field", "description", "first", "second"]),
        "{out}"
    );
    assert!(
        rows.contains(&vec!["~", "content", ".lr", "0.01", "0.02"]),
        "{out}"
    );
    assert!(
        rows.contains(&vec!["~", "file", "outputs/model/w.bin", "100", "120"]),
        "{out}"
    );
    assert!(
        rows.iter().any(|r| r[..3] == ["+", "lineage", "metrics"]),
        "{out}"
    );
    let table = ["diff", "-p", proj.p(), "a", "b", "-o", "table"];
    let (code, painted, _) = proj.pxa(&[&table[..], &["--color", "always"]].concat());
    assert_eq!(code, 1);
    assert!(painted.contains("\u{1b}[32m+++ B "), "{painted}");
    let (code, out, _) = proj.pxa(&table);
    assert_eq!(code, 1);
    assert!(
        !out.contains('\u{1b}'),
        "colour on a terminal or with --color always: {out}"
    );
    for needle in [
        format!("--- A default/{}:a", proj.p()),
        "  ~ tags: +z -x".to_string(),
        "  ~ stage: testing → staging".to_string(),
        "  ~ readme: (none) → 2 lines".to_string(),
        "  + .opt: \"adam\"".to_string(),
        "    ~ outputs/model/w.bin  100 B → 120 B".to_string(),
        "5 fields, 4 content keys, 2 entries in the lineage, 2 files differ".to_string(),
    ] {
        assert!(out.contains(&needle), "{needle:?} in:\n{out}");
    }
    let (code, out, _) = proj.pxa(&["diff", "-p", proj.p(), "a", "b", "-o", "name"]);
    assert_eq!(code, 1);
    assert!(out.lines().any(|l| l == "outputs/m.csv"), "{out}");
    // A missing side: its own code and pull's hint, named as given.
    let (code, _, err) = proj.pxa(&["diff", "-p", proj.p(), "a", "nope"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.starts_with("error: nope: GET "), "{err}");
    assert!(err.contains("hint: check the project"), "{err}");
}

#[test]
#[ignore = "needs the sandbox"]
fn files_of_a_version_that_is_not_there_exits_3() {
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
}
