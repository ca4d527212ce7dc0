//! A proxy in front of the sandbox for the upload tests: it forwards every request with its
//! body (one request per connection), logs each one (method, target, body length, answer),
//! and can answer an upload itself instead (a 502, or no answer at all) so a test sees what
//! the real server holds after a failure, and how many uploads a re-run sends.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Forward,
    /// Read the request, answer 502 without forwarding it.
    BadGateway,
    /// Read the request, then never answer.
    Hold,
}

/// One request seen.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub body: usize,
}

type Rule = dyn Fn(&Seen, usize) -> Fault + Send + Sync;

/// The running proxy (it lives until the test process ends).
pub struct UploadProxy {
    pub url: String,
    pub log: Arc<Mutex<Vec<Seen>>>,
}

impl UploadProxy {
    /// `rule(request, nth upload)` decides per request; `nth` counts the uploads (POSTs to
    /// the streams service) so far, this one included (0 for other requests).
    pub fn start(
        upstream: &str,
        rule: impl Fn(&Seen, usize) -> Fault + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let rule: Arc<Rule> = Arc::new(rule);
        let log2 = log.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (up, log, rule) = (upstream.clone(), log2.clone(), rule.clone());
                std::thread::spawn(move || serve(client, &up, &log, &*rule));
            }
        });
        Self { url, log }
    }

    /// The uploads seen (POSTs to the streams service).
    pub fn uploads(&self) -> Vec<Seen> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|s| is_upload(s))
            .cloned()
            .collect()
    }
}

fn is_upload(s: &Seen) -> bool {
    s.method == "POST" && s.target.starts_with("/streams/")
}

fn serve(client: TcpStream, upstream: &str, log: &Mutex<Vec<Seen>>, rule: &Rule) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push_str(&line);
        }
    }
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let first = head.lines().next().unwrap_or("").to_string();
    let mut parts = first.split_whitespace();
    let seen = Seen {
        method: parts.next().unwrap_or("").to_string(),
        target: parts.next().unwrap_or("").to_string(),
        body: length,
    };
    let nth = {
        let mut log = log.lock().unwrap();
        log.push(seen.clone());
        if is_upload(&seen) {
            log.iter().filter(|s| is_upload(s)).count()
        } else {
            0
        }
    };
    let mut client = client;
    match rule(&seen, nth) {
        Fault::BadGateway => {
            let _ = client.write_all(
                b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\nConnection: close\r\n\r\nbad gateway",
            );
        }
        Fault::Hold => {
            // Keep the connection open, answering nothing, until the client goes away.
            let _ = client.set_read_timeout(Some(Duration::from_secs(600)));
            let _ = client.read(&mut [0u8; 1]);
        }
        Fault::Forward => forward(&mut client, upstream, &head, &body),
    }
    let _ = client.shutdown(Shutdown::Both);
}

fn forward(client: &mut TcpStream, upstream: &str, head: &str, body: &[u8]) {
    let mut server = TcpStream::connect(upstream).unwrap();
    let head = format!("{head}Connection: close\r\n\r\n");
    if server.write_all(head.as_bytes()).is_err() || server.write_all(body).is_err() {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match server.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if client.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
}
