//! `pxa wait`: poll a version's stage with backoff until it reaches the wanted one (exit 0) or
//! the deadline passes (exit 7). Each change seen is a line on stderr; stdout gets the version.

use std::time::{Duration, Instant};

use anyhow::Result;

use super::register::show_version;
use super::{Context, hints, not_found_hint};
use crate::api::ApiError;
use crate::api::retry::{RetryPolicy, Transient};
use crate::cli::WaitArgs;
use crate::exit::{CliError, Code};

/// How long `wait` waits when --timeout is not given.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(600);
/// The longest pause between two polls.
pub const MAX_INTERVAL: Duration = Duration::from_secs(30);

pub async fn run(args: WaitArgs, ctx: &Context) -> Result<()> {
    let (project, name) = ctx.resolve(&args.version).await?;
    let registry = ctx.registry(project);
    // Each poll is one request (with the normal request timeout); this loop retries it.
    let client = ctx.client()?.clone().with_reads(RetryPolicy::ONCE);
    let limit = args
        .deadline
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_WAIT);
    let deadline = Instant::now() + limit;
    let target = args.stage.as_str();
    let shown = format!("{}:{name}", registry.project);
    let mut last: Option<String> = None;
    // The last failure while the server has not answered yet: exit 8 if it never does.
    let mut unreached: Option<ApiError> = None;
    let mut reached = false;
    let mut pause = args.interval;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let poll = tokio::time::timeout(remaining, client.get_stages(&registry, &name)).await;
        match poll {
            Ok(Ok(stages)) => {
                reached = true;
                let current = stages.item.stage.unwrap_or_else(|| "none".into());
                if last.as_deref() != Some(current.as_str()) {
                    ctx.printer().note(&format!(
                        "{} {shown}: {current}",
                        chrono::Utc::now().format("%H:%M:%S")
                    ));
                    pause = args.interval;
                    last = Some(current);
                }
                if last.as_deref() == Some(target) {
                    return show_version(ctx, &registry, &name, &format!("reached {target}:"))
                        .await;
                }
            }
            Ok(Err(e)) if e.is_transient() => {
                ctx.printer()
                    .warn(&format!("{e}; still waiting (until the --timeout)"));
                reached |= e.status().is_some();
                unreached = (!reached).then_some(e);
            }
            Ok(Err(e)) => return Err(not_found_hint(e, &name, ctx)),
            Err(_) => {}
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            if reached {
                return Err(timed_out(&shown, target, last.as_deref(), limit).into());
            }
            return Err(never_reached(unreached, limit));
        }
        tokio::time::sleep(pause.min(remaining)).await;
        pause = next_pause(pause, args.interval);
    }
}

/// The pause grows by half each poll without a change, up to 30 s (or the interval if larger).
pub fn next_pause(pause: Duration, interval: Duration) -> Duration {
    pause.mul_f64(1.5).min(MAX_INTERVAL.max(interval))
}

/// Exit 8: no poll got an answer before the deadline (with the last failure, if one came).
fn never_reached(last: Option<ApiError>, limit: Duration) -> anyhow::Error {
    let message = format!(
        "the server was never reached in {}s of waiting",
        limit.as_secs_f64()
    );
    match last {
        Some(e) => anyhow::Error::new(e).context(message),
        None => CliError::new(Code::Unreachable, format!("{message}: no answer"))
            .with_hint(hints::unreachable())
            .into(),
    }
}

fn timed_out(shown: &str, target: &str, last: Option<&str>, limit: Duration) -> CliError {
    let now = last.map(|s| format!(" (it is `{s}`)")).unwrap_or_default();
    CliError::new(
        Code::Timeout,
        format!(
            "{shown} did not reach `{target}` within {}s{now}",
            limit.as_secs_f64()
        ),
    )
    .with_hint("wait longer with --timeout, e.g. --timeout 30m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_a_cap() {
        let i = Duration::from_secs(2);
        assert_eq!(next_pause(i, i), Duration::from_secs(3));
        let mut p = i;
        for _ in 0..20 {
            p = next_pause(p, i);
        }
        assert_eq!(p, MAX_INTERVAL);
        let big = Duration::from_secs(60);
        assert_eq!(next_pause(big, big), big);
    }

    #[test]
    fn timeout_is_exit_7() {
        let e = timed_out(
            "default/demo:v1",
            "production",
            Some("staging"),
            Duration::from_secs(5),
        );
        assert_eq!(e.code, Code::Timeout);
        assert!(e.message.contains("(it is `staging`)"), "{}", e.message);
    }
}
