//! `pxa push`: register a version from a folder written by `pull` (`version.plx.json`,
//! plus `content.plx.json` / `polyaxonfile.plx.json`), like the official CLI's push.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Context;
use super::register::{Mode, register_version};
use super::write::{self, Fields};
use crate::api::{Kind, ProjectVersion};
use crate::cli::PushArgs;
use crate::exit::{CliError, Code};
use crate::pull::metadata::{VERSION_FILE, content_file};
use crate::reference::{ProjectRef, validate_version};

pub async fn run(args: PushArgs, ctx: &Context) -> Result<()> {
    let dir = version_dir(&args, ctx)?;
    let local = read_version(&dir)?;
    if let Some(kind) = local.kind.as_deref()
        && kind != ctx.kind.as_str()
    {
        return Err(CliError::usage(format!(
            "{} holds a {kind} version, not a {}",
            dir.display(),
            ctx.kind
        ))
        .with_hint(format!("pass --kind {kind}"))
        .into());
    }
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
    let fields = Fields {
        description: local.description.clone(),
        tags: local.tags.clone(),
        content: local_content(&dir, ctx.kind)?.or_else(|| local.content.clone()),
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
    let mode = Mode {
        force: args.force,
        dry_run: args.dry_run,
    };
    register_version(ctx, &ctx.registry(project), &name, &fields, mode).await?;
    if args.clean && !args.dry_run {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("pushed, but cannot remove {}: {e}", dir.display()))?;
        ctx.printer().note(&format!("removed {}", dir.display()));
    }
    Ok(())
}

/// DIR as given, or ROOT/<kind>s/VERSION (ROOT from --path, POLYAXON_OFFLINE_ROOT or the default).
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
    Ok(root.join(ctx.kind.plural()).join(version))
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
