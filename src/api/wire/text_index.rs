//! The `field_schema` of a text index in Qdrant's shape (`{"type": "text", "tokenizer": "word",
//! "lowercase": true, "ascii_folding": false, "min_token_len": 2, "max_token_len": 20,
//! "stopwords": "english" | {"languages": [...], "custom": [...]}, "stemmer": {"type":
//! "snowball", "language": "english"}, "phrase_matching": true}`), plus Plait's BM25 `k1` and `b`,
//! and the `params` it shows in `payload_schema`.

use serde_json::{Map, Value as Json, json};

use crate::api::error::ApiError;
use crate::text::{SettingsError, TextSettings, Tokenizer};

fn bad(field: &str, expected: &str) -> ApiError {
    ApiError::unprocessable(format!("`field_schema.{field}` must be {expected}"))
}

fn settings_error(e: &SettingsError) -> ApiError {
    ApiError::unprocessable(format!("`field_schema`: {e}"))
}

fn token_len(value: &Json, field: &str) -> Result<Option<u32>, ApiError> {
    match value {
        Json::Null => Ok(None),
        v => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(field, "a positive integer")),
    }
}

fn strings(value: &Json, field: &str) -> Result<Vec<String>, ApiError> {
    let Json::Array(items) = value else {
        return Err(bad(field, "an array of strings"));
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad(field, "an array of strings"))
        })
        .collect()
}

/// The settings an object `field_schema` of type `text` asks for.
///
/// # Errors
/// 422 naming the first unknown, malformed or unsupported parameter.
pub fn text_settings(params: &Map<String, Json>) -> Result<TextSettings, ApiError> {
    let mut s = TextSettings::default();
    for (key, value) in params {
        match key.as_str() {
            "type" => {}
            "tokenizer" => {
                let name = value.as_str().ok_or_else(|| bad(key, "a tokenizer name"))?;
                s.tokenizer = Tokenizer::from_name(name).map_err(|e| settings_error(&e))?;
            }
            "lowercase" => {
                s.lowercase = value.as_bool().ok_or_else(|| bad(key, "true or false"))?
            }
            "ascii_folding" => {
                s.ascii_folding = value.as_bool().ok_or_else(|| bad(key, "true or false"))?;
            }
            // Plait always keeps positions, so phrases work either way.
            "phrase_matching" => {
                if !value.is_boolean() && !value.is_null() {
                    return Err(bad(key, "true or false"));
                }
            }
            "on_disk" => {
                if value.as_bool() == Some(true) {
                    return Err(ApiError::unsupported(
                        "field_schema.on_disk",
                        "payload indexes on disk (every index is kept in memory)",
                    ));
                }
            }
            "min_token_len" => s.min_token_len = token_len(value, key)?,
            "max_token_len" => s.max_token_len = token_len(value, key)?,
            "stopwords" => match value {
                Json::Null => {}
                Json::String(lang) => s.stopword_languages = vec![lang.clone()],
                Json::Object(set) => {
                    for (k, v) in set {
                        match k.as_str() {
                            "languages" => {
                                s.stopword_languages = strings(v, "stopwords.languages")?
                            }
                            "custom" => s.custom_stopwords = strings(v, "stopwords.custom")?,
                            _ => {
                                return Err(bad(
                                    "stopwords",
                                    "a language or {\"languages\", \"custom\"}",
                                ));
                            }
                        }
                    }
                }
                _ => return Err(bad(key, "a language or {\"languages\", \"custom\"}")),
            },
            "stemmer" => match value {
                Json::Null => {}
                Json::Object(st) => {
                    let kind = st.get("type").and_then(Json::as_str).unwrap_or_default();
                    if kind != "snowball" {
                        return Err(settings_error(&SettingsError::UnknownStemmer {
                            name: kind.chars().take(64).collect(),
                        }));
                    }
                    let lang = st
                        .get("language")
                        .and_then(Json::as_str)
                        .ok_or_else(|| bad("stemmer.language", "a language name"))?;
                    s.stemmer = Some(lang.to_owned());
                }
                _ => return Err(bad(key, "{\"type\": \"snowball\", \"language\": …}")),
            },
            "k1" => s.k1 = value.as_f64().ok_or_else(|| bad(key, "a number"))?,
            "b" => s.b = value.as_f64().ok_or_else(|| bad(key, "a number"))?,
            other => {
                return Err(ApiError::unprocessable(format!(
                    "`field_schema.{}` is not a text index parameter Plait knows",
                    other.chars().take(64).collect::<String>()
                )));
            }
        }
    }
    s.validate().map_err(|e| settings_error(&e))
}

/// The `params` of a text index as `payload_schema` shows them (Qdrant's names; `k1` and `b`
/// are Plait's).
#[must_use]
pub fn text_params(s: &TextSettings) -> Json {
    let mut out = json!({
        "type": "text",
        "tokenizer": s.tokenizer.name(),
        "lowercase": s.lowercase,
        "ascii_folding": s.ascii_folding,
        "phrase_matching": true,
        "k1": s.k1,
        "b": s.b,
    });
    if let Json::Object(map) = &mut out {
        if let Some(n) = s.min_token_len {
            map.insert("min_token_len".into(), n.into());
        }
        if let Some(n) = s.max_token_len {
            map.insert("max_token_len".into(), n.into());
        }
        if !s.stopword_languages.is_empty() || !s.custom_stopwords.is_empty() {
            map.insert(
                "stopwords".into(),
                json!({"languages": s.stopword_languages, "custom": s.custom_stopwords}),
            );
        }
        if let Some(lang) = &s.stemmer {
            map.insert(
                "stemmer".into(),
                json!({"type": "snowball", "language": lang}),
            );
        }
    }
    out
}
