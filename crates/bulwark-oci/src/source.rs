//! What the user asked to scan: `registry:`, `oci:`, `oci-archive:`, `docker-archive:`,
//! `dir:` and `sbom:` sources.

use std::path::PathBuf;
use std::str::FromStr;

use crate::{OciError, Reference};

/// A scan source as written on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An image in a registry, pulled over the OCI Distribution API.
    Registry(Reference),
    /// An OCI image layout directory, optionally with the tag (`ref.name`) to pick.
    OciLayout { dir: PathBuf, tag: Option<String> },
    /// A tar (optionally gzip-compressed) of an OCI image layout.
    OciArchive(PathBuf),
    /// `docker save` output (optionally gzip-compressed).
    DockerArchive(PathBuf),
    /// A root filesystem on disk.
    Dir(PathBuf),
    /// A CycloneDX, SPDX or Bulwark JSON SBOM read back.
    Sbom(PathBuf),
}

impl Source {
    /// The scheme name: `registry`, `oci`, `oci-archive`, `docker-archive`, `dir`, `sbom`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Registry(_) => "registry",
            Source::OciLayout { .. } => "oci",
            Source::OciArchive(_) => "oci-archive",
            Source::DockerArchive(_) => "docker-archive",
            Source::Dir(_) => "dir",
            Source::Sbom(_) => "sbom",
        }
    }
}

impl FromStr for Source {
    type Err = OciError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| OciError::BadSource {
            input: input.to_string(),
            reason: reason.to_string(),
        };
        let nonempty = |rest: &str| {
            if rest.is_empty() {
                Err(bad("the path after the scheme is empty"))
            } else {
                Ok(PathBuf::from(rest))
            }
        };
        if let Some((scheme, rest)) = input.split_once(':') {
            match scheme {
                "registry" | "docker" => {
                    let rest = rest.trim_start_matches("//");
                    return Ok(Source::Registry(rest.parse()?));
                }
                "oci" | "oci-dir" => {
                    // `oci:DIR:TAG`: the tag is after the last colon, unless that part
                    // looks like a path (contains a slash) or is empty.
                    let (dir, tag) = match rest.rsplit_once(':') {
                        Some((d, t)) if !d.is_empty() && !t.is_empty() && !t.contains('/') => {
                            (d, Some(t.to_string()))
                        }
                        _ => (rest, None),
                    };
                    return Ok(Source::OciLayout {
                        dir: nonempty(dir)?,
                        tag,
                    });
                }
                "oci-archive" => return Ok(Source::OciArchive(nonempty(rest)?)),
                "docker-archive" => return Ok(Source::DockerArchive(nonempty(rest)?)),
                "dir" => return Ok(Source::Dir(nonempty(rest)?)),
                "sbom" => return Ok(Source::Sbom(nonempty(rest)?)),
                _ => {}
            }
        }
        // Bare HOST/REPO:TAG means registry.
        Ok(Source::Registry(input.parse()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_schemes() {
        assert_eq!(
            "oci:/tmp/img.oci:1".parse::<Source>().unwrap(),
            Source::OciLayout {
                dir: "/tmp/img.oci".into(),
                tag: Some("1".into())
            }
        );
        assert_eq!(
            "oci:./img".parse::<Source>().unwrap(),
            Source::OciLayout {
                dir: "./img".into(),
                tag: None
            }
        );
        assert_eq!(
            "docker-archive:a.tar".parse::<Source>().unwrap(),
            Source::DockerArchive("a.tar".into())
        );
        assert_eq!("dir:/".parse::<Source>().unwrap(), Source::Dir("/".into()));
        assert_eq!("sbom:x.json".parse::<Source>().unwrap().kind(), "sbom");
        assert!("dir:".parse::<Source>().is_err());
    }
}
