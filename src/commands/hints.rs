//! The `hint:` lines that name flags, variables and files: chosen here, where the command line
//! is known, rather than in the layers that raise the errors (`api` knows no flags).

use crate::api::error::TransportKind;
use crate::api::{ApiError, Kind, SetupError, Stage};
use crate::exit::Code;
use crate::pull::download::Missing;
use crate::settings::env::{self, AUTH_TOKEN, HOST, SSL_CA_CERT};
use crate::settings::{AUTH_FILE, CONFIG_DIR};

const SERVER_FAILED: &str =
    "the server failed; try again, and check the server's log if it persists";
const INSIDE_SERVER: &str =
    "this is an error inside the server; try again, and check the server's log if it persists";
const RATE_LIMITED: &str = "the server is rate limiting; wait and try again";
const TIMED_OUT: &str = "the server did not answer in time; raise --timeout or check the server";
/// A pull (or another resumable run) stopped part-way.
pub const RESUME: &str = "run the same command again to resume; finished entries are kept and the previous copy is untouched";

/// The next step after a failed API call, when there is an obvious one.
pub fn api(err: &ApiError) -> Option<String> {
    let text = match err {
        ApiError::Http {
            disguised_server_error: true,
            ..
        } => INSIDE_SERVER.to_string(),
        ApiError::Http { status, .. } => match *status {
            401 | 403 => check_token(),
            404 => not_found("the version name"),
            429 => RATE_LIMITED.to_string(),
            s if s >= 500 => SERVER_FAILED.to_string(),
            _ => return None,
        },
        ApiError::Transport {
            kind: TransportKind::Connect,
            ..
        } => unreachable(),
        ApiError::Transport {
            kind: TransportKind::Timeout,
            ..
        } => TIMED_OUT.to_string(),
        ApiError::Transport {
            kind: TransportKind::NotTls,
            ..
        } => format!(
            "this address serves plain HTTP: use http:// in --host or {}",
            HOST.name
        ),
        _ => return None,
    };
    Some(text)
}

/// The hint of a failed single-version pull, by its exit code (and, for a 404, by what was
/// not found).
pub fn pull(code: Code, missing: Option<Missing>) -> String {
    match (code, missing) {
        (Code::NotFound, Some(Missing::Run)) => {
            "the version's run is gone from the server: `pxa pull --no-artifacts` still writes its metadata".to_string()
        }
        (Code::NotFound, Some(m)) if let Some(hint) = missing_entry(m, "pull") => hint,
        (code, _) => pull_by_code(code),
    }
}

/// The hint of a failed listing (`files`, `diff`): as a pull's, by what was not found, with
/// nothing downloaded to resume.
pub fn listing(code: Code, missing: Option<Missing>) -> String {
    match (code, missing) {
        (Code::NotFound, Some(Missing::Run)) => {
            "the version's run is gone from the server, so its files cannot be listed; `pxa get` still shows the version".to_string()
        }
        (Code::NotFound, Some(m)) if let Some(hint) = missing_entry(m, "list") => hint,
        (Code::NotFound, _) => not_found("the version"),
        (Code::Unreachable, _) => unreachable(),
        (Code::Auth, _) => check_token(),
        (Code::Integrity, _) => "a file changed on the server while pxa read it, or the lineage or tree names a path pxa will not follow; run it again (nothing was written)".to_string(),
        _ => SERVER_FAILED.to_string(),
    }
}

/// An `--artifact` name the version lacks, or an entry's path its run's store lacks, for a
/// command that does `verb` to entries.
fn missing_entry(missing: Missing, verb: &str) -> Option<String> {
    match missing {
        Missing::Entry => Some(format!(
            "pass --artifact one of the names the version has (listed above), or leave it out to {verb} every entry"
        )),
        Missing::Stored => Some(format!(
            "the version's lineage names a path its run's store no longer holds: ask the run's owner, or {verb} the other entries with --artifact NAME"
        )),
        Missing::Version | Missing::Run => None,
    }
}

fn pull_by_code(code: Code) -> String {
    match code {
        Code::NotFound => not_found("the version"),
        Code::Unreachable => format!("{}; run again to resume", unreachable()),
        Code::Integrity => "what the server sent does not match what it declared, or an archive was unsafe; nothing was placed".to_string(),
        Code::NoSpace => "free some space there (or pull to another --path) and run the same command again; placed files are kept for the resume".to_string(),
        Code::Timeout => "another pxa pull of this version is still running: wait for it, or raise --lock-timeout".to_string(),
        Code::Usage => "move it away, or pull to another --path".to_string(),
        _ => RESUME.to_string(),
    }
}

/// A version not found under the name used when none is given.
pub fn latest(kind: Kind) -> String {
    format!(
        "no {kind} version is named `latest` (the default when --version is not given); pass --version NAME"
    )
}

/// Credentials refused by `pxa status`: with a token given, or without one.
pub fn credentials_refused(token_given: bool) -> String {
    if token_given {
        format!("the token was rejected: check {}", token_places())
    } else {
        format!(
            "this server needs a token: pass --token or set {}",
            AUTH_TOKEN.name
        )
    }
}

/// The client could not be set up from the settings: what to check, by what was wrong.
pub fn client_setup(err: &SetupError) -> String {
    match err {
        SetupError::Token => format!(
            "the token is one line of printable text: check {}",
            token_places()
        ),
        SetupError::ServiceHeader(_) => format!(
            "check {} and {}",
            env::HEADER.name,
            env::HEADER_SERVICE.name
        ),
        SetupError::CaCertUnreadable { .. } | SetupError::CaCertInvalid { .. } => format!(
            "--ca-cert ({}) takes a readable file of PEM certificates",
            SSL_CA_CERT.name
        ),
        SetupError::Build(_) => "check --ca-cert and the proxy variables".to_string(),
    }
}

fn check_token() -> String {
    format!("check the token: {}", token_places())
}

/// Where a token comes from: the flag, the variable, the official CLI's file.
fn token_places() -> String {
    format!("--token, {} or ~/{CONFIG_DIR}/{AUTH_FILE}", AUTH_TOKEN.name)
}

fn not_found(version: &str) -> String {
    format!(
        "check the project (-p OWNER/PROJECT), {version} and --kind; `pxa ls -p PROJECT` lists versions"
    )
}

/// How a command line names the registry of `kind`: `models ` and `components ` (the official
/// CLI's group words), nothing for the default artifacts.
pub fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::Artifact => "",
        Kind::Model => "models ",
        Kind::Component => "components ",
    }
}

/// `PROJECT@STAGE` found no version in the stage.
pub fn empty_stage(kind: Kind, project: &crate::reference::ProjectRef, stage: Stage) -> String {
    let words = kind_words(kind);
    format!(
        "see each version's stage with `pxa {words}ls -p {project}`; move one there with \
         `pxa {words}stage {project}:VERSION --to {stage}`"
    )
}

/// The server could not be reached at the address in the settings.
pub fn unreachable() -> String {
    format!(
        "is the server running at that address? set it with --host or {}",
        HOST.name
    )
}

/// An upload (or a push that carries files) stopped part-way: nothing was registered.
pub const UPLOAD_AGAIN: &str = "no version was registered; run the same command again: it sends only the files that did not arrive";

/// The hint of a failed upload, by its exit code.
pub fn upload(code: Code, run_given: bool) -> String {
    match code {
        Code::Unreachable => format!("{}; {UPLOAD_AGAIN}", unreachable()),
        Code::NotFound if run_given => {
            "check --run-uid and -p: the run must be in that project".to_string()
        }
        Code::NotFound => {
            "check -p: the project must exist on the server (pxa creates runs and versions, not projects)".to_string()
        }
        Code::Auth => check_token(),
        _ => UPLOAD_AGAIN.to_string(),
    }
}

/// A run the project does not have (`pxa lineage`).
pub fn run_not_found(project: &str) -> String {
    format!(
        "check the run uuid and the project ({project}): `pxa get PROJECT:VERSION` shows a \
         version's run"
    )
}

/// `register --artifacts` named a lineage entry the run does not have.
pub fn unknown_lineage(run: &str, project: &str) -> String {
    format!("list the run's lineage names with `pxa lineage {run} -p {project}`")
}

/// A version name an upload would register exists.
pub const UPLOAD_VERSION_EXISTS: &str =
    "pass --force to update it (it then links the uploaded entries), or pick another --version";
/// A lineage name the run has for another path or kind.
pub const UPLOAD_REPOINT: &str =
    "name the entry otherwise with --entry, or pass --force to re-point it";
/// A file of another size is at a destination in someone's run.
pub const UPLOAD_DIFFERS: &str =
    "pass --force to send the local file over it, or upload elsewhere with --to or --entry";
/// A file where a folder goes, or the reverse: --force does not replace one with the other.
pub const UPLOAD_IN_THE_WAY: &str = "upload elsewhere with --to or --entry (pxa never replaces a folder with a file, nor a file with a folder)";

#[cfg(test)]
mod tests {
    use crate::api::ApiError;

    fn http(method: &str, status: u16) -> ApiError {
        ApiError::Http {
            method: method.into(),
            url: "http://h/api/v1/x".into(),
            status,
            status_text: String::new(),
            message: None,
            disguised_server_error: method != "GET" && status == 405,
            retry_after: None,
        }
    }

    #[test]
    fn api_hints_name_the_flags_and_variables() {
        let hint = |e: &ApiError| super::api(e).unwrap_or_default();
        assert_eq!(
            hint(&http("GET", 401)),
            "check the token: --token, POLYAXON_AUTH_TOKEN or ~/.polyaxon/.auth"
        );
        assert!(hint(&http("GET", 404)).starts_with("check the project (-p OWNER/PROJECT)"));
        assert!(hint(&http("POST", 405)).contains("inside the server"));
        assert!(hint(&http("GET", 502)).starts_with("the server failed"));
        assert_eq!(super::api(&http("GET", 400)), None);
        assert_eq!(
            super::credentials_refused(true),
            "the token was rejected: check --token, POLYAXON_AUTH_TOKEN or ~/.polyaxon/.auth"
        );
        assert!(
            super::pull(crate::exit::Code::Unreachable, None)
                .ends_with("POLYAXON_HOST; run again to resume")
        );
    }
}
