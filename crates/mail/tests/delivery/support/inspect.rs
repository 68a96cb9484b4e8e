//! Python's `email` package as an independent MIME parser.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::peers;

/// Parses .eml files with Python's `email` package; one JSON object per file.
pub fn eml_files(files: &[PathBuf]) -> Vec<Value> {
    let python = peers::python_with("email");
    let args: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    serde_json::from_slice(&peers::run(&python, "mime_inspect.py", &args)).expect("JSON")
}
