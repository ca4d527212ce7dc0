//! `pxa upload`: publish local files and folders as a version. The flags become a publish
//! [`Job`]: one lineage entry per PATH at `<--to>/<name>`, pxa's own run named after the
//! version unless `--run-uid` names one, and the version's fields; `publish` does the rest.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;

use super::Context;
use super::publish::{Job, Transfer, publish};
use super::write::{self, Fields};
use crate::api::Kind;
use crate::api::runs::NewRun;
use crate::api::upload::storable_name;
use crate::cli::UploadArgs;
use crate::exit::CliError;
use crate::output::progress::Mode as ProgressMode;
use crate::reference::validate_version;
use crate::upload::local::{Spec, join};
use crate::upload::run::{RunChoice, TAG};

pub async fn run(args: UploadArgs, ctx: &Context) -> Result<()> {
    if ctx.kind == Kind::Component {
        return Err(CliError::usage("a component version holds no files")
            .with_hint("upload with --kind artifact (the default) or --kind model; `pxa components register -f` registers a component")
            .into());
    }
    validate_version(&args.version)?;
    if !(args.stall_timeout > 0.0 && args.stall_timeout.is_finite()) {
        return Err(
            CliError::usage("--stall-timeout must be a positive number of seconds")
                .with_hint("for example --stall-timeout 30 (the default)")
                .into(),
        );
    }
    let project = ctx.project(args.project.as_deref())?;
    let fields = fields(&args)?;
    let to = run_folder(&args.to)?;
    let specs = specs(&args, ctx.kind, &to)?;
    let run = match &args.run_uid {
        Some(uuid) => RunChoice::Given(write::validate_uuid(uuid)?.replace('-', "").to_lowercase()),
        None => RunChoice::Own(NewRun {
            name: format!("upload-{}", args.version),
            description: format!(
                "Files of {} version {}, uploaded by pxa",
                ctx.kind, args.version
            ),
            tags: vec![TAG.to_string()],
        }),
    };
    let progress = if args.quiet {
        ProgressMode::None
    } else {
        args.progress
    };
    let job = Job {
        registry: ctx.registry(project),
        version: args.version.clone(),
        specs,
        linked_only: Vec::new(),
        fields,
        run,
        force: args.force,
        dry_run: args.dry_run,
        verify: args.verify,
        transfer: Transfer {
            jobs: args.jobs as usize,
            retries: args.retries,
            stall: Duration::from_secs_f64(args.stall_timeout),
            progress,
        },
    };
    publish(ctx, job).await
}

/// The version's own fields, validated like `register`'s.
fn fields(args: &UploadArgs) -> Result<Fields, CliError> {
    Ok(Fields {
        description: args.description.clone(),
        tags: args
            .tags
            .as_deref()
            .map(|t| write::split_list(t, "--tags"))
            .transpose()?,
        content: args
            .content
            .as_deref()
            .map(write::content_arg)
            .transpose()?,
        readme: args
            .readme
            .as_deref()
            .map(|r| write::read_text_arg(r, "--readme", false))
            .transpose()?,
        ..Fields::default()
    })
}

/// `--to`: a folder inside the run, never its root.
fn run_folder(to: &str) -> Result<String, CliError> {
    let parts: Vec<&str> = to
        .trim_matches('/')
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let bad = parts.iter().find(|p| storable_name(p).is_err());
    if parts.is_empty() || bad.is_some() || to.starts_with('/') {
        return Err(
            CliError::usage(format!("--to `{to}` is not a folder inside the run")).with_hint(
                "give a relative folder such as outputs or outputs/models (never the run's root)",
            ),
        );
    }
    Ok(parts.join("/"))
}

/// One spec per PATH: its entry name, lineage kind and destination.
fn specs(args: &UploadArgs, kind: Kind, to: &str) -> Result<Vec<Spec>, CliError> {
    if args.entry.is_some() && args.paths.len() > 1 {
        return Err(CliError::usage("--entry names one entry, and several PATHs were given")
            .with_hint("upload one PATH with --entry, or leave --entry out to name each after its basename"));
    }
    let mut out: Vec<Spec> = Vec::new();
    for path in &args.paths {
        let name = match &args.entry {
            Some(name) => name.clone(),
            None => basename(path)?,
        };
        storable_name(&name).map_err(|problem| {
            CliError::usage(format!(
                "the entry name `{name}` cannot be stored as a file name: {problem}"
            ))
            .with_hint("pass --entry NAME with letters, digits, `.`, `-` or `_`")
        })?;
        let dest = join(to, &name);
        if let Some(other) = out.iter().find(|s| s.dest == dest) {
            return Err(CliError::usage(format!(
                "{} and {} would both be stored at {dest}",
                other.local.display(),
                path.display()
            ))
            .with_hint("upload them as separate versions, or rename one"));
        }
        let is_dir = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
        let lineage_kind = match (kind, is_dir) {
            (Kind::Model, _) => "model",
            (_, true) => "dir",
            (_, false) => "file",
        };
        out.push(Spec {
            name: Some(name),
            kind: lineage_kind.to_string(),
            local: path.clone(),
            dest,
            summary: json!({}),
            is_input: false,
        });
    }
    Ok(out)
}

/// The last component of PATH (of its absolute form for `.` or `..`).
fn basename(path: &Path) -> Result<String, CliError> {
    let named = path.file_name().map(|n| n.to_os_string()).or_else(|| {
        std::path::absolute(path)
            .ok()?
            .canonicalize()
            .ok()?
            .file_name()
            .map(|n| n.to_os_string())
    });
    named.and_then(|n| n.into_string().ok()).ok_or_else(|| {
        CliError::usage(format!("cannot name an entry after {}", path.display()))
            .with_hint("pass --entry NAME")
    })
}
