//! What a publish prints besides the progress: the `--dry-run` plan, the version as created,
//! the line about the run, and the refusals of what was read before any write.

use anyhow::Result;
use serde_json::{Value, json};

use super::{Job, Prepared};
use crate::api::versions::requests;
use crate::api::{ProjectVersion, Resource};
use crate::commands::{Context, hints, write};
use crate::exit::{CliError, Code};
use crate::upload::EntryReport;
use crate::upload::local::{LocalEntry, ScanError};
use crate::upload::plan::{self, Conflict, Remote};
use crate::upload::run::Target;

/// `--dry-run`: the run, what each entry would send, and the version write.
pub(super) fn print_plan(ctx: &Context, job: &Job, p: &Prepared) -> Result<()> {
    let client = ctx.client()?;
    let run = match (&p.target.uuid, p.target.own) {
        (None, _) => json!({"action": "create", "name": p.target.name, "uuid": null}),
        (Some(u), true) => json!({"action": "reuse", "name": p.target.name, "uuid": u}),
        (Some(u), false) => json!({"action": "given", "name": p.target.name, "uuid": u}),
    };
    let entries: Vec<Value> = p
        .entries
        .iter()
        .zip(&p.remotes)
        .map(|(e, r)| entry_plan(e, r, job.force))
        .collect();
    let mut fields = job.fields.clone();
    fields.run = Some(p.target.uuid.clone().unwrap_or_else(|| "<new run>".into()));
    let names = p
        .entries
        .iter()
        .map(|e| e.spec.name.clone())
        .chain(job.linked_only.iter().map(|s| s.name.clone()));
    fields.artifacts = Some(names.flatten().collect());
    let version = if p.existing {
        requests::patch(client, &job.registry, &job.version, fields.patch_body())
    } else {
        let body = fields.create_body(&job.version, job.registry.kind);
        requests::create(client, &job.registry, body)
    };
    let plan = json!({"run": run, "entries": entries, "version": version});
    write::print_value(ctx, &plan)
}

fn entry_plan(e: &LocalEntry, r: &Remote, force: bool) -> Value {
    let todo = plan::todo(e, r, force);
    let pieces = plan::pieces(e, &todo, r);
    let archive = pieces.iter().find_map(|p| match p {
        plan::Piece::Archive { files, .. } => Some(files.len()),
        plan::Piece::File(_) => None,
    });
    json!({"entry": e.spec.name, "kind": e.spec.kind, "path": e.spec.dest,
        "local": e.spec.local, "files": e.files.len(), "bytes": e.bytes(),
        "send": {"files": todo.len(),
                 "bytes": todo.iter().map(|s| e.files[s.index].size).sum::<u64>(),
                 "archived": archive.unwrap_or(0)},
        "present": e.files.len() - todo.len()})
}

pub(super) fn scan_refusal(e: ScanError) -> CliError {
    let hint = match &e {
        ScanError::Missing { .. } => "check the path",
        ScanError::Link { .. } => "upload what the link points at, or copy it into the folder",
        ScanError::Special { .. } => "upload regular files and folders only",
        ScanError::NotUtf8 { .. } | ScanError::Name { .. } => "rename it, then upload again",
        ScanError::Unreadable { .. } => "check the file's permissions",
        ScanError::Empty { .. } => "leave the folder out, or add files to it",
        ScanError::TooMany { .. } => "upload its sub-folders as separate entries",
    };
    CliError::usage(format!("{e}; nothing was sent")).with_hint(hint)
}

pub(super) fn conflict_refusal(c: &Conflict) -> CliError {
    let hint = match c {
        Conflict::Differs { .. } => hints::UPLOAD_DIFFERS,
        _ => hints::UPLOAD_IN_THE_WAY,
    };
    CliError::new(Code::Conflict, format!("{c}; nothing was sent")).with_hint(hint)
}

/// The create answer as a read of the version gives it: the same object, with the linked
/// names under `artifacts` after `run` (measured: the only difference on haupt 2.18.0), which
/// saves reading the version again.
pub(super) fn as_read(
    created: Resource<ProjectVersion>,
    linked: Vec<String>,
) -> (Value, ProjectVersion) {
    let Resource { raw, mut item } = created;
    let Value::Object(map) = raw else {
        return (raw, item);
    };
    let mut out = serde_json::Map::new();
    for (key, value) in map {
        let after_run = key == "run";
        out.insert(key, value);
        if after_run {
            out.insert("artifacts".into(), json!(linked));
        }
    }
    out.entry("artifacts").or_insert_with(|| json!(linked));
    item.artifacts = Some(linked);
    (Value::Object(out), item)
}

pub(super) fn note_run(ctx: &Context, target: &Target, reports: &[EntryReport]) {
    let sent: usize = reports.iter().map(|r| r.files_sent).sum();
    let all: usize = reports.iter().map(|r| r.files).sum();
    let plural = if sent == 1 { "" } else { "s" };
    ctx.printer().note(&format!(
        "run {} ({}): {sent} file{plural} sent, {} already there, every file checked",
        target.name,
        target.uuid.as_deref().unwrap_or_default(),
        all - sent
    ));
}
