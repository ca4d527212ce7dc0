//! `pxa update`: PATCH only the given fields of a version (rename, description, tags, content, readme).

use anyhow::Result;

use super::register::send_and_show;
use super::write::{self, Fields};
use super::{Context, not_found_hint};
use crate::api::versions::requests;
use crate::cli::UpdateArgs;
use crate::exit::CliError;
use crate::reference::validate_version;

pub async fn run(args: UpdateArgs, ctx: &Context) -> Result<()> {
    let target = ctx.target(&args.version)?;
    let (mut fields, add, remove) = fields_from_args(&args)?;
    let name = ctx.resolve_target(&target).await?;
    let registry = ctx.registry(target.project);
    let client = ctx.client()?;
    if !add.is_empty() || !remove.is_empty() {
        let base = match fields.tags.take() {
            Some(tags) => tags,
            None => {
                let current = client
                    .get_version(&registry, &name)
                    .await
                    .map_err(|e| not_found_hint(e, &name, ctx))?;
                current.tags.clone().unwrap_or_default()
            }
        };
        fields.tags = Some(write::merge_tags(&base, &add, &remove));
    }
    let request = requests::patch(client, &registry, &name, fields.patch_body());
    let shown_name = fields.name.as_deref().unwrap_or(&name);
    send_and_show(
        ctx,
        &registry,
        shown_name,
        &request,
        args.dry_run,
        "updated",
    )
    .await
    .map_err(|e| match e.downcast::<crate::api::ApiError>() {
        Ok(api) => not_found_hint(api, &name, ctx),
        Err(other) => other,
    })
}

/// The fields to send, and the tags to add and remove, validated before any request.
fn fields_from_args(args: &UpdateArgs) -> Result<(Fields, Vec<String>, Vec<String>), CliError> {
    let mut fields = Fields::default();
    if let Some(new_name) = &args.name {
        validate_version(new_name)?;
        fields.name = Some(new_name.clone());
    }
    fields.description = args.description.clone();
    fields.content = args
        .content
        .as_deref()
        .map(write::content_or_clear)
        .transpose()?;
    fields.readme = args
        .readme
        .as_deref()
        .map(|r| write::read_text_arg(r, "--readme", false))
        .transpose()?;
    fields.tags = args
        .tags
        .as_deref()
        .map(|t| write::split_list(t, "--tags"))
        .transpose()?;
    let add = split_all(&args.add_tag, "--add-tag")?;
    let remove = split_all(&args.remove_tag, "--remove-tag")?;
    if fields.is_empty() && add.is_empty() && remove.is_empty() {
        return Err(CliError::usage("nothing to update").with_hint(
            "pass at least one of --name, --description, --tags, --add-tag, --remove-tag, --content, --readme",
        ));
    }
    Ok((fields, add, remove))
}

/// Every value of a repeatable list flag, each comma-split.
fn split_all(values: &[String], flag: &str) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for v in values {
        out.extend(write::split_list(v, flag)?);
    }
    Ok(write::dedup(out))
}
