//! Repository names, tags and references as the distribution spec defines them.

/// The project of a repository: its first path component.
pub fn project_of(repo: &str) -> &str {
    repo.split('/').next().unwrap_or(repo)
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` for one path component.
fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty()
        || !b.first().is_some_and(u8::is_ascii_alphanumeric)
        || !b.last().is_some_and(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let ch = b.get(i).copied().unwrap_or(0);
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            i += 1;
            continue;
        }
        // A separator run: ".", "_", "__" or one or more "-".
        let start = i;
        while b.get(i).is_some_and(|c| matches!(c, b'.' | b'_' | b'-')) {
            i += 1;
        }
        let sep = c.get(start..i).unwrap_or_default();
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
        if !ok || i == start {
            return false;
        }
    }
    true
}

/// A repository name per the spec: components separated by `/`, at most 255 characters,
/// and (for Bulwark) at least two components: `<project>/<repository>`.
pub fn valid_repo(name: &str) -> bool {
    name.len() <= 255 && name.contains('/') && name.split('/').all(valid_component)
}

/// `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
pub fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b.first()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A project name: one valid repository path component, at most 64 characters.
pub fn valid_project(name: &str) -> bool {
    name.len() <= 64 && valid_component(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        for ok in [
            "dev/app",
            "a/b/c",
            "dev/my-app",
            "dev/my__app",
            "dev/a.b",
            "dev/a--b",
            "x1/y2",
        ] {
            assert!(valid_repo(ok), "{ok}");
        }
        for bad in [
            "app",
            "Dev/app",
            "dev/",
            "/app",
            "dev//app",
            "dev/-app",
            "dev/app-",
            "dev/a___b",
            "dev/a._b",
            "dev/ä",
            "dev/a b",
        ] {
            assert!(!valid_repo(bad), "{bad}");
        }
        assert!(!valid_repo(&format!("dev/{}", "a".repeat(300))));
    }

    #[test]
    fn tags() {
        for ok in ["latest", "v1.2.3", "_x", "A-b_c.d", &"a".repeat(128)] {
            assert!(valid_tag(ok), "{ok}");
        }
        for bad in ["", ".x", "-x", "a/b", "a:b", &"a".repeat(129)] {
            assert!(!valid_tag(bad), "{bad}");
        }
    }
}
