//! What a state's bytes are, for people (`imr inspect-state`).

use std::fmt;
use std::fmt::Write as _;

use super::binary::{self, Header, HEADER_LEN};

/// What kind of state some bytes hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateSummary {
    /// No bytes: the state before the first epoch.
    Empty,
    /// A JSON text (canonical JSON by convention).
    Json {
        /// Size in bytes.
        size: usize,
    },
    /// The [`binary`] state format.
    Binary {
        /// Its header.
        header: Header,
        /// The format's name, if the tag is known.
        format: Option<&'static str>,
        /// Size in bytes, header included.
        size: usize,
    },
    /// Neither JSON nor the binary format.
    Unrecognized {
        /// Size in bytes.
        size: usize,
    },
}

/// Classifies a state's bytes (never fails).
pub fn summarize(bytes: &[u8]) -> StateSummary {
    if bytes.is_empty() {
        StateSummary::Empty
    } else if let Some(header) = binary::header(bytes) {
        StateSummary::Binary {
            header,
            format: binary::format_name(header.tag),
            size: bytes.len(),
        }
    } else if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        StateSummary::Json { size: bytes.len() }
    } else {
        StateSummary::Unrecognized { size: bytes.len() }
    }
}

impl StateSummary {
    /// The summary as a JSON object: `kind` (`empty`, `json`, `binary`, `unrecognized`), `size`, and for a binary
    /// state `tag`, `format` (null when unknown) and `version`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Empty => serde_json::json!({"kind": "empty", "size": 0}),
            Self::Json { size } => serde_json::json!({"kind": "json", "size": size}),
            Self::Binary {
                header,
                format,
                size,
            } => serde_json::json!({
                "kind": "binary",
                "size": size,
                "tag": header.tag,
                "format": format,
                "version": header.version,
            }),
            Self::Unrecognized { size } => {
                serde_json::json!({"kind": "unrecognized", "size": size})
            }
        }
    }
}

impl fmt::Display for StateSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "empty state (before the first epoch)"),
            Self::Json { size } => write!(f, "JSON state: {size} bytes"),
            Self::Binary {
                header,
                format,
                size,
            } => write!(
                f,
                "binary state: format 0x{:02x} ({}), version {}, {size} bytes ({} header + {} body)",
                header.tag,
                format.unwrap_or("unknown format"),
                header.version,
                HEADER_LEN,
                size - HEADER_LEN
            ),
            Self::Unrecognized { size } => {
                write!(f, "unrecognized state: {size} bytes, neither JSON nor the binary format")
            }
        }
    }
}

/// A readable rendering of a state: JSON pretty-printed (keys sorted); anything else as the summary line and a
/// hex dump of the first `hex_limit` bytes (16 a line, offset, hex, ASCII).
pub fn render(bytes: &[u8], hex_limit: usize) -> String {
    let summary = summarize(bytes);
    let mut out = format!("{summary}\n");
    match summary {
        StateSummary::Empty => {}
        StateSummary::Json { .. } => {
            let pretty = serde_json::from_slice::<serde_json::Value>(bytes)
                .and_then(|v| serde_json::to_string_pretty(&v));
            match pretty {
                Ok(text) => {
                    out.push_str(&text);
                    out.push('\n');
                }
                Err(e) => {
                    let _ = writeln!(out, "(cannot pretty-print: {e})");
                }
            }
        }
        StateSummary::Binary { .. } | StateSummary::Unrecognized { .. } => {
            hex_dump(&mut out, &bytes[..bytes.len().min(hex_limit)]);
            if bytes.len() > hex_limit {
                let _ = writeln!(out, "... {} more bytes", bytes.len() - hex_limit);
            }
        }
    }
    out
}

fn hex_dump(out: &mut String, bytes: &[u8]) {
    for (i, line) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x} ", i * 16);
        for k in 0..16 {
            match line.get(k) {
                Some(b) => {
                    let _ = write!(out, " {b:02x}");
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        out.extend(line.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
}
