//! Every environment variable Bulwark reads, in one place.

/// Registry user name for `registry:` sources (same as `--username`).
pub const REGISTRY_USERNAME: &str = "BULWARK_REGISTRY_USERNAME";
/// Registry password or token for `registry:` sources (same as `--password`; prefer this
/// or `--password-stdin` to a flag, which other users can see in the process list).
pub const REGISTRY_PASSWORD: &str = "BULWARK_REGISTRY_PASSWORD";
/// Where Docker's `config.json` lives (Docker's own variable).
pub const DOCKER_CONFIG: &str = "DOCKER_CONFIG";
/// Path of the vulnerability database (same as `--db`).
pub const DB: &str = "BULWARK_DB";
/// Password for the `admin` account created on a registry's first start (else generated
/// and printed once).
pub const ADMIN_PASSWORD: &str = "BULWARK_ADMIN_PASSWORD";
/// Registry URL for the management commands (`bulwark project`, `user`, ...; same as
/// `--server`).
pub const SERVER: &str = "BULWARK_SERVER";
/// User or robot name for the management commands (same as `--username`).
pub const USERNAME: &str = "BULWARK_USERNAME";
/// Password for `--username` in the management commands (or `--password-stdin`).
pub const PASSWORD: &str = "BULWARK_PASSWORD";
/// The password to set with `bulwark user add` and `bulwark user passwd` (or
/// `--new-password-stdin`).
pub const NEW_PASSWORD: &str = "BULWARK_NEW_PASSWORD";
/// Passphrase of a signing key, for `bulwark key generate`, `sign`, `attest` and the
/// `--attest` options (or `--passphrase-file`; else a prompt).
pub const KEY_PASSPHRASE: &str = "BULWARK_KEY_PASSPHRASE";
/// cosign's passphrase variable, read when `BULWARK_KEY_PASSPHRASE` is unset so cosign
/// pipelines work unchanged.
pub const COSIGN_PASSWORD: &str = "COSIGN_PASSWORD";
