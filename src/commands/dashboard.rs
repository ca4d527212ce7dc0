//! `pxa dashboard`: the web UI address of a version (no request is sent, but to resolve
//! `PROJECT@STAGE`).

use anyhow::Result;
use url::Url;

use super::Context;
use crate::cli::DashboardArgs;

pub async fn run(args: DashboardArgs, ctx: &Context) -> Result<()> {
    let (project, version) = ctx.resolve(&args.version).await?;
    let url = ui_url(
        &ctx.settings.host,
        &project.owner,
        &project.name,
        ctx.kind.plural(),
        &version,
    );
    ctx.out.lines([url.as_str()])?;
    if !args.url && ctx.printer().facts().stdout_tty {
        open(&url);
    }
    Ok(())
}

/// `{host}/ui/{owner}/{project}/{kind}s/{version}/`, each part its own path segment.
pub fn ui_url(host: &Url, owner: &str, project: &str, kinds: &str, version: &str) -> Url {
    let mut url = host.clone();
    url.path_segments_mut()
        .expect("host is a base URL")
        .pop_if_empty()
        .extend(["ui", owner, project, kinds, version, ""]);
    url
}

/// Best effort: a missing opener is not an error, the URL is already printed.
fn open(url: &Url) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url.as_str())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_urls() {
        let host = Url::parse("http://127.0.0.1:8000/").unwrap();
        assert_eq!(
            ui_url(&host, "default", "demo", "artifacts", "v1").as_str(),
            "http://127.0.0.1:8000/ui/default/demo/artifacts/v1/"
        );
        let host = Url::parse("https://h/prefix").unwrap();
        assert_eq!(
            ui_url(&host, "o", "p", "models", "m 1").as_str(),
            "https://h/prefix/ui/o/p/models/m%201/"
        );
    }
}
