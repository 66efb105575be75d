//! Helpers shared by the schemes: numbers of any length, and splitting strings without
//! indexing.

use std::cmp::Ordering;

/// A non-negative integer of any length, kept as its digits without leading zeros and
/// compared by value, so no version component can overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Num<'a>(&'a [u8]);

impl<'a> Num<'a> {
    /// `digits` must be ASCII digits (possibly empty, which reads as zero).
    pub(crate) fn new(digits: &'a str) -> Self {
        Self::from_bytes(digits.as_bytes())
    }

    /// Like [`Num::new`], from bytes.
    pub(crate) fn from_bytes(digits: &'a [u8]) -> Self {
        let zeros = digits.iter().take_while(|&&b| b == b'0').count();
        Num(digits.get(zeros..).unwrap_or_default())
    }

    pub(crate) const ZERO: Num<'static> = Num(b"");

    pub(crate) fn is_zero(self) -> bool {
        self.0.is_empty()
    }
}

impl Ord for Num<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(other.0))
    }
}

impl PartialOrd for Num<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Splits `s` after its first `n` bytes; everything to the left if `n` is out of range or
/// not on a character boundary.
pub(crate) fn split(s: &str, n: usize) -> (&str, &str) {
    s.split_at_checked(n).unwrap_or((s, ""))
}

/// Splits off the longest prefix whose characters all satisfy `f`.
pub(crate) fn take_while(s: &str, f: impl Fn(char) -> bool) -> (&str, &str) {
    let n = s.find(|c: char| !f(c)).unwrap_or(s.len());
    split(s, n)
}

/// Splits off the leading ASCII digits.
pub(crate) fn digits(s: &str) -> (&str, &str) {
    take_while(s, |c| c.is_ascii_digit())
}

/// Splits off the leading ASCII digits of a byte string.
pub(crate) fn digit_bytes(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
    s.split_at_checked(n).unwrap_or((s, b""))
}

/// Strips `prefix` from the start of `s`, ignoring ASCII case.
pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let (head, rest) = s.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

/// Is `s` a non-empty run of ASCII digits?
pub(crate) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value_at_any_length() {
        assert_eq!(Num::new("007"), Num::new("7"));
        assert!(Num::new("10") > Num::new("9"));
        assert!(Num::new("") == Num::ZERO && Num::new("000").is_zero());
        let big = "123456789012345678901234567890123456789";
        assert!(Num::new(big) > Num::new("99999999999999999999"));
    }

    #[test]
    fn splitting_never_panics() {
        assert_eq!(split("héllo", 2), ("héllo", ""));
        assert_eq!(split("abc", 10), ("abc", ""));
        assert_eq!(digits("12ab"), ("12", "ab"));
        assert_eq!(strip_prefix_ci("GO1.2", "go"), Some("1.2"));
        assert_eq!(strip_prefix_ci("é", "go"), None);
    }
}
