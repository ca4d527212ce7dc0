//! `pxa status` (alias `whoami`): does the server answer, which version is it, is the token accepted.

use anyhow::Result;
use serde_json::{Value, json};

use super::Context;
use crate::api::ApiError;
use crate::exit::{CliError, Code};
use crate::output::Format;
use crate::settings::env::HOST;

/// An answer, but not a Polyaxon API's (404 or not JSON for `/api/v1/installation`): say so
/// rather than talk of projects and versions.
fn not_polyaxon(err: ApiError, s: &crate::settings::Settings) -> anyhow::Error {
    let not_api = err.is_not_found() || matches!(err, ApiError::Decode { .. });
    if !not_api {
        return err.into();
    }
    CliError::new(
        err.exit_code(),
        format!(
            "{} does not answer as a Polyaxon API: {err}",
            s.host.as_str().trim_end_matches('/')
        ),
    )
    .with_hint(format!(
        "check --host ({}): the address the Polyaxon UI is served at, without /api/v1",
        HOST.name
    ))
    .into()
}

pub async fn run(ctx: &Context) -> Result<()> {
    let client = ctx.client()?;
    let s = &ctx.settings;
    let install = client
        .installation()
        .await
        .map_err(|e| not_polyaxon(e, s))?;
    let dist = install.dist.clone().unwrap_or_default();
    let token = match (&s.token, client.current_user().await) {
        (_, Ok(user)) => {
            let name = user.username.clone().unwrap_or_else(|| "?".into());
            if s.token.is_some() {
                format!("accepted (user {name})")
            } else {
                format!("not set (user {name})")
            }
        }
        (_, Err(e)) if matches!(e.status(), Some(401 | 403)) => {
            let hint = super::hints::credentials_refused(s.token.is_some());
            return Err(CliError::new(
                Code::Auth,
                format!("{} answers but refuses the credentials: {e}", s.host),
            )
            .with_hint(hint)
            .into());
        }
        (None, Err(_)) => "not set".to_string(),
        (Some(_), Err(_)) if dist == "ce" => "set (Polyaxon CE does not check tokens)".to_string(),
        (Some(_), Err(e)) => format!("set (not checked: {e})"),
    };
    let rows = vec![
        ("host", s.host.to_string()),
        ("server", install.version.clone().unwrap_or_default()),
        ("dist", dist),
        ("mode", install.mode.clone().unwrap_or_default()),
        ("token", token),
        ("verify_ssl", s.verify_tls.to_string()),
        ("client", format!("pxa {}", env!("CARGO_PKG_VERSION"))),
    ];
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => {
            let map: serde_json::Map<String, Value> = rows
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            out.structured(&Value::Object(map))?;
        }
        Format::Name => out.lines([install.version.as_deref().unwrap_or("")])?,
        _ => {
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|(k, v)| vec![k.to_string(), v])
                .collect();
            out.rows(&["FIELD", "VALUE"], &rows)?;
        }
    }
    Ok(())
}
