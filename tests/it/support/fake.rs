//! The in-process fake server, for what the real one cannot do on demand: per request it can
//! reset the connection before any header, cut a body at any byte, stall it, trickle it slowly,
//! stream it repeated, or answer any status and headers (a raw std `TcpListener`, one thread per
//! connection, `Connection: close`). Every request is logged so tests can bound how many were
//! sent. `registry` holds the registry answers (versions, lineage, runs) the suites serve,
//! `store` a run's files as the streams service lists and serves them.

mod registry;
mod store;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use registry::*;
pub use store::*;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub path: String,
    pub query: String,
    pub headers: HashMap<String, String>,
}

impl Req {
    /// A query parameter, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// An answer.
#[derive(Debug, Clone, Default)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Close the connection after this many body bytes (Content-Length stays the full size).
    pub cut_at: Option<usize>,
    /// Send this many body bytes, then go silent for a minute.
    pub stall_at: Option<usize>,
    /// Instead of `body`: `body` repeated this many times, streamed (never held whole).
    pub repeat: Option<usize>,
    /// Send the body `n` bytes at a time with a pause between chunks.
    pub trickle: Option<(usize, Duration)>,
    /// No Content-Length: the body is sent again and again until the client goes away.
    pub endless: bool,
}

/// What to do with a request.
#[derive(Debug, Clone)]
pub enum Act {
    /// Close the socket with the request unread: the client sees a reset before any header.
    Reset,
    Send(Resp),
}

impl From<Resp> for Act {
    fn from(resp: Resp) -> Self {
        Act::Send(resp)
    }
}

/// An answer with this status and body (headers and faults can be added with `..`).
pub fn reply(status: u16, body: impl Into<Vec<u8>>) -> Resp {
    Resp {
        status,
        body: body.into(),
        ..Default::default()
    }
}

pub fn ok(body: impl Into<Vec<u8>>) -> Act {
    status(200, body)
}

pub fn status(code: u16, body: impl Into<Vec<u8>>) -> Act {
    Act::Send(reply(code, body))
}

pub fn with_header(act: Act, name: &str, value: &str) -> Act {
    match act {
        Act::Send(mut r) => {
            r.headers.push((name.to_string(), value.to_string()));
            Act::Send(r)
        }
        other => other,
    }
}

/// `body` cut after `fraction` of its bytes.
pub fn cut(body: &[u8], fraction: f64) -> Act {
    Act::Send(Resp {
        status: 200,
        body: body.to_vec(),
        cut_at: Some((body.len() as f64 * fraction) as usize),
        ..Default::default()
    })
}

pub fn trickle(body: &[u8], chunk: usize, pause: Duration) -> Act {
    Act::Send(Resp {
        status: 200,
        body: body.to_vec(),
        trickle: Some((chunk, pause)),
        ..Default::default()
    })
}

type Handler = dyn Fn(&Req, usize) -> Act + Send + Sync;

/// A running fake server (it lives until the test process ends).
pub struct Server {
    pub url: String,
    pub log: Arc<Mutex<Vec<Req>>>,
}

impl Server {
    /// `handler(req, nth)` answers an [`Act`] or a [`Resp`]; nth counts the requests to the same
    /// path and query so far, this one included.
    pub fn start<A: Into<Act>>(handler: impl Fn(&Req, usize) -> A + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Req>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(move |req, nth| handler(req, nth).into());
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, handler) = (log2.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &log, &*handler));
            }
        });
        Self { url, log }
    }

    /// How many requests had a path ending with `suffix`.
    pub fn count(&self, suffix: &str) -> usize {
        let log = self.log.lock().unwrap();
        log.iter().filter(|r| r.path.ends_with(suffix)).count()
    }

    pub fn total(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// The requests whose path ends with `path_suffix` (and with `param` in the query, if given).
    pub fn hits(&self, path_suffix: &str, param: Option<(&str, &str)>) -> Vec<Req> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.ends_with(path_suffix))
            .filter(|r| param.is_none_or(|(k, v)| r.param(k).as_deref() == Some(v)))
            .cloned()
            .collect()
    }
}

/// Peeks until the request head is in the socket buffer; returns it and its length.
fn peek_head(stream: &TcpStream) -> Option<(String, usize)> {
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..1000 {
        let n = stream.peek(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        if let Some(end) = buf[..n].windows(4).position(|w| w == b"\r\n\r\n") {
            return Some((String::from_utf8_lossy(&buf[..end]).into_owned(), end + 4));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

fn parse(head: &str) -> Req {
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let mut parts = first.split_whitespace();
    let _method = parts.next();
    let target = parts.next().unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Req {
        path: path.to_string(),
        query: query.to_string(),
        headers,
    }
}

fn serve(mut stream: TcpStream, log: &Mutex<Vec<Req>>, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((head, len)) = peek_head(&stream) else {
        return;
    };
    let req = parse(&head);
    let nth = {
        let mut log = log.lock().unwrap();
        log.push(req.clone());
        let same = |r: &&Req| r.path == req.path && r.query == req.query;
        log.iter().filter(same).count()
    };
    let resp = match handler(&req, nth) {
        // Unread data in the receive buffer makes the close a TCP reset.
        Act::Reset => return drop(stream),
        Act::Send(r) => r,
    };
    let body_len: usize = req
        .headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut sink = vec![0u8; len + body_len];
    if stream.read_exact(&mut sink).is_err() {
        return;
    }
    let _ = write_response(&mut stream, &resp);
}

fn write_response(out: &mut TcpStream, r: &Resp) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", r.status);
    if !r.endless {
        let length = r.body.len() * r.repeat.unwrap_or(1);
        head.push_str(&format!("Content-Length: {length}\r\n"));
    }
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if r.endless {
        loop {
            out.write_all(&r.body)?;
        }
    }
    if let Some(n) = r.repeat {
        for _ in 0..n {
            out.write_all(&r.body)?;
        }
        return out.flush();
    }
    let send = r.cut_at.or(r.stall_at).unwrap_or(r.body.len());
    let send = &r.body[..send.min(r.body.len())];
    match r.trickle {
        Some((n, pause)) => {
            for chunk in send.chunks(n.max(1)) {
                out.write_all(chunk)?;
                out.flush()?;
                std::thread::sleep(pause);
            }
        }
        None => out.write_all(send)?,
    }
    out.flush()?;
    if r.stall_at.is_some() {
        std::thread::sleep(Duration::from_secs(60));
    }
    Ok(())
}
