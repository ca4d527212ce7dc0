//! A cutting proxy for the `pull` end-to-end tests: it stands in front of the real sandbox and
//! cuts one answer mid-body, so a test sees what the real server does with the retry.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A one-request-per-connection proxy in front of the sandbox that cuts the first answer to a
/// request whose target contains `cut_match` after `cut_at` body bytes, and logs every
/// request head with the status line the server answered.
pub struct CutProxy {
    pub url: String,
    pub log: Arc<Mutex<Vec<(String, String)>>>,
}

impl CutProxy {
    pub fn start(upstream: &str, cut_match: &'static str, cut_at: usize) -> Self {
        Self::spawn(upstream, cut_match, Some(cut_at), Duration::ZERO)
    }

    /// A proxy that cuts nothing and holds every answer to a request whose target contains
    /// `slow_match` for `delay` before passing it on (a slow server).
    pub fn slow(upstream: &str, slow_match: &'static str, delay: Duration) -> Self {
        Self::spawn(upstream, slow_match, None, delay)
    }

    fn spawn(
        upstream: &str,
        cut_match: &'static str,
        cut_at: Option<usize>,
        delay: Duration,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let log: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let cut_done = Arc::new(Mutex::new(false));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (up, log, cut_done) = (upstream.clone(), log2.clone(), cut_done.clone());
                std::thread::spawn(move || {
                    let how = How {
                        cut_match,
                        cut_at,
                        delay,
                    };
                    proxy_one(client, &up, &log, &cut_done, &how)
                });
            }
        });
        Self { url, log }
    }
}

/// What the proxy does to a request whose target contains `cut_match`: cut the first such
/// answer after `cut_at` body bytes, and hold each for `delay`.
struct How {
    cut_match: &'static str,
    cut_at: Option<usize>,
    delay: Duration,
}

fn proxy_one(
    client: TcpStream,
    upstream: &str,
    log: &Mutex<Vec<(String, String)>>,
    cut_done: &Mutex<bool>,
    how: &How,
) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if !line.to_ascii_lowercase().starts_with("connection:") {
            head.push_str(&line);
        }
    }
    let request = head.clone();
    head.push_str("Connection: close\r\n\r\n");
    let mut server = TcpStream::connect(upstream).unwrap();
    server.write_all(head.as_bytes()).unwrap();
    let matches = request.lines().next().unwrap_or("").contains(how.cut_match);
    if matches {
        std::thread::sleep(how.delay);
    }
    let cut_at = how.cut_at.unwrap_or(usize::MAX);
    let cut =
        matches && how.cut_at.is_some() && !std::mem::replace(&mut *cut_done.lock().unwrap(), true);
    let mut answer = BufReader::new(server);
    let mut response_head = Vec::new();
    loop {
        let mut line = String::new();
        if answer.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        response_head.extend_from_slice(line.as_bytes());
        if line == "\r\n" {
            break;
        }
    }
    let status = String::from_utf8_lossy(&response_head)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    log.lock().unwrap().push((request, status));
    let mut client = client;
    let _ = client.write_all(&response_head);
    let mut body = vec![0u8; 64 * 1024];
    let mut sent = 0;
    loop {
        let n = answer.read(&mut body).unwrap_or(0);
        if n == 0 {
            break;
        }
        let n = if cut { n.min(cut_at - sent) } else { n };
        let _ = client.write_all(&body[..n]);
        sent += n;
        if cut && sent >= cut_at {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}
