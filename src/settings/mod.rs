//! Settings resolved once per run: flag > environment > config file > default,
//! reading the same variables and `~/.polyaxon` files as the official CLI.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::api::client::{ClientConfig, SERVICE_VERSION, Secret};
use crate::api::retry::RetryPolicy;
use crate::exit::CliError;
use crate::reference::ProjectRef;

mod files;

use files::{FileValues, truthy};
pub use files::{config_dir, write_json_key};

pub const DEFAULT_HOST: &str = "http://localhost:8000";
pub const DEFAULT_TIMEOUT_SECS: f64 = 60.0;

/// Where a setting's value came from (shown by `-v` and `config show`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    File(PathBuf),
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(name) => write!(f, "flag {name}"),
            Self::Env(name) => write!(f, "env {name}"),
            Self::File(path) => write!(f, "file {}", path.display()),
            Self::Default => f.write_str("default"),
        }
    }
}

/// The connection flags given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub host: Option<String>,
    pub token: Option<String>,
    pub insecure: bool,
    pub ca_cert: Option<PathBuf>,
    pub timeout: Option<f64>,
    pub verbose: bool,
}

/// Fully resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub host: Url,
    pub token: Option<Secret>,
    pub auth_type: String,
    pub verify_tls: bool,
    pub ca_cert: Option<PathBuf>,
    pub timeout: Duration,
    pub api_version: String,
    pub service_header: (String, String),
    pub offline_root: Option<PathBuf>,
    pub verbose: bool,
    /// Where each named setting came from.
    pub sources: BTreeMap<&'static str, Source>,
    /// The folder holding `.client`/`.auth`, if any config is read.
    pub config_dir: Option<PathBuf>,
    /// The user's home, for the global project cache.
    pub home: Option<PathBuf>,
}

/// A view of the process environment (injectable for tests).
pub type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Resolves every setting once.
    pub fn resolve(flags: &Flags, env: EnvFn<'_>, home: Option<PathBuf>) -> Result<Self, CliError> {
        let no_config = env("POLYAXON_NO_CONFIG")
            .and_then(|v| truthy(&v))
            .unwrap_or(false);
        let config_dir = if no_config {
            None
        } else {
            config_dir(env, home.as_deref())
        };
        let mut client = FileValues::default();
        let mut auth = FileValues::default();
        if let Some(dir) = &config_dir {
            client.load(Path::new("/tmp/.polyaxon/.client"));
            client.load(&dir.join(".client"));
            auth.load(Path::new("/tmp/.polyaxon/.auth"));
            auth.load(&dir.join(".auth"));
        }
        let mut sources = BTreeMap::new();
        let pick = |flag: Option<String>,
                    flag_name: &'static str,
                    var: &'static str,
                    file: &FileValues,
                    field: &str| {
            if let Some(v) = flag {
                return Some((v, Source::Flag(flag_name)));
            }
            if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                return Some((v, Source::Env(var)));
            }
            file.get(var, field).map(|(v, p)| (v, Source::File(p)))
        };

        let (host_text, source) = pick(
            flags.host.clone(),
            "--host",
            "POLYAXON_HOST",
            &client,
            "host",
        )
        .unwrap_or((DEFAULT_HOST.to_string(), Source::Default));
        let host = parse_host(&host_text, &source)?;
        sources.insert("host", source);

        let token = pick(
            flags.token.clone(),
            "--token",
            "POLYAXON_AUTH_TOKEN",
            &auth,
            "token",
        )
        .map(|(value, source)| {
            sources.insert("token", source);
            Secret::new(value.trim())
        });

        let (timeout_text, source) = pick(
            flags.timeout.map(|t| t.to_string()),
            "--timeout",
            "POLYAXON_TIMEOUT",
            &client,
            "timeout",
        )
        .unwrap_or((DEFAULT_TIMEOUT_SECS.to_string(), Source::Default));
        let timeout = parse_timeout(&timeout_text, &source)?;
        sources.insert("timeout", source);

        let (verify_tls, source) = resolve_verify(flags, env)?;
        sources.insert("verify_ssl", source);

        let ca_cert = pick(
            flags.ca_cert.as_ref().map(|p| p.display().to_string()),
            "--ca-cert",
            "POLYAXON_SSL_CA_CERT",
            &client,
            "ssl_ca_cert",
        )
        .map(|(v, source)| {
            sources.insert("ca_cert", source);
            PathBuf::from(v)
        });

        let auth_type = env("POLYAXON_AUTHENTICATION_TYPE")
            .filter(|v| !v.is_empty())
            .or_else(|| {
                client
                    .get("POLYAXON_AUTHENTICATION_TYPE", "authentication_type")
                    .map(|v| v.0)
            })
            .unwrap_or_else(|| "Token".to_string());
        let api_version = env("POLYAXON_API_VERSION")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "v1".to_string());
        let service_header = match (env("POLYAXON_HEADER"), env("POLYAXON_HEADER_SERVICE")) {
            (Some(name), Some(value)) if !name.is_empty() => (name, value),
            _ => (
                "X-POLYAXON-SERVICE".to_string(),
                SERVICE_VERSION.to_string(),
            ),
        };
        let offline_root = env("POLYAXON_OFFLINE_ROOT")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        Ok(Self {
            host,
            token,
            auth_type,
            verify_tls,
            ca_cert,
            timeout,
            api_version,
            service_header,
            offline_root,
            verbose: flags.verbose,
            sources,
            config_dir,
            home,
        })
    }

    /// Resolves from the real process environment and `$HOME`.
    pub fn from_process(flags: &Flags) -> Result<Self, CliError> {
        let env = |k: &str| std::env::var(k).ok();
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Self::resolve(flags, &env, home)
    }

    /// The client configuration these settings describe.
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig {
            host: self.host.clone(),
            api_version: self.api_version.clone(),
            token: self.token.clone(),
            auth_type: self.auth_type.clone(),
            verify_tls: self.verify_tls,
            ca_cert: self.ca_cert.clone(),
            timeout: self.timeout,
            connect_timeout: self.timeout.min(Duration::from_secs(10)),
            service_header: self.service_header.clone(),
            reads: RetryPolicy::READS,
        }
    }

    /// Warnings about risky settings, to print once.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.verify_tls {
            out.push("TLS certificate verification is disabled".to_string());
        }
        let loopback = matches!(
            self.host.host_str(),
            Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
        );
        if self.token.is_some() && self.host.scheme() == "http" && !loopback {
            out.push(format!(
                "the token is sent unencrypted to {} (http://); use https:// if you can",
                self.host.host_str().unwrap_or("the host")
            ));
        }
        out
    }

    /// The default project: `./.polyaxon/.project`, else `~/.polyaxon/.project`.
    pub fn cached_project(&self, cwd: &Path) -> Option<ProjectRef> {
        let mut candidates = vec![cwd.join(".polyaxon").join(".project")];
        if let Some(home) = &self.home {
            candidates.push(home.join(".polyaxon").join(".project"));
        }
        candidates.iter().find_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let value: Value = serde_json::from_str(&text).ok()?;
            let name = value.get("name")?.as_str()?;
            let owner = value
                .get("owner")
                .and_then(Value::as_str)
                .unwrap_or(crate::reference::DEFAULT_OWNER);
            ProjectRef::parse(&format!("{owner}/{name}")).ok()
        })
    }
}

pub fn parse_host(text: &str, source: &Source) -> Result<Url, CliError> {
    let trimmed = text.trim().trim_end_matches('/');
    let hint = "give the host with its scheme, e.g. --host https://polyaxon.example.com or http://127.0.0.1:8000";
    if trimmed.is_empty() {
        return Err(CliError::usage(format!("the host from {source} is empty")).with_hint(hint));
    }
    let url = Url::parse(trimmed).map_err(|e| {
        CliError::usage(format!("invalid host `{trimmed}` (from {source}): {e}")).with_hint(hint)
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CliError::usage(format!(
            "invalid host `{trimmed}` (from {source}): it must be an http:// or https:// URL"
        ))
        .with_hint(hint));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CliError::usage(format!(
            "invalid host `{trimmed}`: it must not have a query or fragment"
        ))
        .with_hint(hint));
    }
    Ok(url)
}

fn parse_timeout(text: &str, source: &Source) -> Result<Duration, CliError> {
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
fn resolve_verify(flags: &Flags, env: EnvFn<'_>) -> Result<(bool, Source), CliError> {
    if flags.insecure {
        return Ok((false, Source::Flag("--insecure")));
    }
    match env("POLYAXON_VERIFY_SSL").filter(|v| !v.is_empty()) {
        Some(v) => match truthy(&v) {
            Some(b) => Ok((b, Source::Env("POLYAXON_VERIFY_SSL"))),
            None => Err(CliError::usage(format!(
                "invalid POLYAXON_VERIFY_SSL `{v}`: expected true or false"
            ))
            .with_hint("unset it to verify certificates, or pass --insecure")),
        },
        None => Ok((true, Source::Default)),
    }
}

#[cfg(test)]
mod tests;
