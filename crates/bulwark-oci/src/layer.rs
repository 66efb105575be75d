//! Opening a layer blob as an uncompressed tar stream, with its digest checked as it is read.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bulwark_types::{Digest, LayerRef};
use sha2::{Digest as _, Sha256, Sha512};

/// Where a blob's bytes are: a byte range of a local file (an OCI layout blob, a member of
/// an uncompressed archive, or a blob downloaded into a private temp dir).
#[derive(Debug, Clone)]
pub struct BlobLocation {
    pub path: PathBuf,
    pub offset: u64,
    pub len: u64,
}

/// Which digest to check while reading a layer.
#[derive(Debug, Clone)]
pub enum Verify {
    /// The blob as stored (compressed): the manifest's layer digest.
    Stored(Digest),
    /// The uncompressed tar: the config's diff ID (Docker archives store layers this way).
    Uncompressed(Digest),
    /// Already verified (downloaded blobs are checked by the registry client).
    Done,
}

/// One layer of an image.
#[derive(Debug, Clone)]
pub struct LayerBlob {
    pub layer: LayerRef,
    pub media_type: String,
    /// Size of the stored blob in bytes.
    pub size: u64,
    pub location: BlobLocation,
    pub verify: Verify,
}

impl LayerBlob {
    /// A short name for messages: `layer 2 (sha256:0123456789ab)`.
    pub fn describe(&self) -> String {
        let id = self
            .layer
            .digest
            .as_ref()
            .or(self.layer.diff_id.as_ref())
            .map(Digest::short)
            .unwrap_or_else(|| "no digest".into());
        format!("layer {} ({id})", self.layer.index)
    }

    /// Opens the layer as an uncompressed tar stream. Compression (gzip, zstd or none) is
    /// detected from the content, not trusted from the media type. The returned reader
    /// fails with `InvalidData` at end of stream when the digest does not match, so the
    /// caller must read it to the end (see [`LayerStream::finish`]). `progress` counts
    /// stored (compressed) bytes read.
    pub fn open(&self, progress: Option<Arc<AtomicU64>>) -> io::Result<LayerStream> {
        let mut file = File::open(&self.location.path)?;
        file.seek(SeekFrom::Start(self.location.offset))?;
        let raw = Counting {
            inner: file.take(self.location.len),
            progress,
        };
        let (stored, plain_check): (Box<dyn Read + Send>, Option<Digest>) = match &self.verify {
            Verify::Stored(d) => (Box::new(Hashing::new(raw, d.clone())?), None),
            Verify::Uncompressed(d) => (Box::new(raw), Some(d.clone())),
            Verify::Done => (Box::new(raw), None),
        };
        let mut buffered = BufReader::with_capacity(256 * 1024, stored);
        let magic = buffered.fill_buf()?;
        let decompressed: Box<dyn Read + Send> = if magic.starts_with(&[0x1f, 0x8b]) {
            Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?)
        } else {
            Box::new(buffered)
        };
        let inner: Box<dyn Read + Send> = match plain_check {
            Some(d) => Box::new(Hashing::new(decompressed, d)?),
            None => decompressed,
        };
        Ok(LayerStream { inner })
    }
}

impl LayerBlob {
    /// Reads the whole layer once just to check its digest. Used to explain a layer that
    /// failed to parse: a digest mismatch is the better diagnosis than the parse error.
    pub fn check_digest(&self) -> io::Result<()> {
        match &self.verify {
            Verify::Done => Ok(()),
            Verify::Uncompressed(_) => self.open(None)?.finish(),
            Verify::Stored(d) => {
                let mut file = File::open(&self.location.path)?;
                file.seek(SeekFrom::Start(self.location.offset))?;
                let mut hashing = Hashing::new(file.take(self.location.len), d.clone())?;
                io::copy(&mut hashing, &mut io::sink()).map(|_| ())
            }
        }
    }
}

/// The uncompressed tar stream of a layer.
pub struct LayerStream {
    inner: Box<dyn Read + Send>,
}

impl LayerStream {
    /// Reads whatever the tar parser left unread (padding, trailing blocks) so the digest
    /// check at end of stream runs.
    pub fn finish(&mut self) -> io::Result<()> {
        io::copy(&mut self.inner, &mut io::sink()).map(|_| ())
    }
}

impl Read for LayerStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

struct Counting<R> {
    inner: R,
    progress: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

/// Hashes everything read through it and fails at end of stream on a mismatch.
struct Hashing<R> {
    inner: R,
    hasher: Hasher,
    expected: Digest,
    checked: bool,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R, expected: Digest) -> io::Result<Self> {
        let hasher = match expected.algorithm() {
            "sha256" => Hasher::Sha256(Sha256::new()),
            "sha512" => Hasher::Sha512(Sha512::new()),
            other => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("unsupported digest algorithm {other}"),
                ));
            }
        };
        Ok(Self {
            inner,
            hasher,
            expected,
            checked: false,
        })
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = buf.get(..n).unwrap_or_default();
        match &mut self.hasher {
            Hasher::Sha256(h) => h.update(chunk),
            Hasher::Sha512(h) => h.update(chunk),
        }
        if n == 0 && !buf.is_empty() && !self.checked {
            self.checked = true;
            let hex = match &mut self.hasher {
                Hasher::Sha256(h) => hex::encode(h.finalize_reset()),
                Hasher::Sha512(h) => hex::encode(h.finalize_reset()),
            };
            if hex != self.expected.hex() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "digest mismatch: expected {}, content hashes to {}:{hex}",
                        self.expected,
                        self.expected.algorithm()
                    ),
                ));
            }
        }
        Ok(n)
    }
}

/// sha256 of a byte slice as a [`Digest`].
pub fn sha256_digest(bytes: &[u8]) -> Digest {
    let hash: [u8; 32] = Sha256::digest(bytes).into();
    Digest::from_hash(&hash).unwrap_or_else(|| unreachable!("32-byte hash"))
}

/// Checks `bytes` against `expected` (sha256 or sha512); on mismatch returns the actual digest.
pub fn verify_bytes(bytes: &[u8], expected: &Digest) -> Result<(), Digest> {
    let actual = match expected.algorithm() {
        "sha512" => Digest::from_hash(&Sha512::digest(bytes)),
        _ => Digest::from_hash(&Sha256::digest(bytes)),
    };
    match actual {
        Some(a) if &a == expected => Ok(()),
        Some(a) => Err(a),
        None => Err(sha256_digest(bytes)),
    }
}
