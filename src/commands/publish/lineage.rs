//! The end of a publish: the lineage recorded (only what the run does not have as it is), the
//! version registered linking it, pxa's run marked succeeded, the version printed.

use anyhow::Result;

use super::show::as_read;
use super::{Job, mark, run_path};
use crate::api::models::RunArtifact;
use crate::api::runs::{NewArtifact, RunStatus};
use crate::api::versions::requests;
use crate::api::{ProjectVersion, Resource};
use crate::commands::Context;
use crate::commands::get::print_version;
use crate::commands::register::{Mode, register_version};
use crate::output::progress::Mode as ProgressMode;
use crate::upload::local::{LocalEntry, Spec};
use crate::upload::run::{self, Target};

/// Records the lineage, registers the version linking it (a POST when the version was absent
/// before the upload, else the register flow), marks pxa's run succeeded and prints the
/// version like `register`.
pub(super) async fn link(
    ctx: &Context,
    job: &Job,
    target: &Target,
    entries: &[LocalEntry],
    existing: bool,
) -> Result<()> {
    let client = ctx.client()?;
    let uuid = target.uuid.clone().expect("the run exists now");
    let linked: Vec<LocalEntry> = job.linked_only.iter().map(lineage_only).collect();
    let mut records = run::records(&uuid, entries);
    records.extend(run::records(&uuid, &linked));
    let fresh: Vec<_> = records
        .into_iter()
        .filter(|r| !target.lineage.iter().any(|a| same_entry(a, r, &uuid)))
        .collect();
    if !fresh.is_empty() {
        client
            .record_lineage(&run_path(job, target), &fresh)
            .await?;
    }
    let mut fields = job.fields.clone();
    fields.run = Some(uuid);
    let names = entries
        .iter()
        .chain(&linked)
        .filter_map(|e| e.spec.name.clone());
    fields.artifacts = Some(names.collect());
    let reg = &job.registry;
    if existing {
        let mode = Mode {
            force: job.force,
            dry_run: false,
        };
        register_version(ctx, reg, &job.version, &fields, mode).await?;
        mark(
            ctx,
            job,
            target,
            RunStatus::Succeeded,
            "pxa uploaded every file",
        )
        .await;
        return Ok(());
    }
    let body = fields.create_body(&job.version, reg.kind);
    let created: Resource<ProjectVersion> =
        client.fetch(&requests::create(client, reg, body)).await?;
    mark(
        ctx,
        job,
        target,
        RunStatus::Succeeded,
        "pxa uploaded every file",
    )
    .await;
    if job.transfer.progress != ProgressMode::None {
        ctx.printer().note(&format!(
            "created {} version {}:{}",
            reg.kind, reg.project, job.version
        ));
    }
    let (raw, item) = as_read(created, fields.artifacts.unwrap_or_default());
    print_version(ctx, &raw, &item)
}

/// An entry recorded without files (its folder is inside another entry's).
fn lineage_only(spec: &Spec) -> LocalEntry {
    LocalEntry {
        spec: spec.clone(),
        is_dir: spec.kind != "file",
        files: Vec::new(),
    }
}

/// The run already records this entry as it would be recorded.
fn same_entry(a: &RunArtifact, r: &NewArtifact, uuid: &str) -> bool {
    let path = a.path.as_deref().unwrap_or_default();
    let rel = path.strip_prefix(&format!("{uuid}/")).unwrap_or(path);
    a.name.as_deref() == Some(r.name.as_str())
        && a.kind.as_deref() == Some(r.kind.as_str())
        && format!("{uuid}/{rel}") == r.path
}
