//! Settings resolved once per run: flag > environment > config file > default,
//! reading the same variables and `~/.polyaxon` files as the official CLI.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::api::client::{ClientConfig, Secret};
use crate::api::retry::RetryPolicy;
use crate::exit::CliError;
use crate::reference::ProjectRef;

pub mod env;
mod files;
mod parse;

use env::{
    API_VERSION, AUTH_TOKEN, AUTHENTICATION_TYPE, EnvVar, HEADER, HEADER_SERVICE, HOST, NO_CONFIG,
    OFFLINE_ROOT, SSL_CA_CERT, TIMEOUT, VERIFY_SSL,
};
pub use files::{
    AUTH_FILE, CLIENT_FILE, CONFIG_DIR, PROJECT_FILE, config_dir, project_file, write_json_key,
};
use files::{FileValues, TMP_CONFIG_DIR, truthy};
pub use parse::parse_host;
use parse::{parse_timeout, resolve_verify};

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
    /// Where `pull` writes and `push` reads when no `--path` is given.
    pub offline_root: PathBuf,
    pub verbose: bool,
    /// Where each named setting came from.
    pub sources: BTreeMap<&'static str, Source>,
    /// The folder holding `.client`/`.auth`, if any config is read.
    pub config_dir: Option<PathBuf>,
    /// The user's home, for the global project cache.
    pub home: Option<PathBuf>,
    /// Config files that were skipped (not JSON, unreadable) and, when resolved leniently,
    /// values replaced by their defaults: each said once by [`Settings::warnings`].
    pub problems: Vec<String>,
}

/// A view of the process environment (injectable for tests).
pub type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The environment and the config files of one run, and where each setting was found.
struct Lookup<'a> {
    env: EnvFn<'a>,
    client: FileValues,
    auth: FileValues,
    found: BTreeMap<&'static str, Source>,
    /// Config files skipped and values refused (when lenient), to warn about once.
    problems: Vec<String>,
}

impl<'a> Lookup<'a> {
    /// Reads `/tmp/.polyaxon` then `dir` (none: no config files).
    fn new(env: EnvFn<'a>, dir: Option<&Path>) -> Self {
        let mut client = FileValues::default();
        let mut auth = FileValues::default();
        let mut problems = Vec::new();
        if let Some(dir) = dir {
            let tmp = Path::new(TMP_CONFIG_DIR);
            for (values, file) in [(&mut client, CLIENT_FILE), (&mut auth, AUTH_FILE)] {
                problems.extend(values.load(&tmp.join(file)));
                problems.extend(values.load(&dir.join(file)));
            }
        }
        Self {
            env,
            client,
            auth,
            found: BTreeMap::new(),
            problems,
        }
    }

    /// The variable's non-empty value.
    fn env(&self, var: &EnvVar) -> Option<String> {
        (self.env)(var.name).filter(|v| !v.is_empty())
    }

    /// The variable's value in its config file, and the file.
    fn file(&self, var: &EnvVar) -> Option<(String, PathBuf)> {
        let (file, field) = var.file?;
        let values = if file == AUTH_FILE {
            &self.auth
        } else {
            &self.client
        };
        values.get(var.name, field)
    }

    /// flag > environment > file, remembering where the value came from.
    fn pick(
        &mut self,
        flag: Option<String>,
        flag_name: &'static str,
        var: &EnvVar,
    ) -> Option<String> {
        let (value, source) = if let Some(v) = flag {
            (v, Source::Flag(flag_name))
        } else if let Some(v) = self.env(var) {
            (v, Source::Env(var.name))
        } else {
            let (v, path) = self.file(var)?;
            (v, Source::File(path))
        };
        self.found.insert(var.sets, source);
        Some(value)
    }

    /// Like [`Lookup::pick`], falling back to the variable's default.
    fn pick_or_default(
        &mut self,
        flag: Option<String>,
        flag_name: &'static str,
        var: &EnvVar,
    ) -> (String, Source) {
        let value = self.pick(flag, flag_name, var).unwrap_or_else(|| {
            self.found.insert(var.sets, Source::Default);
            var.default_value().to_string()
        });
        (value, self.found[var.sets].clone())
    }

    /// Environment, else file, else default; not shown as a source.
    fn quiet(&self, var: &EnvVar) -> String {
        self.env(var)
            .or_else(|| self.file(var).map(|(v, _)| v))
            .unwrap_or_else(|| var.default_value().to_string())
    }

    /// A parsed value; when lenient, a refused one is replaced by the variable's default (and
    /// the refusal kept as a problem) instead of stopping the run.
    fn valid<T>(
        &mut self,
        parsed: Result<T, CliError>,
        var: &EnvVar,
        default: impl FnOnce() -> T,
        lenient: bool,
    ) -> Result<T, CliError> {
        match parsed {
            Err(e) if lenient => {
                self.problems.push(format!(
                    "{e}; its default is shown instead, and other commands refuse to run until it is fixed"
                ));
                self.found.insert(var.sets, Source::Default);
                Ok(default())
            }
            other => other,
        }
    }

    /// The service header, when both variables name one; else the default one.
    fn service_header(&self) -> (String, String) {
        match ((self.env)(HEADER.name), (self.env)(HEADER_SERVICE.name)) {
            (Some(name), Some(value)) if !name.is_empty() => (name, value),
            _ => (
                HEADER.default_value().to_string(),
                HEADER_SERVICE.default_value().to_string(),
            ),
        }
    }
}

impl Settings {
    /// Resolves every setting once; a value that cannot be used stops the run (exit 2).
    pub fn resolve(flags: &Flags, env: EnvFn<'_>, home: Option<PathBuf>) -> Result<Self, CliError> {
        Self::resolve_with(flags, env, home, false)
    }

    /// Resolves every setting; a value that cannot be used is replaced by its default and
    /// reported in [`Settings::warnings`]. For `config`, which must work to repair the files.
    pub fn resolve_lenient(flags: &Flags, env: EnvFn<'_>, home: Option<PathBuf>) -> Self {
        Self::resolve_with(flags, env, home, true).expect("lenient resolution never fails")
    }

    fn resolve_with(
        flags: &Flags,
        env: EnvFn<'_>,
        home: Option<PathBuf>,
        lenient: bool,
    ) -> Result<Self, CliError> {
        let no_config = env(NO_CONFIG.name)
            .and_then(|v| truthy(&v))
            .unwrap_or(false);
        let config_dir = if no_config {
            None
        } else {
            config_dir(env, home.as_deref())
        };
        let mut look = Lookup::new(env, config_dir.as_deref());
        let (host, source) = look.pick_or_default(flags.host.clone(), "--host", &HOST);
        let default_host = || parse_host(HOST.default_value(), &Source::Default).expect("valid");
        let host = look.valid(parse_host(&host, &source), &HOST, default_host, lenient)?;
        let token = look
            .pick(flags.token.clone(), "--token", &AUTH_TOKEN)
            .map(|t| Secret::new(t.trim()));
        let timeout_flag = flags.timeout.map(|t| t.to_string());
        let (timeout, source) = look.pick_or_default(timeout_flag, "--timeout", &TIMEOUT);
        let default_timeout =
            || parse_timeout(TIMEOUT.default_value(), &Source::Default).expect("valid");
        let timeout = look.valid(
            parse_timeout(&timeout, &source),
            &TIMEOUT,
            default_timeout,
            lenient,
        )?;
        let (verify_tls, source) = look.valid(
            resolve_verify(flags, env),
            &VERIFY_SSL,
            || (true, Source::Default),
            lenient,
        )?;
        look.found.insert(VERIFY_SSL.sets, source);
        let ca_flag = flags.ca_cert.as_ref().map(|p| p.display().to_string());
        let ca_cert = look
            .pick(ca_flag, "--ca-cert", &SSL_CA_CERT)
            .map(PathBuf::from);
        Ok(Self {
            host,
            token,
            auth_type: look.quiet(&AUTHENTICATION_TYPE),
            verify_tls,
            ca_cert,
            timeout,
            api_version: look.quiet(&API_VERSION),
            service_header: look.service_header(),
            offline_root: PathBuf::from(look.quiet(&OFFLINE_ROOT)),
            verbose: flags.verbose,
            sources: look.found,
            config_dir,
            home,
            problems: look.problems,
        })
    }

    /// Resolves from the real process environment and `$HOME` ([`Settings::resolve`], or
    /// [`Settings::resolve_lenient`] when `lenient`).
    pub fn from_process(flags: &Flags, lenient: bool) -> Result<Self, CliError> {
        let env = |k: &str| std::env::var(k).ok();
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        Self::resolve_with(flags, &env, home, lenient)
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
        let mut out = self.problems.clone();
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
        let mut candidates = vec![project_file(cwd)];
        if let Some(home) = &self.home {
            candidates.push(project_file(home));
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

#[cfg(test)]
mod tests;
