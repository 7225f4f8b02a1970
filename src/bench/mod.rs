//! Command-line benchmark tools that run the engine's components in-process (no HTTP), for
//! comparisons with other libraries on the same files. Each writes its results to stdout. Part of
//! the `plait` binary, not the library: it uses only the library's public API.

pub mod ann;
pub mod fvecs;
