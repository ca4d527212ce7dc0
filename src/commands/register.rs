//! `pxa register`: create a version, or update it with --force. Also the register flow
//! (read, then POST or PATCH) that `copy` and `push` share, and the read-back printing.

use anyhow::Result;

use super::write::{self, Fields};
use super::{Context, get::print_version, hints};
use crate::api::{
    ApiError, ApiRequest, Client, Kind, ProjectVersion, Registry, versions::requests,
};
use crate::cli::RegisterArgs;
use crate::exit::{CliError, Code};
use crate::reference::Which;

/// How a register behaves when the version exists, and whether to send anything.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    pub force: bool,
    pub dry_run: bool,
}

pub async fn run(args: RegisterArgs, ctx: &Context) -> Result<()> {
    let target = ctx.target(&args.version)?;
    let Which::Name(name) = target.which else {
        return Err(CliError::usage(format!(
            "register names the version it writes: `{target}` is a stage selector"
        ))
        .with_hint("to change the version in that stage, use `pxa update PROJECT@STAGE …`")
        .into());
    };
    let project = target.project;
    let fields = fields_from_args(&args, ctx.kind)?;
    if ctx.kind == Kind::Component && fields.content.is_none() && !args.force {
        return Err(
            CliError::usage("a component version needs its polyaxonfile")
                .with_hint(
                    "pass -f polyaxonfile.yaml (or --content with the component as JSON/YAML)",
                )
                .into(),
        );
    }
    if fields.run.is_some() && fields.artifacts.is_none() {
        ctx.printer().warn(
            "--run-uid without --artifacts links no lineage: the version will point at the run \
             but a pull downloads nothing; name the lineage entries with --artifacts a,b",
        );
    }
    let mode = Mode {
        force: args.force,
        dry_run: args.dry_run,
    };
    register_version(ctx, &ctx.registry(project), &name, &fields, mode).await
}

/// Turns the flags into fields, validating everything before any request.
fn fields_from_args(args: &RegisterArgs, kind: Kind) -> Result<Fields, CliError> {
    let content = match (&args.content, &args.file) {
        (Some(c), _) => Some(write::content_arg(c)?),
        (None, Some(path)) => {
            let path = path.to_string_lossy();
            Some(if kind == Kind::Component {
                write::component_file(&path)?
            } else {
                let text = write::read_file(&path, "--file")?;
                write::parse_mapping_file(&text, "--file", &path)?;
                text
            })
        }
        (None, None) => None,
    };
    Ok(Fields {
        description: args.description.clone(),
        tags: args
            .tags
            .as_deref()
            .map(|t| write::split_list(t, "--tags"))
            .transpose()?,
        content,
        readme: args
            .readme
            .as_deref()
            .map(|r| write::read_text_arg(r, "--readme", false))
            .transpose()?,
        run: args
            .run_uid
            .as_deref()
            .map(write::validate_uuid)
            .transpose()?,
        artifacts: args
            .artifacts
            .as_deref()
            .map(|a| write::split_list(a, "--artifacts"))
            .transpose()?,
        connection: args.connection.clone(),
        ..Fields::default()
    })
}

/// Reads the version, then creates it (absent) or patches the given fields (present + force).
/// An existing version without `force` is a conflict (exit 5) and nothing is written.
pub async fn register_version(
    ctx: &Context,
    registry: &Registry,
    name: &str,
    fields: &Fields,
    mode: Mode,
) -> Result<()> {
    let client = ctx.client()?;
    let existing = client.find_version(registry, name).await?;
    let current = existing.as_ref().map(|v| &v.item);
    let request = register_request(client, registry, name, fields, current, mode.force)?;
    let action = if existing.is_some() {
        "updated"
    } else {
        "created"
    };
    send_and_show(ctx, registry, name, &request, mode.dry_run, action)
        .await
        .map_err(|e| foreign_run_hint(e, fields.run.as_deref(), registry))
}

/// POST for a new version, PATCH of the given fields for an existing one (with `force`); every
/// refusal happens here, before anything is written.
fn register_request(
    client: &Client,
    registry: &Registry,
    name: &str,
    fields: &Fields,
    current: Option<&ProjectVersion>,
    force: bool,
) -> Result<ApiRequest, CliError> {
    let shown = format!("{} version {}:{name}", registry.kind, registry.project);
    let no_run = |has_run: bool| {
        if fields.artifacts.is_some() && fields.run.is_none() && !has_run {
            Err(
                CliError::usage("--artifacts needs a run to take the lineage from")
                    .with_hint("pass --run-uid UUID as well"),
            )
        } else {
            Ok(())
        }
    };
    match current {
        Some(_) if !force => Err(
            CliError::new(Code::Conflict, format!("{shown} already exists")).with_hint(
                "pass --force to update it (only the given fields are sent), or pick another name",
            ),
        ),
        Some(current) => {
            no_run(current.run.is_some())?;
            let body = fields.patch_body();
            if body.as_object().is_some_and(|b| b.is_empty()) {
                return Err(CliError::usage(format!(
                    "{shown} exists and no field to update was given"
                ))
                .with_hint(
                    "pass --description, --tags, --content, --readme, --run-uid or --artifacts",
                ));
            }
            Ok(requests::patch(client, registry, name, body))
        }
        None => {
            no_run(false)?;
            if registry.kind == Kind::Component && fields.content.is_none() {
                return Err(CliError::usage(format!(
                    "{shown} does not exist and a component version needs its content"
                ))
                .with_hint("pass -f polyaxonfile.yaml"));
            }
            let body = fields.create_body(name, registry.kind);
            Ok(requests::create(client, registry, body))
        }
    }
}

/// Polyaxon CE fails (an empty 405) when a version links a run of another project, and
/// answers 400 for a lineage name the run lacks: say what to do.
fn foreign_run_hint(err: anyhow::Error, run: Option<&str>, registry: &Registry) -> anyhow::Error {
    match (err.downcast_ref::<ApiError>(), run) {
        (Some(api @ ApiError::Http { status: 400, .. }), Some(run))
            if api
                .server_message()
                .is_some_and(|m| m.contains("could not be found")) =>
        {
            let hint = hints::unknown_lineage(run, &registry.project.to_string());
            CliError::new(api.exit_code(), api.to_string())
                .with_hint(hint)
                .into()
        }
        (
            Some(
                api @ ApiError::Http {
                    disguised_server_error: true,
                    ..
                },
            ),
            Some(run),
        ) => CliError::new(Code::Failure, api.to_string())
            .with_hint(format!(
                "Polyaxon CE fails like this when the run {run} is not in {}: \
                 copy and push take --no-run to leave the run and its lineage out",
                registry.project
            ))
            .into(),
        _ => err,
    }
}

/// Sends a write (or prints it under --dry-run), then prints the version read back.
pub async fn send_and_show(
    ctx: &Context,
    registry: &Registry,
    name: &str,
    request: &ApiRequest,
    dry_run: bool,
    action: &str,
) -> Result<()> {
    if dry_run {
        return write::print_dry_run(ctx, request);
    }
    ctx.client()?.execute(request).await?;
    show_version(ctx, registry, name, action).await
}

/// Reads a version back after a write and prints it in the chosen format (a note on stderr).
pub async fn show_version(
    ctx: &Context,
    registry: &Registry,
    name: &str,
    action: &str,
) -> Result<()> {
    let version = ctx.client()?.get_version(registry, name).await?;
    ctx.printer().note(&format!(
        "{action} {} version {}:{name}",
        registry.kind, registry.project
    ));
    print_version(ctx, &version.raw, &version.item)?;
    Ok(())
}
