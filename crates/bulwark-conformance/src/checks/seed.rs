//! The image the pull, tag and referrers checks read: one layer, a config and an OCI
//! manifest tagged `seed-<run>`, pushed by the plainest means (POST then PUT, PUT by tag).

use super::{Stop, Suite};
use crate::content::{Blob, Manifest, oci_image};

/// The pushed seed image.
pub(crate) struct Seed {
    pub layer: Blob,
    pub config: Blob,
    pub manifest: Manifest,
    pub tag: String,
}

/// A seed, or why it could not be pushed.
pub(crate) type SeedRef<'a> = Result<&'a Seed, &'a String>;

/// The seed, or a failure saying the check could not run without it. A registry that
/// cannot take the seed push has failed the push checks already; its pull checks fail too
/// rather than pass unexamined.
pub(crate) fn need(seed: SeedRef<'_>) -> Result<&Seed, Stop> {
    seed.map_err(|reason| Stop::Fail(format!("the seed image could not be pushed: {reason}")))
}

/// Pushes the seed image into the target repository.
pub(crate) fn push(suite: &Suite<'_>) -> Result<Seed, String> {
    let repo = &suite.target.repo;
    let layer = suite.content.blob(4096);
    let config = suite.content.config(&layer);
    let manifest = Manifest::new(&oci_image(&config, &[&layer]), crate::content::OCI_MANIFEST);
    let tag = format!("seed-{}", suite.content.run_id());
    let pushed = suite
        .push_blob(repo, &layer)
        .and_then(|()| suite.push_blob(repo, &config))
        .and_then(|()| suite.push_manifest(&tag, &manifest));
    match pushed {
        Ok(_) => Ok(Seed {
            layer,
            config,
            manifest,
            tag,
        }),
        Err(Stop::Fail(reason) | Stop::Skip(reason)) => Err(reason),
    }
}
