//! The emulator's HTTP/1.1: reading one request off a connection within
//! fixed bounds, and writing one response in a single write.
//!
//! The emulator owns its sockets (std::net, a thread per connection) so
//! that nothing a client sends can exhaust it: the request line, the header
//! section and the body are bounded, and a request that breaks a bound or
//! the syntax (bytes outside printable ASCII in the request line, for one)
//! gets an HTTP error answer before the connection closes, never a silent
//! close. Owning the socket is also what lets a response be lost on purpose
//! (the lost-response fault): the connection is shut without a byte.

use std::io::{self, BufRead, Read, Write};

use jiff::Timestamp;

/// Longest request line (method, target, version), in bytes: 414 beyond.
pub(crate) const MAX_REQUEST_LINE: usize = 64 * 1024;
/// Largest header section (all header lines together), in bytes: 431 beyond.
pub(crate) const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Most header lines: 431 beyond.
pub(crate) const MAX_HEADERS: usize = 100;
/// Largest request body, in bytes: 413 beyond.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;

/// One request as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// The method as sent (`GET`, `post`...).
    pub(crate) method: String,
    /// The request target (`/rest/v3.1/...?...`), printable ASCII.
    pub(crate) target: String,
    /// `(1, 0)` or `(1, 1)`.
    pub(crate) version: (u8, u8),
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// The first header called `name` (any case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the connection stays open after the answer.
    pub(crate) fn keep_alive(&self) -> bool {
        let connection = self.header("Connection").map(str::to_ascii_lowercase);
        match connection.as_deref() {
            Some(c) if c.contains("close") => false,
            Some(c) if c.contains("keep-alive") => true,
            _ => self.version >= (1, 1),
        }
    }
}

/// What reading one request gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Incoming {
    Request(Request),
    /// The request breaks a bound or the syntax: answer `status` with
    /// `message`, then close (where the next request would start is
    /// unknown).
    Refused {
        status: u16,
        message: String,
    },
    /// The client closed (or the socket failed) before a whole request.
    Closed,
}

fn refused(status: u16, message: impl Into<String>) -> Incoming {
    Incoming::Refused {
        status,
        message: message.into(),
    }
}

/// One line (without its CRLF or LF) of at most `limit` bytes. `Ok(None)`
/// at end of input; `Err(())` when the line is longer than `limit`.
fn read_line(reader: &mut impl BufRead, limit: usize) -> io::Result<Result<Option<Vec<u8>>, ()>> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(limit as u64 + 2)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(Ok(None));
    }
    if line.last() != Some(&b'\n') {
        // Either the line is too long, or the input ended mid-line.
        return Ok(if line.len() > limit {
            Err(())
        } else {
            Ok(None)
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(if line.len() > limit {
        Err(())
    } else {
        Ok(Some(line))
    })
}

fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
}

/// Reads the next request. `interim` receives `100 Continue` when the
/// client waits for it before sending its body.
pub(crate) fn read_request(reader: &mut impl BufRead, interim: &mut impl Write) -> Incoming {
    match try_read(reader, interim) {
        Ok(incoming) => incoming,
        Err(_) => Incoming::Closed,
    }
}

fn try_read(reader: &mut impl BufRead, interim: &mut impl Write) -> io::Result<Incoming> {
    // A few empty lines before a request are tolerated (RFC 9112 2.2).
    let mut line = None;
    for _ in 0..4 {
        match read_line(reader, MAX_REQUEST_LINE)? {
            Err(()) => return Ok(refused(414, "Request line too long.")),
            Ok(None) => return Ok(Incoming::Closed),
            Ok(Some(l)) if l.is_empty() => {}
            Ok(Some(l)) => {
                line = Some(l);
                break;
            }
        }
    }
    let Some(line) = line else {
        return Ok(refused(400, "Bad request"));
    };
    if !line.iter().all(|b| (0x20..0x7f).contains(b)) {
        return Ok(refused(
            400,
            "Bad request: the request line holds bytes that are not printable ASCII.",
        ));
    }
    let parts: Vec<&[u8]> = line.split(|b| *b == b' ').collect();
    let [method, target, version] = parts[..] else {
        return Ok(refused(400, "Bad request: malformed request line."));
    };
    if !is_token(method) || target.is_empty() {
        return Ok(refused(400, "Bad request: malformed request line."));
    }
    let version = match version {
        b"HTTP/1.1" => (1, 1),
        b"HTTP/1.0" => (1, 0),
        v if v.starts_with(b"HTTP/") => {
            return Ok(refused(505, "Only HTTP/1.0 and HTTP/1.1 are served."));
        }
        _ => return Ok(refused(400, "Bad request: malformed request line.")),
    };
    let mut headers = Vec::new();
    let mut header_bytes = 0usize;
    loop {
        let remaining = MAX_HEADER_BYTES.saturating_sub(header_bytes);
        let Some(line) = (match read_line(reader, remaining)? {
            Err(()) => return Ok(refused(431, "Request header fields too large.")),
            Ok(l) => l,
        }) else {
            return Ok(Incoming::Closed);
        };
        if line.is_empty() {
            break;
        }
        header_bytes += line.len() + 2;
        if headers.len() == MAX_HEADERS {
            return Ok(refused(431, "Request header fields too large."));
        }
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            return Ok(refused(400, "Bad request: malformed header line."));
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        // No obsolete line folding, no control characters in values.
        if !is_token(name)
            || value
                .iter()
                .any(|b| (*b < 0x20 && *b != b'\t') || *b == 0x7f)
        {
            return Ok(refused(400, "Bad request: malformed header line."));
        }
        headers.push((
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).trim().to_owned(),
        ));
    }
    let mut request = Request {
        method: String::from_utf8_lossy(method).into_owned(),
        target: String::from_utf8_lossy(target).into_owned(),
        version,
        headers,
        body: Vec::new(),
    };
    let chunked = request
        .header("Transfer-Encoding")
        .is_some_and(|te| te.to_ascii_lowercase().trim_end().ends_with("chunked"));
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
        .map(|(_, v)| v.as_str())
        .collect();
    let length = match lengths.first() {
        None => None,
        Some(first) if lengths.iter().all(|l| l == first) => match first.parse::<u64>() {
            Ok(n) if first.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Ok(refused(400, "Bad request: invalid Content-Length.")),
        },
        Some(_) => return Ok(refused(400, "Bad request: conflicting Content-Length.")),
    };
    if let Some(n) = length
        && n > MAX_BODY as u64
    {
        return Ok(refused(413, "Request body too large."));
    }
    let expects_body = chunked || length.is_some_and(|n| n > 0);
    if expects_body
        && version == (1, 1)
        && request
            .header("Expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        interim.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        interim.flush()?;
    }
    if chunked {
        match read_chunked(reader)? {
            Ok(Some(body)) => request.body = body,
            Ok(None) => return Ok(Incoming::Closed),
            Err(status) => return Ok(refused(status, chunk_message(status))),
        }
    } else if let Some(n) = length {
        let mut body = Vec::new();
        reader.by_ref().take(n).read_to_end(&mut body)?;
        if body.len() as u64 != n {
            return Ok(Incoming::Closed);
        }
        request.body = body;
    }
    Ok(Incoming::Request(request))
}

fn chunk_message(status: u16) -> &'static str {
    if status == 413 {
        "Request body too large."
    } else {
        "Bad request: malformed chunked body."
    }
}

/// A chunked body within [`MAX_BODY`]; `Ok(None)` when the input ended,
/// `Err(status)` when it is malformed or too large.
fn read_chunked(reader: &mut impl BufRead) -> io::Result<Result<Option<Vec<u8>>, u16>> {
    let mut body = Vec::new();
    loop {
        let Ok(size_line) = read_line(reader, 1024)? else {
            return Ok(Err(400));
        };
        let Some(size_line) = size_line else {
            return Ok(Ok(None));
        };
        let size_text = String::from_utf8_lossy(&size_line);
        let digits = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(digits, 16) else {
            return Ok(Err(400));
        };
        if size == 0 {
            // Trailers, up to the empty line.
            let mut trailer_bytes = 0;
            loop {
                match read_line(reader, MAX_HEADER_BYTES)? {
                    Err(()) => return Ok(Err(400)),
                    Ok(None) => return Ok(Ok(None)),
                    Ok(Some(l)) if l.is_empty() => return Ok(Ok(Some(body))),
                    Ok(Some(l)) => {
                        trailer_bytes += l.len();
                        if trailer_bytes > MAX_HEADER_BYTES {
                            return Ok(Err(400));
                        }
                    }
                }
            }
        }
        if body.len().saturating_add(size) > MAX_BODY {
            return Ok(Err(413));
        }
        let before = body.len();
        reader.by_ref().take(size as u64).read_to_end(&mut body)?;
        if body.len() - before != size {
            return Ok(Ok(None));
        }
        match read_line(reader, 0)? {
            Ok(Some(_)) => {}
            Ok(None) => return Ok(Ok(None)),
            Err(()) => return Ok(Err(400)),
        }
    }
}

/// The reason phrase of a status.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// One JSON response.
#[derive(Debug)]
pub(crate) struct Response<'a> {
    pub(crate) status: u16,
    pub(crate) body: &'a [u8],
    /// Extra headers (`SoftLayer-Total-Items`, `Allow`).
    pub(crate) headers: Vec<(&'static str, String)>,
    /// Say `Connection: close` (the connection closes after it).
    pub(crate) close: bool,
}

/// Writes `response` for a request of `version`; the status line, headers
/// and body leave in one write. (Written in two, a small head segment still
/// unacknowledged makes Nagle's algorithm hold the body until the client's
/// delayed ACK, 40 ms on Linux, on every reused connection.) `head_only`
/// leaves the body out (HEAD), keeping its `Content-Length`.
pub(crate) fn write_response(
    out: &mut impl Write,
    version: (u8, u8),
    head_only: bool,
    response: &Response<'_>,
) -> io::Result<()> {
    let date = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&Timestamp::now())
        .unwrap_or_default();
    let mut head = format!(
        "HTTP/{}.{} {} {}\r\nServer: softlayer-emulator\r\nDate: {date}\r\nContent-Type: application/json\r\n",
        version.0,
        version.1,
        response.status,
        reason(response.status),
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if response.close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", response.body.len()));
    let mut message = head.into_bytes();
    if !head_only {
        message.extend_from_slice(response.body);
    }
    out.write_all(&message)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn read(bytes: &[u8]) -> (Incoming, Vec<u8>) {
        let mut interim = Vec::new();
        let incoming = read_request(&mut Cursor::new(bytes), &mut interim);
        (incoming, interim)
    }

    fn request(bytes: &[u8]) -> Request {
        match read(bytes).0 {
            Incoming::Request(r) => r,
            other => panic!("{other:?}"),
        }
    }

    fn status(bytes: &[u8]) -> u16 {
        match read(bytes).0 {
            Incoming::Refused { status, .. } => status,
            other => panic!("{other:?}"),
        }
    }

    /// Requests with and without bodies, chunked bodies, keep-alive rules.
    #[test]
    fn reads_requests() {
        let r = request(b"GET /rest/v3.1/X/getObject.json?a=b HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YTpi\r\n\r\n");
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, "/rest/v3.1/X/getObject.json?a=b");
        assert_eq!(r.header("authorization"), Some("Basic YTpi"));
        assert!(r.keep_alive());
        let r = request(b"POST /x HTTP/1.0\r\nContent-Length: 4\r\n\r\nbody");
        assert_eq!(r.body, b"body");
        assert!(!r.keep_alive());
        let r = request(b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nTrailer: 1\r\n\r\n");
        assert_eq!(r.body, b"abcde");
        assert!(!r.keep_alive());
        // Bare LF line ends are read too.
        assert_eq!(request(b"GET / HTTP/1.1\nHost: h\n\n").target, "/");
        // A header value may carry obs-text; it is read lossily.
        let r = request(b"GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9 \xff\r\n\r\n");
        assert_eq!(r.header("X-Name"), Some("caf\u{e9} \u{fffd}"));
    }

    /// A client waiting for `100 Continue` gets it before its body is read.
    #[test]
    fn answers_expect_continue() {
        let (incoming, interim) =
            read(b"POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
        assert!(matches!(incoming, Incoming::Request(r) if r.body == b"{}"));
        assert_eq!(interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    /// Every bound and syntax error is refused with its status; a closed
    /// connection is Closed.
    #[test]
    fn refuses_what_breaks_bounds_or_syntax() {
        let long_target = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_REQUEST_LINE));
        assert_eq!(status(long_target.as_bytes()), 414);
        let fits = format!(
            "GET /{} HTTP/1.1\r\n\r\n",
            "a".repeat(MAX_REQUEST_LINE - 20)
        );
        assert!(matches!(read(fits.as_bytes()).0, Incoming::Request(_)));
        let big_header = format!(
            "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
            "a".repeat(MAX_HEADER_BYTES)
        );
        assert_eq!(status(big_header.as_bytes()), 431);
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: 1\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(status(many.as_bytes()), 431);
        assert_eq!(status(b"GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET /\xff\xfe HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET /\x01 HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), 505);
        assert_eq!(status(b"GET /\r\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\nNo colon\r\n\r\n"), 400);
        assert_eq!(status(b"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n"), 400);
        assert_eq!(status(b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"), 400);
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            400
        );
        let too_big = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert_eq!(status(too_big.as_bytes()), 413);
        let chunk = format!(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            MAX_BODY + 1
        );
        assert_eq!(status(chunk.as_bytes()), 413);
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            400
        );
        assert_eq!(read(b"").0, Incoming::Closed);
        assert_eq!(read(b"GET / HTTP/1.1\r\nHost: h").0, Incoming::Closed);
        assert_eq!(
            read(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nshort").0,
            Incoming::Closed
        );
    }

    /// A response is one message with its length, and `close` when asked.
    #[test]
    fn writes_responses() {
        let mut out = Vec::new();
        let response = Response {
            status: 404,
            body: b"{}",
            headers: vec![("SoftLayer-Total-Items", "3".into())],
            close: true,
        };
        write_response(&mut out, (1, 1), false, &response).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"), "{text}");
        assert!(text.contains("\r\nSoftLayer-Total-Items: 3\r\n"));
        assert!(text.contains("\r\nConnection: close\r\n"));
        assert!(text.ends_with("Content-Length: 2\r\n\r\n{}"));
        let mut out = Vec::new();
        write_response(&mut out, (1, 0), true, &response).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .ends_with("Content-Length: 2\r\n\r\n")
        );
    }
}
