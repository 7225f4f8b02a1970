//! What a durable WAL commit and a segment roll-over cost on this disk, on real files.
//!
//! `commit/*`: one record appended and made durable, per iteration, for a one-point record
//! (1,600 bytes: 384 floats and a small payload) and a 100-point record (160,000 bytes):
//! - `grow_one_fsync`: the log before preallocation: the frame appended to a growing file, one
//!   `fdatasync` (which then also commits the new file size);
//! - `prealloc_one_fsync`: the frame written into a preallocated segment, one `fdatasync` (the
//!   current layout without the synced mark);
//! - `prealloc_two_fsync`: the frame, `fdatasync`, the synced mark, `fdatasync`: the sequence
//!   `LocalWal` runs under `Durability::Fsync`;
//! - `local_wal`: `LocalWal::append` + `wait_durable` with 64 MiB segments, as a collection
//!   commits one write group (its roll-overs included, amortised over the records).
//!
//! Records always go to space never written before, as in a log: a new segment (or file) is
//! set up outside the timed region whenever the current one is full.
//!
//! `segment/*`: starting a segment, per iteration (the file removed untimed afterwards):
//! - `create_prealloc_64mib`: create, reserve 64 MiB (`posix_fallocate`), header, `fdatasync`,
//!   directory `fsync`: what `LocalWal` does when the log rolls over;
//! - `create_no_prealloc`: the same without the reservation (the log before preallocation).
//!
//! Before criterion's runs, `paired` (`PLAIT_WAL_PAIRED_ROUNDS`, default 300; 0 skips it) times
//! the commit variants and the two segment starts interleaved, one of each per round in rotating
//! order, so that every variant meets the same disk conditions: on a shared disk whose `fsync`
//! latency drifts by 10x within minutes, criterion's one-variant-after-the-other runs cannot
//! compare them. It prints p10 / p50 / p90 per variant and the median of the per-round ratios.
//!
//! Files live in a temporary directory under `PLAIT_BENCH_DIR` (default: the system temporary
//! directory); the bench prints the file system type it found there. On tmpfs `fdatasync` is a
//! no-op, so run it on the disk a data directory would use.
//!
//! `cargo bench --bench wal_commit`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group};
use plait::storage::wal::{Durability, LocalWal, WalOptions, WriteAheadLog, frame, segment};
use plait::storage::{FileSystem, RealFs, WritableFile};

/// The default segment size of a collection's WAL.
const SEGMENT_BYTES: u64 = 64 << 20;
/// Record sizes: one 384-d point with a small payload, and a batch of 100 of them.
const RECORD_BYTES: [usize; 2] = [1_600, 160_000];

fn bench_dir() -> tempfile::TempDir {
    let parent = std::env::var_os("PLAIT_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("plait-wal-bench-")
        .tempdir_in(&parent)
        .expect("a temporary directory for the bench");
    eprintln!(
        "wal_commit: files in {} ({})",
        dir.path().display(),
        fs_type(dir.path())
    );
    dir
}

/// The file system type of `path`, from `statfs`.
fn fs_type(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return "unknown".into();
    };
    // SAFETY: an all-zero `statfs` is a valid value of this plain C struct.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a NUL-terminated string and `st` a writable struct; both outlive the call.
    if unsafe { libc::statfs(c_path.as_ptr(), &raw mut st) } != 0 {
        return "unknown".into();
    }
    #[allow(clippy::unnecessary_cast)] // f_type's integer type differs between C libraries
    let magic = st.f_type as i64;
    let name = match magic {
        0xEF53 => "ext4",
        0x5846_5342 => "xfs",
        0x9123_683E => "btrfs",
        0x0102_1994 => "tmpfs",
        0x794C_7630 => "overlayfs",
        _ => "other",
    };
    format!("{name}, statfs magic {magic:#x}")
}

fn record(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// One frame as the log encodes it.
fn framed(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    frame::encode(1, payload, &mut out);
    out
}

/// A file being filled with frames, replaced by a fresh one (untimed) when full.
struct Target {
    fs: RealFs,
    dir: PathBuf,
    prealloc: bool,
    file: Option<Box<dyn WritableFile>>,
    path: PathBuf,
    len: u64,
    files: u64,
}

impl Target {
    fn new(dir: &Path, prealloc: bool) -> Self {
        Self {
            fs: RealFs,
            dir: dir.to_path_buf(),
            prealloc,
            file: None,
            path: PathBuf::new(),
            len: 0,
            files: 0,
        }
    }

    /// Starts a fresh file when the current one has no room for `need` more bytes.
    fn make_room(&mut self, need: u64) {
        if self.file.is_none() || self.len + need > SEGMENT_BYTES {
            self.file = None;
            if self.files > 0 {
                let _ = self.fs.remove_file(&self.path);
            }
            self.files += 1;
            self.path = self.dir.join(format!("target-{}.wal", self.files));
            let mut file = self.fs.create(&self.path).expect("create a segment");
            if self.prealloc {
                file.allocate(SEGMENT_BYTES).expect("reserve a segment");
            }
            file.write_all_at(&segment::encode_header(1), 0)
                .expect("write a header");
            file.sync_data().expect("fsync a header");
            self.fs.sync_dir(&self.dir).expect("fsync the directory");
            self.file = Some(file);
            self.len = segment::HEADER_LEN as u64;
        }
    }

    /// Takes `need` bytes of the room [`Self::make_room`] made; returns the file and the offset.
    fn take(&mut self, need: u64) -> (&mut Box<dyn WritableFile>, u64) {
        let at = self.len;
        self.len += need;
        (self.file.as_mut().expect("a file was just set"), at)
    }
}

fn commit(c: &mut Criterion) {
    let dir = bench_dir();
    let mut group = c.benchmark_group("commit");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for &bytes in &RECORD_BYTES {
        let payload = record(bytes);
        let frame = framed(&payload);
        let need = frame.len() as u64;
        for (name, prealloc, marks) in [
            ("grow_one_fsync", false, false),
            ("prealloc_one_fsync", true, false),
            ("prealloc_two_fsync", true, true),
        ] {
            let sub = dir.path().join(format!("{name}-{bytes}"));
            std::fs::create_dir_all(&sub).expect("a bench subdirectory");
            let mut target = Target::new(&sub, prealloc);
            let mut slot = 0usize;
            group.bench_function(BenchmarkId::new(name, bytes), |b| {
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        // Set-up of a fresh file, when one is due, stays outside the timing.
                        target.make_room(need);
                        let started = Instant::now();
                        let (file, at) = target.take(need);
                        file.write_all_at(&frame, at).expect("write a frame");
                        file.sync_data().expect("fsync the frame");
                        if marks {
                            let mark = segment::encode_mark(at + need);
                            file.write_all_at(&mark, segment::MARK_SLOTS[slot] as u64)
                                .expect("write the mark");
                            file.sync_data().expect("fsync the mark");
                            slot ^= 1;
                        }
                        spent += started.elapsed();
                    }
                    spent
                });
            });
        }
        let sub = dir.path().join(format!("local_wal-{bytes}"));
        let (mut wal, _) = LocalWal::open(
            Arc::new(RealFs),
            &sub,
            WalOptions {
                durability: Durability::Fsync,
                segment_bytes: SEGMENT_BYTES,
            },
            0,
        )
        .expect("open a WAL");
        group.bench_function(BenchmarkId::new("local_wal", bytes), |b| {
            b.iter(|| {
                let seq = wal.append(&payload).expect("append");
                wal.wait_durable(seq).expect("commit");
                if wal.bytes_since_truncate() > 4 * SEGMENT_BYTES {
                    // Keep the disk use bounded: drop what is already durable.
                    wal.truncate_through(seq.saturating_sub(1))
                        .expect("truncate");
                }
            });
        });
    }
    group.finish();
}

fn segment_start(c: &mut Criterion) {
    let dir = bench_dir();
    let fs = RealFs;
    let mut group = c.benchmark_group("segment");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for (name, reserve) in [
        ("create_prealloc_64mib", true),
        ("create_no_prealloc", false),
    ] {
        let path = dir.path().join(format!("{name}.wal"));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    let mut file = fs.create(&path).expect("create a segment");
                    if reserve {
                        file.allocate(SEGMENT_BYTES).expect("reserve a segment");
                    }
                    file.write_all_at(&segment::encode_header(1), 0)
                        .expect("write a header");
                    file.sync_data().expect("fsync a header");
                    fs.sync_dir(dir.path()).expect("fsync the directory");
                    spent += started.elapsed();
                    drop(file);
                    fs.remove_file(&path).expect("remove the segment");
                    fs.sync_dir(dir.path()).expect("fsync the directory");
                }
                spent
            });
        });
    }
    group.finish();
}

/// One durable commit of `frame` on `target`, timed (the set-up of a fresh file is not).
fn timed_commit(target: &mut Target, frame: &[u8], marks: bool, slot: &mut usize) -> f64 {
    let need = frame.len() as u64;
    target.make_room(need);
    let started = Instant::now();
    let (file, at) = target.take(need);
    file.write_all_at(frame, at).expect("write a frame");
    file.sync_data().expect("fsync the frame");
    if marks {
        let mark = segment::encode_mark(at + need);
        file.write_all_at(&mark, segment::MARK_SLOTS[*slot] as u64)
            .expect("write the mark");
        file.sync_data().expect("fsync the mark");
        *slot ^= 1;
    }
    started.elapsed().as_secs_f64() * 1e6
}

/// One segment start, timed; the file is removed untimed afterwards.
fn timed_segment_start(dir: &Path, reserve: bool) -> f64 {
    let fs = RealFs;
    let path = dir.join("paired-segment.wal");
    let started = Instant::now();
    let mut file = fs.create(&path).expect("create a segment");
    if reserve {
        file.allocate(SEGMENT_BYTES).expect("reserve a segment");
    }
    file.write_all_at(&segment::encode_header(1), 0)
        .expect("write a header");
    file.sync_data().expect("fsync a header");
    fs.sync_dir(dir).expect("fsync the directory");
    let us = started.elapsed().as_secs_f64() * 1e6;
    drop(file);
    fs.remove_file(&path).expect("remove the segment");
    fs.sync_dir(dir).expect("fsync the directory");
    us
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let idx = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
    sorted.get(idx).copied().unwrap_or(0.0)
}

fn summary(name: &str, mut us: Vec<f64>) -> String {
    us.sort_by(f64::total_cmp);
    format!(
        "| {name} | {:.0} | {:.0} | {:.0} |",
        quantile(&us, 0.1),
        quantile(&us, 0.5),
        quantile(&us, 0.9)
    )
}

fn median_ratio(a: &[f64], b: &[f64]) -> f64 {
    let mut r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    r.sort_by(f64::total_cmp);
    quantile(&r, 0.5)
}

/// The interleaved measurement described in the module documentation.
fn paired() {
    let rounds: usize = std::env::var("PLAIT_WAL_PAIRED_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    if rounds == 0 {
        return;
    }
    let dir = bench_dir();
    println!("paired, {rounds} rounds; microseconds per commit or segment start");
    println!("| variant | p10 | p50 | p90 |");
    println!("|---|---:|---:|---:|");
    for &bytes in &RECORD_BYTES {
        let frame = framed(&record(bytes));
        let mut targets: Vec<Target> = [false, true, true]
            .into_iter()
            .enumerate()
            .map(|(i, prealloc)| {
                let sub = dir.path().join(format!("paired-{bytes}-{i}"));
                std::fs::create_dir_all(&sub).expect("a bench subdirectory");
                Target::new(&sub, prealloc)
            })
            .collect();
        let mut times = vec![Vec::new(); 3];
        let mut slot = 0usize;
        for round in 0..rounds {
            for k in 0..3 {
                let v = (round + k) % 3;
                let us = timed_commit(&mut targets[v], &frame, v == 2, &mut slot);
                times[v].push(us);
            }
        }
        let two_vs_one = median_ratio(&times[2], &times[1]);
        let two_vs_grow = median_ratio(&times[2], &times[0]);
        let one_vs_grow = median_ratio(&times[1], &times[0]);
        let names = ["grow_one_fsync", "prealloc_one_fsync", "prealloc_two_fsync"];
        for (name, t) in names.iter().zip(times) {
            println!("{}", summary(&format!("commit/{name}/{bytes}"), t));
        }
        println!(
            "| ratios {bytes} B (median per round) | two/one prealloc {two_vs_one:.2} | \
             two prealloc/one grow {two_vs_grow:.2} | one prealloc/one grow {one_vs_grow:.2} |"
        );
    }
    let seg_rounds = rounds.div_ceil(5);
    let mut seg = vec![Vec::new(); 2];
    for round in 0..seg_rounds {
        for k in 0..2 {
            let v = (round + k) % 2;
            seg[v].push(timed_segment_start(dir.path(), v == 0));
        }
    }
    let extra: Vec<f64> = seg[0].iter().zip(&seg[1]).map(|(a, b)| a - b).collect();
    let mut extra_sorted = extra.clone();
    extra_sorted.sort_by(f64::total_cmp);
    let ratio = median_ratio(&seg[0], &seg[1]);
    let [with, without]: [Vec<f64>; 2] = seg.try_into().expect("two variants");
    println!("{}", summary("segment/create_prealloc_64mib", with));
    println!("{}", summary("segment/create_no_prealloc", without));
    println!(
        "| segment ({seg_rounds} rounds) | prealloc/no prealloc {ratio:.2} | extra p50 {:.0} us | |",
        quantile(&extra_sorted, 0.5)
    );
}

criterion_group!(benches, commit, segment_start);

fn main() {
    if !std::env::args().any(|a| a == "--list") {
        paired();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
