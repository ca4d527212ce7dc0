//! The environment variables pxa reads, in one table: each one's name, the setting it sets,
//! its default and where the official CLI's config files keep the same value. The settings
//! resolve from it, the help text and the hints name the variables from it.

use super::files::{AUTH_FILE, CLIENT_FILE};
use crate::api::client::SERVICE_VERSION;

/// One environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    /// The variable's name.
    pub name: &'static str,
    /// The setting it sets (the name `-v` and `config show` use).
    pub sets: &'static str,
    /// The value used when nothing sets it.
    pub default: Option<&'static str>,
    /// The config file (in the official CLI's folder) and the field that also hold it; the
    /// variable's own name is accepted as the field too.
    pub file: Option<(&'static str, &'static str)>,
}

pub const HOST: EnvVar = EnvVar {
    name: "POLYAXON_HOST",
    sets: "host",
    default: Some("http://localhost:8000"),
    file: Some((CLIENT_FILE, "host")),
};

pub const AUTH_TOKEN: EnvVar = EnvVar {
    name: "POLYAXON_AUTH_TOKEN",
    sets: "token",
    default: None,
    file: Some((AUTH_FILE, "token")),
};

pub const AUTHENTICATION_TYPE: EnvVar = EnvVar {
    name: "POLYAXON_AUTHENTICATION_TYPE",
    sets: "auth_type",
    default: Some("Token"),
    file: Some((CLIENT_FILE, "authentication_type")),
};

pub const TIMEOUT: EnvVar = EnvVar {
    name: "POLYAXON_TIMEOUT",
    sets: "timeout",
    default: Some("60"),
    file: Some((CLIENT_FILE, "timeout")),
};

/// The official CLI writes `false` into `.client` by default, so the file is not read for it.
pub const VERIFY_SSL: EnvVar = EnvVar {
    name: "POLYAXON_VERIFY_SSL",
    sets: "verify_ssl",
    default: Some("true"),
    file: None,
};

pub const SSL_CA_CERT: EnvVar = EnvVar {
    name: "POLYAXON_SSL_CA_CERT",
    sets: "ca_cert",
    default: None,
    file: Some((CLIENT_FILE, "ssl_ca_cert")),
};

pub const API_VERSION: EnvVar = EnvVar {
    name: "POLYAXON_API_VERSION",
    sets: "api_version",
    default: Some("v1"),
    file: None,
};

/// The service header's name; it is sent only when [`HEADER_SERVICE`] is set too.
pub const HEADER: EnvVar = EnvVar {
    name: "POLYAXON_HEADER",
    sets: "service_header",
    default: Some("X-POLYAXON-SERVICE"),
    file: None,
};

pub const HEADER_SERVICE: EnvVar = EnvVar {
    name: "POLYAXON_HEADER_SERVICE",
    sets: "service_header",
    default: Some(SERVICE_VERSION),
    file: None,
};

/// Where `pull` writes and `push` reads versions.
pub const OFFLINE_ROOT: EnvVar = EnvVar {
    name: "POLYAXON_OFFLINE_ROOT",
    sets: "offline_root",
    default: Some("/tmp/plx/offline"),
    file: None,
};

/// The folder holding `.polyaxon/` (also the key of `~/.polyaxon/.home`).
pub const HOME: EnvVar = EnvVar {
    name: "POLYAXON_HOME",
    sets: "config_dir",
    default: None,
    file: None,
};

pub const NO_CONFIG: EnvVar = EnvVar {
    name: "POLYAXON_NO_CONFIG",
    sets: "config_dir",
    default: Some("false"),
    file: None,
};

/// Any non-empty value turns colour off under `--color auto`.
pub const NO_COLOR: EnvVar = EnvVar {
    name: "NO_COLOR",
    sets: "color",
    default: None,
    file: None,
};

/// The width tables fit (else the terminal's).
pub const COLUMNS: EnvVar = EnvVar {
    name: "COLUMNS",
    sets: "width",
    default: None,
    file: None,
};

/// Every variable pxa reads.
pub const ALL: &[EnvVar] = &[
    HOST,
    AUTH_TOKEN,
    AUTHENTICATION_TYPE,
    TIMEOUT,
    VERIFY_SSL,
    SSL_CA_CERT,
    API_VERSION,
    HEADER,
    HEADER_SERVICE,
    OFFLINE_ROOT,
    HOME,
    NO_CONFIG,
    NO_COLOR,
    COLUMNS,
];

impl EnvVar {
    /// The default, for variables that have one (a missing one is a bug in this table).
    pub fn default_value(&self) -> &'static str {
        self.default.expect("this variable has a default")
    }

    /// `Flag text [env: NAME] [default: VALUE]`, as the help shows a flag this variable backs.
    pub fn help(&self, text: &str) -> String {
        match self.default {
            Some(default) => format!("{text} [env: {}] [default: {default}]", self.name),
            None => format!("{text} [env: {}]", self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_help_names_them() {
        for (i, a) in ALL.iter().enumerate() {
            assert!(ALL[i + 1..].iter().all(|b| b.name != a.name), "{}", a.name);
        }
        assert_eq!(
            HOST.help("Polyaxon host URL"),
            "Polyaxon host URL [env: POLYAXON_HOST] [default: http://localhost:8000]"
        );
        assert_eq!(SSL_CA_CERT.help("CA"), "CA [env: POLYAXON_SSL_CA_CERT]");
    }
}
