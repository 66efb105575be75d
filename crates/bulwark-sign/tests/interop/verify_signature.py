"""verify_signature.py PUBLIC_PEM MESSAGE_FILE SIGNATURE_FILE

Verifies a signature with pyca/cryptography: ECDSA P-256 over SHA-256 (DER
signature) or Ed25519. Exit 0 and print "ok" if it verifies, exit 1 if not.
"""

import sys

from _common import require

(serialization, ec, ed25519, hashes, exceptions) = require(
    [
        "cryptography.hazmat.primitives.serialization",
        "cryptography.hazmat.primitives.asymmetric.ec",
        "cryptography.hazmat.primitives.asymmetric.ed25519",
        "cryptography.hazmat.primitives.hashes",
        "cryptography.exceptions",
    ]
)


def main(pub_path, message_path, signature_path):
    with open(pub_path, "rb") as f:
        key = serialization.load_pem_public_key(f.read())
    with open(message_path, "rb") as f:
        message = f.read()
    with open(signature_path, "rb") as f:
        signature = f.read()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            if key.curve.name != "secp256r1":
                sys.exit(f"unexpected curve {key.curve.name}")
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        else:
            sys.exit(f"unexpected key type {type(key).__name__}")
    except exceptions.InvalidSignature:
        print("InvalidSignature", file=sys.stderr)
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
