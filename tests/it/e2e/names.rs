//! End-to-end: version names the server accepts but cannot serve back. Created straight through
//! the API (as the official CLI would), `.` followed by lowercase letters and digits only
//! (`.hid`, `.9z`) answers 404 on GET, PATCH and DELETE, and `names` is taken by the route that
//! lists names; every other name the server's rule allows (`[-a-zA-Z0-9_.]`, 1-128) comes back,
//! leading dots otherwise included (`.A`, `..x`, `...`). pxa refuses the first two (and
//! non-ASCII letters, which the server refuses) before sending anything.

use serde_json::{Value, json};

use crate::support::project::{post, project};
use crate::support::sandbox;

#[test]
#[ignore = "needs the sandbox"]
fn names_the_server_cannot_serve_back_are_refused_and_the_others_work() {
    let sb = sandbox();
    let pr = project(&sb, "names");
    let long = format!("v{}", ".".repeat(127));
    let served = [
        "v1.",
        "...",
        "..x",
        "a..b",
        "-lead",
        "v1.json",
        "NAMES",
        long.as_str(),
    ];
    for name in [".hid", "names"].iter().chain(&served) {
        let body = json!({"name": name, "kind": "artifact"});
        post(&sb, &["default", pr.p(), "versions", "artifact"], body);
    }
    // The server's side, pinned: `.hid` is not found, `names` is the list of names.
    let get = |name: &str| sb.http().get(pr.url("artifact", &[name])).send().unwrap();
    let hidden = get(".hid");
    assert_eq!(hidden.status(), 404);
    assert_eq!(
        hidden.json::<Value>().unwrap(),
        json!({"detail": "Not found."})
    );
    let names: Value = get("names").json().unwrap();
    assert!(
        names["results"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": ".hid"})),
        "{names}"
    );
    for name in served {
        assert_eq!(pr.version("artifact", name)["name"], name, "{name}");
        let out = pr.ok(&[
            "get",
            "-p",
            pr.p(),
            &format!("--version={name}"),
            "-o",
            "name",
        ]);
        assert_eq!(out, format!("{name}\n"));
    }
    // pxa's side: refused before any request, for reads and writes.
    for name in [".hid", "names", ".x", "..", "été"] {
        for args in [
            vec!["get", "-p", pr.p(), "--version", name],
            vec!["register", "-p", pr.p(), "--version", name],
            vec!["update", &pr.target("v1."), "-n", name],
        ] {
            let (code, _, err) = pr.pxa(&args);
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(
                err.starts_with("error: invalid version name"),
                "{args:?}: {err}"
            );
        }
    }
    assert_eq!(pr.status("artifact", ".x"), 404);
    assert_eq!(pr.version("artifact", "v1.")["name"], "v1.");
}
