//! Reading inputs: files, directories and stdin, in every supported format.
//! (Temporary minimal reader: JSON lines only; replaced by the full module.)

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::Arc;

use crate::messages::{Location, Messages, Reason};
use crate::Document;

#[derive(Clone, Debug)]
pub struct FieldNames {
    pub id: String,
    pub text: String,
    pub title: String,
    pub url: String,
    pub source: String,
    pub date: String,
}

#[derive(Clone, Debug)]
pub struct InputOptions {
    pub fields: FieldNames,
    pub max_doc_bytes: usize,
}

pub enum Chunk {
    Documents(Vec<Document>),
    JsonLines { file: Arc<str>, first_line: u64, data: Vec<u8> },
}

impl Chunk {
    pub fn parse(self, opts: &InputOptions, msgs: &Messages, out: &mut Vec<Document>) {
        match self {
            Chunk::Documents(d) => out.extend(d),
            Chunk::JsonLines { file, first_line, data } => {
                for (i, line) in data.split(|&b| b == b'\n').enumerate() {
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let v: serde_json::Value = match serde_json::from_slice(line) {
                        Ok(v) => v,
                        Err(e) => {
                            msgs.skip(Reason::MalformedJson, &Location::line(&*file, first_line + i as u64), e);
                            continue;
                        }
                    };
                    let get = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                    out.push(Document {
                        id: get(&opts.fields.id),
                        title: get(&opts.fields.title),
                        url: get(&opts.fields.url),
                        source: get(&opts.fields.source),
                        date: get(&opts.fields.date),
                        text: get(&opts.fields.text),
                    });
                }
            }
        }
    }
}

pub struct InputStats {
    pub files: u64,
    pub bytes: u64,
}

pub fn read_paths(
    paths: &[PathBuf],
    _opts: &InputOptions,
    _msgs: &Messages,
    send: &mut dyn FnMut(Chunk) -> bool,
) -> anyhow::Result<InputStats> {
    let mut stats = InputStats { files: 0, bytes: 0 };
    for p in paths {
        let f = std::fs::File::open(p)?;
        stats.files += 1;
        let name: Arc<str> = p.display().to_string().into();
        let mut r = BufReader::with_capacity(1 << 20, f);
        let mut line_no = 1;
        loop {
            let mut data = Vec::with_capacity(1 << 20);
            let mut lines = 0;
            while data.len() < 1 << 20 {
                let n = r.read_until(b'\n', &mut data)?;
                if n == 0 {
                    break;
                }
                lines += 1;
            }
            if data.is_empty() {
                break;
            }
            stats.bytes += data.len() as u64;
            if !send(Chunk::JsonLines { file: name.clone(), first_line: line_no, data }) {
                return Ok(stats);
            }
            line_no += lines;
        }
    }
    Ok(stats)
}
