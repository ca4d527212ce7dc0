//! `pxa config show|set|unset`: the saved settings, in files the official CLI reads too.

use std::io::Read;

use anyhow::{Context as _, Result};
use serde_json::{Value, json};

use super::Context;
use crate::cli::{ConfigCommand, ConfigKey};
use crate::exit::CliError;
use crate::output::Format;
use crate::reference::ProjectRef;
use crate::settings::env::{self, AUTH_TOKEN, HOST, NO_CONFIG};
use crate::settings::{Settings, Source, parse_host, project_file, write_json_key};

pub fn run(cmd: ConfigCommand, ctx: &Context) -> Result<()> {
    match cmd {
        ConfigCommand::Show => show(ctx),
        ConfigCommand::Set { key, value } => set(ctx, key, Some(value)),
        ConfigCommand::Unset { key } => set(ctx, key, None),
    }
}

fn show(ctx: &Context) -> Result<()> {
    let rows = setting_rows(&ctx.settings);
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

/// `(setting, value, source)` for each row of `config show`; the token's value is never shown.
fn setting_rows(s: &Settings) -> Vec<(&'static str, String, String)> {
    let source = |name: &str| s.sources.get(name).cloned().unwrap_or(Source::Default);
    let cwd = std::env::current_dir().unwrap_or_default();
    let project = s.cached_project(&cwd);
    let (token, token_source) = match &s.token {
        Some(_) => ("set (hidden)".into(), source("token").to_string()),
        None => ("not set".into(), String::new()),
    };
    let (project, project_source) = match project {
        Some(p) => (p.to_string(), "project cache".into()),
        None => ("not set".into(), String::new()),
    };
    let mut rows = vec![
        ("host", s.host.to_string(), source("host").to_string()),
        ("token", token, token_source),
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
        ("project", project, project_source),
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
        .unwrap_or_else(|| format!("none ({})", NO_CONFIG.name));
    rows.push(("config_dir", config_dir, String::new()));
    rows
}

fn set(ctx: &Context, key: ConfigKey, value: Option<String>) -> Result<()> {
    let (var, stored) = match key {
        ConfigKey::Host => {
            let stored = value
                .map(|v| {
                    parse_host(&v, &Source::Flag("config set host"))
                        .map(|u| Value::from(u.as_str().trim_end_matches('/')))
                })
                .transpose()?;
            (HOST, stored)
        }
        ConfigKey::Token => {
            let stored = value.map(read_token).transpose()?.map(Value::from);
            (AUTH_TOKEN, stored)
        }
        ConfigKey::Project => return set_project(ctx, value),
    };
    let dir = ctx.settings.config_dir.clone().ok_or_else(|| {
        CliError::usage(format!(
            "no config folder: {} is set or HOME is unknown",
            NO_CONFIG.name
        ))
        .with_hint(format!(
            "unset {} or set HOME / {}",
            NO_CONFIG.name,
            env::HOME.name
        ))
    })?;
    let (file, field) = var.file.expect("host and token are saved in a file");
    let path = dir.join(file);
    let removing = stored.is_none();
    write_json_key(&path, var.name, stored, &[field])
        .with_context(|| format!("cannot write {}", path.display()))?;
    let verb = if removing { "removed" } else { "saved" };
    ctx.printer()
        .note(&format!("{verb} {} in {}", var.name, path.display()));
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
    let path = project_file(&home);
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
