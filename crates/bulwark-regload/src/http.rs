//! A minimal HTTP/1.1 client over `TcpStream`: one connection, kept alive across
//! requests, bodies written straight from memory, response bodies handed to a callback
//! without copying. Plain HTTP only (the benchmark runs on loopback).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

/// Read buffer size: large enough that a 200 MiB pull takes few syscalls.
const BUF: usize = 256 * 1024;

/// `http://host:port/path?query`, split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// `host:port`
    pub authority: String,
    /// path and query, starting with `/`
    pub path: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Self> {
        let rest = s
            .strip_prefix("http://")
            .ok_or_else(|| anyhow!("only http:// URLs are supported, got {s:?}"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (rest.get(..i).unwrap_or(rest), rest.get(i..).unwrap_or("/")),
            None => (rest, "/"),
        };
        let authority = if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        Ok(Self {
            authority,
            path: path.to_string(),
        })
    }

    /// Resolves a `Location` header against this URL (absolute URL or absolute path).
    pub fn join(&self, location: &str) -> Result<Self> {
        if location.starts_with("http://") {
            Url::parse(location)
        } else if location.starts_with('/') {
            Ok(Self {
                authority: self.authority.clone(),
                path: location.to_string(),
            })
        } else {
            bail!("unsupported relative Location {location:?}")
        }
    }
}

/// Status and headers of a response (names lowercased).
#[derive(Debug)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One keep-alive connection to one `host:port`.
pub struct Conn {
    authority: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// requests sent on the current connection
    on_this: u64,
    /// TCP connections opened so far (1 when keep-alive works)
    pub connects: u64,
    pub requests: u64,
}

impl Conn {
    pub fn new(authority: &str) -> Self {
        Self {
            authority: authority.to_string(),
            stream: None,
            buf: vec![0; BUF],
            start: 0,
            end: 0,
            on_this: 0,
            connects: 0,
            requests: 0,
        }
    }

    pub fn authority(&self) -> &str {
        &self.authority
    }

    fn connect(&mut self) -> Result<()> {
        let stream = TcpStream::connect(&self.authority)
            .with_context(|| format!("connecting to {}", self.authority))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(120)))?;
        self.stream = Some(stream);
        self.start = 0;
        self.end = 0;
        self.on_this = 0;
        self.connects += 1;
        Ok(())
    }

    fn close(&mut self) {
        self.stream = None;
        self.start = 0;
        self.end = 0;
    }

    /// Sends one request and hands the response body to `on_body` in pieces.
    /// `path` must be on this connection's host. A request on a reused connection that
    /// the server had closed is retried once on a new connection.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        on_body: &mut dyn FnMut(u16, &[u8]),
    ) -> Result<Head> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.authority);
        for (k, v) in headers {
            head.push_str(k);
            head.push_str(": ");
            head.push_str(v);
            head.push_str("\r\n");
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");

        for attempt in 0..2 {
            if self.stream.is_none() {
                self.connect()?;
            }
            let reused = self.on_this > 0;
            match self.send(head.as_bytes(), body) {
                Ok(()) => {}
                Err(e) if reused && attempt == 0 && is_stale(&e) => {
                    self.close();
                    continue;
                }
                Err(e) => return Err(e).context(format!("{method} {path}: sending")),
            }
            self.on_this += 1;
            self.requests += 1;
            let head = match self.read_head() {
                Ok(Some(h)) => h,
                Ok(None) if reused && attempt == 0 => {
                    self.close();
                    continue;
                }
                Ok(None) => bail!("{method} {path}: connection closed before a response"),
                Err(e) if reused && attempt == 0 && is_stale(&e) => {
                    self.close();
                    continue;
                }
                Err(e) => return Err(e).context(format!("{method} {path}: reading response")),
            };
            let status = head.status;
            self.read_body(method, &head, &mut |b| on_body(status, b))
                .with_context(|| format!("{method} {path}: reading body"))?;
            let close = head
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
            if close {
                self.close();
            }
            return Ok(head);
        }
        bail!("{method} {path}: connection closed twice")
    }

    /// Like [`Conn::request`], collecting the body (for small answers).
    pub fn request_collect(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(Head, Vec<u8>)> {
        let mut out = Vec::new();
        let head = self.request(method, path, headers, body, &mut |_, b| {
            out.extend_from_slice(b)
        })?;
        Ok((head, out))
    }

    fn send(&mut self, head: &[u8], body: &[u8]) -> Result<()> {
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| anyhow!("not connected"))?;
        if body.len() <= 64 * 1024 {
            let mut one = Vec::with_capacity(head.len() + body.len());
            one.extend_from_slice(head);
            one.extend_from_slice(body);
            stream.write_all(&one)?;
        } else {
            stream.write_all(head)?;
            stream.write_all(body)?;
        }
        Ok(())
    }

    /// Reads more bytes after `end`; returns how many (0 at EOF).
    fn fill(&mut self) -> Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == self.buf.len() {
                bail!("response header larger than {} bytes", self.buf.len());
            }
        }
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| anyhow!("not connected"))?;
        let tail = self
            .buf
            .get_mut(self.end..)
            .ok_or_else(|| anyhow!("buffer state"))?;
        let n = loop {
            match stream.read(tail) {
                Ok(n) => break n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        self.end += n;
        Ok(n)
    }

    fn buffered(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// Reads a line ending in CRLF (without it).
    fn read_line(&mut self) -> Result<String> {
        loop {
            if let Some(i) = self.buffered().windows(2).position(|w| w == b"\r\n") {
                let line =
                    String::from_utf8_lossy(self.buffered().get(..i).unwrap_or(&[])).into_owned();
                self.start += i + 2;
                return Ok(line);
            }
            if self.fill()? == 0 {
                bail!("connection closed in the middle of a line");
            }
        }
    }

    fn read_head(&mut self) -> Result<Option<Head>> {
        let end = loop {
            if let Some(i) = self.buffered().windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if self.fill()? == 0 {
                if self.buffered().is_empty() {
                    return Ok(None);
                }
                bail!("connection closed inside the response header");
            }
        };
        let text = String::from_utf8_lossy(self.buffered().get(..end).unwrap_or(&[])).into_owned();
        self.start += end + 4;
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("bad status line {status_line:?}"))?;
        let headers = lines
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
            })
            .collect();
        Ok(Some(Head { status, headers }))
    }

    fn read_body(
        &mut self,
        method: &str,
        head: &Head,
        on_body: &mut dyn FnMut(&[u8]),
    ) -> Result<()> {
        if method == "HEAD" || head.status / 100 == 1 || head.status == 204 || head.status == 304 {
            return Ok(());
        }
        let chunked = head
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            loop {
                let line = self.read_line()?;
                let size_text = line.split(';').next().unwrap_or("").trim();
                let size = u64::from_str_radix(size_text, 16)
                    .with_context(|| format!("bad chunk size {line:?}"))?;
                if size == 0 {
                    // trailers up to an empty line
                    while !self.read_line()?.is_empty() {}
                    return Ok(());
                }
                self.read_exact_to(size, on_body)?;
                let crlf = self.read_line()?;
                if !crlf.is_empty() {
                    bail!("missing CRLF after a chunk");
                }
            }
        }
        if let Some(len) = head.header("content-length") {
            let len: u64 = len
                .parse()
                .with_context(|| format!("bad Content-Length {len:?}"))?;
            return self.read_exact_to(len, on_body);
        }
        // Neither: the body runs to EOF and the connection is done.
        loop {
            let b = self.buffered();
            if !b.is_empty() {
                on_body(b);
            }
            self.start = self.end;
            if self.fill()? == 0 {
                break;
            }
        }
        self.close();
        Ok(())
    }

    fn read_exact_to(&mut self, mut left: u64, on_body: &mut dyn FnMut(&[u8])) -> Result<()> {
        while left > 0 {
            if self.start == self.end && self.fill()? == 0 {
                bail!("connection closed with {left} body bytes still to come");
            }
            let avail = self.end - self.start;
            let take = usize::try_from(left).unwrap_or(usize::MAX).min(avail);
            on_body(self.buf.get(self.start..self.start + take).unwrap_or(&[]));
            self.start += take;
            left -= take as u64;
        }
        Ok(())
    }
}

fn is_stale(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>().is_some_and(|io| {
        matches!(
            io.kind(),
            ErrorKind::BrokenPipe
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::UnexpectedEof
        )
    })
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Bearer realm="...",service="..."` -> scheme and parameters.
pub fn parse_challenge(value: &str) -> (String, Vec<(String, String)>) {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let after = after.trim_start();
        let (val, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.find('"') {
                Some(i) => (
                    quoted.get(..i).unwrap_or(""),
                    quoted.get(i + 1..).unwrap_or(""),
                ),
                None => (quoted, ""),
            }
        } else {
            match after.find(',') {
                Some(i) => (after.get(..i).unwrap_or(""), after.get(i..).unwrap_or("")),
                None => (after, ""),
            }
        };
        params.push((key, val.to_string()));
        rest = remaining.trim().trim_start_matches(',').trim();
    }
    (scheme.to_string(), params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="http://127.0.0.1:5000/service/token",service="bulwark",scope="repository:a/b:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(
            p,
            vec![
                ("realm".into(), "http://127.0.0.1:5000/service/token".into()),
                ("service".into(), "bulwark".into()),
                ("scope".into(), "repository:a/b:pull".into())
            ]
        );
    }

    #[test]
    fn urls() -> Result<()> {
        let u = Url::parse("http://127.0.0.1:5000")?;
        assert_eq!(u.path, "/");
        let j = u.join("/v2/x/blobs/uploads/abc?_state=1")?;
        assert_eq!(j.authority, "127.0.0.1:5000");
        assert_eq!(Url::parse("http://h/x")?.authority, "h:80");
        Ok(())
    }
}
