//! Cross-check against an independent parser, webvtt-py (pinned in requirements-test.txt): the
//! Teams sample, Graph's documentation sample and generated documents must give the same cues.
//!
//! Needs `<workspace>/.venv/bin/python` (or `MEETFLOW_PYTHON`) with webvtt-py installed; fails,
//! never skips, without it.

#[path = "../../../../tests/peers/peers.rs"]
mod peers;

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use super::{documents, strategies};
use crate::{Cue, parse_vtt, write_vtt};

const GENERATED: usize = 200;

#[test]
fn webvtt_py_reads_the_same_cues() {
    let mut documents = vec![
        documents::TEAMS.to_owned(),
        "WEBVTT\n\n0:0:0.0 --> 0:0:5.320\n<v User Name>This is a transcript test.</v>\n".to_owned(),
    ];
    // Deterministic, so a failure reproduces; the proptest properties explore further.
    let mut runner = TestRunner::deterministic();
    let cues = strategies::cues();
    documents.extend((0..GENERATED).map(|_| {
        let tree = cues.new_tree(&mut runner).expect("strategy generates");
        write_vtt(&without_python_whitespace_lead(tree.current()))
    }));

    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = documents
        .iter()
        .enumerate()
        .map(|(i, vtt)| {
            let path = dir.path().join(format!("{i}.vtt"));
            std::fs::write(&path, vtt).unwrap();
            path
        })
        .collect();

    let theirs = read_with_webvtt_py(&files);
    assert_eq!(theirs.len(), documents.len());
    for (vtt, their_cues) in documents.iter().zip(theirs) {
        let ours = parse_vtt(vtt).unwrap().cues;
        assert_eq!(ours, their_cues, "document:\n{vtt}");
    }
}

/// webvtt-py finds the voice name with a regex whose `\s` is Python's (every Unicode space and
/// U+001C..U+001F), where the specification separates only at ASCII whitespace; names that start
/// with such a character are where the two legitimately differ, so they are left out here.
fn without_python_whitespace_lead(mut cues: Vec<Cue>) -> Vec<Cue> {
    let python_space = |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
    for cue in &mut cues {
        cue.speaker = cue
            .speaker
            .take()
            .map(|name| name.trim_start_matches(python_space).to_owned())
            .filter(|name| !name.is_empty());
    }
    cues
}

fn read_with_webvtt_py(files: &[PathBuf]) -> Vec<Vec<Cue>> {
    let python = peers::python_with("webvtt");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webvtt_py_cues.py");
    let output = Command::new(&python)
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "webvtt-py failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("webvtt_py_cues.py prints cues as JSON")
}
