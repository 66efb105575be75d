//! Walker tests on layer tars built in the test: no real image has every hostile or
//! whiteout case, so these archives are invented (the real images are tested end to end
//! in the CLI crate).

use bulwark_types::{Ecosystem, LayerRef, Package};

use super::layer::scan;
use super::merge::merge;
use super::{Limits, Merged};
use crate::{CatalogError, Cataloger, FileInput, FileMeta, Output};

/// Emits one package per line of any file under `/pkgs/`.
struct Lines;

impl Cataloger for Lines {
    fn name(&self) -> &'static str {
        "lines"
    }
    fn wants(&self, path: &str, _meta: &FileMeta) -> bool {
        path.starts_with("/pkgs/")
    }
    fn catalog(&self, file: &FileInput<'_>, out: &mut Output) -> Result<(), CatalogError> {
        let text = std::str::from_utf8(file.data)
            .map_err(|e| CatalogError::malformed("lines", e.to_string()))?;
        for line in text.lines().filter(|l| !l.is_empty()) {
            out.packages
                .push(Package::new(Ecosystem::Npm, line, "1.0.0"));
        }
        Ok(())
    }
}

enum E<'a> {
    File(&'a str, &'a str),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    HardLink(&'a str, &'a str),
}

fn layer(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match e {
            E::File(p, body) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(body.len() as u64);
                // set_path refuses `..`; write the raw name to build hostile archives.
                write_name(&mut h, p);
                h.set_cksum();
                b.append(&h, body.as_bytes()).unwrap();
            }
            E::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                write_name(&mut h, p);
                h.set_cksum();
                b.append(&h, &[][..]).unwrap();
            }
            E::Symlink(p, t) | E::HardLink(p, t) => {
                h.set_entry_type(if matches!(e, E::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_size(0);
                write_name(&mut h, p);
                let link = &mut h.as_old_mut().linkname;
                link[..t.len()].copy_from_slice(t.as_bytes());
                h.set_cksum();
                b.append(&h, &[][..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn write_name(h: &mut tar::Header, p: &str) {
    let name = &mut h.as_old_mut().name;
    name.fill(0);
    name[..p.len()].copy_from_slice(p.as_bytes());
}

fn walk(layers: &[Vec<u8>]) -> Merged {
    let cats: Vec<Box<dyn Cataloger>> = vec![Box::new(Lines)];
    let scans: Vec<_> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            scan(&l[..], &cats, &Limits::default(), &format!("layer {i}"))
                .unwrap()
                .0
        })
        .collect();
    let refs: Vec<_> = (0..layers.len())
        .map(|index| LayerRef {
            index,
            digest: None,
            diff_id: None,
        })
        .collect();
    merge(&scans, &refs)
}

fn names(m: &Merged) -> Vec<String> {
    let mut v: Vec<_> = m.packages.iter().map(|p| p.name.clone()).collect();
    v.sort();
    v
}

#[test]
fn whiteout_deletes_a_lower_file() {
    let base = layer(&[
        E::Dir("pkgs/"),
        E::File("pkgs/a.txt", "alpha\n"),
        E::File("pkgs/b.txt", "beta\n"),
    ]);
    let top = layer(&[E::File("pkgs/.wh.a.txt", "")]);
    assert_eq!(names(&walk(&[base, top])), vec!["beta"]);
}

#[test]
fn whiteout_of_a_directory_deletes_everything_below() {
    let base = layer(&[
        E::File("pkgs/sub/a.txt", "alpha\n"),
        E::File("pkgs/b.txt", "beta\n"),
    ]);
    let top = layer(&[E::File("pkgs/.wh.sub", "")]);
    assert_eq!(names(&walk(&[base, top])), vec!["beta"]);
}

#[test]
fn opaque_dir_hides_lower_content_but_keeps_its_own() {
    let base = layer(&[
        E::File("pkgs/d/a.txt", "alpha\n"),
        E::File("pkgs/b.txt", "beta\n"),
    ]);
    let top = layer(&[
        E::File("pkgs/d/.wh..wh..opq", ""),
        E::File("pkgs/d/c.txt", "gamma\n"),
    ]);
    assert_eq!(names(&walk(&[base, top])), vec!["beta", "gamma"]);
}

#[test]
fn rewritten_file_keeps_the_layer_a_package_came_from() {
    let base = layer(&[E::File("pkgs/db.txt", "alpha\nbeta\n")]);
    let mid = layer(&[E::File("other", "x")]);
    let top = layer(&[E::File("pkgs/db.txt", "alpha\nbeta\ngamma\n")]);
    let m = walk(&[base, mid, top]);
    let layer_of = |n: &str| {
        m.packages
            .iter()
            .find(|p| p.name == n)
            .and_then(|p| p.layer())
            .map(|l| l.index)
    };
    assert_eq!(
        m.packages.len(),
        3,
        "old copies of the file must not count twice"
    );
    assert_eq!(layer_of("alpha"), Some(0));
    assert_eq!(layer_of("gamma"), Some(2));
    assert_eq!(m.packages[0].locations[0].path, "/pkgs/db.txt");
}

#[test]
fn directory_replaced_by_a_symlink_hides_its_files() {
    let base = layer(&[E::File("pkgs/d/a.txt", "alpha\n")]);
    let top = layer(&[E::Symlink("pkgs/d", "/elsewhere")]);
    assert!(walk(&[base, top]).packages.is_empty());
}

#[test]
fn dotdot_and_absolute_names_never_escape() {
    let l = layer(&[
        E::File("../../pkgs/evil.txt", "evil\n"),
        E::File("/pkgs/abs.txt", "abs\n"),
        E::File("./pkgs/ok.txt", "ok\n"),
    ]);
    let m = walk(&[l]);
    assert_eq!(names(&m), vec!["abs", "ok"]);
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("../../pkgs/evil.txt") && w.contains("layer 0")),
        "{:?}",
        m.warnings
    );
}

#[test]
fn hard_links_resolve_inside_the_layer_only() {
    let l = layer(&[
        E::File("pkgs/a.txt", "alpha\n"),
        E::HardLink("pkgs/copy.txt", "pkgs/a.txt"),
        E::HardLink("pkgs/esc.txt", "../../etc/shadow"),
        E::HardLink("pkgs/gone.txt", "pkgs/missing.txt"),
    ]);
    let m = walk(&[l]);
    let alpha = m.packages.iter().filter(|p| p.name == "alpha").count();
    assert_eq!(alpha, 2, "the link shares the target's content");
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("esc.txt") && w.contains("outside"))
    );
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("gone.txt") && w.contains("not earlier"))
    );
}

#[test]
fn truncated_tar_is_an_error_not_a_panic() {
    let l = layer(&[E::File("pkgs/a.txt", &"alpha\n".repeat(400))]);
    let cats: Vec<Box<dyn Cataloger>> = vec![Box::new(Lines)];
    for cut in [10, 511, 513, 1000, l.len() - 1030] {
        let r = scan(&l[..cut], &cats, &Limits::default(), "layer 0");
        assert!(r.is_err(), "cut at {cut} must fail");
    }
}

#[test]
fn oversized_files_are_skipped_with_a_warning() {
    let l = layer(&[
        E::File("pkgs/big.txt", &"x\n".repeat(100)),
        E::File("pkgs/small.txt", "s\n"),
    ]);
    let cats: Vec<Box<dyn Cataloger>> = vec![Box::new(Lines)];
    let limits = Limits {
        max_file_size: 50,
        ..Limits::default()
    };
    let (s, _) = scan(&l[..], &cats, &limits, "layer 0").unwrap();
    assert_eq!(s.files.len(), 1);
    assert!(s.warnings[0].contains("/pkgs/big.txt") && s.warnings[0].contains("limit"));
}
