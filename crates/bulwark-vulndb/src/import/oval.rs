//! OVAL definitions files, read as a stream: the parts the distro importers need.
//!
//! An OVAL file holds `definitions` (one per advisory, with metadata and `criteria` that
//! name tests), then `tests` (an object and states), `objects` (a package name, directly
//! or through a variable), `states` (`evr` `less than` a version) and `variables`
//! (constant lists of names). The XML is read event by event with `quick-xml` and only a
//! compact model is kept, so memory follows the number of definitions and tests, not the
//! size of the file. [`Document::packages`] then resolves a definition's tests to
//! `(package, fixed version)` pairs.
//!
//! What is deliberately not interpreted: the `criteria` logic (every package test of a
//! definition counts, AND/OR/negation are ignored), tests of other kinds (running kernel,
//! OS release, signing keys, files) and states without an `evr` `less than` comparison.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::Reader;

use super::distro::without_zero_epoch;
use quick_xml::events::{BytesStart, Event};

/// One `<definition>`.
#[derive(Debug, Default)]
pub(super) struct Definition {
    pub id: String,
    pub class: String,
    pub title: String,
    pub description: Option<String>,
    pub platforms: Vec<String>,
    /// `(source, ref_id, ref_url)` of each `<reference>`.
    pub references: Vec<(String, String, String)>,
    /// `<advisory from="...">`: Rocky puts its release CPE there.
    pub advisory_from: Option<String>,
    pub severity: Option<String>,
    pub issued: Option<String>,
    pub updated: Option<String>,
    /// Text of each `<advisory><cve>`.
    pub cves: Vec<String>,
    /// `<affected_cpe_list><cpe>` texts.
    pub cpes: Vec<String>,
    pub test_refs: Vec<String>,
}

impl Definition {
    /// CVE ids from `<reference source="CVE">` and `<advisory><cve>`, first seen first.
    pub fn cve_ids(&self) -> Vec<String> {
        let mut cves: Vec<String> = Vec::new();
        let refs = self
            .references
            .iter()
            .filter(|(source, _, _)| source == "CVE")
            .map(|(_, id, _)| id);
        for id in refs.chain(&self.cves) {
            if !id.is_empty() && !cves.contains(id) {
                cves.push(id.clone());
            }
        }
        cves
    }

    /// The advisory for this definition, once the importer has chosen its id, aliases
    /// and release: each package fix becomes `[Introduced("0"), Fixed(evr)]` (no `Fixed`
    /// for a test without a state; a `0:` epoch dropped).
    pub fn to_advisory(
        &self,
        source: &str,
        id: String,
        aliases: Vec<String>,
        ecosystem: bulwark_types::Ecosystem,
        distro: String,
        packages: Vec<PackageFix>,
    ) -> bulwark_types::Advisory {
        use bulwark_types::{Advisory, Affected, Event, Severity};
        let mut references: Vec<String> = Vec::new();
        for (_, _, url) in &self.references {
            if !url.is_empty() && !references.contains(url) {
                references.push(url.clone());
            }
        }
        let affected = packages
            .into_iter()
            .map(|fix| {
                let mut range = vec![Event::Introduced("0".to_owned())];
                range.extend(
                    fix.fixed
                        .map(|evr| Event::Fixed(without_zero_epoch(&evr).to_owned())),
                );
                Affected {
                    ecosystem: Some(ecosystem),
                    distro: Some(distro.clone()),
                    package: fix.name,
                    ranges: vec![range],
                    ..Affected::default()
                }
            })
            .collect();
        Advisory {
            id,
            aliases,
            source: source.to_owned(),
            summary: (!self.title.is_empty()).then(|| self.title.clone()),
            details: self.description.clone(),
            severity: self.severity.as_deref().and_then(Severity::from_word),
            references,
            published: self.issued.clone(),
            modified: self.updated.clone(),
            affected,
            ..Advisory::default()
        }
    }
}

#[derive(Debug, Default)]
struct Test {
    /// Local element name: `dpkginfo_test`, `rpminfo_test`, `uname_test`, ...
    kind: String,
    object: Option<String>,
    states: Vec<String>,
}

#[derive(Debug, Default)]
struct Object {
    name: Option<String>,
    var_ref: Option<String>,
}

/// A package test resolved: the package and the version that fixes it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PackageFix {
    pub name: String,
    /// `evr` as written (`0:1.2-3`); `None` for a test without a state (affected, no fix).
    pub fixed: Option<String>,
}

/// The compact model of one OVAL file.
#[derive(Debug, Default)]
pub(super) struct Document {
    pub definitions: Vec<Definition>,
    tests: HashMap<String, Test>,
    objects: HashMap<String, Object>,
    /// State id -> the `evr` it is `less than`, when it compares one.
    states: HashMap<String, Option<String>>,
    variables: HashMap<String, Vec<String>>,
}

impl Document {
    /// The package fixes a definition's tests of `kind` describe, in test order, without
    /// repeats. Also returns how many of its test references point at nothing.
    pub fn packages(&self, def: &Definition, kind: &str) -> (Vec<PackageFix>, usize) {
        let mut fixes: Vec<PackageFix> = Vec::new();
        let mut dangling = 0;
        for test_ref in &def.test_refs {
            let Some(test) = self.tests.get(test_ref) else {
                dangling += 1;
                continue;
            };
            if test.kind != kind {
                continue;
            }
            let Some(object) = test.object.as_ref().and_then(|o| self.objects.get(o)) else {
                dangling += 1;
                continue;
            };
            let fixed = if test.states.is_empty() {
                None
            } else {
                // A state that compares no version (arch, signing key) is no fix data.
                let evr = test
                    .states
                    .iter()
                    .find_map(|s| self.states.get(s).cloned().flatten());
                match evr {
                    Some(evr) => Some(evr),
                    None => continue,
                }
            };
            let names = match (&object.name, &object.var_ref) {
                (Some(name), _) => std::slice::from_ref(name),
                (None, Some(var)) => self.variables.get(var).map_or(&[][..], Vec::as_slice),
                (None, None) => &[],
            };
            for name in names {
                let fix = PackageFix {
                    name: name.clone(),
                    fixed: fixed.clone(),
                };
                if !fixes.contains(&fix) {
                    fixes.push(fix);
                }
            }
        }
        (fixes, dangling)
    }
}

/// Where the reader is: which item of which section is open.
#[derive(Default)]
struct Parser {
    doc: Document,
    /// Local names of the open elements.
    stack: Vec<String>,
    text: String,
    definition: Option<Definition>,
    test: Option<(String, Test)>,
    object: Option<(String, Object)>,
    state: Option<(String, Option<String>)>,
    /// Whether the open `evr` compares with `less than`.
    evr_less_than: bool,
    variable: Option<(String, Vec<String>)>,
}

/// Reads an OVAL file. `Err` holds why it is unusable (not XML, cut short, no OVAL).
pub(super) fn parse(input: impl BufRead) -> Result<Document, String> {
    let mut reader = Reader::from_reader(input);
    let mut parser = Parser::default();
    let mut buf = Vec::new();
    let mut saw_root = false;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("invalid XML at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => {
                saw_root |= local(&e) == "oval_definitions";
                parser.open(&e);
            }
            Event::Empty(e) => {
                parser.open(&e);
                parser.close();
            }
            Event::End(_) => parser.close(),
            Event::Text(t) => parser.text.push_str(&t.xml10_content()),
            Event::CData(t) => parser.text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => parser.text.push(c),
                _ => parser
                    .text
                    .push_str(quick_xml::escape::resolve_predefined_entity(&r).unwrap_or("")),
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err("not an OVAL file: no <oval_definitions> element".to_owned());
    }
    if !parser.stack.is_empty() {
        return Err(format!(
            "cut short: <{}> is never closed",
            parser.stack.join("><")
        ));
    }
    Ok(parser.doc)
}

fn local(e: &BytesStart<'_>) -> String {
    let name = e.local_name();
    name.into_inner().to_owned()
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().into_inner() == key)
            .then(|| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
            .flatten()
            .map(|v| v.into_owned())
    })
}

impl Parser {
    fn parent(&self) -> &str {
        self.stack.last().map_or("", String::as_str)
    }

    fn open(&mut self, e: &BytesStart<'_>) {
        let name = local(e);
        self.text.clear();
        let parent = self.parent().to_owned();
        if name == "definition" && parent == "definitions" {
            self.definition = Some(Definition {
                id: attr(e, "id").unwrap_or_default(),
                class: attr(e, "class").unwrap_or_default(),
                ..Definition::default()
            });
        } else if let Some(def) = self.definition.as_mut() {
            match name.as_str() {
                "reference" => def.references.push((
                    attr(e, "source").unwrap_or_default(),
                    attr(e, "ref_id").unwrap_or_default(),
                    attr(e, "ref_url").unwrap_or_default(),
                )),
                "advisory" => def.advisory_from = attr(e, "from"),
                "issued" => def.issued = attr(e, "date"),
                "updated" => def.updated = attr(e, "date"),
                "criterion" => def.test_refs.extend(attr(e, "test_ref")),
                _ => {}
            }
        } else if parent == "tests" {
            let test = Test {
                kind: name.clone(),
                ..Test::default()
            };
            self.test = Some((attr(e, "id").unwrap_or_default(), test));
        } else if let Some((_, test)) = self.test.as_mut() {
            match name.as_str() {
                "object" => test.object = attr(e, "object_ref"),
                "state" => test.states.extend(attr(e, "state_ref")),
                _ => {}
            }
        } else if parent == "objects" {
            self.object = Some((attr(e, "id").unwrap_or_default(), Object::default()));
        } else if let Some((_, object)) = self.object.as_mut() {
            if name == "name" {
                object.var_ref = attr(e, "var_ref");
            }
        } else if parent == "states" {
            self.state = Some((attr(e, "id").unwrap_or_default(), None));
        } else if self.state.is_some() && name == "evr" {
            self.evr_less_than = attr(e, "operation").as_deref() == Some("less than");
        } else if parent == "variables" {
            self.variable = Some((attr(e, "id").unwrap_or_default(), Vec::new()));
        }
        self.stack.push(name);
    }

    fn close(&mut self) {
        let Some(name) = self.stack.pop() else {
            return;
        };
        let text = std::mem::take(&mut self.text);
        let text = text.trim();
        let parent = self.parent().to_owned();
        if name == "definition" && parent == "definitions" {
            self.doc.definitions.extend(self.definition.take());
        } else if let Some(def) = self.definition.as_mut() {
            let text = text.to_owned();
            match name.as_str() {
                "title" => def.title = text,
                "description" if !text.is_empty() => def.description = Some(text),
                "platform" => def.platforms.push(text),
                "severity" if !text.is_empty() => def.severity = Some(text),
                "cve" if !text.is_empty() => def.cves.push(text),
                "cpe" if !text.is_empty() => def.cpes.push(text),
                _ => {}
            }
        } else if parent == "tests" {
            if let Some((id, test)) = self.test.take() {
                self.doc.tests.insert(id, test);
            }
        } else if parent == "objects" {
            if let Some((id, object)) = self.object.take() {
                self.doc.objects.insert(id, object);
            }
        } else if let Some((_, object)) = self.object.as_mut() {
            match name.as_str() {
                "name" if !text.is_empty() => object.name = Some(text.to_owned()),
                "var_ref" if !text.is_empty() => object.var_ref = Some(text.to_owned()),
                _ => {}
            }
        } else if parent == "states" {
            if let Some((id, evr)) = self.state.take() {
                self.doc.states.insert(id, evr);
            }
        } else if let Some((_, evr)) = self.state.as_mut() {
            if name == "evr" && self.evr_less_than && evr.is_none() && !text.is_empty() {
                *evr = Some(text.to_owned());
            }
        } else if parent == "variables" {
            if let Some((id, values)) = self.variable.take() {
                self.doc.variables.insert(id, values);
            }
        } else if let Some((_, values)) = self.variable.as_mut()
            && name == "value"
            && !text.is_empty()
        {
            values.push(text.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::vulndata;

    /// Invented, to show in a few lines what the real files spread over megabytes:
    /// names through a variable, entities in text, a dangling reference, a state that
    /// compares no version, a test without a state.
    const SMALL: &str = r#"<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <definitions>
    <definition id="d1" class="patch"><metadata><title>T &amp; U &#65;</title>
      <reference source="USN" ref_id="USN-1-1" ref_url="u"/><description><![CDATA[<raw>]]></description>
      <advisory><severity>High</severity><cve>CVE-2024-1</cve><issued date="2024-01-02"/></advisory>
      </metadata>
      <criteria><criterion test_ref="t1"/><criterion test_ref="t2"/><criterion test_ref="t3"/>
        <criterion test_ref="missing"/><criterion test_ref="t1"/></criteria>
    </definition>
  </definitions>
  <tests>
    <linux:dpkginfo_test id="t1"><linux:object object_ref="o1"/><linux:state state_ref="s1"/></linux:dpkginfo_test>
    <linux:dpkginfo_test id="t2"><linux:object object_ref="o2"/><linux:state state_ref="s2"/></linux:dpkginfo_test>
    <linux:dpkginfo_test id="t3"><linux:object object_ref="o2"/></linux:dpkginfo_test>
  </tests>
  <objects>
    <linux:dpkginfo_object id="o1"><linux:name var_ref="v1"/></linux:dpkginfo_object>
    <linux:dpkginfo_object id="o2"><linux:name>solo</linux:name></linux:dpkginfo_object>
  </objects>
  <states>
    <linux:dpkginfo_state id="s1"><linux:evr operation="less than">0:1.0-1</linux:evr></linux:dpkginfo_state>
    <linux:dpkginfo_state id="s2"><linux:arch operation="pattern match">x86_64</linux:arch></linux:dpkginfo_state>
  </states>
  <variables><constant_variable id="v1"><value>liba</value><value>a-bin</value></constant_variable></variables>
</oval_definitions>"#;

    #[test]
    fn resolves_tests_objects_states_and_variables() {
        let doc = parse(SMALL.as_bytes()).unwrap();
        let [def] = doc.definitions.as_slice() else {
            panic!()
        };
        assert_eq!(
            (def.title.as_str(), def.description.as_deref()),
            ("T & U A", Some("<raw>"))
        );
        assert_eq!(
            (def.severity.as_deref(), def.issued.as_deref()),
            (Some("High"), Some("2024-01-02"))
        );
        assert_eq!(def.cves, ["CVE-2024-1"]);
        assert_eq!(
            def.references,
            [("USN".into(), "USN-1-1".into(), "u".into())]
        );
        let (fixes, dangling) = doc.packages(def, "dpkginfo_test");
        let fix = |name: &str, fixed: Option<&str>| PackageFix {
            name: name.into(),
            fixed: fixed.map(Into::into),
        };
        assert_eq!(
            fixes,
            [
                fix("liba", Some("0:1.0-1")),
                fix("a-bin", Some("0:1.0-1")),
                fix("solo", None)
            ]
        );
        assert_eq!(dangling, 1);
        assert!(doc.packages(def, "rpminfo_test").0.is_empty());
    }

    /// Cut and corrupted copies of a real file: always an error or a document, never a
    /// panic.
    #[test]
    fn damaged_real_files_never_panic() {
        let real = std::fs::read(vulndata("ubuntu-oval/com.ubuntu.oracular.usn.oval.xml")).unwrap();
        for step in 1..40usize {
            let at = real.len() * step / 40;
            let _ = parse(&real[..at]);
            let mut flipped = real.clone();
            for b in flipped.iter_mut().skip(at).step_by(997).take(50) {
                *b = b.wrapping_add((step as u8).wrapping_mul(37));
            }
            let _ = parse(flipped.as_slice());
        }
    }
}
