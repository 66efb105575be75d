//! `Key: value` header blocks in the style of RFC 822, as Python core metadata
//! (`METADATA`, `PKG-INFO`) and Debian control files write them.
//!
//! A block ends at the first blank line. A line starting with a space or tab continues the
//! previous value; it is appended after a newline with its leading whitespace removed.
//! Lines that are neither a header nor a continuation are skipped.

/// The headers of one block, in file order; a key may repeat (`Classifier`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Headers {
    fields: Vec<(String, String)>,
}

impl Headers {
    /// Parses the first block of `text` (up to the first blank line).
    pub(crate) fn parse(text: &str) -> Self {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            if line.trim().is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = fields.last_mut() {
                    value.push('\n');
                    value.push_str(line.trim());
                }
                continue;
            }
            if let Some((key, value)) = line.split_once(':') {
                let key = key.trim();
                if !key.is_empty() && !key.contains(' ') {
                    fields.push((key.to_string(), value.trim().to_string()));
                }
            }
        }
        Self { fields }
    }

    /// The first value of `key` (case-insensitive), if it is present and not empty.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key` (case-insensitive), in file order.
    pub(crate) fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// The blank-line separated blocks of `text`, each non-empty (Debian `status` files).
pub(crate) fn paragraphs(text: &str) -> impl Iterator<Item = Headers> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            rest = rest.trim_start_matches(['\n', '\r']);
            let first = rest.lines().next()?;
            if !first.trim().is_empty() {
                break;
            }
            let skip = rest.find('\n').map_or(rest.len(), |i| i + 1);
            rest = rest.get(skip..).unwrap_or("");
        }
        let end = blank_line_end(rest);
        let (block, tail) = rest.split_at(end);
        rest = tail;
        Some(Headers::parse(block))
    })
    .filter(|h| !h.is_empty())
}

/// Byte offset just past the block at the start of `text` (at its terminating blank line).
fn blank_line_end(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            return offset;
        }
        offset += line.len();
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_repeats_and_body() {
        let h = Headers::parse(
            "Metadata-Version: 2.1\nName: Jinja2\nClassifier: A\nclassifier: B\nDescription: x\n        more\n\nName: body\n",
        );
        assert_eq!(h.get("name"), Some("Jinja2"));
        assert_eq!(h.get_all("Classifier").collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(h.get("Description"), Some("x\nmore"));
        assert_eq!(h.get("Missing"), None);
    }

    #[test]
    fn several_paragraphs() {
        let text = "\n\nPackage: a\nVersion: 1\n\n \n\nPackage: b\r\nVersion: 2\r\n";
        let names: Vec<String> = paragraphs(text)
            .filter_map(|h| h.get("Package").map(str::to_string))
            .collect();
        assert_eq!(names, ["a", "b"]);
    }
}
