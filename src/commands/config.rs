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
                .into_iter()
                .map(|r| {
                    (
                        r.name.to_string(),
                        json!({"value": r.value, "source": r.source}),
                    )
                })
                .collect();
            out.structured(&Value::Object(map))?;
        }
        _ => {
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|r| vec![r.name.into(), r.shown, r.source.unwrap_or_default()])
                .collect();
            out.rows(&["SETTING", "VALUE", "SOURCE"], &rows)?;
        }
    }
    Ok(())
}

/// One row of `config show`: the value as JSON (`null` when not set) and as a table shows it.
struct Row {
    name: &'static str,
    value: Value,
    shown: String,
    source: Option<String>,
}

impl Row {
    fn new(
        name: &'static str,
        value: Value,
        shown: impl Into<String>,
        source: Option<String>,
    ) -> Self {
        Self {
            name,
            value,
            shown: shown.into(),
            source,
        }
    }

    /// A text value; `None` is not set (null, no source).
    fn text(name: &'static str, value: Option<String>, source: impl FnOnce() -> String) -> Self {
        match value {
            Some(v) => Self::new(name, Value::from(v.clone()), v, Some(source())),
            None => Self::new(name, Value::Null, "not set", None),
        }
    }
}

/// The rows of `config show`; the token's value is never shown.
fn setting_rows(s: &Settings) -> Vec<Row> {
    let source = |name: &str| {
        s.sources
            .get(name)
            .cloned()
            .unwrap_or(Source::Default)
            .to_string()
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let token = s.token.as_ref().map(|_| "set (hidden)".to_string());
    let project = s.cached_project(&cwd).map(|p| p.to_string());
    let timeout = s.timeout.as_secs_f64();
    let config_dir = match &s.config_dir {
        Some(dir) => Row::text("config_dir", Some(dir.display().to_string()), String::new),
        None => Row::new(
            "config_dir",
            Value::Null,
            format!("none ({})", NO_CONFIG.name),
            None,
        ),
    };
    let mut rows = vec![
        Row::text("host", Some(s.host.to_string()), || source("host")),
        Row::text("token", token, || source("token")),
        Row::new(
            "verify_ssl",
            Value::from(s.verify_tls),
            s.verify_tls.to_string(),
            Some(source("verify_ssl")),
        ),
        Row::new(
            "timeout",
            json!(timeout),
            format!("{timeout}s"),
            Some(source("timeout")),
        ),
        Row::text("project", project, || "project cache".into()),
    ];
    if let Some(ca) = &s.ca_cert {
        rows.push(Row::text("ca_cert", Some(ca.display().to_string()), || {
            source("ca_cert")
        }));
    }
    rows.push(config_dir);
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
    let kept = write_json_key(&path, var.name, stored, &[field])
        .with_context(|| format!("cannot write {}", path.display()))?;
    note_kept(ctx, &path, kept);
    let verb = if removing { "removed" } else { "saved" };
    ctx.printer()
        .note(&format!("{verb} {} in {}", var.name, path.display()));
    Ok(())
}

/// Says where the text of a file that was not JSON went, when `config set` replaced it.
fn note_kept(ctx: &Context, path: &std::path::Path, kept: Option<std::path::PathBuf>) {
    if let Some(copy) = kept {
        ctx.printer().warn(&format!(
            "{} was not a JSON object: its old text is kept in {}",
            path.display(),
            copy.display()
        ));
    }
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
            let kept = write_json_key(&path, "owner", Some(Value::from(p.owner.clone())), &[])?;
            note_kept(ctx, &path, kept);
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
