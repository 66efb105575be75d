"""cosign_key.py: an independent implementation of cosign's encrypted key format.

  decrypt KEY_PEM PASSPHRASE
      Decrypts an ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY (scrypt + NaCl secretbox,
      plaintext PKCS#8 DER) and prints the key's SubjectPublicKeyInfo PEM.
      Exit 1 if the passphrase is wrong.
  encrypt ALGORITHM N PASSPHRASE OUT_KEY_PEM
      Generates a key (p256 or ed25519) with pyca/cryptography, encrypts it in
      the same format with scrypt N (r=8, p=1) under the older label
      ENCRYPTED COSIGN PRIVATE KEY, writes it, prints the public key PEM.
"""

import base64
import hashlib
import json
import os
import sys

from _common import pem_decode, pem_encode, require

(serialization, ec, ed25519, nacl_secret, nacl_exceptions) = require(
    [
        "cryptography.hazmat.primitives.serialization",
        "cryptography.hazmat.primitives.asymmetric.ec",
        "cryptography.hazmat.primitives.asymmetric.ed25519",
        "nacl.secret",
        "nacl.exceptions",
    ]
)

LABELS = ("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY")


def scrypt_key(passphrase, salt, n, r, p):
    return hashlib.scrypt(passphrase, salt=salt, n=n, r=r, p=p, maxmem=512 * 1024 * 1024, dklen=32)


def public_pem(private_key):
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def decrypt(key_path, passphrase):
    with open(key_path) as f:
        label, body = pem_decode(f.read())
    if label not in LABELS:
        sys.exit(f"unexpected label {label!r}")
    doc = json.loads(body)
    assert doc["kdf"]["name"] == "scrypt", doc["kdf"]["name"]
    assert doc["cipher"]["name"] == "nacl/secretbox", doc["cipher"]["name"]
    params = doc["kdf"]["params"]
    salt = base64.b64decode(doc["kdf"]["salt"])
    nonce = base64.b64decode(doc["cipher"]["nonce"])
    ciphertext = base64.b64decode(doc["ciphertext"])
    key = scrypt_key(passphrase.encode(), salt, params["N"], params["r"], params["p"])
    try:
        der = nacl_secret.SecretBox(key).decrypt(ciphertext, nonce)
    except nacl_exceptions.CryptoError:
        print("CryptoError: decryption failed", file=sys.stderr)
        sys.exit(1)
    private_key = serialization.load_der_private_key(der, password=None)
    print(json.dumps({"params": params, "salt_len": len(salt), "public_pem": public_pem(private_key)}))


def encrypt(algorithm, n, passphrase, out_path):
    if algorithm == "p256":
        private_key = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == "ed25519":
        private_key = ed25519.Ed25519PrivateKey.generate()
    else:
        sys.exit(f"unknown algorithm {algorithm}")
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    n = int(n)
    salt = os.urandom(32)
    nonce = os.urandom(24)
    key = scrypt_key(passphrase.encode(), salt, n, 8, 1)
    sealed = nacl_secret.SecretBox(key).encrypt(der, nonce).ciphertext  # tag || ciphertext
    body = {
        "kdf": {"name": "scrypt", "params": {"N": n, "r": 8, "p": 1}, "salt": base64.b64encode(salt).decode()},
        "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
        "ciphertext": base64.b64encode(sealed).decode(),
    }
    with open(out_path, "w") as f:
        f.write(pem_encode("ENCRYPTED COSIGN PRIVATE KEY", json.dumps(body).encode()))
    print(public_pem(private_key), end="")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"decrypt": decrypt, "encrypt": encrypt}[command](*args)
