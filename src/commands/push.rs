//! `pxa push`: register a version from a folder written by `pull` (`version.plx.json`,
//! plus `content.plx.json` / `polyaxonfile.plx.json`), like the official CLI's push. The kind
//! is the file's unless `--kind` is given. When the target server has no such run in the
//! project (another server, another project), the version's lineage files are uploaded from
//! the folder into a new run, with the same entry names and paths (`carry`), so that `pull`
//! from one server and `push` to another moves a version with its files; `--no-artifacts`
//! pushes the metadata only.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Context;
use super::publish::{Job, Transfer, publish};
use super::register::{Mode, register_version};
use super::write::{self, Fields};
use crate::api::runs::NewRun;
use crate::api::{Kind, ProjectVersion, Registry};
use crate::cli::PushArgs;
use crate::exit::{CliError, Code};
use crate::output::progress::Mode as ProgressMode;
use crate::pull::metadata::{VERSION_FILE, content_file};
use crate::reference::{ProjectRef, validate_version};
use crate::upload::run::{RunChoice, TAG};

mod carry;

pub async fn run(args: PushArgs, ctx: &Context) -> Result<()> {
    let dir = version_dir(&args, ctx)?;
    let local = read_version(&dir)?;
    let kind = kind(&local, &dir, ctx)?;
    let name = match (&args.version, local.name.is_empty()) {
        (Some(v), _) => v.clone(),
        (None, false) => local.name.clone(),
        (None, true) => dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    validate_version(&name)?;
    let project = match (&args.project, &local.owner, &local.project) {
        (Some(p), _, _) => ProjectRef::parse(p)?,
        (None, _, _) if args.reset_project => ctx.project(None)?,
        (None, Some(owner), Some(project)) => ProjectRef::parse(&format!("{owner}/{project}"))?,
        (None, _, Some(project)) => ProjectRef::parse(project)?,
        (None, _, None) => ctx.project(None)?,
    };
    let registry = Registry::new(project, kind);
    let fields = Fields {
        description: local.description.clone(),
        tags: local.tags.clone(),
        content: local_content(&dir, kind)?.or_else(|| local.content.clone()),
        readme: local.readme.clone(),
        run: local.run.clone().filter(|_| !args.no_run),
        artifacts: local
            .artifacts
            .clone()
            .filter(|_| local.run.is_some() && !args.no_run),
        connection: local.connection.clone(),
        stage: local.stage.clone(),
        ..Fields::default()
    };
    if carries_files(&args, &local) && !target_has_run(ctx, &registry, &local).await? {
        let job = carry_job(&args, &dir, &local, registry, &name, fields)?;
        publish(ctx, job).await?;
    } else {
        let mode = Mode {
            force: args.force,
            dry_run: args.dry_run,
        };
        register_version(ctx, &registry, &name, &fields, mode).await?;
    }
    if args.clean && !args.dry_run {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("pushed, but cannot remove {}: {e}", dir.display()))?;
        ctx.printer().note(&format!("removed {}", dir.display()));
    }
    Ok(())
}

/// The kind of the folder's version: the file's own unless `--kind` is given, which must
/// then agree with it.
fn kind(local: &ProjectVersion, dir: &Path, ctx: &Context) -> Result<Kind, CliError> {
    let in_file = local.kind.as_deref();
    let parsed = match in_file {
        Some("artifact") => Some(Kind::Artifact),
        Some("model") => Some(Kind::Model),
        Some("component") => Some(Kind::Component),
        _ => None,
    };
    match (parsed, in_file) {
        (Some(k), _) if !ctx.kind_given || k == ctx.kind => Ok(k),
        (None, Some(other)) => Err(CliError::usage(format!(
            "{} names an unknown kind `{other}`",
            dir.join(VERSION_FILE).display()
        ))
        .with_hint("it should be artifact, model or component")),
        (None, None) => Ok(ctx.kind),
        (Some(k), _) => Err(CliError::usage(format!(
            "{} holds a {k} version, and --kind says {}",
            dir.display(),
            ctx.kind
        ))
        .with_hint(format!("pass --kind {k}, or leave --kind out"))),
    }
}

/// Whether the version's lineage could travel with it: it has a run and lineage, and neither
/// `--no-run` nor `--no-artifacts` was given.
fn carries_files(args: &PushArgs, local: &ProjectVersion) -> bool {
    let lineage = local
        .meta_info
        .as_ref()
        .and_then(|m| m.lineage.as_ref())
        .is_some_and(|l| !l.is_empty());
    !args.no_run && !args.no_artifacts && local.run.is_some() && lineage
}

/// Whether the target project has the version's run (then its lineage is linked as it is).
async fn target_has_run(
    ctx: &Context,
    registry: &Registry,
    local: &ProjectVersion,
) -> Result<bool> {
    let uuid = local.run.as_deref().unwrap_or_default();
    let (owner, project) = (&registry.project.owner, &registry.project.name);
    match ctx.client()?.get_run(owner, project, uuid).await {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The publish of the folder's lineage files into a new run of the target project.
fn carry_job(
    args: &PushArgs,
    dir: &Path,
    local: &ProjectVersion,
    registry: Registry,
    name: &str,
    mut fields: Fields,
) -> Result<Job, CliError> {
    let (specs, linked_only) = carry::specs(dir, local)?;
    let source = local.run.as_deref().unwrap_or_default();
    let run = RunChoice::Own(NewRun {
        name: format!("upload-{name}"),
        description: format!(
            "Files of {} version {name}, pushed by pxa from run {source}",
            registry.kind
        ),
        tags: vec![TAG.to_string()],
    });
    fields.run = None;
    fields.artifacts = None;
    Ok(Job {
        registry,
        version: name.to_string(),
        specs,
        linked_only,
        fields,
        run,
        force: args.force,
        dry_run: args.dry_run,
        verify: false,
        transfer: Transfer {
            jobs: 4,
            retries: 3,
            stall: std::time::Duration::from_secs(30),
            progress: ProgressMode::Auto,
        },
    })
}

/// DIR as given, or ROOT/<kind>s/VERSION (ROOT from --path, POLYAXON_OFFLINE_ROOT or the
/// default). Without --kind, the first kind folder holding the version is taken.
fn version_dir(args: &PushArgs, ctx: &Context) -> Result<PathBuf, CliError> {
    if let Some(dir) = &args.dir {
        return Ok(dir.clone());
    }
    let Some(version) = &args.version else {
        return Err(CliError::usage("which version to push?").with_hint(
            "pass a version folder (pxa push ROOT/artifacts/v1) or --path ROOT --version v1",
        ));
    };
    validate_version(version)?;
    let root = args
        .root
        .clone()
        .unwrap_or_else(|| ctx.settings.offline_root.clone());
    let given = root.join(ctx.kind.plural()).join(version);
    if ctx.kind_given {
        return Ok(given);
    }
    let kinds = [Kind::Artifact, Kind::Model, Kind::Component];
    Ok(kinds
        .iter()
        .map(|k| root.join(k.plural()).join(version))
        .find(|d| d.join(VERSION_FILE).is_file())
        .unwrap_or(given))
}

fn read_version(dir: &Path) -> Result<ProjectVersion, CliError> {
    let path = dir.join(VERSION_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            Code::NotFound
        } else {
            Code::Failure
        };
        CliError::new(code, format!("cannot read {}: {e}", path.display()))
            .with_hint("pass the folder a pull wrote: <root>/<kind>s/<version>")
    })?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::usage(format!("{} is not a version file: {e}", path.display()))
            .with_hint("it should hold the JSON a pull wrote")
    })
}

/// The content file beside version.plx.json, when there is one (it wins: it is the editable copy).
fn local_content(dir: &Path, kind: Kind) -> Result<Option<String>, CliError> {
    let file = content_file(kind);
    let path = dir.join(file);
    if !path.is_file() {
        return Ok(None);
    }
    let text = write::read_file(&path.to_string_lossy(), file)?;
    write::parse_mapping(&text, file)?;
    Ok(Some(text))
}
