//! End-to-end: `pxa lineage` lists a run's lineage entries as the server records them, and
//! `register --artifacts` with a name the run lacks points at it.

use serde_json::Value;

use crate::support::project::project;
use crate::support::{run, sandbox};

#[test]
#[ignore = "needs the sandbox"]
fn lineage_lists_the_names_kinds_and_paths_the_run_records() {
    let sb = sandbox();
    let pr = project(&sb, "lineage");
    let uuid = pr.run_with_lineage();

    let json: Value = serde_json::from_str(&pr.ok(&["lineage", &uuid, "-p", pr.p(), "-o", "json"]))
        .expect("JSON");
    let entries = json.as_array().expect("a list");
    let mut got: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("name"), s("kind"), s("path"))
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "metrics".into(),
                "file".into(),
                format!("{uuid}/outputs/m.csv")
            ),
            (
                "model".into(),
                "model".into(),
                format!("{uuid}/outputs/model")
            ),
        ]
    );

    // TSV when piped: name, kind, path in the run's store.
    let mut tsv: Vec<String> = pr
        .ok(&["lineage", &uuid, "-p", pr.p()])
        .lines()
        .map(str::to_string)
        .collect();
    tsv.sort();
    assert_eq!(
        tsv,
        [
            "metrics\tfile\toutputs/m.csv",
            "model\tmodel\toutputs/model"
        ]
    );

    // -o name feeds `register --artifacts`; dashes and upper case in the uuid are accepted.
    let dashed = format!(
        "{}-{}-{}-{}-{}",
        &uuid[..8],
        &uuid[8..12],
        &uuid[12..16],
        &uuid[16..20],
        &uuid[20..]
    )
    .to_uppercase();
    let names = pr.ok(&["lineage", &dashed, "-p", pr.p(), "-o", "name"]);
    let names: Vec<&str> = names.lines().collect();
    pr.ok(&[
        "register",
        &pr.target("all"),
        "--run-uid",
        &uuid,
        "--artifacts",
        &names.join(","),
    ]);
    let mut linked: Vec<String> = pr.version("artifact", "all")["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    linked.sort();
    assert_eq!(linked, ["metrics", "model"]);
}

#[test]
#[ignore = "needs the sandbox"]
fn lineage_of_a_run_the_project_lacks_is_not_found() {
    let sb = sandbox();
    let pr = project(&sb, "lineage-404");
    let (code, out, err) = pr.pxa(&["lineage", "0123456789abcdef0123456789abcdef", "-p", pr.p()]);
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("hint: check the run uuid"), "{err}");

    // The server checks the project: another project's run is not found either.
    let seeded = sb.seed["runs"]["main"].as_str().unwrap();
    let (code, _, err) = pr.pxa(&["lineage", seeded, "-p", pr.p()]);
    assert_eq!(code, 3, "{err}");
}

#[test]
#[ignore = "needs the sandbox"]
fn lineage_of_a_seeded_run_matches_the_seed() {
    let sb = sandbox();
    let uuid = sb.seed["runs"]["main"].as_str().unwrap().to_string();
    let (code, out, err) = run(sb
        .pxa()
        .args(["lineage", &uuid, "-p", sb.project(), "-o", "name"]));
    assert_eq!(code, 0, "{err}");
    let mut got: Vec<&str> = out.lines().collect();
    got.sort_unstable();
    let seed = sb.seed["lineage"].as_object().unwrap();
    let mut want: Vec<&str> = seed.keys().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(got, want);
}
