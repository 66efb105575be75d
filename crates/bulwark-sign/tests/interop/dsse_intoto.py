"""dsse_intoto.py: DSSE envelopes and in-toto statements, checked by securesystemslib,
in-toto and in-toto-attestation; signed with pyca/cryptography.

  verify ENVELOPE_JSON PUBLIC_PEM
      Verifies the envelope with securesystemslib's Envelope and with in-toto's
      Envelope, validates the payload as an in-toto Statement v1 with
      in-toto-attestation, and prints a JSON summary. Exit 1 if a signature check
      fails, 2 if the statement is invalid.
  sign ALGORITHM PAYLOAD_TYPE PAYLOAD_FILE OUT_ENVELOPE OUT_PUBLIC_PEM
      Signs PAE(type, payload) with a fresh p256 or ed25519 key using
      pyca/cryptography (PAE written here from the DSSE spec, and cross-checked
      against securesystemslib's), writes the envelope and the public key.
  pae PAYLOAD_TYPE PAYLOAD_FILE
      Prints PAE(type, payload) as hex, as securesystemslib computes it.
"""

import base64
import json
import sys

from _common import require

(serialization, ec, ed25519, hashes, sslib_dsse, sslib_signer, sslib_exceptions, intoto_metadata,
 intoto_statement, json_format) = require(
    [
        "cryptography.hazmat.primitives.serialization",
        "cryptography.hazmat.primitives.asymmetric.ec",
        "cryptography.hazmat.primitives.asymmetric.ed25519",
        "cryptography.hazmat.primitives.hashes",
        "securesystemslib.dsse",
        "securesystemslib.signer",
        "securesystemslib.exceptions",
        "in_toto.models.metadata",
        "in_toto_attestation.v1.statement",
        "google.protobuf.json_format",
    ]
)


def sslib_key(public_pem, keyid):
    """A securesystemslib key for our public key. DSSE keyids are unauthenticated
    hints; securesystemslib only tries keys whose keyid matches the signature's, so
    the key gets the keyid the envelope names (cosign writes "")."""
    crypto_key = serialization.load_pem_public_key(public_pem)
    default = sslib_signer.SSlibKey.from_crypto(crypto_key)
    return sslib_signer.SSlibKey(keyid, default.keytype, default.scheme, default.keyval)


def verify(envelope_path, public_pem_path):
    with open(envelope_path, "rb") as f:
        envelope_dict = json.loads(f.read())
    with open(public_pem_path, "rb") as f:
        public_pem = f.read()
    keyid = envelope_dict["signatures"][0].get("keyid", "")
    key = sslib_key(public_pem, keyid)

    envelope = sslib_dsse.Envelope.from_dict(json.loads(json.dumps(envelope_dict)))
    try:
        accepted = envelope.verify([key], 1)
    except sslib_exceptions.VerificationError as exc:
        print(f"securesystemslib VerificationError: {exc}", file=sys.stderr)
        sys.exit(1)
    assert keyid in accepted

    intoto_envelope = intoto_metadata.Envelope.from_dict(json.loads(json.dumps(envelope_dict)))
    try:
        intoto_envelope.verify_signature(key.to_dict() | {"keyid": keyid})
    except intoto_metadata.SignatureVerificationError as exc:
        print(f"in-toto SignatureVerificationError: {exc}", file=sys.stderr)
        sys.exit(1)

    statement_json = envelope.payload.decode()
    try:
        pb = json_format.Parse(statement_json, intoto_statement.spb.Statement())
        intoto_statement.Statement.copy_from_pb(pb).validate()
    except (ValueError, json_format.ParseError) as exc:
        print(f"invalid in-toto Statement v1: {exc}", file=sys.stderr)
        sys.exit(2)
    statement = json.loads(statement_json)
    print(
        json.dumps(
            {
                "payloadType": envelope.payload_type,
                "_type": statement["_type"],
                "predicateType": pb.predicate_type,
                "subject": [{"name": s.name, "digest": dict(s.digest)} for s in pb.subject],
                "pae_hex": envelope.pae().hex(),
            }
        )
    )


def pae(payload_type, payload):
    """PAE from the DSSE protocol: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body."""
    type_bytes = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


def sign(algorithm, payload_type, payload_path, out_envelope, out_public):
    with open(payload_path, "rb") as f:
        payload = f.read()
    message = pae(payload_type, payload)
    reference = sslib_dsse.Envelope(payload, payload_type, {}).pae()
    assert message == reference, (message, reference)
    if algorithm == "p256":
        private_key = ec.generate_private_key(ec.SECP256R1())
        sig = private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    elif algorithm == "ed25519":
        private_key = ed25519.Ed25519PrivateKey.generate()
        sig = private_key.sign(message)
    else:
        sys.exit(f"unknown algorithm {algorithm}")
    envelope = {
        "payload": base64.b64encode(payload).decode(),
        "payloadType": payload_type,
        "signatures": [{"keyid": "python-cryptography", "sig": base64.b64encode(sig).decode()}],
    }
    with open(out_envelope, "w") as f:
        json.dump(envelope, f)
    with open(out_public, "wb") as f:
        f.write(
            private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )


def pae_hex(payload_type, payload_path):
    with open(payload_path, "rb") as f:
        payload = f.read()
    print(sslib_dsse.Envelope(payload, payload_type, {}).pae().hex())


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"verify": verify, "sign": sign, "pae": pae_hex}[command](*args)
