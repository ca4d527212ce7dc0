//! Load against the real sandbox: 200 concurrent `pxa get` processes, bounded in count and time,
//! loopback only. Each must succeed (retryable failures are retried inside pxa).

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::sandbox;

#[test]
#[ignore = "needs the sandbox"]
fn two_hundred_concurrent_gets_all_succeed() {
    let sb = sandbox();
    const N: usize = 200;
    let names = sb.versions("artifact");
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut children = Vec::with_capacity(N);
    for i in 0..N {
        let name = &names[i % names.len()];
        let child = sb
            .pxa()
            .args([
                "get",
                "-p",
                sb.project(),
                "--version",
                name,
                "-o",
                "name",
                "--timeout",
                "120",
            ])
            .process()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pxa");
        children.push((name.clone(), child));
    }
    let mut failures = Vec::new();
    for (name, mut child) in children {
        loop {
            if let Some(_status) = child.try_wait().unwrap() {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || stdout.trim() != name {
            failures.push(format!(
                "{name}: {:?} {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {N} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
