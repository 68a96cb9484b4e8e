//! The outbox, read back with an independent MIME parser (`mailparse`).

use std::path::Path;

pub struct Eml {
    pub to: String,
    pub message_id: String,
    /// (content type with parameters, decoded body) of every leaf part.
    pub parts: Vec<(String, Vec<u8>)>,
}

impl Eml {
    pub fn parse(raw: Vec<u8>) -> anyhow::Result<Self> {
        let parsed = mailparse::parse_mail(&raw)?;
        let header = |name: &str| {
            parsed
                .headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case(name))
                .map(|h| h.get_value())
                .unwrap_or_default()
        };
        let (to, message_id) = (header("To"), header("Message-ID"));
        let mut parts = Vec::new();
        collect(&parsed, &mut parts)?;
        Ok(Self {
            to,
            message_id,
            parts,
        })
    }

    /// The leaf parts whose MIME type is `mime` (e.g. `text/calendar`).
    pub fn parts_of(&self, mime: &str) -> Vec<&(String, Vec<u8>)> {
        self.parts
            .iter()
            .filter(|(ct, _)| ct.to_ascii_lowercase().starts_with(mime))
            .collect()
    }
}

fn collect(
    part: &mailparse::ParsedMail<'_>,
    out: &mut Vec<(String, Vec<u8>)>,
) -> anyhow::Result<()> {
    if part.subparts.is_empty() {
        let ct = part
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case("Content-Type"))
            .map(|h| h.get_value())
            .unwrap_or_default();
        out.push((ct, part.get_body_raw()?));
    } else {
        for sub in &part.subparts {
            collect(sub, out)?;
        }
    }
    Ok(())
}

/// Every `.eml` in the outbox folder (none if it does not exist yet).
pub fn read_outbox(dir: &Path) -> anyhow::Result<Vec<Eml>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in entries {
        let path = e?.path();
        if path.extension().is_some_and(|x| x == "eml") {
            out.push(Eml::parse(std::fs::read(&path)?)?);
        }
    }
    Ok(out)
}
