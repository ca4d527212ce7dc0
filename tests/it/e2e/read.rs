//! End-to-end: the real `pxa` binary against the real Polyaxon sandbox, read commands.

use std::collections::BTreeSet;

use crate::support::{run, sandbox};
use serde_json::Value;

fn json_out(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[test]
#[ignore = "needs the sandbox"]
fn ls_all_returns_every_version_as_the_server_has_them() {
    let sb = sandbox();
    let (code, out, err) = run(sb
        .pxa()
        .args(["ls", "-p", sb.project(), "--all", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let listed = json_out(&out);
    let listed = listed.as_array().unwrap();
    let server = sb.server_versions("artifact");
    assert!(
        server.len() > 100,
        "seed must exceed one page, got {}",
        server.len()
    );
    assert_eq!(listed.len(), server.len());
    let names = |items: &[Value]| -> BTreeSet<String> {
        items
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(listed), names(&server));
    let seeded: BTreeSet<String> = sb.versions("artifact").into_iter().collect();
    assert_eq!(names(listed), seeded);
    // Same objects, field for field (order of the list is the server's default).
    let by_name = |items: &[Value]| -> std::collections::BTreeMap<String, Value> {
        items
            .iter()
            .map(|v| (v["name"].as_str().unwrap().to_string(), v.clone()))
            .collect()
    };
    assert_eq!(by_name(listed), by_name(&server));
}

#[test]
#[ignore = "needs the sandbox"]
fn ls_limit_offset_sort_and_query() {
    let sb = sandbox();
    let p = sb.project();
    let names = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["ls", "-p", p, "-o", "name"];
        full.extend_from_slice(args);
        let (code, out, err) = run(sb.pxa().args(&full));
        assert_eq!(code, 0, "{args:?}: {err}");
        out.lines().map(str::to_string).collect()
    };
    assert_eq!(
        names(&[]).len(),
        20,
        "default limit is 20 like the official CLI"
    );
    assert_eq!(names(&["-l", "5"]).len(), 5);
    let total = sb.versions("artifact").len();
    assert_eq!(
        names(&["-l", "150"]).len(),
        150.min(total),
        "pages are followed past 100"
    );
    let sorted = names(&["-s", "name", "--all"]);
    let mut expected = sorted.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    let second = names(&["-s", "name", "-l", "3", "--offset", "2"]);
    assert_eq!(second, sorted[2..5].to_vec());
    // The official CLI's single-dash spelling.
    assert_eq!(names(&["-s", "name", "-l", "3", "-off", "2"]), second);

    let (code, out, err) = run(sb.pxa().args([
        "ls",
        "-p",
        p,
        "--all",
        "-q",
        "stage: production",
        "-o",
        "json",
    ]));
    assert_eq!(code, 0, "{err}");
    let prod = json_out(&out);
    let prod = prod.as_array().unwrap();
    assert!(!prod.is_empty(), "seed has production versions");
    assert!(prod.iter().all(|v| v["stage"] == "production"));
    let expected = sb.seed["stages"]
        .as_object()
        .unwrap()
        .values()
        .filter(|s| *s == "production")
        .count();
    assert_eq!(prod.len(), expected);
}

#[test]
#[ignore = "needs the sandbox"]
fn get_json_and_yaml_are_the_servers_object() {
    let sb = sandbox();
    for name in ["v001", "full"] {
        let (code, out, err) =
            run(sb
                .pxa()
                .args(["get", "-p", sb.project(), "--version", name, "-o", "json"]));
        assert_eq!(code, 0, "{err}");
        assert_eq!(json_out(&out), sb.server_version("artifact", name));
        let target = format!("{}:{name}", sb.project());
        let (code, out, err) = run(sb.pxa().args(["get", &target, "-o", "yaml"]));
        assert_eq!(code, 0, "{err}");
        let yaml: Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(yaml, sb.server_version("artifact", name));
    }
}

#[test]
#[ignore = "needs the sandbox"]
fn get_piped_is_tab_separated_with_rfc3339_times() {
    let sb = sandbox();
    let (code, out, err) = run(sb
        .pxa()
        .args(["get", "-p", sb.project(), "--version", "v001"]));
    assert_eq!(code, 0, "{err}");
    let server = sb.server_version("artifact", "v001");
    let fields: std::collections::HashMap<&str, &str> = out
        .lines()
        .map(|l| l.split_once('\t').expect("key<TAB>value"))
        .collect();
    assert_eq!(fields["name"], "v001");
    assert_eq!(fields["uuid"], server["uuid"].as_str().unwrap());
    assert_eq!(fields["created"], server["created_at"].as_str().unwrap());
    chrono::DateTime::parse_from_rfc3339(fields["updated"]).unwrap();
    assert!(!out.contains('\x1b'), "no escape codes when piped");
}

#[test]
#[ignore = "needs the sandbox"]
fn ls_table_and_tsv_forms() {
    let sb = sandbox();
    let (code, out, err) = run(sb
        .pxa()
        .args(["ls", "-p", sb.project(), "-l", "3", "-o", "table"]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for col in ["NAME", "STAGE", "TAGS", "DESCRIPTION", "CREATED", "UPDATED"] {
        assert!(lines[0].contains(col), "{out}");
    }
    let (code, out, err) = run(sb.pxa().args(["ls", "-p", sb.project(), "-l", "3"]));
    assert_eq!(code, 0, "{err}");
    let server = sb.server_versions("artifact");
    for (line, item) in out.lines().zip(server.iter()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 6, "{line}");
        assert_eq!(cols[0], item["name"].as_str().unwrap());
        assert_eq!(cols[1], item["stage"].as_str().unwrap());
        assert_eq!(cols[5], item["updated_at"].as_str().unwrap());
    }
}

#[test]
#[ignore = "needs the sandbox"]
fn stages_match_the_server_history() {
    let sb = sandbox();
    let stages = sb.seed["stages"].as_object().unwrap();
    let (name, _) = stages
        .iter()
        .find(|(_, s)| *s == "production")
        .expect("a production version");
    let (code, out, err) = run(sb.pxa().args([
        "stages",
        "-p",
        sb.project(),
        "--version",
        name,
        "-o",
        "json",
    ]));
    assert_eq!(code, 0, "{err}");
    let server = sb.get_json(sb.api(&[
        "default",
        sb.project(),
        "versions",
        "artifact",
        name,
        "stages",
    ]));
    assert_eq!(json_out(&out), server);
    let conditions = server["stage_conditions"].as_array().unwrap();
    assert!(conditions.len() >= 2, "seeded history has several entries");

    let (code, out, err) = run(sb
        .pxa()
        .args(["stages", "-p", sb.project(), "--version", name]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), conditions.len());
    for (row, cond) in rows.iter().zip(conditions) {
        assert_eq!(row[0], cond["type"].as_str().unwrap());
        assert_eq!(row[2], cond["reason"].as_str().unwrap_or(""));
    }
    let (code, out, _) = run(sb.pxa().args([
        "stages",
        "-p",
        sb.project(),
        "--version",
        name,
        "-o",
        "name",
    ]));
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "production");
}

#[test]
#[ignore = "needs the sandbox"]
fn kinds_reach_their_own_registry() {
    let sb = sandbox();
    let model = &sb.versions("model")[0];
    let (code, out, err) = run(sb.pxa().args([
        "get",
        "-p",
        sb.project(),
        "--version",
        model,
        "--kind",
        "model",
        "-o",
        "json",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_out(&out), sb.server_version("model", model));
    // Same name under the artifact registry does not exist.
    let (code, _, err) = run(sb
        .pxa()
        .args(["get", "-p", sb.project(), "--version", model]));
    assert_eq!(code, 3, "{err}");
    let component = &sb.versions("component")[0];
    let (code, out, err) = run(sb.pxa().args([
        "--kind",
        "component",
        "ls",
        "-p",
        sb.project(),
        "-o",
        "name",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l == component), "{out}");
    // The official CLI's group word works as --kind.
    let (code, out, err) = run(sb.pxa().args([
        "models",
        "get",
        "-p",
        sb.project(),
        "-ver",
        model,
        "-o",
        "name",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), model);
}

#[test]
#[ignore = "needs the sandbox"]
fn exit_codes_reachable_with_read_commands() {
    let sb = sandbox();
    let p = sb.project();
    // 3: missing version, missing project.
    let (code, _, err) = run(sb
        .pxa()
        .args(["get", "-p", p, "--version", "does-not-exist"]));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("No ProjectVersion matches the given query."),
        "{err}"
    );
    let (code, _, err) = run(sb.pxa().args(["ls", "-p", "no-such-project-xyz"]));
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = run(sb.pxa().args(["get", "-p", p]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("latest"), "the default-version hint: {err}");
    // 2: the server rejects a query key.
    let (code, _, err) = run(sb.pxa().args(["ls", "-p", p, "-q", "foo: bar"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not supported"), "{err}");
    // 4: CE answers Basic auth with bad credentials with 403.
    let (code, _, err) = run(sb
        .pxa()
        .env("POLYAXON_AUTHENTICATION_TYPE", "Basic")
        .env("POLYAXON_AUTH_TOKEN", "Zm9vOmJhcg==")
        .args(["ls", "-p", p]));
    assert_eq!(code, 4, "{err}");
    assert!(!err.contains("Zm9vOmJhcg=="), "token printed: {err}");
    // 8: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, _, err) =
        run(sb
            .pxa()
            .args(["ls", "-p", p, "--host", &format!("http://127.0.0.1:{port}")]));
    assert_eq!(code, 8, "{err}");
}

#[test]
#[ignore = "needs the sandbox"]
fn invalid_references_exit_2_before_any_request() {
    let sb = sandbox();
    // A host where nothing listens: a request would exit 8, so exit 2 proves none was sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let long = "x".repeat(129);
    let cases: Vec<Vec<&str>> = vec![
        vec!["get", "-p", "bad project", "--version", "v1"],
        vec!["get", "-p", "a/b/c/d", "--version", "v1"],
        vec!["get", "-p", "demo", "--version", "bad/name"],
        vec!["get", "-p", "demo", "--version", ""],
        vec!["get", "-p", "demo", "--version", &long],
        vec!["get", "demo:v1", "--version", "v2"],
        vec!["get", "demo:v1", "-p", "other"],
        vec!["stages", "demo:"],
        vec!["ls", "-p", "demo", "-l", "0"],
        vec!["ls", "-p", "demo", "-o", "xml"],
        vec!["get", "--kind", "dataset", "demo:v1"],
        vec!["get", "demo:v1", "--timeout", "-3"],
    ];
    for args in cases {
        let (code, out, err) = run(sb.pxa().args(&args).args(["--host", &dead]));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.starts_with("error:"), "{args:?}: {err}");
    }
    let (code, _, err) = run(sb.pxa().args(["ls"]).args(["--host", &dead]));
    assert_eq!(code, 2, "no project: {err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
#[ignore = "needs the sandbox"]
fn same_data_as_the_official_cli() {
    let sb = sandbox();
    let p = sb.project();
    let (code, pxa_out, err) = run(sb.pxa().args(["ls", "-p", p, "-l", "10", "-o", "name"]));
    assert_eq!(code, 0, "{err}");
    let official = sb
        .polyaxon()
        .args(["artifacts", "ls", "-p", p, "--limit", "10"])
        .output()
        .unwrap();
    let official = String::from_utf8_lossy(&official.stdout);
    for name in pxa_out.lines() {
        assert!(
            official.contains(name),
            "official ls lacks {name}:\n{official}"
        );
    }
    let (code, out, _) = run(sb
        .pxa()
        .args(["get", "-p", p, "--version", "v001", "-o", "json"]));
    assert_eq!(code, 0);
    let v = json_out(&out);
    let official = sb
        .polyaxon()
        .args(["artifacts", "get", "-p", p, "-ver", "v001"])
        .output()
        .unwrap();
    let official = String::from_utf8_lossy(&official.stdout);
    for key in ["uuid", "description", "stage"] {
        let value = v[key].as_str().unwrap();
        assert!(
            official.contains(value),
            "official get lacks {key}={value}:\n{official}"
        );
    }
    let (code, out, _) = run(sb
        .pxa()
        .args(["stages", "-p", p, "--version", "v001", "-o", "json"]));
    assert_eq!(code, 0);
    let stages = json_out(&out);
    let official = sb
        .polyaxon()
        .args(["artifacts", "stages", "-p", p, "-ver", "v001"])
        .output()
        .unwrap();
    let official = String::from_utf8_lossy(&official.stdout);
    for cond in stages["stage_conditions"].as_array().unwrap() {
        let reason = cond["reason"].as_str().unwrap();
        assert!(
            official.contains(reason),
            "official stages lacks {reason}:\n{official}"
        );
    }
}

#[test]
#[ignore = "needs the sandbox"]
fn token_never_appears_in_any_output() {
    let sb = sandbox();
    let secret = "pxa-test-token-7f3a9c";
    let p = sb.project();
    let runs: Vec<Vec<&str>> = vec![
        vec!["-v", "ls", "-p", p, "-l", "2"],
        vec!["-v", "get", "-p", p, "--version", "v001", "-o", "json"],
        vec!["-v", "get", "-p", p, "--version", "missing"],
        vec!["-v", "stages", "-p", p, "--version", "v001", "-o", "yaml"],
    ];
    for args in runs {
        for via_env in [true, false] {
            let mut cmd = sb.pxa();
            if via_env {
                cmd.env("POLYAXON_AUTH_TOKEN", secret);
            } else {
                cmd.args(["--token", secret]);
            }
            let (_, out, err) = run(cmd.args(&args));
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{args:?}: {out}{err}"
            );
        }
    }
    let (_, out, _) = run(sb
        .pxa()
        .args(["get", "--help"])
        .env("POLYAXON_AUTH_TOKEN", secret));
    assert!(!out.contains(secret));
}

#[test]
#[ignore = "needs the sandbox"]
fn status_reports_the_server_and_the_credentials() {
    let sb = sandbox();
    let installation = sb.get_json(sb.api(&["installation"]));
    let (code, out, err) = run(sb.pxa().args(["status", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let v = json_out(&out);
    assert_eq!(v["server"], installation["version"]);
    assert_eq!(v["dist"], installation["dist"]);
    assert_eq!(v["token"], "not set");
    let (code, out, err) =
        run(sb
            .pxa()
            .args(["whoami", "--token", "tok-xyz-secret", "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("tok-xyz-secret"));
    assert!(json_out(&out)["token"].as_str().unwrap().starts_with("set"));
    let (code, _, err) = run(sb.pxa().env("POLYAXON_AUTHENTICATION_TYPE", "Basic").args([
        "status",
        "--token",
        "Zm9vOmJhcg==",
    ]));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("hint:"), "{err}");
}
