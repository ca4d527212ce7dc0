//! `pxa diff A B`: two versions compared without a download (fields, content keys, lineage,
//! the files the tree lists), or with `--content-hash` the same-size files hashed on both
//! sides. Exit 0 when equal, 1 when different (nothing on stderr), and for an error its own
//! code, a server error (1 elsewhere) being 2 here ([`Code::in_a_comparison`]).

mod render;

use anyhow::Result;

use super::files::listing_error;
use super::target::VersionTarget;
use super::{Context, hints};
use crate::api::{Client, Kind, Registry};
use crate::cli::{DiffArgs, VersionArgs};
use crate::exit::{CliError, Code, classify};
use crate::inspect::diff::{Diff, compare};
use crate::inspect::hash::{Pair, hash_pairs};
use crate::inspect::{self, VersionFiles};
use crate::output::progress::{Mode, Progress};
use crate::reference::Target;

/// One side as given, and what it names.
pub struct Side {
    /// As given on the command line.
    pub given: String,
    pub registry: Registry,
    pub name: String,
}

pub async fn run(args: DiffArgs, ctx: &Context) -> Result<()> {
    if args.content_hash && ctx.kind == Kind::Component {
        return Err(CliError::usage("--content-hash: components have no files to hash")
            .with_hint("leave out --content-hash: `pxa components diff` compares their content key by key")
            .into());
    }
    // Both sides checked before any request, then `@STAGE` resolved.
    let targets = [target(ctx, &args.a, &args)?, target(ctx, &args.b, &args)?];
    let [a, b] = targets;
    let sides = [
        side(ctx, &args.a, a).await.map_err(trouble)?,
        side(ctx, &args.b, b).await.map_err(trouble)?,
    ];
    let (versions, diff) = find(ctx, &sides, args.content_hash)
        .await
        .map_err(trouble)?;
    render::print(ctx, &sides, &versions, &diff).map_err(trouble)?;
    match diff.equal {
        true => Ok(()),
        false => Err(CliError::quiet(Code::Failure).into()),
    }
}

/// A side, checked: `[OWNER/]PROJECT:VERSION` (or `@STAGE`), or a version name in `-p`'s
/// project.
fn target(ctx: &Context, given: &str, args: &DiffArgs) -> Result<VersionTarget, CliError> {
    let qualified = Target::parse(given)?.project.is_some();
    let which = VersionArgs {
        target: Some(given.to_string()),
        project: args.project.clone().filter(|_| !qualified),
        version: None,
    };
    ctx.target(&which)
}

/// A side's version name (`@STAGE` resolved on the server).
async fn side(ctx: &Context, given: &str, target: VersionTarget) -> Result<Side> {
    let name = ctx.resolve_target(&target).await?;
    Ok(Side {
        given: given.to_string(),
        registry: ctx.registry(target.project),
        name,
    })
}

/// Lists both sides at once and compares them (hashing the same-size files if asked).
async fn find(
    ctx: &Context,
    sides: &[Side; 2],
    content_hash: bool,
) -> Result<([VersionFiles; 2], Diff)> {
    let client = ctx.client()?;
    let (a, b) = tokio::try_join!(list(ctx, &sides[0]), list(ctx, &sides[1]))?;
    let (diff, pairs) = compare(&a, &b);
    if !content_hash {
        return Ok(([a, b], diff));
    }
    let hashes = match pairs.is_empty() {
        true => Vec::new(),
        false => hash(ctx, client, &pairs).await?,
    };
    Ok(([a, b], diff.with_hashes(&pairs, &hashes)))
}

/// Both sides of every pair hashed, with bars on a terminal.
async fn hash(ctx: &Context, client: &Client, pairs: &[Pair]) -> Result<Vec<[String; 2]>> {
    let mode = match ctx.printer().facts().stderr_tty {
        true => Mode::Bars,
        false => Mode::None,
    };
    let progress = Progress::new(mode, ctx.printer().clone());
    let hashed = hash_pairs(client, pairs, &progress).await;
    progress.abandon();
    hashed.map_err(|f| {
        let hint = hints::listing(f.code, f.missing);
        CliError::new(f.code, f.message).with_hint(hint).into()
    })
}

/// One side's files, or its error named after the side as given.
async fn list(ctx: &Context, s: &Side) -> Result<VersionFiles> {
    let listed = inspect::list(ctx.client()?, &s.registry, &s.name, &[]).await;
    listed.map_err(|f| listing_error(ctx, &s.given, &s.name, f))
}

/// An error of a comparison: its own code, but a server or unexpected failure (exit 1
/// elsewhere) exits 2, since 1 says "different".
fn trouble(err: anyhow::Error) -> anyhow::Error {
    let report = classify(&err);
    if report.code == Code::Ok {
        return err;
    }
    let mut out = CliError::new(report.code.in_a_comparison(), report.message);
    out.hint = report.hint;
    out.into()
}
