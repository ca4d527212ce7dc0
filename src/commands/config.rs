//! `pxa config show|set|unset`: the saved settings, in files the official CLI reads too.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use serde_json::{Value, json};

use super::Context;
use crate::cli::{ConfigCommand, ConfigKey};
use crate::exit::CliError;
use crate::output::Format;
use crate::reference::ProjectRef;
use crate::settings::{Source, parse_host, write_json_key};

pub fn run(cmd: ConfigCommand, ctx: &Context) -> Result<()> {
    match cmd {
        ConfigCommand::Show => show(ctx),
        ConfigCommand::Set { key, value } => set(ctx, key, Some(value)),
        ConfigCommand::Unset { key } => set(ctx, key, None),
    }
}

fn show(ctx: &Context) -> Result<()> {
    let s = &ctx.settings;
    let source = |name: &str| s.sources.get(name).cloned().unwrap_or(Source::Default);
    let cwd = std::env::current_dir().unwrap_or_default();
    let project = s.cached_project(&cwd);
    let mut rows: Vec<(&str, String, String)> = vec![
        ("host", s.host.to_string(), source("host").to_string()),
        (
            "token",
            if s.token.is_some() {
                "set (hidden)".into()
            } else {
                "not set".into()
            },
            s.token
                .as_ref()
                .map(|_| source("token").to_string())
                .unwrap_or_default(),
        ),
        (
            "verify_ssl",
            s.verify_tls.to_string(),
            source("verify_ssl").to_string(),
        ),
        (
            "timeout",
            format!("{}s", s.timeout.as_secs_f64()),
            source("timeout").to_string(),
        ),
        (
            "project",
            project
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "not set".into()),
            if project.is_some() {
                "project cache".into()
            } else {
                String::new()
            },
        ),
    ];
    if let Some(ca) = &s.ca_cert {
        rows.push((
            "ca_cert",
            ca.display().to_string(),
            source("ca_cert").to_string(),
        ));
    }
    let config_dir = s
        .config_dir
        .as_ref()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "none (POLYAXON_NO_CONFIG)".into());
    rows.push(("config_dir", config_dir, String::new()));
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => {
            let map: serde_json::Map<String, Value> = rows
                .iter()
                .map(|(k, v, src)| (k.to_string(), json!({"value": v, "source": src})))
                .collect();
            out.structured(&Value::Object(map))?;
        }
        _ => {
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|(k, v, src)| vec![k.into(), v, src])
                .collect();
            out.rows(&["SETTING", "VALUE", "SOURCE"], &rows)?;
        }
    }
    Ok(())
}

fn set(ctx: &Context, key: ConfigKey, value: Option<String>) -> Result<()> {
    let s = &ctx.settings;
    let dir = || {
        s.config_dir.clone().ok_or_else(|| {
            CliError::usage("no config folder: POLYAXON_NO_CONFIG is set or HOME is unknown")
                .with_hint("unset POLYAXON_NO_CONFIG or set HOME / POLYAXON_HOME")
        })
    };
    let (path, field, stored, aliases): (PathBuf, &str, Option<Value>, &[&str]) = match key {
        ConfigKey::Host => {
            let stored = value
                .map(|v| {
                    parse_host(&v, &Source::Flag("config set host"))
                        .map(|u| Value::from(u.as_str().trim_end_matches('/')))
                })
                .transpose()?;
            (dir()?.join(".client"), "POLYAXON_HOST", stored, &["host"])
        }
        ConfigKey::Token => {
            let stored = value.map(read_token).transpose()?.map(Value::from);
            (
                dir()?.join(".auth"),
                "POLYAXON_AUTH_TOKEN",
                stored,
                &["token"],
            )
        }
        ConfigKey::Project => return set_project(ctx, value),
    };
    let removing = stored.is_none();
    write_json_key(&path, field, stored, aliases)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let verb = if removing { "removed" } else { "saved" };
    ctx.printer()
        .note(&format!("{verb} {field} in {}", path.display()));
    Ok(())
}

/// The token from the argument, or from stdin when it is `-` (keeps it out of shell history).
fn read_token(value: String) -> Result<String> {
    let token = if value == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the token from stdin")?;
        text
    } else {
        value
    };
    let token = token.trim().to_string();
    if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(
            CliError::usage("the token is empty or contains spaces or control characters")
                .with_hint("pass the token itself, or `-` to read it from stdin")
                .into(),
        );
    }
    Ok(token)
}

fn set_project(ctx: &Context, value: Option<String>) -> Result<()> {
    let home = ctx
        .settings
        .home
        .clone()
        .ok_or_else(|| CliError::usage("HOME is not set"))?;
    let path = home.join(".polyaxon").join(".project");
    match value {
        Some(v) => {
            let p = ProjectRef::parse(&v)?;
            write_json_key(&path, "owner", Some(Value::from(p.owner.clone())), &[])?;
            write_json_key(&path, "name", Some(Value::from(p.name.clone())), &["uuid"])?;
            ctx.printer()
                .note(&format!("saved project {p} in {}", path.display()));
        }
        None => match std::fs::remove_file(&path) {
            Ok(()) => ctx.printer().note(&format!("removed {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                ctx.printer().note("no project was saved")
            }
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
        },
    }
    Ok(())
}
