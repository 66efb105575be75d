//! Writing a database from imported advisories.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use bulwark_types::Advisory;

use super::format::{self, ENTRY_LEN, FORMAT_VERSION, MAGIC, Meta, SourceMeta};
use super::{AffectedRef, DbError, normalize_name};
use crate::import::{ImportReport, Importer};

/// One `--source KIND:PATH`.
#[derive(Debug, Clone)]
pub struct BuildSource {
    pub kind: String,
    pub path: PathBuf,
}

/// Collects advisories from sources and writes the database.
#[derive(Debug, Default)]
pub struct Builder {
    /// Advisory records by (source, id), affected entries taken out.
    records: BTreeMap<(String, String), Advisory>,
    /// Affected entries by key.
    affected: BTreeMap<String, Vec<AffectedRef>>,
    /// NVD-style enrichment by id.
    enrichment: BTreeMap<String, Advisory>,
    sources: Vec<SourceMeta>,
    /// Every skipped file, for the caller to report.
    pub skipped: Vec<crate::import::Skipped>,
}

impl Builder {
    /// Runs one importer over one path and adds what it produced.
    pub fn import(
        &mut self,
        importer: &dyn Importer,
        path: &Path,
    ) -> Result<&SourceMeta, crate::import::ImportError> {
        let mut report = ImportReport::default();
        let mut added = 0usize;
        importer.import(
            path,
            &mut |adv| {
                added += 1;
                self.add(adv);
            },
            &mut report,
        )?;
        self.skipped.extend(report.skipped.iter().cloned());
        self.sources.push(SourceMeta {
            kind: importer.kind().to_string(),
            path: path.display().to_string(),
            files: report.files,
            advisories: added,
            skipped: report.skipped.len(),
        });
        Ok(self
            .sources
            .last()
            .unwrap_or_else(|| unreachable!("just pushed")))
    }

    /// Adds one advisory. Records with the same source and id are merged. A withdrawn
    /// advisory keeps its record (for `db` queries) but affects nothing, so it never
    /// matches.
    pub fn add(&mut self, mut adv: Advisory) {
        let mut affected = std::mem::take(&mut adv.affected);
        if adv.withdrawn.is_some() {
            affected.clear();
        }
        if affected.is_empty() && adv.source == "nvd" {
            self.enrichment.insert(adv.id.clone(), adv);
            return;
        }
        for a in affected {
            let (eco, pkg) = match a.ecosystem {
                Some(e) => (e.purl_type(), normalize_name(e, &a.package)),
                None => continue,
            };
            let key = format::affected_key(eco, a.distro.as_deref().unwrap_or(""), &pkg);
            let list = self.affected.entry(key).or_default();
            let entry = AffectedRef {
                source: adv.source.clone(),
                id: adv.id.clone(),
                affected: a,
            };
            if !list.contains(&entry) {
                list.push(entry);
            }
        }
        let key = (adv.source.clone(), adv.id.clone());
        match self.records.get_mut(&key) {
            Some(existing) => {
                for alias in adv.aliases {
                    if !existing.aliases.contains(&alias) {
                        existing.aliases.push(alias);
                    }
                }
            }
            None => {
                self.records.insert(key, adv);
            }
        }
    }

    /// Writes the database atomically (temp file in the same directory, then rename).
    pub fn write(self, path: &Path, built_at: String) -> Result<Meta, DbError> {
        let io = |source| DbError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        for ((source, id), adv) in &self.records {
            entries.push((format::advisory_key(&format!("{source}\0{id}")), json(adv)));
        }
        for (key, list) in &self.affected {
            entries.push((key.clone(), json(list)));
        }
        for (id, adv) in &self.enrichment {
            entries.push((format::enrichment_key(id), json(adv)));
        }
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut table = Vec::with_capacity(4 + entries.len() * ENTRY_LEN);
        let mut blob = Vec::new();
        let too_big = || DbError::Format {
            path: path.to_path_buf(),
            reason: "database over 4 GiB".into(),
        };
        table.extend_from_slice(
            &u32::try_from(entries.len())
                .map_err(|_| too_big())?
                .to_le_bytes(),
        );
        for (k, v) in &entries {
            for part in [k.as_bytes(), v.as_slice()] {
                let off = u32::try_from(blob.len()).map_err(|_| too_big())?;
                let len = u32::try_from(part.len()).map_err(|_| too_big())?;
                table.extend_from_slice(&off.to_le_bytes());
                table.extend_from_slice(&len.to_le_bytes());
                blob.extend_from_slice(part);
            }
        }
        let checksum = {
            use sha2::Digest as _;
            let mut h = sha2::Sha256::new();
            h.update(&table);
            h.update(&blob);
            hex::encode(h.finalize())
        };
        let meta = Meta {
            built_at,
            built_by: format!("bulwark {}", env!("CARGO_PKG_VERSION")),
            sources: self.sources,
            advisories: self.records.len() + self.enrichment.len(),
            keys: entries.len(),
            checksum,
        };
        let meta_bytes = serde_json::to_vec(&meta).unwrap_or_default();
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let f = tmp.as_file_mut();
        f.write_all(MAGIC).map_err(io)?;
        f.write_all(&FORMAT_VERSION.to_le_bytes()).map_err(io)?;
        f.write_all(
            &u32::try_from(meta_bytes.len())
                .map_err(|_| too_big())?
                .to_le_bytes(),
        )
        .map_err(io)?;
        f.write_all(&meta_bytes).map_err(io)?;
        f.write_all(&table).map_err(io)?;
        f.write_all(&blob).map_err(io)?;
        f.sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(meta)
    }
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Our own plain types always serialize.
    serde_json::to_vec(value).unwrap_or_default()
}
