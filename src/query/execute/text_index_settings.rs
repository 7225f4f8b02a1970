//! `CREATE INDEX ON c (field) TYPE text WITH (...)`: a text index's analyzer and BM25 settings
//! from VelesQL, with the names and meanings of the REST `field_schema` (`tokenizer`,
//! `lowercase`, `ascii_folding`, `min_token_len`, `max_token_len`, `stopwords`,
//! `custom_stopwords`, `stemmer`, `k1`, `b`), each mistake a positioned `invalid_setting`.
//!
//! It only reads settings: creating the index is `schema.rs`'s.

use super::super::velesql::ErrorCode;
use super::super::velesql::ast::Setting;
use super::super::velesql::constant;
use super::{ExecError, Runner};
use crate::columns::Value;
use crate::text::{TextSettings, Tokenizer};

/// The settings `WITH` accepts, for the error that names an unknown one.
const KNOWN: &str = "tokenizer, lowercase, ascii_folding, min_token_len, max_token_len, \
                     stopwords, custom_stopwords, stemmer, k1, b";

impl Runner<'_, '_> {
    /// The text index settings of `with` (Qdrant's defaults for what it leaves out), validated.
    pub(super) fn text_index_settings(&self, with: &[Setting]) -> Result<TextSettings, ExecError> {
        let mut out = TextSettings::default();
        for s in with {
            let value = constant(&s.value, &self.lower_context())?;
            let bad = |expected: &str| {
                self.error(
                    ErrorCode::InvalidSetting,
                    format!("{} is {expected}", s.name.name),
                    s.value.span,
                )
            };
            let string = |v: &Value| match v {
                Value::String(text) => Ok(text.clone()),
                _ => Err(bad("a string")),
            };
            let strings = |v: &Value| match v {
                Value::String(text) => Ok(vec![text.clone()]),
                Value::Array(items) => items
                    .iter()
                    .map(|i| match i {
                        Value::String(text) => Ok(text.clone()),
                        _ => Err(bad("a string or a list of strings")),
                    })
                    .collect(),
                _ => Err(bad("a string or a list of strings")),
            };
            let boolean = |v: &Value| match v {
                Value::Bool(b) => Ok(*b),
                _ => Err(bad("true or false")),
            };
            let length = |v: &Value| match v {
                Value::Int(i) => u32::try_from(*i).map_err(|_| bad("an integer from 1 to 1024")),
                _ => Err(bad("an integer from 1 to 1024")),
            };
            let number = |v: &Value| match v {
                Value::Int(i) => Ok(*i as f64),
                Value::Float(f) => Ok(*f),
                _ => Err(bad("a number")),
            };
            match s.name.name.to_ascii_lowercase().as_str() {
                "tokenizer" => {
                    out.tokenizer = Tokenizer::from_name(&string(&value)?).map_err(|e| {
                        self.error(ErrorCode::InvalidSetting, e.to_string(), s.value.span)
                    })?;
                }
                "lowercase" => out.lowercase = boolean(&value)?,
                "ascii_folding" => out.ascii_folding = boolean(&value)?,
                "min_token_len" => out.min_token_len = Some(length(&value)?),
                "max_token_len" => out.max_token_len = Some(length(&value)?),
                "stopwords" => out.stopword_languages = strings(&value)?,
                "custom_stopwords" => out.custom_stopwords = strings(&value)?,
                "stemmer" => out.stemmer = Some(string(&value)?),
                "k1" => out.k1 = number(&value)?,
                "b" => out.b = number(&value)?,
                other => {
                    return Err(self.error(
                        ErrorCode::InvalidSetting,
                        format!("unknown text index setting {other}: {KNOWN}"),
                        s.name.span,
                    ));
                }
            }
        }
        out.validate().map_err(|e| {
            // The caret goes to the setting the message names, when one does.
            let message = e.to_string();
            let span = with
                .iter()
                .find(|s| message.contains(&s.name.name.to_ascii_lowercase()))
                .or_else(|| with.first())
                .map(|s| s.value.span)
                .unwrap_or_default();
            self.error(ErrorCode::InvalidSetting, message, span)
        })
    }
}
