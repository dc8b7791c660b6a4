//! A data directory damaged from outside (a manifest deleted or replaced by an older
//! copy, the hot tier removed) is refused at open with a corruption error, and no
//! file is removed: recovery deletes only what a crash can leave behind.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use kalavar_storage::*;

/// A shared table with two flushed segments and one hot row; returns its partition
/// directory and the rows a full scan gives.
fn two_segments(dir: &Path) -> (PathBuf, Vec<(i64, Option<i64>)>) {
    let e = open(dir);
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(1, Some(1)), (2, Some(2))]))
        .unwrap();
    e.flush(t.id, None).unwrap().unwrap();
    e.insert(t.id, None, &rows(&t, &[(3, Some(3))])).unwrap();
    e.flush(t.id, None).unwrap().unwrap();
    e.insert(t.id, None, &rows(&t, &[(4, Some(4))])).unwrap();
    let all_rows = ids_x(&e, all(&t, None));
    assert_eq!(all_rows.len(), 4);
    (dir.join(format!("cold/t{}/shared", t.id.0)), all_rows)
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn refused(dir: &Path, says: &str) {
    match Engine::open(dir, options()) {
        Err(e) => {
            assert!(matches!(e, StorageError::Corrupt(_)), "{e:?}");
            assert!(e.to_string().contains(says), "{e}");
        }
        Ok(_) => panic!("a damaged directory should be refused"),
    }
}

#[test]
fn a_missing_or_older_manifest_is_refused_and_no_segment_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (part, _) = two_segments(dir.path());
    let before = files(&part);
    assert_eq!(
        before,
        [
            "manifest.json",
            "seg-00000001.parquet",
            "seg-00000002.parquet"
        ]
    );
    let manifest = part.join("manifest.json");
    let kept = std::fs::read(&manifest).unwrap();

    // Deleted.
    std::fs::remove_file(&manifest).unwrap();
    refused(dir.path(), "seg-00000002.parquet");
    assert_eq!(files(&part), before[1..], "nothing removed");

    // Replaced by one that names no segment (as before the first flush).
    let mut value: serde_json::Value = serde_json::from_slice(&kept).unwrap();
    value["segments"] = serde_json::json!([]);
    value["next_segment"] = serde_json::json!(1);
    std::fs::write(&manifest, serde_json::to_vec(&value).unwrap()).unwrap();
    refused(dir.path(), "seg-00000002.parquet");
    assert_eq!(files(&part), before, "nothing removed");

    // Put back, everything is there.
    std::fs::write(&manifest, &kept).unwrap();
    let e = open(dir.path());
    let t = e.catalog().table_by_name("app", "t").unwrap().clone();
    assert_eq!(ids_x(&e, all(&t, None)).len(), 4);
}

#[test]
fn a_missing_hot_tier_is_refused_and_the_cold_files_stay() {
    let dir = tempfile::tempdir().unwrap();
    let (part, _) = two_segments(dir.path());
    let before = files(&part);
    std::fs::remove_dir_all(dir.path().join("hot")).unwrap();
    refused(dir.path(), "hot tier and catalog are gone");
    assert_eq!(files(&part), before, "nothing removed");
}
