//! A small, bounded PEM reader and writer (RFC 7468 textual encoding).
//!
//! Readers are lenient where real key files differ (CRLF line ends, text around
//! the blocks, any line width) and strict where it matters: the END label must
//! match the BEGIN label, the body must be base64, and RFC 1421 headers
//! (`Proc-Type: 4,ENCRYPTED`, the legacy OpenSSL encryption) are refused.

use base64::Engine as _;
use zeroize::Zeroizing;

use crate::b64;
use crate::error::KeyError;

/// Largest PEM text we read. Key files are a few hundred bytes.
pub(crate) const MAX_PEM_BYTES: usize = 64 * 1024;

/// Most blocks we look at in one file (e.g. `EC PARAMETERS` + `EC PRIVATE KEY`).
const MAX_BLOCKS: usize = 8;

/// One decoded `-----BEGIN label-----` ... `-----END label-----` block.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    /// The decoded body; zeroized on drop because it may be a private key.
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// Decodes every PEM block in `text`, in order.
pub(crate) fn decode_all(text: &str) -> Result<Vec<PemBlock>, KeyError> {
    if text.len() > MAX_PEM_BYTES {
        return Err(KeyError::PemTooLarge {
            len: text.len(),
            limit: MAX_PEM_BYTES,
        });
    }
    let mut blocks = Vec::new();
    let mut lines = text
        .split('\n')
        .map(|l| l.trim_end_matches(['\r', ' ', '\t']));
    while let Some(line) = lines.next() {
        let Some(label) = line
            .trim_start()
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        else {
            continue;
        };
        if blocks.len() == MAX_BLOCKS {
            return Err(KeyError::NotPem {
                reason: format!("more than {MAX_BLOCKS} PEM blocks"),
            });
        }
        let label = label.to_owned();
        let end = format!("-----END {label}-----");
        // The base64 text of a private key is as secret as the key.
        let mut body = Zeroizing::new(String::new());
        let mut closed = false;
        for line in lines.by_ref() {
            let line = line.trim();
            if line == end {
                closed = true;
                break;
            }
            if line.starts_with("-----") {
                let complete =
                    line.starts_with("-----END ") && line.len() > 14 && line.ends_with("-----");
                let reason = if complete {
                    format!("PEM block {label:?} ends with {line:?}, expected {end:?}")
                } else {
                    format!(
                        "PEM block {label:?} is truncated: found {line:?} where {end:?} belongs"
                    )
                };
                return Err(KeyError::NotPem { reason });
            }
            if line.contains(':') {
                return Err(KeyError::NotPem {
                    reason: format!(
                        "PEM block {label:?} has RFC 1421 headers (legacy OpenSSL encryption), \
                         which are not supported"
                    ),
                });
            }
            body.push_str(line);
        }
        if !closed {
            return Err(KeyError::NotPem {
                reason: format!("PEM block {label:?} is truncated: no {end:?} line"),
            });
        }
        let der = b64::lenient_standard()
            .decode(body.as_bytes())
            .map_err(|e| KeyError::PemBase64 {
                label: label.clone(),
                reason: e.to_string(),
            })?;
        blocks.push(PemBlock {
            label,
            der: Zeroizing::new(der),
        });
    }
    if blocks.is_empty() {
        return Err(KeyError::NotPem {
            reason: "no \"-----BEGIN ...-----\" line found".to_owned(),
        });
    }
    Ok(blocks)
}

/// Encodes `der` as a PEM block with 64-column base64 lines and LF line ends,
/// the layout Go's `encoding/pem` and OpenSSL write.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    #[test]
    fn round_trip_wraps_at_64_columns() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = encode("TEST BLOCK", &der);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        let blocks = decode_all(&pem).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "TEST BLOCK");
        assert_eq!(&blocks[0].der[..], &der[..]);
    }

    #[test]
    fn tolerates_crlf_surrounding_text_and_long_lines() {
        let der = vec![7u8; 100];
        let body = base64::engine::general_purpose::STANDARD.encode(&der);
        let pem =
            format!("comment line\r\n-----BEGIN X-----\r\n{body}\r\n-----END X-----\r\ntrailer");
        let blocks = decode_all(&pem).unwrap();
        assert_eq!(&blocks[0].der[..], &der[..]);
    }

    #[test]
    fn rejects_truncated_mismatched_and_headers() {
        let pem = encode("A", b"hello");
        let long = encode("A", &[0u8; 200]);
        for cut in [10, 17, 30, 100] {
            let truncated = &long[..long.len() - cut];
            let err = decode_all(truncated).err().unwrap().to_string();
            assert!(err.contains("truncated"), "{cut}: {err}");
        }

        let mismatched = pem.replace("-----END A-----", "-----END B-----");
        let err = decode_all(&mismatched).err().unwrap().to_string();
        assert!(err.contains("expected"), "{err}");

        let headers = pem.replace(
            "-----BEGIN A-----\n",
            "-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\n",
        );
        let err = decode_all(&headers).err().unwrap().to_string();
        assert!(err.contains("RFC 1421"), "{err}");

        let err = decode_all("just text").err().unwrap().to_string();
        assert!(err.contains("no \"-----BEGIN"), "{err}");

        let bad = pem.replace("aGVsbG8=", "a*Vsb G8");
        assert!(matches!(decode_all(&bad), Err(KeyError::PemBase64 { .. })));

        let huge = "A".repeat(MAX_PEM_BYTES + 1);
        assert!(matches!(
            decode_all(&huge),
            Err(KeyError::PemTooLarge { .. })
        ));
    }
}
