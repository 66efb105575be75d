//! Assertions on registry answers that turn into readable failure messages.

use super::{Stop, Verdict, ensure};
use crate::content;
use crate::http::{Response, url};
use crate::oci_error::error_codes;

/// The answer has one of the `expected` statuses.
pub(crate) fn status(response: &Response, expected: &[u16]) -> Verdict {
    if expected.contains(&response.status) {
        return Ok(());
    }
    let wanted: Vec<String> = expected.iter().map(u16::to_string).collect();
    Err(Stop::Fail(format!(
        "{} answered {}, expected {}{}",
        response.describe(),
        response.status,
        wanted.join(" or "),
        body_excerpt(response)
    )))
}

/// `: <start of the body>` for messages, or nothing when the body is empty.
fn body_excerpt(response: &Response) -> String {
    if response.body.is_empty() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&response.body);
    let excerpt: String = text.chars().take(200).collect();
    format!(": {}", excerpt.trim())
}

/// The value of a header the answer must carry.
pub(crate) fn header<'r>(response: &'r Response, name: &str) -> Result<&'r str, Stop> {
    response.header(name).ok_or_else(|| {
        Stop::Fail(format!(
            "{} answered without a {name} header",
            response.describe()
        ))
    })
}

/// The `Location` header, resolved to an absolute URL.
pub(crate) fn location(response: &Response) -> Result<String, Stop> {
    let value = header(response, "location")?;
    ensure!(
        !value.trim().is_empty(),
        "{} answered with an empty Location header",
        response.describe()
    );
    Ok(url::resolve(&response.url, value.trim()))
}

/// `Docker-Content-Digest`, when present, is `digest`, or a digest of `bytes` in another
/// algorithm (a registry may answer with its canonical algorithm); with `required`, it must
/// be present.
pub(crate) fn digest_header(
    response: &Response,
    digest: &str,
    bytes: &[u8],
    required: bool,
) -> Verdict {
    let Some(found) = response.header("docker-content-digest").map(str::trim) else {
        ensure!(
            !required,
            "{} answered without a Docker-Content-Digest header",
            response.describe()
        );
        return Ok(());
    };
    let algorithm = |d: &str| d.split(':').next().unwrap_or_default().to_owned();
    let matches = found == digest
        || (algorithm(found) != algorithm(digest)
            && content::digest_with(&algorithm(found), bytes).as_deref() == Some(found));
    ensure!(
        matches,
        "{} answered Docker-Content-Digest {found}, expected {digest}",
        response.describe()
    );
    Ok(())
}

/// The body is exactly `expected`.
pub(crate) fn body(response: &Response, expected: &[u8]) -> Verdict {
    ensure!(
        response.body == expected,
        "{} answered a body of {} bytes that differs from the {} bytes pushed",
        response.describe(),
        response.body.len(),
        expected.len()
    );
    Ok(())
}

/// `Content-Length` is present and equals `len`.
pub(crate) fn content_length(response: &Response, len: usize) -> Verdict {
    let value = header(response, "content-length")?;
    ensure!(
        value.trim().parse::<usize>().ok() == Some(len),
        "{} answered Content-Length {value}, expected {len}",
        response.describe()
    );
    Ok(())
}

/// `Content-Type`, without parameters, equals `media_type`.
pub(crate) fn content_type(response: &Response, media_type: &str) -> Verdict {
    let value = header(response, "content-type")?;
    let bare = value.split(';').next().unwrap_or(value).trim();
    ensure!(
        bare.eq_ignore_ascii_case(media_type),
        "{} answered Content-Type {value}, expected {media_type}",
        response.describe()
    );
    Ok(())
}

/// The body is an error in the specification's format, with codes from its list, one of
/// them in `expected`.
pub(crate) fn error_code(response: &Response, expected: &[&str]) -> Verdict {
    let codes = error_codes(&response.body)
        .map_err(|problem| Stop::Fail(format!("{}: {problem}", response.describe())))?;
    ensure!(
        codes.iter().any(|code| expected.contains(&code.as_str())),
        "{} answered error codes {codes:?}, expected {}",
        response.describe(),
        expected.join(" or ")
    );
    Ok(())
}

/// A refused operation: 400 or 405, and, when the body is JSON, the `UNSUPPORTED` code.
pub(crate) fn refused(response: &Response) -> Verdict {
    status(response, &[400, 405])?;
    if serde_json::from_slice::<serde_json::Value>(&response.body).is_ok() {
        error_code(response, &["UNSUPPORTED"])?;
    }
    Ok(())
}
