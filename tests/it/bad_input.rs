//! The bad-input table: each case is refused with one `error:` line and a `hint:` line, exit 2,
//! and nothing reaches the server (a fake server counts requests). README lists the cases. The
//! exact output of each case is a snapshot (`snapshots/it__bad_input__<case>.snap`).

use std::ffi::OsString;

use crate::support::snapshot::assert_outcome;
use crate::support::{block_on, pxa};

/// Runs pxa with `args` against a counting fake server; asserts the refusal and returns
/// (code, stdout, stderr, the server's address).
fn refused(args: &[OsString], env: &[(&str, &str)]) -> (i32, String, String, String) {
    refused_reading(args, env, "")
}

/// [`refused`], with `stdin` on pxa's standard input.
fn refused_reading(
    args: &[OsString],
    env: &[(&str, &str)],
    stdin: &str,
) -> (i32, String, String, String) {
    block_on(async {
        let server = wiremock::MockServer::start().await;
        let (code, out, err) = pxa()
            .env("POLYAXON_HOST", server.uri())
            .envs(env.iter().copied())
            .args(args)
            .write_stdin(stdin)
            .run_async()
            .await;
        assert_eq!(code, 2, "exit code; stderr: {err}");
        assert!(out.is_empty(), "stdout must stay empty: {out}");
        let lines: Vec<&str> = err.lines().collect();
        assert!(lines[0].starts_with("error: "), "{err}");
        assert!(
            lines.len() == 2 && lines[1].starts_with("hint: "),
            "one error line and one hint: {err}"
        );
        let sent = server.received_requests().await.unwrap();
        assert!(
            sent.is_empty(),
            "nothing may be sent, got {} requests",
            sent.len()
        );
        (code, out, err, server.uri())
    })
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

macro_rules! bad_input {
    ($($name:ident: [$($arg:expr),*] $(env [$(($k:expr, $v:expr)),*])? => $needle:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let (code, out, err, server) = refused(&os(&[$($arg),*]), &[$($(($k, $v)),*)?]);
                assert!(err.contains($needle), "expected {:?} in: {err}", $needle);
                assert_outcome!(code, out, err, server = server);
            }
        )*
    };
}

bad_input! {
    project_with_a_space: ["get", "-p", "my project", "--version", "v1"] => "invalid project";
    project_with_too_many_parts: ["get", "-p", "a/b/c/d", "--version", "v1"] => "at most OWNER/TEAM/PROJECT";
    project_with_a_colon: ["ls", "-p", "demo:v1"] => "cannot contain `:`";
    project_empty: ["ls", "-p", ""] => "is empty";
    version_with_a_slash: ["get", "-p", "demo", "--version", "a/b"] => "not allowed";
    version_empty: ["get", "-p", "demo", "--version", ""] => "version name is empty";
    version_too_long: ["get", "-p", "demo", "--version", &"v".repeat(129)] => "at most 128";
    version_dot_lowercase: ["register", "demo:.hidden"] => "answers 404";
    version_named_names: ["get", "-p", "demo", "--version", "names"] => "lists the names";
    version_not_ascii: ["register", "-p", "demo", "--version", "été"] => "not allowed";
    rename_to_a_dot_and_lowercase: ["update", "demo:v1", "-n", ".v1"] => "answers 404";
    lineage_run_not_a_uuid: ["lineage", "trainer2", "-p", "demo"] => "invalid run uuid";
    version_given_twice: ["get", "demo:v1", "--version", "v2"] => "given twice";
    project_given_twice: ["stages", "demo:v1", "-p", "other"] => "given twice";
    target_without_version: ["get", "demo:"] => "version name is empty";
    target_without_project: ["get", ":v1"] => "invalid project";
    unknown_kind: ["get", "demo:v1", "--kind", "dataset"] => "invalid value 'dataset'";
    unknown_output_format: ["ls", "-p", "demo", "-o", "xml"] => "invalid value 'xml'";
    limit_zero: ["ls", "-p", "demo", "-l", "0"] => "invalid value '0'";
    limit_negative: ["ls", "-p", "demo", "--limit=-5"] => "invalid value '-5'";
    offset_not_a_number: ["ls", "-p", "demo", "--offset", "ten"] => "invalid value 'ten'";
    timeout_zero: ["get", "demo:v1", "--timeout", "0"] => "invalid timeout";
    timeout_not_a_number: ["get", "demo:v1", "--timeout", "soon"] => "invalid value 'soon'";
    host_with_a_space: ["get", "demo:v1", "--host", "polyaxon example.com"] => "contains a space";
    host_with_another_scheme: ["get", "demo:v1", "--host", "ftp://example.com"] => "invalid host";
    host_empty_from_env: ["get", "demo:v1"] env [("POLYAXON_HOST", " ")] => "is empty";
    verify_ssl_not_a_boolean: ["get", "demo:v1"] env [("POLYAXON_VERIFY_SSL", "maybe")] => "POLYAXON_VERIFY_SSL";
    ca_cert_missing: ["get", "demo:v1", "--ca-cert", "/nonexistent/ca.pem"] => "cannot read the CA certificate";
    jq_invalid: ["get", "demo:v1", "--jq", ".[" ] => "invalid --jq expression";
    jq_with_output_yaml: ["get", "demo:v1", "--jq", ".name", "-o", "yaml"] => "--jq cannot be used with -o yaml";
    jq_with_output_name: ["ls", "-p", "demo", "-o", "name", "--jq", ".[]"] => "--jq cannot be used with -o name";
    jq_with_output_table: ["ls", "-p", "demo", "-o", "table", "--jq", ".[]"] => "--jq cannot be used with -o table";
    unknown_command: ["lss"] => "unrecognized subcommand";
    unknown_flag: ["get", "demo:v1", "--versio", "x"] => "unexpected argument";
    unknown_flag_without_a_similar_one: ["ls", "-p", "demo", "--nope"] => "--help lists";
    group_word_in_the_singular: ["model", "ls", "-p", "demo"] => "pxa models";
    token_with_a_control_character: ["get", "demo:v1", "--token", "ab\u{1}c"] => "check --token";
    host_with_the_api_path: ["get", "demo:v1", "--host", "http://127.0.0.1:9/api/v1"] => "without /api/v1";
    config_set_bad_host: ["config", "set", "host", "not a url"] => "invalid host";
    config_set_unknown_key: ["config", "set", "colour", "red"] => "invalid value 'colour'";
    completions_unknown_shell: ["completions", "tcsh"] => "invalid value 'tcsh'";
    pull_path_is_a_file: ["pull", "demo:v1", "--path", "/etc/hostname"] => "is a file";
    pull_path_not_writable: ["pull", "demo:v1", "--path", "/proc/pxa-cannot-write"] => "cannot write to --path";
    pull_unknown_progress: ["pull", "demo:v1", "--progress", "loud"] => "invalid value 'loud'";
    register_content_unreadable_file: ["register", "demo:v9", "--content", "@/nonexistent/c.json"] => "cannot read";
    register_content_not_a_mapping: ["register", "demo:v9", "--content", "[1, 2]"] => "must be a mapping";
    register_content_invalid_json: ["register", "demo:v9", "--content", "{bad"] => "neither valid JSON nor YAML";
    register_run_uid_invalid: ["register", "demo:v9", "--run-uid", "xyz"] => "not a run UUID";
    stage_unknown: ["stage", "demo:v1", "--to", "prod"] => "invalid value 'prod'";
    wait_unknown_stage: ["wait", "demo:v1", "--for", "live"] => "invalid value 'live'";
    delete_without_a_terminal_or_yes: ["delete", "demo:v1"] => "-y";
    stage_selector_unknown: ["get", "demo@prod"] => "unknown stage `prod`";
    stage_selector_empty: ["pull", "-p", "demo", "@"] => "names no stage after `@`";
    stage_selector_in_project: ["ls", "-p", "demo@production"] => "cannot contain `@`";
    stage_selector_in_register: ["register", "demo@production"] => "stage selector";
    several_targets_with_version: ["get", "-p", "demo", "v1", "v2", "--version", "v3"] => "--version cannot be used with several";
    several_targets_one_bad: ["stage", "-p", "demo", "v1", "@live", "--to", "staging"] => "unknown stage `live`";
    several_targets_in_two_projects_pulled: ["pull", "demo:v1", "other:v2"] => "in two projects";
    several_targets_with_pull_all: ["pull", "-a", "demo", "other"] => "several targets";
    stdin_targets_empty: ["pull", "-p", "demo", "-"] => "stdin holds no target";
    stdin_given_twice: ["get", "-p", "demo", "-", "-"] => "given twice";
    stdin_targets_delete_without_yes: ["delete", "-p", "demo", "-"] => "stdin holds the list";
    files_of_a_component: ["files", "demo:c1", "--kind", "component"] => "components have no files";
    diff_content_hash_of_components: ["diff", "demo:c1", "demo:c2", "--kind", "component", "--content-hash"] => "no files to hash";
    diff_without_b: ["diff", "demo:v1"] => "<B>";
    diff_b_without_version: ["diff", "-p", "demo", "v1", "demo:"] => "version name is empty";
}

#[test]
fn stdin_target_invalid() {
    let args = os(&["pull", "-p", "demo", "-"]);
    let (code, out, err, server) = refused_reading(&args, &[], "v1\n\n  v2  \nbad name\n");
    assert!(
        err.contains("stdin line 4: invalid version name `bad name`"),
        "{err}"
    );
    assert_outcome!(code, out, err, server = server);
}

#[test]
fn stdin_targets_blank() {
    let args = os(&["stage", "-p", "demo", "-", "--to", "staging"]);
    let (code, out, err, server) = refused_reading(&args, &[], " \n\t\n\n");
    assert!(err.contains("stdin holds no target"), "{err}");
    assert_outcome!(code, out, err, server = server);
}

#[test]
fn no_project_anywhere() {
    let (code, out, err, server) = refused(&os(&["ls"]), &[]);
    assert!(err.contains("no project given"), "{err}");
    assert_outcome!(code, out, err, server = server);
}

#[cfg(unix)]
#[test]
fn non_utf8_argument() {
    use std::os::unix::ffi::OsStringExt;
    let args = vec![
        OsString::from("get"),
        OsString::from("-p"),
        OsString::from_vec(vec![b'd', 0xff, b'x']),
    ];
    let (code, out, err, server) = refused(&args, &[]);
    assert!(err.to_lowercase().contains("utf-8"), "{err}");
    assert_outcome!(code, out, err, server = server);
}

#[test]
fn a_token_over_plain_http_warns_but_runs() {
    let (_, _, err) = pxa()
        .args([
            "get",
            "demo:v1",
            "--host",
            "http://192.0.2.1:1",
            "--timeout",
            "0.2",
            "--token",
            "tok-plain-http",
        ])
        .run();
    assert!(
        err.contains("warning: the token is sent unencrypted"),
        "{err}"
    );
    assert!(!err.contains("tok-plain-http"), "{err}");
}
