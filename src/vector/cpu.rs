//! Which instruction sets a kernel set needs, and the check that gates them.
//!
//! Every SIMD kernel module declares the CPU features its `#[target_feature]` attributes enable
//! (its `FEATURES`). A kernel set ([`Isa`]) lists the modules it draws kernels from, and the
//! tables in `distance` and `quantize::kernels` build a set only when [`missing`] finds every one
//! of those features detected on this CPU. That check is what makes calling the set's `unsafe`
//! kernels through its safe methods sound, so it lives in one place.

/// A CPU feature some kernel is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// 256-bit integer and float SIMD.
    Avx2,
    /// Fused multiply-add.
    Fma,
    /// AVX-512 Foundation.
    Avx512f,
    /// Population count.
    Popcnt,
}

impl Feature {
    /// Whether this CPU has the feature.
    #[must_use]
    pub fn detected(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Self::Avx2 => is_x86_feature_detected!("avx2"),
                Self::Fma => is_x86_feature_detected!("fma"),
                Self::Avx512f => is_x86_feature_detected!("avx512f"),
                Self::Popcnt => is_x86_feature_detected!("popcnt"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = self;
            false
        }
    }
}

/// A family of kernel sets, named as `PLAIT_KERNELS` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// Plain Rust; every CPU.
    Scalar,
    /// AVX2 + FMA (and POPCNT for binary vectors).
    Avx2,
    /// AVX-512F, plus the AVX2 + FMA kernels it reuses.
    Avx512,
}

impl Isa {
    /// Every family, slowest first.
    pub const ALL: [Isa; 3] = [Isa::Scalar, Isa::Avx2, Isa::Avx512];

    /// `scalar`, `avx2` or `avx512`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Scalar => "scalar",
            Self::Avx2 => "avx2",
            Self::Avx512 => "avx512",
        }
    }

    /// The family `PLAIT_KERNELS` pins, if it names one.
    #[must_use]
    pub fn pinned() -> Option<Isa> {
        let wanted = std::env::var("PLAIT_KERNELS").ok()?;
        Self::ALL.into_iter().find(|isa| isa.name() == wanted)
    }
}

/// The features in `required` (the `FEATURES` of every module a set draws from) that `has` says
/// are absent, each once. A set may be built only when this is empty for [`Feature::detected`].
#[must_use]
pub fn missing(required: &[&[Feature]], has: impl Fn(Feature) -> bool) -> Vec<Feature> {
    let mut out: Vec<Feature> = Vec::new();
    for &feature in required.iter().flat_map(|module| module.iter()) {
        if !has(feature) && !out.contains(&feature) {
            out.push(feature);
        }
    }
    out
}

/// Whether every feature in `required` is detected on this CPU.
#[must_use]
pub fn supports(required: &[&[Feature]]) -> bool {
    missing(required, Feature::detected).is_empty()
}

/// The set to use from `sets` (those this CPU supports, slowest first): the one `PLAIT_KERNELS`
/// pins when supported, else the fastest, else `fallback`. One variable pins every family of
/// kernels.
pub(crate) fn choose<T: Copy>(sets: &[T], isa: impl Fn(&T) -> Isa, fallback: T) -> T {
    Isa::pinned()
        .and_then(|wanted| sets.iter().find(|s| isa(s) == wanted))
        .or_else(|| sets.last())
        .copied()
        .unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::{Feature, missing};

    #[test]
    fn missing_lists_each_absent_feature_once() {
        let required: &[&[Feature]] = &[&[Feature::Avx2, Feature::Fma], &[Feature::Fma]];
        assert_eq!(missing(required, |_| true), Vec::new());
        assert_eq!(missing(required, |f| f != Feature::Fma), vec![Feature::Fma]);
        assert_eq!(
            missing(required, |_| false),
            vec![Feature::Avx2, Feature::Fma]
        );
    }
}
