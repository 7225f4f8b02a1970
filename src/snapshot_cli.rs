//! `plait snapshot create|list|download|restore`: the snapshot routes over HTTP (blocking
//! reqwest). Without `--collection`, `create`, `list` and `download` act on full snapshots, and
//! `restore --file` restores a full snapshot collection by collection, then its aliases.
//! Every failure is a message naming the server's answer and a non-zero exit.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::cli_http::{ServerAccess, client_with};

/// What `plait snapshot` does.
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Take a snapshot of a collection (or, without --collection, of the whole server).
    Create(Target),
    /// List the snapshots of a collection (or, without --collection, the full snapshots).
    List(Target),
    /// Download a snapshot to a file and check it against the SHA-256 the server lists.
    Download {
        #[command(flatten)]
        target: Target,
        /// The snapshot's name, as listed.
        #[arg(long)]
        snapshot: String,
        /// Where to write it [default: the snapshot's name, in the current directory].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Replace (or create) a collection from a snapshot: a local file, uploaded, or a file://
    /// location in the server's snapshots directory. Without --collection, restore every
    /// collection and alias of a full snapshot file.
    Restore {
        #[command(flatten)]
        target: Target,
        /// A local snapshot file to upload.
        #[arg(
            long,
            conflicts_with = "location",
            required_unless_present = "location"
        )]
        file: Option<PathBuf>,
        /// A file:// URL of a snapshot in the server's snapshots directory.
        #[arg(long)]
        location: Option<String>,
        /// The snapshot's expected SHA-256 (hex).
        #[arg(long)]
        checksum: Option<String>,
    },
}

/// The server, and the collection a command acts on.
#[derive(Debug, Args)]
pub struct Target {
    /// The server's URL (http:// or https://).
    #[arg(long, env = "PLAIT_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    #[command(flatten)]
    access: ServerAccess,
    /// The collection (or an alias of one).
    #[arg(long)]
    collection: Option<String>,
}

impl Target {
    fn base(&self) -> String {
        let base = self.url.trim_end_matches('/');
        match &self.collection {
            Some(c) => format!("{base}/collections/{c}/snapshots"),
            None => format!("{base}/snapshots"),
        }
    }
}

/// Runs one snapshot command.
///
/// # Errors
/// A message for the operator: the server unreachable, or its error answer.
pub fn run(command: SnapshotCommand) -> anyhow::Result<()> {
    let target = match &command {
        SnapshotCommand::Create(target)
        | SnapshotCommand::List(target)
        | SnapshotCommand::Download { target, .. }
        | SnapshotCommand::Restore { target, .. } => target,
    };
    // Snapshots can take long; the server bounds each request with its own timeout.
    let (http, _) = client_with(&target.url, &target.access).map_err(|reason| {
        anyhow::anyhow!("{:?} is not a usable server URL: {reason}", target.url)
    })?;
    match command {
        SnapshotCommand::Create(target) => {
            let url = target.base();
            let result = envelope(http.post(&url).send(), &url)?;
            print_snapshot(&result);
        }
        SnapshotCommand::List(target) => {
            let url = target.base();
            let result = envelope(http.get(&url).send(), &url)?;
            for s in result.as_array().into_iter().flatten() {
                print_snapshot(s);
            }
        }
        SnapshotCommand::Download {
            target,
            snapshot,
            out,
        } => download(&http, &target, &snapshot, out)?,
        SnapshotCommand::Restore {
            target,
            file,
            location,
            checksum,
        } => {
            let Some(collection) = &target.collection else {
                let Some(file) = file else {
                    bail!(
                        "restore without --collection restores a full snapshot, from --file only"
                    );
                };
                return restore_full(&http, &target.url, &file);
            };
            let base = target.base();
            if let Some(location) = location {
                let url = format!("{base}/recover");
                let mut body = json!({ "location": location });
                if let Some(c) = &checksum {
                    body["checksum"] = json!(c);
                }
                envelope(http.put(&url).json(&body).send(), &url)?;
            } else if let Some(file) = file {
                let mut url = format!("{base}/upload");
                if let Some(c) = &checksum {
                    url = format!("{url}?checksum={c}");
                }
                let form = reqwest::blocking::multipart::Form::new()
                    .file("snapshot", &file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                envelope(http.post(&url).multipart(form).send(), &url)?;
            }
            println!("collection {collection} restored");
        }
    }
    Ok(())
}

/// Restores a full snapshot: checks it against its manifest locally, uploads each collection's
/// snapshot (the server checks each again and replaces or creates the collection), then sets the
/// aliases it holds.
fn restore_full(http: &Client, url: &str, file: &std::path::Path) -> anyhow::Result<()> {
    use plait::engine::snapshots::archive;
    let base = url.trim_end_matches('/');
    let dir = std::env::temp_dir().join(format!("plait-restore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let restored = (|| -> anyhow::Result<()> {
        let bytes = archive::unpack_verified(file, archive::FULL_MANIFEST, &dir, |b| {
            archive::parse_full_manifest(b).map(|m| m.files)
        })
        .with_context(|| format!("{} is not a usable full snapshot", file.display()))?;
        let manifest = archive::parse_full_manifest(&bytes)?;
        for (collection, entry) in &manifest.collections {
            let url = format!("{base}/collections/{collection}/snapshots/upload");
            let form = reqwest::blocking::multipart::Form::new()
                .file("snapshot", dir.join(entry))
                .with_context(|| format!("cannot read the snapshot of {collection}"))?;
            envelope(http.post(&url).multipart(form).send(), &url)?;
            println!("collection {collection} restored");
        }
        if !manifest.aliases.is_empty() {
            let actions: Vec<Value> = manifest
                .aliases
                .iter()
                .flat_map(|(alias, collection)| {
                    [
                        json!({"delete_alias": {"alias_name": alias}}),
                        json!({"create_alias": {"alias_name": alias, "collection_name": collection}}),
                    ]
                })
                .collect();
            let url = format!("{base}/collections/aliases");
            envelope(
                http.post(&url).json(&json!({ "actions": actions })).send(),
                &url,
            )?;
            println!("{} aliases restored", manifest.aliases.len());
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    restored
}

fn download(
    http: &Client,
    target: &Target,
    snapshot: &str,
    out: Option<PathBuf>,
) -> anyhow::Result<()> {
    let base = target.base();
    let listed = envelope(http.get(&base).send(), &base)?;
    let expected = listed
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["name"] == snapshot)
        .and_then(|s| s["checksum"].as_str().map(str::to_owned));
    let url = format!("{base}/{snapshot}");
    let mut response = http
        .get(&url)
        .send()
        .with_context(|| format!("cannot reach {url}"))?;
    if !response.status().is_success() {
        bail!("{}", refusal(response, &url));
    }
    let out = out.unwrap_or_else(|| PathBuf::from(snapshot));
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = response
            .read(&mut buf)
            .with_context(|| format!("the download from {url} broke off"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        size += n as u64;
    }
    file.sync_all()?;
    let actual = format!("{:x}", hasher.finalize());
    if let Some(expected) = expected
        && expected != actual
    {
        let _ = std::fs::remove_file(&tmp);
        bail!("the download's SHA-256 is {actual}, the server lists {expected}; nothing written");
    }
    std::fs::rename(&tmp, &out).with_context(|| format!("cannot write {}", out.display()))?;
    println!("{}\t{size} bytes\tsha256 {actual}", out.display());
    Ok(())
}

fn print_snapshot(s: &Value) {
    println!(
        "{}\t{} bytes\t{}\tsha256 {}",
        s["name"].as_str().unwrap_or("?"),
        s["size"],
        s["creation_time"].as_str().unwrap_or("-"),
        s["checksum"].as_str().unwrap_or("-"),
    );
}

/// The `result` of a successful answer, or an error naming the server's.
fn envelope(sent: reqwest::Result<Response>, url: &str) -> anyhow::Result<Value> {
    let response = sent.with_context(|| format!("cannot reach {url}"))?;
    if !response.status().is_success() {
        bail!("{}", refusal(response, url));
    }
    let body: Value = response
        .json()
        .with_context(|| format!("{url} did not answer JSON"))?;
    Ok(body["result"].clone())
}

fn refusal(response: Response, url: &str) -> String {
    let status = response.status();
    let text = response.text().unwrap_or_default();
    let message = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["status"]["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| text.chars().take(200).collect());
    format!("the server at {url} answered {status}: {message}")
}
