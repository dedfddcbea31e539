//! The CRDs checked in under `deploy/crds/` must be exactly what the types generate.
//!
//! Run with `TIDAL_UPDATE_CRDS=1` to rewrite the files instead of failing.

use std::path::PathBuf;

fn crd_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/crds")
}

#[test]
fn checked_in_crds_match_the_types() {
    let dir = crd_dir();
    let expected = tidal_api::crds::files().expect("CRDs render");
    if std::env::var_os("TIDAL_UPDATE_CRDS").is_some() {
        std::fs::create_dir_all(&dir).expect("create deploy/crds");
        for (name, contents) in &expected {
            std::fs::write(dir.join(name), contents).expect("write CRD file");
        }
    }
    let hint = "regenerate with `TIDAL_UPDATE_CRDS=1 cargo test -p tidal-api --test crds` \
                (or `cargo run -p tidal-cli -- crds --out deploy/crds`)";
    for (name, contents) in &expected {
        let path = dir.join(name);
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{} is missing ({error}); {hint}", path.display()));
        assert!(on_disk == *contents, "{} is stale; {hint}", path.display());
    }
    let mut generated: Vec<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
    generated.sort_unstable();
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .expect("read deploy/crds")
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with("tidal.dev_"))
        .collect();
    present.sort_unstable();
    assert_eq!(
        present, generated,
        "deploy/crds holds CRD files no type generates; {hint}"
    );
}
