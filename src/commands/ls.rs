//! `pxa ls`: list versions, following pages until the limit (or all of them).

use anyhow::Result;

use super::Context;
use crate::api::ListParams;
use crate::cli::LsArgs;
use crate::output::{Format, version_rows};

pub async fn run(args: LsArgs, ctx: &Context) -> Result<()> {
    let project = ctx.project(args.target.as_deref().or(args.project.as_deref()))?;
    let registry = ctx.registry(project);
    let params = ListParams {
        offset: args.offset,
        limit: None,
        sort: args.sort.clone(),
        query: args.query.clone(),
        no_page: false,
    };
    let want = (!args.all).then_some(args.limit);
    let (items, _count) = ctx
        .client()?
        .list_versions_all(&registry, &params, want)
        .await?;
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => {
            let raw: Vec<serde_json::Value> = items.iter().map(|v| v.raw.clone()).collect();
            out.structured(&serde_json::Value::Array(raw))?;
        }
        Format::Name => out.lines(items.iter().map(|v| v.name.as_str()))?,
        _ => {
            let typed: Vec<_> = items.iter().map(|v| &v.item).collect();
            let (header, rows) = version_rows(out, &typed);
            if out.format == Format::Table && rows.is_empty() {
                ctx.printer()
                    .note(&format!("no {} versions in {}", ctx.kind, registry.project));
            } else {
                out.rows(&header, &rows)?;
            }
        }
    }
    Ok(())
}
