"""An independent reader of cosign's registry layout, written from sigstore/cosign's
specs/SIGNATURE_SPEC.md and specs/ATTESTATION_SPEC.md and the DSSE protocol, used to check
what `bulwark sign` and `bulwark attest` store.

usage: cosign_layout.py REGISTRY REPO DIGEST PUBKEY.pem EXPECTED_SIGNATURES EXPECTED_ATTESTATIONS

Fetches REPO:sha256-<hex>.sig and .att over plain HTTP (basic auth from REGISTRY_USER /
REGISTRY_PASSWORD when set), checks every field the specs define, verifies each signature
with PUBKEY using the `cryptography` package, and prints one JSON summary line. Exits 1
with a message on the first violation.
"""
import base64
import hashlib
import json
import os
import sys
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def fail(msg):
    print(f"cosign_layout.py: {msg}", file=sys.stderr)
    sys.exit(1)


def get(registry, path, accept):
    req = urllib.request.Request(f"http://{registry}{path}", headers={"Accept": accept})
    user, password = os.environ.get("REGISTRY_USER"), os.environ.get("REGISTRY_PASSWORD")
    if user:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(req) as resp:
        return resp.read()


def blob(registry, repo, digest):
    data = get(registry, f"/v2/{repo}/blobs/{digest}", "*/*")
    if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
        fail(f"blob {digest} does not match its digest")
    return data


def verify(key, signature, message):
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        else:
            fail(f"unexpected key type {type(key)}")
    except InvalidSignature:
        return False
    return True


def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def main():
    registry, repo, digest, pubkey, want_sigs, want_atts = sys.argv[1:7]
    key = serialization.load_pem_public_key(open(pubkey, "rb").read())
    algo, hexpart = digest.split(":")
    manifest_accept = "application/vnd.oci.image.manifest.v1+json"

    sig_manifest = json.loads(get(registry, f"/v2/{repo}/manifests/{algo}-{hexpart}.sig", manifest_accept))
    if sig_manifest.get("schemaVersion") != 2:
        fail("signature manifest schemaVersion is not 2")
    config = json.loads(blob(registry, repo, sig_manifest["config"]["digest"]))
    diff_ids = config["rootfs"]["diff_ids"]
    layers = sig_manifest["layers"]
    if diff_ids != [l["digest"] for l in layers]:
        fail("config diff_ids do not list the signature layers")
    verified_sigs = 0
    for layer in layers:
        if layer["mediaType"] != "application/vnd.dev.cosign.simplesigning.v1+json":
            fail(f"layer media type {layer['mediaType']}")
        payload = blob(registry, repo, layer["digest"])
        if len(payload) != layer["size"]:
            fail("layer size differs from the payload")
        doc = json.loads(payload)
        critical = doc["critical"]
        if critical["type"] != "cosign container image signature":
            fail(f"critical.type is {critical['type']!r}")
        if critical["image"]["docker-manifest-digest"] != digest:
            fail("critical.image.docker-manifest-digest is not the image digest")
        if not critical["identity"]["docker-reference"].startswith(f"{registry}/{repo}"):
            fail("critical.identity.docker-reference does not name the repository")
        if not isinstance(doc.get("optional"), (dict, type(None))):
            fail("optional is neither an object nor null")
        signature = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
        if verify(key, signature, payload):
            verified_sigs += 1

    att_manifest = json.loads(get(registry, f"/v2/{repo}/manifests/{algo}-{hexpart}.att", manifest_accept))
    verified_atts = 0
    predicate_types = []
    for layer in att_manifest["layers"]:
        if layer["mediaType"] != "application/vnd.dsse.envelope.v1+json":
            fail(f"attestation layer media type {layer['mediaType']}")
        envelope = json.loads(blob(registry, repo, layer["digest"]))
        if envelope["payloadType"] != "application/vnd.in-toto+json":
            fail(f"payloadType {envelope['payloadType']}")
        payload = base64.b64decode(envelope["payload"])
        statement = json.loads(payload)
        if statement["_type"] != "https://in-toto.io/Statement/v1":
            fail(f"statement _type {statement['_type']}")
        if [s["digest"].get(algo) for s in statement["subject"]] != [hexpart]:
            fail("statement subject is not the image digest")
        if layer["annotations"].get("predicateType") != statement["predicateType"]:
            fail("layer predicateType annotation differs from the statement")
        predicate_types.append(statement["predicateType"])
        message = pae(envelope["payloadType"], payload)
        if any(verify(key, base64.b64decode(s["sig"]), message) for s in envelope["signatures"]):
            verified_atts += 1

    if verified_sigs != int(want_sigs) or verified_atts != int(want_atts):
        fail(f"verified {verified_sigs} signatures and {verified_atts} attestations, expected {want_sigs} and {want_atts}")
    print(json.dumps({"signatures": len(layers), "verified_signatures": verified_sigs,
                      "attestations": len(att_manifest["layers"]), "verified_attestations": verified_atts,
                      "predicate_types": predicate_types}))


main()
