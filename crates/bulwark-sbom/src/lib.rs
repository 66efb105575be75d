//! SBOM formats. STUB: to be written (formats helper).
