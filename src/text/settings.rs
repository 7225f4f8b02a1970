//! [`TextSettings`]: how a text index turns a string into terms (tokenizer, case, folding, token
//! lengths, stop words, stemmer) and its BM25 parameters, validated once when the index is
//! created, and their bytes in WAL records and checkpoint images.
//!
//! ```text
//! settings := version u8 (1), tokenizer u8 (1 word, 2 whitespace), flags u8 (bit 0 lowercase,
//!             bit 1 ascii_folding), u32 LE min_token_len (0 = none), u32 LE max_token_len
//!             (0 = none), u32 LE n, n × language, u32 LE m, m × custom stop word,
//!             u8 stemmer (0 none, 1 snowball) [, language], f64 LE k1, f64 LE b
//! language, word := u32 LE byte length, UTF-8
//! ```

/// How text is cut into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokenizer {
    /// Unicode word boundaries (UAX #29): punctuation is dropped, words are kept.
    Word,
    /// Runs of non-whitespace characters, punctuation included.
    Whitespace,
}

/// A validated analyzer and scoring configuration of one text index.
#[derive(Debug, Clone, PartialEq)]
pub struct TextSettings {
    /// How text is cut into tokens.
    pub tokenizer: Tokenizer,
    /// Lowercase every token (default true).
    pub lowercase: bool,
    /// Replace non-ASCII letters by their closest ASCII spelling (`é` → `e`; default false).
    pub ascii_folding: bool,
    /// Tokens shorter than this many characters are dropped.
    pub min_token_len: Option<u32>,
    /// Tokens longer than this many characters are dropped.
    pub max_token_len: Option<u32>,
    /// Stop word lists by language name (`"english"`), lowercase.
    pub stopword_languages: Vec<String>,
    /// Extra stop words.
    pub custom_stopwords: Vec<String>,
    /// Snowball stemmer language, if any.
    pub stemmer: Option<String>,
    /// BM25 term-frequency saturation (default 1.2).
    pub k1: f64,
    /// BM25 length normalisation (default 0.75).
    pub b: f64,
}

impl Default for TextSettings {
    fn default() -> Self {
        Self {
            tokenizer: Tokenizer::Word,
            lowercase: true,
            ascii_folding: false,
            min_token_len: None,
            max_token_len: None,
            stopword_languages: Vec::new(),
            custom_stopwords: Vec::new(),
            stemmer: None,
            k1: DEFAULT_K1,
            b: DEFAULT_B,
        }
    }
}

/// BM25's `k1` when none is given, as in Lucene and tantivy.
pub const DEFAULT_K1: f64 = 1.2;
/// BM25's `b` when none is given, as in Lucene and tantivy.
pub const DEFAULT_B: f64 = 0.75;
/// The longest token length a setting may name.
pub const MAX_TOKEN_LEN_BOUND: u32 = 1024;
/// The most custom stop words one index may list.
pub const MAX_CUSTOM_STOPWORDS: usize = 10_000;

/// Why text index settings were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    /// A tokenizer Plait does not have.
    #[error(
        "tokenizer {name:?} is not supported: use \"word\" or \"whitespace\" (\"prefix\" and \"multilingual\" are not available)"
    )]
    UnknownTokenizer {
        /// The name given.
        name: String,
    },
    /// A language without a stop word list or stemmer.
    #[error("{what} language {name:?} is not supported; supported: {supported}")]
    UnknownLanguage {
        /// "stop word" or "stemmer".
        what: &'static str,
        /// The name given.
        name: String,
        /// The names accepted.
        supported: String,
    },
    /// A stemmer type other than snowball.
    #[error("stemmer type {name:?} is not supported: use \"snowball\"")]
    UnknownStemmer {
        /// The type given.
        name: String,
    },
    /// A numeric setting out of range.
    #[error("{field} must be {expected}, got {got}")]
    OutOfRange {
        /// The setting.
        field: &'static str,
        /// The accepted range.
        expected: &'static str,
        /// The value given.
        got: String,
    },
}

/// The languages with both a Snowball stemmer and a stop word list: Qdrant's name, the ISO 639-1
/// code of the stop word list, and the stemmer.
const LANGUAGES: &[(&str, &str, rust_stemmers::Algorithm)] = {
    use rust_stemmers::Algorithm as A;
    &[
        ("arabic", "ar", A::Arabic),
        ("danish", "da", A::Danish),
        ("dutch", "nl", A::Dutch),
        ("english", "en", A::English),
        ("finnish", "fi", A::Finnish),
        ("french", "fr", A::French),
        ("german", "de", A::German),
        ("greek", "el", A::Greek),
        ("hungarian", "hu", A::Hungarian),
        ("italian", "it", A::Italian),
        ("norwegian", "no", A::Norwegian),
        ("portuguese", "pt", A::Portuguese),
        ("romanian", "ro", A::Romanian),
        ("russian", "ru", A::Russian),
        ("spanish", "es", A::Spanish),
        ("swedish", "sv", A::Swedish),
        ("tamil", "ta", A::Tamil),
        ("turkish", "tr", A::Turkish),
    ]
};

fn supported_languages() -> String {
    LANGUAGES
        .iter()
        .map(|(n, _, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn language(
    what: &'static str,
    name: &str,
) -> Result<&'static (&'static str, &'static str, rust_stemmers::Algorithm), SettingsError> {
    let lower = name.to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(n, code, _)| *n == lower || *code == lower)
        .ok_or_else(|| SettingsError::UnknownLanguage {
            what,
            name: name.to_owned(),
            supported: supported_languages(),
        })
}

/// The stop words of language `name` (a name [`TextSettings::validate`] accepted).
pub(super) fn stopwords_of(name: &str) -> &'static [&'static str] {
    language("stop word", name)
        .ok()
        .and_then(|(_, code, _)| stop_words::lookup(code))
        .unwrap_or(&[])
}

/// The stemmer of language `name` (a name [`TextSettings::validate`] accepted).
pub(super) fn stemmer_of(name: &str) -> Option<rust_stemmers::Algorithm> {
    language("stemmer", name).ok().map(|(_, _, a)| *a)
}

impl Tokenizer {
    /// The tokenizer Qdrant calls `name`.
    ///
    /// # Errors
    /// [`SettingsError::UnknownTokenizer`] for any other name (`prefix` and `multilingual`
    /// included).
    pub fn from_name(name: &str) -> Result<Self, SettingsError> {
        match name {
            "word" => Ok(Self::Word),
            "whitespace" => Ok(Self::Whitespace),
            _ => Err(SettingsError::UnknownTokenizer {
                name: name.to_owned(),
            }),
        }
    }

    /// Qdrant's name for this tokenizer.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Word => "word",
            Self::Whitespace => "whitespace",
        }
    }
}

impl TextSettings {
    /// Checks every setting and normalises language names to Qdrant's lowercase names.
    ///
    /// # Errors
    /// [`SettingsError`] naming the first bad setting.
    pub fn validate(mut self) -> Result<Self, SettingsError> {
        for (field, len) in [
            ("min_token_len", self.min_token_len),
            ("max_token_len", self.max_token_len),
        ] {
            if let Some(n) = len
                && !(1..=MAX_TOKEN_LEN_BOUND).contains(&n)
            {
                return Err(SettingsError::OutOfRange {
                    field,
                    expected: "between 1 and 1024",
                    got: n.to_string(),
                });
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_token_len, self.max_token_len)
            && lo > hi
        {
            return Err(SettingsError::OutOfRange {
                field: "min_token_len",
                expected: "at most max_token_len",
                got: lo.to_string(),
            });
        }
        if !(self.k1.is_finite() && (0.0..=10.0).contains(&self.k1)) {
            return Err(SettingsError::OutOfRange {
                field: "k1",
                expected: "a number between 0 and 10",
                got: self.k1.to_string(),
            });
        }
        if !(self.b.is_finite() && (0.0..=1.0).contains(&self.b)) {
            return Err(SettingsError::OutOfRange {
                field: "b",
                expected: "a number between 0 and 1",
                got: self.b.to_string(),
            });
        }
        if self.custom_stopwords.len() > MAX_CUSTOM_STOPWORDS {
            return Err(SettingsError::OutOfRange {
                field: "stopwords.custom",
                expected: "at most 10000 words",
                got: self.custom_stopwords.len().to_string(),
            });
        }
        for name in &mut self.stopword_languages {
            let (canonical, code, _) = language("stop word", name)?;
            if stop_words::lookup(code).is_none() {
                return Err(SettingsError::UnknownLanguage {
                    what: "stop word",
                    name: name.clone(),
                    supported: supported_languages(),
                });
            }
            *name = (*canonical).to_owned();
        }
        self.stopword_languages.sort();
        self.stopword_languages.dedup();
        if let Some(name) = &mut self.stemmer {
            *name = language("stemmer", name)?.0.to_owned();
        }
        Ok(self)
    }

    /// Appends the settings' bytes (layout in the module doc).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(1);
        out.push(match self.tokenizer {
            Tokenizer::Word => 1,
            Tokenizer::Whitespace => 2,
        });
        out.push(u8::from(self.lowercase) | (u8::from(self.ascii_folding) << 1));
        out.extend_from_slice(&self.min_token_len.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.max_token_len.unwrap_or(0).to_le_bytes());
        put_strings(out, &self.stopword_languages);
        put_strings(out, &self.custom_stopwords);
        match &self.stemmer {
            None => out.push(0),
            Some(lang) => {
                out.push(1);
                put_str(out, lang);
            }
        }
        out.extend_from_slice(&self.k1.to_le_bytes());
        out.extend_from_slice(&self.b.to_le_bytes());
    }

    /// Reads settings written by [`TextSettings::encode`] from the front of `bytes`; returns
    /// them and the bytes after.
    ///
    /// # Errors
    /// A description of the damage.
    pub fn decode(bytes: &[u8]) -> Result<(Self, &[u8]), String> {
        let mut r = ByteReader(bytes);
        if r.u8()? != 1 {
            return Err("unknown text settings version".into());
        }
        let tokenizer = match r.u8()? {
            1 => Tokenizer::Word,
            2 => Tokenizer::Whitespace,
            other => return Err(format!("unknown tokenizer code {other}")),
        };
        let flags = r.u8()?;
        let nonzero = |n: u32| (n != 0).then_some(n);
        let min_token_len = nonzero(r.u32()?);
        let max_token_len = nonzero(r.u32()?);
        let stopword_languages = r.strings()?;
        let custom_stopwords = r.strings()?;
        let stemmer = match r.u8()? {
            0 => None,
            1 => Some(r.string()?),
            other => return Err(format!("unknown stemmer code {other}")),
        };
        let k1 = f64::from_le_bytes(r.array()?);
        let b = f64::from_le_bytes(r.array()?);
        let settings = Self {
            tokenizer,
            lowercase: flags & 1 != 0,
            ascii_folding: flags & 2 != 0,
            min_token_len,
            max_token_len,
            stopword_languages,
            custom_stopwords,
            stemmer,
            k1,
            b,
        }
        .validate()
        .map_err(|e| e.to_string())?;
        Ok((settings, r.0))
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_strings(out: &mut Vec<u8>, items: &[String]) {
    out.extend_from_slice(&u32::try_from(items.len()).unwrap_or(u32::MAX).to_le_bytes());
    for s in items {
        put_str(out, s);
    }
}

/// A bounds-checked reader over settings and image bytes.
pub(super) struct ByteReader<'a>(pub(super) &'a [u8]);

impl<'a> ByteReader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("truncated".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or("truncated")?;
        self.0 = rest;
        Ok(*head)
    }

    pub(super) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }

    pub(super) fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(super) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A count that cannot exceed the bytes left (each item takes at least one byte), so a
    /// damaged count cannot make the reader allocate more than the input.
    pub(super) fn count(&mut self) -> Result<usize, String> {
        let n = usize::try_from(self.u64()?).map_err(|_| "count overflows")?;
        if n > self.0.len() {
            return Err("count exceeds the bytes left".into());
        }
        Ok(n)
    }

    pub(super) fn string(&mut self) -> Result<String, String> {
        let len = self.u32()? as usize;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| "bad UTF-8".into())
    }

    fn strings(&mut self) -> Result<Vec<String>, String> {
        let n = self.u32()? as usize;
        if n > self.0.len() {
            return Err("count exceeds the bytes left".into());
        }
        (0..n).map(|_| self.string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_qdrants_and_lucenes() {
        let s = TextSettings::default();
        assert_eq!(s.tokenizer, Tokenizer::Word);
        assert!(s.lowercase);
        assert!(!s.ascii_folding);
        assert!((s.k1 - 1.2).abs() < 1e-12 && (s.b - 0.75).abs() < 1e-12);
    }

    #[test]
    fn prefix_and_multilingual_are_refused_by_name() {
        for name in ["prefix", "multilingual", "ngram"] {
            let err = Tokenizer::from_name(name).expect_err(name).to_string();
            assert!(err.contains(name) && err.contains("\"word\""), "{err}");
        }
        assert_eq!(
            Tokenizer::from_name("whitespace"),
            Ok(Tokenizer::Whitespace)
        );
    }

    #[test]
    fn languages_are_normalised_and_unknown_ones_refused() {
        let s = TextSettings {
            stopword_languages: vec!["English".into(), "en".into()],
            stemmer: Some("EN".into()),
            ..TextSettings::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(s.stopword_languages, vec!["english".to_owned()]);
        assert_eq!(s.stemmer.as_deref(), Some("english"));
        let err = TextSettings {
            stemmer: Some("klingon".into()),
            ..TextSettings::default()
        }
        .validate()
        .expect_err("klingon");
        assert!(err.to_string().contains("klingon"), "{err}");
    }

    /// NLTK's lists, as Qdrant's: short enough that content words ("run", "open") are kept.
    #[test]
    fn every_named_language_has_a_stop_word_list() {
        for (name, _, _) in LANGUAGES {
            let s = TextSettings {
                stopword_languages: vec![(*name).to_owned()],
                ..TextSettings::default()
            };
            assert!(s.validate().is_ok(), "{name}");
            assert!(!stopwords_of(name).is_empty(), "{name}");
        }
        let english = stopwords_of("english");
        assert!(english.contains(&"the") && !english.contains(&"run"));
    }

    #[test]
    fn out_of_range_numbers_are_refused() {
        let bad = [
            TextSettings {
                k1: -1.0,
                ..TextSettings::default()
            },
            TextSettings {
                k1: f64::NAN,
                ..TextSettings::default()
            },
            TextSettings {
                b: 1.5,
                ..TextSettings::default()
            },
            TextSettings {
                min_token_len: Some(0),
                ..TextSettings::default()
            },
            TextSettings {
                max_token_len: Some(5000),
                ..TextSettings::default()
            },
            TextSettings {
                min_token_len: Some(5),
                max_token_len: Some(3),
                ..TextSettings::default()
            },
        ];
        for s in bad {
            assert!(s.clone().validate().is_err(), "{s:?}");
        }
    }

    #[test]
    fn settings_round_trip_and_truncation_is_an_error() {
        let s = TextSettings {
            tokenizer: Tokenizer::Whitespace,
            lowercase: false,
            ascii_folding: true,
            min_token_len: Some(2),
            max_token_len: Some(30),
            stopword_languages: vec!["english".into()],
            custom_stopwords: vec!["foo".into(), "bär".into()],
            stemmer: Some("english".into()),
            k1: 1.5,
            b: 0.5,
        };
        let mut bytes = Vec::new();
        s.encode(&mut bytes);
        bytes.push(9);
        let (back, rest) = TextSettings::decode(&bytes).expect("decode");
        assert_eq!(back, s);
        assert_eq!(rest, &[9]);
        for cut in 0..bytes.len() - 1 {
            assert!(TextSettings::decode(&bytes[..cut]).is_err(), "cut {cut}");
        }
    }
}
