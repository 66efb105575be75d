"""Shared helpers for the interop scripts: imports with a hint, PEM, base64."""

import base64
import sys

HINT = (
    "hint: install the interop test dependencies with\n"
    "  python3 -m pip install -r crates/bulwark-sign/tests/interop/requirements.txt"
)


def require(module_names):
    """Import the named modules or exit 3 with an install hint."""
    import importlib

    loaded = []
    for name in module_names:
        try:
            loaded.append(importlib.import_module(name))
        except ImportError as exc:
            print(f"missing Python module {name!r}: {exc}\n{HINT}", file=sys.stderr)
            sys.exit(3)
    return loaded


def pem_encode(label, der):
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def pem_decode(text):
    """Returns (label, bytes) of the first PEM block."""
    lines = [l.strip() for l in text.strip().splitlines()]
    begin = next(i for i, l in enumerate(lines) if l.startswith("-----BEGIN "))
    label = lines[begin][len("-----BEGIN ") : -len("-----")]
    end = lines.index(f"-----END {label}-----", begin)
    return label, base64.b64decode("".join(lines[begin + 1 : end]))

