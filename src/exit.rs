//! Exit codes: the one table every command uses, and the mapping from errors to codes.

use std::fmt;

use crate::api::ApiError;

/// Process exit codes. Documented in the README; keep both in sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// Server error or unexpected failure; for `diff`: the versions differ (its server errors
    /// then exit 2, see [`Code::in_a_comparison`]).
    Failure = 1,
    /// Usage error or invalid input (rejected before anything was sent, or a 400 from the server).
    Usage = 2,
    /// The project, version or file does not exist (404).
    NotFound = 3,
    /// Authentication or permission failure (401/403).
    Auth = 4,
    /// Already exists or conflicts with the server's state (409, duplicate name).
    Conflict = 5,
    /// Precondition failed (for example the version is not in the expected stage).
    Precondition = 6,
    /// Timed out waiting for a condition.
    Timeout = 7,
    /// Cannot reach the server (connection refused, DNS, TLS, request timeout).
    Unreachable = 8,
    /// Integrity or safety failure while pulling (checksum, size, unsafe archive).
    Integrity = 9,
    /// Partial success: some items of a bulk operation failed.
    Partial = 10,
    /// The local disk is full (or the quota used up) while pulling.
    NoSpace = 11,
    /// Interrupted by SIGINT/SIGTERM.
    Interrupted = 130,
}

impl Code {
    /// The numeric value given to the operating system.
    pub fn as_i32(self) -> i32 {
        self as u8 as i32
    }

    /// The code of an error met by a command whose exit 1 says "different" (`diff`, as `diff`
    /// and `cmp` do): a server or unexpected failure becomes 2, their "trouble"; every other
    /// code (3 not found, 4 auth, 8 unreachable, 9 integrity …) stays what it is.
    pub fn in_a_comparison(self) -> Self {
        match self {
            Self::Failure => Self::Usage,
            other => other,
        }
    }
}

/// An error that already knows its exit code and an optional hint for the user.
#[derive(Debug)]
pub struct CliError {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error (exit 2): the input was refused before any request.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Code::Usage, message)
    }

    /// An outcome the output has told already (`diff`'s differences, exit 1): its code,
    /// and no `error:` line.
    pub fn quiet(code: Code) -> Self {
        Self::new(code, "")
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// What the top level prints and returns for an error.
#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

/// Walks the error chain for a known error type and decides the exit code and hint.
pub fn classify(err: &anyhow::Error) -> Report {
    let message = format!("{err:#}");
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return Report {
                code: e.code,
                message,
                hint: e.hint.clone(),
            };
        }
        if let Some(e) = cause.downcast_ref::<ApiError>() {
            return Report {
                code: e.exit_code(),
                message,
                hint: crate::commands::hints::api(e),
            };
        }
        if is_broken_pipe(cause) {
            return Report {
                code: Code::Ok,
                message,
                hint: None,
            };
        }
    }
    Report {
        code: Code::Failure,
        message,
        hint: None,
    }
}

/// The reader of stdout went away (`pxa ls | head -1`): success, whatever the error that
/// carries it. serde_json keeps an I/O error inside its own and does not give it as a source.
fn is_broken_pipe(cause: &(dyn std::error::Error + 'static)) -> bool {
    let kind = if let Some(e) = cause.downcast_ref::<std::io::Error>() {
        Some(e.kind())
    } else {
        cause
            .downcast_ref::<serde_json::Error>()
            .and_then(serde_json::Error::io_error_kind)
    };
    kind == Some(std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_documented_table() {
        let table = [
            (Code::Ok, 0),
            (Code::Failure, 1),
            (Code::Usage, 2),
            (Code::NotFound, 3),
            (Code::Auth, 4),
            (Code::Conflict, 5),
            (Code::Precondition, 6),
            (Code::Timeout, 7),
            (Code::Unreachable, 8),
            (Code::Integrity, 9),
            (Code::Partial, 10),
            (Code::NoSpace, 11),
            (Code::Interrupted, 130),
        ];
        for (code, n) in table {
            assert_eq!(code.as_i32(), n, "{code:?}");
        }
    }

    #[test]
    fn cli_error_keeps_code_and_hint_through_context() {
        let err = anyhow::Error::new(CliError::usage("bad ref").with_hint("use owner/project"))
            .context("reading arguments");
        let report = classify(&err);
        assert_eq!(report.code, Code::Usage);
        assert_eq!(report.hint.as_deref(), Some("use owner/project"));
        assert!(report.message.contains("reading arguments: bad ref"));
    }

    #[test]
    fn a_comparison_tells_its_server_errors_from_its_differences() {
        assert_eq!(Code::Failure.in_a_comparison(), Code::Usage);
        for code in [
            Code::NotFound,
            Code::Auth,
            Code::Unreachable,
            Code::Integrity,
        ] {
            assert_eq!(code.in_a_comparison(), code);
        }
        let quiet = classify(&anyhow::Error::new(CliError::quiet(Code::Failure)));
        assert_eq!((quiet.code, quiet.message.as_str()), (Code::Failure, ""));
    }

    #[test]
    fn unknown_errors_are_failures() {
        let report = classify(&anyhow::anyhow!("boom"));
        assert_eq!(report.code, Code::Failure);
        assert_eq!(report.message, "boom");
    }

    #[test]
    fn broken_pipe_is_success() {
        let io = || std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(classify(&anyhow::Error::new(io())).code, Code::Ok);
        let json = serde_json::Error::io(io());
        assert_eq!(classify(&anyhow::Error::new(json)).code, Code::Ok);
        let other = serde_json::Error::io(std::io::Error::other("disk"));
        assert_eq!(classify(&anyhow::Error::new(other)).code, Code::Failure);
    }
}
