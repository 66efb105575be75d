//! Turning tar entry names into safe absolute image paths.

/// What a raw tar entry name means once normalized.
#[derive(Debug, PartialEq, Eq)]
pub enum EntryPath {
    /// A normal path, absolute and normalized: `/etc/os-release`. `/` itself is `Root`.
    Path(String),
    /// The archive root (`./`).
    Root,
    /// The name contains `..`: it could point outside the image root and is skipped.
    Escapes,
}

/// Normalizes a tar entry name: drops `.` and empty components and any leading `/`
/// (absolute names are taken relative to the image root, as container runtimes do), and
/// refuses names with `..` components.
pub fn normalize(raw: &str) -> EntryPath {
    let mut out = String::with_capacity(raw.len() + 1);
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return EntryPath::Escapes,
            p => {
                out.push('/');
                out.push_str(p);
            }
        }
    }
    if out.is_empty() {
        EntryPath::Root
    } else {
        EntryPath::Path(out)
    }
}

/// The parent directory of an absolute path (`/a/b` -> `/a`, `/a` -> `/`).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => path.get(..i).unwrap_or("/"),
    }
}

/// Every proper ancestor of an absolute path, nearest first, excluding `/`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut current = path;
    std::iter::from_fn(move || {
        let p = parent(current);
        if p == "/" || p == current {
            None
        } else {
            current = p;
            Some(p)
        }
    })
}

/// Joins a directory and a name.
pub fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names() {
        assert_eq!(
            normalize("./etc/passwd"),
            EntryPath::Path("/etc/passwd".into())
        );
        assert_eq!(
            normalize("/etc//x/./y/"),
            EntryPath::Path("/etc/x/y".into())
        );
        assert_eq!(normalize("./"), EntryPath::Root);
        assert_eq!(normalize("../../etc/shadow"), EntryPath::Escapes);
        assert_eq!(normalize("a/../../b"), EntryPath::Escapes);
    }

    #[test]
    fn walks_ancestors() {
        assert_eq!(ancestors("/a/b/c").collect::<Vec<_>>(), vec!["/a/b", "/a"]);
        assert_eq!(ancestors("/a").count(), 0);
        assert_eq!(parent("/a"), "/");
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(join("/a", "x"), "/a/x");
    }
}
