//! The official CLI's argument spellings through the real binary: global flags with a value
//! before or after the group word (`pxa --color never models ls`), `--flag=value` and short
//! clusters (`-vo json`), and the group's own deprecated `-p`/`-ver` (`polyaxon models -p P
//! -ver V get`). Each line must reach the model registry of the right project.

use crate::support::fake::{Server, ok};
use crate::support::pxa;

/// Runs `pxa ARGS --host <fake>` against a fake that answers every list and get of model
/// versions of `default/demo`; returns (code, stderr, the paths requested).
fn against_fake(args: &[&str]) -> (i32, String, Vec<String>) {
    let server = Server::start(|req, _| {
        let v1 =
            serde_json::json!({"uuid": "u1", "name": "m1", "stage": "testing", "kind": "model"});
        if req.path.ends_with("/versions/model") {
            ok(serde_json::json!({"count": 1, "next": null, "results": [v1]}).to_string())
        } else {
            ok(v1.to_string())
        }
    });
    let (code, _, err) = pxa().args(args).args(["--host", &server.url]).run();
    let paths = server
        .log
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    (code, err, paths)
}

#[test]
fn global_flags_with_values_around_the_group_word_are_not_taken_for_it() {
    let list = "/api/v1/default/demo/versions/model";
    for line in [
        "--color never models ls -p demo",
        "models --color never ls -p demo",
        "--color=never models ls -p demo",
        "--jq .[].name models ls -p demo",
        "--jq=.[].name models ls -p demo",
        "models --jq .[].name ls -p demo",
        "-o json models ls -p demo",
        "-ojson models ls -p demo",
        "-vo json models ls -p demo",
        "--timeout 5 models ls -p demo",
        "--kind model ls -p demo",
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        let (code, err, paths) = against_fake(&args);
        assert_eq!(code, 0, "pxa {line}: {err}");
        assert_eq!(paths, [list], "pxa {line}: {err}");
    }
}

#[test]
fn the_group_words_own_project_and_version_flags_are_read_as_the_official_cli_reads_them() {
    let get = "/api/v1/default/demo/versions/model/m1";
    for line in [
        "models -p demo -ver m1 get",
        "models --project demo --version m1 get",
        "models --project=demo -ver=m1 get",
        "models -p demo get -ver m1",
        "--color never models -p demo -ver m1 get",
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        let (code, err, paths) = against_fake(&args);
        assert_eq!(code, 0, "pxa {line}: {err}");
        assert_eq!(paths, [get], "pxa {line}: {err}");
    }
    // As in the official CLI, the group's version does not apply to `ls`.
    let (code, err, paths) = against_fake(&["models", "-p", "demo", "-ver", "m1", "ls"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(paths, ["/api/v1/default/demo/versions/model"], "{err}");
}
