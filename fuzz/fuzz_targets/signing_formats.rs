//! Everything `bulwark verify` parses from a registry or a policy author: simple-signing
//! payloads, DSSE envelopes, in-toto statements, PEM keys (public, and private with a
//! passphrase: scrypt parameters come from the file), cosign signature manifests and trust
//! policies. None may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bulwark_sign::SimpleSigning::from_payload(data);
    let _ = bulwark_sign::Envelope::from_json(data);
    let _ = bulwark_sign::Statement::from_json(data);
    let _ = bulwark_trust::layout::parse_manifest(data);
    let text = String::from_utf8_lossy(data);
    let _ = bulwark_sign::PublicKey::from_pem(&text);
    let _ = bulwark_sign::SigningKey::from_pem(&text, b"passphrase");
    let _ = bulwark_trust::Policy::parse(&text, std::path::Path::new("/nonexistent"));
});
