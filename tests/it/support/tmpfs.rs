//! A small disk for the disk-full tests: pxa run inside a private mount namespace
//! (`unshare -Urm`, no privilege needed where user namespaces are allowed) where a folder is a
//! tmpfs of a given size; what pxa left there is listed before the namespace goes away.

use std::path::Path;
use std::process::Command;

use super::process::{bin, isolate};

/// What a run on a small disk gave: exit code, stdout, stderr, and every path left on the
/// disk (relative, sorted) with its size.
pub struct OnTmpfs {
    pub code: i32,
    pub out: String,
    pub err: String,
    pub left: Vec<(String, u64)>,
}

const SCRIPT: &str = r#"set -u
d=$1; size=$2; shift 2
mount -t tmpfs -o "size=$size" tmpfs "$d" || { echo "pxa-test: cannot mount a tmpfs" >&2; exit 97; }
"$@"; code=$?
printf '\n--- %s\n' "$code"
find "$d" -mindepth 1 -printf '%P\t%s\n' | sort
"#;

/// Runs `pxa ARGS` with HOME at `home` where `dir` is a tmpfs of `size` (e.g. `2m`). Panics,
/// saying why, when this machine allows no private mount (the test needs one).
pub fn pxa_on_tmpfs(dir: &Path, size: &str, home: &Path, args: &[&str]) -> OnTmpfs {
    std::fs::create_dir_all(dir).unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args(["-Urm", "sh", "-c", SCRIPT, "sh"])
        .arg(dir)
        .arg(size)
        .arg(bin())
        .args(args);
    isolate(&mut cmd, home);
    let out = cmd.output().expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let Some((pxa_out, rest)) = stdout.rsplit_once("\n--- ") else {
        panic!(
            "no private tmpfs here (unshare -Urm + mount): exit {:?}: {err}",
            out.status.code()
        );
    };
    let mut lines = rest.lines();
    let code = lines.next().unwrap().trim().parse().unwrap();
    let left = lines
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, s)| (p.to_string(), s.parse().unwrap()))
        .collect();
    OnTmpfs {
        code,
        out: pxa_out.to_string(),
        err,
        left,
    }
}
