//! The HTTP layer reaches storage types only through the engine's re-exports, so the engine stays
//! the one seam between requests and bytes on disk (and a replicated log can replace the local one
//! without touching `api/`).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

#[test]
fn api_never_names_the_storage_layer() -> Result<(), Box<dyn std::error::Error>> {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = Vec::new();
    rust_files(&api, &mut files)?;
    assert!(
        files.len() > 10,
        "found only {} files under src/api",
        files.len()
    );
    // Spelled in two parts so this file does not match itself.
    let needle = concat!("crate::", "storage");
    let mut offenders = Vec::new();
    for file in files {
        for (i, line) in std::fs::read_to_string(&file)?.lines().enumerate() {
            let code = line.trim_start();
            if !code.starts_with("//") && code.contains(needle) {
                offenders.push(format!("{}:{}: {code}", file.display(), i + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "api/ imports storage types directly; use the engine's re-exports:\n{}",
        offenders.join("\n")
    );
    Ok(())
}
