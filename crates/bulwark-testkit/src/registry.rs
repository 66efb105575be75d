//! A real CNCF distribution registry (`docker-registry serve`) for tests.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tools::{free_port, require_tool};

/// How long a registry may take to answer `GET /v2/` after it was started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// How to configure a [`DockerRegistry`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// One htpasswd line (`user:$2y$...`, bcrypt) to require HTTP basic auth; `None` serves
    /// anonymously.
    pub htpasswd: Option<String>,
    /// Allow `DELETE` of manifests and blobs (`storage.delete.enabled`).
    pub delete_enabled: bool,
}

/// A running `docker-registry serve config.yml` on `127.0.0.1:<free port>`, killed when
/// dropped.
pub struct DockerRegistry {
    child: Child,
    port: u16,
    log: PathBuf,
    _config_dir: tempfile::TempDir,
}

impl DockerRegistry {
    /// Starts a registry storing into `storage_dir` and waits until `GET /v2/` answers
    /// (200, or 401 with auth). Panics, with the registry's log, when it does not come up.
    pub fn start(storage_dir: &Path, options: Options) -> Self {
        let binary = require_tool("docker-registry");
        let config_dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = config_yaml(storage_dir, port, config_dir.path(), &options);
        let config_path = config_dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();

        let log = config_dir.path().join("registry.log");
        let log_file = File::create(&log).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start docker-registry: {e}"));
        let mut registry = Self {
            child,
            port,
            log,
            _config_dir: config_dir,
        };
        registry.wait_until_ready();
        registry
    }

    /// `127.0.0.1:PORT`, as image references and `skopeo` want it.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.host())
    }

    /// The port the registry listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What the registry has logged so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let url = format!("{}/v2/", self.base_url());
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .into();
        loop {
            // Any HTTP answer means it is serving: 200, or 401 when auth is on.
            if agent.get(&url).call().is_ok() {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("docker-registry exited with {status}:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not answer on {url} within {STARTUP_TIMEOUT:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for DockerRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The registry's `config.yml`; an htpasswd file, when asked for, goes into `config_dir`.
fn config_yaml(storage_dir: &Path, port: u16, config_dir: &Path, options: &Options) -> String {
    let auth = match &options.htpasswd {
        Some(line) => {
            let path = config_dir.join("htpasswd");
            std::fs::write(&path, format!("{}\n", line.trim_end())).unwrap();
            format!(
                "auth:\n  htpasswd:\n    realm: bulwark-test\n    path: {}\n",
                path.display()
            )
        }
        None => String::new(),
    };
    format!(
        "version: 0.1\n\
         log:\n  level: warn\n\
         storage:\n  filesystem:\n    rootdirectory: {storage}\n  \
         delete:\n    enabled: {delete}\n  \
         maintenance:\n    uploadpurging:\n      enabled: false\n\
         http:\n  addr: 127.0.0.1:{port}\n  secret: bulwark-test-secret\n\
         {auth}",
        storage = storage_dir.display(),
        delete = options.delete_enabled,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_enables_delete_and_basic_auth_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            htpasswd: Some("user:$2y$05$hash".to_owned()),
            delete_enabled: true,
        };
        let yaml = config_yaml(Path::new("/srv/registry"), 5000, dir.path(), &options);
        assert!(yaml.contains("rootdirectory: /srv/registry\n"), "{yaml}");
        assert!(yaml.contains("delete:\n    enabled: true\n"), "{yaml}");
        assert!(yaml.contains("addr: 127.0.0.1:5000\n"), "{yaml}");
        assert!(yaml.contains("htpasswd:\n"), "{yaml}");
        let htpasswd = std::fs::read_to_string(dir.path().join("htpasswd")).unwrap();
        assert_eq!(htpasswd, "user:$2y$05$hash\n");
    }
}
