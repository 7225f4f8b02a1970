//! Bytes on disk: the file-system seam, the write-ahead log, checkpoint files and atomic
//! replacement.
//!
//! This layer owns byte layouts, checksums and the order of `write`/`fsync`/`rename` calls. It knows
//! nothing about points, vectors or collections: every record it stores is an opaque byte string that
//! the engine encodes. It must never import anything from `engine/` or `api/`.
//!
//! Every format written here is described in `docs/design/on-disk-format.md` and starts with a magic
//! number and a version.

pub mod atomic_write;
pub mod checkpoint;
pub mod durable_copy;
pub mod file_header;
pub mod fs;
pub mod wal;

pub use atomic_write::atomic_write;
pub use fs::{FileSystem, ReadableFile, RealFs, WritableFile};
