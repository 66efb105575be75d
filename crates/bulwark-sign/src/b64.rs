//! Base64 as the formats use it: Go's `[]byte` JSON fields and PEM bodies are
//! standard base64 with padding; DSSE allows standard or URL-safe, and we do not
//! insist on padding anywhere we read.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);

/// Standard alphabet, padding optional.
pub(crate) fn lenient_standard() -> GeneralPurpose {
    GeneralPurpose::new(&alphabet::STANDARD, LENIENT)
}

/// Decodes standard base64, padding optional.
pub(crate) fn lenient_standard_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    lenient_standard().decode(text)
}

/// Standard base64 with padding, what Go's `encoding/json` writes for `[]byte`.
pub(crate) fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard or URL-safe base64 (never a mix of both), padding optional.
pub(crate) fn decode_std_or_url(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let url_safe = text.bytes().any(|b| b == b'-' || b == b'_');
    if url_safe {
        GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT).decode(text)
    } else {
        lenient_standard().decode(text)
    }
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
    fn accepts_both_alphabets_with_or_without_padding() {
        let bytes = [0xfbu8, 0xff, 0xfe, 0x01];
        assert_eq!(encode(&bytes), "+//+AQ==");
        for text in ["+//+AQ==", "+//+AQ", "-__-AQ==", "-__-AQ"] {
            assert_eq!(decode_std_or_url(text).unwrap(), bytes, "{text}");
        }
        assert!(decode_std_or_url("+_/-AQ==").is_err(), "mixed alphabets");
        assert!(decode_std_or_url("not base64!").is_err());
    }
}
