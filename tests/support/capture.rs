//! A raw loopback HTTP server for transport edge cases the emulator cannot
//! produce on demand: it records every request byte for byte and answers
//! from a script (a reply, a delay, a dropped connection).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Captured {
    /// `GET /path?query HTTP/1.1`
    pub(crate) request_line: String,
    /// Header lines in wire order, names as sent.
    pub(crate) headers: Vec<(String, String)>,
    /// The raw body.
    pub(crate) body: Vec<u8>,
}

impl Captured {
    /// The value of header `name` (case-insensitive), if sent.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path and query of the request line.
    pub(crate) fn target(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or_default()
    }

    /// The body as text.
    pub(crate) fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub(crate) enum Scripted {
    /// Answer with this status, extra headers and body.
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Wait this long, then answer 200 `true` (for timeouts: the client has given up by then).
    Stall(Duration),
    /// Read the request, then close the connection without answering.
    Drop,
}

impl Scripted {
    /// A JSON answer with `status`.
    pub(crate) fn json(status: u16, body: &str) -> Scripted {
        Scripted::Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    /// A JSON answer with one extra header.
    pub(crate) fn json_with(status: u16, header: (&str, &str), body: &str) -> Scripted {
        Scripted::Reply {
            status,
            headers: vec![(header.0.into(), header.1.into())],
            body: body.to_string(),
        }
    }
}

/// The running server; stops when dropped.
#[derive(Debug)]
pub(crate) struct CaptureServer {
    addr: SocketAddr,
    captured: Arc<Mutex<Vec<Captured>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CaptureServer {
    /// Starts on 127.0.0.1; requests beyond the script get 200 `true`.
    pub(crate) fn start(script: Vec<Scripted>) -> CaptureServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let captured = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (captured.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut script = script.into_iter();
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let action = script.next().unwrap_or_else(|| Scripted::json(200, "true"));
                // A thread per connection: a stalled answer must not hold up the retry.
                let log = log.clone();
                std::thread::spawn(move || serve(stream, &log, action));
            }
        });
        CaptureServer {
            addr,
            captured,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/rest/v3.1/`
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}/rest/v3.1/", self.addr)
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<Captured> {
        self.captured.lock().unwrap().clone()
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One connection, one request (answers carry `Connection: close`).
fn serve(stream: TcpStream, log: &Mutex<Vec<Captured>>, action: Scripted) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.to_string(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    log.lock().unwrap().push(Captured {
        request_line: request_line.trim_end_matches(['\r', '\n']).to_string(),
        headers,
        body,
    });
    let mut stream = stream;
    let (status, extra, body) = match action {
        Scripted::Drop => return,
        Scripted::Stall(duration) => {
            std::thread::sleep(duration);
            (200, Vec::new(), "true".to_string())
        }
        Scripted::Reply {
            status,
            headers,
            body,
        } => (status, headers, body),
    };
    let mut response = format!(
        "HTTP/1.1 {status} Status\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&body);
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}
