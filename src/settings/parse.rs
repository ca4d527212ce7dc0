//! Reading the values of settings: the host as a base URL, the timeout, TLS verification.

use std::fmt;
use std::time::Duration;

use url::Url;

use super::env::VERIFY_SSL;
use super::files::truthy;
use super::{EnvFn, Flags, Source};
use crate::exit::CliError;

/// The host as a base URL. A host without a scheme (`127.0.0.1:8840`, as `polyaxon config set
/// --host=…` saves it) is plain HTTP, as the official CLI reads it (urllib3 takes a URL without
/// a scheme as `http://`); any other scheme than http and https is refused.
pub fn parse_host(text: &str, source: &Source) -> Result<Url, CliError> {
    let trimmed = text.trim().trim_end_matches('/');
    let hint =
        "give the host as a URL, e.g. --host https://polyaxon.example.com or http://127.0.0.1:8000";
    if trimmed.is_empty() {
        return Err(CliError::usage(format!("the host from {source} is empty")).with_hint(hint));
    }
    if trimmed.contains(char::is_whitespace) {
        return Err(CliError::usage(format!(
            "invalid host `{trimmed}` (from {source}): it contains a space"
        ))
        .with_hint(hint));
    }
    let full = if text.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    };
    let invalid = |why: &dyn fmt::Display| {
        CliError::usage(format!("invalid host `{trimmed}` (from {source}): {why}")).with_hint(hint)
    };
    let url = Url::parse(&full).map_err(|e| invalid(&e))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(&"it must be an http:// or https:// URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(&"it must not have a query or fragment"));
    }
    if let Some(base) = trimmed.strip_suffix("/api/v1") {
        return Err(CliError::usage(format!(
            "invalid host `{trimmed}` (from {source}): it ends with /api/v1, which pxa adds itself"
        ))
        .with_hint(format!("give the host without /api/v1: --host {base}")));
    }
    Ok(url)
}

pub(super) fn parse_timeout(text: &str, source: &Source) -> Result<Duration, CliError> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(CliError::usage(format!(
            "invalid timeout `{text}` (from {source}): expected a number of seconds above 0"
        ))
        .with_hint("for example --timeout 30")),
    }
}

/// TLS is verified unless `--insecure` or `POLYAXON_VERIFY_SSL=false` says otherwise. The
/// official CLI writes `POLYAXON_VERIFY_SSL: false` into `.client` by default, so the file's
/// value is not taken as the user's choice.
pub(super) fn resolve_verify(flags: &Flags, env: EnvFn<'_>) -> Result<(bool, Source), CliError> {
    if flags.insecure {
        return Ok((false, Source::Flag("--insecure")));
    }
    match env(VERIFY_SSL.name).filter(|v| !v.is_empty()) {
        Some(v) => match truthy(&v) {
            Some(b) => Ok((b, Source::Env(VERIFY_SSL.name))),
            None => Err(CliError::usage(format!(
                "invalid {} `{v}`: expected true or false",
                VERIFY_SSL.name
            ))
            .with_hint("unset it to verify certificates, or pass --insecure")),
        },
        None => Ok((true, Source::Default)),
    }
}
