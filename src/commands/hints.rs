//! The `hint:` lines that name flags, variables and files: chosen here, where the command line
//! is known, rather than in the layers that raise the errors (`api` knows no flags).

use crate::api::ApiError;
use crate::api::error::TransportKind;
use crate::exit::Code;
use crate::settings::env::{AUTH_TOKEN, HOST, SSL_CA_CERT};
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
        _ => return None,
    };
    Some(text)
}

/// The hint of a failed single-version pull, by its exit code.
pub fn pull(code: Code) -> String {
    match code {
        Code::NotFound => not_found("the version"),
        Code::Unreachable => format!("{}; run again to resume", unreachable()),
        Code::Integrity => "what the server sent does not match what it declared, or an archive was unsafe; nothing was placed".to_string(),
        _ => RESUME.to_string(),
    }
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

/// The client could not be set up from the settings.
pub fn client_setup() -> String {
    format!(
        "--ca-cert ({}) takes a readable PEM file; the token must be plain text",
        SSL_CA_CERT.name
    )
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

fn unreachable() -> String {
    format!(
        "is the server running at that address? set it with --host or {}",
        HOST.name
    )
}

/// An upload (or a push that carries files) stopped part-way: nothing was registered.
pub const UPLOAD_AGAIN: &str = "no version was registered; run the same command again: it sends only the files that did not arrive";

/// The hint of a failed upload, by its exit code.
pub fn upload(code: Code) -> String {
    match code {
        Code::Unreachable => format!("{}; {UPLOAD_AGAIN}", unreachable()),
        Code::NotFound => "check --run-uid and -p: the run must be in that project".to_string(),
        Code::Auth => check_token(),
        _ => UPLOAD_AGAIN.to_string(),
    }
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
            super::pull(crate::exit::Code::Unreachable)
                .ends_with("POLYAXON_HOST; run again to resume")
        );
    }
}
